//! ARGMINN's read-out of motif instances and syntax (spec §3), on arrays:
//! - [`scan`]: scanner activations `(N, F, L')` and the largest attention over layers and
//!   heads `(N, L')` of sequences `(N, L)`;
//! - [`activation_stats`]: each filter's mean and standard deviation over its positive
//!   activations;
//! - [`call_instances`]: positions whose attention exceeds a threshold (0.9 by default),
//!   each called with the passing filter of the best z-score among those above their mean;
//! - [`spacings`]: for every ordered pair of filters (a, b), each sequence's first a-hit
//!   followed by a b-hit gives the spacing pos_b − pos_a − W; counted per spacing.

use crate::{OpsError, Result};
use explainn_nn::Model;
use std::collections::BTreeMap;

/// The attention threshold of instance calling (the paper's 0.9).
pub const INSTANCE_ATTENTION: f32 = 0.9;

/// The attention threshold of the syntax read-out (the paper's 0.5).
pub const SYNTAX_ATTENTION: f32 = 0.5;

/// Scanner activations and attention of N sequences.
#[derive(Debug, Clone, PartialEq)]
pub struct Scan {
    /// Sequences N, filters F, scanner positions L' and filter width W.
    pub n: usize,
    pub filters: usize,
    pub positions: usize,
    pub width: usize,
    /// Activations ReLU(conv) before BatchNorm, `(N, F, L')`.
    pub activations: Vec<f32>,
    /// The largest attention over layers and heads, `(N, L')`.
    pub attention: Vec<f32>,
    /// How each head's attention goes with each filter's activation, over every position
    /// of every sequence scanned.
    pub heads: HeadStats,
}

/// Sums over positions, per layer, head and filter, of the attention α, the activation A
/// and their products: enough for their correlation without keeping every attention
/// value `(N, AL, NH, L')`.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct HeadStats {
    pub layers: usize,
    pub heads: usize,
    pub filters: usize,
    /// Positions summed over.
    pub count: f64,
    /// `(AL, NH)`: Σα and Σα².
    pub sum_att: Vec<f64>,
    pub sum_att2: Vec<f64>,
    /// `(F)`: ΣA and ΣA².
    pub sum_act: Vec<f64>,
    pub sum_act2: Vec<f64>,
    /// `(AL, NH, F)`: ΣαA, Σα where A > 0, and the number of positions where A > 0.
    pub sum_prod: Vec<f64>,
    pub sum_att_active: Vec<f64>,
    pub active: Vec<f64>,
}

impl HeadStats {
    fn new(layers: usize, heads: usize, filters: usize) -> Self {
        let lh = layers * heads;
        Self {
            layers,
            heads,
            filters,
            count: 0.0,
            sum_att: vec![0.0; lh],
            sum_att2: vec![0.0; lh],
            sum_act: vec![0.0; filters],
            sum_act2: vec![0.0; filters],
            sum_prod: vec![0.0; lh * filters],
            sum_att_active: vec![0.0; lh * filters],
            active: vec![0.0; lh * filters],
        }
    }

    /// Add one position: `attention(layer, head)` and `activation(filter)` there.
    /// Returns the largest attention over layers and heads.
    fn add_position(
        &mut self,
        attention: impl Fn(usize, usize) -> f32,
        activation: impl Fn(usize) -> f32,
    ) -> f32 {
        let f = self.filters;
        self.count += 1.0;
        for k in 0..f {
            let v = activation(k) as f64;
            self.sum_act[k] += v;
            self.sum_act2[k] += v * v;
        }
        let mut most = f32::NEG_INFINITY;
        for layer in 0..self.layers {
            for head in 0..self.heads {
                let h = layer * self.heads + head;
                let a = attention(layer, head);
                most = most.max(a);
                let x = a as f64;
                self.sum_att[h] += x;
                self.sum_att2[h] += x * x;
                for k in 0..f {
                    let v = activation(k) as f64;
                    self.sum_prod[h * f + k] += x * v;
                    if v > 0.0 {
                        self.sum_att_active[h * f + k] += x;
                        self.active[h * f + k] += 1.0;
                    }
                }
            }
        }
        most
    }

