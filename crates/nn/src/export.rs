//! Export to PyTorch: a model's tensors written as `torch.save(model.state_dict())` writes
//! them, so the original ExplaiNN package, Captum or tangermeme can load explainn models.
//!
//! The file is PyTorch's zip serialisation (format version 3): `ARCHIVE/data.pkl` (a
//! protocol-2 pickle of a `collections.OrderedDict` name → tensor), one stored (uncompressed,
//! 64-byte aligned) record `ARCHIVE/data/K` per tensor with its little-endian values,
//! `ARCHIVE/byteorder` (`little`) and `ARCHIVE/version` (`3`). Tensors are CPU,
//! contiguous, `float32`, and every BatchNorm gets its `num_batches_tracked` (`int64`
//! scalar) as PyTorch does. The pickle uses only what `torch.load(weights_only=True)`
//! accepts (`torch._utils._rebuild_tensor_v2`, `torch.FloatStorage`/`LongStorage`,
//! `collections.OrderedDict`).
//!
//! ```
//! use explainn_nn::{ExplaiNN, ExplaiNNConfig, export};
//! let dev = explainn_nn::default_device();
//! let model = ExplaiNN::new(ExplaiNNConfig::new(3, 50, 2), 7, &dev).unwrap();
//! let mut file = std::io::Cursor::new(Vec::new());
//! export::write_pth(&export::state_dict(&model.into(), 12), "model", &mut file).unwrap();
//! assert_eq!(&file.get_ref()[..2], b"PK"); // a zip archive
//! ```

use crate::model::TensorMap;
use crate::network::Model;
use crate::{NnError, Result};
use std::io::{Seek, Write};

/// Values of one exported tensor.
#[derive(Debug, Clone, PartialEq)]
pub enum Values {
    /// `torch.float32`.
    F32(Vec<f32>),
    /// `torch.int64`.
    I64(Vec<i64>),
}

/// One entry of a state dict: its PyTorch name, shape (empty for a scalar) and values.
#[derive(Debug, Clone, PartialEq)]
pub struct Entry {
    pub name: String,
    pub shape: Vec<usize>,
    pub values: Values,
}

/// The model's state dict in PyTorch order and naming: every tensor of
/// [`Model::to_tensors`] (ExplaiNN: in the original module's registration order), and after
/// each BatchNorm's `running_var` its `num_batches_tracked` = `steps`.
pub fn state_dict(model: &Model, steps: u64) -> Vec<Entry> {
    let mut map = model.to_tensors();
    let order: Vec<String> = match model {
        Model::ExplaiNN(m) => crate::model::ExplaiNN::parameter_names(m.config()),
        _ => map.keys().cloned().collect(),
    };
    from_tensors(&mut map, &order, steps)
}

fn from_tensors(map: &mut TensorMap, order: &[String], steps: u64) -> Vec<Entry> {
    let mut out = Vec::with_capacity(order.len());
    for name in order {
        let Some((shape, data)) = map.remove(name) else {
            continue;
        };
        let bn = name.strip_suffix(".running_var").map(str::to_string);
        out.push(Entry {
            name: name.clone(),
            shape,
            values: Values::F32(data),
        });
        if let Some(prefix) = bn {
            out.push(Entry {
                name: format!("{prefix}.num_batches_tracked"),
                shape: Vec::new(),
                values: Values::I64(vec![steps.min(i64::MAX as u64) as i64]),
            });
        }
    }
    out
}

