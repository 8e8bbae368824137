//! Saving and restoring an [`Aggregator`]: a versioned, checked file format, written so that
//! a crash, a kill or a full disk during a save never costs the previous state.
//!
//! A saved state is one JSON object: a header — `format`, `version`, `window_seconds`, and
//! fingerprints of the engine's `profile` (its name and category ids) and `divisions` (every
//! code and its parent) — and the aggregator itself under `state`. A state means something
//! only with the window, categories and division codes it was built with, so restoring checks
//! the header against the engine and the caller's window first and refuses a mismatch with an
//! error naming the field (unless [`RestoreOptions::force`]); then it validates the values a
//! later `add` relies on (positive window, counters that cannot overflow, index slots in
//! range), again naming the field.

use super::Aggregator;
use crate::hashing::stable_hash;
use crate::{Engine, Error, Result};
use serde::{Deserialize, Serialize};
use std::io::Write;
use std::path::Path;

/// Value of the header's `format` field.
pub const STATE_FORMAT: &str = "suqiu-aggregator-state";
/// The state format this build writes and reads. Version 1 was the unversioned state of
/// earlier builds (no header); version 3 added the second join path's content words, place
/// index and per-issue category votes; version 4 weighs content words by a fixed table (no
/// word counts in the state) and keeps a member's uncut words ([`super::near::WordSource`]);
/// version 5 lists at most [`super::MAX_LISTED_MEMBERS`] member ids per issue and keeps the
/// others as hashes (`unlisted`). Version 4 states are read as they are (they list every
/// member).
pub const STATE_VERSION: u32 = 5;
/// The oldest state version this build reads.
pub const OLDEST_READABLE_STATE_VERSION: u32 = 4;

/// What a saved state was built with, besides its content.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StateHeader {
    /// Always [`STATE_FORMAT`].
    pub format: String,
    /// [`STATE_VERSION`] when written by this build.
    pub version: u32,
    /// The aggregator's window, in seconds.
    pub window_seconds: i64,
    /// Fingerprint of the profile: its name and a hash of its category ids (the categories
    /// stored in issues are ids of that list).
    pub profile: String,
    /// Fingerprint of the divisions: their number and a hash of every code and its parent
    /// (the divisions stored in issues are codes of that tree).
    pub divisions: String,
}

impl StateHeader {
    /// The header of a state built by `engine` with `window_seconds`.
    pub fn for_engine(engine: &Engine, window_seconds: i64) -> Self {
        let p = engine.profile();
        let g = engine.gazetteer();
        let codes = (0..g.len() as u32).flat_map(|id| {
            let parent = g.parent(id).map(|p| g.code(p)).unwrap_or_default();
            [g.code(id), parent]
        });
        StateHeader {
            format: STATE_FORMAT.into(),
            version: STATE_VERSION,
            window_seconds,
            profile: format!("{}:{:016x}", p.name, stable_hash(&p.category_ids)),
            divisions: format!("{}:{:016x}", g.len(), stable_hash(codes)),
        }
    }
}

/// How [`Aggregator::restore`] treats a state built differently from what the caller has.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct RestoreOptions {
    /// The window the caller wants, in seconds; `None` keeps the saved one. Differing from the
    /// saved window is an error unless `force`.
    pub window_seconds: Option<i64>,
    /// Accept a state saved with another window, profile or divisions: the requested window
    /// replaces the saved one; issues keep the category ids and division codes they were
    /// given (codes the new divisions do not know are treated as unknown places).
    pub force: bool,
}

/// The envelope as written: header fields, then the state.
#[derive(Serialize)]
struct SavedRef<'a> {
    #[serde(flatten)]
    header: StateHeader,
    state: &'a Aggregator,
}

/// The header as read, every field optional so that a missing one is named by us.
#[derive(Deserialize)]
struct HeaderIn {
    format: Option<String>,
    version: Option<u32>,
    window_seconds: Option<i64>,
    profile: Option<String>,
    divisions: Option<String>,
}

#[derive(Deserialize)]
struct StateIn {
    state: Aggregator,
}

/// Appended to a mismatch: the one error an override can waive.
const FORCE_HINT: &str =
    " (a forced restore accepts it: `--force-restore`, `RestoreOptions::force`)";

fn invalid(msg: String) -> Error {
    Error::InvalidInput(format!("aggregator state: {msg}"))
}

fn days(seconds: i64) -> String {
    format!("{seconds} s ({} days)", seconds as f64 / 86_400.0)
}

