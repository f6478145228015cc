//! MEME minimal motif format: strict files (`MEME version`, `ALPHABET=`, `strands:`,
//! `Background letter frequencies`) and loose ones that only have `MOTIF` blocks with a
//! `letter-probability matrix:` line, possibly tab-separated.
//!
//! The MEME suite's own dialects read too: full `meme.txt` output and `MEME version 3`
//! files, whose `MOTIF` lines carry `width = … E-value = …` statistics instead of an
//! alternative name, whose motifs have a `log-odds matrix:` section (before or after the
//! probabilities; skipped, its values may be negative), `BL   MOTIF` (BLOCKS) sections,
//! `URL` lines, `n=` instead of `nsites=`, and E-values in any exponent form (`1.4e-034`,
//! `2e+03`, `1e-1200` reads as 0). Everything outside a `letter-probability matrix:` block
//! that is not one of the keywords is ignored.

use super::{Lines, MotifSet, fmt_num, normalise_rows, parse_numbers, push_unique};
use crate::background::Background;
use crate::error::MotifError;
use crate::motif::{MatrixKind, Motif, letter_index};
use std::io::{BufRead, Write};
use std::path::Path;

/// Read MEME-format motifs (any of the dialects in the module documentation). Rows not
/// summing to 1 (within 1e-5) are normalised, and all-zero rows set to uniform, with a
/// warning; ragged or non-numeric rows, a non-DNA alphabet and a `MOTIF` without matrix
/// are errors naming `source_name` and the line. A repeated ID keeps the first motif.
///
/// ```
/// let text = "MEME version 5\n\nALPHABET= ACGT\n\nMOTIF m1 alt\n\
///     letter-probability matrix: alength= 4 w= 2 nsites= 20\n\
///     0.7 0.1 0.1 0.1\n0.1 0.1 0.1 0.7\n";
/// let set = explainn_motif::io::meme::read_meme(&mut text.as_bytes(), "inline").unwrap();
/// assert_eq!(set.motifs[0].id, "m1");
/// assert_eq!(set.motifs[0].consensus(), "AT");
/// ```
pub fn read_meme(reader: &mut impl BufRead, source_name: &str) -> Result<MotifSet, MotifError> {
    let mut lines = Lines::new(reader, source_name);
    let mut set = MotifSet::default();
    let mut seen = std::collections::HashSet::new();
    let mut current: Option<(Motif, usize, bool)> = None; // motif, line of MOTIF, has matrix
    let finish = |cur: Option<(Motif, usize, bool)>,
                  set: &mut MotifSet,
                  seen: &mut std::collections::HashSet<String>|
     -> Result<(), MotifError> {
        if let Some((mut m, line, has)) = cur {
            if !has {
                return Err(MotifError::parse(
                    source_name,
                    line,
                    format!("motif {} has no letter-probability matrix", m.id),
                ));
            }
            normalise_rows(&mut m, source_name, line, &mut set.warnings);
            push_unique(set, seen, m, source_name, line);
        }
        Ok(())
    };
    while let Some(line) = lines.next_line()? {
        let t = line.trim();
        if t.is_empty() {
            continue;
        }
        if let Some(rest) = t.strip_prefix("ALPHABET") {
            let rest = rest.trim_start();
            if let Some(v) = rest.strip_prefix('=') {
                let v = v.trim();
                if !v.eq_ignore_ascii_case("ACGT") && !v.eq_ignore_ascii_case("ACGU") {
                    return Err(lines.err(format!(
                        "only the DNA alphabet ACGT is supported, found {v:?}"
                    )));
                }
            } else {
                // MEME 5 custom alphabet definition: accept DNA-like ones, skip the block.
                let dna_like = rest.contains("DNA");
                while let Some(l) = lines.next_line()? {
                    if l.trim_start().starts_with("END ALPHABET") {
                        break;
                    }
                }
                if !dna_like {
                    return Err(lines.err("only DNA alphabets are supported"));
                }
            }
        } else if t.starts_with("Background letter frequencies") {
            let line_no = lines.line_no;
            let mut tokens: Vec<String> = Vec::new();
            let mut freqs = [f64::NAN; 4];
            let mut found = 0;
            while found < 4 {
                let Some(l) = lines.next_line()? else { break };
                if l.trim().is_empty() || l.trim_start().starts_with("MOTIF") {
                    lines.push_back();
                    break;
                }
                tokens.extend(l.split_whitespace().map(str::to_string));
                found = 0;
                for pair in tokens.chunks_exact(2) {
                    let Some(i) = (pair[0].len() == 1)
                        .then(|| letter_index(pair[0].as_bytes()[0]))
                        .flatten()
                    else {
                        return Err(lines.err(format!("bad background letter {:?}", pair[0])));
                    };
                    freqs[i] = pair[1].parse().map_err(|_| {
                        lines.err(format!("bad background frequency {:?}", pair[1]))
                    })?;
                    found += 1;
                }
            }
            if freqs.iter().any(|x| x.is_nan()) {
                return Err(MotifError::parse(
                    source_name,
                    line_no,
                    "background must give A, C, G and T",
                ));
            }
            set.background = Some(Background(freqs));
        } else if let Some(rest) = t.strip_prefix("MOTIF") {
            finish(current.take(), &mut set, &mut seen)?;
            let mut it = rest.split_whitespace();
            let Some(id) = it.next() else {
                return Err(lines.err("MOTIF line without an ID"));
            };
            // `MOTIF 1\twidth = 15 sites = 20 …` (MEME 3/4 output): statistics, no name.
            let alt = it
                .next()
                .filter(|a| !a.contains('=') && *a != "width")
                .map(str::to_string);
            let mut m = Motif::new(id, Vec::new(), MatrixKind::Probabilities);
            m.alt_name = alt;
            current = Some((m, lines.line_no, false));
        } else if let Some(rest) = t.strip_prefix("letter-probability matrix:") {
            let Some((m, _, has)) = current.as_mut() else {
                return Err(lines.err("letter-probability matrix outside a MOTIF"));
            };
            if *has {
                return Err(lines.err(format!(
                    "motif {} has two letter-probability matrices",
                    m.id
                )));
            }
            let kv = parse_keys(rest);
            if let Some(a) = kv.iter().find(|(k, _)| k == "alength") {
                if a.1.parse::<f64>().ok() != Some(4.0) {
                    return Err(lines.err(format!("alength must be 4, found {}", a.1)));
                }
            }
            let w = match kv.iter().find(|(k, _)| k == "w") {
                Some((_, v)) => {
                    Some(parse_count(v).ok_or_else(|| lines.err(format!("bad width w= {v}")))?)
                }
                None => None,
            };
            // MEME 3 writes the number of sites as `n=`.
            if let Some((k, v)) = kv
                .iter()
                .find(|(k, _)| k == "nsites")
                .or_else(|| kv.iter().find(|(k, _)| k == "n"))
            {
                m.nsites = Some(
                    v.parse::<f64>()
                        .ok()
                        .filter(|x| x.is_finite() && *x >= 0.0)
                        .ok_or_else(|| lines.err(format!("bad {k}= {v}")))?,
                );
            }
            if let Some((_, v)) = kv.iter().find(|(k, _)| k == "E") {
                m.evalue = v.parse().ok();
            }
            m.rows = read_rows(&mut lines, w)?;
            *has = true;
        } else if let Some(rest) = t.strip_prefix("log-odds matrix:") {
            // Scores, not probabilities (negative values are normal): skipped.
            let kv = parse_keys(rest);
            let w = kv
                .iter()
                .find(|(k, _)| k == "w")
                .and_then(|(_, v)| parse_count(v));
            skip_numeric_rows(&mut lines, w)?;
        } else if let Some(rest) = t.strip_prefix("URL") {
            if let Some((m, _, _)) = current.as_mut() {
                m.url = Some(rest.trim().to_string());
            }
        }
    }
    finish(current.take(), &mut set, &mut seen)?;
    Ok(set)
}

