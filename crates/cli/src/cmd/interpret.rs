//! `explainn interpret RUN_DIR [DATA] [-o OUT_DIR]`: unit PWMs (`filters.meme`), Tomtom
//! annotation against JASPAR 2024 (`tomtom.tsv`, `annotation.tsv`), final-layer weights
//! (`weights.tsv`), unit importance (`importance.tsv`, `importance.long.tsv.gz`), logos
//! (`logos/`), plots (`plots/`) and `summary.json`, written all together or not at all.
//! The pipeline is `explainn_run::interpret`; this module only parses the arguments.

use super::common_model::progress_bar;
use anyhow::Result;
use clap::Args as ClapArgs;
use explainn_interpret::select::Selection;
use explainn_run::interpret::{InterpretProgress, InterpretRequest, interpret_run};
use std::path::PathBuf;
#[derive(ClapArgs, Debug)]
#[command(after_help = "Examples:
  explainn interpret runs/ctcf                      # training set recorded in runs/ctcf/config.json
  explainn interpret runs/ctcf data/test.tsv.gz --all -o runs/ctcf/interpret-test
  explainn interpret runs/ctcf --correlation 0.8 --max-sequences 20000 --seed 1")]
pub struct Args {
    /// Run directory of `explainn train` (or a model.safetensors file).
    pub run: PathBuf,
    /// Sequences to interpret: ExplaiNN TSV (labelled) or FASTA/FASTQ (then every sequence
    /// is used); with --genome, a BED file. Default: the training file recorded in
    /// RUN_DIR/config.json.
    pub data: Option<PathBuf>,
    /// Genome FASTA: DATA is then a BED file whose intervals are re-centred to the model's
    /// input length and extracted (strand-aware); every interval is used.
    #[arg(long, requires = "data")]
    pub genome: Option<PathBuf>,
    /// Centre-crop or N-pad sequences to the model's input length instead of rejecting
    /// those of another length.
    #[arg(long)]
    pub fit_length: bool,
    /// Output directory [default: RUN_DIR/interpret].
    #[arg(short, long)]
    pub output: Option<PathBuf>,
    /// Keep sequences whose rounded predictions equal their labels in every class
    /// [default for binary tasks].
    #[arg(long, group = "rule")]
    pub exact_match: bool,
    /// Keep sequences whose correlation across classes between labels and predictions
    /// exceeds X [default for regression: 0.75].
    #[arg(long, value_name = "X", group = "rule")]
    pub correlation: Option<f64>,
    /// Keep sequences in the top N % both by label and by prediction (in any class).
    #[arg(long, value_name = "N", group = "rule")]
    pub top_percent: Option<f64>,
    /// Keep every sequence.
    #[arg(long, group = "rule")]
    pub all: bool,
    /// Keep at most this many selected sequences (seeded random subsample).
    #[arg(long)]
    pub max_sequences: Option<usize>,
    /// Seed of the subsample.
    #[arg(long, default_value_t = explainn_ops::defaults::SEED)]
    pub seed: u64,
    /// Target motifs for annotation (MEME/JASPAR/HOCOMOCO) [default: bundled JASPAR 2024
    /// CORE vertebrates non-redundant].
    #[arg(long)]
    pub motifs: Option<PathBuf>,
    /// Annotation q-value threshold.
    #[arg(long, default_value_t = 0.05)]
    pub q_threshold: f64,
    #[command(flatten)]
    pub strands: super::common_model::Strands,
    /// Test metrics to plot [default: RUN_DIR/test/metrics.tsv when present].
    #[arg(long)]
    pub metrics: Option<PathBuf>,
    /// ARGMINN: call instances where the largest attention over layers and heads exceeds
    /// this.
    #[arg(long, default_value_t = explainn_ops::argminn::INSTANCE_ATTENTION)]
    pub instance_attention: f32,
    /// ARGMINN: the attention threshold of the spacing histograms (syntax.tsv).
    #[arg(long, default_value_t = explainn_ops::argminn::SYNTAX_ATTENTION)]
    pub syntax_attention: f32,
    #[command(flatten)]
    pub compute: super::common_model::Compute,
    #[command(flatten)]
    pub batch: super::common_model::Batch,
}

pub fn run(a: Args) -> Result<()> {
    let (_, device) = a.compute.init()?;
    let selection = if a.all {
        Some(Selection::All)
    } else if a.exact_match {
        Some(Selection::ExactMatch)
    } else if let Some(x) = a.correlation {
        Some(Selection::Correlation(x))
    } else {
        a.top_percent.map(Selection::TopPercent)
    };
    let req = InterpretRequest {
        model: a.run.clone(),
        data: a.data.clone(),
        genome: a.genome.clone(),
        fit_length: a.fit_length,
        output: a.output.clone(),
        selection,
        max_sequences: a.max_sequences,
        seed: a.seed,
        motifs: a.motifs.clone(),
        q_threshold: a.q_threshold,
        forward_only: a.strands.forward_only,
        metrics: a.metrics.clone(),
        batch_size: a.batch.batch_size,
        instance_attention: a.instance_attention,
        syntax_attention: a.syntax_attention,
    };
    let pb = progress_bar(
        0,
        "pass {prefix}/2 [{bar:30}] {pos}/{len} sequences ({elapsed})",
    );
    let mut show = |p: InterpretProgress| match p {
        InterpretProgress::Note(m) => {
            if pb.is_hidden() {
                info!("{m}")
            } else {
                pb.println(m)
            }
        }
        InterpretProgress::Pass { pass, done, total } => {
            pb.set_prefix(pass.to_string());
            pb.set_length(total as u64);
            pb.set_position(done as u64);
        }
    };
    let done = interpret_run(&req, &device, &mut show)?;
    pb.finish_and_clear();
    if done.what == "pretrained units" {
        info!(
            "{} pretrained units, named after their models; outputs in {}",
            done.total,
            done.output.display()
        );
    } else {
        info!(
            "{} of {} {} annotated (q ≤ {}); outputs in {}",
            done.annotated,
            done.total,
            done.what,
            a.q_threshold,
            done.output.display()
        );
    }
    for line in &done.top {
        println!("{line}");
    }
    Ok(())
}
