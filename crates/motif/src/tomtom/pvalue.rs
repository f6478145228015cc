//! The null distribution of the best alignment score: per-offset tail tables, their
//! convolution, and the p-value updates over offsets.

use super::*;

/// One alignment step of the p-values `p` of copies with best-alignment indices `idx`:
/// `p + t (1 - p)` with `t = tails[tlen - x]`, `x = idx - base` clamped to `[0, tlen]`
/// (`tails[0] = 0`: p stays), and 1 where `x < 0` (every later step keeps it at 1).
#[inline(always)]
pub(super) fn pvalue_step(p: &mut [f64], idx: &[i64], base: i64, tails: &[f64]) {
    #[cfg(target_arch = "x86_64")]
    {
        if let Some(cpu) = Avx2::detect() {
            // SAFETY: `cpu` proves the CPU has AVX2, FMA and POPCNT.
            unsafe { pvalue_step_avx2(cpu, p, idx, base, tails) };
            return;
        }
    }
    let tlen = tails.len() - 1;
    for (pc, &ix) in p.iter_mut().zip(idx) {
        *pc = pvalue_update(*pc, ix - base, tails, tlen);
    }
}

/// One value of [`pvalue_step`].
#[inline(always)]
pub(super) fn pvalue_update(p: f64, x: i64, tails: &[f64], tlen: usize) -> f64 {
    let t = tails[tlen - (x.max(0) as usize).min(tlen)];
    let np = p + t * (1.0 - p);
    if x < 0 { 1.0 } else { np }
}

/// [`pvalue_step`], 4 copies at a time (the same arithmetic, lane by lane).
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
pub(super) unsafe fn pvalue_step_avx2(
    _cpu: Avx2,
    p: &mut [f64],
    idx: &[i64],
    base: i64,
    tails: &[f64],
) {
    use std::arch::x86_64::*;
    assert_eq!(p.len(), idx.len());
    let tlen = tails.len() - 1;
    let (vbase, vtlen) = (_mm256_set1_epi64x(base), _mm256_set1_epi64x(tlen as i64));
    let (zero, one) = (_mm256_setzero_si256(), _mm256_set1_pd(1.0));
    let n4 = p.len() / 4 * 4;
    let mut k = 0;
    while k < n4 {
        // SAFETY: k + 4 <= p.len() = idx.len(); the gathered indices lie in [0, tlen].
        unsafe {
            let x = _mm256_sub_epi64(_mm256_loadu_si256(idx.as_ptr().add(k).cast()), vbase);
            let neg = _mm256_cmpgt_epi64(zero, x);
            let xc = _mm256_andnot_si256(neg, x);
            let xc = _mm256_blendv_epi8(xc, vtlen, _mm256_cmpgt_epi64(xc, vtlen));
            let t = _mm256_i64gather_pd::<8>(tails.as_ptr(), _mm256_sub_epi64(vtlen, xc));
            let pv = _mm256_loadu_pd(p.as_ptr().add(k));
            let np = _mm256_add_pd(pv, _mm256_mul_pd(t, _mm256_sub_pd(one, pv)));
            let r = _mm256_blendv_pd(np, one, _mm256_castsi256_pd(neg));
            _mm256_storeu_pd(p.as_mut_ptr().add(k), r);
        }
        k += 4;
    }
    for (pc, &ix) in p[n4..].iter_mut().zip(&idx[n4..]) {
        *pc = pvalue_update(*pc, ix - base, tails, tlen);
    }
}

/// The query column range `[a, b]` of alignment step `i` with a target of width `l`.
#[inline(always)]
pub(super) fn step_range(w: usize, l: usize, i: usize) -> (usize, usize) {
    if i < w {
        let a = w - 1 - i;
        (a, w.min(a + l) - 1)
    } else {
        (0, w.min(l + w - 1 - i) - 1)
    }
}

