"""Cohen's kappa per field between the corpus labels and an independent second labelling.

    python3 scripts/corpus/agreement.py corpus/triage_labels.jsonl corpus/agreement_second.jsonl

Fields: kind, category (on messages both labellers gave a category), misconduct flag,
implicated rank (on messages both flagged). Prints n, observed agreement and kappa per field,
then the disagreements' ids for adjudication with --list.
"""
import collections
import json
import sys


def kappa(pairs):
    n = len(pairs)
    if n == 0:
        return float("nan"), float("nan")
    po = sum(a == b for a, b in pairs) / n
    ca = collections.Counter(a for a, _ in pairs)
    cb = collections.Counter(b for _, b in pairs)
    pe = sum(ca[k] * cb[k] for k in set(ca) | set(cb)) / (n * n)
    return po, (po - pe) / (1 - pe) if pe < 1 else 1.0


def main():
    first = {json.loads(l)["id"]: json.loads(l) for l in open(sys.argv[1], encoding="utf-8")}
    second = [json.loads(l) for l in open(sys.argv[2], encoding="utf-8")]
    rows = [(first[s["id"]], s) for s in second if s["id"] in first]
    fields = {
        "kind": [(a["kind"], b["kind"]) for a, b in rows],
        "category": [(a["category"], b["category"]) for a, b in rows if a["category"] and b["category"]],
        "misconduct": [(a["misconduct"], b["misconduct"]) for a, b in rows],
        "implicated": [(a["implicated"], b["implicated"]) for a, b in rows if a["misconduct"] and b["misconduct"]],
    }
    print("| field | n | observed agreement | Cohen's kappa |")
    print("|---|---|---|---|")
    for name, pairs in fields.items():
        po, k = kappa(pairs)
        print(f"| {name} | {len(pairs)} | {po:.3f} | {k:.3f} |")
    if "--list" in sys.argv:
        for a, b in rows:
            diff = [f for f in ("kind", "category", "misconduct", "implicated") if a[f] != b[f]]
            if diff:
                print(a["id"], {f: (a[f], b[f]) for f in diff})


if __name__ == "__main__":
    main()
