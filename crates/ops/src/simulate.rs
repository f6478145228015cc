//! Sequences simulated from a motif grammar, with the planted instances as ground truth
//! (the ARGMINN paper's simulator, spec §2): uniform backgrounds in which no window
//! resembles a grammar motif (mean PFM probability ≥ 0.9, either strand, redrawn), and a
//! block of motif instances (drawn base by base from their PFMs) and gaps placed within
//! `jitter` bases of the centre, or (`"placement": "start"`) starting anywhere the widest
//! block of the grammar fits. Positives follow the `positive` grammar; negatives the
//! `negative` one, or are background only.
//!
//! A grammar is JSON (see `grammars/` for the verification tasks and the paper's sets):
//!
//! ```
//! use explainn_ops::simulate::{Grammar, Simulator};
//! let grammar: Grammar = serde_json::from_str(r#"{
//!     "name": "spacing", "length": 100,
//!     "positive": [{"motif": "A"}, {"gap": 4}, {"motif": "B"}],
//!     "negative": [{"motif": "A"}, {"gap": [10, 20]}, {"motif": "B"}]
//! }"#).unwrap();
//! let pfm = |b: usize| vec![std::array::from_fn::<f64, 4, _>(|a| if a == b { 1.0 } else { 0.0 }); 6];
//! let sim = Simulator::new(grammar, |id| match id {
//!     "A" => Some(("A".to_string(), pfm(0))),
//!     "B" => Some(("B".to_string(), pfm(2))),
//!     _ => None,
//! }).unwrap();
//! let s = sim.simulate(10, 7);
//! assert_eq!((s.codes.len(), s.labels.len()), (20 * 100, 20));
//! // In every positive, B starts 4 bases after A ends.
//! let a = s.instances.iter().find(|i| i.sequence == 0 && i.motif == "A").unwrap();
//! let b = s.instances.iter().find(|i| i.sequence == 0 && i.motif == "B").unwrap();
//! assert_eq!(b.start, a.end + 4);
//! assert!(s.codes[a.start..a.end].iter().all(|&c| c == 0)); // AAAAAA
//! ```

use crate::{OpsError, Result};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use serde::Deserialize;
use std::collections::BTreeMap;

/// The centre jitter of the motif block when a grammar gives none (the paper's ±50 bp).
pub const JITTER: usize = 50;

/// Background windows at least this close to a motif (mean probability of the window's
/// bases under the PFM) are redrawn.
pub const REJECT_AT: f64 = 0.9;

/// A grammar: the sequence length and the blocks of positives and negatives.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Grammar {
    /// The label column's name.
    pub name: String,
    #[serde(default)]
    pub description: String,
    /// Sequence length (bp).
    pub length: usize,
    /// How far the block's centre may move from the sequence's centre (bp), with
    /// [`Placement::Centre`].
    #[serde(default = "default_jitter")]
    pub jitter: usize,
    /// Where blocks are placed; default [`Placement::Centre`] (the paper's).
    #[serde(default)]
    pub placement: Placement,
    /// The block of every positive.
    pub positive: Vec<Element>,
    /// The block of every negative; empty = background only.
    #[serde(default)]
    pub negative: Vec<Element>,
}

fn default_jitter() -> usize {
    JITTER
}

/// Where a block is placed in its sequence.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Placement {
    /// The block's centre within `jitter` bases of the sequence's centre (the ARGMINN
    /// paper's simulator). Blocks of different widths then put their motifs at different
    /// distances from the centre, which a model that adds per-motif position effects can
    /// read: on a spacing task, positions tell the classes apart as well as spacings do.
    #[default]
    #[serde(alias = "center")]
    Centre,
    /// The block's first base drawn uniformly from `0..=L − Wmax`, `Wmax` the widest block
    /// the grammar can produce (positive or negative): the block's start has the same
    /// distribution in every class, so only what the block holds tells classes apart.
    Start,
}

