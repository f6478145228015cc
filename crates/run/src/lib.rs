//! `explainn-run`: the run directory and the pipelines that fill it.
//!
//! A run directory (`explainn train -o RUN`) holds one run:
//!
//! | file | type | written by |
//! |---|---|---|
//! | `model.safetensors` | [`explainn_nn::checkpoint`] | [`train::train_run`] |
//! | `config.json` | [`RunConfig`] (`complete: false` while training runs) | [`train::train_run`], after every epoch |
//! | `losses.tsv` | [`losses`] (`epoch, train_loss, validation_loss, seconds`) | [`train::train_run`], after every epoch |
//! | `test/metrics.tsv`, `test/predictions.tsv.gz` | [`metrics`] | [`test::test_run`] |
//! | `interpret/…` | `explainn-interpret` | [`interpret::interpret_run`] |
//! | `report.html` | `explainn-report` | [`report::report_run`] |
//!
//! Each file has its writer and its reader here. Paths recorded in `config.json` are
//! absolute, so a run can be interpreted from any working directory; older runs with
//! relative paths are resolved against the run directory, then the working directory.
//!
//! The rules every command shares live in [`policy`]: which strands are predicted, which
//! loss decides the output function when the model file does not say, and how sequences
//! of another length are treated.
//!
//! ```
//! let dir = tempfile::tempdir().unwrap();
//! let run = explainn_run::RunDir::new(dir.path());
//! assert_eq!(run.model(), dir.path().join("model.safetensors"));
//! assert!(run.read_config().is_err()); // nothing trained there yet
//! ```

pub mod attribute;
pub mod budget;
pub mod config;
pub mod discover;
pub mod export;
pub mod gia;
pub mod init;
pub mod input;
pub mod instances;
pub mod interpret;
pub mod labels;
pub mod losses;
pub mod merge;
pub mod metrics;
pub mod motifs;
pub mod npy;
pub mod output;
pub mod policy;
pub mod predict;
pub mod report;
pub mod simulate;
pub mod test;
pub mod tile;
pub mod tracks;
pub mod train;
pub mod train_spec;
pub mod variants;

pub use config::RunConfig;

use std::path::{Path, PathBuf};

/// Errors of this crate.
#[derive(Debug, thiserror::Error)]
pub enum RunError {
    /// A run-directory file that is missing, unreadable or malformed.
    #[error("{path}: {msg}")]
    File { path: String, msg: String },
    /// Input data that the pipeline cannot use.
    #[error("{0}")]
    Data(String),
    /// The model or the trainer failed.
    #[error(transparent)]
    Model(#[from] explainn_nn::NnError),
    /// A sequence file failed to read.
    #[error(transparent)]
    Seq(#[from] explainn_seq::SeqError),
    /// An operation refused its options or input.
    #[error(transparent)]
    Ops(#[from] explainn_ops::OpsError),
    /// The interpretation's files failed to read.
    #[error(transparent)]
    Interpret(#[from] explainn_interpret::InterpretError),
}

/// Result alias for this crate.
pub type Result<T, E = RunError> = std::result::Result<T, E>;

pub(crate) fn file_error(path: &Path, msg: impl std::fmt::Display) -> RunError {
    RunError::File {
        path: path.display().to_string(),
        msg: msg.to_string(),
    }
}

/// SHA-256 (hex) of the model file at `model` (a run directory or a `model.safetensors`):
/// recorded in derived results (`interpret/summary.json`) so that they are never used with
/// another model.
pub fn model_checksum(model: &Path) -> Result<String> {
    let file = if model.is_dir() {
        model.join("model.safetensors")
    } else {
        model.to_path_buf()
    };
    Ok(explainn_nn::checkpoint::FileDigest::of("model", &file)?.sha256)
}

/// Check that the derived results in `dir` (an `interpret/` or `test/` directory) were made
/// from the model at `model`: their `summary.json` records the model's checksum, which must
/// be this model's. `what` names the results and `hint` says what to do instead, for the
/// message. Results without `summary.json` (written by hand, or by a release
/// before checksums were recorded) pass.
pub fn check_made_for(dir: &Path, model: &Path, what: &str, hint: &str) -> Result<()> {
    let summary = dir.join("summary.json");
    let Ok(text) = std::fs::read_to_string(&summary) else {
        return Ok(());
    };
    let json: serde_json::Value = serde_json::from_str(&text)
        .map_err(|e| file_error(&summary, format!("is not JSON: {e}")))?;
    if let Some(recorded) = json["model_sha256"].as_str() {
        let this = model_checksum(model)?;
        if recorded != this {
            return Err(RunError::Data(format!(
                "{} in {}: made for another model (checksum {}…; {}'s is {}…): {hint}",
                what,
                dir.display(),
                &recorded[..12.min(recorded.len())],
                model.display(),
                &this[..12]
            )));
        }
    }
    Ok(())
}

/// The layout of a run directory.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RunDir {
    root: PathBuf,
}

impl RunDir {
    /// The run directory at `root` (nothing is read or created).
    pub fn new(root: impl Into<PathBuf>) -> Self {
        Self { root: root.into() }
    }

    /// The directory itself.
    pub fn root(&self) -> &Path {
        &self.root
    }

    /// `model.safetensors`.
    pub fn model(&self) -> PathBuf {
        self.root.join("model.safetensors")
    }

    /// `config.json`.
    pub fn config(&self) -> PathBuf {
        self.root.join("config.json")
    }

    /// `losses.tsv`.
    pub fn losses(&self) -> PathBuf {
        self.root.join("losses.tsv")
    }

    /// `test/` (the default output of `explainn test RUN`).
    pub fn test_dir(&self) -> PathBuf {
        self.root.join("test")
    }

    /// `interpret/`.
    pub fn interpret_dir(&self) -> PathBuf {
        self.root.join("interpret")
    }

    /// Read `config.json`.
    pub fn read_config(&self) -> Result<RunConfig> {
        RunConfig::read(&self.config())
    }

    /// A path recorded in `config.json`: as is when absolute; otherwise relative to the
    /// run directory when it exists there, else relative to the working directory (runs
    /// written before paths were stored absolute).
    pub fn resolve(&self, recorded: &Path) -> PathBuf {
        if recorded.is_absolute() {
            return recorded.to_path_buf();
        }
        let inside = self.root.join(recorded);
        if inside.exists() {
            inside
        } else {
            recorded.to_path_buf()
        }
    }
}
