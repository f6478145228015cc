//! A minimal SVG string builder (private).

use super::FONT_FAMILY;
use crate::escape::escape;
use std::fmt::Write;

/// Base font size (px) for tick and category labels.
pub(crate) const FONT_SIZE: f64 = 12.0;
/// Font size (px) for plot titles.
pub(crate) const TITLE_SIZE: f64 = 14.0;
/// Colour of axis lines, ticks and labels.
pub(crate) const INK: &str = "#333333";
/// Colour of light grid lines.
pub(crate) const GRID: &str = "#e5e5e5";

/// Formats a coordinate compactly (at most two decimals, no trailing zeros).
pub(crate) fn n(x: f64) -> String {
    if !x.is_finite() {
        return "0".to_string();
    }
    let s = format!("{:.2}", x);
    let s = s.trim_end_matches('0').trim_end_matches('.');
    if s == "-0" {
        "0".to_string()
    } else {
        s.to_string()
    }
}

/// Rough rendered width of `s` in px for a sans-serif font at `size` px.
/// Deliberately generous (0.6 em per character) so layouts leave room.
pub(crate) fn text_width(s: &str, size: f64) -> f64 {
    s.chars()
        .map(|c| match c {
            'i' | 'l' | 'j' | 't' | 'f' | 'r' | '.' | ',' | ':' | ';' | '|' | '!' | '\'' | ' ' => {
                0.35
            }
            'm' | 'w' | 'M' | 'W' => 0.9,
            c if c.is_uppercase() => 0.68,
            _ => 0.58,
        })
        .sum::<f64>()
        * size
}

/// Text anchor for [`Svg::text`].
#[derive(Clone, Copy)]
pub(crate) enum Anchor {
    Start,
    Middle,
    End,
}

impl Anchor {
    fn as_str(self) -> &'static str {
        match self {
            Anchor::Start => "start",
            Anchor::Middle => "middle",
            Anchor::End => "end",
        }
    }
}

pub(crate) struct Svg {
    width: f64,
    height: f64,
    body: String,
}

impl Svg {
    pub(crate) fn new(width: f64, height: f64) -> Self {
        Svg {
            width: width.ceil().max(1.0),
            height: height.ceil().max(1.0),
            body: String::new(),
        }
    }

    /// Appends raw, already-valid markup.
    pub(crate) fn raw(&mut self, s: &str) {
        self.body.push_str(s);
    }

    /// Filled rectangle; `extra` is appended inside the tag (attributes).
    pub(crate) fn rect(&mut self, x: f64, y: f64, w: f64, h: f64, fill: &str, extra: &str) {
        let _ = write!(
            self.body,
            r#"<rect x="{}" y="{}" width="{}" height="{}" fill="{}"{}{}/>"#,
            n(x),
            n(y),
            n(w.max(0.0)),
            n(h.max(0.0)),
            fill,
            if extra.is_empty() { "" } else { " " },
            extra
        );
    }

    /// Rectangle with a `<title>` tooltip.
    #[allow(clippy::too_many_arguments)]
    pub(crate) fn rect_with_title(
        &mut self,
        x: f64,
        y: f64,
        w: f64,
        h: f64,
        fill: &str,
        extra: &str,
        title: &str,
    ) {
        let _ = write!(
            self.body,
            r#"<rect x="{}" y="{}" width="{}" height="{}" fill="{}"{}{}><title>{}</title></rect>"#,
            n(x),
            n(y),
            n(w.max(0.0)),
            n(h.max(0.0)),
            fill,
            if extra.is_empty() { "" } else { " " },
            extra,
            escape(title)
        );
    }

    pub(crate) fn line(&mut self, x1: f64, y1: f64, x2: f64, y2: f64, stroke: &str, extra: &str) {
        let _ = write!(
            self.body,
            r#"<line x1="{}" y1="{}" x2="{}" y2="{}" stroke="{}"{}{}/>"#,
            n(x1),
            n(y1),
            n(x2),
            n(y2),
            stroke,
            if extra.is_empty() { "" } else { " " },
            extra
        );
    }

    pub(crate) fn circle(
        &mut self,
        cx: f64,
        cy: f64,
        r: f64,
        fill: &str,
        extra: &str,
        title: Option<&str>,
    ) {
        let _ = write!(
            self.body,
            r#"<circle cx="{}" cy="{}" r="{}" fill="{}"{}{}"#,
            n(cx),
            n(cy),
            n(r),
            fill,
            if extra.is_empty() { "" } else { " " },
            extra
        );
        match title {
            Some(t) => {
                let _ = write!(self.body, "><title>{}</title></circle>", escape(t));
            }
            None => self.body.push_str("/>"),
        }
    }

    /// Text at (x, y) (baseline); `rotate` in degrees about (x, y).
    #[allow(clippy::too_many_arguments)]
    pub(crate) fn text(
        &mut self,
        x: f64,
        y: f64,
        s: &str,
        size: f64,
        anchor: Anchor,
        rotate: f64,
        extra: &str,
    ) {
        let transform = if rotate != 0.0 {
            format!(r#" transform="rotate({} {} {})""#, n(rotate), n(x), n(y))
        } else {
            String::new()
        };
        let _ = write!(
            self.body,
            r#"<text x="{}" y="{}" font-size="{}" text-anchor="{}"{}{}{}>{}</text>"#,
            n(x),
            n(y),
            n(size),
            anchor.as_str(),
            transform,
            if extra.is_empty() { "" } else { " " },
            extra,
            escape(s)
        );
    }

    /// Plot title at the top-left corner.
    pub(crate) fn title(&mut self, x: f64, s: &str) {
        self.text(
            x,
            4.0 + TITLE_SIZE,
            s,
            TITLE_SIZE,
            Anchor::Start,
            0.0,
            r#"font-weight="600""#,
        );
    }

    pub(crate) fn finish(self) -> String {
        format!(
            concat!(
                r#"<svg xmlns="http://www.w3.org/2000/svg" width="{w}" height="{h}" viewBox="0 0 {w} {h}" "#,
                r#"font-family="{font}" fill="{ink}" role="img">"#,
                r##"<rect width="100%" height="100%" fill="#ffffff"/>{body}</svg>"##
            ),
            w = n(self.width),
            h = n(self.height),
            font = FONT_FAMILY,
            ink = INK,
            body = self.body
        )
    }
}

/// A small placeholder SVG saying there is nothing to plot.
pub(crate) fn no_data(title: Option<&str>) -> String {
    let mut svg = Svg::new(320.0, 90.0);
    if let Some(t) = title {
        svg.title(8.0, t);
    }
    svg.rect(
        8.0,
        28.0,
        304.0,
        54.0,
        "#fafafa",
        r##"stroke="#cccccc" stroke-dasharray="4 3""##,
    );
    svg.text(
        160.0,
        60.0,
        "No data",
        FONT_SIZE + 1.0,
        Anchor::Middle,
        0.0,
        r##"fill="#777777""##,
    );
    svg.finish()
}
