//! Entry points exercised by the fuzz targets (`fuzz/`) and replayed over their corpora by the
//! test suite (`core/tests/fuzz_corpus.rs`), so that every input the fuzzers kept, and every
//! crash they found, stays a regression test on stable Rust. Each function must return (not
//! panic) for any input; the assertions are the invariants.
#![doc(hidden)]

use crate::Engine;
use std::sync::OnceLock;

fn engine() -> &'static Engine {
    static ENGINE: OnceLock<Engine> = OnceLock::new();
    ENGINE.get_or_init(Engine::default)
}

/// Triage of arbitrary bytes.
pub fn triage_bytes(data: &[u8]) {
    if let Ok(text) = std::str::from_utf8(data) {
        let group = ["430202001012", "430224109203"]
            .get(data.first().copied().unwrap_or(0) as usize % 3)
            .copied();
        if let Ok(t) = engine().triage(text, group) {
            for ev in &t.evidence {
                assert_eq!(&text[ev.start..ev.end], ev.text);
            }
        }
    }
}

/// The divisions CSV loader.
pub fn divisions_csv(data: &[u8]) {
    if let Ok(text) = std::str::from_utf8(data) {
        let _ = crate::jurisdiction::Gazetteer::from_csv(
            text,
            "fuzz.csv",
            &[("株洲县".into(), "430212".into())],
        );
    }
}

/// The profile loaders (lexicon, whole-term list, routing rules).
pub fn profile_files(data: &[u8]) {
    if let Ok(text) = std::str::from_utf8(data) {
        let categories = vec!["roads_transport".to_string(), "agri_water".to_string()];
        if let Ok(mut lexicon) = crate::classify::Lexicon::parse(text, "lexicon.tsv", &categories) {
            let _ = lexicon.mark_whole(text, "whole_terms.txt");
        }
        let mut lexicon = crate::classify::Lexicon::parse(
            "cat:roads_transport\t2\t路灯 坑洼 修路\nneg\t1\t没有\n",
            "lexicon.tsv",
            &categories,
        )
        .expect("a fixed lexicon parses");
        let _ = lexicon.mark_whole(text, "whole_terms.txt");
        let _ = crate::route::Router::parse(text, "routing.toml", &categories);
    }
}

/// The model loader.
pub fn model_bytes(data: &[u8]) {
    if let Ok(m) = crate::classify::model::TextModel::from_bytes(data, "fuzz.model") {
        let p = m.predict("路灯坏了");
        assert_eq!(p.probabilities.len(), m.labels().len());
    }
}

/// The JSON Lines reader: one outcome per non-blank line.
pub fn jsonl_lines(data: &[u8]) {
    let outcomes = crate::jsonl::process_lines(engine(), data, 1, Some(1));
    let lines = data
        .split(|&b| b == b'\n')
        .filter(|l| !l.iter().all(u8::is_ascii_whitespace))
        .count();
    assert_eq!(outcomes.len(), lines);
    for o in &outcomes {
        let _ = o.to_json();
    }
}
