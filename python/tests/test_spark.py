"""suqiu.spark on a local Spark (local[2]): the same results as the engine in one process."""

import os
import pathlib
import shutil
import sys
import threading
import time

import pytest

import suqiu

pytest.importorskip("pyarrow")
pytest.importorskip("pyspark")

if shutil.which("java") is None and not os.environ.get("JAVA_HOME"):  # pragma: no cover
    pytest.skip("Spark needs a Java runtime (java on PATH or JAVA_HOME)", allow_module_level=True)

from suqiu import spark as sq  # noqa: E402

# Spark's Python side and py4j raise a few deprecation and resource warnings of their own.
pytestmark = [
    pytest.mark.filterwarnings("ignore::DeprecationWarning"),
    pytest.mark.filterwarnings("ignore::ResourceWarning"),
    pytest.mark.filterwarnings("ignore::FutureWarning"),
    pytest.mark.filterwarnings("ignore::UserWarning"),
]

COUNTY = "430202"  # 荷塘区


@pytest.fixture(scope="module")
def spark():
    from pyspark.sql import SparkSession

    os.environ.setdefault("SPARK_LOCAL_IP", "127.0.0.1")
    os.environ["PYSPARK_PYTHON"] = sys.executable
    os.environ["PYSPARK_DRIVER_PYTHON"] = sys.executable
    session = (
        SparkSession.builder.master("local[2]")
        .appName("suqiu-tests")
        .config("spark.ui.enabled", "false")
        .config("spark.sql.shuffle.partitions", "4")
        .config("spark.default.parallelism", "4")
        .config("spark.driver.memory", "1g")
        .config("spark.sql.execution.arrow.maxRecordsPerBatch", "2000")
        .getOrCreate()
    )
    session.sparkContext.setLogLevel("ERROR")
    yield session
    session.stop()


def test_triage_equals_triage_batch_on_10000_rows(spark, engine, rows, expected_row):
    assert len(rows) >= 10_000
    df = spark.createDataFrame([(i, t, g) for i, (t, g) in enumerate(rows)], "i long, text string, group_division string")
    out = sq.triage(df.repartition(4)).orderBy("i").collect()
    assert len(out) == len(rows)
    texts = [t for t, _ in rows]
    groups = [g for _, g in rows]
    want = engine.triage_batch(texts, group_divisions=groups, on_error="return")
    columns = [n for n, _ in sq.RESULT_COLUMNS]
    rejected = 0
    for i, (row, r) in enumerate(zip(out, want)):
        assert row["i"] == i and row["text"] == texts[i] and row["group_division"] == groups[i]
        got = {c: row[c] for c in columns}
        exp = expected_row(r, i)
        if exp["error"] is not None:
            rejected += 1
            assert got["error"] is not None and all(got[c] is None for c in columns[:-1]), i
            if texts[i] is not None:
                assert exp["error"] == f"item {i}: {got['error']}"
            continue
        assert got == exp, (i, texts[i], groups[i])
    assert rejected >= 150


def test_engine_is_built_once_per_python_worker(spark):
    def probe(batches):
        import os as _os

        import pyarrow as pa

        from suqiu import spark as _sq

        for b in batches:
            eng = _sq._executor_engine(None, None)
            yield pa.RecordBatch.from_pydict({"pid": [_os.getpid()] * b.num_rows, "engine": [id(eng)] * b.num_rows, "n": [len(_sq._ENGINES)] * b.num_rows})

    df = spark.range(0, 4000, numPartitions=8).selectExpr("cast(id as string) as text")
    seen = df.mapInArrow(probe, "pid long, engine long, n long").distinct().collect()
    by_pid = {}
    for r in seen:
        by_pid.setdefault(r["pid"], set()).add(r["engine"])
        assert r["n"] == 1
    assert all(len(e) == 1 for e in by_pid.values())


def test_missing_divisions_file_on_executors_is_a_clear_error(spark, tmp_path):
    df = spark.createDataFrame([("路灯坏了", None)], "text string, group_division string")
    missing = str(tmp_path / "nowhere" / "china.csv")
    with pytest.raises(suqiu.DivisionsError, match="does not exist on the driver"):
        sq.triage(df, divisions=missing)
    outcome = {}

    def job():
        try:
            sq.triage(df, divisions=missing, ship=False).collect()
        except Exception as e:  # the executor's error, through Spark
            outcome["error"] = e

    start = time.monotonic()
    t = threading.Thread(target=job, daemon=True)
    t.start()
    t.join(180)
    assert not t.is_alive(), "the job hung instead of failing"
    assert time.monotonic() - start < 180
    msg = str(outcome.get("error"))
    assert "DivisionsError" in msg and "missing on executor host" in msg and "china.csv" in msg


