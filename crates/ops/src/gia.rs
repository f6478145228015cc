//! Global importance analysis (Koo et al. 2021) on arrays: the effect of a pattern on a
//! model, averaged over background sequences so that the rest of the sequence is
//! marginalised out.
//!
//! A [`Gia`] holds a model, the strand rule and one seeded random stream: backgrounds,
//! pattern instances and ablation shuffles are drawn from it in the order they are asked
//! for, so the same calls with the same seed give the same numbers (the `gia` command makes
//! exactly these calls).
//!
//! - [`Gia::insert`]: a pattern placed in every background at one position;
//! - [`Gia::pair`]: patterns A and B with a gap between them: Δ_A, Δ_B and Δ_AB;
//! - [`Gia::ablate`]: every window of given sequences where a pattern matches (FIMO
//!   p ≤ a threshold, both strands) dinucleotide-shuffled in place (tangermeme's `ablate`).
//!
//! Scores are logits `(N, C)` (strand-averaged under the model's rule) and, for models that
//! add per-unit terms (ExplaiNN), contributions W[c, u]·o_u `(N, C, U)`.
//!
//! ```
//! use explainn_nn::{Arch, Model, ModelConfig};
//! use explainn_ops::gia::{Gia, GiaOptions, Pattern, effect};
//! let config = ModelConfig::published(Arch::ExplaiNN, 40, 2).unwrap();
//! let model = Model::new(&config, 7, &explainn_nn::default_device()).unwrap();
//! let mut gia = Gia::new(model, GiaOptions::default());
//! let bg = gia.random_backgrounds(50, 0.41).unwrap(); // (50, 40)
//! let before = gia.score(&bg, true).unwrap();
//! let after = gia.insert(&bg, &Pattern::consensus("GATA", "GATA").unwrap(), None).unwrap();
//! let d = effect((0..50).map(|s| (after.logits[s * 2] - before.logits[s * 2]) as f64));
//! assert!(d.mean.is_finite() && d.sd >= 0.0);
//! // ExplaiNN: the unit contributions are returned too, (N, C, U).
//! assert_eq!(after.contributions.unwrap().len(), 50 * 2 * 100);
//! ```

use crate::{OpsError, Result, defaults};
use explainn_nn::{Device, Model, Predictor};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

/// A pattern to place in backgrounds.
#[derive(Debug, Clone, PartialEq)]
pub enum Pattern {
    /// A fixed sequence of base codes (A=0 … T=3).
    Consensus(String, Vec<u8>),
    /// A motif's base probabilities `(W, 4)`: each instance is drawn column by column.
    Motif(String, Vec<[f64; 4]>),
}

impl Pattern {
    /// The consensus `letters` (A, C, G, T in either case) named `name`.
    pub fn consensus(name: &str, letters: &str) -> Result<Self> {
        if letters.is_empty() || !letters.bytes().all(|b| b"ACGTacgt".contains(&b)) {
            return Err(OpsError::Invalid(format!(
                "pattern `{letters}` is not an A/C/G/T consensus"
            )));
        }
        let codes = explainn_seq::encode::to_codes(letters.as_bytes());
        Ok(Pattern::Consensus(name.to_string(), codes))
    }

    /// The name used in tables.
    pub fn name(&self) -> &str {
        match self {
            Pattern::Consensus(n, _) | Pattern::Motif(n, _) => n,
        }
    }

    /// Width in bases.
    pub fn width(&self) -> usize {
        match self {
            Pattern::Consensus(_, c) => c.len(),
            Pattern::Motif(_, rows) => rows.len(),
        }
    }

    /// The pattern as a motif (a consensus as a one-hot PFM) for scanning.
    pub fn to_motif(&self) -> explainn_motif::Motif {
        let rows = match self {
            Pattern::Consensus(_, c) => c
                .iter()
                .map(|&b| {
                    let mut r = [0.0; 4];
                    r[b.min(3) as usize] = 1.0;
                    r
                })
                .collect(),
            Pattern::Motif(_, rows) => rows.clone(),
        };
        explainn_motif::Motif::new(self.name(), rows, explainn_motif::MatrixKind::Probabilities)
    }

    /// One instance: the consensus, or a draw from the motif's columns.
    fn draw(&self, rng: &mut ChaCha8Rng) -> Vec<u8> {
        match self {
            Pattern::Consensus(_, c) => c.clone(),
            Pattern::Motif(_, rows) => rows.iter().map(|p| crate::simulate::draw(p, rng)).collect(),
        }
    }
}

