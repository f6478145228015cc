//! Tomtom motif comparison, computed exactly as MEME 5.x does it in its default
//! complete-score mode (Gupta et al., Genome Biology 2007): per-query integer-scaled column
//! scores shifted by their median, the null distribution of the best alignment over all
//! offsets and both strands, single-precision p- and E-values, and Storey q-values whose pi0
//! bootstrap draws from MT19937 seeded with 4357, consumed query after query.

use crate::background::Background;
use crate::error::MotifError;
use crate::motif::{Motif, consensus_meme};
use crate::numeric::{Mt19937, floor, fmt_g, lower_median, rnd};
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
                    .map(|(_, q)| score_query(q, &db, opts))
                    .collect()
            },
            || {
                if m <= 100 {
                    return Vec::new();
                }
                (0..block.len() * BOOT_DRAWS)
                    .map(|_| ((rng.next_f64() * m as f64) as usize).min(m - 1) as u32)
                    .collect()
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
    copies: Vec<Copy>,
    norient: usize,
    /// Distinct copy widths, ascending.
    widths: Vec<usize>,
    /// Pearson: rounded sum of squared deviations of each column.
    d2: Vec<f64>,
    /// Target IDs (tie-breaking key of the ranking).
    ids: Vec<String>,
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
        let d2 = if opts.distance == Distance::Pearson {
            cols.iter().map(pearson_ss).collect()
        } else {
            Vec::new()
        };
        Self {
            cols,
            copies,
            norient: if opts.norc { 1 } else { 2 },
            widths,
            d2,
            ids: targets.iter().map(|t| t.id.clone()).collect(),
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

/// One target copy's best alignment with the query.
struct Entry {
    p: f32,
    overlap: usize,
    copy: usize,
    offset: i64,
}

/// Score one query against all target copies; entries sorted as MEME ranks them.
#[inline(never)]
fn score_query(q: &[[f64; 4]], db: &TargetDb, opts: &TomtomOptions) -> Vec<Entry> {
    let w = q.len();
    let n = db.cols.len();
    // Column scores, median-shifted.
    let mut s = vec![0.0f64; w * n];
    let mut tmp = Vec::with_capacity(n);
    for (i, qc) in q.iter().enumerate() {
        let row = &mut s[i * n..(i + 1) * n];
        column_scores(qc, db, opts.distance, row);
        let med = lower_median(row, &mut tmp);
        for x in row.iter_mut() {
            *x -= med;
        }
    }
    let mut lo = s.iter().copied().fold(f64::INFINITY, f64::min);
    let hi = s.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    if hi == lo {
        lo = hi - 1.0;
    }
    let off = floor(lo);
    let sc = floor(100.0 / (hi - off));
    let xs: Vec<u8> = s
        .iter()
        .map(|&v| floor((v - off) * sc + 0.5) as u8)
        .collect();
    drop(s);
    let k = (-off * sc) as usize;

    // Null distributions of summed scores over query column ranges.
    let hist: Vec<[f64; 101]> = (0..w)
        .map(|i| {
            let mut c = [0u32; 101];
            for &x in &xs[i * n..(i + 1) * n] {
                c[x as usize] += 1;
            }
            c.map(|v| v as f64 / n as f64)
        })
        .collect();
    let len_e = 100 * w + 1 + (w - 1) * k;
    let table = RangeTable::new(&hist, w, k, &db.widths);

    // Best alignment of every copy.
    let mut best: Vec<(i64, usize, i64)> = Vec::with_capacity(db.copies.len()); // (complete, ov, offset)
    for c in &db.copies {
        let l = c.len;
        let (mut cmin, mut cmax) = (1usize, w + l - 1);
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
            let mut sum = 0i64;
            for i in i0..i1 {
                sum += xs[i * n + c.start + (i as i64 + o) as usize] as i64;
            }
            let ov = i1 - i0;
            let complete = sum - (ov * k) as i64;
            if b.is_none_or(|(bc, bo, _)| complete > bc || (complete == bc && ov > bo)) {
                b = Some((complete, ov, o));
            }
        }
        best.push(b.expect("at least one configuration"));
    }

    // p-values from the distribution of the maximum, per distinct target width.
    let mut p = vec![0f32; db.copies.len()];
    for &l in &db.widths {
        let tail = max_tail(w, l, db.norient, &table, len_e);
        for (ci, c) in db.copies.iter().enumerate() {
            if c.len == l {
                let idx = best[ci].0 + (w * k) as i64;
                p[ci] = tail[idx as usize] as f32;
            }
        }
    }
    let mut entries: Vec<Entry> = (0..db.copies.len())
        .map(|ci| Entry {
            p: p[ci],
            overlap: best[ci].1,
            copy: ci,
            offset: best[ci].2,
        })
        .collect();
    entries.sort_by(|a, b| {
        a.p.partial_cmp(&b.p)
            .unwrap()
            .then(b.overlap.cmp(&a.overlap))
            .then_with(|| {
                let ca = &db.copies[a.copy];
                let cb = &db.copies[b.copy];
                // MEME's last key: strcmp of the strand-prefixed ID ("+ID" < "-ID").
                (ca.orientation.symbol() as u8)
                    .cmp(&(cb.orientation.symbol() as u8))
                    .then_with(|| {
                        db.ids[ca.target]
                            .as_bytes()
                            .cmp(db.ids[cb.target].as_bytes())
                    })
            })
    });
    entries
}

/// Scores of query column `qc` against every database column.
#[inline(never)]
fn column_scores(qc: &[f64; 4], db: &TargetDb, dist: Distance, out: &mut [f64]) {
    match dist {
        Distance::Ed => {
            for (o, t) in out.iter_mut().zip(&db.cols) {
                let mut s = 0.0;
                for a in 0..4 {
                    let d = qc[a] - t[a];
                    s += d * d;
                }
                *o = -s.sqrt();
            }
        }
        Distance::Sandelin => {
            for (o, t) in out.iter_mut().zip(&db.cols) {
                let mut s = 0.0;
                for a in 0..4 {
                    let d = qc[a] - t[a];
                    s += d * d;
                }
                *o = 2.0 - s;
            }
        }
        Distance::Kullback => {
            for (o, t) in out.iter_mut().zip(&db.cols) {
                let mut s = 0.0;
                for a in 0..4 {
                    s += qc[a] * (qc[a] / t[a]).log10() + t[a] * (t[a] / qc[a]).log10();
                }
                *o = -(s / 2.0);
            }
        }
        Distance::Pearson => {
            let d1 = pearson_ss(qc);
            let qd = qc.map(|x| x - 0.25);
            for ((o, t), &d2) in out.iter_mut().zip(&db.cols).zip(&db.d2) {
                let mut num = 0.0;
                for a in 0..4 {
                    num = rnd(num + qd[a] * (t[a] - 0.25), 14);
                }
                let den = d1 * d2;
                *o = if den == 0.0 { 0.0 } else { num / den.sqrt() };
            }
        }
    }
}

/// Distributions of summed integer scores over query column ranges `[a, b]`, shifted so
/// that every overlap length shares one scale (index = sum + (w - (b-a+1)) k). Only the
/// ranges the p-value recursion needs are kept.
struct RangeTable {
    w: usize,
    /// `cells[a * w + b]`: (first index, pmf values, cumulative sums).
    cells: Vec<Option<(usize, Vec<f64>, Vec<f64>)>>,
}

impl RangeTable {
    #[inline(never)]
    fn new(hist: &[[f64; 101]], w: usize, k: usize, widths: &[usize]) -> Self {
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
                let lo = h.iter().position(|&x| x > 0.0).unwrap();
                let hi = h.iter().rposition(|&x| x > 0.0).unwrap();
                (lo, hi)
            })
            .collect();
        let mut cells: Vec<Option<(usize, Vec<f64>, Vec<f64>)>> =
            (0..w * w).map(|_| None).collect();
        let mut cur: Vec<f64> = Vec::new();
        let mut next: Vec<f64> = Vec::new();
        for a in 0..w {
            let last = (a..w).rev().find(|&b| need[a * w + b]);
            let Some(last) = last else { continue };
            cur.clear();
            cur.push(1.0);
            let mut start = 0usize; // value index of cur[0]
            for b in a..=last {
                let (hlo, hhi) = supp[b];
                next.clear();
                next.resize(cur.len() + hhi - hlo, 0.0);
                for s in hlo..=hhi {
                    let hs = hist[b][s];
                    if hs == 0.0 {
                        continue;
                    }
                    let dst = &mut next[s - hlo..s - hlo + cur.len()];
                    for (d, &c) in dst.iter_mut().zip(cur.iter()) {
                        *d += c * hs;
                    }
                }
                std::mem::swap(&mut cur, &mut next);
                start += hlo;
                if need[a * w + b] {
                    let shift = (w - (b - a + 1)) * k;
                    let mut cum = Vec::with_capacity(cur.len());
                    let mut acc = 0.0;
                    for &v in &cur {
                        acc += v;
                        cum.push(acc);
                    }
                    cells[a * w + b] = Some((start + shift, cur.clone(), cum));
                }
            }
        }
        Self { w, cells }
    }

    fn get(&self, a: usize, b: usize) -> (usize, &[f64], &[f64]) {
        let c = self.cells[a * self.w + b]
            .as_ref()
            .expect("range table cell");
        (c.0, &c.1, &c.2)
    }
}

