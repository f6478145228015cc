//! FIMO-style scanning of DNA sequences with position weight matrices, reproducing MEME 5
//! FIMO's scores and p-values (Grant et al., Bioinformatics 2011): log-odds in bits with
//! MEME's constant, integer scaling to 0..1000, the exact score distribution under a
//! zero-order background by dynamic programming, and 10-digit rounding.

use crate::background::Background;
use crate::error::MotifError;
use crate::motif::Motif;
use crate::numeric::{Mt19937, fmt_g, rnd};
use rayon::prelude::*;
use std::io::{BufRead, Write};
use std::path::Path;

/// A named DNA sequence (letters kept as read, any case).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sequence {
    /// Identifier: the FASTA header up to the first whitespace.
    pub name: String,
    /// Sequence letters.
    pub seq: Vec<u8>,
}

/// Read FASTA records (header up to the first whitespace is the name; sequence lines are
/// concatenated with whitespace removed).
pub fn read_fasta(
    reader: &mut impl BufRead,
    source_name: &str,
) -> Result<Vec<Sequence>, MotifError> {
    let mut out: Vec<Sequence> = Vec::new();
    let mut line = Vec::new();
    let mut n = 0usize;
    loop {
        line.clear();
        let r = reader
            .read_until(b'\n', &mut line)
            .map_err(|e| MotifError::io(source_name, e))?;
        if r == 0 {
            break;
        }
        n += 1;
        if let Some(h) = line.strip_prefix(b">") {
            let h = String::from_utf8_lossy(h);
            let name = h.split_whitespace().next().unwrap_or("").to_string();
            out.push(Sequence {
                name,
                seq: Vec::new(),
            });
        } else {
            let Some(s) = out.last_mut() else {
                if line.iter().all(u8::is_ascii_whitespace) {
                    continue;
                }
                let msg = if line.first() == Some(&b'@') {
                    "this looks like FASTQ (a line starting with `@`); scan reads FASTA: \
                     convert it first, e.g. `seqtk seq -a reads.fq > reads.fa`"
                } else {
                    "sequence data before the first `>` header"
                };
                return Err(MotifError::parse(source_name, n, msg));
            };
            s.seq
                .extend(line.iter().copied().filter(|c| !c.is_ascii_whitespace()));
        }
    }
    Ok(out)
}

/// [`read_fasta`] on a path (plain or gzip-compressed).
pub fn read_fasta_file(path: impl AsRef<Path>) -> Result<Vec<Sequence>, MotifError> {
    let path = path.as_ref();
    read_fasta(&mut crate::io::open(path)?, &path.display().to_string())
}

/// Scanning settings; defaults are FIMO's.
#[derive(Debug, Clone)]
pub struct FimoOptions {
    /// Report windows with p-value (q-value with `qv_thresh`) at most this; default 1e-4.
    pub thresh: f64,
    /// Pseudocount weight added to the motif rows; default 0.1.
    pub motif_pseudo: f64,
    /// Scan the given strand only; default false (both strands).
    pub norc: bool,
    /// Parse genomic coordinates from sequence names (`chr1:1001-2000…` → sequence `chr1`,
    /// positions shifted by 1000; see [`parse_genomic_coordinates`]); default true, as
    /// FIMO (`--no-pgc` turns it off).
    pub pgc: bool,
    /// Apply `thresh` to the q-value instead of the p-value ([`fimo_qvalues`] only);
    /// default false.
    pub qv_thresh: bool,
    /// Most hits [`fimo_qvalues`] keeps per motif; when more pass the threshold, those
    /// with the largest p-values are dropped (all hits from some p-value up) and
    /// [`FimoResult::dropped`] says so; default 100,000.
    pub max_stored_scores: usize,
}

impl Default for FimoOptions {
    fn default() -> Self {
        Self {
            thresh: 1e-4,
            motif_pseudo: 0.1,
            norc: false,
            pgc: true,
            qv_thresh: false,
            max_stored_scores: 100_000,
        }
    }
}

