//! `suqiu evaluate-audit`: scores the reply audit against the labelled replies
//! (`corpus/audit_labels.jsonl`, ids and labels only) on the held-out 20%.
//!
//! All replies of `messages/replies.jsonl` are audited as one run (so `template` sees the
//! same neighbours as `suqiu audit` over the file); the labelled ones of the chosen split are
//! scored. The split is FNV-1a 64 of the id string mod 5 == 0 → test, fixed before tuning
//! (`scripts/corpus/audit_select.py`).

use crate::say;
use std::collections::HashMap;
use std::io::BufRead;
use suqiu::audit::{AuditInput, Flag, Verdict};

pub const HELP: &str = "suqiu evaluate-audit --labels FILE [--data DIR] [--split test|train|all] [--profile DIR] [--json]

Audits every reply of DIR/messages/replies.jsonl (default DIR ../shared/data) as one run and
scores the labelled ones of the split (default test: FNV-1a 64 of the id mod 5 == 0): verdict
accuracy and confusion, perfunctory-or-evasive precision and recall, and each flag's
precision and recall; then the audit speed on one thread (audit_batch over all replies,
repeated until it has run at least 1 s).";

struct Gold {
    verdict: Verdict,
    flags: Vec<Flag>,
}

/// `test` for the held-out 20% of the audit gold, else `train`.
pub fn split_of(id: &str) -> &'static str {
    if suqiu::hashing::fnv1a64(id.as_bytes()) % 5 == 0 {
        "test"
    } else {
        "train"
    }
}

/// Nanoseconds this thread has run on a CPU (Linux `/proc/thread-self/schedstat`).
fn thread_cpu_ns() -> Option<u64> {
    std::fs::read_to_string("/proc/thread-self/schedstat")
        .ok()?
        .split_whitespace()
        .next()?
        .parse()
        .ok()
}

fn pr(tp: usize, fp: usize, fn_: usize) -> (f64, f64) {
    (
        if tp + fp == 0 {
            1.0
        } else {
            tp as f64 / (tp + fp) as f64
        },
        if tp + fn_ == 0 {
            1.0
        } else {
            tp as f64 / (tp + fn_) as f64
        },
    )
}

fn r3(x: f64) -> f64 {
    (x * 1000.0).round() / 1000.0
}

