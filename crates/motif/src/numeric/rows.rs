//! Order statistics of a row of scores (Tomtom's per-row medians): a summary, a bracket
//! around the median from a sample, and the values gathered inside it, vectorised behind
//! an [`Avx2`] proof.

use super::{Avx2, median_ranks};

/// What [`RowOrder::summarise`] finds out about a row of values (no NaNs).
#[derive(Debug, Clone, Copy)]
pub(crate) struct RowSummary {
    /// Smallest value.
    pub(crate) min: f64,
    /// Largest value.
    pub(crate) max: f64,
    /// The two order statistics (at [`median_ranks`]) whose mean is the lower median.
    pub(crate) median: (f64, f64),
}

/// Order statistics of rows of values, found in one vectorised pass per row: the values
/// between two pivots taken from a sample (which bracket the median) are gathered (with
/// their indices on request), and only those are selected from. Holds working memory
/// reused between rows, and the bracket of the last row for [`RowOrder::near`].
#[derive(Default)]
pub(crate) struct RowOrder {
    /// Values of the last row in `[lo, hi]`, in row order (plus 4 spare slots).
    vals: Vec<f64>,
    /// Their indices in the row (plus 4 spare slots), when `indices`.
    idx: Vec<u32>,
    /// Number of gathered values.
    len: usize,
    /// Number of values of the last row below `lo`.
    below: usize,
    /// The last row's bracket.
    lo: f64,
    hi: f64,
    /// Whether `idx` is kept.
    indices: bool,
    /// Selection keys of the gathered values.
    keys: Vec<u64>,
    /// Bins of the gathered values (see [`RowOrder::select`]).
    bins: Vec<u8>,
}

/// Rows shorter than this are gathered whole instead of bracketed from a sample.
const BRACKET_MIN: usize = 2048;

impl RowOrder {
    /// Extremes and lower-median pair of `row` (no NaNs); `indices`: also keep the indices
    /// of the bracketed values, for [`Self::near`].
    pub(crate) fn summarise(&mut self, row: &[f64], indices: bool) -> RowSummary {
        self.indices = indices;
        let n = row.len();
        assert!(n > 0 && n < u32::MAX as usize, "row length {n}");
        let (i1, i2) = median_ranks(n);
        let (lo, hi) = if n >= BRACKET_MIN {
            sample_pivots(row, i1)
        } else {
            (f64::NEG_INFINITY, f64::INFINITY)
        };
        let (mut min, mut max) = self.gather(row, lo, hi);
        if i1 < self.below || i2 >= self.below + self.len {
            // The sample missed the median: gather the whole row.
            (min, max) = self.gather(row, f64::NEG_INFINITY, f64::INFINITY);
        }
        let (blo, bhi) = (self.lo.max(min), self.hi.min(max));
        let median = self.select(i1 - self.below, i2 - self.below, blo, bhi);
        RowSummary { min, max, median }
    }

    /// For the row last summarised: when `[lo, hi]` lies within the gathered bracket, the
    /// number of values below `lo` and the indices of the values in `[lo, hi]` (in row
    /// order); `None` otherwise.
    pub(crate) fn near(&self, lo: f64, hi: f64) -> Option<(usize, impl Iterator<Item = usize>)> {
        if !self.indices || lo < self.lo || hi > self.hi {
            return None;
        }
        let vals = &self.vals[..self.len];
        let below = self.below + vals.iter().filter(|&&v| v < lo).count();
        let inside = vals
            .iter()
            .zip(&self.idx)
            .filter(move |&(&v, _)| v >= lo && v <= hi)
            .map(|(_, &j)| j as usize);
        Some((below, inside))
    }

    /// Gathers the values of `row` in `[lo, hi]` and counts those below `lo`; returns the
    /// row's extremes.
    fn gather(&mut self, row: &[f64], lo: f64, hi: f64) -> (f64, f64) {
        let n = row.len();
        if self.vals.len() < n + 4 {
            self.vals.resize(n + 4, 0.0);
            self.idx.resize(n + 4, 0);
        }
        self.lo = lo;
        self.hi = hi;
        #[cfg(target_arch = "x86_64")]
        {
            if let Some(cpu) = Avx2::detect() {
                // SAFETY: `cpu` proves the CPU has AVX2, FMA and POPCNT.
                return unsafe {
                    if self.indices {
                        self.gather_avx2::<true>(cpu, row)
                    } else {
                        self.gather_avx2::<false>(cpu, row)
                    }
                };
            }
        }
        let (mut min, mut max) = (f64::INFINITY, f64::NEG_INFINITY);
        let (mut below, mut len) = (0, 0);
        for (j, &v) in row.iter().enumerate() {
            min = min.min(v);
            max = max.max(v);
            below += (v < lo) as usize;
            if v >= lo && v <= hi {
                self.vals[len] = v;
                self.idx[len] = j as u32;
                len += 1;
            }
        }
        self.below = below;
        self.len = len;
        (min, max)
    }

