//! Import of checkpoints written by the original ExplaiNN (`torch.save(model.state_dict())`,
//! tensors tagged `cuda:0`, `num_batches_tracked` as int64). The file is read with burn's
//! pure-Rust PyTorch reader, so no PyTorch install (or GPU) is needed.
//!
//! The original stores no hyperparameters: the architecture comes from the tensor shapes
//! (units, filter size, `num_fc`, hidden width, classes) plus the input length and pooling,
//! which the caller supplies (from `parameters-train.py.json` or explicitly). The original
//! package's baselines (`ConvNetShallow`, `ConvNetDeep`, `DanQ`, `DeepSTARR`) import with
//! [`import_baseline_pth`].

use crate::model::{ExplaiNN, ExplaiNNConfig, TensorMap};
use crate::{NnError, Result};
use burn::store::pytorch_reader::{DType, PytorchReader};
use burn::tensor::Device;
use std::path::Path;

/// A PyTorch state dict: float tensors converted to f32 (PyTorch names), and the largest
/// `num_batches_tracked` value seen.
pub fn read_state_dict(path: &Path) -> Result<(TensorMap, u64)> {
    let reader = PytorchReader::new(path).map_err(|e| {
        NnError::ModelFile(format!(
            "cannot read PyTorch checkpoint {}: {e}",
            path.display()
        ))
    })?;
    let mut map = TensorMap::new();
    let mut steps = 0u64;
    for (name, t) in reader.into_tensors() {
        let bytes = t
            .read()
            .map_err(|e| NnError::ModelFile(format!("{}: {e}", path.display())))?;
        let data: Vec<f32> = match t.dtype() {
            DType::F32 => bytes
                .chunks_exact(4)
                .map(|c| f32::from_ne_bytes(c.try_into().unwrap()))
                .collect(),
            DType::F64 => bytes
                .chunks_exact(8)
                .map(|c| f64::from_ne_bytes(c.try_into().unwrap()) as f32)
                .collect(),
            DType::I64 if name.ends_with("num_batches_tracked") => {
                if let Some(c) = bytes.get(..8) {
                    steps = steps.max(i64::from_ne_bytes(c.try_into().unwrap()).max(0) as u64);
                }
                continue;
            }
            d => {
                return Err(NnError::ModelFile(format!(
                    "tensor `{name}` has unsupported type {d:?}"
                )));
            }
        };
        map.insert(name, (t.shape().to_vec(), data));
    }
    Ok((map, steps))
}

/// Architecture settings that tensor shapes cannot tell.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ImportSettings {
    /// Input length L the model was trained on.
    pub input_length: usize,
    /// Max-pool window (original default 7).
    pub pool_size: usize,
    /// Max-pool stride (original default 7).
    pub pool_stride: usize,
}

