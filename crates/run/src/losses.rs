//! `losses.tsv`: `epoch, train_loss, validation_loss, seconds`, one row per epoch.

use crate::{Result, file_error};
use explainn_nn::EpochLosses;
use std::io::Write;
use std::path::Path;

/// The header line.
pub const HEADER: &str = "epoch\ttrain_loss\tvalidation_loss\tseconds";

/// Write the losses of every epoch (losses with full precision, seconds to the ms).
pub fn write(mut w: impl Write, history: &[EpochLosses]) -> std::io::Result<()> {
    writeln!(w, "{HEADER}")?;
    for e in history {
        writeln!(
            w,
            "{}\t{}\t{}\t{:.3}",
            e.epoch, e.train_loss, e.validation_loss, e.seconds
        )?;
    }
    Ok(())
}

/// Read `losses.tsv`; errors name the file and line.
pub fn read(path: &Path) -> Result<Vec<EpochLosses>> {
    let text = std::fs::read_to_string(path).map_err(|e| file_error(path, e))?;
    let mut lines = text.lines();
    if lines.next() != Some(HEADER) {
        return Err(file_error(
            path,
            format!("line 1: expected the header `{HEADER}`"),
        ));
    }
    lines
        .enumerate()
        .filter(|(_, l)| !l.is_empty())
        .map(|(i, l)| {
            let bad = || file_error(path, format!("line {}: expected 4 numeric fields", i + 2));
            let f: Vec<&str> = l.split('\t').collect();
            if f.len() != 4 {
                return Err(bad());
            }
            let num = |s: &str| s.parse::<f64>().map_err(|_| bad());
            Ok(EpochLosses {
                epoch: f[0].parse().map_err(|_| bad())?,
                train_loss: num(f[1])?,
                validation_loss: num(f[2])?,
                seconds: num(f[3])?,
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_and_errors_name_the_line() {
        let h = vec![
            EpochLosses {
                epoch: 1,
                train_loss: 0.693_147_180_559_945_3,
                validation_loss: 0.5,
                seconds: 1.25,
            },
            EpochLosses {
                epoch: 2,
                train_loss: 0.25,
                validation_loss: 0.125,
                seconds: 2.0,
            },
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
    }
}
