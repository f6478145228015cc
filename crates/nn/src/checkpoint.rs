//! explainn's model file: a safetensors file holding every tensor under its PyTorch
//! `state_dict` name (so `torch.load_state_dict(safetensors.torch.load_file(…))` works on
//! the original module) and, in the header's `__metadata__`, everything needed to use it.
//!
//! Format 2 (`format` = `explainn-model/2`, written since explainn 0.2) stores the
//! architecture tag (`arch`: explainn, cnn1, cnn1-exp, deepcnn, danq, deepstarr) and its
//! typed hyperparameters (`config`, JSON), class names, input length, alphabet, tool
//! version, loss, whether training used reverse complements, optimiser steps and the
//! training provenance (`provenance`, JSON: command line and data files with SHA-256).
//! Format 1 (ExplaiNN only, hyperparameters under `architecture`) still reads. A newer
//! format or an unknown architecture is refused with a message saying so.

use crate::loss::Loss;
use crate::model::{ExplaiNNConfig, TensorMap};
use crate::network::{Arch, Model, ModelConfig};
use crate::{NnError, Result};
use burn::tensor::Device;
use safetensors::{Dtype, SafeTensors};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, HashMap};
use std::io::Write;
use std::path::Path;

/// Value of the `format` metadata key written by this version.
pub const FORMAT: &str = "explainn-model/2";
/// The format version written, and the newest one read.
pub const FORMAT_VERSION: u32 = 2;
const FORMAT_PREFIX: &str = "explainn-model/";

/// Where a model came from: the command that trained it and its data files.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct Provenance {
    /// The command line, one argument per entry.
    pub command: Vec<String>,
    /// Input files with their role (`train`, `validation`…).
    pub files: Vec<FileDigest>,
}

/// One input file: its role, its path as given and the SHA-256 of its bytes (hex).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FileDigest {
    pub role: String,
    pub path: String,
    pub sha256: String,
}

impl FileDigest {
    /// Hash the file at `path`.
    pub fn of(role: &str, path: &Path) -> Result<Self> {
        use sha2::Digest;
        let mut f = std::fs::File::open(path)
            .map_err(|e| NnError::Data(format!("cannot read {}: {e}", path.display())))?;
        let mut h = sha2::Sha256::new();
        std::io::copy(&mut f, &mut h)?;
        let digest = h.finalize();
        Ok(Self {
            role: role.into(),
            path: path.display().to_string(),
            sha256: digest.iter().map(|b| format!("{b:02x}")).collect(),
        })
    }
}

/// Where one ExplaiNN unit came from, when more is known than "a fresh random filter".
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct UnitOrigin {
    /// The motif the unit's filter was initialised from (its ID, e.g. `MA0035.4`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub motif: Option<String>,
    /// That motif's name (e.g. `GATA1`), when the motif file gives one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub motif_name: Option<String>,
    /// Whether the filter was initialised from the motif's reverse complement.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub reverse_complement: bool,
    /// In a merged ensemble, the member (0-based) the unit comes from.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub member: Option<usize>,
}

impl UnitOrigin {
    /// A short label: `MA0035.4 GATA1`, with ` (rc)` for a reverse complement; `None`
    /// for a unit without a motif.
    pub fn motif_label(&self) -> Option<String> {
        let id = self.motif.as_ref()?;
        let mut s = match &self.motif_name {
            Some(n) if n != id => format!("{id} {n}"),
            _ => id.clone(),
        };
        if self.reverse_complement {
            s.push_str(" (rc)");
        }
        Some(s)
    }
}

/// Everything about a model except its weights.
#[derive(Debug, Clone, PartialEq)]
pub struct ModelMetadata {
    /// Architecture and hyperparameters (input length included).
    pub config: ModelConfig,
    /// One name per output class.
    pub class_names: Vec<String>,
    /// One-hot row order, always "ACGT".
    pub alphabet: String,
    /// Version of explainn that wrote the file.
    pub explainn_version: String,
    /// Whether training added reverse complements (then predictions should be strand-averaged).
    pub trained_with_rc: bool,
    /// Training loss, when known (decides sigmoid/softmax outputs).
    pub loss: Option<Loss>,
    /// Optimiser steps taken (PyTorch's `num_batches_tracked`).
    pub steps: u64,
    /// How the model was trained, when known.
    pub provenance: Option<Provenance>,
    /// ExplaiNN: where each unit came from (motif initialisation, ensemble member); empty
    /// when every unit started from a fresh random filter.
    pub units: Vec<UnitOrigin>,
    /// The format version the file was read from ([`FORMAT_VERSION`] for new metadata).
    pub format_version: u32,
}

