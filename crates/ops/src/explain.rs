//! Local explanation: the exact additive decomposition of every logit into unit
//! contributions, y_c = Σ_u o_u·W[c, u] + b_c (reference §2).

use crate::Result;
use explainn_nn::Predictor;

/// Per-sequence, per-class, per-unit contributions.
#[derive(Debug, Clone, PartialEq)]
pub struct Explanation {
    /// Number of sequences N, classes C and units U.
    pub n: usize,
    pub classes: usize,
    pub units: usize,
    /// Contributions `(N, C, U)` row-major: o_u(n)·W[c, u].
    pub contributions: Vec<f32>,
    /// Final-layer bias `(C)`.
    pub bias: Vec<f32>,
    /// The model's logits `(N, C)` (strand-averaged with `both_strands`).
    pub logits: Vec<f32>,
}

impl Explanation {
    /// Contributions `(U)` of sequence `i` to class `c`.
    pub fn row(&self, i: usize, c: usize) -> &[f32] {
        let s = (i * self.classes + c) * self.units;
        &self.contributions[s..s + self.units]
    }
}

/// Decompose the logits of `codes` `(N, L)` of an ExplaiNN model, or of a model of
/// pretrained units (its units are the members: [`explainn_nn::stack`]). With
/// `both_strands`, unit outputs are averaged over the sequence and its reverse complement,
/// so the contributions add up to the strand-averaged logits minus the bias. Other
/// architectures have no units: an error says so.
///
/// ```
/// use explainn_nn::{ExplaiNN, ExplaiNNConfig, Predictor};
/// let mut c = ExplaiNNConfig::new(3, 30, 2);
/// (c.filter_size, c.hidden) = (5, 4);
/// let dev = explainn_nn::default_device();
/// let p = Predictor::new(ExplaiNN::new(c, 1, &dev).unwrap(), dev, 16);
/// let codes = explainn_seq::encode::to_codes(&b"ACGTTGCA".repeat(8)[..60]); // 2 × 30 bp
/// let e = explainn_ops::explain::explain(&p, &codes, false).unwrap();
/// let logits = p.logits(&codes, false).unwrap();
/// for (i, k) in [(0, 0), (0, 1), (1, 0), (1, 1)] {
///     let sum: f32 = e.row(i, k).iter().sum::<f32>() + e.bias[k];
///     assert!((sum - logits[i * 2 + k]).abs() < 1e-4); // contributions add up to the logit
/// }
/// ```
pub fn explain(p: &Predictor, codes: &[u8], both_strands: bool) -> Result<Explanation> {
    let Some((w, bias)) = p.model().final_layer() else {
        // the error names what is missing
        p.explainn("explain")?;
        unreachable!("ExplaiNN models have a final layer");
    };
    let classes = p.model().classes();
    let units = w.len() / classes;
    let fwd = p.units(codes, false, false)?;
    let (outputs, logits) = if both_strands {
        let rev = p.units(codes, true, false)?;
        let avg = |a: &[f32], b: &[f32]| a.iter().zip(b).map(|(x, y)| (x + y) / 2.0).collect();
        (
            avg(&fwd.unit_outputs, &rev.unit_outputs),
            avg(&fwd.logits, &rev.logits),
        )
    } else {
        (fwd.unit_outputs, fwd.logits)
    };
    let n = outputs.len() / units;
    let contributions = weigh(&outputs, &w, classes);
    Ok(Explanation {
        n,
        classes,
        units,
        contributions,
        bias,
        logits,
    })
}

/// Unit contributions `(N, C, U)` of the final layer's weights `w` `(C, U)` to the unit
/// outputs `(N, U)`: o_u(n)·W[c, u].
fn weigh(outputs: &[f32], w: &[f32], classes: usize) -> Vec<f32> {
    let units = w.len() / classes;
    let mut out = Vec::with_capacity(outputs.len() / units * classes * units);
    for o in outputs.chunks_exact(units) {
        for c in 0..classes {
            out.extend(
                o.iter()
                    .zip(&w[c * units..(c + 1) * units])
                    .map(|(o, w)| o * w),
            );
        }
    }
    out
}

/// Unit outputs `(N, U)` of `codes` `(N, L)`, averaged over the sequence and its reverse
/// complement with `both_strands`; an error names what is missing for a model without
/// units.
pub fn unit_outputs(p: &Predictor, codes: &[u8], both_strands: bool) -> Result<Vec<f32>> {
    let mut o = p.units(codes, false, false)?.unit_outputs;
    if both_strands {
        let r = p.units(codes, true, false)?.unit_outputs;
        o.iter_mut().zip(&r).for_each(|(a, b)| *a = 0.5 * (*a + b));
    }
    Ok(o)
}

/// Unit contributions `(N, C, U)` of `codes` `(N, L)` (strand-averaged unit outputs with
/// `both_strands`), or `None` for a model without a final layer over units.
pub fn contributions(p: &Predictor, codes: &[u8], both_strands: bool) -> Result<Option<Vec<f32>>> {
    let Some((w, _)) = p.model().final_layer() else {
        return Ok(None);
    };
    let o = unit_outputs(p, codes, both_strands)?;
    Ok(Some(weigh(&o, &w, p.model().classes())))
}

#[cfg(test)]
mod tests {
    use super::*;
    use explainn_nn::{ExplaiNN, ExplaiNNConfig};

    #[test]
    fn contributions_sum_to_logits() {
        let dev = explainn_nn::default_device();
        for num_fc in [0, 2] {
            let mut cfg = ExplaiNNConfig::new(6, 40, 3);
            cfg.hidden = 8;
            cfg.num_fc = num_fc;
            let model = ExplaiNN::new(cfg, 3, &dev).unwrap();
            let p = Predictor::new(model, dev.clone(), 4);
            let codes: Vec<u8> = (0..40 * 7).map(|i| ((i * 7 + i / 3) % 5) as u8).collect();
            for both in [false, true] {
                let e = explain(&p, &codes, both).unwrap();
                assert_eq!((e.n, e.classes, e.units), (7, 3, 6));
                for i in 0..e.n {
                    for c in 0..3 {
                        let s: f32 = e.row(i, c).iter().sum::<f32>() + e.bias[c];
                        let y = e.logits[i * 3 + c];
                        assert!((s - y).abs() <= 1e-5 * (1.0 + y.abs()), "{s} vs {y}");
                    }
                }
            }
        }
    }
}
