//! The two streaming passes over the selected sequences.
//!
//! Activations `(B, U, L − f + 1)` are computed in f32, one batch at a time, and dropped
//! after use: memory is O(B·U·L) plus O(U·f) counts plus one f32 unit output per
//! activating (unit, sequence, strand).
//!
//! - Pass 1 ([`max_activations`]): the maximum activation of every unit over all sequences
//!   (both strands when the model was trained with reverse complements).
//! - Pass 2 ([`scan`]): with thr_u = ½·max_u, site counts for the PWMs (windows with
//!   activation > thr_u) and the unit output of every sequence/strand whose maximum
//!   activation is ≥ thr_u (the "activating" sequences used for importance).

use crate::pwm::SiteCounts;
use crate::{InterpretError, Result};
use explainn_nn::Predictor;
use explainn_seq::encode::reverse_complement_codes;

/// Fraction of a unit's maximum activation used as its threshold (0.5, as the original).
pub const THRESHOLD_FRACTION: f32 = 0.5;

/// One activating (sequence, strand) of a unit.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Activating {
    /// Index into the scanned sequences.
    pub seq: u32,
    /// True for the reverse-complement strand.
    pub reverse: bool,
    /// The unit output o_u on that strand.
    pub output: f32,
}

/// Everything pass 2 collects.
#[derive(Debug, Clone)]
pub struct UnitScan {
    /// Maximum activation per unit `(U)` over the scanned sequences.
    pub max_activation: Vec<f32>,
    /// Threshold per unit `(U)`: [`THRESHOLD_FRACTION`] × maximum.
    pub thresholds: Vec<f32>,
    /// Site counts for the unit PWMs.
    pub sites: SiteCounts,
    /// Per unit, its activating (sequence, strand) pairs, in sequence order.
    pub activating: Vec<Vec<Activating>>,
}

/// Iterate over the batches of `codes` (`(N, L)`), giving each batch and its reverse
/// complements when `both_strands`.
pub(crate) fn batches<'a>(
    codes: &'a [u8],
    length: usize,
    batch: usize,
    both_strands: bool,
) -> impl Iterator<Item = (usize, &'a [u8], Option<Vec<u8>>)> + 'a {
    codes
        .chunks(batch.max(1) * length)
        .enumerate()
        .map(move |(i, chunk)| {
            let rc = both_strands.then(|| {
                chunk
                    .chunks_exact(length)
                    .flat_map(reverse_complement_codes)
                    .collect::<Vec<u8>>()
            });
            (i * batch.max(1), chunk, rc)
        })
}

pub(crate) fn check(p: &Predictor, codes: &[u8]) -> Result<usize> {
    let l = p.model().input_length();
    if codes.is_empty() || codes.len() % l != 0 {
        return Err(InterpretError::Data(format!(
            "{} bases do not form a non-empty set of sequences of length {l}",
            codes.len()
        )));
    }
    Ok(l)
}

/// Pass 1: maximum activation of each unit `(U)` over `codes` `(N, L)` (and their reverse
/// complements with `both_strands`), `batch` sequences at a time. `progress` receives the
/// number of sequences done after each batch.
pub fn max_activations(
    p: &Predictor,
    codes: &[u8],
    both_strands: bool,
    batch: usize,
    progress: &mut dyn FnMut(usize),
) -> Result<Vec<f32>> {
    let l = check(p, codes)?;
    let cfg = p.explainn("unit activations")?.config();
    let (u_n, lc) = (cfg.units, cfg.conv_length());
    let mut max = vec![f32::NEG_INFINITY; u_n];
    for (start, fwd, rc) in batches(codes, l, batch, both_strands) {
        for strand in std::iter::once(fwd).chain(rc.as_deref()) {
            let acts = p
                .units(strand, false, true)?
                .activations
                .expect("requested");
            for (k, row) in acts.chunks_exact(lc).enumerate() {
                let u = k % u_n;
                let m = row.iter().copied().fold(f32::NEG_INFINITY, f32::max);
                if m > max[u] {
                    max[u] = m;
                }
            }
        }
        progress(start + fwd.len() / l);
    }
    Ok(max)
}

/// Pass 2: site counts and activating sequences given the per-unit `max_activation` from
/// [`max_activations`] over the same `codes` and strands.
pub fn scan(
    p: &Predictor,
    codes: &[u8],
    max_activation: Vec<f32>,
    both_strands: bool,
    batch: usize,
    progress: &mut dyn FnMut(usize),
) -> Result<UnitScan> {
    let l = check(p, codes)?;
    let cfg = p.explainn("unit activations")?.config();
    let (u_n, lc) = (cfg.units, cfg.conv_length());
    if max_activation.len() != u_n {
        return Err(InterpretError::Data(format!(
            "{} maxima for {u_n} units",
            max_activation.len()
        )));
    }
    let thresholds: Vec<f32> = max_activation
        .iter()
        .map(|&m| m * THRESHOLD_FRACTION)
        .collect();
    let mut sites = SiteCounts::new(u_n, cfg.filter_size);
    let mut activating = vec![Vec::new(); u_n];
    for (start, fwd, rc) in batches(codes, l, batch, both_strands) {
        let strands = std::iter::once((false, fwd)).chain(rc.as_deref().map(|r| (true, r)));
        for (reverse, seqs) in strands {
            let arr = p.units(seqs, false, true)?;
            let acts = arr.activations.expect("requested");
            sites.add_batch(&acts, seqs, l, &thresholds);
            for (k, row) in acts.chunks_exact(lc).enumerate() {
                let (s, u) = (k / u_n, k % u_n);
                let m = row.iter().copied().fold(f32::NEG_INFINITY, f32::max);
                if m >= thresholds[u] && max_activation[u] > 0.0 {
                    activating[u].push(Activating {
                        seq: (start + s) as u32,
                        reverse,
                        output: arr.unit_outputs[s * u_n + u],
                    });
                }
            }
        }
        progress(start + fwd.len() / l);
    }
    for a in &mut activating {
        a.sort_by_key(|x| (x.seq, x.reverse));
    }
    Ok(UnitScan {
        max_activation,
        thresholds,
        sites,
        activating,
    })
}
