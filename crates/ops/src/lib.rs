//! explainn's operations on arrays: what the command line, the run pipelines, the report
//! and the Python package compute, with no file I/O. Each operation takes a loaded model,
//! sequences as codes `(N, L)` u8 (A, C, G, T = 0..3, anything else 4) and one options
//! value whose [`Default`] is the documented default ([`defaults`]).
//!
//! - [`predict`]: logits and predictions under the shared strand and output rules;
//! - [`explain`]: the exact decomposition of logits into unit contributions;
//! - [`attribute`]: base-resolution attributions of one class by every method, with the
//!   engine chosen once per model ([`attribute::Attributor`]);
//! - [`gia`]: global importance analysis (insert, pair, ablate) with one seeded stream.

pub mod attribute;
pub mod defaults;
pub mod explain;
pub mod gia;
pub mod predict;

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
