//! Filter visualisation for every architecture: the first convolution's filters read as
//! motifs from the windows that activate them (the paper counts the "binding modes
//! recovered" by DanQ and DeepCNN this way). Two streaming passes, as for ExplaiNN units:
//! the maximum activation of every filter, then the windows whose activation is above
//! [`THRESHOLD_FRACTION`] of it, counted into PWMs ([`SiteCounts`]).
//!
//! Activations are those of [`explainn_nn::Model::first_layer_activations`], over the
//! windows that lie inside the sequence (`(B, F, L − width + 1)`).

use crate::Result;
use crate::activations::{THRESHOLD_FRACTION, batches, check};
use crate::pwm::SiteCounts;
use explainn_nn::Predictor;

/// What the two passes collect.
#[derive(Debug, Clone)]
pub struct FilterScan {
    /// Maximum activation per filter `(F)`.
    pub max_activation: Vec<f32>,
    /// Threshold per filter `(F)`: [`THRESHOLD_FRACTION`] × maximum.
    pub thresholds: Vec<f32>,
    /// Site counts of the filter PWMs.
    pub sites: SiteCounts,
}

/// Both passes over `codes` `(N, L)` (and their reverse complements with `both_strands`),
/// `batch` sequences at a time; `progress` receives (pass, sequences done).
pub fn scan_filters(
    p: &Predictor,
    codes: &[u8],
    both_strands: bool,
    batch: usize,
    progress: &mut dyn FnMut(usize, usize),
) -> Result<FilterScan> {
    let l = check(p, codes)?;
    let [f_n, _, width] = p.model().first_layer().shape;
    let lc = l + 1 - width;
    let mut max = vec![f32::NEG_INFINITY; f_n];
    for (start, fwd, rc) in batches(codes, l, batch, both_strands) {
        for strand in std::iter::once(fwd).chain(rc.as_deref()) {
            let acts = p.first_layer_activations(strand, false)?;
            for (k, row) in acts.chunks_exact(lc).enumerate() {
                let m = row.iter().copied().fold(f32::NEG_INFINITY, f32::max);
                max[k % f_n] = max[k % f_n].max(m);
            }
        }
        progress(1, start + fwd.len() / l);
    }
    let thresholds: Vec<f32> = max.iter().map(|&m| m * THRESHOLD_FRACTION).collect();
    let mut sites = SiteCounts::new(f_n, width);
    for (start, fwd, rc) in batches(codes, l, batch, both_strands) {
        for strand in std::iter::once(fwd).chain(rc.as_deref()) {
            let acts = p.first_layer_activations(strand, false)?;
            sites.add_batch(&acts, strand, l, &thresholds);
        }
        progress(2, start + fwd.len() / l);
    }
    Ok(FilterScan {
        max_activation: max,
        thresholds,
        sites,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use explainn_nn::{Arch, Model, ModelConfig, default_device};

    /// A CNN1 filter set to match GATA counts exactly the planted GATA sites.
    #[test]
    fn a_planted_filter_recovers_its_motif() {
        let dev = default_device();
        let l = 60;
        let mut config = ModelConfig::published(Arch::Cnn1, l, 1).unwrap();
        if let ModelConfig::Cnn(c) = &mut config {
            c.conv[0].filters = 2;
            c.conv[0].width = 4;
            c.dense = vec![3];
        }
        let m = Model::new(&config, 1, &dev).unwrap();
        let mut t = m.to_tensors();
        let w = &mut t.get_mut("c1.weight").unwrap().1;
        w.iter_mut().for_each(|v| *v = 0.0);
        for (k, b) in [2usize, 0, 3, 0].into_iter().enumerate() {
            w[b * 4 + k] = 1.0; // filter 0, row b, column k: G A T A
        }
        t.get_mut("c1.bias").unwrap().1[0] = -3.0; // only a full match is positive
        let m = Model::from_tensors(&config, &t, &dev).unwrap();
        let p = Predictor::new(m, dev, 8);
        let mut codes = vec![1u8; 5 * l]; // poly-C
        for s in 0..5 {
            codes[s * l + 10 + s..s * l + 14 + s].copy_from_slice(&[2, 0, 3, 0]);
        }
        let scan = scan_filters(&p, &codes, false, 2, &mut |_, _| {}).unwrap();
        assert_eq!(scan.sites.nsites()[0], 5);
        let probs = scan.sites.probabilities(0);
        for (k, b) in [2usize, 0, 3, 0].into_iter().enumerate() {
            assert_eq!(probs[k][b], 1.0);
        }
    }
}
