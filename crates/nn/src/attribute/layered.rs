//! Exact DeepLIFT for the convolutional baselines (CNN1, CNN1Exp, DeepCNN, DeepSTARR).
//!
//! The network runs on the host as a chain of layers on `(channels, length)` activations
//! (f64): convolution, eval-mode BatchNorm as a per-channel scale and shift, ReLU or exp,
//! max-pooling, flattening (channel-major, as the model's reshape), dense layers. Going back
//! from the target logit, linear layers pass multipliers through their transposes, ReLU and
//! exp take the rescale rule (secant slope), and each max-pooling window splits its change
//! among its inputs by their exact Shapley values ([`super::shapley_max`]), so the
//! multipliers of every layer keep Σ m·(x − r) = f(x) − f(r) and the input's do too.

use super::{Attribution, flip, secant_relu, shapley_max};
use crate::cnn::Cnn;
use crate::model::{BN_EPS, TensorMap};

/// One layer of the host chain.
enum Layer {
    /// Weight `(co, ci, k)`, bias `(co)`, zero padding on both sides.
    Conv {
        w: Vec<f32>,
        b: Vec<f64>,
        ci: usize,
        co: usize,
        k: usize,
        pad: usize,
    },
    /// Eval-mode BatchNorm: per channel (or feature) y = scale·x + shift.
    Affine {
        scale: Vec<f64>,
        shift: Vec<f64>,
    },
    Relu,
    Exp,
    /// Max-pooling by `size` (stride `size`, the tail dropped).
    Pool {
        size: usize,
    },
    /// `(C, P)` → `(C·P, 1)`, channel-major.
    Flatten,
    /// Weight `(fo, fi)` as PyTorch's `Linear`, bias `(fo)`.
    Dense {
        w: Vec<f32>,
        b: Vec<f64>,
        fi: usize,
        fo: usize,
    },
}

/// A convolutional baseline's weights on the host (eval mode), for exact DeepLIFT. Build
/// with [`HostCnn::new`].
pub struct HostCnn {
    layers: Vec<Layer>,
    length: usize,
    classes: usize,
}

/// A batch of activations `(n, channels, length)`, flat, channel-major per sample.
struct Act {
    v: Vec<f64>,
    n: usize,
    ch: usize,
    len: usize,
}

fn f64s(t: &TensorMap, k: &str) -> Vec<f64> {
    t[k].1.iter().map(|&v| v as f64).collect()
}

fn affine(t: &TensorMap, prefix: &str) -> Layer {
    let g = |k: &str| f64s(t, &format!("{prefix}.{k}"));
    let (w, b, m, v) = (g("weight"), g("bias"), g("running_mean"), g("running_var"));
    let scale: Vec<f64> = w
        .iter()
        .zip(&v)
        .map(|(w, v)| w / (v + BN_EPS).sqrt())
        .collect();
    let shift = b
        .iter()
        .zip(&m)
        .zip(&scale)
        .map(|((b, m), s)| b - s * m)
        .collect();
    Layer::Affine { scale, shift }
}

/// C (m, n, row-major, contiguous) += A (m, k) · B (k, n), A and B given by (row, column)
/// strides into their slices: the product in f32 (`matrixmultiply` picks AVX/FMA kernels
/// at run time), added into f64. The weights are f32 already; rounding activations and
/// multipliers to f32 for the products moves the attributions by ~1e-6 relative, and
/// completeness is still checked in f64 (deltas ~1e-6 of |f(x) − f(r)|).
#[allow(clippy::too_many_arguments)]
fn gemm_acc(
    m: usize,
    k: usize,
    n: usize,
    a: &[f32],
    (rsa, csa): (usize, usize),
    b: &[f32],
    (rsb, csb): (usize, usize),
    c: &mut [f64],
) {
    if !crate::gemm::check((m, k, n), (a, (rsa, csa)), (b, (rsb, csb)), c) {
        return;
    }
    let mut c32 = vec![0f32; m * n];
    crate::gemm::sgemm((m, k, n), a, (rsa, csa), b, (rsb, csb), 0.0, &mut c32);
    c.iter_mut().zip(&c32).for_each(|(c, &v)| *c += v as f64);
}

