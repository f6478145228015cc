//! Builds a report with every plot type from synthetic-but-realistic ExplaiNN
//! results and writes it to `/tmp/explainn-demo-report.html`.
//!
//! ```text
//! cargo run -p explainn-report --example demo_report
//! ```
//!
//! With `--features png` it also writes the heatmap as
//! `/tmp/explainn-demo-heatmap.png`.

use explainn_report::html::{Cell, Column, Html, Report, Table};
use explainn_report::plot::{
    BarChartOptions, BoxPlotOptions, HeatmapOptions, LineChartOptions, bar_chart, box_plots,
    grouped_box_plots, heatmap, line_chart,
};
use std::fmt::Write;

/// Small deterministic generator (xorshift64*) so the example needs no crates.
struct Rng(u64);

impl Rng {
    fn uniform(&mut self) -> f64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        (self.0.wrapping_mul(0x2545_F491_4F6C_DD1D) >> 11) as f64 / (1u64 << 53) as f64
    }

    fn normal(&mut self) -> f64 {
        let (u, v) = (self.uniform().max(1e-12), self.uniform());
        (-2.0 * u.ln()).sqrt() * (2.0 * std::f64::consts::PI * v).cos()
    }
}

const CLASSES: [&str; 8] = [
    "CTCF", "FOXA1", "GATA1", "HNF4A", "CEBPB", "REST", "SPI1", "MAX",
];
const MOTIFS: [&str; 12] = [
    "CTCF",
    "FOXA2",
    "GATA1::TAL1",
    "HNF4A",
    "CEBPB",
    "REST",
    "SPI1",
    "MAX::MYC",
    "CTCFL",
    "FOXA1",
    "HNF1A",
    "NFYA",
];

