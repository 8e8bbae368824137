//! Aggregation on the project's own messages: the Zhuzhou seed case (land left unrestored
//! along a data-network line, reported in six community groups of 龙头铺街道) becomes one
//! county-level issue; unrelated reports stay apart; a saved state restores identically.

use suqiu::aggregate::{parse_time, Aggregator, AggregatorConfig, Report};
use suqiu::Engine;

fn report(engine: &Engine, id: &str, time: &str, group: &str, text: &str) -> Report {
    let t = engine.triage(text, Some(group)).unwrap();
    Report {
        id: id.into(),
        time: parse_time(time).unwrap(),
        group: Some(group.into()),
        likes: 1,
        title: None,
        text: text.into(),
        kind: t.kind,
        category: t.category,
        also_category: None,
        division: t.division.map(|d| d.code),
    }
}

/// An aggregator whose issues close after a week without reports.
fn week_window_aggregator() -> Aggregator {
    Aggregator::new(AggregatorConfig {
        window_seconds: 7 * 86_400,
        ..AggregatorConfig::default()
    })
}

const LAND: [(&str, &str, &str); 6] = [
    (
        "430204009001",
        "2026-03-01T09:00:00",
        "政府搞建设我们不反对，但搞完了总要把土地恢复原样吧，现在田里菜地到处是电线杆和坑",
    ),
    (
        "430204009002",
        "2026-03-01T10:30:00",
        "搞建设我们不反对，但是工程搞完了土地一直没有恢复原样，田里到处是电线杆和坑",
    ),
    (
        "430204009003",
        "2026-03-02T08:10:00",
        "数据网络线路的工程搞完了，土地还是没恢复原样，田里菜地到处是坑和电线杆",
    ),
    (
        "430204009004",
        "2026-03-02T19:45:00",
        "政府搞建设可以理解，搞完了土地总要恢复原样吧，菜地里到处是电线杆和坑，一下雨都成水塘了",
    ),
    (
        "430204009005",
        "2026-03-03T07:20:00",
        "工程搞完了为什么不把土地恢复原样？田里到处是电线杆和坑，下雨就成水塘",
    ),
    (
        "430204009006",
        "2026-03-04T12:00:00",
        "线路施工搞完了，我们组的田和菜地到处是坑和电线杆，土地一直没恢复原样",
    ),
];

#[test]
fn six_groups_reporting_unrestored_land_become_one_county_level_issue() {
    let engine = Engine::default();
    let mut agg = Aggregator::new(AggregatorConfig::default());
    let mut ids = Vec::new();
    for (i, (group, time, text)) in LAND.iter().enumerate() {
        ids.push(agg.add(
            &engine,
            report(&engine, &format!("land-{i}"), time, group, text),
        ));
    }
    // Unrelated reports in the same groups and days stay apart.
    let other = [
        (
            "430204009001",
            "2026-03-02T09:00:00",
            "小区门口的路灯坏了一个多月，晚上走路摸黑",
        ),
        (
            "430204009002",
            "2026-03-03T09:00:00",
            "村主任办低保优亲厚友，他亲戚家里有车有房都吃低保",
        ),
        (
            "430202001012",
            "2026-03-03T10:00:00",
            "学校课后服务费每学期收八百，说是自愿其实不交不行",
        ),
    ];
    for (i, (group, time, text)) in other.iter().enumerate() {
        agg.add(
            &engine,
            report(&engine, &format!("other-{i}"), time, group, text),
        );
    }
    assert!(ids.iter().all(|id| id == &ids[0]), "{ids:?}");
    let ranked = agg.ranked();
    assert_eq!(ranked.len(), 4);
    let issue = ranked[0];
    assert_eq!(issue.count(), 6);
    assert_eq!(issue.groups.len(), 6);
    assert_eq!(issue.category.as_deref(), Some("land_housing"));
    // The lowest common ancestor of six communities of 龙头铺街道 is the street itself…
    assert_eq!(issue.division.as_deref(), Some("430204009"));
    // …and the route is recomputed there: county level, the zone that manages the street.
    let route = agg.route(&engine, issue).unwrap();
    assert_eq!(route.level, suqiu::Level::County);
    assert_eq!(route.division.code, "zhuzhou-jingkai");
    for other in &ranked[1..] {
        assert_eq!(other.count(), 1, "{:?}", other.representative);
    }
}

