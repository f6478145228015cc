//! `explainn export MODEL -o DIR`: a model as PyTorch files ([`explainn_nn::export`]).
//!
//! | file | what |
//! |---|---|
//! | `model.pth` | `torch.save(state_dict)` layout, the original parameter names; every architecture |
//! | `parameters-train.py.json` | the original `train.py`'s arguments (ExplaiNN only), so its `test.py`, `interpret.py` and `ExplaiNN(...)` constructor get the architecture |
//! | `tensors.tsv` | `name, shape, dtype` of every tensor in `model.pth`, in order |
//!
//! Loading in Python: `ExplaiNN(num_units, input_length, num_classes, filter_size, num_fc,
//! pool_size, pool_stride)` from `explainn==0.1.5`, then
//! `model.load_state_dict(torch.load("model.pth"))`. All files appear together or not at
//! all.

use crate::output::{AtomicFile, OutputSet};
use crate::{Result, RunError, file_error};
use explainn_nn::export::{Values, parameters_train_json, state_dict, write_pth};
use explainn_nn::{Arch, Device, checkpoint};
use std::io::Write;
use std::path::PathBuf;

/// What to export and where.
#[derive(Debug, Clone)]
pub struct ExportRequest {
    /// A run directory or a `model.safetensors` file.
    pub model: PathBuf,
    /// The directory to write (created if missing).
    pub output: PathBuf,
    /// Replace a `model.pth` already in `output`.
    pub force: bool,
}

/// What an export wrote.
#[derive(Debug, Clone, PartialEq)]
pub struct ExportReport {
    /// The architecture exported.
    pub arch: Arch,
    /// Tensors written to `model.pth` (BatchNorm counters included).
    pub tensors: usize,
    /// The files written, in order.
    pub files: Vec<PathBuf>,
    /// What the original package cannot load, when something (a hidden width other than
    /// its hard-coded 100): the state dict is still complete for other PyTorch tools.
    pub notes: Vec<String>,
}

/// Export the model of `req`; nothing is written when the model cannot be read or
/// `output` already holds an export (without `force`).
pub fn export_run(req: &ExportRequest, device: &Device) -> Result<ExportReport> {
    let mf = checkpoint::load(&req.model, device)
        .map_err(|e| RunError::Data(format!("cannot load model {}: {e}", req.model.display())))?;
    let pth = req.output.join("model.pth");
    if pth.exists() && !req.force {
        return Err(file_error(
            &pth,
            "already exists; use --force to replace it or choose another directory",
        ));
    }
    let entries = state_dict(&mf.model, mf.metadata.steps);
    let mut bytes = std::io::Cursor::new(Vec::new());
    write_pth(&entries, "model", &mut bytes)?;
    let mut notes = Vec::new();
    if let Some(c) = mf.model.explainn().map(|m| m.config()) {
        if c.num_fc >= 2 && c.hidden != 100 {
            notes.push(format!(
                "hidden width {}: the original ExplaiNN class hard-codes 100, so its \
                 `ExplaiNN(...)` cannot load this state dict (other PyTorch code can)",
                c.hidden
            ));
        }
    }
    let params = match mf.model.arch() {
        Arch::ExplaiNN => Some(parameters_train_json(&mf.metadata)?),
        _ => None,
    };
    let mut table = String::from("name\tshape\tdtype\n");
    for e in &entries {
        let shape: Vec<String> = e.shape.iter().map(usize::to_string).collect();
        let dtype = match e.values {
            Values::F32(_) => "float32",
            Values::I64(_) => "int64",
        };
        table.push_str(&format!("{}\t({})\t{dtype}\n", e.name, shape.join(", ")));
    }

    if req.output.exists() && !req.output.is_dir() {
        return Err(file_error(
            &req.output,
            "is a file; the output is a directory: give a directory path",
        ));
    }
    std::fs::create_dir_all(&req.output)
        .map_err(|e| file_error(&req.output, format!("cannot create the directory: {e}")))?;
    let mut outputs = OutputSet::default();
    let mut files = Vec::new();
    let mut put = |name: &str, data: Vec<u8>| -> Result<()> {
        let path = req.output.join(name);
        let mut f = AtomicFile::create(&path)?;
        f.write_all(&data).map_err(|e| file_error(&path, e))?;
        outputs.add(move || f.commit());
        files.push(path);
        Ok(())
    };
    put("model.pth", bytes.into_inner())?;
    let stale = req.output.join("parameters-train.py.json");
    if let Some(p) = &params {
        let mut json = serde_json::to_vec_pretty(p).map_err(|e| file_error(&stale, e))?;
        json.push(b'\n');
        put("parameters-train.py.json", json)?;
    }
    put("tensors.tsv", table.into_bytes())?;
    outputs.commit_all()?;
    if params.is_none() && stale.exists() {
        // a file of an earlier export of another model must not sit beside this one
        std::fs::remove_file(&stale).map_err(|e| file_error(&stale, e))?;
    }
    Ok(ExportReport {
        arch: mf.model.arch(),
        tensors: entries.len(),
        files,
        notes,
    })
}