/// FIMO's `--parse-genomic-coord`: a sequence name `CHR:START-END` followed by anything
/// (`chr1:164816396-164816896(-)_Fmo2`) gives `(CHR, START)`, with `CHR` non-empty,
/// `START` and `END` decimal integers and `START <= END`; positions in that sequence are
/// then reported as `START - 1 +` their 1-based position. Any other name gives `None`.
pub fn parse_genomic_coordinates(name: &str) -> Option<(&str, u64)> {
    let (chr, rest) = name.split_once(':')?;
    if chr.is_empty() {
        return None;
    }
    let d1 = rest.bytes().take_while(u8::is_ascii_digit).count();
    let start: u64 = rest[..d1].parse().ok()?;
    let rest = rest[d1..].strip_prefix('-')?;
    let d2 = rest.bytes().take_while(u8::is_ascii_digit).count();
    let end: u64 = rest[..d2].parse().ok()?;
    (start <= end).then_some((chr, start))
}

/// Reported name and position shift of each sequence.
fn reported_names(sequences: &[Sequence], pgc: bool) -> Vec<(String, usize)> {
    sequences
        .iter()
        .map(
            |s| match parse_genomic_coordinates(&s.name).filter(|_| pgc) {
                Some((chr, start)) => match usize::try_from(start) {
                    Ok(st) if st > 0 => (chr.to_string(), st - 1),
                    _ => (chr.to_string(), 0),
                },
                None => (s.name.clone(), 0),
            },
        )
        .collect()
}

/// One reported window.
#[derive(Debug, Clone, PartialEq)]
pub struct FimoHit {
    /// Motif ID.
    pub motif_id: String,
    /// Motif alternative name ("" when none).
    pub motif_alt_id: String,
    /// Sequence name.
    pub sequence_name: String,
    /// 1-based first position of the window in the sequence.
    pub start: usize,
    /// 1-based last position (inclusive); `stop > start` on both strands.
    pub stop: usize,
    /// `'+'` or `'-'`.
    pub strand: char,
    /// Log-odds score in bits (rounded to 10 significant digits).
    pub score: f64,
    /// p-value of the score (rounded to 10 significant digits).
    pub p_value: f64,
    /// Storey q-value over all scanned positions of the motif ([`fimo_qvalues`]; `None`
    /// in FIMO's `--text` form).
    pub q_value: Option<f64>,
    /// The window as read (`+`) or reverse-complemented (`-`), case kept.
    pub matched_sequence: String,
}

/// Check that `pseudo` gives every motif of `motifs` finite log-odds scores: a number ≥ 0,
/// and > 0 when a motif has a zero probability (its log-odds would be −∞, which FIMO's
/// integer scores cannot hold: every window would be lost). The error names the motif,
/// the position and the letter.
///
/// ```
/// use explainn_motif::{MatrixKind, Motif, fimo::check_pseudocount};
/// let m = Motif::new("m1", vec![[1.0, 0.0, 0.0, 0.0]], MatrixKind::Probabilities);
/// assert!(check_pseudocount(&[m.clone()], 0.1).is_ok());
/// let e = check_pseudocount(&[m], 0.0).unwrap_err().to_string();
/// assert!(e.contains("m1") && e.contains("position 1"), "{e}");
/// ```
pub fn check_pseudocount(motifs: &[Motif], pseudo: f64) -> Result<(), crate::MotifError> {
    if !(pseudo.is_finite() && pseudo >= 0.0) {
        return Err(crate::MotifError::Invalid(format!(
            "the motif pseudocount must be a number >= 0, not {pseudo}"
        )));
    }
    if pseudo > 0.0 {
        return Ok(());
    }
    for m in motifs {
        for (i, row) in m.probabilities().iter().enumerate() {
            if let Some(a) = row.iter().position(|&p| p <= 0.0) {
                return Err(crate::MotifError::Invalid(format!(
                    "motif {} has probability 0 for {} at position {}: without a pseudocount its \
                     log-odds score is -infinity and no window containing it could be scored; \
                     give a pseudocount > 0 (FIMO's default is 0.1)",
                    m.id,
                    ["A", "C", "G", "T"][a],
                    i + 1
                )));
            }
        }
    }
    Ok(())
}

