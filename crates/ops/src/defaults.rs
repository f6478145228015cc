//! Every default that more than one interface uses (the command line, the run pipelines,
//! the report, the Python package), defined once. The command line's `--help` shows these
//! values because its arguments are declared with them.

/// Sequences per batch for inference (prediction, explanation, attribution, GIA, variant
/// scoring). It sets speed and memory only: results are the same for every batch size.
pub const BATCH_SIZE: usize = 256;

/// Sequences per training batch: a hyperparameter (the paper's 100), unlike
/// [`BATCH_SIZE`]; defined beside the trainer.
pub use explainn_nn::train::TRAIN_BATCH_SIZE;

/// The seed of every seeded draw (splits, initialisation, shuffled references,
/// backgrounds) unless one is given; defined in the sequence crate, whose `prepare` draws
/// first.
pub use explainn_seq::SEED;

/// Dinucleotide-shuffled references per sequence for DeepLIFT-SHAP (tangermeme's 20).
pub const SHUFFLES: usize = 20;

/// Integrated gradients: Gauss–Legendre points to start from on each path.
pub const IG_STEPS: usize = 50;

/// Integrated gradients: the largest convergence delta accepted, relative to
/// max(1, |f(x) − f(r)|); points are doubled per pair until it holds.
pub const IG_TOLERANCE: f64 = 0.01;

/// Integrated gradients: the most points per path.
pub const IG_MAX_STEPS: usize = 1600;

/// The compute device's name.
pub const DEVICE: &str = "cpu";

/// Tiled prediction along a genome: bases between the starts of consecutive windows.
pub const TILE_STRIDE: usize = 50;

/// Tiled prediction: windows with more than this fraction of N (or other non-ACGT
/// letters) are skipped and counted, not predicted.
pub const TILE_MAX_N: f32 = 0.1;
