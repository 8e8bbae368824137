"""Lists the engine's errors on the dev fold (the fifth of the training split that
`export.py --fold dev` holds out of model fitting), with their texts, for tuning by reading.

    python3 scripts/corpus/dev_errors.py --profile DEV_PROFILE --save PRED.jsonl [--show flag|category|kind|all]
    python3 scripts/corpus/dev_errors.py --compare OLD.jsonl NEW.jsonl   # fixed / broken per field

Only dev-fold ids are ever resolved or run: the held-out 20% (split_of == "test") is never
read. DEV_PROFILE is a profile whose models were trained without the dev fold
(scripts/corpus/train.sh OUT DEV_PROFILE).
"""
import os
import sys

# This folder holds a select.py, which would shadow the standard module subprocess needs.
HERE = os.path.dirname(os.path.abspath(__file__))
sys.path = [p for p in sys.path if os.path.abspath(p or ".") != HERE]
import argparse  # noqa: E402
import json  # noqa: E402
import subprocess  # noqa: E402

sys.path.append(HERE)
from export import fold_of  # noqa: E402
from texts import load_all, split_of  # noqa: E402

ROOT = os.path.join(os.path.dirname(__file__), "..", "..")


def dev_gold(labels):
    out = []
    with open(labels, encoding="utf-8") as f:
        for line in f:
            g = json.loads(line)
            if split_of(g["id"]) == "train" and fold_of(g["id"]) == "dev":
                out.append(g)
    return out


def run(profile, gold, texts, binary):
    lines = []
    for g in gold:
        t = g.get("text") or texts.get(g["id"])
        if t:
            lines.append(json.dumps({"id": g["id"], "text": t}, ensure_ascii=False))
    cmd = [binary, "triage"] + (["--profile", profile] if profile else []) + ["-"]
    r = subprocess.run(cmd, input="\n".join(lines) + "\n", capture_output=True, text=True, check=True)
    pred = {}
    for line in r.stdout.splitlines():
        d = json.loads(line)
        pred[d["id"]] = {
            "kind": d["kind"],
            "category": d["category"],
            "misconduct": d["misconduct"]["flag"],
            "mis_ev": [e["text"] for e in d["misconduct"]["evidence"]],
        }
    return pred


def right(g, p, field):
    if field == "flag":
        return g["misconduct"] == p["misconduct"]
    if field == "kind":
        return g["kind"] == p["kind"]
    if field == "category":
        return g["kind"] == "other" or g.get("category") == p["category"]
    if field == "other":
        return g["kind"] != "other" or p["kind"] == "other"
    raise ValueError(field)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--labels", default=os.path.join(ROOT, "corpus", "triage_labels.jsonl"))
    ap.add_argument("--profile")
    ap.add_argument("--binary", default=os.path.join(ROOT, "target", "release", "suqiu"))
    ap.add_argument("--save")
    ap.add_argument("--show", default="flag")
    ap.add_argument("--compare", nargs=2)
    a = ap.parse_args()
    gold = dev_gold(a.labels)
    by_id = {g["id"]: g for g in gold}
    if a.compare:
        old, new = ({json.loads(l)["id"]: json.loads(l) for l in open(p, encoding="utf-8")} for p in a.compare)
        for field in ("flag", "kind", "category", "other"):
            fixed = [i for i in old if i in new and not right(by_id[i], old[i], field) and right(by_id[i], new[i], field)]
            broken = [i for i in old if i in new and right(by_id[i], old[i], field) and not right(by_id[i], new[i], field)]
            print(f"{field}: fixed {len(fixed)} broken {len(broken)}")
            for i in broken:
                print(f"   broken {i}: gold {by_id[i]['kind']}/{by_id[i].get('category')}/{by_id[i]['misconduct']} now {new[i]['kind']}/{new[i]['category']}/{new[i]['misconduct']}")
        return
    texts = load_all()
    pred = run(a.profile, gold, texts, a.binary)
    if a.save:
        with open(a.save, "w", encoding="utf-8") as f:
            for i, p in pred.items():
                f.write(json.dumps(dict(id=i, **p), ensure_ascii=False) + "\n")
    tp = sum(1 for i, p in pred.items() if p["misconduct"] and by_id[i]["misconduct"])
    fp = sum(1 for i, p in pred.items() if p["misconduct"] and not by_id[i]["misconduct"])
    fn = sum(1 for i, p in pred.items() if not p["misconduct"] and by_id[i]["misconduct"])
    print(f"dev: {len(pred)} messages; flag tp {tp} fp {fp} fn {fn}", file=sys.stderr)
    fields = ("flag", "kind", "category") if a.show == "all" else (a.show,)
    for i, p in pred.items():
        g = by_id[i]
        bad = [f for f in fields if not right(g, p, f)]
        if not bad:
            continue
        t = (g.get("text") or texts[i]).replace("\n", " ")
        tag = "FP" if p["misconduct"] and not g["misconduct"] else "FN" if g["misconduct"] and not p["misconduct"] else ""
        print(f"## {i} {','.join(bad)} {tag} gold {g['kind']}/{g.get('category')}/{g['misconduct']}/{g.get('implicated')} "
              f"pred {p['kind']}/{p['category']}/{p['misconduct']} ev {p['mis_ev']}")
        print(t[:600])


if __name__ == "__main__":
    main()
