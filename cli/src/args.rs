//! The command line, declared with clap's derive API: every subcommand and option with its
//! description, default and range, so that `--help` works everywhere, an unknown command or
//! option is named (exit status 2), `-` means standard input wherever a file is read, and
//! shell completions come for free (`suqiu completions bash`).

use clap::{Args, Parser, Subcommand};
use std::path::PathBuf;

/// Most worker threads `--threads` accepts: far more than any machine's cores, far fewer than
/// would exhaust memory for stacks (`--threads 100000` once aborted the process).
pub const MAX_THREADS: usize = 256;

#[derive(Parser, Debug)]
#[command(
    name = "suqiu",
    version,
    about = "Triage citizens' messages: what it is, what it is about, where it happened and who must handle it",
    long_about = None,
    arg_required_else_help = true,
    after_help = "Input is JSON Lines ({\"id\", \"text\", \"group_division\"}); INPUT - (or none) is standard input.\nExit status: 0 all lines processed, 1 some line rejected, 2 unusable arguments or files,\n3 the output could not be written, 4 `aggregate --save` failed. More: docs/cli.md."
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Triage JSON Lines: one result (kind, category, division, route, evidence) per line
    Triage(TriageArgs),
    /// Resolve where each address or text is: division, chain, mentions, candidates
    #[command(long_about = LOCATE_HELP)]
    Locate(LocateArgs),
    /// Fold near-duplicate reports into issues, printed hottest first
    Aggregate(AggregateArgs),
    /// Audit the government's replies: substantive, perfunctory or evasive
    Audit(AuditArgs),
    /// Print what the engine holds and how long it took to build
    Info(EngineOpts),
    /// Train a text classifier on {"text", "label"} lines
    Train(TrainArgs),
    /// Score a trained classifier on {"text", "label"} lines
    Evaluate(EvaluateArgs),
    /// Score triage against the labelled corpus (held-out 20% by default)
    #[command(long_about = crate::evaluate_triage::HELP)]
    EvaluateTriage(EvaluateTriageArgs),
    /// Score the reply audit against the labelled replies
    #[command(long_about = crate::evaluate_audit::HELP)]
    EvaluateAudit(CorpusArgs),
    /// Score place resolution on address cases, level by level
    #[command(long_about = EVALUATE_PLACES_HELP)]
    EvaluatePlaces(EvaluatePlacesArgs),
    /// Measure speed in process on real messages (prints one JSON object)
    Bench(BenchArgs),
    /// Print a shell completion script (bash, zsh, fish, elvish, powershell)
    Completions {
        /// The shell
        shell: clap_complete::Shell,
    },
}

/// Which engine to build.
#[derive(Args, Debug, Clone, Default)]
pub struct EngineOpts {
    /// Profile directory (taxonomy.toml, lexicon.tsv, routing.toml; aliases.tsv and
    /// whole_terms.txt optional) [default: the embedded Zhuzhou profile]
    #[arg(long, value_name = "DIR")]
    pub profile: Option<PathBuf>,
    /// Divisions CSV (code,name,level,parent_code), e.g. NBS data of all of China
    /// [default: the embedded Zhuzhou divisions]
    #[arg(long, value_name = "CSV")]
    pub divisions: Option<PathBuf>,
    /// Worker threads, 1..=256 [default: one per core]
    #[arg(long, value_name = "N", value_parser = parse_threads, allow_negative_numbers = true)]
    pub threads: Option<usize>,
    /// Classify with the lexicon alone (no trained models)
    #[arg(long, conflicts_with = "model_weight")]
    pub lexicon_only: bool,
    /// Weight of the trained models in the blend, 0..=1 [default: the profile's]
    #[arg(long, value_name = "W", value_parser = parse_model_weight, allow_negative_numbers = true)]
    pub model_weight: Option<f32>,
    /// Score the trained models at full precision instead of their fused 8-bit table (slower)
    #[arg(long)]
    pub exact_models: bool,
}

#[derive(Args, Debug)]
pub struct TriageArgs {
    #[command(flatten)]
    pub engine: EngineOpts,
    /// JSON Lines to read; - is standard input
    #[arg(value_name = "INPUT", default_value = "-")]
    pub input: String,
}

