//! Scoring one query against the database: integer-scaled column scores shifted by their
//! median, best alignment per target copy over all offsets (vectorised where the CPU has
//! AVX2), p-values from the null tables.

use super::*;

/// One target copy's best alignment with the query.
pub(super) struct Entry {
    pub(super) p: f32,
    /// The best alignment's complete score: the median-shifted column scores summed over
    /// the aligned columns, at the resolution of Tomtom's integer scaling.
    pub(super) score: f64,
    pub(super) overlap: usize,
    pub(super) copy: usize,
    pub(super) offset: i64,
}

/// Working memory of one thread, reused from query to query.
#[derive(Default)]
pub(super) struct Scratch {
    /// Column scores, query column by query column (`w x N`).
    pub(super) s: Vec<f64>,
    /// Row order statistics.
    pub(super) order: RowOrder,
    /// Quantised scores `X` of one query row (plus slack).
    pub(super) xrow: Vec<u8>,
    /// Alignment sums of all copies (see `score_query_impl`).
    pub(super) sums: Vec<u16>,
    /// The current range distribution and the next one, swapped after each convolution
    /// (see `build_tails`).
    pub(super) cur: Vec<f64>,
    pub(super) next: Vec<f64>,
    /// The reversed, normalised histogram convolved with next.
    pub(super) hr: Vec<f64>,
    /// Per range `[a, b]` (index `a w + b`): first E index, offset into `tails`, length.
    pub(super) cells: Vec<(i64, usize, usize)>,
    /// Two-strand upper tails `1 - (1 - P(sum >= x))^2` of the needed ranges, each range's
    /// a 0 (the sums above it), then from its largest `x` down.
    pub(super) tails: Vec<f64>,
    /// The ranges in `tails` (length, offset) whose tails are still to be summed.
    pub(super) pending: Vec<(usize, usize)>,
}

/// Bins with at most this much probability mass are dropped from either end of a range
/// distribution. The p-values move by less than 1e-60 in absolute terms, far below the
/// smallest single-precision number (1.4e-45).
pub(super) const TRIM: f64 = 1e-70;

/// Score one query against all target copies: one entry per copy, in copy order
/// ([`rank_entries`] sorts them as MEME ranks them).
///
/// The score distributions are convolved with fused multiply-adds; without AVX2 and FMA
/// the portable code computes the same (slower on x86 CPUs without FMA).
pub(super) fn score_query(
    q: &[[f64; 4]],
    qc: &[CountColumn],
    db: &TargetDb,
    opts: &TomtomOptions,
    scr: &mut Scratch,
) -> Vec<Entry> {
    #[cfg(target_arch = "x86_64")]
    {
        if let Some(cpu) = Avx2::detect() {
            // SAFETY: `cpu` proves the CPU has AVX2, FMA and POPCNT.
            return unsafe { score_query_avx2(cpu, q, qc, db, opts, scr) };
        }
    }
    score_query_impl(q, qc, db, opts, scr)
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2,fma")]
pub(super) unsafe fn score_query_avx2(
    _cpu: Avx2,
    q: &[[f64; 4]],
    qc: &[CountColumn],
    db: &TargetDb,
    opts: &TomtomOptions,
    scr: &mut Scratch,
) -> Vec<Entry> {
    score_query_impl(q, qc, db, opts, scr)
}

/// Offset and scale of the integer column scores, from the extremes `lo < hi` of the
/// median-shifted scores: MEME's `off = floor(lo)`, `sc = floor(100 / (hi - off))`. When
/// that scale would be 0 (a range above 100, which only the count-based distances reach
/// with large site counts), `sc = 1/d` with the smallest integer `d` for which
/// `off = d floor(lo / d)` gives `(hi - off) / d <= 100`, so that `-off sc` stays an
/// integer and the scores keep 0..=100.
pub(super) fn scale(lo: f64, hi: f64) -> (f64, f64) {
    let off = floor(lo);
    let sc = floor(100.0 / (hi - off));
    if sc >= 1.0 || !(hi - lo).is_finite() {
        return (off, sc);
    }
    let mut d = ((hi - off) / 100.0).ceil().max(1.0);
    loop {
        let off = d * floor(lo / d);
        if (hi - off) / d <= 100.0 {
            return (off, 1.0 / d);
        }
        d += 1.0;
    }
}

/// A view of one database column (for [`exact_score`] of the exact distances).
pub(super) struct TargetDb1<'a>(pub(super) &'a TargetDb, pub(super) usize);

