//! Attributions of ExplaiNN logits to the input bases: exact DeepLIFT (and DeepLIFT-SHAP
//! over several references) and in silico mutagenesis (`ism`: naive for any architecture,
//! and a receptive-field ISM for ExplaiNN).
//!
//! **DeepLIFT, exact for ExplaiNN.** Every layer of an ExplaiNN unit is linear
//! (convolution, eval-mode BatchNorm, the per-unit linear layers, the final layer) or an
//! elementwise nonlinearity (exp, ReLU) except max-pooling. Elementwise nonlinearities get
//! the rescale rule (the secant slope (f(x) − f(r)) / (x − r)), which is exact for one
//! input. Max-pooling is a many-input nonlinearity: each window's change
//! max(x) − max(r) is split among its inputs by their exact Shapley values
//! ([`shapley_max`], closed form in O(n²) instead of 2ⁿ coalitions). Multipliers composed
//! through linear layers keep the sum, so for every sequence–reference pair
//! Σ multipliers · (x − r) = f(x) − f(r) up to rounding (tested to 1e-4). The chain of
//! scalars is computed in f64, the convolutions in f32.
//!
//! Shapes: inputs and references are one-hot-like `(4, L)` blocks (rows A, C, G, T);
//! multipliers and attributions are `(4, L)` per class.

use crate::model::{ExplaiNN, TensorMap};

mod gradient;
mod ism;
#[cfg(test)]
mod tests;

pub use gradient::{Gradients, PathIntegral};
pub use ism::ism;

/// Exact Shapley values of the players of f(S) = max over i of (x_i if i ∈ S else r_i),
/// written to `phi` (same length as `x` and `r`). They sum to max(x) − max(r).
///
/// For a threshold t the game 1[f(S) > t] only depends on which players are "on when
/// present" (r_i ≤ t < x_i, set P) and "on when absent" (x_i ≤ t < r_i, set Q); it is
/// constant when some player is above t either way. Its Shapley values are
/// 1 / (p·C(p+q, q)) for players of P and −1 / (q·C(p+q, q)) for players of Q, and
/// f = min + ∫ 1[f > t] dt, so φ_i integrates those weights over the thresholds where i
/// is in P or Q (piecewise constant between the sorted values).
///
/// ```
/// use explainn_nn::attribute::shapley_max;
/// let mut phi = [0.0; 3];
/// shapley_max(&[3.0, 1.0, 0.0], &[0.0, 0.0, 0.0], &mut phi);
/// assert_eq!(phi, [2.5, 0.5, 0.0]); // the 1 counts whenever the 3 is absent
/// shapley_max(&[2.0, 2.0], &[0.0, 0.0], &mut phi[..2]);
/// assert_eq!(&phi[..2], &[1.0, 1.0]);
/// ```
pub fn shapley_max(x: &[f64], r: &[f64], phi: &mut [f64]) {
    let n = x.len();
    assert!(
        r.len() == n && phi.len() == n,
        "shapley_max: lengths differ"
    );
    phi.fill(0.0);
    if n == 0 {
        return;
    }
    // Below t0 some player is above t whether present or not: the game is constant.
    let t0 = x
        .iter()
        .zip(r)
        .map(|(a, b)| a.min(*b))
        .fold(f64::NEG_INFINITY, f64::max);
    // The sorted thresholds at or above t0 (on the stack for pooling windows of ≤ 16).
    let mut stack = [0f64; 32];
    let mut heap = Vec::new();
    let ts: &mut [f64] = if 2 * n <= stack.len() {
        let mut k = 0;
        for &t in x.iter().chain(r) {
            if t >= t0 {
                stack[k] = t;
                k += 1;
            }
        }
        &mut stack[..k]
    } else {
        heap.extend(x.iter().chain(r).copied().filter(|&t| t >= t0));
        &mut heap[..]
    };
    ts.sort_unstable_by(f64::total_cmp);
    for w in ts.windows(2) {
        let (lo, hi) = (w[0], w[1]);
        let len = hi - lo;
        if len <= 0.0 {
            continue;
        }
        // Membership is constant on [lo, hi): test at lo.
        let (mut p, mut q) = (0usize, 0usize);
        for i in 0..n {
            if r[i] <= lo && lo < x[i] {
                p += 1;
            } else if x[i] <= lo && lo < r[i] {
                q += 1;
            }
        }
        if p + q == 0 {
            continue;
        }
        let c = binomial(p + q, q);
        let wp = if p > 0 { len / (p as f64 * c) } else { 0.0 };
        let wq = if q > 0 { len / (q as f64 * c) } else { 0.0 };
        for i in 0..n {
            if r[i] <= lo && lo < x[i] {
                phi[i] += wp;
            } else if x[i] <= lo && lo < r[i] {
                phi[i] -= wq;
            }
        }
    }
}

