//! `explainn predict MODEL INPUT`: predictions for every sequence of a FASTA, FASTQ or
//! ExplaiNN TSV file (plain or gzip) into `OUT_DIR/predictions.tsv.gz`; the pipeline is
//! [`explainn_run::predict`].

use super::common_model::{load_model_on, progress_bar};
use anyhow::{Context, Result};
use clap::Args as ClapArgs;
use explainn_run::predict::{PredictRequest, predict_run_with, predictions_path};
use std::path::PathBuf;

#[derive(ClapArgs, Debug)]
pub struct Args {
    /// Model: a run directory or a model.safetensors file.
    pub model: PathBuf,
    /// Sequences: FASTA, FASTQ or ExplaiNN TSV (.gz allowed); with --genome, a BED file;
    /// `-` reads standard input.
    #[arg(value_parser = crate::stdin::input_path)]
    pub input: PathBuf,
    /// Genome FASTA: INPUT is then a BED file whose intervals are re-centred to the model's
    /// input length and extracted (strand-aware).
    #[arg(long)]
    pub genome: Option<PathBuf>,
    /// Output directory (created if missing).
    #[arg(short, long, default_value = ".")]
    pub output: PathBuf,
    /// Apply a sigmoid to the reported values.
    #[arg(long)]
    pub sigmoid: bool,
    /// Centre-crop or N-pad sequences to the model's input length instead of rejecting
    /// sequences of another length.
    #[arg(long)]
    pub fit_length: bool,
    #[command(flatten)]
    pub compute: super::common_model::Compute,
    #[command(flatten)]
    pub batch: super::common_model::Batch,
}

pub fn run(a: Args) -> Result<()> {
    let (_, device) = a.compute.init()?;
    let mf = load_model_on(&a.model, &device)?;
    let req = PredictRequest {
        input: a.input.clone(),
        genome: a.genome.clone(),
        fit_length: a.fit_length,
        output: a.output.clone(),
        sigmoid: a.sigmoid,
        batch_size: a.batch.batch_size,
        device,
    };
    let pb = progress_bar(0, "{pos} sequences ({per_sec}, {elapsed})");
    let total = predict_run_with(mf, &req, &|done| pb.set_position(done))
        .with_context(|| format!("cannot predict the sequences of {}", a.input.display()))?;
    pb.finish_and_clear();
    info!(
        "{total} sequences predicted; wrote {}",
        predictions_path(&req).display()
    );
    Ok(())
}
