//! Tomtom motif comparison, computed exactly as MEME 5.x does it in its default
//! complete-score mode (Gupta et al., Genome Biology 2007): per-query integer-scaled column
//! scores shifted by their median, the null distribution of the best alignment over all
//! offsets and both strands, single-precision p- and E-values, and Storey q-values whose pi0
//! bootstrap draws from MT19937 seeded with 4357, consumed query after query.

use crate::background::Background;
use crate::counts::{CountColumn, Prior};
use crate::error::MotifError;
use crate::motif::{Motif, consensus_meme};
use crate::numeric::{Mt19937, RowOrder, RowSummary, cpu_has, floor, fmt_g, median_ranks, rnd};
use std::io::Write;
use std::sync::OnceLock;
use std::sync::atomic::{AtomicUsize, Ordering};

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
    /// Average log-likelihood ratio (Wang & Stormo 2003) of the columns' counts (site count
    /// times frequency) against the background.
    Allr,
    /// BLiC score (Habib et al. 2008) with a one-component Dirichlet prior.
    Blic1,
    /// BLiC score with a five-component Dirichlet mixture prior.
    Blic5,
    /// Log-likelihood ratio of one common source against two, one-component prior.
    Llr1,
    /// The same with the five-component prior.
    Llr5,
}

impl Distance {
    /// Every distance, in MEME's `-dist` names.
    pub const ALL: [Distance; 9] = [
        Self::Allr,
        Self::Ed,
        Self::Kullback,
        Self::Pearson,
        Self::Sandelin,
        Self::Blic1,
        Self::Blic5,
        Self::Llr1,
        Self::Llr5,
    ];

    /// MEME's `-dist` name.
    pub fn name(self) -> &'static str {
        match self {
            Self::Ed => "ed",
            Self::Pearson => "pearson",
            Self::Sandelin => "sandelin",
            Self::Kullback => "kullback",
            Self::Allr => "allr",
            Self::Blic1 => "blic1",
            Self::Blic5 => "blic5",
            Self::Llr1 => "llr1",
            Self::Llr5 => "llr5",
        }
    }

    /// Whether the column score reads the motifs' site counts (and, except for the LLRs,
    /// the background), defined in the module `counts` of this crate's sources.
    pub fn uses_counts(self) -> bool {
        matches!(
            self,
            Self::Allr | Self::Blic1 | Self::Blic5 | Self::Llr1 | Self::Llr5
        )
    }

    fn prior(self) -> Prior {
        match self {
            Self::Blic5 | Self::Llr5 => Prior::Five,
            _ => Prior::One,
        }
    }
}

