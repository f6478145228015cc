//! Small numerical helpers whose exact behaviour decides whether printed numbers match the
//! MEME suite: significant-digit rounding, C `%g` formatting, the lower median and the
//! MT19937 generator with its 1998 seeding.

/// Proof that this CPU runs the vectorised code paths (AVX2 with FMA and POPCNT, as every
/// x86-64-v3 CPU): made only by [`Avx2::detect`], and taken by every `_avx2` kernel, so
/// none can be reached without run-time detection (the style of `nn`'s `Simd` and
/// lightmotif's pipelines). The portable paths compute the same numbers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Avx2 {
    _detected: (),
}

impl Avx2 {
    /// The proof, when the CPU has AVX2, FMA and POPCNT; never when built with `--cfg
    /// explainn_portable`, which runs the portable paths on any CPU (they must print the
    /// same numbers).
    #[inline(always)]
    pub(crate) fn detect() -> Option<Self> {
        #[cfg(target_arch = "x86_64")]
        if !cfg!(explainn_portable)
            && std::arch::is_x86_feature_detected!("avx2")
            && std::arch::is_x86_feature_detected!("fma")
            && std::arch::is_x86_feature_detected!("popcnt")
        {
            return Some(Avx2 { _detected: () });
        }
        None
    }
}

/// Round `x` to `digits` significant decimal digits the way MEME does: the decimal exponent
/// comes from `ln|x| / 2.30258509299405` and the mantissa is rounded half to even.
pub(crate) fn rnd(x: f64, digits: i32) -> f64 {
    if x == 0.0 || !x.is_finite() {
        return x;
    }
    let a = x.abs();
    let e = fast_exponent(a, digits);
    let z = pow10(e);
    let r = rint(z * a) / z;
    if x < 0.0 { -r } else { r }
}

/// `ceil(digits - 1 - ln(a)/2.30258509299405)`, computed with a table lookup except close
/// to a power of ten, where the logarithm decides.
#[inline]
fn fast_exponent(a: f64, digits: i32) -> i32 {
    let slow = || ((digits - 1) as f64 - a.ln() / 2.302_585_092_994_05).ceil() as i32;
    // Approximate decimal exponent from the binary one.
    let bexp = ((a.to_bits() >> 52) & 0x7ff) as i32 - 1023;
    if !(-300..=300).contains(&bexp) {
        return slow();
    }
    let mut j = floor((bexp as f64) * std::f64::consts::LOG10_2) as i32;
    // Make 10^j <= a < 10^(j+1).
    while pow10(j) > a {
        j -= 1;
    }
    while pow10(j + 1) <= a {
        j += 1;
    }
    let lo = pow10(j);
    let hi = pow10(j + 1);
    if a < lo * (1.0 + 1e-9) || a > hi * (1.0 - 1e-9) {
        return slow();
    }
    // log10(a) lies strictly inside (j, j+1): ceil(digits-1-t) = digits-1-j.
    digits - 1 - j
}

/// Powers of ten 1e-40 ..= 1e40, each the correctly rounded literal.
const POW10: [f64; 81] = [
    1e-40, 1e-39, 1e-38, 1e-37, 1e-36, 1e-35, 1e-34, 1e-33, 1e-32, 1e-31, 1e-30, 1e-29, 1e-28,
    1e-27, 1e-26, 1e-25, 1e-24, 1e-23, 1e-22, 1e-21, 1e-20, 1e-19, 1e-18, 1e-17, 1e-16, 1e-15,
    1e-14, 1e-13, 1e-12, 1e-11, 1e-10, 1e-9, 1e-8, 1e-7, 1e-6, 1e-5, 1e-4, 1e-3, 1e-2, 1e-1, 1e0,
    1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15, 1e16, 1e17,
    1e18, 1e19, 1e20, 1e21, 1e22, 1e23, 1e24, 1e25, 1e26, 1e27, 1e28, 1e29, 1e30, 1e31, 1e32, 1e33,
    1e34, 1e35, 1e36, 1e37, 1e38, 1e39, 1e40,
];

#[inline]
fn pow10(e: i32) -> f64 {
    let i = e + 40;
    if (0..=80).contains(&i) {
        POW10[i as usize]
    } else {
        pow10_slow(e)
    }
}