fn binomial(n: usize, k: usize) -> f64 {
    let k = k.min(n - k);
    (0..k).fold(1.0, |acc, i| acc * (n - i) as f64 / (i + 1) as f64)
}

/// The codes (0–3, 4 = N) of a `(4, L)` block whose columns are one-hot or all zero, or
/// `None` for any other block (fractional references).
fn one_hot_codes(x: &[f32], l: usize) -> Option<Vec<u8>> {
    let mut codes = vec![4u8; l];
    for ch in 0..4 {
        for (j, &v) in x[ch * l..(ch + 1) * l].iter().enumerate() {
            if v == 1.0 && codes[j] == 4 {
                codes[j] = ch as u8;
            } else if v != 0.0 {
                return None;
            }
        }
    }
    Some(codes)
}

/// The rescale-rule slope of exp between `a` and `b` (exp(a) at a = b).
fn secant_exp(a: f64, b: f64) -> f64 {
    let d = a - b;
    if d.abs() < 1e-12 {
        a.exp()
    } else {
        b.exp() * d.exp_m1() / d
    }
}

/// The rescale-rule slope of ReLU between `a` and `b` (its derivative at a = b).
fn secant_relu(a: f64, b: f64) -> f64 {
    if a == b {
        (a > 0.0) as u8 as f64
    } else {
        (a.max(0.0) - b.max(0.0)) / (a - b)
    }
}

/// One per-unit linear layer + eval BatchNorm folded: z = scale · (W h + b) + shift.
struct HostLayer {
    fi: usize,
    fo: usize,
    /// `(U, fo, fi)`.
    weight: Vec<f32>,
    /// `(U, fo)` each.
    bias: Vec<f32>,
    scale: Vec<f64>,
    shift: Vec<f64>,
}

/// An ExplaiNN's weights on the host, with every eval-mode BatchNorm folded into a scale
/// and a shift, for exact DeepLIFT. Build with [`HostExplaiNN::new`].
pub struct HostExplaiNN {
    units: usize,
    classes: usize,
    length: usize,
    width: usize,
    pool: Option<(usize, usize)>,
    /// `(U, 4, f)`.
    conv: Vec<f32>,
    conv_bias: Vec<f32>,
    bn0: (Vec<f64>, Vec<f64>),
    layers: Vec<HostLayer>,
    /// `(C, U)`.
    final_weight: Vec<f32>,
    final_bias: Vec<f32>,
}

/// Fold an eval-mode BatchNorm `prefix` of `t` into (scale, shift).
fn fold_bn(t: &TensorMap, prefix: &str) -> (Vec<f64>, Vec<f64>) {
    let g = |k: &str| &t[&format!("{prefix}.{k}")].1;
    let (w, b, m, v) = (g("weight"), g("bias"), g("running_mean"), g("running_var"));
    let scale: Vec<f64> = w
        .iter()
        .zip(v)
        .map(|(&w, &v)| w as f64 / (v as f64 + crate::model::BN_EPS).sqrt())
        .collect();
    let shift = b
        .iter()
        .zip(m)
        .zip(&scale)
        .map(|((&b, &m), &s)| b as f64 - s * m as f64)
        .collect();
    (scale, shift)
}

/// Per-unit intermediate values of one input.
struct UnitPass {
    /// After BN0, `(L')`.
    z: Vec<f64>,
    /// Pooled values `(P)` (one global max without per-unit layers).
    pooled: Vec<f64>,
    /// Pre-activations (after the folded BN) of each per-unit layer.
    pre: Vec<Vec<f64>>,
    /// The unit's output.
    out: f64,
}

impl HostExplaiNN {
    /// Host copies of `model`'s weights (eval mode).
    pub fn new(model: &ExplaiNN) -> Self {
        let c = model.config();
        let t = model.to_tensors();
        let get = |k: &str| t[k].1.clone();
        let dims = c.layer_dims();
        let layers = dims
            .iter()
            .enumerate()
            .map(|(i, &(fi, fo))| {
                let (lin, norm) = c.layer_names(i);
                let (scale, shift) = fold_bn(&t, &norm);
                HostLayer {
                    fi,
                    fo,
                    weight: get(&format!("{lin}.weight")),
                    bias: get(&format!("{lin}.bias")),
                    scale,
                    shift,
                }
            })
            .collect();
        Self {
            units: c.units,
            classes: c.classes,
            length: c.input_length,
            width: c.filter_size,
            pool: (c.num_fc > 0).then_some((c.pool_size, c.pool_stride)),
            conv: get("linears.0.weight"),
            conv_bias: get("linears.0.bias"),
            bn0: fold_bn(&t, "linears.1"),
            layers,
            final_weight: get("final.weight"),
            final_bias: get("final.bias"),
        }
    }

