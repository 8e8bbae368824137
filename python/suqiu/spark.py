"""suqiu on Apache Spark: triage a DataFrame column, aggregate reports into issues per county.

>>> from suqiu import spark as sq                                     # doctest: +SKIP
>>> out = sq.triage(df, text="text", group="group_division",         # doctest: +SKIP
...                 divisions="/data/china.csv")
>>> issues = sq.aggregate(df, window_days=90, by="county")            # doctest: +SKIP

How it runs:

- ``triage`` goes through ``DataFrame.mapInArrow``: each Arrow batch of a partition is handed
  to :meth:`suqiu.Engine.triage_arrow` (Rust, GIL released, no Python object per row) and the
  result columns are appended to the batch. Rows that the engine rejects (null or empty text,
  over-long text, unknown group code) keep their place, with the reason in ``error`` and the
  other result columns null.
- The engine is built once per executor Python worker and kept in a module-level cache keyed
  by (profile, divisions); Spark reuses Python workers between tasks
  (``spark.python.worker.reuse``, on by default), so a worker builds it once.
- A profile directory and a divisions CSV given as driver paths are shipped with
  ``SparkContext.addFile`` (Spark's own file distribution, which also takes ``hdfs://``,
  ``s3a://`` … URLs) and found on executors with ``SparkFiles.get``. With ``ship=False`` the
  paths are used as they are on every executor (a shared file system). A file that is not on
  an executor raises :class:`suqiu.DivisionsError` / :class:`suqiu.ProfileError` naming the
  path and the host: the task fails at once, it does not hang.
- The wheel itself must be importable by the executors' Python (install it on every node, or
  ship it with ``spark-submit --archives`` of a packed environment); see README "At scale".

``aggregate`` runs the streaming aggregator (:meth:`suqiu.Engine.aggregate`, the same code as
``suqiu aggregate``) once per county: ``groupBy(county).applyInPandas``. **Issues never span two
counties**: two reports whose divisions are in different counties never join one issue, even
where the single-process aggregator could have merged them (it allows that only between places
that contain one another, such as a city-level report and a county-level one). Reports whose
place could not be resolved to a county are aggregated together in the group ``""``.
"""

from __future__ import annotations

import os
import socket
from typing import Any, Dict, Iterator, List, Optional, Tuple

from . import Engine
from .errors import DivisionsError, InvalidInputError, ProfileError

__all__ = ["triage", "aggregate", "RESULT_COLUMNS", "ISSUE_COLUMNS", "engine_for"]

#: The columns :func:`triage` adds, in order, with their Spark SQL types.
RESULT_COLUMNS: List[Tuple[str, str]] = [
    ("kind", "string"),
    ("category", "string"),
    ("confidence", "float"),
    ("needs_review", "boolean"),
    ("misconduct", "boolean"),
    ("division_code", "string"),
    ("division_name", "string"),
    ("division_level", "string"),
    ("route_level", "string"),
    ("handler", "string"),
    ("supervisor", "string"),
    ("error", "string"),
]

#: The columns of :func:`aggregate`'s result, one row per issue.
ISSUE_COLUMNS: List[Tuple[str, str]] = [
    ("county", "string"),
    ("issue_id", "string"),
    ("count", "long"),
    ("groups", "array<string>"),
    ("members", "array<string>"),
    ("representative", "string"),
    ("kind", "string"),
    ("category", "string"),
    ("division_code", "string"),
    ("division_name", "string"),
    ("division_level", "string"),
    ("route_level", "string"),
    ("handler", "string"),
    ("supervisor", "string"),
    ("first_seen", "string"),
    ("last_seen", "string"),
    ("likes", "long"),
    ("hotness", "double"),
]

# Engines of this Python process (an executor's Python worker), by (profile, divisions) as
# resolved on this host.
_ENGINES: Dict[Tuple[Optional[str], Optional[str]], Engine] = {}

# How a file reaches the executors: ("shipped", name given to SparkFiles.get) or ("path", path).
_Located = Optional[Tuple[str, str]]


