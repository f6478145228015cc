//! `explainn report RUN_DIR`: one self-contained HTML page (inline SVG, no network) from
//! the outputs of `train`, `test` (RUN_DIR/test or `--metrics`) and `interpret`.

use crate::output::AtomicFile;
use anyhow::{Context, Result};
use clap::Args as ClapArgs;
use explainn_interpret::report::{ReportInputs, build_report};
use std::io::Write;
use std::path::PathBuf;

#[derive(ClapArgs, Debug)]
pub struct Args {
    /// Run directory of `explainn train`, already interpreted with `explainn interpret`.
    pub run: PathBuf,
    /// Output HTML file [default: RUN_DIR/report.html].
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
}

pub fn run(a: Args) -> Result<()> {
    let mut inp = ReportInputs::new(&a.run);
    if let Some(d) = &a.interpret {
        inp.interpret_dir = d.clone();
    }
    if a.metrics.is_some() {
        inp.metrics = a.metrics.clone();
    }
    inp.top_units = a.top_units;
    anyhow::ensure!(
        inp.interpret_dir.join("annotation.tsv").exists(),
        "{} has no interpretation; run `explainn interpret {}` first",
        inp.interpret_dir.display(),
        a.run.display()
    );
    let html = build_report(&inp).context("cannot build the report")?;
    let out = a
        .output
        .clone()
        .unwrap_or_else(|| a.run.join("report.html"));
    let mut f = AtomicFile::create(&out)?;
    f.write_all(html.as_bytes())?;
    f.commit()?;
    println!("report written to {}", out.display());
    Ok(())
}