fn main() -> std::io::Result<()> {
    let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
    let classes: Vec<String> = CLASSES.iter().map(|s| s.to_string()).collect();

    // Training curves: loss decays, validation bottoms out then overfits.
    let epochs = 40;
    let train: Vec<(f64, f64)> = (1..=epochs)
        .map(|e| {
            let e = e as f64;
            (e, 0.25 + 0.45 * (-e / 6.0).exp() + 0.004 * rng.normal())
        })
        .collect();
    let valid: Vec<(f64, f64)> = (1..=epochs)
        .map(|e| {
            let e = e as f64;
            (
                e,
                0.31 + 0.42 * (-e / 7.0).exp()
                    + 0.0009 * (e - 18.0).max(0.0).powf(1.6)
                    + 0.005 * rng.normal(),
            )
        })
        .collect();
    let best = valid
        .iter()
        .copied()
        .fold((0.0, f64::INFINITY), |b, p| if p.1 < b.1 { p } else { b });

    // Test AUROC per class.
    let auroc: Vec<f64> = CLASSES
        .iter()
        .map(|_| 0.78 + 0.17 * rng.uniform())
        .collect();

    // Units: a motif each, final-layer weights units × classes.
    let n_units = 36;
    let mut unit_names = Vec::new();
    let mut weights = Vec::new();
    let mut unit_class = Vec::new();
    for u in 0..n_units {
        let m = (u * 7 + 3) % MOTIFS.len();
        let annotated = u % 5 != 4;
        let name = if annotated {
            format!("unit {:>2} · {}", u + 1, MOTIFS[m])
        } else {
            format!("unit {:>2} · —", u + 1)
        };
        unit_names.push(name);
        let home = m % CLASSES.len();
        unit_class.push(home);
        for c in 0..CLASSES.len() {
            let base = if c == home {
                1.2 + 0.8 * rng.uniform()
            } else {
                0.0
            };
            let sign = if u % 7 == 2 { -1.0 } else { 1.0 };
            weights.push(sign * base + 0.25 * rng.normal());
        }
    }
    weights[5] = f64::NAN; // one missing value, shown grey

    let curves = line_chart(
        &[
            ("training".into(), train.clone()),
            ("validation".into(), valid.clone()),
        ],
        &LineChartOptions {
            title: Some("Loss by epoch".into()),
            x_label: "epoch".into(),
            y_label: "binary cross-entropy".into(),
            highlight: Some((best.0, format!("best epoch {}", best.0))),
            ..Default::default()
        },
    );
    let bars = bar_chart(
        &classes,
        &auroc,
        &BarChartOptions {
            title: Some("Test AUROC per class".into()),
            y_label: "AUROC".into(),
            y_range: Some((0.0, 1.0)),
            reference: Some((0.5, "chance".into())),
            ..Default::default()
        },
    );
    let hm = heatmap(
        &unit_names,
        &classes,
        &weights,
        &HeatmapOptions {
            title: Some("Final-layer weights (units × classes)".into()),
            legend_label: "weight".into(),
            ..Default::default()
        },
    );

    // Activations of the first 12 units on test sequences (skewed, with outliers).
    let act_groups: Vec<(String, Vec<f64>)> = (0..12)
        .map(|u| {
            let scale = 0.5 + 0.15 * (u % 4) as f64;
            let v = (0..400)
                .map(|_| (scale * rng.normal() + 0.3 * u as f64 / 12.0).exp() - 1.0)
                .collect();
            (unit_names[u].clone(), v)
        })
        .collect();
    let boxes = box_plots(
        &act_groups,
        &BoxPlotOptions {
            title: Some("Unit activations on test sequences".into()),
            y_label: "activation".into(),
            ..Default::default()
        },
    );
    let grouped_classes: Vec<String> = classes[..3].to_vec();
    let grouped: Vec<(String, Vec<Vec<f64>>)> = (0..8)
        .map(|u| {
            let per = (0..3)
                .map(|c| {
                    let shift = if unit_class[u] == c { 1.5 } else { 0.0 };
                    (0..150).map(|_| shift + 0.6 * rng.normal()).collect()
                })
                .collect();
            (format!("unit {}", u + 1), per)
        })
        .collect();
    let grouped_svg = grouped_box_plots(
        &grouped,
        &grouped_classes,
        &BoxPlotOptions {
            title: Some("Unit outputs by true class".into()),
            y_label: "unit output".into(),
            box_width: 14.0,
            ..Default::default()
        },
    );

    // Unit table with logos.
    let mut table = Table::new(vec![
        Column::text("unit"),
        Column::text("best JASPAR match"),
        Column::number("q-value", 2).with_tooltip("Tomtom q-value of the best match"),
        Column::number("importance", 3).with_tooltip("mean |weight| across classes"),
        Column::number("sites", 0),
        Column::plain("logo"),
    ]);
    for u in 0..12 {
        let m = (u * 7 + 3) % MOTIFS.len();
        let annotated = u % 5 != 4;
        let importance: f64 = (0..CLASSES.len())
            .map(|c| weights[u * CLASSES.len() + c].abs())
            .filter(|v| v.is_finite())
            .sum::<f64>()
            / CLASSES.len() as f64;
        table.push_row(vec![
            Cell::text(format!("unit {}", u + 1)),
            if annotated {
                Cell::Html(Html::code(MOTIFS[m]))
            } else {
                Cell::text("—")
            },
            if annotated {
                Cell::Number(10f64.powf(-2.0 - 8.0 * rng.uniform()), 2)
            } else {
                Cell::Number(f64::NAN, 2)
            },
            Cell::Value(importance),
            Cell::Number((200.0 + 1800.0 * rng.uniform()).round(), 0),
            Cell::Svg(logo(&mut rng, 19)),
        ]);
    }

    let mut report = Report::new("ExplaiNN report — synthetic demo");
    report
        .paragraph(
            "Synthetic data shaped like an ExplaiNN run: 36 single-filter units, 8 TF-binding classes. \
             Every plot type of explainn-report appears below.",
        )
        .section("Run summary")
        .key_values(&[
            ("training sequences", "48,000 (validation 6,000; test 6,000)"),
            ("sequence length", "200 bp, one-hot, both strands"),
            ("units × filter width", "36 × 19"),
            ("best epoch", &format!("{} (validation loss {:.4})", best.0, best.1)),
            ("mean test AUROC", &format!("{:.3}", auroc.iter().sum::<f64>() / auroc.len() as f64)),
            ("model file", "/data/runs/demo/model.safetensors"),
        ])
        .section("Training")
        .figure(&curves, "Training and validation loss per epoch; the dashed line marks the epoch with the lowest validation loss, whose weights were kept.")
        .section("Performance")
        .figure(&bars, "Area under the ROC curve on held-out test sequences, per class. The dashed line is a random classifier.")
        .section("Units")
        .figure(&hm.svg, "Weights of the final linear layer: each unit's contribution to each class logit. Rows clustered by average linkage on Euclidean distance; the grey cell is missing.")
        .figure(&boxes, "Distribution of unit activations over test sequences (box: quartiles; whiskers: 1.5 IQR; circles: outliers).")
        .figure(&grouped_svg, "Outputs of the first eight units split by the true class of the sequence.")
        .paragraph("Filters annotated against JASPAR 2024 with Tomtom; click a column header to sort.")
        .table(table);
    #[cfg(feature = "png")]
    {
        let png = explainn_report::png::svg_to_png(&hm.svg, 2.0).map_err(std::io::Error::other)?;
        std::fs::write("/tmp/explainn-demo-heatmap.png", png)?;
        println!("wrote /tmp/explainn-demo-heatmap.png");
    }
    let html = report.to_html();
    let path = "/tmp/explainn-demo-report.html";
    std::fs::write(path, html)?;
    println!("wrote {path}");
    Ok(())
}