    /// Pearson's r between head (layer, head)'s attention and filter f's activation over
    /// the positions (NaN when either is constant), the mean attention at positions where
    /// the filter fires (NaN where it never does) and the mean attention overall.
    pub fn relation(&self, layer: usize, head: usize, f: usize) -> (f64, f64, f64) {
        let h = layer * self.heads + head;
        let k = h * self.filters + f;
        let n = self.count;
        let cov = self.sum_prod[k] / n - (self.sum_att[h] / n) * (self.sum_act[f] / n);
        let va = self.sum_att2[h] / n - (self.sum_att[h] / n).powi(2);
        let vf = self.sum_act2[f] / n - (self.sum_act[f] / n).powi(2);
        let r = if va > 0.0 && vf > 0.0 {
            cov / (va * vf).sqrt()
        } else {
            f64::NAN
        };
        (
            r,
            self.sum_att_active[k] / self.active[k],
            self.sum_att[h] / n,
        )
    }
}

impl Scan {
    fn activation(&self, i: usize, f: usize, p: usize) -> f32 {
        self.activations[(i * self.filters + f) * self.positions + p]
    }
}

/// Scan `codes` `(N, L)` (u8 codes, A=0 C=1 G=2 T=3) with an ARGMINN model in batches of
/// `batch`; errors for other architectures and sequences of another length.
pub fn scan(model: &Model, codes: &[u8], batch: usize) -> Result<Scan> {
    let Some(m) = model.argminn() else {
        return Err(OpsError::Invalid(format!(
            "instances and syntax are read from ARGMINN's attention; this is a {} model",
            model.arch()
        )));
    };
    let c = m.config();
    let l = c.input_length;
    if codes.len() % l != 0 {
        return Err(OpsError::Invalid(format!(
            "sequences must all be {l} bp, the model's input length"
        )));
    }
    let n = codes.len() / l;
    let (f, lp, al, nh) = (c.filters, c.positions_out(), c.layers, c.heads);
    let mut out = Scan {
        n,
        filters: f,
        positions: lp,
        width: c.width,
        activations: Vec::with_capacity(n * f * lp),
        attention: Vec::with_capacity(n * lp),
        heads: HeadStats::new(al, nh, f),
    };
    for chunk in codes.chunks(batch.max(1) * l) {
        let (a, att) = m.scan(chunk); // (B, F, L'), (B, AL, L', NH)
        let hs = &mut out.heads;
        for i in 0..chunk.len() / l {
            let act = &a[i * f * lp..(i + 1) * f * lp];
            for p in 0..lp {
                let most = hs.add_position(
                    |layer, head| att[((i * al + layer) * lp + p) * nh + head],
                    |k| act[k * lp + p],
                );
                out.attention.push(most);
            }
        }
        out.activations.extend(a);
    }
    Ok(out)
}

/// Mean and standard deviation of each filter's positive activations `(F)` (0 and 0 for a
/// filter that never fires).
pub fn activation_stats(scan: &Scan) -> (Vec<f32>, Vec<f32>) {
    let mut sum = vec![0f64; scan.filters];
    let mut sq = vec![0f64; scan.filters];
    let mut count = vec![0usize; scan.filters];
    for (k, &v) in scan.activations.iter().enumerate() {
        if v > 0.0 {
            let f = (k / scan.positions) % scan.filters;
            sum[f] += v as f64;
            sq[f] += (v as f64) * (v as f64);
            count[f] += 1;
        }
    }
    (0..scan.filters)
        .map(|f| {
            if count[f] == 0 {
                return (0.0, 0.0);
            }
            let mean = sum[f] / count[f] as f64;
            let var = (sq[f] / count[f] as f64 - mean * mean).max(0.0);
            (mean as f32, var.sqrt() as f32)
        })
        .unzip()
}