/// Derive the architecture from an original state dict's shapes and check it against
/// `settings` (the pooled length implied by L, pool and stride must match the first
/// per-unit layer).
pub fn infer_config(map: &TensorMap, settings: ImportSettings) -> Result<ExplaiNNConfig> {
    let shape = |n: &str| {
        map.get(n)
            .map(|(s, _)| s.clone())
            .ok_or_else(|| NnError::ModelFile(format!("tensor `{n}` is missing")))
    };
    let conv = shape("linears.0.weight")?;
    let fin = shape("final.weight")?;
    if conv.len() != 3 || fin.len() != 2 {
        return Err(NnError::ModelFile(
            "unexpected shapes: not an ExplaiNN checkpoint".into(),
        ));
    }
    let (units, filter_size, classes) = (conv[0], conv[2], fin[0]);
    if conv[1] != 4 || fin[1] != units || units == 0 {
        return Err(NnError::ModelFile(format!(
            "linears.0.weight {conv:?} / final.weight {fin:?} do not describe an ExplaiNN model"
        )));
    }
    let num_fc = if map.contains_key("last_linear.1.weight") {
        2 + (0..)
            .take_while(|i| map.contains_key(&format!("linears_bg.{i}.1.weight")))
            .count()
    } else if map.contains_key("linears.10.weight") {
        2
    } else if map.contains_key("linears.6.weight") {
        1
    } else {
        0
    };
    // The first per-unit layer: (units·hidden, pooled positions, 1).
    let first_fc = if num_fc >= 1 {
        let s = shape("linears.6.weight")?;
        if s.len() != 3 || s[0] % units != 0 {
            return Err(NnError::ModelFile(format!(
                "linears.6.weight has shape {s:?}, expected (units·hidden, positions, 1) with \
                 {units} units"
            )));
        }
        s
    } else {
        Vec::new()
    };
    let hidden = if num_fc >= 2 {
        first_fc[0] / units
    } else {
        100
    };
    let config = ExplaiNNConfig {
        units,
        input_length: settings.input_length,
        classes,
        filter_size,
        pool_size: settings.pool_size,
        pool_stride: settings.pool_stride,
        num_fc,
        hidden,
        dropout: 0.3,
    };
    config.validate()?;
    if num_fc >= 1 {
        let p = first_fc[1];
        if p != config.pooled_length() {
            return Err(NnError::ModelFile(format!(
                "the checkpoint's first per-unit layer takes {p} pooled positions, but input length {} with pool {}/{} gives {}: check the input length",
                config.input_length,
                config.pool_size,
                config.pool_stride,
                config.pooled_length()
            )));
        }
    }
    Ok(config)
}

/// Import an original checkpoint onto `device`: returns the model, its configuration and
/// the checkpoint's `num_batches_tracked`.
pub fn import_pth(
    path: &Path,
    settings: ImportSettings,
    device: &Device,
) -> Result<(ExplaiNN, u64)> {
    let (map, steps) = read_state_dict(path)?;
    let config = infer_config(&map, settings)?;
    let model = ExplaiNN::from_tensors(config, &map, device)?;
    Ok((model, steps))
}

/// Import a checkpoint of one of the original package's baselines (`ConvNetShallow` =
/// `cnn1`, `ConvNetDeep` = `deepcnn`, `DanQ` = `danq`, `DeepSTARR` = `deepstarr`; a
/// `state_dict` saved by `torch.save`) for inputs of `input_length`: the published
/// hyperparameters of `arch`, the number of classes read from the output layer's shape,
/// and every tensor checked by name and shape. Returns the model and `num_batches_tracked`.
pub fn import_baseline_pth(
    path: &Path,
    arch: crate::Arch,
    input_length: usize,
    device: &Device,
) -> Result<(crate::Model, u64)> {
    use crate::{Arch, Model, ModelConfig};
    if matches!(arch, Arch::ExplaiNN | Arch::Stack) {
        return Err(NnError::Config(format!(
            "import_baseline_pth takes a baseline architecture, not {arch}"
        )));
    }
    let (map, steps) = read_state_dict(path)?;
    // The output layer is the one tensor whose shape follows the class count.
    let shapes = |c: usize| -> Result<TensorMap> {
        let config = ModelConfig::published(arch, input_length, c)?;
        Ok(Model::new(&config, 0, device)?.to_tensors())
    };
    let (one, two) = (shapes(1)?, shapes(2)?);
    let output = one
        .iter()
        .find(|(n, (s, _))| s.len() == 2 && two.get(*n).is_some_and(|(t, _)| t != s))
        .map(|(n, _)| n.clone())
        .ok_or_else(|| NnError::Config(format!("{arch} has no output layer")))?;
    let (shape, _) = map.get(&output).ok_or_else(|| {
        NnError::ModelFile(format!(
            "tensor `{output}` is missing: not a {arch} checkpoint of the original package \
             (its tensors: {})",
            map.keys().take(6).cloned().collect::<Vec<_>>().join(", ")
        ))
    })?;
    let classes = shape[0];
    let config = ModelConfig::published(arch, input_length, classes)?;
    let model = Model::from_tensors(&config, &map, device).map_err(|e| match e {
        NnError::ModelFile(m) => NnError::ModelFile(format!(
            "{m} (is it a {arch} checkpoint for input length {input_length}?)"
        )),
        e => e,
    })?;
    Ok((model, steps))
}