#[derive(Args, Debug)]
pub struct LocateArgs {
    #[command(flatten)]
    pub engine: EngineOpts,
    /// The division the texts come from (a 12-digit NBS code): a prior for names that several
    /// places share
    #[arg(long, value_name = "CODE")]
    pub group: Option<String>,
    /// One address or text a line (plain or JSON); - is standard input
    #[arg(value_name = "INPUT", default_value = "-")]
    pub input: String,
}

#[derive(Args, Debug)]
pub struct AggregateArgs {
    #[command(flatten)]
    pub engine: EngineOpts,
    /// Days an issue stays open without a new report (> 0) [default: 90, or the restored
    /// state's window]
    #[arg(long, value_name = "DAYS", value_parser = parse_window, allow_negative_numbers = true)]
    pub window: Option<i64>,
    /// Save the whole state to STATE (atomically) after the run
    #[arg(long, value_name = "STATE")]
    pub save: Option<String>,
    /// Start from a state saved by --save
    #[arg(long, value_name = "STATE")]
    pub restore: Option<String>,
    /// Accept a restored state saved with another window, profile or divisions
    #[arg(long, requires = "restore")]
    pub force_restore: bool,
    /// Score against hand-labelled pairs (id_a<TAB>id_b<TAB>same), printed on standard error
    #[arg(long, value_name = "PAIRS.tsv")]
    pub gold: Option<String>,
    /// Print the run's summary (reports, issues, replays skipped, speed) on standard error
    #[arg(long, short = 'v')]
    pub verbose: bool,
    /// Report lines ({"id", "text", "title", "time", "likes", "group_division"}); - is
    /// standard input
    #[arg(value_name = "INPUT")]
    pub input: String,
}

#[derive(Args, Debug)]
pub struct AuditArgs {
    #[command(flatten)]
    pub engine: EngineOpts,
    /// Print one line per replying unit instead of one per reply
    #[arg(long)]
    pub summary: bool,
    /// Reply lines ({"id", "text", "reply", "time", "reply_time", ...}); - is standard input
    #[arg(value_name = "INPUT", default_value = "-")]
    pub input: String,
}

#[derive(Args, Debug)]
pub struct TrainArgs {
    /// Training lines {"text", "label"} (repeatable); - is standard input
    #[arg(long, value_name = "TRAIN.jsonl", required = true)]
    pub input: Vec<String>,
    /// Where to write the model
    #[arg(long, value_name = "MODEL")]
    pub output: String,
    /// Lines to fit the probability temperature on
    #[arg(long, value_name = "DEV.jsonl")]
    pub dev: Option<String>,
    /// Seed of the coordinate-descent order
    #[arg(
        long,
        value_name = "N",
        default_value_t = 0,
        allow_negative_numbers = true
    )]
    pub seed: u64,
    /// SVM regularization constant C, a finite number > 0
    #[arg(long, value_name = "C", default_value = "2", value_parser = parse_c, allow_negative_numbers = true)]
    pub c: f32,
    /// Add jieba words and word bigrams to the character n-grams
    #[arg(long)]
    pub words: bool,
    /// log2 of the number of hash buckets, 10..=24
    #[arg(long, value_name = "B", default_value = "18", value_parser = parse_hash_bits, allow_negative_numbers = true)]
    pub hash_bits: u32,
    /// Longest character n-gram, 1..=4
    #[arg(long, value_name = "N", default_value = "3", value_parser = parse_max_ngram, allow_negative_numbers = true)]
    pub max_ngram: u32,
    /// Fix the probability temperature, in (0, 1000] [default: fitted on --dev, else 1]
    #[arg(long, value_name = "T", value_parser = parse_temperature, allow_negative_numbers = true)]
    pub temperature: Option<f32>,
}

#[derive(Args, Debug)]
pub struct EvaluateArgs {
    /// The model file
    #[arg(long, value_name = "MODEL")]
    pub model: String,
    /// Test lines {"text", "label"}; - is standard input
    #[arg(long, value_name = "TEST.jsonl")]
    pub input: String,
}