/// One called instance: at `position` (0-based start of the W-bp window) of sequence
/// `sequence`, the passing filter of the best z-score among those above their mean.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Instance {
    pub sequence: usize,
    pub position: usize,
    pub filter: usize,
    /// The largest attention over layers and heads at the position.
    pub attention: f32,
    pub activation: f32,
    /// (activation − mean) / standard deviation of the filter's positive activations.
    pub z: f32,
}

/// Instances of the `passing` filters at positions whose attention exceeds `threshold`,
/// with the statistics of [`activation_stats`]; sorted by sequence and position.
///
/// ```
/// use explainn_ops::argminn::{Scan, call_instances};
/// // One sequence, two filters, four positions; attention high at positions 1 and 3.
/// let scan = Scan {
///     n: 1, filters: 2, positions: 4, width: 3,
///     activations: vec![0.0, 3.0, 0.5, 0.0, /* filter 1: */ 0.0, 1.0, 0.0, 4.0],
///     attention: vec![0.1, 0.95, 0.2, 0.99],
///     heads: Default::default(),
/// };
/// let calls = call_instances(&scan, &[0, 1], 0.9, &[1.0, 1.0], &[1.0, 1.0]);
/// assert_eq!(calls.iter().map(|c| (c.position, c.filter)).collect::<Vec<_>>(), [(1, 0), (3, 1)]);
/// assert_eq!(calls[1].z, 3.0);
/// ```
pub fn call_instances(
    scan: &Scan,
    passing: &[usize],
    threshold: f32,
    mean: &[f32],
    std: &[f32],
) -> Vec<Instance> {
    let mut out = Vec::new();
    for i in 0..scan.n {
        for p in 0..scan.positions {
            let attention = scan.attention[i * scan.positions + p];
            if attention <= threshold {
                continue;
            }
            let best = passing
                .iter()
                .filter_map(|&f| {
                    let a = scan.activation(i, f, p);
                    (a > 0.0 && a > mean[f]).then(|| {
                        let z = if std[f] > 0.0 {
                            (a - mean[f]) / std[f]
                        } else {
                            0.0
                        };
                        (f, a, z)
                    })
                })
                .max_by(|x, y| x.2.total_cmp(&y.2));
            if let Some((filter, activation, z)) = best {
                out.push(Instance {
                    sequence: i,
                    position: p,
                    filter,
                    attention,
                    activation,
                    z,
                });
            }
        }
    }
    out
}

/// Spacing histograms of ordered filter pairs: for every pair (a, b) and every sequence,
/// its first a-instance followed (at a later position) by a b-instance gives the spacing
/// pos_b − pos_a − `width` (negative when the windows overlap). `instances` must be sorted
/// by sequence and position, as [`call_instances`] returns them. Keys: (a, b), then the
/// spacing; values: sequences.
///
/// ```
/// use explainn_ops::argminn::{Instance, spacings};
/// let hit = |sequence, position, filter| Instance {
///     sequence, position, filter, attention: 1.0, activation: 1.0, z: 0.0,
/// };
/// // A (filter 0) then B (filter 1) 8 bp after A's 10-bp window, in two sequences.
/// let calls = [hit(0, 5, 0), hit(0, 23, 1), hit(1, 40, 0), hit(1, 58, 1), hit(1, 90, 1)];
/// let h = spacings(&calls, 10);
/// assert_eq!(h[&(0, 1)].get(&8), Some(&2));
/// assert!(!h.contains_key(&(1, 0)) || h[&(1, 0)].is_empty());
/// ```
pub fn spacings(
    instances: &[Instance],
    width: usize,
) -> BTreeMap<(usize, usize), BTreeMap<i64, usize>> {
    let mut out: BTreeMap<(usize, usize), BTreeMap<i64, usize>> = BTreeMap::new();
    for seq in instances.chunk_by(|x, y| x.sequence == y.sequence) {
        let mut seen = std::collections::BTreeSet::new();
        for (k, first) in seq.iter().enumerate() {
            for second in &seq[k + 1..] {
                if second.position <= first.position {
                    continue;
                }
                let pair = (first.filter, second.filter);
                // the sequence's first a-hit, and the first b-hit after it
                if seen.contains(&pair) || seq[..k].iter().any(|h| h.filter == first.filter) {
                    continue;
                }
                seen.insert(pair);
                let gap = second.position as i64 - first.position as i64 - width as i64;
                *out.entry(pair).or_default().entry(gap).or_default() += 1;
            }
        }
    }
    out
}