/// A motif prepared for scanning: integer scores and their p-value table.
pub(crate) struct Scorer {
    pub(crate) w: usize,
    /// `m[i * 5 + code]`, code 4 (non-ACGT) a large negative value.
    pub(crate) fwd: Vec<i32>,
    pub(crate) rev: Vec<i32>,
    pub(crate) sc: f64,
    pub(crate) off: f64,
    /// `pv[s]` = P(S >= s), rounded to 10 digits.
    pv: Vec<f64>,
}

const INVALID: i32 = -100_000_000;

impl Scorer {
    /// The integer log-odds matrices of `m` (FIMO's: rows normalised, `pseudo` weighted
    /// by the site count or 20, bits scaled to a 0..1000 range per position), no p-values.
    pub(crate) fn matrix(m: &Motif, bg: &Background, pseudo: f64) -> Self {
        let n = match m.effective_nsites() {
            Some(s) if s > 0.0 => s.trunc(),
            _ => 20.0,
        };
        let f: Vec<[f64; 4]> = m
            .rows
            .iter()
            .map(|r| {
                let s: f64 = r.iter().sum();
                let r = if s > 0.0 && (s - 1.0).abs() > 1e-5 {
                    r.map(|x| x / s)
                } else {
                    *r
                };
                std::array::from_fn(|a| (r[a] * n + pseudo * bg.0[a]) / (n + pseudo))
            })
            .collect();
        let l: Vec<[f64; 4]> = f
            .iter()
            .map(|r| std::array::from_fn(|a| (r[a] / bg.0[a]).ln() * 1.44269504))
            .collect();
        let lo = l.iter().flatten().copied().fold(f64::INFINITY, f64::min);
        let hi = l
            .iter()
            .flatten()
            .copied()
            .fold(f64::NEG_INFINITY, f64::max);
        let off = lo.floor();
        let sc = if hi > off {
            (1000.0 / (hi - off)).floor()
        } else {
            1.0
        };
        let mi: Vec<[i32; 4]> = l
            .iter()
            .map(|r| r.map(|x| ((x - off) * sc + 0.5).floor() as i32))
            .collect();
        let flat = |rows: &mut dyn Iterator<Item = [i32; 4]>| {
            rows.flat_map(|r| [r[0], r[1], r[2], r[3], INVALID])
                .collect::<Vec<i32>>()
        };
        let fwd = flat(&mut mi.iter().copied());
        let rev = flat(&mut mi.iter().rev().map(|r| [r[3], r[2], r[1], r[0]]));
        Self {
            w: mi.len(),
            fwd,
            rev,
            sc,
            off,
            pv: Vec::new(),
        }
    }

    /// [`Scorer::matrix`] with the p-value of every integer score (FIMO's exact null
    /// distribution under `bg`).
    pub(crate) fn new(m: &Motif, bg: &Background, pseudo: f64) -> Self {
        let mut s = Self::matrix(m, bg, pseudo);
        let w = s.w;
        let mi: Vec<[i32; 4]> = s.fwd.chunks(5).map(|r| [r[0], r[1], r[2], r[3]]).collect();
        let mut pdf = vec![0.0f64; 1000 * w + 1];
        pdf[0] = 1.0;
        let mut top = 0usize;
        for r in &mi {
            let maxr = *r.iter().max().unwrap() as usize;
            let mut new = vec![0.0f64; 1000 * w + 1];
            for a in 0..4 {
                let s = r[a] as usize;
                for x in 0..=top {
                    new[x + s] += pdf[x] * bg.0[a];
                }
            }
            top += maxr;
            pdf = new;
        }
        let mut pv = vec![0.0f64; 1000 * w + 1];
        let mut acc = 0.0;
        for x in (0..pdf.len()).rev() {
            acc += pdf[x];
            pv[x] = rnd(acc.min(1.0), 10);
        }
        s.pv = pv;
        s
    }

    fn score(&self, s: i32) -> f64 {
        rnd(s as f64 / self.sc + self.w as f64 * self.off, 10)
    }

    /// Smallest integer score whose p-value is at most `thresh` (or `None`).
    fn min_score(&self, thresh: f64) -> Option<i32> {
        let i = self.pv.partition_point(|&p| p > thresh);
        (i < self.pv.len()).then_some(i as i32)
    }
}

