use std::path::PathBuf;

/// Everything that can go wrong while reading or preparing sequences. Each variant names
/// the file and, where it applies, the 1-based line or record number.
#[derive(Debug, thiserror::Error)]
pub enum SeqError {
    #[error("{path}: {source}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{path}, line {line}: {msg}")]
    Parse {
        path: PathBuf,
        line: usize,
        msg: String,
    },
    #[error("{path}, record {record}: {msg}")]
    Record {
        path: PathBuf,
        record: usize,
        msg: String,
    },
    #[error("{path}: {msg}")]
    File { path: PathBuf, msg: String },
    /// A character that is not a sequence letter (see [`crate::encode`]'s letter rule);
    /// `at` reads `line 3` or `record 2`.
    #[error("{path}, {at}: {msg}")]
    Letter {
        path: PathBuf,
        at: String,
        msg: String,
    },
    #[error("{0}")]
    Invalid(String),
}

impl SeqError {
    pub(crate) fn io(path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        SeqError::Io {
            path: path.into(),
            source,
        }
    }
    pub(crate) fn parse(path: impl Into<PathBuf>, line: usize, msg: impl Into<String>) -> Self {
        SeqError::Parse {
            path: path.into(),
            line,
            msg: msg.into(),
        }
    }
}
