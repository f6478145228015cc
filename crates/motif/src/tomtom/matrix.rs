//! All-vs-all Tomtom: every motif of a set compared with every motif of the same set, the
//! best alignment of each ordered pair kept as a full matrix (p-value, offset, overlap,
//! orientation) — what clustering needs, without q-values or text.
//!
//! ```
//! use explainn_motif::{MatrixKind, Motif};
//! use explainn_motif::tomtom::{TomtomOptions, tomtom_matrix};
//! let gata = Motif::new("GATA", vec![
//!     [0.05, 0.05, 0.85, 0.05], [0.85, 0.05, 0.05, 0.05],
//!     [0.05, 0.05, 0.05, 0.85], [0.85, 0.05, 0.05, 0.05],
//! ], MatrixKind::Probabilities);
//! let tatc = gata.reverse_complement();
//! let m = tomtom_matrix(&[gata, tatc], None, &TomtomOptions::default()).unwrap();
//! assert!(m.p_value(0, 1) < 0.05); // the same motif on the other strand
//! assert_eq!(m.orientation(0, 1), explainn_motif::tomtom::Orientation::Reverse);
//! ```

use super::*;
use rayon::prelude::*;

/// The best alignment of every (query, target) pair: row = query, column = target, each
/// indexing its input slice (for [`tomtom_matrix`], the one motif set).
#[derive(Debug, Clone, PartialEq)]
pub struct TomtomMatrix {
    /// Number of queries (rows).
    pub queries: usize,
    /// Number of targets (columns); the matrix is `queries × n`, row-major.
    pub n: usize,
    p: Vec<f32>,
    score: Vec<f64>,
    offset: Vec<i32>,
    overlap: Vec<u16>,
    reverse: Vec<bool>,
}

impl TomtomMatrix {
    /// Tomtom's p-value of query `i` against target `j` (single precision, as MEME).
    pub fn p_value(&self, i: usize, j: usize) -> f64 {
        self.p[i * self.n + j] as f64
    }

    /// The best alignment's complete score ([`TomtomHit::score`]).
    pub fn score(&self, i: usize, j: usize) -> f64 {
        self.score[i * self.n + j]
    }

    /// MEME's `Optimal_offset` of the pair: query column `c` faces column `c + offset` of
    /// target `j` (of its reverse complement when [`orientation`](Self::orientation) is
    /// reverse).
    pub fn offset(&self, i: usize, j: usize) -> i64 {
        self.offset[i * self.n + j] as i64
    }

    /// Number of aligned columns of the pair.
    pub fn overlap(&self, i: usize, j: usize) -> usize {
        self.overlap[i * self.n + j] as usize
    }

    /// Strand of target `j` in the best alignment.
    pub fn orientation(&self, i: usize, j: usize) -> Orientation {
        if self.reverse[i * self.n + j] {
            Orientation::Reverse
        } else {
            Orientation::Forward
        }
    }

    /// The symmetric p-value of a pair: the larger of the two directions' p-values (the
    /// pair is as similar as its less convinced direction says).
    pub fn symmetric_p_value(&self, i: usize, j: usize) -> f64 {
        self.p_value(i, j).max(self.p_value(j, i))
    }
}

/// Compare every motif with every motif (itself included) as [`tomtom()`] does with
/// `motifs` as both queries and targets: the same p-values, offsets and orientations as
/// its rows for each ordered pair, computed on all threads. Motifs wider than 100 columns
/// are refused (MEME skips them as queries).
pub fn tomtom_matrix(
    motifs: &[Motif],
    background: Option<&Background>,
    opts: &TomtomOptions,
) -> Result<TomtomMatrix, MotifError> {
    tomtom_pairs(motifs, motifs, background, opts)
}

