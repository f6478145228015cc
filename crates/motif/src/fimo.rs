//! FIMO-style scanning of DNA sequences with position weight matrices, reproducing MEME 5
//! FIMO's scores and p-values (Grant et al., Bioinformatics 2011): log-odds in bits with
//! MEME's constant, integer scaling to 0..1000, the exact score distribution under a
//! zero-order background by dynamic programming, and 10-digit rounding.

use crate::background::Background;
use crate::error::MotifError;
use crate::motif::Motif;
use crate::numeric::{fmt_g, rnd};
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
                return Err(MotifError::parse(
                    source_name,
                    n,
                    "sequence data before the first `>` header",
                ));
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
    /// Report windows with p-value at most this; default 1e-4.
    pub thresh: f64,
    /// Pseudocount weight added to the motif rows; default 0.1.
    pub motif_pseudo: f64,
    /// Scan the given strand only; default false (both strands).
    pub norc: bool,
}

impl Default for FimoOptions {
    fn default() -> Self {
        Self {
            thresh: 1e-4,
            motif_pseudo: 0.1,
            norc: false,
        }
    }
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
    /// The window as read (`+`) or reverse-complemented (`-`), case kept.
    pub matched_sequence: String,
}

/// A motif prepared for scanning: integer scores and their p-value table.
struct Scorer {
    w: usize,
    /// `m[i * 5 + code]`, code 4 (non-ACGT) a large negative value.
    fwd: Vec<i32>,
    rev: Vec<i32>,
    sc: f64,
    off: f64,
    /// `pv[s]` = P(S >= s), rounded to 10 digits.
    pv: Vec<f64>,
}

const INVALID: i32 = -100_000_000;