#[cold]
#[inline(never)]
fn pow10_slow(e: i32) -> f64 {
    format!("1e{e}").parse().unwrap()
}

/// `floor` without a libm call (exact for all finite inputs).
#[inline]
pub(crate) fn floor(x: f64) -> f64 {
    if x.abs() >= 4_503_599_627_370_496.0 || x.is_nan() {
        return x;
    }
    let t = x as i64 as f64;
    if t > x { t - 1.0 } else { t }
}

/// Round half to even without a libm call (exact for all finite inputs).
#[inline]
pub(crate) fn rint(x: f64) -> f64 {
    const TWO52: f64 = 4_503_599_627_370_496.0;
    let a = x.abs();
    if a >= TWO52 || x.is_nan() {
        return x;
    }
    let r = (a + TWO52) - TWO52;
    if x < 0.0 { -r } else { r }
}

/// C's `printf("%.*g", prec, x)`.
pub(crate) fn fmt_g(x: f64, prec: usize) -> String {
    let prec = prec.max(1);
    if x == 0.0 {
        return if x.is_sign_negative() {
            "-0".into()
        } else {
            "0".into()
        };
    }
    if x.is_nan() {
        return "nan".into();
    }
    if x.is_infinite() {
        return if x < 0.0 { "-inf".into() } else { "inf".into() };
    }
    let e_form = format!("{:.*e}", prec - 1, x);
    let (mant, exp) = e_form.split_once('e').expect("exponent");
    let exp: i32 = exp.parse().expect("exponent digits");
    if exp < -4 || exp >= prec as i32 {
        let mant = strip_zeros(mant);
        let sign = if exp < 0 { '-' } else { '+' };
        format!("{mant}e{sign}{:02}", exp.abs())
    } else {
        let decimals = (prec as i32 - 1 - exp).max(0) as usize;
        strip_zeros(&format!("{x:.decimals$}")).to_string()
    }
}

fn strip_zeros(s: &str) -> &str {
    if s.contains('.') {
        s.trim_end_matches('0').trim_end_matches('.')
    } else {
        s
    }
}

/// Lower median of a slice as Tomtom defines it: with `n` values, the mean of the order
/// statistics `max(n/2-1, 0)` and `max(ceil(n/2)-1, that)`.
#[cfg(test)]
pub(crate) fn lower_median(v: &[f64]) -> f64 {
    let s = RowOrder::default().summarise(v, false);
    (s.median.0 + s.median.1) / 2.0
}

/// Ranks of the two order statistics whose mean is the lower median of `n` values.
pub(crate) fn median_ranks(n: usize) -> (usize, usize) {
    let i1 = (n / 2).saturating_sub(1);
    let i2 = n.div_ceil(2).saturating_sub(1).max(i1);
    (i1, i2)
}

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

/// One word of the MT19937 state update from the word, its successor and the word 397
/// places on (cyclically).
#[inline(always)]
fn twist_word(a: u32, b: u32, c: u32) -> u32 {
    const UPPER: u32 = 0x8000_0000;
    const LOWER: u32 = 0x7fff_ffff;
    const MAG: u32 = 0x9908_b0df;
    let y = (a & UPPER) | (b & LOWER);
    c ^ (y >> 1) ^ ((y & 1).wrapping_neg() & MAG)
}

/// [`Mt19937::twist`] one word at a time.
fn twist_scalar(mt: &mut [u32; 624]) {
    for k in 0..227 {
        mt[k] = twist_word(mt[k], mt[k + 1], mt[k + 397]);
    }
    for k in 227..623 {
        mt[k] = twist_word(mt[k], mt[k + 1], mt[k - 227]);
    }
    mt[623] = twist_word(mt[623], mt[0], mt[396]);
}

