//! Exact DeepLIFT (one reference) and DeepLIFT-SHAP (the mean over several) for ExplaiNN.
//!
//! Each sequence's units run forward once; each reference then runs forward and back
//! through the units' nonlinearities (rescale for ReLU and exp, Shapley for max-pooling)
//! down to the multipliers of the convolution outputs, which are **summed over the
//! references in convolution space**. The convolution is linear, so its transpose (to the
//! `(4, L)` input) and the final layer's weights are applied once per sequence and strand
//! instead of once per reference. What the hypothetical contributions need of each
//! reference besides its multipliers, Σ_ch m[ch, j]·r[ch, j], is linear in the
//! multipliers too and is gathered at the reference's own bases as it goes.
//!
//! Completeness is checked twice: per sequence–reference pair in convolution space
//! (Σ_p m_p·(conv(x) − conv(r))_p, which equals the input-space sum Σ m·(x − r) by the
//! convolution's adjoint identity), and on the returned multipliers, whose mean over the
//! references must give f(x) − mean f(r).

use super::{Attribution, HostExplaiNN, dot, flip, one_hot_codes, secant_relu, shapley_max};

/// Per-unit intermediate values of one input.
#[derive(Default)]
pub(super) struct UnitPass {
    /// The convolution's outputs (bias included, before BN0), `(L')`.
    pub(super) conv: Vec<f32>,
    /// After BN0, `(L')`.
    pub(super) z: Vec<f64>,
    /// exp(z), kept for the attributed inputs only (their references reuse it).
    ez: Vec<f64>,
    /// Pooled values `(P)` (one global max without per-unit layers).
    pub(super) pooled: Vec<f64>,
    /// Pre-activations (after the folded BN) of each per-unit layer.
    pre: Vec<Vec<f64>>,
    /// The unit's output.
    out: f64,
}

/// One strand's multipliers summed over the references, per unit and still in
/// convolution space, and the reference-base terms the hypothetical contributions need.
struct StrandSums {
    /// `(U, L')`: Σ_r scale · ∂(unit output)/∂(convolution output) (rescale/Shapley).
    m_conv: Vec<f64>,
    /// `(U, L)`: Σ_r scale · Σ_ch m_r[ch, j]·r[ch, j] of the unit's input multipliers.
    base: Vec<f64>,
}

/// Forward values of one sequence–reference pair: f(x), f(r) and the pair's Σ m·(x − r)
/// (unscaled), `(C)` each.
struct PairTerms {
    fx: Vec<f64>,
    fr: Vec<f64>,
    sum: Vec<f64>,
}

impl HostExplaiNN {
    /// Pooling windows `(start, len)` over the L' convolution positions.
    fn pool_windows(&self) -> Vec<(usize, usize)> {
        self.windows(self.length + 1 - self.width)
    }

    /// Every unit's convolution of one-hot `codes` (0–3, 4 = N), `(L', U)`, bias included:
    /// per position, the weight rows of its f bases added across all units at once.
    pub(super) fn conv_codes(&self, codes: &[u8], out: &mut Vec<f32>) {
        let (nu, f) = (self.units, self.width);
        let lp = self.length + 1 - f;
        out.clear();
        out.resize(lp * nu, 0.0);
        for (p, row) in out.chunks_exact_mut(nu).enumerate() {
            row.copy_from_slice(&self.conv_bias);
            for (k, &c) in codes[p..p + f].iter().enumerate() {
                let o = (k * 5 + (c as usize).min(4)) * nu;
                for (a, &w) in row.iter_mut().zip(&self.conv_by_code[o..o + nu]) {
                    *a += w;
                }
            }
        }
    }

