#!/usr/bin/env bash
# Trains the embedded profile's models from the labelled corpus (training split only).
#
#   scripts/corpus/train.sh [OUT_DIR [DEV_PROFILE_DIR]]   # default OUT_DIR: core/profiles/zhuzhou
#
# With DEV_PROFILE_DIR, the stage-1 models (trained without the dev fold) are also written there
# beside a copy of the rest of the profile, so that the blend can be tuned honestly:
#   suqiu evaluate-triage --labels corpus/triage_labels.jsonl --split dev --profile DEV_PROFILE_DIR
#
# Needs ../shared/data (the texts; the corpus holds ids only). The held-out 20% is never
# exported. Two stages: (1) train on the "fit" fold of the training split and fit each model's
# softmax temperature on the "dev" fold; (2) train on the whole training split and keep the
# stage-1 temperature (a temperature fitted on examples the model trained on is overconfident).
# Settings, chosen on the dev fold (docs/how-it-decides.md): 2^16 hash buckets, character
# 1-3-grams, C = 1, 3,000 chatter lines outside the corpus as extra `other`, for the kind
# model up to 3 clauses of each training message that is not `other` (see export.py), and the
# messages written for the project (corpus/written_train.jsonl: village groups, hotline records,
# board letters; once each).
set -euo pipefail
cd "$(dirname "$0")/../.."
out=${1:-core/profiles/zhuzhou}
dev_profile=${2:-}
bits=${SUQIU_HASH_BITS:-16}
c=${SUQIU_C:-1}
extra=${SUQIU_EXTRA_CHATTER:-3000}
written_repeat=${SUQIU_WRITTEN_REPEAT:-1}
written=()
[ -f corpus/written_train.jsonl ] && written=(--written corpus/written_train.jsonl --written-repeat "$written_repeat")
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cargo build --release -q -p suqiu-cli
python3 scripts/corpus/export.py "$work/all" --extra-chatter "$extra" --clauses 3 "${written[@]}"
python3 scripts/corpus/export.py "$work/fit" --fold fit --extra-chatter "$extra" --clauses 3 "${written[@]}"
python3 scripts/corpus/export.py "$work/dev" --fold dev
for m in kind category misconduct; do
  t=$(target/release/suqiu train --input "$work/fit/$m.jsonl" --dev "$work/dev/$m.jsonl" \
        --output "$work/$m.fit.model" --hash-bits "$bits" --c "$c" --seed 1 2>/dev/null \
      | python3 -c 'import json,sys; print(json.load(sys.stdin)["temperature"])')
  if [ -n "$dev_profile" ]; then
    mkdir -p "$dev_profile"
    find core/profiles/zhuzhou -maxdepth 1 -type f ! -name '*.model' -exec cp {} "$dev_profile/" \;
    cp "$work/$m.fit.model" "$dev_profile/$m.model"
  fi
  target/release/suqiu train --input "$work/all/$m.jsonl" --output "$out/$m.model" \
    --hash-bits "$bits" --c "$c" --seed 1 --temperature "$t"
done
