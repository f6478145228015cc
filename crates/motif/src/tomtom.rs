//! Tomtom motif comparison, computed exactly as MEME 5.x does it in its default
//! complete-score mode (Gupta et al., Genome Biology 2007): per-query integer-scaled column
//! scores shifted by their median, the null distribution of the best alignment over all
//! offsets and both strands, single-precision p- and E-values, and Storey q-values whose pi0
//! bootstrap draws from MT19937 seeded with 4357, consumed query after query.

use crate::background::Background;
use crate::error::MotifError;
use crate::motif::{Motif, consensus_meme};
use crate::numeric::{Mt19937, floor, fmt_g, median_pair, median_ranks, rnd};
use rayon::prelude::*;
use std::io::Write;

/// Column similarity function (larger = more similar).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Distance {
    /// Negative Euclidean distance (MEME 5 default).
    #[default]
    Ed,
    /// Pearson correlation with the mean fixed at 1/4 (ExplaiNN's choice).
    Pearson,
    /// Sandelin-Wasserman similarity: 2 minus the squared Euclidean distance.
    Sandelin,
    /// Negative average Kullback-Leibler divergence (base-10 logarithms).
    Kullback,
}

impl std::str::FromStr for Distance {
    type Err = MotifError;
    fn from_str(s: &str) -> Result<Self, MotifError> {
        match s.to_ascii_lowercase().as_str() {
            "ed" => Ok(Self::Ed),
            "pearson" | "pcc" => Ok(Self::Pearson),
            "sandelin" | "sw" => Ok(Self::Sandelin),
            "kullback" | "kl" => Ok(Self::Kullback),
            _ => Err(MotifError::Invalid(format!(
                "unknown distance {s:?} (ed, pearson, sandelin, kullback)"
            ))),
        }
    }
}

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
    // The pi0 bootstrap consumes one MT19937 stream query after query (100 x 1000 draws
    // per query when there are more than 100 target copies). The draws depend only on the
    // number of copies, so one thread generates them while the others score a block of
    // queries; q-values and output then follow in query order.
    let m = db.copies.len();
    let mut rng = Mt19937::new(4357);
    let mut hits = Vec::new();
    const BLOCK: usize = 32;
    for block in qs.chunks(BLOCK) {
        let (ranked, draws): (Vec<Vec<Entry>>, Vec<u32>) = rayon::join(
            || {
                block
                    .par_iter()
                    .map_init(Scratch::default, |scr, (_, q)| {
                        score_query(q, &db, opts, scr)
                    })
                    .collect()
            },
            || {
                if m <= 100 {
                    return Vec::new();
                }
                let mut d = Vec::new();
                rng.draw_indices(m, block.len() * BOOT_DRAWS, &mut d);
                d
            },
        );
        for (bi, ((qi, qrows), entries)) in block.iter().zip(ranked).enumerate() {
            let p: Vec<f64> = entries.iter().map(|e| e.p as f64).collect();
            let d = if m > 100 {
                &draws[bi * BOOT_DRAWS..(bi + 1) * BOOT_DRAWS]
            } else {
                &[][..]
            };
            let q = qvalues(&p, d);
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
                    e_value: ev,
                    q_value: qv as f32,
                    query_consensus: qcons.clone(),
                    target_consensus: consensus_meme(&db.cols[copy.start..copy.start + copy.len]),
                });
            }
        }
    }
    Ok(hits)
}

/// The header line of Tomtom's `--text` output.
pub const TOMTOM_HEADER: &str = "Query_ID\tTarget_ID\tOptimal_offset\tp-value\tE-value\tq-value\tOverlap\tQuery_consensus\tTarget_consensus\tOrientation";

