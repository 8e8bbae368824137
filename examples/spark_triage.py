"""suqiu on Spark: triage the real messages in ../shared and fold the hot ones into issues.

    pip install 'suqiu[spark]'          # or: the wheel from target/wheels + pyspark pyarrow pandas
    SPARK_LOCAL_IP=127.0.0.1 python examples/spark_triage.py [--master local[2]] [--divisions CSV]

On a cluster, submit it with spark-submit (see README "At scale"): the divisions CSV is shipped
to the executors by suqiu.spark itself (SparkContext.addFile); the wheel must be importable on
every executor.
"""

import argparse
import os
import pathlib
import sys

from pyspark.sql import SparkSession
from pyspark.sql import functions as F

from suqiu import spark as sq

ROOT = pathlib.Path(__file__).resolve().parents[1]
DATA = ROOT.parent / "shared" / "data"

ap = argparse.ArgumentParser()
ap.add_argument("--master", default="local[2]")
ap.add_argument("--divisions", default=str(DATA / "divisions" / "china.csv"), help="divisions CSV ('' for the embedded Zhuzhou one)")
ap.add_argument("--messages", default=str(DATA / "messages"))
args = ap.parse_args()

os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
spark = (
    SparkSession.builder.master(args.master).appName("suqiu-example")
    .config("spark.ui.enabled", "false")
    .config("spark.sql.shuffle.partitions", "8")
    .getOrCreate()
)
spark.sparkContext.setLogLevel("ERROR")
divisions = args.divisions or None

# 1. Triage every message (titles, bodies, hot messages, replies): one row per message.
msgs = spark.read.json([str(p) for p in sorted(pathlib.Path(args.messages).glob("*.jsonl"))]).select("text")
triaged = sq.triage(msgs, text="text", group=None, divisions=divisions).cache()
print(f"{triaged.count()} messages triaged, {triaged.where(F.col('error').isNotNull()).count()} rejected")
triaged.groupBy("kind", "category").count().orderBy(F.desc("count")).show(15, truncate=False)
triaged.where(F.col("handler").isNotNull()).groupBy("handler").count().orderBy(F.desc("count")).show(10, truncate=False)

# 2. Hot messages into issues, per county (issues never span two counties).
hot = spark.read.json(str(pathlib.Path(args.messages) / "hot_messages.jsonl"))
issues = sq.aggregate(hot, window_days=90, by="county", divisions=divisions)
issues.orderBy(F.desc("hotness")).select("county", "count", "hotness", "category", "division_name", "representative").show(10, truncate=40)
print(f"{issues.count()} issues from {hot.count()} hot messages")
spark.stop()
