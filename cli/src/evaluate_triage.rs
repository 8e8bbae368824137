//! `suqiu evaluate-triage`: scores the engine against the labelled triage corpus
//! (`corpus/triage_labels.jsonl`, ids only) on its held-out 20%, for the lexicon alone, the
//! models alone and the shipped blend.
//!
//! The corpus stores ids; the texts are resolved from the shared data folder by the id scheme
//! of `scripts/corpus/texts.py`, and the split is the same FNV-1a 64 hash as there, so the
//! Python training scripts and this command always agree on what is held out. Records that
//! carry their own `text` (messages written for the project) are scored on it.

use crate::say;
use std::collections::HashMap;
use std::io::BufRead;
use std::path::{Path, PathBuf};
use suqiu::{Engine, Kind};

pub const HELP: &str = "suqiu evaluate-triage --labels FILE [--data DIR] [--split test|train|all] [--profile DIR] [--model-weight W] [--json]

Scores kind, misconduct flag and category against a labelled corpus, for three engines
built from the same profile: the lexicon alone, the models alone (model weight 1) and the
shipped blend. The corpus holds ids; texts are read from DIR (default ../shared/data) by the
id scheme of scripts/corpus/texts.py; a record that carries its own \"text\" (the project's
written village test set, corpus/village_test.jsonl) is scored on that text. --split test
(default) keeps the held-out 20%: ids whose key (the id without a trailing :title) has
FNV-1a 64 mod 5 == 0; use --split all for a file that is a test set as a whole.

Printed per engine: kind accuracy and macro-F1 (four kinds); misconduct-flag precision,
recall and F1; category accuracy and macro-F1 over messages whose gold kind is not `other`;
the share of gold `other` messages that come out `other` (chatter and notices).
--model-weight W scores the blend at another model weight (for choosing it on a training fold).";

/// One labelled record.
struct Gold {
    id: String,
    /// The text itself, for records written for the project (not in the shared data).
    text: Option<String>,
    kind: Kind,
    category: Option<String>,
    misconduct: bool,
}

/// `test` for the held-out 20% of the corpus, else `train`.
pub fn split_of(id: &str) -> &'static str {
    let key = id.strip_suffix(":title").unwrap_or(id);
    if suqiu::hashing::fnv1a64(key.as_bytes()) % 5 == 0 {
        "test"
    } else {
        "train"
    }
}

/// Whether `id` is in the requested part: `dev` is the fifth of the training split that
/// `scripts/corpus/export.py --fold dev` holds out of model fitting (same hash, "fold:" key).
fn in_split(id: &str, split: &str) -> bool {
    match split {
        "all" => true,
        "dev" => {
            let key = id.strip_suffix(":title").unwrap_or(id);
            split_of(id) == "train"
                && suqiu::hashing::fnv1a64(format!("fold:{key}").as_bytes()) % 5 == 0
        }
        s => split_of(id) == s,
    }
}

/// Every addressable text of the shared data folder, by corpus id.
fn load_texts(data: &Path) -> Result<HashMap<String, String>, String> {
    let mut out = HashMap::new();
    let read = |p: PathBuf| -> Result<Vec<serde_json::Value>, String> {
        let f = std::fs::File::open(&p).map_err(|e| format!("{}: {e}", p.display()))?;
        std::io::BufReader::new(f)
            .lines()
            .enumerate()
            .map(|(n, l)| {
                let l = l.map_err(|e| format!("{}:{}: {e}", p.display(), n + 1))?;
                serde_json::from_str(&l).map_err(|e| format!("{}:{}: {e}", p.display(), n + 1))
            })
            .collect()
    };
    let m = data.join("messages");
    for (short, name) in [("gt", "gov_titles"), ("gd", "gov_details")] {
        for split in ["train", "dev"] {
            for (n, v) in read(m.join(format!("{name}.{split}.jsonl")))?
                .into_iter()
                .enumerate()
            {
                if let Some(t) = v["text"].as_str() {
                    out.insert(format!("{short}.{split}:{}", n + 1), t.to_string());
                }
            }
        }
    }
    for (short, name) in [("hot", "hot_messages"), ("rep", "replies")] {
        for v in read(m.join(format!("{name}.jsonl")))? {
            let id = v["id"].as_str().unwrap_or_default();
            if let Some(t) = v["text"].as_str() {
                out.insert(format!("{short}:{id}"), t.to_string());
            }
            if let Some(t) = v["title"].as_str().filter(|t| !t.is_empty()) {
                out.insert(format!("{short}:{id}:title"), t.to_string());
            }
        }
    }
    for v in read(data.join("chatter").join("chatter.jsonl"))? {
        if let (Some(id), Some(t)) = (v["id"].as_str(), v["text"].as_str()) {
            out.insert(format!("chat:{id}"), t.to_string());
        }
    }
    Ok(out)
}

