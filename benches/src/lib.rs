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

/// Triaged reports to aggregate, in time order, and where they came from: the 4,326 hot
/// messages (titles, times, likes; many repeated reports) when they are there, else the
/// project's fixture messages.
pub fn reports(engine: &suqiu::Engine) -> (Vec<suqiu::aggregate::Report>, String) {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let hot = root.join("../shared/data/messages/hot_messages.jsonl");
    let (path, source) = if hot.exists() {
        (hot, "../shared/data/messages/hot_messages.jsonl")
    } else {
        (
            root.join("tests/fixtures/messages.jsonl"),
            "tests/fixtures/messages.jsonl",
        )
    };
    let input = std::fs::read(&path).unwrap_or_default();
    let (reports, _) = suqiu::jsonl::report_lines(engine, &input, None);
    (reports, source.into())
}

/// Replies to audit, as owned `(message, reply, time, reply_time)`, and where they came from:
/// the 2,816 replies of `../shared/data/messages/replies.jsonl` when they are there, else the
/// fixture messages each paired with a short reply written for the benchmark.
pub fn replies() -> (Vec<[String; 4]>, String) {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let path = root.join("../shared/data/messages/replies.jsonl");
    if let Ok(text) = std::fs::read_to_string(&path) {
        let rows = text
            .lines()
            .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
            .map(|v| {
                let s = |k: &str| v[k].as_str().unwrap_or("").to_string();
                [format!("{}\n{}", s("title"), s("text")), s("reply"), s("time"), s("reply_time")]
            })
            .collect();
        return (rows, "../shared/data/messages/replies.jsonl".into());
    }
    let reply = "您好！经现场核实，您反映的问题属实，已责令相关单位于本月底前整改到位。";
    let rows = read_texts(&root.join("tests/fixtures/messages.jsonl"))
        .into_iter()
        .map(|t| [t, reply.to_string(), "2024/3/1 9:00:00".into(), "2024/3/9 9:00:00".into()])
        .collect();
    (rows, "tests/fixtures/messages.jsonl with one written reply".into())
}
