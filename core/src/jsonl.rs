//! JSON Lines in, JSON Lines out: the wire format shared by the `suqiu` command, the C ABI
//! and the Python wheel, so all three print exactly the same line for the same input.
//!
//! Input, one object per line: `{"id": any (optional), "text": string, "group_division":
//! string (optional)}`. Output, one line per non-blank input line, in order: the [`Triage`]
//! with `id` first, or `{"line": N, "id": …, "error": "…", "error_kind": "…"}`.

use crate::{Engine, Error, Triage};
use serde::Deserialize;

/// One input message.
#[derive(Debug, Clone, Deserialize)]
pub struct InputMessage {
    /// Caller's id, echoed back.
    #[serde(default)]
    pub id: serde_json::Value,
    /// The message.
    pub text: Option<String>,
    /// NBS code of the posting group's division.
    #[serde(default)]
    pub group_division: Option<String>,
}

/// One output line's content before serialization.
#[derive(Debug)]
pub enum LineOutcome {
    /// A triaged message.
    Ok(serde_json::Value, Box<Triage>),
    /// A rejected line.
    Err {
        /// 1-based line number in the input.
        line: usize,
        /// Caller's id if it could be read.
        id: serde_json::Value,
        /// The error.
        error: Error,
    },
}

/// The JSON line (without newline) of a rejected input line, the same for every command and
/// binding: `{"line", "id", "error", "error_kind"}`, `id` as written (null when unreadable).
pub fn error_line(line: usize, id: &serde_json::Value, error: &Error) -> String {
    serde_json::json!({
        "line": line,
        "id": id,
        "error": error.to_string(),
        "error_kind": error.kind().as_str(),
    })
    .to_string()
}

impl LineOutcome {
    /// The JSON line (without newline).
    pub fn to_json(&self) -> String {
        match self {
            LineOutcome::Ok(id, t) => triage_json(id, t),
            LineOutcome::Err { line, id, error } => error_line(*line, id, error),
        }
    }

    /// True when the line was rejected.
    pub fn is_err(&self) -> bool {
        matches!(self, LineOutcome::Err { .. })
    }
}

/// Serializes a triage with `id` as its first field.
pub fn triage_json(id: &serde_json::Value, t: &Triage) -> String {
    with_id(id, t)
}

/// Serializes a location (`suqiu locate`'s output line) with `id` as its first field.
pub fn locate_json(id: &serde_json::Value, l: &crate::Location) -> String {
    with_id(id, l)
}

/// Serializes an object with `id` prepended (directly, not through a `Value`, so that f32
/// fields print short).
fn with_id(id: &serde_json::Value, body: &impl serde::Serialize) -> String {
    let body = serde_json::to_string(body).unwrap_or_else(|_| "{}".into());
    let id = serde_json::to_string(id).unwrap_or_else(|_| "null".into());
    if body.len() <= 2 {
        return format!("{{\"id\":{id}}}");
    }
    format!("{{\"id\":{id},{}", &body[1..])
}

/// A line without its UTF-8 byte-order mark (editors on Windows write one before line 1).
pub fn strip_bom(line: &str) -> &str {
    line.strip_prefix('\u{feff}').unwrap_or(line)
}

/// Which group code to triage a line with: a blank code is none; a code the divisions do not
/// hold is dropped with a warning (the message is still triaged, from its text alone); a code
/// that is not the 12-digit NBS form is used if known, with a warning.
pub fn group_for<'a>(
    engine: &Engine,
    code: Option<&'a str>,
    warnings: &mut Vec<String>,
) -> Option<&'a str> {
    let code = code.filter(|c| !c.trim().is_empty())?;
    let Some(id) = engine.gazetteer().find_code(code) else {
        warnings.push(format!(
            "group_division {code:?} is not a known division code; triaged without a group"
        ));
        return None;
    };
    let twelve = code.trim().len() == 12 && code.trim().bytes().all(|b| b.is_ascii_digit());
    if !twelve {
        let g = engine.gazetteer();
        warnings.push(format!(
            "group_division {code:?} is not a 12-digit NBS code; read as {} ({})",
            g.name(id),
            g.code(id)
        ));
    }
    Some(code)
}