impl ModelMetadata {
    /// Metadata for a model with default class names `0..C-1` when `class_names` is empty.
    pub fn new(config: impl Into<ModelConfig>, class_names: Vec<String>) -> Self {
        let config = config.into();
        let class_names = if class_names.is_empty() {
            (0..config.classes()).map(|c| c.to_string()).collect()
        } else {
            class_names
        };
        Self {
            config,
            class_names,
            alphabet: "ACGT".into(),
            explainn_version: env!("CARGO_PKG_VERSION").into(),
            trained_with_rc: false,
            loss: None,
            steps: 0,
            provenance: None,
            units: Vec::new(),
            format_version: FORMAT_VERSION,
        }
    }

    /// The ExplaiNN hyperparameters, when the model is an ExplaiNN.
    pub fn explainn(&self) -> Option<&ExplaiNNConfig> {
        match &self.config {
            ModelConfig::ExplaiNN(c) => Some(c),
            _ => None,
        }
    }

    fn to_header(&self) -> BTreeMap<String, String> {
        let mut h = BTreeMap::new();
        h.insert("format".into(), FORMAT.into());
        h.insert("arch".into(), self.config.arch().to_string());
        h.insert("config".into(), self.config.to_json().to_string());
        h.insert("class_names".into(), json(&self.class_names));
        h.insert(
            "input_length".into(),
            self.config.input_length().to_string(),
        );
        h.insert("alphabet".into(), self.alphabet.clone());
        h.insert("explainn_version".into(), self.explainn_version.clone());
        h.insert("trained_with_rc".into(), self.trained_with_rc.to_string());
        if let Some(l) = self.loss {
            h.insert("loss".into(), l.to_string());
        }
        h.insert("steps".into(), self.steps.to_string());
        if let Some(p) = &self.provenance {
            h.insert("provenance".into(), json(p));
        }
        if !self.units.is_empty() {
            h.insert("units".into(), json(&self.units));
        }
        h
    }

    fn from_header(h: &HashMap<String, String>) -> Result<Self> {
        let get = |k: &str| {
            h.get(k)
                .ok_or_else(|| NnError::ModelFile(format!("metadata key `{k}` is missing")))
        };
        let format = get("format")?;
        let version: u32 = format
            .strip_prefix(FORMAT_PREFIX)
            .and_then(|v| v.parse().ok())
            .ok_or_else(|| {
                NnError::ModelFile(format!("not an explainn model file (format `{format}`)"))
            })?;
        if version == 0 || version > FORMAT_VERSION {
            return Err(NnError::ModelFile(format!(
                "model format {version} was written by a newer explainn; this build ({}) reads \
                 formats 1 to {FORMAT_VERSION}: upgrade explainn to use this model",
                env!("CARGO_PKG_VERSION")
            )));
        }
        let bad =
            |k: &str, e: &dyn std::fmt::Display| NnError::ModelFile(format!("metadata `{k}`: {e}"));
        let config = if version == 1 {
            let c: ExplaiNNConfig =
                serde_json::from_str(get("architecture")?).map_err(|e| bad("architecture", &e))?;
            c.validate()?;
            ModelConfig::ExplaiNN(c)
        } else {
            let arch: Arch = get("arch")?.parse().map_err(|e: String| {
                NnError::ModelFile(format!("{e}; the model may come from a newer explainn"))
            })?;
            ModelConfig::from_json(arch, get("config")?)?
        };
        let class_names: Vec<String> =
            serde_json::from_str(get("class_names")?).map_err(|e| bad("class_names", &e))?;
        if class_names.len() != config.classes() {
            return Err(NnError::ModelFile(format!(
                "{} class names for {} outputs",
                class_names.len(),
                config.classes()
            )));
        }
        let alphabet = get("alphabet")?.clone();
        if alphabet != "ACGT" {
            return Err(NnError::ModelFile(format!(
                "alphabet `{alphabet}` is not supported (only ACGT)"
            )));
        }
        let meta = Self {
            config,
            class_names,
            alphabet,
            explainn_version: get("explainn_version")?.clone(),
            trained_with_rc: get("trained_with_rc")? == "true",
            loss: h
                .get("loss")
                .map(|s| s.parse())
                .transpose()
                .map_err(|e: String| bad("loss", &e))?,
            steps: h.get("steps").and_then(|s| s.parse().ok()).unwrap_or(0),
            provenance: h
                .get("provenance")
                .map(|s| serde_json::from_str(s))
                .transpose()
                .map_err(|e| bad("provenance", &e))?,
            units: match h.get("units") {
                Some(s) => serde_json::from_str(s).map_err(|e| bad("units", &e))?,
                None => Vec::new(),
            },
            format_version: version,
        };
        let units = meta.explainn().map_or(0, |c| c.units);
        if !meta.units.is_empty() && meta.units.len() != units {
            return Err(NnError::ModelFile(format!(
                "metadata `units` describes {} units, the model has {units}",
                meta.units.len()
            )));
        }
        Ok(meta)
    }
}

