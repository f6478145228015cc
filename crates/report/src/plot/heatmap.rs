//! Diverging heatmap, rows in a given order (e.g. the leaf order of a clustering:
//! `explainn_motif::cluster::row_order`).

use super::axis::{Scale, Ticks};
use super::svg::{Anchor, FONT_SIZE, INK, Svg, no_data, text_width};
use super::{MISSING_COLOR, diverging_color};

/// Options for [`heatmap`].
#[derive(Clone, Debug)]
pub struct HeatmapOptions {
    /// Title drawn above the plot. Default: none.
    pub title: Option<String>,
    /// The order to draw the rows in, top to bottom (a permutation of the row
    /// indices, e.g. a clustering's leaf order); anything else draws them as
    /// given. Default: as given.
    pub row_order: Option<Vec<usize>>,
    /// Cell width in px. Default: 28.
    pub cell_width: f64,
    /// Cell height in px; row labels shrink to fit below 14 px. Default: 16.
    /// (Rotated column labels likewise shrink for cells narrower than 19 px.)
    pub cell_height: f64,
    /// Symmetric colour limit `L`: the scale runs from `-L` (blue) through 0
    /// (white) to `+L` (red), clamping beyond. Default: the largest finite
    /// absolute value (1 if there is none or it is 0).
    pub limit: Option<f64>,
    /// Label written beside the colour bar. Default: empty.
    pub legend_label: String,
    /// Decimals of values in cell tooltips. Default: 3.
    pub decimals: usize,
}

impl Default for HeatmapOptions {
    fn default() -> Self {
        HeatmapOptions {
            title: None,
            row_order: None,
            cell_width: 28.0,
            cell_height: 16.0,
            limit: None,
            legend_label: String::new(),
            decimals: 3,
        }
    }
}

/// A rendered heatmap.
#[derive(Clone, Debug)]
pub struct Heatmap {
    /// The SVG document.
    pub svg: String,
    /// Row indices (into the input `rows`) in the order drawn, top to bottom.
    pub row_order: Vec<usize>,
}

