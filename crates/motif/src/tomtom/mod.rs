//! Tomtom motif comparison, computed exactly as MEME 5.x does it in its default
//! complete-score mode (Gupta et al., Genome Biology 2007): per-query integer-scaled column
//! scores shifted by their median, the null distribution of the best alignment over all
//! offsets and both strands, single-precision p- and E-values, and Storey q-values whose pi0
//! bootstrap draws from MT19937 seeded with 4357, consumed query after query.

use crate::background::Background;
use crate::counts::{CountColumn, Prior};
use crate::error::MotifError;
use crate::motif::{Motif, consensus_meme};
use crate::numeric::{Avx2, Mt19937, RowOrder, RowSummary, floor, fmt_g, median_ranks, rnd};
use std::io::Write;
use std::sync::OnceLock;
use std::sync::atomic::{AtomicUsize, Ordering};

mod db;
mod distance;
mod kernels;
pub mod matrix;
mod pvalue;
mod qvalue;
mod text;

use db::*;
pub use distance::Distance;
use distance::*;
use kernels::*;
pub use matrix::{TomtomMatrix, tomtom_matrix, tomtom_pairs};
use pvalue::*;
use qvalue::*;
pub use text::{TOMTOM_HEADER, write_tomtom_text, write_tomtom_trailer};

/// Tomtom settings; the defaults are MEME 5's.
#[derive(Debug, Clone)]
pub struct TomtomOptions {
    /// Column similarity; default [`Distance::Ed`].
    pub distance: Distance,
    /// Minimum number of aligned columns; default 1 (no restriction).
    pub min_overlap: usize,
    /// Only alignments where the shorter motif lies inside the longer; default false.
    pub internal: bool,
    /// Compare with the targets' forward strand only; default false (both strands).
    pub norc: bool,
    /// Pseudocount weight added to every motif row; default 0.1.
    pub motif_pseudo: f64,
    /// Report matches with q-value (or E-value with `evalue`) at most this; default 0.5.
    pub thresh: f64,
    /// Apply `thresh` to the E-value instead of the q-value; default false.
    pub evalue: bool,
}

impl Default for TomtomOptions {
    fn default() -> Self {
        Self {
            distance: Distance::Ed,
            min_overlap: 1,
            internal: false,
            norc: false,
            motif_pseudo: 0.1,
            thresh: 0.5,
            evalue: false,
        }
    }
}

/// Strand of the target in an alignment.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Orientation {
    /// Target as given.
    Forward,
    /// Reverse complement of the target.
    Reverse,
}

impl Orientation {
    /// `+` or `-`.
    pub fn symbol(self) -> char {
        match self {
            Self::Forward => '+',
            Self::Reverse => '-',
        }
    }
}

/// One reported query-target match.
#[derive(Debug, Clone, PartialEq)]
pub struct TomtomHit {
    /// Query motif ID.
    pub query_id: String,
    /// Index of the query in the `queries` slice.
    pub query_index: usize,
    /// Target motif ID.
    pub target_id: String,
    /// Index of the target in the `targets` slice.
    pub target_index: usize,
    /// MEME's `Optimal_offset`: query column `i` faces column `i + offset` of the target
    /// copy (the reverse complement for [`Orientation::Reverse`]).
    pub offset: i64,
    /// Number of aligned columns.
    pub overlap: usize,
    /// Target strand.
    pub orientation: Orientation,
    /// p-value of the best alignment over all offsets and strands (single precision).
    pub p_value: f32,
    /// The best alignment's complete score: the median-shifted column similarities summed
    /// over the aligned columns, at the resolution of Tomtom's integer scaling (what the
    /// p-value is the upper tail of).
    pub score: f64,
    /// E-value, p times the number of targets (single precision).
    pub e_value: f32,
    /// Storey q-value over all target copies of this query (single precision).
    pub q_value: f32,
    /// Consensus of the pseudocounted query.
    pub query_consensus: String,
    /// Consensus of the pseudocounted target copy (reverse-complemented for `-`).
    pub target_consensus: String,
}

