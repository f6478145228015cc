//! Evaluation metrics, matching scikit-learn / SciPy definitions (ties included):
//! AUROC (`roc_auc_score`), AUPRC as average precision (`average_precision_score`),
//! Pearson (`pearsonr`), Spearman (`spearmanr`, average ranks) and MSE.
//! Undefined values (a constant vector, a class without positives or negatives) are NaN.

use serde::Serialize;

/// Metrics of one class (or their macro average).
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct ClassMetrics {
    /// Area under the ROC curve; NaN unless targets are binary (0/1) with both present.
    pub auroc: f64,
    /// Average precision; NaN under the same conditions as `auroc`.
    pub auprc: f64,
    /// Pearson correlation between predictions and targets.
    pub pearson: f64,
    /// Spearman rank correlation.
    pub spearman: f64,
    /// Mean squared error.
    pub mse: f64,
}

/// Per-class metrics for predictions and targets, both `(N, C)` row-major, plus the macro
/// average (the mean over classes of each metric, ignoring classes where it is NaN).
pub fn evaluate(pred: &[f32], target: &[f32], classes: usize) -> (Vec<ClassMetrics>, ClassMetrics) {
    assert_eq!(pred.len(), target.len());
    assert!(classes > 0 && pred.len() % classes == 0);
    let per: Vec<ClassMetrics> = (0..classes)
        .map(|c| {
            let p: Vec<f64> = pred
                .iter()
                .skip(c)
                .step_by(classes)
                .map(|&v| v as f64)
                .collect();
            let t: Vec<f64> = target
                .iter()
                .skip(c)
                .step_by(classes)
                .map(|&v| v as f64)
                .collect();
            class_metrics(&p, &t)
        })
        .collect();
    let mean = |f: fn(&ClassMetrics) -> f64| {
        let v: Vec<f64> = per.iter().map(f).filter(|x| !x.is_nan()).collect();
        if v.is_empty() {
            f64::NAN
        } else {
            v.iter().sum::<f64>() / v.len() as f64
        }
    };
    let macro_avg = ClassMetrics {
        auroc: mean(|m| m.auroc),
        auprc: mean(|m| m.auprc),
        pearson: mean(|m| m.pearson),
        spearman: mean(|m| m.spearman),
        mse: mean(|m| m.mse),
    };
    (per, macro_avg)
}

/// All metrics for one class.
pub fn class_metrics(pred: &[f64], target: &[f64]) -> ClassMetrics {
    let binary = target.iter().all(|&t| t == 0.0 || t == 1.0);
    let labels: Vec<bool> = target.iter().map(|&t| t == 1.0).collect();
    ClassMetrics {
        auroc: if binary {
            auroc(pred, &labels)
        } else {
            f64::NAN
        },
        auprc: if binary {
            average_precision(pred, &labels)
        } else {
            f64::NAN
        },
        pearson: pearson(pred, target),
        spearman: spearman(pred, target),
        mse: mse(pred, target),
    }
}

/// Indices sorting `scores` in decreasing order (NaN last).
fn order_desc(scores: &[f64]) -> Vec<usize> {
    let mut idx: Vec<usize> = (0..scores.len()).collect();
    idx.sort_by(|&a, &b| scores[b].total_cmp(&scores[a]));
    idx
}

/// Area under the ROC curve, ties counted as half (the trapezoidal rule over distinct
/// thresholds, as sklearn). NaN when only one label is present.
pub fn auroc(scores: &[f64], labels: &[bool]) -> f64 {
    let pos = labels.iter().filter(|&&l| l).count();
    let neg = labels.len() - pos;
    if pos == 0 || neg == 0 {
        return f64::NAN;
    }
    let ranks = average_ranks(scores);
    let rank_sum: f64 = ranks
        .iter()
        .zip(labels)
        .filter(|(_, l)| **l)
        .map(|(r, _)| r)
        .sum();
    (rank_sum - (pos * (pos + 1)) as f64 / 2.0) / (pos as f64 * neg as f64)
}

/// Average precision: Σ_n (R_n − R_{n−1})·P_n over distinct score thresholds, decreasing
/// (sklearn's `average_precision_score`). NaN without positives.
pub fn average_precision(scores: &[f64], labels: &[bool]) -> f64 {
    let pos = labels.iter().filter(|&&l| l).count();
    if pos == 0 || pos == labels.len() && labels.is_empty() {
        return f64::NAN;
    }
    let idx = order_desc(scores);
    let (mut tp, mut fp) = (0usize, 0usize);
    let mut ap = 0.0;
    let mut prev_recall = 0.0;
    let mut i = 0;
    while i < idx.len() {
        let s = scores[idx[i]];
        while i < idx.len() && scores[idx[i]] == s {
            if labels[idx[i]] {
                tp += 1;
            } else {
                fp += 1;
            }
            i += 1;
        }
        let recall = tp as f64 / pos as f64;
        let precision = tp as f64 / (tp + fp) as f64;
        ap += (recall - prev_recall) * precision;
        prev_recall = recall;
    }
    ap
}

