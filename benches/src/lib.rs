//! Corpus loading for the benchmarks: the real messages in `../shared/data/messages` when
//! they are there, else the project's own fixtures.

use std::path::Path;

/// Texts to benchmark on, and where they came from.
pub fn corpus() -> (Vec<String>, String) {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let shared = root.join("../shared/data/messages");
    let files = [
        "gov_titles.dev.jsonl",
        "gov_details.dev.jsonl",
        "hot_messages.jsonl",
    ];
    if files.iter().all(|f| shared.join(f).exists()) {
        let texts = files
            .iter()
            .flat_map(|f| read_texts(&shared.join(f)))
            .collect();
        return (
            texts,
            "../shared/data/messages (titles dev, details dev, hot messages)".into(),
        );
    }
    let texts = read_texts(&root.join("tests/fixtures/messages.jsonl"));
    (texts, "tests/fixtures/messages.jsonl".into())
}

fn read_texts(path: &Path) -> Vec<String> {
    std::fs::read_to_string(path)
        .unwrap_or_default()
        .lines()
        .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
        .filter_map(|v| v["text"].as_str().map(str::to_string))
        .filter(|t| !t.trim().is_empty() && t.len() <= suqiu::Limits::default().max_text_bytes)
        .collect()
}
