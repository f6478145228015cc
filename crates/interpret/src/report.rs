//! The self-contained HTML report of a run: summary, test metrics, loss curve, a unit
//! table (sorted by importance, with logos and annotations), the weight heatmap and
//! importance box plots. The interpretation's files are read back from its directory; what
//! the run directory holds (configuration, losses) comes typed from the caller
//! (`explainn_run::report`), so the report can be rebuilt at any time.

use crate::importance::order_by;
use crate::tables::{TsvTable, read_annotation, read_long, read_ranking, read_unit_matrix};
use crate::{Result, plots};
use explainn_motif::logo::{LogoOptions, logo_svg};
use explainn_report::html::{Cell, Column, Html, Report, Table};
use std::collections::HashMap;
use std::path::{Path, PathBuf};

/// The report's inputs.
#[derive(Debug, Clone)]
pub struct ReportInputs {
    /// Run directory (shown in the summary).
    pub run_dir: PathBuf,
    /// Lines of the run summary (name, value): architecture, training, data.
    pub run_summary: Vec<(String, String)>,
    /// Losses per epoch `(epoch, train, validation)`; empty when unknown.
    pub losses: Vec<(f64, f64, f64)>,
    /// The epoch whose weights the run kept (its `config.json`), marked on the loss curve.
    pub kept_epoch: Option<usize>,
    /// Output directory of `explainn interpret` (default `RUN_DIR/interpret`).
    pub interpret_dir: PathBuf,
    /// Test metrics (default `RUN_DIR/test/metrics.tsv` when it exists).
    pub metrics: Option<PathBuf>,
    /// Units shown in the box plots (default 10).
    pub top_units: usize,
    /// Attribution logos (caption, SVG), drawn in an "Attributions" section when any.
    pub attributions: Vec<(String, String)>,
    /// Results of `explainn gia` found under the run, drawn in an "In silico experiments"
    /// section when any; `skipped` names result directories left out (and why).
    pub experiments: Vec<ExperimentPanel>,
    pub skipped_experiments: Vec<String>,
    /// The model's classes: the report of a model without a final layer over units (a
    /// baseline, whose interpretation has no `weights.tsv`) takes them from here.
    pub class_names: Vec<String>,
}

/// One `explainn gia` result in the report.
#[derive(Debug, Clone)]
pub struct ExperimentPanel {
    /// What was done, e.g. "insert AGATAAGG at 96 into 1000 dinucleotide shuffles of x.tsv".
    pub title: String,
    /// Per-class effects (`insert.tsv` or `ablate.tsv`).
    pub effects: Option<PathBuf>,
    /// Per-unit effects (`insert_units.tsv`, `ablate_units.tsv`; largest |Δ| first): the
    /// first rows are shown.
    pub units: Option<PathBuf>,
    /// The pair experiment's chart (`pair.svg`).
    pub chart: Option<String>,
}

impl ReportInputs {
    /// Inputs with the default locations under `run_dir`.
    pub fn new(run_dir: impl Into<PathBuf>) -> Self {
        let run_dir = run_dir.into();
        let metrics = Some(run_dir.join("test").join("metrics.tsv")).filter(|p| p.exists());
        Self {
            interpret_dir: run_dir.join("interpret"),
            run_dir,
            run_summary: Vec::new(),
            losses: Vec::new(),
            kept_epoch: None,
            metrics,
            top_units: 10,
            attributions: Vec::new(),
            experiments: Vec::new(),
            skipped_experiments: Vec::new(),
            class_names: Vec::new(),
        }
    }
}

use explainn_report::escape as escape_attr;

