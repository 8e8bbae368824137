"""Issue 12 feature trial (dev fold; see run.sh and docs/classifier.md). Usage: python FILE EXPORT_DIR [WHAT]."""
import json, sys, re, time
import numpy as np
from scipy.sparse import hstack
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.svm import LinearSVC
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import cross_val_predict, StratifiedKFold
from sklearn.metrics import precision_score, recall_score, f1_score, accuracy_score

D = sys.argv[1]
def load(p):
    rows = [json.loads(l) for l in open(p, encoding="utf-8")]
    return [r["text"] for r in rows], [r["label"] for r in rows]

FX, FY = load(f"{D}/fit/misconduct.jsonl"); FY = np.array([y == "yes" for y in FY])
DX, DY = load(f"{D}/dev/misconduct.jsonl"); DY = np.array([y == "yes" for y in DY])

def prf(pred, gold=DY):
    return precision_score(gold, pred), recall_score(gold, pred), f1_score(gold, pred)

SPLIT = re.compile(r"[。！？!?；;\n]+")
CLAUSE = re.compile(r"[。！？!?；;\n，,、：:]+")
def sents(t, rx=SPLIT, minlen=4):
    s = [x for x in rx.split(t) if len(x.strip()) >= minlen]
    return s or [t]

def vec(ngr=(1, 3), analyzer="char", **kw):
    return TfidfVectorizer(analyzer=analyzer, ngram_range=ngr, sublinear_tf=True, **kw)

def clf_svc(C=1.0, cw="balanced"):
    return LinearSVC(C=C, class_weight=cw)

def run(name, v, c, tx=lambda t: t):
    t0 = time.time()
    X = v.fit_transform([tx(t) for t in FX]); m = c.fit(X, FY)
    s = m.decision_function(v.transform([tx(t) for t in DX]))
    p, r, f = prf(s > 0)
    print(f"| {name} | {p:.3f} | {r:.3f} | {f:.3f} | {time.time()-t0:.0f}s |", flush=True)
    return v, m, s

which = sys.argv[2] if len(sys.argv) > 2 else "base"
if which == "base":
    v, m, s = run("char1-3 LinearSVC C=1 balanced (bench)", vec(), clf_svc())
    np.save(f"{D}/base_dev.npy", s)
    # best-threshold on dev (optimistic)
    best = max((f1_score(DY, s > th), th) for th in np.arange(-1, 1, 0.05)); print("best dev thr", best)
elif which == "ngrams":
    run("char1-4", vec((1, 4)), clf_svc())
    run("char2-4", vec((2, 4)), clf_svc())
    run("char1-2", vec((1, 2)), clf_svc())
    run("char1-3 unbalanced", vec(), clf_svc(cw=None))
    run("char1-3 C=0.3", vec(), clf_svc(C=0.3))
    run("char1-3 LR C=10 balanced", vec(), LogisticRegression(C=10, class_weight="balanced", max_iter=2000))
    run("char1-3 LR C=30 balanced", vec(), LogisticRegression(C=30, class_weight="balanced", max_iter=2000))
elif which == "firstn":
    for n in (100, 200, 400):
        run(f"first {n} chars", vec(), clf_svc(), tx=lambda t, n=n: t[:n])
