//! Column scores of Tomtom's count-based distances: ALLR (Wang & Stormo, Bioinformatics
//! 2003), BLiC (Habib, Kaplan, Margalit & Friedman, PLoS Comput. Biol. 2008) and the
//! log-likelihood ratio that BLiC's first part is.
//!
//! A motif column enters as counts: its pseudocounted letter frequencies `f` times the
//! motif's site count `n` (the `nsites` the motif states, else 20, the same default as the
//! pseudocount). Larger scores mean more similar, as for every Tomtom column score.
//!
//! - **ALLR** of columns `x`, `y` with counts `c_x = n_x f_x`, `c_y = n_y f_y` and
//!   background `b`: `Σ_a [c_y,a ln(f_x,a / b_a) + c_x,a ln(f_y,a / b_a)] / Σ_a (c_x,a + c_y,a)`.
//!   Symmetric.
//! - **LLR** (`llr1`, `llr5`): `ln P(c_x + c_y | θ̂_xy) − ln P(c_x | θ̂_x) − ln P(c_y | θ̂_y)`
//!   with `ln P(c | θ) = Σ_a c_a ln θ_a` and `θ̂` the posterior-mean source distribution
//!   of the counts under a Dirichlet prior: the evidence that both columns come from one
//!   source rather than two. Symmetric; does not use the background.
//! - **BLiC** (`blic1`, `blic5`), Habib et al.'s equation (2): the LLR above plus
//!   `ln P(c_x + c_y | θ̂_xy) − ln P(c_x + c_y | b)`, the evidence that the common source
//!   differs from the background. Symmetric.
//!
//! Priors: `1` is one Dirichlet component with all parameters 1 (`θ̂_a = (c_a + 1) /
//! (N + 4)`); `5` is an equal-weight mixture of the five DNA components (5,1,1,1),
//! (1,5,1,1), (1,1,5,1), (1,1,1,5) and (2,2,2,2), `θ̂ = Σ_k P(k | c) (c + α_k) / (N + |α_k|)`
//! with `P(k | c)` proportional to the Dirichlet-multinomial likelihood of the counts under
//! component `k`.

/// Dirichlet prior of the LLR and BLiC source estimates.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Prior {
    /// One component, all parameters 1.
    One,
    /// Five equal-weight components (see the module documentation).
    Five,
}

/// Posterior-mean source distribution of `c` (all counts > 0 or >= 0, total > 0).
///
/// For the five-component prior every component's parameters sum to 8, so the
/// Dirichlet-multinomial likelihoods share `Γ(8) / Γ(N + 8)` and `Π_a Γ(c_a + 1)`; what is
/// left is `Π_{j=1..4} (c_k + j) / 4!` for the component favouring letter `k` and
/// `Π_a (c_a + 1)` for (2,2,2,2). They are scaled by `1 / (N + 4)^4` (so that none
/// overflows), and the posterior mean of letter `a` reduces to
/// `(c_a + 1 + P_5 + 4 P_a) / (N + 8)` with `P_a` the weight of the component favouring `a`.
#[inline(always)]
pub(crate) fn source(prior: Prior, c: &[f64; 4]) -> [f64; 4] {
    let n = c[0] + c[1] + c[2] + c[3];
    match prior {
        Prior::One => c.map(|x| (x + 1.0) / (n + 4.0)),
        Prior::Five => {
            let s = 1.0 / (n + 4.0);
            let r = c.map(|x| (x + 1.0) * s);
            let w: [f64; 4] = std::array::from_fn(|k| {
                let x = c[k];
                r[k] * ((x + 2.0) * s) * ((x + 3.0) * s) * ((x + 4.0) * s) / 24.0
            });
            let w5 = r[0] * r[1] * r[2] * r[3];
            let tot = w[0] + w[1] + w[2] + w[3] + w5;
            let p5 = w5 / tot;
            std::array::from_fn(|a| (c[a] + 1.0 + p5 + 4.0 * (w[a] / tot)) / (n + 8.0))
        }
    }
}

/// `Σ_a c_a ln θ_a`.
#[inline(always)]
pub(crate) fn log_lik(c: &[f64; 4], theta: &[f64; 4]) -> f64 {
    c[0] * theta[0].ln() + c[1] * theta[1].ln() + c[2] * theta[2].ln() + c[3] * theta[3].ln()
}

/// One column prepared for the count-based scores.
#[derive(Debug, Clone, Copy)]
pub(crate) struct CountColumn {
    /// Counts `n f`.
    pub c: [f64; 4],
    /// `ln(f_a / b_a)` (ALLR).
    pub lod: [f64; 4],
    /// `ln P(c | θ̂(c))` for the prior in use (LLR, BLiC).
    pub self_ll: f64,
}

