//! Information-content sequence logos. Letters are drawn from hand-made vector outlines
//! (no fonts), so the SVG, and the PNG rendered from it with resvg, is identical on every
//! machine.

use crate::background::Background;
use crate::error::MotifError;
use crate::motif::Motif;
use std::fmt::Write as _;

/// Letter outlines in a unit box (x right, y down, 0..1), filled with the even-odd rule.
const GLYPHS: [&str; 4] = [
    // A: two slanted legs with a crossbar and a triangular counter.
    "M0,1 L0.37,0 L0.63,0 L1,1 L0.75,1 L0.665,0.76 L0.335,0.76 L0.25,1 Z M0.405,0.56 L0.595,0.56 L0.5,0.27 Z",
    // C: an elliptical ring open on the right.
    "M0.883,0.179 A0.5,0.5 0 1 0 0.883,0.821 L0.722,0.699 A0.29,0.31 0 1 1 0.722,0.301 Z",
    // G: the C ring with a spur and crossbar on the right.
    "M0.883,0.179 A0.5,0.5 0 1 0 1,0.5 L0.55,0.5 L0.55,0.64 L0.755,0.64 A0.29,0.31 0 1 1 0.722,0.301 Z",
    // T: a bar on a stem.
    "M0,0 L1,0 L1,0.2 L0.62,0.2 L0.62,1 L0.38,1 L0.38,0.2 L0,0.2 Z",
];

/// Digit outlines for the axis labels (strokes in a unit box).
const DIGITS: [&str; 3] = [
    "M0.5,0 C1.1,0 1.1,1 0.5,1 C-0.1,1 -0.1,0 0.5,0 Z",
    "M0.25,0.2 L0.55,0 L0.55,1",
    "M0.1,0.25 C0.2,-0.08 0.9,-0.08 0.9,0.3 C0.9,0.55 0.1,0.75 0.1,1 L0.95,1",
];

/// Letter colours: A green, C blue, G orange, T red.
pub const COLORS: [&str; 4] = ["#109648", "#255C99", "#F7B32B", "#D62839"];

/// Drawing options for [`logo_svg`] and [`logo_png`].
#[derive(Debug, Clone)]
pub struct LogoOptions {
    /// Draw the reverse complement; default false.
    pub reverse_complement: bool,
    /// Width of one position in pixels; default 30.
    pub column_width: f64,
    /// Height of 2 bits in pixels; default 120.
    pub height: f64,
    /// Draw the y axis (0, 1, 2 bits) and baseline; default true.
    pub axis: bool,
    /// Background for the information content; default uniform (IC in 0..2 bits).
    pub background: Background,
    /// PNG only: pixels per SVG unit; default 2.
    pub png_scale: f32,
}

impl Default for LogoOptions {
    fn default() -> Self {
        Self {
            reverse_complement: false,
            column_width: 30.0,
            height: 120.0,
            axis: true,
            background: Background::uniform(),
            png_scale: 2.0,
        }
    }
}