/// A labelled corpus of ids and the data folder its texts come from.
#[derive(Args, Debug)]
pub struct CorpusArgs {
    /// The labelled corpus (ids and labels)
    #[arg(long, value_name = "FILE")]
    pub labels: String,
    /// The data folder the texts are read from
    #[arg(long, value_name = "DIR", default_value = "../shared/data")]
    pub data: PathBuf,
    /// Which part of the corpus to score (test: the held-out 20%; dev: the fifth of train that
    /// tunes the blend, scored with models trained on the rest — triage only)
    #[arg(long, default_value = "test", value_parser = ["test", "train", "dev", "all"])]
    pub split: String,
    /// Profile directory [default: the embedded Zhuzhou profile]
    #[arg(long, value_name = "DIR")]
    pub profile: Option<PathBuf>,
    /// Print one JSON line instead of the table
    #[arg(long)]
    pub json: bool,
}

impl CorpusArgs {
    /// (labels, data, split, profile, json), as the evaluate commands use them.
    pub fn parts(&self) -> (String, PathBuf, String, Option<PathBuf>, bool) {
        (
            self.labels.clone(),
            self.data.clone(),
            self.split.clone(),
            self.profile.clone(),
            self.json,
        )
    }
}

#[derive(Args, Debug)]
pub struct EvaluateTriageArgs {
    #[command(flatten)]
    pub corpus: CorpusArgs,
    /// Score the blend at this model weight, 0..=1
    #[arg(long, value_name = "W", value_parser = parse_model_weight, allow_negative_numbers = true)]
    pub model_weight: Option<f32>,
    /// Also score the shipped blend with full-precision models, and count the messages on which
    /// the fused 8-bit models decide differently
    #[arg(long)]
    pub exact_models: bool,
    /// Score the blend with this misconduct-flag threshold, 0..=1 [default: the engine's]
    #[arg(long, value_name = "T", value_parser = parse_threshold, allow_negative_numbers = true)]
    pub misconduct_threshold: Option<f32>,
}

#[derive(Args, Debug)]
pub struct EvaluatePlacesArgs {
    #[command(flatten)]
    pub engine: EngineOpts,
    /// Address cases {"id", "text", "expected": {"province", ...}}; - is standard input
    #[arg(long, value_name = "CASES.jsonl")]
    pub cases: String,
    /// Score these answers (one JSON line per case) instead of `suqiu locate`'s
    #[arg(long, value_name = "OUTPUT.jsonl")]
    pub answers: Option<String>,
    /// Print each case that is not right at every level on standard error
    #[arg(long)]
    pub show: bool,
}

#[derive(Args, Debug)]
pub struct BenchArgs {
    #[command(flatten)]
    pub engine: EngineOpts,
    /// Messages ({"text"} lines; repeatable); - is standard input
    #[arg(long, value_name = "MESSAGES.jsonl", required = true)]
    pub input: Vec<String>,
}

fn parse_threads(v: &str) -> Result<usize, String> {
    let n: usize = v
        .parse()
        .map_err(|_| format!("--threads {v:?} is not a positive number"))?;
    if n == 0 {
        return Err("--threads must be at least 1".into());
    }
    if n > MAX_THREADS {
        return Err(format!(
            "--threads {n} is more than {MAX_THREADS}: each thread is an OS thread with its own stack"
        ));
    }
    Ok(n)
}

fn parse_model_weight(v: &str) -> Result<f32, String> {
    unit_interval(v).ok_or_else(|| format!("--model-weight {v:?} is not a number in 0..1"))
}

fn parse_threshold(v: &str) -> Result<f32, String> {
    unit_interval(v).ok_or_else(|| format!("--misconduct-threshold {v:?} is not a number in 0..1"))
}

fn unit_interval(v: &str) -> Option<f32> {
    v.parse().ok().filter(|w: &f32| (0.0..=1.0).contains(w))
}