/// Parses one input line (see [`crate::input`]) and triages it.
pub fn process_line(engine: &Engine, line: &str, lineno: usize) -> LineOutcome {
    let object = match crate::input::read_object(line.as_bytes()) {
        Ok(o) => o,
        Err(r) => {
            return LineOutcome::Err {
                line: lineno,
                id: r.id,
                error: r.error,
            }
        }
    };
    let id = object.id();
    let fields = object
        .required_string("text")
        .and_then(|text| Ok((text, object.division_code("group_division")?)));
    let (text, group) = match fields {
        Ok(f) => f,
        Err(error) => {
            return LineOutcome::Err {
                line: lineno,
                id,
                error,
            }
        }
    };
    let mut warnings = Vec::new();
    let group = group_for(engine, group.as_deref(), &mut warnings);
    match engine.triage(text, group) {
        Ok(mut t) => {
            t.warnings = warnings;
            LineOutcome::Ok(id, Box::new(t))
        }
        Err(error) => LineOutcome::Err {
            line: lineno,
            id,
            error,
        },
    }
}

/// Triages every non-blank line of `input` on `threads` threads; one outcome per such line,
/// in order. `first_lineno` numbers the first line (for chunked reading). A line that is not
/// UTF-8 is rejected on its own.
pub fn process_lines(
    engine: &Engine,
    input: &[u8],
    first_lineno: usize,
    threads: Option<usize>,
) -> Vec<LineOutcome> {
    use rayon::prelude::*;
    let lines: Vec<(usize, &[u8])> = input
        .split(|&b| b == b'\n')
        .enumerate()
        .filter(|(_, l)| !l.iter().all(|b| b.is_ascii_whitespace()))
        .map(|(i, l)| (i + first_lineno, l))
        .collect();
    let one = |&(n, l): &(usize, &[u8])| match std::str::from_utf8(l) {
        Ok(text) => process_line(engine, text.trim_end_matches('\r'), n),
        Err(e) => LineOutcome::Err {
            line: n,
            id: serde_json::Value::Null,
            error: Error::InvalidInput(format!("line is not UTF-8: {e}")),
        },
    };
    match threads {
        Some(1) => lines.iter().map(one).collect(),
        Some(n) => match rayon::ThreadPoolBuilder::new().num_threads(n).build() {
            Ok(pool) => pool.install(|| lines.par_iter().map(one).collect()),
            Err(_) => lines.par_iter().map(one).collect(),
        },
        None => lines.par_iter().map(one).collect(),
    }
}

/// A report line rejected by [`aggregate_lines`].
#[derive(Debug)]
pub struct RejectedLine {
    /// 1-based line number.
    pub line: usize,
    /// The line's `id` as written, when it could be read (else null).
    pub id: serde_json::Value,
    /// Why.
    pub error: Error,
}

/// The second-best category when it scores at least half the best (see
/// [`crate::aggregate::Report::also_category`]).
pub fn runner_up_category(engine: &Engine, t: &Triage) -> Option<String> {
    let best = t.category.as_deref()?;
    let top = t.scores.get(best).copied().unwrap_or(0.0);
    engine
        .profile()
        .category_ids
        .iter()
        .filter(|c| c.as_str() != best)
        .map(|c| (c, t.scores.get(c).copied().unwrap_or(0.0)))
        .filter(|&(_, s)| s > 0.0 && s >= 0.5 * top)
        .max_by(|a, b| a.1.total_cmp(&b.1))
        .map(|(c, _)| c.clone())
}

/// Parses and triages report lines — as for [`process_lines`], plus optional `title`, `time`
/// (ISO 8601 or `YYYY/MM/DD HH:MM:SS`) and `likes` — and feeds them to `agg` in time order
/// (stable: reports of the same time keep input order). A line without an `id` gets
/// `line-N-HASH` (its line number and a hash of the line), so that replaying a file gives the
/// same ids; a report whose id is already a member of an open issue is skipped and counted in
/// [`AggregateRun::duplicates`].
pub fn aggregate_lines(
    engine: &Engine,
    agg: &mut crate::aggregate::Aggregator,
    input: &[u8],
    threads: Option<usize>,
) -> AggregateRun {
    aggregate_lines_from(engine, agg, input, 1, threads)
}

/// [`aggregate_lines`] on one chunk of a longer input whose first line is `first_line`: a
/// stream is fed chunk by chunk, each sorted by time on its own.
pub fn aggregate_lines_from(
    engine: &Engine,
    agg: &mut crate::aggregate::Aggregator,
    input: &[u8],
    first_line: usize,
    threads: Option<usize>,
) -> AggregateRun {
    let (reports, rejected) = report_lines_from(engine, input, first_line, threads);
    add_reports(engine, agg, reports, rejected)
}