/// Codes of the workspace's one alphabet (A C G T = 0..3, U is T, anything else 4).
pub(crate) fn encode(seq: &[u8]) -> Vec<u8> {
    explainn_seq::encode::to_codes(seq)
}

/// Integer score of a window, or -1 when it holds a non-ACGT letter (summed in 64 bits:
/// any number of such letters stays negative).
#[inline]
pub(crate) fn window_score(m: &[i32], codes: &[u8]) -> i32 {
    let mut s = 0i64;
    for (i, &c) in codes.iter().enumerate() {
        s += m[i * 5 + c as usize] as i64;
    }
    if s < 0 { -1 } else { s as i32 }
}

/// The matched letters of a minus-strand hit (the workspace's one reverse complement).
fn revcomp(s: &[u8]) -> String {
    String::from_utf8_lossy(&explainn_seq::encode::reverse_complement(s)).into_owned()
}

/// Background as FIMO applies it: averaged with its reverse complement when both strands are
/// scanned, then smoothed with 5e-7.
pub(crate) fn scan_background(bg: &Background, norc: bool) -> Background {
    let b = if norc { *bg } else { bg.symmetric() };
    b.normalized(5e-7)
}

/// One window that passed, before it becomes a [`FimoHit`].
#[derive(Debug, Clone, Copy)]
struct RawHit {
    score: i32,
    seq: u32,
    pos: u32,
    minus: bool,
}

/// Scan `seqs` (with their codes; indices from `first`) with one prepared motif: calls
/// `hit` for every window scoring at least `smin`, in FIMO's `--text` order (per sequence
/// all of `+`, then all of `-`), and counts every scored window's integer score in `hist`
/// when given.
fn scan_motif(
    sc: &Scorer,
    codes: &[Vec<u8>],
    first: usize,
    norc: bool,
    smin: i32,
    mut hist: Option<&mut [u64]>,
    mut hit: impl FnMut(RawHit),
) {
    let w = sc.w;
    for (k, codes) in codes.iter().enumerate() {
        if codes.len() < w {
            continue;
        }
        // FIMO scans the whole sequence on `+`, then on `-`.
        for (minus, mat) in [(false, &sc.fwd), (true, &sc.rev)] {
            if minus && norc {
                continue;
            }
            for pos in 0..=codes.len() - w {
                let v = window_score(mat, &codes[pos..pos + w]);
                if v < 0 {
                    continue; // a non-ACGT letter
                }
                if let Some(h) = hist.as_deref_mut() {
                    h[v as usize] += 1;
                }
                if v < smin {
                    continue;
                }
                let r = RawHit {
                    score: v,
                    seq: (first + k) as u32,
                    pos: pos as u32,
                    minus,
                };
                hit(r);
            }
        }
    }
}

/// Build the reported hit of a raw one.
fn make_hit(
    m: &Motif,
    sc: &Scorer,
    sequences: &[Sequence],
    names: &[(String, usize)],
    r: RawHit,
) -> FimoHit {
    let s = &sequences[r.seq as usize];
    let (name, shift) = &names[r.seq as usize];
    let pos = r.pos as usize;
    let raw = &s.seq[pos..pos + sc.w];
    FimoHit {
        motif_id: m.id.clone(),
        motif_alt_id: m.alt_name.clone().unwrap_or_default(),
        sequence_name: name.clone(),
        start: shift + pos + 1,
        stop: shift + pos + sc.w,
        strand: if r.minus { '-' } else { '+' },
        score: sc.score(r.score),
        p_value: sc.pv[r.score as usize],
        q_value: None,
        matched_sequence: if r.minus {
            revcomp(raw)
        } else {
            String::from_utf8_lossy(raw).into_owned()
        },
    }
}

/// Sequences scanned together by [`fimo_text`] before their hits are written.
const TEXT_BLOCK: usize = 64;

