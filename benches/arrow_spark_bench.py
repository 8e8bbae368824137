"""Arrow and Spark throughput (a bench, not a timed test): ≥ 200,000 messages.

Measures, on the same messages (the shared real messages repeated to --rows):
  1. Engine.triage_arrow on 1 thread vs the Rust CLI (`suqiu triage --threads 1`, minus the
     engine build) — per-message time;
  2. Spark local[2] end to end (Parquet in, suqiu.spark.triage, Parquet out) vs
     Engine.triage_batch on 2 threads over a Python list;
and reports rows/s and peak memory (RSS high-water mark) of each Spark Python worker and of the
JVM.

Usage (the wheel, pyarrow and pyspark installed, e.g. in target/py-venv after
scripts/test-python.sh; `cargo build --release -p suqiu-cli` for the CLI):
    SPARK_LOCAL_IP=127.0.0.1 target/py-venv/bin/python benches/arrow_spark_bench.py [--rows 200000]
"""

import argparse
import json
import os
import pathlib
import resource
import subprocess
import sys
import tempfile
import time

import pyarrow as pa
import pyarrow.parquet as pq

import suqiu
from suqiu import spark as sq

ROOT = pathlib.Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared" / "data" / "messages"
FILES = ["gov_titles.train.jsonl", "gov_titles.dev.jsonl", "gov_details.train.jsonl", "gov_details.dev.jsonl", "hot_messages.jsonl", "replies.jsonl"]


