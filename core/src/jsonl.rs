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

impl LineOutcome {
    /// The JSON line (without newline).
    pub fn to_json(&self) -> String {
        match self {
            LineOutcome::Ok(id, t) => triage_json(id, t),
            LineOutcome::Err { line, id, error } => serde_json::json!({
                "line": line,
                "id": id,
                "error": error.to_string(),
                "error_kind": error.kind().as_str(),
            })
            .to_string(),
        }
    }

    /// True when the line was rejected.
    pub fn is_err(&self) -> bool {
        matches!(self, LineOutcome::Err { .. })
    }
}

/// Serializes a triage with `id` as its first field.
pub fn triage_json(id: &serde_json::Value, t: &Triage) -> String {
    let body = serde_json::to_string(t).unwrap_or_else(|_| "{}".into());
    let id = serde_json::to_string(id).unwrap_or_else(|_| "null".into());
    if body.len() <= 2 {
        return format!("{{\"id\":{id}}}");
    }
    format!("{{\"id\":{id},{}", &body[1..])
}

/// Parses one input line and triages it.
pub fn process_line(engine: &Engine, line: &str, lineno: usize) -> LineOutcome {
    let msg: InputMessage = match serde_json::from_str(line) {
        Ok(m) => m,
        Err(e) => {
            return LineOutcome::Err {
                line: lineno,
                id: serde_json::Value::Null,
                error: Error::InvalidInput(format!("line is not a JSON message object: {e}")),
            }
        }
    };
    let Some(text) = msg.text.as_deref() else {
        return LineOutcome::Err {
            line: lineno,
            id: msg.id,
            error: Error::InvalidInput("missing \"text\"".into()),
        };
    };
    match engine.triage(text, msg.group_division.as_deref()) {
        Ok(t) => LineOutcome::Ok(msg.id, Box::new(t)),
        Err(error) => LineOutcome::Err {
            line: lineno,
            id: msg.id,
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