/// Write hits as `tomtom --text` does (header line, then one tab-separated row per hit;
/// numbers with C `%g`). The trailing `#` comment lines of MEME are not written.
pub fn write_tomtom_text(w: &mut impl Write, hits: &[TomtomHit]) -> std::io::Result<()> {
    writeln!(w, "{TOMTOM_HEADER}")?;
    for h in hits {
        writeln!(
            w,
            "{}\t{}\t{}\t{}\t{}\t{}\t{}\t{}\t{}\t{}",
            h.query_id,
            h.target_id,
            h.offset,
            fmt_g(h.p_value as f64, 6),
            fmt_g(h.e_value as f64, 6),
            fmt_g(h.q_value as f64, 6),
            h.overlap,
            h.query_consensus,
            h.target_consensus,
            h.orientation.symbol()
        )?;
    }
    Ok(())
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

/// Bootstrap draws per query: 100 resamples of 1000 p-values.
const BOOT_DRAWS: usize = 100 * 1000;

struct Copy {
    target: usize,
    orientation: Orientation,
    start: usize,
    len: usize,
}

/// All target copies (forward and reverse complement, interleaved) as one column array.
struct TargetDb {
    cols: Vec<[f64; 4]>,
    /// The same columns letter by letter (structure of arrays); for Pearson each value is
    /// `t - 1/4`, exactly as the column score subtracts it.
    soa: [Vec<f64>; 4],
    copies: Vec<Copy>,
    norient: usize,
    /// Distinct copy widths, ascending.
    widths: Vec<usize>,
    /// Pearson: rounded sum of squared deviations of each column.
    d2: Vec<f64>,
    /// Pearson: `1/sqrt(d2)` (0 where d2 is 0), for the approximate scores.
    inv_sd: Vec<f64>,
    /// Pearson: some d2 is so small that the approximation's error bound may not hold.
    pearson_exact_only: bool,
    /// Rank of each target's ID in byte order (equal IDs share a rank): MEME's last
    /// ranking key without string comparisons.
    id_rank: Vec<u32>,
}

impl TargetDb {
    fn new(targets: &[Motif], bg: &Background, opts: &TomtomOptions) -> Self {
        let mut cols = Vec::new();
        let mut copies = Vec::new();
        for (t, m) in targets.iter().enumerate() {
            let f = pseudocounted(m, bg, opts.motif_pseudo);
            copies.push(Copy {
                target: t,
                orientation: Orientation::Forward,
                start: cols.len(),
                len: f.len(),
            });
            cols.extend_from_slice(&f);
            if !opts.norc {
                copies.push(Copy {
                    target: t,
                    orientation: Orientation::Reverse,
                    start: cols.len(),
                    len: f.len(),
                });
                cols.extend(f.iter().rev().map(|r| [r[3], r[2], r[1], r[0]]));
            }
        }
        let mut widths: Vec<usize> = copies.iter().map(|c| c.len).collect();
        widths.sort_unstable();
        widths.dedup();
        let pearson = opts.distance == Distance::Pearson;
        let shift = if pearson { 0.25 } else { 0.0 };
        let soa = std::array::from_fn(|a| cols.iter().map(|c| c[a] - shift).collect());
        let (d2, inv_sd): (Vec<f64>, Vec<f64>) = if pearson {
            cols.iter()
                .map(|c| {
                    let d = pearson_ss(c);
                    (d, if d == 0.0 { 0.0 } else { 1.0 / d.sqrt() })
                })
                .unzip()
        } else {
            (Vec::new(), Vec::new())
        };
        let pearson_exact_only = d2.iter().any(|&d| d != 0.0 && d < 1e-100);
        let mut order: Vec<usize> = (0..targets.len()).collect();
        order.sort_by(|&a, &b| targets[a].id.as_bytes().cmp(targets[b].id.as_bytes()));
        let mut id_rank = vec![0u32; targets.len()];
        for (r, w) in order.windows(2).enumerate() {
            let same = targets[w[0]].id == targets[w[1]].id;
            id_rank[w[1]] = if same { id_rank[w[0]] } else { r as u32 + 1 };
        }
        Self {
            cols,
            soa,
            copies,
            norient: if opts.norc { 1 } else { 2 },
            widths,
            d2,
            inv_sd,
            pearson_exact_only,
            id_rank,
        }
    }
}

/// Sum of squared deviations from 1/4, rounded to 14 digits after each letter.
fn pearson_ss(c: &[f64; 4]) -> f64 {
    let mut s = 0.0;
    for &x in c {
        s = rnd(s + (x - 0.25) * (x - 0.25), 14);
    }
    s
}

/// Pearson correlation exactly as MEME computes it: the numerator rounded to 14 digits
/// after each letter; `qd` and `td` are the columns minus 1/4.
fn pearson_exact(qd: &[f64; 4], td: [f64; 4], d1: f64, d2: f64) -> f64 {
    let mut num = 0.0;
    for a in 0..4 {
        num = rnd(num + qd[a] * td[a], 14);
    }
    let den = d1 * d2;
    if den == 0.0 { 0.0 } else { num / den.sqrt() }
}

/// One target copy's best alignment with the query.
struct Entry {
    p: f32,
    overlap: usize,
    copy: usize,
    offset: i64,
}

/// Working memory of one thread, reused from query to query.
#[derive(Default)]
struct Scratch {
    /// Column scores, query column by query column (`w x N`).
    s: Vec<f64>,
    tmp: Vec<f64>,
    /// Quantised scores `X`, same layout.
    xs: Vec<u8>,
    cur: Vec<f64>,
    next: Vec<f64>,
    hr: Vec<f64>,
    /// Per range `[a, b]` (index `a w + b`): first E index, offset into `tails`, length.
    cells: Vec<(i64, usize, usize)>,
    /// Two-strand upper tails `1 - (1 - P(sum >= x))^2` of the needed ranges.
    tails: Vec<f64>,
    acc: Vec<i32>,
}

/// Bins with at most this much probability mass are dropped from either end of a range
/// distribution. The p-values move by less than 1e-60 in absolute terms, far below the
/// smallest single-precision number (1.4e-45).
const TRIM: f64 = 1e-70;

/// Score one query against all target copies; entries sorted as MEME ranks them.
fn score_query(
    q: &[[f64; 4]],
    db: &TargetDb,
    opts: &TomtomOptions,
    scr: &mut Scratch,
) -> Vec<Entry> {
    #[cfg(target_arch = "x86_64")]
    {
        if std::arch::is_x86_feature_detected!("avx2") {
            // SAFETY: the CPU supports AVX2 (checked just above).
            return unsafe { score_query_avx2(q, db, opts, scr) };
        }
    }
    score_query_impl(q, db, opts, scr)
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
unsafe fn score_query_avx2(
    q: &[[f64; 4]],
    db: &TargetDb,
    opts: &TomtomOptions,
    scr: &mut Scratch,
) -> Vec<Entry> {
    score_query_impl(q, db, opts, scr)
}

/// Column scores of query column `qc` against every database column, into `out`. Returns
/// a bound on |written - exact| (0 when the written scores are exact); Pearson is first
/// computed without the digit rounding, then corrected wherever it could matter.
#[inline(always)]
fn column_scores(qc: &[f64; 4], db: &TargetDb, dist: Distance, out: &mut [f64]) -> f64 {
    let n = out.len();
    let [ta, tc, tg, tt] = &db.soa;
    let (ta, tc, tg, tt) = (&ta[..n], &tc[..n], &tg[..n], &tt[..n]);
    match dist {
        Distance::Ed => {
            for j in 0..n {
                let (d0, d1, d2, d3) = (qc[0] - ta[j], qc[1] - tc[j], qc[2] - tg[j], qc[3] - tt[j]);
                let s = d0 * d0 + d1 * d1 + d2 * d2 + d3 * d3;
                out[j] = -s.sqrt();
            }
            0.0
        }
        Distance::Sandelin => {
            for j in 0..n {
                let (d0, d1, d2, d3) = (qc[0] - ta[j], qc[1] - tc[j], qc[2] - tg[j], qc[3] - tt[j]);
                let s = d0 * d0 + d1 * d1 + d2 * d2 + d3 * d3;
                out[j] = 2.0 - s;
            }
            0.0
        }
        Distance::Kullback => {
            for (o, t) in out.iter_mut().zip(&db.cols) {
                let mut s = 0.0;
                for a in 0..4 {
                    s += qc[a] * (qc[a] / t[a]).log10() + t[a] * (t[a] / qc[a]).log10();
                }
                *o = -(s / 2.0);
            }
            0.0
        }
        Distance::Pearson => {
            let d1 = pearson_ss(qc);
            let qd = qc.map(|x| x - 0.25);
            if db.pearson_exact_only || (d1 != 0.0 && d1 < 1e-100) {
                for j in 0..n {
                    out[j] = pearson_exact(&qd, [ta[j], tc[j], tg[j], tt[j]], d1, db.d2[j]);
                }
                return 0.0;
            }
            let iq = if d1 == 0.0 { 0.0 } else { 1.0 / d1.sqrt() };
            let isd = &db.inv_sd[..n];
            for j in 0..n {
                let num = qd[0] * ta[j] + qd[1] * tc[j] + qd[2] * tg[j] + qd[3] * tt[j];
                out[j] = num * (iq * isd[j]);
            }
            // Each of the four roundings moves the numerator by at most 5e-14 of a partial
            // sum, and |partial sums| <= sqrt(d1 d2) (Cauchy-Schwarz): |error| < 3e-13.
            1e-11
        }
    }
}

/// The exact score of query column `qc` with database column `j` (used where the
/// approximate one could change a result).
fn exact_score(qc: &[f64; 4], db: &TargetDb, dist: Distance, j: usize) -> f64 {
    match dist {
        Distance::Pearson => {
            let td = std::array::from_fn(|a| db.soa[a][j]);
            pearson_exact(&qc.map(|x| x - 0.25), td, pearson_ss(qc), db.d2[j])
        }
        _ => {
            let mut v = [0.0];
            let one = TargetDb1(db, j);
            one.score(qc, dist, &mut v);
            v[0]
        }
    }
}

/// A view of one database column (for [`exact_score`] of the exact distances).
struct TargetDb1<'a>(&'a TargetDb, usize);

impl TargetDb1<'_> {
    fn score(&self, qc: &[f64; 4], dist: Distance, out: &mut [f64; 1]) {
        let t = self.0.cols[self.1];
        let mut s = 0.0;
        match dist {
            Distance::Kullback => {
                for a in 0..4 {
                    s += qc[a] * (qc[a] / t[a]).log10() + t[a] * (t[a] / qc[a]).log10();
                }
                out[0] = -(s / 2.0);
            }
            _ => {
                let d: [f64; 4] = std::array::from_fn(|a| qc[a] - t[a]);
                s = d[0] * d[0] + d[1] * d[1] + d[2] * d[2] + d[3] * d[3];
                out[0] = if dist == Distance::Sandelin {
                    2.0 - s
                } else {
                    -s.sqrt()
                };
            }
        }
    }
}