impl TargetDb1<'_> {
    pub(super) fn score(&self, qc: &[f64; 4], dist: Distance, out: &mut [f64; 1]) {
        let t = self.0.cols[self.1];
        let mut s = 0.0;
        match dist {
            Distance::Kullback => {
                for a in 0..4 {
                    s += qc[a] * (qc[a] / t[a]).log10() + t[a] * (t[a] / qc[a]).log10();
                }
                out[0] = -(s / 2.0);
            }
            _ => {
                let d: [f64; 4] = std::array::from_fn(|a| qc[a] - t[a]);
                s = d[0] * d[0] + d[1] * d[1] + d[2] * d[2] + d[3] * d[3];
                out[0] = if dist == Distance::Sandelin {
                    2.0 - s
                } else {
                    -s.sqrt()
                };
            }
        }
    }
}

/// Exact lower median of the row last summarised by `order` (`s`), whose values are
/// within `delta` of the exact scores.
pub(super) fn row_median(
    row: &[f64],
    s: &RowSummary,
    delta: f64,
    order: &RowOrder,
    exact: impl Fn(usize) -> f64,
) -> f64 {
    let (a1, a2) = s.median;
    if delta == 0.0 {
        return (a1 + a2) / 2.0;
    }
    // Every exact order statistic lies within delta of the approximate one, so the exact
    // ones are among the values within 2 delta of [a1, a2]; those below rank first.
    let (i1, i2) = median_ranks(row.len());
    let (lo, hi) = (a1 - 3.0 * delta, a2 + 3.0 * delta);
    let (below, mut cand): (usize, Vec<f64>) = match order.near(lo, hi) {
        Some((below, near)) => (below, near.map(&exact).collect()),
        None => (
            row.iter().filter(|&&v| v < lo).count(),
            (0..row.len())
                .filter(|&j| row[j] >= lo && row[j] <= hi)
                .map(&exact)
                .collect(),
        ),
    };
    cand.sort_unstable_by(|a, b| a.total_cmp(b));
    assert!(below <= i1 && i2 - below < cand.len(), "median bracket");
    (cand[i1 - below] + cand[i2 - below]) / 2.0
}

