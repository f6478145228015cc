//! Storey q-values with MEME's bootstrap estimate of pi0.

use super::*;

/// Bootstrap resamples per query.
pub(super) const BOOT_REPS: usize = 100;
/// p-values drawn per bootstrap resample.
pub(super) const BOOT_SAMPLE: usize = 1000;

/// Storey q-values with MEME's bootstrap estimate of pi0, drawing from one MT19937 stream
/// (seeded with 4357) carried from query to query.
pub(super) struct Bootstrap {
    pub(super) rng: Mt19937,
    /// One resample's indices.
    pub(super) draws: Vec<u32>,
}

impl Bootstrap {
    pub(super) fn new() -> Self {
        Self {
            rng: Mt19937::new(4357),
            draws: Vec::with_capacity(BOOT_SAMPLE),
        }
    }

    /// q-values of p-values sorted ascending; pi0 is estimated (100 resamples of 1000
    /// draws) only when there are more than 100 p-values.
    pub(super) fn qvalues(&mut self, p: &[f64]) -> Vec<f64> {
        let m = p.len();
        let mut pi0 = 1.0;
        if m > 100 {
            const NL: usize = 100;
            const _: () = assert!(NL < 128);
            let lam: Vec<f64> = (0..NL).map(|j| ((j + 1) as f64 / 100.0) * 0.5).collect();
            // First index whose p >= lambda (p is sorted ascending, so this ascends too).
            let first: Vec<usize> = lam.iter().map(|&l| p.partition_point(|&x| x < l)).collect();
            let pi = |count: usize, l: f64, len: usize| {
                if count == 0 {
                    f64::INFINITY
                } else {
                    count as f64 / ((1.0 - l) * len as f64)
                }
            };
            let pis: Vec<f64> = (0..NL).map(|j| pi(m - first[j], lam[j], m)).collect();
            let pmin = pis.iter().copied().fold(f64::INFINITY, f64::min);
            // level[i] = number of lambdas whose first index is <= i.
            let mut level = vec![0u8; m];
            let mut nl = 0;
            for (i, lv) in level.iter_mut().enumerate() {
                while nl < NL && first[nl] <= i {
                    nl += 1;
                }
                *lv = nl as u8;
            }
            let mut mse = [0.0f64; NL];
            for _ in 0..BOOT_REPS {
                self.draws.clear();
                self.rng.draw_indices(m, BOOT_SAMPLE, &mut self.draws);
                // Four interleaved histograms of the levels: consecutive increments rarely
                // wait for each other. Levels are at most NL < 128 (the mask only spares
                // the bounds checks).
                let mut bucket = [[0u32; 128]; 4];
                let mut it = self.draws.chunks_exact(4);
                for d in &mut it {
                    for (b, &idx) in bucket.iter_mut().zip(d) {
                        b[(level[idx as usize] & 127) as usize] += 1;
                    }
                }
                for &idx in it.remainder() {
                    bucket[0][(level[idx as usize] & 127) as usize] += 1;
                }
                // count(j) = draws with level >= j+1.
                let mut acc = 0;
                for j in (0..NL).rev() {
                    acc += bucket.iter().map(|b| b[j + 1]).sum::<u32>() as usize;
                    let d = pi(acc, lam[j], BOOT_SAMPLE) - pmin;
                    mse[j] += d * d;
                }
            }
            let mut jbest = 0;
            for j in 1..NL {
                if mse[j] < mse[jbest] {
                    jbest = j;
                }
            }
            pi0 = pis[jbest].clamp(0.0, 1.0);
        }
        let mut q: Vec<f64> = p
            .iter()
            .enumerate()
            .map(|(i, &pv)| (pi0 * pv * m as f64 / (i + 1) as f64).min(1.0))
            .collect();
        for i in (0..m.saturating_sub(1)).rev() {
            if q[i + 1] < q[i] {
                q[i] = q[i + 1];
            }
        }
        q
    }
}
