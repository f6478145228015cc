//! In silico mutagenesis: every single-base substitution's change of the logits.
//!
//! [`ism`] mutates and predicts through any architecture's [`crate::Predictor`].
//! [`HostExplaiNN::ism`] gives the same numbers for ExplaiNN from the unit structure:
//! a substitution at position j changes only the `filter_size` convolution windows that
//! cover j, so per unit it moves those scores by one weight difference each, re-takes the
//! max of the (few) pooling windows they fall in, and re-runs the unit's small dense
//! layers only when a pooled value actually changed (most substitutions change none).
//! Identity substitutions are skipped; both strands are mutated at mirrored positions.

use super::{HostExplaiNN, dot};

/// In silico mutagenesis of `codes` (N·L, A=0 C=1 G=2 T=3, 4 = N) through `predictor`
/// (any architecture): `(N, C, 4, L)` with f(x with base b at j) − f(x) at `[n, c, b, j]`
/// and 0 where b is the sequence's own base (identity substitutions are not run). With
/// `both_strands`, f is the strand-averaged logit.
pub fn ism(
    predictor: &crate::Predictor,
    codes: &[u8],
    length: usize,
    both_strands: bool,
) -> crate::Result<Vec<f32>> {
    let l = length;
    let n = codes.len() / l;
    let logits = |c: &[u8]| -> crate::Result<Vec<f32>> {
        let f = predictor.logits(c, false)?;
        if !both_strands {
            return Ok(f);
        }
        let r = predictor.logits(c, true)?;
        Ok(f.iter().zip(&r).map(|(a, b)| 0.5 * (a + b)).collect())
    };
    let base = logits(codes)?;
    let cn = base.len() / n.max(1);
    let mut out = vec![0f32; n * cn * 4 * l];
    for s in 0..n {
        let seq = &codes[s * l..(s + 1) * l];
        let mut muts = Vec::with_capacity(4 * l * l);
        let mut at = Vec::with_capacity(4 * l);
        for j in 0..l {
            for b in 0..4u8 {
                if seq[j] == b {
                    continue;
                }
                let mut m = seq.to_vec();
                m[j] = b;
                muts.extend_from_slice(&m);
                at.push((b as usize, j));
            }
        }
        let f = logits(&muts)?;
        for (k, &(b, j)) in at.iter().enumerate() {
            for c in 0..cn {
                out[((s * cn + c) * 4 + b) * l + j] = f[k * cn + c] - base[s * cn + c];
            }
        }
    }
    Ok(out)
}

impl HostExplaiNN {
    /// ISM of N sequences of `codes` (N·L, A=0 C=1 G=2 T=3, 4 = N), the same numbers as
    /// [`ism`] on this model (within f32 rounding): `(N, C, 4, L)` with
    /// f(x with base b at j) − f(x) at `[n, c, b, j]`, 0 for the sequence's own base; with
    /// `both_strands` f is the strand-averaged logit. Sequences run in parallel (rayon).
    ///
    /// ```
    /// use explainn_nn::attribute::{HostExplaiNN, ism};
    /// use explainn_nn::{ExplaiNN, ExplaiNNConfig, Predictor, default_device};
    /// let m = ExplaiNN::new(ExplaiNNConfig::new(4, 40, 1), 1, &default_device()).unwrap();
    /// let codes: Vec<u8> = (0..40).map(|j| (j * 7 % 4) as u8).collect();
    /// let fast = HostExplaiNN::new(&m).ism(&codes, true);
    /// let naive = ism(&Predictor::new(m, default_device(), 64), &codes, 40, true).unwrap();
    /// assert!(fast.iter().zip(&naive).all(|(a, b)| (a - b).abs() < 1e-5));
    /// ```
    pub fn ism(&self, codes: &[u8], both_strands: bool) -> Vec<f32> {
        use rayon::prelude::*;
        let l = self.length;
        assert_eq!(codes.len() % l, 0, "codes must be N·L");
        let (cn, n4) = (self.classes, 4 * l);
        let tables = self.ism_tables();
        let mut out = vec![0f32; codes.len() / l * cn * n4];
        out.par_chunks_mut(cn * n4)
            .zip(codes.par_chunks(l))
            .for_each(|(o, seq)| {
                let fwd = self.ism_strand(seq, &tables);
                if !both_strands {
                    o.iter_mut().zip(&fwd).for_each(|(o, &d)| *o = d as f32);
                    return;
                }
                let rc = explainn_seq::encode::reverse_complement_codes(seq);
                let rev = self.ism_strand(&rc, &tables);
                // Base b at j on the forward strand is base 3 − b at L − 1 − j on the other.
                for c in 0..cn {
                    for b in 0..4 {
                        for j in 0..l {
                            let r = rev[c * n4 + (3 - b) * l + (l - 1 - j)];
                            o[c * n4 + b * l + j] = (0.5 * (fwd[c * n4 + b * l + j] + r)) as f32;
                        }
                    }
                }
            });
        out
    }

