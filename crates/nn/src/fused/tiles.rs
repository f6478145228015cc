//! Windows tiled along one run of codes ([`FusedModel::tiles`]: the convolution shared by
//! overlapping windows) and scans of a run for unit activations over a threshold
//! ([`FusedModel::scan`]).

use super::simd::{LaneKernel, Lanes};
use super::{BLK, FusedModel, FusedOutputs, NV, exp8, pair_codes_into};
use explainn_seq::encode::reverse_complement_codes;
use rayon::prelude::*;
use wide::f32x8;

impl FusedModel {
    /// The eval forward pass of windows of length L starting at `starts` in one run of
    /// `codes` (a chromosome block; with `rc`, each window reverse-complemented), sharing
    /// the convolution between overlapping windows: it is computed once per position of a
    /// group of overlapping windows instead of once per window. Pooling, dense layers and
    /// the final layer run per window as in [`FusedModel::forward`], so the outputs equal
    /// those of the windows cut out and run through it. `starts` should be ascending (a
    /// group spans its windows' extent).
    ///
    /// The pooled stage is kept unit-major, `(U, W, P)`, so that each unit's dense layer
    /// reads its windows as one contiguous matrix.
    pub fn tiles(&self, codes: &[u8], starts: &[usize], rc: bool) -> FusedOutputs {
        let (l, lb) = (self.l, codes.len());
        assert!(
            starts.iter().all(|&s| s + l <= lb),
            "every window must lie inside the codes"
        );
        // The reverse complement of window [s, s + L) is the window [lb − L − s, lb − s) of
        // the reverse-complemented run.
        let reversed;
        let (codes, starts): (&[u8], Vec<usize>) = if rc {
            reversed = reverse_complement_codes(codes);
            (&reversed, starts.iter().map(|&s| lb - l - s).collect())
        } else {
            (codes, starts.to_vec())
        };
        // Groups of at most TILE_GROUP windows, each overlapping the group's extent so far.
        let mut groups: Vec<(usize, usize)> = Vec::new(); // (first window, count)
        let (mut lo, mut hi) = (usize::MAX, 0usize);
        for (i, &s) in starts.iter().enumerate() {
            match groups.last_mut() {
                Some((_, n)) if *n < TILE_GROUP && s < hi && s + l > lo => {
                    *n += 1;
                    (lo, hi) = (lo.min(s), hi.max(s + l));
                }
                _ => {
                    groups.push((i, 1));
                    (lo, hi) = (s, s + l);
                }
            }
        }
        let (u, b) = (self.u, starts.len());
        let p = self.p.max(1); // one "pooled position", the maximum, for num_fc = 0
        let mut stage = vec![0f32; u * b * p];
        // Blocks of BLK units in parallel, each writing its own unit planes.
        stage
            .par_chunks_mut(BLK * b * p)
            .enumerate()
            .for_each(|(blk, planes)| {
                self.simd.run(TileBlock {
                    m: self,
                    codes,
                    starts: &starts,
                    groups: &groups,
                    blk,
                    planes,
                })
            });
        let unit_outputs = if self.layers.is_empty() {
            // (U, W) → (W, U)
            let mut o = vec![0f32; b * u];
            for (uu, plane) in stage.chunks_exact(b).enumerate() {
                for (n, &v) in plane.iter().enumerate() {
                    o[n * u + uu] = v;
                }
            }
            o
        } else {
            self.dense_planes(&stage, b)
        };
        let logits = self.final_layer(&unit_outputs);
        FusedOutputs {
            activations: None,
            unit_outputs,
            logits,
        }
    }

    /// The unit planes `(w, B, P)` of the register block `blk` of units (w ≤ BLK real units)
    /// for the windows at `starts` of `codes`, group by group: z over a group's extent
    /// once, then every window of the group pooled from it and the maxima exponentiated.
    #[inline(always)]
    fn tile_block_with<V: Lanes>(
        &self,
        codes: &[u8],
        starts: &[usize],
        groups: &[(usize, usize)],
        blk: usize,
        planes: &mut [f32],
    ) {
        let (u, b, l) = (self.u, starts.len(), self.l);
        let p = self.p.max(1);
        let ub = blk * BLK;
        let w = BLK.min(u - ub);
        let mut pc: Vec<u8> = Vec::new();
        let mut zs: Vec<f32x8> = Vec::new();
        let nv = w.div_ceil(8);
        // exp of the pooled maxima of one group, unit-major `(w, n, P)` (small enough to
        // stay in cache while its rows are scattered), then copied into the unit planes.
        let mut pooled: Vec<f32> = Vec::new();
        for &(first, n) in groups {
            let ws = &starts[first..first + n];
            let lo = *ws.iter().min().expect("a group has windows");
            let hi = ws.iter().max().expect("a group has windows") + l;
            pc.resize(hi - lo, 0);
            pair_codes_into(&codes[lo..hi], &mut pc);
            zs.resize((hi - lo - self.f + 1) * NV, f32x8::ZERO);
            self.conv_block::<V>(&pc, blk, &mut zs);
            let np = n * p;
            pooled.resize(nv * 8 * np, 0.0);
            for (i, &s) in ws.iter().enumerate() {
                let z = &zs[(s - lo) * NV..];
                for (t, &(start, end)) in self.windows.iter().enumerate() {
                    for v in 0..nv {
                        let mut best = V::splat(f32::NEG_INFINITY);
                        for j in start..end {
                            best = best.max(V::load(&z[j * NV + v]));
                        }
                        let mut m = f32x8::ZERO;
                        best.store(&mut m);
                        let at = v * 8 * np + i * p + t;
                        for (lane, &x) in exp8(m).as_array().iter().enumerate() {
                            pooled[at + lane * np] = x;
                        }
                    }
                }
            }
            // Each unit's rows of this group are contiguous in its plane.
            for k in 0..w {
                planes[k * b * p + first * p..][..np].copy_from_slice(&pooled[k * np..][..np]);
            }
        }
    }

