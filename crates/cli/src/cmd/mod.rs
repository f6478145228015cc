//! One module per subcommand: each has `Args` (clap) and `run(Args) -> anyhow::Result<()>`.
//! Informational messages go through [`info!`] and progress bars through
//! [`common_model::progress_bar`], both silent under the global `-q/--quiet`; warnings and
//! errors always print.

use std::sync::atomic::{AtomicBool, Ordering};

static QUIET: AtomicBool = AtomicBool::new(false);

/// The parsed arguments of the subcommand, to tell options given on the command line from
/// their defaults ([`given`]).
static MATCHES: std::sync::OnceLock<clap::ArgMatches> = std::sync::OnceLock::new();

/// Keep the subcommand's parsed arguments for [`given`].
pub fn set_matches(m: clap::ArgMatches) {
    let _ = MATCHES.set(m);
}

/// Whether the option with field name `id` (e.g. `"pool_size"`) was given on the command
/// line rather than left at its default: an option that does not apply to what was asked
/// is an error, never silently ignored.
pub fn given(id: &str) -> bool {
    MATCHES
        .get()
        .is_some_and(|m| m.value_source(id) == Some(clap::parser::ValueSource::CommandLine))
}

/// The text of one error of the chain, with an operation's option named as its flag: the
/// library says `target: …`, the command line `--target: …` (the Python package its
/// keyword).
pub fn message(e: &(dyn std::error::Error + 'static)) -> String {
    let ops = e.downcast_ref::<explainn_ops::OpsError>().or_else(|| {
        match e.downcast_ref::<explainn_run::RunError>() {
            Some(explainn_run::RunError::Ops(o)) => Some(o),
            _ => None,
        }
    });
    match ops {
        Some(explainn_ops::OpsError::Option { option, message }) => {
            format!("--{}: {message}", option.replace('_', "-"))
        }
        _ => e.to_string(),
    }
}

/// Clap value parser for counts that must be at least 1 (batch sizes, sequence counts).
pub fn positive(s: &str) -> Result<usize, String> {
    match s.parse::<usize>() {
        Ok(0) => Err("must be at least 1".into()),
        Ok(n) => Ok(n),
        Err(_) => Err(format!("`{s}` is not a whole number ≥ 1")),
    }
}

/// The most compute threads `--threads` takes (0 or none = all cores).
pub const MAX_THREADS: usize = 1024;

/// Clap value parser for `--threads`: 0 (all cores) to [`MAX_THREADS`].
pub fn thread_count(s: &str) -> Result<usize, String> {
    match s.parse::<usize>() {
        Ok(n) if n <= MAX_THREADS => Ok(n),
        Ok(n) => Err(format!(
            "{n} threads: at most {MAX_THREADS} (this machine has {} cores; 0 or no --threads uses them all)",
            std::thread::available_parallelism().map_or(1, |c| c.get())
        )),
        Err(_) => Err(format!("`{s}` is not a whole number of threads")),
    }
}

/// The longest sequence length `prepare --length` takes.
pub const MAX_LENGTH: usize = 1 << 20;

/// Clap value parser for a sequence length: 1 to [`MAX_LENGTH`] bases.
pub fn sequence_length(s: &str) -> Result<usize, String> {
    match s.parse::<usize>() {
        Ok(0) => Err("a length must be at least 1".into()),
        Ok(n) if n <= MAX_LENGTH => Ok(n),
        Ok(n) => Err(format!(
            "{n} bases: at most {MAX_LENGTH} (1 Mb; sequence models read a few hundred to a few hundred thousand)"
        )),
        Err(_) => Err(format!("`{s}` is not a whole number of bases")),
    }
}

/// `--flag-name` of the field name `id`.
pub fn flag(id: &str) -> String {
    format!("--{}", id.replace('_', "-"))
}

/// Refuse the first of `ids` given on the command line: it does not apply `why`.
pub fn refuse_given(ids: &[&str], why: &str) -> anyhow::Result<()> {
    match ids.iter().find(|id| given(id)) {
        Some(id) => anyhow::bail!("{} does not apply {why}", flag(id)),
        None => Ok(()),
    }
}

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
pub mod discover;
pub mod explain;
pub mod export;
pub mod finetune;
pub mod gia;
pub mod import;
pub mod instances;
pub mod interpret;
pub mod logo;
pub mod merge;
pub mod motifs;
pub mod predict;
pub mod prepare;
pub mod report;
pub mod scan;
pub mod simulate;
pub mod test;
pub mod tomtom;
pub mod train;
pub mod train_flags;
pub mod variants;
