#!/usr/bin/env bash
# Aggregation soak: streams COUNT synthetic reports (benches/soak/reports.py) through
# `suqiu aggregate -` with a 90-day window and prints the peak resident memory and the rate,
# and, every SAMPLE seconds (default 60), a line of the growth curve: seconds, input read
# (MB and, at the generator's mean line length, reports), resident and peak memory.
#
#   benches/soak/run.sh [COUNT] [SECONDS_BETWEEN_REPORTS]     (default 10000000 20)
#
# Needs /usr/bin/time (Debian package `time`). SUQIU=path uses that binary instead of
# building target/release/suqiu. The issues printed at the end go to /dev/null.
set -euo pipefail
cd "$(dirname "$0")/../.."
count=${1:-10000000}
step=${2:-20}
sample=${SAMPLE:-60}
if [[ -z ${SUQIU:-} ]]; then
    cargo build --release -q -p suqiu-cli
    SUQIU=target/release/suqiu
fi
log=$(mktemp)
start=$(date +%s.%N)
python3 benches/soak/reports.py "$count" "$step" \
    | /usr/bin/time -v "$SUQIU" aggregate --window 90 --verbose - >/dev/null 2>"$log" &
pipeline=$!
# The growth curve, from /proc of the aggregating process while it runs.
line_bytes=$(python3 benches/soak/reports.py 2000 "$step" | wc -c)
while kill -0 "$pipeline" 2>/dev/null; do
    for ((i = 0; i < sample; i++)); do
        kill -0 "$pipeline" 2>/dev/null || break 2
        sleep 1
    done
    pid=$(pgrep -n -f "^$SUQIU aggregate --window 90 --verbose -$" || true)
    [[ -n $pid && -r /proc/$pid/io ]] || continue
    awk -v t="$(date +%s.%N)" -v s="$start" -v lb="$line_bytes" '
        /^rchar:/ { read = $2 }
        /^VmRSS:/ { rss = $2 }
        /^VmHWM:/ { hwm = $2 }
        END { printf "soak: %5.0f s, %8.1f MB read (~%d reports), RSS %6.0f MB, peak %6.0f MB\n",
                     t - s, read / 1e6, read / (lb / 2000), rss / 1024, hwm / 1024 }' \
        "/proc/$pid/io" "/proc/$pid/status" 2>/dev/null || true
done
wait "$pipeline"
end=$(date +%s.%N)
grep -E "reports into|Maximum resident|Elapsed" "$log"
peak_kb=$(awk '/Maximum resident/ {print $NF}' "$log")
awk -v n="$count" -v kb="$peak_kb" -v s="$start" -v e="$end" 'BEGIN {
    printf "soak: %d reports, peak RSS %.0f MB, %.0f reports/s wall (%.0f s)\n", n, kb / 1024, n / (e - s), e - s
}'
rm -f "$log"