#[inline(always)]
pub(super) fn score_query_impl(
    q: &[[f64; 4]],
    qcounts: &[CountColumn],
    db: &TargetDb,
    opts: &TomtomOptions,
    scr: &mut Scratch,
) -> Vec<Entry> {
    let w = q.len();
    let n = db.cols.len();
    let dist = opts.distance;
    // Column scores and per-row medians.
    scr.s.resize(w * n, 0.0);
    let mut med = vec![0.0f64; w];
    let mut rmin = vec![0.0f64; w];
    let mut rmax = vec![0.0f64; w];
    let mut delta = 0.0f64;
    for (i, qc) in q.iter().enumerate() {
        let row = &mut scr.s[i * n..(i + 1) * n];
        if dist.uses_counts() {
            count_scores(&qcounts[i], db, dist, row);
            delta = 0.0;
        } else {
            delta = column_scores(qc, db, dist, row);
        }
        let sum = scr.order.summarise(row, delta > 0.0);
        let exact = |j| exact_score(qc, db, dist, j);
        med[i] = row_median(row, &sum, delta, &scr.order, exact);
        (rmin[i], rmax[i]) = (sum.min, sum.max);
    }
    // Extremes of the median-shifted scores (exact: subtracting a constant is monotone).
    let mut hi = (0..w)
        .map(|i| rmax[i] - med[i])
        .fold(f64::NEG_INFINITY, f64::max);
    let mut lo = (0..w)
        .map(|i| rmin[i] - med[i])
        .fold(f64::INFINITY, f64::min);
    if delta > 0.0 {
        let (ah, al) = (hi, lo);
        hi = f64::NEG_INFINITY;
        lo = f64::INFINITY;
        for i in 0..w {
            let row = &scr.s[i * n..(i + 1) * n];
            if rmax[i] - med[i] >= ah - 3.0 * delta {
                for (j, &v) in row.iter().enumerate() {
                    if v - med[i] >= ah - 3.0 * delta {
                        hi = hi.max(exact_score(&q[i], db, dist, j) - med[i]);
                    }
                }
            }
            if rmin[i] - med[i] <= al + 3.0 * delta {
                for (j, &v) in row.iter().enumerate() {
                    if v - med[i] <= al + 3.0 * delta {
                        lo = lo.min(exact_score(&q[i], db, dist, j) - med[i]);
                    }
                }
            }
        }
    }
    if hi == lo {
        lo = hi - 1.0;
    }
    let (off, sc) = scale(lo, hi);
    let k = (-off * sc).round() as usize;

    // Quantised scores X (row by row), their histograms and the alignment sums: copy c's
    // sums over its configurations 1..=w+l-1 lie at `sums[r_c..]`, `r_c = start_c + c (w-1)`
    // (the copies' ranges follow each other without overlap), and query row i adds its X
    // of the copy's columns at `r_c + w - 1 - i`.
    let gap = w - 1;
    let ncopies = db.copies.len();
    scr.sums.clear();
    scr.sums.resize(n + ncopies * gap + SUM_LANES, 0);
    scr.xrow.resize(n + SUM_LANES, 0);
    let eta = 4.0 * delta * sc + 1e-9;
    let mut hist = vec![[0u32; 101]; w];
    for i in 0..w {
        let row = &scr.s[i * n..(i + 1) * n];
        let xr = &mut scr.xrow[..n];
        let m = med[i];
        const CH: usize = 64;
        if delta == 0.0 {
            quantise_row(row, m, off, sc, xr);
        } else {
            for (cn, (rc, xc)) in row.chunks(CH).zip(xr.chunks_mut(CH)).enumerate() {
                if quantise_row_checked(rc, m, off, sc, eta, xc) {
                    for (jj, (&v, x)) in rc.iter().zip(xc.iter_mut()).enumerate() {
                        let t = ((v - m) - off) * sc + 0.5;
                        let f = t - floor(t);
                        if f < eta || f > 1.0 - eta {
                            let e = exact_score(&q[i], db, dist, cn * CH + jj);
                            *x = floor(((e - m) - off) * sc + 0.5) as u8;
                        }
                    }
                }
            }
        }
        // Eight interleaved counts (the values crowd into few bins: consecutive increments
        // of one bin would wait for each other); 256 bins: any u8 indexes them (no bounds
        // checks), X lies in 0..=100.
        let mut c8 = [[0u32; 256]; 8];
        let mut it = xr.chunks_exact(8);
        for ch in &mut it {
            for (c, &x) in c8.iter_mut().zip(ch) {
                c[x as usize] += 1;
            }
        }
        for &x in it.remainder() {
            c8[0][x as usize] += 1;
        }
        for (s, h) in hist[i].iter_mut().enumerate() {
            *h = c8.iter().map(|c| c[s]).sum();
        }
        add_row_sums(&scr.xrow, &db.copies, gap - i, gap, &mut scr.sums);
    }

    // Upper tails of the summed scores over the query column ranges the null needs.
    build_tails(&hist, n, w, k, &db.by_width, scr);

    // Best alignment of every copy: the largest complete score, then the largest overlap,
    // then the first configuration. Then the p-values. Both by width: the copies of one
    // width share their configurations' overlaps and the null.
    let mut entries: Vec<Entry> = (0..ncopies)
        .map(|ci| Entry {
            p: 0.0,
            score: 0.0,
            overlap: 0,
            copy: ci,
            offset: 0,
        })
        .collect();
    let mut pen: Vec<i32> = Vec::new();
    let mut idx: Vec<i64> = Vec::new();
    let mut p: Vec<f64> = Vec::new();
    for (l, group) in &db.by_width {
        let l = *l;
        let nconf = w + l - 1;
        let (mut cmin, mut cmax) = (1usize, nconf);
        if opts.min_overlap > 1 {
            let m = opts.min_overlap.min(w).min(l);
            cmin = cmin.max(m);
            cmax = cmax.min(w + l - m);
        }
        if opts.internal {
            cmin = cmin.max(w.min(l));
            cmax = cmax.min(w.max(l));
        }
        // Key `complete 256 + overlap` (overlap < 256) orders by complete score, then
        // overlap: `sum 256 - pen[conf]` with `pen = overlap k 256 - overlap`.
        // (Sums <= 100 w, overlaps <= w <= 100 and k <= 100: the keys fit in i32.) `pen`
        // is padded to whole vectors with a penalty no configuration reaches.
        debug_assert!(w <= 100 && k <= 100);
        let nk = cmax + 1 - cmin;
        pen.clear();
        pen.extend((cmin..=cmax).map(|conf| {
            let ov = conf.min(w).min(l).min(w + l - conf) as i32;
            ov * k as i32 * 256 - ov
        }));
        pen.resize(nk.next_multiple_of(8), PEN_PAD);
        idx.clear();
        for &ci in group {
            let ci = ci as usize;
            let r = db.copies[ci].start + ci * gap;
            let acc = &scr.sums[r + cmin - 1..r + cmin - 1 + pen.len()];
            let (best, best_j) = best_key(acc, &pen, nk);
            let (complete, ov) = (best >> 8, (best & 255) as usize);
            idx.push(complete + (w * k) as i64);
            let e = &mut entries[ci];
            e.score = complete as f64 / sc;
            e.overlap = ov;
            e.offset = (cmin + best_j) as i64 - w as i64;
        }

        // P(max >= idx) over the w + l - 1 alignments and both strands is
        // 1 - prod (1 - T2), accumulated step by step as p + t (1 - p), exact in relative
        // terms. `tails` starts with a 0 for sums above the range (p stays).
        p.clear();
        p.resize(group.len(), 0.0);
        for step in 0..nconf {
            let (a, bb) = step_range(w, l, step);
            let (base, toff, tlen) = scr.cells[a * w + bb];
            pvalue_step(&mut p, &idx, base, &scr.tails[toff..=toff + tlen]);
        }
        for (&pc, &ci) in p.iter().zip(group) {
            entries[ci as usize].p = pc as f32;
        }
    }

    entries
}