/// The logo of `motif` as a standalone SVG document: for each position, the four letters
/// stacked with heights `p_a * IC` (IC in bits, capped at 2), the tallest on top.
pub fn logo_svg(motif: &Motif, opts: &LogoOptions) -> String {
    let m = if opts.reverse_complement {
        motif.reverse_complement()
    } else {
        motif.clone()
    };
    let probs = m.probabilities();
    let ic = m.information_content(&opts.background);
    let (left, top, bottom, right) = if opts.axis {
        (34.0, 10.0, 10.0, 6.0)
    } else {
        (2.0, 2.0, 2.0, 2.0)
    };
    let cw = opts.column_width;
    let h = opts.height;
    let width = left + cw * probs.len() as f64 + right;
    let height = top + h + bottom;
    let mut s = String::new();
    let _ = write!(
        s,
        r#"<svg xmlns="http://www.w3.org/2000/svg" width="{w:.0}" height="{hh:.0}" viewBox="0 0 {w:.2} {hh:.2}">"#,
        w = width.ceil(),
        hh = height.ceil()
    );
    let _ = write!(
        s,
        r#"<title>{}</title><rect width="100%" height="100%" fill="white"/>"#,
        xml_escape(&m.id)
    );
    let base = top + h;
    for (j, (p, &bits)) in probs.iter().zip(&ic).enumerate() {
        let bits = bits.clamp(0.0, 2.0);
        let mut order = [0usize, 1, 2, 3];
        order.sort_by(|&a, &b| p[a].total_cmp(&p[b]).then(b.cmp(&a)));
        let x = left + cw * j as f64 + 0.5;
        let mut y = base;
        for &a in &order {
            let lh = p[a] * bits / 2.0 * h;
            if lh < 0.01 {
                continue;
            }
            y -= lh;
            let _ = write!(
                s,
                r#"<path fill="{}" fill-rule="evenodd" transform="matrix({:.4} 0 0 {:.4} {:.4} {:.4})" d="{}"/>"#,
                COLORS[a],
                cw - 1.0,
                lh,
                x,
                y,
                GLYPHS[a]
            );
        }
    }
    if opts.axis {
        let ax = left - 4.0;
        let _ = write!(
            s,
            r#"<g fill="none" stroke="black" stroke-width="1"><path d="M{ax:.2},{top:.2} L{ax:.2},{base:.2} M{ax:.2},{base:.2} L{:.2},{base:.2}"/>"#,
            width - right
        );
        for (d, digit) in DIGITS.iter().enumerate() {
            let ty = base - h * d as f64 / 2.0;
            let _ = write!(
                s,
                r#"<path d="M{:.2},{ty:.2} L{ax:.2},{ty:.2}"/>"#,
                ax - 4.0
            );
            // 7 x 10 px digit, centred on the tick.
            let _ = write!(
                s,
                r#"<path stroke-width="0.16" transform="matrix(7 0 0 10 {:.2} {:.2})" d="{digit}"/>"#,
                ax - 16.0,
                ty - 5.0
            );
        }
        s.push_str("</g>");
    }
    s.push_str("</svg>\n");
    s
}

/// A labelled span drawn under an [`attribution_logo_svg`] (e.g. a unit's instance).
#[derive(Debug, Clone, PartialEq)]
pub struct LogoMark {
    /// First position (0-based) and one past the last.
    pub start: usize,
    pub end: usize,
    /// Text drawn at the span's start.
    pub label: String,
}

