//! `explainn export MODEL -o DIR`: the model as the original's PyTorch files
//! (`model.pth` with the original parameter names, `parameters-train.py.json`,
//! `tensors.tsv`), so the original package, Captum or tangermeme can load it.

use super::common_model::device;
use anyhow::Result;
use clap::Args as ClapArgs;
use explainn_run::export::{ExportRequest, export_run};
use std::path::PathBuf;

#[derive(ClapArgs, Debug)]
pub struct Args {
    /// The model: a run directory or a model.safetensors file.
    pub model: PathBuf,
    /// Output directory (created if missing): model.pth, parameters-train.py.json
    /// (ExplaiNN), tensors.tsv.
    #[arg(short, long)]
    pub output: PathBuf,
    /// Replace an export already in the output directory.
    #[arg(long)]
    pub force: bool,
}

pub fn run(a: Args) -> Result<()> {
    let req = ExportRequest {
        model: a.model,
        output: a.output,
        force: a.force,
    };
    let done = export_run(&req, &device())?;
    for n in &done.notes {
        eprintln!("warning: {n}");
    }
    info!(
        "exported {} ({} tensors) → {}",
        done.arch,
        done.tensors,
        req.output.join("model.pth").display()
    );
    Ok(())
}
