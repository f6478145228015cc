//! Fused CPU inference kernel: the whole eval-mode ExplaiNN forward pass on host `f32`,
//! straight from u8 base codes, without one-hot tensors or the full activation map.
//!
//! Per sequence (rayon over sequences):
//! - the convolution on one-hot input is a gather-sum: z[j, u] = shift_u + Σ_k T[k, code[j+k], u]
//!   with the table T `(f, 5, U)` holding the conv weights scaled by the folded BN₀
//!   (code 4 = N has a zero row), so the inner loop over units is contiguous; taps go in
//!   pairs (a 25-row table per pair of taps), halving the adds;
//! - max-pooling of z on the fly into pooled `(P, U)` (or the running max for `num_fc` = 0),
//!   then exp of the maxima only (exp is monotone) with a branch-free polynomial (~1 ulp);
//!   the activations exp(z) of every position only when asked for.
//!
//! Then per unit (rayon over units) the fully connected layers as small GEMMs over the batch
//! with eval BN folded into weights and biases, and the final linear layer.

mod block;
pub(crate) mod buf;
mod dense;
mod exp;
mod op;
mod simd;
mod tiles;

pub(crate) use block::BlockShape;
pub(crate) use op::{unit_block_train, unit_dense_train};

use crate::model::{ExplaiNN, ExplaiNNConfig};
use exp::exp8;
use rayon::prelude::*;
pub(crate) use simd::Simd;
use simd::{LaneKernel, Lanes};
use wide::f32x8;

use crate::model::BN_EPS;
/// Vectors of 8 units per register block of the convolution accumulators
/// (32 units: 8 SSE / 4 AVX registers).
const NV: usize = 4;
const BLK: usize = 8 * NV;
/// Pair codes 5·b + b' of two consecutive bases (each 0–4, 4 = N).
const PAIRS: usize = 25;

/// One per-unit layer with BN folded in: y = ReLU(W' x + c').
struct Layer {
    fi: usize,
    fo: usize,
    /// `(U, fo, fi)` row-major: the (fo, fi) matrix of unit u at offset u·fo·fi.
    weight: Vec<f32>,
    /// `(U, fo)`.
    bias: Vec<f32>,
}

/// Eval-mode model weights folded for the fused kernel.
pub(crate) struct FusedModel {
    u: usize,
    /// U rounded up to a multiple of [`BLK`] (the table and shift are zero-padded).
    upad: usize,
    f: usize,
    l: usize,
    /// L' = L − f + 1.
    lc: usize,
    /// Positions `start..end` of each pooling window; one window over all of L' when
    /// `num_fc` = 0.
    windows: Vec<(usize, usize)>,
    /// P (0 when `num_fc` = 0).
    p: usize,
    c: usize,
    /// `(U_pad/BLK, ⌈f/2⌉, 25, BLK/8)` vectors, tap pairs (each block's table, 32 KiB for
    /// f = 19): T2[m, 5·b + b', u] = T[2m, b, u] + T[2m+1, b', u] with
    /// T[k, b, u] = s_u·W[u, b, k] for b < 4 and k < f, 0 otherwise.
    table: Vec<f32x8>,
    /// `(U_pad/8)` vectors: s_u·(bias_u − μ_u) + β_u.
    shift: Vec<f32x8>,
    layers: Vec<Layer>,
    /// `(C, U)`.
    final_w: Vec<f32>,
    /// `(C)`.
    final_b: Vec<f32>,
    /// The vector build, chosen when the model was folded.
    simd: Simd,
}

/// Host outputs of one fused forward pass over B sequences.
pub(crate) struct FusedOutputs {
    /// `(B, U, L')` when requested.
    pub activations: Option<Vec<f32>>,
    /// `(B, U)`.
    pub unit_outputs: Vec<f32>,
    /// `(B, C)`.
    pub logits: Vec<f32>,
}

/// Eval BN as per-channel (scale, shift) for inputs x: s·x + t.
fn bn_fold(map: &crate::TensorMap, prefix: &str) -> (Vec<f64>, Vec<f64>) {
    let g = |s: &str| &map[&format!("{prefix}.{s}")].1;
    let (w, b, m, v) = (g("weight"), g("bias"), g("running_mean"), g("running_var"));
    let s: Vec<f64> = w
        .iter()
        .zip(v)
        .map(|(&w, &v)| w as f64 / (v as f64 + BN_EPS).sqrt())
        .collect();
    let t = s
        .iter()
        .zip(b.iter().zip(m))
        .map(|(&s, (&b, &m))| b as f64 - s * m as f64)
        .collect();
    (s, t)
}

