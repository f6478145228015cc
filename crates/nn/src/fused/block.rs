//! Fused CPU training kernels for the unit block conv → BatchNorm (batch statistics) → exp →
//! max-pool, forward and backward, straight from u8 base codes.
//!
//! Forward, one pass per sequence (rayon over sequences), units in register blocks:
//! - the convolution is the gather-sum of the inference kernel (tap pairs, 25-row tables),
//!   computed as d = z − c_u around a per-unit centre c_u = bias_u + Σ_k mean_b W[u, b, k]
//!   (the expected value over uniform bases) so that sums of d and d² stay well conditioned;
//! - batch sums of d and d² per unit;
//! - per pooling window the position of max(sign(γ_u)·d): exp and the BN affine map are
//!   monotone, so that cell is the argmax of exp(BN(z)) and no other cell needs exp;
//! - the transposed gather: Σ_{b,j} d[b,u,j]·[pair code at j + 2m = q], scattered into the same
//!   25-row tables (this is all the backward needs of the full activation map).
//!
//! Nothing of size (B, U, L') is stored. Backward, with g = ∂L/∂y at the argmax cells
//! (y = γẑ + β, g = ∂L/∂p · p) and N = B·L':
//! - ∂β = Σ g, ∂γ = Σ g·ẑ; m1 = ∂β/N, m2 = ∂γ/N;
//! - ∂W[u,b,k] = γ/σ · (A[u,b,k] − m1·cnt[b,k] − m2·S[u,b,k]) with A = Σ_cells g·x_b[j+k],
//!   cnt = Σ x_b[j+k], S = Σ ẑ·x_b[j+k] = (Σ d·x_b[j+k] − mean(d)·cnt)/σ;
//! - ∂bias = 0 exactly (batch statistics remove any constant shift).

use super::buf::{assume_init, uninit, zeroed};
use super::exp::exp8;
use super::simd::{LaneKernel, Lanes, Simd};
use super::{BLK, BN_EPS, NV, PAIRS, gather_sum, pair_codes_into, pair_table, to_vecs};
use rayon::prelude::*;
use wide::f32x8;

/// Shape of one block call: B sequences of length L, filter f, pooling (window, stride,
/// number of windows P). For a global max (`num_fc` = 0) pass window = stride = L − f + 1, P = 1.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct BlockShape {
    pub batch: usize,
    pub length: usize,
    pub filter: usize,
    pub pool: usize,
    pub stride: usize,
    pub windows: usize,
    /// The vector build.
    pub simd: Simd,
}

/// Results of the forward pass, plus what the backward pass needs.
pub(crate) struct BlockForward {
    /// exp(BN(conv)) max-pooled, unit-major `(U, B, P)`.
    pub pooled: Vec<f32>,
    /// Batch mean of the convolution output per unit, `(U)`.
    pub mean: Vec<f32>,
    /// Biased batch variance per unit, `(U)`.
    pub var: Vec<f32>,
    pub saved: BlockSaved,
}

/// State kept for the backward pass: O(B·U·P + f·U) values.
pub(crate) struct BlockSaved {
    shape: BlockShape,
    units: usize,
    /// Pair codes per sequence, `(B, L)` (a trailing N pairs with the last base).
    pairs: Vec<u8>,
    /// Argmax position j per cell, `(U, B, P)`.
    argmax: Vec<u16>,
    /// ẑ at the argmax cell, `(U, B, P)`.
    zhat: Vec<f32>,
    /// Pooled output p, `(U, B, P)`.
    out: Vec<f32>,
    /// Σ_{b,j} d·[pair at j + 2m = q], `(⌈f/2⌉, 25, U)`.
    dsum_pairs: Vec<f64>,
    /// Σ_{b,j} [pair at j + 2m = q], `(⌈f/2⌉, 25)`.
    count_pairs: Vec<f64>,
    /// mean(d), σ and γ per unit.
    mean_d: Vec<f64>,
    sigma: Vec<f64>,
    gamma: Vec<f32>,
}

/// Gradients of the block's parameters.
pub(crate) struct BlockGrads {
    /// `(U, 4, f)`.
    pub weight: Vec<f32>,
    /// `(U)`, all zero.
    pub bias: Vec<f32>,
    /// `(U)`.
    pub gamma: Vec<f32>,
    /// `(U)`.
    pub beta: Vec<f32>,
}

/// Per-thread sums over sequences.
struct Sums {
    d: Vec<f64>,
    d2: Vec<f64>,
    /// `(⌈f/2⌉, 25, U_pad)`.
    dpairs: Vec<f64>,
}

