"""Issue 12 feature trial (dev fold; see run.sh and docs/classifier.md). Usage: python FILE EXPORT_DIR [WHAT]."""
import json, sys, re, time, pickle, os
import numpy as np
from scipy.sparse import hstack
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.svm import LinearSVC
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import precision_score, recall_score, f1_score, accuracy_score
import jieba, logging
jieba.setLogLevel(logging.WARNING)
D = sys.argv[1]; which = sys.argv[2]
def load(p):
    rows = [json.loads(l) for l in open(p, encoding="utf-8")]
    return [r["text"] for r in rows], np.array([r["label"] for r in rows])
cache = {}
def words(t):
    if t not in cache: cache[t] = [w for w in jieba.lcut(t) if w.strip()]
    return cache[t]
def wvec(): return TfidfVectorizer(analyzer=lambda t: (lambda w: w + [a + " " + b for a, b in zip(w, w[1:])])(words(t)), sublinear_tf=True, min_df=2)
def wuvec(): return TfidfVectorizer(analyzer=words, sublinear_tf=True, min_df=2)
def cvec(ngr=(1, 3)): return TfidfVectorizer(analyzer="char", ngram_range=ngr, sublinear_tf=True)

class Combo:
    def __init__(self, vs, ws=None): self.vs = vs; self.ws = ws or [1.0] * len(vs)
    def fit_transform(self, X): return hstack([w * v.fit_transform(X) for v, w in zip(self.vs, self.ws)]).tocsr() / np.sqrt(sum(w * w for w in self.ws))
    def transform(self, X): return hstack([w * v.transform(X) for v, w in zip(self.vs, self.ws)]).tocsr() / np.sqrt(sum(w * w for w in self.ws))

def run(task, name, v, c, tx=lambda t: t):
    t0 = time.time()
    FX, FY = load(f"{D}/fit/{task}.jsonl"); DX, DY = load(f"{D}/dev/{task}.jsonl")
    X = v.fit_transform([tx(t) for t in FX]); m = c.fit(X, FY)
    Xd = v.transform([tx(t) for t in DX])
    if task == "misconduct":
        s = m.decision_function(Xd); p = s > 0; g = DY == "yes"
        print(f"| flag | {name} | {precision_score(g, p):.3f} | {recall_score(g, p):.3f} | {f1_score(g, p):.3f} | {time.time()-t0:.0f}s |", flush=True)
    else:
        pr = m.predict(Xd)
        kp = np.load(f"{D}/kind_dev_cat.npy", allow_pickle=True)
        gated = np.where(kp != "other", pr, "")
        print(f"| category | {name} | model acc {accuracy_score(DY, pr):.3f} | gated by kind {accuracy_score(DY, gated):.3f} | macroF1 {f1_score(DY, gated, average='macro', labels=sorted(set(DY))):.3f} | {time.time()-t0:.0f}s |", flush=True)

svc = lambda **k: LinearSVC(C=k.get("C", 1.0), class_weight=k.get("cw", "balanced"))
if which == "kind":
    FX, FY = load(f"{D}/fit/kind.jsonl"); CX, _ = load(f"{D}/dev/category.jsonl")
    v = cvec(); m = svc().fit(v.fit_transform(FX), FY)
    np.save(f"{D}/kind_dev_cat.npy", m.predict(v.transform(CX)))
    print("kind done")
elif which == "catbase":
    run("category", "char1-3 LinearSVC (bench)", cvec(), svc())
    run("category", "char1-4", cvec((1, 4)), svc())
    run("category", "char2-4", cvec((2, 4)), svc())
    run("category", "char1-3 LR C=10 balanced", cvec(), LogisticRegression(C=10, class_weight="balanced", max_iter=3000))
    run("category", "char1-3 unbalanced", cvec(), svc(cw=None))
    run("category", "char1-3 C=0.5", cvec(), svc(C=0.5))
    for n in (100, 200):
        run("category", f"first {n} chars", cvec(), svc(), tx=lambda t, n=n: t[:n])
elif which == "words":
    run("misconduct", "jieba words+bigrams only", wvec(), svc())
    run("misconduct", "char1-3 + jieba words+bigrams", Combo([cvec(), wvec()]), svc())
    run("misconduct", "char1-3 + jieba words", Combo([cvec(), wuvec()]), svc())
    run("category", "jieba words+bigrams only", wvec(), svc())
    run("category", "char1-3 + jieba words+bigrams", Combo([cvec(), wvec()]), svc())
    run("category", "char1-3 + jieba words", Combo([cvec(), wuvec()]), svc())
elif which == "words2":
    run("category", "char1-3 + jieba words, C=0.5", Combo([cvec(), wuvec()]), svc(C=0.5))
    run("category", "char1-3 + jieba words x0.7", Combo([cvec(), wuvec()], [1, 0.7]), svc())
    run("category", "char1-3 + jieba words x1.4", Combo([cvec(), wuvec()], [1, 1.4]), svc())
    run("category", "char1-2 + jieba words", Combo([cvec((1, 2)), wuvec()]), svc())
    run("misconduct", "char1-2 + jieba words", Combo([cvec((1, 2)), wuvec()]), svc())
    run("category", "char1-3 + jieba words, first 400 chars", Combo([cvec(), wuvec()]), svc(), tx=lambda t: t[:400])
