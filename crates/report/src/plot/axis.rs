//! Linear scales, axes, category labels and legends (private).

use super::svg::{Anchor, FONT_SIZE, GRID, INK, Svg, text_width};
use super::{format_tick, ticks_with_step};

/// Linear map from a data domain to a pixel range.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Scale {
    d0: f64,
    d1: f64,
    r0: f64,
    r1: f64,
}

impl Scale {
    pub(crate) fn new(d0: f64, d1: f64, r0: f64, r1: f64) -> Self {
        let d1 = if d1 == d0 { d0 + 1.0 } else { d1 };
        Scale { d0, d1, r0, r1 }
    }

    pub(crate) fn map(&self, v: f64) -> f64 {
        self.r0 + (v - self.d0) / (self.d1 - self.d0) * (self.r1 - self.r0)
    }
}

/// Nice ticks plus their formatted labels.
pub(crate) struct Ticks {
    pub(crate) values: Vec<f64>,
    pub(crate) labels: Vec<String>,
}

impl Ticks {
    /// Ticks covering `[lo, hi]`; empty or non-finite ranges fall back to `[0, 1]`.
    ///
    /// Tries `target` to `target + 2` intervals and keeps the tick set that
    /// wastes the least axis span (ties: fewer ticks), so e.g. data in
    /// `[-1, 26]` gets `-5..30` rather than `-10..30`.
    pub(crate) fn covering(lo: f64, hi: f64, target: usize) -> Self {
        let span = (hi - lo).abs();
        let (values, exp) = (target..=target + 2)
            .map(|t| ticks_with_step(lo, hi, t))
            .min_by(|a, b| {
                let waste = |v: &[f64]| {
                    let covered = v.last().unwrap_or(&1.0) - v.first().unwrap_or(&0.0);
                    if covered > 0.0 && span.is_finite() {
                        1.0 - span / covered
                    } else {
                        1.0
                    }
                };
                // Waste differences under 5 % do not justify more ticks.
                let (wa, wb) = (waste(&a.0), waste(&b.0));
                if (wa - wb).abs() < 0.05 {
                    a.0.len().cmp(&b.0.len())
                } else {
                    wa.total_cmp(&wb)
                }
            })
            .unwrap_or_else(|| ticks_with_step(lo, hi, target));
        let labels = values.iter().map(|&v| format_tick(v, exp)).collect();
        Ticks { values, labels }
    }

    pub(crate) fn first(&self) -> f64 {
        self.values[0]
    }

    pub(crate) fn last(&self) -> f64 {
        *self.values.last().unwrap_or(&1.0)
    }

    pub(crate) fn max_label_width(&self) -> f64 {
        self.labels
            .iter()
            .map(|l| text_width(l, FONT_SIZE))
            .fold(0.0, f64::max)
    }
}

/// Finite min and max of an iterator, or `None` if there is no finite value.
pub(crate) fn finite_range(values: impl IntoIterator<Item = f64>) -> Option<(f64, f64)> {
    values
        .into_iter()
        .filter(|v| v.is_finite())
        .fold(None, |acc, v| match acc {
            None => Some((v, v)),
            Some((lo, hi)) => Some((lo.min(v), hi.max(v))),
        })
}

/// The plotting area in pixels.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Frame {
    pub(crate) left: f64,
    pub(crate) top: f64,
    pub(crate) width: f64,
    pub(crate) height: f64,
}

impl Frame {
    pub(crate) fn right(&self) -> f64 {
        self.left + self.width
    }
    pub(crate) fn bottom(&self) -> f64 {
        self.top + self.height
    }
}

/// Width needed left of the frame for y tick labels and the y-axis label.
pub(crate) fn y_axis_margin(ticks: &Ticks, has_label: bool) -> f64 {
    ticks.max_label_width() + 14.0 + if has_label { 22.0 } else { 0.0 } + 6.0
}

