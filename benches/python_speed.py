"""Python layer speed, in one run: triage_batch on 1 and 2 threads, single triage() calls, and
the Rust CLI on the same messages (per-message overhead of the Python layer).

Usage: python benches/python_speed.py [MESSAGES.jsonl]   (default: ../shared/data/messages/
gov_titles.train.jsonl + gov_details.train.jsonl, else the project's fixtures ×50)
"""

import json
import pathlib
import subprocess
import sys
import tempfile
import time

import suqiu

ROOT = pathlib.Path(__file__).resolve().parents[1]


def load_texts():
    if len(sys.argv) > 1:
        paths = [pathlib.Path(sys.argv[1])]
    else:
        d = ROOT.parent / "shared" / "data" / "messages"
        paths = [d / "gov_titles.train.jsonl", d / "gov_details.train.jsonl"]
    if all(p.exists() for p in paths):
        return [json.loads(l)["text"] for p in paths for l in p.read_text(encoding="utf-8").splitlines() if l.strip()]
    cases = (ROOT / "tests" / "fixtures" / "messages.jsonl").read_text(encoding="utf-8").splitlines()
    return [json.loads(l)["text"] for l in cases] * 50


def best_of(n, f):
    best = float("inf")
    for _ in range(n):
        t = time.perf_counter()
        f()
        best = min(best, time.perf_counter() - t)
    return best


texts = load_texts()
mb = sum(len(t.encode("utf-8")) for t in texts) / 1e6
eng = suqiu.Engine()
eng.triage_batch(texts[:100], threads=1)  # warm up
t1 = best_of(3, lambda: eng.triage_batch(texts, threads=1))
t2 = best_of(3, lambda: eng.triage_batch(texts, threads=2))
ts = best_of(3, lambda: [eng.triage(t) for t in texts])

cli = ROOT / "target" / "release" / "suqiu"
with tempfile.NamedTemporaryFile("w", suffix=".jsonl", delete=False, encoding="utf-8") as f:
    for i, t in enumerate(texts):
        f.write(json.dumps({"id": i, "text": t}, ensure_ascii=False) + "\n")
    path = f.name
build = best_of(3, lambda: subprocess.run([str(cli), "info"], check=True, capture_output=True))
tc = best_of(3, lambda: subprocess.run([str(cli), "triage", "--threads", "1", path], capture_output=True)) - build

n = len(texts)
print(f"{n} messages, {mb:.1f} MB")
print(f"{'path':<34} {'msg/s':>10} {'us/msg':>8}")
for name, secs in [("triage_batch, 1 thread", t1), ("triage_batch, 2 threads", t2), ("triage() per call, 1 thread", ts), ("Rust CLI, 1 thread (minus build)", tc)]:
    print(f"{name:<34} {n / secs:>10.0f} {secs / n * 1e6:>8.2f}")
print(f"2 threads / 1 thread: {t1 / t2:.2f}x")
print(f"Python overhead per message vs CLI: batch {(t1 - tc) / n * 1e6:+.2f} us, single calls {(ts - tc) / n * 1e6:+.2f} us")
