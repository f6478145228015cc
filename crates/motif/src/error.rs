//! Error and warning types of the motif library.

use std::fmt;

/// Errors from reading motif, background or sequence files.
#[derive(Debug, thiserror::Error)]
pub enum MotifError {
    /// The file could not be opened or read.
    #[error("cannot read {path}: {source}")]
    Io {
        /// File (or source name) being read.
        path: String,
        /// Underlying I/O error.
        #[source]
        source: std::io::Error,
    },
    /// Malformed content at a given line (1-based) of a named source.
    #[error("{source_name}:{line}: {message}")]
    Parse {
        /// File name or other source label given to the reader.
        source_name: String,
        /// 1-based line number.
        line: usize,
        /// What is wrong.
        message: String,
    },
    /// An argument or motif that the requested operation cannot use.
    #[error("{0}")]
    Invalid(String),
}

impl MotifError {
    pub(crate) fn parse(source_name: &str, line: usize, message: impl Into<String>) -> Self {
        Self::Parse {
            source_name: source_name.to_string(),
            line,
            message: message.into(),
        }
    }
    pub(crate) fn io(path: impl fmt::Display, source: std::io::Error) -> Self {
        Self::Io {
            path: path.to_string(),
            source,
        }
    }
}

/// A non-fatal problem found while reading (for example a matrix row that had to be
/// normalised, or a duplicated motif ID that was dropped). Libraries return these; the
/// command line decides whether to print them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Warning {
    /// File name or other source label.
    pub source_name: String,
    /// 1-based line number the warning refers to.
    pub line: usize,
    /// Human-readable description.
    pub message: String,
}

impl fmt::Display for Warning {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}: {}", self.source_name, self.line, self.message)
    }
}