/// [`Mt19937::twist`], 8 words at a time: every word's inputs are either not yet updated
/// (its successor and, below 227, the word 397 on) or updated at least 227 words earlier.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
unsafe fn twist_avx2(_cpu: Avx2, mt: &mut [u32; 624]) {
    use std::arch::x86_64::*;
    let p = mt.as_mut_ptr();
    let (upper, lower) = (_mm256_set1_epi32(i32::MIN), _mm256_set1_epi32(i32::MAX));
    let (one, mag) = (
        _mm256_set1_epi32(1),
        _mm256_set1_epi32(0x9908_b0df_u32 as i32),
    );
    // SAFETY (both closures): the callers keep k + 9 <= 624 and src + 8 <= 624.
    let step8 = |k: usize, src: usize| unsafe {
        let a = _mm256_loadu_si256(p.add(k).cast());
        let b = _mm256_loadu_si256(p.add(k + 1).cast());
        let c = _mm256_loadu_si256(p.add(src).cast());
        let y = _mm256_or_si256(_mm256_and_si256(a, upper), _mm256_and_si256(b, lower));
        let odd = _mm256_cmpeq_epi32(_mm256_and_si256(y, one), one);
        let r = _mm256_xor_si256(
            _mm256_xor_si256(c, _mm256_srli_epi32::<1>(y)),
            _mm256_and_si256(odd, mag),
        );
        _mm256_storeu_si256(p.add(k).cast(), r);
    };
    let mut k = 0;
    while k + 8 <= 227 {
        step8(k, k + 397);
        k += 8;
    }
    while k < 227 {
        mt[k] = twist_word(mt[k], mt[k + 1], mt[k + 397]);
        k += 1;
    }
    while k + 8 <= 623 {
        step8(k, k - 227);
        k += 8;
    }
    while k < 623 {
        mt[k] = twist_word(mt[k], mt[k + 1], mt[k - 227]);
        k += 1;
    }
    mt[623] = twist_word(mt[623], mt[0], mt[396]);
}

/// Bootstrap indices `min((int)(x * m), m - 1)` from consecutive output pairs of the raw
/// state words `w` (tempered here), `x = ((r1 << 32) | r2) 2^-64`.
#[inline(always)]
fn draws_from_words(w: &[u32], m: usize, out: &mut [u32]) {
    #[cfg(target_arch = "x86_64")]
    {
        if let Some(cpu) = Avx2::detect() {
            // SAFETY: `cpu` proves the CPU has AVX2, FMA and POPCNT.
            return unsafe { draws_from_words_avx2(cpu, w, m, out) };
        }
    }
    for (d, p) in out.iter_mut().zip(w.chunks_exact(2)) {
        *d = draw_index(temper(p[0]), temper(p[1]), m);
    }
}

/// One bootstrap index from the outputs `hi`, `lo`.
#[inline(always)]
fn draw_index(hi: u32, lo: u32, m: usize) -> u32 {
    // (hi 2^32 + lo) rounds once: the same double as `u64 as f64`.
    let x =
        (u32_to_f64(hi) * 4_294_967_296.0 + u32_to_f64(lo)) * (1.0 / 18_446_744_073_709_551_616.0);
    ((x * m as f64) as i32).min(m as i32 - 1) as u32
}

