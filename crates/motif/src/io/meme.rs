//! MEME minimal motif format: strict files (`MEME version`, `ALPHABET=`, `strands:`,
//! `Background letter frequencies`) and loose ones that only have `MOTIF` blocks with a
//! `letter-probability matrix:` line, possibly tab-separated.

use super::{Lines, MotifSet, fmt_num, normalise_rows, parse_numbers, push_unique};
use crate::background::Background;
use crate::error::MotifError;
use crate::motif::{MatrixKind, Motif, letter_index};
use std::io::{BufRead, Write};
use std::path::Path;

/// Read MEME-format motifs. Rows not summing to 1 (within 1e-5) are normalised with a
/// warning; ragged or non-numeric rows, a non-DNA alphabet and a `MOTIF` without matrix
/// are errors naming `source_name` and the line. A repeated ID keeps the first motif.
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
            let alt = it.next().map(str::to_string);
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
                Some((_, v)) => Some(
                    v.parse::<usize>()
                        .map_err(|_| lines.err(format!("bad width w= {v}")))?,
                ),
                None => None,
            };
            if let Some((_, v)) = kv.iter().find(|(k, _)| k == "nsites") {
                m.nsites = Some(
                    v.parse()
                        .map_err(|_| lines.err(format!("bad nsites= {v}")))?,
                );
            }
            if let Some((_, v)) = kv.iter().find(|(k, _)| k == "E") {
                m.evalue = v.parse().ok();
            }
            m.rows = read_rows(&mut lines, w)?;
            *has = true;
        } else if let Some(rest) = t.strip_prefix("log-odds matrix:") {
            let kv = parse_keys(rest);
            let w = kv
                .iter()
                .find(|(k, _)| k == "w")
                .and_then(|(_, v)| v.parse::<usize>().ok());
            let _ = read_rows(&mut lines, w)?;
        } else if let Some(rest) = t.strip_prefix("URL") {
            if let Some((m, _, _)) = current.as_mut() {
                m.url = Some(rest.trim().to_string());
            }
        }
    }
    finish(current.take(), &mut set, &mut seen)?;
    Ok(set)
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
    let mut rows = Vec::with_capacity(w.unwrap_or(16));
    while w.is_none_or(|w| rows.len() < w) {
        let Some(l) = lines.next_line()? else { break };
        let t = l.trim();
        if t.is_empty() {
            if w.is_none() && !rows.is_empty() {
                break;
            }
            continue;
        }
        let numeric_start =
            t.starts_with(|c: char| c.is_ascii_digit() || c == '.' || c == '-' || c == '+');
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
            return Err(lines.err(format!("non-numeric matrix row {t:?}")));
        };
        if v.len() != 4 {
            return Err(lines.err(format!(
                "ragged matrix row: expected 4 values, found {}",
                v.len()
            )));
        }
        if v.iter().any(|&x| x < 0.0) {
            return Err(lines.err(format!("negative value in matrix row {t:?}")));
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