/// MEME's ranking key of an entry: p ascending, overlap descending, then strcmp of the
/// strand-prefixed ID ("+ID" < "-ID"); equal keys keep the copy order.
#[inline]
pub(super) fn entry_key(e: &Entry, c: &Copy, db: &TargetDb) -> u64 {
    let strand = (c.orientation == Orientation::Reverse) as u64;
    ((e.p.to_bits() as u64) << 32)
        | ((255 - e.overlap.min(255) as u64) << 24)
        | (strand << 23)
        | (db.id_rank[c.target] as u64 & 0x7f_ffff)
}

/// The entries of [`score_query`] (one per target copy, in copy order) sorted as MEME
/// ranks them.
pub(super) fn rank_entries(entries: Vec<Entry>, db: &TargetDb) -> Vec<Entry> {
    debug_assert!(db.id_rank.len() < 1 << 23);
    let mut keys: Vec<(u64, u32)> = entries
        .iter()
        .zip(&db.copies)
        .enumerate()
        .map(|(ci, (e, c))| (entry_key(e, c, db), ci as u32))
        .collect();
    keys.sort_unstable();
    let mut slots: Vec<Option<Entry>> = entries.into_iter().map(Some).collect();
    keys.iter()
        .map(|&(_, ci)| slots[ci as usize].take().expect("entry"))
        .collect()
}