def load(rows):
    texts = []
    for f in FILES:
        p = SHARED / f
        if p.exists():
            texts += [json.loads(l)["text"] for l in p.read_text(encoding="utf-8").splitlines() if l.strip()]
    if not texts:
        sys.exit(f"no messages under {SHARED}")
    return (texts * (rows // len(texts) + 1))[:rows], len(texts)


def best_of(n, f):
    best = float("inf")
    for _ in range(n):
        t = time.perf_counter()
        f()
        best = min(best, time.perf_counter() - t)
    return best


def vm_hwm_mb(pid):
    try:
        for line in open(f"/proc/{pid}/status"):
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return float("nan")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--rows", type=int, default=200_000)
    ap.add_argument("--rounds", type=int, default=3)
    args = ap.parse_args()
    texts, distinct = load(args.rows)
    n = len(texts)
    mb = sum(len(t.encode("utf-8")) for t in texts) / 1e6
    print(f"{n} messages ({distinct} distinct real messages repeated), {mb:.1f} MB")
    eng = suqiu.Engine()
    arr = pa.array(texts, pa.string())
    eng.triage_arrow(arr.slice(0, 1000), threads=1)  # warm up

    # 1. triage_arrow on one thread vs the CLI. Rounds interleave the measurements and the
    # best round of each counts, so that a burst of load elsewhere skews neither side alone.
    cli = ROOT / "target" / "release" / "suqiu"
    work = pathlib.Path(tempfile.mkdtemp(prefix="suqiu-bench-"))
    jsonl = work / "messages.jsonl"
    with open(jsonl, "w", encoding="utf-8") as f:
        for i, t in enumerate(texts):
            f.write(json.dumps({"id": i, "text": t}, ensure_ascii=False) + "\n")
    if not cli.exists():
        print(f"(no {cli}: build it with cargo build --release -p suqiu-cli)")
    t_arrow = t_batch1 = t_batch2 = t_cli = float("inf")
    build = best_of(3, lambda: subprocess.run([str(cli), "info"], check=True, capture_output=True)) if cli.exists() else 0.0
    for _ in range(args.rounds):
        t_arrow = min(t_arrow, best_of(1, lambda: eng.triage_arrow(arr, threads=1)))
        if cli.exists():
            t_cli = min(t_cli, best_of(1, lambda: subprocess.run([str(cli), "triage", "--threads", "1", str(jsonl)], stdout=subprocess.DEVNULL)) - build)
        t_batch1 = min(t_batch1, best_of(1, lambda: eng.triage_batch(texts, threads=1)))
        t_batch2 = min(t_batch2, best_of(1, lambda: eng.triage_batch(texts, threads=2)))
    if t_cli == float("inf"):
        t_cli = None

    # 2. Spark local[2] end to end vs triage_batch on 2 threads (measured above).
    src = work / "in"
    src.mkdir()
    parts = 8
    step = (n + parts - 1) // parts
    for k in range(parts):
        pq.write_table(pa.table({"id": pa.array(range(k * step, min(n, (k + 1) * step)), pa.int64()), "text": arr.slice(k * step, step)}), src / f"part-{k}.parquet")

    from pyspark.sql import SparkSession

    os.environ.setdefault("SPARK_LOCAL_IP", "127.0.0.1")
    os.environ["PYSPARK_PYTHON"] = sys.executable
    t0 = time.perf_counter()
    spark = (
        SparkSession.builder.master("local[2]").appName("suqiu-bench")
        .config("spark.ui.enabled", "false")
        .config("spark.sql.shuffle.partitions", "4")
        .config("spark.driver.memory", "2g")
        .getOrCreate()
    )
    spark.sparkContext.setLogLevel("ERROR")
    t_start = time.perf_counter() - t0

    def run_spark():
        df = spark.read.parquet(str(src))
        sq.triage(df, group=None).write.mode("overwrite").parquet(str(work / "out"))

    t_spark = best_of(max(2, args.rounds - 1), run_spark)
    out_rows = spark.read.parquet(str(work / "out")).count()
    assert out_rows == n, out_rows

    # The Python workers (forked from pyspark.daemon) that ran the job, with their peak RSS.
    workers = {}
    for d in os.listdir("/proc"):
        if d.isdigit():
            try:
                cmd = open(f"/proc/{d}/cmdline", "rb").read().replace(b"\0", b" ")
            except OSError:
                continue
            if b"pyspark.daemon" in cmd or b"pyspark/daemon.py" in cmd:
                workers[int(d)] = vm_hwm_mb(int(d))
    jvm = spark.sparkContext._gateway.proc.pid if getattr(spark.sparkContext._gateway, "proc", None) else None
    jvm_mb = vm_hwm_mb(jvm) if jvm else float("nan")
    spark.stop()

    print()
    print(f"{'path':<52} {'rows/s':>10} {'us/row':>8}")
    rowsf = [
        ("triage_arrow, 1 thread", t_arrow),
        ("triage_batch, 1 thread (Python list)", t_batch1),
    ]
    if t_cli is not None:
        rowsf.append(("Rust CLI triage --threads 1 (JSONL, minus build)", t_cli))
    rowsf += [
        ("triage_batch, 2 threads (Python list)", t_batch2),
        ("Spark local[2] end to end (Parquet in/out)", t_spark),
    ]
    for name, secs in rowsf:
        print(f"{name:<52} {n / secs:>10,.0f} {secs / n * 1e6:>8.2f}")
    print()
    if t_cli is not None:
        print(f"triage_arrow per-message time / CLI per-message time: {t_arrow / t_cli:.2f}  (target <= 1.2)")
    print(f"Spark local[2] / triage_batch 2 threads (throughput):  {t_batch2 / t_spark:.2f}  (target >= 0.5)")
    print(f"Spark session start: {t_start:.1f} s (not in the end-to-end time)")
    print(f"peak RSS of each Spark Python process (daemon and workers): " + ", ".join(f"{v:.0f} MB" for v in sorted(workers.values())))
    print(f"peak RSS of the Spark JVM (driver + local executor, -Xmx2g): {jvm_mb:.0f} MB")
    print(f"peak RSS of this driver process (engine + {n} texts as Python str and Arrow): {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB")
    subprocess.run(["rm", "-rf", str(work)])


if __name__ == "__main__":
    main()