fn read_labels(path: &str) -> Result<Vec<Gold>, String> {
    let f = std::fs::File::open(path).map_err(|e| format!("{path}: {e}"))?;
    let mut out = Vec::new();
    for (n, line) in std::io::BufReader::new(f).lines().enumerate() {
        let line = line.map_err(|e| format!("{path}:{}: {e}", n + 1))?;
        if line.trim().is_empty() {
            continue;
        }
        let v: serde_json::Value =
            serde_json::from_str(&line).map_err(|e| format!("{path}:{}: {e}", n + 1))?;
        let bad = |what: &str| format!("{path}:{}: {what}", n + 1);
        out.push(Gold {
            id: v["id"].as_str().ok_or_else(|| bad("no id"))?.to_string(),
            text: v["text"].as_str().map(str::to_string),
            kind: v["kind"]
                .as_str()
                .and_then(Kind::parse)
                .ok_or_else(|| bad("kind is not a kind id"))?,
            category: v["category"].as_str().map(str::to_string),
            misconduct: v["misconduct"]
                .as_bool()
                .ok_or_else(|| bad("misconduct is not true/false"))?,
        });
    }
    Ok(out)
}

/// Accuracy and macro-F1 of `pairs` (gold, predicted) over the labels that occur in gold.
fn accuracy_macro_f1(pairs: &[(String, String)]) -> (f64, f64) {
    if pairs.is_empty() {
        return (0.0, 0.0);
    }
    let mut labels: Vec<&str> = pairs.iter().map(|(g, _)| g.as_str()).collect();
    labels.sort_unstable();
    labels.dedup();
    let correct = pairs.iter().filter(|(g, p)| g == p).count();
    let mut f1_sum = 0.0;
    for l in &labels {
        let tp = pairs.iter().filter(|(g, p)| g == l && p == l).count() as f64;
        let pred = pairs.iter().filter(|(_, p)| p == l).count() as f64;
        let gold = pairs.iter().filter(|(g, _)| g == l).count() as f64;
        let (pr, rc) = (
            if pred > 0.0 { tp / pred } else { 0.0 },
            if gold > 0.0 { tp / gold } else { 0.0 },
        );
        f1_sum += if pr + rc > 0.0 {
            2.0 * pr * rc / (pr + rc)
        } else {
            0.0
        };
    }
    (
        correct as f64 / pairs.len() as f64,
        f1_sum / labels.len() as f64,
    )
}

/// The scores of one engine.
#[derive(serde::Serialize)]
struct Scores {
    system: &'static str,
    n: usize,
    kind_accuracy: f64,
    kind_macro_f1: f64,
    misconduct_precision: f64,
    misconduct_recall: f64,
    misconduct_f1: f64,
    category_accuracy: f64,
    category_macro_f1: f64,
    other_kept_other: f64,
}

fn score(system: &'static str, engine: &Engine, gold: &[Gold], texts: &[&str]) -> Scores {
    let results: Vec<_> = texts.iter().map(|t| engine.triage(t, None)).collect();
    let mut kinds = Vec::new();
    let mut cats = Vec::new();
    let (mut tp, mut fp, mut fn_) = (0usize, 0usize, 0usize);
    let (mut other_n, mut other_ok) = (0usize, 0usize);
    for (g, r) in gold.iter().zip(&results) {
        let (kind, category, flag) = match r {
            Ok(t) => (t.kind, t.category.clone(), t.misconduct.flag),
            // A message the engine rejects counts as wrong on every field.
            Err(_) => (Kind::Other, None, !g.misconduct),
        };
        kinds.push((g.kind.as_str().to_string(), kind.as_str().to_string()));
        if g.kind != Kind::Other {
            cats.push((
                g.category.clone().unwrap_or_default(),
                category.map(|c| c.to_string()).unwrap_or_default(),
            ));
        } else {
            other_n += 1;
            other_ok += usize::from(kind == Kind::Other);
        }
        match (g.misconduct, flag) {
            (true, true) => tp += 1,
            (false, true) => fp += 1,
            (true, false) => fn_ += 1,
            _ => {}
        }
    }
    let (ka, kf) = accuracy_macro_f1(&kinds);
    let (ca, cf) = accuracy_macro_f1(&cats);
    let p = if tp + fp > 0 {
        tp as f64 / (tp + fp) as f64
    } else {
        0.0
    };
    let r = if tp + fn_ > 0 {
        tp as f64 / (tp + fn_) as f64
    } else {
        0.0
    };
    Scores {
        system,
        n: gold.len(),
        kind_accuracy: ka,
        kind_macro_f1: kf,
        misconduct_precision: p,
        misconduct_recall: r,
        misconduct_f1: if p + r > 0.0 {
            2.0 * p * r / (p + r)
        } else {
            0.0
        },
        category_accuracy: ca,
        category_macro_f1: cf,
        other_kept_other: if other_n > 0 {
            other_ok as f64 / other_n as f64
        } else {
            0.0
        },
    }
}

