//! Errors of the engine: one opaque type with a stable [`ErrorKind`] that the C and Python
//! layers map through one exhaustive `match` each.

use std::fmt;
use std::path::PathBuf;

/// What went wrong, coarsely; stable across versions (new kinds may be added).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ErrorKind {
    /// The caller's input (a message, a code, an argument) is not acceptable.
    InvalidInput,
    /// A group or text division code that the loaded gazetteer does not know.
    UnknownDivision,
    /// A divisions CSV could not be read or is malformed.
    Divisions,
    /// A profile file (lexicon, routing rules, aliases) could not be read or is malformed.
    Profile,
    /// A model file could not be read, is malformed, or is of an unsupported version.
    Model,
    /// A limit (message length, batch size, file size) was exceeded.
    LimitExceeded,
    /// Reading or writing a file failed.
    Io,
}

impl ErrorKind {
    /// A short stable identifier, e.g. `"invalid_input"`.
    pub fn as_str(self) -> &'static str {
        match self {
            ErrorKind::InvalidInput => "invalid_input",
            ErrorKind::UnknownDivision => "unknown_division",
            ErrorKind::Divisions => "divisions",
            ErrorKind::Profile => "profile",
            ErrorKind::Model => "model",
            ErrorKind::LimitExceeded => "limit_exceeded",
            ErrorKind::Io => "io",
        }
    }
}

/// Where in a file an error was found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileLocation {
    /// The file, as given (or `<embedded:…>` for built-in data).
    pub path: PathBuf,
    /// One-based line number, when the error is tied to a line.
    pub line: Option<usize>,
}

impl fmt::Display for FileLocation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.line {
            Some(line) => write!(f, "{}:{}", self.path.display(), line),
            None => write!(f, "{}", self.path.display()),
        }
    }
}

/// The error type of every fallible call in suqiu.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// Malformed or unacceptable input from the caller.
    #[error("invalid input: {0}")]
    InvalidInput(String),
    /// A division code not in the gazetteer.
    #[error("unknown division code {code:?}")]
    UnknownDivision {
        /// The code as given.
        code: String,
    },
    /// A data file is malformed; `kind` says which sort of file.
    #[error("{location}: {message}")]
    File {
        /// Which sort of file (divisions, profile, model).
        kind: ErrorKind,
        /// The file and line.
        location: FileLocation,
        /// What is wrong.
        message: String,
    },
    /// A documented limit was exceeded.
    #[error("limit exceeded: {what} is {actual}, the limit is {limit}")]
    LimitExceeded {
        /// What was measured.
        what: &'static str,
        /// The limit.
        limit: usize,
        /// What was seen.
        actual: usize,
    },
    /// An I/O failure on a named file.
    #[error("{path}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// The cause.
        #[source]
        source: std::io::Error,
        /// Which sort of file was being read (divisions, profile, model).
        file_kind: ErrorKind,
    },
}

impl Error {
    /// The stable kind of this error.
    pub fn kind(&self) -> ErrorKind {
        match self {
            Error::InvalidInput(_) => ErrorKind::InvalidInput,
            Error::UnknownDivision { .. } => ErrorKind::UnknownDivision,
            Error::File { kind, .. } => *kind,
            Error::LimitExceeded { .. } => ErrorKind::LimitExceeded,
            Error::Io { .. } => ErrorKind::Io,
        }
    }

    pub(crate) fn file(
        kind: ErrorKind,
        path: impl Into<PathBuf>,
        line: Option<usize>,
        message: impl Into<String>,
    ) -> Self {
        Error::File {
            kind,
            location: FileLocation {
                path: path.into(),
                line,
            },
            message: message.into(),
        }
    }

    pub(crate) fn io(kind: ErrorKind, path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        Error::Io {
            path: path.into(),
            source,
            file_kind: kind,
        }
    }
}

/// `Result` with [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;