impl FusedModel {
    /// Fold the current weights and running statistics of `model` (eval semantics).
    pub fn new(model: &ExplaiNN) -> Self {
        let cfg: &ExplaiNNConfig = model.config();
        let map = model.to_tensors();
        let (u, f) = (cfg.units, cfg.filter_size);
        let w = &map["linears.0.weight"].1; // (U, 4, f)
        let cb = &map["linears.0.bias"].1;
        let (s0, t0) = bn_fold(&map, "linears.1");
        let upad = u.div_ceil(BLK) * BLK;
        let table = pair_table(f, u, |k, b, uu| s0[uu] * w[(uu * 4 + b) * f + k] as f64);
        let mut shift = vec![0f32; upad];
        for (i, s) in shift.iter_mut().take(u).enumerate() {
            *s = (s0[i] * cb[i] as f64 + t0[i]) as f32;
        }
        let shift = to_vecs(&shift);
        let layers = cfg
            .layer_dims()
            .into_iter()
            .enumerate()
            .map(|(i, (fi, fo))| {
                let (lin, norm) = cfg.layer_names(i);
                let w = &map[&format!("{lin}.weight")].1; // (U·fo, fi, 1)
                let b = &map[&format!("{lin}.bias")].1;
                let (s, t) = bn_fold(&map, &norm);
                let weight = w
                    .iter()
                    .enumerate()
                    .map(|(n, &x)| (s[n / fi] * x as f64) as f32)
                    .collect();
                let bias = (0..u * fo)
                    .map(|r| (s[r] * b[r] as f64 + t[r]) as f32)
                    .collect();
                Layer {
                    fi,
                    fo,
                    weight,
                    bias,
                }
            })
            .collect::<Vec<_>>();
        Self {
            u,
            upad,
            f,
            l: cfg.input_length,
            lc: cfg.conv_length(),
            windows: if layers.is_empty() {
                vec![(0, cfg.conv_length())]
            } else {
                pool_windows(cfg.pool_size, cfg.pool_stride, cfg.pooled_length())
            },
            p: if layers.is_empty() {
                0
            } else {
                cfg.pooled_length()
            },
            c: cfg.classes,
            table,
            shift,
            layers,
            final_w: map["final.weight"].1.clone(),
            final_b: map["final.bias"].1.clone(),
            simd: model.simd(),
        }
    }

    /// Forward pass over `codes` (B·L row-major u8 codes, A=0 C=1 G=2 T=3 other=4; with `rc`
    /// every sequence is reverse-complemented first). Activations `(B, U, L')` only when
    /// `activations` is set.
    pub fn forward(&self, codes: &[u8], rc: bool, activations: bool) -> FusedOutputs {
        let (u, l, lc) = (self.u, self.l, self.lc);
        assert_eq!(codes.len() % l, 0, "codes must hold whole sequences");
        let b = codes.len() / l;
        // Per-sequence stage: pooled (B, P, U), or unit outputs (B, U) for num_fc = 0.
        let width = if self.layers.is_empty() {
            u
        } else {
            self.p * u
        };
        let mut stage = vec![0f32; b * width];
        let mut acts = activations.then(|| vec![0f32; b * u * lc]);
        // Codes (length L, plus a trailing N for the zero tap of an odd f).
        type Scratch = Vec<u8>;
        let init = || vec![4u8; l + 1];
        let body = |seq: &mut Scratch, s: &[u8], out: &mut [f32], act: Option<&mut [f32]>| {
            if rc {
                for (d, &c) in seq.iter_mut().zip(s.iter().rev()) {
                    *d = if c < 4 { 3 - c } else { 4 };
                }
            } else {
                for (d, &c) in seq.iter_mut().zip(s) {
                    *d = c.min(4);
                }
            }
            self.unit_block(&seq[..], out, act);
        };
        let seqs = codes.par_chunks(l).zip(stage.par_chunks_mut(width));
        match acts.as_mut() {
            Some(a) => seqs
                .zip(a.par_chunks_mut(u * lc))
                .for_each_init(init, |sc, ((s, o), a)| body(sc, s, o, Some(a))),
            None => seqs.for_each_init(init, |sc, (s, o)| body(sc, s, o, None)),
        }
        let unit_outputs = if self.layers.is_empty() {
            stage
        } else {
            self.dense(&stage, b)
        };
        let logits = self.final_layer(&unit_outputs);
        FusedOutputs {
            activations: acts,
            unit_outputs,
            logits,
        }
    }