/// Every query against every target, as [`tomtom()`] with nothing filtered but without
/// its q-values and consensus strings: the best alignment of each pair (p-value, complete
/// score, offset, overlap, orientation), computed on all threads. Motifs wider than 100
/// columns are refused.
pub fn tomtom_pairs(
    queries: &[Motif],
    targets: &[Motif],
    background: Option<&Background>,
    opts: &TomtomOptions,
) -> Result<TomtomMatrix, MotifError> {
    if queries.is_empty() || targets.is_empty() {
        return Err(MotifError::Invalid("no motifs to compare".into()));
    }
    let all = || queries.iter().chain(targets);
    if let Some(m) = all().find(|m| m.rows.is_empty()) {
        return Err(MotifError::Invalid(format!(
            "motif {} has no columns",
            m.id
        )));
    }
    if let Some(m) = all().find(|m| m.width() > 100) {
        return Err(MotifError::Invalid(format!(
            "motif {} has {} columns; Tomtom compares motifs of at most 100",
            m.id,
            m.width()
        )));
    }
    let bg = background
        .copied()
        .unwrap_or_default()
        .symmetric()
        .normalized(5e-7);
    let db = TargetDb::new(targets, &bg, opts);
    let n = targets.len();
    let rows: Vec<Vec<(f32, f64, i32, u16, bool)>> = queries
        .par_iter()
        .map_init(Scratch::default, |scr, q| {
            let rows = pseudocounted(q, &bg, opts.motif_pseudo);
            let qc = if opts.distance.uses_counts() {
                db.count_columns(&rows, site_count(q))
            } else {
                Vec::new()
            };
            let entries = score_query(&rows, &qc, &db, opts, scr);
            // A target's row is its copy that MEME ranks first: the smallest (key, copy).
            let mut row = vec![(1.0f32, 0.0, 0i32, 0u16, false); n];
            let mut best = vec![u64::MAX; n];
            for (e, copy) in entries.iter().zip(&db.copies) {
                let key = entry_key(e, copy, &db);
                if key < best[copy.target] {
                    best[copy.target] = key;
                    row[copy.target] = (
                        e.p,
                        e.score,
                        e.offset as i32,
                        e.overlap as u16,
                        copy.orientation == Orientation::Reverse,
                    );
                }
            }
            row
        })
        .collect();
    let cells = queries.len() * n;
    let mut m = TomtomMatrix {
        queries: queries.len(),
        n,
        p: Vec::with_capacity(cells),
        score: Vec::with_capacity(cells),
        offset: Vec::with_capacity(cells),
        overlap: Vec::with_capacity(cells),
        reverse: Vec::with_capacity(cells),
    };
    for row in rows {
        for (p, sc, o, l, r) in row {
            m.p.push(p);
            m.score.push(sc);
            m.offset.push(o);
            m.overlap.push(l);
            m.reverse.push(r);
        }
    }
    Ok(m)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every ordered pair equals the row `tomtom()` reports for it with nothing filtered.
    #[test]
    fn matrix_equals_tomtom_rows() {
        let path = concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../../../shared/data/jaspar/JASPAR2024_CORE_vertebrates_non-redundant_pfms_meme.txt"
        );
        let set = crate::io::read_motifs_file(path).unwrap();
        let motifs: Vec<Motif> = set.motifs.into_iter().step_by(9).collect();
        for distance in [Distance::Ed, Distance::Pearson, Distance::Allr] {
            let opts = TomtomOptions {
                distance,
                thresh: f64::INFINITY,
                evalue: true,
                ..Default::default()
            };
            let m = tomtom_matrix(&motifs, None, &opts).unwrap();
            let hits = tomtom(&motifs, &motifs, None, &opts).unwrap();
            assert_eq!(hits.len(), motifs.len() * motifs.len());
            for h in &hits {
                let (i, j) = (h.query_index, h.target_index);
                assert_eq!(m.p_value(i, j), h.p_value as f64, "{distance:?} {i} {j}");
                assert_eq!(m.score(i, j), h.score);
                assert_eq!(m.offset(i, j), h.offset);
                assert_eq!(m.overlap(i, j), h.overlap);
                assert_eq!(m.orientation(i, j), h.orientation);
            }
            assert!(m.symmetric_p_value(3, 5) >= m.p_value(3, 5).min(m.p_value(5, 3)));
            // queries other than the targets: the rows of tomtom() with those queries
            let qs = &motifs[7..12];
            let pairs = tomtom_pairs(qs, &motifs, None, &opts).unwrap();
            assert_eq!((pairs.queries, pairs.n), (5, motifs.len()));
            for h in tomtom(qs, &motifs, None, &opts).unwrap() {
                let (i, j) = (h.query_index, h.target_index);
                assert_eq!(pairs.p_value(i, j), h.p_value as f64);
                assert_eq!(pairs.score(i, j), h.score);
                assert_eq!(pairs.offset(i, j), h.offset);
                assert_eq!(pairs.orientation(i, j), h.orientation);
            }
        }
    }
}
