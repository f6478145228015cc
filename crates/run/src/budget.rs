//! Sizes checked before anything is allocated: a job whose working memory would exceed
//! what the machine has is refused with the option to change and the memory it needs,
//! instead of aborting half-way (or after writing an empty output).

use crate::{Result, RunError};

/// Bytes of memory available to this process: `MemAvailable` of `/proc/meminfo` where the
/// system has one, else 8 GiB.
pub fn available_memory() -> u64 {
    std::fs::read_to_string("/proc/meminfo")
        .ok()
        .and_then(|s| {
            s.lines()
                .find_map(|l| l.strip_prefix("MemAvailable:"))
                .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<u64>().ok())
        })
        .map_or(8 << 30, |kb| kb * 1024)
}

/// `bytes` as "1.5 GB".
pub fn human(bytes: u64) -> String {
    let b = bytes as f64;
    match b {
        b if b >= 1e12 => format!("{:.1} TB", b / 1e12),
        b if b >= 1e9 => format!("{:.1} GB", b / 1e9),
        b if b >= 1e6 => format!("{:.1} MB", b / 1e6),
        _ => format!("{:.0} kB", b / 1e3),
    }
}

/// Refuse `bytes` of working memory above 80% of [`available_memory`]; `what` says
/// what sets the size (e.g. "--n 1000000000 backgrounds of 200 bp").
///
/// ```
/// assert!(explainn_run::budget::check_memory("a tiny job", 1 << 10).is_ok());
/// let e = explainn_run::budget::check_memory("--units 100000000", u64::MAX).unwrap_err();
/// assert!(e.to_string().contains("--units 100000000 needs about"));
/// ```
pub fn check_memory(what: &str, bytes: u64) -> Result<()> {
    let avail = available_memory();
    if bytes as f64 > 0.8 * avail as f64 {
        return Err(RunError::Data(format!(
            "{what} needs about {} of memory, more than this machine has available ({}); make it smaller",
            human(bytes),
            human(avail)
        )));
    }
    Ok(())
}

/// The product of `factors`, saturating at `u64::MAX` (sizes from user options).
pub fn product(factors: &[usize]) -> u64 {
    factors
        .iter()
        .fold(1u64, |acc, &f| acc.saturating_mul(f as u64))
}
