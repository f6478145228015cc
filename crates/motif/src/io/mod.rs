//! Reading and writing motif files. Each format has its own module; all readers take a
//! `&mut impl BufRead` plus a source name used in messages, and have a `read_*_file(path)`
//! convenience that also opens gzip-compressed files.

pub mod hocomoco;
pub mod jaspar;
pub mod meme;

use crate::background::Background;
use crate::error::{MotifError, Warning};
use crate::motif::Motif;
use std::io::{BufRead, Read};
use std::path::Path;

/// The result of reading a motif file.
#[derive(Debug, Clone, Default)]
pub struct MotifSet {
    /// Motifs in file order; a repeated ID keeps only its first motif.
    pub motifs: Vec<Motif>,
    /// Background letter frequencies stated in the file (MEME format only), if any.
    pub background: Option<Background>,
    /// Non-fatal problems met while reading.
    pub warnings: Vec<Warning>,
}

/// Supported motif file formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// MEME minimal text format (`MOTIF` + `letter-probability matrix:`).
    Meme,
    /// JASPAR count matrices (`>ID name` then `A [ ... ]` rows).
    Jaspar,
    /// One row per position (`>ID` then W rows of 4 numbers, optionally led by a letter):
    /// HOCOMOCO PCM/PWM and the ENCODE motif collection.
    Hocomoco,
}

/// Open a file for reading, transparently decompressing gzip (detected by its magic bytes).
pub fn open(path: &Path) -> Result<Box<dyn BufRead>, MotifError> {
    match explainn_seq::records::open_decompressed(path) {
        Ok(r) => Ok(r),
        Err(e) => Err(MotifError::io(path.display(), e)),
    }
}

/// Guess the format of motif text from its first non-blank lines.
pub fn detect_format(text: &str) -> Option<Format> {
    let mut lines = text.lines().map(str::trim).filter(|l| !l.is_empty());
    let first = lines.next()?;
    if first.starts_with("MEME version")
        || first.starts_with("MOTIF")
        || text.contains("letter-probability matrix")
    {
        return Some(Format::Meme);
    }
    if first.starts_with('>') {
        let next = lines.next()?;
        if next.contains('[') {
            return Some(Format::Jaspar);
        }
        let letters: String = std::iter::once(next)
            .chain(lines.clone().take(4))
            .filter_map(|l| l.chars().next())
            .collect();
        let ntok = next.split_whitespace().count();
        if letters.starts_with("ACGT")
            && !letters[4..].starts_with(|c: char| c.is_ascii_alphabetic())
            && ntok != 5
        {
            return Some(Format::Jaspar);
        }
        return Some(Format::Hocomoco);
    }
    None
}

/// If `text` looks like sequences rather than motifs (FASTA: `>` then a line of sequence
/// letters; FASTQ: `@`, letters, `+`), a short message saying so, with the line number.
pub fn sequence_file_hint(text: &str) -> Option<(usize, String)> {
    let mut lines = text
        .lines()
        .enumerate()
        .map(|(i, l)| (i + 1, l.trim()))
        .filter(|(_, l)| !l.is_empty());
    let (_, first) = lines.next()?;
    let (n, next) = lines.next()?;
    let letters = next.len() >= 4
        && next
            .bytes()
            .all(|b| b.is_ascii_alphabetic() || b == b'-' || b == b'*');
    if !letters {
        return None;
    }
    if first.starts_with('>') {
        Some((
            n,
            format!(
                "this looks like a FASTA sequence file (line {n} is a sequence of {} letters), not motifs: expected MEME, JASPAR or HOCOMOCO matrices",
                next.len()
            ),
        ))
    } else if first.starts_with('@') {
        Some((
            n,
            format!(
                "this looks like a FASTQ sequence file (line {n} is a sequence of {} letters), not motifs: expected MEME, JASPAR or HOCOMOCO matrices",
                next.len()
            ),
        ))
    } else {
        None
    }
}

/// At most 40 characters of a line, for messages.
pub(crate) fn excerpt(t: &str) -> String {
    let mut it = t.chars();
    let head: String = it.by_ref().take(40).collect();
    if it.next().is_some() {
        format!("{head}…")
    } else {
        head
    }
}

/// Read a motif file of any supported format (detected from the content; plain or `.gz`).
/// A sequence file (FASTA/FASTQ) given instead is an error saying so.
pub fn read_motifs_file(path: impl AsRef<Path>) -> Result<MotifSet, MotifError> {
    let path = path.as_ref();
    let mut text = String::new();
    open(path)?
        .read_to_string(&mut text)
        .map_err(|e| MotifError::io(path.display(), e))?;
    let name = path.display().to_string();
    if let Some((line, msg)) = sequence_file_hint(&text) {
        return Err(MotifError::parse(&name, line, msg));
    }
    match detect_format(&text) {
        Some(Format::Meme) => meme::read_meme(&mut text.as_bytes(), &name),
        Some(Format::Jaspar) => jaspar::read_jaspar(&mut text.as_bytes(), &name),
        Some(Format::Hocomoco) => hocomoco::read_hocomoco(&mut text.as_bytes(), &name),
        None => Err(MotifError::parse(
            &name,
            1,
            "not a recognised motif format (MEME, JASPAR or HOCOMOCO)",
        )),
    }
}