impl Aggregator {
    /// Serializes the state with its header (JSON; hash maps as sorted lists, so saving twice
    /// gives the same bytes).
    pub fn save(&self, engine: &Engine) -> String {
        let mut out = Vec::new();
        self.write_state(engine, &mut out)
            .expect("writing to a Vec does not fail");
        String::from_utf8(out).expect("serde_json writes UTF-8")
    }

    /// Writes the state with its header to `w` (see [`Aggregator::save`]).
    pub fn write_state(&self, engine: &Engine, w: &mut dyn Write) -> std::io::Result<()> {
        let saved = SavedRef {
            header: StateHeader::for_engine(engine, self.config.window_seconds),
            state: self,
        };
        serde_json::to_writer(&mut *w, &saved).map_err(std::io::Error::from)
    }

    /// Saves the state to `path` atomically (see [`write_file_atomically`]): after a failure
    /// or a crash at any point, `path` holds either the previous state or the new one whole.
    pub fn save_to_path(&self, engine: &Engine, path: &Path) -> Result<()> {
        write_file_atomically(path, |w| self.write_state(engine, w))
            .map_err(|e| Error::io(crate::ErrorKind::Io, path, e))
    }

    /// Restores a state written by [`Aggregator::save`] for use with `engine`: checks the
    /// header against `engine` and `options`, then validates the values.
    pub fn restore(engine: &Engine, state: &str, options: RestoreOptions) -> Result<Self> {
        // Two passes: the header is read first (the state is skipped, which allocates
        // nothing), so that a state from another build or setup is refused for that reason
        // rather than for whatever field of the state it happens to trip on.
        let h: HeaderIn = serde_json::from_str(state)
            .map_err(|e| invalid(format!("not a saved aggregator state: {e}")))?;
        match h.format.as_deref() {
            Some(STATE_FORMAT) => {}
            Some(other) => return Err(invalid(format!("field `format` is {other:?}, expected {STATE_FORMAT:?}"))),
            None => return Err(invalid(format!(
                "no header (field `format` missing): not a saved aggregator state, or one saved by a build before format version {STATE_VERSION}"
            ))),
        }
        let missing = |f: &str| invalid(format!("header field `{f}` is missing"));
        let version = h.version.ok_or_else(|| missing("version"))?;
        if !(OLDEST_READABLE_STATE_VERSION..=STATE_VERSION).contains(&version) {
            return Err(invalid(format!(
                "field `version` is {version}; this build reads format versions {OLDEST_READABLE_STATE_VERSION} to {STATE_VERSION}"
            )));
        }
        let saved_window = h.window_seconds.ok_or_else(|| missing("window_seconds"))?;
        if saved_window <= 0 {
            return Err(invalid(format!(
                "field `window_seconds` is {saved_window}; it must be positive"
            )));
        }
        let profile = h.profile.ok_or_else(|| missing("profile"))?;
        let divisions = h.divisions.ok_or_else(|| missing("divisions"))?;
        let want = StateHeader::for_engine(engine, options.window_seconds.unwrap_or(saved_window));
        if !options.force {
            if want.window_seconds != saved_window {
                return Err(invalid(format!(
                    "field `window_seconds`: saved with a window of {}, asked for {}{FORCE_HINT}",
                    days(saved_window),
                    days(want.window_seconds)
                )));
            }
            for (field, saved, now) in [
                ("profile", &profile, &want.profile),
                ("divisions", &divisions, &want.divisions),
            ] {
                if saved != now {
                    return Err(invalid(format!(
                        "field `{field}`: saved with {field} {saved}, this engine has {now}{FORCE_HINT}"
                    )));
                }
            }
        }
        let StateIn { state: mut agg } =
            serde_json::from_str(state).map_err(|e| invalid(format!("field `state`: {e}")))?;
        if agg.config.window_seconds != saved_window {
            return Err(invalid(format!(
                "field `state.config.window_seconds` is {}, the header says {saved_window}",
                agg.config.window_seconds
            )));
        }
        agg.config.window_seconds = want.window_seconds;
        agg.validate().map_err(invalid)?;
        agg.rebuild_derived().map_err(invalid)?;
        Ok(agg)
    }