    /// Unit `u`'s pass of input `x` `(4, L)` or, when given, of its codes' convolution
    /// `conv` `(L', U)` from [`Self::conv_codes`]; `keep_exp` keeps exp(z) for reuse.
    fn unit_pass_into(
        &self,
        u: usize,
        x: &[f32],
        conv: Option<&[f32]>,
        windows: &[(usize, usize)],
        keep_exp: bool,
        pass: &mut UnitPass,
    ) {
        let (l, f, nu) = (self.length, self.width, self.units);
        let lp = l + 1 - f;
        pass.conv.clear();
        match conv {
            Some(all) => pass.conv.extend((0..lp).map(|p| all[p * nu + u])),
            None => {
                pass.conv.resize(lp, self.conv_bias[u]);
                let w = &self.conv[u * 4 * f..(u + 1) * 4 * f];
                for ch in 0..4 {
                    let row = &x[ch * l..(ch + 1) * l];
                    for k in 0..f {
                        let wk = w[ch * f + k];
                        if wk == 0.0 {
                            continue;
                        }
                        for (zp, &xv) in pass.conv.iter_mut().zip(&row[k..k + lp]) {
                            *zp += wk * xv;
                        }
                    }
                }
            }
        }
        let (s0, t0) = (self.bn0.0[u], self.bn0.1[u]);
        pass.z.clear();
        pass.z.extend(pass.conv.iter().map(|&v| s0 * v as f64 + t0));
        pass.ez.clear();
        if keep_exp {
            pass.ez.extend(pass.z.iter().map(|v| v.exp()));
        }
        // exp is monotone: pool the pre-activations, exponentiate once per window.
        let z = &pass.z;
        pass.pooled.clear();
        pass.pooled.extend(windows.iter().map(|&(s, n)| {
            z[s..s + n]
                .iter()
                .copied()
                .fold(f64::NEG_INFINITY, f64::max)
                .exp()
        }));
        pass.pre.resize_with(self.layers.len(), Vec::new);
        let mut h: Vec<f32> = pass.pooled.iter().map(|&v| v as f32).collect();
        let mut out = pass.pooled[0];
        for (layer, pre) in self.layers.iter().zip(pass.pre.iter_mut()) {
            let (fi, fo) = (layer.fi, layer.fo);
            let wl = &layer.weight[u * fo * fi..(u + 1) * fo * fi];
            pre.clear();
            pre.extend((0..fo).map(|j| {
                let s = dot(&wl[j * fi..(j + 1) * fi], &h);
                let k = u * fo + j;
                layer.scale[k] * (s as f64 + layer.bias[k] as f64) + layer.shift[k]
            }));
            h.clear();
            h.extend(pre.iter().map(|v| v.max(0.0) as f32));
            out = pre[0].max(0.0);
        }
        pass.out = out;
    }

    /// Unit `u`'s pass of a sequence from its [`Self::conv_codes`] (for the
    /// receptive-field ISM).
    pub(super) fn unit_pass(&self, u: usize, conv: &[f32]) -> UnitPass {
        let mut pass = UnitPass::default();
        self.unit_pass_into(u, &[], Some(conv), &self.pool_windows(), false, &mut pass);
        pass
    }

    /// Every unit's forward pass of input `x` `(4, L)` (shared by all its references).
    fn passes(&self, x: &[f32]) -> Vec<UnitPass> {
        let windows = self.pool_windows();
        let mut conv = Vec::new();
        let codes = one_hot_codes(x, self.length);
        if let Some(c) = &codes {
            self.conv_codes(c, &mut conv);
        }
        (0..self.units)
            .map(|u| {
                let mut pass = UnitPass::default();
                let all = codes.is_some().then_some(conv.as_slice());
                self.unit_pass_into(u, x, all, &windows, true, &mut pass);
                pass
            })
            .collect()
    }

    /// The logits `(C)` of an input from its unit passes.
    fn logits_of(&self, passes: &[UnitPass]) -> Vec<f64> {
        (0..self.classes)
            .map(|c| {
                let w = &self.final_weight[c * self.units..(c + 1) * self.units];
                let s: f64 = w.iter().zip(passes).map(|(&w, p)| w as f64 * p.out).sum();
                self.final_bias[c] as f64 + s
            })
            .collect()
    }

    fn strand_sums(&self) -> StrandSums {
        let lp = self.length + 1 - self.width;
        StrandSums {
            m_conv: vec![0.0; self.units * lp],
            base: vec![0.0; self.units * self.length],
        }
    }

