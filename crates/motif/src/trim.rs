//! Trimming motif flanks by information content (`explainn motifs trim`).
//!
//! ```
//! use explainn_motif::{MatrixKind, Motif};
//! use explainn_motif::trim::trim;
//! let flat = [0.25; 4];
//! let m = Motif::new("m", vec![flat, [0.0, 0.0, 1.0, 0.0], [1.0, 0.0, 0.0, 0.0], flat],
//!     MatrixKind::Probabilities);
//! let t = trim(&[m], 0.3);
//! assert_eq!(t.motifs[0].width(), 2); // the uniform flanks (0 bits) are gone
//! assert!(t.dropped.is_empty());
//! ```

use crate::Motif;

/// The default of `--min-ic`: flank positions below 0.3 bits are removed.
pub const DEFAULT_MIN_IC: f64 = 0.3;

/// The result of [`trim`].
#[derive(Debug, Clone, Default)]
pub struct Trimmed {
    /// The trimmed motifs, in input order.
    pub motifs: Vec<Motif>,
    /// Ids of motifs with no position reaching the threshold (left out).
    pub dropped: Vec<String>,
}

/// Remove the flanking positions of every motif whose information content (bits, against
/// the uniform background) is below `min_ic`, keeping everything between the first and
/// last position that reaches it. Counts stay counts; annotations are kept.
pub fn trim(motifs: &[Motif], min_ic: f64) -> Trimmed {
    let mut out = Trimmed::default();
    for m in motifs {
        match m.trimmed(min_ic) {
            Some(t) => out.motifs.push(t),
            None => out.dropped.push(m.id.clone()),
        }
    }
    out
}
