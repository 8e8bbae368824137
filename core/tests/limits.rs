//! One test per documented limit: each is enforced with its own `limit_exceeded` error.

mod common;

use suqiu::classify::model::{TextModel, TrainSettings};
use suqiu::{Engine, ErrorKind, Limits};

fn temp(name: &str) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("suqiu-limits-{}-{name}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// The default engine with some limits changed.
fn engine_with(limits: Limits) -> Engine {
    Engine::builder().limits(limits).build().unwrap()
}

#[test]
fn message_length() {
    let engine = engine_with(Limits {
        max_text_bytes: 64,
        ..Limits::default()
    });
    assert!(engine.triage("路灯坏了", None).is_ok());
    let e = engine.triage(&"路灯坏了".repeat(10), None).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::LimitExceeded);
    assert!(e.to_string().contains("message length"), "{e}");
    // The default: 256 KiB.
    let e = Engine::default()
        .triage(&"路".repeat(100_000), None)
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::LimitExceeded);
}

#[test]
fn batch_size() {
    let engine = engine_with(Limits {
        max_batch_items: 3,
        ..Limits::default()
    });
    let items = vec![("路灯坏了", None); 3];
    assert_eq!(engine.triage_batch(&items, Some(1)).unwrap().len(), 3);
    let items = vec![("路灯坏了", None); 4];
    let e = engine.triage_batch(&items, Some(1)).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::LimitExceeded);
    assert!(e.to_string().contains("batch"), "{e}");
}

#[test]
fn divisions_and_profile_file_size() {
    let dir = temp("files");
    let csv = dir.join("divisions.csv");
    std::fs::write(&csv, suqiu::jurisdiction::gazetteer::EMBEDDED_DIVISIONS).unwrap();
    let small = Limits {
        max_file_bytes: 1024,
        ..Limits::default()
    };
    let e = Engine::builder()
        .divisions_csv(&csv)
        .limits(small)
        .build()
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::LimitExceeded);
    assert!(
        e.to_string()
            .contains("divisions.csv: larger than the limit of 1024 bytes"),
        "{e}"
    );
    assert!(Engine::builder().divisions_csv(&csv).build().is_ok());

    let profile = dir.join("profile");
    common::copy_embedded_profile(&profile);
    let e = Engine::builder()
        .profile_dir(&profile)
        .limits(small)
        .build()
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::LimitExceeded);
    // It names the file that broke the limit.
    assert!(e.to_string().contains("/profile/"), "{e}");
    assert!(
        e.to_string()
            .contains("larger than the limit of 1024 bytes"),
        "{e}"
    );
    std::fs::remove_dir_all(&dir).ok();
}

