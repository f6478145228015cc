//! `explainn report RUN_DIR`: one self-contained HTML page (inline SVG, no network) from
//! the outputs of `train`, `test` (RUN_DIR/test or `--metrics`) and `interpret`.

use anyhow::{Context, Result};
use clap::Args as ClapArgs;
use explainn_run::RunDir;
use explainn_run::output::TextOutput;
use explainn_run::report::{ReportRequest, report_run};
use std::io::Write;
use std::path::PathBuf;

#[derive(ClapArgs, Debug)]
pub struct Args {
    /// Run directory of `explainn train`, already interpreted with `explainn interpret`.
    pub run: PathBuf,
    /// Output HTML file (`-` is standard output) [default: RUN_DIR/report.html].
    #[arg(short, long)]
    pub output: Option<PathBuf>,
    /// Directory written by `explainn interpret` [default: RUN_DIR/interpret].
    #[arg(long)]
    pub interpret: Option<PathBuf>,
    /// Test metrics (metrics.tsv of `explainn test`) [default: RUN_DIR/test/metrics.tsv when
    /// present].
    #[arg(long)]
    pub metrics: Option<PathBuf>,
    /// Units shown in the importance box plots.
    #[arg(long, default_value_t = 10)]
    pub top_units: usize,
    /// Attribution logos of this many best-predicted sequences per class (DeepLIFT-SHAP for
    /// ExplaiNN, annotated unit instances marked; integrated gradients for other models);
    /// 0 leaves the section out.
    #[arg(long, default_value_t = 1)]
    pub attribution_top: usize,
    /// Attribution logos of these sequence IDs instead (each for its top class).
    #[arg(long, value_delimiter = ',')]
    pub attribution_ids: Vec<String>,
    /// Sequences for the attribution logos [default: the test set recorded in RUN_DIR/test;
    /// without one, no section].
    #[arg(long)]
    pub attribution_sequences: Option<PathBuf>,
    /// Centre-crop or N-pad --attribution-sequences of another length to the model's
    /// input length instead of rejecting them.
    #[arg(long)]
    pub fit_length: bool,
    #[command(flatten)]
    pub compute: super::common_model::Compute,
    #[command(flatten)]
    pub batch: super::common_model::Batch,
}

pub fn run(a: Args) -> Result<()> {
    let req = ReportRequest {
        run: RunDir::new(&a.run),
        interpret_dir: a.interpret.clone(),
        metrics: a.metrics.clone(),
        top_units: a.top_units,
        attribution_top: a.attribution_top,
        attribution_ids: a.attribution_ids.clone(),
        attribution_sequences: a.attribution_sequences.clone(),
        fit_length: a.fit_length,
        batch_size: a.batch.batch_size,
        device: a.compute.init()?.1,
    };
    let out = a
        .output
        .clone()
        .unwrap_or_else(|| a.run.join("report.html"));
    let mut f = TextOutput::create(&out)?;
    let html = report_run(&req).context("cannot build the report")?;
    f.write_all(html.as_bytes())?;
    f.commit()?;
    if !crate::cmd::quiet() && out.as_os_str() != "-" {
        println!("report written to {}", out.display());
    }
    Ok(())
}
