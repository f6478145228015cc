//! `explainn attribute MODEL SEQS -o DIR`: base-resolution attributions with
//! `explainn_run::attribute::attribute_run` — exact DeepLIFT / DeepLIFT-SHAP for ExplaiNN
//! (rescale rule for exp and ReLU, Shapley values for max-pooling) or in silico mutagenesis
//! for any architecture.

use super::common_model::{init_threads, load_model};
use anyhow::Result;
use clap::Args as ClapArgs;
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
    /// deepliftshap (ExplaiNN: exact DeepLIFT averaged over --references), deeplift (one
    /// reference) or ism (every substitution, any architecture).
    #[arg(long, default_value = "deepliftshap")]
    pub method: Method,
    /// DeepLIFT references: shuffle:N (N seeded dinucleotide shuffles per sequence, as
    /// tangermeme), zeros, or gc (the sequence's own base frequencies).
    #[arg(long, default_value = "shuffle:20")]
    pub references: References,
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
    /// Attribute the forward-strand logit even for a model trained with reverse
    /// complements (otherwise the strand average, as predictions are).
    #[arg(long)]
    pub forward_only: bool,
    /// Seed of the shuffled references.
    #[arg(long, default_value_t = 1714)]
    pub seed: u64,
    /// Sequences per batch (ISM).
    #[arg(long, default_value_t = 256)]
    pub batch_size: usize,
    /// Compute threads (default: all cores).
    #[arg(long)]
    pub threads: Option<usize>,
}

pub fn run(a: Args) -> Result<()> {
    init_threads(a.threads);
    let mf = load_model(&a.model)?;
    let req = AttributeRequest {
        model_path: a.model.clone(),
        seqs: a.seqs.clone(),
        genome: a.genome.clone(),
        fit_length: a.fit_length,
        method: a.method,
        references: a.references,
        target: a.target.clone(),
        forward_only: a.forward_only,
        output: a.output.clone(),
        seed: a.seed,
        batch_size: a.batch_size,
    };
    let r = attribute_run(mf, &req)?;
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
    if let Some(d) = r.max_delta {
        if d > 1e-3 {
            eprintln!("warning: the largest convergence delta is {d:.3e}; see deltas.tsv");
        } else {
            info!("largest convergence delta {d:.1e} (Σ attributions = f(x) − f(reference))");
        }
    }
    Ok(())
}
