//! Fused CPU training kernels for one per-unit fully connected layer: (dropout) → linear →
//! BatchNorm (batch statistics) → ReLU, forward and backward, one unit at a time (rayon over
//! units) so that each unit's (B, in) and (B, out) blocks stay in cache across all steps.
//!
//! Activations use the unit-major layout `(U, B, width)`, so each unit reads and writes one
//! contiguous block; dropout masks come in the same `(U, B, in)` order the unfused path
//! draws them in.
//!
//! Backward per unit, with g = ∂L/∂out·[γẑ + β > 0]:
//! ∂β = Σ_b g, ∂γ = Σ_b g·ẑ, ∂Y = γ/σ·(g − ∂β/B − ẑ·∂γ/B), ∂W = ∂Yᵀ X, ∂bias = Σ_b ∂Y,
//! ∂X = ∂Y W (times the dropout mask).

use super::buf::{assume_init, uninit, zeroed};
use super::{BN_EPS, gemm_acc};
use rayon::prelude::*;
use std::sync::Arc;

/// Geometry: B sequences, U units, `fi` inputs and `fo` outputs per unit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct DenseShape {
    pub batch: usize,
    pub units: usize,
    pub fi: usize,
    pub fo: usize,
}

/// Results of the forward pass, plus what the backward pass needs.
pub(crate) struct DenseForward {
    /// `(U, B, fo)`.
    pub out: Vec<f32>,
    /// Batch mean and biased variance of the linear output, `(U·fo)`.
    pub mean: Vec<f32>,
    pub var: Vec<f32>,
    pub saved: DenseSaved,
}

/// State kept for the backward pass.
pub(crate) struct DenseSaved {
    shape: DenseShape,
    /// Input after dropout, `(U, B, fi)`.
    x: Vec<f32>,
    /// Normalised linear output ẑ, `(U, B, fo)`.
    zhat: Vec<f32>,
    /// 1/σ per output, `(U·fo)`.
    inv_sigma: Vec<f32>,
    /// `(U·fo, fi)`.
    weight: Vec<f32>,
    /// `(U·fo)`.
    gamma: Vec<f32>,
    beta: Vec<f32>,
    mask: Option<Arc<Vec<f32>>>,
}

/// Gradients of the layer's input and parameters.
pub(crate) struct DenseGrads {
    /// `(U, B, fi)`.
    pub input: Vec<f32>,
    /// `(U·fo, fi)`.
    pub weight: Vec<f32>,
    /// `(U·fo)` each.
    pub bias: Vec<f32>,
    pub gamma: Vec<f32>,
    pub beta: Vec<f32>,
}

/// The forward pass: `input` `(U, B, fi)`, `weight` `(U·fo, fi)`, `bias`, `gamma`, `beta`
/// `(U·fo)`, optional dropout `mask` `(U, B, fi)` (already scaled by 1/(1 − p)).
pub(crate) fn forward(
    mut input: Vec<f32>,
    weight: Vec<f32>,
    bias: &[f32],
    gamma: Vec<f32>,
    beta: Vec<f32>,
    mask: Option<Arc<Vec<f32>>>,
    shape: DenseShape,
) -> DenseForward {
    let DenseShape {
        batch: b,
        units: u,
        fi,
        fo,
    } = shape;
    assert_eq!(input.len(), u * b * fi, "input must be (U, B, fi)");
    assert_eq!(weight.len(), u * fo * fi, "weight must be (U·fo, fi)");
    assert!(bias.len() == u * fo && gamma.len() == u * fo && beta.len() == u * fo);
    if let Some(m) = &mask {
        assert_eq!(m.len(), input.len(), "dropout mask must be (U, B, fi)");
    }
    let mut zhat = uninit(u * b * fo);
    let mut out = uninit(u * b * fo);
    let mut mean = vec![0f32; u * fo];
    let mut var = vec![0f32; u * fo];
    let mut inv_sigma = vec![0f32; u * fo];
    input
        .par_chunks_mut(b * fi)
        .zip(zhat.par_chunks_mut(b * fo))
        .zip(out.par_chunks_mut(b * fo))
        .zip(mean.par_chunks_mut(fo))
        .zip(var.par_chunks_mut(fo))
        .zip(inv_sigma.par_chunks_mut(fo))
        .enumerate()
        .for_each(|(uu, (((((x, y), o), m), v), s))| {
            if let Some(k) = &mask {
                let k = &k[uu * b * fi..(uu + 1) * b * fi];
                x.iter_mut().zip(k).for_each(|(v, &k)| *v *= k);
            }
            let w = &weight[uu * fo * fi..(uu + 1) * fo * fi];
            let r = uu * fo..(uu + 1) * fo;
            let p = UnitParams {
                bias: &bias[r.clone()],
                gamma: &gamma[r.clone()],
                beta: &beta[r],
            };
            unit_forward(x, w, p, (b, fi, fo), zeroed(y), zeroed(o), (m, v, s));
        });
    // SAFETY: every unit's chunk of both went through `zeroed` above.
    let (zhat, out) = unsafe { (assume_init(zhat), assume_init(out)) };
    DenseForward {
        out,
        mean,
        var,
        saved: DenseSaved {
            shape,
            x: input,
            zhat,
            inv_sigma,
            weight,
            gamma,
            beta,
            mask,
        },
    }
}

