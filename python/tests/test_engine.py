"""The Python engine on the project's own fixtures: outcomes, batches, threads, pickling, errors."""

import pickle
import threading

import pytest

import suqiu


def test_fixtures_have_their_whole_expected_outcome(engine, cases):
    assert len(cases) >= 80
    for case in cases:
        r = engine.triage(case["text"], group_division=case.get("group_division"))
        exp = case["expected"]
        got = {
            "kind": r.kind,
            "category": r.category,
            "division": r.division.code if r.division else None,
            "level": r.route.level if r.route else None,
            "misconduct_flag": r.misconduct,
        }
        want = {k: exp[k] for k in got}
        assert got == want, case["id"]
        if "handler" in exp:
            assert r.route.handler == exp["handler"], case["id"]
        d = r.to_dict()
        assert d["kind"] == r.kind and d["needs_review"] == r.needs_review
        text_bytes = case["text"].encode("utf-8")
        for ev in r.evidence:
            assert text_bytes[ev["start"]:ev["end"]].decode("utf-8") == ev["text"]


def test_result_objects(engine):
    r = engine.triage("路面坑窪不平，晚上連個路燈都沒有", group_division="430202001012")
    assert r.kind == "grievance" and r.category == "roads_transport"
    assert r.division.code == "430202001012" and r.division.level == "village"
    assert r.division.path[:3] == ["湖南省", "株洲市", "荷塘区"]
    assert r.route.handler == "荷塘区城管局" and r.route.level == "county"
    assert r.route.supervisor == "荷塘区纪委监委"
    assert "roads-urban-chengguan" in r.route.rules
    assert 0.0 < r.confidence <= 1.0 and r.needs_review is False
    assert abs(sum(v for k, v in r.scores.items() if k in engine.categories) - 1.0) < 1e-3
    other = engine.triage("收到，谢谢")
    assert other.kind == "other" and other.category is None and other.route is None


def test_batch_keeps_order_and_returns_one_result_per_input(engine, cases):
    texts = [c["text"] for c in cases] * 3
    groups = [c.get("group_division") for c in cases] * 3
    one = engine.triage_batch(texts, group_divisions=groups, threads=1)
    two = engine.triage_batch(texts, group_divisions=groups, threads=2)
    assert len(one) == len(two) == len(texts)
    for a, b, t, g in zip(one, two, texts, groups):
        single = engine.triage(t, group_division=g)
        assert a.to_dict() == b.to_dict() == single.to_dict()


def test_batch_errors_raise_or_stay_in_place(engine):
    texts = ["路灯坏了", "", "低保没批", 42]
    with pytest.raises(suqiu.InvalidInputError, match="item 1"):
        engine.triage_batch(texts)
    out = engine.triage_batch(texts, on_error="return")
    assert len(out) == 4
    assert isinstance(out[1], suqiu.InvalidInputError) and isinstance(out[3], suqiu.InvalidInputError)
    assert out[0].category == "roads_transport" and out[2].category == "social_aid"
    with pytest.raises(suqiu.InvalidInputError):
        engine.triage_batch(["a"], group_divisions=[None, None])
    with pytest.raises(suqiu.InvalidInputError):
        engine.triage_batch(["a"], on_error="ignore")


def test_every_error_class(engine, tmp_path):
    with pytest.raises(suqiu.InvalidInputError):
        engine.triage("   ")
    with pytest.raises(ValueError):
        engine.triage("")
    with pytest.raises(suqiu.InvalidInputError):
        engine.triage("\ud800 lone surrogate")
    with pytest.raises(suqiu.InvalidInputError):
        engine.triage(b"bytes are not text")  # type: ignore[arg-type]
    with pytest.raises(suqiu.UnknownDivisionError):
        engine.triage("路灯坏了", group_division="999999999999")
    with pytest.raises(suqiu.LimitExceededError):
        engine.triage("路灯坏了" * 100_000)
    bad_csv = tmp_path / "bad.csv"
    bad_csv.write_text("code,name,level,parent_code\n43,湖南省,1,\n4302,株洲市,x,43\n", encoding="utf-8")
    with pytest.raises(suqiu.DivisionsError, match="bad.csv:3"):
        suqiu.Engine(divisions=str(bad_csv))
    with pytest.raises(suqiu.ProfileError):
        suqiu.Engine(profile=str(tmp_path / "missing-profile"))
    with pytest.raises(suqiu.SuqiuIOError):
        suqiu.Engine(divisions=str(tmp_path / "missing.csv"))
    corrupt = tmp_path / "m.bin"
    corrupt.write_bytes(b"SUQIUMDL\x01\x00\x00\x00rest")
    with pytest.raises(suqiu.ModelLoadError):
        suqiu.TextClassifier.load(str(corrupt))
    with pytest.raises(OSError):
        suqiu.TextClassifier.load(str(tmp_path / "none.bin"))
    for cls in [suqiu.InvalidInputError, suqiu.ProfileError, suqiu.DivisionsError, suqiu.ModelLoadError]:
        assert issubclass(cls, suqiu.Error)


