//! The TSV outputs of `explainn interpret` (writers) and the tables the report reads back
//! (`annotation.tsv`, `weights.tsv`, `importance.tsv`, `importance.long.tsv.gz`, and
//! `losses.tsv` / `metrics.tsv` from `explainn train` / `test`). Numbers are written in
//! Rust's shortest round-trip form; missing values as `NA`.

use crate::activations::UnitScan;
use crate::annotate::UnitAnnotation;
use crate::importance::Importance;
use crate::{InterpretError, Result};
use std::collections::HashMap;
use std::io::{BufRead, Write};
use std::path::Path;

fn num(v: f64) -> String {
    format_number(v, None)
}

/// A table cell: `v` in its shortest exact form, or with `decimals` places; `NA` when it
/// is not finite.
pub fn format_number(v: f64, decimals: Option<usize>) -> String {
    match (v.is_finite(), decimals) {
        (false, _) => "NA".into(),
        (true, None) => format!("{v}"),
        (true, Some(d)) => format!("{v:.d$}"),
    }
}

/// `weights.tsv`: `unit, label, <class…>`; row u holds the final-layer column W[:, u].
pub fn write_weights(
    w: &mut impl Write,
    weights: &[f32],
    class_names: &[String],
    ann: &[UnitAnnotation],
) -> std::io::Result<()> {
    let units = ann.len();
    writeln!(w, "unit\tlabel\t{}", class_names.join("\t"))?;
    for a in ann {
        write!(w, "unit{}\t{}", a.unit, a.label)?;
        for c in 0..class_names.len() {
            write!(w, "\t{}", weights[c * units + a.unit])?;
        }
        writeln!(w)?;
    }
    Ok(())
}

/// `importance.tsv`: `unit, label, n_activating, <class…>` (median importance), rows by
/// decreasing overall importance (largest |median| over classes).
pub fn write_importance(
    w: &mut impl Write,
    imp: &Importance,
    class_names: &[String],
    ann: &[UnitAnnotation],
) -> std::io::Result<()> {
    writeln!(w, "unit\tlabel\tn_activating\t{}", class_names.join("\t"))?;
    for u in imp.order() {
        write!(w, "unit{u}\t{}\t{}", ann[u].label, imp.n_activating[u])?;
        for c in 0..imp.classes {
            write!(w, "\t{}", num(imp.get(u, c)))?;
        }
        writeln!(w)?;
    }
    Ok(())
}

/// `importance.long.tsv` (gzip it): `unit, sequence, strand, class, importance`, one row
/// per activating (sequence, strand) and class; `ids` names the scanned sequences.
pub fn write_importance_long(
    w: &mut impl Write,
    scan: &UnitScan,
    weights: &[f32],
    class_names: &[String],
    ids: &[&str],
) -> std::io::Result<()> {
    let units = scan.activating.len();
    writeln!(w, "unit\tsequence\tstrand\tclass\timportance")?;
    for (u, acts) in scan.activating.iter().enumerate() {
        for a in acts {
            let strand = if a.reverse { '-' } else { '+' };
            for (c, name) in class_names.iter().enumerate() {
                let v = a.output * weights[c * units + u];
                writeln!(w, "unit{u}\t{}\t{strand}\t{name}\t{v}", ids[a.seq as usize])?;
            }
        }
    }
    Ok(())
}

/// Header of `annotation.tsv`.
pub const ANNOTATION_HEADER: &str = "unit\tlabel\ttarget_id\ttf_name\ttf_class\ttf_family\tq_value\te_value\tnsites\tmax_activation\tflag";

