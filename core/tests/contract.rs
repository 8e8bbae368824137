//! One input contract for triage, aggregate and audit (issue 14, item 10), and errors that
//! name what they are about (item 11).

mod common;

use serde_json::Value;
use suqiu::aggregate::{Aggregator, AggregatorConfig};
use suqiu::{Engine, ErrorKind};

/// The error line of every command for one input line, as JSON values (`None` when the
/// command accepted it).
fn errors_everywhere(engine: &Engine, line: &str) -> [Option<Value>; 3] {
    let triage = suqiu::jsonl::process_lines(engine, line.as_bytes(), 1, Some(1));
    let triage = triage[0]
        .is_err()
        .then(|| serde_json::from_str(&triage[0].to_json()).unwrap());
    let (_, rejected) = suqiu::jsonl::report_lines(engine, line.as_bytes(), Some(1));
    let aggregate = rejected.first().map(|r| {
        serde_json::json!({"error": r.error.to_string(), "error_kind": r.error.kind().as_str()})
    });
    let with_reply = line.replacen('{', "{\"reply\":\"已转交处理\",", 1);
    let audit = suqiu::jsonl::audit_lines(engine, with_reply.as_bytes(), Some(1));
    let audit = audit[0]
        .is_err()
        .then(|| serde_json::from_str(&audit[0].to_json()).unwrap());
    [triage, aggregate, audit]
}

