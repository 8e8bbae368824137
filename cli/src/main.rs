//! `suqiu`: the command line of the suqiu engine.
//!
//! `suqiu triage [--profile DIR] [--divisions CSV] [--threads N] [INPUT | -]` reads JSON Lines
//! and writes one JSON line per input line. Exit status: 0 all lines processed, 1 some line
//! rejected, 2 unusable arguments or files.

use std::io::{BufRead, BufReader, Write};
use std::path::PathBuf;
use std::process::ExitCode;

mod evaluate_audit;
mod evaluate_triage;

const USAGE: &str = "usage:
  suqiu triage [--profile DIR] [--divisions CSV] [--threads N] [--lexicon-only | --model-weight W] [INPUT | -]
  suqiu info [--profile DIR] [--divisions CSV]
  suqiu train --input TRAIN.jsonl [--input MORE.jsonl] --output MODEL [--dev DEV.jsonl] [--seed N] [--c C] [--words] [--hash-bits B] [--max-ngram N] [--temperature T]
  suqiu evaluate --model MODEL --input TEST.jsonl
  suqiu evaluate-triage --labels corpus/triage_labels.jsonl [--data ../shared/data] [--split test|train|all] [--json]
  suqiu bench --input MESSAGES.jsonl [--input MORE.jsonl] [--divisions CSV] [--threads N]
  suqiu audit [--summary] [--profile DIR] [--divisions CSV] [--threads N] [INPUT | -]
  suqiu evaluate-audit --labels corpus/audit_labels.jsonl [--data ../shared/data] [--split test|train|all] [--json]
  suqiu aggregate [--window DAYS] [--profile DIR] [--divisions CSV] [--threads N] [--save STATE] [--restore STATE] INPUT.jsonl
  suqiu --version";

/// A usage or file problem: exit status 2.
struct Fatal(String);

impl<E: std::fmt::Display> From<E> for Fatal {
    fn from(e: E) -> Self {
        Fatal(e.to_string())
    }
}

/// The value after a flag, or a usage error naming the flag.
fn flag_value(it: &mut std::slice::Iter<'_, String>, flag: &str) -> Result<String, Fatal> {
    it.next()
        .cloned()
        .ok_or_else(|| Fatal(format!("{flag} needs a value\n{USAGE}")))
}

#[derive(Default)]
struct Common {
    profile: Option<PathBuf>,
    divisions: Option<PathBuf>,
    threads: Option<usize>,
    lexicon_only: bool,
    model_weight: Option<f32>,
    positional: Vec<String>,
}

fn parse_common(args: &[String]) -> Result<Common, Fatal> {
    let mut c = Common::default();
    let mut it = args.iter();
    while let Some(a) = it.next() {
        let mut value = || flag_value(&mut it, a);
        match a.as_str() {
            "--profile" => c.profile = Some(value()?.into()),
            "--divisions" => c.divisions = Some(value()?.into()),
            "--threads" => {
                let v = value()?;
                let n: usize = v
                    .parse()
                    .map_err(|_| Fatal(format!("--threads {v:?} is not a positive number")))?;
                if n == 0 {
                    return Err(Fatal("--threads must be at least 1".into()));
                }
                c.threads = Some(n);
            }
            "--lexicon-only" => c.lexicon_only = true,
            "--model-weight" => {
                let v = value()?;
                let w: f32 = v
                    .parse()
                    .ok()
                    .filter(|w: &f32| (0.0..=1.0).contains(w))
                    .ok_or_else(|| {
                        Fatal(format!("--model-weight {v:?} is not a number in 0..1"))
                    })?;
                c.model_weight = Some(w);
            }
            "-" => c.positional.push(a.clone()),
            s if s.starts_with("--") => return Err(Fatal(format!("unknown option {s}\n{USAGE}"))),
            _ => c.positional.push(a.clone()),
        }
    }
    Ok(c)
}

