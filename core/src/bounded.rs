//! Reading data files within a byte budget: every profile file, divisions CSV and model is
//! read through [`std::io::Read::take`], never trusting its metadata (`/dev/zero`, a FIFO or
//! a file growing while it is read have no honest size), and a text file's line longer than
//! [`MAX_DATA_LINE_BYTES`] is refused as soon as it is seen, not after the whole file is in
//! memory. Error messages quote at most [`EXCERPT_CHARS`] characters of what they are about.

use crate::error::{Error, ErrorKind, Result};
use std::io::Read;
use std::path::Path;

/// Longest line of a text data file (lexicon, patterns, whole terms, aliases, equivalents,
/// TOML rules, divisions CSV): the longest real one is under 1 KiB.
pub const MAX_DATA_LINE_BYTES: usize = 64 * 1024;

/// Characters of a file's content or a caller's value quoted in an error message.
pub const EXCERPT_CHARS: usize = 80;

/// `text` quoted for an error message: at most [`EXCERPT_CHARS`] characters, then `…` when
/// there was more.
pub fn excerpt(text: &str) -> String {
    match text.char_indices().nth(EXCERPT_CHARS) {
        Some((cut, _)) => format!("{:?}…", &text[..cut]),
        None => format!("{text:?}"),
    }
}

/// Reads the file at `path`, at most `limit` bytes; a longer file fails with a
/// [`ErrorKind::LimitExceeded`] error naming it, after reading `limit + 1` bytes. With
/// `max_line`, a line (up to `\n`) longer than that fails as soon as it passes the length,
/// naming the file and line. `kind` says which sort of file it is, for the other errors.
pub(crate) fn read_file(
    path: &Path,
    limit: u64,
    max_line: Option<usize>,
    kind: ErrorKind,
) -> Result<Vec<u8>> {
    let file = std::fs::File::open(path).map_err(|e| Error::io(kind, path, e))?;
    if file.metadata().is_ok_and(|m| m.is_dir()) {
        return Err(Error::file(kind, path, None, "is a directory, not a file"));
    }
    let mut budget = file.take(limit.saturating_add(1));
    let mut out = Vec::new();
    let mut chunk = vec![0u8; 64 * 1024];
    let (mut line, mut line_len) = (1usize, 0usize);
    loop {
        let n = match budget.read(&mut chunk) {
            Ok(0) => break,
            Ok(n) => n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(Error::io(kind, path, e)),
        };
        if out.len() + n > limit as usize {
            return Err(Error::file(
                ErrorKind::LimitExceeded,
                path,
                None,
                format!("larger than the limit of {limit} bytes"),
            ));
        }
        if let Some(max) = max_line {
            for &b in &chunk[..n] {
                if b == b'\n' {
                    line += 1;
                    line_len = 0;
                } else {
                    line_len += 1;
                    if line_len > max {
                        return Err(Error::file(
                            ErrorKind::LimitExceeded,
                            path,
                            Some(line),
                            format!("line longer than the limit of {max} bytes"),
                        ));
                    }
                }
            }
        }
        out.extend_from_slice(&chunk[..n]);
    }
    Ok(out)
}

/// [`read_file`] for a text file: UTF-8 (naming the line of the first bad byte), its
/// byte-order mark dropped, lines at most [`MAX_DATA_LINE_BYTES`].
pub(crate) fn read_text(path: &Path, limit: u64, kind: ErrorKind) -> Result<String> {
    let bytes = read_file(path, limit, Some(MAX_DATA_LINE_BYTES), kind)?;
    match String::from_utf8(bytes) {
        Ok(mut text) => {
            if text.starts_with('\u{feff}') {
                text.drain(..'\u{feff}'.len_utf8());
            }
            Ok(text)
        }
        Err(e) => {
            let at = e.utf8_error().valid_up_to();
            let line = e.as_bytes()[..at].iter().filter(|&&b| b == b'\n').count() + 1;
            Err(Error::file(kind, path, Some(line), "not UTF-8"))
        }
    }
}

/// Text without its leading UTF-8 byte-order mark (editors on Windows write one).
pub fn strip_bom(text: &str) -> &str {
    text.strip_prefix('\u{feff}').unwrap_or(text)
}
