//! `explainn test MODEL TEST -o OUT_DIR`: evaluate a model on a labelled ExplaiNN TSV.
//! Predictions are strand-averaged logits (forward and reverse complement), then passed
//! through the loss's output function (sigmoid for bce, softmax for ce, exp for poisson).
//! Writes `metrics.tsv` (per class and macro: AUROC, AUPRC, Pearson, Spearman, MSE) and
//! `predictions.tsv.gz` (id, class, target, prediction).

use super::common_model::{check_fits, device_named, init_threads, load_model_on, read_labelled};
use crate::output::{AtomicFile, AtomicGzFile, OutputSet};
use anyhow::{Context, Result};
use clap::Args as ClapArgs;
use explainn_nn::metrics::{ClassMetrics, evaluate};
use explainn_nn::{Loss, Predictor};
use std::io::Write;
use std::path::PathBuf;

#[derive(ClapArgs, Debug)]
pub struct Args {
    /// Model: a run directory or a model.safetensors file.
    pub model: PathBuf,
    /// Test set (ExplaiNN TSV).
    pub test: PathBuf,
    /// Output directory (created if missing).
    #[arg(short, long)]
    pub output: PathBuf,
    /// Use the forward strand only instead of averaging with the reverse complement.
    #[arg(long)]
    pub forward_only: bool,
    /// Sequences per batch.
    #[arg(long, default_value_t = 100)]
    pub batch_size: usize,
    /// Compute threads (default: all cores).
    #[arg(long)]
    pub threads: Option<usize>,
    /// Compute device: cpu, or cuda / wgpu in builds with that cargo feature.
    #[arg(long, default_value = "cpu")]
    pub device: String,
}

fn fmt(v: f64) -> String {
    if v.is_nan() {
        "NA".into()
    } else {
        format!("{v:.6}")
    }
}

pub fn run(a: Args) -> Result<()> {
    init_threads(a.threads);
    let device = device_named(&a.device)?;
    let mf = load_model_on(&a.model, &device)?;
    let data = read_labelled(&a.test, "test")?;
    check_fits(&mf.model, data.length, Some(data.n_classes()), "test")?;
    let c = mf.model.classes();
    let binary_labels = data.labels.iter().all(|&v| v == 0.0 || v == 1.0);
    let loss = mf
        .metadata
        .loss
        .unwrap_or(if binary_labels { Loss::Bce } else { Loss::Mse });
    let p = Predictor::new(mf.model, device, a.batch_size);
    let mut pred = if a.forward_only {
        p.logits(&data.codes, false)?
    } else {
        p.strands(&data.codes)?.mean()
    };
    for row in pred.chunks_exact_mut(c) {
        loss.activate(row);
    }
    let (per, macro_avg) = evaluate(&pred, &data.labels, c);

    std::fs::create_dir_all(&a.output)
        .with_context(|| format!("cannot create {}", a.output.display()))?;
    let mut outputs = OutputSet::default();
    let mut f = AtomicFile::create(a.output.join("metrics.tsv"))?;
    writeln!(f, "class\tauroc\tauprc\tpearson\tspearman\tmse")?;
    let row = |f: &mut AtomicFile, name: &str, m: &ClassMetrics| {
        writeln!(
            f,
            "{name}\t{}\t{}\t{}\t{}\t{}",
            fmt(m.auroc),
            fmt(m.auprc),
            fmt(m.pearson),
            fmt(m.spearman),
            fmt(m.mse)
        )
    };
    for (name, m) in mf.metadata.class_names.iter().zip(&per) {
        row(&mut f, name, m)?;
    }
    row(&mut f, "macro", &macro_avg)?;
    outputs.add(move || f.commit());

    let mut g = AtomicGzFile::create(a.output.join("predictions.tsv.gz"))?;
    writeln!(g, "id\tclass\ttarget\tprediction")?;
    for (i, id) in data.ids.iter().enumerate() {
        for (k, name) in mf.metadata.class_names.iter().enumerate() {
            writeln!(
                g,
                "{id}\t{name}\t{}\t{}",
                data.labels[i * c + k],
                pred[i * c + k]
            )?;
        }
    }
    outputs.add(move || g.commit());
    outputs.commit_all()?;
    eprintln!(
        "{} sequences: macro AUROC {}, AUPRC {}, Pearson {}",
        data.len(),
        fmt(macro_avg.auroc),
        fmt(macro_avg.auprc),
        fmt(macro_avg.pearson)
    );
    println!("class\tauroc\tauprc\tpearson\tspearman\tmse");
    for (name, m) in mf
        .metadata
        .class_names
        .iter()
        .zip(per.iter())
        .chain(std::iter::once((&"macro".to_string(), &macro_avg)))
    {
        println!(
            "{name}\t{}\t{}\t{}\t{}\t{}",
            fmt(m.auroc),
            fmt(m.auprc),
            fmt(m.pearson),
            fmt(m.spearman),
            fmt(m.mse)
        );
    }
    Ok(())
}
