//! Training losses, written from tensor operations (numerically stable forms).
//! All take logits `(B, C)` and targets `(B, C)` and return a scalar tensor `(1)`.

use burn::tensor::Tensor;
use burn::tensor::activation::log_softmax;
use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

/// The loss functions of the original tool.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Loss {
    /// Binary cross-entropy with logits, mean over all B·C entries (multi-label).
    Bce,
    /// Cross-entropy with (probability or one-hot) targets over the C classes, mean over the
    /// batch (multi-class).
    Ce,
    /// Mean squared error over all entries.
    Mse,
    /// 1 − Pearson correlation between a sequence's outputs and targets across classes,
    /// averaged over the batch (the original sums over the batch; the mean keeps the loss
    /// independent of the batch size). Needs C ≥ 2.
    Pearson,
    /// Poisson negative log-likelihood with log-rate input: mean of exp(x) − y·x.
    Poisson,
}

impl Loss {
    /// The loss value `(1)` for logits `x` `(B, C)` and targets `y` `(B, C)`.
    pub fn compute(self, x: Tensor<2>, y: Tensor<2>) -> Tensor<1> {
        match self {
            // max(x, 0) − x·y + log(1 + exp(−|x|))
            Loss::Bce => {
                (x.clone().clamp_min(0.0) - x.clone() * y + x.abs().neg().exp().log1p()).mean()
            }
            Loss::Ce => {
                let [b, _] = x.dims();
                (log_softmax(x, 1) * y).sum().neg().div_scalar(b as f64)
            }
            Loss::Mse => {
                let d = x - y;
                (d.clone() * d).mean()
            }
            Loss::Pearson => {
                let xc = x.clone() - x.mean_dim(1);
                let yc = y.clone() - y.mean_dim(1);
                let num = (xc.clone() * yc.clone()).sum_dim(1);
                let den = ((xc.clone() * xc).sum_dim(1) * (yc.clone() * yc).sum_dim(1))
                    .sqrt()
                    .clamp_min(1e-8);
                (num / den).neg().add_scalar(1.0).mean()
            }
            Loss::Poisson => (x.clone().exp() - y * x).mean(),
        }
    }

    /// Check that labels `(N, C)` suit the loss: bce needs values in [0, 1]; ce at least two
    /// classes and rows of probabilities summing to 1; poisson values ≥ 0; pearson at least
    /// two classes (it correlates each sequence's outputs with its labels across classes).
    /// The message names the first offending sequence (1-based) and class.
    ///
    /// ```
    /// use explainn_nn::Loss;
    /// assert!(Loss::Bce.check_labels(&[0.0, 1.0], 1).is_ok());
    /// assert!(Loss::Bce.check_labels(&[0.0, 2.0], 1).unwrap_err().contains("sequence 2"));
    /// assert!(Loss::Ce.check_labels(&[1.0, 0.0], 1).is_err()); // one class
    /// ```
    pub fn check_labels(self, labels: &[f32], classes: usize) -> Result<(), String> {
        let at = |i: usize| (i / classes.max(1) + 1, i % classes.max(1) + 1);
        let first = |bad: &dyn Fn(f32) -> bool| labels.iter().position(|&v| bad(v));
        match self {
            Loss::Bce => {
                if let Some(i) = first(&|v| !(0.0..=1.0).contains(&v)) {
                    let (s, c) = at(i);
                    return Err(format!(
                        "the bce loss needs labels between 0 and 1, but sequence {s} has {} in class {c} (use --loss mse or poisson for scores and counts)",
                        labels[i]
                    ));
                }
            }
            Loss::Ce => {
                if classes < 2 {
                    return Err("the ce loss needs at least two classes (one label column per class); for one binary label use --loss bce".into());
                }
                for (r, row) in labels.chunks(classes).enumerate() {
                    let sum: f32 = row.iter().sum();
                    if row.iter().any(|v| !(0.0..=1.0).contains(v)) || (sum - 1.0).abs() > 1e-3 {
                        return Err(format!(
                            "the ce loss needs each sequence's labels to be one-hot (or probabilities summing to 1), but sequence {} has {row:?} (use --loss bce for multi-label data)",
                            r + 1
                        ));
                    }
                }
            }
            Loss::Poisson => {
                if let Some(i) = first(&|v| v < 0.0) {
                    let (s, c) = at(i);
                    return Err(format!(
                        "the poisson loss needs counts ≥ 0, but sequence {s} has {} in class {c}",
                        labels[i]
                    ));
                }
            }
            Loss::Pearson if classes < 2 => {
                return Err("the pearson loss correlates each sequence's outputs with its labels across classes, so it needs at least two classes (use --loss mse for one)".into());
            }
            Loss::Mse | Loss::Pearson => {}
        }
        Ok(())
    }

    /// Whether outputs are probabilities through a sigmoid (binary/multi-label tasks).
    pub fn is_binary(self) -> bool {
        self == Loss::Bce
    }

