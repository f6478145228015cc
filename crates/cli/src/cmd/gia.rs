//! `explainn gia MODEL -o DIR`: global importance analysis with
//! `explainn_run::gia::gia_run` — insert a pattern into background sequences and report
//! Δ logit per class (and per unit for ExplaiNN), or vary the gap between two patterns and
//! report what the pair adds beyond the sum of its parts.

use super::common_model::load_model_on;
use anyhow::{Result, bail};
use clap::Args as ClapArgs;
use explainn_run::gia::{
    Background, Experiment, GiaRequest, gia_run_with, parse_distances, parse_pattern,
};
use std::path::PathBuf;

#[derive(ClapArgs, Debug)]
pub struct Args {
    /// Model: a run directory or a model.safetensors file.
    pub model: PathBuf,
    /// Output directory (replaced whole; a directory of other files is refused).
    #[arg(short, long)]
    pub output: PathBuf,
    /// Insert this pattern: an A/C/G/T consensus (e.g. AGATAA), or a motif file (MEME,
    /// JASPAR, HOCOMOCO) as FILE or FILE:ID, instances drawn from its PFM.
    #[arg(long, conflicts_with_all = ["pair", "ablate"])]
    pub insert: Option<String>,
    /// Shuffle away the matches of this pattern (as --insert; FIMO p ≤ --thresh, both
    /// strands, uniform background) in the sequences of --sequences, and report the drop.
    #[arg(long, conflicts_with = "pair", requires = "sequences")]
    pub ablate: Option<String>,
    /// Sequences for --ablate (FASTA/FASTQ/TSV), used as they are; `-` reads standard
    /// input.
    #[arg(long, value_parser = crate::stdin::input_path)]
    pub sequences: Option<PathBuf>,
    /// FIMO p-value threshold of the matches --ablate removes.
    #[arg(long, default_value_t = 1e-4)]
    pub thresh: f64,
    /// Start of the inserted pattern (0-based) or `centre`.
    #[arg(long, default_value = "centre")]
    pub position: String,
    /// Two patterns A B (as --insert) placed with a gap of each --distances between them.
    #[arg(long, num_args = 2, value_names = ["A", "B"])]
    pub pair: Option<Vec<String>>,
    /// Gaps for --pair: FROM:TO:STEP (inclusive) or a list.
    #[arg(long, default_value = "0:50:5")]
    pub distances: String,
    /// Backgrounds: dinucleotide shuffles of these sequences (FASTA/FASTQ/TSV; cycled to
    /// --n; `-` reads standard input). Default: random sequences at --gc.
    #[arg(long, value_parser = crate::stdin::input_path)]
    pub background: Option<PathBuf>,
    /// G+C fraction of random backgrounds.
    #[arg(long, default_value_t = 0.41, conflicts_with = "background")]
    pub gc: f64,
    /// Number of background sequences.
    #[arg(long, default_value_t = 1000, value_parser = super::positive)]
    pub n: usize,
    /// Seed of the backgrounds and of the motif instances.
    #[arg(long, default_value_t = explainn_ops::defaults::SEED)]
    pub seed: u64,
    /// Unit labels from this annotation.tsv [default: RUN_DIR/interpret/annotation.tsv].
    #[arg(long)]
    pub annotation: Option<PathBuf>,
    /// Centre-crop or N-pad background sequences to the model's input length.
    #[arg(long)]
    pub fit_length: bool,
    #[command(flatten)]
    pub strands: super::common_model::Strands,
    #[command(flatten)]
    pub compute: super::common_model::Compute,
    #[command(flatten)]
    pub batch: super::common_model::Batch,
}