/// Compare every query with every target and return the reported matches, ordered as MEME
/// prints them (queries in input order; per query by p-value; each target at most once).
///
/// `background` is the query file's background (`None` = uniform); it only enters the
/// pseudocount. Queries wider than 100 columns are skipped, like MEME does.
///
/// ```
/// use explainn_motif::{MatrixKind, Motif};
/// use explainn_motif::tomtom::{TomtomOptions, tomtom};
/// let gata = Motif::new("GATA", vec![
///     [0.05, 0.05, 0.85, 0.05], [0.85, 0.05, 0.05, 0.05],
///     [0.05, 0.05, 0.05, 0.85], [0.85, 0.05, 0.05, 0.05],
/// ], MatrixKind::Probabilities);
/// let ebox = Motif::new("EBOX", vec![
///     [0.05, 0.85, 0.05, 0.05], [0.85, 0.05, 0.05, 0.05], [0.05, 0.05, 0.85, 0.05],
///     [0.05, 0.85, 0.05, 0.05], [0.05, 0.05, 0.05, 0.85], [0.05, 0.05, 0.85, 0.05],
/// ], MatrixKind::Probabilities);
/// let opts = TomtomOptions { thresh: 1.0, ..Default::default() };
/// let hits = tomtom(&[gata.clone()], &[ebox, gata], None, &opts).unwrap();
/// assert_eq!(hits[0].target_id, "GATA"); // its best match is itself
/// ```
pub fn tomtom(
    queries: &[Motif],
    targets: &[Motif],
    background: Option<&Background>,
    opts: &TomtomOptions,
) -> Result<Vec<TomtomHit>, MotifError> {
    if targets.is_empty() {
        return Err(MotifError::Invalid("no target motifs".into()));
    }
    if let Some(m) = queries.iter().chain(targets).find(|m| m.rows.is_empty()) {
        return Err(MotifError::Invalid(format!(
            "motif {} has no columns",
            m.id
        )));
    }
    let bg = background
        .copied()
        .unwrap_or_default()
        .symmetric()
        .normalized(5e-7);
    let db = TargetDb::new(targets, &bg, opts);
    let qs: Vec<(usize, Vec<[f64; 4]>)> = queries
        .iter()
        .enumerate()
        .filter(|(_, q)| q.width() <= 100)
        .map(|(i, q)| (i, pseudocounted(q, &bg, opts.motif_pseudo)))
        .collect();
    let qcounts: Vec<Vec<CountColumn>> = if opts.distance.uses_counts() {
        qs.iter()
            .map(|(i, rows)| db.count_columns(rows, site_count(&queries[*i])))
            .collect()
    } else {
        vec![Vec::new(); qs.len()]
    };
    // Queries are scored in any order by all threads, claimed one at a time. The pi0
    // bootstrap consumes one MT19937 stream query after query, so this thread computes the
    // q-values and the output in query order, scoring unclaimed queries while it waits for
    // the next one in order.
    let nq = qs.len();
    let scored: Vec<OnceLock<Vec<Entry>>> = (0..nq).map(|_| OnceLock::new()).collect();
    let claimed = AtomicUsize::new(0);
    let score_next = |scr: &mut Scratch| {
        let i = claimed.fetch_add(1, Ordering::Relaxed);
        if i >= nq {
            return false;
        }
        let entries = rank_entries(score_query(&qs[i].1, &qcounts[i], &db, opts, scr), &db);
        scored[i]
            .set(entries)
            .ok()
            .expect("each query is scored once");
        true
    };
    let m = db.copies.len();
    let mut hits = Vec::new();
    rayon::scope(|s| {
        for _ in 1..rayon::current_num_threads().min(nq) {
            s.spawn(|_| {
                let mut scr = Scratch::default();
                while score_next(&mut scr) {}
            });
        }
        let mut scr = Scratch::default();
        let mut boot = Bootstrap::new();
        for (i, (qi, qrows)) in qs.iter().enumerate() {
            let entries = loop {
                if let Some(e) = scored[i].get() {
                    break e;
                }
                if !score_next(&mut scr) {
                    // Another thread is scoring query i.
                    std::thread::yield_now();
                }
            };
            let p: Vec<f64> = entries.iter().map(|e| e.p as f64).collect();
            let q = boot.qvalues(&p);
            let qcons = consensus_meme(qrows);
            let mut printed = vec![false; targets.len()];
            for (e, &qv) in entries.iter().zip(&q) {
                let ev = (e.p * m as f32) / db.norient as f32;
                let stat = if opts.evalue { ev as f64 } else { qv };
                if stat > opts.thresh {
                    break;
                }
                let copy = &db.copies[e.copy];
                if printed[copy.target] {
                    continue;
                }
                printed[copy.target] = true;
                hits.push(TomtomHit {
                    query_id: queries[*qi].id.clone(),
                    query_index: *qi,
                    target_id: targets[copy.target].id.clone(),
                    target_index: copy.target,
                    offset: e.offset,
                    overlap: e.overlap,
                    orientation: copy.orientation,
                    p_value: e.p,
                    score: e.score,
                    e_value: ev,
                    q_value: qv as f32,
                    query_consensus: qcons.clone(),
                    target_consensus: consensus_meme(&db.cols[copy.start..copy.start + copy.len]),
                });
            }
        }
    });
    Ok(hits)
}

