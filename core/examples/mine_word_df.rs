//! Mines `word_df.tsv` for a profile: in how many of the given messages each content word of
//! the aggregator's second join path occurs (cut and folded exactly as the aggregator does,
//! from the title and the opening). The aggregator weights a shared word by
//! `ln((1 + messages) / (1 + df))`, so that 搅拌站 counts and 施工 little.
//!
//! `cargo run --release -p suqiu --example mine_word_df -- [--min-df M] MESSAGES.jsonl… > word_df.tsv`
//!
//! The embedded table was mined from ../shared/data/messages/gov_details.train.jsonl,
//! gov_titles.train.jsonl and replies.jsonl — not from hot_messages.jsonl, the corpus both
//! aggregation golds are drawn from. Only words seen in at least `--min-df` (default 3)
//! messages are written: rarer ones all weigh as if seen once.
use std::collections::BTreeMap;
use suqiu::aggregate::near::WordSource;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args: Vec<String> = std::env::args().skip(1).collect();
    let mut min_df = 3usize;
    if let Some(i) = args.iter().position(|a| a == "--min-df") {
        min_df = args.get(i + 1).ok_or("--min-df needs a number")?.parse()?;
        args.drain(i..i + 2);
    }
    if args.is_empty() {
        return Err("usage: mine_word_df [--min-df M] MESSAGES.jsonl…".into());
    }
    let engine = suqiu::Engine::default();
    let mut df: BTreeMap<String, usize> = BTreeMap::new();
    let mut tokens = Vec::new();
    let mut messages = 0usize;
    for path in &args {
        for line in std::fs::read_to_string(path)?.lines() {
            let Ok(v) = serde_json::from_str::<serde_json::Value>(line) else {
                continue;
            };
            let Some(text) = v["text"].as_str() else {
                continue;
            };
            let title = v["title"].as_str().filter(|t| !t.trim().is_empty());
            messages += 1;
            let mut seen: Vec<String> = Vec::new();
            WordSource::new(&engine, title, text, &[]).for_each_jieba_word(
                &engine,
                &mut tokens,
                |w| {
                    if !seen.iter().any(|s| s == w) {
                        seen.push(w.to_string());
                    }
                },
            );
            for w in seen {
                *df.entry(w).or_insert(0) += 1;
            }
        }
    }
    let kept: Vec<(&String, &usize)> = df.iter().filter(|(_, &n)| n >= min_df).collect();
    println!("# Document frequencies of the aggregator's content words (docs/aggregation.md):");
    println!(
        "# in how many background messages each occurs. Mined by core/examples/mine_word_df.rs."
    );
    println!("# messages\t{messages}");
    println!("# min_df\t{min_df}");
    for (w, n) in &kept {
        println!("{w}\t{n}");
    }
    eprintln!(
        "{messages} messages, {} distinct words, {} kept (df >= {min_df})",
        df.len(),
        kept.len()
    );
    Ok(())
}