/// A whole number written as `12` or `12.0`.
fn parse_count(v: &str) -> Option<usize> {
    v.parse::<usize>().ok().or_else(|| {
        v.parse::<f64>()
            .ok()
            .filter(|x| x.fract() == 0.0 && *x >= 0.0 && *x < 1e9)
            .map(|x| x as usize)
    })
}

/// Skip the rows of a section that is not a probability matrix (a log-odds matrix): up to
/// `w` lines of numbers (blank lines skipped), or, with no width, up to the first line that
/// is not numbers, which is left for the caller.
fn skip_numeric_rows<R: BufRead>(
    lines: &mut Lines<'_, R>,
    w: Option<usize>,
) -> Result<(), MotifError> {
    let mut n = 0;
    while w.is_none_or(|w| n < w) {
        let Some(l) = lines.next_line()? else { break };
        let t = l.trim();
        if t.is_empty() {
            if w.is_none() && n > 0 {
                break;
            }
            continue;
        }
        if parse_numbers(t).is_none() {
            lines.push_back();
            break;
        }
        n += 1;
    }
    Ok(())
}

/// `key= value` pairs of a matrix header line (`alength= 4 w= 8 nsites= 20 E= 0`).
fn parse_keys(s: &str) -> Vec<(String, String)> {
    let toks: Vec<&str> = s.split_whitespace().collect();
    let mut out = Vec::new();
    let mut i = 0;
    while i < toks.len() {
        if let Some((k, v)) = toks[i].split_once('=') {
            if v.is_empty() {
                if i + 1 < toks.len() {
                    out.push((k.to_string(), toks[i + 1].to_string()));
                    i += 1;
                }
            } else {
                out.push((k.to_string(), v.to_string()));
            }
        }
        i += 1;
    }
    out
}

