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
    assert!(e.to_string().contains("divisions file"), "{e}");
    assert!(Engine::builder().divisions_csv(&csv).build().is_ok());

    let profile = dir.join("profile");
    common::copy_embedded_profile(&profile);
    let e = Engine::builder()
        .profile_dir(&profile)
        .limits(small)
        .build()
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::LimitExceeded);
    assert!(e.to_string().contains("profile file"), "{e}");
    std::fs::remove_dir_all(&dir).ok();
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
