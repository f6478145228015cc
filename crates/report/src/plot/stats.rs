//! Summary statistics and clustering used by the plots (private).

/// Quantile `q ∈ [0, 1]` of ascending `sorted` data by linear interpolation
/// between closest ranks (numpy's default `method="linear"`): with
/// `h = (n - 1) q`, the result is `x[⌊h⌋] + (h - ⌊h⌋)(x[⌊h⌋+1] - x[⌊h⌋])`.
/// Returns NaN for empty input.
pub(crate) fn quantile_sorted(sorted: &[f64], q: f64) -> f64 {
    match sorted.len() {
        0 => f64::NAN,
        1 => sorted[0],
        n => {
            let h = (n - 1) as f64 * q.clamp(0.0, 1.0);
            let lo = h.floor() as usize;
            let hi = (lo + 1).min(n - 1);
            sorted[lo] + (h - lo as f64) * (sorted[hi] - sorted[lo])
        }
    }
}

/// Tukey box-plot summary of one group.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct BoxStats {
    /// Number of finite values summarised.
    pub(crate) n: usize,
    /// Number of non-finite values dropped.
    pub(crate) n_missing: usize,
    pub(crate) q1: f64,
    pub(crate) median: f64,
    pub(crate) q3: f64,
    /// Smallest value `>= q1 - 1.5 IQR`.
    pub(crate) whisker_lo: f64,
    /// Largest value `<= q3 + 1.5 IQR`.
    pub(crate) whisker_hi: f64,
    /// Values outside the whiskers, ascending.
    pub(crate) outliers: Vec<f64>,
}

impl BoxStats {
    /// Summarises `values`, ignoring non-finite entries; `None` if none is finite.
    pub(crate) fn compute(values: &[f64]) -> Option<Self> {
        let mut v: Vec<f64> = values.iter().copied().filter(|x| x.is_finite()).collect();
        if v.is_empty() {
            return None;
        }
        v.sort_by(f64::total_cmp);
        let q1 = quantile_sorted(&v, 0.25);
        let median = quantile_sorted(&v, 0.5);
        let q3 = quantile_sorted(&v, 0.75);
        let iqr = q3 - q1;
        let (fence_lo, fence_hi) = (q1 - 1.5 * iqr, q3 + 1.5 * iqr);
        let inside = || {
            v.iter()
                .copied()
                .filter(|&x| x >= fence_lo && x <= fence_hi)
        };
        let whisker_lo = inside().next().unwrap_or(q1);
        let whisker_hi = inside().next_back().unwrap_or(q3);
        let outliers = v
            .iter()
            .copied()
            .filter(|&x| x < fence_lo || x > fence_hi)
            .collect();
        Some(BoxStats {
            n: v.len(),
            n_missing: values.len() - v.len(),
            q1,
            median,
            q3,
            whisker_lo,
            whisker_hi,
            outliers,
        })
    }

    /// At most `cap` outliers to draw: all if few, else evenly spaced ranks of the
    /// ascending outliers, always keeping the two most extreme.
    pub(crate) fn shown_outliers(&self, cap: usize) -> Vec<f64> {
        let k = self.outliers.len();
        if k <= cap {
            return self.outliers.clone();
        }
        if cap == 0 {
            return Vec::new();
        }
        if cap == 1 {
            return vec![self.outliers[k - 1]];
        }
        (0..cap)
            .map(|i| self.outliers[i * (k - 1) / (cap - 1)])
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quantiles_match_numpy_linear() {
        // Expected values computed with numpy 2.x in a scratch venv:
        //   import numpy as np
        //   x = [3.1, -0.4, 7.7, 2.2, 2.2, 9.0, 0.5]
        //   np.quantile(x, [0, 0.1, 0.25, 0.5, 0.75, 0.9, 1])
        //   -> [-0.4, 0.14, 1.35, 2.2, 5.4, 8.22, 9.0]
        //   y = [1.0, 2.0, 3.0, 4.0]
        //   np.quantile(y, [0.25, 0.5, 0.75]) -> [1.75, 2.5, 3.25]
        let mut x = vec![3.1, -0.4, 7.7, 2.2, 2.2, 9.0, 0.5];
        x.sort_by(f64::total_cmp);
        let qs = [0.0, 0.1, 0.25, 0.5, 0.75, 0.9, 1.0];
        let expected = [-0.4, 0.14, 1.35, 2.2, 5.4, 8.22, 9.0];
        for (q, e) in qs.iter().zip(expected) {
            assert!((quantile_sorted(&x, *q) - e).abs() < 1e-12, "q={q}");
        }
        let y = [1.0, 2.0, 3.0, 4.0];
        let got: Vec<f64> = [0.25, 0.5, 0.75]
            .iter()
            .map(|&q| quantile_sorted(&y, q))
            .collect();
        assert_eq!(got, vec![1.75, 2.5, 3.25]);
        assert!(quantile_sorted(&[], 0.5).is_nan());
        assert_eq!(quantile_sorted(&[4.0], 0.9), 4.0);
    }

    #[test]
    fn box_stats_tukey_whiskers_and_outliers() {
        // numpy: np.quantile(list(range(1, 11)) + [30, -20], [.25, .5, .75])
        //   -> [2.75, 5.5, 8.25]; IQR 5.5, fences -5.5 and 16.5.
        let mut v: Vec<f64> = (1..=10).map(f64::from).collect();
        v.extend([30.0, -20.0, f64::NAN]);
        let s = BoxStats::compute(&v).unwrap();
        assert_eq!((s.n, s.n_missing), (12, 1));
        assert_eq!((s.q1, s.median, s.q3), (2.75, 5.5, 8.25));
        assert_eq!((s.whisker_lo, s.whisker_hi), (1.0, 10.0));
        assert_eq!(s.outliers, vec![-20.0, 30.0]);
        assert!(BoxStats::compute(&[f64::NAN]).is_none());
        assert!(BoxStats::compute(&[]).is_none());
    }

    #[test]
    fn outlier_cap_keeps_extremes() {
        let s = BoxStats {
            n: 0,
            n_missing: 0,
            q1: 0.0,
            median: 0.0,
            q3: 0.0,
            whisker_lo: 0.0,
            whisker_hi: 0.0,
            outliers: (0..100).map(f64::from).collect(),
        };
        let shown = s.shown_outliers(5);
        assert_eq!(shown.len(), 5);
        assert_eq!(shown.first(), Some(&0.0));
        assert_eq!(shown.last(), Some(&99.0));
        assert_eq!(s.shown_outliers(200).len(), 100);
    }
}
