//! `explainn-interpret`: turning a trained ExplaiNN model into motifs, importances and a
//! report.
//!
//! The pipeline, one module per step:
//! - [`select`]: which sequences are "well predicted" (exact match, correlation, top
//!   percent, all) and an optional seeded subsample;
//! - [`activations`]: two streaming passes over the selected sequences (per-unit maximum
//!   activation; then site counts and unit outputs of activating sequences), never holding
//!   more than one batch of `(B, U, L − f + 1)` activations;
//! - [`filters`]: the same two passes over the first convolution of any architecture
//!   (filter visualisation for the baselines);
//! - [`pwm`]: site counting and unit PWMs, written as strict MEME;
//! - [`annotate`]: Tomtom against JASPAR 2024 (or any motif file), TF names, labels;
//! - [`importance`]: per-unit, per-class importance (output × final weight) and medians;
//! - [`families`]: the explained-contribution ranking and families of matching units;
//! - [`plots`]: SVG figures; [`report`]: the self-contained HTML report;
//! - [`tables`]: readers of the TSV outputs (used by the report).
//!
//! Units are numbered from 0 (`unit0` … `unit{U−1}`), as the original's `filter{i}`.

pub mod activations;
pub mod annotate;
pub mod families;
pub mod filters;
pub mod importance;
pub mod plots;
pub mod pwm;
pub mod report;
pub mod select;
pub mod tables;

/// Errors of this crate.
#[derive(Debug, thiserror::Error)]
pub enum InterpretError {
    /// The model failed on the data (lengths, shapes).
    #[error(transparent)]
    Model(#[from] explainn_nn::NnError),
    /// Motif comparison or motif IO failed.
    #[error(transparent)]
    Motif(#[from] explainn_motif::MotifError),
    /// Inputs that cannot be interpreted (no sequences selected, mismatched shapes).
    #[error("{0}")]
    Data(String),
    /// A table written by `explainn interpret` (or `train`/`test`) that cannot be read.
    #[error("{path}: {msg}")]
    Table { path: String, msg: String },
    /// I/O failure.
    #[error(transparent)]
    Io(#[from] std::io::Error),
}

/// Result alias for this crate.
pub type Result<T, E = InterpretError> = std::result::Result<T, E>;
