"""Issue 12 feature trial (dev fold; see run.sh and docs/classifier.md). Usage: python FILE EXPORT_DIR [WHAT]."""
import json, sys, numpy as np
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.svm import LinearSVC
from sklearn.metrics import precision_score, recall_score, f1_score
D = sys.argv[1]
def load(p):
    rows = [json.loads(l) for l in open(p, encoding="utf-8")]
    return [r["text"] for r in rows], np.array([r["label"] == "yes" for r in rows])
DX, DY = load(f"{D}/dev/misconduct.jsonl")
for fit, name in (("fitplain", "corpus only (no written, no extra chatter)"), ("fitnoch", "corpus + written, no extra chatter")):
    X, Y = load(f"{D}/{fit}/misconduct.jsonl")
    v = TfidfVectorizer(analyzer="char", ngram_range=(1, 3), sublinear_tf=True)
    m = LinearSVC(C=1.0, class_weight="balanced").fit(v.fit_transform(X), Y)
    s = m.decision_function(v.transform(DX)); p = s > 0
    print(f"| {name} | {precision_score(DY, p):.3f} | {recall_score(DY, p):.3f} | {f1_score(DY, p):.3f} | dev-best {max(f1_score(DY, s > t) for t in np.arange(-1, 1, .02)):.3f} |", flush=True)
