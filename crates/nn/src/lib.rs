//! `explainn-nn`: the networks on [burn] — ExplaiNN (Novakovsky et al. 2023) and the
//! paper's baselines (CNN1, CNN1Exp, DeepCNN, DanQ, DeepSTARR) behind one [`Model`]
//! interface — their training loop, evaluation metrics, batched prediction and model files.
//!
//! Conventions used throughout:
//! - inputs are u8 base codes (A=0, C=1, G=2, T=3, anything else = 4 → an all-zero one-hot
//!   column), one-hot encoded per batch into `(B, 4, L)` float tensors by `explainn_seq::encode`;
//! - the model is written against burn's dynamic [`burn::tensor::Device`]: the CPU `flex`
//!   backend by default, a GPU one when its cargo feature (`cuda`, `wgpu`) is enabled;
//! - parameters are named and shaped exactly as in the original PyTorch `state_dict`
//!   (`linears.0.weight`, …, `final.bias`), so original checkpoints map one to one.
//!
//! Modules: [`network`] (the [`Model`] interface over every architecture), [`model`]
//! (ExplaiNN, per-unit decomposition), [`cnn`] and [`danq`] (baselines), [`loss`], [`train`],
//! [`metrics`], [`predict`], [`checkpoint`] (safetensors + metadata), [`import`] (original `.pth`),
//! [`export`] (to PyTorch `.pth`).

pub mod argminn;
pub mod attribute;
pub mod bench;
pub mod checkpoint;
pub mod cnn;
pub mod danq;
pub mod ensemble;
pub mod export;
mod fused;
mod gemm;
pub mod import;
mod layers;
pub mod loss;
pub mod metrics;
pub mod model;
pub mod network;
pub mod predict;
pub mod stack;
pub mod train;

pub use argminn::{Argminn, ArgminnConfig};
pub use checkpoint::{ModelFile, ModelMetadata, UnitOrigin};
pub use cnn::{Cnn, CnnConfig, CnnKind, ConvLayer};
pub use danq::{DanQ, DanQConfig};
pub use loss::Loss;
pub use model::{ExplaiNN, ExplaiNNConfig, TensorMap, UnitOutputs};
pub use network::{Arch, FirstLayer, Model, ModelConfig};
pub use predict::{Predictor, StrandPredictions, Tiles, UnitArrays};
pub use train::{EpochLosses, Progress, TrainData, TrainOptions, TrainOutcome, train, train_with};

pub use burn::tensor::Device;

/// Configure rayon's global thread pool, which the CPU backend computes on, with `threads`
/// workers (0 = one per core). Must run before any tensor work; if the pool already exists
/// it is kept. Returns the number of threads in use.
pub fn set_threads(threads: usize) -> usize {
    let n = if threads > 0 {
        threads
    } else {
        std::thread::available_parallelism()
            .map(|n| n.get())
            .unwrap_or(1)
    };
    let _ = rayon::ThreadPoolBuilder::new()
        .num_threads(n)
        .build_global();
    rayon::current_num_threads()
}

/// Run `f` on a dedicated pool of `threads` workers instead of the global one: the CPU
/// backend and the fused kernels compute on the pool they are called from, so several
/// trainings can run side by side (ensemble members), each on its own threads.
pub fn on_threads<R: Send>(threads: usize, f: impl FnOnce() -> R + Send) -> Result<R> {
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(threads.max(1))
        .build()
        .map_err(|e| NnError::Config(format!("cannot start {threads} threads: {e}")))?;
    Ok(pool.install(f))
}

/// The default device: burn's pure-Rust `flex` CPU backend.
pub fn default_device() -> burn::tensor::Device {
    burn::tensor::Device::flex()
}

/// A device by backend name: `flex`/`cpu` (always available), `cuda` or `wgpu` when the
/// crate is built with the feature of the same name.
pub fn device_by_name(name: &str) -> Result<burn::tensor::Device> {
    match name {
        "flex" | "cpu" => Ok(burn::tensor::Device::flex()),
        #[cfg(feature = "cuda")]
        "cuda" => Ok(burn::tensor::Device::cuda(0)),
        #[cfg(feature = "wgpu")]
        "wgpu" => Ok(burn::tensor::Device::wgpu(Default::default())),
        _ => Err(NnError::Config(format!(
            "backend `{name}` is not available in this build (cargo features: cuda, wgpu)"
        ))),
    }
}

/// Errors of this crate.
#[derive(Debug, thiserror::Error)]
pub enum NnError {
    /// Invalid architecture hyperparameters.
    #[error("invalid model configuration: {0}")]
    Config(String),
    /// Data that does not fit the model or the task (lengths, label counts, empty sets).
    #[error("{0}")]
    Data(String),
    /// A model file (safetensors or PyTorch checkpoint) that cannot be used.
    #[error("model file: {0}")]
    ModelFile(String),
    /// I/O failure while reading or writing a model file.
    #[error(transparent)]
    Io(#[from] std::io::Error),
}

/// Result alias for this crate.
pub type Result<T, E = NnError> = std::result::Result<T, E>;
