//! Position-per-row matrices: `>ID [description]` followed by W rows of four numbers
//! (A, C, G, T), each optionally preceded by a letter (IUPAC consensus), as in HOCOMOCO
//! PCM/PFM files and the ENCODE motif collection.

use super::{
    Lines, MotifSet, fmt_num, normalise_rows, parse_numbers, push_unique, warn_zero_count_rows,
};
use crate::error::MotifError;
use crate::motif::{MatrixKind, Motif};
use std::io::{BufRead, Write};
use std::path::Path;

/// Read position-per-row matrices. A motif whose rows all sum to 1 within 0.01 is a
/// probability matrix (rows off by more than 1e-5 are normalised with a warning); otherwise
/// it is a count matrix. Ragged or non-numeric rows are errors naming source and line; a
/// repeated ID keeps the first motif.
pub fn read_hocomoco(reader: &mut impl BufRead, source_name: &str) -> Result<MotifSet, MotifError> {
    let mut lines = Lines::new(reader, source_name);
    let mut set = MotifSet::default();
    let mut seen = std::collections::HashSet::new();
    let mut current: Option<(Motif, usize)> = None;
    let mut finish = |cur: Option<(Motif, usize)>, set: &mut MotifSet| -> Result<(), MotifError> {
        if let Some((mut m, line)) = cur {
            if m.rows.is_empty() {
                return Err(MotifError::parse(
                    source_name,
                    line,
                    format!("motif {} has no rows", m.id),
                ));
            }
            if m.rows
                .iter()
                .all(|r| (r.iter().sum::<f64>() - 1.0).abs() <= 0.01)
            {
                m.kind = MatrixKind::Probabilities;
                normalise_rows(&mut m, source_name, line, &mut set.warnings);
            } else {
                warn_zero_count_rows(&m, source_name, line, &mut set.warnings);
            }
            push_unique(set, &mut seen, m, source_name, line);
        }
        Ok(())
    };
    while let Some(line) = lines.next_line()? {
        let t = line.trim();
        if t.is_empty() {
            continue;
        }
        if let Some(h) = t.strip_prefix('>') {
            finish(current.take(), &mut set)?;
            let h = h.trim();
            let (id, alt) = match h.split_once(char::is_whitespace) {
                Some((id, rest)) => (id, Some(rest.trim().to_string()).filter(|s| !s.is_empty())),
                None => (h, None),
            };
            if id.is_empty() {
                return Err(lines.err("header without an ID"));
            }
            let mut m = Motif::new(id, Vec::new(), MatrixKind::Counts);
            m.alt_name = alt;
            current = Some((m, lines.line_no));
            continue;
        }
        let Some((m, _)) = current.as_mut() else {
            return Err(lines.err(format!("expected a `>ID` header, found {t:?}")));
        };
        let nums = match t.chars().next() {
            Some(c) if c.is_ascii_alphabetic() => &t[1..],
            _ => t,
        };
        let Some(v) = parse_numbers(nums) else {
            if t.len() > 8 && t.bytes().all(|b| b.is_ascii_alphabetic()) {
                return Err(lines.err(format!(
                    "a sequence of {} letters, not a matrix row: is this a FASTA file rather than motifs?",
                    t.len()
                )));
            }
            return Err(lines.err(format!("non-numeric matrix row {:?}", super::excerpt(t))));
        };
        if v.len() != 4 {
            return Err(lines.err(format!(
                "ragged matrix row: expected 4 values, found {}",
                v.len()
            )));
        }
        if v.iter().any(|&x| x < 0.0) {
            return Err(lines.err(format!(
                "negative value in matrix row {:?}",
                super::excerpt(t)
            )));
        }
        m.rows.push([v[0], v[1], v[2], v[3]]);
    }
    finish(current.take(), &mut set)?;
    Ok(set)
}

/// [`read_hocomoco`] on a path (plain or `.gz`).
pub fn read_hocomoco_file(path: impl AsRef<Path>) -> Result<MotifSet, MotifError> {
    let path = path.as_ref();
    read_hocomoco(&mut super::open(path)?, &path.display().to_string())
}

/// Write position-per-row matrices: `>ID[ description]`, then one tab-separated row of
/// A, C, G, T per position (shortest exact numbers with `decimals = None`).
pub fn write_hocomoco(
    w: &mut impl Write,
    motifs: &[Motif],
    decimals: Option<usize>,
) -> std::io::Result<()> {
    for m in motifs {
        match &m.alt_name {
            Some(a) => writeln!(w, ">{} {a}", m.id)?,
            None => writeln!(w, ">{}", m.id)?,
        }
        for r in &m.rows {
            let s: Vec<String> = r.iter().map(|&x| fmt_num(x, decimals)).collect();
            writeln!(w, "{}", s.join("\t"))?;
        }
    }
    Ok(())
}