/// Write `entries` as a PyTorch zip checkpoint whose records live under `archive/`
/// (PyTorch uses the file stem, e.g. `model`).
pub fn write_pth(entries: &[Entry], archive: &str, w: impl Write + Seek) -> Result<()> {
    if archive.is_empty() || archive.contains(['/', '\\']) {
        return Err(NnError::Config(format!(
            "archive name `{archive}` must be a plain, non-empty name"
        )));
    }
    for e in entries {
        let n = e.shape.iter().product::<usize>();
        let len = match &e.values {
            Values::F32(v) => v.len(),
            Values::I64(v) => v.len(),
        };
        if n != len {
            return Err(NnError::Config(format!(
                "tensor `{}` has shape {:?} but {len} values",
                e.name, e.shape
            )));
        }
    }
    let zip_err = |e: zip::result::ZipError| NnError::Io(std::io::Error::other(e));
    let mut z = zip::ZipWriter::new(w);
    let stored = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Stored)
        .with_alignment(64);
    z.start_file(format!("{archive}/data.pkl"), stored)
        .map_err(zip_err)?;
    z.write_all(&pickle(entries))?;
    z.start_file(format!("{archive}/byteorder"), stored)
        .map_err(zip_err)?;
    z.write_all(b"little")?;
    for (k, e) in entries.iter().enumerate() {
        z.start_file(format!("{archive}/data/{k}"), stored)
            .map_err(zip_err)?;
        match &e.values {
            Values::F32(v) => {
                for x in v {
                    z.write_all(&x.to_le_bytes())?;
                }
            }
            Values::I64(v) => {
                for x in v {
                    z.write_all(&x.to_le_bytes())?;
                }
            }
        }
    }
    z.start_file(format!("{archive}/version"), stored)
        .map_err(zip_err)?;
    z.write_all(b"3\n")?;
    z.finish().map_err(zip_err)?;
    Ok(())
}

/// The protocol-2 pickle of `OrderedDict(name → _rebuild_tensor_v2(storage K, 0, shape,
/// contiguous strides, False, OrderedDict()))`, storages referenced by persistent id
/// `('storage', torch.FloatStorage, 'K', 'cpu', numel)`.
fn pickle(entries: &[Entry]) -> Vec<u8> {
    let mut p = Pickler(Vec::new());
    p.0.extend_from_slice(&[0x80, 2]); // PROTO 2
    p.global("collections", "OrderedDict");
    p.op(b')'); // EMPTY_TUPLE
    p.op(b'R'); // REDUCE → OrderedDict()
    if !entries.is_empty() {
        p.op(b'('); // MARK
        for (k, e) in entries.iter().enumerate() {
            p.string(&e.name);
            p.global("torch._utils", "_rebuild_tensor_v2");
            p.op(b'(');
            // the persistent id of the storage
            p.op(b'(');
            p.string("storage");
            let storage = match e.values {
                Values::F32(_) => "FloatStorage",
                Values::I64(_) => "LongStorage",
            };
            p.global("torch", storage);
            p.string(&k.to_string());
            p.string("cpu");
            p.int(e.shape.iter().product::<usize>());
            p.op(b't'); // TUPLE
            p.op(b'Q'); // BINPERSID
            p.int(0); // storage offset
            p.tuple(&e.shape);
            let mut strides = vec![1usize; e.shape.len()];
            for i in (0..e.shape.len().saturating_sub(1)).rev() {
                strides[i] = strides[i + 1] * e.shape[i + 1];
            }
            p.tuple(&strides);
            p.op(0x89); // NEWFALSE: requires_grad
            p.global("collections", "OrderedDict");
            p.op(b')');
            p.op(b'R'); // backward hooks
            p.op(b't');
            p.op(b'R'); // _rebuild_tensor_v2(...)
        }
        p.op(b'u'); // SETITEMS
    }
    p.op(b'.'); // STOP
    p.0
}

struct Pickler(Vec<u8>);