    /// Run reference `r` `(4, L)` against the input's `passes` and add its multipliers,
    /// times `scale`, into `sums`.
    fn add_reference(
        &self,
        passes: &[UnitPass],
        r: &[f32],
        scale: f64,
        sums: &mut StrandSums,
    ) -> PairTerms {
        let (l, f, cn, nu) = (self.length, self.width, self.classes, self.units);
        let lp = l + 1 - f;
        let windows = self.pool_windows();
        let mut terms = PairTerms {
            fx: self.final_bias.iter().map(|&b| b as f64).collect(),
            fr: self.final_bias.iter().map(|&b| b as f64).collect(),
            sum: vec![0.0; cn],
        };
        let r_codes = one_hot_codes(r, l);
        let mut conv = Vec::new();
        if let Some(c) = &r_codes {
            self.conv_codes(c, &mut conv);
        }
        let mut pr = UnitPass::default();
        let (mut ex, mut er, mut at, mut phi) = (Vec::new(), Vec::new(), Vec::new(), Vec::new());
        for (u, px) in passes.iter().enumerate() {
            let all = r_codes.is_some().then_some(conv.as_slice());
            self.unit_pass_into(u, r, all, &windows, false, &mut pr);
            for c in 0..cn {
                let wcu = self.final_weight[c * nu + u] as f64;
                terms.fx[c] += wcu * px.out;
                terms.fr[c] += wcu * pr.out;
            }
            // Back through the per-unit layers, from d out = 1.
            let mut m = vec![1.0f64];
            for (i, layer) in self.layers.iter().enumerate().rev() {
                let (fi, fo) = (layer.fi, layer.fo);
                let wl = &layer.weight[u * fo * fi..(u + 1) * fo * fi];
                let mut mi = vec![0f32; fi];
                for j in 0..fo {
                    let k = u * fo + j;
                    let mz = m[j] * secant_relu(px.pre[i][j], pr.pre[i][j]) * layer.scale[k];
                    if mz == 0.0 {
                        continue;
                    }
                    let mz = mz as f32;
                    for (a, &w) in mi.iter_mut().zip(&wl[j * fi..(j + 1) * fi]) {
                        *a += mz * w;
                    }
                }
                m = mi.iter().map(|&v| v as f64).collect();
            }
            // Through max-pooling (Shapley), exp (rescale) and BN0 to the convolution:
            // with e = exp(z), ∂/∂conv = m · φ/(e_x − e_r) · (e_x − e_r)/(z_x − z_r) · s0.
            let s0 = self.bn0.0[u];
            let m_conv = &mut sums.m_conv[u * lp..(u + 1) * lp];
            let base = &mut sums.base[u * l..(u + 1) * l];
            let mut pair = 0f64;
            for (k, &(s, n)) in windows.iter().enumerate() {
                if m[k] == 0.0 {
                    continue;
                }
                // Only players above max_i min(x_i, r_i) can have a Shapley value; the
                // others are null players, and leaving them out changes no one's value.
                let (zx, zr) = (&px.z[s..s + n], &pr.z[s..s + n]);
                let z0 = zx
                    .iter()
                    .zip(zr)
                    .map(|(a, b)| a.min(*b))
                    .fold(f64::NEG_INFINITY, f64::max);
                ex.clear();
                er.clear();
                at.clear();
                for i in 0..n {
                    if zx[i].max(zr[i]) >= z0 {
                        ex.push(px.ez[s + i]);
                        er.push(zr[i].exp());
                        at.push(s + i);
                    }
                }
                phi.resize(at.len(), 0.0);
                shapley_max(&ex, &er, &mut phi);
                for (i, &p) in at.iter().enumerate() {
                    let dz = px.z[p] - pr.z[p];
                    if dz == 0.0 || phi[i] == 0.0 {
                        continue;
                    }
                    let mc = m[k] * phi[i] / dz * s0;
                    pair += mc * (px.conv[p] - pr.conv[p]) as f64;
                    let mc = scale * mc;
                    m_conv[p] += mc;
                    // Σ_ch m[ch, j]·r[ch, j] for the f inputs j = p + k this output reads.
                    match &r_codes {
                        Some(rc) => {
                            let w5 = &self.conv_of_unit[u * f * 5..(u + 1) * f * 5];
                            let dst = &mut base[p..p + f];
                            for ((b, &c), wk) in
                                dst.iter_mut().zip(&rc[p..p + f]).zip(w5.chunks_exact(5))
                            {
                                *b += mc * wk[(c as usize).min(4)] as f64;
                            }
                        }
                        None => {
                            let w = &self.conv[u * 4 * f..(u + 1) * 4 * f];
                            for k in 0..f {
                                let j = p + k;
                                let wr: f64 = (0..4)
                                    .map(|ch| (w[ch * f + k] * r[ch * l + j]) as f64)
                                    .sum();
                                base[j] += mc * wr;
                            }
                        }
                    }
                }
            }
            for c in 0..cn {
                terms.sum[c] += self.final_weight[c * nu + u] as f64 * pair;
            }
        }
        terms
    }