impl Sums {
    fn new(upad: usize, f2: usize) -> Self {
        Self {
            d: vec![0.0; upad],
            d2: vec![0.0; upad],
            dpairs: vec![0.0; f2 * PAIRS * upad],
        }
    }

    fn merge(mut self, o: Self) -> Self {
        for (a, b) in [
            (&mut self.d, &o.d),
            (&mut self.d2, &o.d2),
            (&mut self.dpairs, &o.dpairs),
        ] {
            a.iter_mut().zip(b).for_each(|(a, b)| *a += b);
        }
        self
    }
}

/// The forward pass. `codes` is B·L u8 codes (A=0 C=1 G=2 T=3, anything else N), `weight`
/// `(U, 4, f)`, `bias`, `gamma`, `beta` `(U)`.
pub(crate) fn forward(
    codes: &[u8],
    weight: &[f32],
    bias: &[f32],
    gamma: &[f32],
    beta: &[f32],
    shape: BlockShape,
) -> BlockForward {
    let BlockShape {
        batch: b,
        length: l,
        filter: f,
        pool,
        stride,
        windows: p,
        simd,
    } = shape;
    let u = bias.len();
    assert_eq!(codes.len(), b * l, "codes must hold B·L values");
    assert_eq!(weight.len(), u * 4 * f, "weight must be (U, 4, f)");
    assert!(l >= f && p >= 1 && (p - 1) * stride + pool <= l + 1 - f);
    assert!(l < u16::MAX as usize, "sequences longer than 65535");
    let lc = l + 1 - f;
    let f2 = f.div_ceil(2);
    let upad = u.div_ceil(BLK) * BLK;

    // Centres c_u and the pair table in d-space.
    let centre: Vec<f64> = (0..u)
        .map(|uu| {
            let w = &weight[uu * 4 * f..(uu + 1) * 4 * f];
            bias[uu] as f64 + w.iter().map(|&x| x as f64).sum::<f64>() / 4.0
        })
        .collect();
    let table = pair_table(f, u, |k, c, uu| weight[(uu * 4 + c) * f + k] as f64);
    let shift: Vec<f32x8> = to_vecs(
        &(0..upad)
            .map(|uu| {
                if uu < u {
                    (bias[uu] as f64 - centre[uu]) as f32
                } else {
                    0.0
                }
            })
            .collect::<Vec<_>>(),
    );
    let sign: Vec<f32x8> = to_vecs(
        &(0..upad)
            .map(|uu| match gamma.get(uu) {
                Some(&g) if g > 0.0 => 1.0,
                Some(&g) if g < 0.0 => -1.0,
                _ => 0.0,
            })
            .collect::<Vec<_>>(),
    );

    let mut pairs = vec![0u8; b * l];
    for (s, pc) in codes.chunks_exact(l).zip(pairs.chunks_exact_mut(l)) {
        pair_codes_into(s, pc);
    }
    let mut count_pairs = vec![0f64; f2 * PAIRS];
    for pc in pairs.chunks_exact(l) {
        for m in 0..f2 {
            for &q in &pc[2 * m..2 * m + lc] {
                count_pairs[m * PAIRS + q as usize] += 1.0;
            }
        }
    }

    let windows = super::pool_windows(pool, stride, p);

    // Per-sequence pass.
    let mut best_d = uninit::<f32>(b * p * upad);
    let mut argmax = uninit::<u16>(b * p * upad);
    let kernel = Kernel {
        table: &table,
        shift: &shift,
        sign: &sign,
        f2,
        windows: &windows,
        upad,
    };
    // Chunks of CHUNK sequences, summed in f32 per chunk and then in f64 in chunk order, so
    // the result does not depend on the thread count or on scheduling.
    let partials: Vec<Sums> = pairs
        .par_chunks(l * CHUNK)
        .zip(best_d.par_chunks_mut(p * upad * CHUNK))
        .zip(argmax.par_chunks_mut(p * upad * CHUNK))
        .map(|((pcs, bds), ams)| {
            let (bds, ams) = (zeroed(bds), zeroed(ams));
            let mut sums = Sums::new(upad, f2);
            let mut local = Local::new(upad, f2, lc);
            let seqs = pcs.chunks(l).zip(bds.chunks_mut(p * upad));
            for ((pc, bd), am) in seqs.zip(ams.chunks_mut(p * upad)) {
                kernel.sequence(simd, pc, bd, am, &mut sums, &mut local);
            }
            local.flush(&mut sums);
            sums
        })
        .collect();
    // SAFETY: every chunk of both went through `zeroed` above.
    let (best_d, argmax) = unsafe { (assume_init(best_d), assume_init(argmax)) };
    let sums = partials
        .into_iter()
        .reduce(Sums::merge)
        .expect("at least one sequence");

    // Statistics and outputs.
    let n = (b * lc) as f64;
    let mean_d: Vec<f64> = (0..u).map(|uu| sums.d[uu] / n).collect();
    let var: Vec<f64> = (0..u)
        .map(|uu| (sums.d2[uu] / n - mean_d[uu] * mean_d[uu]).max(0.0))
        .collect();
    let sigma: Vec<f64> = var.iter().map(|v| (v + BN_EPS).sqrt()).collect();
    // ẑ, p = exp(γẑ + β) and argmax per cell, unit-major (U, B, P) so that the backward
    // pass reads each unit's cells contiguously; rayon over groups of 8 units, each reading
    // its 8 consecutive values of every cell (one cache line per cell, not one per value).
    let cells = b * p;
    let mut zhat = uninit::<f32>(u * cells);
    let mut pooled = uninit::<f32>(u * cells);
    let mut arg_u = uninit::<u16>(u * cells);
    const GROUP: usize = 8;
    zhat.par_chunks_mut(GROUP * cells)
        .zip(pooled.par_chunks_mut(GROUP * cells))
        .zip(arg_u.par_chunks_mut(GROUP * cells))
        .enumerate()
        .for_each(|(grp, ((zg, pg), ag))| {
            let (zg, pg, ag) = (zeroed(zg), zeroed(pg), zeroed(ag));
            let u0 = grp * GROUP;
            let n = zg.len() / cells;
            let inv: Vec<f32> = (u0..u0 + n).map(|uu| (1.0 / sigma[uu]) as f32).collect();
            let sh: Vec<f32> = (u0..u0 + n)
                .map(|uu| (-mean_d[uu] / sigma[uu]) as f32)
                .collect();
            for c in 0..cells {
                let (d, a) = (&best_d[c * upad + u0..][..n], &argmax[c * upad + u0..][..n]);
                for k in 0..n {
                    zg[k * cells + c] = d[k] * inv[k] + sh[k];
                    ag[k * cells + c] = a[k];
                }
            }
            for (k, (zr, pr)) in zg
                .chunks_exact(cells)
                .zip(pg.chunks_exact_mut(cells))
                .enumerate()
            {
                let uu = u0 + k;
                let (g, be) = (f32x8::splat(gamma[uu]), f32x8::splat(beta[uu]));
                let mut zc = zr.chunks_exact(8);
                let mut pc = pr.chunks_exact_mut(8);
                for (z, p) in (&mut zc).zip(&mut pc) {
                    let z = f32x8::new(z.try_into().expect("8 lanes"));
                    p.copy_from_slice(exp8(g * z + be).as_array());
                }
                for (z, p) in zc.remainder().iter().zip(pc.into_remainder()) {
                    *p = (gamma[uu] * z + beta[uu]).exp();
                }
            }
        });
    // SAFETY: every group's chunk of the three went through `zeroed` above.
    let (zhat, pooled, arg_u) =
        unsafe { (assume_init(zhat), assume_init(pooled), assume_init(arg_u)) };
    let dsum_pairs: Vec<f64> = (0..f2 * PAIRS)
        .flat_map(|row| {
            let s = &sums.dpairs;
            (0..u).map(move |uu| s[((uu / BLK * f2 * PAIRS) + row) * BLK + uu % BLK])
        })
        .collect();
    BlockForward {
        pooled: pooled.clone(),
        mean: (0..u).map(|uu| (centre[uu] + mean_d[uu]) as f32).collect(),
        var: var.iter().map(|&v| v as f32).collect(),
        saved: BlockSaved {
            shape,
            units: u,
            pairs,
            argmax: arg_u,
            zhat,
            out: pooled,
            dsum_pairs,
            count_pairs,
            mean_d,
            sigma,
            gamma: gamma.to_vec(),
        },
    }
}

