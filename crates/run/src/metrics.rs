//! `metrics.tsv`: `class, auroc, auprc, pearson, spearman, mse`, one row per class and a
//! final `macro` row; undefined values (AUROC of a class without positives) are `NA`.

use crate::{Result, file_error};
use explainn_nn::metrics::ClassMetrics;
use std::io::Write;
use std::path::Path;

/// The header line.
pub const HEADER: &str = "class\tauroc\tauprc\tpearson\tspearman\tmse";

/// Per-class metrics and their macro average, by class name.
#[derive(Debug, Clone, PartialEq)]
pub struct MetricsTable {
    /// (class name, metrics), in the model's class order.
    pub classes: Vec<(String, ClassMetrics)>,
    /// The macro average over classes where each metric is defined.
    pub macro_avg: ClassMetrics,
}

/// A metric as written: six decimals, `NA` for NaN.
pub fn format_value(v: f64) -> String {
    if v.is_nan() {
        "NA".into()
    } else {
        format!("{v:.6}")
    }
}

fn row(name: &str, m: &ClassMetrics) -> String {
    format!(
        "{name}\t{}\t{}\t{}\t{}\t{}",
        format_value(m.auroc),
        format_value(m.auprc),
        format_value(m.pearson),
        format_value(m.spearman),
        format_value(m.mse)
    )
}

impl MetricsTable {
    /// The table as text (header, one row per class, `macro`).
    pub fn to_tsv(&self) -> String {
        let mut s = format!("{HEADER}\n");
        for (name, m) in &self.classes {
            s.push_str(&row(name, m));
            s.push('\n');
        }
        s.push_str(&row("macro", &self.macro_avg));
        s.push('\n');
        s
    }

    /// Write the table.
    pub fn write(&self, mut w: impl Write) -> std::io::Result<()> {
        w.write_all(self.to_tsv().as_bytes())
    }

    /// Read `metrics.tsv`; errors name the file and line.
    pub fn read(path: &Path) -> Result<Self> {
        let text = std::fs::read_to_string(path).map_err(|e| file_error(path, e))?;
        let mut lines = text.lines();
        if lines.next() != Some(HEADER) {
            return Err(file_error(
                path,
                format!("line 1: expected the header `{HEADER}`"),
            ));
        }
        let mut classes = Vec::new();
        let mut macro_avg = None;
        for (i, l) in lines.enumerate().filter(|(_, l)| !l.is_empty()) {
            let bad = || {
                file_error(
                    path,
                    format!("line {}: expected a name and 5 values", i + 2),
                )
            };
            let f: Vec<&str> = l.split('\t').collect();
            if f.len() != 6 {
                return Err(bad());
            }
            let num = |s: &str| -> Result<f64> {
                if s == "NA" {
                    Ok(f64::NAN)
                } else {
                    s.parse().map_err(|_| bad())
                }
            };
            let m = ClassMetrics {
                auroc: num(f[1])?,
                auprc: num(f[2])?,
                pearson: num(f[3])?,
                spearman: num(f[4])?,
                mse: num(f[5])?,
            };
            if f[0] == "macro" {
                macro_avg = Some(m);
            } else {
                classes.push((f[0].to_string(), m));
            }
        }
        let macro_avg = macro_avg.ok_or_else(|| file_error(path, "no `macro` row"))?;
        Ok(Self { classes, macro_avg })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_written_table_reads_back_to_the_same_text() {
        let m = |v: f64| ClassMetrics {
            auroc: v,
            auprc: f64::NAN,
            pearson: 0.5,
            spearman: -0.25,
            mse: 1.0 / 3.0,
        };
        let t = MetricsTable {
            classes: vec![("GATA".into(), m(0.9)), ("TAL1".into(), m(f64::NAN))],
            macro_avg: m(0.9),
        };
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("metrics.tsv");
        std::fs::write(&p, t.to_tsv()).unwrap();
        let back = MetricsTable::read(&p).unwrap();
        assert_eq!(back.to_tsv(), t.to_tsv());
        assert_eq!(back.classes[0].0, "GATA");
        assert!(back.classes[1].1.auroc.is_nan());
        std::fs::write(&p, format!("{HEADER}\nGATA\t1\t1\t1\t1\t1\n")).unwrap();
        assert!(
            MetricsTable::read(&p)
                .unwrap_err()
                .to_string()
                .contains("macro")
        );
    }
}
