//! Dropping weak or short motifs (`explainn motifs filter`).
//!
//! ```
//! use explainn_motif::{MatrixKind, Motif};
//! use explainn_motif::filter::{FilterOptions, filter};
//! let strong = Motif::new("strong", vec![[0.0, 0.0, 1.0, 0.0]; 6], MatrixKind::Probabilities);
//! let weak = Motif::new("weak", vec![[0.3, 0.2, 0.3, 0.2]; 6], MatrixKind::Probabilities);
//! let f = filter(&[strong, weak], &FilterOptions::default());
//! assert_eq!(f.motifs.len(), 1);
//! assert_eq!(f.dropped[0].0, "weak");
//! ```

use crate::{Background, Motif};

/// Thresholds of [`filter`].
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct FilterOptions {
    /// Fewest positions a motif may have (default 4).
    pub min_width: usize,
    /// Lowest mean information content per position, bits against the uniform background
    /// (default 0.5).
    pub min_mean_ic: f64,
}

impl Default for FilterOptions {
    fn default() -> Self {
        Self {
            min_width: 4,
            min_mean_ic: 0.5,
        }
    }
}

/// The result of [`filter`].
#[derive(Debug, Clone, Default)]
pub struct Filtered {
    /// The motifs that pass, in input order.
    pub motifs: Vec<Motif>,
    /// `(id, reason)` of every motif left out.
    pub dropped: Vec<(String, String)>,
}

/// Mean information content per position (bits, uniform background); 0 for an empty motif.
pub fn mean_information_content(m: &Motif) -> f64 {
    let ic = m.information_content(&Background::uniform());
    if ic.is_empty() {
        0.0
    } else {
        ic.iter().sum::<f64>() / ic.len() as f64
    }
}

/// Keep the motifs at least `min_width` wide whose mean information content reaches
/// `min_mean_ic`.
pub fn filter(motifs: &[Motif], opts: &FilterOptions) -> Filtered {
    let mut out = Filtered::default();
    for m in motifs {
        let ic = mean_information_content(m);
        if m.width() < opts.min_width {
            out.dropped.push((
                m.id.clone(),
                format!("width {} < {}", m.width(), opts.min_width),
            ));
        } else if ic < opts.min_mean_ic {
            out.dropped.push((
                m.id.clone(),
                format!(
                    "mean information content {ic:.3} < {} bits",
                    opts.min_mean_ic
                ),
            ));
        } else {
            out.motifs.push(m.clone());
        }
    }
    out
}