    /// [`Self::gather`] with AVX2 (indices only with `IDX`): 4 values at a time, the
    /// selected lanes moved to the front with a permutation looked up from the lane mask.
    #[cfg(target_arch = "x86_64")]
    #[target_feature(enable = "avx2,popcnt")]
    unsafe fn gather_avx2<const IDX: bool>(&mut self, _cpu: Avx2, row: &[f64]) -> (f64, f64) {
        use std::arch::x86_64::*;
        // For each 4-lane mask: the 32-bit lanes that move the selected f64 lanes (and the
        // selected u32 lanes) to the front, in order.
        const PERM: ([[i32; 8]; 16], [[i32; 4]; 16]) = {
            let mut p64 = [[0i32; 8]; 16];
            let mut p32 = [[0i32; 4]; 16];
            let mut m = 0;
            while m < 16 {
                let mut k = 0;
                let mut lane = 0i32;
                while lane < 4 {
                    if m >> lane & 1 == 1 {
                        p64[m][2 * k] = 2 * lane;
                        p64[m][2 * k + 1] = 2 * lane + 1;
                        p32[m][k] = lane;
                        k += 1;
                    }
                    lane += 1;
                }
                m += 1;
            }
            (p64, p32)
        };
        let n = row.len();
        let (vlo, vhi) = (_mm256_set1_pd(self.lo), _mm256_set1_pd(self.hi));
        let mut vmin = _mm256_set1_pd(f64::INFINITY);
        let mut vmax = _mm256_set1_pd(f64::NEG_INFINITY);
        // Per-lane counts of values below `lo`, as negated all-ones masks.
        let mut vbelow = _mm256_setzero_si256();
        let mut vidx = _mm_setr_epi32(0, 1, 2, 3);
        let four = _mm_set1_epi32(4);
        let (vals, idx) = (self.vals.as_mut_ptr(), self.idx.as_mut_ptr());
        let mut len = 0usize;
        let mut step = |j: usize| {
            // SAFETY: the callers keep j + 4 <= n; `vals` and `idx` hold n + 4 slots and
            // len <= j, so the 4-lane stores at `len` stay inside them.
            unsafe {
                let v = _mm256_loadu_pd(row.as_ptr().add(j));
                vmin = _mm256_min_pd(vmin, v);
                vmax = _mm256_max_pd(vmax, v);
                let lt = _mm256_cmp_pd::<_CMP_LT_OQ>(v, vlo);
                vbelow = _mm256_sub_epi64(vbelow, _mm256_castpd_si256(lt));
                let inside = _mm256_andnot_pd(lt, _mm256_cmp_pd::<_CMP_LE_OQ>(v, vhi));
                let m = _mm256_movemask_pd(inside) as usize;
                let p64 = _mm256_loadu_si256(PERM.0[m].as_ptr().cast());
                let sv = _mm256_permutevar8x32_ps(_mm256_castpd_ps(v), p64);
                _mm256_storeu_ps(vals.add(len).cast(), sv);
                if IDX {
                    let p32 = _mm_loadu_si128(PERM.1[m].as_ptr().cast());
                    let si = _mm_permutevar_ps(_mm_castsi128_ps(vidx), p32);
                    _mm_storeu_ps(idx.add(len).cast(), si);
                    vidx = _mm_add_epi32(vidx, four);
                }
                len += m.count_ones() as usize;
            }
        };
        let n4 = n / 4 * 4;
        let n8 = n / 8 * 8;
        let mut j = 0;
        while j < n8 {
            step(j);
            step(j + 4);
            j += 8;
        }
        if n8 < n4 {
            step(n8);
        }
        let (mut lo4, mut hi4, mut b4) = ([0.0f64; 4], [0.0f64; 4], [0u64; 4]);
        // SAFETY: 4-lane arrays; unaligned stores.
        unsafe {
            _mm256_storeu_pd(lo4.as_mut_ptr(), vmin);
            _mm256_storeu_pd(hi4.as_mut_ptr(), vmax);
            _mm256_storeu_si256(b4.as_mut_ptr().cast(), vbelow);
        }
        let mut min = lo4.iter().copied().fold(f64::INFINITY, f64::min);
        let mut max = hi4.iter().copied().fold(f64::NEG_INFINITY, f64::max);
        let mut below = b4.iter().sum::<u64>() as usize;
        for (jj, &v) in row.iter().enumerate().skip(n4) {
            min = min.min(v);
            max = max.max(v);
            below += (v < self.lo) as usize;
            if v >= self.lo && v <= self.hi {
                self.vals[len] = v;
                self.idx[len] = jj as u32;
                len += 1;
            }
        }
        self.below = below;
        self.len = len;
        (min, max)
    }

