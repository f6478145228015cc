//! Seeded train/validation/test splits: stratified by label pattern, or by held-out
//! chromosomes.

use crate::{Dataset, SeqError};
use rand::SeedableRng;
use rand::seq::SliceRandom;
use rand_chacha::ChaCha8Rng;
use std::collections::BTreeMap;

/// Indices of the sequences in each part of a split.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Split {
    pub train: Vec<usize>,
    pub validation: Vec<usize>,
    pub test: Vec<usize>,
}

/// Fractions of a random split; they must be non-negative and sum to 1
/// (default 0.8 / 0.1 / 0.1).
#[derive(Debug, Clone, Copy)]
pub struct Fractions {
    pub train: f64,
    pub validation: f64,
    pub test: f64,
}

impl Default for Fractions {
    fn default() -> Self {
        Self {
            train: 0.8,
            validation: 0.1,
            test: 0.1,
        }
    }
}

impl Fractions {
    /// Build from three percentages or fractions (e.g. `80 10 10` or `0.8 0.1 0.1`).
    pub fn new(train: f64, validation: f64, test: f64) -> Result<Self, SeqError> {
        let s = train + validation + test;
        if [train, validation, test]
            .iter()
            .any(|v| !v.is_finite() || *v < 0.0)
            || s <= 0.0
        {
            return Err(SeqError::Invalid(format!(
                "split fractions must be non-negative numbers, got {train} {validation} {test}"
            )));
        }
        let scale = if (s - 100.0).abs() < 1e-6 {
            100.0
        } else if (s - 1.0).abs() < 1e-6 {
            1.0
        } else {
            return Err(SeqError::Invalid(format!(
                "split fractions must sum to 1 (or 100), got {train} + {validation} + {test} = {s}"
            )));
        };
        Ok(Self {
            train: train / scale,
            validation: validation / scale,
            test: test / scale,
        })
    }
}

/// Random split that keeps the proportion of every label pattern (the exact label vector
/// for 0/1 labels; regression labels are split without strata) in each part. Within a
/// stratum of n sequences, the test part gets round(n·test), validation round(n·validation)
/// and training the rest. Reproducible for a given `seed`.
pub fn stratified(data: &Dataset, fractions: Fractions, seed: u64) -> Split {
    let binary = data.labels.iter().all(|&v| v == 0.0 || v == 1.0);
    let mut strata: BTreeMap<Vec<u8>, Vec<usize>> = BTreeMap::new();
    for i in 0..data.len() {
        let key = if binary {
            data.label(i).iter().map(|&v| v as u8).collect()
        } else {
            Vec::new()
        };
        strata.entry(key).or_default().push(i);
    }
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let mut split = Split::default();
    for (_, mut idx) in strata {
        idx.shuffle(&mut rng);
        let n = idx.len();
        let n_test = (n as f64 * fractions.test).round() as usize;
        let n_val = ((n as f64 * fractions.validation).round() as usize).min(n - n_test);
        split.test.extend_from_slice(&idx[..n_test]);
        split
            .validation
            .extend_from_slice(&idx[n_test..n_test + n_val]);
        split.train.extend_from_slice(&idx[n_test + n_val..]);
    }
    split.train.shuffle(&mut rng);
    split.validation.shuffle(&mut rng);
    split.test.shuffle(&mut rng);
    split
}

/// Split by chromosome: sequences whose chromosome is in `validation` go to validation,
/// in `test` to test, all others to training. `chrom(i)` gives the chromosome of sequence
/// `i` (see [`chrom_from_id`]); a sequence without one is an error.
pub fn by_chromosome<'a>(
    n: usize,
    chrom: impl Fn(usize) -> Option<&'a str>,
    ids: impl Fn(usize) -> &'a str,
    validation: &[String],
    test: &[String],
) -> Result<Split, SeqError> {
    if let Some(c) = validation.iter().find(|c| test.contains(c)) {
        return Err(SeqError::Invalid(format!(
            "chromosome {c} is both a validation and a test chromosome"
        )));
    }
    let mut split = Split::default();
    for i in 0..n {
        let c = chrom(i).ok_or_else(|| {
            SeqError::Invalid(format!(
                "sequence '{}' has no chromosome (expected an id such as chr1:100-300)",
                ids(i)
            ))
        })?;
        if validation.iter().any(|v| v == c) {
            split.validation.push(i);
        } else if test.iter().any(|v| v == c) {
            split.test.push(i);
        } else {
            split.train.push(i);
        }
    }
    Ok(split)
}

/// The chromosome in an id of the form `chrom:start-end` (optionally followed by a strand
/// or other text, as bedtools getfasta and most peak files write). `None` without a colon.
pub fn chrom_from_id(id: &str) -> Option<&str> {
    let (c, rest) = id.split_once(':')?;
    (!c.is_empty() && rest.starts_with(|ch: char| ch.is_ascii_digit())).then_some(c)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn toy(n_pos: usize, n_neg: usize) -> Dataset {
        let mut d = Dataset::new(4, vec!["p".into()]);
        for i in 0..n_pos + n_neg {
            d.push(
                format!("chr{}:{}-{}", i % 3 + 1, i, i + 4),
                b"ACGT",
                &[(i < n_pos) as u8 as f32],
            );
        }
        d
    }

    #[test]
    fn stratified_keeps_balance_and_covers_everything() {
        let d = toy(500, 500);
        let s = stratified(&d, Fractions::default(), 3);
        assert_eq!(
            (s.train.len(), s.validation.len(), s.test.len()),
            (800, 100, 100)
        );
        for part in [&s.train, &s.validation, &s.test] {
            let pos = part.iter().filter(|&&i| d.label(i)[0] == 1.0).count();
            assert_eq!(pos * 2, part.len());
        }
        let mut all: Vec<usize> = s
            .train
            .iter()
            .chain(&s.validation)
            .chain(&s.test)
            .copied()
            .collect();
        all.sort();
        assert_eq!(all, (0..1000).collect::<Vec<_>>());
        assert_eq!(stratified(&d, Fractions::default(), 3), s);
        assert_ne!(stratified(&d, Fractions::default(), 4), s);
    }

    #[test]
    fn fractions_accept_percentages_and_reject_bad_sums() {
        let f = Fractions::new(80.0, 10.0, 10.0).unwrap();
        assert!((f.train - 0.8).abs() < 1e-12);
        assert!(Fractions::new(0.5, 0.1, 0.1).is_err());
    }

    #[test]
    fn chromosome_split_holds_out_whole_chromosomes() {
        let d = toy(6, 6);
        let s = by_chromosome(
            d.len(),
            |i| chrom_from_id(&d.ids[i]),
            |i| &d.ids[i],
            &["chr2".into()],
            &["chr3".into()],
        )
        .unwrap();
        assert!(s.validation.iter().all(|&i| d.ids[i].starts_with("chr2:")));
        assert!(s.test.iter().all(|&i| d.ids[i].starts_with("chr3:")));
        assert_eq!(s.train.len() + s.validation.len() + s.test.len(), 12);
        assert_eq!(chrom_from_id("chr1:5-10(+)"), Some("chr1"));
        assert_eq!(chrom_from_id("seq_1"), None);
    }
}