/// Exact lower median of a row whose values are within `delta` of the exact scores.
fn row_median(row: &[f64], delta: f64, exact: impl Fn(usize) -> f64, tmp: &mut Vec<f64>) -> f64 {
    let (a1, a2) = median_pair(row, tmp);
    if delta == 0.0 {
        return (a1 + a2) / 2.0;
    }
    // Every exact order statistic lies within delta of the approximate one, so the exact
    // ones are among the values within 2 delta of [a1, a2]; those below rank first.
    let (i1, i2) = median_ranks(row.len());
    let (lo, hi) = (a1 - 3.0 * delta, a2 + 3.0 * delta);
    let mut below = 0usize;
    let mut cand: Vec<f64> = Vec::new();
    for (j, &v) in row.iter().enumerate() {
        if v < lo {
            below += 1;
        } else if v <= hi {
            cand.push(exact(j));
        }
    }
    cand.sort_unstable_by(|a, b| a.total_cmp(b));
    assert!(below <= i1 && i2 - below < cand.len(), "median bracket");
    (cand[i1 - below] + cand[i2 - below]) / 2.0
}

#[inline(always)]
fn score_query_impl(
    q: &[[f64; 4]],
    db: &TargetDb,
    opts: &TomtomOptions,
    scr: &mut Scratch,
) -> Vec<Entry> {
    let w = q.len();
    let n = db.cols.len();
    let dist = opts.distance;
    // Column scores and per-row medians.
    scr.s.resize(w * n, 0.0);
    let mut med = vec![0.0f64; w];
    let mut rmin = vec![0.0f64; w];
    let mut rmax = vec![0.0f64; w];
    let mut delta = 0.0f64;
    for (i, qc) in q.iter().enumerate() {
        let row = &mut scr.s[i * n..(i + 1) * n];
        delta = column_scores(qc, db, dist, row);
        med[i] = row_median(row, delta, |j| exact_score(qc, db, dist, j), &mut scr.tmp);
        (rmin[i], rmax[i]) = row_extremes(row);
    }
    // Extremes of the median-shifted scores (exact: subtracting a constant is monotone).
    let mut hi = (0..w)
        .map(|i| rmax[i] - med[i])
        .fold(f64::NEG_INFINITY, f64::max);
    let mut lo = (0..w)
        .map(|i| rmin[i] - med[i])
        .fold(f64::INFINITY, f64::min);
    if delta > 0.0 {
        let (ah, al) = (hi, lo);
        hi = f64::NEG_INFINITY;
        lo = f64::INFINITY;
        for i in 0..w {
            let row = &scr.s[i * n..(i + 1) * n];
            if rmax[i] - med[i] >= ah - 3.0 * delta {
                for (j, &v) in row.iter().enumerate() {
                    if v - med[i] >= ah - 3.0 * delta {
                        hi = hi.max(exact_score(&q[i], db, dist, j) - med[i]);
                    }
                }
            }
            if rmin[i] - med[i] <= al + 3.0 * delta {
                for (j, &v) in row.iter().enumerate() {
                    if v - med[i] <= al + 3.0 * delta {
                        lo = lo.min(exact_score(&q[i], db, dist, j) - med[i]);
                    }
                }
            }
        }
    }
    if hi == lo {
        lo = hi - 1.0;
    }
    let off = floor(lo);
    let sc = floor(100.0 / (hi - off));
    let k = (-off * sc) as usize;

    // Quantised scores X and their histograms.
    scr.xs.resize(w * n, 0);
    let eta = 4.0 * delta * sc + 1e-9;
    let mut hist = vec![[0u32; 101]; w];
    for i in 0..w {
        let row = &scr.s[i * n..(i + 1) * n];
        let xr = &mut scr.xs[i * n..(i + 1) * n];
        let m = med[i];
        const CH: usize = 64;
        if delta == 0.0 {
            quantise_row(row, m, off, sc, xr);
        }
        for (cn, (rc, xc)) in row.chunks(CH).zip(xr.chunks_mut(CH)).enumerate() {
            if delta == 0.0 {
                break;
            }
            let mut bad = false;
            for (&v, x) in rc.iter().zip(xc.iter_mut()) {
                // t >= 0.5 for exact scores, so truncation is the floor.
                let t = ((v - m) - off) * sc + 0.5;
                let xi = (t as i32).clamp(0, 100);
                let f = t - xi as f64;
                bad |= (f < eta) | (f > 1.0 - eta);
                *x = xi as u8;
            }
            if bad && delta > 0.0 {
                for (jj, (&v, x)) in rc.iter().zip(xc.iter_mut()).enumerate() {
                    let t = ((v - m) - off) * sc + 0.5;
                    let f = t - floor(t);
                    if f < eta || f > 1.0 - eta {
                        let e = exact_score(&q[i], db, dist, cn * CH + jj);
                        *x = floor(((e - m) - off) * sc + 0.5) as u8;
                    }
                }
            }
        }
        let mut c4 = [[0u32; 101]; 4];
        let mut it = xr.chunks_exact(4);
        for ch in &mut it {
            c4[0][ch[0] as usize] += 1;
            c4[1][ch[1] as usize] += 1;
            c4[2][ch[2] as usize] += 1;
            c4[3][ch[3] as usize] += 1;
        }
        for &x in it.remainder() {
            c4[0][x as usize] += 1;
        }
        for s in 0..101 {
            hist[i][s] = c4[0][s] + c4[1][s] + c4[2][s] + c4[3][s];
        }
    }

    // Upper tails of the summed scores over the query column ranges the null needs.
    build_tails(&hist, n, w, k, &db.widths, scr);

    // Best alignment of every copy, then its p-value.
    let mut entries: Vec<Entry> = Vec::with_capacity(db.copies.len());
    let mut keys: Vec<(u64, u32)> = Vec::with_capacity(db.copies.len());
    for (ci, c) in db.copies.iter().enumerate() {
        let l = c.len;
        let nconf = w + l - 1;
        scr.acc.clear();
        scr.acc.resize(nconf, 0);
        for i in 0..w {
            let src = &scr.xs[i * n + c.start..i * n + c.start + l];
            let dst = &mut scr.acc[w - 1 - i..w - 1 - i + l];
            for (d, &x) in dst.iter_mut().zip(src) {
                *d += x as i32;
            }
        }
        let (mut cmin, mut cmax) = (1usize, nconf);
        if opts.min_overlap > 1 {
            let m = opts.min_overlap.min(w).min(l);
            cmin = cmin.max(m);
            cmax = cmax.min(w + l - m);
        }
        if opts.internal {
            cmin = cmin.max(w.min(l));
            cmax = cmax.min(w.max(l));
        }
        let mut b: Option<(i64, usize, i64)> = None;
        for conf in cmin..=cmax {
            let o = conf as i64 - w as i64;
            let i0 = (-o).max(0) as usize;
            let i1 = (w as i64).min(l as i64 - o) as usize;
            let ov = i1 - i0;
            let complete = scr.acc[conf - 1] as i64 - (ov * k) as i64;
            if b.is_none_or(|(bc, bo, _)| complete > bc || (complete == bc && ov > bo)) {
                b = Some((complete, ov, o));
            }
        }
        let (complete, ov, o) = b.expect("at least one configuration");
        let idx = complete + (w * k) as i64;
        // P(max >= idx) over the w + l - 1 alignments and both strands:
        // 1 - prod (1 - T2), accumulated as p + t (1 - p), exact in relative terms.
        let mut p = 0.0f64;
        for step in 0..nconf {
            let (a, bb) = step_range(w, l, step);
            let (base, toff, tlen) = scr.cells[a * w + bb];
            let x = idx - base;
            if x < 0 {
                p = 1.0;
                break;
            }
            if (x as usize) < tlen {
                let t = scr.tails[toff + x as usize];
                p += t * (1.0 - p);
            }
        }
        let p = p as f32;
        entries.push(Entry {
            p,
            overlap: ov,
            copy: ci,
            offset: o,
        });
        // MEME's order: p ascending, overlap descending, then strcmp of the strand-
        // prefixed ID ("+ID" < "-ID"); equal keys keep the copy order.
        let strand = (c.orientation == Orientation::Reverse) as u64;
        let key = ((p.to_bits() as u64) << 32)
            | ((255 - ov.min(255) as u64) << 24)
            | (strand << 23)
            | (db.id_rank[c.target] as u64 & 0x7f_ffff);
        keys.push((key, ci as u32));
    }
    debug_assert!(db.id_rank.len() < 1 << 23);
    keys.sort_unstable();
    let mut slots: Vec<Option<Entry>> = entries.into_iter().map(Some).collect();
    keys.iter()
        .map(|&(_, ci)| slots[ci as usize].take().expect("entry"))
        .collect()
}

