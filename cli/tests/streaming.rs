//! `suqiu triage` as a stream: a live feed sees each line's result without waiting for a full
//! chunk, an over-long line is skipped as it streams with its own error line, and the thread
//! count has a ceiling.

mod common;
use common::{lines, suqiu};
use std::io::{BufRead, Write};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

#[test]
fn a_live_feed_sees_each_result_while_the_input_stays_open() {
    let mut child = Command::new(env!("CARGO_BIN_EXE_suqiu"))
        .args(["triage", "-"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut input = child.stdin.take().unwrap();
    let (tx, rx) = std::sync::mpsc::channel();
    let stdout = child.stdout.take().unwrap();
    let reader = std::thread::spawn(move || {
        for line in std::io::BufReader::new(stdout).lines() {
            if tx.send(line.unwrap()).is_err() {
                return;
            }
        }
    });
    for (i, text) in ["小区门口的路灯坏了一个多月", "自来水管爆了，整栋楼停水"]
        .iter()
        .enumerate()
    {
        let started = Instant::now();
        writeln!(input, r#"{{"id": {i}, "text": "{text}"}}"#).unwrap();
        input.flush().unwrap();
        // The input stays open: the result must come from the stall, not from the end.
        let line = rx
            .recv_timeout(Duration::from_secs(20))
            .expect("a result while the input is still open");
        let v: serde_json::Value = serde_json::from_str(&line).unwrap();
        assert_eq!(v["id"], i);
        eprintln!("line {i}: result after {:?}", started.elapsed());
    }
    drop(input);
    assert!(child.wait().unwrap().success());
    reader.join().unwrap();
}

#[test]
fn an_over_long_line_is_skipped_with_its_own_error_and_numbering_goes_on() {
    let long = "路灯坏了".repeat(300_000); // 3.6 MB: over the 2 MiB line budget
    let input = format!(
        "{{\"id\": 1, \"text\": \"路灯坏了\"}}\n{{\"id\": 2, \"text\": \"{long}\"}}\n\n{{\"id\": 4, \"text\": \"水管爆了\"}}\n"
    );
    let out = suqiu(&["triage", "-"], input.as_bytes());
    assert_eq!(out.status.code(), Some(1));
    let rows = lines(&out);
    assert_eq!(rows.len(), 3);
    assert_eq!(rows[0]["id"], 1);
    assert_eq!(rows[1]["line"], 2);
    assert_eq!(rows[1]["error_kind"], "limit_exceeded");
    let error = rows[1]["error"].as_str().unwrap();
    assert!(
        // 19 bytes before the text, `"}` and the newline after it.
        error.contains("input line length") && error.contains(&(long.len() + 22).to_string()),
        "{error}"
    );
    assert_eq!(rows[2]["id"], 4);
    // The same line at the very end, without a newline.
    let out = suqiu(
        &["triage", "-"],
        format!("{{\"text\": \"{long}\"}}").as_bytes(),
    );
    assert_eq!(lines(&out)[0]["line"], 1);
}

#[test]
fn threads_are_capped_with_a_clear_error() {
    let input = r#"{"id": 1, "text": "路灯坏了"}"#.as_bytes();
    let out = suqiu(&["triage", "--threads", "100000", "-"], input);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("more than 256"));
    let out = suqiu(&["triage", "--threads", "256", "-"], input);
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(lines(&out).len(), 1);
}
