//! `explainn attribute MODEL SEQS -o DIR`: base-resolution attributions with
//! `explainn_run::attribute::attribute_run` — exact DeepLIFT / DeepLIFT-SHAP for ExplaiNN
//! (rescale rule for exp and ReLU, Shapley values for max-pooling), in silico mutagenesis
//! (receptive-field for ExplaiNN), saliency, input × gradient and integrated gradients.

use super::common_model::{load_model_on, progress_bar};
use anyhow::Result;
use clap::Args as ClapArgs;
use explainn_ops::defaults;
use explainn_run::attribute::{AttributeRequest, Method, References, attribute_run};
use std::path::PathBuf;

#[derive(ClapArgs, Debug)]
pub struct Args {
    /// Model: a run directory or a model.safetensors file.
    pub model: PathBuf,
    /// Sequences: FASTA, FASTQ or ExplaiNN TSV (.gz allowed); with --genome, a BED file;
    /// `-` reads standard input.
    #[arg(value_parser = crate::stdin::input_path)]
    pub seqs: PathBuf,
    /// Output directory (replaced whole; a directory of other files is refused).
    #[arg(short, long)]
    pub output: PathBuf,
    /// deepliftshap (exact DeepLIFT averaged over --references; ExplaiNN and the
    /// convolutional baselines), deeplift (one reference), ism (every substitution; any
    /// architecture), saliency (the gradient at every base), input-x-gradient or
    /// integrated-gradients (any architecture) [default: deepliftshap where exact DeepLIFT
    /// exists for the model, else integrated-gradients; the report uses the same].
    #[arg(long)]
    pub method: Option<Method>,
    /// References: shuffle:N (N seeded dinucleotide shuffles per sequence, as
    /// tangermeme), zeros, or gc (the sequence's own base frequencies). Default:
    /// shuffle:20 for deepliftshap, shuffle:1 for deeplift, zeros for integrated-gradients.
    #[arg(long)]
    pub references: Option<References>,
    /// Integrated gradients: Gauss–Legendre points on the path from each reference to the
    /// sequence (Captum's rule) to start from; doubled for a pair whose convergence delta
    /// exceeds --tolerance (ReLU and max-pool kinks), up to --max-steps.
    #[arg(long, default_value_t = defaults::IG_STEPS)]
    pub steps: usize,
    /// Integrated gradients: the largest convergence delta accepted, relative to
    /// max(1, |f(x) − f(r)|).
    #[arg(long, default_value_t = defaults::IG_TOLERANCE)]
    pub tolerance: f64,
    /// Integrated gradients: the most points per pair.
    #[arg(long, default_value_t = defaults::IG_MAX_STEPS)]
    pub max_steps: usize,
    /// Write the hypothetical contributions (what each base would contribute at each
    /// position; the form tfmodisco-lite wants) as `attributions` (deeplift, deepliftshap,
    /// input-x-gradient, integrated-gradients; ism and saliency give every base already).
    #[arg(long)]
    pub hypothetical: bool,
    /// Also write unit_attributions.npy `(N, U, L)`: each unit's share of each position's
    /// attribution (ExplaiNN, deeplift or deepliftshap; they sum over the units).
    #[arg(long)]
    pub units: bool,
    /// Class to attribute (name or 0-based index); required when the model has several.
    #[arg(long)]
    pub target: Option<String>,
    /// Genome FASTA: SEQS is then a BED file whose intervals are re-centred to the model's
    /// input length.
    #[arg(long)]
    pub genome: Option<PathBuf>,
    /// Centre-crop or N-pad sequences to the model's input length.
    #[arg(long)]
    pub fit_length: bool,
    #[command(flatten)]
    pub strands: super::common_model::Strands,
    /// Seed of the shuffled references.
    #[arg(long, default_value_t = defaults::SEED)]
    pub seed: u64,
    #[command(flatten)]
    pub compute: super::common_model::Compute,
    #[command(flatten)]
    pub batch: super::common_model::Batch,
}

pub fn run(a: Args) -> Result<()> {
    let (_, device) = a.compute.init()?;
    let mf = load_model_on(&a.model, &device)?;
    let req = AttributeRequest {
        model_path: a.model.clone(),
        seqs: a.seqs.clone(),
        genome: a.genome.clone(),
        fit_length: a.fit_length,
        method: a.method,
        references: a.references,
        steps: a.steps,
        tolerance: a.tolerance,
        max_steps: a.max_steps,
        hypothetical: a.hypothetical,
        units: a.units,
        target: a.target.clone(),
        forward_only: a.strands.forward_only,
        output: a.output.clone(),
        seed: a.seed,
        batch_size: a.batch.batch_size,
        device: device.clone(),
    };
    let pb = progress_bar(0, "{pos} sequences attributed ({per_sec}, {elapsed})");
    let r = attribute_run(mf, &req, &|done| pb.set_position(done as u64))?;
    pb.finish_and_clear();
    info!(
        "attributed {} sequences to {} ({}) in {}",
        r.sequences,
        r.target,
        if r.both_strands {
            "strand-averaged"
        } else {
            "forward strand"
        },
        a.output.display()
    );
    match r.max_delta {
        Some(d) if r.method == Method::IntegratedGradients => {
            if r.incomplete > 0 {
                eprintln!(
                    "warning: {} sequence–reference pairs stayed above --tolerance {} at --max-steps {} (largest delta {d:.3e}); see deltas.tsv",
                    r.incomplete, a.tolerance, a.max_steps
                );
            } else {
                info!(
                    "every pair complete within --tolerance {} (largest delta {d:.1e})",
                    a.tolerance
                );
            }
        }
        Some(d) if d > 1e-3 => {
            eprintln!("warning: the largest convergence delta is {d:.3e}; see deltas.tsv");
        }
        Some(d) => {
            info!("largest convergence delta {d:.1e} (Σ attributions = f(x) − f(reference))")
        }
        None => {}
    }
    Ok(())
}