pub fn run(a: Args) -> Result<()> {
    use super::refuse_given;
    if a.pair.is_some() || a.ablate.is_some() {
        refuse_given(&["position"], "to --pair or --ablate (it places --insert)")?;
    }
    if a.pair.is_none() {
        refuse_given(&["distances"], "without --pair")?;
    }
    if a.ablate.is_some() {
        refuse_given(
            &["n", "background", "gc"],
            "to --ablate (it shuffles matches out of the --sequences given)",
        )?;
    } else {
        refuse_given(&["sequences", "thresh"], "without --ablate")?;
    }
    let (_, device) = a.compute.init()?;
    let experiment = experiment(&a)?;
    let mf = load_model_on(&a.model, &device)?;
    let req = GiaRequest {
        model_path: a.model.clone(),
        background: match &a.background {
            Some(p) => Background::Shuffles(p.clone()),
            None => Background::Random { gc: a.gc },
        },
        n: a.n,
        seed: a.seed,
        experiment,
        annotation: a.annotation.clone(),
        forward_only: a.strands.forward_only,
        fit_length: a.fit_length,
        output: a.output.clone(),
        batch_size: a.batch.batch_size,
        device: device.clone(),
    };
    let pb = super::common_model::progress_bar(
        0,
        "{pos}/{len} sequences scored ({per_sec}, {eta} left)",
    );
    let r = gia_run_with(mf, &req, &|done, total| {
        pb.set_length(total);
        pb.set_position(done);
    })?;
    pb.finish_and_clear();
    print_outcome(&a, &r);
    Ok(())
}

/// The experiment of `--insert`, `--pair` or `--ablate`.
fn experiment(a: &Args) -> Result<Experiment> {
    Ok(match (&a.insert, &a.pair) {
        (None, None) if a.ablate.is_some() => Experiment::Ablate {
            pattern: parse_pattern(a.ablate.as_deref().expect("checked"))?,
            sequences: a.sequences.clone().expect("clap requires it"),
            thresh: a.thresh,
        },
        (Some(p), None) => Experiment::Insert {
            pattern: parse_pattern(p)?,
            position: match a.position.as_str() {
                "centre" | "center" => None,
                s => Some(s.parse().map_err(|_| {
                    anyhow::anyhow!("--position {s}: expected a 0-based start or `centre`")
                })?),
            },
        },
        (None, Some(ab)) => Experiment::Pair {
            a: parse_pattern(&ab[0])?,
            b: parse_pattern(&ab[1])?,
            distances: parse_distances(&a.distances).map_err(anyhow::Error::msg)?,
        },
        _ => bail!("give --insert PATTERN, --pair A B or --ablate PATTERN --sequences SEQS"),
    })
}

/// Each class's effect and top unit (or each gap's residuals) on standard output.
fn print_outcome(a: &Args, r: &explainn_run::gia::GiaOutcome) {
    let strands = if r.both_strands {
        "strand-averaged"
    } else {
        "forward strand"
    };
    if let Some((with, matches)) = r.ablated {
        info!("{matches} matches in {with} sequences shuffled away");
    }
    if !r.effects.is_empty() {
        println!("class\tdelta_logit_mean\tdelta_logit_sd\ttop_unit\ttop_unit_delta");
        for (c, e) in r.effects.iter().enumerate() {
            let (label, d) = r
                .top_units
                .get(c)
                .map_or(("NA".to_string(), f64::NAN), |(l, e)| (l.clone(), e.mean));
            println!(
                "{}\t{:.4}\t{:.4}\t{label}\t{d:.4}",
                r.classes[c], e.mean, e.sd
            );
        }
    }
    for (d, res) in &r.pair {
        let cols: Vec<String> = res
            .iter()
            .zip(&r.classes)
            .map(|(e, c)| format!("{c} {:+.4}", e.mean))
            .collect();
        println!("gap {d}\tresidual {}", cols.join("\t"));
    }
    if a.ablate.is_none() {
        info!(
            "{} backgrounds, {strands} logits; tables in {}",
            a.n,
            a.output.display()
        );
    } else {
        info!("{strands} logits; tables in {}", a.output.display());
    }
}