    /// The per-unit layers in the form the substitution loop wants (f32, BatchNorm folded).
    fn ism_tables(&self) -> IsmTables {
        let Some(layer) = self.layers.first() else {
            return IsmTables::default();
        };
        let (fi, fo) = (layer.fi, layer.fo);
        let mut first = vec![0f32; self.units * fi * fo];
        for u in 0..self.units {
            for o in 0..fo {
                let scale = layer.scale[u * fo + o];
                for i in 0..fi {
                    first[(u * fi + i) * fo + o] =
                        (scale * layer.weight[(u * fo + o) * fi + i] as f64) as f32;
                }
            }
        }
        let first_offset = (0..self.units * fo)
            .map(|k| (layer.scale[k] * layer.bias[k] as f64 + layer.shift[k]) as f32)
            .collect();
        let rest = self.layers[1..]
            .iter()
            .map(|l| {
                let scale = l.scale.iter().map(|&v| v as f32).collect();
                let offset = (0..l.scale.len())
                    .map(|k| (l.scale[k] * l.bias[k] as f64 + l.shift[k]) as f32)
                    .collect();
                (scale, offset)
            })
            .collect();
        IsmTables {
            first,
            first_offset,
            rest,
        }
    }

    /// One strand's ISM: `(C, 4, L)` logit changes, f64.
    fn ism_strand(&self, codes: &[u8], tables: &IsmTables) -> Vec<f64> {
        let (l, f, cn) = (self.length, self.width, self.classes);
        let lp = l + 1 - f;
        let windows = self.windows(lp);
        let mut out = vec![0f64; cn * 4 * l];
        let mut dpool: Vec<(usize, f64)> = Vec::new();
        let (mut h, mut g) = (Vec::new(), Vec::new());
        let mut pre = Vec::new();
        let mut conv = Vec::new();
        self.conv_codes(codes, &mut conv);
        for u in 0..self.units {
            let pass = self.unit_pass(u, &conv);
            let (z, pooled) = (&pass.z, &pass.pooled);
            // The first layer's pre-activations from the pooled values, in f32 as every
            // substitution's, so that unchanged parts cancel exactly.
            if let Some(first) = self.layers.first() {
                let (fi, fo) = (first.fi, first.fo);
                pre.clear();
                pre.extend_from_slice(&tables.first_offset[u * fo..(u + 1) * fo]);
                for (k, &p) in pooled.iter().enumerate().take(fi) {
                    let col = &tables.first[(u * fi + k) * fo..(u * fi + k + 1) * fo];
                    let p = p as f32;
                    pre.iter_mut().zip(col).for_each(|(v, &w)| *v += w * p);
                }
            }
            let base_out = self.unit_value(u, pooled, &pre, &[], tables, &mut h, &mut g);
            // exp of every pre-activation, and each pooling window's running maxima from its
            // left and from its right as (value, position): a change inside a window then
            // needs only the max of its untouched ends, and its new pooled value is a product.
            let ez: Vec<f64> = z.iter().map(|v| v.exp()).collect();
            let (mut from_left, mut from_right, mut offset) = (Vec::new(), Vec::new(), Vec::new());
            for &(s, n) in &windows {
                offset.push(from_left.len());
                let mut best = (f64::NEG_INFINITY, s);
                for (p, &v) in z.iter().enumerate().skip(s).take(n) {
                    if v > best.0 {
                        best = (v, p);
                    }
                    from_left.push(best);
                }
                let start = from_right.len();
                from_right.resize(start + n, best);
                let mut best = (f64::NEG_INFINITY, s + n - 1);
                for p in (s..s + n).rev() {
                    if z[p] > best.0 {
                        best = (z[p], p);
                    }
                    from_right[start + p - s] = best;
                }
            }
            // Δ pre-activation of base `old` → `b` at filter offset k, and its exp:
            // `[(old · 4 + b) · f + k]`, old = 4 for an N (no weight).
            let w = &self.conv[u * 4 * f..(u + 1) * 4 * f];
            let s0 = self.bn0.0[u];
            let mut dtab = vec![0f64; 5 * 4 * f];
            for old in 0..5 {
                for b in 0..4 {
                    for k in 0..f {
                        let was = if old < 4 { w[old * f + k] } else { 0.0 };
                        dtab[(old * 4 + b) * f + k] = s0 * (w[b * f + k] - was) as f64;
                    }
                }
            }
            let etab: Vec<f64> = dtab.iter().map(|d| d.exp()).collect();
            for (j, &old) in codes.iter().enumerate() {
                // Convolution windows p covering j: p + k = j, 0 ≤ k < f, 0 ≤ p < lp.
                let lo = j.saturating_sub(f - 1);
                let hi = j.min(lp - 1);
                if lo > hi {
                    continue;
                }
                for b in 0..4u8 {
                    if b == old {
                        continue;
                    }
                    let t = (old.min(4) as usize * 4 + b as usize) * f;
                    let (dt, et) = (&dtab[t..t + f], &etab[t..t + f]);
                    // Pooling windows that overlap [lo, hi]: their new max and its place.
                    dpool.clear();
                    let (k0, k1) = match self.pool {
                        None => (0, 1),
                        Some((size, stride)) => {
                            let k0 = (lo + 1).saturating_sub(size).div_ceil(stride);
                            (k0, (hi / stride + 1).min(windows.len()))
                        }
                    };
                    for k in k0..k1 {
                        let (s, n) = windows[k];
                        let (a, e) = (lo.max(s), hi.min(s + n - 1));
                        if a > e {
                            continue;
                        }
                        let mut best = (f64::NEG_INFINITY, a, true);
                        for p in a..=e {
                            let v = z[p] + dt[j - p];
                            if v > best.0 {
                                best = (v, p, true);
                            }
                        }
                        if a > s {
                            let (v, p) = from_left[offset[k] + a - s - 1];
                            if v > best.0 {
                                best = (v, p, false);
                            }
                        }
                        if e + 1 < s + n {
                            let (v, p) = from_right[offset[k] + e + 1 - s];
                            if v > best.0 {
                                best = (v, p, false);
                            }
                        }
                        let (_, p, changed) = best;
                        let now = if changed { ez[p] * et[j - p] } else { ez[p] };
                        let d = now - pooled[k];
                        if d != 0.0 {
                            dpool.push((k, d));
                        }
                    }
                    if dpool.is_empty() {
                        continue;
                    }
                    let d_out =
                        self.unit_value(u, pooled, &pre, &dpool, tables, &mut h, &mut g) - base_out;
                    for c in 0..cn {
                        out[(c * 4 + b as usize) * l + j] +=
                            self.final_weight[c * self.units + u] as f64 * d_out;
                    }
                }
            }
        }
        out
    }

