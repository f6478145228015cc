//! `explainn train TRAIN VALID -o RUN_DIR`: train an ExplaiNN model on ExplaiNN TSV files.
//! RUN_DIR receives `model.safetensors`, `config.json` and `losses.tsv`, all or nothing.

use super::common_model::{device_named, init_threads, progress_bar, read_labelled};
use crate::output::{AtomicFile, OutputSet};
use anyhow::{Context, Result, bail};
use clap::Args as ClapArgs;
use explainn_nn::train::Progress;
use explainn_nn::{ExplaiNNConfig, Loss, ModelMetadata, TrainData, TrainOptions, checkpoint};
use std::io::Write;
use std::path::PathBuf;

#[derive(ClapArgs, Debug)]
pub struct Args {
    /// Training set (ExplaiNN TSV: id, sequence, one column per class; .gz allowed).
    pub train: PathBuf,
    /// Validation set, same format; used for early stopping.
    pub valid: PathBuf,
    /// Output run directory (created if missing).
    #[arg(short, long)]
    pub output: PathBuf,
    /// Number of units.
    #[arg(long, default_value_t = 100)]
    pub units: usize,
    /// Convolutional filter width.
    #[arg(long, default_value_t = 19)]
    pub filter_size: usize,
    /// Max-pool window.
    #[arg(long, default_value_t = 7)]
    pub pool_size: usize,
    /// Max-pool stride.
    #[arg(long, default_value_t = 7)]
    pub pool_stride: usize,
    /// Per-unit fully connected layers (0, 1, 2 or more).
    #[arg(long, default_value_t = 2)]
    pub num_fc: usize,
    /// Width of the per-unit hidden layers.
    #[arg(long, default_value_t = 100)]
    pub hidden: usize,
    /// Dropout probability in the per-unit layers.
    #[arg(long, default_value_t = 0.3)]
    pub dropout: f64,
    /// Loss: bce (multi-label), ce (multi-class), mse, pearson, poisson.
    #[arg(long, default_value = "bce")]
    pub loss: Loss,
    /// Adam learning rate.
    #[arg(long, default_value_t = 0.003)]
    pub lr: f64,
    /// Sequences per batch.
    #[arg(long, default_value_t = 100)]
    pub batch_size: usize,
    /// Maximum number of epochs.
    #[arg(long, default_value_t = 100)]
    pub max_epochs: usize,
    /// Epochs without a lower validation loss before stopping (0 = never).
    #[arg(long, default_value_t = 10)]
    pub patience: usize,
    /// Do not add reverse complements to the training and validation sets.
    #[arg(long)]
    pub no_rc: bool,
    /// Random seed (initialisation, shuffling, dropout).
    #[arg(long, default_value_t = 1714)]
    pub seed: u64,
    /// Compute threads (default: all cores).
    #[arg(long)]
    pub threads: Option<usize>,
    /// Compute device: cpu, or cuda / wgpu in builds with that cargo feature.
    #[arg(long, default_value = "cpu")]
    pub device: String,
}

pub fn run(a: Args) -> Result<()> {
    let threads = init_threads(a.threads);
    let device = device_named(&a.device)?;
    let train = read_labelled(&a.train, "training")?;
    let valid = read_labelled(&a.valid, "validation")?;
    if valid.length != train.length {
        bail!(
            "validation sequences have length {}, training sequences {}",
            valid.length,
            train.length
        );
    }
    if valid.n_classes() != train.n_classes() {
        bail!(
            "the validation file has {} label column(s), the training file {}",
            valid.n_classes(),
            train.n_classes()
        );
    }
    let config = ExplaiNNConfig {
        units: a.units,
        input_length: train.length,
        classes: train.n_classes(),
        filter_size: a.filter_size,
        pool_size: a.pool_size,
        pool_stride: a.pool_stride,
        num_fc: a.num_fc,
        hidden: a.hidden,
        dropout: a.dropout,
    };
    config.validate()?;
    let opts = TrainOptions {
        loss: a.loss,
        lr: a.lr,
        batch_size: a.batch_size,
        max_epochs: a.max_epochs,
        patience: a.patience,
        rc: !a.no_rc,
        seed: a.seed,
        ..TrainOptions::default()
    };
    let td = TrainData::new(&train.codes, &train.labels, train.length, train.n_classes())?;
    let vd = TrainData::new(&valid.codes, &valid.labels, valid.length, valid.n_classes())?;
    std::fs::create_dir_all(&a.output)
        .with_context(|| format!("cannot create {}", a.output.display()))?;

    let pb = progress_bar(
        0,
        "epoch {prefix} [{bar:30}] {pos}/{len} batches, loss {msg} ({elapsed})",
    );
    let mut report = |p: Progress| match p {
        Progress::EpochStart { epoch, batches } => {
            pb.set_prefix(epoch.to_string());
            pb.set_length(batches as u64);
            pb.set_position(0);
        }
        Progress::Batch { running_loss } => {
            pb.inc(1);
            pb.set_message(format!("{running_loss:.4}"));
        }
        Progress::EpochEnd(e) => {
            let line = format!(
                "epoch {}: train loss {:.5}, validation loss {:.5} ({:.1} s)",
                e.epoch, e.train_loss, e.validation_loss, e.seconds
            );
            if pb.is_hidden() {
                eprintln!("{line}")
            } else {
                pb.println(line)
            }
        }
    };
    let outcome = explainn_nn::train(config.clone(), &td, &vd, &opts, &device, &mut report)?;
    pb.finish_and_clear();

    let mut meta = ModelMetadata::new(config.clone(), train.class_names.clone());
    meta.trained_with_rc = opts.rc;
    meta.loss = Some(opts.loss);
    meta.steps = outcome.steps as u64;

    let mut outputs = OutputSet::default();
    let mut f = AtomicFile::create(a.output.join("model.safetensors"))?;
    checkpoint::write(&outcome.model, &meta, &mut f)?;
    outputs.add(move || f.commit());

    let mut f = AtomicFile::create(a.output.join("losses.tsv"))?;
    writeln!(f, "epoch\ttrain_loss\tvalidation_loss\tseconds")?;
    for e in &outcome.history {
        writeln!(
            f,
            "{}\t{}\t{}\t{:.3}",
            e.epoch, e.train_loss, e.validation_loss, e.seconds
        )?;
    }
    outputs.add(move || f.commit());

    let cfg = serde_json::json!({
        "command_line": std::env::args().collect::<Vec<_>>(),
        "explainn_version": env!("CARGO_PKG_VERSION"),
        "train": a.train,
        "validation": a.valid,
        "architecture": config,
        "training": opts,
        "threads": threads,
        "class_names": meta.class_names,
        "train_sequences": td.len(),
        "validation_sequences": vd.len(),
        "epochs_run": outcome.history.len(),
        "best_epoch": outcome.best_epoch,
    });
    let mut f = AtomicFile::create(a.output.join("config.json"))?;
    serde_json::to_writer_pretty(&mut f, &cfg)?;
    writeln!(f)?;
    outputs.add(move || f.commit());
    outputs.commit_all()?;
    let best = outcome.history[outcome.best_epoch - 1];
    eprintln!(
        "best epoch {} (validation loss {:.5}); model written to {}",
        outcome.best_epoch,
        best.validation_loss,
        a.output.join("model.safetensors").display()
    );
    Ok(())
}