/// Read `w` matrix rows (blank lines skipped), or, with no width, rows up to the first
/// line that is not numeric.
fn read_rows<R: BufRead>(
    lines: &mut Lines<'_, R>,
    w: Option<usize>,
) -> Result<Vec<[f64; 4]>, MotifError> {
    // `w=` comes from the file: reserve for it only up to a sane width.
    let mut rows = Vec::with_capacity(w.unwrap_or(16).min(1024));
    while w.is_none_or(|w| rows.len() < w) {
        let Some(l) = lines.next_line()? else { break };
        let t = l.trim();
        if t.is_empty() {
            if w.is_none() && !rows.is_empty() {
                break;
            }
            continue;
        }
        // A number starts with a digit, or a sign or point followed by one (a line of
        // dashes, as MEME's own output draws under a matrix, is not a row).
        let mut chars = t.chars();
        let numeric_start = match chars.next() {
            Some(c) if c.is_ascii_digit() => true,
            Some('.' | '-' | '+') => chars.next().is_some_and(|c| c.is_ascii_digit() || c == '.'),
            _ => false,
        };
        if !numeric_start {
            if w.is_none() {
                lines.push_back();
                break;
            }
            return Err(lines.err(format!(
                "expected {} matrix rows, found {} before {t:?}",
                w.unwrap(),
                rows.len()
            )));
        }
        let Some(v) = parse_numbers(t) else {
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
                "negative value in letter-probability matrix row {:?}",
                super::excerpt(t)
            )));
        }
        rows.push([v[0], v[1], v[2], v[3]]);
    }
    if let Some(w) = w {
        if rows.len() < w {
            return Err(lines.err(format!("expected {w} matrix rows, found {}", rows.len())));
        }
    }
    if rows.is_empty() {
        return Err(lines.err("empty matrix"));
    }
    Ok(rows)
}

/// [`read_meme`] on a path (plain or `.gz`).
pub fn read_meme_file(path: impl AsRef<Path>) -> Result<MotifSet, MotifError> {
    let path = path.as_ref();
    read_meme(&mut super::open(path)?, &path.display().to_string())
}

/// Write a strict MEME version 4 file (DNA alphabet, both strands, the given background
/// or uniform). Count matrices are written as probabilities with `nsites` set from the
/// counts. `decimals`: `None` writes every number in its shortest exact form (reading it
/// back gives the same values); `Some(6)` gives the usual `0.250000` look.
pub fn write_meme(
    w: &mut impl Write,
    motifs: &[Motif],
    background: Option<&Background>,
    decimals: Option<usize>,
) -> std::io::Result<()> {
    let bg = background.copied().unwrap_or_default();
    writeln!(
        w,
        "MEME version 4\n\nALPHABET= ACGT\n\nstrands: + -\n\nBackground letter frequencies"
    )?;
    writeln!(
        w,
        "A {} C {} G {} T {}\n",
        fmt_num(bg.0[0], decimals),
        fmt_num(bg.0[1], decimals),
        fmt_num(bg.0[2], decimals),
        fmt_num(bg.0[3], decimals)
    )?;
    for m in motifs {
        let p = if m.kind == MatrixKind::Counts {
            m.to_probabilities()
        } else {
            m.clone()
        };
        match &p.alt_name {
            Some(a) => writeln!(w, "MOTIF {} {a}", p.id)?,
            None => writeln!(w, "MOTIF {}", p.id)?,
        }
        write!(w, "letter-probability matrix: alength= 4 w= {}", p.width())?;
        if let Some(n) = p.nsites {
            write!(w, " nsites= {n}")?;
        }
        if let Some(e) = p.evalue {
            write!(w, " E= {e}")?;
        }
        writeln!(w)?;
        for r in &p.rows {
            writeln!(
                w,
                " {}  {}  {}  {}",
                fmt_num(r[0], decimals),
                fmt_num(r[1], decimals),
                fmt_num(r[2], decimals),
                fmt_num(r[3], decimals)
            )?;
        }
        if let Some(u) = &p.url {
            writeln!(w, "URL {u}")?;
        }
        writeln!(w)?;
    }
    Ok(())
}
