//! Line charts, e.g. training and validation loss by epoch.

use super::axis::{
    Frame, Legend, Scale, Ticks, draw_x_axis, draw_y_axis, finite_range, y_axis_margin,
};
use super::palette_color;
use super::svg::{Anchor, FONT_SIZE, Svg, n, no_data, text_width};
use std::fmt::Write;

/// Options for [`line_chart`].
#[derive(Clone, Debug)]
pub struct LineChartOptions {
    /// Title drawn above the plot. Default: none.
    pub title: Option<String>,
    /// X-axis label. Default: empty.
    pub x_label: String,
    /// Y-axis label. Default: empty.
    pub y_label: String,
    /// Mark this x with a dashed vertical line and the given label (e.g.
    /// `(12.0, "best epoch 12".into())`); points of every series at that x
    /// get an emphasised marker. Default: none.
    pub highlight: Option<(f64, String)>,
    /// Total SVG width in px. Default: 600.
    pub width: f64,
    /// Height of the plotting area in px. Default: 260.
    pub plot_height: f64,
    /// Force the y range (widened to nice ticks). Default: fit the data.
    pub y_range: Option<(f64, f64)>,
    /// Draw a dot at each point of series with at most this many points.
    /// Default: 60.
    pub max_markers: usize,
}

impl Default for LineChartOptions {
    fn default() -> Self {
        LineChartOptions {
            title: None,
            x_label: String::new(),
            y_label: String::new(),
            highlight: None,
            width: 600.0,
            plot_height: 260.0,
            y_range: None,
            max_markers: 60,
        }
    }
}

/// Line chart of `(name, points)` series, each coloured from
/// [`PALETTE`](super::PALETTE) in order and listed in a legend on top.
///
/// Points are drawn in the given order (sort by x beforehand); a point with a
/// non-finite coordinate breaks the line. Both axes use nice ticks covering the
/// data (and the highlighted x). Each marker has a `<title>` tooltip. No
/// finite point at all gives a "No data" SVG.
pub fn line_chart(series: &[(String, Vec<(f64, f64)>)], opts: &LineChartOptions) -> String {
    let finite = |p: &&(f64, f64)| p.0.is_finite() && p.1.is_finite();
    let highlight_x = opts
        .highlight
        .as_ref()
        .map(|h| h.0)
        .filter(|x| x.is_finite());
    let Some((x_lo, x_hi)) = finite_range(
        series
            .iter()
            .flat_map(|(_, p)| p.iter().filter(finite).map(|p| p.0))
            .chain(highlight_x),
    ) else {
        return no_data(opts.title.as_deref());
    };
    let Some((mut y_lo, mut y_hi)) = finite_range(
        series
            .iter()
            .flat_map(|(_, p)| p.iter().filter(finite).map(|p| p.1)),
    ) else {
        return no_data(opts.title.as_deref());
    };
    if let Some((a, b)) = opts.y_range.filter(|(a, b)| a.is_finite() && b.is_finite()) {
        (y_lo, y_hi) = (a.min(b), a.max(b));
    }
    let x_ticks = Ticks::covering(x_lo, x_hi, 6);
    let y_ticks = Ticks::covering(y_lo, y_hi, 5);

    let width = if opts.width.is_finite() {
        opts.width.max(240.0)
    } else {
        600.0
    };
    let title_h = if opts.title.is_some() { 30.0 } else { 8.0 };
    let left = y_axis_margin(&y_ticks, !opts.y_label.is_empty());
    let right_pad =
        12.0 + text_width(x_ticks.labels.last().map_or("", String::as_str), FONT_SIZE) / 2.0;
    let legend_items: Vec<(String, String)> = series
        .iter()
        .enumerate()
        .map(|(i, (name, _))| (name.clone(), palette_color(i).to_string()))
        .collect();
    let legend = Legend::new(legend_items, width - left - right_pad);
    let legend_h = legend.height();
    let top = title_h + legend_h + 12.0 + if opts.highlight.is_some() { 6.0 } else { 0.0 };
    let plot_h = if opts.plot_height.is_finite() {
        opts.plot_height.max(60.0)
    } else {
        260.0
    };
    let frame = Frame {
        left,
        top,
        width: width - left - right_pad,
        height: plot_h,
    };
    let x_label_h = if opts.x_label.is_empty() {
        0.0
    } else {
        FONT_SIZE + 4.0
    };
    let height = frame.bottom() + 6.0 + FONT_SIZE + 4.0 + x_label_h + 10.0;

    let mut svg = Svg::new(width, height);
    if let Some(t) = &opts.title {
        svg.title(10.0, t);
    }
    legend.draw(&mut svg, left, title_h, true);
    let xs = Scale::new(x_ticks.first(), x_ticks.last(), frame.left, frame.right());
    let ys = Scale::new(y_ticks.first(), y_ticks.last(), frame.bottom(), frame.top);
    draw_y_axis(&mut svg, frame, ys, &y_ticks, &opts.y_label);
    draw_x_axis(&mut svg, frame, xs, &x_ticks, &opts.x_label);

    if let (Some(hx), Some((_, label))) = (highlight_x, &opts.highlight) {
        let x = xs.map(hx);
        svg.line(
            x,
            frame.top - 4.0,
            x,
            frame.bottom(),
            "#555555",
            r#"stroke-dasharray="4 3" stroke-width="1.2""#,
        );
        // Keep the label inside the frame: right of the line unless it would overflow.
        let w = text_width(label, FONT_SIZE - 1.0);
        let (lx, anchor) = if x + 4.0 + w <= frame.right() {
            (x + 4.0, Anchor::Start)
        } else {
            (x - 4.0, Anchor::End)
        };
        svg.text(
            lx,
            frame.top + FONT_SIZE - 2.0,
            label,
            FONT_SIZE - 1.0,
            anchor,
            0.0,
            r##"fill="#555555""##,
        );
    }

    let clamp_y = |y: f64| ys.map(y).clamp(frame.top, frame.bottom());
    for (i, (name, points)) in series.iter().enumerate() {
        let color = palette_color(i);
        // Polyline segments split at non-finite points.
        let mut segments: Vec<String> = Vec::new();
        let mut current = String::new();
        for p in points {
            if finite(&p) {
                let _ = write!(current, "{},{} ", n(xs.map(p.0)), n(clamp_y(p.1)));
            } else if !current.is_empty() {
                segments.push(std::mem::take(&mut current));
            }
        }
        if !current.is_empty() {
            segments.push(current);
        }
        for seg in segments {
            svg.raw(&format!(
                r#"<polyline points="{}" fill="none" stroke="{color}" stroke-width="2" stroke-linejoin="round" stroke-linecap="round"/>"#,
                seg.trim_end()
            ));
        }
        let n_finite = points.iter().filter(finite).count();
        for p in points.iter().filter(finite) {
            let is_hi = highlight_x.is_some_and(|hx| (p.0 - hx).abs() <= 1e-9 * hx.abs().max(1.0));
            let tip = format!("{name}: x = {}, y = {}", short(p.0), short(p.1));
            if is_hi {
                svg.circle(
                    xs.map(p.0),
                    clamp_y(p.1),
                    4.5,
                    color,
                    r##"stroke="#ffffff" stroke-width="1.5""##,
                    Some(&tip),
                );
            } else if n_finite <= opts.max_markers {
                svg.circle(xs.map(p.0), clamp_y(p.1), 2.5, color, "", Some(&tip));
            }
        }
    }
    svg.finish()
}

