//! Small numerical helpers whose exact behaviour decides whether printed numbers match the
//! MEME suite: significant-digit rounding, C `%g` formatting, the lower median and the
//! MT19937 generator with its 1998 seeding.

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
/// statistics `max(n/2-1, 0)` and `max(ceil(n/2)-1, that)`. `v` is left unchanged;
/// `scratch` is working memory reused between calls.
#[cfg(test)]
pub(crate) fn lower_median(v: &[f64], scratch: &mut Vec<f64>) -> f64 {
    let (a, b) = median_pair(v, scratch);
    (a + b) / 2.0
}

/// Ranks of the two order statistics whose mean is the lower median of `n` values.
pub(crate) fn median_ranks(n: usize) -> (usize, usize) {
    let i1 = (n / 2).saturating_sub(1);
    let i2 = n.div_ceil(2).saturating_sub(1).max(i1);
    (i1, i2)
}

/// The two order statistics (at [`median_ranks`]) whose mean is the lower median.
pub(crate) fn median_pair(v: &[f64], scratch: &mut Vec<f64>) -> (f64, f64) {
    let n = v.len();
    assert!(n > 0, "median of nothing");
    let (i1, i2) = median_ranks(n);
    if scratch.len() < n {
        scratch.resize(n, 0.0);
    }
    let scratch = &mut scratch[..n];
    if n >= 2048 {
        if let Some(m) = bracketed_pair(v, i1, i2, scratch) {
            return m;
        }
    }
    scratch.copy_from_slice(v);
    let (left, b, _) = scratch.select_nth_unstable_by(i2, |a, b| a.total_cmp(b));
    let b = *b;
    let a = if i1 == i2 {
        b
    } else {
        left.iter().copied().fold(f64::NEG_INFINITY, f64::max)
    };
    (a, b)
}

/// Order statistics `i1 <= i2` (adjacent or equal) found by bracketing them between two
/// pivots taken from a sample, so that only the values between the pivots are selected
/// from; `None` when the bracket misses (then the caller selects the usual way).
fn bracketed_pair(v: &[f64], i1: usize, i2: usize, scratch: &mut [f64]) -> Option<(f64, f64)> {
    let n = v.len();
    const NS: usize = 512;
    const MARGIN: usize = 32;
    let step = n / NS;
    let mut sample = [0.0f64; NS];
    for (k, s) in sample.iter_mut().enumerate() {
        *s = v[k * step + step / 2];
    }
    sample.sort_unstable_by(|a, b| a.total_cmp(b));
    let centre = i1 * NS / n;
    let lo = sample[centre.saturating_sub(MARGIN)];
    let hi = sample[(centre + MARGIN).min(NS - 1)];
    // Branch-free compaction of the values in [lo, hi] into `scratch`.
    assert!(scratch.len() >= n);
    let mut below = 0usize;
    let mut len = 0usize;
    for &x in v {
        below += (x < lo) as usize;
        // SAFETY: len <= number of values seen so far - 1 < n <= scratch.len().
        unsafe { *scratch.get_unchecked_mut(len) = x };
        len += ((x >= lo) & (x <= hi)) as usize;
    }
    if i1 < below || i2 >= below + len {
        return None;
    }
    // Select on integer keys ordered like `f64::total_cmp` (cheaper comparisons).
    let mid = &mut scratch[..len];
    for x in mid.iter_mut() {
        let b = x.to_bits();
        let k = if b >> 63 == 1 { !b } else { b | 1 << 63 };
        *x = f64::from_bits(k);
    }
    // SAFETY: f64 and u64 have the same size and alignment; every bit pattern is valid.
    let keys: &mut [u64] =
        unsafe { std::slice::from_raw_parts_mut(mid.as_mut_ptr().cast::<u64>(), len) };
    let unkey = |k: u64| f64::from_bits(if k >> 63 == 1 { k & !(1 << 63) } else { !k });
    let (_, a, right) = keys.select_nth_unstable(i1 - below);
    let a = unkey(*a);
    let b = if i2 == i1 {
        a
    } else {
        unkey(right.iter().copied().min().expect("i2 within the bracket"))
    };
    Some((a, b))
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

    #[inline(always)]
    fn twist(&mut self) {
        #[inline(always)]
        fn f(a: u32, b: u32, c: u32) -> u32 {
            const UPPER: u32 = 0x8000_0000;
            const LOWER: u32 = 0x7fff_ffff;
            const MAG: u32 = 0x9908_b0df;
            let y = (a & UPPER) | (b & LOWER);
            c ^ (y >> 1) ^ ((y & 1).wrapping_neg() & MAG)
        }
        let mt = &mut *self.mt;
        for k in 0..227 {
            mt[k] = f(mt[k], mt[k + 1], mt[k + 397]);
        }
        for k in 227..623 {
            mt[k] = f(mt[k], mt[k + 1], mt[k - 227]);
        }
        mt[623] = f(mt[623], mt[0], mt[396]);
        self.idx = 0;
    }

    /// Appends `count` bootstrap indices `min((int)(next_f64() * m), m - 1)` to `out`,
    /// consuming the stream exactly as `count` calls of [`Self::next_f64`] would.
    pub(crate) fn draw_indices(&mut self, m: usize, count: usize, out: &mut Vec<u32>) {
        #[cfg(target_arch = "x86_64")]
        {
            if std::arch::is_x86_feature_detected!("avx2") {
                // SAFETY: the CPU supports AVX2 (checked just above).
                return unsafe { self.draw_indices_avx2(m, count, out) };
            }
        }
        self.draw_indices_impl(m, count, out)
    }

    #[cfg(target_arch = "x86_64")]
    #[target_feature(enable = "avx2")]
    unsafe fn draw_indices_avx2(&mut self, m: usize, count: usize, out: &mut Vec<u32>) {
        self.draw_indices_impl(m, count, out)
    }

    #[inline(always)]
    fn draw_indices_impl(&mut self, m: usize, count: usize, out: &mut Vec<u32>) {
        assert!(m >= 1 && m < (1 << 31));
        let mf = m as f64;
        let mut left = count;
        out.reserve(count);
        while left > 0 {
            if self.idx == 624 && left >= 312 {
                self.twist();
                self.idx = 624;
                let mt = &*self.mt;
                let n0 = out.len();
                out.resize(n0 + 312, 0);
                let dst: &mut [u32; 312] = (&mut out[n0..]).try_into().unwrap();
                for j in 0..312 {
                    let (hi, lo) = (temper(mt[2 * j]), temper(mt[2 * j + 1]));
                    // (hi 2^32 + lo) rounds once: the same double as `u64 as f64`.
                    let x = (u32_to_f64(hi) * 4_294_967_296.0 + u32_to_f64(lo))
                        * (1.0 / 18_446_744_073_709_551_616.0);
                    dst[j] = ((x * mf) as i32).min(m as i32 - 1) as u32;
                }
                left -= 312;
            } else {
                let x = self.next_f64();
                out.push(((x * mf) as usize).min(m - 1) as u32);
                left -= 1;
            }
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
        lower_median(v, &mut Vec::new())
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

    const EXPECTED_FIRST5: [u32; 5] = [3510405877, 4290933890, 2191955339, 564929546, 152112058];
    const EXPECTED_1001ST: u32 = 198769522;
}