/// [`draws_from_words`], 4 draws at a time with the same arithmetic.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
unsafe fn draws_from_words_avx2(_cpu: Avx2, w: &[u32], m: usize, out: &mut [u32]) {
    use std::arch::x86_64::*;
    assert!(w.len() >= 2 * out.len());
    let temper8 = |y: __m256i| {
        let y = _mm256_xor_si256(y, _mm256_srli_epi32::<11>(y));
        let y = _mm256_xor_si256(
            y,
            _mm256_and_si256(
                _mm256_slli_epi32::<7>(y),
                _mm256_set1_epi32(0x9d2c_5680_u32 as i32),
            ),
        );
        let y = _mm256_xor_si256(
            y,
            _mm256_and_si256(
                _mm256_slli_epi32::<15>(y),
                _mm256_set1_epi32(0xefc6_0000_u32 as i32),
            ),
        );
        _mm256_xor_si256(y, _mm256_srli_epi32::<18>(y))
    };
    let magic = _mm256_set1_epi64x(0x4330_0000_0000_0000);
    let two52 = _mm256_set1_pd(4_503_599_627_370_496.0);
    let low32 = _mm256_set1_epi64x(0xffff_ffff);
    let (two32, two_m64) = (
        _mm256_set1_pd(4_294_967_296.0),
        _mm256_set1_pd(1.0 / 18_446_744_073_709_551_616.0),
    );
    let (mf, mmax) = (_mm256_set1_pd(m as f64), _mm_set1_epi32(m as i32 - 1));
    let n4 = out.len() / 4 * 4;
    let mut j = 0;
    while j < n4 {
        // SAFETY: 2 j + 8 <= w.len() and j + 4 <= out.len().
        unsafe {
            let t = temper8(_mm256_loadu_si256(w.as_ptr().add(2 * j).cast()));
            // Little-endian 64-bit lanes: the first output of a pair is the low half.
            let hi = _mm256_sub_pd(
                _mm256_castsi256_pd(_mm256_or_si256(_mm256_and_si256(t, low32), magic)),
                two52,
            );
            let lo = _mm256_sub_pd(
                _mm256_castsi256_pd(_mm256_or_si256(_mm256_srli_epi64::<32>(t), magic)),
                two52,
            );
            let x = _mm256_mul_pd(_mm256_add_pd(_mm256_mul_pd(hi, two32), lo), two_m64);
            let d = _mm_min_epi32(_mm256_cvttpd_epi32(_mm256_mul_pd(x, mf)), mmax);
            _mm_storeu_si128(out.as_mut_ptr().add(j).cast(), d);
        }
        j += 4;
    }
    for (d, p) in out[n4..].iter_mut().zip(w[2 * n4..].chunks_exact(2)) {
        *d = draw_index(temper(p[0]), temper(p[1]), m);
    }
}

#[inline(always)]
fn temper(mut y: u32) -> u32 {
    y ^= y >> 11;
    y ^= (y << 7) & 0x9d2c_5680;
    y ^= (y << 15) & 0xefc6_0000;
    y ^= y >> 18;
    y
}

/// Exact `u32 -> f64` through the 2^52 bit trick (vectorises without 64-bit conversions).
#[inline(always)]
fn u32_to_f64(x: u32) -> f64 {
    f64::from_bits(0x4330_0000_0000_0000 | x as u64) - 4_503_599_627_370_496.0
}

/// The Mersenne Twister MT19937 with the 1998 seeding (`mt[k] = 69069 mt[k-1]`).
pub(crate) struct Mt19937 {
    mt: Box<[u32; 624]>,
    idx: usize,
}

impl Mt19937 {
    /// Generator seeded as Tomtom seeds it (4357 by default).
    pub(crate) fn new(seed: u32) -> Self {
        let mut mt = Box::new([0u32; 624]);
        mt[0] = seed;
        for k in 1..624 {
            mt[k] = mt[k - 1].wrapping_mul(69069);
        }
        Self { mt, idx: 624 }
    }

    /// Regenerates the 624-word state block.
    fn twist(&mut self) {
        #[cfg(target_arch = "x86_64")]
        {
            if let Some(cpu) = Avx2::detect() {
                // SAFETY: `cpu` proves the CPU has AVX2, FMA and POPCNT.
                unsafe { twist_avx2(cpu, &mut self.mt) };
                self.idx = 0;
                return;
            }
        }
        twist_scalar(&mut self.mt);
        self.idx = 0;
    }

    /// Appends `count` bootstrap indices `min((int)(next_f64() * m), m - 1)` to `out`,
    /// consuming the stream exactly as `count` calls of [`Self::next_f64`] would.
    pub(crate) fn draw_indices(&mut self, m: usize, count: usize, out: &mut Vec<u32>) {
        assert!((1..1 << 31).contains(&m));
        let mut left = count;
        out.reserve(count);
        while left > 0 {
            if self.idx == 624 {
                self.twist();
            }
            let k = ((624 - self.idx) / 2).min(left);
            if k == 0 {
                // The draw's two outputs straddle a twist.
                let x = self.next_f64();
                out.push(((x * m as f64) as usize).min(m - 1) as u32);
                left -= 1;
                continue;
            }
            let n0 = out.len();
            out.resize(n0 + k, 0);
            draws_from_words(&self.mt[self.idx..self.idx + 2 * k], m, &mut out[n0..]);
            self.idx += 2 * k;
            left -= k;
        }
    }

