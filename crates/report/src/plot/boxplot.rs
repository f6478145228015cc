//! Box plots: one box per group, or several classes per group side by side.

use super::axis::{Legend, Scale, Ticks, categorical_layout, draw_category_labels, draw_y_axis};
use super::palette_color;
use super::stats::BoxStats;
use super::svg::{Svg, no_data};

/// Options for [`box_plots`] and [`grouped_box_plots`].
#[derive(Clone, Debug)]
pub struct BoxPlotOptions {
    /// Title drawn above the plot. Default: none.
    pub title: Option<String>,
    /// Y-axis label. Default: empty.
    pub y_label: String,
    /// Width of one box in px. Default: 22.
    pub box_width: f64,
    /// Height of the plotting area in px. Default: 260.
    pub plot_height: f64,
    /// Most outliers drawn per box (evenly spaced by rank, extremes kept).
    /// Default: 40.
    pub max_outliers: usize,
    /// Force the y range (widened to nice ticks). Default: fit the data.
    pub y_range: Option<(f64, f64)>,
}

impl Default for BoxPlotOptions {
    fn default() -> Self {
        BoxPlotOptions {
            title: None,
            y_label: String::new(),
            box_width: 22.0,
            plot_height: 260.0,
            max_outliers: 40,
            y_range: None,
        }
    }
}

/// One box per `(label, values)` group.
///
/// Boxes show the median and quartiles (linear interpolation, as numpy's
/// default), whiskers reach the furthest values within 1.5 IQR of the box, and
/// values beyond are drawn as small circles (at most `max_outliers` per box).
/// Non-finite values are ignored; a group with none left gets an empty slot.
/// Labels are rotated 45° when they do not fit under their box. Each box has a
/// `<title>` tooltip with n, quartiles and whiskers. No groups, or no finite
/// value at all, gives a "No data" SVG.
pub fn box_plots(groups: &[(String, Vec<f64>)], opts: &BoxPlotOptions) -> String {
    let data: Vec<(String, Vec<Vec<f64>>)> = groups
        .iter()
        .map(|(l, v)| (l.clone(), vec![v.clone()]))
        .collect();
    render(&data, &[], opts)
}

/// Grouped box plots: for each `(group label, per-class values)`, one box per
/// class side by side, coloured by class from [`PALETTE`](super::PALETTE)
/// with a legend of `classes` on top. `per-class values[k]` belongs to
/// `classes[k]`; missing or extra class entries are treated as empty or
/// ignored. Otherwise as [`box_plots`].
pub fn grouped_box_plots(
    groups: &[(String, Vec<Vec<f64>>)],
    classes: &[String],
    opts: &BoxPlotOptions,
) -> String {
    if classes.is_empty() {
        return no_data(opts.title.as_deref());
    }
    let data: Vec<(String, Vec<Vec<f64>>)> = groups
        .iter()
        .map(|(l, per)| {
            let v = (0..classes.len())
                .map(|k| per.get(k).cloned().unwrap_or_default())
                .collect();
            (l.clone(), v)
        })
        .collect();
    render(&data, classes, opts)
}

