//! `explainn instances MODEL --genome G [--regions BED] -o FILE`: where each ExplaiNN
//! unit's filter activates along a genome, as BED6+; the pipeline is
//! [`explainn_run::instances`].

use super::common_model::load_model_on;
use anyhow::{Context, Result};
use clap::Args as ClapArgs;
use explainn_run::instances::{InstancesRequest, instances_run};
use std::path::PathBuf;

#[derive(ClapArgs, Debug)]
pub struct Args {
    /// Model: an interpreted run directory (its interpret/annotation.tsv gives each unit's
    /// maximum activation and label), or a model file with --annotation.
    pub model: PathBuf,
    /// Genome FASTA (plain, indexed with .fai when missing, or gzip).
    #[arg(long)]
    pub genome: PathBuf,
    /// Only these regions (BED; sorted and merged here).
    #[arg(long)]
    pub regions: Option<PathBuf>,
    /// Output BED6+ (`.gz` compresses; `-` writes standard output).
    #[arg(short, long)]
    pub output: PathBuf,
    /// Threshold: this fraction of each unit's largest activation in the interpretation
    /// (the interpretation's own rule).
    #[arg(long, default_value_t = explainn_interpret::activations::THRESHOLD_FRACTION)]
    pub fraction: f32,
    /// The annotation.tsv with max_activation and label (default: the run's own).
    #[arg(long)]
    pub annotation: Option<PathBuf>,
    #[command(flatten)]
    pub strands: super::common_model::Strands,
    #[command(flatten)]
    pub compute: super::common_model::Compute,
    #[command(flatten)]
    pub batch: super::common_model::Batch,
}

pub fn run(a: Args) -> Result<()> {
    let (_, device) = a.compute.init()?;
    let mf = load_model_on(&a.model, &device)?;
    let req = InstancesRequest {
        model: a.model.clone(),
        genome: a.genome.clone(),
        regions: a.regions.clone(),
        output: a.output.clone(),
        fraction: a.fraction,
        annotation: a.annotation.clone(),
        forward_only: a.strands.forward_only,
        batch_size: a.batch.batch_size,
        device,
    };
    let pb = super::common_model::ChromosomeProgress::new();
    let out = instances_run(mf, &req, &|chrom, done, len| pb.update(chrom, done, len))
        .with_context(|| format!("cannot scan {}", a.genome.display()))?;
    pb.finish();
    let total: u64 = out.per_unit.iter().sum();
    let active = out.per_unit.iter().filter(|&&n| n > 0).count();
    info!(
        "{total} instances of {active} of {} units; wrote {}",
        out.per_unit.len(),
        a.output.display()
    );
    Ok(())
}