impl Pickler {
    fn op(&mut self, op: u8) {
        self.0.push(op);
    }
    fn global(&mut self, module: &str, name: &str) {
        self.0.push(b'c');
        self.0.extend_from_slice(module.as_bytes());
        self.0.push(b'\n');
        self.0.extend_from_slice(name.as_bytes());
        self.0.push(b'\n');
    }
    fn string(&mut self, s: &str) {
        self.0.push(b'X'); // BINUNICODE
        self.0.extend_from_slice(&(s.len() as u32).to_le_bytes());
        self.0.extend_from_slice(s.as_bytes());
    }
    fn int(&mut self, v: usize) {
        if let Ok(b) = u8::try_from(v) {
            self.0.extend_from_slice(&[b'K', b]); // BININT1
        } else if let Ok(b) = i32::try_from(v) {
            self.0.push(b'J'); // BININT
            self.0.extend_from_slice(&b.to_le_bytes());
        } else {
            let bytes = (v as u64).to_le_bytes();
            self.0.extend_from_slice(&[0x8a, 9]); // LONG1, 9 bytes (sign byte 0)
            self.0.extend_from_slice(&bytes);
            self.0.push(0);
        }
    }
    fn tuple(&mut self, v: &[usize]) {
        if v.is_empty() {
            self.op(b')');
            return;
        }
        self.op(b'(');
        for &x in v {
            self.int(x);
        }
        self.op(b't');
    }
}