    /// Unit `u`'s input multipliers `(4, L)` from its convolution-space sums: the
    /// convolution's transpose, m[ch, j] = Σ_p m_conv[p]·w[ch, j − p], added into `out`
    /// (with `rc`, flipped back from the other strand first).
    fn add_input_multipliers(&self, u: usize, m_conv: &[f64], rc: bool, out: &mut [f64]) {
        let (l, f) = (self.length, self.width);
        let w = &self.conv[u * 4 * f..(u + 1) * 4 * f];
        for (p, &mc) in m_conv.iter().enumerate() {
            if mc == 0.0 {
                continue;
            }
            for ch in 0..4 {
                let wr = &w[ch * f..(ch + 1) * f];
                if rc {
                    // Input (ch, j) of the flipped strand is (3 − ch, L − 1 − j) here.
                    let row = &mut out[(3 - ch) * l..(4 - ch) * l];
                    for (k, &wk) in wr.iter().enumerate() {
                        row[l - 1 - (p + k)] += mc * wk as f64;
                    }
                } else {
                    let dst = &mut out[ch * l + p..ch * l + p + f];
                    for (d, &wk) in dst.iter_mut().zip(wr) {
                        *d += mc * wk as f64;
                    }
                }
            }
        }
    }

    /// DeepLIFT multipliers of every class's logit for input `x` against reference `r`
    /// (both `(4, L)`), added with weight `scale` into `out` `(C, 4, L)`. Returns the
    /// logits f(x) and f(r) `(C)` each, as computed on the host.
    pub fn add_multipliers(
        &self,
        x: &[f32],
        r: &[f32],
        scale: f64,
        out: &mut [f64],
    ) -> (Vec<f64>, Vec<f64>) {
        let (l, cn) = (self.length, self.classes);
        assert!(
            x.len() == 4 * l && r.len() == 4 * l,
            "inputs must be (4, L)"
        );
        assert_eq!(out.len(), cn * 4 * l, "multipliers must be (C, 4, L)");
        let mut sums = self.strand_sums();
        let terms = self.add_reference(&self.passes(x), r, scale, &mut sums);
        let lp = l + 1 - self.width;
        let mut mu = vec![0f64; 4 * l];
        for u in 0..self.units {
            mu.fill(0.0);
            self.add_input_multipliers(u, &sums.m_conv[u * lp..(u + 1) * lp], false, &mut mu);
            for c in 0..cn {
                let w = self.final_weight[c * self.units + u] as f64;
                for (o, &v) in out[c * 4 * l..(c + 1) * 4 * l].iter_mut().zip(&mu) {
                    *o += w * v;
                }
            }
        }
        (terms.fx, terms.fr)
    }

    /// DeepLIFT-SHAP of one-hot `x` `(4, L)` against each of `refs` (`(4, L)` each; one
    /// reference is plain DeepLIFT). With `both_strands` the attributed function is the
    /// strand average (f(x) + f(rc x)) / 2, as the model's predictions are.
    ///
    /// ```
    /// use explainn_nn::attribute::HostExplaiNN;
    /// use explainn_nn::{ExplaiNN, ExplaiNNConfig, default_device};
    /// let m = ExplaiNN::new(ExplaiNNConfig::new(4, 30, 1), 1, &default_device()).unwrap();
    /// let dl = HostExplaiNN::new(&m);
    /// let mut x = vec![0f32; 4 * 30];
    /// (0..30).for_each(|j| x[(j % 4) * 30 + j] = 1.0);
    /// let zeros = vec![0f32; 4 * 30];
    /// let a = dl.attribute(&x, &[zeros], false);
    /// assert!(a.max_delta[0] < 1e-4);
    /// ```
    pub fn attribute(&self, x: &[f32], refs: &[Vec<f32>], both_strands: bool) -> Attribution {
        self.attribute_units(x, refs, both_strands, None).0
    }

