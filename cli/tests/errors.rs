//! The error behaviour a new user meets (issue 15): every bad argument, file or line gets a
//! message that names it, a bad line never stops a run, and a usable line is not rejected for
//! a detail.

mod common;
use common::{lines, suqiu};

use std::path::PathBuf;

/// A directory of its own for one test (tests run in parallel).
fn temp_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("suqiu-errors-{}-{name}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn stderr(out: &std::process::Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

const TOY: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../tests/fixtures/toy_labelled.jsonl"
);

#[test]
fn train_refuses_a_useless_c_and_out_of_range_hash_bits_naming_the_flag() {
    let dir = temp_dir("c");
    let model = dir.join("m.model");
    let model = model.to_str().unwrap();
    for c in ["0", "nan", "-1", "inf"] {
        let out = suqiu(&["train", "--input", TOY, "--output", model, "--c", c], b"");
        assert_eq!(out.status.code(), Some(2), "--c {c}");
        assert!(stderr(&out).contains("--c"), "{}", stderr(&out));
    }
    for bits in ["40", "9", "x"] {
        let out = suqiu(
            &[
                "train",
                "--input",
                TOY,
                "--output",
                model,
                "--hash-bits",
                bits,
            ],
            b"",
        );
        assert_eq!(out.status.code(), Some(2));
        let err = stderr(&out);
        assert!(
            err.contains("--hash-bits") && err.contains("10..=24"),
            "{err}"
        );
        assert!(!err.contains("hash_bits"), "no internal names: {err}");
    }
    assert!(!std::path::Path::new(model).exists());
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn train_and_evaluate_skip_a_bad_line_naming_it_and_exit_1() {
    let dir = temp_dir("bad-lines");
    let mut data = b"\xef\xbb\xbf".to_vec(); // a byte-order mark before line 1
    data.extend_from_slice(&std::fs::read(TOY).unwrap());
    data.extend_from_slice(
        b"not json\n{\"text\": \"\xff\xfe\", \"label\": \"roads\"}\n{\"text\": 3}\n",
    );
    let input = dir.join("train.jsonl");
    std::fs::write(&input, &data).unwrap();
    let model = dir.join("m.model");
    let out = suqiu(
        &[
            "train",
            "--input",
            input.to_str().unwrap(),
            "--output",
            model.to_str().unwrap(),
        ],
        b"",
    );
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let err = stderr(&out);
    assert!(err.contains("train.jsonl:7: not JSON"), "{err}");
    assert!(err.contains("train.jsonl:8: not UTF-8"), "{err}");
    assert!(err.contains("train.jsonl:9: needs string"), "{err}");
    assert!(
        !err.contains(":1:"),
        "the byte-order mark is not an error: {err}"
    );
    assert_eq!(lines(&out)[0]["n"], 6, "line 1 (after the mark) was used");

    let out = suqiu(
        &[
            "evaluate",
            "--model",
            model.to_str().unwrap(),
            "--input",
            input.to_str().unwrap(),
        ],
        b"",
    );
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).contains("train.jsonl:7"), "{}", stderr(&out));
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn evaluate_warns_when_the_test_labels_are_unknown_to_the_model() {
    let dir = temp_dir("unknown-labels");
    let model = dir.join("m.model");
    let out = suqiu(
        &["train", "--input", TOY, "--output", model.to_str().unwrap()],
        b"",
    );
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let test = dir.join("test.jsonl");
    std::fs::write(&test, "{\"text\": \"路灯坏了\", \"label\": \"道路\"}\n").unwrap();
    let out = suqiu(
        &[
            "evaluate",
            "--model",
            model.to_str().unwrap(),
            "--input",
            test.to_str().unwrap(),
        ],
        b"",
    );
    assert_eq!(out.status.code(), Some(0));
    let err = stderr(&out);
    assert!(
        err.contains("warning: 1 of 1 lines") && err.contains("道路"),
        "{err}"
    );
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn training_does_not_depend_on_the_order_of_the_input() {
    let dir = temp_dir("order");
    let text = std::fs::read_to_string(TOY).unwrap();
    let (first, second) = (dir.join("a.jsonl"), dir.join("b.jsonl"));
    let mut rev: Vec<&str> = text.lines().collect();
    rev.reverse();
    let (head, tail) = rev.split_at(2);
    std::fs::write(&first, head.join("\n")).unwrap();
    std::fs::write(&second, tail.join("\n")).unwrap();
    let one = dir.join("one.model");
    let two = dir.join("two.model");
    let out = suqiu(
        &["train", "--input", TOY, "--output", one.to_str().unwrap()],
        b"",
    );
    assert_eq!(out.status.code(), Some(0));
    let out = suqiu(
        &[
            "train",
            "--input",
            second.to_str().unwrap(),
            "--input",
            first.to_str().unwrap(),
            "--output",
            two.to_str().unwrap(),
        ],
        b"",
    );
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(
        std::fs::read(&one).unwrap() == std::fs::read(&two).unwrap(),
        "same data in another order, same model"
    );
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn a_directory_as_input_is_named() {
    let dir = temp_dir("dir-input");
    let out = suqiu(&["triage", dir.to_str().unwrap()], b"");
    assert_eq!(out.status.code(), Some(2));
    let err = stderr(&out);
    assert!(
        err.contains(dir.to_str().unwrap()) && err.contains("directory"),
        "{err}"
    );
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn lines_keep_their_id_a_bom_and_an_unknown_group_do_not_reject_a_message() {
    let mut input = b"\xef\xbb\xbf".to_vec();
    input.extend_from_slice(
        concat!(
            r#"{"id": "bom", "text": "路灯坏了"}"#,
            "\n",
            r#"{"id": 5, "text": 3}"#,
            "\n",
            r#"{"id": "g", "text": "路面坑洼不平，晚上连个路灯都没有", "group_division": "999999999999"}"#,
            "\n",
            r#"{"id": "short", "text": "路灯坏了", "group_division": "4302"}"#,
            "\n",
            r#"{"id": "ok", "text": "路灯坏了", "group_division": "430202001012"}"#,
            "\n",
        )
        .as_bytes(),
    );
    let out = suqiu(&["triage", "-"], &input);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let rows = lines(&out);
    assert_eq!(rows[0]["id"], "bom");
    assert!(rows[0]["kind"].is_string(), "{}", rows[0]);
    assert_eq!(rows[1]["id"], 5, "{}", rows[1]);
    assert_eq!(rows[1]["error_kind"], "invalid_input");
    assert_eq!(rows[2]["id"], "g");
    assert_eq!(rows[2]["kind"], "grievance", "{}", rows[2]);
    assert!(rows[2]["warnings"][0]
        .as_str()
        .unwrap()
        .contains("\"999999999999\" is not a known division code"));
    assert!(rows[3]["warnings"][0]
        .as_str()
        .unwrap()
        .contains("not a 12-digit NBS code; read as 株洲市"));
    assert!(rows[4].get("warnings").is_none(), "no warnings, no field");
}

#[test]
fn aggregate_reports_a_bad_line_as_a_json_line_on_standard_output() {
    let input = concat!(
        r#"{"id": "a", "text": "小区门口的路灯坏了一个多月", "time": "2026-03-01T09:00:00Z"}"#,
        "\n",
        r#"{"id": "bad", "text": 7}"#,
        "\n",
        "not json\n",
    );
    let out = suqiu(&["aggregate", "-"], input.as_bytes());
    assert_eq!(out.status.code(), Some(1));
    let rows = lines(&out);
    assert_eq!(rows[0]["line"], 2);
    assert_eq!(rows[0]["id"], "bad");
    assert_eq!(rows[0]["error_kind"], "invalid_input");
    assert_eq!(rows[1]["line"], 3);
    assert_eq!(rows[1]["id"], serde_json::Value::Null);
    assert_eq!(rows[2]["count"], 1);
    assert!(
        out.stderr.is_empty(),
        "quiet without --verbose: {}",
        stderr(&out)
    );
    let out = suqiu(&["aggregate", "--verbose", "-"], input.as_bytes());
    assert!(
        stderr(&out).contains("reports into 1 issues"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn aggregate_dates_a_report_without_a_time_by_its_arrival() {
    let out = suqiu(
        &["aggregate", "-"],
        "{\"id\": \"x\", \"text\": \"小区门口的路灯坏了一个多月\"}\n".as_bytes(),
    );
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let rows = lines(&out);
    let seen = rows[0]["first_seen"].as_str().unwrap();
    assert!(!seen.starts_with("1970"), "not the epoch: {seen}");
    let year: i32 = seen[..4].parse().unwrap();
    assert!(year >= 2026, "{seen}");
}

#[test]
fn every_command_has_help_and_unknown_commands_and_flags_are_named() {
    for cmd in [
        "triage",
        "locate",
        "aggregate",
        "audit",
        "info",
        "train",
        "evaluate",
        "evaluate-triage",
        "evaluate-audit",
        "evaluate-places",
        "bench",
        "completions",
    ] {
        for flag in ["--help", "-h"] {
            let out = suqiu(&[cmd, flag], b"");
            assert_eq!(out.status.code(), Some(0), "{cmd} {flag}");
            let help = String::from_utf8_lossy(&out.stdout);
            assert!(
                help.contains(&format!("Usage: suqiu {cmd}")),
                "{cmd}: {help}"
            );
        }
    }
    let help = suqiu(&["train", "--help"], b"");
    let help = String::from_utf8_lossy(&help.stdout);
    assert!(
        help.contains("[default: 18]") && help.contains("10..=24"),
        "{help}"
    );
    let out = suqiu(&["help"], b"");
    assert_eq!(out.status.code(), Some(0));
    assert!(String::from_utf8_lossy(&out.stdout).contains("aggregate"));

    let out = suqiu(&["triage-all"], b"");
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("unrecognized subcommand 'triage-all'"),
        "{}",
        stderr(&out)
    );
    let out = suqiu(&["triage", "--fast"], b"");
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("'--fast'"), "{}", stderr(&out));
    let out = suqiu(&[], b"");
    assert_eq!(out.status.code(), Some(2), "no command is a usage error");
}

#[test]
fn numeric_flags_are_range_checked() {
    for args in [
        &["triage", "--threads", "0"][..],
        &["triage", "--threads", "257"],
        &["triage", "--model-weight", "1.5"],
        &["aggregate", "--window", "0", "-"],
        &["aggregate", "--window", "nan", "-"],
        &["train", "--input", TOY, "--output", "x", "--max-ngram", "5"],
        &[
            "train",
            "--input",
            TOY,
            "--output",
            "x",
            "--temperature",
            "0",
        ],
        &["train", "--input", TOY, "--output", "x", "--seed", "-1"],
    ] {
        let out = suqiu(args, b"");
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        assert!(
            stderr(&out).contains("invalid value"),
            "{args:?}: {}",
            stderr(&out)
        );
    }
}

#[test]
fn a_dash_reads_standard_input_everywhere_and_completions_are_printed() {
    let toy = std::fs::read(TOY).unwrap();
    let dir = temp_dir("dash");
    let model = dir.join("m.model");
    let out = suqiu(
        &["train", "--input", "-", "--output", model.to_str().unwrap()],
        &toy,
    );
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let out = suqiu(
        &[
            "evaluate",
            "--model",
            model.to_str().unwrap(),
            "--input",
            "-",
        ],
        &toy,
    );
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let out = suqiu(&["locate", "-"], "茶陵县虎踞镇银湖村\n".as_bytes());
    assert_eq!(lines(&out)[0]["division"]["name"], "银湖村");
    let out = suqiu(&["completions", "bash"], b"");
    assert_eq!(out.status.code(), Some(0));
    let script = String::from_utf8_lossy(&out.stdout);
    assert!(script.contains("_suqiu") && script.contains("evaluate-places"));
    std::fs::remove_dir_all(&dir).ok();
}

/// A `--save` destination that cannot be written and a malformed `--gold` file are found
/// before a single report is read (issue 14, item 11).
#[test]
fn aggregate_checks_save_and_gold_before_the_run() {
    let dir = std::env::temp_dir().join(format!("suqiu-precheck-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let report = b"{\"id\":\"a\",\"text\":\"\xe8\xb7\xaf\xe7\x81\xaf\xe5\x9d\x8f\xe4\xba\x86\"}\n";
    // The destination is a directory.
    let out = common::suqiu(&["aggregate", "--save", dir.to_str().unwrap(), "-"], report);
    assert_eq!(out.status.code(), Some(2));
    assert!(out.stdout.is_empty());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("is a directory"), "{err}");
    // A gold line without three fields, named by file and line.
    let gold = dir.join("gold.tsv");
    std::fs::write(&gold, "# pairs\na\tb\t1\na b 1\n").unwrap();
    let out = common::suqiu(
        &["aggregate", "--gold", gold.to_str().unwrap(), "-"],
        report,
    );
    assert_eq!(out.status.code(), Some(2));
    assert!(out.stdout.is_empty());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("gold.tsv:3: expected id_a<TAB>id_b<TAB>same"),
        "{err}"
    );
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn report_commands_exit_3_when_standard_output_cannot_be_written() {
    // /dev/full fails every write with ENOSPC: the report commands must say so and exit 3,
    // as triage does, not panic (exit 101).
    let full = std::fs::OpenOptions::new().write(true).open("/dev/full");
    let Ok(full) = full else { return };
    for args in [
        vec!["info"],
        vec!["evaluate", "--model", "/nonexistent"],
        vec!["completions", "bash"],
        vec!["evaluate-triage", "--labels", "/nonexistent"],
    ] {
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_suqiu"))
            .args(&args)
            .stdout(full.try_clone().unwrap())
            .output()
            .unwrap();
        let code = out.status.code();
        assert_ne!(code, Some(101), "{args:?} panicked: {}", stderr(&out));
        if args[0] == "info" || args[0] == "completions" {
            assert_eq!(code, Some(3), "{args:?}: {}", stderr(&out));
            assert!(
                stderr(&out).contains("cannot write output"),
                "{}",
                stderr(&out)
            );
        }
    }
}