/// Runs the command; `Ok(false)` never happens (a bad corpus is an error).
pub fn run(a: &crate::args::EvaluateTriageArgs) -> Result<bool, String> {
    let (labels, data, split, profile, json) = a.corpus.parts();
    let blend_weight = a.model_weight;
    let all: Vec<Gold> = read_labels(&labels)?
        .into_iter()
        .filter(|g| in_split(&g.id, &split))
        .collect();
    let texts = load_texts(&data)?;
    let mut missing = 0;
    let gold: Vec<Gold> = all
        .into_iter()
        .filter(|g| {
            let found = g.text.is_some() || texts.contains_key(&g.id);
            missing += usize::from(!found);
            found
        })
        .collect();
    let picked: Vec<&str> = gold
        .iter()
        .map(|g| g.text.as_deref().unwrap_or_else(|| texts[&g.id].as_str()))
        .collect();
    if missing > 0 {
        eprintln!(
            "warning: {missing} labelled ids have no text in {}",
            data.display()
        );
    }
    let builder = || {
        let b = Engine::builder();
        match &profile {
            Some(p) => b.profile_dir(p),
            None => b,
        }
    };
    let blend = || {
        let b = match blend_weight {
            Some(w) => builder().model_weight(w),
            None => builder(),
        };
        match a.misconduct_threshold {
            Some(t) => b.misconduct_threshold(t),
            None => b,
        }
    };
    let mut engines: Vec<(&'static str, Engine)> = vec![
        (
            "lexicon only",
            builder()
                .lexicon_only()
                .build()
                .map_err(|e| e.to_string())?,
        ),
        (
            "model only",
            builder()
                .model_weight(1.0)
                .build()
                .map_err(|e| e.to_string())?,
        ),
        ("shipped blend", blend().build().map_err(|e| e.to_string())?),
    ];
    if a.exact_models {
        engines.push((
            "shipped blend, full-precision models",
            blend().exact_models().build().map_err(|e| e.to_string())?,
        ));
    }
    let all: Vec<Scores> = engines
        .iter()
        .map(|(name, e)| score(name, e, &gold, &picked))
        .collect();
    if json {
        for s in &all {
            say!("{}", serde_json::to_string(s).map_err(|e| e.to_string())?);
        }
        return Ok(true);
    }
    say!(
        "split {split}: {} labelled messages ({} with a category, {} other)",
        gold.len(),
        gold.iter().filter(|g| g.kind != Kind::Other).count(),
        gold.iter().filter(|g| g.kind == Kind::Other).count()
    );
    say!("| system | kind acc | kind macro-F1 | misconduct P | misconduct R | category acc | category macro-F1 | other→other |");
    say!("|---|---|---|---|---|---|---|---|");
    for s in &all {
        say!(
            "| {} | {:.3} | {:.3} | {:.3} | {:.3} | {:.3} | {:.3} | {:.3} |",
            s.system,
            s.kind_accuracy,
            s.kind_macro_f1,
            s.misconduct_precision,
            s.misconduct_recall,
            s.category_accuracy,
            s.category_macro_f1,
            s.other_kept_other
        );
    }
    if a.exact_models {
        let (fused, exact) = (&engines[2].1, &engines[3].1);
        let differ = picked
            .iter()
            .filter(|t| {
                let decision = |e: &Engine| {
                    e.triage(t, None)
                        .ok()
                        .map(|r| (r.kind, r.category, r.misconduct.flag))
                };
                decision(fused) != decision(exact)
            })
            .count();
        say!(
            "fused 8-bit vs full-precision models: {differ} of {} messages decided differently (kind, category or flag)",
            picked.len()
        );
    }
    Ok(true)
}