/// Line-by-line reader keeping the line number.
pub(crate) struct Lines<'a, R: BufRead> {
    reader: &'a mut R,
    pub(crate) source: &'a str,
    pub(crate) line_no: usize,
    buf: String,
    peeked: bool,
}

impl<'a, R: BufRead> Lines<'a, R> {
    pub(crate) fn new(reader: &'a mut R, source: &'a str) -> Self {
        Self {
            reader,
            source,
            line_no: 0,
            buf: String::new(),
            peeked: false,
        }
    }

    /// Next line without its line terminator, or `None` at the end.
    pub(crate) fn next_line(&mut self) -> Result<Option<String>, MotifError> {
        if self.peeked {
            self.peeked = false;
            return Ok(Some(self.buf.trim_end_matches(['\n', '\r']).to_string()));
        }
        self.buf.clear();
        let n = self
            .reader
            .read_line(&mut self.buf)
            .map_err(|e| MotifError::io(self.source, e))?;
        if n == 0 {
            return Ok(None);
        }
        self.line_no += 1;
        Ok(Some(self.buf.trim_end_matches(['\n', '\r']).to_string()))
    }

    /// Make the last line returned by `next_line` come back on the next call.
    pub(crate) fn push_back(&mut self) {
        self.peeked = true;
    }

    pub(crate) fn err(&self, message: impl Into<String>) -> MotifError {
        MotifError::parse(self.source, self.line_no, message)
    }
}

/// Parse whitespace-separated numbers; `None` if any token is not a number.
pub(crate) fn parse_numbers(s: &str) -> Option<Vec<f64>> {
    s.split_whitespace()
        .map(|t| t.parse::<f64>().ok().filter(|x| x.is_finite()))
        .collect()
}

/// Normalise probability rows whose sum differs from 1 by more than 1e-5 (the tolerance
/// Tomtom uses), and set rows summing to 0 (no letter at all) to uniform 0.25; one warning
/// per motif that needed either, naming the rows.
pub(crate) fn normalise_rows(
    m: &mut Motif,
    source: &str,
    line: usize,
    warnings: &mut Vec<Warning>,
) {
    let mut off = Vec::new();
    let mut zero = Vec::new();
    for (i, r) in m.rows.iter_mut().enumerate() {
        let s: f64 = r.iter().sum();
        if s <= 0.0 {
            *r = [0.25; 4];
            zero.push(i + 1);
        } else if (s - 1.0).abs() > 1e-5 {
            *r = r.map(|x| x / s);
            off.push(i + 1);
        }
    }
    let mut parts = Vec::new();
    if !off.is_empty() {
        parts.push(format!(
            "{} row(s) did not sum to 1 and were normalised (rows {})",
            off.len(),
            list(&off)
        ));
    }
    if !zero.is_empty() {
        parts.push(format!(
            "{} row(s) were all zero and were set to uniform 0.25 (rows {})",
            zero.len(),
            list(&zero)
        ));
    }
    if !parts.is_empty() {
        warnings.push(Warning {
            source_name: source.to_string(),
            line,
            message: format!("motif {}: {}", m.id, parts.join("; ")),
        });
    }
}

/// Warn about count-matrix positions with no counts (read as uniform, as a probability
/// row summing to 0 is).
pub(crate) fn warn_zero_count_rows(
    m: &Motif,
    source: &str,
    line: usize,
    warnings: &mut Vec<Warning>,
) {
    let zero: Vec<usize> = m
        .rows
        .iter()
        .enumerate()
        .filter(|(_, r)| r.iter().sum::<f64>() <= 0.0)
        .map(|(i, _)| i + 1)
        .collect();
    if !zero.is_empty() {
        warnings.push(Warning {
            source_name: source.to_string(),
            line,
            message: format!(
                "motif {}: {} position(s) have no counts and are read as uniform 0.25 (positions {})",
                m.id,
                zero.len(),
                list(&zero)
            ),
        });
    }
}

/// `1, 2, 5` (at most 10, then `…`).
fn list(v: &[usize]) -> String {
    let mut s: Vec<String> = v.iter().take(10).map(usize::to_string).collect();
    if v.len() > 10 {
        s.push("…".into());
    }
    s.join(", ")
}

/// Append `m` unless its ID was seen before (then warn and drop it, as MEME does).
pub(crate) fn push_unique(
    set: &mut MotifSet,
    seen: &mut std::collections::HashSet<String>,
    m: Motif,
    source: &str,
    line: usize,
) {
    if seen.insert(m.id.clone()) {
        set.motifs.push(m);
    } else {
        set.warnings.push(Warning {
            source_name: source.to_string(),
            line,
            message: format!("duplicate motif ID {}: keeping the first one", m.id),
        });
    }
}

/// Format a number so that reading it back gives the same `f64` (shortest form), or with
/// a fixed number of decimals.
pub(crate) fn fmt_num(x: f64, decimals: Option<usize>) -> String {
    match decimals {
        Some(d) => format!("{x:.d$}"),
        None => format!("{x}"),
    }
}
