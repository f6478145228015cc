//! The DNA motif model: a W x 4 matrix (A, C, G, T) of counts or probabilities with its
//! annotations, and the operations on a single motif.

use crate::background::Background;

/// The DNA alphabet in matrix column order.
pub const ALPHABET: [u8; 4] = *b"ACGT";

/// Column index of a DNA letter (case-insensitive; `U` counts as `T`), or `None`.
#[inline]
pub fn letter_index(c: u8) -> Option<usize> {
    match c {
        b'A' | b'a' => Some(0),
        b'C' | b'c' => Some(1),
        b'G' | b'g' => Some(2),
        b'T' | b't' | b'U' | b'u' => Some(3),
        _ => None,
    }
}

/// What the matrix entries are.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MatrixKind {
    /// Letter probabilities; each row sums to 1.
    Probabilities,
    /// Letter counts (for example JASPAR PFMs or HOCOMOCO PCMs); rows sum to the number of
    /// sites, possibly fractional.
    Counts,
}

/// A DNA motif: `rows.len()` = width W, each row the A, C, G, T values of one position.
#[derive(Debug, Clone, PartialEq)]
pub struct Motif {
    /// Identifier (for example `MA0018.5`); unique within a file.
    pub id: String,
    /// Alternative name (for example the TF name `CREB1`), if any.
    pub alt_name: Option<String>,
    /// W rows of [A, C, G, T].
    pub rows: Vec<[f64; 4]>,
    /// Whether `rows` holds counts or probabilities.
    pub kind: MatrixKind,
    /// Number of sites the matrix was built from (MEME `nsites=`), if known.
    pub nsites: Option<f64>,
    /// MEME `E=` value, if given.
    pub evalue: Option<f64>,
    /// Link to the motif's database page, if any.
    pub url: Option<String>,
}

impl Motif {
    /// A motif with no annotations.
    pub fn new(id: impl Into<String>, rows: Vec<[f64; 4]>, kind: MatrixKind) -> Self {
        Self {
            id: id.into(),
            alt_name: None,
            rows,
            kind,
            nsites: None,
            evalue: None,
            url: None,
        }
    }

    /// Number of positions W.
    pub fn width(&self) -> usize {
        self.rows.len()
    }

    /// The W x 4 probability matrix: each row divided by its sum (rows that sum to zero
    /// become uniform). Probability rows already summing to 1 are returned unchanged.
    pub fn probabilities(&self) -> Vec<[f64; 4]> {
        self.rows
            .iter()
            .map(|r| {
                let s: f64 = r.iter().sum();
                if s <= 0.0 {
                    [0.25; 4]
                } else if self.kind == MatrixKind::Probabilities && (s - 1.0).abs() <= 1e-5 {
                    *r
                } else {
                    r.map(|x| x / s)
                }
            })
            .collect()
    }

    /// Sites count to use for pseudocounts and file headers: `nsites` if set, otherwise the
    /// largest row sum of a count matrix, otherwise `None`.
    pub fn effective_nsites(&self) -> Option<f64> {
        self.nsites.or_else(|| match self.kind {
            MatrixKind::Counts => self
                .rows
                .iter()
                .map(|r| r.iter().sum::<f64>())
                .reduce(f64::max),
            MatrixKind::Probabilities => None,
        })
    }

    /// The same motif converted to a probability matrix (`nsites` filled in from the
    /// counts when it was unknown).
    pub fn to_probabilities(&self) -> Motif {
        let mut m = self.clone();
        m.nsites = self.effective_nsites();
        m.rows = self.probabilities();
        m.kind = MatrixKind::Probabilities;
        m
    }

    /// Reverse complement: rows reversed, A<->T and C<->G swapped. Annotations are kept.
    pub fn reverse_complement(&self) -> Motif {
        let mut m = self.clone();
        m.rows = self
            .rows
            .iter()
            .rev()
            .map(|r| [r[3], r[2], r[1], r[0]])
            .collect();
        m
    }

    /// Consensus string: the most frequent letter of each row, upper case; ties keep the
    /// first letter in A, C, G, T order.
    pub fn consensus(&self) -> String {
        self.rows
            .iter()
            .map(|r| {
                let mut best = 0;
                for a in 1..4 {
                    if r[a] > r[best] {
                        best = a;
                    }
                }
                ALPHABET[best] as char
            })
            .collect()
    }

    /// Information content of each position in bits, relative to `bg`:
    /// `sum_a p_a log2(p_a / b_a)` over the probability rows (0 log 0 = 0). With the uniform
    /// background this is `2 - entropy`, in [0, 2]. Length W.
    pub fn information_content(&self, bg: &Background) -> Vec<f64> {
        self.probabilities()
            .iter()
            .map(|r| {
                r.iter()
                    .zip(bg.0.iter())
                    .filter(|(p, _)| **p > 0.0)
                    .map(|(p, b)| p * (p / b).log2())
                    .sum::<f64>()
            })
            .collect()
    }

    /// Remove flanking positions whose information content (uniform background) is below
    /// `min_ic` bits. Returns `None` when no position reaches `min_ic`.
    pub fn trimmed(&self, min_ic: f64) -> Option<Motif> {
        let ic = self.information_content(&Background::uniform());
        let first = ic.iter().position(|&x| x >= min_ic)?;
        let last = ic.iter().rposition(|&x| x >= min_ic)?;
        let mut m = self.clone();
        m.rows = self.rows[first..=last].to_vec();
        Some(m)
    }

