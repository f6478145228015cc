//! `losses.tsv`: `epoch, train_loss, validation_loss, seconds`, then one column per extra
//! term of the training objective (its label, e.g. `overlap` or `l1(scanner.weight)`;
//! unweighted epoch means, `NA` in epochs where the term's weight is 0) and
//! `skipped_batches` (batches whose loss was not finite), one row per epoch. Files of
//! earlier versions, with the first four columns only, still read.

use crate::{Result, file_error};
use explainn_nn::EpochLosses;
use std::io::Write;
use std::path::Path;

/// The first line's fixed columns.
pub const HEADER: &str = "epoch\ttrain_loss\tvalidation_loss\tseconds";

/// The last column's name.
const SKIPPED: &str = "skipped_batches";

/// Write the losses of every epoch (losses with full precision, seconds to the ms). The
/// term columns are those of the first epoch.
pub fn write(mut w: impl Write, history: &[EpochLosses]) -> std::io::Result<()> {
    let labels: Vec<&str> = history.first().map_or(Vec::new(), |e| {
        e.terms.iter().map(|(l, _)| l.as_str()).collect()
    });
    write!(w, "{HEADER}")?;
    for l in &labels {
        write!(w, "\t{l}")?;
    }
    writeln!(w, "\t{SKIPPED}")?;
    for e in history {
        write!(
            w,
            "{}\t{}\t{}\t{:.3}",
            e.epoch, e.train_loss, e.validation_loss, e.seconds
        )?;
        for (_, v) in &e.terms {
            if v.is_nan() {
                write!(w, "\tNA")?;
            } else {
                write!(w, "\t{v}")?;
            }
        }
        writeln!(w, "\t{}", e.skipped)?;
    }
    Ok(())
}

/// Read `losses.tsv`; errors name the file and line.
pub fn read(path: &Path) -> Result<Vec<EpochLosses>> {
    let text = std::fs::read_to_string(path).map_err(|e| file_error(path, e))?;
    let mut lines = text.lines();
    let header = lines.next().unwrap_or("");
    let Some(rest) = header.strip_prefix(HEADER) else {
        return Err(file_error(
            path,
            format!("line 1: expected the header to start with `{HEADER}`"),
        ));
    };
    let mut extra: Vec<&str> = rest.split('\t').skip(1).collect();
    let counted = extra.last() == Some(&SKIPPED);
    if counted {
        extra.pop();
    }
    let fields = 4 + extra.len() + counted as usize;
    lines
        .enumerate()
        .filter(|(_, l)| !l.is_empty())
        .map(|(i, l)| {
            let bad = || {
                file_error(
                    path,
                    format!(
                        "line {}: expected {fields} tab-separated numeric fields",
                        i + 2
                    ),
                )
            };
            let f: Vec<&str> = l.split('\t').collect();
            if f.len() != fields {
                return Err(bad());
            }
            let num = |s: &str| match s {
                "NA" => Ok(f64::NAN),
                s => s.parse::<f64>().map_err(|_| bad()),
            };
            let mut e = EpochLosses::new(
                f[0].parse().map_err(|_| bad())?,
                num(f[1])?,
                num(f[2])?,
                num(f[3])?,
            );
            for (k, name) in extra.iter().enumerate() {
                e.terms.push((name.to_string(), num(f[4 + k])?));
            }
            if counted {
                e.skipped = f[fields - 1].parse().map_err(|_| bad())?;
            }
            Ok(e)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_and_errors_name_the_line() {
        let h = vec![
            EpochLosses::new(1, 0.693_147_180_559_945_3, 0.5, 1.25),
            EpochLosses::new(2, 0.25, 0.125, 2.0),
        ];
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("losses.tsv");
        let mut buf = Vec::new();
        write(&mut buf, &h).unwrap();
        std::fs::write(&p, &buf).unwrap();
        assert_eq!(read(&p).unwrap(), h);
        std::fs::write(&p, format!("{HEADER}\n1\t0.5\tx\t1\n")).unwrap();
        let e = read(&p).unwrap_err().to_string();
        assert!(e.contains("line 2"), "{e}");
        // A file of an earlier version (four columns) still reads.
        std::fs::write(&p, format!("{HEADER}\n1\t0.5\t0.25\t1\n")).unwrap();
        assert_eq!(read(&p).unwrap(), vec![EpochLosses::new(1, 0.5, 0.25, 1.0)]);
    }

    #[test]
    fn term_columns_and_skipped_batches_round_trip() {
        let mut h = vec![
            EpochLosses::new(1, 0.5, 0.5, 1.0),
            EpochLosses::new(2, 0.25, 0.125, 2.0),
        ];
        h[0].terms = vec![("overlap".into(), f64::NAN), ("l1(w)".into(), 3.5)];
        h[1].terms = vec![("overlap".into(), 0.75), ("l1(w)".into(), 3.0)];
        h[1].skipped = 2;
        let mut buf = Vec::new();
        write(&mut buf, &h).unwrap();
        let text = String::from_utf8(buf).unwrap();
        assert!(
            text.starts_with(&format!(
                "{HEADER}\toverlap\tl1(w)\tskipped_batches\n1\t0.5\t0.5\t1.000\tNA\t3.5\t0\n"
            )),
            "{text}"
        );
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("losses.tsv");
        std::fs::write(&p, &text).unwrap();
        let back = read(&p).unwrap();
        assert!(back[0].terms[0].1.is_nan());
        assert_eq!(back[1], h[1]);
        assert_eq!(back[0].terms[1], h[0].terms[1]);
    }
}
