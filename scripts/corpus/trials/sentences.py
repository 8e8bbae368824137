"""Issue 12 feature trial (dev fold; see run.sh and docs/classifier.md). Usage: python FILE EXPORT_DIR [WHAT]."""
import json, sys, re, time
import numpy as np
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.svm import LinearSVC
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import StratifiedKFold
from sklearn.metrics import precision_score, recall_score, f1_score

D = sys.argv[1]; mode = sys.argv[2] if len(sys.argv) > 2 else "sent"
def load(p):
    rows = [json.loads(l) for l in open(p, encoding="utf-8")]
    return [r["text"] for r in rows], np.array([r["label"] == "yes" for r in rows])
FX, FY = load(f"{D}/fit/misconduct.jsonl"); DX, DY = load(f"{D}/dev/misconduct.jsonl")
RX = {"sent": re.compile(r"[。！？!?；;\n]+"), "clause": re.compile(r"[。！？!?；;\n，,：:]+")}[mode]
def sents(t):
    s = [x for x in RX.split(t) if len(x.strip()) >= 6]
    return s or [t]
def explode(X):
    S, owner = [], []
    for i, t in enumerate(X):
        for s in sents(t): S.append(s); owner.append(i)
    return S, np.array(owner)
t0 = time.time()
vec = TfidfVectorizer(analyzer="char", ngram_range=(1, 3), sublinear_tf=True)
Xf = vec.fit_transform(FX); Xd = vec.transform(DX)
FS, Fo = explode(FX); DS, Do = explode(DX)
Xfs = vec.transform(FS); Xds = vec.transform(DS)
print("vectorized", time.time() - t0, len(FS), len(DS), flush=True)

def agg(sc, owner, n):
    mx = np.full(n, -9.0); t2 = np.zeros(n); cnt = np.zeros(n)
    order = np.argsort(owner, kind="stable")
    per = [[] for _ in range(n)]
    for j in range(len(sc)): per[owner[j]].append(sc[j])
    for i in range(n):
        v = sorted(per[i], reverse=True)
        mx[i] = v[0]; t2[i] = np.mean(v[:2]); cnt[i] = len(v)
    return mx, t2, cnt

def feats(doc, sentsc, owner, n, Xtexts):
    mx, t2, cnt = agg(sentsc, owner, n)
    L = np.array([np.log1p(len(t)) for t in Xtexts])
    return np.c_[doc, mx, t2, L]

def models_scores(trX, trY, trS, trSY, teX, teS):
    """doc model -> doc score and sentence score; clause model (sentences labelled by doc) -> sentence score"""
    m = LinearSVC(C=1.0, class_weight="balanced").fit(trX, trY)
    ms = LinearSVC(C=1.0, class_weight="balanced").fit(trS, trSY)
    return m.decision_function(teX), m.decision_function(teS), ms.decision_function(teS)

# out-of-fold on fit
kf = StratifiedKFold(5, shuffle=True, random_state=0)
n = len(FX); oof = np.zeros((n, 3)); oofs_doc = np.zeros(len(FS)); oofs_cl = np.zeros(len(FS))
for tr, te in kf.split(np.zeros(n), FY):
    trm = np.isin(Fo, tr); tem = np.isin(Fo, te)
    d, s1, s2 = models_scores(Xf[tr], FY[tr], Xfs[trm], FY[Fo[trm]], Xf[te], Xfs[tem])
    oof[te, 0] = d; oofs_doc[tem] = s1; oofs_cl[tem] = s2
print("oof done", time.time() - t0, flush=True)
d, s1, s2 = models_scores(Xf, FY, Xfs, FY[Fo], Xd, Xds)
np.save(f"{D}/{mode}_scores.npy", np.r_[d])

def rep(name, ptr, pte, thr_fit=True):
    # threshold chosen on fit OOF for F1
    th = max(np.arange(-2, 2, 0.02), key=lambda th: f1_score(FY, ptr > th)) if thr_fit else 0
    p = pte > th
    print(f"| {name} | {precision_score(DY, p):.3f} | {recall_score(DY, p):.3f} | {f1_score(DY, p):.3f} | thr {th:.2f} | dev-best F1 {max(f1_score(DY, pte > t) for t in np.arange(-2, 2, 0.02)):.3f} |", flush=True)

rep("doc only, thr 0", oof[:, 0], d, thr_fit=False)
rep("doc only, thr on fit OOF", oof[:, 0], d)
for sname, trs, tes in (("doc-model sentences", oofs_doc, s1), ("clause-model sentences", oofs_cl, s2)):
    fF = feats(oof[:, 0], trs, Fo, n, FX); fD = feats(d, tes, Do, len(DX), DX)
    rep(f"{sname}: max only", fF[:, 1], fD[:, 1])
    rep(f"{sname}: top2 only", fF[:, 2], fD[:, 2])
    for a in (0.3, 0.5, 0.7):
        rep(f"{sname}: {a}*doc+{1-a:.1f}*max", a * fF[:, 0] + (1 - a) * fF[:, 1], a * fD[:, 0] + (1 - a) * fD[:, 1])
        rep(f"{sname}: {a}*doc+{1-a:.1f}*top2", a * fF[:, 0] + (1 - a) * fF[:, 2], a * fD[:, 0] + (1 - a) * fD[:, 2])
    st = LogisticRegression(C=1.0).fit(fF, FY)
    rep(f"{sname}: LR stack(doc,max,top2,loglen)", st.decision_function(fF), st.decision_function(fD))
print("done", time.time() - t0)
