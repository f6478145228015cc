//! Branch-free single-precision exp on 8 lanes (Cephes `expf` polynomial); relative error
//! within ~2 ulp of `f32::exp` on [−86.5, 88.72].

use wide::{f32x8, u32x8};

const LOG2E: f32 = std::f32::consts::LOG2_E;
const LN2_HI: f32 = 0.693_359_4;
const LN2_LO: f32 = -2.121_944_4e-4;
/// 1.5·2²³: adding and subtracting it rounds to the nearest integer (|t| < 2²²).
const ROUND: f32 = 12_582_912.0;
const LO: f32 = -86.5;
const HI: f32 = 88.72;

/// e^x lanewise; 0 below −86.5 (where e^x < 2.7e-38), +∞ above 88.72, NaN stays NaN.
#[inline(always)]
pub(super) fn exp8(x: f32x8) -> f32x8 {
    let xc = x.fast_max(f32x8::splat(LO)).fast_min(f32x8::splat(HI));
    // t = 1.5·2²³ + n with n = round(x·log2 e): n sits in the low mantissa bits of t.
    let t = xc * f32x8::splat(LOG2E) + f32x8::splat(ROUND);
    let n = t - f32x8::splat(ROUND);
    let r = xc - n * f32x8::splat(LN2_HI) - n * f32x8::splat(LN2_LO);
    let mut y = f32x8::splat(1.987_569_2e-4);
    y = y * r + f32x8::splat(1.398_199_9e-3);
    y = y * r + f32x8::splat(8.333_452e-3);
    y = y * r + f32x8::splat(4.166_579_6e-2);
    y = y * r + f32x8::splat(1.666_666_5e-1);
    y = y * r + f32x8::splat(5.000_000_1e-1);
    y = y * r * r + r + f32x8::splat(1.0);
    // 2^n as 2^(n−1)·2 so that n = 128 (x near 88.72) stays finite. The exponent field
    // n − 1 + 127 comes from the bits of t by integer arithmetic (the shift drops the bits
    // of 1.5·2²³).
    let bits: u32x8 = wide::bytemuck::cast(t);
    let scale: f32x8 = wide::bytemuck::cast((bits + u32x8::splat(126)) << 23);
    let v = (y * scale) * f32x8::splat(2.0);
    let v = x
        .simd_gt(f32x8::splat(HI))
        .bitselect(f32x8::splat(f32::INFINITY), v);
    let v = x.simd_lt(f32x8::splat(LO)).bitselect(f32x8::splat(0.0), v);
    x.simd_ne(x).bitselect(x, v)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn exp1(x: f32) -> f32 {
        exp8(f32x8::splat(x)).to_array()[0]
    }

    #[test]
    fn matches_std_exp() {
        let mut worst = 0f32;
        let mut x = -86.5f32;
        while x < 88.72 {
            let (a, b) = (exp1(x), x.exp());
            worst = worst.max(((a - b) / b).abs());
            x += 0.0137;
        }
        assert!(worst < 3e-7, "worst relative error {worst}");
        assert_eq!(exp1(0.0), 1.0);
        assert_eq!(exp1(100.0), f32::INFINITY);
        assert_eq!(exp1(-200.0), 0.0);
        assert!(exp1(f32::NAN).is_nan());
    }
}