    /// Checks what a later `add` relies on; the message names the field.
    fn validate(&self) -> std::result::Result<(), String> {
        let c = &self.config;
        if c.window_seconds <= 0 {
            return Err(format!(
                "field `window_seconds` is {}; it must be positive",
                c.window_seconds
            ));
        }
        let thresholds = [
            ("min_key_jaccard", c.min_key_jaccard),
            ("min_key_containment", c.min_key_containment),
            ("min_body_jaccard", c.min_body_jaccard),
            ("category_waiver_key_jaccard", c.category_waiver_key_jaccard),
        ];
        for (name, v) in thresholds {
            if !(0.0..=1.0).contains(&v) {
                return Err(format!(
                    "field `state.config.{name}` is {v}; it must lie in 0..=1"
                ));
            }
        }
        // Counters are bumped once per report: one at its maximum would wrap (or saturate and
        // skew every weight) on the next.
        if self.reports == u32::MAX {
            return Err(format!(
                "field `state.reports` is {}, at the counter's maximum",
                self.reports
            ));
        }
        for (name, df) in [("key_df", &self.key_df), ("body_df", &self.body_df)] {
            if let Some((h, n)) = df.iter().find(|&(_, n)| n > self.reports) {
                return Err(format!(
                    "field `state.{name}`: bigram {h} is counted {n} times, more than the {} reports seen",
                    self.reports
                ));
            }
        }
        if self.last_expiry > self.now {
            return Err(format!(
                "field `state.last_expiry` ({}) is later than `state.now` ({})",
                self.last_expiry, self.now
            ));
        }
        let empty_slots = self.open.iter().filter(|s| s.is_none()).count();
        if self.stale > empty_slots {
            return Err(format!(
                "field `state.stale` is {}, more than the {empty_slots} empty open slots",
                self.stale
            ));
        }
        let slots = self.open.len();
        if slots >= u32::MAX as usize {
            return Err(format!("field `state.open` has {slots} slots"));
        }
        if let Some(bad) = self
            .index
            .values()
            .flatten()
            .find(|&&s| s as usize >= slots)
        {
            return Err(format!("field `state.index` names slot {bad} of {slots}"));
        }
        for (slot, issue) in self.open.iter().enumerate() {
            let Some(i) = issue else { continue };
            let at = format!("`state.open[{slot}]`");
            if i.members.is_empty() {
                return Err(format!("issue {at} has no members"));
            }
            if i.shingles.len() != i.count().min(super::KEPT_MEMBER_SHINGLES) {
                return Err(format!(
                    "issue {at} has {} members but {} shingle sets",
                    i.count(),
                    i.shingles.len()
                ));
            }
            if !i.keys.windows(2).all(|w| w[0] < w[1]) {
                return Err(format!("issue {at}: `keys` are not sorted and distinct"));
            }
            if i.first_seen > i.last_seen || i.last_seen > self.now {
                return Err(format!(
                    "issue {at}: first_seen {}, last_seen {}, now {} are out of order",
                    i.first_seen, i.last_seen, self.now
                ));
            }
        }
        Ok(())
    }
}

/// Writes a file so that it is never seen half-written: `write` fills a temporary file in the
/// same directory (so the rename below stays on one file system), the data is flushed to disk
/// (`fsync`), the temporary file is renamed over `path` (atomic on POSIX), and the directory is
/// flushed so that the rename itself survives a power loss. If `write` or any step fails, the
/// temporary file is removed and `path` is untouched; a process killed before the rename
/// leaves `path` untouched and at worst a stray `.suqiu-*.tmp` file beside it. An existing
/// file's permissions are carried over.
///
/// `tempfile` is used rather than a hand-rolled name: it creates the file with `O_EXCL` under
/// a random name (no clash between two savers, no following a planted symlink), removes it on
/// every error path, and its `persist` is the rename.
pub fn write_file_atomically(
    path: &Path,
    write: impl FnOnce(&mut dyn Write) -> std::io::Result<()>,
) -> std::io::Result<()> {
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    };
    let mut tmp = tempfile::Builder::new()
        .prefix(".suqiu-")
        .suffix(".tmp")
        .tempfile_in(dir)?;
    {
        let mut w = std::io::BufWriter::with_capacity(1 << 20, tmp.as_file_mut());
        write(&mut w)?;
        w.flush()?;
    }
    if let Ok(meta) = std::fs::metadata(path) {
        tmp.as_file().set_permissions(meta.permissions())?;
    }
    tmp.as_file().sync_all()?;
    tmp.persist(path).map_err(|e| e.error)?;
    // The rename is durable only once the directory is: without this a power loss may bring
    // back the old state (never a broken one).
    #[cfg(unix)]
    std::fs::File::open(dir)?.sync_all()?;
    Ok(())
}
