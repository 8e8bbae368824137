#!/usr/bin/env bash
# Issue 12's feature trials (docs/classifier.md, "What was tried for the flag and category"):
# scikit-learn trained on the dev fold's complement ("fit", exported as scripts/corpus/train.sh
# exports it) and scored on the dev fold. The held-out 20% is never exported.
#   scripts/corpus/trials/run.sh      (needs ../shared/data; about 30 min on 2 idle cores)
set -euo pipefail
cd "$(dirname "$0")/../../.."
. benches/sklearn_venv.sh
"$venv/bin/pip" install -q jieba
d=$(mktemp -d)
trap 'rm -rf "$d"' EXIT
python3 scripts/corpus/export.py "$d/fit" --fold fit --extra-chatter 3000 --clauses 3 \
  --written corpus/written_train.jsonl --written-repeat 1
python3 scripts/corpus/export.py "$d/dev" --fold dev
python3 scripts/corpus/export.py "$d/fitplain" --fold fit
python3 scripts/corpus/export.py "$d/fitnoch" --fold fit --written corpus/written_train.jsonl --written-repeat 1
py="$venv/bin/python"
t=scripts/corpus/trials
$py $t/ngrams.py "$d" base        # flag: the bench's config (char 1-3, LinearSVC C=1, balanced)
$py $t/ngrams.py "$d" ngrams      # flag: n-gram ranges, class weights, C, logistic regression
$py $t/ngrams.py "$d" firstn      # flag: the first N characters only
$py $t/sentences.py "$d" sent     # flag: sentence scores (max, top-2 mean) blended with the document's
$py $t/training_data.py "$d"      # flag: without the written messages / extra chatter
$py $t/words_category.py "$d" kind     # the kind model's predictions (category is gated by them)
$py $t/words_category.py "$d" catbase  # category: n-grams, C, class weights, LR, first N
$py $t/words_category.py "$d" words    # flag and category: jieba words (+ bigrams) beside char n-grams
$py $t/words_category.py "$d" words2   # category: word weight, C, char 1-2 + words
