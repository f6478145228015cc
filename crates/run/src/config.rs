//! `config.json`: what a training run was asked to do and what it did.

use crate::{Result, file_error};
use explainn_nn::{Arch, TrainOptions};
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};

/// The typed content of `config.json`. Unknown keys are ignored and every key added after
/// the first release is optional, so older run directories still read.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RunConfig {
    /// The command line, one argument per entry.
    pub command_line: Vec<String>,
    /// Version of explainn that trained the model.
    pub explainn_version: String,
    /// Training file (absolute since 0.2; see [`crate::RunDir::resolve`]).
    pub train: PathBuf,
    /// Validation file.
    pub validation: PathBuf,
    /// Architecture tag (runs before 0.2 were all ExplaiNN).
    #[serde(default = "explainn_arch")]
    pub arch: Arch,
    /// The architecture's hyperparameters (as in the model file).
    pub architecture: serde_json::Value,
    /// Optimisation settings.
    pub training: TrainOptions,
    /// Compute threads used.
    pub threads: usize,
    /// One name per output.
    pub class_names: Vec<String>,
    /// Sequences of the training file (under `simulated`, the file only set the length and
    /// the class).
    pub train_sequences: usize,
    pub validation_sequences: usize,
    /// Training on fresh sets simulated each epoch (`train --simulate`): the grammar's name
    /// and the sequences of each epoch's set (positives and negatives).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub simulated: Option<Simulated>,
    pub epochs_run: usize,
    /// The epoch whose weights were kept (1-based).
    pub best_epoch: usize,
    /// False while training runs (written after every epoch), true once it finished: a
    /// run directory with `complete: false` holds an interrupted training, whose model is
    /// the best one so far. Runs before 0.3 wrote no such key (they are complete).
    #[serde(default = "yes")]
    pub complete: bool,
}

/// What `train --simulate` trained on.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Simulated {
    pub grammar: String,
    pub sequences_per_epoch: usize,
}

fn explainn_arch() -> Arch {
    Arch::ExplaiNN
}

fn yes() -> bool {
    true
}

impl RunConfig {
    /// Read `config.json`, naming the file in every error.
    pub fn read(path: &Path) -> Result<Self> {
        let text = std::fs::read_to_string(path).map_err(|e| file_error(path, e))?;
        serde_json::from_str(&text)
            .map_err(|e| file_error(path, format!("not a run configuration: {e}")))
    }

    /// Write `config.json` (pretty-printed, newline-terminated) to `w`.
    pub fn write(&self, mut w: impl std::io::Write) -> std::io::Result<()> {
        serde_json::to_writer_pretty(&mut w, self)?;
        writeln!(w)
    }
}

/// `path` made absolute against the working directory (without resolving links), so a
/// recorded path stays valid from any working directory.
pub fn absolute(path: &Path) -> PathBuf {
    std::path::absolute(path).unwrap_or_else(|_| path.to_path_buf())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_and_reads_a_first_release_config() {
        let c = RunConfig {
            command_line: vec!["explainn".into(), "train".into()],
            explainn_version: "0.2.0".into(),
            train: "/data/t.tsv".into(),
            validation: "/data/v.tsv".into(),
            arch: Arch::DanQ,
            architecture: serde_json::json!({"filters": 320}),
            training: TrainOptions::default(),
            threads: 2,
            class_names: vec!["a".into()],
            train_sequences: 10,
            simulated: None,
            validation_sequences: 2,
            epochs_run: 3,
            best_epoch: 2,
            complete: false,
        };
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("config.json");
        let mut buf = Vec::new();
        c.write(&mut buf).unwrap();
        std::fs::write(&p, &buf).unwrap();
        assert_eq!(RunConfig::read(&p).unwrap(), c);
        // The first release wrote no `arch` and no optimiser, schedule or keep settings.
        let mut v: serde_json::Value = serde_json::from_slice(&buf).unwrap();
        v.as_object_mut().unwrap().remove("arch");
        v.as_object_mut().unwrap().remove("complete");
        for k in ["optimiser", "schedule", "keep"] {
            v["training"].as_object_mut().unwrap().remove(k);
        }
        std::fs::write(&p, v.to_string()).unwrap();
        let old = RunConfig::read(&p).unwrap();
        assert_eq!(old.arch, Arch::ExplaiNN);
        assert!(old.complete, "runs that predate the key are complete");
        assert_eq!(old.training, TrainOptions::default());
        std::fs::write(&p, "{}").unwrap();
        let e = RunConfig::read(&p).unwrap_err().to_string();
        assert!(
            e.contains("config.json") && e.contains("missing field"),
            "{e}"
        );
    }
}