/// Penalty of the padding configurations of [`best_key`]: their keys (at most
/// `65535 256 - PEN_PAD`) lie below every real one (at least `-100 100 256`).
pub(super) const PEN_PAD: i32 = 1 << 30;

/// The largest key `acc[j] 256 - pen[j]` over `j < nk` and its first `j`; `acc` and `pen`
/// extend to a multiple of 8 (`pen` padded with [`PEN_PAD`]).
#[inline(always)]
pub(super) fn best_key(acc: &[u16], pen: &[i32], nk: usize) -> (i64, usize) {
    assert!(nk > 0 && acc.len() == pen.len() && pen.len() == nk.next_multiple_of(8));
    #[cfg(target_arch = "x86_64")]
    {
        if let Some(cpu) = Avx2::detect() {
            // SAFETY: `cpu` proves the CPU has AVX2, FMA and POPCNT.
            return unsafe { best_key_avx2(cpu, acc, pen) };
        }
    }
    let (mut best, mut best_j) = (i64::MIN, 0);
    for (j, (&a, &pn)) in acc[..nk].iter().zip(pen).enumerate() {
        let key = a as i64 * 256 - pn as i64;
        if key > best {
            (best, best_j) = (key, j);
        }
    }
    (best, best_j)
}

/// [`best_key`], 8 keys at a time (the padding never wins).
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
pub(super) unsafe fn best_key_avx2(_cpu: Avx2, acc: &[u16], pen: &[i32]) -> (i64, usize) {
    use std::arch::x86_64::*;
    let n = pen.len();
    let key = |j: usize| {
        // SAFETY: j + 8 <= n = acc.len() = pen.len() (checked by `best_key`).
        unsafe {
            let a = _mm256_cvtepu16_epi32(_mm_loadu_si128(acc.as_ptr().add(j).cast()));
            _mm256_sub_epi32(
                _mm256_slli_epi32::<8>(a),
                _mm256_loadu_si256(pen.as_ptr().add(j).cast()),
            )
        }
    };
    let mut m = key(0);
    for j in (8..n).step_by(8) {
        m = _mm256_max_epi32(m, key(j));
    }
    let m = _mm_max_epi32(_mm256_castsi256_si128(m), _mm256_extracti128_si256::<1>(m));
    let m = _mm_max_epi32(m, _mm_shuffle_epi32::<0b01_00_11_10>(m));
    let m = _mm_max_epi32(m, _mm_shuffle_epi32::<0b10_11_00_01>(m));
    let best = _mm_cvtsi128_si32(m);
    let vb = _mm256_set1_epi32(best);
    let mut j = 0;
    loop {
        let eq = _mm256_movemask_ps(_mm256_castsi256_ps(_mm256_cmpeq_epi32(key(j), vb)));
        if eq != 0 {
            return (best as i64, j + eq.trailing_zeros() as usize);
        }
        j += 8;
    }
}

/// Lanes of [`add_row_sums`]' vector additions: `sums` and `x` need this many values of
/// slack.
pub(super) const SUM_LANES: usize = 16;

/// Adds one query row's quantised scores `x` to the alignment sums: copy c's columns go to
/// `sums[start_c + c gap + shift..]`.
#[inline(always)]
pub(super) fn add_row_sums(x: &[u8], copies: &[Copy], shift: usize, gap: usize, sums: &mut [u16]) {
    #[cfg(target_arch = "x86_64")]
    {
        if let Some(cpu) = Avx2::detect() {
            // SAFETY: `cpu` proves the CPU has AVX2, FMA and POPCNT.
            return unsafe { add_row_sums_avx2(cpu, x, copies, shift, gap, sums) };
        }
    }
    for (ci, c) in copies.iter().enumerate() {
        let d = c.start + ci * gap + shift;
        for (s, &v) in sums[d..d + c.len]
            .iter_mut()
            .zip(&x[c.start..c.start + c.len])
        {
            *s += v as u16;
        }
    }
}

