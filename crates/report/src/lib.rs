//! Plots and HTML reports for ExplaiNN results.
//!
//! Everything here is dependency-free and deterministic: plots are hand-written
//! SVG strings ([`plot`]) and a report is one self-contained HTML string
//! ([`html::Report`]) with no external resources, so the same inputs always give
//! byte-identical output. With the `png` feature, [`png::svg_to_png`] (via
//! `resvg`) rasterises any of the plots.
//!
//! ```
//! use explainn_report::html::{Report, Table, Column, Cell};
//! use explainn_report::plot::{bar_chart, BarChartOptions};
//!
//! let svg = bar_chart(
//!     &["CTCF".to_string(), "GATA1".to_string()],
//!     &[0.91, 0.84],
//!     &BarChartOptions { y_range: Some((0.0, 1.0)), ..Default::default() },
//! );
//! let mut report = Report::new("Demo");
//! report.section("Performance").figure(&svg, "Test AUROC per class.");
//! let html = report.to_html();
//! assert!(html.starts_with("<!DOCTYPE html>"));
//! ```

pub mod html;
pub mod plot;
#[cfg(feature = "png")]
pub mod png;

pub mod escape;
pub use escape::escape;