/// A toy sequence logo (information-content letter stacks) as inline SVG.
fn logo(rng: &mut Rng, width: usize) -> String {
    const COLORS: [(&str, &str); 4] = [
        ("A", "#109648"),
        ("C", "#255C99"),
        ("G", "#F7B32B"),
        ("T", "#D62839"),
    ];
    let (col_w, h) = (10.0, 40.0);
    let mut s = format!(
        r#"<svg xmlns="http://www.w3.org/2000/svg" width="{w}" height="{h}" viewBox="0 0 {w} {h}" font-family="Arial, sans-serif" font-weight="700">"#,
        w = width as f64 * col_w,
        h = h
    );
    for i in 0..width {
        // Random probabilities, sharper in the core.
        let core = (i as f64 - width as f64 / 2.0).abs() < width as f64 / 3.0;
        let sharp = if core { 6.0 } else { 0.6 };
        let mut p: Vec<f64> = (0..4).map(|_| (sharp * rng.uniform()).exp()).collect();
        let sum: f64 = p.iter().sum();
        p.iter_mut().for_each(|x| *x /= sum);
        let ic = 2.0
            + p.iter()
                .map(|&x| if x > 0.0 { x * x.log2() } else { 0.0 })
                .sum::<f64>();
        let mut order: Vec<usize> = (0..4).collect();
        order.sort_by(|&a, &b| p[a].total_cmp(&p[b]));
        let mut y = h;
        for k in order {
            let lh = p[k] * ic / 2.0 * h;
            if lh < 0.5 {
                continue;
            }
            // Cap height of Arial bold ≈ 0.72 em: scale a 10px glyph to lh.
            let sy = lh / 7.2;
            let _ = write!(
                s,
                r#"<text x="0" y="0" font-size="10" fill="{c}" text-anchor="middle" transform="translate({x:.2} {y:.2}) scale(1.25 {sy:.3})">{l}</text>"#,
                c = COLORS[k].1,
                x = (i as f64 + 0.5) * col_w,
                l = COLORS[k].0
            );
            y -= lh;
        }
    }
    s.push_str("</svg>");
    s
}