/// [`add_row_sums`], 16 columns at a time; lanes past a copy's end add 0.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
pub(super) unsafe fn add_row_sums_avx2(
    _cpu: Avx2,
    x: &[u8],
    copies: &[Copy],
    shift: usize,
    gap: usize,
    sums: &mut [u16],
) {
    use std::arch::x86_64::*;
    let last = copies.last().expect("copies");
    let (ncols, ci_last) = (last.start + last.len, copies.len() - 1);
    assert!(x.len() >= ncols + SUM_LANES);
    assert!(sums.len() >= ncols + ci_last * gap + shift + SUM_LANES);
    let lane = _mm_setr_epi8(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15);
    for (ci, c) in copies.iter().enumerate() {
        let d = c.start + ci * gap + shift;
        let mut j = 0;
        while j < c.len {
            let keep = _mm_cmpgt_epi8(_mm_set1_epi8((c.len - j).min(16) as i8), lane);
            // SAFETY: c.start + j + 16 <= x.len() and d + j + 16 <= sums.len() (asserted
            // above: the copies' columns and ranges ascend).
            unsafe {
                let v = _mm_and_si128(_mm_loadu_si128(x.as_ptr().add(c.start + j).cast()), keep);
                let sp = sums.as_mut_ptr().add(d + j).cast::<__m256i>();
                _mm256_storeu_si256(
                    sp,
                    _mm256_add_epi16(_mm256_loadu_si256(sp), _mm256_cvtepu8_epi16(v)),
                );
            }
            j += 16;
        }
    }
}