#[test]
fn restore_after_save_gives_identical_state_and_behaviour() {
    let engine = Engine::default();
    let mut a = Aggregator::new(AggregatorConfig::default());
    for (i, (group, time, text)) in LAND.iter().take(3).enumerate() {
        a.add(
            &engine,
            report(&engine, &format!("land-{i}"), time, group, text),
        );
    }
    let saved = a.save();
    let mut b = Aggregator::restore(&saved).unwrap();
    assert_eq!(a, b);
    assert_eq!(b.save(), saved, "saving twice gives the same bytes");
    for (i, (group, time, text)) in LAND.iter().enumerate().skip(3) {
        let r = report(&engine, &format!("land-{i}"), time, group, text);
        assert_eq!(a.add(&engine, r.clone()), b.add(&engine, r));
    }
    assert_eq!(a, b);
    assert!(Aggregator::restore("{not json").is_err());
    // A state edited by hand whose index names an issue slot that does not exist is refused,
    // rather than making a later `add` index out of range.
    let mut state: serde_json::Value = serde_json::from_str(&saved).unwrap();
    state["index"] = serde_json::json!([[12345, [99]]]);
    let e = Aggregator::restore(&state.to_string()).unwrap_err();
    assert!(e.to_string().contains("slot 99"), "{e}");
}

#[test]
fn a_later_report_keeps_its_issue_open_past_the_first_reports_window() {
    let engine = Engine::default();
    let mut agg = week_window_aggregator();
    let (g0, _, t0) = LAND[0];
    let (g1, _, t1) = LAND[1];
    let first = agg.add(&engine, report(&engine, "a", "2026-03-01T09:00:00", g0, t0));
    let again = agg.add(&engine, report(&engine, "b", "2026-03-06T09:00:00", g1, t1));
    assert_eq!(first, again, "the second report joins the first");
    // Ten days after the first report but four after the second: the issue is still open.
    let other = "请问新生儿医保怎么办理，需要带哪些材料";
    agg.add(
        &engine,
        report(&engine, "c", "2026-03-10T09:00:00", g0, other),
    );
    assert_eq!(agg.open_issues().count(), 2);
    let (g2, _, t2) = LAND[2];
    let joined = agg.add(&engine, report(&engine, "d", "2026-03-11T09:00:00", g2, t2));
    assert_eq!(joined, first);
    // Three weeks of silence close both.
    agg.add(
        &engine,
        report(&engine, "e", "2026-04-01T09:00:00", g0, other),
    );
    assert_eq!(agg.open_issues().count(), 1);
    assert_eq!(agg.ranked().len(), 3);
}

#[test]
fn old_issues_expire_out_of_the_window() {
    let engine = Engine::default();
    let mut agg = week_window_aggregator();
    let (g, _, text) = LAND[0];
    let first = agg.add(
        &engine,
        report(&engine, "early", "2026-01-01T09:00:00", g, text),
    );
    let later = agg.add(
        &engine,
        report(&engine, "late", "2026-02-01T09:00:00", g, text),
    );
    assert_ne!(
        first, later,
        "a month later the first issue is closed; the same words open a new one"
    );
    assert_eq!(agg.open_issues().count(), 1);
    assert_eq!(agg.ranked().len(), 2);
    assert!(agg.ranked()[0].hotness(agg.now()) > agg.ranked()[1].hotness(agg.now()));
}

#[test]
fn the_same_question_about_two_kindergartens_stays_two_issues() {
    let engine = Engine::default();
    let mut agg = Aggregator::new(AggregatorConfig::default());
    let g = "430211001001";
    let ask = |kindergarten: &str| {
        format!("{kindergarten}幼儿园为什么没有按上级要求改为普惠性幼儿园？家长们都很关心收费问题")
    };
    let a = agg.add(
        &engine,
        report(&engine, "a", "2026-05-01T09:00:00", g, &ask("天元区大风车")),
    );
    let b = agg.add(
        &engine,
        report(&engine, "b", "2026-05-02T09:00:00", g, &ask("天元区三之三")),
    );
    let c = agg.add(
        &engine,
        report(&engine, "c", "2026-05-03T09:00:00", g, &ask("天元区大风车")),
    );
    assert_ne!(a, b, "two kindergartens, one question: two issues");
    assert_eq!(
        a, c,
        "the same kindergarten asked about again joins its issue"
    );
}
