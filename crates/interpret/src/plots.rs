//! SVG figures of an interpretation, built on `explainn-report`'s plots.

use explainn_report::plot::{
    BarChartOptions, BoxPlotOptions, HeatmapOptions, LineChartOptions, bar_chart,
    grouped_box_plots, heatmap, line_chart,
};

/// Final-layer weight heatmap: one row per unit (`rows`, e.g. annotated units), one column
/// per class; `values` `(rows, classes)` row-major. Diverging colours around 0, rows
/// clustered (UPGMA).
pub fn weight_heatmap(rows: &[String], class_names: &[String], values: &[f64]) -> String {
    let cell_height = if rows.len() > 40 { 11.0 } else { 16.0 };
    heatmap(
        rows,
        class_names,
        values,
        &HeatmapOptions {
            title: Some("Final-layer weights".into()),
            row_order: Some(explainn_motif::cluster::row_order(
                values,
                rows.len(),
                class_names.len(),
            )),
            cell_width: 48.0,
            cell_height,
            legend_label: "weight".into(),
            ..Default::default()
        },
    )
    .svg
}

/// Importance box plots: for each `(unit label, per-class values)` group, one box per
/// class.
pub fn importance_boxplots(groups: &[(String, Vec<Vec<f64>>)], class_names: &[String]) -> String {
    grouped_box_plots(
        groups,
        class_names,
        &BoxPlotOptions {
            title: Some("Unit importance (output × weight) over activating sequences".into()),
            y_label: "importance".into(),
            box_width: 12.0,
            max_outliers: 15,
            ..Default::default()
        },
    )
}

/// Training and validation loss by epoch from `(epoch, train, validation)` rows; the epoch
/// whose weights were kept is marked when known (`kept`: the last one for runs that keep
/// the last epoch), else the best (lowest validation) epoch.
pub fn loss_curve(rows: &[(f64, f64, f64)], kept: Option<usize>) -> String {
    let best = match kept.filter(|&k| k > 0) {
        Some(k) => Some((k as f64, format!("kept epoch {k}"))),
        None => rows
            .iter()
            .filter(|r| r.2.is_finite())
            .min_by(|a, b| a.2.total_cmp(&b.2))
            .map(|r| (r.0, format!("best epoch {}", r.0))),
    };
    line_chart(
        &[
            ("training".into(), rows.iter().map(|r| (r.0, r.1)).collect()),
            (
                "validation".into(),
                rows.iter().map(|r| (r.0, r.2)).collect(),
            ),
        ],
        &LineChartOptions {
            title: Some("Loss".into()),
            x_label: "epoch".into(),
            y_label: "loss".into(),
            highlight: best,
            width: 560.0,
            ..Default::default()
        },
    )
}

/// One bar per class of a test metric (`name`, e.g. "AUROC"); a reference line at 0.5 for
/// AUROC.
pub fn metric_bars(name: &str, class_names: &[String], values: &[f64]) -> String {
    let unit_range = values
        .iter()
        .filter(|v| v.is_finite())
        .all(|v| (0.0..=1.0).contains(v));
    bar_chart(
        class_names,
        values,
        &BarChartOptions {
            title: Some(format!("Test {name} per class")),
            y_label: name.into(),
            y_range: unit_range.then_some((0.0, 1.0)),
            reference: (name == "AUROC").then(|| (0.5, "random".into())),
            ..Default::default()
        },
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_loss_curve_marks_the_kept_epoch_or_else_the_best() {
        let rows = [(1.0, 0.7, 0.6), (2.0, 0.5, 0.4), (3.0, 0.45, 0.5)];
        assert!(loss_curve(&rows, None).contains("best epoch 2"));
        let kept = loss_curve(&rows, Some(3));
        assert!(kept.contains("kept epoch 3") && !kept.contains("best epoch"));
    }
}