/// Copies of the backward pass's pair table A, taken by consecutive cells in turn.
const A_COPIES: usize = 4;

/// Sequences per work item: their pair sums add up in f32 before going into f64 totals.
const CHUNK: usize = 8;

/// Per-thread scratch of the per-sequence pass.
struct Local {
    /// Σ d per pair row over the chunk's sequences, `(U_pad/BLK, ⌈f/2⌉·25, NV)` vectors,
    /// layout as the f64 totals.
    dpairs: Vec<f32x8>,
    /// d of the current sequence and unit block, `(L', NV)` vectors.
    d: Vec<f32x8>,
}

impl Local {
    fn new(upad: usize, f2: usize, lc: usize) -> Self {
        Self {
            dpairs: vec![f32x8::ZERO; upad / 8 * f2 * PAIRS],
            d: vec![f32x8::ZERO; lc * NV],
        }
    }
}

struct Kernel<'a> {
    /// `(U_pad/BLK, ⌈f/2⌉, 25, NV)` vectors.
    table: &'a [f32x8],
    /// `(U_pad/8)` vectors each.
    shift: &'a [f32x8],
    sign: &'a [f32x8],
    f2: usize,
    /// Positions `start..end` of each pooling window.
    windows: &'a [(usize, usize)],
    upad: usize,
}