    /// conv → BN₀ → exp → pool for one sequence of codes (length L, values ≤ 4). `out` gets
    /// pooled `(P, U)` or, for `num_fc` = 0, the per-unit maxima `(U)`; `act` the activations
    /// `(U, L')`.
    ///
    /// Units go in blocks of [`BLK`] whose accumulators stay in registers over the f taps;
    /// 256-bit vectors when AVX2 is detected.
    fn unit_block(&self, seq: &[u8], out: &mut [f32], act: Option<&mut [f32]>) {
        struct UnitBlock<'a> {
            m: &'a FusedModel,
            seq: &'a [u8],
            out: &'a mut [f32],
            act: Option<&'a mut [f32]>,
        }
        impl LaneKernel for UnitBlock<'_> {
            type Output = ();
            #[inline(always)]
            fn run<V: Lanes>(self) {
                self.m.unit_block_with::<V>(self.seq, self.out, self.act)
            }
        }
        self.simd.run(UnitBlock {
            m: self,
            seq,
            out,
            act,
        });
    }

    /// The same model computed with another vector build (tests comparing them).
    #[cfg(test)]
    pub(crate) fn with_simd(mut self, simd: Simd) -> Self {
        self.simd = simd;
        self
    }

    #[inline(always)]
    fn unit_block_with<V: Lanes>(&self, seq: &[u8], out: &mut [f32], act: Option<&mut [f32]>) {
        let mut pc = vec![0u8; self.l];
        pair_codes_into(&seq[..self.l], &mut pc);
        let (u, upad, lc) = (self.u, self.upad, self.lc);
        // z of every position for one block of units, `(L', NV)` vectors.
        let mut zs = vec![f32x8::ZERO; lc * NV];
        let mut act = act;
        for (blk, ub) in (0..upad).step_by(BLK).enumerate() {
            let w = BLK.min(u - ub);
            self.conv_block::<V>(&pc, blk, &mut zs);
            if let Some(act) = act.as_deref_mut() {
                for (j, z) in zs.chunks_exact(NV).enumerate() {
                    let vals = z.iter().flat_map(|v| v.to_array());
                    for (i, z) in vals.take(w).enumerate() {
                        act[(ub + i) * lc + j] = z.exp();
                    }
                }
            }
            self.pool_block::<V>(&zs, ub, out);
        }
        exp_in_place(out);
    }

    /// z (the convolution with BN₀) of one register block of units (`blk`) at positions
    /// 0..n from the pair codes `pc` (length ≥ n + f − 1) into `zs`, `(n, NV)` vectors.
    #[inline(always)]
    fn conv_block<V: Lanes>(&self, pc: &[u8], blk: usize, zs: &mut [f32x8]) {
        let f2 = self.f.div_ceil(2);
        let v0 = blk * NV;
        let tab = &self.table[blk * f2 * PAIRS * NV..][..f2 * PAIRS * NV];
        let shift: [V; NV] = std::array::from_fn(|v| V::load(&self.shift[v0 + v]));
        for (j, z) in zs.chunks_exact_mut(NV).enumerate() {
            let acc = gather_sum(tab, &pc[j..], f2, shift);
            for (a, z) in acc.iter().zip(z) {
                a.store(z);
            }
        }
    }

    /// Max-pool the z of the register block of units starting at unit `ub` (`zs`, `(L', NV)`
    /// vectors from the window's first position) into `out`, pooled `(P, U)` (or the
    /// per-unit maxima `(U)` for `num_fc` = 0). Only the maxima get exponentiated later
    /// (exp is monotone).
    #[inline(always)]
    fn pool_block<V: Lanes>(&self, zs: &[f32x8], ub: usize, out: &mut [f32]) {
        let (u, w) = (self.u, BLK.min(self.u - ub));
        for (t, &(start, end)) in self.windows.iter().enumerate() {
            let o = t * u + ub;
            for v in 0..NV.min(w.div_ceil(8)) {
                let mut best = V::splat(f32::NEG_INFINITY);
                for j in start..end {
                    best = best.max(V::load(&zs[j * NV + v]));
                }
                let n = (w - v * 8).min(8);
                let dst = &mut out[o + v * 8..o + v * 8 + n];
                if n == 8 {
                    best.store_slice(dst);
                } else {
                    let mut b = f32x8::ZERO;
                    best.store(&mut b);
                    dst.copy_from_slice(&b.as_array()[..n]);
                }
            }
        }
    }

    /// U.
    pub fn units(&self) -> usize {
        self.u
    }

    /// Final layer: logits (B, C) = o (B, U) · Wᵀ + b.
    fn final_layer(&self, unit_outputs: &[f32]) -> Vec<f32> {
        let (u, c) = (self.u, self.c);
        let mut logits = vec![0f32; unit_outputs.len() / u * c];
        for (o, y) in unit_outputs.chunks_exact(u).zip(logits.chunks_exact_mut(c)) {
            for (k, y) in y.iter_mut().enumerate() {
                let w = &self.final_w[k * u..(k + 1) * u];
                *y = self.final_b[k] + o.iter().zip(w).map(|(a, b)| a * b).sum::<f32>();
            }
        }
        logits
    }

    /// Per-unit dense layers over the batch: pooled `(B, P, U)` → unit outputs `(B, U)`.
    fn dense(&self, pooled: &[f32], b: usize) -> Vec<f32> {
        let (u, p) = (self.u, self.p);
        // Input of unit uu: rows b (stride P·U), columns i (stride U).
        self.dense_with(b, |uu| (&pooled[uu..], (p * u, u)))
    }

    /// Per-unit dense layers over the batch, unit `uu`'s input `(B, P)` given by `input(uu)`
    /// as a slice and its (row, column) strides → unit outputs `(B, U)`.
    fn dense_with<'a>(
        &self,
        b: usize,
        input: impl Fn(usize) -> (&'a [f32], (usize, usize)) + Sync,
    ) -> Vec<f32> {
        let u = self.u;
        let cols: Vec<Vec<f32>> = (0..u)
            .into_par_iter()
            .map(|uu| {
                let mut x: Vec<f32> = Vec::new();
                let mut y: Vec<f32> = Vec::new();
                for (i, layer) in self.layers.iter().enumerate() {
                    let (fi, fo) = (layer.fi, layer.fo);
                    y.clear();
                    y.resize(b * fo, 0.0);
                    let bias = &layer.bias[uu * fo..(uu + 1) * fo];
                    for row in y.chunks_exact_mut(fo) {
                        row.copy_from_slice(bias);
                    }
                    let w = &layer.weight[uu * fo * fi..(uu + 1) * fo * fi];
                    if i == 0 {
                        let (a, strides) = input(uu);
                        gemm_acc(b, fi, fo, a, strides, w, (1, fi), &mut y);
                    } else {
                        gemm_acc(b, fi, fo, &x, (fi, 1), w, (1, fi), &mut y);
                    }
                    for v in y.iter_mut() {
                        *v = v.max(0.0);
                    }
                    std::mem::swap(&mut x, &mut y);
                }
                x // (B, 1)
            })
            .collect();
        let mut out = vec![0f32; b * u];
        for (uu, col) in cols.iter().enumerate() {
            for (n, &v) in col.iter().enumerate() {
                out[n * u + uu] = v;
            }
        }
        out
    }
}