/// Number for tooltips: integers plainly, else 4 significant decimals.
fn short(v: f64) -> String {
    if v.fract() == 0.0 && v.abs() < 1e9 {
        format!("{v:.0}")
    } else {
        format!("{v:.4}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::plot::test_util::assert_valid_svg;

    #[test]
    fn loss_curves_with_best_epoch() {
        let train: Vec<(f64, f64)> = (1..=20).map(|e| (e as f64, 1.0 / e as f64 + 0.2)).collect();
        let mut valid: Vec<(f64, f64)> = (1..=20)
            .map(|e| (e as f64, 1.0 / e as f64 + 0.3 + 0.002 * e as f64))
            .collect();
        valid[4].1 = f64::NAN;
        let opts = LineChartOptions {
            title: Some("Loss".into()),
            x_label: "epoch".into(),
            y_label: "loss".into(),
            highlight: Some((12.0, "best epoch 12".into())),
            ..Default::default()
        };
        let svg = line_chart(
            &[("train".into(), train), ("validation".into(), valid)],
            &opts,
        );
        let doc = assert_valid_svg(&svg);
        // The NaN splits the validation line in two: 3 polylines in total.
        assert_eq!(
            doc.descendants()
                .filter(|n| n.has_tag_name("polyline"))
                .count(),
            3
        );
        assert_eq!(
            doc.descendants()
                .filter(|n| n.has_tag_name("circle"))
                .count(),
            39
        );
        assert!(svg.contains("best epoch 12"));
        assert!(svg.contains("stroke-dasharray"));
        for label in ["train", "validation", "epoch", "loss"] {
            assert!(
                doc.descendants()
                    .any(|n| n.has_tag_name("text") && n.text() == Some(label)),
                "{label}"
            );
        }
    }

    #[test]
    fn empty_inputs_give_no_data() {
        assert!(line_chart(&[], &LineChartOptions::default()).contains("No data"));
        let s = line_chart(
            &[("a".into(), vec![(f64::NAN, 1.0)])],
            &LineChartOptions::default(),
        );
        assert!(s.contains("No data"));
        let one = line_chart(
            &[("a".into(), vec![(1.0, 1.0)])],
            &LineChartOptions::default(),
        );
        assert_valid_svg(&one);
    }
}
