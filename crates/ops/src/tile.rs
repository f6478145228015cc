//! Tiled prediction along a long sequence (a chromosome, a region): windows of the model's
//! length L every `stride` bases, strand-averaged as [`crate::predict`] does, with each
//! window's values assigned to its bin, the `stride` bases around its centre, so that the
//! bins of consecutive windows tile the sequence without gaps or overlaps (a step track).
//!
//! The first window starts at 0; windows stop where the next would run past the end, so
//! fewer than `stride` bases at the end may be left without a bin. Windows with more than
//! `max_n` of N are skipped and counted.
//!
//! ```
//! use explainn_nn::{Arch, Model, ModelConfig, Predictor, default_device};
//! use explainn_ops::tile::{bin, predict_tiles, tile_starts};
//! let dev = default_device();
//! let p = Predictor::new(Model::new(&ModelConfig::published(Arch::ExplaiNN, 40, 1).unwrap(), 3, &dev).unwrap(), dev, 64);
//! let chrom: Vec<u8> = (0..230).map(|i| (i * 5 % 7 % 4) as u8).collect();
//! let starts = tile_starts(chrom.len(), 40, 20, usize::MAX).unwrap();
//! assert_eq!(starts.first(), Some(&0));
//! assert_eq!(starts.last(), Some(&180)); // 180 + 40 ≤ 230 < 200 + 40
//! let t = predict_tiles(&p, &chrom, &starts, true).unwrap(); // (W, C) logits
//! let cut = explainn_ops::predict::logits(&p, &chrom[20..60], true).unwrap();
//! assert!((t.logits[1] - cut[0]).abs() < 1e-5);
//! assert_eq!(bin(20, 40, 20), (30, 50)); // the 20 bases around the window's centre
//! ```

use crate::{OpsError, Result};
use explainn_nn::{Predictor, Tiles};

/// Starts of the windows of length `window` every `stride` bases along a sequence of
/// `len` bases: 0, stride, 2·stride, … while the window fits and the start is below
/// `before` (a block of a longer sequence passes where the next block begins).
pub fn tile_starts(len: usize, window: usize, stride: usize, before: usize) -> Result<Vec<usize>> {
    check_stride(stride)?;
    if window == 0 {
        return Err(OpsError::Invalid(
            "the window must be at least 1 base".into(),
        ));
    }
    Ok((0..=len.saturating_sub(window))
        .step_by(stride)
        .take_while(|&s| s < before && s + window <= len)
        .collect())
}

/// The checks [`tile_starts`] and [`drop_n_windows`] make of `stride` (at least 1) and
/// `max_n` (a fraction), for callers that must refuse bad options before any work.
pub fn check_options(stride: usize, max_n: f32) -> Result<()> {
    check_stride(stride)?;
    check_max_n(max_n)
}

fn check_stride(stride: usize) -> Result<()> {
    match stride {
        0 => Err(OpsError::option("stride", "must be at least 1 base")),
        _ => Ok(()),
    }
}

fn check_max_n(max_n: f32) -> Result<()> {
    match (0.0..=1.0).contains(&max_n) {
        true => Ok(()),
        false => Err(OpsError::option(
            "max_n",
            format!("must be a fraction between 0 and 1, found {max_n}"),
        )),
    }
}

/// The windows of `starts` (length `window` in `codes`) with at most `max_n` (a fraction
/// of the window) of N or other non-ACGT codes, and how many were dropped.
pub fn drop_n_windows(
    codes: &[u8],
    window: usize,
    starts: &[usize],
    max_n: f32,
) -> Result<(Vec<usize>, usize)> {
    check_max_n(max_n)?;
    // Prefix counts of N: the count of a window is a difference.
    let mut prefix = Vec::with_capacity(codes.len() + 1);
    prefix.push(0u32);
    let mut n = 0u32;
    for &c in codes {
        n += u32::from(c > 3);
        prefix.push(n);
    }
    // (a hair above, so that 0.7 of 10 allows 7 although 0.7f32 is below 0.7)
    let limit = (max_n as f64 * window as f64 + 1e-6).floor() as u32;
    let kept: Vec<usize> = starts
        .iter()
        .copied()
        .filter(|&s| prefix[s + window] - prefix[s] <= limit)
        .collect();
    let dropped = starts.len() - kept.len();
    Ok((kept, dropped))
}

/// The bin `[start, end)` of the window starting at `start`: the `stride` bases around
/// its centre `start + ⌊window/2⌋` (starting at centre − ⌊stride/2⌋, never below 0).
pub fn bin(start: usize, window: usize, stride: usize) -> (usize, usize) {
    let centre = start + window / 2;
    (
        centre.saturating_sub(stride / 2),
        centre + stride - stride / 2,
    )
}

/// Logits `(W, C)` and, for a model with units, unit outputs `(W, U)` of the windows of
/// the model's length at `starts` (ascending) in `codes`, averaged over both strands with
/// `both_strands`. Equal to cutting the windows out and predicting them; an ExplaiNN
/// shares the convolution between overlapping windows.
pub fn predict_tiles(
    p: &Predictor,
    codes: &[u8],
    starts: &[usize],
    both_strands: bool,
) -> Result<Tiles> {
    let mut t = p.tiles(codes, starts, false)?;
    if both_strands {
        let r = p.tiles(codes, starts, true)?;
        let avg = |a: &mut [f32], b: &[f32]| {
            a.iter_mut().zip(b).for_each(|(x, y)| *x = (*x + y) / 2.0);
        };
        avg(&mut t.logits, &r.logits);
        if let (Some(a), Some(b)) = (t.unit_outputs.as_mut(), r.unit_outputs.as_ref()) {
            avg(a, b);
        }
    }
    Ok(t)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bins_tile_the_sequence() {
        for (window, stride) in [(200, 50), (200, 51), (40, 1), (30, 45), (31, 7)] {
            let starts = tile_starts(1000, window, stride, usize::MAX).unwrap();
            let bins: Vec<_> = starts.iter().map(|&s| bin(s, window, stride)).collect();
            for w in bins.windows(2) {
                assert_eq!(
                    w[0].1, w[1].0,
                    "window {window} stride {stride}: contiguous"
                );
            }
            for (&s, &(lo, hi)) in starts.iter().zip(&bins) {
                assert!(lo <= s + window / 2 && s + window / 2 < hi);
                if stride <= window {
                    assert!(s <= lo && hi <= s + window, "inside its window");
                }
            }
            let last = *starts.last().unwrap();
            assert!(last + window <= 1000 && last + stride + window > 1000);
        }
        assert_eq!(bin(0, 30, 45), (0, 38)); // clipped at 0
    }

    #[test]
    fn n_windows_are_dropped_and_counted() {
        let mut codes = vec![0u8; 100];
        codes[10..15].fill(4); // 5 N
        let starts = tile_starts(100, 20, 5, usize::MAX).unwrap(); // 0, 5, …, 80
        let (kept, dropped) = drop_n_windows(&codes, 20, &starts, 0.25).unwrap();
        assert_eq!((kept.len(), dropped), (starts.len(), 0)); // 5 of 20 ≤ 25%
        let (kept, dropped) = drop_n_windows(&codes, 20, &starts, 0.1).unwrap();
        assert_eq!(dropped, 3); // windows at 0, 5 and 10 hold all 5 N; at 15 none
        assert!(!kept.contains(&10) && kept.contains(&15));
        assert!(drop_n_windows(&codes, 20, &starts, 1.5).is_err());
        assert!(tile_starts(100, 20, 0, usize::MAX).is_err());
        assert!(tile_starts(10, 20, 5, usize::MAX).unwrap().is_empty());
    }
}
