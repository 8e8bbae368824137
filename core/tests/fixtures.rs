//! Whole-outcome tests on the project's own fixtures: `tests/fixtures/messages.jsonl` (messages
//! written for this project, across every kind, category and place-name trap) and
//! `tests/fixtures/seed_cases.jsonl` (the Zhuzhou report's cases, traditional and simplified).

use serde_json::Value;
use suqiu::Engine;

fn fixture(name: &str) -> Vec<Value> {
    let path = format!("{}/../tests/fixtures/{name}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("{path}: {e}"))
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

/// Compares one triage with its expectation; returns the differences.
fn check(engine: &Engine, case: &Value) -> Vec<String> {
    let text = case["text"].as_str().unwrap();
    let group = case["group_division"].as_str();
    let exp = &case["expected"];
    let t = engine.triage(text, group).expect("triage");
    let json: Value = serde_json::from_str(&suqiu::jsonl::triage_json(&case["id"], &t)).unwrap();
    let mut diffs = Vec::new();
    let mut cmp = |what: &str, want: &Value, got: &Value| {
        if want != got {
            diffs.push(format!("{what}: want {want}, got {got}"));
        }
    };
    cmp("kind", &exp["kind"], &json["kind"]);
    cmp("category", &exp["category"], &json["category"]);
    cmp("division", &exp["division"], &json["division"]["code"]);
    cmp("level", &exp["level"], &json["route"]["level"]);
    cmp(
        "misconduct_flag",
        &exp["misconduct_flag"],
        &json["misconduct"]["flag"],
    );
    for key in ["handler", "supervisor"] {
        if !exp[key].is_null() {
            cmp(key, &exp[key], &json["route"][key]);
        }
    }
    if !exp["route_division"].is_null() {
        cmp(
            "route_division",
            &exp["route_division"],
            &json["route"]["division"]["code"],
        );
    }
    if !exp["needs_review"].is_null() {
        cmp("needs_review", &exp["needs_review"], &json["needs_review"]);
    }
    if let Some(n) = exp["min_candidates"].as_u64() {
        let got = json["candidates"].as_array().map_or(0, |a| a.len()) as u64;
        if got < n {
            diffs.push(format!("candidates: want at least {n}, got {got}"));
        }
    }
    // Every evidence span slices the original text to the reported text.
    for ev in json["evidence"].as_array().unwrap() {
        let (s, e) = (
            ev["start"].as_u64().unwrap() as usize,
            ev["end"].as_u64().unwrap() as usize,
        );
        if text.get(s..e) != ev["text"].as_str() {
            diffs.push(format!(
                "evidence span {s}..{e} does not slice to {}",
                ev["text"]
            ));
        }
    }
    if json["misconduct"]["flag"] == Value::Bool(true)
        && json["misconduct"]["evidence"]
            .as_array()
            .unwrap()
            .is_empty()
    {
        diffs.push("misconduct flag without evidence".into());
    }
    diffs
}

fn run_all(name: &str, min_cases: usize) {
    let engine = Engine::default();
    let cases = fixture(name);
    assert!(cases.len() >= min_cases, "{name} has {} cases", cases.len());
    let mut failures = Vec::new();
    for case in &cases {
        let diffs = check(&engine, case);
        if !diffs.is_empty() {
            failures.push(format!(
                "{} {}: {}",
                case["id"],
                case["text"],
                diffs.join("; ")
            ));
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} cases differ:\n{}",
        failures.len(),
        cases.len(),
        failures.join("\n")
    );
}

#[test]
fn project_messages_have_their_whole_expected_outcome() {
    run_all("messages.jsonl", 80);
}

#[test]
fn seed_cases_from_the_zhuzhou_report() {
    run_all("seed_cases.jsonl", 12);
}

/// Kind, category and misconduct flag only, for the behaviour fixtures (places aside).
fn check_kind_category_flag(engine: &Engine, case: &Value) -> Vec<String> {
    let t = engine
        .triage(case["text"].as_str().unwrap(), None)
        .expect("triage");
    let exp = &case["expected"];
    let got = (t.kind.as_str(), t.category.as_deref(), t.misconduct.flag);
    let want = (
        exp["kind"].as_str().unwrap(),
        exp["category"].as_str(),
        exp["misconduct_flag"].as_bool().unwrap(),
    );
    if got == want {
        Vec::new()
    } else {
        vec![format!("want {want:?}, got {got:?}")]
    }
}

/// Runs every case of `tests/fixtures/behaviour.jsonl` and fails with the differing ones.
fn assert_behaviour(engine: &Engine) {
    let cases = fixture("behaviour.jsonl");
    let failures: Vec<String> = cases
        .iter()
        .flat_map(|c| {
            check_kind_category_flag(engine, c)
                .into_iter()
                .map(move |d| format!("{} {}: {d}", c["id"], c["text"]))
        })
        .collect();
    assert!(
        failures.is_empty(),
        "{} of {} cases differ:\n{}",
        failures.len(),
        cases.len(),
        failures.join("\n")
    );
}

/// `tests/fixtures/behaviour.jsonl`: the failure modes found on real messages, written anew
/// for this project — requests phrased as questions, courtesy words, chatter and notices,
/// misconduct without fixed phrases, misconduct words with no official as the actor, and
/// one-character terms inside other words.
#[test]
fn behaviour_cases_come_out_right_with_the_default_engine() {
    assert_behaviour(&Engine::default());
}

/// The same cases with the lexicon alone: its hygiene rules (one-character terms never alone,
/// an official as the actor of misconduct, courtesy words deciding nothing, nothing raised →
/// other) must hold without a model's help.
#[test]
fn behaviour_cases_come_out_right_with_the_lexicon_alone() {
    assert_behaviour(&Engine::builder().lexicon_only().build().unwrap());
}
