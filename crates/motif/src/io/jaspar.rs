//! JASPAR count matrices: `>ID name` headers followed by four rows `A [ c1 c2 ... ]`,
//! `C [ ... ]`, `G [ ... ]`, `T [ ... ]` (brackets and letters optional; without letters the
//! rows are taken in A, C, G, T order).

use super::{Lines, MotifSet, fmt_num, parse_numbers, push_unique, warn_zero_count_rows};
use crate::error::MotifError;
use crate::motif::{ALPHABET, MatrixKind, Motif, letter_index};
use std::io::{BufRead, Write};
use std::path::Path;

/// Read JASPAR count matrices (kind [`MatrixKind::Counts`]). Rows of unequal length,
/// non-numeric values, missing or repeated letters are errors naming the source and line.
/// A repeated ID keeps the first motif (with a warning).
pub fn read_jaspar(reader: &mut impl BufRead, source_name: &str) -> Result<MotifSet, MotifError> {
    let mut lines = Lines::new(reader, source_name);
    let mut set = MotifSet::default();
    let mut seen = std::collections::HashSet::new();
    while let Some(line) = lines.next_line()? {
        let t = line.trim();
        if t.is_empty() {
            continue;
        }
        let Some(header) = t.strip_prefix('>') else {
            return Err(lines.err(format!("expected a `>ID name` header, found {t:?}")));
        };
        let header_line = lines.line_no;
        let mut it = header.split_whitespace();
        let Some(id) = it.next() else {
            return Err(lines.err("header without an ID"));
        };
        let rest: Vec<&str> = it.collect();
        let alt = (!rest.is_empty()).then(|| rest.join(" "));
        let mut cols: [Option<Vec<f64>>; 4] = Default::default();
        for k in 0..4 {
            let Some(l) = lines.next_line()? else {
                return Err(lines.err(format!("motif {id}: expected 4 rows, file ended after {k}")));
            };
            let l = l.trim();
            let (letter, nums) = match l.chars().next() {
                Some(c) if c.is_ascii_alphabetic() => (letter_index(c as u8), &l[1..]),
                _ => (Some(k), l),
            };
            let Some(letter) = letter else {
                return Err(lines.err(format!("motif {id}: unknown row letter in {l:?}")));
            };
            let nums = nums.replace(['[', ']'], " ");
            let Some(v) = parse_numbers(&nums) else {
                return Err(lines.err(format!(
                    "motif {id}: non-numeric count in {:?}",
                    super::excerpt(l)
                )));
            };
            if cols[letter].is_some() {
                return Err(lines.err(format!(
                    "motif {id}: row {} given twice",
                    ALPHABET[letter] as char
                )));
            }
            if v.iter().any(|&x| x < 0.0) {
                return Err(lines.err(format!("motif {id}: negative count")));
            }
            cols[letter] = Some(v);
        }
        let cols = cols.map(|c| c.unwrap());
        let w = cols[0].len();
        if w == 0 || cols.iter().any(|c| c.len() != w) {
            let lens: Vec<usize> = cols.iter().map(Vec::len).collect();
            return Err(lines.err(format!("motif {id}: ragged rows (lengths {lens:?})")));
        }
        let rows = (0..w)
            .map(|i| [cols[0][i], cols[1][i], cols[2][i], cols[3][i]])
            .collect();
        let mut m = Motif::new(id, rows, MatrixKind::Counts);
        m.alt_name = alt;
        warn_zero_count_rows(&m, source_name, header_line, &mut set.warnings);
        push_unique(&mut set, &mut seen, m, source_name, header_line);
    }
    Ok(set)
}

/// [`read_jaspar`] on a path (plain or `.gz`).
pub fn read_jaspar_file(path: impl AsRef<Path>) -> Result<MotifSet, MotifError> {
    let path = path.as_ref();
    read_jaspar(&mut super::open(path)?, &path.display().to_string())
}

/// Write motifs as JASPAR count matrices (`>ID\tname`, then `A  [ ... ]` rows). Probability
/// matrices are multiplied by `nsites` (20 when unknown); counts are written as given, in
/// their shortest exact form (`decimals = None`) or with fixed decimals.
pub fn write_jaspar(
    w: &mut impl Write,
    motifs: &[Motif],
    decimals: Option<usize>,
) -> std::io::Result<()> {
    for m in motifs {
        match &m.alt_name {
            Some(a) => writeln!(w, ">{}\t{a}", m.id)?,
            None => writeln!(w, ">{}", m.id)?,
        }
        let scale = match m.kind {
            MatrixKind::Counts => 1.0,
            MatrixKind::Probabilities => m.nsites.unwrap_or(20.0),
        };
        for (a, letter) in ALPHABET.iter().enumerate() {
            write!(w, "{}  [", *letter as char)?;
            for r in &m.rows {
                write!(w, " {:>6}", fmt_num(r[a] * scale, decimals))?;
            }
            writeln!(w, " ]")?;
        }
    }
    Ok(())
}