/// Distributions of summed integer scores over query column ranges `[a, b]` (convolutions
/// of the column histograms), shifted so that every overlap length shares one scale
/// (index = sum + (w - (b-a+1)) k), stored as two-strand upper tails in `scr.cells` /
/// `scr.tails`. Only the ranges the p-values need are kept.
#[inline(always)]
pub(super) fn build_tails(
    hist: &[[u32; 101]],
    n: usize,
    w: usize,
    k: usize,
    by_width: &[(usize, Vec<u32>)],
    scr: &mut Scratch,
) {
    let mut need = vec![false; w * w];
    for &(l, _) in by_width {
        for a in 0..w {
            need[a * w + (w.min(a + l) - 1)] = true;
        }
        for b in 0..w.min(l.saturating_sub(1)) {
            need[b] = true;
        }
    }
    let supp: Vec<(usize, usize)> = hist
        .iter()
        .map(|h| {
            let lo = h.iter().position(|&x| x > 0).unwrap();
            let hi = h.iter().rposition(|&x| x > 0).unwrap();
            (lo, hi)
        })
        .collect();
    scr.cells.clear();
    scr.cells.resize(w * w, (0, 0, 0));
    scr.tails.clear();
    scr.pending.clear();
    let nf = n as f64;
    // The current distribution lives in `cur[off..off + m]` and the next one is written to
    // `next[PAD..]` (no copies): `cur` is zero below `off` (`[0, PAD)` is never written)
    // and for `TAIL` values above the distribution, the zero padding the convolution reads.
    const PAD: usize = 100;
    const TAIL: usize = PAD + CONV_BLOCK;
    let cap = PAD + 100 * w + 1 + TAIL;
    for buf in [&mut scr.cur, &mut scr.next] {
        buf.clear();
        buf.resize(cap, 0.0);
    }
    for a in 0..w {
        let Some(last) = (a..w).rev().find(|&b| need[a * w + b]) else {
            continue;
        };
        let (lo, hi) = supp[a];
        let (mut off, mut m) = (PAD, hi - lo + 1);
        for (d, &c) in scr.cur[off..off + m].iter_mut().zip(&hist[a][lo..=hi]) {
            *d = c as f64 / nf;
        }
        scr.cur[off + m..off + m + TAIL].fill(0.0);
        let mut start = lo;
        for b in a..=last {
            if b > a {
                let (hlo, hhi) = supp[b];
                let nh = hhi - hlo + 1;
                scr.hr.clear();
                scr.hr
                    .extend(hist[b][hlo..=hhi].iter().rev().map(|&c| c as f64 / nf));
                let len = m + nh - 1;
                let src = &scr.cur[off - (nh - 1)..off + m + TAIL];
                convolve(src, &scr.hr, &mut scr.next[PAD..PAD + len]);
                start += hlo;
                // Drop negligible mass at both ends.
                let out = &mut scr.next[PAD..];
                let (mut i0, mut i1) = (0usize, len);
                let mut acc = 0.0;
                while i0 + 1 < i1 && acc + out[i0] <= TRIM {
                    acc += out[i0];
                    i0 += 1;
                }
                acc = 0.0;
                while i1 - 1 > i0 && acc + out[i1 - 1] <= TRIM {
                    acc += out[i1 - 1];
                    i1 -= 1;
                }
                out[..i0].fill(0.0);
                out[i1..i1 + TAIL].fill(0.0);
                // `cur` becomes the next output buffer: what it holds above `PAD` is either
                // overwritten or cleared as above before it is read.
                std::mem::swap(&mut scr.cur, &mut scr.next);
                (off, m) = (PAD + i0, i1 - i0);
                start += i0;
            }
            if need[a * w + b] {
                let ov = b - a + 1;
                let toff = scr.tails.len();
                // Stored from the top after a 0 (sums above); summed below.
                scr.tails.push(0.0);
                scr.tails.extend(scr.cur[off..off + m].iter().rev());
                scr.cells[a * w + b] = ((start + (w - ov) * k) as i64, toff, m);
                scr.pending.push((m, toff + 1));
            }
        }
    }
    // The tails, four ranges at a time (independent chains of additions), ranges of
    // similar lengths together.
    scr.pending.sort_unstable();
    for g in scr.pending.chunks(4) {
        upper_tails(&mut scr.tails, g);
    }
}

/// Replaces each range `tails[o..o + len]` of `ranges` (`(len, o)`, at most 4, disjoint)
/// by its two-strand upper tails: with `acc` its running sum from the start (the top),
/// `acc (2 - acc)`. The ranges' chains advance together over their common length.
#[inline(always)]
pub(super) fn upper_tails(tails: &mut [f64], ranges: &[(usize, usize)]) {
    let mut acc = [0.0f64; 4];
    let mut o = [0usize; 4];
    let common = ranges.iter().map(|r| r.0).min().unwrap_or(0);
    for (g, &(len, off)) in ranges.iter().enumerate() {
        assert!(off + len <= tails.len());
        o[g] = off;
    }
    if ranges.len() == 4 {
        for i in 0..common {
            for g in 0..4 {
                // SAFETY: o[g] + i < o[g] + len_g <= tails.len() (asserted above).
                unsafe {
                    let t = tails.get_unchecked_mut(o[g] + i);
                    acc[g] += *t;
                    *t = acc[g] * (2.0 - acc[g]);
                }
            }
        }
    }
    let from = if ranges.len() == 4 { common } else { 0 };
    for (g, &(len, off)) in ranges.iter().enumerate() {
        let mut a = acc[g];
        for t in &mut tails[off + from..off + len] {
            a += *t;
            *t = a * (2.0 - a);
        }
    }
}

/// Outputs computed together by [`convolve`] (8 AVX2 accumulators: enough independent
/// additions to hide their latency).
pub(super) const CONV_BLOCK: usize = 32;

/// `out[y] = sum_t hr[t] src[y + t]` (a convolution with the reversed kernel `hr`).
/// `src` must extend at least `hr.len() - 1 + CONV_BLOCK` values past `out.len()`, and be
/// zero outside `[hr.len() - 1, out.len())` (the distribution and its padding; `hr >= 0`).
/// The products are fused into the sums (one rounding each): a different rounding from
/// MEME's own summation order anyway, far below what the printed p-values resolve.
#[inline(always)]
pub(super) fn convolve(src: &[f64], hr: &[f64], out: &mut [f64]) {
    let nh = hr.len();
    let n = out.len();
    assert!(n >= nh && src.len() >= n + nh - 1 + CONV_BLOCK);
    let mut y0 = 0;
    while y0 < n {
        let mut acc = [0.0f64; CONV_BLOCK];
        // Only the taps that reach a nonzero value for some output of the block: the
        // others would add +0 to every (non-negative) sum, which changes no bit.
        let t_lo = (nh - 1).saturating_sub(y0 + CONV_BLOCK - 1);
        let t_hi = nh.min(n - y0);
        let win = &src[y0 + t_lo..y0 + t_hi - 1 + CONV_BLOCK];
        for (t, &h) in hr[t_lo..t_hi].iter().enumerate() {
            // SAFETY: t < t_hi - t_lo, so `win` holds the CONV_BLOCK values from t on.
            let s = unsafe { &*win.as_ptr().add(t).cast::<[f64; CONV_BLOCK]>() };
            for j in 0..CONV_BLOCK {
                acc[j] = h.mul_add(s[j], acc[j]);
            }
        }
        let m = (n - y0).min(CONV_BLOCK);
        out[y0..y0 + m].copy_from_slice(&acc[..m]);
        y0 += CONV_BLOCK;
    }
}