/// One unit's bias, γ and β `(fo)`.
struct UnitParams<'a> {
    bias: &'a [f32],
    gamma: &'a [f32],
    beta: &'a [f32],
}

/// One unit: x `(B, fi)`, w `(fo, fi)` → ẑ and out `(B, fo)`, and per output the batch mean,
/// biased variance and 1/σ.
fn unit_forward(
    x: &[f32],
    w: &[f32],
    p: UnitParams,
    (b, fi, fo): (usize, usize, usize),
    y: &mut [f32],
    out: &mut [f32],
    (mean, var, inv_sigma): (&mut [f32], &mut [f32], &mut [f32]),
) {
    for row in y.chunks_exact_mut(fo) {
        row.copy_from_slice(p.bias);
    }
    gemm_acc(b, fi, fo, x, (fi, 1), w, (1, fi), y);
    let mut s1 = vec![0f64; fo];
    for row in y.chunks_exact(fo) {
        s1.iter_mut().zip(row).for_each(|(m, &v)| *m += v as f64);
    }
    s1.iter_mut().for_each(|m| *m /= b as f64);
    let mut s2 = vec![0f64; fo];
    for row in y.chunks_exact(fo) {
        for ((s, &v), &m) in s2.iter_mut().zip(row).zip(&s1) {
            *s += (v as f64 - m) * (v as f64 - m);
        }
    }
    let mut shift = vec![0f32; fo];
    for o in 0..fo {
        let v = s2[o] / b as f64;
        let is = 1.0 / (v + BN_EPS).sqrt();
        (mean[o], var[o], inv_sigma[o]) = (s1[o] as f32, v as f32, is as f32);
        shift[o] = (-s1[o] * is) as f32;
    }
    for (zr, orow) in y.chunks_exact_mut(fo).zip(out.chunks_exact_mut(fo)) {
        for o in 0..fo {
            let z = zr[o] * inv_sigma[o] + shift[o];
            zr[o] = z;
            orow[o] = (p.gamma[o] * z + p.beta[o]).max(0.0);
        }
    }
}

impl DenseSaved {
    /// Gradients from ∂L/∂out `(U, B, fo)`.
    pub(crate) fn backward(&self, grad: &[f32]) -> DenseGrads {
        let DenseShape {
            batch: b,
            units: u,
            fi,
            fo,
        } = self.shape;
        assert_eq!(grad.len(), u * b * fo, "gradient must be (U, B, fo)");
        let mut input = uninit(u * b * fi);
        let mut weight = uninit(u * fo * fi);
        let (mut bias, mut gamma, mut beta) =
            (vec![0f32; u * fo], vec![0f32; u * fo], vec![0f32; u * fo]);
        input
            .par_chunks_mut(b * fi)
            .zip(weight.par_chunks_mut(fo * fi))
            .zip(bias.par_chunks_mut(fo))
            .zip(gamma.par_chunks_mut(fo))
            .zip(beta.par_chunks_mut(fo))
            .enumerate()
            .for_each(|(uu, ((((dx, dw), db), dg), dbe))| {
                self.unit_backward(
                    uu,
                    &grad[uu * b * fo..(uu + 1) * b * fo],
                    zeroed(dx),
                    zeroed(dw),
                    (db, dg, dbe),
                );
            });
        // SAFETY: every unit's chunk of both went through `zeroed` above.
        let (input, weight) = unsafe { (assume_init(input), assume_init(weight)) };
        let g = DenseGrads {
            input,
            weight,
            bias,
            gamma,
            beta,
        };
        g
    }

