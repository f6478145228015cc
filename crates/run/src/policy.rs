//! The rules every command shares, so that `test`, `predict`, `interpret` and `explain`
//! never disagree:
//! - **strands** ([`both_strands`]): a model trained with reverse complements is
//!   predicted on both strands and the two are averaged; `--forward-only` (or a model
//!   trained without them) uses the sequences as given;
//! - **output function** ([`output_loss`]): the loss recorded in the model file decides
//!   sigmoid (bce), softmax (ce), exp (poisson) or identity; a model file without one
//!   (imported checkpoints) takes bce for 0/1 labels and mse otherwise;
//! - **input length** ([`fit_sequence`]): sequences of the model's length are used as they
//!   are; any other length is an error naming the record, unless `--fit-length` asks for
//!   centre-cropping or N-padding (as Python's `str.center`, like the original).

use crate::{Result, RunError};
use explainn_nn::{Loss, ModelMetadata, Predictor};

/// Whether predictions average both strands: the model was trained with reverse
/// complements and `forward_only` is not set.
pub fn both_strands(meta: &ModelMetadata, forward_only: bool) -> bool {
    meta.trained_with_rc && !forward_only
}

/// The loss whose output function turns logits into predictions.
pub fn output_loss(meta: &ModelMetadata, labels: &[f32]) -> Loss {
    meta.loss
        .unwrap_or(if labels.iter().all(|&v| v == 0.0 || v == 1.0) {
            Loss::Bce
        } else {
            Loss::Mse
        })
}

/// Predictions `(N, C)` of `codes` `(N, L)`: the logits (strand-averaged with `both`)
/// through the output function of `loss`.
pub fn predictions(p: &Predictor, codes: &[u8], both: bool, loss: Loss) -> Result<Vec<f32>> {
    let mut pred = if both {
        p.strands(codes)?.mean()
    } else {
        p.logits(codes, false)?
    };
    for row in pred.chunks_exact_mut(p.model().classes()) {
        loss.activate(row);
    }
    Ok(pred)
}

/// The sequence `seq` of record `id` at the model's `length`: unchanged when it has that
/// length; centre-cropped or N-padded with `fit`; otherwise an error that names the record
/// and the flag.
pub fn fit_sequence(id: &str, seq: &[u8], length: usize, fit: bool) -> Result<Vec<u8>> {
    if seq.len() == length {
        Ok(seq.to_vec())
    } else if fit {
        Ok(explainn_seq::encode::fit_length(seq, length))
    } else {
        Err(RunError::Data(format!(
            "sequence `{id}` has length {}, but the model expects {length} (use --fit-length \
             to centre-crop or N-pad)",
            seq.len()
        )))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use explainn_nn::ExplaiNNConfig;

    #[test]
    fn one_rule_for_strands_losses_and_lengths() {
        let mut meta = ModelMetadata::new(ExplaiNNConfig::new(2, 30, 1), vec![]);
        assert!(!both_strands(&meta, false));
        meta.trained_with_rc = true;
        assert!(both_strands(&meta, false) && !both_strands(&meta, true));
        assert_eq!(output_loss(&meta, &[0.0, 1.0]), Loss::Bce);
        assert_eq!(output_loss(&meta, &[0.0, 2.5]), Loss::Mse);
        meta.loss = Some(Loss::Poisson);
        assert_eq!(output_loss(&meta, &[0.0, 1.0]), Loss::Poisson);
        assert_eq!(fit_sequence("a", b"ACGT", 4, false).unwrap(), b"ACGT");
        assert_eq!(fit_sequence("a", b"ACGTAC", 4, true).unwrap(), b"CGTA");
        let e = fit_sequence("seq7", b"ACG", 4, false)
            .unwrap_err()
            .to_string();
        assert!(e.contains("seq7") && e.contains("--fit-length"), "{e}");
    }
}