/// Shared renderer: `classes` empty means single (ungrouped) boxes.
fn render(groups: &[(String, Vec<Vec<f64>>)], classes: &[String], opts: &BoxPlotOptions) -> String {
    let stats: Vec<Vec<Option<BoxStats>>> = groups
        .iter()
        .map(|(_, per)| per.iter().map(|v| BoxStats::compute(v)).collect())
        .collect();
    let shown: Vec<Vec<Vec<f64>>> = stats
        .iter()
        .map(|per| {
            per.iter()
                .map(|s| {
                    s.as_ref()
                        .map(|s| s.shown_outliers(opts.max_outliers))
                        .unwrap_or_default()
                })
                .collect()
        })
        .collect();
    let extent = super::axis::finite_range(
        stats
            .iter()
            .flatten()
            .flatten()
            .flat_map(|s| [s.whisker_lo, s.whisker_hi])
            .chain(shown.iter().flatten().flatten().copied()),
    );
    let Some((mut lo, mut hi)) = extent else {
        return no_data(opts.title.as_deref());
    };
    if let Some((a, b)) = opts.y_range.filter(|(a, b)| a.is_finite() && b.is_finite()) {
        (lo, hi) = (a.min(b), a.max(b));
    }
    let ticks = Ticks::covering(lo, hi, 5);

    let k = classes.len().max(1);
    let bw = if opts.box_width.is_finite() {
        opts.box_width.clamp(3.0, 200.0)
    } else {
        22.0
    };
    let inner_gap = if k > 1 { 3.0 } else { 0.0 };
    let slot = k as f64 * bw + (k - 1) as f64 * inner_gap + (bw * 0.7).max(14.0);
    let labels: Vec<String> = groups.iter().map(|(l, _)| l.clone()).collect();
    let plot_h = if opts.plot_height.is_finite() {
        opts.plot_height.max(60.0)
    } else {
        260.0
    };

    // Legend wraps at the plot width (or 300 px for narrow plots).
    let legend_items: Vec<(String, String)> = classes
        .iter()
        .enumerate()
        .map(|(i, c)| (c.clone(), palette_color(i).to_string()))
        .collect();
    let provisional_w = (slot * groups.len() as f64).max(300.0);
    let legend = Legend::new(legend_items, provisional_w);
    let layout = categorical_layout(
        opts.title.as_deref(),
        legend.height(),
        &ticks,
        &opts.y_label,
        &labels,
        slot,
        plot_h,
        8.0,
    );
    let frame = layout.frame;
    let width = if classes.is_empty() {
        layout.width
    } else {
        layout.width.max(frame.left + legend.width() + 10.0)
    };
    let mut svg = Svg::new(width, layout.height);
    if let Some(t) = &opts.title {
        svg.title(10.0, t);
    }
    if !classes.is_empty() {
        legend.draw(&mut svg, frame.left, layout.legend_top, false);
    }
    let scale = Scale::new(ticks.first(), ticks.last(), frame.bottom(), frame.top);
    draw_y_axis(&mut svg, frame, scale, &ticks, &opts.y_label);

    let centers: Vec<f64> = (0..groups.len())
        .map(|g| frame.left + (g as f64 + 0.5) * slot)
        .collect();
    for (g, per) in stats.iter().enumerate() {
        let group_w = k as f64 * bw + (k - 1) as f64 * inner_gap;
        for (c, s) in per.iter().enumerate() {
            let Some(s) = s else { continue };
            let x0 = centers[g] - group_w / 2.0 + c as f64 * (bw + inner_gap);
            let color = palette_color(c);
            let name = if classes.is_empty() {
                groups[g].0.clone()
            } else {
                format!("{} · {}", groups[g].0, classes[c])
            };
            draw_box(
                &mut svg,
                x0,
                bw,
                s,
                &shown[g][c],
                scale,
                color,
                &name,
                (frame.top, frame.bottom()),
            );
        }
    }
    draw_category_labels(&mut svg, frame, &centers, &labels, &layout.labels);
    svg.finish()
}