/// One element of a block.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(untagged, deny_unknown_fields)]
pub enum Element {
    /// One instance of a motif (a JASPAR ID or name, or an ID of a given motif file),
    /// optionally only its columns `[from, to)`, on the `+` (default), `-` or a `random`
    /// strand.
    Motif {
        motif: String,
        #[serde(default)]
        columns: Option<[usize; 2]>,
        #[serde(default)]
        strand: Strand,
    },
    /// Random bases: a fixed number or a range `[min, max]` drawn uniformly.
    Gap { gap: Gap },
    /// One of several sub-blocks (an empty one places nothing), uniformly or with
    /// probabilities `p`.
    OneOf {
        one_of: Vec<Vec<Element>>,
        #[serde(default)]
        p: Option<Vec<f64>>,
    },
}

/// A gap's length.
#[derive(Debug, Clone, Copy, PartialEq, Deserialize)]
#[serde(untagged)]
pub enum Gap {
    Fixed(usize),
    Range([usize; 2]),
}

/// The strand an instance is planted on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
pub enum Strand {
    #[default]
    #[serde(rename = "+")]
    Forward,
    #[serde(rename = "-")]
    Reverse,
    #[serde(rename = "random")]
    Random,
}

/// One planted instance.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Planted {
    /// The sequence's index.
    pub sequence: usize,
    /// The motif as the grammar names it.
    pub motif: String,
    /// 0-based, end exclusive.
    pub start: usize,
    pub end: usize,
    /// Planted as the reverse complement.
    pub minus: bool,
}

/// Simulated sequences: positives and negatives alternate (positive k is sequence 2k).
#[derive(Debug, Clone, PartialEq)]
pub struct Simulation {
    /// Codes `(N, L)` (A, C, G, T = 0..3).
    pub codes: Vec<u8>,
    /// `(N)`: 1 for positives, 0 for negatives.
    pub labels: Vec<u8>,
    pub instances: Vec<Planted>,
}

/// A grammar with its motifs resolved, ready to simulate.
#[derive(Debug, Clone)]
pub struct Simulator {
    grammar: Grammar,
    /// Motif name in the grammar → probabilities `(W, 4)` (columns applied at use).
    motifs: BTreeMap<String, Vec<[f64; 4]>>,
    /// Every grammar motif and its reverse complement, for background rejection.
    reject: Vec<Vec<[f64; 4]>>,
    /// The widest block the grammar can produce (bp).
    widest: usize,
}

fn invalid(msg: String) -> OpsError {
    OpsError::Invalid(msg)
}

fn reverse_complement(rows: &[[f64; 4]]) -> Vec<[f64; 4]> {
    rows.iter()
        .rev()
        .map(|r| [r[3], r[2], r[1], r[0]])
        .collect()
}

impl Simulator {
    /// Resolve the grammar's motifs with `lookup` (name → (ID, probabilities)) and check
    /// that every block fits the sequence length and every choice is well formed.
    pub fn new(
        grammar: Grammar,
        lookup: impl Fn(&str) -> Option<(String, Vec<[f64; 4]>)>,
    ) -> Result<Self> {
        let mut motifs = BTreeMap::new();
        for block in [&grammar.positive, &grammar.negative] {
            collect(block, &lookup, &mut motifs)?;
        }
        if grammar.positive.is_empty() {
            return Err(invalid(format!(
                "grammar {}: the positive block is empty",
                grammar.name
            )));
        }
        if grammar.length == 0 || grammar.length > 1_000_000 {
            return Err(invalid(format!(
                "grammar {}: length {} must be 1 to 1,000,000 bp",
                grammar.name, grammar.length
            )));
        }
        let mut widest = 0;
        for (what, block) in [
            ("positive", &grammar.positive),
            ("negative", &grammar.negative),
        ] {
            let w = max_width(block, &motifs);
            widest = widest.max(w);
            if w > grammar.length {
                return Err(invalid(format!(
                    "grammar {}: the {what} block can be {w} bp long, longer than the sequences ({} bp)",
                    grammar.name, grammar.length
                )));
            }
        }
        let reject = motifs
            .values()
            .flat_map(|m| [m.clone(), reverse_complement(m)])
            .collect();
        Ok(Self {
            grammar,
            motifs,
            reject,
            widest,
        })
    }

    /// The grammar's sequence length.
    pub fn length(&self) -> usize {
        self.grammar.length
    }

