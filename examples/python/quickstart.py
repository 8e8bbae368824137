"""suqiu from Python: triage a file of messages, show a table, train and evaluate a classifier.

Run from the root of the clone after `pip install ./python` (README, section Python; numpy comes
with it, pandas and scikit-learn are optional):  python examples/python/quickstart.py
"""

import json
import pathlib

import suqiu

ROOT = pathlib.Path(__file__).resolve().parents[2]

# 1. Triage the example messages with the embedded Zhuzhou default.
engine = suqiu.Engine()
rows = [json.loads(l) for l in (ROOT / "examples" / "messages.jsonl").read_text(encoding="utf-8").splitlines() if l.strip()]
results = engine.triage_batch([r["text"] for r in rows], group_divisions=[r.get("group_division") for r in rows])

# 2. Show a table (pandas if installed, plain text otherwise).
table = [
    {
        "id": r["id"],
        "kind": t.kind,
        "category": t.category,
        "division": t.division.name if t.division else None,
        "handler": t.route.handler if t.route else None,
        "review": t.needs_review,
    }
    for r, t in zip(rows, results)
]
try:
    import pandas as pd

    print(pd.DataFrame(table).to_string(index=False))
except ImportError:
    for row in table:
        print(row)

# 3. Train and evaluate a classifier: on the shared message data when it is there, else on the
#    project's own labelled fixtures (category of each message).
data = ROOT.parent / "shared" / "data" / "messages"
if (data / "gov_titles.train.jsonl").exists():
    def load(name):
        lines = (data / name).read_text(encoding="utf-8").splitlines()
        items = [json.loads(l) for l in lines if l.strip()]
        return [i["text"] for i in items], [i["label"] for i in items]

    X_train, y_train = load("gov_titles.train.jsonl")
    X_test, y_test = load("gov_titles.dev.jsonl")
else:
    cases = [json.loads(l) for l in (ROOT / "tests" / "fixtures" / "messages.jsonl").read_text(encoding="utf-8").splitlines()]
    cases = [c for c in cases if c["expected"]["category"]]
    X_train, y_train = [c["text"] for c in cases[::2]], [c["expected"]["category"] for c in cases[::2]]
    X_test, y_test = [c["text"] for c in cases[1::2]], [c["expected"]["category"] for c in cases[1::2]]

clf = suqiu.TextClassifier(seed=0).fit(X_train, y_train)
print(f"\ntrained on {len(X_train)} messages, {len(clf.classes_)} labels; accuracy on {len(X_test)} held out: {clf.score(X_test, y_test):.3f}")
print("first prediction:", X_test[0][:30], "->", clf.predict(X_test[:1])[0])
