#!/usr/bin/env bash
# Aggregation soak: streams COUNT synthetic reports (benches/soak/reports.py) through
# `suqiu aggregate -` with a 90-day window and prints the peak resident memory and the rate.
#
#   benches/soak/run.sh [COUNT] [SECONDS_BETWEEN_REPORTS]     (default 10000000 20)
#
# Needs /usr/bin/time (Debian package `time`). SUQIU=path uses that binary instead of
# building target/release/suqiu. The issues printed at the end go to /dev/null.
set -euo pipefail
cd "$(dirname "$0")/../.."
count=${1:-10000000}
step=${2:-20}
if [[ -z ${SUQIU:-} ]]; then
    cargo build --release -q -p suqiu-cli
    SUQIU=target/release/suqiu
fi
log=$(mktemp)
start=$(date +%s.%N)
python3 benches/soak/reports.py "$count" "$step" \
    | /usr/bin/time -v "$SUQIU" aggregate --window 90 --verbose - >/dev/null 2>"$log"
end=$(date +%s.%N)
grep -E "reports into|Maximum resident|Elapsed" "$log"
peak_kb=$(awk '/Maximum resident/ {print $NF}' "$log")
awk -v n="$count" -v kb="$peak_kb" -v s="$start" -v e="$end" 'BEGIN {
    printf "soak: %d reports, peak RSS %.0f MB, %.0f reports/s wall (%.0f s)\n", n, kb / 1024, n / (e - s), e - s
}'
rm -f "$log"