/// Heatmap of a `rows.len() × cols.len()` matrix given row-major in `values`.
///
/// Colours follow [`diverging_color`] with symmetric limits around 0, and a
/// colour bar with ticks is drawn on the right. Row labels are drawn on the
/// left, column labels on top (rotated 45° when wider than a cell). Each cell
/// has a `<title>` tooltip `row × column: value`. Non-finite cells (and cells
/// missing because `values` is too short) are grey; extra values are ignored.
/// With no rows or no columns a small "No data" SVG is returned.
pub fn heatmap(rows: &[String], cols: &[String], values: &[f64], opts: &HeatmapOptions) -> Heatmap {
    let (nr, nc) = (rows.len(), cols.len());
    if nr == 0 || nc == 0 {
        return Heatmap {
            svg: no_data(opts.title.as_deref()),
            row_order: (0..nr).collect(),
        };
    }
    let value = |r: usize, c: usize| values.get(r * nc + c).copied().unwrap_or(f64::NAN);
    let full: Vec<f64> = (0..nr * nc).map(|i| value(i / nc, i % nc)).collect();
    let row_order = match &opts.row_order {
        Some(order) if is_permutation(order, nr) => order.clone(),
        _ => (0..nr).collect(),
    };
    let limit = opts
        .limit
        .filter(|l| l.is_finite() && *l > 0.0)
        .unwrap_or_else(|| {
            let m = full
                .iter()
                .filter(|v| v.is_finite())
                .fold(0.0f64, |m, v| m.max(v.abs()));
            if m > 0.0 { m } else { 1.0 }
        });

    let cw = if opts.cell_width.is_finite() {
        opts.cell_width.max(2.0)
    } else {
        28.0
    };
    let ch = if opts.cell_height.is_finite() {
        opts.cell_height.max(2.0)
    } else {
        16.0
    };
    let row_font = (ch - 2.0).clamp(6.0, FONT_SIZE);
    let row_label_w = rows
        .iter()
        .map(|r| text_width(r, row_font))
        .fold(0.0, f64::max);
    let rotate_cols = cols.iter().any(|c| text_width(c, FONT_SIZE) > cw - 4.0);
    // Rotated labels are cw·sin45° apart: shrink the font for narrow cells.
    let col_font = if rotate_cols {
        (cw * 0.65).clamp(6.0, FONT_SIZE)
    } else {
        FONT_SIZE
    };
    let col_label_w = cols
        .iter()
        .map(|c| text_width(c, col_font))
        .fold(0.0, f64::max);
    let s45 = std::f64::consts::FRAC_1_SQRT_2;
    let title_h = if opts.title.is_some() { 30.0 } else { 6.0 };
    let col_label_h = if rotate_cols {
        col_label_w * s45 + 12.0
    } else {
        FONT_SIZE + 10.0
    };

    let left = 10.0 + row_label_w + 6.0;
    let top = title_h + col_label_h;
    let (grid_w, grid_h) = (nc as f64 * cw, nr as f64 * ch);
    let grid_right = left + grid_w;

    // Colour bar geometry.
    let bar_x = grid_right + 24.0;
    let bar_w = 14.0;
    let bar_h = grid_h.clamp(100.0, 240.0);
    let bar_ticks = Ticks::covering(-limit, limit, 4);
    let tick_w = bar_ticks.max_label_width();
    let legend_x = bar_x + bar_w + 8.0 + tick_w + 16.0;
    let right_extent = if opts.legend_label.is_empty() {
        legend_x - 8.0
    } else {
        legend_x + 4.0
    };
    let col_overhang = if rotate_cols {
        grid_right - cw / 2.0 + col_label_w * s45 + 4.0
    } else {
        0.0
    };
    let width = right_extent.max(col_overhang).max(
        opts.title
            .as_deref()
            .map_or(0.0, |t| 10.0 + text_width(t, 14.0)),
    ) + 10.0;
    let height = top + grid_h.max(bar_h) + 10.0;

    let mut svg = Svg::new(width, height);
    if let Some(t) = &opts.title {
        svg.title(10.0, t);
    }
    // Column labels.
    for (c, label) in cols.iter().enumerate() {
        let x = left + (c as f64 + 0.5) * cw;
        if rotate_cols {
            svg.text(
                x - 3.0,
                top - 6.0,
                label,
                col_font,
                Anchor::Start,
                -45.0,
                "",
            );
        } else {
            svg.text(x, top - 6.0, label, FONT_SIZE, Anchor::Middle, 0.0, "");
        }
    }
    // Cells and row labels.
    let cell_stroke = if cw >= 6.0 && ch >= 6.0 {
        r##"stroke="#ffffff" stroke-width="0.5""##
    } else {
        ""
    };
    let dec = opts.decimals;
    for (i, &r) in row_order.iter().enumerate() {
        let y = top + i as f64 * ch;
        svg.text(
            left - 6.0,
            y + ch / 2.0 + row_font * 0.35,
            &rows[r],
            row_font,
            Anchor::End,
            0.0,
            "",
        );
        for (c, col) in cols.iter().enumerate() {
            let v = value(r, c);
            let fill = diverging_color(v, limit);
            let shown = if v.is_finite() {
                format!("{v:.dec$}")
            } else {
                "missing".to_string()
            };
            let tip = format!("{} × {}: {}", rows[r], col, shown);
            svg.rect_with_title(left + c as f64 * cw, y, cw, ch, &fill, cell_stroke, &tip);
        }
    }
    svg.rect(
        left,
        top,
        grid_w,
        grid_h,
        "none",
        r##"stroke="#bbbbbb" stroke-width="0.5""##,
    );

    // Colour bar: 64 stacked bands from -limit (bottom) to +limit (top).
    let bands = 64;
    let band_h = bar_h / bands as f64;
    for b in 0..bands {
        let v = -limit + (b as f64 + 0.5) / bands as f64 * 2.0 * limit;
        let y = top + bar_h - (b + 1) as f64 * band_h;
        // Slight overlap hides anti-aliasing seams between bands.
        svg.rect(
            bar_x,
            y - 0.3,
            bar_w,
            band_h + 0.6,
            &diverging_color(v, limit),
            "",
        );
    }
    svg.rect(
        bar_x,
        top,
        bar_w,
        bar_h,
        "none",
        r##"stroke="#999999" stroke-width="0.5""##,
    );
    let scale = Scale::new(-limit, limit, top + bar_h, top);
    let eps = limit * 1e-9;
    for (v, l) in bar_ticks.values.iter().zip(&bar_ticks.labels) {
        if v.abs() > limit + eps {
            continue;
        }
        let y = scale.map(*v);
        svg.line(bar_x + bar_w, y, bar_x + bar_w + 4.0, y, INK, "");
        svg.text(
            bar_x + bar_w + 7.0,
            y + FONT_SIZE * 0.35,
            l,
            FONT_SIZE,
            Anchor::Start,
            0.0,
            "",
        );
    }
    if !opts.legend_label.is_empty() {
        svg.text(
            legend_x,
            top + bar_h / 2.0,
            &opts.legend_label,
            FONT_SIZE,
            Anchor::Middle,
            -90.0,
            "",
        );
    }
    // Grey swatch explaining missing cells, only when some are present.
    if full.iter().any(|v| !v.is_finite()) && top + bar_h + 30.0 <= height {
        svg.rect(bar_x, top + bar_h + 10.0, bar_w, 10.0, MISSING_COLOR, "");
        svg.text(
            bar_x + bar_w + 7.0,
            top + bar_h + 19.0,
            "NA",
            FONT_SIZE,
            Anchor::Start,
            0.0,
            "",
        );
    }
    Heatmap {
        svg: svg.finish(),
        row_order,
    }
}