/// Every file is read through a byte budget, not trusted by its metadata: `/dev/zero`, a
/// directory, a FIFO and a 200 MB line fail fast, and the error quotes none of the content.
#[test]
fn special_files_and_long_lines_are_bounded() {
    let dir = temp("special");
    let e = Engine::builder()
        .divisions_csv("/dev/zero")
        .build()
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::LimitExceeded);
    assert!(
        e.to_string().starts_with("/dev/zero:1: line longer than"),
        "{e}"
    );
    let e = Engine::builder().divisions_csv(&dir).build().unwrap_err();
    assert!(e.to_string().contains("is a directory"), "{e}");

    // A FIFO: read through the same budget as the writer feeds it.
    let fifo = dir.join("divisions.fifo");
    let status = std::process::Command::new("mkfifo")
        .arg(&fifo)
        .status()
        .unwrap();
    assert!(status.success());
    let writer = {
        let fifo = fifo.clone();
        std::thread::spawn(move || {
            use std::io::Write;
            let mut f = std::fs::OpenOptions::new().write(true).open(&fifo).unwrap();
            // 2 KiB of one line, then stop: the reader refuses it at the small limit.
            let _ = f.write_all(&[b'x'; 2048]);
        })
    };
    let e = Engine::builder()
        .divisions_csv(&fifo)
        .limits(Limits {
            max_file_bytes: 1024,
            ..Limits::default()
        })
        .build()
        .unwrap_err();
    writer.join().unwrap();
    assert_eq!(e.kind(), ErrorKind::LimitExceeded);
    assert!(e.to_string().contains("divisions.fifo"), "{e}");

    // A 200 MB lexicon line, under the file limit: refused after 64 KiB, in well under a
    // second, quoting none of it.
    let profile = dir.join("profile");
    common::copy_embedded_profile(&profile);
    {
        use std::io::Write;
        let mut f = std::fs::OpenOptions::new()
            .append(true)
            .open(profile.join("lexicon.tsv"))
            .unwrap();
        let line = vec![b'x'; 200 << 20];
        f.write_all(&line).unwrap();
        f.write_all(b"\t1\troads_transport\n").unwrap();
    }
    let started = std::time::Instant::now();
    let e = Engine::builder().profile_dir(&profile).build().unwrap_err();
    assert!(
        started.elapsed().as_secs_f64() < 5.0,
        "{:?}",
        started.elapsed()
    );
    assert_eq!(e.kind(), ErrorKind::LimitExceeded);
    let message = e.to_string();
    assert!(message.contains("lexicon.tsv:"), "{message}");
    assert!(
        message.len() < 300 && !message.contains("xxxx"),
        "{message}"
    );

    // whole_terms.txt has no escape from the same rule.
    common::copy_embedded_profile(&profile);
    std::fs::write(profile.join("whole_terms.txt"), "y".repeat(100_000)).unwrap();
    let e = Engine::builder().profile_dir(&profile).build().unwrap_err();
    assert!(e.to_string().contains("whole_terms.txt:1"), "{e}");
    assert!(!e.to_string().contains("yyyy"), "{e}");
    std::fs::remove_dir_all(&dir).ok();
}

/// A malformed line is quoted to at most 80 characters.
#[test]
fn errors_quote_an_excerpt() {
    let long = format!("{},湖南省,1,", "9".repeat(5000));
    let csv = format!("code,name,level,parent_code\n{long}\n");
    let e = suqiu::jurisdiction::Gazetteer::from_csv(&csv, "d.csv", &[]).unwrap_err();
    let message = e.to_string();
    assert!(message.starts_with("d.csv:2: code "), "{message}");
    assert!(message.contains('…') && message.len() < 200, "{message}");
}

#[test]
fn model_file_size() {
    let dir = temp("model");
    let data: Vec<(String, String)> = vec![
        ("路灯坏了".into(), "a".into()),
        ("低保没批".into(), "b".into()),
    ];
    let st = TrainSettings {
        features: suqiu::classify::model::FeatureSettings {
            hash_bits: 10,
            ..Default::default()
        },
        ..Default::default()
    };
    let path = dir.join("m.bin");
    TextModel::train(&data, &[], &st)
        .unwrap()
        .save(&path)
        .unwrap();
    assert!(TextModel::load_with_limit(&path, 1 << 20).is_ok());
    let e = TextModel::load_with_limit(&path, 1000).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::LimitExceeded);
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn hostile_input_gets_an_error_or_a_result() {
    let engine = Engine::default();
    // JSON nested ten thousand deep: one rejected line, no stack overflow.
    let deep = format!(
        "{{\"text\": {}1{}}}",
        "[".repeat(10_000),
        "]".repeat(10_000)
    );
    let out = suqiu::jsonl::process_lines(&engine, deep.as_bytes(), 1, Some(1));
    assert_eq!(out.len(), 1);
    assert!(out[0].is_err());
    // A million emoji: over the default limit, and fine with the limit raised (all dropped).
    let emoji = "👍".repeat(1_000_000);
    assert_eq!(
        engine.triage(&emoji, None).unwrap_err().kind(),
        ErrorKind::LimitExceeded
    );
    let big = engine_with(Limits {
        max_text_bytes: 8 << 20,
        ..Limits::default()
    });
    let t = big.triage(&emoji, None).unwrap();
    assert_eq!(t.kind, suqiu::Kind::Other);
    assert!(t.evidence.is_empty());
    // Text built to make a segmenter or matcher backtrack: one long run of one character.
    let t = big
        .triage(&"村".repeat(500_000), Some("430224109203"))
        .unwrap();
    assert!(t.division.is_some());
}