    /// Unit `u`'s output when its pooled values `pooled` move by `dpool` (index, Δ):
    /// from the first layer's pre-activations `pre` through the per-unit layers, in f32.
    #[allow(clippy::too_many_arguments)]
    fn unit_value(
        &self,
        u: usize,
        pooled: &[f64],
        pre: &[f32],
        dpool: &[(usize, f64)],
        tables: &IsmTables,
        h: &mut Vec<f32>,
        g: &mut Vec<f32>,
    ) -> f64 {
        let Some(first) = self.layers.first() else {
            return pooled[0] + dpool.iter().map(|&(_, d)| d).sum::<f64>();
        };
        let (fi, fo) = (first.fi, first.fo);
        h.clear();
        h.extend_from_slice(pre);
        for &(k, d) in dpool {
            let col = &tables.first[(u * fi + k) * fo..(u * fi + k + 1) * fo];
            let d = d as f32;
            h.iter_mut().zip(col).for_each(|(v, &w)| *v += w * d);
        }
        h.iter_mut().for_each(|v| *v = v.max(0.0));
        for (layer, (scale, offset)) in self.layers[1..].iter().zip(&tables.rest) {
            let (fi, fo) = (layer.fi, layer.fo);
            let wl = &layer.weight[u * fo * fi..(u + 1) * fo * fi];
            g.clear();
            g.extend((0..fo).map(|o| {
                let k = u * fo + o;
                (scale[k] * dot(&wl[o * fi..(o + 1) * fi], h) + offset[k]).max(0.0)
            }));
            std::mem::swap(h, g);
        }
        h[0] as f64
    }
}

/// Per-unit layers for the substitution loop: the first layer's weights scaled by its
/// folded BatchNorm, `(U, fi, fo)` (one contiguous column per pooled input), and its
/// offsets `(U, fo)`; for each further layer its folded scales and offsets.
#[derive(Default)]
struct IsmTables {
    first: Vec<f32>,
    first_offset: Vec<f32>,
    rest: Vec<(Vec<f32>, Vec<f32>)>,
}