    /// Resize to exactly `width` positions, as the original ExplaiNN initialises
    /// convolution filters from database motifs; the result is a probability matrix.
    ///
    /// The matrix is padded with `width` uniform columns on each side, then end columns are
    /// dropped one at a time until `width` remain: the end whose column has the smaller
    /// maximum probability goes; on a tie, the right end if more columns have been dropped
    /// on the left so far, else the left end. A narrower motif so ends up centred (the extra
    /// uniform column on the right), a wider one loses its weakest ends.
    pub fn resized(&self, width: usize) -> Motif {
        let mut m = self.to_probabilities();
        let mut rows = vec![[0.25; 4]; width];
        rows.extend_from_slice(&m.rows);
        rows.extend(std::iter::repeat_n([0.25; 4], width));
        let (mut lo, mut hi) = (0usize, rows.len()); // kept range [lo, hi)
        let (mut dropped_left, mut dropped_right) = (0usize, 0usize);
        let maxp = |r: &[f64; 4]| r.iter().copied().fold(f64::NEG_INFINITY, f64::max);
        while hi - lo > width {
            let (l, r) = (maxp(&rows[lo]), maxp(&rows[hi - 1]));
            let drop_left = l < r || (l == r && dropped_left <= dropped_right);
            if drop_left {
                lo += 1;
                dropped_left += 1;
            } else {
                hi -= 1;
                dropped_right += 1;
            }
        }
        m.rows = rows[lo..hi].to_vec();
        m
    }
}

/// Consensus as Tomtom prints it: the running maximum is kept in single precision and a
/// letter replaces it only when its double value is strictly greater.
pub(crate) fn consensus_meme(rows: &[[f64; 4]]) -> String {
    rows.iter()
        .map(|r| {
            let mut best = 0;
            let mut max = r[0] as f32;
            for (a, &v) in r.iter().enumerate().skip(1) {
                if v > max as f64 {
                    max = v as f32;
                    best = a;
                }
            }
            ALPHABET[best] as char
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn m(rows: Vec<[f64; 4]>) -> Motif {
        Motif::new("m", rows, MatrixKind::Probabilities)
    }

    #[test]
    fn reverse_complement_and_consensus() {
        let x = m(vec![[0.7, 0.1, 0.1, 0.1], [0.1, 0.1, 0.6, 0.2]]);
        assert_eq!(x.consensus(), "AG");
        assert_eq!(x.reverse_complement().consensus(), "CT");
        assert_eq!(x.reverse_complement().reverse_complement(), x);
    }

    #[test]
    fn consensus_tie_rules() {
        // Exact ties keep the first letter.
        assert_eq!(
            m(vec![[0.4, 0.4, 0.1, 0.1], [0.1, 0.1, 0.4, 0.4]]).consensus(),
            "AG"
        );
        assert_eq!(consensus_meme(&[[0.4, 0.4, 0.1, 0.1], [0.25; 4]]), "AA");
        // 0.1 as f32 is larger than 0.1 as f64, so a later 0.1 + 1ulp-in-double still loses
        // against the float maximum... but a value strictly above the float wins.
        let a = 0.1f64;
        let b = f64::from_bits(a.to_bits() + 1);
        assert!(b > a);
        assert_eq!(m(vec![[a, b, 0.0, 0.0]]).consensus(), "C");
        assert_eq!(consensus_meme(&[[a, b, 0.0, 0.0]]), "A"); // (f32)0.1 > b
        // When the float rounds down, a letter equal in double wins in the MEME rule.
        let c = 0.45f64; // (f32)0.45 < 0.45
        assert!(((c as f32) as f64) < c);
        assert_eq!(consensus_meme(&[[c, c, 0.05, 0.05]]), "C");
        assert_eq!(m(vec![[c, c, 0.05, 0.05]]).consensus(), "A");
    }

    #[test]
    fn information_content_bits() {
        let x = m(vec![[1.0, 0.0, 0.0, 0.0], [0.25; 4], [0.5, 0.5, 0.0, 0.0]]);
        let ic = x.information_content(&Background::uniform());
        assert_eq!(ic, vec![2.0, 0.0, 1.0]);
        let t = x.trimmed(0.5).unwrap();
        assert_eq!(t.width(), 3);
        let y = m(vec![[0.25; 4], [1.0, 0.0, 0.0, 0.0], [0.25; 4]]);
        assert_eq!(y.trimmed(0.5).unwrap().rows, vec![[1.0, 0.0, 0.0, 0.0]]);
        assert!(m(vec![[0.25; 4]]).trimmed(0.5).is_none());
    }

    #[test]
    fn resize_rule() {
        let u = [0.25; 4];
        let a = [0.9, 0.05, 0.03, 0.02];
        let b = [0.6, 0.2, 0.1, 0.1];
        let c = [0.5, 0.3, 0.1, 0.1];
        // Padding: half on each side, the extra column on the right.
        assert_eq!(m(vec![a]).resized(4).rows, vec![u, a, u, u]);
        // Dropping: the weaker end goes first.
        assert_eq!(m(vec![c, a, b]).resized(2).rows, vec![a, b]);
        assert_eq!(m(vec![b, a, c]).resized(2).rows, vec![b, a]);
        // Ties: the left end first (both sides at equal drops), then alternating; the
        // padding counts as dropped columns.
        assert_eq!(m(vec![u, a, a, u]).resized(3).rows, vec![a, a, u]);
        assert_eq!(m(vec![b, a, b]).resized(2).rows, vec![a, b]);
        assert_eq!(m(vec![u, u, a, u, u]).resized(3).rows, vec![u, a, u]);
        assert_eq!(m(vec![u, u, a, u, u]).resized(1).rows, vec![a]);
        // Unchanged width.
        assert_eq!(m(vec![a, b]).resized(2).rows, vec![a, b]);
    }
}