/// `annotation.tsv`: one row per unit in unit order; `flag` is `no_sites` for units whose
/// PWM is uniform because no window passed the threshold.
pub fn write_annotation(
    w: &mut impl Write,
    ann: &[UnitAnnotation],
    max_activation: &[f32],
) -> std::io::Result<()> {
    writeln!(w, "{ANNOTATION_HEADER}")?;
    for a in ann {
        let (t, n, cl, fa, q, e) = match &a.best {
            Some(b) => (
                b.target_id.as_str(),
                b.tf_name.as_str(),
                b.class.as_str(),
                b.family.as_str(),
                num(b.q_value),
                num(b.e_value),
            ),
            None => ("NA", "NA", "NA", "NA", "NA".into(), "NA".into()),
        };
        let flag = if a.nsites == 0 { "no_sites" } else { "" };
        writeln!(
            w,
            "unit{}\t{}\t{t}\t{n}\t{cl}\t{fa}\t{q}\t{e}\t{}\t{}\t{flag}",
            a.unit,
            a.label,
            a.nsites,
            num(max_activation[a.unit] as f64)
        )?;
    }
    Ok(())
}

/// A TSV file read whole: its header fields and rows (fields per row). `.gz` is detected
/// by magic bytes.
#[derive(Debug, Clone)]
pub struct TsvTable {
    pub header: Vec<String>,
    pub rows: Vec<Vec<String>>,
}

impl TsvTable {
    /// Read `path`.
    pub fn read(path: &Path) -> Result<Self> {
        let bad = |msg: String| InterpretError::Table {
            path: path.display().to_string(),
            msg,
        };
        let r = explainn_seq::records::open_decompressed(path).map_err(|e| bad(e.to_string()))?;
        let mut lines = r.lines();
        let line_error = |n: usize, e: std::io::Error| {
            bad(format!(
                "line {n}: {e} (is this a tab-separated text table?)"
            ))
        };
        let header: Vec<String> = match lines.next() {
            Some(l) => l
                .map_err(|e| line_error(1, e))?
                .split('\t')
                .map(String::from)
                .collect(),
            None => return Err(bad("empty file".into())),
        };
        let mut rows = Vec::new();
        for (i, l) in lines.enumerate() {
            let l = l.map_err(|e| line_error(i + 2, e))?;
            if !l.is_empty() {
                rows.push(l.split('\t').map(String::from).collect());
            }
        }
        Ok(Self { header, rows })
    }

    /// Index of a header column.
    pub fn column(&self, name: &str) -> Option<usize> {
        self.header.iter().position(|h| h == name)
    }

    /// Field `col` of row `r` as a number (NaN when missing or not a number).
    pub fn number(&self, r: usize, col: usize) -> f64 {
        self.rows[r]
            .get(col)
            .and_then(|s| s.parse().ok())
            .unwrap_or(f64::NAN)
    }
}

/// Parse `unitN` into N.
pub fn unit_index(s: &str) -> Option<usize> {
    s.strip_prefix("unit")?.parse().ok()
}

/// One unit's row of `annotation.tsv`.
#[derive(Debug, Clone)]
pub struct AnnotationRow {
    pub unit: usize,
    pub label: String,
    pub target: String,
    pub tf_name: String,
    pub tf_class: String,
    pub family: String,
    pub q: f64,
    pub nsites: f64,
    pub flag: String,
}

impl AnnotationRow {
    pub fn annotated(&self) -> bool {
        self.target != "NA"
    }
    pub fn display(&self) -> String {
        if self.annotated() {
            format!("u{} {}", self.unit, self.label)
        } else {
            self.label.clone()
        }
    }
}

/// Read an interpretation's `annotation.tsv`, rows in unit order.
pub fn read_annotation(path: &Path) -> Result<Vec<AnnotationRow>> {
    let t = TsvTable::read(path)?;
    let col = |n: &str| {
        t.column(n).ok_or_else(|| crate::InterpretError::Table {
            path: path.display().to_string(),
            msg: format!("column `{n}` is missing"),
        })
    };
    let (cl, ct, cn, cc, cf, cq, cs) = (
        col("label")?,
        col("target_id")?,
        col("tf_name")?,
        col("tf_class")?,
        col("tf_family")?,
        col("q_value")?,
        col("nsites")?,
    );
    let cflag = t.column("flag");
    let mut out = Vec::new();
    for (r, row) in t.rows.iter().enumerate() {
        let get = |c: usize| row.get(c).cloned().unwrap_or_default();
        out.push(AnnotationRow {
            unit: unit_index(&row[0]).unwrap_or(r),
            label: get(cl),
            target: get(ct),
            tf_name: get(cn),
            tf_class: get(cc),
            family: get(cf),
            q: t.number(r, cq),
            nsites: t.number(r, cs),
            flag: cflag.map(get).unwrap_or_default(),
        });
    }
    out.sort_by_key(|u| u.unit);
    Ok(out)
}