/// Whether `order` holds each of 0..n exactly once.
fn is_permutation(order: &[usize], n: usize) -> bool {
    let mut seen = vec![false; n];
    order.len() == n
        && order
            .iter()
            .all(|&i| i < n && !std::mem::replace(&mut seen[i], true))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::plot::test_util::assert_valid_svg;

    fn names(prefix: &str, n: usize) -> Vec<String> {
        (0..n).map(|i| format!("{prefix}{i}")).collect()
    }

    #[test]
    fn cells_have_tooltips_and_colours() {
        let rows = vec!["unit <1>".to_string(), "unit & 2".to_string()];
        let cols = vec!["CTCF".to_string(), "a rather long class name".to_string()];
        let h = heatmap(
            &rows,
            &cols,
            &[1.0, -2.0, 0.0, f64::NAN],
            &HeatmapOptions::default(),
        );
        let doc = assert_valid_svg(&h.svg);
        let titles: Vec<_> = doc
            .descendants()
            .filter(|n| n.has_tag_name("title"))
            .map(|n| n.text().unwrap_or("").to_string())
            .collect();
        assert_eq!(titles.len(), 4);
        assert!(titles.contains(&"unit <1> × CTCF: 1.000".to_string()));
        assert!(titles.contains(&"unit & 2 × a rather long class name: missing".to_string()));
        // Limit defaults to max |v| = 2: -2 is the deep-blue end, 0 white.
        let fill_of = |t: &str| {
            doc.descendants()
                .find(|n| n.has_tag_name("title") && n.text() == Some(t))
                .and_then(|n| n.parent())
                .and_then(|p| p.attribute("fill"))
                .unwrap()
                .to_string()
        };
        assert_eq!(
            fill_of("unit <1> × a rather long class name: -2.000"),
            "#2166ac"
        );
        assert_eq!(fill_of("unit & 2 × CTCF: 0.000"), "#ffffff");
        assert_eq!(
            fill_of("unit & 2 × a rather long class name: missing"),
            MISSING_COLOR
        );
        assert_eq!(h.row_order, vec![0, 1]);
        // Long column labels are rotated.
        assert!(h.svg.contains("rotate(-45"));
    }

    #[test]
    fn rows_are_drawn_in_the_given_order() {
        let rows = names("u", 4);
        let cols = names("c", 2);
        let values = [0.0, 0.0, 5.0, 5.0, 0.1, 0.0, 5.0, 4.9];
        let bad = HeatmapOptions {
            row_order: Some(vec![0, 2, 2, 3]),
            ..Default::default()
        };
        assert_eq!(
            heatmap(&rows, &cols, &values, &bad).row_order,
            vec![0, 1, 2, 3]
        );
        let opts = HeatmapOptions {
            row_order: Some(vec![0, 2, 1, 3]),
            ..Default::default()
        };
        let h = heatmap(&rows, &cols, &values, &opts);
        assert_eq!(h.row_order, vec![0, 2, 1, 3]);
        let doc = assert_valid_svg(&h.svg);
        // Row labels appear in clustered order.
        let labels: Vec<_> = doc
            .descendants()
            .filter(|n| n.has_tag_name("text") && n.text().is_some_and(|t| t.starts_with('u')))
            .map(|n| n.text().unwrap().to_string())
            .collect();
        assert_eq!(labels, ["u0", "u2", "u1", "u3"]);
    }

    #[test]
    fn empty_and_short_inputs_do_not_panic() {
        let h = heatmap(&[], &names("c", 3), &[], &HeatmapOptions::default());
        assert_valid_svg(&h.svg);
        assert!(h.svg.contains("No data"));
        let h = heatmap(
            &names("r", 3),
            &names("c", 3),
            &[1.0],
            &HeatmapOptions {
                row_order: Some(vec![2, 1, 0]),
                ..Default::default()
            },
        );
        assert_valid_svg(&h.svg);
        assert_eq!(h.row_order.len(), 3);
        let big = heatmap(
            &names("r", 300),
            &names("c", 8),
            &vec![0.5; 2400],
            &HeatmapOptions {
                cell_height: 5.0,
                ..Default::default()
            },
        );
        assert_valid_svg(&big.svg);
    }
}
