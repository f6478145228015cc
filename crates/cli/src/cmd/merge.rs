//! `explainn merge M1 M2 … -o RUN`: ExplaiNN models of equal input length and classes as
//! one ExplaiNN whose logits are the mean of theirs (units stacked, final weights / K, bias
//! averaged); `interpret`, `explain` and `report` work on it unchanged.

use super::common_model::device;
use anyhow::Result;
use clap::Args as ClapArgs;
use explainn_run::merge::{MergeRequest, merge_run};
use std::path::PathBuf;

#[derive(ClapArgs, Debug)]
pub struct Args {
    /// The models: run directories or model.safetensors files (two or more).
    #[arg(required = true, num_args = 2..)]
    pub models: Vec<PathBuf>,
    /// Output run directory (created if missing); config.json comes from the first
    /// model's run directory when it has one.
    #[arg(short, long)]
    pub output: PathBuf,
    /// Replace a model already in the output directory (its test/, interpret/ and
    /// report.html are removed).
    #[arg(long)]
    pub force: bool,
}

pub fn run(a: Args) -> Result<()> {
    let req = MergeRequest {
        models: a.models,
        output: a.output,
        command_line: std::env::args().collect(),
        force: a.force,
    };
    let done = merge_run(&req, &device())?;
    let units: Vec<String> = done.member_units.iter().map(usize::to_string).collect();
    info!(
        "merged {} models ({} units) into {}",
        units.len(),
        units.join(" + "),
        explainn_run::RunDir::new(&req.output).model().display()
    );
    Ok(())
}