/// Horizontal grid lines, y tick labels, the left axis line and the rotated
/// y-axis label.
pub(crate) fn draw_y_axis(svg: &mut Svg, frame: Frame, scale: Scale, ticks: &Ticks, label: &str) {
    for (v, l) in ticks.values.iter().zip(&ticks.labels) {
        let y = scale.map(*v);
        svg.line(frame.left, y, frame.right(), y, GRID, "");
        svg.line(frame.left - 4.0, y, frame.left, y, INK, "");
        svg.text(
            frame.left - 7.0,
            y + FONT_SIZE * 0.35,
            l,
            FONT_SIZE,
            Anchor::End,
            0.0,
            "",
        );
    }
    svg.line(frame.left, frame.top, frame.left, frame.bottom(), INK, "");
    if !label.is_empty() {
        let x = frame.left - ticks.max_label_width() - 14.0 - 8.0;
        let y = frame.top + frame.height / 2.0;
        svg.text(x, y, label, FONT_SIZE, Anchor::Middle, -90.0, "");
    }
}

/// Numeric x axis: tick marks and labels below the frame, vertical grid lines,
/// and the axis label centred underneath. Returns the y just below the label.
pub(crate) fn draw_x_axis(
    svg: &mut Svg,
    frame: Frame,
    scale: Scale,
    ticks: &Ticks,
    label: &str,
) -> f64 {
    let b = frame.bottom();
    for (v, l) in ticks.values.iter().zip(&ticks.labels) {
        let x = scale.map(*v);
        svg.line(x, frame.top, x, b, GRID, "");
        svg.line(x, b, x, b + 4.0, INK, "");
        svg.text(
            x,
            b + 6.0 + FONT_SIZE,
            l,
            FONT_SIZE,
            Anchor::Middle,
            0.0,
            "",
        );
    }
    svg.line(frame.left, b, frame.right(), b, INK, "");
    let mut y = b + 6.0 + FONT_SIZE + 4.0;
    if !label.is_empty() {
        y += FONT_SIZE + 4.0;
        svg.text(
            frame.left + frame.width / 2.0,
            y - 4.0,
            label,
            FONT_SIZE,
            Anchor::Middle,
            0.0,
            "",
        );
    }
    y
}

/// Layout of category labels under a categorical x axis.
pub(crate) struct CategoryLabels {
    rotate: bool,
    /// Vertical space the labels take below the frame.
    pub(crate) height: f64,
    /// How far the first label extends left of its slot centre.
    pub(crate) left_overhang: f64,
}

/// Decides whether labels in slots `slot_width` px wide must be rotated (by
/// 45°) and how much room they need.
pub(crate) fn layout_category_labels(labels: &[String], slot_width: f64) -> CategoryLabels {
    let widths: Vec<f64> = labels.iter().map(|l| text_width(l, FONT_SIZE)).collect();
    let max_w = widths.iter().copied().fold(0.0, f64::max);
    if max_w <= slot_width - 4.0 {
        CategoryLabels {
            rotate: false,
            height: FONT_SIZE + 10.0,
            left_overhang: max_w / 2.0,
        }
    } else {
        let s = std::f64::consts::FRAC_1_SQRT_2;
        CategoryLabels {
            rotate: true,
            height: max_w * s + FONT_SIZE + 8.0,
            left_overhang: widths.first().copied().unwrap_or(0.0) * s + 4.0,
        }
    }
}

/// Draws category labels centred on `centers`, below the frame's bottom.
pub(crate) fn draw_category_labels(
    svg: &mut Svg,
    frame: Frame,
    centers: &[f64],
    labels: &[String],
    layout: &CategoryLabels,
) {
    let y = frame.bottom() + 6.0 + FONT_SIZE;
    for (x, l) in centers.iter().zip(labels) {
        svg.line(*x, frame.bottom(), *x, frame.bottom() + 4.0, INK, "");
        if layout.rotate {
            svg.text(x + 3.0, y - 4.0, l, FONT_SIZE, Anchor::End, -45.0, "");
        } else {
            svg.text(*x, y, l, FONT_SIZE, Anchor::Middle, 0.0, "");
        }
    }
}

/// A horizontal legend: one swatch and label per entry, wrapping at `max_width`.
pub(crate) struct Legend {
    items: Vec<(String, String)>,
    max_width: f64,
}

const SWATCH: f64 = 12.0;
const LEGEND_ROW: f64 = 18.0;

