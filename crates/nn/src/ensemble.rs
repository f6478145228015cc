//! Ensembles of ExplaiNN models as one ExplaiNN.
//!
//! An ExplaiNN's logit is a sum over units, `y_c = Σ_u W[c,u]·o_u + b_c`, so the mean
//! logit of K models with U_1…U_K units is itself an ExplaiNN with ΣU_k units: every unit
//! tensor is stacked in member order, the final weights are the members' divided by K and
//! the final bias is the members' mean. Unit importance, explanations and reports then
//! work on the ensemble unchanged, and each unit stays exactly the member's unit.
//!
//! ```
//! use explainn_nn::{ExplaiNN, ExplaiNNConfig, ensemble};
//! let dev = explainn_nn::default_device();
//! let c = ExplaiNNConfig::new(3, 40, 2);
//! let a = ExplaiNN::new(c.clone(), 1, &dev).unwrap();
//! let b = ExplaiNN::new(c, 2, &dev).unwrap();
//! let merged = ensemble::merge(&[&a, &b], &dev).unwrap();
//! assert_eq!(merged.config().units, 6);
//! ```

use crate::model::{ExplaiNN, ExplaiNNConfig, TensorMap};
use crate::{Device, NnError, Result};

/// Merge `members` (at least one) into one ExplaiNN whose logits are the mean of theirs.
/// Members must agree on everything but their number of units (input length, classes,
/// filter width, pooling, per-unit layers and dropout); otherwise an error names the first
/// difference.
pub fn merge(members: &[&ExplaiNN], device: &Device) -> Result<ExplaiNN> {
    let first = members
        .first()
        .ok_or_else(|| NnError::Config("an ensemble needs at least one model".into()))?
        .config();
    for (k, m) in members.iter().enumerate().skip(1) {
        let c = m.config();
        let same = ExplaiNNConfig {
            units: first.units,
            ..c.clone()
        };
        if &same != first {
            return Err(NnError::Config(format!(
                "model {} differs from model 1: {} vs {} (an ensemble needs the same input \
                 length, classes and unit architecture; only the number of units may differ)",
                k + 1,
                describe(c),
                describe(first)
            )));
        }
    }
    let k = members.len() as f32;
    let units: usize = members.iter().map(|m| m.config().units).sum();
    let config = ExplaiNNConfig {
        units,
        ..first.clone()
    };
    let maps: Vec<TensorMap> = members.iter().map(|m| m.to_tensors()).collect();
    let mut merged = TensorMap::new();
    for name in ExplaiNN::parameter_names(&config) {
        let parts: Vec<&(Vec<usize>, Vec<f32>)> = maps.iter().map(|t| &t[&name]).collect();
        let entry = match name.as_str() {
            "final.weight" => {
                let classes = config.classes;
                let mut data = Vec::with_capacity(classes * units);
                for c in 0..classes {
                    for (p, m) in parts.iter().zip(members) {
                        let u = m.config().units;
                        data.extend(p.1[c * u..(c + 1) * u].iter().map(|w| w / k));
                    }
                }
                (vec![classes, units], data)
            }
            "final.bias" => {
                let mut data = vec![0f32; config.classes];
                for p in &parts {
                    for (d, b) in data.iter_mut().zip(&p.1) {
                        *d += b / k;
                    }
                }
                (vec![config.classes], data)
            }
            // Unit tensors: dimension 0 runs over units (times the layer's width), so
            // stacking members is concatenating their data.
            _ => {
                let mut shape = parts[0].0.clone();
                shape[0] = parts.iter().map(|p| p.0[0]).sum();
                (
                    shape,
                    parts.iter().flat_map(|p| p.1.iter().copied()).collect(),
                )
            }
        };
        merged.insert(name, entry);
    }
    ExplaiNN::from_tensors(config, &merged, device)
}

fn describe(c: &ExplaiNNConfig) -> String {
    format!(
        "length {}, {} classes, filter {}, pool {}/{}, {} layers of {}, dropout {}",
        c.input_length,
        c.classes,
        c.filter_size,
        c.pool_size,
        c.pool_stride,
        c.num_fc,
        c.hidden,
        c.dropout
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use burn::tensor::{Tensor, TensorData};

    #[test]
    fn merged_logits_are_the_mean_of_the_members() {
        let dev = crate::default_device();
        let mut c = ExplaiNNConfig::new(4, 30, 3);
        c.filter_size = 5;
        c.hidden = 6;
        let a = ExplaiNN::new(c.clone(), 7, &dev).unwrap();
        let b = ExplaiNN::new(
            ExplaiNNConfig {
                units: 2,
                ..c.clone()
            },
            8,
            &dev,
        )
        .unwrap();
        let d = ExplaiNN::new(c.clone(), 9, &dev).unwrap();
        let merged = merge(&[&a, &b, &d], &dev).unwrap();
        assert_eq!(merged.config().units, 10);
        let n = 5;
        let mut s = 11u64;
        let x: Vec<f32> = (0..n * 30)
            .flat_map(|_| {
                s = s
                    .wrapping_mul(6364136223846793005)
                    .wrapping_add(1442695040888963407);
                let b = (s >> 33) as usize % 4;
                (0..4).map(move |i| (i == b) as u8 as f32)
            })
            .collect();
        // (B, L, 4) drawn, transposed to (B, 4, L)
        let x = Tensor::<3>::from_data(TensorData::new(x, [n, 30, 4]), &dev).swap_dims(1, 2);
        let logits = |m: &ExplaiNN| crate::model::tensor_values(m.forward(x.clone()));
        let (la, lb, ld, lm) = (logits(&a), logits(&b), logits(&d), logits(&merged));
        for i in 0..lm.len() {
            let mean = (la[i] + lb[i] + ld[i]) / 3.0;
            assert!((lm[i] - mean).abs() < 1e-5, "{i}: {} vs {mean}", lm[i]);
        }
    }

    #[test]
    fn members_of_another_architecture_are_refused() {
        let dev = crate::default_device();
        let a = ExplaiNN::new(ExplaiNNConfig::new(2, 30, 1), 1, &dev).unwrap();
        let b = ExplaiNN::new(ExplaiNNConfig::new(2, 31, 1), 1, &dev).unwrap();
        let e = merge(&[&a, &b], &dev).unwrap_err().to_string();
        assert!(e.contains("model 2 differs from model 1: length 31"), "{e}");
    }
}