/// Column scores as Tomtom computes them before the median shift: `result[i][j]` is the
/// score of query column `i` against column `j` of the target as given (forward strand),
/// after the background and pseudocount rules of [`tomtom()`] (`opts.distance` and
/// `opts.motif_pseudo` apply; larger means more similar).
pub fn column_score_matrix(
    query: &Motif,
    target: &Motif,
    background: Option<&Background>,
    opts: &TomtomOptions,
) -> Vec<Vec<f64>> {
    let bg = background
        .copied()
        .unwrap_or_default()
        .symmetric()
        .normalized(5e-7);
    let fwd = TomtomOptions {
        norc: true,
        ..opts.clone()
    };
    let db = TargetDb::new(std::slice::from_ref(target), &bg, &fwd);
    let q = pseudocounted(query, &bg, opts.motif_pseudo);
    let qc = db.count_columns(&q, site_count(query));
    let n = db.cols.len();
    (0..q.len())
        .map(|i| {
            let mut row = vec![0.0; n];
            if opts.distance.uses_counts() {
                count_scores(&qc[i], &db, opts.distance, &mut row);
            } else {
                for (j, r) in row.iter_mut().enumerate() {
                    *r = exact_score(&q[i], &db, opts.distance, j);
                }
            }
            row
        })
        .collect()
}

/// Row-normalise (when off by more than 1e-5) and add the pseudocount
/// `f = (f n + pseudo b) / (n + pseudo)` with `n = trunc(nsites)` or 20.
pub(crate) fn pseudocounted(m: &Motif, bg: &Background, pseudo: f64) -> Vec<[f64; 4]> {
    let n = match m.effective_nsites() {
        Some(s) if s > 0.0 => s.trunc(),
        _ => 20.0,
    };
    m.rows
        .iter()
        .map(|r| {
            let s: f64 = r.iter().sum();
            let r = if (s - 1.0).abs() > 1e-5 && s > 0.0 {
                r.map(|x| x / s)
            } else {
                *r
            };
            std::array::from_fn(|a| (r[a] * n + pseudo * bg.0[a]) / (n + pseudo))
        })
        .collect()
}

/// Site count of a motif for the count-based distances: its `nsites` (or, for a count
/// matrix without one, its largest column total) when positive, else 20.
pub(crate) fn site_count(m: &Motif) -> f64 {
    match m.effective_nsites() {
        Some(s) if s > 0.0 && s.is_finite() => s,
        _ => 20.0,
    }
}
