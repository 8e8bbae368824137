//! Replays the fuzz corpora and every saved crash (`fuzz/corpus/<target>/`,
//! `fuzz/regressions/<target>/`) through the same entry points the fuzz targets call.

use std::path::Path;

fn replay(target: &str, f: fn(&[u8])) -> usize {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../fuzz");
    let mut n = 0;
    for dir in ["corpus", "regressions"] {
        let Ok(entries) = std::fs::read_dir(root.join(dir).join(target)) else {
            continue;
        };
        for e in entries.flatten() {
            // A file can vanish while a fuzzer is minimizing the same corpus.
            let Ok(data) = std::fs::read(e.path()) else {
                continue;
            };
            f(&data);
            n += 1;
        }
    }
    n
}

#[test]
fn corpora_replay_without_panics() {
    use suqiu::fuzzing::*;
    let counts = [
        replay("triage_bytes", triage_bytes),
        replay("divisions_csv", divisions_csv),
        replay("profile_files", profile_files),
        replay("model_bytes", model_bytes),
        replay("jsonl_lines", jsonl_lines),
    ];
    assert!(
        counts.iter().all(|&n| n > 0),
        "every target has a corpus: {counts:?}"
    );
}