    /// [`Self::attribute`], and with `target` = Some(t) also the unit-resolved
    /// attributions of class t: `(U, L)`, unit u's share of each position's attribution
    /// (W[t, u]·m_u projected on the sequence's base, mean over references). They sum over
    /// the units to the attributions of class t (summed over A, C, G, T): which unit — which
    /// motif — explains which base.
    pub fn attribute_units(
        &self,
        x: &[f32],
        refs: &[Vec<f32>],
        both_strands: bool,
        target: Option<usize>,
    ) -> (Attribution, Option<Vec<f32>>) {
        let (l, cn, nu) = (self.length, self.classes, self.units);
        let lp = l + 1 - self.width;
        let n = 4 * l;
        let half = if both_strands { 0.5 } else { 1.0 };
        let px = self.passes(x);
        let pxr = both_strands.then(|| self.passes(&flip(x, l)));
        let mut fwd = self.strand_sums();
        let mut rev = pxr.as_ref().map(|_| self.strand_sums());
        let mut max_delta = vec![0f64; cn];
        let mut logits = self.logits_of(&px);
        if let Some(pxr) = &pxr {
            let g = self.logits_of(pxr);
            logits
                .iter_mut()
                .zip(g)
                .for_each(|(f, g)| *f = 0.5 * (*f + g));
        }
        let mut mean_fr = vec![0f64; cn];
        for r in refs {
            let mut t = self.add_reference(&px, r, half, &mut fwd);
            if let (Some(pxr), Some(rev)) = (&pxr, rev.as_mut()) {
                let g = self.add_reference(pxr, &flip(r, l), half, rev);
                for c in 0..cn {
                    t.fx[c] = 0.5 * (t.fx[c] + g.fx[c]);
                    t.fr[c] = 0.5 * (t.fr[c] + g.fr[c]);
                    t.sum[c] = 0.5 * (t.sum[c] + g.sum[c]);
                }
            }
            for c in 0..cn {
                max_delta[c] = max_delta[c].max((t.sum[c] - (t.fx[c] - t.fr[c])).abs());
                mean_fr[c] += t.fr[c];
            }
        }
        let k = refs.len().max(1) as f64;
        // Per unit: the input multipliers and reference-base terms summed over the
        // references and strands, then weighted into every class.
        let mut m = vec![0f64; cn * n];
        let mut base = vec![0f64; cn * l];
        let mut tracks = target.map(|_| vec![0f32; nu * l]);
        let (mut mu, mut bu) = (vec![0f64; n], vec![0f64; l]);
        for u in 0..nu {
            mu.fill(0.0);
            self.add_input_multipliers(u, &fwd.m_conv[u * lp..(u + 1) * lp], false, &mut mu);
            bu.copy_from_slice(&fwd.base[u * l..(u + 1) * l]);
            if let Some(rev) = &rev {
                self.add_input_multipliers(u, &rev.m_conv[u * lp..(u + 1) * lp], true, &mut mu);
                for (j, b) in bu.iter_mut().enumerate() {
                    *b += rev.base[u * l + l - 1 - j];
                }
            }
            for c in 0..cn {
                let w = self.final_weight[c * nu + u] as f64;
                if w == 0.0 {
                    continue;
                }
                for (o, &v) in m[c * n..(c + 1) * n].iter_mut().zip(&mu) {
                    *o += w * v;
                }
                for (o, &v) in base[c * l..(c + 1) * l].iter_mut().zip(&bu) {
                    *o += w * v;
                }
            }
            if let (Some(t), Some(tracks)) = (target, tracks.as_mut()) {
                let w = self.final_weight[t * nu + u] as f64;
                for j in 0..l {
                    let v: f64 = (0..4)
                        .map(|ch| (mu[ch * l + j] - bu[j]) * x[ch * l + j] as f64)
                        .sum();
                    tracks[u * l + j] = (w * v / k) as f32;
                }
            }
        }
        let mut attributions = vec![0f32; cn * n];
        let mut hypothetical = vec![0f32; cn * n];
        for c in 0..cn {
            // Σ_r Σ m_r·(x − r) = Σ (Σ_r m_r)·x − Σ_j Σ_r Σ_ch m_r[ch, j]·r[ch, j].
            let mut total = -base[c * l..(c + 1) * l].iter().sum::<f64>();
            for i in 0..n {
                let h = (m[c * n + i] - base[c * l + i % l]) / k;
                hypothetical[c * n + i] = h as f32;
                attributions[c * n + i] = (h * x[i] as f64) as f32;
                total += m[c * n + i] * x[i] as f64;
            }
            let d = total / k - (logits[c] - mean_fr[c] / k);
            max_delta[c] = max_delta[c].max(d.abs());
        }
        let attribution = Attribution {
            attributions,
            hypothetical,
            max_delta,
            logits,
        };
        (attribution, tracks)
    }
}