impl std::fmt::Display for Distance {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

impl std::str::FromStr for Distance {
    type Err = MotifError;
    fn from_str(s: &str) -> Result<Self, MotifError> {
        match s.to_ascii_lowercase().as_str() {
            "ed" => Ok(Self::Ed),
            "pearson" | "pcc" => Ok(Self::Pearson),
            "sandelin" | "sw" => Ok(Self::Sandelin),
            "kullback" | "kl" => Ok(Self::Kullback),
            "allr" => Ok(Self::Allr),
            "blic1" => Ok(Self::Blic1),
            "blic5" => Ok(Self::Blic5),
            "llr1" => Ok(Self::Llr1),
            "llr5" => Ok(Self::Llr5),
            _ => Err(MotifError::Invalid(format!(
                "unknown distance {s:?} (allr, ed, kullback, pearson, sandelin, blic1, blic5, \
                 llr1, llr5)"
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
        let entries = score_query(&qs[i].1, &qcounts[i], &db, opts, scr);
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

/// The lines Tomtom ends its TSV file with: a blank line, then `# Tomtom (Motif
/// Comparison Tool): Version {version}`, the line naming the format's description, and
/// `# {command}`. ([`write_tomtom_text`] does not write them, so that output compares
/// with MEME rows only.)
pub fn write_tomtom_trailer(
    w: &mut impl Write,
    version: &str,
    command: &str,
) -> std::io::Result<()> {
    writeln!(w)?;
    writeln!(w, "# Tomtom (Motif Comparison Tool): Version {version}")?;
    writeln!(
        w,
        "# The format of this file is described at https://meme-suite.org/meme/doc/tomtom-output-format.html."
    )?;
    writeln!(w, "# {command}")
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

/// Bootstrap resamples per query.
const BOOT_REPS: usize = 100;
/// p-values drawn per bootstrap resample.
const BOOT_SAMPLE: usize = 1000;

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
    /// The copies grouped by width: (width, copy indices), widths ascending.
    by_width: Vec<(usize, Vec<u32>)>,
    /// Pearson: rounded sum of squared deviations of each column.
    d2: Vec<f64>,
    /// Pearson: `1/sqrt(d2)` (0 where d2 is 0), for the approximate scores.
    inv_sd: Vec<f64>,
    /// Pearson: some d2 is so small that the approximation's error bound may not hold.
    pearson_exact_only: bool,
    /// Rank of each target's ID in byte order (equal IDs share a rank): MEME's last
    /// ranking key without string comparisons.
    id_rank: Vec<u32>,
    /// Count-based distances: every column as counts (empty for the others).
    ccols: Vec<CountColumn>,
    /// `ln` of the background.
    ln_bg: [f64; 4],
    /// Prior of the LLR and BLiC source estimates.
    prior: Prior,
}

impl TargetDb {
    fn new(targets: &[Motif], bg: &Background, opts: &TomtomOptions) -> Self {
        let mut cols = Vec::new();
        let mut copies = Vec::new();
        let counted = opts.distance.uses_counts();
        let ln_bg = bg.0.map(f64::ln);
        let prior = opts.distance.prior();
        let mut ccols = Vec::new();
        for (t, m) in targets.iter().enumerate() {
            let f = pseudocounted(m, bg, opts.motif_pseudo);
            let ncols = cols.len();
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
            if counted {
                let n = site_count(m);
                ccols.extend(
                    cols[ncols..]
                        .iter()
                        .map(|c| CountColumn::new(c, n, &ln_bg, prior)),
                );
            }
        }
        let mut widths: Vec<usize> = copies.iter().map(|c| c.len).collect();
        widths.sort_unstable();
        widths.dedup();
        let by_width = widths
            .iter()
            .map(|&l| {
                let group = (0..copies.len() as u32)
                    .filter(|&ci| copies[ci as usize].len == l)
                    .collect();
                (l, group)
            })
            .collect();
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
            by_width,
            d2,
            inv_sd,
            pearson_exact_only,
            id_rank,
            ccols,
            ln_bg,
            prior,
        }
    }

    /// A query's pseudocounted rows as count columns, with this database's background and
    /// prior.
    fn count_columns(&self, rows: &[[f64; 4]], n: f64) -> Vec<CountColumn> {
        rows.iter()
            .map(|r| CountColumn::new(r, n, &self.ln_bg, self.prior))
            .collect()
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
    /// Row order statistics.
    order: RowOrder,
    /// Quantised scores `X` of one query row (plus slack).
    xrow: Vec<u8>,
    /// Alignment sums of all copies (see `score_query_impl`).
    sums: Vec<u16>,
    /// The current range distribution and the next one, swapped after each convolution
    /// (see `build_tails`).
    cur: Vec<f64>,
    next: Vec<f64>,
    /// The reversed, normalised histogram convolved with next.
    hr: Vec<f64>,
    /// Per range `[a, b]` (index `a w + b`): first E index, offset into `tails`, length.
    cells: Vec<(i64, usize, usize)>,
    /// Two-strand upper tails `1 - (1 - P(sum >= x))^2` of the needed ranges, each range's
    /// a 0 (the sums above it), then from its largest `x` down.
    tails: Vec<f64>,
    /// The ranges in `tails` (length, offset) whose tails are still to be summed.
    pending: Vec<(usize, usize)>,
}

/// Bins with at most this much probability mass are dropped from either end of a range
/// distribution. The p-values move by less than 1e-60 in absolute terms, far below the
/// smallest single-precision number (1.4e-45).
const TRIM: f64 = 1e-70;

/// Score one query against all target copies; entries sorted as MEME ranks them.
///
/// The score distributions are convolved with fused multiply-adds; without AVX2 and FMA
/// the portable code computes the same (slower on x86 CPUs without FMA).
fn score_query(
    q: &[[f64; 4]],
    qc: &[CountColumn],
    db: &TargetDb,
    opts: &TomtomOptions,
    scr: &mut Scratch,
) -> Vec<Entry> {
    #[cfg(target_arch = "x86_64")]
    {
        if cpu_has!("avx2", "fma") {
            // SAFETY: the CPU supports AVX2 and FMA (checked just above).
            return unsafe { score_query_avx2(q, qc, db, opts, scr) };
        }
    }
    score_query_impl(q, qc, db, opts, scr)
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2,fma")]
unsafe fn score_query_avx2(
    q: &[[f64; 4]],
    qc: &[CountColumn],
    db: &TargetDb,
    opts: &TomtomOptions,
    scr: &mut Scratch,
) -> Vec<Entry> {
    score_query_impl(q, qc, db, opts, scr)
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
        _ => unreachable!("the count-based distances are scored by count_scores"),
    }
}

/// Scores of a query column against every database column for the count-based
/// distances (exact: no correction step).
fn count_scores(qc: &CountColumn, db: &TargetDb, dist: Distance, out: &mut [f64]) {
    let t = &db.ccols[..out.len()];
    match dist {
        Distance::Allr => {
            for (o, tc) in out.iter_mut().zip(t) {
                *o = crate::counts::allr(qc, tc);
            }
        }
        Distance::Llr1 | Distance::Llr5 => {
            for (o, tc) in out.iter_mut().zip(t) {
                *o = crate::counts::llr(db.prior, qc, tc);
            }
        }
        Distance::Blic1 | Distance::Blic5 => {
            for (o, tc) in out.iter_mut().zip(t) {
                *o = crate::counts::blic(db.prior, qc, tc, &db.ln_bg);
            }
        }
        _ => unreachable!("count_scores is only called for the count-based distances"),
    }
}

/// Offset and scale of the integer column scores, from the extremes `lo < hi` of the
/// median-shifted scores: MEME's `off = floor(lo)`, `sc = floor(100 / (hi - off))`. When
/// that scale would be 0 (a range above 100, which only the count-based distances reach
/// with large site counts), `sc = 1/d` with the smallest integer `d` for which
/// `off = d floor(lo / d)` gives `(hi - off) / d <= 100`, so that `-off sc` stays an
/// integer and the scores keep 0..=100.
fn scale(lo: f64, hi: f64) -> (f64, f64) {
    let off = floor(lo);
    let sc = floor(100.0 / (hi - off));
    if sc >= 1.0 || !(hi - lo).is_finite() {
        return (off, sc);
    }
    let mut d = ((hi - off) / 100.0).ceil().max(1.0);
    loop {
        let off = d * floor(lo / d);
        if (hi - off) / d <= 100.0 {
            return (off, 1.0 / d);
        }
        d += 1.0;
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

/// Exact lower median of the row last summarised by `order` (`s`), whose values are
/// within `delta` of the exact scores.
fn row_median(
    row: &[f64],
    s: &RowSummary,
    delta: f64,
    order: &RowOrder,
    exact: impl Fn(usize) -> f64,
) -> f64 {
    let (a1, a2) = s.median;
    if delta == 0.0 {
        return (a1 + a2) / 2.0;
    }
    // Every exact order statistic lies within delta of the approximate one, so the exact
    // ones are among the values within 2 delta of [a1, a2]; those below rank first.
    let (i1, i2) = median_ranks(row.len());
    let (lo, hi) = (a1 - 3.0 * delta, a2 + 3.0 * delta);
    let (below, mut cand): (usize, Vec<f64>) = match order.near(lo, hi) {
        Some((below, near)) => (below, near.map(&exact).collect()),
        None => (
            row.iter().filter(|&&v| v < lo).count(),
            (0..row.len())
                .filter(|&j| row[j] >= lo && row[j] <= hi)
                .map(&exact)
                .collect(),
        ),
    };
    cand.sort_unstable_by(|a, b| a.total_cmp(b));
    assert!(below <= i1 && i2 - below < cand.len(), "median bracket");
    (cand[i1 - below] + cand[i2 - below]) / 2.0
}

#[inline(always)]
fn score_query_impl(
    q: &[[f64; 4]],
    qcounts: &[CountColumn],
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
        if dist.uses_counts() {
            count_scores(&qcounts[i], db, dist, row);
            delta = 0.0;
        } else {
            delta = column_scores(qc, db, dist, row);
        }
        let sum = scr.order.summarise(row, delta > 0.0);
        let exact = |j| exact_score(qc, db, dist, j);
        med[i] = row_median(row, &sum, delta, &scr.order, exact);
        (rmin[i], rmax[i]) = (sum.min, sum.max);
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
    let (off, sc) = scale(lo, hi);
    let k = (-off * sc).round() as usize;

    // Quantised scores X (row by row), their histograms and the alignment sums: copy c's
    // sums over its configurations 1..=w+l-1 lie at `sums[r_c..]`, `r_c = start_c + c (w-1)`
    // (the copies' ranges follow each other without overlap), and query row i adds its X
    // of the copy's columns at `r_c + w - 1 - i`.
    let gap = w - 1;
    let ncopies = db.copies.len();
    scr.sums.clear();
    scr.sums.resize(n + ncopies * gap + SUM_LANES, 0);
    scr.xrow.resize(n + SUM_LANES, 0);
    let eta = 4.0 * delta * sc + 1e-9;
    let mut hist = vec![[0u32; 101]; w];
    for i in 0..w {
        let row = &scr.s[i * n..(i + 1) * n];
        let xr = &mut scr.xrow[..n];
        let m = med[i];
        const CH: usize = 64;
        if delta == 0.0 {
            quantise_row(row, m, off, sc, xr);
        } else {
            for (cn, (rc, xc)) in row.chunks(CH).zip(xr.chunks_mut(CH)).enumerate() {
                if quantise_row_checked(rc, m, off, sc, eta, xc) {
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
        }
        // Eight interleaved counts (the values crowd into few bins: consecutive increments
        // of one bin would wait for each other); 256 bins: any u8 indexes them (no bounds
        // checks), X lies in 0..=100.
        let mut c8 = [[0u32; 256]; 8];
        let mut it = xr.chunks_exact(8);
        for ch in &mut it {
            for (c, &x) in c8.iter_mut().zip(ch) {
                c[x as usize] += 1;
            }
        }
        for &x in it.remainder() {
            c8[0][x as usize] += 1;
        }
        for (s, h) in hist[i].iter_mut().enumerate() {
            *h = c8.iter().map(|c| c[s]).sum();
        }
        add_row_sums(&scr.xrow, &db.copies, gap - i, gap, &mut scr.sums);
    }

    // Upper tails of the summed scores over the query column ranges the null needs.
    build_tails(&hist, n, w, k, &db.by_width, scr);

    // Best alignment of every copy: the largest complete score, then the largest overlap,
    // then the first configuration. Then the p-values. Both by width: the copies of one
    // width share their configurations' overlaps and the null.
    let mut entries: Vec<Entry> = (0..ncopies)
        .map(|ci| Entry {
            p: 0.0,
            overlap: 0,
            copy: ci,
            offset: 0,
        })
        .collect();
    let mut pen: Vec<i32> = Vec::new();
    let mut idx: Vec<i64> = Vec::new();
    let mut p: Vec<f64> = Vec::new();
    for (l, group) in &db.by_width {
        let l = *l;
        let nconf = w + l - 1;
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
        // Key `complete 256 + overlap` (overlap < 256) orders by complete score, then
        // overlap: `sum 256 - pen[conf]` with `pen = overlap k 256 - overlap`.
        // (Sums <= 100 w, overlaps <= w <= 100 and k <= 100: the keys fit in i32.) `pen`
        // is padded to whole vectors with a penalty no configuration reaches.
        debug_assert!(w <= 100 && k <= 100);
        let nk = cmax + 1 - cmin;
        pen.clear();
        pen.extend((cmin..=cmax).map(|conf| {
            let ov = conf.min(w).min(l).min(w + l - conf) as i32;
            ov * k as i32 * 256 - ov
        }));
        pen.resize(nk.next_multiple_of(8), PEN_PAD);
        idx.clear();
        for &ci in group {
            let ci = ci as usize;
            let r = db.copies[ci].start + ci * gap;
            let acc = &scr.sums[r + cmin - 1..r + cmin - 1 + pen.len()];
            let (best, best_j) = best_key(acc, &pen, nk);
            let (complete, ov) = (best >> 8, (best & 255) as usize);
            idx.push(complete + (w * k) as i64);
            let e = &mut entries[ci];
            e.overlap = ov;
            e.offset = (cmin + best_j) as i64 - w as i64;
        }

        // P(max >= idx) over the w + l - 1 alignments and both strands is
        // 1 - prod (1 - T2), accumulated step by step as p + t (1 - p), exact in relative
        // terms. `tails` starts with a 0 for sums above the range (p stays).
        p.clear();
        p.resize(group.len(), 0.0);
        for step in 0..nconf {
            let (a, bb) = step_range(w, l, step);
            let (base, toff, tlen) = scr.cells[a * w + bb];
            pvalue_step(&mut p, &idx, base, &scr.tails[toff..=toff + tlen]);
        }
        for (&pc, &ci) in p.iter().zip(group) {
            entries[ci as usize].p = pc as f32;
        }
    }

    // MEME's order: p ascending, overlap descending, then strcmp of the strand-prefixed ID
    // ("+ID" < "-ID"); equal keys keep the copy order.
    debug_assert!(db.id_rank.len() < 1 << 23);
    let mut keys: Vec<(u64, u32)> = entries
        .iter()
        .zip(&db.copies)
        .enumerate()
        .map(|(ci, (e, c))| {
            let strand = (c.orientation == Orientation::Reverse) as u64;
            let key = ((e.p.to_bits() as u64) << 32)
                | ((255 - e.overlap.min(255) as u64) << 24)
                | (strand << 23)
                | (db.id_rank[c.target] as u64 & 0x7f_ffff);
            (key, ci as u32)
        })
        .collect();
    keys.sort_unstable();
    let mut slots: Vec<Option<Entry>> = entries.into_iter().map(Some).collect();
    keys.iter()
        .map(|&(_, ci)| slots[ci as usize].take().expect("entry"))
        .collect()
}

/// Penalty of the padding configurations of [`best_key`]: their keys (at most
/// `65535 256 - PEN_PAD`) lie below every real one (at least `-100 100 256`).
const PEN_PAD: i32 = 1 << 30;

/// The largest key `acc[j] 256 - pen[j]` over `j < nk` and its first `j`; `acc` and `pen`
/// extend to a multiple of 8 (`pen` padded with [`PEN_PAD`]).
#[inline(always)]
fn best_key(acc: &[u16], pen: &[i32], nk: usize) -> (i64, usize) {
    assert!(nk > 0 && acc.len() == pen.len() && pen.len() == nk.next_multiple_of(8));
    #[cfg(target_arch = "x86_64")]
    {
        if cpu_has!("avx2") {
            // SAFETY: the CPU supports AVX2 (checked just above).
            return unsafe { best_key_avx2(acc, pen) };
        }
    }
    let (mut best, mut best_j) = (i64::MIN, 0);
    for (j, (&a, &pn)) in acc[..nk].iter().zip(pen).enumerate() {
        let key = a as i64 * 256 - pn as i64;
        if key > best {
            (best, best_j) = (key, j);
        }
    }
    (best, best_j)
}

/// [`best_key`], 8 keys at a time (the padding never wins).
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
unsafe fn best_key_avx2(acc: &[u16], pen: &[i32]) -> (i64, usize) {
    use std::arch::x86_64::*;
    let n = pen.len();
    let key = |j: usize| {
        // SAFETY: j + 8 <= n = acc.len() = pen.len() (checked by `best_key`).
        unsafe {
            let a = _mm256_cvtepu16_epi32(_mm_loadu_si128(acc.as_ptr().add(j).cast()));
            _mm256_sub_epi32(
                _mm256_slli_epi32::<8>(a),
                _mm256_loadu_si256(pen.as_ptr().add(j).cast()),
            )
        }
    };
    let mut m = key(0);
    for j in (8..n).step_by(8) {
        m = _mm256_max_epi32(m, key(j));
    }
    let m = _mm_max_epi32(_mm256_castsi256_si128(m), _mm256_extracti128_si256::<1>(m));
    let m = _mm_max_epi32(m, _mm_shuffle_epi32::<0b01_00_11_10>(m));
    let m = _mm_max_epi32(m, _mm_shuffle_epi32::<0b10_11_00_01>(m));
    let best = _mm_cvtsi128_si32(m);
    let vb = _mm256_set1_epi32(best);
    let mut j = 0;
    loop {
        let eq = _mm256_movemask_ps(_mm256_castsi256_ps(_mm256_cmpeq_epi32(key(j), vb)));
        if eq != 0 {
            return (best as i64, j + eq.trailing_zeros() as usize);
        }
        j += 8;
    }
}

/// One alignment step of the p-values `p` of copies with best-alignment indices `idx`:
/// `p + t (1 - p)` with `t = tails[tlen - x]`, `x = idx - base` clamped to `[0, tlen]`
/// (`tails[0] = 0`: p stays), and 1 where `x < 0` (every later step keeps it at 1).
#[inline(always)]
fn pvalue_step(p: &mut [f64], idx: &[i64], base: i64, tails: &[f64]) {
    #[cfg(target_arch = "x86_64")]
    {
        if cpu_has!("avx2") {
            // SAFETY: the CPU supports AVX2 (checked just above).
            unsafe { pvalue_step_avx2(p, idx, base, tails) };
            return;
        }
    }
    let tlen = tails.len() - 1;
    for (pc, &ix) in p.iter_mut().zip(idx) {
        *pc = pvalue_update(*pc, ix - base, tails, tlen);
    }
}

/// One value of [`pvalue_step`].
#[inline(always)]
fn pvalue_update(p: f64, x: i64, tails: &[f64], tlen: usize) -> f64 {
    let t = tails[tlen - (x.max(0) as usize).min(tlen)];
    let np = p + t * (1.0 - p);
    if x < 0 { 1.0 } else { np }
}

/// [`pvalue_step`], 4 copies at a time (the same arithmetic, lane by lane).
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
unsafe fn pvalue_step_avx2(p: &mut [f64], idx: &[i64], base: i64, tails: &[f64]) {
    use std::arch::x86_64::*;
    assert_eq!(p.len(), idx.len());
    let tlen = tails.len() - 1;
    let (vbase, vtlen) = (_mm256_set1_epi64x(base), _mm256_set1_epi64x(tlen as i64));
    let (zero, one) = (_mm256_setzero_si256(), _mm256_set1_pd(1.0));
    let n4 = p.len() / 4 * 4;
    let mut k = 0;
    while k < n4 {
        // SAFETY: k + 4 <= p.len() = idx.len(); the gathered indices lie in [0, tlen].
        unsafe {
            let x = _mm256_sub_epi64(_mm256_loadu_si256(idx.as_ptr().add(k).cast()), vbase);
            let neg = _mm256_cmpgt_epi64(zero, x);
            let xc = _mm256_andnot_si256(neg, x);
            let xc = _mm256_blendv_epi8(xc, vtlen, _mm256_cmpgt_epi64(xc, vtlen));
            let t = _mm256_i64gather_pd::<8>(tails.as_ptr(), _mm256_sub_epi64(vtlen, xc));
            let pv = _mm256_loadu_pd(p.as_ptr().add(k));
            let np = _mm256_add_pd(pv, _mm256_mul_pd(t, _mm256_sub_pd(one, pv)));
            let r = _mm256_blendv_pd(np, one, _mm256_castsi256_pd(neg));
            _mm256_storeu_pd(p.as_mut_ptr().add(k), r);
        }
        k += 4;
    }
    for (pc, &ix) in p[n4..].iter_mut().zip(&idx[n4..]) {
        *pc = pvalue_update(*pc, ix - base, tails, tlen);
    }
}

/// Lanes of [`add_row_sums`]' vector additions: `sums` and `x` need this many values of
/// slack.
const SUM_LANES: usize = 16;

/// Adds one query row's quantised scores `x` to the alignment sums: copy c's columns go to
/// `sums[start_c + c gap + shift..]`.
#[inline(always)]
fn add_row_sums(x: &[u8], copies: &[Copy], shift: usize, gap: usize, sums: &mut [u16]) {
    #[cfg(target_arch = "x86_64")]
    {
        if cpu_has!("avx2") {
            // SAFETY: the CPU supports AVX2 (checked just above).
            return unsafe { add_row_sums_avx2(x, copies, shift, gap, sums) };
        }
    }
    for (ci, c) in copies.iter().enumerate() {
        let d = c.start + ci * gap + shift;
        for (s, &v) in sums[d..d + c.len]
            .iter_mut()
            .zip(&x[c.start..c.start + c.len])
        {
            *s += v as u16;
        }
    }
}

/// [`add_row_sums`], 16 columns at a time; lanes past a copy's end add 0.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
unsafe fn add_row_sums_avx2(x: &[u8], copies: &[Copy], shift: usize, gap: usize, sums: &mut [u16]) {
    use std::arch::x86_64::*;
    let last = copies.last().expect("copies");
    let (ncols, ci_last) = (last.start + last.len, copies.len() - 1);
    assert!(x.len() >= ncols + SUM_LANES);
    assert!(sums.len() >= ncols + ci_last * gap + shift + SUM_LANES);
    let lane = _mm_setr_epi8(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15);
    for (ci, c) in copies.iter().enumerate() {
        let d = c.start + ci * gap + shift;
        let mut j = 0;
        while j < c.len {
            let keep = _mm_cmpgt_epi8(_mm_set1_epi8((c.len - j).min(16) as i8), lane);
            // SAFETY: c.start + j + 16 <= x.len() and d + j + 16 <= sums.len() (asserted
            // above: the copies' columns and ranges ascend).
            unsafe {
                let v = _mm_and_si128(_mm_loadu_si128(x.as_ptr().add(c.start + j).cast()), keep);
                let sp = sums.as_mut_ptr().add(d + j).cast::<__m256i>();
                _mm256_storeu_si256(
                    sp,
                    _mm256_add_epi16(_mm256_loadu_si256(sp), _mm256_cvtepu8_epi16(v)),
                );
            }
            j += 16;
        }
    }
}

/// `x = floor(((v - m) - off) sc + 0.5)` for exact scores (t >= 0.5, so truncation is the
/// floor, and x lies in 0..=100).
#[inline(always)]
fn quantise_row(row: &[f64], m: f64, off: f64, sc: f64, xr: &mut [u8]) {
    #[cfg(target_arch = "x86_64")]
    {
        if cpu_has!("avx2") {
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

/// `x = clamp(trunc(((v - m) - off) sc + 0.5), 0, 100)` for approximate scores; returns
/// whether some value lies within `eta` of a rounding boundary (where the exact score must
/// decide).
#[inline(always)]
fn quantise_row_checked(row: &[f64], m: f64, off: f64, sc: f64, eta: f64, xr: &mut [u8]) -> bool {
    #[cfg(target_arch = "x86_64")]
    {
        if cpu_has!("avx2") {
            // SAFETY: the CPU supports AVX2 (checked just above).
            return unsafe { quantise_row_checked_avx2(row, m, off, sc, eta, xr) };
        }
    }
    let mut bad = false;
    for (&v, x) in row.iter().zip(xr.iter_mut()) {
        bad |= quantise_checked(v, m, off, sc, eta, x);
    }
    bad
}

/// One value of [`quantise_row_checked`].
#[inline(always)]
fn quantise_checked(v: f64, m: f64, off: f64, sc: f64, eta: f64, x: &mut u8) -> bool {
    let t = ((v - m) - off) * sc + 0.5;
    let xi = (t as i32).clamp(0, 100);
    let f = t - xi as f64;
    *x = xi as u8;
    (f < eta) | (f > 1.0 - eta)
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
unsafe fn quantise_row_checked_avx2(
    row: &[f64],
    m: f64,
    off: f64,
    sc: f64,
    eta: f64,
    xr: &mut [u8],
) -> bool {
    use std::arch::x86_64::*;
    assert_eq!(row.len(), xr.len());
    let (vm, voff, vsc, half) = (
        _mm256_set1_pd(m),
        _mm256_set1_pd(off),
        _mm256_set1_pd(sc),
        _mm256_set1_pd(0.5),
    );
    let (veta, vhi) = (_mm256_set1_pd(eta), _mm256_set1_pd(1.0 - eta));
    let (zero, hundred) = (_mm_setzero_si128(), _mm_set1_epi32(100));
    let mut bad = _mm256_setzero_pd();
    let n4 = row.len() / 4 * 4;
    let mut j = 0;
    while j < n4 {
        // SAFETY: j + 4 <= row.len() = xr.len().
        unsafe {
            let v = _mm256_loadu_pd(row.as_ptr().add(j));
            let t = _mm256_add_pd(
                _mm256_mul_pd(_mm256_sub_pd(_mm256_sub_pd(v, vm), voff), vsc),
                half,
            );
            let xi = _mm_min_epi32(_mm_max_epi32(_mm256_cvttpd_epi32(t), zero), hundred);
            let f = _mm256_sub_pd(t, _mm256_cvtepi32_pd(xi));
            bad = _mm256_or_pd(
                bad,
                _mm256_or_pd(
                    _mm256_cmp_pd::<_CMP_LT_OQ>(f, veta),
                    _mm256_cmp_pd::<_CMP_GT_OQ>(f, vhi),
                ),
            );
            let b = _mm_packus_epi16(_mm_packs_epi32(xi, zero), zero);
            xr.as_mut_ptr()
                .add(j)
                .cast::<i32>()
                .write_unaligned(_mm_cvtsi128_si32(b));
        }
        j += 4;
    }
    let mut any = _mm256_movemask_pd(bad) != 0;
    for (&v, x) in row[n4..].iter().zip(xr[n4..].iter_mut()) {
        any |= quantise_checked(v, m, off, sc, eta, x);
    }
    any
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
    by_width: &[(usize, Vec<u32>)],
    scr: &mut Scratch,
) {
    let mut need = vec![false; w * w];
    for &(l, _) in by_width {
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
    scr.pending.clear();
    let nf = n as f64;
    // The current distribution lives in `cur[off..off + m]` and the next one is written to
    // `next[PAD..]` (no copies): `cur` is zero below `off` (`[0, PAD)` is never written)
    // and for `TAIL` values above the distribution, the zero padding the convolution reads.
    const PAD: usize = 100;
    const TAIL: usize = PAD + CONV_BLOCK;
    let cap = PAD + 100 * w + 1 + TAIL;
    for buf in [&mut scr.cur, &mut scr.next] {
        buf.clear();
        buf.resize(cap, 0.0);
    }
    for a in 0..w {
        let Some(last) = (a..w).rev().find(|&b| need[a * w + b]) else {
            continue;
        };
        let (lo, hi) = supp[a];
        let (mut off, mut m) = (PAD, hi - lo + 1);
        for (d, &c) in scr.cur[off..off + m].iter_mut().zip(&hist[a][lo..=hi]) {
            *d = c as f64 / nf;
        }
        scr.cur[off + m..off + m + TAIL].fill(0.0);
        let mut start = lo;
        for b in a..=last {
            if b > a {
                let (hlo, hhi) = supp[b];
                let nh = hhi - hlo + 1;
                scr.hr.clear();
                scr.hr
                    .extend(hist[b][hlo..=hhi].iter().rev().map(|&c| c as f64 / nf));
                let len = m + nh - 1;
                let src = &scr.cur[off - (nh - 1)..off + m + TAIL];
                convolve(src, &scr.hr, &mut scr.next[PAD..PAD + len]);
                start += hlo;
                // Drop negligible mass at both ends.
                let out = &mut scr.next[PAD..];
                let (mut i0, mut i1) = (0usize, len);
                let mut acc = 0.0;
                while i0 + 1 < i1 && acc + out[i0] <= TRIM {
                    acc += out[i0];
                    i0 += 1;
                }
                acc = 0.0;
                while i1 - 1 > i0 && acc + out[i1 - 1] <= TRIM {
                    acc += out[i1 - 1];
                    i1 -= 1;
                }
                out[..i0].fill(0.0);
                out[i1..i1 + TAIL].fill(0.0);
                // `cur` becomes the next output buffer: what it holds above `PAD` is either
                // overwritten or cleared as above before it is read.
                std::mem::swap(&mut scr.cur, &mut scr.next);
                (off, m) = (PAD + i0, i1 - i0);
                start += i0;
            }
            if need[a * w + b] {
                let ov = b - a + 1;
                let toff = scr.tails.len();
                // Stored from the top after a 0 (sums above); summed below.
                scr.tails.push(0.0);
                scr.tails.extend(scr.cur[off..off + m].iter().rev());
                scr.cells[a * w + b] = ((start + (w - ov) * k) as i64, toff, m);
                scr.pending.push((m, toff + 1));
            }
        }
    }
    // The tails, four ranges at a time (independent chains of additions), ranges of
    // similar lengths together.
    scr.pending.sort_unstable();
    for g in scr.pending.chunks(4) {
        upper_tails(&mut scr.tails, g);
    }
}

/// Replaces each range `tails[o..o + len]` of `ranges` (`(len, o)`, at most 4, disjoint)
/// by its two-strand upper tails: with `acc` its running sum from the start (the top),
/// `acc (2 - acc)`. The ranges' chains advance together over their common length.
#[inline(always)]
fn upper_tails(tails: &mut [f64], ranges: &[(usize, usize)]) {
    let mut acc = [0.0f64; 4];
    let mut o = [0usize; 4];
    let common = ranges.iter().map(|r| r.0).min().unwrap_or(0);
    for (g, &(len, off)) in ranges.iter().enumerate() {
        assert!(off + len <= tails.len());
        o[g] = off;
    }
    if ranges.len() == 4 {
        for i in 0..common {
            for g in 0..4 {
                // SAFETY: o[g] + i < o[g] + len_g <= tails.len() (asserted above).
                unsafe {
                    let t = tails.get_unchecked_mut(o[g] + i);
                    acc[g] += *t;
                    *t = acc[g] * (2.0 - acc[g]);
                }
            }
        }
    }
    let from = if ranges.len() == 4 { common } else { 0 };
    for (g, &(len, off)) in ranges.iter().enumerate() {
        let mut a = acc[g];
        for t in &mut tails[off + from..off + len] {
            a += *t;
            *t = a * (2.0 - a);
        }
    }
}

/// Outputs computed together by [`convolve`] (8 AVX2 accumulators: enough independent
/// additions to hide their latency).
const CONV_BLOCK: usize = 32;

/// `out[y] = sum_t hr[t] src[y + t]` (a convolution with the reversed kernel `hr`).
/// `src` must extend at least `hr.len() - 1 + CONV_BLOCK` values past `out.len()`, and be
/// zero outside `[hr.len() - 1, out.len())` (the distribution and its padding; `hr >= 0`).
/// The products are fused into the sums (one rounding each): a different rounding from
/// MEME's own summation order anyway, far below what the printed p-values resolve.
#[inline(always)]
fn convolve(src: &[f64], hr: &[f64], out: &mut [f64]) {
    let nh = hr.len();
    let n = out.len();
    assert!(n >= nh && src.len() >= n + nh - 1 + CONV_BLOCK);
    let mut y0 = 0;
    while y0 < n {
        let mut acc = [0.0f64; CONV_BLOCK];
        // Only the taps that reach a nonzero value for some output of the block: the
        // others would add +0 to every (non-negative) sum, which changes no bit.
        let t_lo = (nh - 1).saturating_sub(y0 + CONV_BLOCK - 1);
        let t_hi = nh.min(n - y0);
        let win = &src[y0 + t_lo..y0 + t_hi - 1 + CONV_BLOCK];
        for (t, &h) in hr[t_lo..t_hi].iter().enumerate() {
            // SAFETY: t < t_hi - t_lo, so `win` holds the CONV_BLOCK values from t on.
            let s = unsafe { &*win.as_ptr().add(t).cast::<[f64; CONV_BLOCK]>() };
            for j in 0..CONV_BLOCK {
                acc[j] = h.mul_add(s[j], acc[j]);
            }
        }
        let m = (n - y0).min(CONV_BLOCK);
        out[y0..y0 + m].copy_from_slice(&acc[..m]);
        y0 += CONV_BLOCK;
    }
}

/// Storey q-values with MEME's bootstrap estimate of pi0, drawing from one MT19937 stream
/// (seeded with 4357) carried from query to query.
struct Bootstrap {
    rng: Mt19937,
    /// One resample's indices.
    draws: Vec<u32>,
}

impl Bootstrap {
    fn new() -> Self {
        Self {
            rng: Mt19937::new(4357),
            draws: Vec::with_capacity(BOOT_SAMPLE),
        }
    }

    /// q-values of p-values sorted ascending; pi0 is estimated (100 resamples of 1000
    /// draws) only when there are more than 100 p-values.
    fn qvalues(&mut self, p: &[f64]) -> Vec<f64> {
        let m = p.len();
        let mut pi0 = 1.0;
        if m > 100 {
            const NL: usize = 100;
            const _: () = assert!(NL < 128);
            let lam: Vec<f64> = (0..NL).map(|j| ((j + 1) as f64 / 100.0) * 0.5).collect();
            // First index whose p >= lambda (p is sorted ascending, so this ascends too).
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
            let mut nl = 0;
            for (i, lv) in level.iter_mut().enumerate() {
                while nl < NL && first[nl] <= i {
                    nl += 1;
                }
                *lv = nl as u8;
            }
            let mut mse = [0.0f64; NL];
            for _ in 0..BOOT_REPS {
                self.draws.clear();
                self.rng.draw_indices(m, BOOT_SAMPLE, &mut self.draws);
                // Four interleaved histograms of the levels: consecutive increments rarely
                // wait for each other. Levels are at most NL < 128 (the mask only spares
                // the bounds checks).
                let mut bucket = [[0u32; 128]; 4];
                let mut it = self.draws.chunks_exact(4);
                for d in &mut it {
                    for (b, &idx) in bucket.iter_mut().zip(d) {
                        b[(level[idx as usize] & 127) as usize] += 1;
                    }
                }
                for &idx in it.remainder() {
                    bucket[0][(level[idx as usize] & 127) as usize] += 1;
                }
                // count(j) = draws with level >= j+1.
                let mut acc = 0;
                for j in (0..NL).rev() {
                    acc += bucket.iter().map(|b| b[j + 1]).sum::<u32>() as usize;
                    let d = pi(acc, lam[j], BOOT_SAMPLE) - pmin;
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
}
