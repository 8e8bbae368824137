"""Deterministic selection of 640 replies for the reply-audit gold, and the annotator files.

    python3 scripts/corpus/audit_select.py                    # writes corpus/audit_selection.txt
    python3 scripts/corpus/audit_select.py --export DIR       # also DIR/slice_{0..3}.jsonl, DIR/second.jsonl
    python3 scripts/corpus/audit_select.py --round 2 [--export DIR]   # second draw: DIR/slice_{4..7}.jsonl

Strata by reply length in characters (so one-line acknowledgements and long reports both
appear): [0,80) [80,200) [200,450) [450,inf), 160 ids from each, random.Random(18).
The held-out 20% is fixed by the id alone: FNV-1a 64 of the id string mod 5 == 0 (texts.fnv1a64).
Only ids enter the project; the exported files live outside it.

Round 2 (session 5, to measure precision on more than 129 held-out replies) draws another
4 x 160 from the replies round 1 did not choose, same strata, random.Random(28), and appends
them to the selection file marked "round2". The split rule is the same, so the held-out part
of round 1 is unchanged and simply grows.
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


def draw(rows, seed, taken):
    """160 ids per reply-length stratum, none of them in `taken`, sorted by id."""
    rng = random.Random(seed)
    chosen = []
    for lo, hi in BINS:
        ids = sorted((r["id"] for r in rows
                      if lo <= len(r["reply"]) < hi and r["id"] not in taken), key=int)
        chosen += rng.sample(ids, PER_BIN)
    chosen.sort(key=int)
    return chosen


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--shared", default=DEFAULT_SHARED)
    ap.add_argument("--export")
    ap.add_argument("--round", type=int, default=1, choices=(1, 2))
    a = ap.parse_args()
    rows = load(a.shared)
    first = draw(rows, SEED, set())
    chosen = first if a.round == 1 else draw(rows, SEED + 10, set(first))
    path = os.path.join(ROOT, "corpus", "audit_selection.txt")
    with open(path, "w", encoding="utf-8") as f:
        f.write("# reply-audit selection: replies.jsonl ids, 4 length strata x 160, seed 18; "
                "split = FNV-1a64(id) % 5 == 0 -> test\n")
        for i in first:
            f.write(f"{i}\t{split_of(i)}\n")
        if a.round == 2:
            f.write("# round 2: another 4 x 160 from the rest, seed 28; same split rule\n")
            for i in chosen:
                f.write(f"{i}\t{split_of(i)}\tround2\n")
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
        base = 0 if a.round == 1 else 4
        for k in range(4):
            with open(os.path.join(a.export, f"slice_{base + k}.jsonl"), "w",
                      encoding="utf-8") as f:
                for i in order[k * 160:(k + 1) * 160]:
                    f.write(json.dumps(rec(i), ensure_ascii=False) + "\n")
        if a.round == 2:
            return
        second = random.Random(SEED + 2).sample(chosen, 150)
        with open(os.path.join(a.export, "second.jsonl"), "w", encoding="utf-8") as f:
            for i in second:
                f.write(json.dumps(rec(i), ensure_ascii=False) + "\n")


if __name__ == "__main__":
    main()