impl Legend {
    pub(crate) fn new(items: Vec<(String, String)>, max_width: f64) -> Self {
        Legend {
            items,
            max_width: max_width.max(120.0),
        }
    }

    fn positions(&self) -> Vec<(f64, f64)> {
        let mut out = Vec::with_capacity(self.items.len());
        let (mut x, mut row) = (0.0, 0.0);
        for (label, _) in &self.items {
            let w = SWATCH + 6.0 + text_width(label, FONT_SIZE) + 16.0;
            if x > 0.0 && x + w > self.max_width {
                x = 0.0;
                row += 1.0;
            }
            out.push((x, row * LEGEND_ROW));
            x += w;
        }
        out
    }

    /// Width the legend occupies (0 when empty).
    pub(crate) fn width(&self) -> f64 {
        self.items
            .iter()
            .zip(self.positions())
            .map(|((label, _), (x, _))| x + SWATCH + 6.0 + text_width(label, FONT_SIZE))
            .fold(0.0, f64::max)
    }

    /// Height the legend occupies (0 when empty).
    pub(crate) fn height(&self) -> f64 {
        match self.positions().last() {
            Some((_, y)) => y + LEGEND_ROW,
            None => 0.0,
        }
    }

    /// Draws the legend with its top-left corner at (x, y); `line_style`
    /// draws line swatches instead of filled squares.
    pub(crate) fn draw(&self, svg: &mut Svg, x: f64, y: f64, line_style: bool) {
        for ((label, color), (dx, dy)) in self.items.iter().zip(self.positions()) {
            let (sx, sy) = (x + dx, y + dy + 2.0);
            if line_style {
                svg.line(
                    sx,
                    sy + SWATCH / 2.0,
                    sx + SWATCH + 4.0,
                    sy + SWATCH / 2.0,
                    color,
                    r#"stroke-width="2.5""#,
                );
                svg.text(
                    sx + SWATCH + 10.0,
                    sy + SWATCH - 2.0,
                    label,
                    FONT_SIZE,
                    Anchor::Start,
                    0.0,
                    "",
                );
            } else {
                svg.rect(sx, sy, SWATCH, SWATCH, color, r#"rx="2""#);
                svg.text(
                    sx + SWATCH + 6.0,
                    sy + SWATCH - 2.0,
                    label,
                    FONT_SIZE,
                    Anchor::Start,
                    0.0,
                    "",
                );
            }
        }
    }
}

/// Layout of a plot with a categorical x axis of equal slots and a numeric
/// y axis: title, optional legend, frame, category labels.
pub(crate) struct CategoricalLayout {
    pub(crate) frame: Frame,
    pub(crate) labels: CategoryLabels,
    pub(crate) width: f64,
    pub(crate) height: f64,
    /// Top of the legend area (below the title).
    pub(crate) legend_top: f64,
}

/// Computes a [`CategoricalLayout`]; `headroom` is extra space above the frame
/// (for value labels), `legend_h` the legend's height.
#[allow(clippy::too_many_arguments)]
pub(crate) fn categorical_layout(
    title: Option<&str>,
    legend_h: f64,
    ticks: &Ticks,
    y_label: &str,
    labels: &[String],
    slot_width: f64,
    plot_height: f64,
    headroom: f64,
) -> CategoricalLayout {
    let title_h = if title.is_some() { 30.0 } else { 8.0 };
    let legend_top = title_h;
    let label_layout = layout_category_labels(labels, slot_width);
    let left = y_axis_margin(ticks, !y_label.is_empty())
        .max(label_layout.left_overhang - slot_width / 2.0 + 8.0);
    let top = title_h + legend_h + headroom + if legend_h > 0.0 { 6.0 } else { 0.0 };
    let frame = Frame {
        left,
        top,
        width: slot_width * labels.len() as f64,
        height: plot_height,
    };
    let title_w = title.map_or(0.0, |t| 10.0 + text_width(t, 14.0));
    let width = (frame.right() + 16.0).max(title_w + 10.0);
    let height = frame.bottom() + label_layout.height + 8.0;
    CategoricalLayout {
        frame,
        labels: label_layout,
        width,
        height,
        legend_top,
    }
}