/// Mean and standard deviation (n − 1) of one effect.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Effect {
    pub mean: f64,
    pub sd: f64,
}

/// The mean and sd (n − 1) of the values `v`.
pub fn effect(v: impl Iterator<Item = f64> + Clone) -> Effect {
    let n = v.clone().count().max(1) as f64;
    let mean = v.clone().sum::<f64>() / n;
    let var = v.map(|x| (x - mean) * (x - mean)).sum::<f64>() / (n - 1.0).max(1.0);
    Effect {
        mean,
        sd: var.sqrt(),
    }
}

/// Logits `(N, C)` and, for models with per-unit terms, contributions W[c, u]·o_u
/// `(N, C, U)`.
#[derive(Debug, Clone, PartialEq)]
pub struct Scores {
    pub logits: Vec<f32>,
    pub contributions: Option<Vec<f32>>,
}

/// Scores of `codes` `(N, L)`: logits (strand-averaged with `both_strands`) and, with
/// `units`, unit contributions where the model has them.
pub fn score(p: &Predictor, codes: &[u8], both_strands: bool, units: bool) -> Result<Scores> {
    let logits = crate::predict::logits(p, codes, both_strands)?;
    let contributions = if units {
        crate::explain::contributions(p, codes, both_strands)?
    } else {
        None
    };
    Ok(Scores {
        logits,
        contributions,
    })
}

/// How to run GIA ([`Default`]: seed [`defaults::SEED`], both strands, batches of
/// [`defaults::BATCH_SIZE`], the CPU).
#[derive(Debug, Clone)]
pub struct GiaOptions {
    /// The seed of the random stream (backgrounds, instances, shuffles).
    pub seed: u64,
    /// Average the forward and reverse-complement strands (as predictions do).
    pub both_strands: bool,
    pub batch_size: usize,
    pub device: Device,
}

impl Default for GiaOptions {
    fn default() -> Self {
        Self {
            seed: defaults::SEED,
            both_strands: true,
            batch_size: defaults::BATCH_SIZE,
            device: explainn_nn::default_device(),
        }
    }
}

/// Pair scores at one gap: logits `(N, C)` with A, with B, and with both.
#[derive(Debug, Clone, PartialEq)]
pub struct PairScores {
    pub a: Vec<f32>,
    pub b: Vec<f32>,
    pub ab: Vec<f32>,
}

/// An ablation: the sequences with at least one match, before and after.
#[derive(Debug, Clone, PartialEq)]
pub struct Ablation {
    /// Codes `(M, L)` of the M sequences with a match, as given and ablated.
    pub before: Vec<u8>,
    pub after: Vec<u8>,
    /// Which of the given sequences these are.
    pub indices: Vec<usize>,
    /// Matches over all the given sequences.
    pub matches: usize,
}

/// Global importance analysis of one model with one seeded random stream.
pub struct Gia {
    predictor: Predictor,
    both_strands: bool,
    rng: ChaCha8Rng,
}

impl Gia {
    /// Prepare `model` for GIA with `opts`.
    pub fn new(model: Model, opts: GiaOptions) -> Self {
        Self {
            predictor: Predictor::new(model, opts.device, opts.batch_size),
            both_strands: opts.both_strands,
            rng: ChaCha8Rng::seed_from_u64(opts.seed),
        }
    }

    /// The model's input length L.
    pub fn length(&self) -> usize {
        self.predictor.model().input_length()
    }

    /// Scores of `codes` `(N, L)` ([`score`] under this GIA's strand rule).
    pub fn score(&self, codes: &[u8], units: bool) -> Result<Scores> {
        score(&self.predictor, codes, self.both_strands, units)
    }

    /// `n` random backgrounds `(n, L)`: independent bases with G+C fraction `gc`.
    pub fn random_backgrounds(&mut self, n: usize, gc: f64) -> Result<Vec<u8>> {
        if !(0.0..=1.0).contains(&gc) {
            return Err(OpsError::option(
                "gc",
                format!("{gc}: expected a fraction between 0 and 1"),
            ));
        }
        let l = self.length();
        Ok((0..n * l)
            .map(|_| {
                let strong = self.rng.random::<f64>() < gc;
                let coin = self.rng.random::<bool>() as u8;
                if strong { 1 + coin } else { 3 * coin }
            })
            .collect())
    }