/// Adds reports (as [`report_lines_from`] returns them, in time order) to the aggregator,
/// skipping those already members of an open issue (a replay), and says what it did.
pub fn add_reports(
    engine: &Engine,
    agg: &mut crate::aggregate::Aggregator,
    reports: Vec<crate::aggregate::Report>,
    rejected: Vec<RejectedLine>,
) -> AggregateRun {
    let accepted = reports.len();
    let started = std::time::Instant::now();
    let mut duplicates = 0;
    for r in reports {
        if agg.is_open_member(&r.id) {
            duplicates += 1;
            continue;
        }
        agg.add(engine, r);
    }
    AggregateRun {
        rejected,
        reports: accepted,
        duplicates,
        aggregator_seconds: started.elapsed().as_secs_f64(),
    }
}

/// Parses and triages report lines (see [`aggregate_lines`]) on `threads` threads: the
/// accepted reports in time order (stable), and the rejected lines.
pub fn report_lines(
    engine: &Engine,
    input: &[u8],
    threads: Option<usize>,
) -> (Vec<crate::aggregate::Report>, Vec<RejectedLine>) {
    report_lines_from(engine, input, 1, threads)
}

/// [`report_lines`] numbering the first line `first_line`.
pub fn report_lines_from(
    engine: &Engine,
    input: &[u8],
    first_line: usize,
    threads: Option<usize>,
) -> (Vec<crate::aggregate::Report>, Vec<RejectedLine>) {
    use crate::aggregate::Report;
    use rayon::prelude::*;
    let lines: Vec<(usize, &[u8])> = input
        .split(|&b| b == b'\n')
        .enumerate()
        .filter(|(_, l)| !l.iter().all(u8::is_ascii_whitespace))
        .map(|(i, l)| (i + first_line, l))
        .collect();
    let parse = |&(n, l): &(usize, &[u8])| -> Result<Report, RejectedLine> {
        let object = crate::input::read_object(l).map_err(|r| RejectedLine {
            line: n,
            id: r.id,
            error: r.error,
        })?;
        let reject = |error: Error| RejectedLine {
            line: n,
            id: object.id(),
            error,
        };
        let body = object.required_string("text").map_err(reject)?;
        let title = object
            .string("title")
            .map_err(reject)?
            .filter(|t| !t.trim().is_empty())
            .map(str::to_string);
        let group = object.division_code("group_division").map_err(reject)?;
        // No time: the aggregator gives it the latest time seen (or its configured default).
        let time = object
            .time("time")
            .map_err(reject)?
            .unwrap_or(crate::aggregate::UNKNOWN_TIME);
        let likes = object.count("likes").map_err(reject)?;
        let full = match &title {
            Some(t) => format!("{t}\n{body}"),
            None => body.to_string(),
        };
        let t = engine
            .triage(&full, group_for(engine, group.as_deref(), &mut Vec::new()))
            .map_err(reject)?;
        let id = match &object.id() {
            serde_json::Value::String(s) => s.clone(),
            // Not `line-N` alone: ids identify reports across runs (a replayed report already in
            // an open issue is skipped), and line 1 of today's file is not line 1 of yesterday's.
            serde_json::Value::Null => {
                format!("line-{n}-{:08x}", crate::hashing::stable_hash([l]) as u32)
            }
            other => other.to_string(),
        };
        Ok(Report {
            id,
            time,
            group,
            likes,
            title,
            text: body.to_string(),
            kind: t.kind,
            also_category: runner_up_category(engine, &t),
            category: t.category,
            division: t.division.map(|d| d.code),
        })
    };
    let parsed: Vec<Result<Report, RejectedLine>> =
        match threads.and_then(|n| rayon::ThreadPoolBuilder::new().num_threads(n).build().ok()) {
            Some(pool) => pool.install(|| lines.par_iter().map(parse).collect()),
            None => lines.par_iter().map(parse).collect(),
        };
    let mut rejected = Vec::new();
    let mut reports = Vec::with_capacity(parsed.len());
    for r in parsed {
        match r {
            Ok(r) => reports.push(r),
            Err(e) => rejected.push(e),
        }
    }
    reports.sort_by_key(|r| r.time);
    (reports, rejected)
}

/// What [`aggregate_lines`] did.
#[derive(Debug)]
pub struct AggregateRun {
    /// Lines that were rejected, with why.
    pub rejected: Vec<RejectedLine>,
    /// Reports accepted (triaged), duplicates included.
    pub reports: usize,
    /// Accepted reports skipped because their id was already a member of an open issue.
    pub duplicates: usize,
    /// Seconds spent in the aggregator alone (after triage), on one thread.
    pub aggregator_seconds: f64,
}

