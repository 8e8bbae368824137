#!/usr/bin/env python3
"""Frequent single characters of jieba's dictionary, for the aggregator's content-word matching
(core/profiles/zhuzhou/single_chars.tsv; docs/aggregation.md, path 2).

The aggregator matches the rarity table's words instead of cutting with jieba; a frequent
character (了, 的, 也 …) standing alone must cost less than pairing it with a neighbour as an
unknown word, as in jieba's own cut. Usage:

    python3 scripts/mine_single_chars.py ~/.cargo/registry/src/*/jieba-rs-0.11.0/src/data/dict.txt \
        > core/profiles/zhuzhou/single_chars.tsv
"""
import sys

MIN_FREQ = 10_000

total, singles = 0, []
with open(sys.argv[1], encoding="utf-8") as f:
    for line in f:
        parts = line.split()
        word, freq = parts[0], int(parts[1])
        total += freq
        if len(word) == 1 and "\u4e00" <= word <= "\u9fff" and freq >= MIN_FREQ:
            singles.append((word, freq))
singles.sort(key=lambda x: (-x[1], x[0]))
print("# Single CJK characters of jieba-rs 0.11's dict.txt with frequency >= %d" % MIN_FREQ)
print("# (scripts/mine_single_chars.py); a character's log-probability is ln(freq / total).")
print("# total\t%d" % total)
for w, c in singles:
    print("%s\t%d" % (w, c))
