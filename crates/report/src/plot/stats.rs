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

/// Leaf order of an average-linkage (UPGMA) hierarchical clustering of the rows
/// of a `n_rows × n_cols` row-major matrix under Euclidean distance.
///
/// Non-finite entries count as 0 (the centre of the diverging scale). The result
/// is deterministic: the closest pair is found by scanning clusters in creation
/// order (ties go to the first pair found), and when two clusters merge, the one
/// containing the smaller original row index is placed first.
pub(crate) fn average_linkage_order(values: &[f64], n_rows: usize, n_cols: usize) -> Vec<usize> {
    if n_rows <= 2 || n_cols == 0 || values.len() < n_rows * n_cols {
        return (0..n_rows).collect();
    }
    let at = |r: usize, c: usize| {
        let v = values[r * n_cols + c];
        if v.is_finite() { v } else { 0.0 }
    };
    // Full distance matrix between active clusters (indexed by slot).
    let mut dist = vec![0.0f64; n_rows * n_rows];
    for i in 0..n_rows {
        for j in (i + 1)..n_rows {
            let d = (0..n_cols)
                .map(|c| (at(i, c) - at(j, c)).powi(2))
                .sum::<f64>()
                .sqrt();
            dist[i * n_rows + j] = d;
            dist[j * n_rows + i] = d;
        }
    }
    // Each slot holds a cluster: its leaves (in display order) and min leaf.
    let mut members: Vec<Option<Vec<usize>>> = (0..n_rows).map(|i| Some(vec![i])).collect();
    let mut active: Vec<usize> = (0..n_rows).collect();
    while active.len() > 1 {
        let (mut best, mut bi, mut bj) = (f64::INFINITY, 0, 1);
        for (a, &i) in active.iter().enumerate() {
            for &j in &active[a + 1..] {
                let d = dist[i * n_rows + j];
                if d < best {
                    (best, bi, bj) = (d, i, j);
                }
            }
        }
        let mi = members[bi].take().unwrap_or_default();
        let mj = members[bj].take().unwrap_or_default();
        let (ni, nj) = (mi.len() as f64, mj.len() as f64);
        // Lance–Williams update for average linkage, stored in slot bi.
        for &k in &active {
            if k != bi && k != bj {
                let d = (ni * dist[bi * n_rows + k] + nj * dist[bj * n_rows + k]) / (ni + nj);
                dist[bi * n_rows + k] = d;
                dist[k * n_rows + bi] = d;
            }
        }
        let first_i = mi.iter().min() < mj.iter().min();
        let merged = if first_i {
            [mi, mj].concat()
        } else {
            [mj, mi].concat()
        };
        members[bi] = Some(merged);
        active.retain(|&k| k != bj);
    }
    members[active[0]].take().unwrap_or_default()
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

    #[test]
    fn average_linkage_groups_close_rows() {
        // Rows (1-D): r0=0, r1=10, r2=1, r3=11, r4=5.2.
        // Merges: {0,2} at 1, {1,3} at 1, then r4 joins {0,2} (avg dist
        // (5.2+4.2)/2=4.7) before {1,3} (avg 5.3); finally the two clusters.
        // Order: [0, 2, 4] then [1, 3]. (scipy's leaves_list gives the mirror
        // image [1, 3, 4, 0, 2]: same tree, other left/right convention.)
        let v = [0.0, 10.0, 1.0, 11.0, 5.2];
        assert_eq!(average_linkage_order(&v, 5, 1), vec![0, 2, 4, 1, 3]);
        // Two columns, NaN treated as 0: r1=(NaN, 0) equals r0=(0, 0).
        let v = [0.0, 0.0, 5.0, 5.0, f64::NAN, 0.0, 5.0, 4.0];
        assert_eq!(average_linkage_order(&v, 4, 2), vec![0, 2, 1, 3]);
        assert_eq!(average_linkage_order(&[], 0, 3), Vec::<usize>::new());
        assert_eq!(average_linkage_order(&[1.0, 2.0], 2, 1), vec![0, 1]);
    }
}