    /// Input length L.
    pub fn length(&self) -> usize {
        self.length
    }

    /// Number of classes C.
    pub fn classes(&self) -> usize {
        self.classes
    }

    /// Pooling windows `(start, len)` over `lp` positions.
    fn windows(&self, lp: usize) -> Vec<(usize, usize)> {
        match self.pool {
            None => vec![(0, lp)],
            Some((size, stride)) => {
                let p = if lp >= size {
                    (lp - size) / stride + 1
                } else {
                    0
                };
                (0..p).map(|k| (k * stride, size)).collect()
            }
        }
    }

    /// Unit `u`'s pass of input `x` (`codes`: its [`one_hot_codes`], found once per input).
    fn unit_pass(
        &self,
        u: usize,
        x: &[f32],
        codes: Option<&[u8]>,
        windows: &[(usize, usize)],
    ) -> UnitPass {
        let (l, f) = (self.length, self.width);
        let lp = l + 1 - f;
        let w = &self.conv[u * 4 * f..(u + 1) * 4 * f];
        let mut z = vec![self.conv_bias[u]; lp];
        match codes {
            // One-hot (sequences and their shuffles): one weight per position and offset.
            Some(codes) => {
                for (p, zp) in z.iter_mut().enumerate() {
                    for (k, &c) in codes[p..p + f].iter().enumerate() {
                        if c < 4 {
                            *zp += w[c as usize * f + k];
                        }
                    }
                }
            }
            None => {
                for ch in 0..4 {
                    let row = &x[ch * l..(ch + 1) * l];
                    for k in 0..f {
                        let wk = w[ch * f + k];
                        if wk == 0.0 {
                            continue;
                        }
                        for (zp, &xv) in z.iter_mut().zip(&row[k..k + lp]) {
                            *zp += wk * xv;
                        }
                    }
                }
            }
        }
        let (s0, t0) = (self.bn0.0[u], self.bn0.1[u]);
        let z: Vec<f64> = z.iter().map(|&v| s0 * v as f64 + t0).collect();
        // exp is monotone: pool the pre-activations, exponentiate once per window.
        let pooled: Vec<f64> = windows
            .iter()
            .map(|&(s, n)| {
                z[s..s + n]
                    .iter()
                    .copied()
                    .fold(f64::NEG_INFINITY, f64::max)
                    .exp()
            })
            .collect();
        let mut h = pooled.clone();
        let mut pre = Vec::with_capacity(self.layers.len());
        for layer in &self.layers {
            let (fi, fo) = (layer.fi, layer.fo);
            let wl = &layer.weight[u * fo * fi..(u + 1) * fo * fi];
            let h32: Vec<f32> = h.iter().map(|&v| v as f32).collect();
            let zl: Vec<f64> = (0..fo)
                .map(|j| {
                    let s: f32 = wl[j * fi..(j + 1) * fi]
                        .iter()
                        .zip(&h32)
                        .map(|(&w, &v)| w * v)
                        .sum();
                    let k = u * fo + j;
                    layer.scale[k] * (s as f64 + layer.bias[k] as f64) + layer.shift[k]
                })
                .collect();
            h = zl.iter().map(|v| v.max(0.0)).collect();
            pre.push(zl);
        }
        let out = if self.layers.is_empty() {
            pooled[0]
        } else {
            h[0]
        };
        UnitPass {
            z,
            pooled,
            pre,
            out,
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
        let passes = self.passes(x);
        self.add_multipliers_from(&passes, r, scale, out, None)
    }

    /// Every unit's forward pass of input `x` `(4, L)` (shared by all its references).
    fn passes(&self, x: &[f32]) -> Vec<UnitPass> {
        let windows = self.windows(self.length + 1 - self.width);
        let codes = one_hot_codes(x, self.length);
        (0..self.units)
            .map(|u| self.unit_pass(u, x, codes.as_deref(), &windows))
            .collect()
    }

    /// [`HostExplaiNN::add_multipliers`] with the input's passes already computed; with
    /// `units` = (class t, sink `(U, 4, L)`), each unit's share W[t, u]·m_u of class t's
    /// multipliers is also added (times `scale`) into the sink.
    fn add_multipliers_from(
        &self,
        passes: &[UnitPass],
        r: &[f32],
        scale: f64,
        out: &mut [f64],
        mut units: Option<(usize, &mut [f64])>,
    ) -> (Vec<f64>, Vec<f64>) {
        let (l, f, cn) = (self.length, self.width, self.classes);
        let lp = l + 1 - f;
        let windows = self.windows(lp);
        let mut fx: Vec<f64> = self.final_bias.iter().map(|&b| b as f64).collect();
        let mut fr = fx.clone();
        let mut unit_mult = vec![0f32; 4 * l];
        let r_codes = one_hot_codes(r, l);
        for u in 0..self.units {
            let px = &passes[u];
            let pr = self.unit_pass(u, r, r_codes.as_deref(), &windows);
            for c in 0..cn {
                let wcu = self.final_weight[c * self.units + u] as f64;
                fx[c] += wcu * px.out;
                fr[c] += wcu * pr.out;
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
            // Through max-pooling (Shapley), exp (rescale) and BN0 to the convolution.
            let mut m_conv = vec![0f64; lp];
            let (mut ex, mut er, mut at, mut phi) =
                (Vec::new(), Vec::new(), Vec::new(), Vec::new());
            for (k, &(s, n)) in windows.iter().enumerate() {
                if m[k] == 0.0 || px.pooled[k] == pr.pooled[k] {
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
                (ex.clear(), er.clear(), at.clear());
                for i in 0..n {
                    if zx[i].max(zr[i]) >= z0 {
                        ex.push(zx[i].exp());
                        er.push(zr[i].exp());
                        at.push(s + i);
                    }
                }
                phi.resize(at.len(), 0.0);
                shapley_max(&ex, &er, &mut phi);
                for (i, &p) in at.iter().enumerate() {
                    let de = ex[i] - er[i];
                    if de != 0.0 {
                        m_conv[p] += m[k] * phi[i] / de;
                    }
                }
            }
            let s0 = self.bn0.0[u];
            for p in 0..lp {
                if m_conv[p] != 0.0 {
                    m_conv[p] *= secant_exp(px.z[p], pr.z[p]) * s0;
                }
            }
            // Convolution transpose: multiplier of input (ch, j) = Σ_p m_conv[p] w[ch, j − p].
            unit_mult.fill(0.0);
            let w = &self.conv[u * 4 * f..(u + 1) * 4 * f];
            for (p, &mc) in m_conv.iter().enumerate() {
                if mc == 0.0 {
                    continue;
                }
                let mc = mc as f32;
                for ch in 0..4 {
                    let dst = &mut unit_mult[ch * l + p..ch * l + p + f];
                    for (d, &wk) in dst.iter_mut().zip(&w[ch * f..(ch + 1) * f]) {
                        *d += mc * wk;
                    }
                }
            }
            for c in 0..cn {
                let wcu = scale * self.final_weight[c * self.units + u] as f64;
                if wcu == 0.0 {
                    continue;
                }
                for (o, &v) in out[c * 4 * l..(c + 1) * 4 * l].iter_mut().zip(&unit_mult) {
                    *o += wcu * v as f64;
                }
            }
            if let Some((t, sink)) = units.as_mut() {
                let wtu = scale * self.final_weight[*t * self.units + u] as f64;
                for (o, &v) in sink[u * 4 * l..(u + 1) * 4 * l].iter_mut().zip(&unit_mult) {
                    *o += wtu * v as f64;
                }
            }
        }
        (fx, fr)
    }
}

/// DeepLIFT attributions of one sequence, averaged over its references (DeepLIFT-SHAP).
#[derive(Debug, Clone)]
pub struct Attribution {
    /// `(C, 4, L)`: each position's contribution Σ_ch m[ch, j]·(x − r)[ch, j] (mean over
    /// references), placed at the sequence's base (zero elsewhere; all zero at an N): the
    /// hypothetical contributions times the one-hot input. Summed over the block it is
    /// f(x) − mean f(r).
    pub attributions: Vec<f32>,
    /// `(C, 4, L)`: hypothetical contributions, mean over references of
    /// m[b, j] − Σ_ch m[ch, j]·r[ch, j] (what each base would contribute at j; the form
    /// tfmodisco-lite reads).
    pub hypothetical: Vec<f32>,
    /// `(C)`: the largest |Σ attributions − (f(x) − f(r))| over the references.
    pub max_delta: Vec<f64>,
    /// `(C)`: the logits f(x) (strand-averaged when asked), from the host forward.
    pub logits: Vec<f64>,
}

/// Flip a `(4, L)` block to the reverse-complement strand (both axes reversed).
fn flip(block: &[f32], l: usize) -> Vec<f32> {
    let mut out = vec![0f32; 4 * l];
    for ch in 0..4 {
        for j in 0..l {
            out[(3 - ch) * l + (l - 1 - j)] = block[ch * l + j];
        }
    }
    out
}

impl HostExplaiNN {
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
        let (l, cn) = (self.length, self.classes);
        let nu = self.units;
        let mut tracks = target.map(|_| vec![0f64; nu * l]);
        let mut mu = vec![0f64; if target.is_some() { nu * 4 * l } else { 0 }];
        let mut mu_rc = mu.clone();
        let n = 4 * l;
        let mut attributions = vec![0f64; cn * n];
        let mut hypothetical = vec![0f64; cn * n];
        let mut max_delta = vec![0f64; cn];
        let mut logits = vec![0f64; cn];
        let xr = both_strands.then(|| flip(x, l));
        let px = self.passes(x);
        let pxr = xr.as_ref().map(|xr| self.passes(xr));
        let mut m = vec![0f64; cn * n];
        let mut m_rc = vec![0f64; cn * n];
        for r in refs {
            m.fill(0.0);
            mu.fill(0.0);
            let half = if both_strands { 0.5 } else { 1.0 };
            let sink = target.map(|t| (t, mu.as_mut_slice()));
            let (mut fx, mut fr) = self.add_multipliers_from(&px, r, half, &mut m, sink);
            if let Some(pxr) = &pxr {
                m_rc.fill(0.0);
                mu_rc.fill(0.0);
                let sink = target.map(|t| (t, mu_rc.as_mut_slice()));
                let (gx, gr) = self.add_multipliers_from(pxr, &flip(r, l), 0.5, &mut m_rc, sink);
                if target.is_some() {
                    for u in 0..nu {
                        for ch in 0..4 {
                            for j in 0..l {
                                mu[(u * 4 + ch) * l + j] +=
                                    mu_rc[(u * 4 + 3 - ch) * l + (l - 1 - j)];
                            }
                        }
                    }
                }
                for c in 0..cn {
                    fx[c] = 0.5 * (fx[c] + gx[c]);
                    fr[c] = 0.5 * (fr[c] + gr[c]);
                    for ch in 0..4 {
                        for j in 0..l {
                            m[c * n + ch * l + j] += m_rc[c * n + (3 - ch) * l + (l - 1 - j)];
                        }
                    }
                }
            }
            for c in 0..cn {
                let mc = &m[c * n..(c + 1) * n];
                let mut sum = 0.0;
                for j in 0..l {
                    let base: f64 = (0..4).map(|ch| mc[ch * l + j] * r[ch * l + j] as f64).sum();
                    for ch in 0..4 {
                        let i = ch * l + j;
                        let h = mc[i] - base;
                        hypothetical[c * n + i] += h;
                        let a = h * x[i] as f64;
                        attributions[c * n + i] += a;
                        // Σ_ch m·(x − r) = Σ_ch h·x for an input whose column sums to 1;
                        // the delta is taken on the exact form.
                        sum += mc[i] * (x[i] - r[i]) as f64;
                    }
                }
                max_delta[c] = max_delta[c].max((sum - (fx[c] - fr[c])).abs());
                logits[c] = fx[c];
            }
            if let Some(tracks) = tracks.as_mut() {
                for u in 0..nu {
                    let mu_u = &mu[u * 4 * l..(u + 1) * 4 * l];
                    for j in 0..l {
                        let base: f64 = (0..4)
                            .map(|ch| mu_u[ch * l + j] * r[ch * l + j] as f64)
                            .sum();
                        tracks[u * l + j] += (0..4)
                            .map(|ch| (mu_u[ch * l + j] - base) * x[ch * l + j] as f64)
                            .sum::<f64>();
                    }
                }
            }
        }
        let k = refs.len().max(1) as f64;
        let attribution = Attribution {
            attributions: attributions.iter().map(|v| (v / k) as f32).collect(),
            hypothetical: hypothetical.iter().map(|v| (v / k) as f32).collect(),
            max_delta,
            logits,
        };
        (
            attribution,
            tracks.map(|t| t.iter().map(|v| (v / k) as f32).collect()),
        )
    }
}
