"""Deterministic selection of 640 replies for the reply-audit gold, and the annotator files.

    python3 scripts/corpus/audit_select.py                    # writes corpus/audit_selection.txt
    python3 scripts/corpus/audit_select.py --export DIR       # also DIR/slice_{0..3}.jsonl, DIR/second.jsonl

Strata by reply length in characters (so one-line acknowledgements and long reports both
appear): [0,80) [80,200) [200,450) [450,inf), 160 ids from each, random.Random(18).
The held-out 20% is fixed by the id alone: FNV-1a 64 of the id string mod 5 == 0 (texts.fnv1a64).
Only ids enter the project; the exported files live outside it.
"""
import argparse
import json
import os
import random
import sys

sys.path.insert(0, os.path.dirname(__file__))
from texts import DEFAULT_SHARED, fnv1a64  # noqa: E402

ROOT = os.path.join(os.path.dirname(__file__), "..", "..")
BINS = [(0, 80), (80, 200), (200, 450), (450, 10**9)]
PER_BIN = 160
SEED = 18


def split_of(rid):
    return "test" if fnv1a64(rid.encode()) % 5 == 0 else "train"


def load(shared):
    with open(os.path.join(shared, "messages", "replies.jsonl"), encoding="utf-8") as f:
        return [json.loads(l) for l in f if l.strip()]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--shared", default=DEFAULT_SHARED)
    ap.add_argument("--export")
    a = ap.parse_args()
    rows = load(a.shared)
    rng = random.Random(SEED)
    chosen = []
    for lo, hi in BINS:
        ids = sorted((r["id"] for r in rows if lo <= len(r["reply"]) < hi), key=int)
        chosen += rng.sample(ids, PER_BIN)
    chosen.sort(key=int)
    with open(os.path.join(ROOT, "corpus", "audit_selection.txt"), "w", encoding="utf-8") as f:
        f.write("# reply-audit selection: replies.jsonl ids, 4 length strata x 160, seed 18; "
                "split = FNV-1a64(id) % 5 == 0 -> test\n")
        for i in chosen:
            f.write(f"{i}\t{split_of(i)}\n")
    print(len(chosen), "selected;", sum(split_of(i) == "test" for i in chosen), "test")
    if a.export:
        by = {r["id"]: r for r in rows}

        def rec(i):
            r = by[i]
            msg = (r.get("title") or "") + "\n" + r["text"]
            return {"id": i, "message": msg[:1500], "reply": r["reply"],
                    "message_time": r["time"], "reply_time": r["reply_time"]}

        order = chosen[:]
        random.Random(SEED + 1).shuffle(order)
        for k in range(4):
            with open(os.path.join(a.export, f"slice_{k}.jsonl"), "w", encoding="utf-8") as f:
                for i in order[k * 160:(k + 1) * 160]:
                    f.write(json.dumps(rec(i), ensure_ascii=False) + "\n")
        second = random.Random(SEED + 2).sample(chosen, 150)
        with open(os.path.join(a.export, "second.jsonl"), "w", encoding="utf-8") as f:
            for i in second:
                f.write(json.dumps(rec(i), ensure_ascii=False) + "\n")


if __name__ == "__main__":
    main()
