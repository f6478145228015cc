//! `explainn predict MODEL INPUT`: predictions for every sequence of a FASTA, FASTQ or
//! ExplaiNN TSV file (plain or gzip) into `OUT_DIR/predictions.tsv.gz`; the pipeline is
//! [`explainn_run::predict`]. With `--genome G --tile STRIDE` (and no INPUT): tracks along
//! the whole genome or `--regions`, [`explainn_run::tile`].

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
    /// `-` reads standard input. Not given with --tile.
    #[arg(value_parser = crate::stdin::input_path, required_unless_present = "tile", conflicts_with = "tile")]
    pub input: Option<PathBuf>,
    /// Genome FASTA: INPUT is then a BED file whose intervals are re-centred to the model's
    /// input length and extracted (strand-aware); with --tile, the genome to tile.
    #[arg(long)]
    pub genome: Option<PathBuf>,
    /// Output directory (created if missing; default `.`, with --tile `tracks`, which is
    /// replaced whole).
    #[arg(short, long)]
    pub output: Option<PathBuf>,
    /// Apply a sigmoid to the reported values (with --tile: to the class tracks; unit
    /// tracks stay logits so that they add up).
    #[arg(long)]
    pub sigmoid: bool,
    /// Tile the genome (or --regions): windows of the model's length every STRIDE bases,
    /// each value over the STRIDE bases around its window's centre, written as bigWig per
    /// class (the library's default stride, `explainn_ops::defaults::TILE_STRIDE`, is 50).
    #[arg(long, value_name = "STRIDE", requires = "genome", value_parser = super::positive)]
    pub tile: Option<usize>,
    /// With --tile: only these regions of the genome (BED; sorted and merged here).
    #[arg(long, requires = "tile")]
    pub regions: Option<PathBuf>,
    /// With --tile: windows with more than this fraction of N are skipped (and counted).
    #[arg(long, default_value_t = explainn_ops::defaults::TILE_MAX_N, requires = "tile")]
    pub max_n: f32,
    /// With --tile: contribution tracks of units, per class: all, top:K (ranked by the
    /// run's importance.tsv, else by |final weight|) or a list such as u3,u17; with a
    /// track of the logit minus them.
    #[arg(long, default_value = "none", requires = "tile")]
    pub unit_tracks: explainn_run::tile::UnitTracks,
    /// With --tile: also write each class track as bedGraph.
    #[arg(long, requires = "tile")]
    pub bedgraph: bool,
    /// With --tile: name units from this annotation.tsv instead of the run's own.
    #[arg(long, requires = "tile")]
    pub annotation: Option<PathBuf>,
    /// With --tile: predict the forward strand only (a model trained with reverse
    /// complements is otherwise averaged over both strands).
    #[arg(long, requires = "tile")]
    pub forward_only: bool,
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
    let Some(input) = a.input.clone() else {
        return tile(a, mf, device);
    };
    let req = PredictRequest {
        input: input.clone(),
        genome: a.genome.clone(),
        fit_length: a.fit_length,
        output: a.output.clone().unwrap_or_else(|| PathBuf::from(".")),
        sigmoid: a.sigmoid,
        batch_size: a.batch.batch_size,
        device,
    };
    let pb = progress_bar(0, "{pos} sequences ({per_sec}, {elapsed})");
    let total = predict_run_with(mf, &req, &|done| pb.set_position(done))
        .with_context(|| format!("cannot predict the sequences of {}", input.display()))?;
    pb.finish_and_clear();
    info!(
        "{total} sequences predicted; wrote {}",
        predictions_path(&req).display()
    );
    Ok(())
}

/// `--tile`: tracks along the genome.
fn tile(a: Args, mf: explainn_nn::ModelFile, device: explainn_nn::Device) -> Result<()> {
    use explainn_run::tile::{TileRequest, tile_run};
    let genome = a.genome.clone().context("--tile needs --genome FASTA")?;
    let req = TileRequest {
        model: a.model.clone(),
        genome: genome.clone(),
        regions: a.regions.clone(),
        output: a.output.clone().unwrap_or_else(|| PathBuf::from("tracks")),
        stride: a.tile.expect("tile mode"),
        max_n: a.max_n,
        forward_only: a.forward_only,
        sigmoid: a.sigmoid,
        unit_tracks: a.unit_tracks.clone(),
        bedgraph: a.bedgraph,
        annotation: a.annotation.clone(),
        batch_size: a.batch.batch_size,
        device,
    };
    let pb = super::common_model::ChromosomeProgress::new();
    let out = tile_run(mf, &req, &|chrom, done, len| pb.update(chrom, done, len))
        .with_context(|| format!("cannot tile {}", genome.display()))?;
    pb.finish();
    if !out.short.is_empty() {
        info!(
            "{} chromosome(s) shorter than the model's window skipped: {}",
            out.short.len(),
            out.short.join(", ")
        );
    }
    info!(
        "{} windows predicted, {} skipped for more than {} N; wrote {} files to {}",
        out.windows,
        out.skipped_n,
        req.max_n,
        out.files.len(),
        req.output.display()
    );
    Ok(())
}