fn build_engine(c: &Common) -> Result<suqiu::Engine, Fatal> {
    let mut b = suqiu::Engine::builder();
    if let Some(p) = &c.profile {
        b = b.profile_dir(p);
    }
    if let Some(d) = &c.divisions {
        b = b.divisions_csv(d);
    }
    if c.lexicon_only {
        b = b.lexicon_only();
    }
    if let Some(w) = c.model_weight {
        b = b.model_weight(w);
    }
    b.build()
        .map_err(|e| Fatal(format!("cannot build engine: {e}")))
}

fn open_input(c: &Common) -> Result<Box<dyn BufRead>, Fatal> {
    match c.positional.as_slice() {
        [] => Ok(Box::new(BufReader::new(std::io::stdin()))),
        [p] if p == "-" => Ok(Box::new(BufReader::new(std::io::stdin()))),
        [p] => {
            let f = std::fs::File::open(p).map_err(|e| Fatal(format!("{p}: {e}")))?;
            Ok(Box::new(BufReader::with_capacity(1 << 20, f)))
        }
        _ => Err(Fatal(format!("expected one INPUT\n{USAGE}"))),
    }
}

/// Lines are read and triaged in chunks so that memory stays bounded on any input size.
const CHUNK_LINES: usize = 8192;

fn triage(args: &[String]) -> Result<bool, Fatal> {
    let c = parse_common(args)?;
    let mut input = open_input(&c)?;
    let engine = build_engine(&c)?;
    let stdout = std::io::stdout();
    let mut out = std::io::BufWriter::new(stdout.lock());
    let mut all_ok = true;
    let mut chunk: Vec<u8> = Vec::new();
    let mut lineno = 1;
    loop {
        chunk.clear();
        let mut n = 0;
        while n < CHUNK_LINES {
            let read = input
                .read_until(b'\n', &mut chunk)
                .map_err(|e| Fatal(format!("reading input: {e}")))?;
            if read == 0 {
                break;
            }
            n += 1;
        }
        if n == 0 {
            break;
        }
        let data = chunk.strip_suffix(b"\n").unwrap_or(&chunk);
        for outcome in suqiu::jsonl::process_lines(&engine, data, lineno, c.threads) {
            all_ok &= !outcome.is_err();
            writeln!(out, "{}", outcome.to_json())?;
        }
        lineno += n;
    }
    out.flush()?;
    Ok(all_ok)
}

/// `suqiu audit`: reads the whole input as one run (template detection compares the replies
/// with each other), prints one JSON line per non-blank input line, in order, or with
/// `--summary` the rejected lines on stderr and one line per replying unit.
fn audit(args: &[String]) -> Result<bool, Fatal> {
    let summary = args.iter().any(|a| a == "--summary");
    let rest: Vec<String> = args.iter().filter(|a| *a != "--summary").cloned().collect();
    let c = parse_common(&rest)?;
    let mut input = open_input(&c)?;
    let engine = build_engine(&c)?;
    let mut data = Vec::new();
    std::io::Read::read_to_end(&mut input, &mut data)
        .map_err(|e| Fatal(format!("reading input: {e}")))?;
    let started = std::time::Instant::now();
    let outcomes = suqiu::jsonl::audit_lines(&engine, &data, c.threads);
    let seconds = started.elapsed().as_secs_f64();
    let all_ok = outcomes.iter().all(|o| !o.is_err());
    let stdout = std::io::stdout();
    let mut out = std::io::BufWriter::new(stdout.lock());
    if summary {
        for o in outcomes.iter().filter(|o| o.is_err()) {
            eprintln!("suqiu: {}", o.to_json());
        }
        let audits = outcomes.iter().filter_map(|o| match o {
            suqiu::jsonl::AuditOutcome::Ok(_, a) => Some(&**a),
            _ => None,
        });
        for row in suqiu::audit::summarize(audits) {
            writeln!(out, "{}", row.to_json())?;
        }
        eprintln!(
            "suqiu: {} replies audited in {:.3} s ({:.0}/s)",
            outcomes.len(),
            seconds,
            outcomes.len() as f64 / seconds.max(1e-9)
        );
    } else {
        for o in &outcomes {
            writeln!(out, "{}", o.to_json())?;
        }
    }
    out.flush()?;
    Ok(all_ok)
}

