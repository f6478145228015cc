//! `explainn finetune MODEL TRAIN VALID -o RUN`: fine-tune an ExplaiNN model (the
//! original's `finetune.py`): every tensor but the final layer is copied, the final layer
//! is fresh, so the classes (count and names) may change; learning rate 5e-5 unless `--lr`;
//! `--freeze units` trains only the final layer, `--freeze filters` keeps every unit's
//! filter. The input length must be the model's. Every `train` option applies except the
//! architecture ones (the model's architecture is kept).

use anyhow::Result;
use clap::Args as ClapArgs;
use std::path::PathBuf;

#[derive(ClapArgs, Debug)]
pub struct FinetuneArgs {
    /// The ExplaiNN model to fine-tune: a run directory or a model.safetensors file (for
    /// an original PyTorch checkpoint, `explainn import` it first).
    pub model: PathBuf,
    #[command(flatten)]
    pub train: super::train::Args,
}

pub fn run(a: FinetuneArgs) -> Result<()> {
    super::train::run_with(a.train, Some(a.model))
}