    /// `n` backgrounds `(n, L)`: dinucleotide shuffles of `sequences` (each of length L, as
    /// codes), cycled; N padding stays where it is.
    pub fn shuffled_backgrounds(&mut self, sequences: &[Vec<u8>], n: usize) -> Result<Vec<u8>> {
        let l = self.length();
        if sequences.is_empty() {
            return Err(OpsError::Invalid(
                "no sequences to shuffle into backgrounds".into(),
            ));
        }
        if let Some((i, s)) = sequences.iter().enumerate().find(|(_, s)| s.len() != l) {
            return Err(OpsError::Invalid(format!(
                "background sequence {i} has {} bases; the model's input is {l}",
                s.len()
            )));
        }
        let mut out = Vec::with_capacity(n * l);
        for i in 0..n {
            out.extend(explainn_seq::shuffle::dinucleotide_shuffle_keeping_padding(
                &sequences[i % sequences.len()],
                &mut self.rng,
            ));
        }
        Ok(out)
    }

    fn check_fits(&self, width: usize, what: &str) -> Result<()> {
        let l = self.length();
        if width > l {
            return Err(OpsError::Invalid(format!(
                "{what} is {width} bp, longer than the model's input of {l} bp"
            )));
        }
        Ok(())
    }

    /// Check that `pattern` fits the model's input at `position` (`None` = centred) and
    /// return where it starts.
    pub fn insert_start(&self, pattern: &Pattern, position: Option<usize>) -> Result<usize> {
        let (l, w) = (self.length(), pattern.width());
        self.check_fits(w, &format!("pattern {}", pattern.name()))?;
        match position {
            Some(p) if p + w > l => Err(OpsError::option(
                "position",
                format!(
                    "{p}: pattern {} ({w} bp) would end past the model's input of {l} bp",
                    pattern.name()
                ),
            )),
            Some(p) => Ok(p),
            None => Ok((l - w) / 2),
        }
    }

    /// Check that A, the largest of `distances` and B fit the model's input.
    pub fn check_pair(&self, a: &Pattern, b: &Pattern, distances: &[usize]) -> Result<()> {
        let far = distances.iter().max().copied().unwrap_or(0);
        self.check_fits(
            a.width() + b.width() + far,
            &format!("{} + {far} bp + {}", a.name(), b.name()),
        )
    }

    /// Scores (with unit contributions) of `backgrounds` `(N, L)` with one instance of
    /// `pattern` each, placed at `position` (`None` = centred).
    pub fn insert(
        &mut self,
        backgrounds: &[u8],
        pattern: &Pattern,
        position: Option<usize>,
    ) -> Result<Scores> {
        let start = self.insert_start(pattern, position)?;
        let n = backgrounds.len() / self.length();
        let inst: Vec<Vec<u8>> = (0..n).map(|_| pattern.draw(&mut self.rng)).collect();
        self.score(&implant(backgrounds, self.length(), start, &inst), true)
    }

    /// Logits of `backgrounds` `(N, L)` with A, with B, and with both, A and B `distance`
    /// bases apart and the pair centred.
    pub fn pair(
        &mut self,
        backgrounds: &[u8],
        a: &Pattern,
        b: &Pattern,
        distance: usize,
    ) -> Result<PairScores> {
        self.check_pair(a, b, &[distance])?;
        let l = self.length();
        let n = backgrounds.len() / l;
        let start = (l - (a.width() + distance + b.width())) / 2;
        let sb = start + a.width() + distance;
        let ia: Vec<Vec<u8>> = (0..n).map(|_| a.draw(&mut self.rng)).collect();
        let ib: Vec<Vec<u8>> = (0..n).map(|_| b.draw(&mut self.rng)).collect();
        let with_a = implant(backgrounds, l, start, &ia);
        Ok(PairScores {
            a: self.score(&with_a, false)?.logits,
            b: self.score(&implant(backgrounds, l, sb, &ib), false)?.logits,
            ab: self.score(&implant(&with_a, l, sb, &ib), false)?.logits,
        })
    }

