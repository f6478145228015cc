//! `explainn import MODEL.pth`: convert a checkpoint of the original ExplaiNN (PyTorch
//! `state_dict`, saved on any device) into explainn's model file. The architecture comes
//! from the tensor shapes plus the input length and pooling, taken from the original's
//! `parameters-train.py.json` (`--params`) or given explicitly; explicit options win, and
//! `--units/--classes/--num-fc` are checked against the checkpoint. `--arch cnn1|deepcnn|
//! danq|deepstarr` imports the original package's baselines (`ConvNetShallow`,
//! `ConvNetDeep`, `DanQ`, `DeepSTARR`) with their published hyperparameters, e.g. per-TF
//! DanQ models to use as units (`train --units-from`).

use super::common_model::device;
use crate::output::AtomicFile;
use anyhow::{Context, Result, bail};
use clap::Args as ClapArgs;
use explainn_nn::import::{ImportSettings, import_baseline_pth, import_pth};
use explainn_nn::{Arch, Loss, Model, ModelMetadata, checkpoint};
use std::path::PathBuf;

#[derive(ClapArgs, Debug)]
pub struct Args {
    /// The original checkpoint (`model_epoch_best_*.pth`).
    pub checkpoint: PathBuf,
    /// The checkpoint's architecture: explainn, or a baseline of the original package:
    /// cnn1 (ConvNetShallow), deepcnn (ConvNetDeep), danq (DanQ), deepstarr (DeepSTARR),
    /// with their published hyperparameters; classes come from the output layer.
    #[arg(long, default_value = "explainn")]
    pub arch: Arch,
    /// Output: a `.safetensors` file, or a directory that receives `model.safetensors`.
    #[arg(short, long)]
    pub output: PathBuf,
    /// The original's `parameters-train.py.json` (input length, pooling, criterion, RC).
    #[arg(long)]
    pub params: Option<PathBuf>,
    /// Input length the model was trained on.
    #[arg(long)]
    pub length: Option<usize>,
    /// Max-pool window (default 7).
    #[arg(long)]
    pub pool_size: Option<usize>,
    /// Max-pool stride (default 7).
    #[arg(long)]
    pub pool_stride: Option<usize>,
    /// Expected number of units (checked).
    #[arg(long)]
    pub units: Option<usize>,
    /// Expected number of classes (checked).
    #[arg(long)]
    pub classes: Option<usize>,
    /// Expected number of per-unit FC layers (checked).
    #[arg(long)]
    pub num_fc: Option<usize>,
    /// Class names, comma-separated (default 0..C-1).
    #[arg(long, value_delimiter = ',')]
    pub class_names: Vec<String>,
    /// Loss the model was trained with (bce, ce, mse, pearson, poisson).
    #[arg(long)]
    pub loss: Option<Loss>,
    /// The model was trained with reverse-complement augmentation.
    #[arg(long)]
    pub rc: bool,
}

pub fn run(a: Args) -> Result<()> {
    let params: serde_json::Value = match &a.params {
        Some(p) => serde_json::from_str(
            &std::fs::read_to_string(p).with_context(|| format!("cannot read {}", p.display()))?,
        )
        .with_context(|| format!("{} is not JSON", p.display()))?,
        None => serde_json::Value::Null,
    };
    let num = |k: &str| params.get(k).and_then(|v| v.as_u64()).map(|v| v as usize);
    let Some(input_length) = a.length.or(num("input_length")) else {
        bail!("the input length is unknown: give --length or --params parameters-train.py.json");
    };
    if a.arch != Arch::ExplaiNN {
        return import_baseline(&a, input_length, &params);
    }
    let settings = ImportSettings {
        input_length,
        pool_size: a.pool_size.or(num("pool_size")).unwrap_or(7),
        pool_stride: a.pool_stride.or(num("pool_stride")).unwrap_or(7),
    };
    let (model, steps) = import_pth(&a.checkpoint, settings, &device())
        .with_context(|| format!("cannot import {}", a.checkpoint.display()))?;
    let cfg = model.config().clone();
    for (what, want, got) in [
        ("units", a.units.or(num("num_units")), cfg.units),
        ("classes", a.classes, cfg.classes),
        ("num_fc", a.num_fc.or(num("num_fc")), cfg.num_fc),
        ("filter size", num("filter_size"), cfg.filter_size),
    ] {
        if let Some(w) = want {
            if w != got {
                bail!("the checkpoint has {what} = {got}, but {w} was given");
            }
        }
    }
    if !a.class_names.is_empty() && a.class_names.len() != cfg.classes {
        bail!(
            "{} class names given for a model with {} outputs",
            a.class_names.len(),
            cfg.classes
        );
    }
    let mut meta = ModelMetadata::new(cfg.clone(), a.class_names.clone());
    meta.steps = steps;
    let out = write_model(&a, &params, model.into(), meta)?;
    info!(
        "imported {} units, length {}, {} classes, num_fc {} → {}",
        cfg.units,
        cfg.input_length,
        cfg.classes,
        cfg.num_fc,
        out.display()
    );
    Ok(())
}

/// Strand handling and loss from the flags or `parameters-train.py.json`, then the model
/// file (a `.safetensors` output, or `model.safetensors` in the output directory).
fn write_model(
    a: &Args,
    params: &serde_json::Value,
    model: Model,
    mut meta: ModelMetadata,
) -> Result<PathBuf> {
    meta.trained_with_rc = a.rc
        || params
            .get("rev_complement")
            .and_then(|v| v.as_bool())
            .unwrap_or(false);
    meta.loss = match a.loss {
        Some(l) => Some(l),
        None => params
            .get("criterion")
            .and_then(|v| v.as_str())
            .and_then(|s| s.parse().ok()),
    };
    let out = if a.output.extension().is_some_and(|e| e == "safetensors") {
        a.output.clone()
    } else {
        std::fs::create_dir_all(&a.output)
            .with_context(|| format!("cannot create {}", a.output.display()))?;
        a.output.join("model.safetensors")
    };
    let mut f = AtomicFile::create(&out)?;
    checkpoint::write(&model, &meta, &mut f)?;
    f.commit()?;
    Ok(out)
}

/// `--arch cnn1|deepcnn|danq|deepstarr`: a baseline of the original package.
fn import_baseline(a: &Args, input_length: usize, params: &serde_json::Value) -> Result<()> {
    if a.units.is_some() || a.num_fc.is_some() || a.pool_size.is_some() || a.pool_stride.is_some() {
        bail!(
            "--units, --num-fc, --pool-size and --pool-stride describe ExplaiNN checkpoints, not {}",
            a.arch
        );
    }
    let (model, steps) = import_baseline_pth(&a.checkpoint, a.arch, input_length, &device())
        .with_context(|| format!("cannot import {}", a.checkpoint.display()))?;
    let classes = model.classes();
    if let Some(c) = a.classes
        && c != classes
    {
        bail!("the checkpoint has classes = {classes}, but {c} was given");
    }
    if !a.class_names.is_empty() && a.class_names.len() != classes {
        bail!(
            "{} class names given for a model with {classes} outputs",
            a.class_names.len()
        );
    }
    let config = model.config();
    let mut meta = ModelMetadata::new(config.clone(), a.class_names.clone());
    meta.steps = steps;
    let out = write_model(a, params, model, meta)?;
    info!("imported {} → {}", config.describe(), out.display());
    Ok(())
}
