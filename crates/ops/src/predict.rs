//! Predictions of sequences given as codes `(N, L)`, under the rules every interface
//! shares:
//! - **strands** ([`both_strands`]): a model trained with reverse complements is predicted
//!   on both strands and the two are averaged, unless the caller asks for the forward
//!   strand only (a model trained without them uses the sequences as given);
//! - **output function** ([`output_loss`]): the loss recorded in the model file decides
//!   sigmoid (bce), softmax (ce), exp (poisson) or identity; a model file without one
//!   (imported checkpoints) takes bce for 0/1 labels and mse otherwise.
//!
//! ```
//! use explainn_nn::{Arch, Loss, Model, ModelConfig, Predictor, default_device};
//! use explainn_ops::predict::{logits, predictions};
//! let dev = default_device();
//! let config = ModelConfig::published(Arch::ExplaiNN, 30, 2).unwrap();
//! let p = Predictor::new(Model::new(&config, 7, &dev).unwrap(), dev, 64);
//! let codes: Vec<u8> = (0..3 * 30).map(|i| (i * 5 % 4) as u8).collect(); // (3, 30)
//! let y = logits(&p, &codes, true).unwrap(); // (3, 2), strand-averaged
//! let s = p.strands(&codes).unwrap();
//! assert_eq!(y[1], (s.forward[1] + s.reverse[1]) / 2.0);
//! let prob = predictions(&p, &codes, true, Loss::Bce).unwrap();
//! assert!(prob.iter().all(|&v| (0.0..=1.0).contains(&v)));
//! ```

use crate::Result;
use explainn_nn::{Loss, ModelMetadata, Predictor};

/// Whether predictions average both strands: the model was trained with reverse
/// complements and `forward_only` is not set.
pub fn both_strands(meta: &ModelMetadata, forward_only: bool) -> bool {
    meta.trained_with_rc && !forward_only
}

/// The loss whose output function turns logits into predictions: the model's, else bce
/// for 0/1 `labels` and mse otherwise.
pub fn output_loss(meta: &ModelMetadata, labels: &[f32]) -> Loss {
    meta.loss
        .unwrap_or(if labels.iter().all(|&v| v == 0.0 || v == 1.0) {
            Loss::Bce
        } else {
            Loss::Mse
        })
}

/// Logits `(N, C)` of `codes` `(N, L)`, strand-averaged with `both_strands`.
pub fn logits(p: &Predictor, codes: &[u8], both_strands: bool) -> Result<Vec<f32>> {
    Ok(if both_strands {
        p.strands(codes)?.mean()
    } else {
        p.logits(codes, false)?
    })
}

/// Predictions `(N, C)` of `codes` `(N, L)`: the logits (strand-averaged with
/// `both_strands`) through the output function of `loss`.
pub fn predictions(
    p: &Predictor,
    codes: &[u8],
    both_strands: bool,
    loss: Loss,
) -> Result<Vec<f32>> {
    let mut pred = logits(p, codes, both_strands)?;
    for row in pred.chunks_exact_mut(p.model().classes()) {
        loss.activate(row);
    }
    Ok(pred)
}