    /// In each of `sequences` `(N, L)` (codes), dinucleotide-shuffle every maximal run of
    /// positions covered by a match of `pattern` with FIMO p ≤ `thresh` (uniform
    /// background, both strands). Sequences without a match are left out.
    pub fn ablate(&mut self, sequences: &[u8], pattern: &Pattern, thresh: f64) -> Result<Ablation> {
        let l = self.length();
        self.check_fits(pattern.width(), &format!("pattern {}", pattern.name()))?;
        if !(thresh > 0.0 && thresh <= 1.0) {
            return Err(OpsError::option(
                "thresh",
                format!("{thresh}: expected a p-value in (0, 1]"),
            ));
        }
        if sequences.len() % l != 0 {
            return Err(OpsError::Invalid(format!(
                "{} bases are not a whole number of sequences of the model's length {l}",
                sequences.len()
            )));
        }
        let scan: Vec<explainn_motif::fimo::Sequence> = sequences
            .chunks_exact(l)
            .enumerate()
            .map(|(i, s)| explainn_motif::fimo::Sequence {
                name: i.to_string(),
                seq: explainn_seq::encode::to_letters(s),
            })
            .collect();
        let opts = explainn_motif::fimo::FimoOptions {
            thresh,
            pgc: false,
            ..Default::default()
        };
        let hits = explainn_motif::fimo::fimo(
            &[pattern.to_motif()],
            &scan,
            &explainn_motif::Background::uniform(),
            &opts,
        );
        // Matched positions per sequence, then each maximal run shuffled in place.
        let mut hit = vec![vec![false; l]; scan.len()];
        for h in &hits {
            let i: usize = h.sequence_name.parse().expect("named by index");
            hit[i][h.start - 1..h.stop]
                .iter_mut()
                .for_each(|v| *v = true);
        }
        let mut out = Ablation {
            before: Vec::new(),
            after: Vec::new(),
            indices: Vec::new(),
            matches: hits.len(),
        };
        for (i, (codes, mask)) in sequences.chunks_exact(l).zip(&hit).enumerate() {
            if !mask.contains(&true) {
                continue;
            }
            let mut ablated = codes.to_vec();
            let mut j = 0;
            while j < l {
                if !mask[j] {
                    j += 1;
                    continue;
                }
                let e = (j..l).find(|&k| !mask[k]).unwrap_or(l);
                let shuffled =
                    explainn_seq::shuffle::dinucleotide_shuffle(&codes[j..e], &mut self.rng);
                ablated[j..e].copy_from_slice(&shuffled);
                j = e;
            }
            out.before.extend_from_slice(codes);
            out.after.extend(ablated);
            out.indices.push(i);
        }
        Ok(out)
    }
}

/// Copies of `bg` `(n, L)` with `instances[s]` placed into background s at `start`.
fn implant(bg: &[u8], l: usize, start: usize, instances: &[Vec<u8>]) -> Vec<u8> {
    let mut out = bg.to_vec();
    for (s, inst) in instances.iter().enumerate() {
        out[s * l + start..s * l + start + inst.len()].copy_from_slice(inst);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn motif_instances_follow_the_pfm() {
        let p = Pattern::Motif("m".into(), vec![[1.0, 0.0, 0.0, 0.0], [0.0, 0.5, 0.5, 0.0]]);
        let mut rng = ChaCha8Rng::seed_from_u64(3);
        let mut counts = [0usize; 4];
        for _ in 0..2000 {
            let d = p.draw(&mut rng);
            assert_eq!(d[0], 0);
            counts[d[1] as usize] += 1;
        }
        assert_eq!(counts[0] + counts[3], 0);
        assert!((900..1100).contains(&counts[1]), "{counts:?}");
    }

    #[test]
    fn ablation_shuffles_only_the_matches() {
        use explainn_nn::{Arch, ModelConfig};
        let config = ModelConfig::published(Arch::ExplaiNN, 30, 1).unwrap();
        let model = Model::new(&config, 1, &explainn_nn::default_device()).unwrap();
        let mut gia = Gia::new(model, GiaOptions::default());
        let mut seq = vec![0u8; 30]; // poly-A with GATAAG at 10..16
        seq[10..16].copy_from_slice(&explainn_seq::encode::to_codes(b"GATAAG"));
        let plain = vec![3u8; 30];
        let codes = [seq.clone(), plain].concat();
        let pattern = Pattern::consensus("GATAAG", "GATAAG").unwrap();
        let a = gia.ablate(&codes, &pattern, 1e-3).unwrap();
        assert_eq!(a.indices, vec![0]);
        assert_eq!(a.before, seq);
        assert_eq!(a.after[..10], seq[..10]);
        assert_eq!(a.after[16..], seq[16..]);
        let mut sorted = a.after[10..16].to_vec();
        sorted.sort();
        let mut want = seq[10..16].to_vec();
        want.sort();
        assert_eq!(sorted, want, "a shuffle keeps the composition");
    }
}