    /// The grammar's name (the label column).
    pub fn name(&self) -> &str {
        &self.grammar.name
    }

    /// `n` positives and `n` negatives, alternating, from `seed`.
    pub fn simulate(&self, n: usize, seed: u64) -> Simulation {
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
        let l = self.grammar.length;
        let mut out = Simulation {
            codes: Vec::with_capacity(2 * n * l),
            labels: Vec::with_capacity(2 * n),
            instances: Vec::new(),
        };
        for k in 0..2 * n {
            let positive = k % 2 == 0;
            let mut seq = self.background(&mut rng);
            let block = if positive {
                &self.grammar.positive
            } else {
                &self.grammar.negative
            };
            let mut parts = Vec::new();
            self.realise(block, &mut rng, &mut parts);
            let width: usize = parts.iter().map(|p| p.len()).sum();
            if width > 0 {
                let start = match self.grammar.placement {
                    Placement::Centre => {
                        let centre = (l - width) / 2;
                        let j = self.grammar.jitter as i64;
                        let shift = rng.random_range(-j..=j);
                        (centre as i64 + shift).clamp(0, (l - width) as i64) as usize
                    }
                    Placement::Start => rng.random_range(0..=l - self.widest),
                };
                let mut at = start;
                for p in parts {
                    if let Part::Motif { name, bases, minus } = &p {
                        seq[at..at + bases.len()].copy_from_slice(bases);
                        out.instances.push(Planted {
                            sequence: k,
                            motif: name.clone(),
                            start: at,
                            end: at + bases.len(),
                            minus: *minus,
                        });
                    }
                    at += p.len();
                }
            }
            out.codes.extend(seq);
            out.labels.push(positive as u8);
        }
        out
    }

    /// A uniform background with no window close to a grammar motif.
    fn background(&self, rng: &mut ChaCha8Rng) -> Vec<u8> {
        let l = self.grammar.length;
        loop {
            let seq: Vec<u8> = (0..l).map(|_| rng.random_range(0..4u8)).collect();
            let close = self.reject.iter().any(|m| {
                m.len() <= l
                    && seq.windows(m.len()).any(|w| {
                        let mean: f64 = w.iter().zip(m).map(|(&b, r)| r[b as usize]).sum::<f64>()
                            / m.len() as f64;
                        mean >= REJECT_AT
                    })
            });
            if !close {
                return seq;
            }
        }
    }

    /// Draw the parts of `block`: motif instances and gaps, in order.
    fn realise(&self, block: &[Element], rng: &mut ChaCha8Rng, out: &mut Vec<Part>) {
        for e in block {
            match e {
                Element::Motif {
                    motif,
                    columns,
                    strand,
                } => {
                    let rows = &self.motifs[motif];
                    let rows = match columns {
                        Some([a, b]) => &rows[*a..*b],
                        None => &rows[..],
                    };
                    let minus = match strand {
                        Strand::Forward => false,
                        Strand::Reverse => true,
                        Strand::Random => rng.random::<bool>(),
                    };
                    let mut bases: Vec<u8> = rows.iter().map(|p| draw(p, rng)).collect();
                    if minus {
                        bases = bases.iter().rev().map(|&b| 3 - b).collect();
                    }
                    out.push(Part::Motif {
                        name: motif.clone(),
                        bases,
                        minus,
                    });
                }
                Element::Gap { gap } => {
                    let n = match gap {
                        Gap::Fixed(n) => *n,
                        Gap::Range([a, b]) => rng.random_range(*a..=*b),
                    };
                    out.push(Part::Gap(n));
                }
                Element::OneOf { one_of, p } => {
                    let k = match p {
                        None => rng.random_range(0..one_of.len()),
                        Some(p) => {
                            let mut u = rng.random::<f64>() * p.iter().sum::<f64>();
                            let mut k = p.len() - 1;
                            for (i, &w) in p.iter().enumerate() {
                                if u < w {
                                    k = i;
                                    break;
                                }
                                u -= w;
                            }
                            k
                        }
                    };
                    self.realise(&one_of[k], rng, out);
                }
            }
        }
    }
}