impl Kernel<'_> {
    /// One sequence (pair codes `pc`, length L): fills its best d and argmax `(P, U_pad)`
    /// and adds to the thread's sums, in the vector build `simd`.
    fn sequence(
        &self,
        simd: Simd,
        pc: &[u8],
        best_out: &mut [f32],
        arg_out: &mut [u16],
        sums: &mut Sums,
        local: &mut Local,
    ) {
        struct One<'a, 'k> {
            k: &'a Kernel<'k>,
            pc: &'a [u8],
            best_out: &'a mut [f32],
            arg_out: &'a mut [u16],
            sums: &'a mut Sums,
            local: &'a mut Local,
        }
        impl LaneKernel for One<'_, '_> {
            type Output = ();
            #[inline(always)]
            fn run<V: Lanes>(self) {
                self.k.sequence_with::<V>(
                    self.pc,
                    self.best_out,
                    self.arg_out,
                    self.sums,
                    self.local,
                )
            }
        }
        simd.run(One {
            k: self,
            pc,
            best_out,
            arg_out,
            sums,
            local,
        });
    }

    #[inline(always)]
    fn sequence_with<V: Lanes>(
        &self,
        pc: &[u8],
        best_out: &mut [f32],
        arg_out: &mut [u16],
        sums: &mut Sums,
        local: &mut Local,
    ) {
        let (f2, upad) = (self.f2, self.upad);
        let rows = f2 * PAIRS * NV;
        for blk in 0..upad / BLK {
            let v0 = blk * NV;
            let tab = &self.table[blk * rows..][..rows];
            let dp = &mut local.dpairs[blk * rows..][..rows];
            let shift: [V; NV] = std::array::from_fn(|v| V::load(&self.shift[v0 + v]));
            let mut s1 = [V::splat(0.0); NV];
            let mut s2 = [V::splat(0.0); NV];
            for (j, d) in local.d.chunks_exact_mut(NV).enumerate() {
                let codes = &pc[j..j + 2 * f2 - 1];
                let acc = gather_sum(tab, codes, f2, shift);
                for m in 0..f2 {
                    let row = &mut dp[(m * PAIRS + codes[2 * m] as usize) * NV..][..NV];
                    for (r, &a) in row.iter_mut().zip(&acc) {
                        V::load(r).add(a).store(r);
                    }
                }
                for v in 0..NV {
                    s1[v] = s1[v].add(acc[v]);
                    s2[v] = s2[v].add(acc[v].mul(acc[v]));
                    acc[v].store(&mut d[v]);
                }
            }
            // The block's sums.
            for v in 0..NV {
                let (mut a1, mut a2) = (f32x8::ZERO, f32x8::ZERO);
                s1[v].store(&mut a1);
                s2[v].store(&mut a2);
                let (a1, a2) = (a1.to_array(), a2.to_array());
                for lane in 0..8 {
                    let uu = (v0 + v) * 8 + lane;
                    sums.d[uu] += a1[lane] as f64;
                    sums.d2[uu] += a2[lane] as f64;
                }
            }
            // Per window, the first position of max(sign·d), in registers (a select written
            // back to memory per position would compile to slow masked stores).
            for v in 0..NV {
                let sign = V::load(&self.sign[v0 + v]);
                for (t, &(start, end)) in self.windows.iter().enumerate() {
                    let mut best = V::splat(f32::NEG_INFINITY);
                    let (mut best_d, mut best_j) = (V::splat(0.0), V::splat(0.0));
                    for j in start..end {
                        let d = V::load(&local.d[j * NV + v]);
                        let sv = d.mul(sign);
                        let gt = sv.gt(best);
                        best = gt.select(sv, best);
                        best_d = gt.select(d, best_d);
                        best_j = gt.select(V::splat(j as f32), best_j);
                    }
                    let o = t * upad + (v0 + v) * 8;
                    best_d.store_slice(&mut best_out[o..o + 8]);
                    let mut js = f32x8::ZERO;
                    best_j.store(&mut js);
                    for (a, &j) in arg_out[o..o + 8].iter_mut().zip(js.as_array()) {
                        *a = j as u16;
                    }
                }
            }
        }
    }
}

