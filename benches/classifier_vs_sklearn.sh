#!/usr/bin/env bash
# Side-by-side: suqiu's classifier and the scikit-learn reference (TF-IDF of character 1-3-grams
# + LinearSVC), both trained on the same data — the two *.train.jsonl files together (titles and
# bodies share one label set) — and scored on each *.dev.jsonl, in one run.
# Installs scikit-learn into its own virtual environment (benches/.venv-sklearn).
# Usage: benches/classifier_vs_sklearn.sh [DATA_DIR]   (default ../shared/data/messages)
set -euo pipefail
cd "$(dirname "$0")/.."
data="${1:-../shared/data/messages}"
. benches/sklearn_venv.sh
cargo build --release -q -p suqiu-cli
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
printf "%-12s %-30s %8s %8s %10s %9s %9s\n" dataset system macro_f1 accuracy msg/s MB/s train_s
train_args=(--input "$data/gov_details.train.jsonl" --input "$data/gov_titles.train.jsonl")
t0=$(date +%s.%N)
./target/release/suqiu train "${train_args[@]}" --dev "$data/gov_details.dev.jsonl" --output "$tmp/model" >/dev/null 2>&1
t1=$(date +%s.%N)
train_s=$(python3 -c "print($t1 - $t0)")
for set in gov_details gov_titles; do
  dev="$data/$set.dev.jsonl"
  ./target/release/suqiu evaluate --model "$tmp/model" --input "$dev" | tail -1 > "$tmp/eval.json"
  python3 - "$set" "$tmp/eval.json" "$train_s" <<'PY'
import json, sys
d = json.load(open(sys.argv[2]))
print(f"{sys.argv[1]:<12} {'suqiu (Rust)':<30} {d['macro_f1']:8.4f} {d['accuracy']:8.4f} {d['messages_per_second']:10.0f} {d['megabytes_per_second']:9.2f} {float(sys.argv[3]):9.2f}")
PY
done
"$venv/bin/python" - "$data" <<'PY'
import json, sys, time
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.svm import LinearSVC
from sklearn.pipeline import make_pipeline
from sklearn.metrics import f1_score, accuracy_score
def load(p):
    rows = [json.loads(l) for l in open(p, encoding="utf-8") if l.strip()]
    return [r["text"] for r in rows], [r["label"] for r in rows]
d = sys.argv[1]
X1, y1 = load(f"{d}/gov_details.train.jsonl"); X2, y2 = load(f"{d}/gov_titles.train.jsonl")
t = time.perf_counter()
clf = make_pipeline(TfidfVectorizer(analyzer="char", ngram_range=(1, 3), sublinear_tf=True), LinearSVC())
clf.fit(X1 + X2, y1 + y2)
train_s = time.perf_counter() - t
for s in ["gov_details", "gov_titles"]:
    Xdv, ydv = load(f"{d}/{s}.dev.jsonl")
    t = time.perf_counter()
    pred = clf.predict(Xdv)
    secs = time.perf_counter() - t
    mb = sum(len(x.encode("utf-8")) for x in Xdv) / 1e6
    print(f"{s:<12} {'sklearn char1-3 LinearSVC':<30} {f1_score(ydv, pred, average='macro'):8.4f} {accuracy_score(ydv, pred):8.4f} {len(Xdv)/secs:10.0f} {mb/secs:9.2f} {train_s:9.2f}")
PY