/// One unit's row of `ranking.tsv` ([`crate::families::write_ranking`]).
#[derive(Debug, Clone, PartialEq)]
pub struct RankingRow {
    /// 1-based rank by explained contribution.
    pub rank: usize,
    /// `F1`, `F2`, … or `-` for a unit in no family.
    pub family: String,
    /// Distinct sequences activating the unit.
    pub n_sequences: usize,
    /// Explained contribution per class.
    pub explained: Vec<f64>,
}

/// Read `ranking.tsv` of an interpretation with `classes` classes: unit → its row.
pub fn read_ranking(path: &Path, classes: usize) -> Result<HashMap<usize, RankingRow>> {
    let t = TsvTable::read(path)?;
    let bad = |msg: &str| crate::InterpretError::Table {
        path: path.display().to_string(),
        msg: msg.into(),
    };
    if t.column("n_sequences") != Some(4) || t.header.len() < 7 + classes {
        return Err(bad("is not a ranking.tsv of this interpretation (columns)"));
    }
    let mut out = HashMap::new();
    for (r, row) in t.rows.iter().enumerate() {
        let u = unit_index(&row[1]).ok_or_else(|| bad("a row without a unit name"))?;
        out.insert(
            u,
            RankingRow {
                rank: r + 1,
                family: row[3].clone(),
                n_sequences: t.number(r, 4) as usize,
                explained: (7..7 + classes).map(|c| t.number(r, c)).collect(),
            },
        );
    }
    Ok(out)
}

/// A per-unit, per-class matrix read from `weights.tsv` or `importance.tsv`.
#[derive(Debug, Clone)]
pub struct UnitMatrix {
    pub class_names: Vec<String>,
    /// unit index → values per class.
    pub values: HashMap<usize, Vec<f64>>,
}

/// Read `weights.tsv` or `importance.tsv` (class columns follow `label` and, if present,
/// `n_activating`).
pub fn read_unit_matrix(path: &Path) -> Result<UnitMatrix> {
    let t = TsvTable::read(path)?;
    let first = if t.column("n_activating").is_some() {
        3
    } else {
        2
    };
    let class_names = t.header[first.min(t.header.len())..].to_vec();
    let mut values = HashMap::new();
    for (r, row) in t.rows.iter().enumerate() {
        let u = unit_index(&row[0]).ok_or_else(|| InterpretError::Table {
            path: path.display().to_string(),
            msg: format!("bad unit name {:?}", row[0]),
        })?;
        values.insert(u, (first..t.header.len()).map(|c| t.number(r, c)).collect());
    }
    Ok(UnitMatrix {
        class_names,
        values,
    })
}

/// Importance distributions of the `wanted` units from `importance.long.tsv.gz`:
/// (unit, class name) → values.
pub fn read_long(path: &Path, wanted: &[usize]) -> Result<HashMap<(usize, String), Vec<f64>>> {
    let t = TsvTable::read(path)?;
    let mut out: HashMap<(usize, String), Vec<f64>> = HashMap::new();
    for row in &t.rows {
        let Some(u) = unit_index(&row[0]) else {
            continue;
        };
        if !wanted.contains(&u) || row.len() < 5 {
            continue;
        }
        if let Ok(v) = row[4].parse::<f64>() {
            out.entry((u, row[3].clone())).or_default().push(v);
        }
    }
    Ok(out)
}