/// `x = floor(((v - m) - off) sc + 0.5)` for exact scores (t >= 0.5, so truncation is the
/// floor, and x lies in 0..=100).
#[inline(always)]
pub(super) fn quantise_row(row: &[f64], m: f64, off: f64, sc: f64, xr: &mut [u8]) {
    #[cfg(target_arch = "x86_64")]
    {
        if let Some(cpu) = Avx2::detect() {
            // SAFETY: `cpu` proves the CPU has AVX2, FMA and POPCNT.
            unsafe { quantise_row_avx2(cpu, row, m, off, sc, xr) };
            return;
        }
    }
    for (&v, x) in row.iter().zip(xr.iter_mut()) {
        *x = (((v - m) - off) * sc + 0.5) as i32 as u8;
    }
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
pub(super) unsafe fn quantise_row_avx2(
    _cpu: Avx2,
    row: &[f64],
    m: f64,
    off: f64,
    sc: f64,
    xr: &mut [u8],
) {
    use std::arch::x86_64::*;
    assert_eq!(row.len(), xr.len());
    let (vm, voff, vsc, half) = (
        _mm256_set1_pd(m),
        _mm256_set1_pd(off),
        _mm256_set1_pd(sc),
        _mm256_set1_pd(0.5),
    );
    let q = |p: *const f64| {
        // SAFETY: the caller passes a pointer to 4 readable values.
        let v = unsafe { _mm256_loadu_pd(p) };
        let t = _mm256_add_pd(
            _mm256_mul_pd(_mm256_sub_pd(_mm256_sub_pd(v, vm), voff), vsc),
            half,
        );
        _mm256_cvttpd_epi32(t)
    };
    let n16 = row.len() / 16 * 16;
    let mut j = 0;
    while j < n16 {
        let p = row.as_ptr().wrapping_add(j);
        let (a, b, c, d) = (
            q(p),
            q(p.wrapping_add(4)),
            q(p.wrapping_add(8)),
            q(p.wrapping_add(12)),
        );
        let x = _mm_packus_epi16(_mm_packs_epi32(a, b), _mm_packs_epi32(c, d));
        // SAFETY: j + 16 <= xr.len().
        unsafe { _mm_storeu_si128(xr.as_mut_ptr().add(j).cast(), x) };
        j += 16;
    }
    for (&v, x) in row[n16..].iter().zip(xr[n16..].iter_mut()) {
        *x = (((v - m) - off) * sc + 0.5) as i32 as u8;
    }
}

/// `x = clamp(trunc(((v - m) - off) sc + 0.5), 0, 100)` for approximate scores; returns
/// whether some value lies within `eta` of a rounding boundary (where the exact score must
/// decide).
#[inline(always)]
pub(super) fn quantise_row_checked(
    row: &[f64],
    m: f64,
    off: f64,
    sc: f64,
    eta: f64,
    xr: &mut [u8],
) -> bool {
    #[cfg(target_arch = "x86_64")]
    {
        if let Some(cpu) = Avx2::detect() {
            // SAFETY: `cpu` proves the CPU has AVX2, FMA and POPCNT.
            return unsafe { quantise_row_checked_avx2(cpu, row, m, off, sc, eta, xr) };
        }
    }
    let mut bad = false;
    for (&v, x) in row.iter().zip(xr.iter_mut()) {
        bad |= quantise_checked(v, m, off, sc, eta, x);
    }
    bad
}

/// One value of [`quantise_row_checked`].
#[inline(always)]
pub(super) fn quantise_checked(v: f64, m: f64, off: f64, sc: f64, eta: f64, x: &mut u8) -> bool {
    let t = ((v - m) - off) * sc + 0.5;
    let xi = (t as i32).clamp(0, 100);
    let f = t - xi as f64;
    *x = xi as u8;
    (f < eta) | (f > 1.0 - eta)
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
pub(super) unsafe fn quantise_row_checked_avx2(
    _cpu: Avx2,
    row: &[f64],
    m: f64,
    off: f64,
    sc: f64,
    eta: f64,
    xr: &mut [u8],
) -> bool {
    use std::arch::x86_64::*;
    assert_eq!(row.len(), xr.len());
    let (vm, voff, vsc, half) = (
        _mm256_set1_pd(m),
        _mm256_set1_pd(off),
        _mm256_set1_pd(sc),
        _mm256_set1_pd(0.5),
    );
    let (veta, vhi) = (_mm256_set1_pd(eta), _mm256_set1_pd(1.0 - eta));
    let (zero, hundred) = (_mm_setzero_si128(), _mm_set1_epi32(100));
    let mut bad = _mm256_setzero_pd();
    let n4 = row.len() / 4 * 4;
    let mut j = 0;
    while j < n4 {
        // SAFETY: j + 4 <= row.len() = xr.len().
        unsafe {
            let v = _mm256_loadu_pd(row.as_ptr().add(j));
            let t = _mm256_add_pd(
                _mm256_mul_pd(_mm256_sub_pd(_mm256_sub_pd(v, vm), voff), vsc),
                half,
            );
            let xi = _mm_min_epi32(_mm_max_epi32(_mm256_cvttpd_epi32(t), zero), hundred);
            let f = _mm256_sub_pd(t, _mm256_cvtepi32_pd(xi));
            bad = _mm256_or_pd(
                bad,
                _mm256_or_pd(
                    _mm256_cmp_pd::<_CMP_LT_OQ>(f, veta),
                    _mm256_cmp_pd::<_CMP_GT_OQ>(f, vhi),
                ),
            );
            let b = _mm_packus_epi16(_mm_packs_epi32(xi, zero), zero);
            xr.as_mut_ptr()
                .add(j)
                .cast::<i32>()
                .write_unaligned(_mm_cvtsi128_si32(b));
        }
        j += 4;
    }
    let mut any = _mm256_movemask_pd(bad) != 0;
    for (&v, x) in row[n4..].iter().zip(xr[n4..].iter_mut()) {
        any |= quantise_checked(v, m, off, sc, eta, x);
    }
    any
}