def test_sixteen_threads_share_one_engine(engine, cases):
    expected = {c["id"]: engine.triage(c["text"], group_division=c.get("group_division")).to_dict() for c in cases}
    failures = []

    def work():
        for c in cases:
            got = engine.triage(c["text"], group_division=c.get("group_division")).to_dict()
            if got != expected[c["id"]]:
                failures.append(c["id"])

    threads = [threading.Thread(target=work) for _ in range(16)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert failures == []


def test_engine_pickles_by_recreation(engine):
    clone = pickle.loads(pickle.dumps(engine))
    assert isinstance(clone, suqiu.Engine)
    text = "村主任办低保优亲厚友"
    assert clone.triage(text, "430224109203").to_dict() == engine.triage(text, "430224109203").to_dict()
    assert clone.division_count == engine.division_count == 1523


def test_triage_frame(engine):
    pd = pytest.importorskip("pandas")
    frame = pd.DataFrame(
        {"text": ["路灯坏了", "", "村主任吃拿卡要"], "group": ["430202001012", None, "430224109203"]},
        index=[10, 20, 30],
    )
    out = engine.triage_frame(frame, text="text", group="group")
    assert list(out.index) == [10, 20, 30]
    assert out.loc[10, "handler"] == "荷塘区城管局"
    assert out.loc[20, "error"] is not None and out.loc[20, "kind"] is None or pd.isna(out.loc[20, "kind"])
    assert out.loc[30, "kind"] == "misconduct" and out.loc[30, "route_level"] == "township"


def test_aggregate_folds_reports_of_one_problem(engine):
    text = "搞建设我们不反对，但是工程搞完了土地一直没有恢复原样，田里到处是电线杆和坑"
    reports = [
        {"id": "a", "text": text, "group_division": "430204009001", "time": "2026-03-01T09:00:00"},
        {"id": "b", "text": text + "，一下雨都成水塘了", "group_division": "430204009002", "time": "2026/3/2 10:00:00", "likes": 3},
        {"id": "c", "text": "学校课后服务费每学期收八百，说是自愿其实不交不行", "group_division": "430202001012", "time": "2026-03-02T11:00:00"},
    ]
    issues = engine.aggregate(reports, window_days=30)
    assert len(issues) == 2
    top = issues[0]
    assert top["count"] == 2 and sorted(top["members"]) == ["a", "b"] and top["likes"] == 3
    assert top["division"]["code"] == "430204009" and top["route"]["level"] == "county"
    with pytest.raises(suqiu.InvalidInputError):
        engine.aggregate([{"id": "x"}])
    with pytest.raises(suqiu.InvalidInputError):
        engine.aggregate(reports, window_days=-1)


def test_locate_gives_the_division_its_chain_and_mentions(engine):
    loc = engine.locate("茶陵县虎踞镇的桥断了")
    assert loc["division"]["code"] == "430224109"
    assert loc["chain"] == ["43", "4302", "430224", "430224109"]
    assert [m["text"] for m in loc["mentions"]] == ["茶陵县", "虎踞镇"]
    assert loc["needs_review"] is False
    nothing = engine.locate("今天天气不错")
    assert nothing["division"] is None and nothing["needs_review"] is True
    with pytest.raises(suqiu.UnknownDivisionError):
        engine.locate("茶陵县", group_division="999999999999")
    # A profile alias (an old county name) is reported as such.
    old = engine.locate("酃县鹿原镇")
    assert [m["former_name"] for m in old["mentions"]][0] == "酃县"


def test_audit_verdicts_flags_and_summary(engine):
    replies = [
        {"id": "a", "text": "小区门口路灯坏了一个月没人修", "reply": "网友：您好！您的留言已收悉。",
         "time": "2024/3/1 9:00:00", "reply_time": "2024/4/10 9:00:00"},
        {"id": "b", "text": "村里道路路面破损坑洼，下雨天无法通行", "reply":
         "您好！经现场核实，该路段路面破损属实。我局已安排施工队于2024年3月20日完成修补，"
         "如有问题请拨打联系电话0731-22334455。", "time": "2024-03-01T09:00:00",
         "reply_time": "2024-03-05T09:00:00"},
    ]
    out = engine.audit(replies)
    assert [o["id"] for o in out] == ["a", "b"]
    assert out[0]["verdict"] == "perfunctory" and "acknowledgement_only" in out[0]["flags"]
    assert "overdue" in out[0]["flags"]
    assert out[1]["verdict"] == "substantive" and out[1]["days_to_reply"] == 4.0
    labels = {e["label"] for e in out[1]["elements"]}
    assert {"facts", "action", "date", "contact"} <= labels
    table = engine.audit(replies, summary=True)
    assert sum(r["replies"] for r in table) == 2
    with pytest.raises(suqiu.InvalidInputError):
        engine.audit([{"id": "x", "text": "路灯坏了"}])
    kept = engine.audit([{"id": "x", "text": "路灯坏了"}], on_error="return")
    assert kept[0]["error_kind"] == "invalid_input"