/// The quality control of filter PFMs (spec §3): flanks below `min_flank_ic` bits are
/// trimmed, and a motif passes when its trimmed width is at least `min_width` and its mean
/// information content at least `min_mean_ic` bits; information content is computed on
/// the probabilities with `pseudocount` added to each and renormalised.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct MotifQc {
    /// 0.2 bits.
    pub min_flank_ic: f64,
    /// 5 positions.
    pub min_width: usize,
    /// 1 bit.
    pub min_mean_ic: f64,
    /// 0.001.
    pub pseudocount: f64,
}

impl Default for MotifQc {
    fn default() -> Self {
        Self {
            min_flank_ic: 0.2,
            min_width: 5,
            min_mean_ic: 1.0,
            pseudocount: 0.001,
        }
    }
}

/// What [`qc`] found for one motif.
#[derive(Debug, Clone, PartialEq)]
pub struct QcResult {
    /// The motif without its weak flanks (probabilities); `None` when no position reaches
    /// the flank threshold.
    pub trimmed: Option<explainn_motif::Motif>,
    /// Mean information content of the trimmed motif, bits (0 without one).
    pub mean_ic: f64,
    pub passes: bool,
}

/// Trim and check one filter PFM.
///
/// ```
/// use explainn_motif::{MatrixKind, Motif};
/// use explainn_ops::argminn::{MotifQc, qc};
/// let flat = [0.25; 4];
/// let gata = [[0.0, 0.0, 1.0, 0.0], [1.0, 0.0, 0.0, 0.0], [0.0, 0.0, 0.0, 1.0], [1.0, 0.0, 0.0, 0.0]];
/// let mut rows = vec![flat, flat];
/// rows.extend(gata);
/// rows.push([0.0, 0.0, 1.0, 0.0]);
/// rows.push(flat);
/// let r = qc(&Motif::new("f0", rows, MatrixKind::Probabilities), &MotifQc::default());
/// assert_eq!(r.trimmed.unwrap().width(), 5); // GATAG, flanks gone
/// assert!(r.passes && r.mean_ic > 1.9);
/// ```
pub fn qc(motif: &explainn_motif::Motif, opts: &MotifQc) -> QcResult {
    let ic = |r: &[f64; 4]| -> f64 {
        let total: f64 = r.iter().map(|p| p + opts.pseudocount).sum();
        r.iter()
            .map(|p| (p + opts.pseudocount) / total)
            .map(|p| p * (4.0 * p).log2())
            .sum()
    };
    let rows = motif.probabilities();
    let ics: Vec<f64> = rows.iter().map(ic).collect();
    let first = ics.iter().position(|&x| x >= opts.min_flank_ic);
    let last = ics.iter().rposition(|&x| x >= opts.min_flank_ic);
    let (Some(first), Some(last)) = (first, last) else {
        return QcResult {
            trimmed: None,
            mean_ic: 0.0,
            passes: false,
        };
    };
    let mut t = motif.to_probabilities();
    t.rows = rows[first..=last].to_vec();
    let mean_ic = ics[first..=last].iter().sum::<f64>() / (last - first + 1) as f64;
    QcResult {
        passes: t.width() >= opts.min_width && mean_ic >= opts.min_mean_ic,
        trimmed: Some(t),
        mean_ic,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use explainn_nn::{ArgminnConfig, ModelConfig};

    #[test]
    fn scanning_a_model_gives_its_shapes_and_attention_in_range() {
        let mut c = ArgminnConfig::new(40, 1);
        (c.layers, c.stream) = (2, 16);
        let dev = explainn_nn::default_device();
        let model = Model::new(&ModelConfig::Argminn(c), 3, &dev).unwrap();
        let codes: Vec<u8> = (0..3 * 40).map(|i| (i * 5 % 4) as u8).collect();
        let s = scan(&model, &codes, 2).unwrap();
        assert_eq!((s.n, s.filters, s.positions, s.width), (3, 8, 31, 10));
        assert_eq!(s.activations.len(), 3 * 8 * 31);
        assert!(s.attention.iter().all(|&a| a > 0.0 && a <= 1.0));
        // The head statistics saw every position; attention sums to 1 over the positions
        // of each sequence, layer and head, so its overall mean is 1/L'.
        assert_eq!(s.heads.count, (3 * 31) as f64);
        for layer in 0..2 {
            for head in 0..4 {
                let (r, _, mean) = s.heads.relation(layer, head, 0);
                assert!((mean - 1.0 / 31.0).abs() < 1e-6, "{mean}");
                assert!(r.is_nan() || (-1.0..=1.0).contains(&r), "{r}");
            }
        }
        // Pearson's r and the mean attention at active positions, recomputed directly from
        // the model's attention `(N, AL, L', NH)` for layer 1, head 2 and every filter.
        let (act, att) = model.argminn().unwrap().scan(&codes);
        for f in 0..8 {
            let (mut xs, mut ys) = (Vec::new(), Vec::new());
            for i in 0..3 {
                for p in 0..31 {
                    xs.push(att[((i * 2 + 1) * 31 + p) * 4 + 2] as f64);
                    ys.push(act[(i * 8 + f) * 31 + p] as f64);
                }
            }
            let n = xs.len() as f64;
            let (mx, my) = (xs.iter().sum::<f64>() / n, ys.iter().sum::<f64>() / n);
            let cov: f64 = xs.iter().zip(&ys).map(|(x, y)| (x - mx) * (y - my)).sum();
            let vx: f64 = xs.iter().map(|x| (x - mx).powi(2)).sum();
            let vy: f64 = ys.iter().map(|y| (y - my).powi(2)).sum();
            let (r, active, _) = s.heads.relation(1, 2, f);
            if vy > 0.0 {
                assert!((r - cov / (vx * vy).sqrt()).abs() < 1e-6, "filter {f}: {r}");
                let on: Vec<f64> = (0..xs.len())
                    .filter(|&k| ys[k] > 0.0)
                    .map(|k| xs[k])
                    .collect();
                assert!((active - on.iter().sum::<f64>() / on.len() as f64).abs() < 1e-9);
            }
        }
        // Batching does not change the result.
        assert_eq!(scan(&model, &codes, 3).unwrap(), s);
        let (mean, std) = activation_stats(&s);
        assert!(mean.iter().zip(&std).all(|(m, d)| *m >= 0.0 && *d >= 0.0));
        let other = Model::new(
            &ModelConfig::published(explainn_nn::Arch::Cnn1, 40, 1).unwrap(),
            1,
            &dev,
        )
        .unwrap();
        assert!(
            scan(&other, &codes, 2)
                .unwrap_err()
                .to_string()
                .contains("cnn1")
        );
    }

    #[test]
    fn statistics_count_positive_activations_only() {
        let s = Scan {
            n: 1,
            filters: 2,
            positions: 3,
            width: 2,
            activations: vec![0.0, 2.0, 4.0, 0.0, 0.0, 0.0],
            attention: vec![1.0; 3],
            heads: HeadStats::default(),
        };
        let (mean, std) = activation_stats(&s);
        assert_eq!((mean, std), (vec![3.0, 0.0], vec![1.0, 0.0]));
        // A filter not in `passing`, or below its mean, is not called.
        assert!(call_instances(&s, &[1], 0.9, &[3.0, 0.0], &[1.0, 0.0]).is_empty());
        let calls = call_instances(&s, &[0], 0.9, &[3.0, 0.0], &[1.0, 0.0]);
        assert_eq!(calls.len(), 1);
        assert_eq!((calls[0].position, calls[0].z), (2, 1.0));
    }
}
