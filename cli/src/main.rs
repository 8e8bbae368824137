//! `suqiu`: the command line of the suqiu engine.
//!
//! `suqiu triage [--profile DIR] [--divisions CSV] [--threads N] [INPUT | -]` reads JSON Lines
//! and writes one JSON line per input line. Exit status: 0 all lines processed, 1 some line
//! rejected, 2 unusable arguments or files, 3 the output could not be written (closed
//! standard output, closed pipe, full disk), 4 `aggregate --save` failed (the previous state
//! file is unchanged).

use args::{Cli, Command, EngineOpts};
use clap::{CommandFactory, Parser};
use std::io::{BufRead, BufReader, Write};
use std::process::ExitCode;

mod args;
mod evaluate_audit;
mod evaluate_triage;
mod progress;

/// `println!` for the report-style commands (info, train, evaluate…, bench): a closed pipe or
/// a full disk ends the process with exit status 3 and a message, as `triage` does, instead
/// of the panic `println!` gives. These commands have nothing left to save when it happens.
macro_rules! say {
    ($($arg:tt)*) => {
        $crate::say_line(format_args!($($arg)*))
    };
}
pub(crate) use say;

/// Writes one line of a report to standard output, or exits with status 3.
pub(crate) fn say_line(args: std::fmt::Arguments) {
    let mut out = std::io::stdout().lock();
    if let Err(e) = out.write_fmt(args).and_then(|()| out.write_all(b"\n")) {
        let _ = writeln!(std::io::stderr(), "suqiu: cannot write output: {e}");
        std::process::exit(3);
    }
}

/// A usage or file problem: exit status 2.
struct Fatal(String);

/// Why a command failed, each with its own exit status.
enum Failure {
    /// Unusable arguments or files: 2.
    Fatal(String),
    /// Standard output could not be written: 3. Whatever else the command had to do (saving
    /// the aggregator state) was done.
    Output(std::io::Error),
    /// The aggregator state could not be saved: 4. The previous state file is unchanged.
    Save(String),
}

impl From<Fatal> for Failure {
    fn from(Fatal(msg): Fatal) -> Self {
        Failure::Fatal(msg)
    }
}