/// One JSON line per issue, hottest first: `{"issue_id", "count", "groups", "members",
/// "representative", "kind", "category", "division": {"code","name","level","path"} | null,
/// "route", "first_seen", "last_seen", "likes", "hotness"}` (times in ISO 8601 UTC).
///
/// Lazy: each line is built as it is taken, so that printing a million issues does not hold
/// a million lines at once.
pub fn issue_lines<'a>(
    engine: &'a Engine,
    agg: &'a crate::aggregate::Aggregator,
) -> impl Iterator<Item = String> + 'a {
    let g = engine.gazetteer();
    let now = agg.now();
    agg.ranked()
        .into_iter()
        .map(move |issue| {
            let division = issue.division.as_deref().and_then(|code| g.find_code(code)).map(|id| {
                serde_json::json!({"code": g.code(id), "name": g.display_name(id), "level": g.level(id).as_str(),
                    "path": g.path(id).into_iter().map(|p| g.display_name(p)).collect::<Vec<_>>()})
            });
            serde_json::json!({
                "issue_id": issue.issue_id,
                "count": issue.count(),
                "groups": issue.groups,
                "members": issue.members,
                "representative": issue.representative,
                "kind": issue.kind.as_str(),
                "category": issue.category,
                "division": division,
                "route": agg.route(engine, issue),
                "first_seen": crate::aggregate::iso8601(issue.first_seen),
                "last_seen": crate::aggregate::iso8601(issue.last_seen),
                "likes": issue.likes,
                "hotness": (issue.hotness(now) * 1000.0).round() / 1000.0,
            })
            .to_string()
        })
}

/// The whole aggregation job on JSON Lines, as the C ABI and the Python wheel expose it:
/// rejected lines first as `{"line", "id", "error", "error_kind"}` (`id` as written, null when
/// it could not be read), then one line per issue,
/// hottest first (see [`issue_lines`]).
pub fn aggregate_jsonl(
    engine: &Engine,
    input: &[u8],
    config: crate::aggregate::AggregatorConfig,
    threads: Option<usize>,
) -> String {
    let mut agg = crate::aggregate::Aggregator::new(config);
    let run = aggregate_lines(engine, &mut agg, input, threads);
    let mut out = String::new();
    for r in &run.rejected {
        out.push_str(&error_line(r.line, &r.id, &r.error));
        out.push('\n');
    }
    for line in issue_lines(engine, &agg) {
        out.push_str(&line);
        out.push('\n');
    }
    out
}

/// One audit input line: `{"id", "text", "title" (optional, put before the text), "reply",
/// "time", "reply_time", "group_division"}` (times optional).
#[derive(Debug, Clone, Deserialize)]
pub struct InputReply {
    /// Caller's id, echoed back.
    #[serde(default)]
    pub id: serde_json::Value,
    /// The citizen's message.
    pub text: Option<String>,
    /// Its title, if separate.
    #[serde(default)]
    pub title: Option<String>,
    /// The government's reply.
    pub reply: Option<String>,
    /// When the message was posted.
    #[serde(default)]
    pub time: Option<String>,
    /// When the reply was posted.
    #[serde(default)]
    pub reply_time: Option<String>,
    /// NBS code of the posting group's division.
    #[serde(default)]
    pub group_division: Option<String>,
}

/// The outcome of one audit input line.
#[derive(Debug)]
pub enum AuditOutcome {
    /// An audited reply.
    Ok(serde_json::Value, Box<crate::audit::Audit>),
    /// A rejected line.
    Err {
        /// 1-based line number in the input.
        line: usize,
        /// Caller's id if it could be read.
        id: serde_json::Value,
        /// The error.
        error: Error,
    },
}

impl AuditOutcome {
    /// The JSON line (without newline): the audit with `id` first, or the error line.
    pub fn to_json(&self) -> String {
        match self {
            AuditOutcome::Ok(id, a) => {
                let body = serde_json::to_string(a).unwrap_or_else(|_| "{}".into());
                let id = serde_json::to_string(id).unwrap_or_else(|_| "null".into());
                format!("{{\"id\":{id},{}", &body[1..])
            }
            AuditOutcome::Err { line, id, error } => error_line(*line, id, error),
        }
    }

    /// True when the line was rejected.
    pub fn is_err(&self) -> bool {
        matches!(self, AuditOutcome::Err { .. })
    }
}

