//! Unit PWMs from activating windows (reference §2, "Filter → PWM"), with the original's
//! defects fixed: counts accumulate in f64 from f32 activations (no float16 overflow),
//! columns are never dropped, and the MEME output is strict (alphabet, strands, uniform
//! background, `nsites`).
//!
//! For unit u with threshold thr_u, every window j of sequence x whose activation
//! a_u[j] > thr_u adds the bases x[j..j+f] to the count matrix C_u `(f, 4)`; unknown bases
//! (code 4) add nothing. P_u[k] = C_u[k] / Σ_b C_u[k, b]; a column without counts (or a
//! unit without sites) is uniform.

use explainn_motif::{MatrixKind, Motif};
use std::io::Write;

/// Site counts of all units: `(U, f, 4)` counts and the number of sites per unit.
#[derive(Debug, Clone, PartialEq)]
pub struct SiteCounts {
    units: usize,
    width: usize,
    counts: Vec<[f64; 4]>,
    nsites: Vec<u64>,
}

impl SiteCounts {
    /// Empty counts for `units` filters of width `width`.
    pub fn new(units: usize, width: usize) -> Self {
        Self {
            units,
            width,
            counts: vec![[0.0; 4]; units * width],
            nsites: vec![0; units],
        }
    }

    /// Add the windows of one batch: `acts` `(B, U, L − f + 1)` row-major activations of
    /// the sequences `codes` `(B, L)` (the strand the activations were computed on), and
    /// per-unit `thresholds` `(U)`. A window counts when its activation is strictly above
    /// the threshold.
    pub fn add_batch(&mut self, acts: &[f32], codes: &[u8], length: usize, thresholds: &[f32]) {
        let (u_n, f) = (self.units, self.width);
        let lc = length + 1 - f;
        let b = codes.len() / length;
        assert_eq!(
            acts.len(),
            b * u_n * lc,
            "activations are not (B, U, L-f+1)"
        );
        assert_eq!(thresholds.len(), u_n);
        for (s, seq) in codes.chunks_exact(length).enumerate() {
            for u in 0..u_n {
                let thr = thresholds[u];
                let row = &acts[(s * u_n + u) * lc..(s * u_n + u + 1) * lc];
                let cnt = &mut self.counts[u * f..(u + 1) * f];
                for (j, &a) in row.iter().enumerate() {
                    if a > thr {
                        self.nsites[u] += 1;
                        for (k, &c) in seq[j..j + f].iter().enumerate() {
                            if c < 4 {
                                cnt[k][c as usize] += 1.0;
                            }
                        }
                    }
                }
            }
        }
    }

    /// Number of units.
    pub fn units(&self) -> usize {
        self.units
    }

    /// Sites per unit `(U)`.
    pub fn nsites(&self) -> &[u64] {
        &self.nsites
    }

    /// Count matrix `(f, 4)` of unit `u`.
    pub fn counts(&self, u: usize) -> &[[f64; 4]] {
        &self.counts[u * self.width..(u + 1) * self.width]
    }

    /// Probability matrix `(f, 4)` of unit `u` (uniform columns where there are no counts).
    pub fn probabilities(&self, u: usize) -> Vec<[f64; 4]> {
        self.counts(u)
            .iter()
            .map(|c| {
                let s: f64 = c.iter().sum();
                if s > 0.0 {
                    [c[0] / s, c[1] / s, c[2] / s, c[3] / s]
                } else {
                    [0.25; 4]
                }
            })
            .collect()
    }

    /// One probability motif per unit, named `unit{u}`, with `nsites` set (0 for units
    /// without sites, whose matrix is uniform).
    pub fn motifs(&self) -> Vec<Motif> {
        (0..self.units)
            .map(|u| {
                let mut m = Motif::new(
                    format!("unit{u}"),
                    self.probabilities(u),
                    MatrixKind::Probabilities,
                );
                m.nsites = Some(self.nsites[u] as f64);
                m
            })
            .collect()
    }
}

/// Write unit motifs as MEME version 4 (ALPHABET= ACGT, strands: + -, uniform background,
/// six decimals).
pub fn write_meme(w: &mut impl Write, motifs: &[Motif]) -> std::io::Result<()> {
    explainn_motif::io::meme::write_meme(w, motifs, None, Some(6))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_windows_above_threshold() {
        // One unit of width 3 over two sequences of length 5 (3 windows each).
        let codes = [0u8, 1, 2, 3, 0, /* */ 3, 3, 4, 2, 2];
        let acts = [1.0f32, 5.0, 2.0, /* */ 4.0, 0.5, 3.0];
        let mut c = SiteCounts::new(1, 3);
        c.add_batch(&acts, &codes, 5, &[2.5]);
        // sites: seq0 window 1 (C G T), seq1 window 0 (T T N), seq1 window 2 (N G G);
        // columns: (C, T, N), (G, T, G), (T, N, G)
        assert_eq!(c.nsites(), &[3]);
        assert_eq!(c.counts(0)[0], [0.0, 1.0, 0.0, 1.0]);
        assert_eq!(c.counts(0)[1], [0.0, 0.0, 2.0, 1.0]);
        assert_eq!(c.counts(0)[2], [0.0, 0.0, 1.0, 1.0]);
        let p = c.probabilities(0);
        assert_eq!(p[0], [0.0, 0.5, 0.0, 0.5]);
        // The threshold is strict.
        let mut d = SiteCounts::new(1, 3);
        d.add_batch(&acts, &codes, 5, &[5.0]);
        assert_eq!(d.nsites(), &[0]);
        assert_eq!(d.probabilities(0), vec![[0.25; 4]; 3]);
    }

    #[test]
    fn meme_output_keeps_every_column() {
        let mut c = SiteCounts::new(2, 4);
        c.add_batch(
            &[9.0, 0.0, 0.0, 0.0],
            &[0, 4, 2, 3, 1, 1, 1, 1],
            4,
            &[1.0, 1.0],
        );
        let mut out = Vec::new();
        write_meme(&mut out, &c.motifs()).unwrap();
        let s = String::from_utf8(out).unwrap();
        assert!(s.starts_with("MEME version 4"));
        assert!(s.contains("ALPHABET= ACGT") && s.contains("strands: + -"));
        assert!(s.contains("MOTIF unit0\nletter-probability matrix: alength= 4 w= 4 nsites= 1"));
        assert!(s.contains("MOTIF unit1\nletter-probability matrix: alength= 4 w= 4 nsites= 0"));
        let back = explainn_motif::io::meme::read_meme(&mut s.as_bytes(), "t").unwrap();
        assert_eq!(back.motifs.len(), 2);
        assert_eq!(back.motifs[0].rows[1], [0.25; 4]); // N column kept, uniform
    }
}