fn json<T: Serialize>(v: &T) -> String {
    serde_json::to_string(v).expect("serialisable")
}

/// A model with its metadata, as read from a model file.
#[derive(Debug)]
pub struct ModelFile {
    pub model: Model,
    pub metadata: ModelMetadata,
}

/// Serialise a model and its metadata to safetensors bytes. The layout is deterministic
/// (tensors and metadata keys sorted by name), so equal models give identical files.
pub fn to_bytes(model: &Model, metadata: &ModelMetadata) -> Result<Vec<u8>> {
    #[derive(Serialize)]
    struct Info<'a> {
        dtype: &'static str,
        shape: &'a [usize],
        data_offsets: [usize; 2],
    }
    #[derive(Serialize)]
    #[serde(untagged)]
    enum Entry<'a> {
        Meta(BTreeMap<String, String>),
        Tensor(Info<'a>),
    }
    if metadata.config != model.config() {
        return Err(NnError::ModelFile(
            "metadata and model architecture differ".into(),
        ));
    }
    let tensors = model.to_tensors();
    // PyTorch BatchNorm buffers: one int64 scalar per BN, holding the step count.
    let steps = (metadata.steps as i64).to_le_bytes();
    let bn_names: Vec<String> = tensors
        .keys()
        .filter_map(|k| {
            k.strip_suffix(".running_mean")
                .map(|p| format!("{p}.num_batches_tracked"))
        })
        .collect();
    let mut entries: BTreeMap<&str, (&'static str, &[usize], Vec<u8>)> = BTreeMap::new();
    for (k, (s, d)) in &tensors {
        entries.insert(
            k,
            ("F32", s, d.iter().flat_map(|v| v.to_le_bytes()).collect()),
        );
    }
    for k in &bn_names {
        entries.insert(k, ("I64", &[], steps.to_vec()));
    }
    let mut header: BTreeMap<&str, Entry> = BTreeMap::new();
    header.insert("__metadata__", Entry::Meta(metadata.to_header()));
    let mut offset = 0;
    for (k, (dtype, shape, data)) in &entries {
        header.insert(
            k,
            Entry::Tensor(Info {
                dtype,
                shape,
                data_offsets: [offset, offset + data.len()],
            }),
        );
        offset += data.len();
    }
    let mut json = serde_json::to_vec(&header).map_err(|e| NnError::ModelFile(e.to_string()))?;
    while json.len() % 8 != 0 {
        json.push(b' ');
    }
    let mut out = Vec::with_capacity(8 + json.len() + offset);
    out.extend((json.len() as u64).to_le_bytes());
    out.extend(json);
    for (_, _, data) in entries.values() {
        out.extend(data);
    }
    Ok(out)
}

fn st_err(e: safetensors::SafeTensorError) -> NnError {
    NnError::ModelFile(format!("safetensors: {e}"))
}

/// Write a model file to `w`.
pub fn write(model: &Model, metadata: &ModelMetadata, mut w: impl Write) -> Result<()> {
    w.write_all(&to_bytes(model, metadata)?)?;
    Ok(())
}

/// Read a model file from bytes onto `device` (inference mode).
pub fn from_bytes(bytes: &[u8], device: &Device) -> Result<ModelFile> {
    let (_, header) = SafeTensors::read_metadata(bytes).map_err(st_err)?;
    let meta = header.metadata().as_ref().ok_or_else(|| {
        NnError::ModelFile("no explainn metadata in the safetensors header".into())
    })?;
    let metadata = ModelMetadata::from_header(meta)?;
    let st = SafeTensors::deserialize(bytes).map_err(st_err)?;
    let mut map = TensorMap::new();
    for (name, view) in st.iter() {
        if name.ends_with("num_batches_tracked") {
            continue;
        }
        if view.dtype() != Dtype::F32 {
            return Err(NnError::ModelFile(format!(
                "tensor `{name}` is {:?}, expected F32",
                view.dtype()
            )));
        }
        let data = view
            .data()
            .chunks_exact(4)
            .map(|c| f32::from_le_bytes(c.try_into().unwrap()))
            .collect();
        map.insert(name.to_string(), (view.shape().to_vec(), data));
    }
    let model = Model::from_tensors(&metadata.config, &map, device)?;
    Ok(ModelFile { model, metadata })
}

