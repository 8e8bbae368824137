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