/// The original's `parameters-train.py.json` for an ExplaiNN model: every argument of its
/// `train.py` (sorted keys), architecture values from the model and training values as
/// far as the metadata knows them (the original's defaults otherwise).
pub fn parameters_train_json(meta: &crate::ModelMetadata) -> Result<serde_json::Value> {
    let Some(c) = meta.explainn() else {
        return Err(NnError::Config(format!(
            "parameters-train.py.json describes ExplaiNN models; this one is {}",
            meta.config.arch()
        )));
    };
    let criterion = match meta.loss {
        Some(crate::Loss::Bce) | None => "bcewithlogits",
        Some(crate::Loss::Ce) => "crossentropy",
        Some(crate::Loss::Mse) => "mse",
        Some(crate::Loss::Pearson) => "pearson",
        Some(crate::Loss::Poisson) => "poissonnll",
    };
    Ok(serde_json::json!({
        "batch_size": 100,
        "checkpoint": 0,
        "cpu_threads": 1,
        "criterion": criterion,
        "debugging": false,
        "filter_size": c.filter_size,
        "input_length": c.input_length,
        "lr": 0.003,
        "num_epochs": 100,
        "num_fc": c.num_fc,
        "num_units": c.units,
        "optimizer": "adam",
        "output_dir": "./",
        "patience": 10,
        "pool_size": c.pool_size,
        "pool_stride": c.pool_stride,
        "rev_complement": meta.trained_with_rc,
        "time": false,
        "training_file": "",
        "trim_weights": false,
        "validation_file": "",
    }))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{ExplaiNN, ExplaiNNConfig};
    use std::io::Read;

    fn model(num_fc: usize) -> Model {
        let mut c = ExplaiNNConfig::new(4, 60, 3);
        c.num_fc = num_fc;
        ExplaiNN::new(c, 3, &crate::default_device())
            .unwrap()
            .into()
    }

    fn exported(m: &Model, steps: u64) -> Vec<u8> {
        let mut buf = std::io::Cursor::new(Vec::new());
        write_pth(&state_dict(m, steps), "model", &mut buf).unwrap();
        buf.into_inner()
    }

    #[test]
    fn zip_layout_names_and_alignment() {
        let m = model(2);
        let bytes = exported(&m, 41);
        let mut z = zip::ZipArchive::new(std::io::Cursor::new(bytes.clone())).unwrap();
        let entries = state_dict(&m, 41);
        let names: Vec<String> = (0..z.len())
            .map(|i| z.by_index(i).unwrap().name().unwrap().to_string())
            .collect();
        assert_eq!(names[0], "model/data.pkl");
        assert!(names.contains(&"model/version".to_string()));
        assert!(names.contains(&"model/byteorder".to_string()));
        assert_eq!(names.len(), entries.len() + 3);
        for k in 0..entries.len() {
            let mut f = z.by_name(&format!("model/data/{k}")).unwrap();
            assert_eq!(f.compression(), zip::CompressionMethod::Stored);
            assert_eq!(
                f.data_start().unwrap() % 64,
                0,
                "record {k} is not 64-byte aligned"
            );
            let mut raw = Vec::new();
            f.read_to_end(&mut raw).unwrap();
            match &entries[k].values {
                Values::F32(v) => {
                    let back: Vec<f32> = raw
                        .chunks_exact(4)
                        .map(|c| f32::from_le_bytes(c.try_into().unwrap()))
                        .collect();
                    assert_eq!(&back, v);
                }
                Values::I64(v) => assert_eq!(raw, v[0].to_le_bytes()),
            }
        }
        // The original module's names, BN counters after each running_var.
        let got: Vec<&str> = entries.iter().map(|e| e.name.as_str()).collect();
        assert_eq!(
            &got[..8],
            &[
                "linears.0.weight",
                "linears.0.bias",
                "linears.1.weight",
                "linears.1.bias",
                "linears.1.running_mean",
                "linears.1.running_var",
                "linears.1.num_batches_tracked",
                "linears.6.weight",
            ]
        );
        assert!(got.contains(&"linears.11.num_batches_tracked"));
        assert_eq!(got[got.len() - 2..], ["final.weight", "final.bias"]);
        let mut pkl = Vec::new();
        z.by_name("model/data.pkl")
            .unwrap()
            .read_to_end(&mut pkl)
            .unwrap();
        assert_eq!(&pkl[..2], &[0x80, 2]);
        assert_eq!(*pkl.last().unwrap(), b'.');
        let text = String::from_utf8_lossy(&pkl);
        assert!(text.contains("ctorch._utils\n_rebuild_tensor_v2\n"));
        assert_eq!(
            text.matches("ctorch\nFloatStorage\n").count(),
            entries.len() - 3
        );
        assert_eq!(text.matches("ctorch\nLongStorage\n").count(), 3);
        for e in &entries {
            assert!(text.contains(&e.name), "{} missing from data.pkl", e.name);
        }
    }

    #[test]
    fn import_of_export_is_identical() {
        for num_fc in [0, 1, 2, 3] {
            let m = model(num_fc);
            let dir = tempfile::tempdir().unwrap();
            let path = dir.path().join("model.pth");
            std::fs::write(&path, exported(&m, 17)).unwrap();
            let (map, steps) = crate::import::read_state_dict(&path).unwrap();
            assert_eq!(steps, 17);
            assert_eq!(map, m.to_tensors(), "num_fc {num_fc}");
        }
    }

    #[test]
    fn baselines_export_and_import_back() {
        let dev = crate::default_device();
        for arch in [
            crate::Arch::Cnn1,
            crate::Arch::DeepCnn,
            crate::Arch::DeepStarr,
        ] {
            let l = if arch == crate::Arch::DeepStarr {
                249
            } else {
                200
            };
            let config = crate::ModelConfig::published(arch, l, 3).unwrap();
            let m = Model::new(&config, 4, &dev).unwrap();
            let dir = tempfile::tempdir().unwrap();
            let path = dir.path().join("model.pth");
            std::fs::write(&path, exported(&m, 5)).unwrap();
            let (back, steps) = crate::import::import_baseline_pth(&path, arch, l, &dev).unwrap();
            assert_eq!((back.classes(), steps), (3, 5), "{arch}");
            assert_eq!(back.to_tensors(), m.to_tensors(), "{arch}");
            // another architecture's checkpoint is refused with the reason
            let other = if arch == crate::Arch::Cnn1 {
                crate::Arch::DeepCnn
            } else {
                crate::Arch::Cnn1
            };
            let err = crate::import::import_baseline_pth(&path, other, 200, &dev).unwrap_err();
            assert!(
                err.to_string().contains("checkpoint"),
                "{arch} as {other}: {err}"
            );
        }
    }

    #[test]
    fn bad_shapes_and_names_are_refused() {
        let e = Entry {
            name: "x".into(),
            shape: vec![2, 2],
            values: Values::F32(vec![0.0; 3]),
        };
        let mut buf = std::io::Cursor::new(Vec::new());
        let err = write_pth(&[e], "model", &mut buf).unwrap_err().to_string();
        assert!(err.contains("shape [2, 2] but 3 values"), "{err}");
        let err = write_pth(&[], "a/b", &mut buf).unwrap_err().to_string();
        assert!(err.contains("plain"), "{err}");
    }
}