/// Build the report page.
pub fn build_report(inp: &ReportInputs) -> Result<String> {
    let idir = &inp.interpret_dir;
    let ann = read_annotation(&idir.join("annotation.tsv"))?;
    // A baseline's interpretation has filters but no final layer over units.
    let has_units = idir.join("weights.tsv").exists();
    let unit_matrix = |name: &str| -> Result<crate::tables::UnitMatrix> {
        match has_units {
            true => read_unit_matrix(&idir.join(name)),
            false => Ok(crate::tables::UnitMatrix {
                class_names: inp.class_names.clone(),
                values: HashMap::new(),
            }),
        }
    };
    let weights = unit_matrix("weights.tsv")?;
    let imp = unit_matrix("importance.tsv")?;
    let classes = weights.class_names.clone();
    // Units that are pretrained models have no filters (and no filters.meme).
    let motifs = match idir.join("filters.meme") {
        p if p.exists() => explainn_motif::io::meme::read_meme_file(p)?,
        _ => Default::default(),
    };
    let motif_of: HashMap<&str, &explainn_motif::Motif> =
        motifs.motifs.iter().map(|m| (m.id.as_str(), m)).collect();
    let summary: serde_json::Value = std::fs::read_to_string(idir.join("summary.json"))
        .ok()
        .and_then(|s| serde_json::from_str(&s).ok())
        .unwrap_or(serde_json::Value::Null);
    let nan_row = vec![f64::NAN; classes.len()];
    let imp_of = |u: usize| imp.values.get(&u).unwrap_or(&nan_row);
    let w_of = |u: usize| weights.values.get(&u).unwrap_or(&nan_row);
    let overall = |u: usize| {
        imp_of(u)
            .iter()
            .filter(|v| v.is_finite())
            .fold(0.0f64, |a, v| a.max(v.abs()))
    };
    // The explained-contribution ranking and families (`ranking.tsv`), when written.
    let ranking_path = idir.join("ranking.tsv");
    let ranking = ranking_path
        .exists()
        .then(|| read_ranking(&ranking_path, classes.len()))
        .transpose()?;
    let order = match &ranking {
        Some(r) => order_by(ann.len(), |i| {
            r.get(&ann[i].unit)
                .map_or(f64::NEG_INFINITY, |x| -(x.rank as f64))
        }),
        None => order_by(ann.len(), |i| overall(ann[i].unit)),
    };
    let n_annotated = ann.iter().filter(|a| a.annotated()).count();

    let mut rep = Report::new("ExplaiNN report");
    // Summary.
    rep.section("Run summary");
    let mut kv: Vec<(String, String)> = Vec::new();
    let js = |v: &serde_json::Value| match v {
        serde_json::Value::String(s) => s.clone(),
        serde_json::Value::Null => "—".into(),
        v => v.to_string(),
    };
    kv.push(("Run directory".into(), inp.run_dir.display().to_string()));
    kv.push(("Classes".into(), classes.join(", ")));
    kv.extend(inp.run_summary.iter().cloned());
    if !summary.is_null() {
        kv.push((
            "Interpreted".into(),
            format!(
                "{} of {} sequences of {} (selection: {}; {})",
                js(&summary["sequences_selected"]),
                js(&summary["sequences_total"]),
                js(&summary["data"]),
                js(&summary["selection"]),
                if summary["both_strands"] == true {
                    "both strands"
                } else {
                    "forward strand"
                }
            ),
        ));
        kv.push(("Motif database".into(), js(&summary["motif_database"])));
    }
    kv.push((
        "Units annotated (q ≤ 0.05)".into(),
        format!("{n_annotated} of {}", ann.len()),
    ));
    rep.key_values(&kv);

    // Performance.
    if inp.metrics.is_some() || !inp.losses.is_empty() {
        rep.section("Performance");
    }
    if let Some(m) = &inp.metrics {
        let t = TsvTable::read(m)?;
        let mut table = Table::new(
            std::iter::once(Column::text(t.header[0].clone()))
                .chain(
                    t.header[1..]
                        .iter()
                        .map(|h| Column::number(h.to_uppercase(), 3)),
                )
                .collect(),
        );
        for (r, row) in t.rows.iter().enumerate() {
            table.push_row(
                std::iter::once(Cell::text(row[0].clone()))
                    .chain((1..t.header.len()).map(|c| Cell::Value(t.number(r, c))))
                    .collect(),
            );
        }
        rep.paragraph(format!("Test metrics from {}.", m.display()));
        rep.table(table);
        let per: Vec<usize> = (0..t.rows.len())
            .filter(|&r| t.rows[r][0] != "macro")
            .collect();
        let names: Vec<String> = per.iter().map(|&r| t.rows[r][0].clone()).collect();
        for metric in ["auroc", "pearson"] {
            if let Some(c) = t.column(metric) {
                let v: Vec<f64> = per.iter().map(|&r| t.number(r, c)).collect();
                if v.iter().any(|x| x.is_finite()) {
                    let label = if metric == "auroc" {
                        "AUROC"
                    } else {
                        "Pearson"
                    };
                    rep.figure(&plots::metric_bars(label, &names, &v), "");
                    break;
                }
            }
        }
    }
    if !inp.losses.is_empty() {
        rep.figure(
            &plots::loss_curve(&inp.losses, inp.kept_epoch),
            "Training and validation loss per epoch; the dashed line marks the epoch whose weights were kept.",
        );
    }

    // Units.
    rep.section("Units");
    let ranked_by = match ranking {
        Some(_) => {
            "Units sorted by explained contribution: unit output × final-layer weight summed over the sequences (and strands) that activate the unit, divided by all interpreted ones, so that a unit counts by how many sequences it explains as well as by how much (largest magnitude over classes; ranking.tsv). \
                    The original's ranking, the median over the activating sequences only, is in the imp. columns and importance.tsv."
        }
        None => {
            "Units sorted by importance (largest absolute median of unit output × final-layer weight over the sequences that activate the unit)."
        }
    };
    rep.paragraph(format!(
        "{ranked_by} Logos are the PWMs of the windows activating each unit above half its maximum (sites: windows; seqs: sequences); annotations are the best Tomtom match (Pearson, q ≤ 0.05) in {}.",
        js(&summary["motif_database"]).replace('—', "the motif database")
    ));
    let mut cols = vec![
        Column::number("rank", 0),
        Column::text("unit"),
        Column::plain("logo"),
    ];
    if ranking.is_some() {
        cols.push(Column::text("family").with_tooltip("units with matching PWMs (families.tsv)"));
        cols.push(Column::number("seqs", 0).with_tooltip("sequences activating the unit"));
        for c in &classes {
            cols.push(
                Column::number(format!("expl. {c}"), 4)
                    .with_tooltip("explained contribution: the ranking statistic"),
            );
        }
    }
    for c in &classes {
        cols.push(
            Column::number(format!("imp. {c}"), 2)
                .with_tooltip("median importance over activating sequences"),
        );
    }
    cols.extend([
        Column::text("best match"),
        Column::text("TF family").with_tooltip("JASPAR structural class in the cell tooltip"),
        Column::number("q", 3),
        Column::number("sites", 0),
    ]);
    for c in &classes {
        cols.push(Column::number(format!("w {c}"), 2).with_tooltip("final-layer weight"));
    }
    let mut table = Table::new(cols);
    let logo_opts = LogoOptions {
        column_width: 7.0,
        height: 36.0,
        axis: false,
        ..LogoOptions::default()
    };
    for (rank, &i) in order.iter().enumerate() {
        let a = &ann[i];
        let logo = motif_of
            .get(format!("unit{}", a.unit).as_str())
            .filter(|_| a.nsites > 0.0)
            .map(|m| Cell::Svg(logo_svg(m, &logo_opts)))
            .unwrap_or_else(|| {
                Cell::text(match a.flag.as_str() {
                    "no_sites" => "no sites",
                    other => other, // `pretrained`: a unit that is a whole model
                })
            });
        let family = if a.annotated() {
            Cell::Html(Html::trusted(format!(
                "<span title=\"{}\">{}</span>",
                escape_attr(&a.tf_class),
                escape_attr(&a.family)
            )))
        } else {
            Cell::Empty
        };
        let mut row = vec![
            Cell::Number((rank + 1) as f64, 0),
            Cell::text(a.display()),
            logo,
        ];
        if let Some(r) = &ranking {
            match r.get(&a.unit) {
                Some(x) => {
                    row.push(Cell::text(x.family.clone()));
                    row.push(Cell::Value(x.n_sequences as f64));
                    row.extend(x.explained.iter().map(|&v| Cell::Value(v)));
                }
                None => row.extend((0..2 + classes.len()).map(|_| Cell::Empty)),
            }
        }
        row.extend(imp_of(a.unit).iter().map(|&v| Cell::Value(v)));
        row.extend([
            Cell::text(if a.annotated() {
                format!("{} {}", a.target, a.tf_name)
            } else {
                String::new()
            }),
            family,
            if a.q.is_finite() {
                Cell::Value(a.q)
            } else {
                Cell::Empty
            },
            Cell::Value(a.nsites),
        ]);
        row.extend(w_of(a.unit).iter().map(|&v| Cell::Value(v)));
        table.push_row(row);
    }
    rep.table(table);

    // Families: units whose PWMs match, their contributions summed.
    if let Some(t) = idir
        .join("families.tsv")
        .exists()
        .then(|| TsvTable::read(&idir.join("families.tsv")))
        .transpose()?
        .filter(|t| !t.rows.is_empty())
    {
        rep.section("Unit families");
        rep.paragraph(
            "Units whose PWMs match one another (all-vs-all Tomtom, complete linkage, symmetric p ≤ 1e-3) form a family; \
             its explained contribution is the sum of its members' (families.tsv). Logo: the family's representative.",
        );
        let mut cols = vec![
            Column::text("family"),
            Column::text("label"),
            Column::plain("logo"),
            Column::number("size", 0),
            Column::text("members"),
        ];
        for h in &t.header[5..] {
            cols.push(Column::number(h.replace("explained_", "expl. "), 4));
        }
        let mut table = Table::new(cols);
        for (r, row) in t.rows.iter().enumerate() {
            let logo = motif_of
                .get(row[3].as_str())
                .map(|m| Cell::Svg(logo_svg(m, &logo_opts)))
                .unwrap_or(Cell::Empty);
            let mut cells = vec![
                Cell::text(row[0].clone()),
                Cell::text(row[1].clone()),
                logo,
                Cell::Value(t.number(r, 2)),
                Cell::text(row[4].replace(',', ", ")),
            ];
            cells.extend((5..t.header.len()).map(|c| Cell::Value(t.number(r, c))));
            table.push_row(cells);
        }
        rep.table(table);
    }

    // Heatmap: annotated units, or the 30 most important when none is annotated.
    if has_units {
        rep.section("Final-layer weights");
        let mut hm_units: Vec<usize> = order
            .iter()
            .copied()
            .filter(|&i| ann[i].annotated())
            .collect();
        let caption = if hm_units.is_empty() {
            hm_units = order.iter().copied().take(30).collect();
            "No unit matched a database motif: the 30 most important units are shown. Rows clustered (UPGMA)."
        } else {
            hm_units.truncate(60);
            "Annotated units (at most 60, by importance) × classes; red = positive weight. Rows clustered (UPGMA)."
        };
        let rows: Vec<String> = hm_units.iter().map(|&i| ann[i].display()).collect();
        let vals: Vec<f64> = hm_units
            .iter()
            .flat_map(|&i| w_of(ann[i].unit).clone())
            .collect();
        rep.figure(&plots::weight_heatmap(&rows, &classes, &vals), caption);
    }

    // Box plots.
    rep.section("Unit importance");
    let top: Vec<usize> = order
        .iter()
        .take(inp.top_units)
        .map(|&i| ann[i].unit)
        .collect();
    let long_path = idir.join("importance.long.tsv.gz");
    if long_path.exists() {
        let dist = read_long(&long_path, &top)?;
        let groups: Vec<(String, Vec<Vec<f64>>)> = order
            .iter()
            .take(inp.top_units)
            .map(|&i| {
                let u = ann[i].unit;
                let per = classes
                    .iter()
                    .map(|c| dist.get(&(u, c.clone())).cloned().unwrap_or_default())
                    .collect();
                (ann[i].display(), per)
            })
            .collect();
        rep.figure(
            &plots::importance_boxplots(&groups, &classes),
            format!(
                "Importance distributions of the {} most important units, per class.",
                top.len()
            ),
        );
    }
    if idir.join("motifs_qc.tsv").exists() {
        argminn_section(&mut rep, idir, &summary["argminn"])?;
    }
    if !inp.attributions.is_empty() {
        rep.section("Attributions");
        rep.paragraph(
            "Base-resolution attributions of the best-predicted sequences of each class (letters \
             scaled by their contribution, up for positive, down for negative); bars below mark the \
             annotated units active at half their maximum or more, with the strand they read.",
        );
        for (caption, svg) in &inp.attributions {
            rep.figure(svg, caption.clone());
        }
    }
    if !inp.experiments.is_empty() || !inp.skipped_experiments.is_empty() {
        rep.section("In silico experiments");
        rep.paragraph(
            "Global importance analysis (explainn gia): Δ logit when a pattern is inserted into \
             background sequences or ablated from given ones (after − before, mean and sd over \
             the sequences), per class and, for ExplaiNN, per unit; the pair experiment's \
             cooperativity (Δ of both − Δ of each alone) by distance.",
        );
        for e in &inp.experiments {
            rep.html(Html::strong(&e.title));
            if let Some(path) = &e.effects {
                let t = TsvTable::read(path)?;
                let all: Vec<usize> = (0..t.rows.len()).collect();
                rep.table(numeric_table(&t, 1, &all));
            }
            if let Some(path) = &e.units {
                // The rows come largest |Δ| first within each class: its first three.
                let t = TsvTable::read(path)?;
                let mut seen: HashMap<&str, usize> = HashMap::new();
                let rows: Vec<usize> = (0..t.rows.len())
                    .filter(|&r| {
                        let k = seen.entry(t.rows[r][0].as_str()).or_default();
                        *k += 1;
                        *k <= 3
                    })
                    .collect();
                rep.paragraph(format!(
                    "The three largest unit effects of each class (all {} in {}).",
                    t.rows.len(),
                    path.display()
                ));
                rep.table(numeric_table(&t, 3, &rows));
            }
            if let Some(svg) = &e.chart {
                rep.figure(svg, e.title.clone());
            }
        }
        for s in &inp.skipped_experiments {
            rep.paragraph(format!("Not shown: {s}."));
        }
    }
    rep.html(Html::text(&format!(
        "Generated by explainn {} from {}.",
        env!("CARGO_PKG_VERSION"),
        idir.display()
    )));
    Ok(rep.to_html())
}

