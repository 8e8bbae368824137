//! `suqiu`: the command line of the suqiu engine.
//!
//! `suqiu triage [--profile DIR] [--divisions CSV] [--threads N] [INPUT | -]` reads JSON Lines
//! and writes one JSON line per input line. Exit status: 0 all lines processed, 1 some line
//! rejected, 2 unusable arguments or files.

use std::io::{BufRead, BufReader, Write};
use std::path::PathBuf;
use std::process::ExitCode;

const USAGE: &str = "usage:
  suqiu triage [--profile DIR] [--divisions CSV] [--threads N] [INPUT | -]
  suqiu info [--profile DIR] [--divisions CSV]
  suqiu --version";

/// A usage or file problem: exit status 2.
struct Fatal(String);

impl<E: std::fmt::Display> From<E> for Fatal {
    fn from(e: E) -> Self {
        Fatal(e.to_string())
    }
}

#[derive(Default)]
struct Common {
    profile: Option<PathBuf>,
    divisions: Option<PathBuf>,
    threads: Option<usize>,
    positional: Vec<String>,
}

fn parse_common(args: &[String]) -> Result<Common, Fatal> {
    let mut c = Common::default();
    let mut it = args.iter();
    while let Some(a) = it.next() {
        let mut value = |name: &str| {
            it.next()
                .cloned()
                .ok_or_else(|| Fatal(format!("{name} needs a value\n{USAGE}")))
        };
        match a.as_str() {
            "--profile" => c.profile = Some(value("--profile")?.into()),
            "--divisions" => c.divisions = Some(value("--divisions")?.into()),
            "--threads" => {
                let v = value("--threads")?;
                let n: usize = v
                    .parse()
                    .map_err(|_| Fatal(format!("--threads {v:?} is not a positive number")))?;
                if n == 0 {
                    return Err(Fatal("--threads must be at least 1".into()));
                }
                c.threads = Some(n);
            }
            "-" => c.positional.push(a.clone()),
            s if s.starts_with("--") => return Err(Fatal(format!("unknown option {s}\n{USAGE}"))),
            _ => c.positional.push(a.clone()),
        }
    }
    Ok(c)
}

fn build_engine(c: &Common) -> Result<suqiu::Engine, Fatal> {
    suqiu::engine_from_paths(c.profile.as_deref(), c.divisions.as_deref())
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

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let result = match args.first().map(String::as_str) {
        Some("triage") => triage(&args[1..]),
        Some("info") => info(&args[1..]),
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
