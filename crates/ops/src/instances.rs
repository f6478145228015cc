//! Instances of learned motifs: every position of a long sequence where an ExplaiNN unit's
//! first-layer activation reaches its threshold (by default half of the largest activation
//! the interpretation saw, the original's rule), on either strand, with the unit's
//! contribution to each class in the window of the model's length centred on the
//! instance: FIMO-like hits of the learned filters without a PWM approximation.
//!
//! ```
//! use explainn_nn::{ExplaiNN, ExplaiNNConfig, Predictor};
//! use explainn_ops::instances::find_instances;
//! let mut c = ExplaiNNConfig::new(3, 30, 1);
//! (c.filter_size, c.hidden) = (5, 4);
//! let dev = explainn_nn::default_device();
//! let p = Predictor::new(ExplaiNN::new(c, 1, &dev).unwrap(), dev, 16);
//! let chrom = explainn_seq::encode::to_codes(&b"ACGTTGCAAGT".repeat(20));
//! let all = find_instances(&p, &chrom, &[0.0; 3], true).unwrap(); // every position
//! assert_eq!(all.len(), 2 * 3 * (chrom.len() - 5 + 1)); // both strands, 3 units
//! ```

use crate::Result;
use explainn_nn::Predictor;

/// One instance: where a unit's filter window starts (0-based, forward strand), which
/// unit, on which strand (`reverse`: the unit matched the reverse complement) and its
/// activation.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Instance {
    pub start: usize,
    pub unit: usize,
    pub reverse: bool,
    pub activation: f32,
}

/// Every position of `codes` (a chromosome or a block of one) where unit u's activation
/// reaches `thresholds[u]`: on the forward strand, and with `both_strands` on the reverse
/// complement too. Sorted by start, unit, strand.
pub fn find_instances(
    p: &Predictor,
    codes: &[u8],
    thresholds: &[f32],
    both_strands: bool,
) -> Result<Vec<Instance>> {
    let mut out = Vec::new();
    for reverse in [false, true] {
        if reverse && !both_strands {
            continue;
        }
        out.extend(p.scan(codes, reverse, thresholds)?.into_iter().map(
            |(start, unit, activation)| Instance {
                start,
                unit,
                reverse,
                activation,
            },
        ));
    }
    out.sort_by_key(|i| (i.start, i.unit, i.reverse));
    Ok(out)
}

/// The contribution o_u·W[c, u] `(n, C)` of each instance's unit to each class in the
/// window of the model's length L centred on the instance (moved inside `codes` at its
/// ends; `codes` must hold at least L bases), strand-averaged with `both_strands`.
/// `filter` is the unit's filter width (the instance spans `start..start + filter`).
pub fn instance_contributions(
    p: &Predictor,
    codes: &[u8],
    instances: &[Instance],
    filter: usize,
    both_strands: bool,
) -> Result<Vec<f32>> {
    let l = p.model().input_length();
    let Some((w, _)) = p.model().final_layer() else {
        p.explainn("instance contributions")?;
        unreachable!("ExplaiNN models have a final layer");
    };
    let c = p.model().classes();
    let u = w.len() / c;
    if codes.len() < l {
        return Err(crate::OpsError::Invalid(format!(
            "a sequence of {} bases is shorter than the model's window of {l}",
            codes.len()
        )));
    }
    let window_of = |i: &Instance| {
        (i.start + filter / 2)
            .saturating_sub(l / 2)
            .min(codes.len() - l)
    };
    // One window per distinct start (instances of several units share it), ascending.
    let mut starts: Vec<usize> = instances.iter().map(window_of).collect();
    starts.sort_unstable();
    starts.dedup();
    let t = crate::tile::predict_tiles(p, codes, &starts, both_strands)?;
    let o = t.unit_outputs.expect("an ExplaiNN has units");
    let mut out = Vec::with_capacity(instances.len() * c);
    for i in instances {
        let n = starts
            .binary_search(&window_of(i))
            .expect("every window was predicted");
        for k in 0..c {
            out.push(o[n * u + i.unit] * w[k * u + i.unit]);
        }
    }
    Ok(out)
}