/// Standard output, whose failures are [`Failure::Output`] rather than usage errors.
struct Output(std::io::BufWriter<std::io::StdoutLock<'static>>);

impl Output {
    /// Standard output, or an error when it was closed when the process started (`>&-`):
    /// writes to it would vanish without an error.
    fn open() -> Result<Output, Failure> {
        if closed_stdout::was_closed() {
            return Err(Failure::Output(std::io::Error::new(
                std::io::ErrorKind::BrokenPipe,
                "standard output is closed",
            )));
        }
        Ok(Output(std::io::BufWriter::new(std::io::stdout().lock())))
    }

    fn line(&mut self, line: &str) -> Result<(), Failure> {
        writeln!(self.0, "{line}").map_err(Failure::Output)
    }

    fn flush(&mut self) -> Result<(), Failure> {
        self.0.flush().map_err(Failure::Output)
    }
}

/// Whether standard output was closed when the process started (`>&-`). The Rust runtime
/// reopens a closed descriptor 0–2 on /dev/null before `main` (so that no file opened later
/// takes its number), after which writes succeed and vanish; this constructor runs before the
/// runtime does and records the truth.
#[cfg(target_os = "linux")]
mod closed_stdout {
    use std::sync::atomic::{AtomicBool, Ordering};
    static CLOSED: AtomicBool = AtomicBool::new(false);
    extern "C" fn record() {
        // SAFETY: F_GETFD only queries the descriptor number; it touches no memory.
        let closed = unsafe { libc::fcntl(1, libc::F_GETFD) } == -1;
        CLOSED.store(closed, Ordering::Relaxed);
    }
    #[used]
    #[link_section = ".init_array"]
    static RECORD: extern "C" fn() = record;
    pub fn was_closed() -> bool {
        CLOSED.load(Ordering::Relaxed)
    }
}

#[cfg(not(target_os = "linux"))]
mod closed_stdout {
    pub fn was_closed() -> bool {
        false
    }
}

impl<E: std::fmt::Display> From<E> for Fatal {
    fn from(e: E) -> Self {
        Fatal(e.to_string())
    }
}

fn build_engine(c: &EngineOpts) -> Result<suqiu::Engine, Fatal> {
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
    if c.exact_models {
        b = b.exact_models();
    }
    let engine = b
        .build()
        .map_err(|e| Fatal(format!("cannot build engine: {e}")))?;
    for warning in engine.load_warnings() {
        eprintln!("suqiu: warning: {warning}");
    }
    Ok(engine)
}

/// Opens INPUT, `-` being standard input.
fn open_input(p: &str) -> Result<Box<dyn BufRead + Send>, Fatal> {
    if p == "-" {
        return Ok(Box::new(BufReader::new(std::io::stdin())));
    }
    if std::path::Path::new(p).is_dir() {
        return Err(Fatal(format!("{p}: is a directory, not a JSON Lines file")));
    }
    let f = std::fs::File::open(p).map_err(|e| Fatal(format!("{p}: {e}")))?;
    Ok(Box::new(BufReader::with_capacity(1 << 20, f)))
}

/// The whole of a file, or of standard input for `-`, naming the file on failure.
fn read_bytes(p: &str) -> Result<Vec<u8>, Fatal> {
    if p == "-" {
        let mut data = Vec::new();
        std::io::Read::read_to_end(&mut std::io::stdin(), &mut data)
            .map_err(|e| Fatal(format!("reading standard input: {e}")))?;
        return Ok(data);
    }
    if std::path::Path::new(p).is_dir() {
        return Err(Fatal(format!("{p}: is a directory, not a JSON Lines file")));
    }
    std::fs::read(p).map_err(|e| Fatal(format!("{p}: {e}")))
}

/// [`read_bytes`] as UTF-8 text.
fn read_text(p: &str) -> Result<String, Fatal> {
    String::from_utf8(read_bytes(p)?).map_err(|e| Fatal(format!("{p}: {e}")))
}

/// The worker pool of a run, built once (not per chunk): `None` for one thread (no pool) or
/// when no count was given (rayon's global pool).
fn thread_pool(threads: Option<usize>) -> Result<Option<rayon::ThreadPool>, Fatal> {
    match threads {
        Some(n) if n > 1 => rayon::ThreadPoolBuilder::new()
            .num_threads(n)
            .build()
            .map(Some)
            .map_err(|e| Fatal(format!("cannot start {n} threads: {e}"))),
        _ => Ok(None),
    }
}

/// Runs `f` in `pool`, if any, passing the thread count the library should use there.
fn in_pool<T: Send>(
    pool: &Option<rayon::ThreadPool>,
    threads: Option<usize>,
    f: impl FnOnce(Option<usize>) -> T + Send,
) -> T {
    match pool {
        Some(p) => p.install(|| f(None)),
        None => f(threads),
    }
}

/// Lines are triaged in chunks so that memory stays bounded on any input: a chunk ends at
/// CHUNK_LINES lines, at CHUNK_BYTES bytes, or when the input stalls for STALL (a live feed
/// sees its lines at once, not after 8,192 of them).
const CHUNK_LINES: usize = 8192;
const CHUNK_BYTES: usize = 64 << 20;
const STALL: std::time::Duration = std::time::Duration::from_millis(50);
/// Lines read ahead of the chunk being triaged (each at most the line budget).
const READ_AHEAD_LINES: usize = 64;

/// The longest line read: eight times the message limit (a message's text may be written
/// with `\uXXXX` escapes, twice its UTF-8 size, beside other fields). A longer line is
/// skipped as it streams, never held whole.
fn line_budget(engine: &suqiu::Engine) -> usize {
    engine.limits().max_text_bytes.saturating_mul(8)
}

/// One input line as the reader thread hands it over.
enum Line {
    /// The line, with its newline if it had one.
    Text(Vec<u8>),
    /// A line over the budget, skipped: its length in bytes (newline included).
    TooLong(usize),
}

/// Reads lines of at most `budget` bytes into `tx` until the input ends, a read fails (sent
/// as the last item) or the receiver is gone.
fn read_lines(
    mut input: Box<dyn BufRead + Send>,
    budget: usize,
    tx: std::sync::mpsc::SyncSender<std::io::Result<Line>>,
) {
    use std::io::Read;
    loop {
        let mut line = Vec::new();
        let item = match (&mut input)
            .take(budget as u64 + 1)
            .read_until(b'\n', &mut line)
        {
            Ok(0) => return,
            Ok(_) if line.len() > budget && line.last() != Some(&b'\n') => {
                skip_line(&mut input).map(|rest| Line::TooLong(line.len() + rest))
            }
            Ok(_) => Ok(Line::Text(line)),
            Err(e) => Err(e),
        };
        let failed = item.is_err();
        if tx.send(item).is_err() || failed {
            return;
        }
    }
}

/// Consumes the rest of a line, newline included, buffer by buffer; returns its length.
fn skip_line(input: &mut dyn BufRead) -> std::io::Result<usize> {
    let mut n = 0;
    loop {
        let buf = input.fill_buf()?;
        if buf.is_empty() {
            return Ok(n);
        }
        match buf.iter().position(|&b| b == b'\n') {
            Some(i) => {
                input.consume(i + 1);
                return Ok(n + i + 1);
            }
            None => {
                let len = buf.len();
                input.consume(len);
                n += len;
            }
        }
    }
}

/// What [`read_chunks`] hands over, in input order.
enum Piece<'a> {
    /// Whole lines (newline-separated), the first numbered `first`.
    Lines { data: &'a [u8], first: usize },
    /// Line `line` was over the budget and skipped; it had `bytes` bytes.
    TooLong { line: usize, bytes: usize },
}

/// The error of a line over the budget.
fn too_long(bytes: usize, budget: usize) -> suqiu::Error {
    suqiu::Error::LimitExceeded {
        what: "input line length in bytes",
        limit: budget,
        actual: bytes,
    }
}

/// Reads `input` on a thread of its own, in lines of at most `budget` bytes, and calls `f`
/// with chunks of them: a chunk ends at CHUNK_LINES lines or CHUNK_BYTES bytes, at the end of
/// the input, at an over-long line, and — with `stall` — when no line has come for that long.
/// Memory stays bounded whatever the input: a chunk, plus READ_AHEAD_LINES lines in flight.
fn read_chunks(
    input: Box<dyn BufRead + Send>,
    budget: usize,
    stall: Option<std::time::Duration>,
    mut f: impl FnMut(Piece<'_>) -> Result<(), Failure>,
) -> Result<(), Failure> {
    use std::sync::mpsc::RecvTimeoutError;
    let (tx, rx) = std::sync::mpsc::sync_channel(READ_AHEAD_LINES);
    std::thread::spawn(move || read_lines(input, budget, tx));
    let (mut data, mut lines, mut first) = (Vec::new(), 0, 1);
    let emit = |f: &mut dyn FnMut(Piece<'_>) -> Result<(), Failure>,
                data: &mut Vec<u8>,
                lines: &mut usize,
                first: &mut usize| {
        if *lines > 0 {
            f(Piece::Lines {
                data: data.strip_suffix(b"\n").unwrap_or(data),
                first: *first,
            })?;
        }
        *first += std::mem::take(lines);
        data.clear();
        Ok::<(), Failure>(())
    };
    loop {
        // The first line of a chunk is awaited as long as it takes; later ones for `stall`.
        let item = match stall {
            Some(stall) if lines > 0 => match rx.recv_timeout(stall) {
                Ok(item) => Some(item),
                Err(RecvTimeoutError::Timeout) => {
                    emit(&mut f, &mut data, &mut lines, &mut first)?;
                    continue;
                }
                Err(RecvTimeoutError::Disconnected) => None,
            },
            _ => rx.recv().ok(),
        };
        match item {
            None => break,
            Some(Ok(Line::Text(line))) => {
                data.extend_from_slice(&line);
                lines += 1;
                if lines == CHUNK_LINES || data.len() >= CHUNK_BYTES {
                    emit(&mut f, &mut data, &mut lines, &mut first)?;
                }
            }
            Some(Ok(Line::TooLong(bytes))) => {
                emit(&mut f, &mut data, &mut lines, &mut first)?;
                f(Piece::TooLong { line: first, bytes })?;
                first += 1;
            }
            Some(Err(e)) => {
                // What was read before the failure is still handed over.
                emit(&mut f, &mut data, &mut lines, &mut first)?;
                return Err(Fatal(format!("reading input: {e}")).into());
            }
        }
    }
    emit(&mut f, &mut data, &mut lines, &mut first)
}

fn triage(a: &args::TriageArgs) -> Result<bool, Failure> {
    let c = &a.engine;
    let input = open_input(&a.input)?;
    let engine = build_engine(c)?;
    let pool = thread_pool(c.threads)?;
    let mut out = Output::open()?;
    let budget = line_budget(&engine);
    let mut all_ok = true;
    read_chunks(input, budget, Some(STALL), |piece| {
        let outcomes = match piece {
            Piece::Lines { data, first } => in_pool(&pool, c.threads, |t| {
                suqiu::jsonl::process_lines(&engine, data, first, t)
            }),
            Piece::TooLong { line, bytes } => vec![suqiu::jsonl::LineOutcome::Err {
                line,
                id: serde_json::Value::Null,
                error: too_long(bytes, budget),
            }],
        };
        for outcome in outcomes {
            all_ok &= !outcome.is_err();
            out.line(&outcome.to_json())?;
        }
        // Everything read so far is out, whether the chunk was full or the input stalled.
        out.flush()
    })?;
    Ok(all_ok)
}

/// `suqiu audit`: reads the whole input as one run (template detection compares the replies
/// with each other), prints one JSON line per non-blank input line, in order, or with
/// `--summary` the rejected lines on stderr and one line per replying unit.
fn audit(a: &args::AuditArgs) -> Result<bool, Fatal> {
    let (c, summary) = (&a.engine, a.summary);
    let mut input = open_input(&a.input)?;
    let engine = build_engine(c)?;
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
fn info(c: &EngineOpts) -> Result<bool, Fatal> {
    let started = std::time::Instant::now();
    let engine = build_engine(c)?;
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
    say!("{line}");
    Ok(true)
}

/// Reads `{"text", "label"}` JSON Lines. A line that cannot be used (not UTF-8, not JSON,
/// no string text and label) is skipped with a message on standard error naming the file and
/// line, as `triage` does: the second value counts them. A byte-order mark is ignored.
fn read_labelled(path: &str) -> Result<(Vec<(String, String)>, usize), Fatal> {
    let bytes = read_bytes(path)?;
    let mut out = Vec::new();
    let mut skipped = 0;
    for (i, line) in bytes.split(|&b| b == b'\n').enumerate() {
        let parsed = std::str::from_utf8(line)
            .map_err(|e| format!("not UTF-8 ({e})"))
            .and_then(|line| {
                let line = suqiu::jsonl::strip_bom(line).trim_end_matches('\r');
                if line.trim().is_empty() {
                    return Ok(None);
                }
                let v: serde_json::Value =
                    serde_json::from_str(line).map_err(|e| format!("not JSON ({e})"))?;
                match (v["text"].as_str(), v["label"].as_str()) {
                    (Some(t), Some(l)) => Ok(Some((t.to_string(), l.to_string()))),
                    _ => Err("needs string \"text\" and \"label\"".to_string()),
                }
            });
        match parsed {
            Ok(Some(pair)) => out.push(pair),
            Ok(None) => {}
            Err(e) => {
                eprintln!("suqiu: {path}:{}: {e}; line skipped", i + 1);
                skipped += 1;
            }
        }
    }
    Ok((out, skipped))
}

fn train(a: &args::TrainArgs) -> Result<bool, Fatal> {
    use suqiu::classify::model::{TextModel, TrainSettings};
    let (inputs, output, dev, temperature) = (&a.input, &a.output, &a.dev, a.temperature);
    let mut st = TrainSettings {
        seed: a.seed,
        c: a.c,
        ..TrainSettings::default()
    };
    st.features.words = a.words;
    st.features.hash_bits = a.hash_bits;
    st.features.max_char_ngram = a.max_ngram;
    let (mut data, mut skipped) = (Vec::new(), 0);
    for p in inputs {
        let (d, s) = read_labelled(p)?;
        data.extend(d);
        skipped += s;
    }
    let dev = match dev {
        Some(p) => {
            let (d, s) = read_labelled(p)?;
            skipped += s;
            d
        }
        None => Vec::new(),
    };
    let started = std::time::Instant::now();
    let spinner = progress::spinner(&format!("training on {} messages", data.len()));
    let trained = TextModel::train(&data, &dev, &st);
    spinner.finish_and_clear();
    let mut model = trained?;
    if let Some(t) = temperature {
        model.set_temperature(t);
    }
    let secs = started.elapsed().as_secs_f64();
    model.save(std::path::Path::new(output))?;
    let size = std::fs::metadata(output).map(|m| m.len()).unwrap_or(0);
    eprintln!(
        "trained on {} messages, {} labels, in {:.2} s; model {} bytes -> {output}",
        data.len(),
        model.labels().len(),
        secs,
        size
    );
    say!(
        "{}",
        serde_json::json!({"n": data.len(), "labels": model.labels(), "train_seconds": secs, "model_bytes": size, "temperature": model.header().temperature})
    );
    Ok(skipped == 0)
}

fn evaluate(a: &args::EvaluateArgs) -> Result<bool, Fatal> {
    use suqiu::classify::model::TextModel;
    let (model_path, input) = (&a.model, &a.input);
    let model = TextModel::load(std::path::Path::new(model_path))?;
    let (data, skipped) = read_labelled(input)?;
    let labels = model.labels().to_vec();
    let k = labels.len();
    // Gold labels the model was not trained on can never be predicted: say so rather than
    // print a table of zeros without a word.
    let mut unknown: Vec<&str> = data
        .iter()
        .map(|(_, l)| l.as_str())
        .filter(|l| !labels.iter().any(|m| m == l))
        .collect();
    if !unknown.is_empty() {
        let n = unknown.len();
        unknown.sort_unstable();
        unknown.dedup();
        let shown: Vec<&str> = unknown.iter().take(5).copied().collect();
        eprintln!(
            "suqiu: warning: {n} of {} lines of {input} have labels the model does not know ({}{}); the model knows {}. They count as errors.",
            data.len(),
            shown.join(", "),
            if unknown.len() > 5 { ", ..." } else { "" },
            labels.join(", ")
        );
    }
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
    say!(
        "{:<16} {:>9} {:>9} {:>9} {:>7}",
        "label",
        "precision",
        "recall",
        "f1",
        "support"
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
        say!(
            "{:<16} {:>9.4} {:>9.4} {:>9.4} {:>7}",
            labels[i],
            p,
            r,
            f,
            gold
        );
    }
    say!(
        "confusion matrix (rows gold, columns predicted): {}",
        labels.join(" | ")
    );
    for (i, row) in confusion.iter().enumerate().take(k) {
        let cells: Vec<String> = row[..k].iter().map(|c| format!("{c:>5}")).collect();
        say!("{:<16} {}", labels[i], cells.join(""));
    }
    let correct = (0..k).map(|i| confusion[i][i]).sum::<usize>();
    let n = data.len();
    say!(
        "{}",
        serde_json::json!({
            "n": n,
            "accuracy": if n > 0 { correct as f64 / n as f64 } else { 0.0 },
            "macro_f1": f1_sum / k as f64,
            "messages_per_second": n as f64 / secs,
            "megabytes_per_second": bytes as f64 / 1e6 / secs,
        })
    );
    Ok(skipped == 0)
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
fn bench(a: &args::BenchArgs) -> Result<bool, Fatal> {
    let (c, inputs) = (&a.engine, &a.input);
    let mut texts: Vec<String> = Vec::new();
    for p in inputs {
        let data = read_text(p)?;
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
    let engine = build_engine(c)?;
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
    let rounds = progress::count(5, "bench rounds");
    for _ in 0..5 {
        rounds.inc(1);
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
    rounds.finish_and_clear();
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
    say!(
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
///
/// The state is saved (atomically) before anything is printed and whatever happens to the
/// output: a closed pipe must not cost the reports just added.
fn aggregate(a: &args::AggregateArgs) -> Result<bool, Failure> {
    use suqiu::aggregate::{Aggregator, AggregatorConfig, RestoreOptions};
    let (c, window_seconds, force, verbose) = (&a.engine, a.window, a.force_restore, a.verbose);
    let (save, restore, gold) = (&a.save, &a.restore, a.gold.clone());
    // A destination that cannot be written and a gold file that cannot be read are found
    // now, not after the whole run.
    if let Some(p) = &save {
        check_save_destination(std::path::Path::new(p))
            .map_err(|e| Fatal(format!("--save {p}: {e}")))?;
    }
    let gold_pairs = match &gold {
        Some(p) => Some(read_gold_pairs(p)?),
        None => None,
    };
    let input = open_input(&a.input)?;
    let engine = build_engine(c)?;
    let mut agg = match restore {
        Some(p) => {
            let state = std::fs::read_to_string(p).map_err(|e| Fatal(format!("{p}: {e}")))?;
            let options = RestoreOptions {
                window_seconds,
                force,
            };
            Aggregator::restore(&engine, &state, options).map_err(|e| Fatal(format!("{p}: {e}")))?
        }
        None => Aggregator::new(AggregatorConfig {
            window_seconds: window_seconds.unwrap_or(AggregatorConfig::default().window_seconds),
            ..AggregatorConfig::default()
        }),
    };
    let pool = thread_pool(c.threads)?;
    // Streamed: reports are triaged and added chunk by chunk (each sorted by time on its
    // own), so memory follows the aggregator, not the input's size.
    let budget = line_budget(&engine);
    let (mut reports, mut duplicates, mut seconds, mut rejected) = (0, 0, 0.0, 0);
    // The error line of each rejected report, printed (as `triage` prints them) before the
    // issues: after the state is saved, like everything on standard output.
    let mut errors: Vec<String> = Vec::new();
    let total = match a.input.as_str() {
        "-" => None,
        p => std::fs::metadata(p).ok().map(|m| m.len()),
    };
    let progress = progress::bytes(total, "aggregating");
    read_chunks(input, budget, None, |piece| {
        match piece {
            Piece::Lines { data, first } => {
                progress.inc(data.len() as u64 + 1);
                let run = in_pool(&pool, c.threads, |t| {
                    aggregate_chunk(&engine, &mut agg, data, first, t)
                });
                for r in &run.rejected {
                    errors.push(suqiu::jsonl::error_line(r.line, &r.id, &r.error));
                }
                reports += run.reports;
                duplicates += run.duplicates;
                seconds += run.aggregator_seconds;
                rejected += run.rejected.len();
            }
            Piece::TooLong { line, bytes } => {
                progress.inc(bytes as u64);
                errors.push(suqiu::jsonl::error_line(
                    line,
                    &serde_json::Value::Null,
                    &too_long(bytes, budget),
                ));
                rejected += 1;
            }
        }
        Ok(())
    })?;
    progress.finish_and_clear();
    let saved = match save {
        Some(p) => agg.save_to_path(&engine, std::path::Path::new(p)).map_err(|e| {
            Failure::Save(format!("cannot save the state: {e}; {p} holds the previous state or the whole new one, never a part"))
        }),
        None => Ok(()),
    };
    let printed = Output::open().and_then(|mut out| {
        for line in std::mem::take(&mut errors)
            .into_iter()
            .chain(suqiu::jsonl::issue_lines(&engine, &agg))
        {
            out.line(&line)?;
        }
        out.flush()
    });
    if let Some(pairs) = gold_pairs {
        gold_report(&agg, &pairs);
    }
    if verbose {
        eprintln!(
        "{} reports into {} issues ({} already in an open issue, skipped), {} closed issues dropped past the {} kept; aggregator alone {:.3} s, {:.0} reports/s on one thread (one cold pass; `cargo bench -p suqiu-benches -- aggregate` measures it steadily); {} lines rejected",
        reports,
        agg.ranked().len(),
        duplicates,
        agg.closed_dropped(),
        agg.config().max_closed_issues,
        seconds,
        reports as f64 / seconds.max(1e-9),
        rejected
    );
    }
    saved?;
    printed?;
    Ok(rejected == 0)
}

/// Triages one chunk of report lines and feeds them to the aggregator, as
/// [`suqiu::jsonl::aggregate_lines_from`] does, except that a report without a time (no `time`
/// field, or one that is not a string or a number: [`suqiu::aggregate::UNKNOWN_TIME`]) takes
/// its arrival time, the moment its chunk was read, rather than the latest time seen (the
/// library's default for a stream whose clock is the reports' own).
fn aggregate_chunk(
    engine: &suqiu::Engine,
    agg: &mut suqiu::aggregate::Aggregator,
    data: &[u8],
    first: usize,
    threads: Option<usize>,
) -> suqiu::jsonl::AggregateRun {
    let arrived = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() as i64);
    let (mut reports, rejected) = suqiu::jsonl::report_lines_from(engine, data, first, threads);
    let mut moved = false;
    for r in reports
        .iter_mut()
        .filter(|r| r.time == suqiu::aggregate::UNKNOWN_TIME)
    {
        r.time = arrived;
        moved = true;
    }
    if moved {
        reports.sort_by_key(|r| r.time); // stable: the input order among equal times
    }
    suqiu::jsonl::add_reports(engine, agg, reports, rejected)
}

/// Whether a state can be saved at `path`: its directory exists and takes a new file (one
/// is created and removed), and `path` itself is not a directory.
fn check_save_destination(path: &std::path::Path) -> Result<(), String> {
    let dir = path
        .parent()
        .filter(|d| !d.as_os_str().is_empty())
        .unwrap_or(std::path::Path::new("."));
    if !dir.is_dir() {
        return Err(format!("directory {} does not exist", dir.display()));
    }
    if path.is_dir() {
        return Err("is a directory; name the state file".into());
    }
    tempfile::Builder::new()
        .prefix(".suqiu-check-")
        .tempfile_in(dir)
        .map(drop)
        .map_err(|e| format!("cannot create a file in {}: {e}", dir.display()))
}

/// One hand-labelled pair: two report ids and whether they are the same issue.
struct GoldPair {
    a: String,
    b: String,
    same: bool,
}

/// Reads `id_a<TAB>id_b<TAB>same` lines (`#` comments and an `id_a` header skipped),
/// naming the file and line of a malformed one.
fn read_gold_pairs(p: &str) -> Result<Vec<GoldPair>, Fatal> {
    let text = std::fs::read_to_string(p).map_err(|e| Fatal(format!("--gold {p}: {e}")))?;
    let mut pairs = Vec::new();
    for (i, line) in suqiu::bounded::strip_bom(&text).lines().enumerate() {
        if line.starts_with('#') || line.starts_with("id_a") || line.trim().is_empty() {
            continue;
        }
        let f: Vec<&str> = line.split('\t').collect();
        if f.len() != 3 || !matches!(f[2].trim(), "0" | "1") {
            return Err(Fatal(format!(
                "--gold {p}:{}: expected id_a<TAB>id_b<TAB>same (same 0 or 1), got {}",
                i + 1,
                suqiu::bounded::excerpt(line)
            )));
        }
        pairs.push(GoldPair {
            a: f[0].to_string(),
            b: f[1].to_string(),
            same: f[2].trim() == "1",
        });
    }
    Ok(pairs)
}

/// Pairwise precision and recall against hand-labelled pairs, printed to standard error.
fn gold_report(agg: &suqiu::aggregate::Aggregator, pairs: &[GoldPair]) {
    let of = agg.assignments();
    let (mut tp, mut fp, mut fn_, mut missing) = (0usize, 0usize, 0usize, 0usize);
    for pair in pairs {
        let (Some(a), Some(b)) = (of.get(pair.a.as_str()), of.get(pair.b.as_str())) else {
            missing += 1;
            continue;
        };
        match (a == b, pair.same) {
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

/// One address or text per line in, its location out (see [`LOCATE_HELP`]).
fn locate(a: &args::LocateArgs) -> Result<bool, Fatal> {
    let group = a.group.clone();
    let input = open_input(&a.input)?;
    let engine = build_engine(&a.engine)?;
    let stdout = std::io::stdout();
    let mut out = std::io::BufWriter::new(stdout.lock());
    let mut all_ok = true;
    for (i, line) in input.lines().enumerate() {
        let line = line.map_err(|e| Fatal(format!("reading input: {e}")))?;
        let line = line.trim_end_matches('\r');
        let parsed: Result<(Option<serde_json::Value>, String, Option<String>), String> =
            if line.trim_start().starts_with('{') {
                serde_json::from_str::<serde_json::Value>(line)
                    .map_err(|e| e.to_string())
                    .and_then(|v| {
                        let text = v["text"]
                            .as_str()
                            .ok_or("needs a string \"text\"")?
                            .to_string();
                        let grp = v["group_division"].as_str().map(str::to_string);
                        Ok((v.get("id").cloned(), text, grp))
                    })
            } else {
                Ok((None, line.to_string(), None))
            };
        let result = parsed.and_then(|(id, text, grp)| {
            let grp = grp.or_else(|| group.clone());
            engine
                .locate(&text, grp.as_deref())
                .map(|l| (id, l))
                .map_err(|e| e.to_string())
        });
        match result {
            Ok((id, location)) => {
                let id = id.unwrap_or(serde_json::Value::Null);
                writeln!(out, "{}", suqiu::jsonl::locate_json(&id, &location))?;
            }
            Err(e) => {
                all_ok = false;
                writeln!(out, "{}", serde_json::json!({"line": i + 1, "error": e}))?;
            }
        }
    }
    out.flush()?;
    Ok(all_ok)
}

/// Per-level accuracy of place resolution on address cases (see [`EVALUATE_PLACES_HELP`]).
fn evaluate_places(a: &args::EvaluatePlacesArgs) -> Result<bool, Fatal> {
    use suqiu::jurisdiction::eval::{score, score_names, Outcome, Tally};
    use suqiu::Level;
    let (cases, answers, show) = (&a.cases, &a.answers, a.show);
    let engine = build_engine(&a.engine)?;
    let g = engine.gazetteer();
    let data = read_text(cases)?;
    /// A given answer: a division code, or names per level.
    enum Given {
        Code(Option<String>),
        Names([Option<String>; 5]),
    }
    let levels = ["province", "city", "county", "township", "village"];
    let given: Option<Vec<Given>> = match &answers {
        None => None,
        Some(p) => {
            let text = read_text(p)?;
            let mut v = Vec::new();
            for (i, line) in text.lines().filter(|l| !l.trim().is_empty()).enumerate() {
                let j: serde_json::Value =
                    serde_json::from_str(line).map_err(|e| Fatal(format!("{p}:{}: {e}", i + 1)))?;
                v.push(if j["names"].is_object() {
                    let mut names: [Option<String>; 5] = Default::default();
                    for (l, name) in levels.iter().enumerate() {
                        names[l] = j["names"][name]
                            .as_str()
                            .filter(|s| !s.is_empty())
                            .map(str::to_string);
                    }
                    Given::Names(names)
                } else {
                    Given::Code(j["division"]["code"].as_str().map(str::to_string))
                });
            }
            Some(v)
        }
    };
    let mut tally = Tally::default();
    for (i, line) in data.lines().filter(|l| !l.trim().is_empty()).enumerate() {
        let v: serde_json::Value =
            serde_json::from_str(line).map_err(|e| Fatal(format!("{cases}:{}: {e}", i + 1)))?;
        let text = v["text"]
            .as_str()
            .ok_or_else(|| Fatal(format!("{cases}:{}: needs a string \"text\"", i + 1)))?;
        let mut expected: [Option<String>; 5] = Default::default();
        for (l, name) in levels.iter().enumerate() {
            expected[l] = v["expected"][name].as_str().map(str::to_string);
        }
        let negative =
            v["negative"].as_bool() == Some(true) || expected.iter().all(Option::is_none);
        let code = match &given {
            Some(list) => match list.get(i).ok_or_else(|| {
                Fatal(format!(
                    "--answers has fewer lines than the cases ({})",
                    i + 1
                ))
            })? {
                Given::Code(code) => code.clone(),
                Given::Names(names) => {
                    let outcomes = score_names(&expected, names);
                    let answered = names.iter().any(Option::is_some);
                    tally.add(&outcomes, negative, answered);
                    if show && outcomes.iter().flatten().any(|o| *o != Outcome::Right) {
                        let got: Vec<&str> = names.iter().flatten().map(String::as_str).collect();
                        eprintln!("{} {text} => {}", v["id"], got.join("/"));
                    }
                    continue;
                }
            },
            None => engine
                .locate(text, None)
                .ok()
                .and_then(|l| l.division.map(|d| d.code)),
        };
        let answer = match code {
            Some(code) => Some(
                g.find_code(&code)
                    .ok_or_else(|| Fatal(format!("answer {code} is not in the divisions")))?,
            ),
            None => None,
        };
        let outcomes = score(g, &expected, answer);
        tally.add(&outcomes, negative, answer.is_some());
        let all_right = if negative {
            answer.is_none()
        } else {
            outcomes.iter().flatten().all(|o| *o == Outcome::Right)
        };
        if show && !all_right {
            let got = answer
                .map(|a| {
                    g.path(a)
                        .iter()
                        .map(|&p| g.display_name(p))
                        .collect::<Vec<_>>()
                        .join("/")
                })
                .unwrap_or_else(|| "-".into());
            let marks: Vec<&str> = outcomes.iter().flatten().map(|o| o.as_str()).collect();
            eprintln!("{} {text} => {got} [{}]", v["id"], marks.join(" "));
        }
    }
    say!(
        "{:<9} {:>8} {:>6} {:>6} {:>9} {:>6} {:>6}",
        "level",
        "accuracy",
        "cases",
        "right",
        "too_high",
        "wrong",
        "none"
    );
    let mut per_level = serde_json::Map::new();
    for (l, name) in levels.iter().enumerate() {
        let level = Level::from_number(l as u8 + 1).expect("five levels");
        let Some(acc) = tally.accuracy(level) else {
            continue;
        };
        let k = &tally.counts[l];
        say!(
            "{:<9} {:>8.3} {:>6} {:>6} {:>9} {:>6} {:>6}",
            name,
            acc,
            k.iter().sum::<usize>(),
            k[0],
            k[1],
            k[2],
            k[3]
        );
        let mut o = serde_json::Map::new();
        o.insert("accuracy".into(), ((acc * 1000.0).round() / 1000.0).into());
        for (x, outcome) in Outcome::ALL.iter().enumerate() {
            o.insert(outcome.as_str().into(), k[x].into());
        }
        per_level.insert((*name).into(), o.into());
    }
    say!(
        "{}",
        serde_json::json!({
            "cases": tally.cases,
            "levels": per_level,
            "negatives": tally.negatives,
            "negatives_right": tally.negatives_right,
            "cases_wrong": tally.cases_wrong,
            "wrong_share": (tally.cases_wrong as f64 / tally.cases.max(1) as f64 * 1000.0).round() / 1000.0,
        })
    );
    Ok(true)
}

/// Why clap (derive) rather than the hand-written parser it replaces: `--help` for every
/// subcommand with descriptions and defaults, the same errors for every unknown or malformed
/// option (exit status 2), range checks declared next to each option, and shell completions
/// from the same declarations — none of which the hand parser did consistently.
fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        // --help and --version print on standard output and exit 0; a usage error names the
        // argument on standard error and exits 2.
        Err(e) => e.exit(),
    };
    let usage = |r: Result<bool, Fatal>| r.map_err(Failure::from);
    let result = match &cli.command {
        Command::Triage(a) => triage(a),
        Command::Info(a) => usage(info(a)),
        Command::Locate(a) => usage(locate(a)),
        Command::EvaluatePlaces(a) => usage(evaluate_places(a)),
        Command::Train(a) => usage(train(a)),
        Command::Bench(a) => usage(bench(a)),
        Command::Aggregate(a) => aggregate(a),
        Command::Evaluate(a) => usage(evaluate(a)),
        Command::EvaluateTriage(a) => usage(evaluate_triage::run(a).map_err(Fatal)),
        Command::Audit(a) => usage(audit(a)),
        Command::EvaluateAudit(a) => usage(evaluate_audit::run(a).map_err(Fatal)),
        Command::Completions { shell } => {
            // Into memory first: clap_complete panics when its writer fails.
            let mut script = Vec::new();
            clap_complete::generate(*shell, &mut Cli::command(), "suqiu", &mut script);
            std::io::stdout()
                .write_all(&script)
                .map(|()| true)
                .map_err(Failure::Output)
        }
    };
    match result {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => ExitCode::from(1),
        Err(Failure::Fatal(msg)) => {
            let _ = writeln!(std::io::stderr(), "suqiu: {msg}");
            ExitCode::from(2)
        }
        Err(Failure::Output(e)) => {
            let _ = writeln!(std::io::stderr(), "suqiu: cannot write output: {e}");
            ExitCode::from(3)
        }
        Err(Failure::Save(msg)) => {
            let _ = writeln!(std::io::stderr(), "suqiu: {msg}");
            ExitCode::from(4)
        }
    }
}
