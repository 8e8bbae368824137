#!/usr/bin/env bash
# Places side by side: suqiu and the Chinese address parsers people use (cpca, JioNLP,
# addressparser) on the same address cases, scored by the same rules (`suqiu evaluate-places
# --help`), plus the time per address of suqiu's `locate` and of cpca on one thread.
#
#   benches/places_vs_parsers.sh [CASES.jsonl]     (default ../shared/data/addresses/peer_unit.jsonl)
#
# The parsers are installed from the package index into benches/.venv-places (gitignored) on
# first use. Each parser's answers are written as {"names": {...}} lines and scored by
# `suqiu evaluate-places --answers`; the output is one Markdown table (accuracy per level, then
# the share of cases with a wrong level).
set -euo pipefail
cd "$(dirname "$0")/.."
cases=${1:-../shared/data/addresses/peer_unit.jsonl}
divisions=../shared/data/divisions/china.csv
venv=benches/.venv-places
if [ ! -x "$venv/bin/python" ]; then
  python3 -m venv "$venv"
  "$venv/bin/pip" install -q cpca jionlp addressparser six
fi
cargo build --release -q -p suqiu-cli
suqiu=target/release/suqiu
tmp=$(mktemp -d)
[ -n "${KEEP:-}" ] || trap 'rm -rf "$tmp"' EXIT
[ -z "${KEEP:-}" ] || echo "answers kept in $tmp" >&2
"$venv/bin/python" - "$cases" "$tmp" <<'PY' 2>/dev/null
import json, sys, time
import cpca, jionlp, addressparser

cases = [json.loads(l) for l in open(sys.argv[1], encoding="utf-8") if l.strip()]
texts = [c["text"] for c in cases]
out = sys.argv[2]

def clean(v):
    return v if isinstance(v, str) and v else None

def write(name, rows):
    with open(f"{out}/{name}.jsonl", "w", encoding="utf-8") as f:
        for r in rows:
            f.write(json.dumps({"names": r}, ensure_ascii=False) + "\n")

def frame(df):
    return [{"province": clean(r["省"]), "city": clean(r["市"]), "county": clean(r["区"])}
            for r in df.to_dict("records")]

write("cpca", frame(cpca.transform(texts)))
write("addressparser", frame(addressparser.transform(texts)))
rows = []
for t in texts:
    try:
        r = jionlp.parse_location(t, town_village=True)
    except Exception:
        r = {}
    rows.append({"province": clean(r.get("province")), "city": clean(r.get("city")),
                 "county": clean(r.get("county")), "township": clean(r.get("town")),
                 "village": clean(r.get("village"))})
write("jionlp", rows)
# cpca's time per address, one call per address as an address-cleaning loop makes it.
cpca.transform(texts[:5])
best = float("inf")
for _ in range(3):
    t0 = time.perf_counter()
    for t in texts:
        cpca.transform([t])
    best = min(best, (time.perf_counter() - t0) / len(texts))
with open(f"{out}/cpca_seconds", "w") as f:
    f.write(repr(best))
PY
# suqiu's time per address: `suqiu bench` times Engine::locate in process on one thread.
python3 - "$cases" > "$tmp/texts.jsonl" <<'PY'
import json, sys
for l in open(sys.argv[1], encoding="utf-8"):
    if l.strip():
        print(json.dumps({"text": json.loads(l)["text"]}, ensure_ascii=False))
PY
"$suqiu" bench --input "$tmp/texts.jsonl" --divisions "$divisions" --threads 1 2>/dev/null | tail -1 > "$tmp/bench.json"
score() { "$suqiu" evaluate-places --cases "$cases" --divisions "$divisions" "$@" | tail -1; }
{
  echo "suqiu $(score)"
  for p in cpca jionlp addressparser; do echo "$p $(score --answers "$tmp/$p.jsonl")"; done
} > "$tmp/scores"
python3 - "$tmp/scores" "$(cat "$tmp/cpca_seconds")" "$tmp/bench.json" <<'PY'
import json, sys
rows = [l.split(" ", 1) for l in open(sys.argv[1], encoding="utf-8")]
res = {name: json.loads(js) for name, js in rows}
names = [r[0] for r in rows]
print("| level | " + " | ".join(names) + " |")
print("|---|" + "---|" * len(names))
for level in ["province", "city", "county", "township", "village"]:
    if level not in res["suqiu"]["levels"]:
        continue
    cells = []
    for n in names:
        lv = res[n]["levels"].get(level)
        answered = lv and (lv["right"] + lv["wrong"]) > 0
        cells.append(f'{lv["accuracy"]:.3f}' if lv and (answered or n == "suqiu") else "—")
    print(f"| {level} | " + " | ".join(cells) + " |")
print("| cases with a wrong level | " + " | ".join(f'{res[n]["wrong_share"]:.3f}' for n in names) + " |")
cpca_s = float(sys.argv[2])
suqiu_s = 1.0 / json.load(open(sys.argv[3]))["locate_1_thread"]["messages_per_second"]
print(f"\nper address, one thread: suqiu locate {suqiu_s * 1e6:.1f} µs, cpca {cpca_s * 1e6:.0f} µs "
      f"({cpca_s / max(suqiu_s, 1e-9):.0f}× faster)")
PY
