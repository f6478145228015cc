//! `explainn predict MODEL INPUT`: predictions for every sequence of a FASTA, FASTQ or
//! ExplaiNN TSV file (plain or gzip), streamed in batches with constant memory.
//! Writes `OUT_DIR/predictions.tsv.gz`: id, class, forward, reverse, mean, max (logits of
//! each strand, their mean and max; with `--sigmoid` these go through a sigmoid after
//! mean/max, as the original's `--apply-sigmoid`).

use super::common_model::{load_model_on, progress_bar};
use crate::output::AtomicGzFile;
use anyhow::{Context, Result, bail};
use clap::Args as ClapArgs;
use explainn_nn::Predictor;
use explainn_nn::loss::sigmoid;
use explainn_seq::encode::to_codes;
use std::io::Write;
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
    let l = mf.model.input_length();
    let names = mf.metadata.class_names.clone();
    let records =
        explainn_run::input::open_sequences(&a.input, a.genome.as_deref(), l, a.fit_length)
            .with_context(|| format!("cannot read sequences from {}", a.input.display()))?;
    let predictor = Predictor::new(mf.model, device, a.batch.batch_size);
    // A directory made here is removed again if the run fails: no half-made output.
    let made = !a.output.exists();
    std::fs::create_dir_all(&a.output)
        .with_context(|| format!("cannot create {}", a.output.display()))?;
    let result = write_predictions(&a, records, &predictor, &names);
    if result.is_err() && made {
        let _ = std::fs::remove_dir_all(&a.output);
    }
    let total = result?;
    info!(
        "{total} sequences predicted; wrote {}",
        a.output.join("predictions.tsv.gz").display()
    );
    Ok(())
}

/// Stream the predictions of `records` into `OUT/predictions.tsv.gz`; returns the count.
fn write_predictions(
    a: &Args,
    records: explainn_run::input::Sequences,
    predictor: &Predictor,
    names: &[String],
) -> Result<usize> {
    let (l, c) = (
        predictor.model().input_length(),
        predictor.model().classes(),
    );
    let mut out = AtomicGzFile::create(a.output.join("predictions.tsv.gz"))?;
    writeln!(out, "id\tclass\tforward\treverse\tmean\tmax")?;
    let pb = progress_bar(0, "{pos} sequences ({per_sec}, {elapsed})");
    let act = |v: f32| if a.sigmoid { sigmoid(v) } else { v };
    let mut ids: Vec<String> = Vec::with_capacity(a.batch.batch_size);
    let mut codes: Vec<u8> = Vec::with_capacity(a.batch.batch_size * l);
    let mut total = 0usize;
    let flush =
        |ids: &mut Vec<String>, codes: &mut Vec<u8>, out: &mut AtomicGzFile| -> Result<()> {
            if ids.is_empty() {
                return Ok(());
            }
            let s = predictor.strands(codes)?;
            for (i, id) in ids.iter().enumerate() {
                for (k, name) in names.iter().enumerate() {
                    let (f, r) = (s.forward[i * c + k], s.reverse[i * c + k]);
                    writeln!(
                        out,
                        "{id}\t{name}\t{}\t{}\t{}\t{}",
                        act(f),
                        act(r),
                        act((f + r) / 2.0),
                        act(f.max(r))
                    )?;
                }
            }
            pb.inc(ids.len() as u64);
            ids.clear();
            codes.clear();
            Ok(())
        };
    for rec in records {
        let (id, seq) =
            rec.with_context(|| format!("cannot read sequences from {}", a.input.display()))?;
        codes.extend(to_codes(&seq));
        ids.push(id);
        total += 1;
        if ids.len() == a.batch.batch_size.max(1) {
            flush(&mut ids, &mut codes, &mut out)?;
        }
    }
    flush(&mut ids, &mut codes, &mut out)?;
    pb.finish_and_clear();
    if total == 0 {
        bail!("{} holds no sequences", a.input.display());
    }
    out.commit()?;
    Ok(total)
}