    /// Order statistics `r1 <= r2` (adjacent or equal) of the gathered values, which lie
    /// in `[lo, hi]`: the values are counted into bins of equal width (a monotone map, so
    /// the bins are ordered), and only the bins holding `r1` and `r2` are selected from.
    fn select(&mut self, r1: usize, r2: usize, lo: f64, hi: f64) -> (f64, f64) {
        let vals = &self.vals[..self.len];
        let scale = SELECT_BINS as f64 / (hi - lo);
        self.keys.clear();
        // Bins `first..=last` hold ranks r1 and r2; `skip` values lie in earlier bins.
        let mut skip = 0;
        if scale.is_finite() && scale > 0.0 && vals.len() > 4 * SELECT_BINS {
            self.bins.resize(vals.len(), 0);
            bin_values(vals, lo, scale, &mut self.bins);
            // Four interleaved counts: consecutive increments rarely wait for each other.
            let mut count4 = [[0u32; SELECT_BINS]; 4];
            let mut it = self.bins.chunks_exact(4);
            for b in &mut it {
                for (c, &b) in count4.iter_mut().zip(b) {
                    c[b as usize] += 1;
                }
            }
            for &b in it.remainder() {
                count4[0][b as usize] += 1;
            }
            let count = |b: usize| count4.iter().map(|c| c[b] as usize).sum::<usize>();
            let mut first = 0;
            while skip + count(first) <= r1 {
                skip += count(first);
                first += 1;
            }
            let (mut last, mut upto) = (first, skip + count(first));
            while upto <= r2 {
                last += 1;
                upto += count(last);
            }
            let span = (last - first) as u8;
            for (&v, &b) in vals.iter().zip(&self.bins) {
                if b.wrapping_sub(first as u8) <= span {
                    self.keys.push(order_key(v));
                }
            }
        } else {
            self.keys.extend(vals.iter().map(|&v| order_key(v)));
        }
        // Integer keys: cheaper comparisons.
        let (_, a, right) = self.keys.select_nth_unstable(r1 - skip);
        let a = from_order_key(*a);
        let b = if r2 == r1 {
            a
        } else {
            from_order_key(*right.iter().min().expect("r2 among the gathered values"))
        };
        (a, b)
    }
}

/// Bins of [`RowOrder::select`].
const SELECT_BINS: usize = 256;

/// `bins[i] = min(trunc((vals[i] - lo) scale), SELECT_BINS - 1)`: a monotone map of
/// `[lo, hi]` onto the bins (`scale = SELECT_BINS / (hi - lo)`, finite and positive; every
/// value lies in `[lo, hi]`).
fn bin_values(vals: &[f64], lo: f64, scale: f64, bins: &mut [u8]) {
    #[cfg(target_arch = "x86_64")]
    {
        if let Some(cpu) = Avx2::detect() {
            // SAFETY: `cpu` proves the CPU has AVX2, FMA and POPCNT.
            return unsafe { bin_values_avx2(cpu, vals, lo, scale, bins) };
        }
    }
    for (b, &v) in bins.iter_mut().zip(vals) {
        *b = bin_value(v, lo, scale);
    }
}