/// Audits every non-blank line of `input` as one run (so `template` compares the replies with
/// each other) on `threads` threads; one outcome per such line, in order.
pub fn audit_lines(engine: &Engine, input: &[u8], threads: Option<usize>) -> Vec<AuditOutcome> {
    let lines: Vec<(usize, &[u8])> = input
        .split(|&b| b == b'\n')
        .enumerate()
        .filter(|(_, l)| !l.iter().all(u8::is_ascii_whitespace))
        .map(|(i, l)| (i + 1, l))
        .collect();
    // Parse first; the texts of accepted lines are audited as one batch.
    let mut parsed: Vec<Result<(serde_json::Value, String, InputReply), AuditOutcome>> =
        Vec::with_capacity(lines.len());
    for &(n, l) in &lines {
        let reject = |id: serde_json::Value, error: Error| AuditOutcome::Err { line: n, id, error };
        let object = match crate::input::read_object(l) {
            Ok(o) => o,
            Err(r) => {
                parsed.push(Err(reject(r.id, r.error)));
                continue;
            }
        };
        let read = || -> Result<(&str, InputReply), Error> {
            let body = object.required_string("text")?;
            let reply = object.required_string("reply")?;
            let text_of = |key| object.string(key).map(|s| s.map(str::to_string));
            Ok((
                body,
                InputReply {
                    id: object.id(),
                    text: Some(body.to_string()),
                    title: text_of("title")?,
                    reply: Some(reply.to_string()),
                    time: text_of("time")?,
                    reply_time: text_of("reply_time")?,
                    group_division: object.division_code("group_division")?,
                },
            ))
        };
        let (body, m) = match read() {
            Ok(r) => r,
            Err(error) => {
                parsed.push(Err(reject(object.id(), error)));
                continue;
            }
        };
        let full = match m.title.as_deref().filter(|t| !t.trim().is_empty()) {
            Some(t) => format!("{t}\n{body}"),
            None => body.to_string(),
        };
        parsed.push(Ok((m.id.clone(), full, m)));
    }
    let items: Vec<crate::audit::AuditInput<'_>> = parsed
        .iter()
        .filter_map(|p| p.as_ref().ok())
        .map(|(_, full, m)| crate::audit::AuditInput {
            text: full,
            reply: m.reply.as_deref().unwrap_or(""),
            time: m.time.as_deref(),
            reply_time: m.reply_time.as_deref(),
            group_division: m.group_division.as_deref(),
        })
        .collect();
    let mut audits = match engine.audit_batch(&items, threads) {
        Ok(v) => v.into_iter(),
        Err(e) => {
            // Over the batch limit: every line is rejected with the same error.
            let again = |e: &Error| match e {
                Error::LimitExceeded {
                    what,
                    limit,
                    actual,
                } => Error::LimitExceeded {
                    what,
                    limit: *limit,
                    actual: *actual,
                },
                other => Error::InvalidInput(other.to_string()),
            };
            return lines
                .iter()
                .map(|&(n, _)| AuditOutcome::Err {
                    line: n,
                    id: serde_json::Value::Null,
                    error: again(&e),
                })
                .collect();
        }
    };
    parsed
        .into_iter()
        .zip(lines.iter())
        .map(|(p, &(n, _))| match p {
            Err(o) => o,
            Ok((id, _, _)) => match audits.next().expect("one audit per accepted line") {
                Ok(a) => AuditOutcome::Ok(id, Box::new(a)),
                Err(error) => AuditOutcome::Err { line: n, id, error },
            },
        })
        .collect()
}

/// The whole audit job on JSON Lines, as the C ABI and the Python wheel expose it: one line
/// per non-blank input line (see [`audit_lines`]), or with `summary` the rejected lines
/// first and then one [`crate::audit::UnitSummary`] line per replying unit, most replies first.
pub fn audit_jsonl(engine: &Engine, input: &[u8], summary: bool, threads: Option<usize>) -> String {
    let outcomes = audit_lines(engine, input, threads);
    let mut out = String::new();
    if summary {
        for o in outcomes.iter().filter(|o| o.is_err()) {
            out.push_str(&o.to_json());
            out.push('\n');
        }
        let audits = outcomes.iter().filter_map(|o| match o {
            AuditOutcome::Ok(_, a) => Some(&**a),
            AuditOutcome::Err { .. } => None,
        });
        for row in crate::audit::summarize(audits) {
            out.push_str(&row.to_json());
            out.push('\n');
        }
    } else {
        for o in &outcomes {
            out.push_str(&o.to_json());
            out.push('\n');
        }
    }
    out
}