impl CountColumn {
    /// `f`: pseudocounted frequencies; `n`: site count; `ln_bg`: `ln b`.
    pub fn new(f: &[f64; 4], n: f64, ln_bg: &[f64; 4], prior: Prior) -> Self {
        let c = f.map(|x| x * n);
        let lod = std::array::from_fn(|a| f[a].ln() - ln_bg[a]);
        let self_ll = log_lik(&c, &source(prior, &c));
        Self { c, lod, self_ll }
    }
}

/// ALLR of two columns.
#[inline(always)]
pub(crate) fn allr(x: &CountColumn, y: &CountColumn) -> f64 {
    let mut num = 0.0;
    let mut den = 0.0;
    for a in 0..4 {
        num += y.c[a] * x.lod[a] + x.c[a] * y.lod[a];
        den += x.c[a] + y.c[a];
    }
    num / den
}

/// LLR of two columns (`blic` adds the background term).
#[inline(always)]
pub(crate) fn llr(prior: Prior, x: &CountColumn, y: &CountColumn) -> f64 {
    let c: [f64; 4] = std::array::from_fn(|a| x.c[a] + y.c[a]);
    log_lik(&c, &source(prior, &c)) - (x.self_ll + y.self_ll)
}

/// BLiC of two columns; `ln_bg` is `ln b`.
#[inline(always)]
pub(crate) fn blic(prior: Prior, x: &CountColumn, y: &CountColumn, ln_bg: &[f64; 4]) -> f64 {
    let c: [f64; 4] = std::array::from_fn(|a| x.c[a] + y.c[a]);
    let common = log_lik(&c, &source(prior, &c));
    let bg = c[0] * ln_bg[0] + c[1] * ln_bg[1] + c[2] * ln_bg[2] + c[3] * ln_bg[3];
    2.0 * common - (x.self_ll + y.self_ll + bg)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// ln of the Dirichlet-multinomial likelihood (without the multinomial coefficient).
    fn ln_dm(alpha: &[f64; 4], c: &[f64; 4]) -> f64 {
        let lg = |x: f64| ln_gamma(x);
        let (sa, sc): (f64, f64) = (alpha.iter().sum(), c.iter().sum());
        let mut v = lg(sa) - lg(sa + sc);
        for a in 0..4 {
            v += lg(alpha[a] + c[a]) - lg(alpha[a]);
        }
        v
    }

    /// Lanczos ln Γ (g = 7, 9 terms), accurate to ~1e-15 relative for x > 0.5.
    fn ln_gamma(x: f64) -> f64 {
        const G: [f64; 9] = [
            0.999_999_999_999_809_9,
            676.520_368_121_885_1,
            -1_259.139_216_722_402_8,
            771.323_428_777_653_1,
            -176.615_029_162_140_6,
            12.507_343_278_686_905,
            -0.138_571_095_265_720_12,
            9.984_369_578_019_572e-6,
            1.505_632_735_149_311_6e-7,
        ];
        let x = x - 1.0;
        let mut a = G[0];
        let t = x + 7.5;
        for (i, &g) in G.iter().enumerate().skip(1) {
            a += g / (x + i as f64);
        }
        0.5 * (2.0 * std::f64::consts::PI).ln() + (x + 0.5) * t.ln() - t + a.ln()
    }

    #[test]
    fn five_component_source_matches_the_general_formula() {
        let comps = [
            [5.0, 1.0, 1.0, 1.0],
            [1.0, 5.0, 1.0, 1.0],
            [1.0, 1.0, 5.0, 1.0],
            [1.0, 1.0, 1.0, 5.0],
            [2.0, 2.0, 2.0, 2.0],
        ];
        for c in [
            [3.0, 0.5, 0.25, 16.25],
            [20.0, 20.0, 20.0, 20.0],
            [0.002, 0.002, 0.002, 19.994],
            [812.0, 3.0, 100.5, 7.25],
        ] {
            let l: Vec<f64> = comps.iter().map(|al| ln_dm(al, &c)).collect();
            let m = l.iter().copied().fold(f64::NEG_INFINITY, f64::max);
            let z: f64 = l.iter().map(|x| (x - m).exp()).sum();
            let n: f64 = c.iter().sum();
            let want: [f64; 4] = std::array::from_fn(|a| {
                comps
                    .iter()
                    .zip(&l)
                    .map(|(al, &lk)| (lk - m).exp() / z * (c[a] + al[a]) / (n + 8.0))
                    .sum()
            });
            let got = source(Prior::Five, &c);
            for a in 0..4 {
                assert!(
                    (got[a] - want[a]).abs() < 1e-12 * want[a],
                    "{c:?}: {got:?} {want:?}"
                );
            }
        }
    }
}