    /// One unit: ∂L/∂out `(B, fo)` → ∂x `(B, fi)`, ∂w `(fo, fi)`, ∂bias, ∂γ, ∂β `(fo)`.
    fn unit_backward(
        &self,
        uu: usize,
        grad: &[f32],
        dx: &mut [f32],
        dw: &mut [f32],
        (dbias, dgamma, dbeta): (&mut [f32], &mut [f32], &mut [f32]),
    ) {
        let DenseShape {
            batch: b, fi, fo, ..
        } = self.shape;
        let r = uu * fo..(uu + 1) * fo;
        let (gam, bet, is) = (
            &self.gamma[r.clone()],
            &self.beta[r.clone()],
            &self.inv_sigma[r],
        );
        let zhat = &self.zhat[uu * b * fo..(uu + 1) * b * fo];
        // g through the ReLU, then ∂β, ∂γ (f32 rows, f64 column sums).
        let mut g = vec![0f32; b * fo];
        let (mut sb, mut sg) = (vec![0f64; fo], vec![0f64; fo]);
        for ((gr, src), z) in g
            .chunks_exact_mut(fo)
            .zip(grad.chunks_exact(fo))
            .zip(zhat.chunks_exact(fo))
        {
            let it = gr.iter_mut().zip(src).zip(z).zip(gam.iter().zip(bet));
            for (((d, &s), &z), (&ga, &be)) in it {
                *d = if ga * z + be > 0.0 { s } else { 0.0 };
            }
            sb.iter_mut()
                .zip(gr.iter())
                .for_each(|(a, &v)| *a += v as f64);
            let it = sg.iter_mut().zip(gr.iter().zip(z));
            it.for_each(|(a, (&v, &z))| *a += (v * z) as f64);
        }
        // ∂Y = a·(g − c1 − ẑ·c2) in place of g, and ∂bias.
        let nb = b as f64;
        let a: Vec<f32> = gam.iter().zip(is).map(|(&g, &i)| g * i).collect();
        let c1: Vec<f32> = sb.iter().map(|&s| (s / nb) as f32).collect();
        let c2: Vec<f32> = sg.iter().map(|&s| (s / nb) as f32).collect();
        let mut sy = vec![0f64; fo];
        for (gr, z) in g.chunks_exact_mut(fo).zip(zhat.chunks_exact(fo)) {
            let it = gr.iter_mut().zip(z).zip(a.iter().zip(c1.iter().zip(&c2)));
            for ((v, &z), (&a, (&c1, &c2))) in it {
                *v = a * (*v - c1 - z * c2);
            }
            sy.iter_mut()
                .zip(gr.iter())
                .for_each(|(a, &v)| *a += v as f64);
        }
        for o in 0..fo {
            (dbias[o], dgamma[o], dbeta[o]) = (sy[o] as f32, sg[o] as f32, sb[o] as f32);
        }
        // ∂W (fo, fi) = ∂Yᵀ X; ∂X (B, fi) = ∂Y W.
        let x = &self.x[uu * b * fi..(uu + 1) * b * fi];
        gemm_acc(fo, b, fi, &g, (1, fo), x, (fi, 1), dw);
        let w = &self.weight[uu * fo * fi..(uu + 1) * fo * fi];
        gemm_acc(b, fo, fi, &g, (fo, 1), w, (fi, 1), dx);
        if let Some(m) = &self.mask {
            let m = &m[uu * b * fi..(uu + 1) * b * fi];
            dx.iter_mut().zip(m).for_each(|(v, &k)| *v *= k);
        }
    }
}