def test_shipped_divisions_and_profile_reach_the_executors(spark, tmp_path):
    # Copies under other names, so that only Spark's file distribution can find them.
    root = pathlib.Path(__file__).resolve().parents[2]
    csv = tmp_path / "hunan-part.csv"
    shutil.copy(root / "core" / "data" / "zhuzhou-divisions.csv", csv)
    prof = tmp_path / "my-profile"
    shutil.copytree(root / "core" / "profiles" / "zhuzhou", prof)
    texts = ["路面坑洼不平，晚上连个路灯都没有", "收到，谢谢", "村主任把低保名额给了自己亲戚"]
    groups = ["430202001012", None, "430224109203"]
    df = spark.createDataFrame(list(zip(texts, groups)), "text string, group_division string")
    out = sq.triage(df, profile=str(prof), divisions=str(csv), prefix="r_").collect()
    local = suqiu.Engine(profile=str(prof), divisions=str(csv))
    for row, t, g in zip(out, texts, groups):
        r = local.triage(t, g)
        assert (row["r_kind"], row["r_category"], row["r_division_code"], row["r_handler"]) == (
            r.kind, r.category, r.division.code if r.division else None, r.route.handler if r.route else None)
        assert row["r_error"] is None


def _reports(engine, rows, county, n):
    """`n` reports of `rows` whose triaged division lies in `county`, with times and likes."""
    reports = []
    for i, (text, group) in enumerate(rows):
        if text is None or not text.strip() or len(text) > 10_000:
            continue
        try:
            t = engine.triage(text, group)
        except suqiu.Error:
            continue
        if county is not None and not (t.division and t.division.code.startswith(county)):
            continue
        day, hour = divmod(i * 5, 24)
        reports.append({"id": f"r{i}", "text": text, "group_division": group, "time": f"2024-{1 + (day // 28) % 12:02d}-{1 + day % 28:02d}T{hour:02d}:00:00Z", "likes": i % 4})
        if len(reports) == n:
            break
    return reports


def _issue(o):
    d, r = o.get("division") or {}, o.get("route") or {}
    return (o["issue_id"], o["count"], tuple(o["members"]), tuple(o["groups"]), o["representative"], o["kind"], o["category"],
            d.get("code"), r.get("level"), r.get("handler"), o["first_seen"], o["last_seen"], o["likes"], o["hotness"])


def _spark_issue(row):
    return (row["issue_id"], row["count"], tuple(row["members"]), tuple(row["groups"]), row["representative"], row["kind"], row["category"],
            row["division_code"], row["route_level"], row["handler"], row["first_seen"], row["last_seen"], row["likes"], row["hotness"])


def _frame(spark, reports):
    return spark.createDataFrame(
        [(r["id"], r["text"], r["group_division"], r["time"], r["likes"]) for r in reports],
        "id string, text string, group_division string, time string, likes long",
    ).repartition(3)


def test_aggregate_equals_the_local_aggregator_on_one_county(spark, engine, rows):
    reports = _reports(engine, rows, COUNTY, 1200)
    assert len(reports) >= 300
    local = engine.aggregate(reports, window_days=90)
    assert any(o["count"] > 1 for o in local)
    got = sq.aggregate(_frame(spark, reports), window_days=90).collect()
    assert {r["county"] for r in got} == {COUNTY}
    assert sorted(_spark_issue(r) for r in got) == sorted(_issue(o) for o in local)


def test_aggregate_keeps_counties_apart(spark, engine, rows):
    reports = _reports(engine, rows[::3], None, 900)
    got = sq.aggregate(_frame(spark, reports), window_days=30).collect()
    by_key = {}
    for r in reports:
        d = engine.triage(r["text"], r["group_division"]).division
        by_key.setdefault(d.code[:6] if d else "", []).append(r)
    assert len(by_key) >= 3
    assert {r["county"] for r in got} == set(by_key)
    for key, part in by_key.items():
        want = sorted(_issue(o) for o in engine.aggregate(part, window_days=30))
        assert sorted(_spark_issue(r) for r in got if r["county"] == key) == want, key


def test_aggregate_now_measures_every_county_at_one_moment(spark, engine, rows):
    reports = _reports(engine, rows[1::3], None, 300)
    plain = {(r["county"], r["issue_id"]): r for r in sq.aggregate(_frame(spark, reports)).collect()}
    latest = max(r["last_seen"] for r in plain.values())
    week_later = latest.replace("Z", "+00:00")
    from datetime import datetime, timedelta

    now = datetime.fromisoformat(week_later) + timedelta(days=7)
    moved = sq.aggregate(_frame(spark, reports), now=now).collect()
    assert len(moved) == len(plain)
    for r in moved:
        p = plain[(r["county"], r["issue_id"])]
        county_latest = max(q["last_seen"] for q in plain.values() if q["county"] == r["county"])
        days = (now - datetime.fromisoformat(county_latest.replace("Z", "+00:00"))).total_seconds() / 86400
        assert r["hotness"] == pytest.approx(p["hotness"] * 0.5 ** (days / 7), abs=2e-3)