/// Pearson correlation; NaN if either vector is constant or empty.
pub fn pearson(x: &[f64], y: &[f64]) -> f64 {
    let n = x.len();
    if n < 2 {
        return f64::NAN;
    }
    let mx = x.iter().sum::<f64>() / n as f64;
    let my = y.iter().sum::<f64>() / n as f64;
    let (mut sxy, mut sxx, mut syy) = (0.0, 0.0, 0.0);
    for (a, b) in x.iter().zip(y) {
        let (dx, dy) = (a - mx, b - my);
        sxy += dx * dy;
        sxx += dx * dx;
        syy += dy * dy;
    }
    if sxx == 0.0 || syy == 0.0 {
        return f64::NAN;
    }
    (sxy / (sxx * syy).sqrt()).clamp(-1.0, 1.0)
}

/// 1-based ranks, ties sharing the average rank.
fn average_ranks(x: &[f64]) -> Vec<f64> {
    let mut idx: Vec<usize> = (0..x.len()).collect();
    idx.sort_by(|&a, &b| x[a].total_cmp(&x[b]));
    let mut ranks = vec![0.0; x.len()];
    let mut i = 0;
    while i < idx.len() {
        let mut j = i;
        while j + 1 < idx.len() && x[idx[j + 1]] == x[idx[i]] {
            j += 1;
        }
        let r = (i + j) as f64 / 2.0 + 1.0;
        for &k in &idx[i..=j] {
            ranks[k] = r;
        }
        i = j + 1;
    }
    ranks
}

/// Spearman rank correlation (Pearson of average ranks).
pub fn spearman(x: &[f64], y: &[f64]) -> f64 {
    pearson(&average_ranks(x), &average_ranks(y))
}

/// Mean squared error; NaN when empty.
pub fn mse(x: &[f64], y: &[f64]) -> f64 {
    if x.is_empty() {
        return f64::NAN;
    }
    x.iter().zip(y).map(|(a, b)| (a - b) * (a - b)).sum::<f64>() / x.len() as f64
}

#[cfg(test)]
mod tests {
    use super::*;

    // Expected values computed once with scikit-learn 1.x / SciPy in a throwaway venv:
    //   roc_auc_score(y, s), average_precision_score(y, s), pearsonr(s, y)[0],
    //   spearmanr(s, y)[0], mean_squared_error(y, s), and the same three regression metrics
    //   against the real-valued targets `t`.
    const Y: [f64; 12] = [1., 0., 1., 1., 0., 0., 1., 0., 0., 1., 0., 1.];
    const S: [f64; 12] = [0.9, 0.8, 0.8, 0.7, 0.5, 0.5, 0.5, 0.3, 0.2, 0.2, 0.1, 0.95];
    const T: [f64; 12] = [1.5, 2.0, 2.0, -1.0, 0.0, 3.5, 2.0, 1.0, 0.5, 0.5, 4.0, -2.0];

    fn close(a: f64, b: f64) {
        assert!((a - b).abs() < 1e-12, "{a} vs {b}");
    }

    #[test]
    fn binary_metrics_match_sklearn_with_ties() {
        let m = class_metrics(&S, &Y);
        close(m.auroc, 0.7777777777777777);
        close(m.auprc, 0.7867424242424241);
        close(m.pearson, 0.48981699375998994);
        close(m.spearman, 0.4879500364742666);
        close(m.mse, 0.19270833333333334);
    }

    #[test]
    fn regression_metrics_match_scipy() {
        let m = class_metrics(&S, &T);
        assert!(m.auroc.is_nan() && m.auprc.is_nan());
        close(m.pearson, -0.34635291782809763);
        close(m.spearman, -0.2459896956191214);
        close(m.mse, 3.517708333333333);
    }

    #[test]
    fn macro_average_skips_undefined_classes() {
        // class 0 = (S, Y); class 1 all-negative → AUROC NaN, skipped in the macro mean.
        let mut p = Vec::new();
        let mut t = Vec::new();
        for i in 0..12 {
            p.extend([S[i] as f32, S[i] as f32]);
            t.extend([Y[i] as f32, 0.0]);
        }
        let (per, mac) = evaluate(&p, &t, 2);
        assert!(per[1].auroc.is_nan());
        assert!((mac.auroc - 0.7777777777777777).abs() < 1e-6);
    }
}
