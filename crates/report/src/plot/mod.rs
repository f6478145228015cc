//! Hand-written SVG plots.
//!
//! Every function is pure: it takes data plus an options struct (all options
//! have [`Default`]s; use `..Default::default()`) and returns one standalone SVG
//! document as a `String`. Each SVG carries `width`, `height` and `viewBox`, so it
//! renders at its natural size and scales down cleanly inside the HTML report.
//! No SVG uses `id` attributes, so any number can be inlined in one page.
//!
//! Empty inputs never panic: they give a small "No data" SVG. Non-finite values
//! (NaN, ±inf) are skipped where a value cannot be drawn and shown in grey in
//! heatmaps.
//!
//! Text is drawn as SVG `<text>` in [`FONT_FAMILY`], which browsers resolve to a
//! system sans-serif font.

mod axis;
mod bar;
mod boxplot;
mod heatmap;
mod line;
mod stats;
mod svg;

pub use bar::{BarChartOptions, bar_chart};
pub use boxplot::{BoxPlotOptions, box_plots, grouped_box_plots};
pub use heatmap::{Heatmap, HeatmapOptions, heatmap};
pub use line::{LineChartOptions, line_chart};

/// Colour-blind-safe categorical palette (Okabe & Ito 2008), in the order series
/// and classes are coloured: blue, orange, bluish green, vermillion, reddish
/// purple, sky blue, yellow, black. Series beyond eight wrap around.
pub const PALETTE: [&str; 8] = [
    "#0072B2", "#E69F00", "#009E73", "#D55E00", "#CC79A7", "#56B4E9", "#F0E442", "#000000",
];

/// Font stack used for all SVG text (a generic sans-serif at the end).
pub const FONT_FAMILY: &str =
    "system-ui, -apple-system, 'Segoe UI', Roboto, 'Helvetica Neue', Arial, sans-serif";

/// Colour used for missing (non-finite) values.
pub const MISSING_COLOR: &str = "#d9d9d9";

/// Colour of `PALETTE[i % 8]`.
pub fn palette_color(i: usize) -> &'static str {
    PALETTE[i % PALETTE.len()]
}

/// "Nice" axis ticks with steps of 1, 2 or 5 × 10^k.
///
/// Returns at least two ascending, evenly spaced ticks whose first is `<= lo`
/// and whose last is `>= hi`, so an axis spanning them covers the data. About
/// `target` intervals are produced (`target` is clamped to at least 1). The
/// bounds may be given in either order; equal bounds are widened (by 1 around 0,
/// else by 10 % of the value). Non-finite bounds give `[0, 1]`.
pub fn nice_ticks(lo: f64, hi: f64, target: usize) -> Vec<f64> {
    ticks_with_step(lo, hi, target).0
}

/// Like [`nice_ticks`] but also returns the step's decimal exponent (the `k` in
/// `step = m × 10^k`), used to format tick labels with just enough decimals.
pub(crate) fn ticks_with_step(lo: f64, hi: f64, target: usize) -> (Vec<f64>, i32) {
    if !lo.is_finite() || !hi.is_finite() {
        return (vec![0.0, 1.0], 0);
    }
    let (mut lo, mut hi) = if lo <= hi { (lo, hi) } else { (hi, lo) };
    if hi - lo <= f64::EPSILON * hi.abs().max(lo.abs()).max(1e-300) {
        let d = if lo == 0.0 { 1.0 } else { lo.abs() * 0.1 };
        lo -= d;
        hi += d;
    }
    let target = target.max(1) as f64;
    let raw = (hi - lo) / target;
    let mut exp = raw.log10().floor() as i32;
    let f = raw / 10f64.powi(exp);
    let m: i64 = if f <= 1.0 {
        1
    } else if f <= 2.0 {
        2
    } else if f <= 5.0 {
        5
    } else {
        exp += 1;
        1
    };
    // Tick k is k*m*10^exp, computed so that decimal steps stay exact
    // (3 / 10 rather than 3 * 0.1).
    let value = |k: i64| -> f64 {
        let units = (k * m) as f64;
        if exp >= 0 {
            units * 10f64.powi(exp)
        } else {
            units / 10f64.powi(-exp)
        }
    };
    let step = value(1);
    let mut k0 = (lo / step).floor() as i64;
    let mut k1 = (hi / step).ceil() as i64;
    // Guard against floating error at the ends.
    while value(k0) > lo {
        k0 -= 1;
    }
    while value(k1) < hi {
        k1 += 1;
    }
    if k1 == k0 {
        k1 += 1;
    }
    let ticks = (k0..=k1.min(k0 + 1000)).map(value).collect();
    (ticks, exp)
}

/// Formats a tick value with the decimals implied by the step exponent.
pub(crate) fn format_tick(v: f64, exp: i32) -> String {
    let abs = v.abs();
    if abs != 0.0 && (abs >= 1e6 || exp < -5) {
        return format!("{v:.1e}");
    }
    let decimals = if exp < 0 { (-exp) as usize } else { 0 };
    let s = format!("{v:.decimals$}");
    // Avoid "-0" / "-0.0".
    if s.trim_start_matches('-')
        .chars()
        .all(|c| c == '0' || c == '.')
    {
        s.trim_start_matches('-').to_string()
    } else {
        s
    }
}