/// Builds the engine and prints what it holds and how long the build took.
fn info(args: &[String]) -> Result<bool, Fatal> {
    let c = parse_common(args)?;
    let started = std::time::Instant::now();
    let engine = build_engine(&c)?;
    let build_ms = started.elapsed().as_secs_f64() * 1e3;
    let p = engine.profile();
    let line = serde_json::json!({
        "profile": p.name,
        "categories": p.category_ids,
        "lexicon_terms": p.lexicon.len(),
        "divisions": engine.gazetteer().len(),
        "build_ms": (build_ms * 10.0).round() / 10.0,
        "version": env!("CARGO_PKG_VERSION"),
    });
    println!("{line}");
    Ok(true)
}

/// Reads `{"text", "label"}` JSON Lines.
fn read_labelled(path: &str) -> Result<Vec<(String, String)>, Fatal> {
    let text = std::fs::read_to_string(path).map_err(|e| Fatal(format!("{path}: {e}")))?;
    let mut out = Vec::new();
    for (i, line) in text.lines().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        let v: serde_json::Value =
            serde_json::from_str(line).map_err(|e| Fatal(format!("{path}:{}: {e}", i + 1)))?;
        let (Some(t), Some(l)) = (v["text"].as_str(), v["label"].as_str()) else {
            return Err(Fatal(format!(
                "{path}:{}: needs string \"text\" and \"label\"",
                i + 1
            )));
        };
        out.push((t.to_string(), l.to_string()));
    }
    Ok(out)
}

fn train(args: &[String]) -> Result<bool, Fatal> {
    use suqiu::classify::model::{TextModel, TrainSettings};
    let (mut inputs, mut output, mut dev) = (Vec::new(), None, None);
    let mut temperature: Option<f32> = None;
    let mut st = TrainSettings::default();
    let mut it = args.iter();
    while let Some(a) = it.next() {
        let mut value = || flag_value(&mut it, a);
        match a.as_str() {
            "--input" => inputs.push(value()?),
            "--output" => output = Some(value()?),
            "--dev" => dev = Some(value()?),
            "--seed" => {
                st.seed = value()?
                    .parse()
                    .map_err(|_| Fatal("--seed needs a number".into()))?
            }
            "--c" => {
                st.c = value()?
                    .parse()
                    .map_err(|_| Fatal("--c needs a number".into()))?
            }
            "--words" => st.features.words = true,
            "--hash-bits" => {
                st.features.hash_bits = value()?
                    .parse()
                    .map_err(|_| Fatal("--hash-bits needs a number".into()))?
            }
            "--max-ngram" => {
                st.features.max_char_ngram = value()?
                    .parse()
                    .map_err(|_| Fatal("--max-ngram needs a number".into()))?
            }
            "--temperature" => {
                let v = value()?;
                temperature = Some(
                    v.parse::<f32>()
                        .ok()
                        .filter(|t| t.is_finite() && *t > 0.0 && *t <= 1000.0)
                        .ok_or_else(|| {
                            Fatal(format!("--temperature {v:?} is not a number in (0, 1000]"))
                        })?,
                );
            }
            _ => return Err(Fatal(format!("unknown argument {a}\n{USAGE}"))),
        }
    }
    let output = output.ok_or_else(|| Fatal(format!("--output is required\n{USAGE}")))?;
    if inputs.is_empty() {
        return Err(Fatal(format!("--input is required\n{USAGE}")));
    }
    let mut data = Vec::new();
    for p in &inputs {
        data.extend(read_labelled(p)?);
    }
    let dev = match dev {
        Some(p) => read_labelled(&p)?,
        None => Vec::new(),
    };
    let started = std::time::Instant::now();
    let mut model = TextModel::train(&data, &dev, &st)?;
    if let Some(t) = temperature {
        model.set_temperature(t);
    }
    let secs = started.elapsed().as_secs_f64();
    model.save(std::path::Path::new(&output))?;
    let size = std::fs::metadata(&output).map(|m| m.len()).unwrap_or(0);
    eprintln!(
        "trained on {} messages, {} labels, in {:.2} s; model {} bytes -> {output}",
        data.len(),
        model.labels().len(),
        secs,
        size
    );
    println!(
        "{}",
        serde_json::json!({"n": data.len(), "labels": model.labels(), "train_seconds": secs, "model_bytes": size, "temperature": model.header().temperature})
    );
    Ok(true)
}

