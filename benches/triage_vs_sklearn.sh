#!/usr/bin/env bash
# The triage corpus's held-out 20%, scored by `suqiu evaluate-triage` (lexicon only, models only,
# shipped blend) and, beside it, by scikit-learn (TF-IDF of character 1-3-grams + LinearSVC, C=1,
# balanced) trained on exactly the training export the shipped models learn from
# (scripts/corpus/export.py with the same options as scripts/corpus/train.sh, the written village
# messages included). Then the same two for the written village test set (another writer's 300
# messages, corpus/village_test.jsonl), which neither learner trains on.
# Installs scikit-learn into its own virtual environment (benches/.venv-sklearn).
# Usage: benches/triage_vs_sklearn.sh        (needs ../shared/data)
set -euo pipefail
cd "$(dirname "$0")/.."
. benches/sklearn_venv.sh
cargo build --release -q -p suqiu-cli
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
python3 scripts/corpus/export.py "$tmp/train" --extra-chatter 3000 --clauses 3 \
  --written corpus/written_train.jsonl --written-repeat 1 2>/dev/null
python3 scripts/corpus/export.py "$tmp/test" --split test 2>/dev/null
# The village test set in the exporter's layout, for scikit-learn (its records carry their text).
python3 scripts/corpus/export.py "$tmp/village" --labels corpus/village_test.jsonl --split all 2>/dev/null
for part in test village; do
if [ "$part" = test ]; then
  echo "## held-out 20% of the corpus"
  ./target/release/suqiu evaluate-triage --labels corpus/triage_labels.jsonl
else
  echo; echo "## written village test set (corpus/village_test.jsonl)"
  ./target/release/suqiu evaluate-triage --labels corpus/village_test.jsonl --split all
fi
"$venv/bin/python" - "$tmp" "$part" <<'PY'
import json, sys
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.svm import LinearSVC
from sklearn.metrics import accuracy_score, f1_score, precision_score, recall_score

tmp, part = sys.argv[1], sys.argv[2]
def load(p):
    rows = [json.loads(l) for l in open(p, encoding="utf-8")]
    return [r["text"] for r in rows], [r["label"] for r in rows]

def fit(name):
    x, y = load(f"{tmp}/train/{name}.jsonl")
    vec = TfidfVectorizer(analyzer="char", ngram_range=(1, 3), sublinear_tf=True)
    clf = LinearSVC(C=1.0, class_weight="balanced").fit(vec.fit_transform(x), y)
    return lambda t: list(clf.predict(vec.transform(t)))

kind, cat, mis = fit("kind"), fit("category"), fit("misconduct")
tx, ty = load(f"{tmp}/{part}/kind.jsonl")
_, my = load(f"{tmp}/{part}/misconduct.jsonl")
cx, cy = load(f"{tmp}/{part}/category.jsonl")
kp, mp = kind(tx), mis(tx)
# Category is scored on messages whose gold kind is not other; a message predicted `other` has
# no category, as in evaluate-triage.
kp_c = kind(cx)
cp = [c if k != "other" else "" for c, k in zip(cat(cx), kp_c)]
other = [i for i, g in enumerate(ty) if g == "other"]
print(f"| scikit-learn char1-3 LinearSVC | {accuracy_score(ty, kp):.3f} | {f1_score(ty, kp, average='macro'):.3f} | "
      f"{precision_score(my, mp, pos_label='yes'):.3f} | {recall_score(my, mp, pos_label='yes'):.3f} | "
      f"{accuracy_score(cy, cp):.3f} | {f1_score(cy, cp, average='macro', labels=sorted(set(cy))):.3f} | "
      f"{sum(kp[i] == 'other' for i in other) / max(1, len(other)):.3f} |")
PY
done