/// The columns of a convolution's input `src` `(ci, li)`: `cols[(i·k + t), p]` =
/// src[i, p + t − pad] (0 in the padding), `(ci·k, lo)`, f32.
fn im2col(
    src: &[f64],
    (ci, li): (usize, usize),
    (k, pad, lo): (usize, usize, usize),
    cols: &mut [f32],
) {
    for i in 0..ci {
        let row = &src[i * li..(i + 1) * li];
        for t in 0..k {
            let col = &mut cols[(i * k + t) * lo..(i * k + t + 1) * lo];
            col.fill(0.0);
            let p0 = pad.saturating_sub(t);
            let p1 = (li + pad).saturating_sub(t).min(lo);
            for p in p0..p1 {
                col[p] = row[p + t - pad] as f32;
            }
        }
    }
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

impl HostCnn {
    /// Host copies of `model`'s weights.
    pub fn new(model: &Cnn) -> Self {
        let c = model.config();
        let t = model.to_tensors();
        let mut layers = Vec::new();
        let mut ci = 4;
        for (i, block) in c.conv.iter().enumerate() {
            let (conv, bn) = c.conv_names(i);
            layers.push(Layer::Conv {
                w: t[&format!("{conv}.weight")].1.clone(),
                b: f64s(&t, &format!("{conv}.bias")),
                ci,
                co: block.filters,
                k: block.width,
                pad: c.padding(block.width),
            });
            layers.push(affine(&t, &bn));
            layers.push(if i == 0 && c.exp_first() {
                Layer::Exp
            } else {
                Layer::Relu
            });
            layers.push(Layer::Pool { size: block.pool });
            ci = block.filters;
        }
        layers.push(Layer::Flatten);
        let mut fi = c.flat_width().expect("a validated config");
        for (j, &fo) in c.dense.iter().enumerate() {
            let (dense, bn) = c.dense_names(j);
            layers.push(Layer::Dense {
                w: t[&format!("{dense}.weight")].1.clone(),
                b: f64s(&t, &format!("{dense}.bias")),
                fi,
                fo,
            });
            layers.push(affine(&t, &bn));
            layers.push(Layer::Relu);
            fi = fo;
        }
        let out = c.dense_names(c.dense.len()).0;
        layers.push(Layer::Dense {
            w: t[&format!("{out}.weight")].1.clone(),
            b: f64s(&t, &format!("{out}.bias")),
            fi,
            fo: c.classes,
        });
        Self {
            layers,
            length: c.input_length,
            classes: c.classes,
        }
    }

    /// Input length L.
    pub fn length(&self) -> usize {
        self.length
    }

    /// Every layer's input, then the logits, for a batch of inputs `(4, L)` each.
    fn forward(&self, xs: &[&[f32]]) -> Vec<Act> {
        let mut acts = vec![Act {
            v: xs
                .iter()
                .flat_map(|x| x.iter().map(|&v| v as f64))
                .collect(),
            n: xs.len(),
            ch: 4,
            len: self.length,
        }];
        for layer in &self.layers {
            let a = acts.last().expect("the input");
            let (n, size) = (a.n, a.ch * a.len);
            let next = match layer {
                Layer::Conv {
                    w,
                    b,
                    ci,
                    co,
                    k,
                    pad,
                } => {
                    let (li, (ci, co, k, pad)) = (a.len, (*ci, *co, *k, *pad));
                    let lo = li + 2 * pad + 1 - k;
                    // Per sample: out (co, lo) = b + W (co, ci·k) · columns (ci·k, lo).
                    let mut v = vec![0f64; n * co * lo];
                    let mut cols = vec![0f32; ci * k * lo];
                    for (src, dst) in a.v.chunks_exact(size).zip(v.chunks_exact_mut(co * lo)) {
                        im2col(src, (ci, li), (k, pad, lo), &mut cols);
                        for (o, row) in dst.chunks_exact_mut(lo).enumerate() {
                            row.fill(b[o]);
                        }
                        gemm_acc(co, ci * k, lo, w, (ci * k, 1), &cols, (lo, 1), dst);
                    }
                    Act {
                        v,
                        n,
                        ch: co,
                        len: lo,
                    }
                }
                Layer::Affine { scale, shift } => {
                    let mut v = a.v.clone();
                    for (r, row) in v.chunks_exact_mut(a.len).enumerate() {
                        let c = r % a.ch;
                        row.iter_mut().for_each(|x| *x = scale[c] * *x + shift[c]);
                    }
                    Act { v, ..*a }
                }
                Layer::Relu => Act {
                    v: a.v.iter().map(|x| x.max(0.0)).collect(),
                    ..*a
                },
                Layer::Exp => Act {
                    v: a.v.iter().map(|x| x.exp()).collect(),
                    ..*a
                },
                Layer::Pool { size } => {
                    let p = a.len / size;
                    let mut v = Vec::with_capacity(n * a.ch * p);
                    for row in a.v.chunks_exact(a.len) {
                        v.extend(
                            row[..p * size]
                                .chunks_exact(*size)
                                .map(|w| w.iter().copied().fold(f64::NEG_INFINITY, f64::max)),
                        );
                    }
                    Act {
                        v,
                        n,
                        ch: a.ch,
                        len: p,
                    }
                }
                Layer::Flatten => Act {
                    v: a.v.clone(),
                    n,
                    ch: size,
                    len: 1,
                },
                Layer::Dense { w, b, fi, fo } => {
                    // out (n, fo) = b + in (n, fi) · Wᵀ.
                    let mut v: Vec<f64> = (0..n).flat_map(|_| b.iter().copied()).collect();
                    let a32: Vec<f32> = a.v.iter().map(|&v| v as f32).collect();
                    gemm_acc(n, *fi, *fo, &a32, (*fi, 1), w, (1, *fi), &mut v);
                    Act {
                        v,
                        n,
                        ch: *fo,
                        len: 1,
                    }
                }
            };
            acts.push(next);
        }
        acts
    }

    /// DeepLIFT multipliers `(n, 4, L)` of logit `target` between the passes `ar` of n
    /// references and the passes `ax` of their inputs (reference s belongs to input
    /// `owner[s]`).
    fn multipliers(&self, ax: &[Act], ar: &[Act], owner: &[usize], target: usize) -> Vec<f64> {
        let n = ar[0].n;
        let mut m = vec![0f64; n * self.classes];
        for s in 0..n {
            m[s * self.classes + target] = 1.0;
        }
        for (i, layer) in self.layers.iter().enumerate().rev() {
            let (xi, ri) = (&ax[i], &ar[i]);
            let size = xi.ch * xi.len;
            m = match layer {
                Layer::Conv {
                    w, ci, co, k, pad, ..
                } => {
                    let (li, (ci, co, k, pad)) = (xi.len, (*ci, *co, *k, *pad));
                    let lo = ax[i + 1].len;
                    // Per sample: columns (ci·k, lo) = Wᵀ · m (co, lo), added back to the
                    // inputs each column read.
                    let mut mi = vec![0f64; n * ci * li];
                    let mut cols = vec![0f64; ci * k * lo];
                    for (src, dst) in m.chunks_exact(co * lo).zip(mi.chunks_exact_mut(ci * li)) {
                        let m32: Vec<f32> = src.iter().map(|&v| v as f32).collect();
                        cols.fill(0.0);
                        gemm_acc(ci * k, co, lo, w, (1, ci * k), &m32, (lo, 1), &mut cols);
                        for c in 0..ci {
                            let row = &mut dst[c * li..(c + 1) * li];
                            for t in 0..k {
                                let col = &cols[(c * k + t) * lo..(c * k + t + 1) * lo];
                                let p0 = pad.saturating_sub(t);
                                let p1 = (li + pad).saturating_sub(t).min(lo);
                                for p in p0..p1 {
                                    row[p + t - pad] += col[p];
                                }
                            }
                        }
                    }
                    mi
                }
                Layer::Affine { scale, .. } => {
                    let mut mi = m;
                    for (r, row) in mi.chunks_exact_mut(xi.len).enumerate() {
                        let c = r % xi.ch;
                        row.iter_mut().for_each(|v| *v *= scale[c]);
                    }
                    mi
                }
                Layer::Relu | Layer::Exp => {
                    let exp = matches!(layer, Layer::Exp);
                    let mut mi = m;
                    let rows = mi.chunks_exact_mut(size).zip(ri.v.chunks_exact(size));
                    for ((ms, rs), &o) in rows.zip(owner) {
                        let xs = &xi.v[o * size..(o + 1) * size];
                        for ((mj, &xj), &rj) in ms.iter_mut().zip(xs).zip(rs) {
                            if *mj != 0.0 {
                                *mj *= if exp {
                                    secant_exp(xj, rj)
                                } else {
                                    secant_relu(xj, rj)
                                };
                            }
                        }
                    }
                    mi
                }
                Layer::Pool { size: w } => {
                    let (li, p) = (xi.len, ax[i + 1].len);
                    let mut mi = vec![0f64; n * size];
                    let mut phi = vec![0f64; *w];
                    for s in 0..n {
                        for c in 0..xi.ch {
                            for q in 0..p {
                                let mo = m[(s * xi.ch + c) * p + q];
                                if mo == 0.0 {
                                    continue;
                                }
                                let at = c * li + q * w;
                                let ox = owner[s] * size + at;
                                let wx = &xi.v[ox..ox + w];
                                let wr = &ri.v[s * size + at..s * size + at + w];
                                shapley_max(wx, wr, &mut phi);
                                for t in 0..*w {
                                    let d = wx[t] - wr[t];
                                    if d != 0.0 && phi[t] != 0.0 {
                                        mi[s * size + at + t] = mo * phi[t] / d;
                                    }
                                }
                            }
                        }
                    }
                    mi
                }
                Layer::Flatten => m,
                Layer::Dense { w, fi, fo, .. } => {
                    // m_in (n, fi) = m (n, fo) · W.
                    let mut mi = vec![0f64; n * fi];
                    let m32: Vec<f32> = m.iter().map(|&v| v as f32).collect();
                    gemm_acc(n, *fo, *fi, &m32, (*fo, 1), w, (*fi, 1), &mut mi);
                    mi
                }
            };
        }
        m
    }

    /// DeepLIFT-SHAP of class `target` for one-hot `x` `(4, L)` against each of `refs`
    /// (`(4, L)` each; one reference is plain DeepLIFT), the strand average when
    /// `both_strands`. The [`Attribution`] holds the target class only: `attributions`
    /// and `hypothetical` `(1, 4, L)`, `max_delta` and `logits` `(1)`.
    ///
    /// ```
    /// use explainn_nn::attribute::HostCnn;
    /// use explainn_nn::{Cnn, CnnConfig, CnnKind, default_device};
    /// let m = Cnn::new(CnnConfig::new(CnnKind::Cnn1, 60, 2), 1, &default_device()).unwrap();
    /// let host = HostCnn::new(&m);
    /// let x: Vec<f32> = (0..4 * 60).map(|i| ((i % 60) % 4 == i / 60) as u8 as f32).collect();
    /// let a = host.attribute(&x, &[vec![0.25; 4 * 60]], true, 1);
    /// assert!(a.max_delta[0] <= 1e-4 * a.logits[0].abs().max(1.0));
    /// ```
    pub fn attribute(
        &self,
        x: &[f32],
        refs: &[Vec<f32>],
        both_strands: bool,
        target: usize,
    ) -> Attribution {
        let mut out = self.attribute_batch(&[x], &[refs.to_vec()], both_strands, target);
        out.pop().expect("one input")
    }

    /// [`Self::attribute`] of several inputs `xs` at once, `refs[i]` the references of
    /// `xs[i]`: the dense layers then run as matrix products over all references together
    /// (what makes a baseline's 1,000-wide layers fast).
    pub fn attribute_batch(
        &self,
        xs: &[&[f32]],
        refs: &[Vec<Vec<f32>>],
        both_strands: bool,
        target: usize,
    ) -> Vec<Attribution> {
        let l = self.length;
        let n = 4 * l;
        assert_eq!(xs.len(), refs.len(), "references for every input");
        assert!(xs.iter().all(|x| x.len() == n), "inputs must be (4, L)");
        assert!(target < self.classes, "target class out of range");
        let strands: &[bool] = if both_strands {
            &[false, true]
        } else {
            &[false]
        };
        let half = 1.0 / strands.len() as f64;
        let owner: Vec<usize> = refs
            .iter()
            .enumerate()
            .flat_map(|(i, r)| std::iter::repeat_n(i, r.len()))
            .collect();
        let all_refs: Vec<&Vec<f32>> = refs.iter().flatten().collect();
        let (mut logit, mut fr) = (vec![0f64; xs.len()], vec![0f64; all_refs.len()]);
        // Each reference's multipliers summed over the strands: `(R, 4, L)`.
        let mut m = vec![0f64; all_refs.len() * n];
        for &rc in strands {
            let flip_if = |v: &[f32]| if rc { flip(v, l) } else { v.to_vec() };
            let xs_s: Vec<Vec<f32>> = xs.iter().map(|x| flip_if(x)).collect();
            let px = self.forward(&xs_s.iter().map(Vec::as_slice).collect::<Vec<_>>());
            let out = px.last().expect("logits");
            for (i, f) in logit.iter_mut().enumerate() {
                *f += half * out.v[i * self.classes + target];
            }
            let rs: Vec<Vec<f32>> = all_refs.iter().map(|r| flip_if(r)).collect();
            let pr = self.forward(&rs.iter().map(Vec::as_slice).collect::<Vec<_>>());
            let out = pr.last().expect("logits");
            for (s, f) in fr.iter_mut().enumerate() {
                *f += half * out.v[s * self.classes + target];
            }
            let ms = self.multipliers(&px, &pr, &owner, target);
            for (dst, src) in m.chunks_exact_mut(n).zip(ms.chunks_exact(n)) {
                for ch in 0..4 {
                    for j in 0..l {
                        let (c, q) = if rc { (3 - ch, l - 1 - j) } else { (ch, j) };
                        dst[ch * l + j] += half * src[c * l + q];
                    }
                }
            }
        }
        let mut hyp = vec![0f64; xs.len() * n];
        let mut max_delta = vec![0f64; xs.len()];
        for (s, (r, m)) in all_refs.iter().zip(m.chunks_exact(n)).enumerate() {
            let (i, x) = (owner[s], xs[owner[s]]);
            let h = &mut hyp[i * n..(i + 1) * n];
            let mut sum = 0.0;
            for j in 0..l {
                let base: f64 = (0..4).map(|ch| m[ch * l + j] * r[ch * l + j] as f64).sum();
                for ch in 0..4 {
                    let at = ch * l + j;
                    h[at] += m[at] - base;
                    sum += m[at] * (x[at] - r[at]) as f64;
                }
            }
            max_delta[i] = max_delta[i].max((sum - (logit[i] - fr[s])).abs());
        }
        (0..xs.len())
            .map(|i| {
                let k = refs[i].len().max(1) as f64;
                let hypothetical: Vec<f32> = hyp[i * n..(i + 1) * n]
                    .iter()
                    .map(|h| (h / k) as f32)
                    .collect();
                let attributions = hypothetical.iter().zip(xs[i]).map(|(h, x)| h * x).collect();
                Attribution {
                    attributions,
                    hypothetical,
                    max_delta: vec![max_delta[i]],
                    logits: vec![logit[i]],
                }
            })
            .collect()
    }
}