fn evaluate(args: &[String]) -> Result<bool, Fatal> {
    use suqiu::classify::model::TextModel;
    let (mut model_path, mut input) = (None, None);
    let mut it = args.iter();
    while let Some(a) = it.next() {
        let mut value = || flag_value(&mut it, a);
        match a.as_str() {
            "--model" => model_path = Some(value()?),
            "--input" => input = Some(value()?),
            _ => return Err(Fatal(format!("unknown argument {a}\n{USAGE}"))),
        }
    }
    let (Some(model_path), Some(input)) = (model_path, input) else {
        return Err(Fatal(format!("--model and --input are required\n{USAGE}")));
    };
    let model = TextModel::load(std::path::Path::new(&model_path))?;
    let data = read_labelled(&input)?;
    let labels = model.labels().to_vec();
    let k = labels.len();
    let bytes: usize = data.iter().map(|d| d.0.len()).sum();
    // Warm the thread's scratch, then time the prediction pass alone on this thread.
    let _ = model.predict_label("预热");
    // The pass is repeated until it has run for at least a second: one pass over a small
    // dev set lasts milliseconds and would time the machine's noise, not the model.
    let started = std::time::Instant::now();
    let mut predicted: Vec<usize> = data.iter().map(|(t, _)| model.predict_label(t)).collect();
    let mut passes = 1usize;
    while started.elapsed().as_secs_f64() < 1.0 && !data.is_empty() {
        predicted = data.iter().map(|(t, _)| model.predict_label(t)).collect();
        passes += 1;
    }
    let secs = started.elapsed().as_secs_f64().max(1e-9) / passes as f64;
    let mut confusion = vec![vec![0usize; k + 1]; k + 1]; // last row: labels unknown to the model
    for ((_, gold), &p) in data.iter().zip(&predicted) {
        let g = labels.iter().position(|l| l == gold).unwrap_or(k);
        confusion[g][p] += 1;
    }
    println!(
        "{:<16} {:>9} {:>9} {:>9} {:>7}",
        "label", "precision", "recall", "f1", "support"
    );
    let mut f1_sum = 0.0;
    for i in 0..k {
        let tp = confusion[i][i] as f64;
        let pred: usize = (0..=k).map(|g| confusion[g][i]).sum();
        let gold: usize = confusion[i].iter().sum();
        let p = if pred > 0 { tp / pred as f64 } else { 0.0 };
        let r = if gold > 0 { tp / gold as f64 } else { 0.0 };
        let f = if p + r > 0.0 {
            2.0 * p * r / (p + r)
        } else {
            0.0
        };
        f1_sum += f;
        println!(
            "{:<16} {:>9.4} {:>9.4} {:>9.4} {:>7}",
            labels[i], p, r, f, gold
        );
    }
    println!(
        "confusion matrix (rows gold, columns predicted): {}",
        labels.join(" | ")
    );
    for (i, row) in confusion.iter().enumerate().take(k) {
        let cells: Vec<String> = row[..k].iter().map(|c| format!("{c:>5}")).collect();
        println!("{:<16} {}", labels[i], cells.join(""));
    }
    let correct = (0..k).map(|i| confusion[i][i]).sum::<usize>();
    let n = data.len();
    println!(
        "{}",
        serde_json::json!({
            "n": n,
            "accuracy": if n > 0 { correct as f64 / n as f64 } else { 0.0 },
            "macro_f1": f1_sum / k as f64,
            "messages_per_second": n as f64 / secs,
            "megabytes_per_second": bytes as f64 / 1e6 / secs,
        })
    );
    Ok(true)
}

