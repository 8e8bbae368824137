//! Triage of a fixed set of messages done once, for instruction counts that load does not
//! disturb:
//!
//!     cargo build --release -p suqiu-benches --example triage_once
//!     valgrind --tool=callgrind --collect-atstart=no \
//!         --toggle-collect='triage_once::triage_all' target/release/examples/triage_once
//!
//! Counts the instructions of triaging the first N messages (default 1,000, or the second
//! argument) of a JSON Lines file (default ../shared/data/messages/gov_details.train.jsonl,
//! or the first argument) on one thread with the default engine; divide by N for
//! instructions per message. The engine is built and warmed on one message outside the
//! toggled function. Without valgrind it prints the wall time.

use std::hint::black_box;
use suqiu::Engine;

#[inline(never)]
fn triage_all(engine: &Engine, texts: &[String]) -> usize {
    let mut kinds = 0;
    for t in texts {
        if let Ok(r) = engine.triage(t, None) {
            kinds += r.kind as usize;
            black_box(r);
        }
    }
    kinds
}

fn main() {
    let mut args = std::env::args().skip(1);
    let path = args.next().unwrap_or_else(|| {
        concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../../shared/data/messages/gov_details.train.jsonl"
        )
        .to_string()
    });
    let n: usize = args.next().and_then(|a| a.parse().ok()).unwrap_or(1000);
    let texts: Vec<String> = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("{path}: {e}"))
        .lines()
        .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
        .filter_map(|v| v["text"].as_str().map(str::to_string))
        .take(n)
        .collect();
    let engine = Engine::default();
    // Warm the thread-local scratch buffers outside the counted function.
    let _ = engine.triage("村里的路灯坏了", None);
    let start = std::time::Instant::now();
    let kinds = black_box(triage_all(&engine, &texts));
    eprintln!(
        "{} messages from {path} in {:.1} ms (kind sum {kinds})",
        texts.len(),
        start.elapsed().as_secs_f64() * 1e3
    );
}