/// One value of [`bin_values`].
#[inline(always)]
fn bin_value(v: f64, lo: f64, scale: f64) -> u8 {
    (((v - lo) * scale) as usize).min(SELECT_BINS - 1) as u8
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
unsafe fn bin_values_avx2(_cpu: Avx2, vals: &[f64], lo: f64, scale: f64, bins: &mut [u8]) {
    use std::arch::x86_64::*;
    assert_eq!(vals.len(), bins.len());
    let (vlo, vsc) = (_mm256_set1_pd(lo), _mm256_set1_pd(scale));
    let (zero, top) = (_mm_setzero_si128(), _mm_set1_epi32(SELECT_BINS as i32 - 1));
    let n4 = vals.len() / 4 * 4;
    let mut j = 0;
    while j < n4 {
        // SAFETY: j + 4 <= vals.len() = bins.len(). The products lie in
        // [0, SELECT_BINS (1 + 2^-52)], where truncation agrees with `bin_value`.
        unsafe {
            let x = _mm256_mul_pd(
                _mm256_sub_pd(_mm256_loadu_pd(vals.as_ptr().add(j)), vlo),
                vsc,
            );
            let b = _mm_min_epi32(_mm256_cvttpd_epi32(x), top);
            let b = _mm_packus_epi16(_mm_packs_epi32(b, zero), zero);
            bins.as_mut_ptr()
                .add(j)
                .cast::<i32>()
                .write_unaligned(_mm_cvtsi128_si32(b));
        }
        j += 4;
    }
    for (b, &v) in bins[n4..].iter_mut().zip(&vals[n4..]) {
        *b = bin_value(v, lo, scale);
    }
}

/// Integer key ordered like `f64::total_cmp`.
#[inline(always)]
fn order_key(x: f64) -> u64 {
    let b = x.to_bits();
    if b >> 63 == 1 { !b } else { b | 1 << 63 }
}

/// The value of an [`order_key`].
#[inline(always)]
fn from_order_key(k: u64) -> f64 {
    f64::from_bits(if k >> 63 == 1 { k & !(1 << 63) } else { !k })
}

/// Two values of a long row that likely bracket its order statistic `i1`: order statistics
/// of an evenly spaced sample, 32 sample ranks either side of `i1`'s.
fn sample_pivots(v: &[f64], i1: usize) -> (f64, f64) {
    let n = v.len();
    const NS: usize = 512;
    const MARGIN: usize = 32;
    let step = n / NS;
    let mut sample: [u64; NS] = std::array::from_fn(|k| order_key(v[k * step + step / 2]));
    let centre = i1 * NS / n;
    let (r_lo, r_hi) = (centre.saturating_sub(MARGIN), (centre + MARGIN).min(NS - 1));
    let (_, lo, right) = sample.select_nth_unstable(r_lo);
    let lo = *lo;
    let hi = if r_hi == r_lo {
        lo
    } else {
        *right.select_nth_unstable(r_hi - r_lo - 1).1
    };
    (from_order_key(lo), from_order_key(hi))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::numeric::Mt19937;

    #[test]
    fn row_summary_and_bracket() {
        // The sample (every 8th value from the 5th) holds only large values, so the
        // bracket misses the median and the whole row is gathered.
        let n = 4096;
        let v: Vec<f64> = (0..n)
            .map(|j| {
                if j % 8 == 4 {
                    1e9 + j as f64
                } else {
                    (j * 7919 % n) as f64
                }
            })
            .collect();
        let mut s = v.clone();
        s.sort_by(|a, b| a.total_cmp(b));
        let mut order = RowOrder::default();
        let sum = order.summarise(&v, true);
        assert_eq!(sum.median, (s[n / 2 - 1], s[n / 2 - 1]));
        assert_eq!((sum.min, sum.max), (s[0], s[n - 1]));
        // Values near the median, by index, and the count of those below.
        let (lo, hi) = (s[100], s[200]);
        let (below, near) = order.near(lo, hi).expect("within the gathered values");
        let mut near: Vec<f64> = near.map(|j| v[j]).collect();
        near.sort_by(|a, b| a.total_cmp(b));
        assert_eq!(below, 100);
        assert_eq!(near, s[100..=200].to_vec());
        // Without indices there is no `near`.
        let mut g = Mt19937::new(7);
        let w: Vec<f64> = (0..20000).map(|_| -g.next_f64().sqrt()).collect();
        let sum = order.summarise(&w, false);
        let mut t = w.clone();
        t.sort_by(|a, b| a.total_cmp(b));
        assert_eq!(sum.median, (t[9999], t[9999]));
        assert!(order.near(t[9999], t[9999]).is_none());
    }
}