    /// Turn one row of (strand-averaged) logits into the reported predictions, in place:
    /// sigmoid for `bce`, softmax for `ce`, exp (the Poisson rate) for `poisson`, and the
    /// identity for `mse` and `pearson`.
    pub fn activate(self, row: &mut [f32]) {
        match self {
            Loss::Bce => row.iter_mut().for_each(|v| *v = sigmoid(*v)),
            Loss::Ce => {
                let m = row.iter().copied().fold(f32::NEG_INFINITY, f32::max);
                let s: f32 = row.iter().map(|v| (v - m).exp()).sum();
                row.iter_mut().for_each(|v| *v = (*v - m).exp() / s);
            }
            Loss::Poisson => row.iter_mut().for_each(|v| *v = v.exp()),
            Loss::Mse | Loss::Pearson => {}
        }
    }

    /// All names accepted by [`FromStr`].
    pub const NAMES: [&'static str; 5] = ["bce", "ce", "mse", "pearson", "poisson"];
}

/// The logistic function.
pub fn sigmoid(x: f32) -> f32 {
    1.0 / (1.0 + (-x).exp())
}

impl fmt::Display for Loss {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let s = match self {
            Loss::Bce => "bce",
            Loss::Ce => "ce",
            Loss::Mse => "mse",
            Loss::Pearson => "pearson",
            Loss::Poisson => "poisson",
        };
        f.write_str(s)
    }
}

impl FromStr for Loss {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        Ok(match s.to_ascii_lowercase().as_str() {
            "bce" | "bcewithlogits" => Loss::Bce,
            "ce" | "crossentropy" => Loss::Ce,
            "mse" => Loss::Mse,
            "pearson" => Loss::Pearson,
            "poisson" | "poissonnll" => Loss::Poisson,
            _ => {
                return Err(format!(
                    "unknown loss `{s}` (expected one of {})",
                    Loss::NAMES.join(", ")
                ));
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use burn::tensor::TensorData;

    fn t(v: &[f32], b: usize) -> Tensor<2> {
        let c = v.len() / b;
        Tensor::from_data(
            TensorData::new(v.to_vec(), [b, c]),
            &crate::default_device(),
        )
    }
    fn val(l: Tensor<1>) -> f64 {
        l.into_scalar::<f32>() as f64
    }

    #[test]
    fn losses_match_direct_formulas() {
        let x = [0.5f32, -2.0, 3.0, 0.1, -0.3, 1.2];
        let y = [1.0f32, 0.0, 1.0, 0.0, 0.0, 1.0];
        let n = 6.0;
        let bce: f64 = x
            .iter()
            .zip(&y)
            .map(|(&x, &y)| {
                let p = 1.0 / (1.0 + (-(x as f64)).exp());
                -(y as f64 * p.ln() + (1.0 - y as f64) * (1.0 - p).ln())
            })
            .sum::<f64>()
            / n;
        assert!((val(Loss::Bce.compute(t(&x, 2), t(&y, 2))) - bce).abs() < 1e-5);
        let mse: f64 = x
            .iter()
            .zip(&y)
            .map(|(&a, &b)| ((a - b) as f64).powi(2))
            .sum::<f64>()
            / n;
        assert!((val(Loss::Mse.compute(t(&x, 2), t(&y, 2))) - mse).abs() < 1e-5);
        let poi: f64 = x
            .iter()
            .zip(&y)
            .map(|(&a, &b)| (a as f64).exp() - b as f64 * a as f64)
            .sum::<f64>()
            / n;
        assert!((val(Loss::Poisson.compute(t(&x, 2), t(&y, 2))) - poi).abs() < 1e-5);
        // CE: rows (0.5, -2, 3) target class 2 weight 1 and class 0 weight 1 (probability targets sum 2)
        let ce: f64 = [(0usize, &x[0..3], &y[0..3]), (1, &x[3..6], &y[3..6])]
            .iter()
            .map(|(_, xs, ys)| {
                let m = xs.iter().map(|&v| (v as f64).exp()).sum::<f64>().ln();
                -xs.iter()
                    .zip(ys.iter())
                    .map(|(&a, &b)| b as f64 * (a as f64 - m))
                    .sum::<f64>()
            })
            .sum::<f64>()
            / 2.0;
        assert!((val(Loss::Ce.compute(t(&x, 2), t(&y, 2))) - ce).abs() < 1e-5);
        // Pearson of a perfectly correlated row is 0 loss.
        let p = val(Loss::Pearson.compute(t(&[1.0, 2.0, 3.0], 1), t(&[2.0, 4.0, 6.0], 1)));
        assert!(p.abs() < 1e-5);
    }

    #[test]
    fn names_parse() {
        for n in Loss::NAMES {
            assert_eq!(n.parse::<Loss>().unwrap().to_string(), n);
        }
        assert!("nope".parse::<Loss>().is_err());
    }
}
