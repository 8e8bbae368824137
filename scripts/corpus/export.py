"""Writes training files for `suqiu train` from the labelled corpus (texts resolved from ../shared).

    python3 scripts/corpus/export.py OUTDIR [--split train|test|all] [--holdout-fold]

OUTDIR gets kind.jsonl, category.jsonl, misconduct.jsonl: `{"text","label"}` lines.
- kind: every record, label = kind.
- category: records whose kind is not `other`, label = category.
- misconduct: every record, label = "yes" | "no" (the misconduct flag).
`--split train` (the default) keeps the 80% that is not held out; the held-out 20% is never
exported for training. `--fold dev` / `--fold fit` split the training part once more (by
another hash) so blend weights can be chosen without touching the held-out part.
`--clauses N` adds, for the kind model, up to N clauses (12-50 characters, split at 。！？；,
salutations skipped) of every training message that is not `other`, with the message's kind:
the models otherwise see short texts only as chatter and call short village posts `other`.
A labelled record that carries its own `text` (the written test set) is exported with it.
`--written FILE` (repeatable) adds village-group messages written for the project with their
labels (`corpus/written_train.jsonl`: text and labels inline, none of them from ../shared), each
`--written-repeat K` times: the corpus's messages are board letters and chat lines, and the
models otherwise never see how villagers write in their groups. The written test set
(`corpus/village_test.jsonl`, another writer) is never exported.
`--extra-chatter N` adds N chatter lines that are not in the corpus as `other`/`no` (the
chatter file was built from messages with no complaint in them, see its README).
"""
import argparse
import json
import os
import random
import re
import sys

sys.path.insert(0, os.path.dirname(__file__))
from texts import fnv1a64, load_all, split_of  # noqa: E402

HERE = os.path.dirname(__file__)


def fold_of(corpus_id):
    key = corpus_id[: -len(":title")] if corpus_id.endswith(":title") else corpus_id
    return "dev" if fnv1a64(("fold:" + key).encode()) % 5 == 0 else "fit"


# The message board's own topic labels where one of them means one of our categories.
BOARD_TO_CATEGORY = {
    "环境保护": "environment",
    "交通运输": "roads_transport",
    "教育文体": "education_health",
    "卫生计生": "education_health",
    "劳动和社会保障": "social_aid",
}


def export_board(a, texts, labelled, out):
    """Adds up to N board messages per mapped topic label to the category data (weak labels).

    Only training-split ids that are not in the corpus; the held-out 20% stays out.
    """
    import collections
    import random

    per = collections.defaultdict(list)
    shared = os.path.join(HERE, "..", "..", "..", "shared", "data", "messages")
    for short, name in (("gt", "gov_titles"), ("gd", "gov_details")):
        for split in ("train", "dev"):
            with open(os.path.join(shared, f"{name}.{split}.jsonl"), encoding="utf-8") as f:
                for n, line in enumerate(f, 1):
                    i = f"{short}.{split}:{n}"
                    cat = BOARD_TO_CATEGORY.get(json.loads(line)["label"])
                    if not cat or i in labelled or split_of(i) != "train" or (a.fold and fold_of(i) != a.fold):
                        continue
                    per[cat].append(i)
    rnd = random.Random(5)
    k = 0
    for cat in sorted(per):
        ids = sorted(per[cat])
        rnd.shuffle(ids)
        for i in ids[: a.board_per_class]:
            out.write(json.dumps({"text": texts[i], "label": cat}, ensure_ascii=False) + "\n")
            k += 1
    return k


def clauses(text, n, rnd):
    """Up to `n` random clauses of 12-50 characters that are not salutations."""
    found = [
        c.strip()
        for c in re.split(r"[。！？!?；;\n]", text)
        if 12 <= len(c.strip()) <= 50 and not re.search("尊敬|您好|领导|你好", c)
    ]
    rnd.shuffle(found)
    return found[:n]


def training_line(text, label):
    return json.dumps({"text": text, "label": label}, ensure_ascii=False) + "\n"


def write_labels(out, text, d):
    """A record's training lines: its kind, its category (unless `other`), its flag."""
    out["kind"].write(training_line(text, d["kind"]))
    if d["kind"] != "other":
        out["category"].write(training_line(text, d["category"]))
    out["misconduct"].write(training_line(text, "yes" if d["misconduct"] else "no"))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("outdir")
    ap.add_argument("--labels", default=os.path.join(HERE, "..", "..", "corpus", "triage_labels.jsonl"))
    ap.add_argument("--split", default="train", choices=["train", "test", "all"])
    ap.add_argument("--fold", choices=["fit", "dev"])
    ap.add_argument("--extra-chatter", type=int, default=0)
    ap.add_argument("--clauses", type=int, default=0)
    ap.add_argument("--board-per-class", type=int, default=0)
    ap.add_argument("--written", action="append", default=[])
    ap.add_argument("--written-repeat", type=int, default=1)
    a = ap.parse_args()
    texts = load_all()
    os.makedirs(a.outdir, exist_ok=True)
    out = {n: open(os.path.join(a.outdir, f"{n}.jsonl"), "w", encoding="utf-8") for n in ("kind", "category", "misconduct")}
    labelled = set()
    rnd = random.Random(3)
    n = 0
    for line in open(a.labels, encoding="utf-8"):
        d = json.loads(line)
        i = d["id"]
        labelled.add(i)
        if a.split != "all" and split_of(i) != a.split:
            continue
        if a.fold and fold_of(i) != a.fold:
            continue
        t = d.get("text") or texts[i]
        write_labels(out, t, d)
        if a.clauses and d["kind"] != "other":
            for c in clauses(t, a.clauses, rnd):
                out["kind"].write(training_line(c, d["kind"]))
        n += 1
    extra = 0
    if a.extra_chatter and a.split == "train":
        for i in sorted(k for k in texts if k.startswith("chat:")):
            if extra >= a.extra_chatter:
                break
            # Only chatter outside the corpus, and only lines whose key would be training data,
            # so that no held-out line's neighbours... (chatter lines are independent).
            if i in labelled or split_of(i) != "train" or (a.fold and fold_of(i) != a.fold):
                continue
            for f, lab in (("kind", "other"), ("misconduct", "no")):
                out[f].write(training_line(texts[i], lab))
            extra += 1
    written = 0
    if a.split == "train":
        for path in a.written:
            for line in open(path, encoding="utf-8"):
                if not line.strip():
                    continue
                d = json.loads(line)
                for _ in range(a.written_repeat):
                    write_labels(out, d["text"], d)
                written += 1
    board = 0
    if a.board_per_class and a.split == "train":
        board = export_board(a, texts, labelled, out["category"])
    print(f"exported {n} labelled records, {written} written messages, {board} board messages "
          f"and {extra} extra chatter lines to {a.outdir}", file=sys.stderr)


if __name__ == "__main__":
    main()
