//! Bar charts with value labels, e.g. test AUROC per class.

use super::PALETTE;
use super::axis::{
    Scale, Ticks, categorical_layout, draw_category_labels, draw_y_axis, finite_range,
};
use super::svg::{Anchor, FONT_SIZE, Svg, no_data, text_width};

/// Options for [`bar_chart`].
#[derive(Clone, Debug)]
pub struct BarChartOptions {
    /// Title drawn above the plot. Default: none.
    pub title: Option<String>,
    /// Y-axis label. Default: empty.
    pub y_label: String,
    /// Force the y range, e.g. `(0.0, 1.0)` for AUROC (widened to nice ticks).
    /// Default: from 0 (or the data minimum if negative) to the data maximum.
    pub y_range: Option<(f64, f64)>,
    /// Decimals of the value labels. Default: 3.
    pub decimals: usize,
    /// Bar width in px. Default: 34.
    pub bar_width: f64,
    /// Height of the plotting area in px. Default: 240.
    pub plot_height: f64,
    /// Dashed horizontal reference line with a label, e.g. `(0.5, "chance")`.
    /// Default: none.
    pub reference: Option<(f64, String)>,
    /// Bar fill colour. Default: the first palette colour.
    pub color: String,
}

impl Default for BarChartOptions {
    fn default() -> Self {
        BarChartOptions {
            title: None,
            y_label: String::new(),
            y_range: None,
            decimals: 3,
            bar_width: 34.0,
            plot_height: 240.0,
            reference: None,
            color: PALETTE[0].to_string(),
        }
    }
}

/// One bar per label, `values[i]` for `labels[i]` (extra entries of either are
/// ignored), each with its value written above it (below for negative bars).
///
/// Bars start at 0, or at the bottom of the axis when 0 is below it. A
/// non-finite value draws no bar and is labelled "NA". Labels rotate 45° when
/// they do not fit. No bars, or no finite value, gives a "No data" SVG.
pub fn bar_chart(labels: &[String], values: &[f64], opts: &BarChartOptions) -> String {
    let k = labels.len().min(values.len());
    let (labels, values) = (&labels[..k], &values[..k]);
    let Some((d_lo, d_hi)) = finite_range(values.iter().copied()) else {
        return no_data(opts.title.as_deref());
    };
    let (lo, hi) = match opts.y_range.filter(|(a, b)| a.is_finite() && b.is_finite()) {
        Some((a, b)) => (a.min(b), a.max(b)),
        None => (d_lo.min(0.0), d_hi.max(0.0)),
    };
    let reference = opts.reference.as_ref().filter(|r| r.0.is_finite());
    let ticks = Ticks::covering(lo, hi, 5);
    let bw = if opts.bar_width.is_finite() {
        opts.bar_width.clamp(4.0, 200.0)
    } else {
        34.0
    };
    let dec = opts.decimals.min(12);
    let value_font = FONT_SIZE - 1.0;
    let value_w = values
        .iter()
        .map(|v| text_width(&format!("{v:.dec$}"), value_font))
        .fold(0.0, f64::max);
    let slot = (bw + (bw * 0.5).max(10.0)).max(value_w + 6.0);
    let plot_h = if opts.plot_height.is_finite() {
        opts.plot_height.max(60.0)
    } else {
        240.0
    };
    let layout = categorical_layout(
        opts.title.as_deref(),
        0.0,
        &ticks,
        &opts.y_label,
        labels,
        slot,
        plot_h,
        10.0,
    );
    let frame = layout.frame;
    let ref_label_w = reference.map_or(0.0, |r| text_width(&r.1, value_font) + 8.0);
    let mut svg = Svg::new(layout.width + ref_label_w, layout.height);
    if let Some(t) = &opts.title {
        svg.title(10.0, t);
    }
    let scale = Scale::new(ticks.first(), ticks.last(), frame.bottom(), frame.top);
    draw_y_axis(&mut svg, frame, scale, &ticks, &opts.y_label);
    let base = scale.map(0.0f64.clamp(ticks.first(), ticks.last()));
    let color = if opts.color.is_empty() {
        PALETTE[0]
    } else {
        opts.color.as_str()
    };
    let centers: Vec<f64> = (0..k)
        .map(|i| frame.left + (i as f64 + 0.5) * slot)
        .collect();
    for (i, (&v, label)) in values.iter().zip(labels).enumerate() {
        let cx = centers[i];
        if !v.is_finite() {
            svg.text(
                cx,
                base - 4.0,
                "NA",
                value_font,
                Anchor::Middle,
                0.0,
                r##"fill="#777777""##,
            );
            continue;
        }
        let y = scale.map(v).clamp(frame.top, frame.bottom());
        let (top, h) = if y <= base {
            (y, base - y)
        } else {
            (base, y - base)
        };
        let text = format!("{v:.dec$}");
        svg.rect_with_title(
            cx - bw / 2.0,
            top,
            bw,
            h,
            color,
            r#"rx="1.5""#,
            &format!("{label}: {text}"),
        );
        let ly = if y <= base {
            y - 4.0
        } else {
            y + value_font + 2.0
        };
        svg.text(cx, ly, &text, value_font, Anchor::Middle, 0.0, "");
    }
    svg.line(frame.left, base, frame.right(), base, "#333333", "");
    if let Some((v, label)) = reference {
        let y = scale.map(*v);
        if y >= frame.top && y <= frame.bottom() {
            svg.line(
                frame.left,
                y,
                frame.right(),
                y,
                "#555555",
                r#"stroke-dasharray="5 4" stroke-width="1.2""#,
            );
            svg.text(
                frame.right() + 4.0,
                y + value_font * 0.35,
                label,
                value_font,
                Anchor::Start,
                0.0,
                r##"fill="#555555""##,
            );
        }
    }
    draw_category_labels(&mut svg, frame, &centers, labels, &layout.labels);
    svg.finish()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::plot::test_util::assert_valid_svg;

    #[test]
    fn bars_have_value_labels() {
        let labels: Vec<String> = ["CTCF", "GATA1", "HNF4A", "<odd & name>"]
            .iter()
            .map(|s| s.to_string())
            .collect();
        let opts = BarChartOptions {
            y_range: Some((0.0, 1.0)),
            reference: Some((0.5, "chance".into())),
            ..Default::default()
        };
        let svg = bar_chart(&labels, &[0.912, 0.843, f64::NAN, 0.5], &opts);
        let doc = assert_valid_svg(&svg);
        let texts: Vec<_> = doc
            .descendants()
            .filter(|n| n.has_tag_name("text"))
            .filter_map(|n| n.text())
            .collect();
        for t in [
            "0.912",
            "0.843",
            "NA",
            "0.500",
            "chance",
            "<odd & name>",
            "1.0",
        ] {
            assert!(texts.contains(&t), "{t} missing from {texts:?}");
        }
        let bars = doc
            .descendants()
            .filter(|n| n.has_tag_name("rect") && n.children().any(|c| c.has_tag_name("title")))
            .count();
        assert_eq!(bars, 3);
    }

    #[test]
    fn negative_values_and_empty() {
        let labels = vec!["a".to_string(), "b".to_string()];
        assert_valid_svg(&bar_chart(
            &labels,
            &[-1.5, 2.0],
            &BarChartOptions::default(),
        ));
        assert!(bar_chart(&[], &[], &BarChartOptions::default()).contains("No data"));
        assert!(
            bar_chart(
                &labels,
                &[f64::NAN, f64::INFINITY],
                &BarChartOptions::default()
            )
            .contains("No data")
        );
    }
}