impl Local {
    /// Add the chunk's f32 pair sums to its f64 totals.
    fn flush(&self, sums: &mut Sums) {
        for (d, s) in sums.dpairs.chunks_exact_mut(8).zip(&self.dpairs) {
            for (d, &v) in d.iter_mut().zip(s.as_array()) {
                *d += v as f64;
            }
        }
    }
}

impl BlockSaved {
    /// Gradients from ∂L/∂pooled `(U, B, P)`.
    pub(crate) fn backward(&self, grad: &[f32]) -> BlockGrads {
        let BlockShape {
            batch: b,
            length: l,
            filter: f,
            windows: p,
            ..
        } = self.shape;
        let u = self.units;
        assert_eq!(grad.len(), b * u * p, "gradient must be (U, B, P)");
        let lc = l + 1 - f;
        let f2 = f.div_ceil(2);
        let n = (b * lc) as f64;
        // Sum a pair table over the partner base: value of tap k, base c.
        let per_tap = |t: &dyn Fn(usize) -> f64, k: usize, c: usize| -> f64 {
            let m = k / 2;
            (0..5)
                .map(|o| {
                    let q = if k.is_multiple_of(2) {
                        c * 5 + o
                    } else {
                        o * 5 + c
                    };
                    t(m * PAIRS + q)
                })
                .sum()
        };
        // Per unit (rayon over units): ∂β, ∂γ, the pair table of A and from it ∂W.
        let mut weight = vec![0f32; u * 4 * f];
        let mut gamma = vec![0f32; u];
        let mut beta = vec![0f32; u];
        weight
            .par_chunks_mut(4 * f)
            .zip(gamma.par_iter_mut())
            .zip(beta.par_iter_mut())
            .enumerate()
            .for_each(|(uu, ((wrow, gamma), beta))| {
                let (mut db, mut dg) = (0f64, 0f64);
                // Consecutive cells add into different copies of the table: an addition
                // reading an entry the previous cell is still writing would stall (or
                // flush, when the CPU guessed no dependence).
                let size = f2 * PAIRS;
                let mut copies = vec![0f64; A_COPIES * size];
                for bb in 0..b {
                    let pc = &self.pairs[bb * l..(bb + 1) * l];
                    for w in 0..p {
                        let cell = (uu * b + bb) * p + w;
                        let g = (grad[cell] * self.out[cell]) as f64;
                        if g == 0.0 {
                            continue;
                        }
                        db += g;
                        dg += g * self.zhat[cell] as f64;
                        let j = self.argmax[cell] as usize;
                        let a = &mut copies[(w % A_COPIES) * size..][..size];
                        for (m, &q) in pc[j..j + 2 * f2 - 1].iter().step_by(2).enumerate() {
                            a[m * PAIRS + q as usize] += g;
                        }
                    }
                }
                let (a, rest) = copies.split_at_mut(size);
                for c in rest.chunks_exact(size) {
                    a.iter_mut().zip(c).for_each(|(a, &c)| *a += c);
                }
                (*beta, *gamma) = (db as f32, dg as f32);
                let (m1, m2) = (db / n, dg / n);
                let (sigma, md) = (self.sigma[uu], self.mean_d[uu]);
                let scale = self.gamma[uu] as f64 / sigma;
                for c in 0..4 {
                    for k in 0..f {
                        let cnt = per_tap(&|i| self.count_pairs[i], k, c);
                        let dsum = per_tap(&|i| self.dsum_pairs[i * u + uu], k, c);
                        let av = per_tap(&|i| a[i], k, c);
                        let s = (dsum - md * cnt) / sigma;
                        wrow[c * f + k] = (scale * (av - m1 * cnt - m2 * s)) as f32;
                    }
                }
            });
        BlockGrads {
            weight,
            bias: vec![0.0; u],
            gamma,
            beta,
        }
    }
}