enum Part {
    Motif {
        name: String,
        bases: Vec<u8>,
        minus: bool,
    },
    Gap(usize),
}

impl Part {
    fn len(&self) -> usize {
        match self {
            Part::Motif { bases, .. } => bases.len(),
            Part::Gap(n) => *n,
        }
    }
}

/// One base drawn from the probabilities `p` (one uniform draw of `rng`; GIA's motif
/// instances are drawn the same way).
pub(crate) fn draw(p: &[f64; 4], rng: &mut ChaCha8Rng) -> u8 {
    let total: f64 = p.iter().sum();
    let mut u = rng.random::<f64>() * total;
    for (b, &v) in p.iter().enumerate() {
        if u < v {
            return b as u8;
        }
        u -= v;
    }
    3
}

/// Resolve and check every motif, column range, gap and choice of `block`.
fn collect(
    block: &[Element],
    lookup: &impl Fn(&str) -> Option<(String, Vec<[f64; 4]>)>,
    motifs: &mut BTreeMap<String, Vec<[f64; 4]>>,
) -> Result<()> {
    for e in block {
        match e {
            Element::Motif { motif, columns, .. } => {
                if !motifs.contains_key(motif) {
                    let (_, rows) = lookup(motif).ok_or_else(|| {
                        invalid(format!(
                            "the grammar names motif `{motif}`, which is not in the motif set (give a JASPAR ID such as MA0080.7 or a name such as SPI1)"
                        ))
                    })?;
                    motifs.insert(motif.clone(), rows);
                }
                let w = motifs[motif].len();
                if let Some([a, b]) = columns
                    && !(a < b && *b <= w)
                {
                    return Err(invalid(format!(
                        "motif {motif}: columns [{a}, {b}) are not within its {w} columns"
                    )));
                }
            }
            Element::Gap {
                gap: Gap::Range([a, b]),
            } if a > b => {
                return Err(invalid(format!(
                    "gap [{a}, {b}]: the minimum exceeds the maximum"
                )));
            }
            Element::Gap { .. } => {}
            Element::OneOf { one_of, p } => {
                if one_of.is_empty() {
                    return Err(invalid("one_of lists no alternative".into()));
                }
                if let Some(p) = p
                    && (p.len() != one_of.len()
                        || p.iter().any(|&x| !(x >= 0.0 && x.is_finite()))
                        || p.iter().sum::<f64>() <= 0.0)
                {
                    return Err(invalid(format!(
                        "one_of with {} alternatives: p must give as many non-negative weights, not all 0 (got {p:?})",
                        one_of.len()
                    )));
                }
                for alt in one_of {
                    collect(alt, lookup, motifs)?;
                }
            }
        }
    }
    Ok(())
}