/// Draws one box with whiskers, median and outliers; values outside the
/// frame's y span (only possible with a forced `y_range`) are clamped.
#[allow(clippy::too_many_arguments)]
fn draw_box(
    svg: &mut Svg,
    x0: f64,
    w: f64,
    s: &BoxStats,
    outliers: &[f64],
    scale: Scale,
    color: &str,
    name: &str,
    span: (f64, f64),
) {
    let y = |v: f64| scale.map(v).clamp(span.0, span.1);
    let cx = x0 + w / 2.0;
    let stroke = r##"stroke="#444444" stroke-width="1""##;
    // Whiskers with caps.
    svg.line(cx, y(s.whisker_hi), cx, y(s.q3), "#444444", "");
    svg.line(cx, y(s.q1), cx, y(s.whisker_lo), "#444444", "");
    for v in [s.whisker_lo, s.whisker_hi] {
        svg.line(cx - w / 4.0, y(v), cx + w / 4.0, y(v), "#444444", "");
    }
    let missing = if s.n_missing > 0 {
        format!(" ({} non-finite ignored)", s.n_missing)
    } else {
        String::new()
    };
    let more = if outliers.len() < s.outliers.len() {
        format!(", {} outliers ({} shown)", s.outliers.len(), outliers.len())
    } else {
        format!(", {} outliers", s.outliers.len())
    };
    let tip = format!(
        "{name}\nn = {}{missing}\nmedian {}\nQ1 {} – Q3 {}\nwhiskers {} – {}{more}",
        s.n,
        fmt(s.median),
        fmt(s.q1),
        fmt(s.q3),
        fmt(s.whisker_lo),
        fmt(s.whisker_hi)
    );
    let (top, bottom) = (y(s.q3), y(s.q1));
    let attrs = format!(r#"fill-opacity="0.55" {stroke}"#);
    svg.rect_with_title(x0, top, w, (bottom - top).max(1.0), color, &attrs, &tip);
    svg.line(
        x0,
        y(s.median),
        x0 + w,
        y(s.median),
        "#222222",
        r#"stroke-width="2""#,
    );
    for &v in outliers {
        svg.circle(
            cx,
            y(v),
            2.0,
            "none",
            &format!(r#"stroke="{color}" stroke-width="1""#),
            None,
        );
    }
}

/// Compact number for tooltips (4 significant digits).
fn fmt(v: f64) -> String {
    if v == 0.0 || (v.abs() >= 1e-3 && v.abs() < 1e5) {
        let s = format!("{:.4}", v);
        let s = s.trim_end_matches('0').trim_end_matches('.');
        s.to_string()
    } else {
        format!("{v:.3e}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::plot::test_util::assert_valid_svg;

    #[test]
    fn one_box_per_group_with_outliers_capped() {
        let mut big: Vec<f64> = (0..1000).map(|i| (i as f64 * 0.37).sin()).collect();
        big.extend((0..100).map(|i| 10.0 + i as f64));
        let groups = vec![
            ("unit 1".to_string(), vec![1.0, 2.0, 3.0, 4.0, f64::NAN]),
            ("unit <2>".to_string(), big),
            ("empty".to_string(), vec![]),
        ];
        let opts = BoxPlotOptions {
            max_outliers: 10,
            ..Default::default()
        };
        let svg = box_plots(&groups, &opts);
        let doc = assert_valid_svg(&svg);
        let boxes = doc
            .descendants()
            .filter(|n| n.has_tag_name("rect") && n.children().any(|c| c.has_tag_name("title")))
            .count();
        assert_eq!(boxes, 2);
        let circles = doc
            .descendants()
            .filter(|n| n.has_tag_name("circle"))
            .count();
        assert_eq!(circles, 10);
        assert!(svg.contains("100 outliers (10 shown)"));
        assert!(svg.contains("1 non-finite ignored"));
        assert!(svg.contains("unit &lt;2&gt;"));
    }

    #[test]
    fn y_ticks_cover_all_drawn_values() {
        let groups = vec![
            ("a".to_string(), vec![-3.3, 0.0, 1.0, 2.0]),
            ("b".to_string(), vec![7.9]),
        ];
        let svg = box_plots(&groups, &BoxPlotOptions::default());
        let doc = assert_valid_svg(&svg);
        let nums: Vec<f64> = doc
            .descendants()
            .filter(|n| n.has_tag_name("text"))
            .filter_map(|n| n.text()?.parse().ok())
            .collect();
        let lo = nums.iter().copied().fold(f64::INFINITY, f64::min);
        let hi = nums.iter().copied().fold(f64::NEG_INFINITY, f64::max);
        assert!(lo <= -3.3 && hi >= 7.9, "{nums:?}");
    }

    #[test]
    fn grouped_boxes_have_legend_and_rotated_labels() {
        let classes = vec![
            "Class A".to_string(),
            "Class B".to_string(),
            "Class C".to_string(),
        ];
        let groups: Vec<(String, Vec<Vec<f64>>)> = (0..15)
            .map(|u| {
                let per = (0..3)
                    .map(|c| {
                        (0..30)
                            .map(|i| ((u * 7 + c * 3 + i) % 11) as f64 - 5.0)
                            .collect()
                    })
                    .collect();
                (format!("unit {u} · CTCF-like"), per)
            })
            .collect();
        let svg = grouped_box_plots(&groups, &classes, &BoxPlotOptions::default());
        let doc = assert_valid_svg(&svg);
        let boxes = doc
            .descendants()
            .filter(|n| n.has_tag_name("rect") && n.children().any(|c| c.has_tag_name("title")))
            .count();
        assert_eq!(boxes, 45);
        for c in &classes {
            assert!(
                doc.descendants()
                    .any(|n| n.has_tag_name("text") && n.text() == Some(c.as_str()))
            );
        }
        assert!(svg.contains("rotate(-45"));
    }

    #[test]
    fn empty_inputs_give_no_data() {
        assert!(box_plots(&[], &BoxPlotOptions::default()).contains("No data"));
        assert!(
            box_plots(&[("x".into(), vec![f64::NAN])], &BoxPlotOptions::default())
                .contains("No data")
        );
        assert!(grouped_box_plots(&[], &[], &BoxPlotOptions::default()).contains("No data"));
        assert_valid_svg(&box_plots(
            &[("x".into(), vec![1.0])],
            &BoxPlotOptions::default(),
        ));
    }
}
