#!/usr/bin/env bash
# Regenerate core/data/zhuzhou-divisions.csv, the embedded default gazetteer.
# Source: ../shared/data/divisions/china.csv (NBS 2023 统计用区划代码, public facts).
# Keeps the header, the province 湖南省 (43) and every row of the 株洲市 (4302) subtree.
set -euo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"
src="${1:-$here/../shared/data/divisions/china.csv}"
out="$here/core/data/zhuzhou-divisions.csv"
awk -F, 'NR==1 || $1=="43" || substr($1,1,4)=="4302"' "$src" > "$out"
echo "wrote $(($(wc -l < "$out") - 1)) divisions to $out"
