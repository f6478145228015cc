//! Eight-lane f32 vectors for the fused kernels, in two builds of the same code:
//! [`wide::f32x8`] (two SSE registers on baseline x86-64, NEON on aarch64, …) and, on x86-64
//! CPUs with AVX2 (detected at run time), one 256-bit register per vector.
//!
//! Only operations that round identically in both builds are offered (no fused multiply-add),
//! so a kernel gives bit-identical results on every CPU.
//!
//! The build is chosen once, as a [`Simd`] value: [`Simd::detect`] is the only way to get the
//! AVX2 variant, whose [`Avx2`] field proves the feature was detected (as lightmotif's
//! pipelines carry their backend). Kernels are written once, generic over [`Lanes`], and run
//! through [`Simd::run`]; the 256-bit lane type itself is private to this module, so it can
//! only be used inside the `#[target_feature(enable = "avx2")]` function `run` calls.

use wide::f32x8;

/// The lane operations the kernels use. Memory stays [`f32x8`]-typed (32-byte aligned).
pub(crate) trait Lanes: Copy {
    fn load(v: &f32x8) -> Self;
    fn store(self, v: &mut f32x8);
    /// To the first 8 values of `s` (any alignment).
    fn store_slice(self, s: &mut [f32]);
    fn splat(x: f32) -> Self;
    fn add(self, o: Self) -> Self;
    fn mul(self, o: Self) -> Self;
    /// Lane-wise maximum (for ordered, non-zero-signed-equal lanes the same in both builds).
    fn max(self, o: Self) -> Self;
    /// All-ones lanes where `self > o`.
    fn gt(self, o: Self) -> Self;
    /// `a` where `self` (a [`Lanes::gt`] mask) is set, else `b`.
    fn select(self, a: Self, b: Self) -> Self;
}

impl Lanes for f32x8 {
    #[inline(always)]
    fn load(v: &f32x8) -> Self {
        *v
    }
    #[inline(always)]
    fn store(self, v: &mut f32x8) {
        *v = self;
    }
    #[inline(always)]
    fn store_slice(self, s: &mut [f32]) {
        s[..8].copy_from_slice(self.as_array());
    }
    #[inline(always)]
    fn splat(x: f32) -> Self {
        f32x8::splat(x)
    }
    #[inline(always)]
    fn add(self, o: Self) -> Self {
        self + o
    }
    #[inline(always)]
    fn mul(self, o: Self) -> Self {
        self * o
    }
    #[inline(always)]
    fn max(self, o: Self) -> Self {
        f32x8::max(self, o)
    }
    #[inline(always)]
    fn gt(self, o: Self) -> Self {
        self.simd_gt(o)
    }
    #[inline(always)]
    fn select(self, a: Self, b: Self) -> Self {
        f32x8::select(self, a, b)
    }
}

/// Proof that this CPU has AVX2: made only by [`Simd::detect`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Avx2 {
    _detected: (),
}

/// The vector build the fused kernels run: portable eight-lane vectors, or AVX2 registers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Simd {
    Portable,
    Avx2(Avx2),
}

/// A computation written once over the lane type.
pub(crate) trait LaneKernel {
    type Output;
    fn run<V: Lanes>(self) -> Self::Output;
}

impl Simd {
    /// AVX2 when the CPU has it and the environment variable `EXPLAINN_SIMD` is not
    /// `portable` (which forces the portable build, for comparisons); else portable.
    pub(crate) fn detect() -> Self {
        if has_avx2() {
            Simd::Avx2(Avx2 { _detected: () })
        } else {
            Simd::Portable
        }
    }

    /// Run `kernel` in this build.
    #[inline(always)]
    pub(crate) fn run<K: LaneKernel>(self, kernel: K) -> K::Output {
        match self {
            #[cfg(target_arch = "x86_64")]
            // SAFETY: an `Avx2` value exists only after run-time detection of AVX2.
            Simd::Avx2(_) => unsafe { run_avx2(kernel) },
            _ => kernel.run::<f32x8>(),
        }
    }
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
unsafe fn run_avx2<K: LaneKernel>(kernel: K) -> K::Output {
    kernel.run::<avx::Avx>()
}

#[cfg(target_arch = "x86_64")]
mod avx {
    use super::Lanes;
    use std::arch::x86_64::*;
    use wide::f32x8;

    /// One AVX register. Private to `simd`: only `run_avx2` (compiled with AVX2, reached
    /// through an [`Avx2`](super::Avx2) proof) instantiates kernels with it.
    #[derive(Clone, Copy)]
    pub(super) struct Avx(__m256);

    // SAFETY (every method): the intrinsics need AVX, which holds because these methods are
    // only inlined into `run_avx2`, compiled with AVX2 and called only with a proof of its
    // detection; loads and stores go through references (aligned `f32x8`) or slices checked
    // to hold 8 values.
    impl Lanes for Avx {
        #[inline(always)]
        fn load(v: &f32x8) -> Self {
            unsafe { Avx(_mm256_load_ps(v as *const f32x8 as *const f32)) }
        }
        #[inline(always)]
        fn store(self, v: &mut f32x8) {
            unsafe { _mm256_store_ps(v as *mut f32x8 as *mut f32, self.0) }
        }
        #[inline(always)]
        fn store_slice(self, s: &mut [f32]) {
            let s = &mut s[..8];
            unsafe { _mm256_storeu_ps(s.as_mut_ptr(), self.0) }
        }
        #[inline(always)]
        fn splat(x: f32) -> Self {
            unsafe { Avx(_mm256_set1_ps(x)) }
        }
        #[inline(always)]
        fn add(self, o: Self) -> Self {
            unsafe { Avx(_mm256_add_ps(self.0, o.0)) }
        }
        #[inline(always)]
        fn mul(self, o: Self) -> Self {
            unsafe { Avx(_mm256_mul_ps(self.0, o.0)) }
        }
        #[inline(always)]
        fn max(self, o: Self) -> Self {
            unsafe { Avx(_mm256_max_ps(o.0, self.0)) }
        }
        #[inline(always)]
        fn gt(self, o: Self) -> Self {
            unsafe { Avx(_mm256_cmp_ps::<_CMP_GT_OQ>(self.0, o.0)) }
        }
        #[inline(always)]
        fn select(self, a: Self, b: Self) -> Self {
            unsafe { Avx(_mm256_blendv_ps(b.0, a.0, self.0)) }
        }
    }
}

/// Whether the 256-bit build may run: AVX2 detected, and `EXPLAINN_SIMD` is not `portable`.
fn has_avx2() -> bool {
    static AVX2: std::sync::OnceLock<bool> = std::sync::OnceLock::new();
    *AVX2.get_or_init(|| {
        #[cfg(target_arch = "x86_64")]
        {
            std::arch::is_x86_feature_detected!("avx2")
                && std::env::var("EXPLAINN_SIMD").map_or(true, |v| v != "portable")
        }
        #[cfg(not(target_arch = "x86_64"))]
        {
            false
        }
    })
}