/// Repeats `f` until it has run for at least `min_secs` and returns seconds per call.
fn time_per_call(min_secs: f64, mut f: impl FnMut()) -> f64 {
    f(); // warm caches and thread-local scratch
    let started = std::time::Instant::now();
    let mut calls = 0u32;
    while calls == 0 || started.elapsed().as_secs_f64() < min_secs {
        f();
        calls += 1;
    }
    started.elapsed().as_secs_f64() / calls as f64
}

/// In-process benchmark on real messages: engine build, jieba-rs `cut` alone (the floor any
/// segmenting pipeline stands on), triage on one thread and on all threads, and jurisdiction
/// resolution alone, each on the same texts. Prints one JSON object.
fn bench(args: &[String]) -> Result<bool, Fatal> {
    let mut inputs = Vec::new();
    let mut rest = Vec::new();
    let mut it = args.iter();
    while let Some(a) = it.next() {
        if a == "--input" {
            inputs.push(flag_value(&mut it, a)?);
        } else {
            rest.push(a.clone());
        }
    }
    let c = parse_common(&rest)?;
    if inputs.is_empty() {
        return Err(Fatal(format!("bench needs --input\n{USAGE}")));
    }
    let mut texts: Vec<String> = Vec::new();
    for p in &inputs {
        let data = std::fs::read_to_string(p).map_err(|e| Fatal(format!("{p}: {e}")))?;
        for line in data.lines().filter(|l| !l.trim().is_empty()) {
            let v: serde_json::Value =
                serde_json::from_str(line).map_err(|e| Fatal(format!("{p}: {e}")))?;
            if let Some(t) = v["text"].as_str() {
                if !t.trim().is_empty() && t.len() <= suqiu::Limits::default().max_text_bytes {
                    texts.push(t.to_string());
                }
            }
        }
    }
    let n = texts.len() as f64;
    let mb = texts.iter().map(|t| t.len()).sum::<usize>() as f64 / 1e6;
    let build = (0..5)
        .map(|_| {
            let t = std::time::Instant::now();
            let e = suqiu::Engine::default();
            let s = t.elapsed().as_secs_f64();
            drop(e);
            s
        })
        .fold(f64::INFINITY, f64::min);
    let engine = build_engine(&c)?;
    let jieba = jieba_rs::Jieba::new();
    // Rounds interleave the measurements and the best round of each counts, so that a burst
    // of load from elsewhere on the machine skews neither side of a ratio.
    let items: Vec<(&str, Option<&str>)> = texts.iter().map(|t| (t.as_str(), None)).collect();
    let threads = c
        .threads
        .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get()));
    let (mut jieba_s, mut triage_1, mut batch_1, mut triage_n, mut locate_1) = (
        f64::INFINITY,
        f64::INFINITY,
        f64::INFINITY,
        f64::INFINITY,
        f64::INFINITY,
    );
    for _ in 0..5 {
        jieba_s = jieba_s.min(time_per_call(0.3, || {
            for t in &texts {
                std::hint::black_box(jieba.cut(t, false));
            }
        }));
        triage_1 = triage_1.min(time_per_call(0.3, || {
            for t in &texts {
                let _ = std::hint::black_box(engine.triage(t, None));
            }
        }));
        // The thread-scaling baseline is the same batch call on one thread: both keep every
        // result until the batch returns and free them after, unlike the loop above.
        batch_1 = batch_1.min(time_per_call(0.3, || {
            let _ = std::hint::black_box(engine.triage_batch(&items, Some(1)));
        }));
        triage_n = triage_n.min(time_per_call(0.3, || {
            let _ = std::hint::black_box(engine.triage_batch(&items, Some(threads)));
        }));
        locate_1 = locate_1.min(time_per_call(0.3, || {
            for t in &texts {
                let _ = std::hint::black_box(engine.locate(t, None));
            }
        }));
    }
    // Stage by stage, through the public stage APIs, on the same texts (one round each).
    let mut norm = suqiu::normalize::Normalized::default();
    let mut tokens = Vec::new();
    let mut bounds = Vec::new();
    let mut mentions = Vec::new();
    let prepared: Vec<(suqiu::normalize::Normalized, Vec<bool>)> = texts
        .iter()
        .map(|t| {
            let n = engine.normalizer().normalize(t);
            engine.segmenter().cut_into(&n.text, &mut tokens);
            suqiu::segment::boundary_map(n.text.len(), &tokens, &mut bounds);
            (n, bounds.clone())
        })
        .collect();
    let stage_normalize = time_per_call(0.5, || {
        for t in &texts {
            engine.normalizer().normalize_into(t, &mut norm);
        }
    });
    let stage_segment = time_per_call(0.5, || {
        for (n, _) in &prepared {
            engine.segmenter().cut_into(&n.text, &mut tokens);
        }
    });
    let p = engine.profile();
    let stage_classify = time_per_call(0.5, || {
        for (n, b) in &prepared {
            std::hint::black_box(suqiu::classify::classify(
                &p.lexicon,
                &p.category_ids,
                &n.text,
                &|i| b.get(i).copied().unwrap_or(false),
            ));
        }
    });
    let g = engine.gazetteer();
    let stage_resolve = time_per_call(0.5, || {
        for (n, b) in &prepared {
            g.find_mentions(
                &n.text,
                None,
                &|i| b.get(i).copied().unwrap_or(false),
                &|_| false,
                &mut mentions,
            );
            std::hint::black_box(suqiu::jurisdiction::resolve(g, &mentions, None));
        }
    });
    let row = |secs: f64| serde_json::json!({"messages_per_second": (n / secs).round(), "megabytes_per_second": ((mb / secs) * 100.0).round() / 100.0});
    println!(
        "{}",
        serde_json::json!({
            "messages": texts.len(),
            "megabytes": (mb * 100.0).round() / 100.0,
            "threads": threads,
            "default_engine_build_ms": (build * 1e4).round() / 10.0,
            "jieba_cut_no_hmm": row(jieba_s),
            "triage_1_thread": row(triage_1),
            "batch_1_thread": row(batch_1),
            "triage_all_threads": row(triage_n),
            "locate_1_thread": row(locate_1),
            "stages_1_thread": {
                "normalize": row(stage_normalize),
                "segment": row(stage_segment),
                "classify": row(stage_classify),
                "resolve": row(stage_resolve),
            },
            "triage_vs_jieba": ((jieba_s / triage_1) * 1000.0).round() / 1000.0,
            "all_threads_vs_1": ((batch_1 / triage_n) * 1000.0).round() / 1000.0,
        })
    );
    Ok(true)
}