#[test]
fn malformed_lines_are_refused_alike_by_every_command() {
    let engine = Engine::default();
    for (line, says) in [
        (r#"["路灯坏了"]"#, "JSON array"),
        (r#"{"id":1,"text":"路灯坏了","text":"路灯"}"#, "given twice"),
        (
            r#"{"id":1,"text":5}"#,
            "\"text\" must be a string, got a number",
        ),
        (
            r#"{"id":1,"text":"路灯坏了","group_division":true}"#,
            "\"group_division\"",
        ),
        (
            r#"{"id":1,"text":"路灯坏了","group_division":4302.5}"#,
            "\"group_division\"",
        ),
    ] {
        for (command, error) in ["triage", "aggregate", "audit"]
            .iter()
            .zip(errors_everywhere(&engine, line))
        {
            let error = error.unwrap_or_else(|| panic!("{command} accepted {line}"));
            assert_eq!(error["error_kind"], "invalid_input", "{command} {line}");
            let message = error["error"].as_str().unwrap();
            assert!(message.contains(says), "{command} {line}: {message}");
            assert!(!message.contains("struct"), "{command}: {message}");
        }
    }
    // Deep nesting: refused by every command, without a stack overflow.
    let deep = format!("{{\"text\": {}1{}}}", "[".repeat(1000), "]".repeat(1000));
    for error in errors_everywhere(&engine, &deep) {
        assert_eq!(error.unwrap()["error_kind"], "invalid_input");
    }
    // A numeric group code is read as its digits, by every command.
    let numeric = r#"{"id":1,"text":"路灯坏了","group_division":430202}"#;
    assert!(errors_everywhere(&engine, numeric)
        .iter()
        .all(Option::is_none));
}

#[test]
fn a_wrong_type_keeps_the_id_exactly_as_written() {
    let engine = Engine::default();
    let line = r#"{"id":123456789012345678901234567890,"text":["路灯坏了"]}"#;
    let out = suqiu::jsonl::process_lines(&engine, line.as_bytes(), 1, Some(1));
    let json = out[0].to_json();
    assert!(
        json.contains(r#""id":123456789012345678901234567890"#),
        "{json}"
    );
    assert!(json.contains("must be a string, got an array"), "{json}");
    // Accepted, the id comes back with every digit, and so does an aggregate member.
    let line = r#"{"id":123456789012345678901234567890,"text":"路灯坏了"}"#;
    let out = suqiu::jsonl::process_lines(&engine, line.as_bytes(), 1, Some(1));
    assert!(out[0]
        .to_json()
        .starts_with(r#"{"id":123456789012345678901234567890,"#));
    let (reports, _) = suqiu::jsonl::report_lines(&engine, line.as_bytes(), Some(1));
    assert_eq!(reports[0].id, "123456789012345678901234567890");
    // The aggregation job of the C ABI and the wheel names the rejected line's id too.
    let bad = r#"{"id":"r-7","text":"路灯坏了","time":"2020-02-30"}"#;
    let out = suqiu::jsonl::aggregate_jsonl(
        &engine,
        bad.as_bytes(),
        AggregatorConfig::default(),
        Some(1),
    );
    let first: Value = serde_json::from_str(out.lines().next().unwrap()).unwrap();
    assert_eq!(first["id"], "r-7", "{out}");
    assert_eq!(first["line"], 1, "{out}");
}

#[test]
fn times_and_likes_are_read_strictly() {
    let engine = Engine::default();
    for (field, says) in [
        (r#""time":1.5e9"#, "whole number of Unix seconds"),
        (r#""time":true"#, "got a boolean"),
        (r#""time":"2020-02-30""#, "real calendar date"),
        (r#""time":"2019-02-29 10:00:00""#, "real calendar date"),
        (r#""time":"123456789012345-01-01""#, "years 1..9999"),
        (r#""time":-1"#, "Unix seconds"),
        (
            r#""likes":"100""#,
            "\"likes\" must be a whole number, got a string",
        ),
        (r#""likes":-5"#, "not a whole number"),
        (r#""likes":2.5"#, "not a whole number"),
    ] {
        let line = format!(r#"{{"id":"x","text":"路灯坏了",{field}}}"#);
        let (reports, rejected) = suqiu::jsonl::report_lines(&engine, line.as_bytes(), Some(1));
        assert!(reports.is_empty(), "{line} accepted");
        assert_eq!(rejected[0].error.kind(), ErrorKind::InvalidInput);
        let message = rejected[0].error.to_string();
        assert!(message.contains(says), "{line}: {message}");
    }
    let ok = r#"{"id":"y","text":"路灯坏了","time":"2020-02-29 10:00:00","likes":7}
{"id":"z","text":"路灯坏了","time":1600000000}"#;
    let (reports, rejected) = suqiu::jsonl::report_lines(&engine, ok.as_bytes(), Some(1));
    assert!(rejected.is_empty());
    assert_eq!(reports[0].likes, 7);
    assert_eq!(reports[1].time, 1_600_000_000);
    assert_eq!(
        suqiu::aggregate::parse_time("2020-02-29"),
        Some(1_582_934_400)
    );
}

#[test]
fn a_byte_order_mark_is_skipped() {
    let engine = Engine::default();
    let line = "\u{feff}{\"id\":1,\"text\":\"路灯坏了\"}";
    assert!(errors_everywhere(&engine, line).iter().all(Option::is_none));
    let csv = "\u{feff}code,name,level,parent_code\n11,北京市,1,\n1101,北京市辖区,2,11\n";
    let g = suqiu::jurisdiction::Gazetteer::from_csv(csv, "bj.csv", &[]).unwrap();
    assert_eq!(g.len(), 2);
}

#[test]
fn divisions_errors_name_their_line() {
    let missing = "code,name,level,parent_code\n11,北京市,1,\n\n110101,东城区,3,1101\n";
    let e = suqiu::jurisdiction::Gazetteer::from_csv(missing, "d.csv", &[]).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Divisions);
    assert!(
        e.to_string()
            .starts_with("d.csv:4: division 110101 names parent 1101"),
        "{e}"
    );
    // A cycle (11 → 1101 → 11) shows as a parent that is not above its child.
    let cycle = "code,name,level,parent_code\n11,北京市,1,1101\n1101,北京市辖区,2,11\n";
    let e = suqiu::jurisdiction::Gazetteer::from_csv(cycle, "c.csv", &[]).unwrap_err();
    assert!(
        e.to_string().starts_with(
            "c.csv:2: division 11 (province) is not below its parent 1101 (city, line 3)"
        ),
        "{e}"
    );
}

#[test]
fn twelve_digit_codes_find_shorter_ones() {
    let engine = Engine::default();
    let g = engine.gazetteer();
    assert_eq!(g.find_code("430200000000"), g.find_code("4302"));
    assert!(g.find_code("4302").is_some());
    assert_eq!(g.find_code("430202000000"), g.find_code("430202"));
    assert_eq!(g.find_code("430202001000"), g.find_code("430202001"));
    assert_eq!(g.find_code("430000000000"), g.find_code("43"));
    assert_eq!(g.find_code("439900000000"), None);
    let t = engine.triage("路灯坏了", Some("430200000000")).unwrap();
    assert!(t.warnings.is_empty(), "{:?}", t.warnings);
}

/// The embedded profile names Zhuzhou's places; another region's divisions load with it, its
/// aliases and zone townships skipped with a warning that names the line.
#[test]
fn another_regions_divisions_load_with_the_embedded_profile() {
    let dir = std::env::temp_dir().join(format!("suqiu-contract-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let csv = dir.join("beijing.csv");
    std::fs::write(
        &csv,
        "code,name,level,parent_code\n11,北京市,1,\n1101,北京市辖区,2,11\n110101,东城区,3,1101\n",
    )
    .unwrap();
    let engine = Engine::builder().divisions_csv(&csv).build().unwrap();
    let warnings = engine.load_warnings();
    let first = warnings
        .iter()
        .find(|w| w.contains("株洲县"))
        .expect("the 株洲县 alias is skipped");
    // Line 2 of aliases.tsv (line 1 is a comment): lines are counted, not entries.
    assert!(
        first.starts_with("<embedded:zhuzhou>/aliases.tsv:2: alias 株洲县"),
        "{first}"
    );
    assert!(warnings.iter().any(|w| w.contains("routing.toml: zone")));
    let t = engine.triage("东城区的路灯坏了", None).unwrap();
    assert_eq!(t.division.map(|d| d.code).as_deref(), Some("110101"));
    assert!(Engine::default().load_warnings().is_empty());
    std::fs::remove_dir_all(&dir).ok();
}

/// Closed issues are kept up to `max_closed_issues`; the earliest closed are dropped and
/// counted, so memory does not grow with every report ever seen.
#[test]
fn closed_issues_are_bounded() {
    let engine = Engine::default();
    let mut agg = Aggregator::new(AggregatorConfig {
        window_seconds: 86_400,
        max_closed_issues: 3,
        ..AggregatorConfig::default()
    });
    let mut lines = String::new();
    for i in 0..20 {
        // One distinct report every two days: each closes before the next arrives.
        lines.push_str(&format!(
            "{{\"id\":\"r{i}\",\"text\":\"{}\",\"time\":{}}}\n",
            ["路灯坏了", "下水道堵塞", "噪音扰民", "拖欠工资", "电梯困人"][i % 5].repeat(1 + i / 5)
                + &format!("第{i}号"),
            1_600_000_000 + i * 2 * 86_400
        ));
    }
    let run = suqiu::jsonl::aggregate_lines(&engine, &mut agg, lines.as_bytes(), Some(1));
    assert!(run.rejected.is_empty());
    assert_eq!(agg.open_issues().count(), 1);
    assert_eq!(agg.ranked().len(), 1 + 3);
    assert_eq!(agg.closed_dropped(), 16);
    // The state round-trips with the bound and the count.
    let saved = agg.save(&engine);
    let back = Aggregator::restore(&engine, &saved, Default::default()).unwrap();
    assert_eq!(back.closed_dropped(), 16);
    assert_eq!(back.ranked().len(), 4);
}
