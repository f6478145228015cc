//! The MT19937 generator with its 1998 seeding, as MEME uses it (Tomtom's shuffles,
//! FIMO's sampling), with a vectorised state update behind an [`Avx2`] proof.

use super::Avx2;

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

    const EXPECTED_FIRST5: [u32; 5] = [3510405877, 4290933890, 2191955339, 564929546, 152112058];
    const EXPECTED_1001ST: u32 = 198769522;
}