def engine_for(profile: Optional[str] = None, divisions: Optional[str] = None) -> Engine:
    """The engine of this process for these (local) paths, built on first use and cached."""
    key = (profile, divisions)
    eng = _ENGINES.get(key)
    if eng is None:
        eng = Engine(profile=profile, divisions=divisions)
        _ENGINES[key] = eng
    return eng


def _ship(spark: Any, path: Optional[str], ship: bool, what: str) -> _Located:
    """On the driver: hands `path` to Spark's file distribution (or keeps it as a path)."""
    if path is None:
        return None
    if not ship:
        return ("path", path)
    local = "://" not in path or path.startswith("file://")
    if local:
        p = path[len("file://"):] if path.startswith("file://") else path
        if not os.path.exists(p):
            err = ProfileError if what == "profile" else DivisionsError
            raise err(f"suqiu.spark: the {what} {p!r} does not exist on the driver")
        path = os.path.abspath(p)
    sc = spark.sparkContext
    name = os.path.basename(path.rstrip("/"))
    # Spark keys shipped files by name: two different paths with one name would clash.
    shipped = getattr(sc, "_suqiu_shipped", None)
    if shipped is None:
        shipped = {}
        sc._suqiu_shipped = shipped
    if name in shipped and shipped[name] != path:
        raise InvalidInputError(
            f"suqiu.spark: {path!r} and {shipped[name]!r} have the same file name {name!r}; "
            "Spark ships files by name, so rename one of them"
        )
    if name not in shipped:
        sc.addFile(path, recursive=os.path.isdir(path) if local else False)
        shipped[name] = path
    return ("shipped", name)


def _locate(loc: _Located, what: str) -> Optional[str]:
    """On an executor: the local path of a shipped file or a given path, checked."""
    if loc is None:
        return None
    how, value = loc
    if how == "shipped":
        from pyspark import SparkFiles

        path = SparkFiles.get(value)
        hint = "it was shipped with SparkContext.addFile but is not in this worker's SparkFiles directory"
    else:
        path = value
        hint = "with ship=False the path must exist on every executor (a shared file system)"
    if not os.path.exists(path):
        err = ProfileError if what == "profile" else DivisionsError
        raise err(f"suqiu.spark: the {what} {path!r} is missing on executor host {socket.gethostname()!r}: {hint}")
    return path


def _executor_engine(profile: _Located, divisions: _Located) -> Engine:
    return engine_for(_locate(profile, "profile"), _locate(divisions, "divisions file"))


def _as_strings(col: Any) -> Any:
    import pyarrow as pa  # type: ignore[import-untyped]

    if pa.types.is_string(col.type) or pa.types.is_large_string(col.type):
        return col
    return col.cast(pa.string())


def triage(
    df: Any,
    text: str = "text",
    group: Optional[str] = "group_division",
    profile: Optional[str] = None,
    divisions: Optional[str] = None,
    *,
    ship: bool = True,
    prefix: str = "",
    threads: int = 1,
) -> Any:
    """The DataFrame with the triage columns (:data:`RESULT_COLUMNS`, each named with
    ``prefix``) added after its own, one output row per input row.

    ``group`` is the column of the posting group's NBS code (any type, read as a string);
    when it is None or not a column of ``df``, no group is used. ``profile`` (a directory) and
    ``divisions`` (a CSV) are driver paths or URLs shipped to executors (``ship=True``), or
    paths valid on every executor (``ship=False``); None means the embedded default.
    ``threads`` per Python worker: keep 1, Spark already runs one task per core.
    """
    from pyspark.sql.types import StructType

    if text not in df.columns:
        raise InvalidInputError(f"suqiu.spark.triage: no column {text!r} in {df.columns}")
    use_group = group if group is not None and group in df.columns else None
    names = [prefix + n for n, _ in RESULT_COLUMNS]
    clash = [n for n in names if n in df.columns]
    if clash:
        raise InvalidInputError(f"suqiu.spark.triage: the DataFrame already has columns {clash}; pass prefix=")
    spark = df.sparkSession
    prof = _ship(spark, profile, ship, "profile")
    divs = _ship(spark, divisions, ship, "divisions file")
    schema = StructType.fromJson(df.schema.jsonValue())
    for (n, t), name in zip(RESULT_COLUMNS, names):
        schema = schema.add(name, t, True)

    def run(batches: Iterator[Any]) -> Iterator[Any]:
        import pyarrow as pa  # type: ignore[import-untyped]

        eng = _executor_engine(prof, divs)
        for b in batches:
            groups = _as_strings(b.column(use_group)) if use_group is not None else None
            r = eng.triage_arrow(_as_strings(b.column(text)), groups, threads=threads)
            yield pa.RecordBatch.from_arrays(list(b.columns) + list(r.columns), names=list(b.schema.names) + names)

    return df.mapInArrow(run, schema)


