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
    let r = (z * a).round_ties_even() / z;
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
    let mut j = ((bexp as f64) * std::f64::consts::LOG10_2).floor() as i32;
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

static POW10: std::sync::LazyLock<Vec<f64>> = std::sync::LazyLock::new(|| {
    (-330..=330)
        .map(|e| format!("1e{e}").parse::<f64>().unwrap())
        .collect()
});

#[inline]
fn pow10(e: i32) -> f64 {
    let i = e + 330;
    if (0..=660).contains(&i) {
        POW10[i as usize]
    } else {
        10f64.powi(e)
    }
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
/// statistics `max(n/2-1, 0)` and `max(ceil(n/2)-1, that)`. Reorders `v`.
pub(crate) fn lower_median(v: &mut [f64]) -> f64 {
    let n = v.len();
    assert!(n > 0, "median of nothing");
    let i1 = (n / 2).saturating_sub(1);
    let i2 = n.div_ceil(2).saturating_sub(1).max(i1);
    let (left, b, _) = v.select_nth_unstable_by(i2, |a, b| a.total_cmp(b));
    let b = *b;
    let a = if i1 == i2 {
        b
    } else {
        left.iter().copied().fold(f64::NEG_INFINITY, f64::max)
    };
    (a + b) / 2.0
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

    fn twist(&mut self) {
        const UPPER: u32 = 0x8000_0000;
        const LOWER: u32 = 0x7fff_ffff;
        const MAG: u32 = 0x9908_b0df;
        let mt = &mut self.mt;
        for k in 0..624 {
            let y = (mt[k] & UPPER) | (mt[(k + 1) % 624] & LOWER);
            mt[k] = mt[(k + 397) % 624] ^ (y >> 1) ^ if y & 1 == 1 { MAG } else { 0 };
        }
        self.idx = 0;
    }

    /// Next 32-bit output.
    #[inline]
    pub(crate) fn next_u32(&mut self) -> u32 {
        if self.idx >= 624 {
            self.twist();
        }
        let mut y = self.mt[self.idx];
        self.idx += 1;
        y ^= y >> 11;
        y ^= (y << 7) & 0x9d2c_5680;
        y ^= (y << 15) & 0xefc6_0000;
        y ^= y >> 18;
        y
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

    #[test]
    fn lower_median_rule() {
        assert_eq!(lower_median(&mut [4.0, 1.0, 3.0, 2.0]), 2.0); // even: lower middle
        assert_eq!(lower_median(&mut [5.0, 1.0, 3.0]), 2.0); // odd n=3: mean of 1st and 2nd
        assert_eq!(lower_median(&mut [7.0]), 7.0);
        assert_eq!(lower_median(&mut [2.0, 9.0]), 2.0);
        assert_eq!(lower_median(&mut [9.0, 1.0, 5.0, 3.0, 7.0]), 4.0); // (3+5)/2
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

    const EXPECTED_FIRST5: [u32; 5] = [3510405877, 4290933890, 2191955339, 564929546, 152112058];
    const EXPECTED_1001ST: u32 = 198769522;
}
