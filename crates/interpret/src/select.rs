//! Selection of "well-predicted" sequences, as in the original's `interpret.py` (§3 of the
//! reference), with its index misalignment and unseeded subsampling fixed.
//!
//! Predictions are `(N, C)` row-major, already passed through the output function
//! (sigmoid for binary tasks) and strand-averaged when the model was trained with reverse
//! complements; labels have the same shape.

use crate::{InterpretError, Result};
use rand::SeedableRng;
use rand::seq::SliceRandom;
use rand_chacha::ChaCha8Rng;

/// How sequences are selected.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Selection {
    /// round(prediction) equals the label for every class (default for binary tasks).
    ExactMatch,
    /// Pearson correlation across classes between labels and predictions above this
    /// threshold (default 0.75 for regression). Sequences with a constant label or
    /// prediction row (undefined correlation) are not selected.
    Correlation(f64),
    /// Among the top `n` % (⌊N·n/100⌋ sequences) both by label and by prediction, in at
    /// least one class (for C = 1 this is the original's `--percentile-top`).
    TopPercent(f64),
    /// Every sequence.
    All,
}

impl Selection {
    /// The default rule: exact match for binary labels, correlation 0.75 otherwise.
    pub fn default_for(binary: bool) -> Self {
        if binary {
            Self::ExactMatch
        } else {
            Self::Correlation(0.75)
        }
    }
}

impl std::fmt::Display for Selection {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::ExactMatch => write!(f, "exact-match"),
            Self::Correlation(x) => write!(f, "correlation > {x}"),
            Self::TopPercent(x) => write!(f, "top {x}%"),
            Self::All => write!(f, "all"),
        }
    }
}

/// Indices (ascending) of the sequences kept by `rule`.
pub fn select(pred: &[f32], labels: &[f32], classes: usize, rule: Selection) -> Result<Vec<usize>> {
    if classes == 0 || pred.len() != labels.len() || pred.len() % classes != 0 {
        return Err(InterpretError::Data(format!(
            "{} predictions and {} labels do not form (N, {classes}) arrays",
            pred.len(),
            labels.len()
        )));
    }
    let n = pred.len() / classes;
    let rows = |i: usize| {
        (
            &pred[i * classes..(i + 1) * classes],
            &labels[i * classes..(i + 1) * classes],
        )
    };
    Ok(match rule {
        Selection::All => (0..n).collect(),
        Selection::ExactMatch => (0..n)
            .filter(|&i| {
                let (p, y) = rows(i);
                p.iter().zip(y).all(|(p, y)| (p.round() - y).abs() < 1e-6)
            })
            .collect(),
        Selection::Correlation(x) => (0..n)
            .filter(|&i| {
                let (p, y) = rows(i);
                pearson(p, y).is_some_and(|r| r > x)
            })
            .collect(),
        Selection::TopPercent(pct) => {
            let k = ((n as f64) * pct / 100.0).floor() as usize;
            let mut keep = vec![false; n];
            for c in 0..classes {
                let top = |v: &[f32]| {
                    let mut idx: Vec<usize> = (0..n).collect();
                    idx.sort_by(|&a, &b| v[b * classes + c].total_cmp(&v[a * classes + c]));
                    let mut t = vec![false; n];
                    for &i in &idx[..k.min(n)] {
                        t[i] = true;
                    }
                    t
                };
                let (tp, ty) = (top(pred), top(labels));
                for i in 0..n {
                    keep[i] |= tp[i] && ty[i];
                }
            }
            (0..n).filter(|&i| keep[i]).collect()
        }
    })
}

/// Keep at most `max` of `idx`, drawn without replacement with a seeded RNG; the result is
/// sorted ascending. Returns `idx` unchanged when it is not longer than `max`.
pub fn subsample(mut idx: Vec<usize>, max: usize, seed: u64) -> Vec<usize> {
    if idx.len() <= max {
        return idx;
    }
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    idx.shuffle(&mut rng);
    idx.truncate(max);
    idx.sort_unstable();
    idx
}

fn pearson(x: &[f32], y: &[f32]) -> Option<f64> {
    let n = x.len() as f64;
    let mx = x.iter().map(|&v| v as f64).sum::<f64>() / n;
    let my = y.iter().map(|&v| v as f64).sum::<f64>() / n;
    let (mut sxy, mut sxx, mut syy) = (0.0, 0.0, 0.0);
    for (&a, &b) in x.iter().zip(y) {
        let (a, b) = (a as f64 - mx, b as f64 - my);
        sxy += a * b;
        sxx += a * a;
        syy += b * b;
    }
    (sxx > 0.0 && syy > 0.0).then(|| sxy / (sxx * syy).sqrt())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exact_match_needs_every_class() {
        let pred = [0.9, 0.2, 0.6, 0.7, 0.1, 0.4];
        let lab = [1.0, 0.0, 1.0, 0.0, 0.0, 0.0];
        assert_eq!(
            select(&pred, &lab, 2, Selection::ExactMatch).unwrap(),
            vec![0, 2]
        );
    }

    #[test]
    fn correlation_threshold_and_constant_rows() {
        let pred = [1.0, 2.0, 3.0, 3.0, 2.0, 1.0, 1.0, 1.0, 1.0];
        let lab = [1.0, 2.0, 3.5, 1.0, 2.0, 3.0, 1.0, 2.0, 3.0];
        assert_eq!(
            select(&pred, &lab, 3, Selection::Correlation(0.75)).unwrap(),
            vec![0]
        );
    }

    #[test]
    fn top_percent_intersects_labels_and_predictions() {
        let pred = [0.9, 0.8, 0.1, 0.7];
        let lab = [5.0, 0.0, 4.0, 3.0];
        // top 50 %: predictions {0, 1}, labels {0, 2} → {0}
        assert_eq!(
            select(&pred, &lab, 1, Selection::TopPercent(50.0)).unwrap(),
            vec![0]
        );
        assert_eq!(select(&pred, &lab, 1, Selection::All).unwrap().len(), 4);
        assert!(select(&pred, &lab[..3], 1, Selection::All).is_err());
    }

    #[test]
    fn subsample_is_seeded_and_sorted() {
        let a = subsample((0..100).collect(), 10, 7);
        assert_eq!(a, subsample((0..100).collect(), 10, 7));
        assert_eq!(a.len(), 10);
        assert!(a.windows(2).all(|w| w[0] < w[1]));
        assert_eq!(subsample(vec![3, 4], 10, 7), vec![3, 4]);
    }
}
