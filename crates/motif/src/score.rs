//! Scoring whole sequences with motifs: every window of both strands scored with the
//! motif's FIMO log-odds matrix (the same background rule, pseudocount and integer
//! rounding as [`fimo`](crate::fimo)), and the window scores of one sequence reduced to one
//! number per motif ([`Reduce`]). This is what `explainn motifs score` ranks motifs by.
//!
//! ```
//! use explainn_motif::{Background, MatrixKind, Motif};
//! use explainn_motif::score::{Reduce, ScoreOptions, SequenceScorer};
//! let gata = Motif::new("GATA", vec![
//!     [0.0, 0.0, 1.0, 0.0], [1.0, 0.0, 0.0, 0.0], [0.0, 0.0, 0.0, 1.0], [1.0, 0.0, 0.0, 0.0],
//! ], MatrixKind::Probabilities);
//! let scorer = SequenceScorer::new(&[gata], &Background::uniform(), &ScoreOptions::default());
//! let mut out = [0.0];
//! scorer.score(b"CCCCGATACCCC", &mut out);
//! let with_site = out[0];
//! scorer.score(b"CCCCCCCCCCCC", &mut out);
//! assert!(with_site > 5.0 && out[0] < with_site);
//! // The minus strand counts too: TATC is GATA's reverse complement.
//! scorer.score(b"CCCCTATCCCCC", &mut out);
//! assert_eq!(out[0], with_site);
//! ```

use crate::background::Background;
use crate::fimo::{Scorer, scan_background, window_score};
use crate::motif::Motif;

/// How the window scores of one sequence become its score.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Reduce {
    /// The best window over both strands (FIMO's best hit), in bits. Default.
    #[default]
    Max,
    /// `log2 Σ 2^score` over every valid window of both strands, in bits: the best hit plus
    /// how many other good hits there are (equal to `Max` for one dominant site, one bit more
    /// for two equal sites).
    Sum,
}

impl std::str::FromStr for Reduce {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s {
            "max" => Ok(Reduce::Max),
            "sum" => Ok(Reduce::Sum),
            _ => Err(format!("unknown reduction '{s}': give max or sum")),
        }
    }
}

impl Reduce {
    /// `max` or `sum`.
    pub fn name(self) -> &'static str {
        match self {
            Reduce::Max => "max",
            Reduce::Sum => "sum",
        }
    }
}

/// Options of [`SequenceScorer`].
#[derive(Debug, Clone, Copy)]
pub struct ScoreOptions {
    /// Pseudocount weight added to motif rows (FIMO's `--motif-pseudo`, default 0.1).
    pub motif_pseudo: f64,
    /// Score the given strand only (default: both strands).
    pub norc: bool,
    /// The per-sequence reduction (default [`Reduce::Max`]).
    pub reduce: Reduce,
}

impl Default for ScoreOptions {
    fn default() -> Self {
        Self {
            motif_pseudo: 0.1,
            norc: false,
            reduce: Reduce::Max,
        }
    }
}

/// Motifs prepared for scoring sequences: build once, then [`score`](Self::score) any
/// number of sequences from any number of threads.
pub struct SequenceScorer {
    scorers: Vec<Scorer>,
    norc: bool,
    reduce: Reduce,
}

impl SequenceScorer {
    /// Prepare `motifs` under background `bg` (symmetrised when both strands are scored,
    /// then smoothed as FIMO does).
    pub fn new(motifs: &[Motif], bg: &Background, opts: &ScoreOptions) -> Self {
        let bg = scan_background(bg, opts.norc);
        Self {
            scorers: motifs
                .iter()
                .map(|m| Scorer::matrix(m, &bg, opts.motif_pseudo))
                .collect(),
            norc: opts.norc,
            reduce: opts.reduce,
        }
    }

    /// Number of motifs.
    pub fn len(&self) -> usize {
        self.scorers.len()
    }

    /// Whether there are no motifs.
    pub fn is_empty(&self) -> bool {
        self.scorers.is_empty()
    }

    /// Score the letters of one sequence (case-insensitive; `U` reads as `T`; windows with
    /// any other letter are skipped): `out[k]` = motif `k`'s score in bits, or
    /// `f64::NEG_INFINITY` when the sequence has no valid window. `out.len()` must be
    /// [`len`](Self::len).
    pub fn score(&self, seq: &[u8], out: &mut [f64]) {
        self.score_codes(&explainn_seq::encode::to_codes(seq), out)
    }

    /// [`score`](Self::score) on codes (A, C, G, T = 0..3, anything else 4).
    pub fn score_codes(&self, codes: &[u8], out: &mut [f64]) {
        assert_eq!(out.len(), self.scorers.len(), "one output per motif");
        let mut buf: Vec<i32> = Vec::new();
        for (sc, o) in self.scorers.iter().zip(out.iter_mut()) {
            *o = self.reduce_one(sc, codes, &mut buf);
        }
    }