/// Scan every sequence with every motif and return the windows with p-value at most
/// `opts.thresh`, ordered as `fimo --text` prints them (motif, then sequence, then
/// strand `+` before `-`, then position), without q-values. `bg` is the background before
/// FIMO's symmetrisation (use [`Background::nrdb`] for FIMO's default). Sequence names
/// and positions follow `opts.pgc`; `qv_thresh` and `max_stored_scores` do not apply.
///
/// ```
/// use explainn_motif::{Background, MatrixKind, Motif};
/// use explainn_motif::fimo::{FimoOptions, Sequence, fimo};
/// let gata = Motif::new("GATA", vec![
///     [0.01, 0.01, 0.97, 0.01], [0.97, 0.01, 0.01, 0.01], [0.01, 0.01, 0.01, 0.97],
///     [0.97, 0.01, 0.01, 0.01], [0.01, 0.01, 0.97, 0.01], [0.01, 0.01, 0.97, 0.01],
/// ], MatrixKind::Probabilities);
/// let seq = Sequence { name: "s".into(), seq: b"CCCCCGATAGGCCCCC".to_vec() };
/// let opts = FimoOptions { thresh: 1e-3, ..Default::default() };
/// let hits = fimo(&[gata], &[seq], &Background::uniform(), &opts);
/// assert_eq!(hits.len(), 1); // only the exact site has p ≤ 1e-3 (1/4⁶ = 2.4e-4)
/// assert_eq!((hits[0].start, hits[0].strand), (6, '+')); // 1-based, as FIMO
/// ```
pub fn fimo(
    motifs: &[Motif],
    sequences: &[Sequence],
    bg: &Background,
    opts: &FimoOptions,
) -> Vec<FimoHit> {
    let mut out = Vec::new();
    fimo_text_each(motifs, sequences, bg, opts, |h| {
        out.extend_from_slice(h);
        Ok(())
    })
    .expect("collecting into memory does not fail");
    out
}

/// [`fimo`] as a stream: `sink` receives the hits in `fimo --text` order, a block of
/// sequences of one motif at a time, so memory stays bounded by the hits of one block
/// (the motifs are scanned one after the other, the sequences of a block in parallel).
/// Stops at the first error of `sink`.
pub fn fimo_text_each(
    motifs: &[Motif],
    sequences: &[Sequence],
    bg: &Background,
    opts: &FimoOptions,
    mut sink: impl FnMut(&[FimoHit]) -> std::io::Result<()>,
) -> std::io::Result<()> {
    let bg = scan_background(bg, opts.norc);
    let coded: Vec<Vec<u8>> = sequences.par_iter().map(|s| encode(&s.seq)).collect();
    let names = reported_names(sequences, opts.pgc);
    let group = TEXT_BLOCK * rayon::current_num_threads().max(1);
    for m in motifs {
        let sc = Scorer::new(m, &bg, opts.motif_pseudo);
        let Some(smin) = sc.min_score(opts.thresh) else {
            continue;
        };
        for (g, codes) in coded.chunks(group).enumerate() {
            let blocks: Vec<Vec<FimoHit>> = codes
                .par_chunks(TEXT_BLOCK)
                .enumerate()
                .map(|(b, block)| {
                    let mut hits = Vec::new();
                    let first = g * group + b * TEXT_BLOCK;
                    scan_motif(&sc, block, first, opts.norc, smin, None, |r| {
                        hits.push(make_hit(m, &sc, sequences, &names, r))
                    });
                    hits
                })
                .collect();
            for b in &blocks {
                if !b.is_empty() {
                    sink(b)?;
                }
            }
        }
    }
    Ok(())
}

/// Hits lost to [`FimoOptions::max_stored_scores`].
#[derive(Debug, Clone, PartialEq)]
pub struct Dropped {
    /// Motif ID.
    pub motif_id: String,
    /// Every hit of this motif with p-value at least this was dropped.
    pub p_value: f64,
    /// How many passing hits were dropped.
    pub count: u64,
}

/// FIMO's default (non-`--text`) result.
#[derive(Debug, Clone, PartialEq)]
pub struct FimoResult {
    /// Hits with q-values, ordered by p-value (ties in `--text` order).
    pub hits: Vec<FimoHit>,
    /// Per motif (input order): the number of scored windows (both strands), which is the
    /// number of tests behind its q-values, and the estimated π₀.
    pub tests: Vec<(String, u64, f64)>,
    /// Motifs that reached [`FimoOptions::max_stored_scores`].
    pub dropped: Vec<Dropped>,
}

