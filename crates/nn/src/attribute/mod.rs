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

mod deeplift;
mod gradient;
mod ism;
mod layered;
#[cfg(test)]
mod tests;

pub use gradient::{Gradients, PathIntegral};
pub use ism::ism;
pub use layered::HostCnn;

/// Exact Shapley values of the players of f(S) = max over i of (x_i if i ∈ S else r_i),
/// written to `phi` (same length as `x` and `r`). They sum to max(x) − max(r).
///
/// For a threshold t the game 1[f(S) > t] only depends on which players are "on when
/// present" (r_i ≤ t < x_i, set P) and "on when absent" (x_i ≤ t < r_i, set Q); it is
/// constant when some player is above t either way. Its Shapley values are
/// 1 / (p·C(p+q, q)) for players of P and −1 / (q·C(p+q, q)) for players of Q, and
/// f = min + ∫ 1[f > t] dt, so φ_i integrates those weights over the thresholds where i
/// is in P or Q. Below t0 = max_i min(x_i, r_i) the game is constant; above it every
/// player with max(x_i, r_i) > t0 is in P or Q from t0 on and leaves at its max, so one
/// sweep over those maxima, sorted, gives every φ_i in O(n log n).
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
    let t0 = x
        .iter()
        .zip(r)
        .map(|(a, b)| a.min(*b))
        .fold(f64::NEG_INFINITY, f64::max);
    // The players above t0 (on the stack for pooling windows of ≤ 16), by their max.
    let mut stack = [0usize; 16];
    let mut heap = Vec::new();
    let hi = |i: usize| x[i].max(r[i]);
    let active: &mut [usize] = if n <= stack.len() {
        let mut k = 0;
        for i in 0..n {
            if hi(i) > t0 {
                stack[k] = i;
                k += 1;
            }
        }
        &mut stack[..k]
    } else {
        heap.extend((0..n).filter(|&i| hi(i) > t0));
        &mut heap[..]
    };
    active.sort_unstable_by(|&a, &b| hi(a).total_cmp(&hi(b)));
    let mut p = active.iter().filter(|&&i| x[i] > r[i]).count();
    let mut q = active.len() - p;
    let (mut lo, mut wp, mut wq) = (t0, 0.0, 0.0);
    for &i in active.iter() {
        // [lo, hi_i): the players from i on are all in P or Q.
        let len = hi(i) - lo;
        if len > 0.0 {
            let c = binomial(p + q, q);
            if p > 0 {
                wp += len / (p as f64 * c);
            }
            if q > 0 {
                wq += len / (q as f64 * c);
            }
            lo = hi(i);
        }
        if x[i] > r[i] {
            phi[i] = wp;
            p -= 1;
        } else {
            phi[i] = -wq;
            q -= 1;
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
    /// `(f, 5, U)`: the weight of code c (0–3; 4 = N, weight 0) at filter offset k for
    /// every unit, contiguous over the units (all units' convolutions at once).
    conv_by_code: Vec<f32>,
    /// `(U, f, 5)`: the same weights unit by unit (one unit's gathers stay in a few lines).
    conv_of_unit: Vec<f32>,
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
        let (nu, f) = (c.units, c.filter_size);
        let conv = get("linears.0.weight");
        let mut conv_by_code = vec![0f32; f * 5 * nu];
        let mut conv_of_unit = vec![0f32; nu * f * 5];
        for u in 0..nu {
            for ch in 0..4 {
                for k in 0..f {
                    let w = conv[(u * 4 + ch) * f + k];
                    conv_by_code[(k * 5 + ch) * nu + u] = w;
                    conv_of_unit[(u * f + k) * 5 + ch] = w;
                }
            }
        }
        Self {
            units: c.units,
            classes: c.classes,
            length: c.input_length,
            width: c.filter_size,
            pool: (c.num_fc > 0).then_some((c.pool_size, c.pool_stride)),
            conv,
            conv_by_code,
            conv_of_unit,
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
    /// `(C)`: the largest |Σ m·(x − r) − (f(x) − f(r))| over the references (each pair's
    /// sum taken in convolution space), and of the returned arrays' mean
    /// |Σ m̄·x − mean Σ m·r − (f(x) − mean f(r))|, whichever is larger.
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

/// Σ a·b with eight independent accumulators (vectorisable; a plain f32 sum is one
/// serial chain of additions). Not `fused::dot`: that one's lane order belongs to the fused
/// kernels' bit-reproducible numerics, and in the ISM loop the plain array form measured
/// faster (100 × 200 bp on the original checkpoint, 2 threads: 0.83 vs 0.97 s).
fn dot(a: &[f32], b: &[f32]) -> f32 {
    let mut acc = [0f32; 8];
    let (ca, cb) = (a.chunks_exact(8), b.chunks_exact(8));
    let tail: f32 = ca
        .remainder()
        .iter()
        .zip(cb.remainder())
        .map(|(x, y)| x * y)
        .sum();
    for (x, y) in ca.zip(cb) {
        for i in 0..8 {
            acc[i] += x[i] * y[i];
        }
    }
    acc.iter().sum::<f32>() + tail
}
