//! Small numerical helpers whose exact behaviour decides whether printed numbers match the
//! MEME suite: significant-digit rounding, C `%g` formatting and the lower median here;
//! the MT19937 generator with its 1998 seeding in [`mt19937`], row order statistics in
//! [`rows`]; the [`Avx2`] proof their vectorised kernels take.

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

mod mt19937;
mod rows;
pub(crate) use mt19937::Mt19937;
pub(crate) use rows::{RowOrder, RowSummary};

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
}