/// A table of rows `rows` of `t`: the first `text` columns as text, the others as numbers
/// (3 decimals; counts `n` as integers).
fn numeric_table(t: &TsvTable, text: usize, rows: &[usize]) -> Table {
    let mut table = Table::new(
        t.header
            .iter()
            .enumerate()
            .map(|(c, h)| match (c < text, h.as_str()) {
                (true, _) => Column::text(h.clone()),
                (false, "n") => Column::number(h.clone(), 0),
                (false, _) => Column::number(h.clone(), 3),
            })
            .collect(),
    );
    for &r in rows {
        let row = &t.rows[r];
        table.push_row(
            (0..t.header.len())
                .map(|c| {
                    if c < text {
                        Cell::text(row[c].clone())
                    } else {
                        Cell::Value(t.number(r, c))
                    }
                })
                .collect(),
        );
    }
    table
}

/// Rows of a table of the interpretation as a report table: the columns named in
/// `numbers` are numeric with their decimals, the others text.
fn tsv_table<'a>(
    t: &TsvTable,
    numbers: &[(&str, usize)],
    rows: impl IntoIterator<Item = &'a Vec<String>>,
) -> Table {
    let decimals = |name: &str| numbers.iter().find(|(n, _)| *n == name).map(|(_, d)| *d);
    let columns = t
        .header
        .iter()
        .map(|h| match decimals(h) {
            Some(d) => Column::number(h.clone(), d),
            None => Column::text(h.clone()),
        })
        .collect();
    let mut table = Table::new(columns);
    for row in rows {
        let cells = row
            .iter()
            .zip(&t.header)
            .map(|(v, h)| match decimals(h) {
                Some(d) => Cell::Number(v.parse().unwrap_or(f64::NAN), d),
                None => Cell::text(v.clone()),
            })
            .collect();
        table.push_row(cells);
    }
    table
}