/// The longest the block can be.
fn max_width(block: &[Element], motifs: &BTreeMap<String, Vec<[f64; 4]>>) -> usize {
    block
        .iter()
        .map(|e| match e {
            Element::Motif { motif, columns, .. } => match columns {
                Some([a, b]) => b - a,
                None => motifs[motif].len(),
            },
            Element::Gap { gap: Gap::Fixed(n) } => *n,
            Element::Gap {
                gap: Gap::Range([_, b]),
            } => *b,
            Element::OneOf { one_of, .. } => one_of
                .iter()
                .map(|alt| max_width(alt, motifs))
                .max()
                .unwrap_or(0),
        })
        .fold(0usize, |a, b| a.saturating_add(b))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn one_hot(consensus: &str) -> Vec<[f64; 4]> {
        explainn_seq::encode::to_codes(consensus.as_bytes())
            .iter()
            .map(|&b| std::array::from_fn(|a| if a == b as usize { 1.0 } else { 0.0 }))
            .collect()
    }

    fn lookup(id: &str) -> Option<(String, Vec<[f64; 4]>)> {
        match id {
            "GATA" => Some(("G".into(), one_hot("AGATAAGG"))),
            "EBOX" => Some(("E".into(), one_hot("CACGTG"))),
            _ => None,
        }
    }

    fn grammar(json: &str) -> Grammar {
        serde_json::from_str(json).unwrap()
    }

    #[test]
    fn backgrounds_hold_no_motif_and_blocks_sit_near_the_centre() {
        let g = grammar(
            r#"{"name": "x", "length": 120, "jitter": 10,
                "positive": [{"one_of": [[{"motif": "GATA", "strand": "random"}], [{"motif": "EBOX"}]], "p": [3, 1]}]}"#,
        );
        let s = Simulator::new(g, lookup).unwrap().simulate(200, 1);
        assert_eq!(s.labels.iter().filter(|&&y| y == 1).count(), 200);
        let letters = explainn_seq::encode::to_letters(&s.codes);
        let mut gata = 0;
        for (k, seq) in letters.chunks(120).enumerate() {
            let text = String::from_utf8_lossy(seq);
            let planted: Vec<&Planted> = s.instances.iter().filter(|i| i.sequence == k).collect();
            // negatives are background: no close match of either motif on either strand
            if k % 2 == 1 {
                assert!(planted.is_empty());
                for m in ["AGATAAGG", "CCTTATCT", "CACGTG"] {
                    assert!(!text.contains(m), "{text}");
                }
                continue;
            }
            assert_eq!(planted.len(), 1);
            let p = planted[0];
            let mid = (p.start + p.end) as f64 / 2.0;
            assert!((mid - 60.0).abs() <= 11.0, "{p:?}");
            let want = match (p.motif.as_str(), p.minus) {
                ("GATA", false) => "AGATAAGG",
                ("GATA", true) => "CCTTATCT",
                _ => "CACGTG",
            };
            assert_eq!(&text[p.start..p.end], want);
            gata += (p.motif == "GATA") as usize;
        }
        assert!((120..180).contains(&gata), "{gata} of 200 GATA at p = 0.75");
    }

    #[test]
    fn start_placement_spreads_every_class_over_the_same_starts() {
        let g = grammar(
            r#"{"name": "x", "length": 60, "placement": "start",
                "positive": [{"motif": "GATA"}, {"gap": 2}, {"motif": "EBOX"}],
                "negative": [{"motif": "GATA"}, {"gap": [10, 20]}, {"motif": "EBOX"}]}"#,
        );
        // the widest block: 8 + 20 + 6 = 34 bp, so blocks start at 0..=26 in both classes
        let s = Simulator::new(g, lookup).unwrap().simulate(400, 3);
        let mut starts = [vec![0usize; 27], vec![0usize; 27]];
        for i in s.instances.iter().filter(|i| i.motif == "GATA") {
            assert!(i.start <= 26, "{i:?}");
            starts[i.sequence % 2][i.start] += 1;
        }
        for class in &starts {
            assert!(class[0] > 0 && class[26] > 0, "{class:?}"); // both ends reached
            assert!(class.iter().all(|&c| c < 40), "{class:?}"); // ~15 each
        }
    }

    #[test]
    fn bad_grammars_are_refused_with_the_reason() {
        let err = |json: &str| {
            Simulator::new(grammar(json), lookup)
                .unwrap_err()
                .to_string()
        };
        let e = err(r#"{"name": "x", "length": 50, "positive": [{"motif": "SOX2"}]}"#);
        assert!(e.contains("motif `SOX2`"), "{e}");
        let e = err(
            r#"{"name": "x", "length": 20, "positive": [{"motif": "GATA"}, {"gap": [5, 30]}]}"#,
        );
        assert!(
            e.contains("38 bp long, longer than the sequences (20 bp)"),
            "{e}"
        );
        let e = err(
            r#"{"name": "x", "length": 50, "positive": [{"motif": "GATA", "columns": [3, 12]}]}"#,
        );
        assert!(e.contains("columns [3, 12)"), "{e}");
        let e = err(
            r#"{"name": "x", "length": 50, "positive": [{"one_of": [[{"motif": "GATA"}], []], "p": [1]}]}"#,
        );
        assert!(e.contains("2 alternatives"), "{e}");
        assert!(
            serde_json::from_str::<Grammar>(
                r#"{"name": "x", "length": 5, "positive": [], "extra": 1}"#
            )
            .is_err()
        );
    }
}
