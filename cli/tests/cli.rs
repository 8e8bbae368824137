//! The `suqiu` command end to end: output shape, one line per input line, exit codes, and
//! clear errors for bad lines and bad files.

use std::process::Output;

mod common;
use common::{lines, suqiu};

/// Writes `contents` to a file `name` in a temporary directory of its own (tests run in
/// parallel and may remove their directory).
fn temp_file(name: &str, contents: &str) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("suqiu-cli-test-{}-{name}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join(name);
    std::fs::write(&path, contents).unwrap();
    path
}

#[test]
fn one_line_per_input_with_errors_inline_and_exit_1() {
    let big = "路灯坏了".repeat(90_000); // ~1 MB, over the 256 KiB default limit
    let mut input = String::new();
    input.push_str(r#"{"id": 1, "text": "路面坑洼不平，晚上连个路灯都没有", "group_division": "430202001012"}"#);
    input.push('\n');
    input.push_str("this is not json\n");
    input.push_str(r#"{"id": 3, "text": ""}"#);
    input.push('\n');
    input.push_str(r#"{"id": 4, "text": "水渠开裂", "group_division": "999999999999"}"#);
    input.push('\n');
    input.push_str(&format!("{{\"id\": 5, \"text\": \"{big}\"}}\n"));
    input.push('\n');
    input.push_str(
        r#"{"id": "six", "text": "请问低保怎么申请？", "group_division": "430224109203"}"#,
    );
    input.push('\n');
    let mut bytes = input.into_bytes();
    bytes.extend_from_slice(b"{\"id\": 7, \"text\": \"\xff\xfe\"}\n");
    let out = suqiu(&["triage", "-"], &bytes);
    assert_eq!(
        out.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let rows = lines(&out);
    assert_eq!(rows.len(), 7);
    assert_eq!(rows[0]["id"], 1);
    assert_eq!(rows[0]["route"]["handler"], "荷塘区城管局");
    assert_eq!(rows[1]["line"], 2);
    assert!(rows[1]["error"].as_str().unwrap().contains("not a JSON"));
    assert_eq!(rows[2]["error_kind"], "invalid_input");
    assert!(rows[3]["warnings"][0]
        .as_str()
        .unwrap()
        .contains("not a known division code"));
    assert_eq!(rows[4]["error_kind"], "limit_exceeded");
    assert_eq!(rows[5]["id"], "six");
    assert_eq!(rows[5]["kind"], "inquiry");
    assert_eq!(rows[6]["line"], 8);
}

#[test]
fn threads_keep_order() {
    let mut input = String::new();
    for i in 0..500 {
        input.push_str(&format!(
            "{{\"id\": {i}, \"text\": \"第{i}组的路灯不亮\"}}\n"
        ));
    }
    let out = suqiu(&["triage", "--threads", "2"], input.as_bytes());
    assert_eq!(out.status.code(), Some(0));
    let rows = lines(&out);
    assert_eq!(rows.len(), 500);
    for (i, r) in rows.iter().enumerate() {
        assert_eq!(r["id"], i);
    }
}

#[test]
fn bad_files_and_arguments_exit_2_naming_the_file_and_line() {
    let csv = temp_file(
        "bad.csv",
        "code,name,level,parent_code\n43,湖南省,1,\n4302,株洲市,two,43\n",
    );
    let dir = csv.parent().unwrap().to_path_buf();
    let out = suqiu(&["triage", "--divisions", csv.to_str().unwrap()], b"");
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("bad.csv:3"), "{err}");

    let profile = dir.join("profile");
    std::fs::create_dir_all(&profile).unwrap();
    let src = concat!(env!("CARGO_MANIFEST_DIR"), "/../core/profiles/zhuzhou");
    for f in ["taxonomy.toml", "routing.toml", "aliases.tsv"] {
        std::fs::copy(format!("{src}/{f}"), profile.join(f)).unwrap();
    }
    std::fs::write(
        profile.join("lexicon.tsv"),
        "cat:roads_transport\t2\t坑洼\ncat:roads_transport\theavy\t路灯\n",
    )
    .unwrap();
    let out = suqiu(&["triage", "--profile", profile.to_str().unwrap()], b"");
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("lexicon.tsv:2"), "{err}");

    assert_eq!(
        suqiu(&["triage", "--threads", "0"], b"").status.code(),
        Some(2)
    );
    assert_eq!(
        suqiu(&["triage", "/no/such/file.jsonl"], b"").status.code(),
        Some(2)
    );
    assert_eq!(suqiu(&["frobnicate"], b"").status.code(), Some(2));
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn info_reports_the_embedded_default() {
    let out = suqiu(&["info"], b"");
    assert_eq!(out.status.code(), Some(0));
    let v = &lines(&out)[0];
    assert_eq!(v["profile"], "zhuzhou");
    assert_eq!(v["divisions"], 1523);
}

#[test]
fn aggregate_prints_issues_hottest_first_and_saves_state() {
    let dir = std::env::temp_dir().join(format!("suqiu-agg-test-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let input = dir.join("reports.jsonl");
    let land = "搞建设我们不反对，但是工程搞完了土地一直没有恢复原样，田里到处是电线杆和坑";
    let lines = [
        format!(r#"{{"id": "a", "text": "{land}", "group_division": "430204009001", "time": "2026/3/1 09:00:00"}}"#),
        format!(r#"{{"id": "b", "text": "{land}。", "group_division": "430204009002", "time": "2026-03-02T09:00:00Z", "likes": 5}}"#),
        r#"{"id": "c", "text": "小区门口的路灯坏了一个多月", "group_division": "430202001012", "time": "2026-03-02T10:00:00"}"#.to_string(),
    ];
    std::fs::write(&input, lines.join("\n")).unwrap();
    let state = dir.join("state.json");
    let out = suqiu(
        &[
            "aggregate",
            "--window",
            "30",
            "--save",
            state.to_str().unwrap(),
            input.to_str().unwrap(),
        ],
        b"",
    );
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let rows = lines_of(&out);
    assert_eq!(rows.len(), 2);
    assert_eq!(rows[0]["count"], 2);
    assert_eq!(rows[0]["members"], serde_json::json!(["a", "b"]));
    assert_eq!(rows[0]["groups"].as_array().unwrap().len(), 2);
    assert_eq!(rows[0]["division"]["code"], "430204009");
    assert_eq!(rows[0]["route"]["level"], "county");
    assert_eq!(rows[0]["first_seen"], "2026-03-01T09:00:00Z");
    assert!(rows[0]["hotness"].as_f64().unwrap() > rows[1]["hotness"].as_f64().unwrap());
    assert!(std::fs::read_to_string(&state).unwrap().contains("issue-"));
    std::fs::write(
        &input,
        "{\"id\": 1, \"text\": \"路灯坏了\", \"time\": \"yesterday\"}\n",
    )
    .unwrap();
    assert_eq!(
        suqiu(&["aggregate", input.to_str().unwrap()], b"")
            .status
            .code(),
        Some(1)
    );
    assert_eq!(
        suqiu(
            &["aggregate", "--window", "-3", input.to_str().unwrap()],
            b""
        )
        .status
        .code(),
        Some(2)
    );
    std::fs::remove_dir_all(&dir).ok();
}

fn lines_of(out: &Output) -> Vec<serde_json::Value> {
    lines(out)
}

/// `evaluate-triage` on a corpus of this test's own: a data folder laid out like ../shared/data
/// (two message files, chatter), ids in the corpus scheme, and labels; `--split all` scores
/// every record. A chatter line must come out `other` and a clear road complaint a grievance,
/// so the lexicon-only row is right on both and the shape of the table is checked.
#[test]
fn evaluate_triage_scores_a_labelled_corpus_from_its_ids() {
    let dir = std::env::temp_dir().join(format!("suqiu-evaltriage-{}", std::process::id()));
    let m = dir.join("messages");
    std::fs::create_dir_all(&m).unwrap();
    std::fs::create_dir_all(dir.join("chatter")).unwrap();
    let write = |p: std::path::PathBuf, s: &str| std::fs::write(p, s).unwrap();
    write(
        m.join("gov_titles.train.jsonl"),
        "{\"text\": \"村口路面坑洼不平，路灯也坏了\", \"label\": \"x\"}\n",
    );
    for f in ["gov_titles.dev", "gov_details.train", "gov_details.dev"] {
        write(m.join(format!("{f}.jsonl")), "");
    }
    write(m.join("hot_messages.jsonl"), "{\"id\": \"7\", \"title\": \"村支书的亲戚吃上了低保\", \"text\": \"村支书优亲厚友，亲戚吃低保，困难户评不上\"}\n");
    write(m.join("replies.jsonl"), "");
    write(
        dir.join("chatter").join("chatter.jsonl"),
        "{\"id\": \"ch-1\", \"text\": \"周末一起去吃火锅吧\"}\n",
    );
    let labels = dir.join("labels.jsonl");
    write(labels.clone(), concat!(
        "{\"id\": \"gt.train:1\", \"kind\": \"grievance\", \"category\": \"roads_transport\", \"misconduct\": false, \"implicated\": \"none\"}\n",
        "{\"id\": \"hot:7\", \"kind\": \"misconduct\", \"category\": \"cadre_conduct\", \"misconduct\": true, \"implicated\": \"village\"}\n",
        "{\"id\": \"chat:ch-1\", \"kind\": \"other\", \"category\": null, \"misconduct\": false, \"implicated\": \"none\"}\n",
        "{\"id\": \"hot:404\", \"kind\": \"other\", \"category\": null, \"misconduct\": false, \"implicated\": \"none\"}\n",
    ));
    let out = suqiu(
        &[
            "evaluate-triage",
            "--labels",
            labels.to_str().unwrap(),
            "--data",
            dir.to_str().unwrap(),
            "--split",
            "all",
            "--json",
        ],
        b"",
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    // The id with no text is reported, not scored.
    assert!(String::from_utf8_lossy(&out.stderr).contains("1 labelled ids have no text"));
    let rows = lines(&out);
    assert_eq!(rows.len(), 3);
    assert_eq!(rows[0]["system"], "lexicon only");
    assert_eq!(rows[0]["n"], 3);
    assert_eq!(rows[0]["kind_accuracy"], 1.0);
    assert_eq!(rows[0]["other_kept_other"], 1.0);
    assert_eq!(rows[0]["misconduct_recall"], 1.0);
    // An unknown split is refused.
    let bad = suqiu(
        &[
            "evaluate-triage",
            "--labels",
            labels.to_str().unwrap(),
            "--split",
            "dev",
        ],
        b"",
    );
    assert_eq!(bad.status.code(), Some(2));
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn locate_reads_json_and_plain_lines() {
    let out = suqiu(
        &["locate"],
        "{\"id\":7,\"text\":\"茶陵县虎踞镇银湖村的桥\"}\n醴陵市的路\n{\"text\":1}\n".as_bytes(),
    );
    assert_eq!(out.status.code(), Some(1));
    let l = lines(&out);
    assert_eq!(l.len(), 3);
    assert_eq!(l[0]["id"], 7);
    assert_eq!(l[0]["division"]["code"], "430224109203");
    assert_eq!(l[0]["chain"].as_array().unwrap().len(), 5);
    assert_eq!(l[0]["mentions"][0]["text"], "茶陵县");
    assert_eq!(l[1]["id"], serde_json::Value::Null);
    assert_eq!(l[1]["division"]["name"], "醴陵市");
    assert_eq!(l[2]["line"], 3);
}

#[test]
fn evaluate_places_counts_outcomes_per_level() {
    let cases = temp_file(
        "cases.jsonl",
        "{\"id\":\"a\",\"text\":\"株洲茶陵虎踞镇\",\"expected\":{\"province\":\"湖南\",\"city\":\"株洲市\",\"county\":\"茶陵县\",\"township\":\"虎踞镇\"}}\n\
         {\"id\":\"b\",\"text\":\"株洲市的路\",\"expected\":{\"province\":\"湖南省\",\"city\":\"株洲\",\"county\":\"攸县\"}}\n\
         {\"id\":\"c\",\"text\":\"今天天气不错\",\"expected\":{},\"negative\":true}\n",
    );
    let out = suqiu(
        &["evaluate-places", "--cases", cases.to_str().unwrap()],
        b"",
    );
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8(out.stdout).unwrap();
    let json: serde_json::Value = serde_json::from_str(text.lines().last().unwrap()).unwrap();
    assert_eq!(json["levels"]["province"]["right"], 2);
    assert_eq!(json["levels"]["county"]["right"], 1);
    assert_eq!(json["levels"]["county"]["too_high"], 1);
    assert_eq!(json["negatives_right"], 1);
    assert_eq!(json["cases_wrong"], 0);
    let help = suqiu(&["evaluate-places", "--help"], b"");
    assert!(String::from_utf8_lossy(&help.stdout).contains("too_high"));
}