pub fn run(a: &crate::args::CorpusArgs) -> Result<bool, String> {
    let (labels, data, split, profile, json) = a.parts();
    if split == "dev" {
        return Err(
            "--split dev is for evaluate-triage; the audit corpus has test, train and all".into(),
        );
    }
    let mut gold: HashMap<String, Gold> = HashMap::new();
    let text = std::fs::read_to_string(&labels).map_err(|e| format!("{labels}: {e}"))?;
    for (n, line) in text.lines().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        let v: serde_json::Value =
            serde_json::from_str(line).map_err(|e| format!("{labels}:{}: {e}", n + 1))?;
        let id = v["id"]
            .as_str()
            .ok_or(format!("{labels}:{}: no id", n + 1))?;
        let verdict = v["verdict"]
            .as_str()
            .and_then(Verdict::parse)
            .ok_or(format!("{labels}:{}: bad verdict", n + 1))?;
        let flags = v["flags"]
            .as_array()
            .ok_or(format!("{labels}:{}: flags must be a list", n + 1))?
            .iter()
            .map(|f| {
                f.as_str()
                    .and_then(Flag::parse)
                    .ok_or(format!("{labels}:{}: bad flag {f}", n + 1))
            })
            .collect::<Result<Vec<_>, _>>()?;
        if split == "all" || split_of(id) == split {
            gold.insert(id.to_string(), Gold { verdict, flags });
        }
    }
    let path = data.join("messages").join("replies.jsonl");
    let f = std::fs::File::open(&path).map_err(|e| format!("{}: {e}", path.display()))?;
    let mut rows: Vec<(String, String, String, String, String)> = Vec::new();
    for (n, l) in std::io::BufReader::new(f).lines().enumerate() {
        let l = l.map_err(|e| format!("{}:{}: {e}", path.display(), n + 1))?;
        let v: serde_json::Value =
            serde_json::from_str(&l).map_err(|e| format!("{}:{}: {e}", path.display(), n + 1))?;
        let s = |k: &str| v[k].as_str().unwrap_or("").to_string();
        rows.push((
            s("id"),
            format!("{}\n{}", s("title"), s("text")),
            s("reply"),
            s("time"),
            s("reply_time"),
        ));
    }
    let engine = suqiu::engine_from_paths(profile.as_deref(), None).map_err(|e| e.to_string())?;
    let items: Vec<AuditInput<'_>> = rows
        .iter()
        .map(|(_, t, r, a, b)| AuditInput {
            text: t,
            reply: r,
            time: Some(a),
            reply_time: Some(b),
            group_division: None,
        })
        .collect();
    let audits = engine
        .audit_batch(&items, None)
        .map_err(|e| e.to_string())?;
    let mut n = 0usize;
    let mut correct = 0usize;
    let mut confusion: HashMap<(Verdict, Verdict), usize> = HashMap::new();
    let (mut ptp, mut pfp, mut pfn) = (0, 0, 0);
    let mut per_flag: HashMap<Flag, (usize, usize, usize)> = HashMap::new();
    let mut missing = gold.len();
    for ((id, ..), a) in rows.iter().zip(&audits) {
        let Some(g) = gold.get(id) else { continue };
        missing -= 1;
        let a = a.as_ref().map_err(|e| format!("reply {id}: {e}"))?;
        n += 1;
        correct += usize::from(a.verdict == g.verdict);
        *confusion.entry((g.verdict, a.verdict)).or_default() += 1;
        let (gp, sp) = (g.verdict != Verdict::Substantive, a.is_poor());
        match (sp, gp) {
            (true, true) => ptp += 1,
            (true, false) => pfp += 1,
            (false, true) => pfn += 1,
            _ => {}
        }
        for f in Flag::ALL {
            let e = per_flag.entry(f).or_default();
            match (a.flags.contains(&f), g.flags.contains(&f)) {
                (true, true) => e.0 += 1,
                (true, false) => e.1 += 1,
                (false, true) => e.2 += 1,
                _ => {}
            }
        }
    }
    // Speed: one thread, the whole file, repeated for at least a second; wall clock and the
    // thread's own CPU time (the machine may be shared: CPU time is what the audit costs).
    let cpu0 = thread_cpu_ns();
    let started = std::time::Instant::now();
    let mut done = 0usize;
    while started.elapsed().as_secs_f64() < 1.0 {
        let r = engine
            .audit_batch(&items, Some(1))
            .map_err(|e| e.to_string())?;
        done += r.len();
    }
    let per_second = done as f64 / started.elapsed().as_secs_f64();
    let per_cpu_second = match (cpu0, thread_cpu_ns()) {
        (Some(a), Some(b)) if b > a => Some((done as f64 / ((b - a) as f64 / 1e9)).round()),
        _ => None,
    };
    let (pp, prc) = pr(ptp, pfp, pfn);
    let flags_json: serde_json::Map<String, serde_json::Value> = Flag::ALL
        .iter()
        .map(|f| {
            let (tp, fp, fn_) = per_flag.get(f).copied().unwrap_or_default();
            let (p, r) = pr(tp, fp, fn_);
            (
                f.as_str().to_string(),
                serde_json::json!({"gold": tp + fn_, "predicted": tp + fp, "precision": r3(p), "recall": r3(r)}),
            )
        })
        .collect();
    let accuracy = correct as f64 / n.max(1) as f64;
    if !json {
        say!("split {split}: {n} labelled replies ({missing} label ids not in the data)");
        say!("verdict accuracy {:.3}", accuracy);
        say!("gold \\ predicted   substantive perfunctory evasive");
        for g in [Verdict::Substantive, Verdict::Perfunctory, Verdict::Evasive] {
            let c = |p| confusion.get(&(g, p)).copied().unwrap_or(0);
            say!(
                "{:<18} {:>11} {:>11} {:>7}",
                g.as_str(),
                c(Verdict::Substantive),
                c(Verdict::Perfunctory),
                c(Verdict::Evasive)
            );
        }
        say!("perfunctory-or-evasive precision {pp:.3} recall {prc:.3}");
        say!("flag                     gold pred precision recall");
        for f in Flag::ALL {
            let (tp, fp, fn_) = per_flag.get(&f).copied().unwrap_or_default();
            let (p, r) = pr(tp, fp, fn_);
            say!(
                "{:<24} {:>4} {:>4} {:>9.3} {:>6.3}",
                f.as_str(),
                tp + fn_,
                tp + fp,
                p,
                r
            );
        }
    }
    say!(
        "{}",
        serde_json::json!({
            "split": split, "n": n, "verdict_accuracy": r3(accuracy),
            "poor_precision": r3(pp), "poor_recall": r3(prc), "flags": flags_json,
            "replies_per_second_one_thread": per_second.round(),
            "replies_per_cpu_second_one_thread": per_cpu_second,
        })
    );
    Ok(true)
}
