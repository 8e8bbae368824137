import json
import pathlib

import pytest

import suqiu

ROOT = pathlib.Path(__file__).resolve().parents[2]


@pytest.fixture(scope="session")
def engine() -> suqiu.Engine:
    return suqiu.Engine()


@pytest.fixture(scope="session")
def cases() -> list:
    path = ROOT / "tests" / "fixtures" / "messages.jsonl"
    return [json.loads(l) for l in path.read_text(encoding="utf-8").splitlines() if l.strip()]


def _source_messages() -> list:
    """(text, group) of every message the project ships: fixtures and examples."""
    out = []
    for rel in ["tests/fixtures/messages.jsonl", "tests/fixtures/behaviour.jsonl", "tests/fixtures/seed_cases.jsonl", "examples/messages.jsonl"]:
        for line in (ROOT / rel).read_text(encoding="utf-8").splitlines():
            if line.strip():
                m = json.loads(line)
                out.append((m["text"], m.get("group_division")))
    return out


_PREFIXES = ["", "请问", "紧急！", "您好，", "反映一下：", "【投诉】", "各位领导，"]
_SUFFIXES = ["", "，希望尽快处理。", "谢谢！", "（第{i}次反映）", "。。。", " 急急急", "\n大家评评理"]


def varied_rows(n: int) -> list:
    """`n` deterministic (text, group) rows: the shipped messages with prefixes, suffixes and
    other groups, and every 53rd row one the engine rejects (empty, blank, null, over-long,
    unknown group)."""
    base = _source_messages()
    groups = sorted({g for _, g in base if g})
    rejects = [
        ("", None),
        ("   \n ", "430202001012"),
        (None, None),
        ("路灯坏了，" * 20000, None),  # 300,000 bytes: over the 256 KiB limit
        ("路灯坏了", "999999999999"),
        ("低保没批下来", "not-a-code"),
    ]
    rows = []
    for i in range(n):
        if i % 53 == 7:
            rows.append(rejects[(i // 53) % len(rejects)])
            continue
        text, group = base[i % len(base)]
        v = i // len(base)
        text = _PREFIXES[v % len(_PREFIXES)] + text + _SUFFIXES[(v // 2) % len(_SUFFIXES)].format(i=i)
        g = [group, None, groups[(i * 7) % len(groups)], ""][(v // 3) % 4]
        rows.append((text, g))
    return rows


@pytest.fixture(scope="session")
def rows() -> list:
    return varied_rows(10_000)


COLUMNS = [
    "kind", "category", "confidence", "needs_review", "misconduct", "division_code",
    "division_name", "division_level", "route_level", "handler", "supervisor", "error",
]


def _expected_row(r, i):
    """The triage_arrow row that a triage_batch(on_error="return") result stands for."""
    if isinstance(r, Exception):
        return {**{c: None for c in COLUMNS}, "error": str(r)}
    d, route = r.division, r.route
    return {
        "kind": r.kind,
        "category": r.category,
        "confidence": r.confidence,
        "needs_review": r.needs_review,
        "misconduct": r.misconduct,
        "division_code": d.code if d else None,
        "division_name": d.name if d else None,
        "division_level": d.level if d else None,
        "route_level": route.level if route else None,
        "handler": route.handler if route else None,
        "supervisor": route.supervisor if route else None,
        "error": None,
    }


@pytest.fixture(scope="session")
def expected_row():
    """Maps a triage_batch(on_error="return") result to the row triage_arrow gives."""
    return _expected_row