/// A base-resolution attribution logo as a standalone SVG: `values` `(L, 4)` (A, C, G, T
/// per position; e.g. attributions projected on the sequence, or hypothetical ones), each
/// letter scaled by its value, positive ones stacked up from the middle line and negative
/// ones down, the scale set by the largest stack; `marks` drawn as labelled bars under the
/// logo, packed into rows so that they do not overlap. `column_width` px per position
/// (default 4 for a 200-bp sequence), `height` px for the logo (both directions).
pub fn attribution_logo_svg(
    values: &[[f64; 4]],
    marks: &[LogoMark],
    column_width: f64,
    height: f64,
    title: &str,
) -> String {
    let (left, top) = (4.0, 4.0);
    let cw = column_width;
    let stack = |j: usize, sign: f64| -> f64 {
        values[j]
            .iter()
            .filter(|v| v.signum() == sign)
            .map(|v| v.abs())
            .sum()
    };
    let scale = (0..values.len())
        .map(|j| stack(j, 1.0).max(stack(j, -1.0)))
        .fold(0.0f64, f64::max);
    let half = height / 2.0;
    let per = if scale > 0.0 { half / scale } else { 0.0 };
    // Rows of marks: first fit.
    let mut rows: Vec<usize> = Vec::new(); // end of the last mark in each row
    let mut placed = Vec::with_capacity(marks.len());
    for m in marks {
        let row = match rows.iter().position(|&end| end <= m.start) {
            Some(r) => r,
            None => {
                rows.push(0);
                rows.len() - 1
            }
        };
        // Leave room for the label (about 5 px per character) before the next mark.
        let label_end = m.start + ((m.label.chars().count() as f64 * 5.0) / cw).ceil() as usize;
        rows[row] = m.end.max(label_end) + 1;
        placed.push(row);
    }
    let mark_h = 22.0;
    let width = left * 2.0 + cw * values.len() as f64;
    let total = top * 2.0 + height + mark_h * rows.len() as f64;
    let mut s = String::new();
    let _ = write!(
        s,
        r#"<svg xmlns="http://www.w3.org/2000/svg" width="{w:.0}" height="{h:.0}" viewBox="0 0 {w:.2} {h:.2}"><title>{t}</title><rect width="100%" height="100%" fill="white"/>"#,
        w = width.ceil(),
        h = total.ceil(),
        t = xml_escape(title)
    );
    let mid = top + half;
    for (j, v) in values.iter().enumerate() {
        let x = left + cw * j as f64;
        let mut order = [0usize, 1, 2, 3];
        order.sort_by(|&a, &b| v[a].abs().total_cmp(&v[b].abs()).then(b.cmp(&a)));
        let (mut up, mut down) = (mid, mid);
        for &a in &order {
            let lh = v[a].abs() * per;
            if lh < 0.05 {
                continue;
            }
            let y = if v[a] > 0.0 {
                up -= lh;
                up
            } else {
                down += lh;
                down - lh
            };
            let _ = write!(
                s,
                r#"<path fill="{}" fill-rule="evenodd" transform="matrix({:.4} 0 0 {:.4} {:.4} {:.4})" d="{}"/>"#,
                COLORS[a], cw, lh, x, y, GLYPHS[a]
            );
        }
    }
    let _ = write!(
        s,
        r##"<path d="M{left:.2},{mid:.2} L{:.2},{mid:.2}" stroke="#999" stroke-width="0.5"/>"##,
        width - left
    );
    for (m, &row) in marks.iter().zip(&placed) {
        let y = top * 2.0 + height + mark_h * row as f64;
        let x = left + cw * m.start as f64;
        let w = cw * (m.end.saturating_sub(m.start)) as f64;
        let _ = write!(
            s,
            r##"<rect x="{x:.2}" y="{y:.2}" width="{w:.2}" height="5" fill="#555"><title>{l} {a}–{b}</title></rect><text x="{x:.2}" y="{ty:.2}" font-size="9" font-family="sans-serif">{l}</text>"##,
            l = xml_escape(&m.label),
            a = m.start,
            b = m.end,
            ty = y + 15.0
        );
    }
    s.push_str("</svg>\n");
    s
}

fn xml_escape(t: &str) -> String {
    explainn_report::escape(t)
}

/// The logo rendered to PNG bytes (through [`logo_svg`] and resvg, scaled by
/// `opts.png_scale`).
pub fn logo_png(motif: &Motif, opts: &LogoOptions) -> Result<Vec<u8>, MotifError> {
    use resvg::{tiny_skia, usvg};
    let svg = logo_svg(motif, opts);
    let tree = usvg::Tree::from_str(&svg, &usvg::Options::default())
        .map_err(|e| MotifError::Invalid(format!("logo SVG for {}: {e}", motif.id)))?;
    let size = tree
        .size()
        .to_int_size()
        .scale_by(opts.png_scale)
        .ok_or_else(|| MotifError::Invalid("empty logo".into()))?;
    let mut pixmap = tiny_skia::Pixmap::new(size.width(), size.height())
        .ok_or_else(|| MotifError::Invalid(format!("logo of {} too large", motif.id)))?;
    resvg::render(
        &tree,
        tiny_skia::Transform::from_scale(opts.png_scale, opts.png_scale),
        &mut pixmap.as_mut(),
    );
    pixmap
        .encode_png()
        .map_err(|e| MotifError::Invalid(format!("PNG encoding: {e}")))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::motif::MatrixKind;

    #[test]
    fn svg_is_deterministic_and_renders() {
        let m = Motif::new(
            "x",
            vec![[0.97, 0.01, 0.01, 0.01], [0.25; 4], [0.1, 0.4, 0.4, 0.1]],
            MatrixKind::Probabilities,
        );
        let a = logo_svg(&m, &LogoOptions::default());
        assert_eq!(a, logo_svg(&m, &LogoOptions::default()));
        assert!(a.contains(COLORS[0]));
        let png = logo_png(&m, &LogoOptions::default()).unwrap();
        assert_eq!(&png[1..4], b"PNG");
    }
}