def _seconds(s: str) -> float:
    """Unix seconds of an ISO 8601 or ``YYYY/MM/DD HH:MM:SS`` time (UTC when no offset)."""
    from datetime import datetime, timezone

    t = datetime.fromisoformat(s.strip().replace("/", "-").replace("Z", "+00:00"))
    if t.tzinfo is None:
        t = t.replace(tzinfo=timezone.utc)
    return t.timestamp()


_PREFIX = {"province": 2, "city": 4, "county": 6}


def _issue_rows(out: str, key: str, on_error: str, ids: List[str], now: Optional[float]) -> List[dict]:
    import json
    import math

    rows: List[dict] = []
    issues = []
    for line in out.splitlines():
        if not line.strip():
            continue
        o = json.loads(line)
        if "issue_id" not in o:
            if on_error == "raise":
                raise InvalidInputError(f"suqiu.spark.aggregate: report {ids[o['line'] - 1]!r} (group {key!r}): {o['error']}")
            continue
        issues.append(o)
    latest = max((_seconds(o["last_seen"]) for o in issues), default=0.0)
    for o in issues:
        d, r = o.get("division") or {}, o.get("route") or {}
        hot = float(o["hotness"])
        if now is not None:
            hot = round(hot * math.pow(0.5, (now - latest) / (7 * 86400.0)), 3)
        rows.append(
            {
                "county": key,
                "issue_id": str(o["issue_id"]),
                "count": int(o["count"]),
                "groups": [str(g) for g in o.get("groups") or []],
                "members": [str(m) for m in o.get("members") or []],
                "representative": o.get("representative"),
                "kind": o.get("kind"),
                "category": o.get("category"),
                "division_code": d.get("code"),
                "division_name": d.get("name"),
                "division_level": d.get("level"),
                "route_level": r.get("level"),
                "handler": r.get("handler"),
                "supervisor": r.get("supervisor"),
                "first_seen": o.get("first_seen"),
                "last_seen": o.get("last_seen"),
                "likes": int(o.get("likes") or 0),
                "hotness": hot,
            }
        )
    return rows


def _reports(pdf: Any, cols: Dict[str, Optional[str]]) -> Tuple[List[dict], List[str]]:
    """Report dicts (as for ``suqiu aggregate``) from a pandas frame, and their ids."""
    import pandas as pd  # type: ignore[import-untyped]

    def present(v: Any) -> bool:
        return v is not None and not (isinstance(v, float) and v != v) and v is not pd.NaT

    reports, ids = [], []
    n = len(pdf)
    get: Dict[str, List[Any]] = {k: (pdf[c].tolist() if c is not None and c in pdf.columns else [None] * n) for k, c in cols.items()}
    for i in range(n):
        rep: Dict[str, Any] = {}
        rid = get["id"][i]
        rep["id"] = str(rid) if present(rid) else f"row-{i}"
        rep["text"] = get["text"][i] if present(get["text"][i]) else ""
        for k in ("title", "group_division"):
            v = get[k][i]
            if present(v):
                rep[k] = str(v)
        t = get["time"][i]
        if present(t):
            rep["time"] = t.isoformat() if hasattr(t, "isoformat") else str(t)
        likes = get["likes"][i]
        if present(likes):
            rep["likes"] = max(0, int(likes))
        reports.append(rep)
        ids.append(rep["id"])
    return reports, ids