/// Minimum and maximum of a row of scores (no NaNs).
#[inline(always)]
fn row_extremes(row: &[f64]) -> (f64, f64) {
    #[cfg(target_arch = "x86_64")]
    {
        if std::arch::is_x86_feature_detected!("avx2") {
            // SAFETY: the CPU supports AVX2 (checked just above).
            return unsafe { row_extremes_avx2(row) };
        }
    }
    let (mut mn, mut mx) = (f64::INFINITY, f64::NEG_INFINITY);
    for &v in row {
        mn = mn.min(v);
        mx = mx.max(v);
    }
    (mn, mx)
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
unsafe fn row_extremes_avx2(row: &[f64]) -> (f64, f64) {
    use std::arch::x86_64::*;
    let mut mn = [_mm256_set1_pd(f64::INFINITY); 2];
    let mut mx = [_mm256_set1_pd(f64::NEG_INFINITY); 2];
    let mut it = row.chunks_exact(8);
    for ch in &mut it {
        // SAFETY: `ch` holds 8 values; unaligned loads.
        let (a, b) = unsafe {
            (
                _mm256_loadu_pd(ch.as_ptr()),
                _mm256_loadu_pd(ch.as_ptr().add(4)),
            )
        };
        mn[0] = _mm256_min_pd(mn[0], a);
        mn[1] = _mm256_min_pd(mn[1], b);
        mx[0] = _mm256_max_pd(mx[0], a);
        mx[1] = _mm256_max_pd(mx[1], b);
    }
    let (mut lo, mut hi) = ([0.0f64; 4], [0.0f64; 4]);
    // SAFETY: 4-value arrays; unaligned stores.
    unsafe {
        _mm256_storeu_pd(lo.as_mut_ptr(), _mm256_min_pd(mn[0], mn[1]));
        _mm256_storeu_pd(hi.as_mut_ptr(), _mm256_max_pd(mx[0], mx[1]));
    }
    let mut l = lo.iter().copied().fold(f64::INFINITY, f64::min);
    let mut h = hi.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    for &v in it.remainder() {
        l = l.min(v);
        h = h.max(v);
    }
    (l, h)
}

/// `x = floor(((v - m) - off) sc + 0.5)` for exact scores (t >= 0.5, so truncation is the
/// floor, and x lies in 0..=100).
#[inline(always)]
fn quantise_row(row: &[f64], m: f64, off: f64, sc: f64, xr: &mut [u8]) {
    #[cfg(target_arch = "x86_64")]
    {
        if std::arch::is_x86_feature_detected!("avx2") {
            // SAFETY: the CPU supports AVX2 (checked just above).
            unsafe { quantise_row_avx2(row, m, off, sc, xr) };
            return;
        }
    }
    for (&v, x) in row.iter().zip(xr.iter_mut()) {
        *x = (((v - m) - off) * sc + 0.5) as i32 as u8;
    }
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
unsafe fn quantise_row_avx2(row: &[f64], m: f64, off: f64, sc: f64, xr: &mut [u8]) {
    use std::arch::x86_64::*;
    assert_eq!(row.len(), xr.len());
    let (vm, voff, vsc, half) = (
        _mm256_set1_pd(m),
        _mm256_set1_pd(off),
        _mm256_set1_pd(sc),
        _mm256_set1_pd(0.5),
    );
    let q = |p: *const f64| {
        // SAFETY: the caller passes a pointer to 4 readable values.
        let v = unsafe { _mm256_loadu_pd(p) };
        let t = _mm256_add_pd(
            _mm256_mul_pd(_mm256_sub_pd(_mm256_sub_pd(v, vm), voff), vsc),
            half,
        );
        _mm256_cvttpd_epi32(t)
    };
    let n16 = row.len() / 16 * 16;
    let mut j = 0;
    while j < n16 {
        let p = row.as_ptr().wrapping_add(j);
        let (a, b, c, d) = (
            q(p),
            q(p.wrapping_add(4)),
            q(p.wrapping_add(8)),
            q(p.wrapping_add(12)),
        );
        let x = _mm_packus_epi16(_mm_packs_epi32(a, b), _mm_packs_epi32(c, d));
        // SAFETY: j + 16 <= xr.len().
        unsafe { _mm_storeu_si128(xr.as_mut_ptr().add(j).cast(), x) };
        j += 16;
    }
    for (&v, x) in row[n16..].iter().zip(xr[n16..].iter_mut()) {
        *x = (((v - m) - off) * sc + 0.5) as i32 as u8;
    }
}

/// The query column range `[a, b]` of alignment step `i` with a target of width `l`.
#[inline(always)]
fn step_range(w: usize, l: usize, i: usize) -> (usize, usize) {
    if i < w {
        let a = w - 1 - i;
        (a, w.min(a + l) - 1)
    } else {
        (0, w.min(l + w - 1 - i) - 1)
    }
}

/// Distributions of summed integer scores over query column ranges `[a, b]` (convolutions
/// of the column histograms), shifted so that every overlap length shares one scale
/// (index = sum + (w - (b-a+1)) k), stored as two-strand upper tails in `scr.cells` /
/// `scr.tails`. Only the ranges the p-values need are kept.
#[inline(always)]
fn build_tails(
    hist: &[[u32; 101]],
    n: usize,
    w: usize,
    k: usize,
    widths: &[usize],
    scr: &mut Scratch,
) {
    let mut need = vec![false; w * w];
    for &l in widths {
        for a in 0..w {
            need[a * w + (w.min(a + l) - 1)] = true;
        }
        for b in 0..w.min(l.saturating_sub(1)) {
            need[b] = true;
        }
    }
    let supp: Vec<(usize, usize)> = hist
        .iter()
        .map(|h| {
            let lo = h.iter().position(|&x| x > 0).unwrap();
            let hi = h.iter().rposition(|&x| x > 0).unwrap();
            (lo, hi)
        })
        .collect();
    scr.cells.clear();
    scr.cells.resize(w * w, (0, 0, 0));
    scr.tails.clear();
    let nf = n as f64;
    for a in 0..w {
        let Some(last) = (a..w).rev().find(|&b| need[a * w + b]) else {
            continue;
        };
        let (lo, hi) = supp[a];
        scr.cur.clear();
        scr.cur
            .extend(hist[a][lo..=hi].iter().map(|&c| c as f64 / nf));
        let mut start = lo;
        for b in a..=last {
            if b > a {
                let (hlo, hhi) = supp[b];
                let nh = hhi - hlo + 1;
                scr.hr.clear();
                scr.hr
                    .extend(hist[b][hlo..=hhi].iter().rev().map(|&c| c as f64 / nf));
                let m = scr.cur.len();
                let len = m + nh - 1;
                // Zero-padded copy of the current distribution in `next`.
                scr.next.clear();
                scr.next.resize(nh - 1, 0.0);
                scr.next.extend_from_slice(&scr.cur);
                scr.next.resize(len + nh - 1 + 16, 0.0);
                scr.cur.clear();
                scr.cur.resize(len, 0.0);
                convolve(&scr.next, &scr.hr, &mut scr.cur);
                start += hlo;
                // Drop negligible mass at both ends.
                let (mut i0, mut i1) = (0usize, len);
                let mut acc = 0.0;
                while i0 + 1 < i1 && acc + scr.cur[i0] <= TRIM {
                    acc += scr.cur[i0];
                    i0 += 1;
                }
                acc = 0.0;
                while i1 - 1 > i0 && acc + scr.cur[i1 - 1] <= TRIM {
                    acc += scr.cur[i1 - 1];
                    i1 -= 1;
                }
                if i0 > 0 || i1 < len {
                    scr.cur.copy_within(i0..i1, 0);
                    scr.cur.truncate(i1 - i0);
                    start += i0;
                }
            }
            if need[a * w + b] {
                let ov = b - a + 1;
                let off = scr.tails.len();
                let len = scr.cur.len();
                scr.tails.resize(off + len, 0.0);
                let mut acc = 0.0;
                for j in (0..len).rev() {
                    acc += scr.cur[j];
                    scr.tails[off + j] = acc * (2.0 - acc);
                }
                scr.cells[a * w + b] = ((start + (w - ov) * k) as i64, off, len);
            }
        }
    }
}

/// `out[y] = sum_t hr[t] src[y + t]` (a convolution with the reversed kernel `hr`).
/// `src` must extend at least `hr.len() - 1 + 16` values past `out.len()`.
#[inline(always)]
fn convolve(src: &[f64], hr: &[f64], out: &mut [f64]) {
    let nh = hr.len();
    let n = out.len();
    assert!(src.len() >= n + nh - 1 + 16);
    let mut y0 = 0;
    while y0 < n {
        let mut acc = [0.0f64; 16];
        for (t, &h) in hr.iter().enumerate() {
            let s = &src[y0 + t..y0 + t + 16];
            for j in 0..16 {
                acc[j] += h * s[j];
            }
        }
        let m = (n - y0).min(16);
        out[y0..y0 + m].copy_from_slice(&acc[..m]);
        y0 += 16;
    }
}

/// Storey q-values of p-values sorted ascending, with MEME's bootstrap estimate of pi0
/// (only when more than 100 p-values; `draws` holds the 100 x 1000 bootstrap indices).
#[inline(never)]
fn qvalues(p: &[f64], draws: &[u32]) -> Vec<f64> {
    let m = p.len();
    let mut pi0 = 1.0;
    if m > 100 {
        const NL: usize = 100;
        let lam: Vec<f64> = (0..NL).map(|j| ((j + 1) as f64 / 100.0) * 0.5).collect();
        // First index whose p >= lambda (p is sorted ascending).
        let first: Vec<usize> = lam.iter().map(|&l| p.partition_point(|&x| x < l)).collect();
        let pi = |count: usize, l: f64, len: usize| {
            if count == 0 {
                f64::INFINITY
            } else {
                count as f64 / ((1.0 - l) * len as f64)
            }
        };
        let pis: Vec<f64> = (0..NL).map(|j| pi(m - first[j], lam[j], m)).collect();
        let pmin = pis.iter().copied().fold(f64::INFINITY, f64::min);
        // level[i] = number of lambdas whose first index is <= i.
        let mut level = vec![0u8; m];
        for (i, lv) in level.iter_mut().enumerate() {
            *lv = first.iter().filter(|&&f| f <= i).count() as u8;
        }
        let mut mse = [0.0f64; NL];
        let mut bucket = [0usize; NL + 1];
        for rep in draws.chunks_exact(1000) {
            bucket.fill(0);
            for &idx in rep {
                bucket[level[idx as usize] as usize] += 1;
            }
            // count(j) = draws with level >= j+1.
            let mut acc = 0usize;
            let mut counts = [0usize; NL];
            for j in (0..NL).rev() {
                acc += bucket[j + 1];
                counts[j] = acc;
            }
            for j in 0..NL {
                let d = pi(counts[j], lam[j], 1000) - pmin;
                mse[j] += d * d;
            }
        }
        let mut jbest = 0;
        for j in 1..NL {
            if mse[j] < mse[jbest] {
                jbest = j;
            }
        }
        pi0 = pis[jbest].clamp(0.0, 1.0);
    }
    let mut q: Vec<f64> = p
        .iter()
        .enumerate()
        .map(|(i, &pv)| (pi0 * pv * m as f64 / (i + 1) as f64).min(1.0))
        .collect();
    for i in (0..m.saturating_sub(1)).rev() {
        if q[i + 1] < q[i] {
            q[i] = q[i + 1];
        }
    }
    q
}
