//! `suqiu aggregate --save/--restore` under failure: a kill during the save, a full disk, a
//! closed or broken standard output; replaying reports after a restore; a state from another
//! setup. None of them may lose the previous state or the reports just added.

mod common;
use common::{distinct_reports, lines, suqiu};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

/// A fresh directory for one test.
fn temp_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("suqiu-state-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}

/// Restores `state` with the command (on an empty input) and returns the issues it prints.
fn restored_issues(state: &Path, dir: &Path) -> Vec<serde_json::Value> {
    let empty = dir.join("empty.jsonl");
    std::fs::write(&empty, "").unwrap();
    let out = suqiu(&["aggregate", "--restore", s(state), s(&empty)], b"");
    assert_eq!(
        out.status.code(),
        Some(0),
        "{} does not restore: {}",
        state.display(),
        String::from_utf8_lossy(&out.stderr)
    );
    lines(&out)
}

/// Stray temporary files left beside the state (by a killed save).
fn temporaries(dir: &Path) -> Vec<PathBuf> {
    std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| {
            p.file_name()
                .unwrap()
                .to_string_lossy()
                .starts_with(".suqiu-")
        })
        .collect()
}

/// Reports in all the issues of a restored state.
fn reports_in(issues: &[serde_json::Value]) -> u64 {
    issues.iter().map(|i| i["count"].as_u64().unwrap()).sum()
}

#[test]
fn a_kill_at_any_point_of_a_save_leaves_a_state_that_restores() {
    let dir = temp_dir("kill");
    let input = dir.join("reports.jsonl");
    std::fs::write(&input, distinct_reports(4_000, "r")).unwrap();
    let state = dir.join("state.json");
    let first = suqiu(&["aggregate", "--save", s(&state), s(&input)], b"");
    assert_eq!(
        first.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&first.stderr)
    );
    let bytes = std::fs::metadata(&state).unwrap().len();
    assert!(bytes > 10 << 20, "a large state: {bytes} bytes");
    let mut total = reports_in(&lines(&first));
    // Each later run restores the state, adds five new reports and saves it whole; it is killed
    // (SIGKILL) somewhere: on even tries at a random time of the whole run, on odd ones at a
    // random moment once its temporary file has appeared (inside the save).
    let more = dir.join("more.jsonl");
    let args = [
        "aggregate",
        "--save",
        s(&state),
        "--restore",
        s(&state),
        s(&more),
    ];
    std::fs::write(&more, distinct_reports(5, "timing")).unwrap();
    let started = std::time::Instant::now();
    let timed = suqiu(&args, b"");
    assert_eq!(
        timed.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&timed.stderr)
    );
    let run = started.elapsed();
    total += 5;
    let mut rng = 0x2545_f491_4f6c_dd1du64 ^ std::process::id() as u64;
    let mut random = |below: f64| {
        rng ^= rng << 13;
        rng ^= rng >> 7;
        rng ^= rng << 17;
        below * (rng % 10_000) as f64 / 10_000.0
    };
    // At least 30 tries and at least `wanted` kills inside a save: on a loaded machine the
    // save window is easily missed, so more tries are made (up to 120) rather than the test
    // proving little or failing for the machine's load.
    let (mut killed_during_save, mut completed, mut tries, wanted) = (0, 0, 0, 8);
    while tries < 30 || (killed_during_save < wanted && tries < 120) {
        let t = tries;
        tries += 1;
        std::fs::write(&more, distinct_reports(5, &format!("t{t}"))).unwrap();
        let mut child = Command::new(env!("CARGO_BIN_EXE_suqiu"))
            .args(args)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        if t % 2 == 0 {
            std::thread::sleep(run.mul_f64(random(1.1)));
        } else {
            while temporaries(&dir).is_empty() && child.try_wait().unwrap().is_none() {
                std::thread::sleep(std::time::Duration::from_micros(500));
            }
            std::thread::sleep(std::time::Duration::from_secs_f64(random(0.03)));
        }
        child.kill().unwrap();
        child.wait().unwrap();
        let stray = temporaries(&dir);
        killed_during_save += usize::from(!stray.is_empty());
        for p in stray {
            std::fs::remove_file(p).unwrap();
        }
        // The previous state or the new one, whole: never a part, never neither.
        let now = reports_in(&restored_issues(&state, &dir));
        assert!(
            now == total || now == total + 5,
            "try {t}: {now} reports, expected {total} or {}",
            total + 5
        );
        completed += usize::from(now > total);
        total = now;
    }
    eprintln!(
        "state {bytes} bytes, run {run:?}: {killed_during_save} of {tries} kills during a save, {completed} runs completed first"
    );
    assert!(
        killed_during_save >= wanted,
        "only {killed_during_save} of {tries} kills landed during a save: the test proves little"
    );
    std::fs::remove_dir_all(&dir).ok();
}