def aggregate(
    df: Any,
    window_days: float = 90,
    by: str = "county",
    *,
    text: str = "text",
    group: Optional[str] = "group_division",
    id: str = "id",
    title: Optional[str] = "title",
    time: Optional[str] = "time",
    likes: Optional[str] = "likes",
    profile: Optional[str] = None,
    divisions: Optional[str] = None,
    ship: bool = True,
    on_error: str = "raise",
    now: Any = None,
) -> Any:
    """One row per issue (:data:`ISSUE_COLUMNS`), aggregating the reports of each county apart.

    Report columns are as for ``suqiu aggregate``: ``id``, ``text``, optional ``title``,
    ``group_division``, ``time`` (ISO 8601 or ``YYYY/MM/DD HH:MM:SS`` strings, or timestamps)
    and ``likes``. ``by`` is ``"county"`` (default), ``"city"`` or ``"province"`` — the prefix
    of the division each report is triaged to (reports with no division go to group ``""``) —
    or the name of a column of ``df`` holding your own partition key. **Issues never span two
    groups.** The key of an issue is (``county``, ``issue_id``): issue ids are unique within
    a group only.

    ``hotness`` is measured, as in ``suqiu aggregate``, at the latest report time seen — per
    group; pass ``now`` (ISO 8601 string or datetime) to measure every group's issues at one
    moment so they rank against each other. A rejected report raises (``on_error="raise"``)
    or is left out (``"skip"``). Each group's reports are held in one Python worker at once.
    """
    from pyspark.sql import functions as F
    from pyspark.sql.types import StructType

    if on_error not in ("raise", "skip"):
        raise InvalidInputError(f"on_error must be 'raise' or 'skip', not {on_error!r}")
    if not (window_days > 0):
        raise InvalidInputError(f"window_days must be a positive number, not {window_days}")
    now_s: Optional[float] = None
    if now is not None:
        now_s = _seconds(now.isoformat() if hasattr(now, "isoformat") else str(now))
    cols = {"id": id, "text": text, "title": title, "group_division": group, "time": time, "likes": likes}
    keep = [c for c in dict.fromkeys(v for v in cols.values() if v is not None) if c in df.columns]
    if text not in df.columns:
        raise InvalidInputError(f"suqiu.spark.aggregate: no column {text!r} in {df.columns}")
    base = df.select(*keep)
    if by in _PREFIX:
        n = _PREFIX[by]
        # The aggregator triages "title\nbody"; key each report by the same text's division.
        full = F.concat_ws("\n", F.col(title), F.col(text)) if title is not None and title in df.columns else F.col(text)
        keyed = triage(base.withColumn("_suqiu_full", full), text="_suqiu_full", group=group, profile=profile, divisions=divisions, ship=ship, prefix="_suqiu_")
        dc = F.col("_suqiu_division_code")
        keyed = keyed.withColumn("_suqiu_key", F.when(F.length(dc) >= n, F.substring(dc, 1, n)).otherwise(F.coalesce(dc, F.lit(""))))
        keyed = keyed.select(*keep, "_suqiu_key")
    elif by in df.columns:
        keyed = base.withColumn("_suqiu_key", F.coalesce(F.col(by).cast("string"), F.lit("")))
    else:
        raise InvalidInputError(f"by must be 'county', 'city', 'province' or a column of the DataFrame, not {by!r}")
    spark = df.sparkSession
    prof = _ship(spark, profile, ship, "profile")
    divs = _ship(spark, divisions, ship, "divisions file")
    schema = StructType.fromDDL(", ".join(f"`{n}` {t}" for n, t in ISSUE_COLUMNS))
    names = [n for n, _ in ISSUE_COLUMNS]

    def per_group(pdf: Any) -> Any:
        import json

        import pandas as pd  # type: ignore[import-untyped]

        key = str(pdf["_suqiu_key"].iloc[0]) if len(pdf) else ""
        reports, ids = _reports(pdf, cols)
        eng = _executor_engine(prof, divs)
        lines = "\n".join(json.dumps(r, ensure_ascii=False) for r in reports)
        out = eng._aggregate_jsonl(lines, float(window_days))
        return pd.DataFrame(_issue_rows(out, key, on_error, ids, now_s), columns=names)

    return keyed.groupBy("_suqiu_key").applyInPandas(per_group, schema)
