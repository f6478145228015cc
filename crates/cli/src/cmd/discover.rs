//! `explainn discover INPUT -o DIR`: de novo motifs from one set of peaks (prepare →
//! train → interpret → trim, filter, score on the test split, cluster); the pipeline is
//! [`explainn_run::discover`].

use super::common_model::progress_bar;
use anyhow::{Context, Result};
use clap::Args as ClapArgs;
use explainn_nn::train::Progress;
use explainn_run::discover::{DiscoverRequest, DiscoverStep, discover_run};
use explainn_run::train_spec::TrainEvent;
use explainn_seq::prepare::Negatives;
use std::path::PathBuf;

#[derive(ClapArgs, Debug)]
pub struct Args {
    /// Positives: FASTA or FASTQ (plain or gzip), or a BED file with --genome.
    pub input: PathBuf,
    /// Output directory (new or empty): data/, run/, motifs.meme, motifs.tsv, motifs.html.
    #[arg(short, long)]
    pub output: PathBuf,
    /// Genome FASTA: INPUT is then a BED file of peaks.
    #[arg(long)]
    pub genome: Option<PathBuf>,
    /// Negatives: shuffle (one dinucleotide shuffle per positive, the DeepBind protocol) or
    /// gc-matched (GC-matched random windows of --genome).
    #[arg(long, default_value = "shuffle", value_parser = ["shuffle", "gc-matched"])]
    pub negatives: String,
    /// Sequence length (centre crop / N pad; BED peaks re-centred) [default: the
    /// positives' own, which must then be one].
    #[arg(short, long)]
    pub length: Option<usize>,
    /// Units of the ExplaiNN model (the paper's 100).
    #[arg(long, default_value_t = 100, value_parser = super::positive)]
    pub units: usize,
    /// Most training epochs (early stopping on the validation loss as `train`).
    #[arg(long)]
    pub max_epochs: Option<usize>,
    /// Seed of the splits, negatives and initialisation.
    #[arg(long, default_value_t = explainn_ops::defaults::SEED)]
    pub seed: u64,
    /// Trim motif flanks whose information content is below this (bits).
    #[arg(long, default_value_t = explainn_motif::trim::DEFAULT_MIN_IC)]
    pub min_ic: f64,
    /// Drop trimmed motifs narrower than this.
    #[arg(long, default_value_t = explainn_motif::filter::FilterOptions::default().min_width)]
    pub min_width: usize,
    /// Drop trimmed motifs whose mean information content is below this (bits).
    #[arg(long, default_value_t = explainn_motif::filter::FilterOptions::default().min_mean_ic)]
    pub min_mean_ic: f64,
    /// Motifs join a cluster at a symmetric Tomtom p-value of at most this.
    #[arg(long, default_value_t = explainn_motif::cluster::ClusterOptions::default().threshold)]
    pub cluster_threshold: f64,
    #[command(flatten)]
    pub compute: super::common_model::Compute,
}

pub fn run(a: Args) -> Result<()> {
    let (threads, device) = a.compute.init()?;
    let mut req = DiscoverRequest::new(&a.input, &a.output);
    req.genome = a.genome.clone();
    req.negatives = match a.negatives.as_str() {
        "gc-matched" => {
            let genome = a
                .genome
                .clone()
                .context("--negatives gc-matched draws windows from --genome: give it")?;
            Negatives::GcMatchedGenome(genome)
        }
        _ => Negatives::Shuffle,
    };
    req.length = a.length;
    req.train.units = Some(a.units);
    req.train.max_epochs = a.max_epochs;
    req.train.seed = a.seed;
    req.min_ic = a.min_ic;
    req.filter.min_width = a.min_width;
    req.filter.min_mean_ic = a.min_mean_ic;
    req.cluster.threshold = a.cluster_threshold;
    req.threads = threads;
    req.device = device;
    let pb = progress_bar(0, "{msg} {wide_bar} {pos}/{len} ({elapsed})");
    let out = discover_run(&req, &|step| match step {
        DiscoverStep::Prepare => pb.set_message("preparing the splits"),
        DiscoverStep::Train(TrainEvent::Trainer {
            progress: Progress::EpochEnd(e),
            ..
        }) => pb.set_message(format!(
            "training: epoch {} validation loss {:.4}",
            e.epoch, e.validation_loss
        )),
        DiscoverStep::Train(_) => {}
        DiscoverStep::Interpret => pb.set_message("interpreting the units"),
        DiscoverStep::Motifs => pb.set_message("trimming, scoring and clustering the unit PWMs"),
    })
    .with_context(|| format!("cannot discover motifs in {}", a.input.display()))?;
    pb.finish_and_clear();
    info!(
        "{} non-redundant motifs from {} unit PWMs with sites ({} after trimming and filtering) in {:.0} s; best: {}; wrote {}",
        out.motifs.len(),
        out.with_sites,
        out.kept,
        out.seconds,
        out.motifs
            .first()
            .map(|d| format!("{} {} (test AUPRC {:.3})", d.motif.id, d.label, d.auprc))
            .unwrap_or_default(),
        a.output.display()
    );
    Ok(())
}