/// FIMO's default mode: scan as [`fimo`], give every hit its Storey q-value over the
/// p-values of all scanned windows of its motif (both strands; windows with a non-ACGT
/// letter are not scanned), keep at most `opts.max_stored_scores` hits per motif, and
/// order them by p-value.
///
/// q-values (per motif, `m` scanned windows, p-values sorted ascending `p_(1) <= …`):
/// `q_(i) = min_{j >= i} min(1, π₀ p_(j) m / j)`. π₀ is Storey's bootstrap estimate as
/// MEME computes it (λ = 0.005, 0.010, …, 0.5; 100 resamples of 1000 p-values drawn with
/// MT19937 seeded with 4357, one stream carried from motif to motif; π₀ = 1 when
/// `m <= 100`), computed exactly over all scanned windows from their score histogram,
/// so memory does not grow with the sequences. With `opts.qv_thresh` the windows are
/// scanned twice (first for the q-values, then for the hits).
pub fn fimo_qvalues(
    motifs: &[Motif],
    sequences: &[Sequence],
    bg: &Background,
    opts: &FimoOptions,
) -> FimoResult {
    let bg = scan_background(bg, opts.norc);
    let coded: Vec<Vec<u8>> = sequences.par_iter().map(|s| encode(&s.seq)).collect();
    let names = reported_names(sequences, opts.pgc);
    let cap = opts.max_stored_scores;
    let scorers: Vec<Scorer> = motifs
        .par_iter()
        .map(|m| Scorer::new(m, &bg, opts.motif_pseudo))
        .collect();
    // Pass 1 (both modes): the histogram; without qv_thresh, the hits too.
    let pass1: Vec<(Vec<u64>, Vec<RawHit>, Option<(f64, u64)>)> = scorers
        .par_iter()
        .map(|sc| {
            let mut hist = vec![0u64; sc.pv.len()];
            let mut store = Store::new(sc, cap);
            let smin = match (opts.qv_thresh, sc.min_score(opts.thresh)) {
                (true, _) | (false, None) => i32::MAX,
                (false, Some(s)) => s,
            };
            scan_motif(sc, &coded, 0, opts.norc, smin, Some(&mut hist), |r| {
                store.push(r)
            });
            let (hits, drop) = store.finish();
            (hist, hits, drop)
        })
        .collect();
    // q-values in motif order (one random stream).
    let mut rng = Mt19937::new(4357);
    let qtables: Vec<(Vec<f64>, u64, f64)> = pass1
        .iter()
        .zip(&scorers)
        .map(|((hist, _, _), sc)| score_qvalues(hist, &sc.pv, &mut rng))
        .collect();
    // Pass 2 (qv_thresh): the hits whose q-value passes.
    let pass2: Vec<(Vec<RawHit>, Option<(f64, u64)>)> = if opts.qv_thresh {
        scorers
            .par_iter()
            .zip(&qtables)
            .map(|(sc, (q, _, _))| {
                let mut store = Store::new(sc, cap);
                // q is non-increasing in the score: the passing scores are those from the
                // first whose q-value is at most thresh.
                let smin = (0..q.len())
                    .find(|&s| q[s] <= opts.thresh)
                    .map_or(i32::MAX, |s| s as i32);
                scan_motif(sc, &coded, 0, opts.norc, smin, None, |r| store.push(r));
                store.finish()
            })
            .collect()
    } else {
        pass1.into_iter().map(|(_, h, d)| (h, d)).collect()
    };
    let mut hits: Vec<(usize, RawHit)> = Vec::new();
    let mut dropped = Vec::new();
    for (mi, (raw, drop)) in pass2.into_iter().enumerate() {
        if let Some((p, count)) = drop {
            dropped.push(Dropped {
                motif_id: motifs[mi].id.clone(),
                p_value: p,
                count,
            });
        }
        hits.extend(raw.into_iter().map(|r| (mi, r)));
    }
    // By p-value, then in --text order (motif, sequence, strand, position).
    hits.sort_by(|(ma, a), (mb, b)| {
        let (pa, pb) = (
            scorers[*ma].pv[a.score as usize],
            scorers[*mb].pv[b.score as usize],
        );
        pa.total_cmp(&pb)
            .then(ma.cmp(mb))
            .then(a.seq.cmp(&b.seq))
            .then(a.minus.cmp(&b.minus))
            .then(a.pos.cmp(&b.pos))
    });
    let hits = hits
        .into_iter()
        .map(|(mi, r)| {
            let mut h = make_hit(&motifs[mi], &scorers[mi], sequences, &names, r);
            h.q_value = Some(qtables[mi].0[r.score as usize]);
            h
        })
        .collect();
    let tests = motifs
        .iter()
        .zip(&qtables)
        .map(|(m, (_, n, pi0))| (m.id.clone(), *n, *pi0))
        .collect();
    FimoResult {
        hits,
        tests,
        dropped,
    }
}

