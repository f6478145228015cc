//! The rules every command shares, so that `test`, `predict`, `interpret` and `explain`
//! never disagree:
//! - **strands** ([`both_strands`]) and **output function** ([`output_loss`]), defined
//!   with the operations in [`explainn_ops::predict`]: a model trained with reverse
//!   complements is predicted on both strands and the two are averaged unless
//!   `--forward-only`; the model's loss decides sigmoid, softmax, exp or identity;
//! - **input length** ([`fit_sequence`]): sequences of the model's length are used as they
//!   are; any other length is an error naming the record, unless `--fit-length` asks for
//!   centre-cropping or N-padding (as Python's `str.center`, like the original).

use crate::{Result, RunError};
use explainn_seq::Dataset;
use std::path::Path;

pub use explainn_ops::predict::{both_strands, logits, output_loss, predictions};

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

/// Bring the label columns of `data` (read from `path`) into the order of `classes` (the
/// model's or the training set's), matching them by name: columns named as `classes` in
/// another order are reordered; a file without a header (classes `0`, `1`, …) is taken in
/// order; other names are an error that lists both. Returns whether columns were reordered.
pub fn match_classes(
    data: &mut Dataset,
    path: &Path,
    classes: &[String],
    what: &str,
) -> Result<bool> {
    let names = &data.class_names;
    let positional = names.iter().enumerate().all(|(i, n)| n == &i.to_string());
    if names == classes || positional {
        return Ok(false);
    }
    let perm: Option<Vec<usize>> = classes
        .iter()
        .map(|c| names.iter().position(|n| n == c))
        .collect();
    let perm = match perm {
        Some(p) if names.len() == classes.len() => p,
        _ => {
            return Err(RunError::Data(format!(
                "{}: the {what} file's classes are {}, but the model's are {}; give a file with the same class columns (in any order)",
                path.display(),
                names.join(", "),
                classes.join(", ")
            )));
        }
    };
    let c = classes.len();
    let mut labels = vec![0f32; data.labels.len()];
    for (dst, src) in labels.chunks_mut(c).zip(data.labels.chunks(c)) {
        for (k, &j) in perm.iter().enumerate() {
            dst[k] = src[j];
        }
    }
    data.labels = labels;
    data.class_names = classes.to_vec();
    Ok(true)
}

#[cfg(test)]
mod tests {
    use super::*;
    use explainn_nn::{ExplaiNNConfig, Loss, ModelMetadata};

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

    #[test]
    fn classes_are_matched_by_name() {
        let names = |v: &[&str]| v.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        let mut d = Dataset::new(2, names(&["b", "a"]));
        d.push("x", b"AC", &[1.0, 0.0]);
        let p = Path::new("v.tsv");
        assert!(match_classes(&mut d, p, &names(&["a", "b"]), "validation").unwrap());
        assert_eq!(
            (d.labels.clone(), d.class_names.clone()),
            (vec![0.0, 1.0], names(&["a", "b"]))
        );
        let mut d = Dataset::new(2, names(&["a", "c"]));
        let e = match_classes(&mut d, p, &names(&["a", "b"]), "test")
            .unwrap_err()
            .to_string();
        assert!(e.contains("a, c") && e.contains("a, b"), "{e}");
        let mut d = Dataset::new(2, names(&["0", "1"]));
        assert!(!match_classes(&mut d, p, &names(&["a", "b"]), "test").unwrap());
    }
}
