//! explainn's operations on arrays: what the command line, the run pipelines, the report
//! and the Python package compute, with no file I/O. Each operation takes a loaded model,
//! sequences as codes `(N, L)` u8 (A, C, G, T = 0..3, anything else 4) and one options
//! value whose [`Default`] is the documented default ([`defaults`]).
//!
//! - [`predict`]: logits and predictions under the shared strand and output rules;
//! - [`explain`]: the exact decomposition of logits into unit contributions;
//! - [`attribute`]: base-resolution attributions of one class by every method, with the
//!   engine chosen once per model ([`attribute::Attributor`]);
//! - [`gia`]: global importance analysis (insert, pair, ablate) with one seeded stream;
//! - [`simulate`]: sequences from a motif grammar, with the planted instances;
//! - [`tile`]: windows every `stride` bases along a chromosome, the convolution shared;
//! - [`instances`]: where each ExplaiNN unit's activation reaches its threshold.

pub mod argminn;
pub mod attribute;
pub mod defaults;
pub mod explain;
pub mod gia;
pub mod instances;
pub mod predict;
pub mod simulate;
pub mod tile;

/// Threads are chosen per call: `on_threads(n, || operation(…))` runs the operation (and
/// everything it computes in parallel) on a pool of `n` threads of its own instead of the
/// process-wide pool, so a notebook or a workflow can run several side by side. Results
/// do not depend on the thread count.
///
/// ```
/// use explainn_nn::{Arch, Model, ModelConfig, Predictor, default_device};
/// let dev = default_device();
/// let config = ModelConfig::published(Arch::ExplaiNN, 30, 1).unwrap();
/// let p = Predictor::new(Model::new(&config, 3, &dev).unwrap(), dev, 8);
/// let codes: Vec<u8> = (0..20 * 30).map(|i| (i * 3 % 4) as u8).collect();
/// let one = explainn_ops::on_threads(1, || explainn_ops::predict::logits(&p, &codes, true)).unwrap();
/// let two = explainn_ops::on_threads(2, || explainn_ops::predict::logits(&p, &codes, true)).unwrap();
/// assert_eq!(one.unwrap(), two.unwrap());
/// ```
pub use explainn_nn::on_threads;

/// Errors of the operations: what is wrong with which input or option.
#[derive(Debug, thiserror::Error)]
pub enum OpsError {
    /// An option the operation cannot use: `option` is its field name in the options value
    /// (the command line's flag is the same name with `-` for `_`, which the CLI shows).
    #[error("{option}: {message}")]
    Option {
        option: &'static str,
        message: String,
    },
    /// An input the operation cannot use.
    #[error("{0}")]
    Invalid(String),
    /// The model failed.
    #[error(transparent)]
    Model(#[from] explainn_nn::NnError),
}

impl OpsError {
    /// An error of the option `option`.
    pub(crate) fn option(option: &'static str, message: impl Into<String>) -> Self {
        OpsError::Option {
            option,
            message: message.into(),
        }
    }
}

/// Result alias for this crate.
pub type Result<T, E = OpsError> = std::result::Result<T, E>;