/// Triages reports and folds near-duplicates into issues, printed hottest first.
fn aggregate(args: &[String]) -> Result<bool, Fatal> {
    use suqiu::aggregate::{Aggregator, AggregatorConfig};
    let mut rest = Vec::new();
    let mut config = AggregatorConfig::default();
    let (mut save, mut restore, mut gold) = (None, None, None::<String>);
    let mut it = args.iter();
    while let Some(a) = it.next() {
        let mut value = || flag_value(&mut it, a);
        match a.as_str() {
            "--window" => {
                let v = value()?;
                let days: f64 = v
                    .parse()
                    .ok()
                    .filter(|d: &f64| d.is_finite() && *d > 0.0)
                    .ok_or_else(|| {
                        Fatal(format!("--window {v:?} is not a positive number of days"))
                    })?;
                config.window_seconds = (days * 86_400.0) as i64;
            }
            "--save" => save = Some(value()?),
            "--gold" => gold = Some(value()?),
            "--restore" => restore = Some(value()?),
            _ => rest.push(a.clone()),
        }
    }
    let c = parse_common(&rest)?;
    let path = match c.positional.as_slice() {
        [p] => p.clone(),
        _ => return Err(Fatal(format!("aggregate needs one INPUT\n{USAGE}"))),
    };
    let input = std::fs::read(&path).map_err(|e| Fatal(format!("{path}: {e}")))?;
    let engine = build_engine(&c)?;
    let mut agg = match restore {
        Some(p) => {
            let state = std::fs::read_to_string(&p).map_err(|e| Fatal(format!("{p}: {e}")))?;
            Aggregator::restore(&state).map_err(|e| Fatal(format!("{p}: {e}")))?
        }
        None => Aggregator::new(config),
    };
    let run = suqiu::jsonl::aggregate_lines(&engine, &mut agg, &input, c.threads);
    let rejected = &run.rejected;
    for r in rejected {
        eprintln!("suqiu: line {}: {}", r.line, r.error);
    }
    let stdout = std::io::stdout();
    let mut out = std::io::BufWriter::new(stdout.lock());
    for line in suqiu::jsonl::issue_lines(&engine, &agg) {
        writeln!(out, "{line}")?;
    }
    out.flush()?;
    if let Some(p) = save {
        std::fs::write(&p, agg.save()).map_err(|e| Fatal(format!("{p}: {e}")))?;
    }
    if let Some(p) = gold {
        // Pairwise precision and recall against hand-labelled pairs (`id_a<TAB>id_b<TAB>same`).
        let text = std::fs::read_to_string(&p).map_err(|e| Fatal(format!("{p}: {e}")))?;
        let of = agg.assignments();
        let (mut tp, mut fp, mut fn_, mut missing) = (0usize, 0usize, 0usize, 0usize);
        for line in text
            .lines()
            .filter(|l| !l.starts_with('#') && !l.starts_with("id_a") && !l.trim().is_empty())
        {
            let f: Vec<&str> = line.split('\t').collect();
            if f.len() != 3 {
                return Err(Fatal(format!(
                    "{p}: expected id_a<TAB>id_b<TAB>same, got {line:?}"
                )));
            }
            let (Some(a), Some(b)) = (of.get(f[0]), of.get(f[1])) else {
                missing += 1;
                continue;
            };
            let together = a == b;
            match (together, f[2].trim() == "1") {
                (true, true) => tp += 1,
                (true, false) => fp += 1,
                (false, true) => fn_ += 1,
                (false, false) => {}
            }
        }
        let precision = tp as f64 / (tp + fp).max(1) as f64;
        let recall = tp as f64 / (tp + fn_).max(1) as f64;
        eprintln!(
            "{}",
            serde_json::json!({"gold_pairs": tp + fp + fn_, "missing_ids": missing, "true_positive": tp, "false_positive": fp, "false_negative": fn_, "precision": precision, "recall": recall})
        );
    }
    eprintln!(
        "{} reports into {} issues; aggregator alone {:.3} s, {:.0} reports/s on one thread (one cold pass; `cargo bench -p suqiu-benches -- aggregate` measures it steadily); {} lines rejected",
        run.reports,
        agg.ranked().len(),
        run.aggregator_seconds,
        run.reports as f64 / run.aggregator_seconds.max(1e-9),
        rejected.len()
    );
    Ok(rejected.is_empty())
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let result = match args.first().map(String::as_str) {
        Some("triage") => triage(&args[1..]),
        Some("info") => info(&args[1..]),
        Some("train") => train(&args[1..]),
        Some("bench") => bench(&args[1..]),
        Some("aggregate") => aggregate(&args[1..]),
        Some("evaluate") => evaluate(&args[1..]),
        Some("evaluate-triage") => evaluate_triage::run(&args[1..]).map_err(Fatal),
        Some("audit") => audit(&args[1..]),
        Some("evaluate-audit") => evaluate_audit::run(&args[1..]).map_err(Fatal),
        Some("--version") | Some("-V") => {
            println!("suqiu {}", env!("CARGO_PKG_VERSION"));
            Ok(true)
        }
        Some("--help") | Some("-h") => {
            println!("{USAGE}");
            Ok(true)
        }
        _ => Err(Fatal(USAGE.to_string())),
    };
    match result {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => ExitCode::from(1),
        Err(Fatal(msg)) => {
            let _ = writeln!(std::io::stderr(), "suqiu: {msg}");
            ExitCode::from(2)
        }
    }
}