/// ARGMINN's read-out: the filters' quality control, the instances, the heads that read
/// each passing filter and the spacing histograms of filter pairs.
fn argminn_section(rep: &mut Report, idir: &Path, summary: &serde_json::Value) -> Result<()> {
    rep.section("ARGMINN read-out");
    let num = |v: &serde_json::Value| v.as_f64().map_or("—".to_string(), |x| x.to_string());
    rep.paragraph(format!(
        "Filter PFMs trimmed of flanks under 0.2 bits and kept with a width of at least 5 and a \
         mean information content of at least 1 bit (motifs.meme); {} instances where the largest \
         attention over layers and heads exceeds {} (instances.tsv, instances.bed), each called \
         with the passing filter of the best z-score.",
        num(&summary["instances"]),
        num(&summary["instance_attention"])
    ));
    let qc = TsvTable::read(&idir.join("motifs_qc.tsv"))?;
    let numbers = [("nsites", 0), ("trimmed_width", 0), ("mean_ic", 3)];
    rep.table(tsv_table(&qc, &numbers, &qc.rows));
    let heads = idir.join("attention_heads.tsv");
    if heads.exists() {
        rep.paragraph(
            "Which head reads which motif: Pearson's r between each head's attention and each \
             passing filter's activation over every position, and the mean attention where the \
             filter fires against the mean overall.",
        );
        let t = TsvTable::read(&heads)?;
        let numbers = [
            ("layer", 0),
            ("head", 0),
            ("pearson_r", 3),
            ("mean_attention_active", 4),
            ("mean_attention", 4),
        ];
        let passing = t
            .rows
            .iter()
            .filter(|r| r.get(4).is_some_and(|p| p == "true"));
        rep.table(tsv_table(&t, &numbers, passing.take(64)));
    }
    let syntax = idir.join("syntax.tsv");
    if syntax.exists() {
        rep.paragraph(format!(
            "Syntax: spacings pos_b − pos_a − W of ordered pairs of passing filters (each \
             sequence's first a-hit and the next b-hit) in the positive sequences, at attention \
             above {} (syntax.tsv, the 30 most frequent rows).",
            num(&summary["syntax_attention"])
        ));
        let t = TsvTable::read(&syntax)?;
        let mut rows: Vec<&Vec<String>> = t.rows.iter().collect();
        let count = |r: &Vec<String>| r.get(5).and_then(|v| v.parse::<f64>().ok()).unwrap_or(0.0);
        rows.sort_by(|a, b| count(b).total_cmp(&count(a)));
        let numbers = [("spacing", 0), ("sequences", 0)];
        rep.table(tsv_table(&t, &numbers, rows.into_iter().take(30)));
    }
    Ok(())
}
