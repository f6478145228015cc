//! One module per subcommand: each has `Args` (clap) and `run(Args) -> anyhow::Result<()>`.
//! Informational messages go through [`info!`] and progress bars through
//! [`common_model::progress_bar`], both silent under the global `-q/--quiet`; warnings and
//! errors always print.

use std::sync::atomic::{AtomicBool, Ordering};

static QUIET: AtomicBool = AtomicBool::new(false);

/// Silence progress bars and informational messages (`-q/--quiet`).
pub fn set_quiet(quiet: bool) {
    QUIET.store(quiet, Ordering::Relaxed);
}

/// Whether `-q/--quiet` was given.
pub fn quiet() -> bool {
    QUIET.load(Ordering::Relaxed)
}

/// `eprintln!` unless `-q/--quiet` was given: for what a command reports about its work.
macro_rules! info {
    ($($arg:tt)*) => {
        if !$crate::cmd::quiet() {
            eprintln!($($arg)*)
        }
    };
}

pub mod attribute;
pub mod bench_encode;
pub mod bench_model;
pub mod common_model;
pub mod explain;
pub mod export;
pub mod finetune;
pub mod gia;
pub mod import;
pub mod interpret;
pub mod logo;
pub mod merge;
pub mod motifs;
pub mod predict;
pub mod prepare;
pub mod report;
pub mod scan;
pub mod test;
pub mod tomtom;
pub mod train;
pub mod variants;
