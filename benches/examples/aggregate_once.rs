//! The aggregator bench's work done once, for instruction counts that load does not disturb:
//!
//!     cargo build --release -p suqiu-benches --example aggregate_once
//!     valgrind --tool=callgrind --collect-atstart=no \
//!         --toggle-collect='aggregate_once::aggregate_all' target/release/examples/aggregate_once
//!
//! Triage happens outside the toggled function; the instructions counted are those of
//! feeding every report of the bench corpus into a fresh aggregator, ROUNDS times (default 1,
//! or the first argument). Without valgrind it prints the wall time per round.

use std::hint::black_box;
use suqiu::aggregate::{Aggregator, AggregatorConfig, Report};
use suqiu::Engine;

#[inline(never)]
fn aggregate_all(engine: &Engine, reports: Vec<Report>) -> Aggregator {
    let mut agg = Aggregator::new(AggregatorConfig::default());
    for r in reports {
        agg.add(engine, r);
    }
    agg
}

fn main() {
    let rounds: usize = std::env::args()
        .nth(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(1);
    let engine = Engine::default();
    let (reports, source) = suqiu_benches::reports(&engine);
    eprintln!("{} reports from {source}", reports.len());
    let (mut issues, mut fingerprint) = (0, 0);
    let start = std::time::Instant::now();
    for _ in 0..rounds {
        let agg = black_box(aggregate_all(&engine, reports.clone()));
        issues = agg.ranked().len();
        fingerprint = assignments_hash(&agg);
    }
    let secs = start.elapsed().as_secs_f64() / rounds as f64;
    eprintln!(
        "{issues} issues (assignments {fingerprint:016x}); {:.1} ms per round, {:.0} reports/s",
        secs * 1e3,
        reports.len() as f64 / secs
    );
}

/// A hash of every report's issue id, sorted by report id: equal hashes, equal results.
fn assignments_hash(agg: &Aggregator) -> u64 {
    use std::hash::{Hash, Hasher};
    let mut pairs: Vec<(&str, &str)> = agg.assignments().into_iter().collect();
    pairs.sort_unstable();
    let mut h = std::collections::hash_map::DefaultHasher::new();
    pairs.hash(&mut h);
    h.finish()
}