    /// Next 32-bit output.
    #[inline]
    pub(crate) fn next_u32(&mut self) -> u32 {
        if self.idx >= 624 {
            self.twist();
        }
        let y = self.mt[self.idx];
        self.idx += 1;
        temper(y)
    }

    /// A double in [0, 1] from two outputs: `((r1 << 32) | r2) as f64 * 2^-64`.
    #[inline]
    pub(crate) fn next_f64(&mut self) -> f64 {
        let hi = self.next_u32() as u64;
        let lo = self.next_u32() as u64;
        ((hi << 32) | lo) as f64 * (1.0 / 18_446_744_073_709_551_616.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rnd_significant_digits() {
        assert_eq!(rnd(1.234_567_890_123_456_7, 14), 1.2345678901235);
        assert_eq!(rnd(-0.000_123_456_789_012_345_67, 14), -0.00012345678901235);
        assert_eq!(rnd(0.0, 14), 0.0);
        assert_eq!(rnd(123_456.789_012_345_67, 10), 123456.789);
        // Half to even on an exactly representable tie.
        assert_eq!(rnd(2.5, 1), 2.0);
        assert_eq!(rnd(3.5, 1), 4.0);
        // Exact powers of ten go through the logarithm path.
        assert_eq!(rnd(1.0, 14), 1.0);
        assert_eq!(rnd(100.0, 3), 100.0);
        assert_eq!(rnd(0.1, 14), 0.1);
        // The self-match of a Pearson column: 1 + 2e-16 rounds back to 1.
        assert_eq!(rnd(1.000_000_000_000_000_2, 14), 1.0);
    }

    #[test]
    fn floor_and_rint_match_std() {
        for &x in &[
            0.0,
            -0.0,
            0.5,
            1.5,
            2.5,
            -0.5,
            -1.5,
            -2.5,
            1e300,
            -1e300,
            3.7,
            -3.7,
            4503599627370495.5,
            -7.0,
            1e-300,
        ] {
            assert_eq!(floor(x), x.floor(), "{x}");
            assert_eq!(rint(x), x.round_ties_even(), "{x}");
        }
    }

    #[test]
    fn fast_exponent_matches_log_formula() {
        let mut x = 1e-12f64;
        while x < 1e12 {
            for d in [10, 14] {
                let slow = ((d - 1) as f64 - x.ln() / 2.302_585_092_994_05).ceil() as i32;
                assert_eq!(fast_exponent(x, d), slow, "x={x}");
            }
            x *= 1.37;
        }
    }

    #[test]
    fn c_g_format() {
        assert_eq!(fmt_g(1.10563e-17, 6), "1.10563e-17");
        assert_eq!(fmt_g(0.0259645, 6), "0.0259645");
        assert_eq!(fmt_g(1.0, 6), "1");
        assert_eq!(fmt_g(14.43261, 6), "14.4326");
        assert_eq!(fmt_g(123456.7, 6), "123457");
        assert_eq!(fmt_g(1234567.0, 6), "1.23457e+06");
        assert_eq!(fmt_g(0.0001, 6), "0.0001");
        assert_eq!(fmt_g(0.00001, 6), "1e-05");
        assert_eq!(fmt_g(1.79e-5, 3), "1.79e-05");
        assert_eq!(fmt_g(0.000656, 3), "0.000656");
        assert_eq!(fmt_g(-2.5, 6), "-2.5");
    }

    fn lm(v: &[f64]) -> f64 {
        lower_median(v)
    }

    #[test]
    fn lower_median_rule() {
        assert_eq!(lm(&[4.0, 1.0, 3.0, 2.0]), 2.0); // even: lower middle
        assert_eq!(lm(&[5.0, 1.0, 3.0]), 2.0); // odd n=3: mean of 1st and 2nd
        assert_eq!(lm(&[7.0]), 7.0);
        assert_eq!(lm(&[2.0, 9.0]), 2.0);
        assert_eq!(lm(&[9.0, 1.0, 5.0, 3.0, 7.0]), 4.0); // (3+5)/2
        // Large inputs take the bracketing path; compare with a full sort.
        let mut g = Mt19937::new(1);
        for n in [4096usize, 4097, 17966, 17967] {
            let v: Vec<f64> = (0..n)
                .map(|_| (g.next_f64() * 50.0).floor() / 7.0)
                .collect();
            let mut s = v.clone();
            s.sort_by(|a, b| a.total_cmp(b));
            let i1 = (n / 2).saturating_sub(1);
            let i2 = n.div_ceil(2).saturating_sub(1).max(i1);
            assert_eq!(lm(&v), (s[i1] + s[i2]) / 2.0, "n={n}");
        }
    }

    #[test]
    fn mt19937_seed_4357() {
        // Checked against CPython's MT19937 (`random.setstate((3, tuple(state) + (624,), None))`
        // then `getrandbits(32)`), an implementation independent of this one.
        let mut g = Mt19937::new(4357);
        let got: Vec<u32> = (0..5).map(|_| g.next_u32()).collect();
        assert_eq!(got, EXPECTED_FIRST5);
        let mut g = Mt19937::new(4357);
        for _ in 0..1000 {
            g.next_u32();
        }
        assert_eq!(g.next_u32(), EXPECTED_1001ST);
        let mut g = Mt19937::new(4357);
        assert_eq!(g.next_f64(), 0.8173300600608487);
    }

    #[test]
    fn bulk_draws_match_scalar() {
        for (m, count, skip) in [
            (1492usize, 100_000usize, 0usize),
            (7, 1000, 3),
            (1000, 777, 1),
        ] {
            let mut a = Mt19937::new(4357);
            let mut b = Mt19937::new(4357);
            for _ in 0..skip {
                a.next_u32();
                b.next_u32();
            }
            let mut got = Vec::new();
            a.draw_indices(m, count, &mut got);
            a.draw_indices(m, count, &mut got);
            let want: Vec<u32> = (0..2 * count)
                .map(|_| ((b.next_f64() * m as f64) as usize).min(m - 1) as u32)
                .collect();
            assert_eq!(got, want);
            assert_eq!(a.next_u32(), b.next_u32());
        }
    }

    #[test]
    fn mt19937_reference_outputs() {
        // The standard reference: the 2002 seeding `init_genrand(5489)` (std::mt19937's
        // default) gives 3499211612 first and 4123659995 as the 10000th output. It checks
        // the twist and the tempering independently of this generator's 1998 seeding.
        let mut mt = Box::new([0u32; 624]);
        mt[0] = 5489;
        for k in 1..624 {
            mt[k] = 1_812_433_253u32
                .wrapping_mul(mt[k - 1] ^ (mt[k - 1] >> 30))
                .wrapping_add(k as u32);
        }
        let mut g = Mt19937 { mt, idx: 624 };
        assert_eq!(g.next_u32(), 3499211612);
        for _ in 1..9999 {
            g.next_u32();
        }
        assert_eq!(g.next_u32(), 4123659995);
    }

    #[test]
    fn vector_twist_matches_scalar() {
        let mut g = Mt19937::new(4357);
        let mut state = [0u32; 624];
        state.iter_mut().for_each(|w| *w = g.next_u32());
        let mut a = state;
        let mut b = state;
        for _ in 0..3 {
            g.twist();
            twist_scalar(&mut a);
            #[cfg(target_arch = "x86_64")]
            if let Some(cpu) = Avx2::detect() {
                // SAFETY: `cpu` proves the CPU has AVX2, FMA and POPCNT.
                unsafe { twist_avx2(cpu, &mut b) };
                assert_eq!(a, b);
            }
        }
    }

    #[test]
    fn bootstrap_sized_draws_match_scalar() {
        // 1000 draws at a time, as the q-value bootstrap takes them: most calls start and
        // end inside a 624-word block, some draws straddle two.
        let (mut a, mut b) = (Mt19937::new(4357), Mt19937::new(4357));
        let mut got = Vec::new();
        for _ in 0..250 {
            got.clear();
            a.draw_indices(1492, 1000, &mut got);
            for &d in &got {
                assert_eq!(d, ((b.next_f64() * 1492.0) as usize).min(1491) as u32);
            }
        }
    }

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

    const EXPECTED_FIRST5: [u32; 5] = [3510405877, 4290933890, 2191955339, 564929546, 152112058];
    const EXPECTED_1001ST: u32 = 198769522;
}
