"""Resolves corpus ids to the real message texts in ../shared/data (the texts never enter the project).

Id scheme (stable, because the shared files are read-only):
  gt.train:N / gt.dev:N    line N (1-based) of messages/gov_titles.{train,dev}.jsonl
  gd.train:N / gd.dev:N    line N of messages/gov_details.{train,dev}.jsonl
  hot:ID / hot:ID:title    body / title of hot_messages.jsonl record ID
  rep:ID / rep:ID:title    body / title of replies.jsonl record ID (the citizen's message)
  chat:ID                  chatter/chatter.jsonl record ID
"""
import json
import os

DEFAULT_SHARED = os.path.join(os.path.dirname(__file__), "..", "..", "..", "shared", "data")


def load_all(shared=DEFAULT_SHARED):
    """Returns {id: text} for every addressable text."""
    out = {}
    m = os.path.join(shared, "messages")
    for short, name in (("gt", "gov_titles"), ("gd", "gov_details")):
        for split in ("train", "dev"):
            with open(os.path.join(m, f"{name}.{split}.jsonl"), encoding="utf-8") as f:
                for n, line in enumerate(f, 1):
                    out[f"{short}.{split}:{n}"] = json.loads(line)["text"]
    for short, name in (("hot", "hot_messages"), ("rep", "replies")):
        with open(os.path.join(m, f"{name}.jsonl"), encoding="utf-8") as f:
            for line in f:
                d = json.loads(line)
                out[f"{short}:{d['id']}"] = d["text"]
                if d.get("title"):
                    out[f"{short}:{d['id']}:title"] = d["title"]
    with open(os.path.join(shared, "chatter", "chatter.jsonl"), encoding="utf-8") as f:
        for line in f:
            d = json.loads(line)
            out[f"chat:{d['id']}"] = d["text"]
    return out


def split_of(corpus_id):
    """'test' for the held-out 20%, else 'train'. Fixed by hash before any training.

    A title and its body share a split (the key drops ':title'), so a held-out body's title
    never trains the model.
    """
    key = corpus_id[: -len(":title")] if corpus_id.endswith(":title") else corpus_id
    return "test" if fnv1a64(key.encode()) % 5 == 0 else "train"


def fnv1a64(data):
    """FNV-1a 64: the same function splits the corpus in `suqiu evaluate-triage` (Rust)."""
    h = 0xCBF29CE484222325
    for b in data:
        h = ((h ^ b) * 0x100000001B3) & 0xFFFFFFFFFFFFFFFF
    return h
