//! `explainn explain MODEL SEQS`: per-sequence unit contributions to every class logit.
//! Output TSV (`-o`, default standard output): `id, class, unit, label, contribution`, one
//! row per (sequence, class, unit) plus a `bias` row; for each (sequence, class) the
//! contributions plus the bias equal the logit (strand-averaged for models trained with
//! reverse complements), which is written as a `logit` row.

use super::common_model::load_model_on;
use crate::output::AtomicFile;
use anyhow::{Context, Result, bail};
use clap::Args as ClapArgs;
use explainn_nn::Predictor;
use explainn_ops::explain::explain;
use std::io::Write;
use std::path::PathBuf;

#[derive(ClapArgs, Debug)]
pub struct Args {
    /// Model: a run directory or a model.safetensors file.
    pub model: PathBuf,
    /// Sequences: FASTA, FASTQ or ExplaiNN TSV (.gz allowed); with --genome, a BED file;
    /// `-` reads standard input.
    #[arg(value_parser = crate::stdin::input_path)]
    pub seqs: PathBuf,
    /// Genome FASTA: SEQS is then a BED file whose intervals are re-centred to the model's
    /// input length and extracted (strand-aware).
    #[arg(long)]
    pub genome: Option<PathBuf>,
    /// Centre-crop or N-pad sequences to the model's input length instead of rejecting
    /// those of another length.
    #[arg(long)]
    pub fit_length: bool,
    /// Output TSV [default: standard output].
    #[arg(short, long)]
    pub output: Option<PathBuf>,
    /// Unit labels from an annotation.tsv [default: RUN_DIR/interpret/annotation.tsv when
    /// present, else `unit N`].
    #[arg(long)]
    pub annotation: Option<PathBuf>,
    #[command(flatten)]
    pub strands: super::common_model::Strands,
    #[command(flatten)]
    pub compute: super::common_model::Compute,
    #[command(flatten)]
    pub batch: super::common_model::Batch,
}

fn write_rows(
    w: &mut dyn Write,
    p: &Predictor,
    a: &Args,
    both: bool,
    classes: &[String],
    labels: &[String],
    progress: &indicatif::ProgressBar,
) -> Result<usize> {
    let (length, batch) = (p.model().input_length(), a.batch.batch_size);
    writeln!(w, "id\tclass\tunit\tlabel\tcontribution")?;
    let path = &a.seqs;
    let mut records =
        explainn_run::input::open_sequences(path, a.genome.as_deref(), length, a.fit_length)
            .with_context(|| format!("cannot read {}", path.display()))?;
    let mut n = 0;
    loop {
        let mut ids = Vec::new();
        let mut codes = Vec::new();
        for r in records.by_ref().take(batch.max(1) * 10) {
            let (id, seq) = r.with_context(|| format!("cannot read {}", path.display()))?;
            codes.extend(explainn_seq::encode::to_codes(&seq));
            ids.push(id);
        }
        if ids.is_empty() {
            return Ok(n);
        }
        let e = explain(p, &codes, both)?;
        for (i, id) in ids.iter().enumerate() {
            for (c, cname) in classes.iter().enumerate() {
                for (u, v) in e.row(i, c).iter().enumerate() {
                    writeln!(w, "{id}\t{cname}\tunit{u}\t{}\t{v}", labels[u])?;
                }
                writeln!(w, "{id}\t{cname}\tbias\tbias\t{}", e.bias[c])?;
                writeln!(
                    w,
                    "{id}\t{cname}\tlogit\tlogit\t{}",
                    e.logits[i * classes.len() + c]
                )?;
            }
        }
        n += ids.len();
        progress.set_position(n as u64);
    }
}

pub fn run(a: Args) -> Result<()> {
    let (_, device) = a.compute.init()?;
    let mf = load_model_on(&a.model, &device)?;
    let both = explainn_run::policy::both_strands(&mf.metadata, a.strands.forward_only);
    let stack_names: Option<Vec<String>> = mf
        .model
        .stack()
        .map(|s| s.config().members.iter().map(|m| m.name.clone()).collect());
    let units = match (mf.model.explainn(), &stack_names) {
        (Some(m), _) => m.config().units,
        (None, Some(names)) => names.len(),
        (None, None) => bail!(
            "explain decomposes predictions into unit contributions, which needs an ExplaiNN \
             model or a model of pretrained units; {} is a {} model",
            a.model.display(),
            mf.model.arch()
        ),
    };
    // pretrained units are named after their models
    let labels = explainn_run::labels::model_unit_labels(
        &a.model,
        a.annotation.as_deref(),
        &mf.model,
        units,
        &mf.metadata.units,
    )?;
    let classes = mf.metadata.class_names.clone();
    let p = Predictor::new(mf.model, device, a.batch.batch_size);
    let pb =
        super::common_model::progress_bar(0, "{pos} sequences explained ({per_sec}, {elapsed})");
    let n = match &a.output {
        Some(path) => {
            let mut f = AtomicFile::create(path)?;
            let n = write_rows(&mut f, &p, &a, both, &classes, &labels, &pb)?;
            f.commit()?;
            n
        }
        None => {
            let mut out = std::io::BufWriter::new(std::io::stdout().lock());
            let n = write_rows(&mut out, &p, &a, both, &classes, &labels, &pb);
            let n = match n {
                Err(e)
                    if e.downcast_ref::<std::io::Error>()
                        .is_some_and(|e| e.kind() == std::io::ErrorKind::BrokenPipe) =>
                {
                    return Ok(());
                }
                r => r?,
            };
            crate::output::stdout_result(out.flush())?;
            n
        }
    };
    pb.finish_and_clear();
    info!(
        "explained {n} sequences ({})",
        if both {
            "strand-averaged"
        } else {
            "forward strand"
        }
    );
    Ok(())
}
