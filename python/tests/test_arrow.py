"""Engine.triage_arrow: Arrow in, Arrow out, row for row the same as triage_batch."""

import pytest

import suqiu

pa = pytest.importorskip("pyarrow")

COLUMNS = [
    "kind", "category", "confidence", "needs_review", "misconduct", "division_code",
    "division_name", "division_level", "route_level", "handler", "supervisor", "error",
]


def assert_same_as_batch(engine, batch, texts, groups, expected_row):
    assert isinstance(batch, pa.RecordBatch)
    assert batch.schema.names == COLUMNS
    assert batch.num_rows == len(texts)
    want = engine.triage_batch(texts, group_divisions=groups, threads=2, on_error="return")
    got = batch.to_pylist()
    for i, (g, r) in enumerate(zip(got, want)):
        exp = expected_row(r, i)
        if exp["error"] is not None:
            assert g["error"] is not None, (i, texts[i])
            assert all(g[c] is None for c in COLUMNS[:-1]), i
            # triage_batch prefixes the position; a null text is "not a str" there.
            if texts[i] is not None:
                assert exp["error"] == f"item {i}: {g['error']}", i
            else:
                assert g["error"] == "text is null"
            continue
        assert g == exp, (i, texts[i], groups[i] if groups else None)


def test_equals_triage_batch_row_for_row_with_rejections(engine, rows, expected_row):
    texts = [t for t, _ in rows[:3000]]
    groups = [g for _, g in rows[:3000]]
    assert sum(t is None or not t.strip() for t in texts) >= 10
    for threads in (1, 2, None):
        batch = engine.triage_arrow(pa.array(texts, pa.string()), pa.array(groups, pa.string()), threads=threads)
        assert_same_as_batch(engine, batch, texts, groups, expected_row)
    errors = batch.column("error").to_pylist()
    assert any(e and "limit exceeded" in e for e in errors)
    assert any(e and "999999999999" in e for e in errors)


def test_accepts_large_strings_views_chunked_and_capsule_objects(engine, rows, expected_row):
    texts = [t for t, _ in rows[:400]]
    groups = [g for _, g in rows[:400]]
    ref = engine.triage_arrow(pa.array(texts), pa.array(groups))
    variants = [
        (pa.array(texts, pa.large_string()), pa.array(groups, pa.large_string())),
        (pa.chunked_array([texts[:150], texts[150:151], texts[151:]]), pa.chunked_array([groups[:10], groups[10:]])),
    ]
    if hasattr(pa, "string_view"):
        variants.append((pa.array(texts, pa.string_view()), pa.array(groups, pa.string())))

    class CapsuleOnly:
        """Anything with the Arrow PyCapsule interface (polars, pandas with Arrow strings…)."""

        def __init__(self, inner):
            self.inner = inner

        def __arrow_c_stream__(self, requested_schema=None):
            return self.inner.__arrow_c_stream__(requested_schema)

    variants.append((CapsuleOnly(pa.chunked_array([texts[:200], texts[200:]])), CapsuleOnly(pa.chunked_array([groups]))))
    for t, g in variants:
        assert engine.triage_arrow(t, g).equals(ref)
    # Without groups: the same as triage_batch without groups.
    assert_same_as_batch(engine, engine.triage_arrow(pa.array(texts)), texts, None, expected_row)


def test_empty_input_and_bad_arguments(engine):
    empty = engine.triage_arrow(pa.array([], pa.string()))
    assert empty.num_rows == 0 and empty.schema.names == COLUMNS
    with pytest.raises(suqiu.InvalidInputError, match="Arrow strings"):
        engine.triage_arrow(pa.array([1, 2, 3]))
    with pytest.raises(suqiu.InvalidInputError, match="2 texts but 1 groups"):
        engine.triage_arrow(pa.array(["路灯坏了", "低保没批"]), pa.array(["430202001012"]))
    with pytest.raises(suqiu.InvalidInputError, match="Arrow string array"):
        engine.triage_arrow(["路灯坏了"])


def test_column_types(engine):
    b = engine.triage_arrow(pa.array(["路面坑窪不平，晚上連個路燈都沒有"]), pa.array(["430202001012"]))
    assert b.schema.field("confidence").type == pa.float32()
    assert b.schema.field("misconduct").type == pa.bool_()
    assert b.schema.field("needs_review").type == pa.bool_()
    row = b.to_pylist()[0]
    assert row["handler"] == "荷塘区城管局" and row["route_level"] == "county" and row["error"] is None