    fn reduce_one(&self, sc: &Scorer, codes: &[u8], buf: &mut Vec<i32>) -> f64 {
        if codes.len() < sc.w {
            return f64::NEG_INFINITY;
        }
        let base = sc.w as f64 * sc.off;
        match self.reduce {
            Reduce::Max => {
                let mut best = -1i32;
                for win in codes.windows(sc.w) {
                    best = best.max(window_score(&sc.fwd, win));
                    if !self.norc {
                        best = best.max(window_score(&sc.rev, win));
                    }
                }
                if best < 0 {
                    f64::NEG_INFINITY
                } else {
                    best as f64 / sc.sc + base
                }
            }
            Reduce::Sum => {
                buf.clear();
                for win in codes.windows(sc.w) {
                    buf.push(window_score(&sc.fwd, win));
                    if !self.norc {
                        buf.push(window_score(&sc.rev, win));
                    }
                }
                let best = buf.iter().copied().max().unwrap_or(-1);
                if best < 0 {
                    return f64::NEG_INFINITY;
                }
                let total: f64 = buf
                    .iter()
                    .filter(|&&s| s >= 0)
                    .map(|&s| ((s - best) as f64 / sc.sc).exp2())
                    .sum();
                best as f64 / sc.sc + base + total.log2()
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fimo::{FimoOptions, Sequence, fimo};
    use crate::motif::MatrixKind;

    fn motifs() -> Vec<Motif> {
        let m1 = Motif::new(
            "m1",
            vec![
                [0.7, 0.1, 0.1, 0.1],
                [0.05, 0.05, 0.85, 0.05],
                [0.1, 0.6, 0.2, 0.1],
                [0.2, 0.2, 0.2, 0.4],
                [0.0, 0.0, 0.1, 0.9],
            ],
            MatrixKind::Probabilities,
        );
        let mut m2 = Motif::new(
            "m2",
            vec![
                [3.0, 1.0, 0.0, 6.0],
                [0.0, 9.0, 1.0, 0.0],
                [2.0, 2.0, 2.0, 4.0],
            ],
            MatrixKind::Counts,
        );
        m2.nsites = Some(10.0);
        vec![m1, m2]
    }

    fn random_seq(len: usize, seed: u64) -> Vec<u8> {
        let mut x = seed.wrapping_mul(6364136223846793005).wrapping_add(1);
        (0..len)
            .map(|_| {
                x = x
                    .wrapping_mul(6364136223846793005)
                    .wrapping_add(1442695040888963407);
                b"ACGTACGTACGTACGN"[(x >> 60) as usize]
            })
            .collect()
    }

    /// The best score is FIMO's best hit: with p-value threshold 1 FIMO reports every
    /// window, so its largest score over both strands must equal `Reduce::Max`.
    #[test]
    fn max_equals_fimo_best_hit() {
        let ms = motifs();
        let seqs: Vec<Sequence> = (0..40)
            .map(|i| Sequence {
                name: format!("s{i}"),
                seq: random_seq(5 + i * 3, i as u64),
            })
            .collect();
        for &norc in &[false, true] {
            let bg = Background([0.3, 0.2, 0.2, 0.3]);
            let opts = FimoOptions {
                thresh: 1.0,
                norc,
                pgc: false,
                ..Default::default()
            };
            let hits = fimo(&ms, &seqs, &bg, &opts);
            let scorer = SequenceScorer::new(
                &ms,
                &bg,
                &ScoreOptions {
                    norc,
                    ..Default::default()
                },
            );
            let mut out = vec![0.0; ms.len()];
            for s in &seqs {
                scorer.score(&s.seq, &mut out);
                for (k, m) in ms.iter().enumerate() {
                    let best = hits
                        .iter()
                        .filter(|h| h.motif_id == m.id && h.sequence_name == s.name)
                        .map(|h| h.score)
                        .fold(f64::NEG_INFINITY, f64::max);
                    // FIMO rounds its printed score to 10 digits.
                    assert!(
                        (out[k] - best).abs() < 1e-8 || (out[k] == best),
                        "{} {} norc={norc}: {} vs FIMO {}",
                        m.id,
                        s.name,
                        out[k],
                        best
                    );
                }
            }
        }
    }

    /// `Reduce::Sum` is log2 of the sum of 2^score over FIMO's windows.
    #[test]
    fn sum_is_log_sum_of_fimo_windows() {
        let ms = motifs();
        let seqs: Vec<Sequence> = (0..20)
            .map(|i| Sequence {
                name: format!("s{i}"),
                seq: random_seq(30 + i, 100 + i as u64),
            })
            .collect();
        let bg = Background::uniform();
        let opts = FimoOptions {
            thresh: 1.0,
            pgc: false,
            ..Default::default()
        };
        let hits = fimo(&ms, &seqs, &bg, &opts);
        let scorer = SequenceScorer::new(
            &ms,
            &bg,
            &ScoreOptions {
                reduce: Reduce::Sum,
                ..Default::default()
            },
        );
        let mut out = vec![0.0; ms.len()];
        for s in &seqs {
            scorer.score(&s.seq, &mut out);
            for (k, m) in ms.iter().enumerate() {
                let total: f64 = hits
                    .iter()
                    .filter(|h| h.motif_id == m.id && h.sequence_name == s.name)
                    .map(|h| h.score.exp2())
                    .sum();
                assert!(
                    (out[k] - total.log2()).abs() < 1e-6,
                    "{} vs {}",
                    out[k],
                    total.log2()
                );
            }
        }
    }

    #[test]
    fn short_or_unknown_sequences_score_negative_infinity() {
        let ms = motifs();
        let scorer = SequenceScorer::new(&ms, &Background::uniform(), &ScoreOptions::default());
        let mut out = vec![0.0; 2];
        scorer.score(b"ACG", &mut out);
        assert_eq!(out[0], f64::NEG_INFINITY);
        assert!(out[1].is_finite());
        scorer.score(b"NNNNNNNN", &mut out);
        assert!(out.iter().all(|&x| x == f64::NEG_INFINITY));
    }
}