    /// Per-unit dense layers over unit planes `(U, B, P)` → unit outputs `(B, U)`.
    fn dense_planes(&self, planes: &[f32], b: usize) -> Vec<f32> {
        let p = self.p;
        self.dense_with(b, |uu| (&planes[uu * b * p..(uu + 1) * b * p], (p, 1)))
    }

    /// Every position of `codes` (a run of any length ≥ f) where a unit's first-layer
    /// activation exp(z) (convolution, BN₀, exp: the activations of
    /// [`FusedModel::forward`]) reaches `thresholds[u]`, as (start of the filter's window,
    /// unit, activation). With `rc` the units scan the reverse complement; the start is then
    /// still that of the window on the forward strand. Chunks of the run go in parallel;
    /// hits come ordered by chunk, unit block, position.
    pub fn scan(&self, codes: &[u8], rc: bool, thresholds: &[f32]) -> Vec<(usize, usize, f32)> {
        assert_eq!(thresholds.len(), self.u, "one threshold per unit");
        let (n, f) = (codes.len(), self.f);
        if n < f {
            return Vec::new();
        }
        let reversed;
        let codes = if rc {
            reversed = reverse_complement_codes(codes);
            &reversed[..]
        } else {
            codes
        };
        // candidates z ≥ ln(threshold) (a hair below), then exp(z) ≥ threshold exactly
        let limits: Vec<f32> = thresholds
            .iter()
            .map(|&t| {
                if t > 0.0 {
                    t.ln() - 1e-5
                } else {
                    f32::NEG_INFINITY
                }
            })
            .collect();
        let npos = n - f + 1;
        let chunks: Vec<usize> = (0..npos).step_by(SCAN_CHUNK).collect();
        let per_chunk: Vec<Vec<(usize, usize, f32)>> = chunks
            .par_iter()
            .map(|&c0| {
                let c1 = (c0 + SCAN_CHUNK).min(npos);
                self.simd
                    .run(ScanChunk {
                        m: self,
                        codes: &codes[c0..c1 + f - 1],
                        limits: &limits,
                    })
                    .into_iter()
                    .filter_map(|(j, u, z)| {
                        let j = c0 + j;
                        let start = if rc { npos - 1 - j } else { j };
                        let a = z.exp(); // as the activation maps of `forward`
                        (a >= thresholds[u]).then_some((start, u, a))
                    })
                    .collect()
            })
            .collect();
        per_chunk.concat()
    }

    /// (position, unit, z) of every z ≥ `limits[u]` in one chunk of codes.
    #[inline(always)]
    fn scan_chunk_with<V: Lanes>(&self, codes: &[u8], limits: &[f32]) -> Vec<(usize, usize, f32)> {
        let npos = codes.len() - self.f + 1;
        let mut pc = vec![0u8; codes.len()];
        pair_codes_into(codes, &mut pc);
        let mut zs = vec![f32x8::ZERO; npos * NV];
        let mut hits = Vec::new();
        for (blk, ub) in (0..self.upad).step_by(BLK).enumerate() {
            let w = BLK.min(self.u - ub);
            self.conv_block::<V>(&pc, blk, &mut zs);
            for (j, z) in zs.chunks_exact(NV).enumerate() {
                let vals = z.iter().flat_map(|v| v.to_array());
                for (i, z) in vals.take(w).enumerate() {
                    if z >= limits[ub + i] {
                        hits.push((j, ub + i, z));
                    }
                }
            }
        }
        hits
    }
}

/// Windows per group of [`FusedModel::tiles`] (a group's z takes (extent · U) floats).
const TILE_GROUP: usize = 64;

/// One register block of units of [`FusedModel::tiles`], run with the vector build.
struct TileBlock<'a> {
    m: &'a FusedModel,
    codes: &'a [u8],
    starts: &'a [usize],
    groups: &'a [(usize, usize)],
    blk: usize,
    planes: &'a mut [f32],
}

impl LaneKernel for TileBlock<'_> {
    type Output = ();
    #[inline(always)]
    fn run<V: Lanes>(self) {
        self.m
            .tile_block_with::<V>(self.codes, self.starts, self.groups, self.blk, self.planes)
    }
}

/// Positions per parallel chunk of [`FusedModel::scan`].
const SCAN_CHUNK: usize = 1 << 14;

/// One chunk of [`FusedModel::scan`], run with the vector build.
struct ScanChunk<'a> {
    m: &'a FusedModel,
    codes: &'a [u8],
    limits: &'a [f32],
}

impl LaneKernel for ScanChunk<'_> {
    type Output = Vec<(usize, usize, f32)>;
    #[inline(always)]
    fn run<V: Lanes>(self) -> Self::Output {
        self.m.scan_chunk_with::<V>(self.codes, self.limits)
    }
}