/// The hits of one motif, at most `cap` of them: when the buffer reaches twice that, the
/// hits from the p-value of the (cap+1)-th best up are dropped, and so are all later ones
/// from that p-value up.
struct Store<'a> {
    sc: &'a Scorer,
    cap: usize,
    hits: Vec<RawHit>,
    /// Hits must score at least this to be kept (raised by pruning).
    floor: i32,
    /// Smallest p-value dropped so far, and how many passing hits were dropped.
    drop: Option<(f64, u64)>,
}

impl<'a> Store<'a> {
    fn new(sc: &'a Scorer, cap: usize) -> Self {
        Self {
            sc,
            cap,
            hits: Vec::new(),
            floor: i32::MIN,
            drop: None,
        }
    }

    fn push(&mut self, r: RawHit) {
        if r.score < self.floor {
            if let Some((_, c)) = &mut self.drop {
                *c += 1;
            }
            return;
        }
        self.hits.push(r);
        if self.hits.len() >= self.cap.saturating_mul(2).max(1) {
            self.prune();
        }
    }

    /// Keep the hits whose p-value is below that of the (cap+1)-th best.
    fn prune(&mut self) {
        if self.hits.len() <= self.cap {
            return;
        }
        let cap = self.cap;
        let mut scores: Vec<i32> = self.hits.iter().map(|h| h.score).collect();
        scores.select_nth_unstable_by(cap, |a, b| b.cmp(a));
        let pv = &self.sc.pv;
        let p_cut = pv[scores[cap] as usize];
        let before = self.hits.len();
        self.hits.retain(|h| pv[h.score as usize] < p_cut);
        let n = (before - self.hits.len()) as u64;
        let (p0, c0) = self.drop.unwrap_or((f64::INFINITY, 0));
        self.drop = Some((p0.min(p_cut), c0 + n));
        // The smallest score whose p-value is below p_cut (pv does not increase).
        self.floor = self.floor.max(pv.partition_point(|&p| p >= p_cut) as i32);
    }

    fn finish(mut self) -> (Vec<RawHit>, Option<(f64, u64)>) {
        self.prune();
        (self.hits, self.drop)
    }
}

/// q-value of every integer score (see [`fimo_qvalues`]), the number of scanned windows and
/// π₀, from the histogram of the windows' scores and the p-value table.
fn score_qvalues(hist: &[u64], pv: &[f64], rng: &mut Mt19937) -> (Vec<f64>, u64, f64) {
    let m: u64 = hist.iter().sum();
    let mut q = vec![1.0f64; hist.len()];
    if m == 0 {
        return (q, 0, 1.0);
    }
    let pi0 = if m > 100 {
        storey_pi0(hist, pv, m, rng)
    } else {
        1.0
    };
    // Ascending p-value = descending score. R = windows scoring at least s.
    let mf = m as f64;
    let mut r = 0u64;
    let mut raw = vec![f64::INFINITY; hist.len()];
    for s in (0..hist.len()).rev() {
        if hist[s] > 0 {
            r += hist[s];
            raw[s] = (pi0 * pv[s] * mf / r as f64).min(1.0);
        }
    }
    // q(s) = min over scores s' <= s (larger p-values) that occur.
    let mut run = 1.0f64;
    for s in 0..hist.len() {
        run = run.min(raw[s]);
        q[s] = run;
    }
    (q, m, pi0)
}

