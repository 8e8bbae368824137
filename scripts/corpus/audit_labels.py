"""Reply-audit gold: combine the annotators' files and measure their agreement.

    python3 scripts/corpus/audit_labels.py combine [--dir /work/labelling/audit]
        labels_{0..7}.jsonl  -> corpus/audit_labels.jsonl   ({"id","verdict","flags"}, by id;
                                 0-3 = round 1, 4-7 = round 2 of corpus/audit_selection.txt)
        then corpus/audit_adjudication.jsonl is applied: the labels changed by reading under the
        guide's amendments (docs/annotation.md, Reply audit, A1-A9), each with the annotator's
        label it replaces ("first"), which must still match.
        second_labels.jsonl  -> corpus/audit_second.jsonl   (the independent second labelling)
    python3 scripts/corpus/audit_labels.py kappa
        Cohen's kappa between corpus/audit_labels.jsonl and corpus/audit_second.jsonl on the
        ids both hold: verdict (3 classes), perfunctory-or-evasive (2), and each flag (2).

Only ids and labels enter the project. `overdue` is computed from the dates by annotators and
engine alike, so its kappa says how carefully the dates were read.
"""
import argparse
import json
import os
import sys

ROOT = os.path.join(os.path.dirname(__file__), "..", "..")
VERDICTS = ["substantive", "perfunctory", "evasive"]
FLAGS = ["acknowledgement_only", "referred_without_result", "deferred_without_date",
         "denied_without_facts", "not_our_duty", "template", "off_topic", "overdue"]


def read(path):
    out = {}
    with open(path, encoding="utf-8") as f:
        for n, line in enumerate(f, 1):
            if not line.strip():
                continue
            d = json.loads(line)
            if d["verdict"] not in VERDICTS or not set(d["flags"]) <= set(FLAGS):
                sys.exit(f"{path}:{n}: bad verdict or flag")
            out[str(d["id"])] = {"id": str(d["id"]), "verdict": d["verdict"],
                                 "flags": [f for f in FLAGS if f in d["flags"]]}
    return out


def write(path, labels):
    with open(path, "w", encoding="utf-8") as f:
        for i in sorted(labels, key=int):
            f.write(json.dumps(labels[i], ensure_ascii=False) + "\n")


def kappa(pairs):
    """Cohen's kappa of a list of (a, b) labels."""
    n = len(pairs)
    if n == 0:
        return float("nan")
    cats = sorted({x for p in pairs for x in p}, key=str)
    po = sum(a == b for a, b in pairs) / n
    pe = sum((sum(a == c for a, _ in pairs) / n) * (sum(b == c for _, b in pairs) / n) for c in cats)
    return 1.0 if pe == 1 else (po - pe) / (1 - pe)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("cmd", choices=["combine", "kappa"])
    ap.add_argument("--dir", default="/work/labelling/audit")
    a = ap.parse_args()
    first_path = os.path.join(ROOT, "corpus", "audit_labels.jsonl")
    second_path = os.path.join(ROOT, "corpus", "audit_second.jsonl")
    if a.cmd == "combine":
        selected = [l.split("\t")[0] for l in open(os.path.join(ROOT, "corpus", "audit_selection.txt"))
                    if l.strip() and not l.startswith("#")]
        labels = {}
        for k in range(8):
            labels.update(read(os.path.join(a.dir, f"labels_{k}.jsonl")))
        missing = [i for i in selected if i not in labels]
        extra = [i for i in labels if i not in set(selected)]
        if missing or extra:
            sys.exit(f"{len(missing)} selected ids unlabelled, {len(extra)} labels not selected")
        changed = 0
        with open(os.path.join(ROOT, "corpus", "audit_adjudication.jsonl"), encoding="utf-8") as f:
            for n, line in enumerate(f, 1):
                d = json.loads(line)
                i, first, new = str(d["id"]), d["first"], d["adjudicated"]
                if i not in labels or {"verdict": labels[i]["verdict"], "flags": labels[i]["flags"]} != {
                        "verdict": first["verdict"], "flags": [x for x in FLAGS if x in first["flags"]]}:
                    sys.exit(f"audit_adjudication.jsonl:{n}: {i}'s annotator label is not its 'first'")
                if new["verdict"] not in VERDICTS or not set(new["flags"]) <= set(FLAGS):
                    sys.exit(f"audit_adjudication.jsonl:{n}: bad verdict or flag")
                labels[i] = {"id": i, "verdict": new["verdict"],
                             "flags": [x for x in FLAGS if x in new["flags"]]}
                changed += 1
        write(first_path, labels)
        second = read(os.path.join(a.dir, "second_labels.jsonl"))
        write(second_path, second)
        print(f"{len(labels)} labels ({changed} adjudicated) -> corpus/audit_labels.jsonl; "
              f"{len(second)} -> corpus/audit_second.jsonl")
        return
    first, second = read(first_path), read(second_path)
    ids = sorted(set(first) & set(second), key=int)
    print(f"overlap: {len(ids)} replies")
    rows = [("verdict", [(first[i]["verdict"], second[i]["verdict"]) for i in ids]),
            ("perfunctory_or_evasive", [(first[i]["verdict"] != "substantive",
                                         second[i]["verdict"] != "substantive") for i in ids])]
    for f in FLAGS:
        rows.append((f, [(f in first[i]["flags"], f in second[i]["flags"]) for i in ids]))
    print(f"{'label':<26} {'kappa':>6} {'agree':>6} {'first+':>6} {'second+':>7}")
    for name, pairs in rows:
        pos1 = sum(1 for p, _ in pairs if p not in (False, "substantive"))
        pos2 = sum(1 for _, q in pairs if q not in (False, "substantive"))
        agree = sum(p == q for p, q in pairs) / len(pairs)
        print(f"{name:<26} {kappa(pairs):>6.3f} {agree:>6.3f} {pos1:>6} {pos2:>7}")


if __name__ == "__main__":
    main()
