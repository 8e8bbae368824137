//! A profile that carries trained models: they load with the profile, blend with the lexicon,
//! and the result says which source decided. Trained on the project's own fixtures.

mod common;

use std::path::PathBuf;
use std::sync::Arc;
use suqiu::classify::model::{TextModel, TrainSettings};
use suqiu::{Engine, ErrorKind};

fn fixtures() -> Vec<serde_json::Value> {
    let p = format!(
        "{}/../tests/fixtures/messages.jsonl",
        env!("CARGO_MANIFEST_DIR")
    );
    std::fs::read_to_string(p)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

fn profile_copy(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("suqiu-{name}-{}", std::process::id()));
    common::copy_embedded_profile(&dir);
    dir
}

fn train(label_key: &str) -> TextModel {
    let data: Vec<(String, String)> = fixtures()
        .iter()
        .filter_map(|c| {
            Some((
                c["text"].as_str()?.to_string(),
                c["expected"][label_key].as_str()?.to_string(),
            ))
        })
        .collect();
    TextModel::train(&data, &[], &TrainSettings::default()).unwrap()
}

#[test]
fn profile_models_load_blend_and_report_their_source() {
    let dir = profile_copy("models");
    let cat = train("category");
    // Every category must be present for the label sets to match.
    assert_eq!(cat.labels().len(), 10);
    cat.save(&dir.join("category.model")).unwrap();
    train("kind").save(&dir.join("kind.model")).unwrap();
    let engine = Engine::builder().profile_dir(&dir).build().unwrap();
    let t = engine
        .triage("村里的水渠又堵了，田里放不进水", Some("430223126202"))
        .unwrap();
    assert_eq!(t.category.as_deref(), Some("agri_water"));
    let json = serde_json::to_value(&t).unwrap();
    assert!(
        ["model", "both"].contains(&json["decided_by"]["category"].as_str().unwrap()),
        "{json}"
    );
    assert!(
        ["model", "both"].contains(&json["decided_by"]["kind"].as_str().unwrap()),
        "{json}"
    );
    let plain = Engine::builder()
        .lexicon_only()
        .build()
        .unwrap()
        .triage("村里的水渠又堵了，田里放不进水", None)
        .unwrap();
    assert_eq!(
        serde_json::to_value(plain).unwrap()["decided_by"]["category"],
        "lexicon"
    );
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn a_corrupt_or_mismatched_model_is_a_model_error() {
    let dir = profile_copy("badmodel");
    std::fs::write(
        dir.join("category.model"),
        b"SUQIUMDL\x01\x00\x00\x00garbage",
    )
    .unwrap();
    let e = Engine::builder().profile_dir(&dir).build().unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Model);
    assert!(e.to_string().contains("category.model"), "{e}");
    std::fs::remove_file(dir.join("category.model")).unwrap();
    // A model over another label set does not fit the profile.
    let other: Vec<(String, String)> = vec![
        ("路灯坏了".into(), "a".into()),
        ("低保没批".into(), "b".into()),
    ];
    let m = TextModel::train(&other, &[], &TrainSettings::default()).unwrap();
    let e = Engine::builder()
        .category_model(Arc::new(m))
        .build()
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Model);
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn a_profile_directory_reads_its_whole_terms_and_rejects_stale_ones() {
    let dir = profile_copy("whole");
    // The copied directory triages exactly as the embedded profile does.
    let from_dir = Engine::builder().profile_dir(&dir).build().unwrap();
    let embedded = Engine::default();
    for f in fixtures().iter().take(40) {
        let text = f["text"].as_str().unwrap();
        assert_eq!(
            from_dir.triage(text, None).unwrap(),
            embedded.triage(text, None).unwrap(),
            "{text}"
        );
    }
    // A listed term the lexicon no longer has fails loudly, naming the file and line.
    let mut list = std::fs::read_to_string(dir.join("whole_terms.txt")).unwrap();
    list.push_str("不在词表\n");
    std::fs::write(dir.join("whole_terms.txt"), &list).unwrap();
    let e = Engine::builder().profile_dir(&dir).build().unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Profile);
    let line = list.lines().count();
    assert!(
        e.to_string().contains(&format!("whole_terms.txt:{line}")),
        "{e}"
    );
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn a_bad_pattern_names_its_file_and_line() {
    let dir = profile_copy("badpattern");
    std::fs::write(
        dir.join("patterns.tsv"),
        "# comment\nkind:misconduct\t3\t收了(钱\n",
    )
    .unwrap();
    let e = Engine::builder().profile_dir(&dir).build().unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Profile);
    assert!(e.to_string().contains("patterns.tsv:2"), "{e}");
    std::fs::write(dir.join("patterns.tsv"), "neg\t1\t不\n").unwrap();
    let e = Engine::builder().profile_dir(&dir).build().unwrap_err();
    assert!(e.to_string().contains("unknown label"), "{e}");
    std::fs::remove_dir_all(&dir).ok();
}
