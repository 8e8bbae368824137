#!/usr/bin/env python3
"""Proposes candidate pairs for tests/fixtures/paraphrase_gold.tsv (to be read and labelled by hand).

Pairs of ../shared/data/messages/hot_messages.jsonl that name the same place (an estate, road,
street, town or village written in the title or the first 300 characters) while their titles
overlap little (character-bigram Jaccard < 0.2). Prints id_a, id_b, the shared place and the
Jaccard; the texts stay in the shared folder. At most PER_PLACE pairs per place, drawn by hash.
"""
import hashlib, json, re, sys, itertools
PER_PLACE = int(sys.argv[2]) if len(sys.argv) > 2 else 6
path = sys.argv[1] if len(sys.argv) > 1 else "../shared/data/messages/hot_messages.jsonl"
PLACE = re.compile(r"([\u4e00-\u9fa5A-Za-z0-9]{2,8}?(?:小区|花园|新城|家园|公寓|苑|社区|街道|镇|乡|村|大道|路|广场|学校|小学|中学|幼儿园|医院|公司))")
GENERIC = re.compile(r"^(A\d*区?|A市|A\d+县)")
def fold(s): return "".join(c for c in s if c.isalnum())
def bigrams(s):
    s = fold(s); return {s[i:i+2] for i in range(len(s)-1)} or {s}
def jac(a, b):
    a, b = bigrams(a), bigrams(b); return len(a & b) / max(1, len(a | b))
msgs = [json.loads(l) for l in open(path)]
by_place = {}
for m in msgs:
    seen = set()
    for p in PLACE.findall(m["title"] + " " + m["text"][:300]):
        p = GENERIC.sub("", p)
        p = re.sub(r"^.*?(市|区|县)", "", p) if len(p) > 5 else p
        if len(p) < 4 or p in seen or re.match(r"^(我们|我的|本|该|这|那|一个|我|他们|有关|相关)", p):
            continue
        seen.add(p); by_place.setdefault(p, []).append(m)
out = set()
for p, ms in sorted(by_place.items()):
    if len(ms) < 2 or len(ms) > 60:
        continue
    pairs = [(a, b) for a, b in itertools.combinations(ms, 2) if jac(a["title"], b["title"]) < 0.2]
    pairs.sort(key=lambda ab: hashlib.sha1((ab[0]["id"] + ab[1]["id"]).encode()).hexdigest())
    for a, b in pairs[:PER_PLACE]:
        k = tuple(sorted((a["id"], b["id"])))
        if k not in out:
            out.add(k); print(f"{k[0]}\t{k[1]}\t{p}\t{jac(a['title'], b['title']):.2f}")