/// The convolution of one register block of units at one position: `shift` plus the
/// pair-table rows (`tab`, `(⌈f/2⌉, 25, NV)` vectors) of the pair codes `pairs[0]`,
/// `pairs[2]`, …, `pairs[2(f2 − 1)]`.
#[inline(always)]
fn gather_sum<V: Lanes>(tab: &[f32x8], pairs: &[u8], f2: usize, shift: [V; NV]) -> [V; NV] {
    let mut acc = shift;
    for m in 0..f2 {
        let row = &tab[(m * PAIRS + pairs[2 * m] as usize) * NV..][..NV];
        for (a, r) in acc.iter_mut().zip(row) {
            *a = a.add(V::load(r));
        }
    }
    acc
}

/// exp of every value, in place (eight lanes at a time, ~1 ulp).
fn exp_in_place(out: &mut [f32]) {
    let mut chunks = out.chunks_exact_mut(8);
    for c in &mut chunks {
        let e = exp8(f32x8::new(c.try_into().expect("8 lanes")));
        c.copy_from_slice(e.as_array());
    }
    // The tail through the same polynomial, so that a value's exp does not depend on
    // where it falls in the slice.
    let rest = chunks.into_remainder();
    if !rest.is_empty() {
        let mut lanes = [0f32; 8];
        lanes[..rest.len()].copy_from_slice(rest);
        let e = exp8(f32x8::new(lanes));
        rest.copy_from_slice(&e.as_array()[..rest.len()]);
    }
}