/// Maps `value` to a blue–white–red diverging colour centred on 0.
///
/// `value / limit` is clamped to `[-1, 1]`; `-limit` gives deep blue `#2166ac`,
/// `0` gives white `#ffffff`, `+limit` gives deep red `#b2182b` (the ends of
/// ColorBrewer RdBu, with `#92c5de` / `#f4a582` half-way). A non-finite
/// `value` gives [`MISSING_COLOR`]; a non-positive or non-finite `limit` is
/// treated as 1.
pub fn diverging_color(value: f64, limit: f64) -> String {
    if !value.is_finite() {
        return MISSING_COLOR.to_string();
    }
    let limit = if limit.is_finite() && limit > 0.0 {
        limit
    } else {
        1.0
    };
    let t = (value / limit).clamp(-1.0, 1.0);
    const STOPS: [(f64, [f64; 3]); 5] = [
        (-1.0, [33.0, 102.0, 172.0]),
        (-0.5, [146.0, 197.0, 222.0]),
        (0.0, [255.0, 255.0, 255.0]),
        (0.5, [244.0, 165.0, 130.0]),
        (1.0, [178.0, 24.0, 43.0]),
    ];
    let i = STOPS.windows(2).position(|w| t <= w[1].0).unwrap_or(3);
    let (t0, c0) = STOPS[i];
    let (t1, c1) = STOPS[i + 1];
    let u = (t - t0) / (t1 - t0);
    let ch = |k: usize| (c0[k] + (c1[k] - c0[k]) * u).round().clamp(0.0, 255.0) as u8;
    format!("#{:02x}{:02x}{:02x}", ch(0), ch(1), ch(2))
}

#[cfg(test)]
pub(crate) mod test_util {
    /// Parses `svg` as XML and checks the root is a sized `<svg>` with a viewBox.
    pub(crate) fn assert_valid_svg(svg: &str) -> roxmltree::Document<'_> {
        let doc = roxmltree::Document::parse(svg)
            .unwrap_or_else(|e| panic!("invalid SVG XML: {e}\n{svg}"));
        let root = doc.root_element();
        assert_eq!(root.tag_name().name(), "svg");
        assert_eq!(
            root.tag_name().namespace(),
            Some("http://www.w3.org/2000/svg")
        );
        for attr in ["width", "height", "viewBox"] {
            assert!(root.attribute(attr).is_some(), "missing {attr}");
        }
        for node in doc.descendants() {
            for a in node.attributes() {
                let v = a.value();
                assert!(
                    !v.contains("NaN") && !v.contains("inf"),
                    "non-finite number in attribute {}={v}",
                    a.name()
                );
            }
        }
        doc
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ticks_cover_range_with_nice_steps() {
        let cases = [
            (0.0, 1.0),
            (0.13, 0.87),
            (-3.2, 7.9),
            (0.0003, 0.0071),
            (12.0, 12.0),
            (0.0, 0.0),
            (-1e6, 5e6),
            (5.0, -5.0),
            (0.5123, 0.5124),
        ];
        for (lo, hi) in cases {
            for target in [1, 4, 5, 8] {
                let t = nice_ticks(lo, hi, target);
                assert!(t.len() >= 2, "{lo} {hi} {t:?}");
                assert!(
                    t[0] <= lo.min(hi) && *t.last().unwrap() >= hi.max(lo),
                    "{lo} {hi} {t:?}"
                );
                let step = t[1] - t[0];
                let mantissa = step / 10f64.powf((step * 1.000_001).log10().floor());
                assert!(
                    [1.0, 2.0, 5.0].iter().any(|m| (mantissa - m).abs() < 1e-6),
                    "step {step} not 1-2-5"
                );
                for w in t.windows(2) {
                    assert!(((w[1] - w[0]) - step).abs() <= step * 1e-9);
                }
                assert!(t.len() <= 2 * target + 3, "{lo} {hi} {target} {t:?}");
            }
        }
        assert_eq!(nice_ticks(0.0, 1.0, 5), vec![0.0, 0.2, 0.4, 0.6, 0.8, 1.0]);
        assert_eq!(nice_ticks(0.0, 0.3, 3), vec![0.0, 0.1, 0.2, 0.3]);
        assert_eq!(nice_ticks(f64::NAN, 1.0, 5), vec![0.0, 1.0]);
    }

    #[test]
    fn tick_labels_have_step_decimals() {
        let (t, e) = ticks_with_step(0.0, 1.0, 5);
        let labels: Vec<_> = t.iter().map(|&v| format_tick(v, e)).collect();
        assert_eq!(labels, ["0.0", "0.2", "0.4", "0.6", "0.8", "1.0"]);
        let (t, e) = ticks_with_step(-40.0, 40.0, 4);
        let labels: Vec<_> = t.iter().map(|&v| format_tick(v, e)).collect();
        assert_eq!(labels, ["-40", "-20", "0", "20", "40"]);
        assert_eq!(format_tick(-0.0, -1), "0.0");
    }

    #[test]
    fn diverging_scale_is_white_at_zero_and_saturates_at_limits() {
        assert_eq!(diverging_color(0.0, 2.5), "#ffffff");
        assert_eq!(diverging_color(-2.5, 2.5), "#2166ac");
        assert_eq!(diverging_color(2.5, 2.5), "#b2182b");
        assert_eq!(diverging_color(-100.0, 2.5), "#2166ac");
        assert_eq!(diverging_color(100.0, 2.5), "#b2182b");
        assert_eq!(diverging_color(1.25, 2.5), "#f4a582");
        assert_eq!(diverging_color(f64::NAN, 1.0), MISSING_COLOR);
        assert_eq!(diverging_color(0.0, 0.0), "#ffffff");
        // Monotone: reds get redder (less green) as the value grows.
        let g = |v: f64| u8::from_str_radix(&diverging_color(v, 1.0)[3..5], 16).unwrap();
        assert!(g(0.1) > g(0.4) && g(0.4) > g(0.9));
        assert!(g(-0.1) > g(-0.4));
    }
}