/// Unmounts a test's tmpfs however the test ends.
struct Mounted(PathBuf);

impl Drop for Mounted {
    fn drop(&mut self) {
        let _ = Command::new("umount").arg(&self.0).status();
    }
}

#[test]
fn a_full_disk_during_a_save_keeps_the_previous_state() {
    let dir = temp_dir("full");
    let mnt = dir.join("tmpfs");
    std::fs::create_dir_all(&mnt).unwrap();
    let mounted = Command::new("mount")
        .args(["-t", "tmpfs", "-o", "size=256k", "tmpfs", s(&mnt)])
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|st| st.success());
    if !mounted {
        // The injected failing writer of core/tests/aggregate.rs covers the same path.
        eprintln!("skipped: cannot mount a 256 KiB tmpfs here (needs root)");
        return;
    }
    let _unmount = Mounted(mnt.clone());
    let state = mnt.join("state.json");
    let small = dir.join("small.jsonl");
    std::fs::write(&small, distinct_reports(20, "small")).unwrap();
    let out = suqiu(&["aggregate", "--save", s(&state), s(&small)], b"");
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let before = std::fs::read(&state).unwrap();
    // A couple of MB of state does not fit in what is left of 256 KiB.
    let large = dir.join("large.jsonl");
    std::fs::write(&large, distinct_reports(2_000, "large")).unwrap();
    let out = suqiu(
        &[
            "aggregate",
            "--restore",
            s(&state),
            "--save",
            s(&state),
            s(&large),
        ],
        b"",
    );
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(4), "{err}");
    assert!(
        err.contains("cannot save the state") && err.contains("No space left"),
        "{err}"
    );
    assert_eq!(
        reports_in(&lines(&out)),
        2_020,
        "the issues are printed all the same"
    );
    assert_eq!(
        std::fs::read(&state).unwrap(),
        before,
        "the previous state is untouched"
    );
    assert!(
        temporaries(&mnt).is_empty(),
        "the temporary file is removed"
    );
    assert_eq!(reports_in(&restored_issues(&state, &dir)), 20);
    drop(_unmount);
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn a_closed_or_broken_output_is_its_own_error_and_the_state_is_still_saved() {
    use std::io::BufRead;
    let dir = temp_dir("output");
    let input = dir.join("reports.jsonl");
    std::fs::write(&input, distinct_reports(300, "p")).unwrap();
    let state = dir.join("state.json");
    // `| head -1`: the reader takes one line and goes away; 300 issues overflow the pipe.
    let mut child = Command::new(env!("CARGO_BIN_EXE_suqiu"))
        .args(["aggregate", "--save", s(&state), s(&input)])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut first = String::new();
    std::io::BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut first)
        .unwrap();
    assert!(first.contains("issue_id"), "{first}");
    let out = child.wait_with_output().unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(3), "{err}");
    assert!(
        err.contains("cannot write output") && err.contains("Broken pipe"),
        "{err}"
    );
    assert_eq!(
        reports_in(&restored_issues(&state, &dir)),
        300,
        "saved all the same"
    );

    // `>&-`: standard output closed from the start.
    std::fs::remove_file(&state).unwrap();
    let closed = |args: &[&str]| {
        Command::new("sh")
            .arg("-c")
            .arg("exec \"$0\" \"$@\" >&-")
            .arg(env!("CARGO_BIN_EXE_suqiu"))
            .args(args)
            .stdin(Stdio::null())
            .output()
            .unwrap()
    };
    let out = closed(&["aggregate", "--save", s(&state), s(&input)]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(3), "{err}");
    assert!(err.contains("standard output is closed"), "{err}");
    assert_eq!(reports_in(&restored_issues(&state, &dir)), 300);
    let out = closed(&["triage", s(&input)]);
    assert_eq!(
        out.status.code(),
        Some(3),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn replaying_after_a_restore_counts_each_report_once_and_lines_without_ids_are_told_apart() {
    let dir = temp_dir("replay");
    let input = dir.join("reports.jsonl");
    std::fs::write(&input, distinct_reports(50, "a")).unwrap();
    let state = dir.join("state.json");
    let first = suqiu(&["aggregate", "--save", s(&state), s(&input)], b"");
    assert_eq!(first.status.code(), Some(0));
    let again = suqiu(
        &[
            "aggregate",
            "--restore",
            s(&state),
            "--save",
            s(&state),
            "--verbose",
            s(&input),
        ],
        b"",
    );
    assert_eq!(again.status.code(), Some(0));
    assert_eq!(lines(&again), lines(&first), "the replay changes no issue");
    assert!(
        String::from_utf8_lossy(&again.stderr).contains("(50 already in an open issue, skipped)")
    );

    // Line 1 of one file without ids is not line 1 of another; a replay of either is.
    let (one, two) = (dir.join("one.jsonl"), dir.join("two.jsonl"));
    let line =
        |text: &str| format!("{{\"text\": \"{text}\", \"time\": \"2026-03-01T09:00:00Z\"}}\n");
    std::fs::write(&one, line("小区门口的路灯坏了一个多月")).unwrap();
    std::fs::write(&two, line("请问新生儿医保怎么办理，需要带哪些材料")).unwrap();
    let anon = dir.join("anon.json");
    for f in [&one, &two, &one, &two] {
        let mut args = vec!["aggregate", "--save", s(&anon), s(f)];
        if anon.exists() {
            args.extend(["--restore", s(&anon)]);
        }
        let out = suqiu(&args, b"");
        assert_eq!(
            out.status.code(),
            Some(0),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    assert_eq!(reports_in(&restored_issues(&anon, &dir)), 2);
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn a_state_from_another_window_is_refused_unless_forced() {
    let dir = temp_dir("window");
    let input = dir.join("reports.jsonl");
    std::fs::write(&input, distinct_reports(5, "w")).unwrap();
    let state = dir.join("state.json");
    let out = suqiu(
        &[
            "aggregate",
            "--window",
            "30",
            "--save",
            s(&state),
            s(&input),
        ],
        b"",
    );
    assert_eq!(out.status.code(), Some(0));
    let with = |extra: &[&str]| {
        let mut args = vec!["aggregate", "--restore", s(&state)];
        args.extend(extra);
        args.push(s(&input));
        suqiu(&args, b"")
    };
    assert_eq!(
        with(&[]).status.code(),
        Some(0),
        "no --window: the saved one"
    );
    assert_eq!(with(&["--window", "30"]).status.code(), Some(0));
    let out = with(&["--window", "7"]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(
        err.contains("window_seconds")
            && err.contains("30 days")
            && err.contains("--force-restore"),
        "{err}"
    );
    assert_eq!(
        with(&["--window", "7", "--force-restore"]).status.code(),
        Some(0)
    );
    let out = suqiu(&["aggregate", "--force-restore", s(&input)], b"");
    assert_eq!(out.status.code(), Some(2));
    // A destination in a missing directory is refused before the run.
    let out = suqiu(
        &[
            "aggregate",
            "--save",
            s(&dir.join("no/such/state.json")),
            s(&input),
        ],
        b"",
    );
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("does not exist"));
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn aggregate_reads_standard_input_as_a_stream_and_skips_an_over_long_line() {
    let dir = temp_dir("stdin");
    let input = dir.join("reports.jsonl");
    let reports = distinct_reports(40, "in");
    std::fs::write(&input, &reports).unwrap();
    let from_file = suqiu(&["aggregate", s(&input)], b"");
    let from_stdin = suqiu(&["aggregate", "-"], reports.as_bytes());
    assert_eq!(from_stdin.status.code(), Some(0));
    assert_eq!(lines(&from_stdin), lines(&from_file));
    let long = format!(
        "{{\"id\": \"long\", \"text\": \"{}\"}}\n",
        "路灯坏了".repeat(300_000)
    );
    let out = suqiu(&["aggregate", "-"], format!("{long}{reports}").as_bytes());
    assert_eq!(out.status.code(), Some(1), "a rejected line");
    // The rejected line gets its JSON error line on standard output, as in `triage`, before
    // the issues; the throughput summary is for --verbose only.
    let rows = lines(&out);
    assert_eq!(rows[0]["line"], 1);
    assert_eq!(rows[0]["error_kind"], "limit_exceeded");
    assert!(rows[0]["error"]
        .as_str()
        .unwrap()
        .contains("input line length"));
    assert!(
        out.stderr.is_empty(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(reports_in(&lines(&out)[1..]), 40);
    std::fs::remove_dir_all(&dir).ok();
}