/// Vectors of 8 lanes from `v` (whose length is a multiple of 8).
fn to_vecs(v: &[f32]) -> Vec<f32x8> {
    v.chunks_exact(8)
        .map(|c| f32x8::new(c.try_into().expect("8 lanes")))
        .collect()
}

/// The tap-pair table of U filters of width f, `(U_pad/BLK, ⌈f/2⌉, 25, NV)` vectors:
/// T2[m, 5·b + b', u] = T[2m, b, u] + T[2m+1, b', u], where T[k, b, u] = `tap(k, b, u)` for
/// k < f, b < 4 (A, C, G, T), u < U and 0 otherwise (N, the phantom tap of an odd f, the
/// padding units).
fn pair_table(f: usize, u: usize, tap: impl Fn(usize, usize, usize) -> f64) -> Vec<f32x8> {
    let (f2, upad) = (f.div_ceil(2), u.div_ceil(BLK) * BLK);
    let t = |k: usize, b: usize, uu: usize| {
        if k < f && b < 4 && uu < u {
            tap(k, b, uu)
        } else {
            0.0
        }
    };
    let mut table = vec![0f32; f2 * PAIRS * upad];
    for m in 0..f2 {
        for q in 0..PAIRS {
            for uu in 0..upad {
                table[((uu / BLK * f2 + m) * PAIRS + q) * BLK + uu % BLK] =
                    (t(2 * m, q / 5, uu) + t(2 * m + 1, q % 5, uu)) as f32;
            }
        }
    }
    to_vecs(&table)
}

/// Pair codes 5·c[i] + c[i+1] of a sequence of codes (values above 4 read as N), with an N
/// after the last base; `out` has the sequence's length.
fn pair_codes_into(codes: &[u8], out: &mut [u8]) {
    let next = codes.iter().skip(1).chain(std::iter::once(&4));
    for ((o, &c), &n) in out.iter_mut().zip(codes).zip(next) {
        *o = c.min(4) * 5 + n.min(4);
    }
}

/// Positions `start..end` of each of `windows` max-pooling windows of width `pool` and
/// stride `stride`.
fn pool_windows(pool: usize, stride: usize, windows: usize) -> Vec<(usize, usize)> {
    (0..windows)
        .map(|t| (t * stride, t * stride + pool))
        .collect()
}

/// Σ x·y in eight lanes.
fn dot(x: &[f32], y: &[f32]) -> f32 {
    let (xc, yc) = (x.chunks_exact(8), y.chunks_exact(8));
    let tail: f32 = xc
        .remainder()
        .iter()
        .zip(yc.remainder())
        .map(|(a, b)| a * b)
        .sum();
    let acc = xc.zip(yc).fold(f32x8::ZERO, |acc, (a, b)| {
        let a = f32x8::new(a.try_into().expect("8 lanes"));
        acc + a * f32x8::new(b.try_into().expect("8 lanes"))
    });
    acc.reduce_add() + tail
}

/// C (m, n, row-major, contiguous) += A (m, k) · B (k, n), A and B given by (row, column)
/// strides into their slices.
#[allow(clippy::too_many_arguments)]
fn gemm_acc(
    m: usize,
    k: usize,
    n: usize,
    a: &[f32],
    (rsa, csa): (usize, usize),
    b: &[f32],
    (rsb, csb): (usize, usize),
    c: &mut [f32],
) {
    if !crate::gemm::check((m, k, n), (a, (rsa, csa)), (b, (rsb, csb)), c) {
        return;
    }
    // Vector shapes (a per-unit layer with one output, and its gradients): plain loops,
    // where sgemm's packing of A or B would cost more than the arithmetic.
    if n == 1 && csa == 1 {
        let col: Vec<f32> = (0..k).map(|t| b[t * rsb]).collect();
        for (i, ci) in c[..m].iter_mut().enumerate() {
            *ci += dot(&a[i * rsa..i * rsa + k], &col);
        }
        return;
    }
    if csb == 1 && (m == 1 || k == 1) {
        for i in 0..m {
            let ci = &mut c[i * n..(i + 1) * n];
            for t in 0..k {
                let s = a[i * rsa + t * csa];
                let row = &b[t * rsb..t * rsb + n];
                ci.iter_mut().zip(row).for_each(|(c, &x)| *c += s * x);
            }
        }
        return;
    }
    // `matrixmultiply` picks AVX/FMA kernels at run time, which plain loops compiled for
    // baseline x86-64 cannot.
    crate::gemm::sgemm((m, k, n), a, (rsa, csa), b, (rsb, csb), 1.0, c);
}

#[cfg(test)]
mod tests;
