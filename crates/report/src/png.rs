//! PNG rendering of the SVG plots (feature `png`).
//!
//! Text is shaped with the fonts installed on the system (loaded once per
//! process). The plots' font stack ends in `sans-serif`, which is mapped to the
//! first of Arial, Helvetica, Liberation Sans, DejaVu Sans or Noto Sans that is
//! installed; with no such font, text is left out of the PNG (shapes are still
//! drawn).

use resvg::usvg::{self, fontdb};
use std::sync::{Arc, OnceLock};

/// Why an SVG could not be rendered.
#[derive(Debug)]
pub struct PngError(String);

impl std::fmt::Display for PngError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "cannot render SVG to PNG: {}", self.0)
    }
}

impl std::error::Error for PngError {}

fn fonts() -> Arc<fontdb::Database> {
    static DB: OnceLock<Arc<fontdb::Database>> = OnceLock::new();
    DB.get_or_init(|| {
        let mut db = fontdb::Database::new();
        db.load_system_fonts();
        let installed = |name: &str| {
            db.faces()
                .any(|f| f.families.iter().any(|(n, _)| n == name))
        };
        let sans = [
            "Arial",
            "Helvetica",
            "Liberation Sans",
            "DejaVu Sans",
            "Noto Sans",
        ]
        .into_iter()
        .find(|n| installed(n))
        .map(str::to_string);
        if let Some(name) = sans {
            db.set_sans_serif_family(name);
        }
        Arc::new(db)
    })
    .clone()
}

/// Renders `svg` to PNG bytes at `scale` × its `width`/`height` (e.g. 2.0 for
/// a sharp image on high-density screens; non-finite or non-positive scales
/// count as 1). The background is whatever the SVG paints (the plots paint
/// white).
pub fn svg_to_png(svg: &str, scale: f32) -> Result<Vec<u8>, PngError> {
    let scale = if scale.is_finite() && scale > 0.0 {
        scale
    } else {
        1.0
    };
    let opts = usvg::Options {
        fontdb: fonts(),
        ..Default::default()
    };
    let tree = usvg::Tree::from_str(svg, &opts).map_err(|e| PngError(e.to_string()))?;
    let size = tree
        .size()
        .to_int_size()
        .scale_by(scale)
        .ok_or_else(|| PngError("empty size".into()))?;
    let mut pixmap =
        resvg::tiny_skia::Pixmap::new(size.width(), size.height()).ok_or_else(|| {
            PngError(format!(
                "cannot allocate {}×{} pixels",
                size.width(),
                size.height()
            ))
        })?;
    resvg::render(
        &tree,
        resvg::tiny_skia::Transform::from_scale(scale, scale),
        &mut pixmap.as_mut(),
    );
    pixmap.encode_png().map_err(|e| PngError(e.to_string()))
}

#[cfg(test)]
mod tests {
    use super::svg_to_png;
    use crate::plot::{BarChartOptions, bar_chart};

    #[test]
    fn renders_plot_to_png_of_scaled_size() {
        let svg = bar_chart(
            &["a".into(), "b".into()],
            &[0.3, 0.9],
            &BarChartOptions::default(),
        );
        let doc = roxmltree::Document::parse(&svg).unwrap();
        let w: f64 = doc
            .root_element()
            .attribute("width")
            .unwrap()
            .parse()
            .unwrap();
        let h: f64 = doc
            .root_element()
            .attribute("height")
            .unwrap()
            .parse()
            .unwrap();
        let png = svg_to_png(&svg, 2.0).unwrap();
        assert_eq!(&png[..8], b"\x89PNG\r\n\x1a\n");
        // IHDR width and height (big-endian) follow the 8-byte signature and chunk header.
        let pw = u32::from_be_bytes(png[16..20].try_into().unwrap());
        let ph = u32::from_be_bytes(png[20..24].try_into().unwrap());
        assert_eq!(
            (pw, ph),
            ((w * 2.0).round() as u32, (h * 2.0).round() as u32)
        );
        assert!(svg_to_png("<svg", 1.0).is_err());
    }
}