/// Storey's π₀ by MEME's bootstrap, over all `m` windows given as a score histogram.
fn storey_pi0(hist: &[u64], pv: &[f64], m: u64, rng: &mut Mt19937) -> f64 {
    const NL: usize = 100;
    const REPS: usize = 100;
    const DRAWS: usize = 1000;
    let lam: Vec<f64> = (0..NL).map(|j| ((j + 1) as f64 / 100.0) * 0.5).collect();
    let pi = |count: u64, l: f64, len: u64| {
        if count == 0 {
            f64::INFINITY
        } else {
            count as f64 / ((1.0 - l) * len as f64)
        }
    };
    // Windows in ascending p order: descending score. below[s] = windows scoring above s.
    let mut above = vec![0u64; hist.len() + 1];
    for s in (0..hist.len()).rev() {
        above[s] = above[s + 1] + hist[s];
    }
    // Windows with p >= lambda: scores s with pv[s] >= lambda, i.e. s below a bound.
    let count_ge = |l: f64| -> u64 {
        let b = pv.partition_point(|&p| p >= l); // scores 0..b have p >= l
        above[0] - above[b]
    };
    let pis: Vec<f64> = lam.iter().map(|&l| pi(count_ge(l), l, m)).collect();
    let pmin = pis.iter().copied().fold(f64::INFINITY, f64::min);
    // Scores that occur, in descending order, with the number of windows above them.
    let occ: Vec<usize> = (0..hist.len()).rev().filter(|&s| hist[s] > 0).collect();
    let mut mse = [0.0f64; NL];
    let mut drawn = vec![0.0f64; DRAWS];
    for _ in 0..REPS {
        for d in drawn.iter_mut() {
            let u = rng.next_f64();
            let idx = ((u * m as f64) as u64).min(m - 1);
            // The window at rank idx (0-based, ascending p) has the score s with
            // above[s + 1] <= idx < above[s].
            let k = occ.partition_point(|&s| above[s] <= idx);
            *d = pv[occ[k]];
        }
        for j in 0..NL {
            let c = drawn.iter().filter(|&&p| p >= lam[j]).count() as u64;
            let dlt = pi(c, lam[j], DRAWS as u64) - pmin;
            mse[j] += dlt * dlt;
        }
    }
    let mut jbest = 0;
    for j in 1..NL {
        if mse[j] < mse[jbest] {
            jbest = j;
        }
    }
    pis[jbest].clamp(0.0, 1.0)
}

/// The header line of FIMO's `--text` output.
pub const FIMO_HEADER: &str = "motif_id\tmotif_alt_id\tsequence_name\tstart\tstop\tstrand\tscore\tp-value\tq-value\tmatched_sequence";

/// Write hits as FIMO's TSV: header, then one row per hit with score as `%g`, p-value and
/// q-value as `%.3g` (the q-value column empty when the hit has none, as in `--text`).
pub fn write_fimo_text(w: &mut impl Write, hits: &[FimoHit]) -> std::io::Result<()> {
    writeln!(w, "{FIMO_HEADER}")?;
    write_fimo_rows(w, hits)
}

/// The rows of [`write_fimo_text`] without the header.
pub fn write_fimo_rows(w: &mut impl Write, hits: &[FimoHit]) -> std::io::Result<()> {
    for h in hits {
        let q = h.q_value.map(|q| fmt_g(q, 3)).unwrap_or_default();
        writeln!(
            w,
            "{}\t{}\t{}\t{}\t{}\t{}\t{}\t{}\t{}\t{}",
            h.motif_id,
            h.motif_alt_id,
            h.sequence_name,
            h.start,
            h.stop,
            h.strand,
            fmt_g(h.score, 6),
            fmt_g(h.p_value, 3),
            q,
            h.matched_sequence
        )?;
    }
    Ok(())
}

/// The lines FIMO ends its TSV file with: a blank line, then `# FIMO (Find Individual
/// Motif Occurrences): Version {version}`, the line naming the format's description, and
/// `# {command}`.
pub fn write_fimo_trailer(w: &mut impl Write, version: &str, command: &str) -> std::io::Result<()> {
    writeln!(w)?;
    writeln!(
        w,
        "# FIMO (Find Individual Motif Occurrences): Version {version}"
    )?;
    writeln!(
        w,
        "# The format of this file is described at https://meme-suite.org/meme/doc/fimo-output-format.html."
    )?;
    writeln!(w, "# {command}")
}