/// Upper tail `P(max >= x)` of the best complete score over all `w + l - 1` alignments
/// (times `norient` strands) with a target of width `l`; length `len_e`.
#[inline(never)]
fn max_tail(w: usize, l: usize, norient: usize, table: &RangeTable, len_e: usize) -> Vec<f64> {
    let mut m = vec![0.0f64; len_e];
    let mut nm = vec![0.0f64; len_e];
    m[0] = 1.0;
    let (mut mlo, mut mhi) = (0usize, 0usize);
    for i in 0..(w + l - 1) {
        let (a, b) = if i < w {
            let a = w - 1 - i;
            (a, w.min(a + l) - 1)
        } else {
            (0, w.min(l + w - 1 - i) - 1)
        };
        let (plo, pc, cc) = table.get(a, b);
        let phi = plo + pc.len() - 1;
        for _ in 0..norient {
            let nlo = mlo.max(plo);
            let nhi = mhi.max(phi);
            // Running sums of M and of pc up to x-1.
            let mut co = 0.0f64;
            for &v in &m[mlo..nlo] {
                co += v;
            }
            for x in nlo..=nhi {
                let pcx = if x >= plo && x <= phi {
                    pc[x - plo]
                } else {
                    0.0
                };
                let ccx1 = if x > plo {
                    if x - 1 <= phi {
                        cc[x - 1 - plo]
                    } else {
                        cc[pc.len() - 1]
                    }
                } else {
                    0.0
                };
                let mx = m[x];
                nm[x] = pcx * co + mx * ccx1 + pcx * mx;
                co += mx;
            }
            for v in &mut m[mlo..=mhi] {
                *v = 0.0;
            }
            m[nlo..=nhi].copy_from_slice(&nm[nlo..=nhi]);
            mlo = nlo;
            mhi = nhi;
        }
    }
    let mut tail = vec![0.0f64; len_e];
    let mut acc = 0.0;
    for x in (0..len_e).rev() {
        acc += m[x];
        tail[x] = acc;
    }
    tail
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