impl Scorer {
    fn new(m: &Motif, bg: &Background, pseudo: f64) -> Self {
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
        let w = mi.len();
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
        let flat = |rows: &mut dyn Iterator<Item = [i32; 4]>| {
            rows.flat_map(|r| [r[0], r[1], r[2], r[3], INVALID])
                .collect::<Vec<i32>>()
        };
        let fwd = flat(&mut mi.iter().copied());
        let rev = flat(&mut mi.iter().rev().map(|r| [r[3], r[2], r[1], r[0]]));
        Self {
            w,
            fwd,
            rev,
            sc,
            off,
            pv,
        }
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

#[inline]
fn code(c: u8) -> u8 {
    match c {
        b'A' | b'a' => 0,
        b'C' | b'c' => 1,
        b'G' | b'g' => 2,
        b'T' | b't' | b'U' | b'u' => 3,
        _ => 4,
    }
}

fn encode(seq: &[u8]) -> Vec<u8> {
    seq.iter().map(|&c| code(c)).collect()
}

#[inline]
fn window_score(m: &[i32], codes: &[u8]) -> i32 {
    let mut s = 0i32;
    for (i, &c) in codes.iter().enumerate() {
        s = s.wrapping_add(m[i * 5 + c as usize]);
    }
    s
}

fn revcomp(s: &[u8]) -> String {
    s.iter()
        .rev()
        .map(|&c| match c {
            b'A' => 'T',
            b'C' => 'G',
            b'G' => 'C',
            // U is T (the letter rule of explainn-seq), so its complement is A.
            b'T' | b'U' => 'A',
            b'a' => 't',
            b'c' => 'g',
            b'g' => 'c',
            b't' | b'u' => 'a',
            o => o as char,
        })
        .collect()
}

/// Background as FIMO applies it: averaged with its reverse complement when both strands are
/// scanned, then smoothed with 5e-7.
fn scan_background(bg: &Background, norc: bool) -> Background {
    let b = if norc { *bg } else { bg.symmetric() };
    b.normalized(5e-7)
}

/// Scan every sequence with every motif and return the windows with p-value at most
/// `opts.thresh`, ordered as `fimo --text` prints them (motif, then sequence, then
/// strand `+` before `-`, then position). `bg` is the background before FIMO's symmetrisation
/// (use [`Background::nrdb`] for FIMO's default).
pub fn fimo(
    motifs: &[Motif],
    sequences: &[Sequence],
    bg: &Background,
    opts: &FimoOptions,
) -> Vec<FimoHit> {
    let bg = scan_background(bg, opts.norc);
    let coded: Vec<Vec<u8>> = sequences.par_iter().map(|s| encode(&s.seq)).collect();
    let per_motif: Vec<Vec<FimoHit>> = motifs
        .par_iter()
        .map(|m| {
            let sc = Scorer::new(m, &bg, opts.motif_pseudo);
            let Some(smin) = sc.min_score(opts.thresh) else {
                return Vec::new();
            };
            let w = sc.w;
            let mut hits = Vec::new();
            for (s, codes) in sequences.iter().zip(&coded) {
                if codes.len() < w {
                    continue;
                }
                // FIMO scans the whole sequence on `+`, then on `-`.
                for (strand, mat) in [('+', &sc.fwd), ('-', &sc.rev)] {
                    if strand == '-' && opts.norc {
                        continue;
                    }
                    for pos in 0..=codes.len() - w {
                        let v = window_score(mat, &codes[pos..pos + w]);
                        if v < smin {
                            continue;
                        }
                        let raw = &s.seq[pos..pos + w];
                        hits.push(FimoHit {
                            motif_id: m.id.clone(),
                            motif_alt_id: m.alt_name.clone().unwrap_or_default(),
                            sequence_name: s.name.clone(),
                            start: pos + 1,
                            stop: pos + w,
                            strand,
                            score: sc.score(v),
                            p_value: sc.pv[v as usize],
                            matched_sequence: if strand == '+' {
                                String::from_utf8_lossy(raw).into_owned()
                            } else {
                                revcomp(raw)
                            },
                        });
                    }
                }
            }
            hits
        })
        .collect();
    per_motif.into_iter().flatten().collect()
}

/// Best FIMO score (bits, unrounded) of each motif in each sequence over both strands
/// (forward only with `norc`): `result[motif][sequence]`, `f64::NEG_INFINITY` when the
/// sequence has no window of valid letters. Uses the same pseudocount and background rules
/// as [`fimo`].
pub fn best_scores(
    motifs: &[Motif],
    sequences: &[Sequence],
    bg: &Background,
    opts: &FimoOptions,
) -> Vec<Vec<f64>> {
    let bg = scan_background(bg, opts.norc);
    let coded: Vec<Vec<u8>> = sequences.par_iter().map(|s| encode(&s.seq)).collect();
    motifs
        .par_iter()
        .map(|m| {
            let sc = Scorer::new(m, &bg, opts.motif_pseudo);
            coded
                .iter()
                .map(|codes| {
                    if codes.len() < sc.w {
                        return f64::NEG_INFINITY;
                    }
                    let mut best = i32::MIN;
                    for win in codes.windows(sc.w) {
                        best = best.max(window_score(&sc.fwd, win));
                        if !opts.norc {
                            best = best.max(window_score(&sc.rev, win));
                        }
                    }
                    if best < 0 {
                        f64::NEG_INFINITY
                    } else {
                        best as f64 / sc.sc + sc.w as f64 * sc.off
                    }
                })
                .collect()
        })
        .collect()
}

/// The header line of FIMO's `--text` output.
pub const FIMO_HEADER: &str = "motif_id\tmotif_alt_id\tsequence_name\tstart\tstop\tstrand\tscore\tp-value\tq-value\tmatched_sequence";

/// Write hits as `fimo --text` does: header, then one row per hit with score as `%g`,
/// p-value as `%.3g` and an empty q-value column.
pub fn write_fimo_text(w: &mut impl Write, hits: &[FimoHit]) -> std::io::Result<()> {
    writeln!(w, "{FIMO_HEADER}")?;
    for h in hits {
        writeln!(
            w,
            "{}\t{}\t{}\t{}\t{}\t{}\t{}\t{}\t\t{}",
            h.motif_id,
            h.motif_alt_id,
            h.sequence_name,
            h.start,
            h.stop,
            h.strand,
            fmt_g(h.score, 6),
            fmt_g(h.p_value, 3),
            h.matched_sequence
        )?;
    }
    Ok(())
}