/// Read a model file. `path` may be the `.safetensors` file or a run directory holding
/// `model.safetensors`.
pub fn load(path: &Path, device: &Device) -> Result<ModelFile> {
    let file = if path.is_dir() {
        path.join("model.safetensors")
    } else {
        path.to_path_buf()
    };
    let bytes = std::fs::read(&file)
        .map_err(|e| NnError::ModelFile(format!("cannot read {}: {e}", file.display())))?;
    from_bytes(&bytes, device).map_err(|e| match e {
        NnError::ModelFile(m) => NnError::ModelFile(format!("{}: {m}", file.display())),
        e => e,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_keeps_weights_and_metadata() {
        let dev = crate::default_device();
        let mut c = ExplaiNNConfig::new(3, 30, 2);
        c.hidden = 4;
        let m = Model::from(crate::ExplaiNN::new(c.clone(), 1, &dev).unwrap());
        let mut meta = ModelMetadata::new(c, vec!["a".into(), "b".into()]);
        meta.trained_with_rc = true;
        meta.loss = Some(Loss::Bce);
        meta.steps = 17;
        meta.provenance = Some(Provenance {
            command: vec!["explainn".into(), "train".into()],
            files: vec![FileDigest {
                role: "train".into(),
                path: "t.tsv".into(),
                sha256: "00".into(),
            }],
        });
        let bytes = to_bytes(&m, &meta).unwrap();
        let back = from_bytes(&bytes, &dev).unwrap();
        assert_eq!(back.metadata, meta);
        assert_eq!(back.model.to_tensors(), m.to_tensors());
        assert!(from_bytes(&bytes[..bytes.len() - 4], &dev).is_err());
    }

    /// Rewrite one metadata value of a model file (the header is rebuilt, the data kept).
    fn with_metadata(bytes: &[u8], key: &str, value: &str) -> Vec<u8> {
        let n = u64::from_le_bytes(bytes[..8].try_into().unwrap()) as usize;
        let mut header: serde_json::Value = serde_json::from_slice(&bytes[8..8 + n]).unwrap();
        header["__metadata__"][key] = value.into();
        let mut json = serde_json::to_vec(&header).unwrap();
        while json.len() % 8 != 0 {
            json.push(b' ');
        }
        let mut out = (json.len() as u64).to_le_bytes().to_vec();
        out.extend(json);
        out.extend(&bytes[8 + n..]);
        out
    }

    #[test]
    fn every_architecture_round_trips_and_bad_tags_are_refused() {
        let dev = crate::default_device();
        for arch in Arch::ALL {
            let l = if arch == Arch::DeepStarr { 249 } else { 200 };
            let mut c = ModelConfig::published(arch, l, 2).unwrap();
            if let ModelConfig::DanQ(d) = &mut c {
                d.filters = 8;
                d.hidden = 4;
                d.dense = 5;
            }
            let m = Model::new(&c, 2, &dev).unwrap();
            let meta = ModelMetadata::new(c, vec![]);
            let bytes = to_bytes(&m, &meta).unwrap();
            let back = from_bytes(&bytes, &dev).unwrap();
            assert_eq!(back.metadata, meta, "{arch}");
            assert_eq!(back.model.to_tensors(), m.to_tensors(), "{arch}");
            if arch == Arch::Cnn1 {
                let e = from_bytes(&with_metadata(&bytes, "arch", "transformer"), &dev)
                    .unwrap_err()
                    .to_string();
                assert!(e.contains("unknown architecture `transformer`"), "{e}");
                let e = from_bytes(&with_metadata(&bytes, "arch", "deepcnn"), &dev)
                    .unwrap_err()
                    .to_string();
                assert!(e.contains("disagrees"), "{e}");
                let e = from_bytes(&with_metadata(&bytes, "format", "explainn-model/3"), &dev)
                    .unwrap_err()
                    .to_string();
                assert!(e.contains("newer explainn"), "{e}");
                let e = from_bytes(&with_metadata(&bytes, "format", "other/1"), &dev)
                    .unwrap_err()
                    .to_string();
                assert!(e.contains("not an explainn model"), "{e}");
            }
        }
    }
}
