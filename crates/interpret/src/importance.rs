//! Unit importance (reference §2, `get_specific_unit_importance`), computed once for all
//! units instead of U rescans.
//!
//! For unit u and class c, over the activating (sequence, strand) pairs S_u of the unit
//! (maximum activation ≥ ½·max_u): imp[n, c] = o_u(n)·W[c, u]. The summary is the median
//! per (u, c); because multiplying by W[c, u] is monotone, it equals W[c, u] times the
//! median unit output over S_u.

use crate::activations::UnitScan;

/// Median importance of every unit and class.
#[derive(Debug, Clone, PartialEq)]
pub struct Importance {
    /// Number of units U.
    pub units: usize,
    /// Number of classes C.
    pub classes: usize,
    /// Medians `(U, C)` row-major; NaN for units without activating sequences.
    pub median: Vec<f64>,
    /// Activating (sequence, strand) pairs per unit `(U)`.
    pub n_activating: Vec<usize>,
}

/// Median of `v` (mean of the two middle values for even lengths); NaN when empty.
/// Reorders `v`.
pub fn median(v: &mut [f64]) -> f64 {
    let n = v.len();
    if n == 0 {
        return f64::NAN;
    }
    v.sort_by(f64::total_cmp);
    if n % 2 == 1 {
        v[n / 2]
    } else {
        (v[n / 2 - 1] + v[n / 2]) / 2.0
    }
}

/// Importance values of unit `u` for class `c` over its activating pairs, in the order of
/// `scan.activating[u]`. `weights` is the final layer W `(C, U)` row-major.
pub fn distribution(scan: &UnitScan, weights: &[f32], u: usize, c: usize) -> Vec<f64> {
    let units = scan.activating.len();
    let w = weights[c * units + u] as f64;
    scan.activating[u]
        .iter()
        .map(|a| a.output as f64 * w)
        .collect()
}

/// Medians for every unit and class from a scan and the final-layer weights W `(C, U)`.
pub fn importance(scan: &UnitScan, weights: &[f32], classes: usize) -> Importance {
    let units = scan.activating.len();
    assert_eq!(weights.len(), units * classes, "weights are not (C, U)");
    let mut med = vec![f64::NAN; units * classes];
    for u in 0..units {
        for c in 0..classes {
            med[u * classes + c] = median(&mut distribution(scan, weights, u, c));
        }
    }
    Importance {
        units,
        classes,
        median: med,
        n_activating: scan.activating.iter().map(Vec::len).collect(),
    }
}

impl Importance {
    /// Median importance of unit `u` for class `c`.
    pub fn get(&self, u: usize, c: usize) -> f64 {
        self.median[u * self.classes + c]
    }

    /// Overall importance of a unit: the largest |median| over classes (NaN → 0).
    pub fn overall(&self, u: usize) -> f64 {
        (0..self.classes)
            .map(|c| self.get(u, c).abs())
            .filter(|v| v.is_finite())
            .fold(0.0, f64::max)
    }

    /// Units by decreasing overall importance (ties by unit index).
    pub fn order(&self) -> Vec<usize> {
        order_by(self.units, |u| self.overall(u))
    }

    /// Units by decreasing median importance for class `c` (NaN last).
    pub fn order_for_class(&self, c: usize) -> Vec<usize> {
        order_by(self.units, |u| self.get(u, c))
    }
}

/// Indices `0..n` sorted by decreasing `key` (non-finite keys last, ties by index).
pub fn order_by(n: usize, key: impl Fn(usize) -> f64) -> Vec<usize> {
    let k = |u: usize| {
        let v = key(u);
        if v.is_finite() { v } else { f64::NEG_INFINITY }
    };
    let mut idx: Vec<usize> = (0..n).collect();
    idx.sort_by(|&a, &b| k(b).total_cmp(&k(a)).then(a.cmp(&b)));
    idx
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::activations::Activating;
    use crate::pwm::SiteCounts;

    fn act(seq: u32, output: f32) -> Activating {
        Activating {
            seq,
            reverse: false,
            output,
        }
    }

    #[test]
    fn median_odd_even_empty() {
        assert_eq!(median(&mut [3.0, 1.0, 2.0]), 2.0);
        assert_eq!(median(&mut [4.0, 1.0, 2.0, 3.0]), 2.5);
        assert!(median(&mut []).is_nan());
    }

    #[test]
    fn importance_is_output_times_weight() {
        let scan = UnitScan {
            max_activation: vec![1.0, 1.0],
            thresholds: vec![0.5, 0.5],
            sites: SiteCounts::new(2, 3),
            activating: vec![vec![act(0, 1.0), act(1, 3.0), act(2, 2.0)], vec![]],
        };
        // W (C=2, U=2): class 0 = [2, 1], class 1 = [-1, 5]
        let w = [2.0f32, 1.0, -1.0, 5.0];
        let imp = importance(&scan, &w, 2);
        assert_eq!(imp.get(0, 0), 4.0);
        assert_eq!(imp.get(0, 1), -2.0);
        assert!(imp.get(1, 0).is_nan());
        assert_eq!(imp.n_activating, vec![3, 0]);
        assert_eq!(imp.order(), vec![0, 1]);
        assert_eq!(imp.order_for_class(1), vec![0, 1]);
        assert_eq!(distribution(&scan, &w, 0, 1), vec![-1.0, -3.0, -2.0]);
    }
}