/// `--window`: days, a finite number > 0, in seconds (at least 1).
fn parse_window(v: &str) -> Result<i64, String> {
    let days: f64 = v
        .parse()
        .ok()
        .filter(|d: &f64| d.is_finite() && *d > 0.0 && *d * 86_400.0 < i64::MAX as f64)
        .ok_or_else(|| format!("--window {v:?} is not a positive number of days"))?;
    Ok(((days * 86_400.0) as i64).max(1))
}

/// `--c`: the SVM constant, a finite number above 0.
pub fn parse_c(v: &str) -> Result<f32, String> {
    v.parse::<f32>()
        .ok()
        .filter(|c| c.is_finite() && *c > 0.0)
        .ok_or_else(|| format!("--c {v:?} is not a finite number above 0 (the default is 2)"))
}

/// `--hash-bits`: log2 of the hash buckets, 10..=24.
pub fn parse_hash_bits(v: &str) -> Result<u32, String> {
    v.parse::<u32>()
        .ok()
        .filter(|b| (10..=24).contains(b))
        .ok_or_else(|| {
            format!("--hash-bits {v:?} is not a whole number in 10..=24 (the default is 18)")
        })
}

/// `--max-ngram`: the longest character n-gram, 1..=4.
pub fn parse_max_ngram(v: &str) -> Result<u32, String> {
    v.parse::<u32>()
        .ok()
        .filter(|n| (1..=4).contains(n))
        .ok_or_else(|| {
            format!("--max-ngram {v:?} is not a whole number in 1..=4 (the default is 3)")
        })
}

fn parse_temperature(v: &str) -> Result<f32, String> {
    v.parse::<f32>()
        .ok()
        .filter(|t| t.is_finite() && *t > 0.0 && *t <= 1000.0)
        .ok_or_else(|| format!("--temperature {v:?} is not a number in (0, 1000]"))
}

pub const LOCATE_HELP: &str = "Resolves where each input line is: one address or text per line in, one JSON line out, in order.
A line that starts with '{' is read as JSON {\"id\", \"text\", \"group_division\"?} (id and
group_division optional); any other line is taken as plain text. Output fields: id (null for a
plain line),
division {code,name,level,path} or null, chain (codes from the province down), confidence,
needs_review, basis, mentions (the words the division rests on, with the division each was read
as and former_name when it was an old name: 襄樊市 for 襄阳市), candidates (other divisions the
words may mean). --group CODE is the division the texts come from (a prior for names that
several places share). A line that cannot be read gets {\"line\", \"error\"}; exit status 1.";

pub const EVALUATE_PLACES_HELP: &str =
    "Scores place resolution on address cases, level by level. CASES: one JSON object a line,
{\"id\", \"text\", \"expected\": {\"province\", \"city\", \"county\", \"township\", \"village\"}}
with only the levels the case gives; \"negative\": true (or an empty expected) marks a text that
names no place. Each text is resolved by `suqiu locate`, or, with --answers, read from a file
with one JSON line per case in the same order: `suqiu locate`/`suqiu triage` output (its
division.code is scored), or {\"names\": {\"province\", \"city\", ...}} as another parser reports
them (benches/places_vs_parsers.sh writes these for cpca, JioNLP and addressparser). Each
expected level gets one outcome:
  right     the division's ancestor (or itself) at that level matches the expected name;
  too_high  a division was given, but above that level;
  wrong     another name at that level;
  none      no division at all.
Names match leniently: equal; or equal after stripping one administrative suffix at a time
(村民委员会 居民委员会 村委会 居委会 街道办事处 街道 社区 省 市 区 县 旗 镇 乡 村 州 自治区
特别行政区, and for 自治州/自治县/自治旗 the ethnic names before them) while two or more characters
remain; at county level and below the answer may end with the expected short name
(秦皇岛市经济技术开发区 for 经济技术开发区); an expected city 北京市/市辖区/县 is met when the
province is that municipality; an expected old name is met by the division it now belongs to
(下城区 by 拱墅区, from the table of former names).
A negative case is right when no division is given, wrong otherwise. Output: a table of
accuracy (right / cases expecting the level) and outcome counts per level, then one JSON line
with the same numbers, the cases with a wrong level and the share of them. --show prints each
case that is not right at every level.";
