//! `explainn test MODEL TEST -o OUT_DIR`: evaluate a model on a labelled ExplaiNN TSV with
//! `explainn_run::test::test_run`. Predictions are strand-averaged logits for models trained
//! with reverse complements (`--forward-only` to use the forward strand), then passed
//! through the loss's output function (sigmoid for bce, softmax for ce, exp for poisson).
//! Writes `metrics.tsv` (per class and macro: AUROC, AUPRC, Pearson, Spearman, MSE) and
//! `predictions.tsv.gz` (id, class, target, prediction).

use super::common_model::load_model_on;
use anyhow::Result;
use clap::Args as ClapArgs;
use explainn_run::metrics::format_value;
use explainn_run::test::{TestOptions, test_run};
use std::path::PathBuf;

#[derive(ClapArgs, Debug)]
pub struct Args {
    /// Model: a run directory or a model.safetensors file.
    pub model: PathBuf,
    /// Test set (ExplaiNN TSV); `-` reads standard input.
    #[arg(value_parser = crate::stdin::input_path)]
    pub test: PathBuf,
    /// Output directory (created if missing).
    #[arg(short, long)]
    pub output: PathBuf,
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
    let opts = TestOptions {
        forward_only: a.strands.forward_only,
        batch_size: a.batch.batch_size,
    };
    let r = test_run(mf, &a.model, device, &a.test, &a.output, &opts)?;
    let m = &r.metrics.macro_avg;
    info!(
        "{} sequences ({}): macro AUROC {}, AUPRC {}, Pearson {}",
        r.sequences,
        if r.both_strands {
            "strand-averaged"
        } else {
            "forward strand"
        },
        format_value(m.auroc),
        format_value(m.auprc),
        format_value(m.pearson)
    );
    for n in &r.notes {
        eprintln!("warning: {n}");
    }
    print!("{}", r.metrics.to_tsv());
    Ok(())
}
