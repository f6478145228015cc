//! A builder for one self-contained HTML report.
//!
//! The page has no external resources (no scripts, styles, fonts or images
//! fetched from anywhere): CSS and a tiny table-sorting script are inlined and
//! figures are inline SVG. All text given as `&str`/`String` is HTML-escaped;
//! only SVG strings and [`Html::trusted`] are inserted verbatim. The output is
//! also well-formed XML (polyglot markup), which the tests check.
//!
//! ```
//! use explainn_report::html::{Cell, Column, Report, Table};
//!
//! let mut table = Table::new(vec![Column::text("unit"), Column::number("importance", 3)]);
//! table.push_row(vec![Cell::text("unit 7"), Cell::Value(0.4213)]);
//! let mut report = Report::new("ExplaiNN run");
//! report
//!     .section("Summary")
//!     .key_values(&[("units", "100"), ("classes", "3")])
//!     .section("Units")
//!     .table(table);
//! let html = report.to_html();
//! assert!(html.contains("0.421"));
//! ```

use crate::escape::escape;
use std::fmt::Write;

/// A fragment of HTML that is safe to insert: built from escaped text, or
/// explicitly marked as trusted markup.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Html(String);

impl Html {
    /// Escaped plain text.
    pub fn text(s: &str) -> Html {
        Html(escape(s))
    }

    /// Escaped text in a `<code>` element (monospace).
    pub fn code(s: &str) -> Html {
        Html(format!("<code>{}</code>", escape(s)))
    }

    /// Escaped text in a `<strong>` element.
    pub fn strong(s: &str) -> Html {
        Html(format!("<strong>{}</strong>", escape(s)))
    }

    /// A link; both `href` and `text` are escaped. An `href` with a
    /// `javascript:` or `data:` scheme is dropped (plain text is returned).
    pub fn link(href: &str, text: &str) -> Html {
        let lower = href.trim_start().to_ascii_lowercase();
        if lower.starts_with("javascript:")
            || lower.starts_with("data:")
            || lower.starts_with("vbscript:")
        {
            return Html::text(text);
        }
        Html(format!(
            r#"<a href="{}">{}</a>"#,
            escape(href),
            escape(text)
        ))
    }

    /// Markup inserted verbatim. The caller guarantees it is well-formed and
    /// safe (e.g. an SVG produced by [`crate::plot`]).
    pub fn trusted(markup: impl Into<String>) -> Html {
        Html(markup.into())
    }

    /// Appends another fragment.
    pub fn push(mut self, other: Html) -> Html {
        self.0.push_str(&other.0);
        self
    }

    /// The markup.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A table column.
#[derive(Clone, Debug)]
pub struct Column {
    /// Header text (escaped).
    pub name: String,
    /// Right-aligned with tabular digits, sorted numerically.
    pub numeric: bool,
    /// Decimals for [`Cell::Value`] cells in this column. Default: 3.
    pub decimals: usize,
    /// Clicking the header sorts the rows (toggling ascending/descending).
    /// Default: true.
    pub sortable: bool,
    /// Header tooltip. Default: none.
    pub tooltip: Option<String>,
}

impl Column {
    /// A left-aligned, text-sorted column.
    pub fn text(name: impl Into<String>) -> Column {
        Column {
            name: name.into(),
            numeric: false,
            decimals: 3,
            sortable: true,
            tooltip: None,
        }
    }

    /// A right-aligned, numerically sorted column whose [`Cell::Value`] cells
    /// are shown with `decimals` decimals.
    pub fn number(name: impl Into<String>, decimals: usize) -> Column {
        Column {
            name: name.into(),
            numeric: true,
            decimals,
            sortable: true,
            tooltip: None,
        }
    }

    /// A column that cannot be sorted (e.g. one holding logos).
    pub fn plain(name: impl Into<String>) -> Column {
        Column {
            name: name.into(),
            numeric: false,
            decimals: 3,
            sortable: false,
            tooltip: None,
        }
    }

    /// Sets the header tooltip.
    pub fn with_tooltip(mut self, tooltip: impl Into<String>) -> Column {
        self.tooltip = Some(tooltip.into());
        self
    }
}

/// One table cell.
#[derive(Clone, Debug)]
pub enum Cell {
    /// Plain text (escaped).
    Text(String),
    /// A number with the given decimals; see [`format_number`] for NaN and
    /// very small or large values. Sorted by its full value.
    Number(f64, usize),
    /// A number formatted with its column's `decimals`.
    Value(f64),
    /// An inline SVG (inserted verbatim), e.g. a sequence logo.
    Svg(String),
    /// Safe HTML.
    Html(Html),
    /// Nothing.
    Empty,
}

impl Cell {
    /// Shorthand for [`Cell::Text`].
    pub fn text(s: impl Into<String>) -> Cell {
        Cell::Text(s.into())
    }
}

impl From<f64> for Cell {
    fn from(v: f64) -> Cell {
        Cell::Value(v)
    }
}

impl From<&str> for Cell {
    fn from(s: &str) -> Cell {
        Cell::Text(s.to_string())
    }
}

impl From<String> for Cell {
    fn from(s: String) -> Cell {
        Cell::Text(s)
    }
}

/// A data table; rows shorter than `columns` are padded with empty cells and
/// extra cells are dropped.
#[derive(Clone, Debug, Default)]
pub struct Table {
    pub columns: Vec<Column>,
    pub rows: Vec<Vec<Cell>>,
}

impl Table {
    /// An empty table with these columns.
    pub fn new(columns: Vec<Column>) -> Table {
        Table {
            columns,
            rows: Vec::new(),
        }
    }

    /// Appends a row.
    pub fn push_row(&mut self, row: Vec<Cell>) -> &mut Table {
        self.rows.push(row);
        self
    }
}

/// Formats `v` with `decimals` decimals; NaN gives "NA", infinities "∞"/"−∞",
/// and a non-zero value that would print as zero, or one of magnitude ≥ 1e9,
/// uses scientific notation with 2 decimals (e.g. `3.10e-7`).
pub fn format_number(v: f64, decimals: usize) -> String {
    let decimals = decimals.min(15);
    if v.is_nan() {
        return "NA".to_string();
    }
    if v.is_infinite() {
        return if v > 0.0 {
            "∞".to_string()
        } else {
            "−∞".to_string()
        };
    }
    let tiny = v != 0.0 && v.abs() < 0.5 * 10f64.powi(-(decimals as i32));
    if tiny || v.abs() >= 1e9 {
        return format!("{v:.2e}");
    }
    let s = format!("{v:.decimals$}");
    if s.starts_with('-') && s[1..].chars().all(|c| c == '0' || c == '.') {
        s[1..].to_string()
    } else {
        s
    }
}

enum Block {
    Section(String),
    Paragraph(String),
    Html(Html),
    KeyValues(Vec<(String, String)>),
    Table(Table),
    Figure(String, String),
}

/// Builder for a single self-contained HTML page.
///
/// Blocks appear in the order added. With two or more sections a table of
/// contents is placed under the title. Methods return `&mut Self` so calls
/// chain and also work in loops.
pub struct Report {
    title: String,
    blocks: Vec<Block>,
}

impl Report {
    /// A report with this page title (also the `<h1>`).
    pub fn new(title: impl Into<String>) -> Report {
        Report {
            title: title.into(),
            blocks: Vec::new(),
        }
    }

    /// Starts a new section with this heading (`<h2>`).
    pub fn section(&mut self, heading: impl Into<String>) -> &mut Self {
        self.blocks.push(Block::Section(heading.into()));
        self
    }

    /// A paragraph of plain text (escaped; blank lines do not split it).
    pub fn paragraph(&mut self, text: impl Into<String>) -> &mut Self {
        self.blocks.push(Block::Paragraph(text.into()));
        self
    }

    /// A paragraph of safe HTML (e.g. text with [`Html::code`] spans).
    pub fn html(&mut self, html: Html) -> &mut Self {
        self.blocks.push(Block::Html(html));
        self
    }

    /// A two-column summary table of `(key, value)` pairs.
    pub fn key_values<K: AsRef<str>, V: AsRef<str>>(&mut self, pairs: &[(K, V)]) -> &mut Self {
        let pairs = pairs
            .iter()
            .map(|(k, v)| (k.as_ref().to_string(), v.as_ref().to_string()))
            .collect();
        self.blocks.push(Block::KeyValues(pairs));
        self
    }

    /// A data table with sortable columns and a sticky header (long tables
    /// scroll inside a box of at most 70 % of the window height).
    pub fn table(&mut self, table: Table) -> &mut Self {
        self.blocks.push(Block::Table(table));
        self
    }

    /// A figure: `svg` inserted verbatim (trusted; e.g. from [`crate::plot`]),
    /// scaled down to the page width if wider, with a caption (escaped; may be
    /// empty).
    pub fn figure(&mut self, svg: &str, caption: impl Into<String>) -> &mut Self {
        self.blocks
            .push(Block::Figure(svg.to_string(), caption.into()));
        self
    }

    /// The complete HTML document.
    pub fn to_html(&self) -> String {
        let mut out = String::with_capacity(16 * 1024);
        out.push_str("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\"/>\n");
        out.push_str("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"/>\n");
        let _ = writeln!(out, "<title>{}</title>", escape(&self.title));
        let _ = writeln!(out, "<style>{CSS}</style>\n</head>\n<body>\n<main>");
        let _ = writeln!(out, "<h1>{}</h1>", escape(&self.title));

        let headings: Vec<&str> = self
            .blocks
            .iter()
            .filter_map(|b| match b {
                Block::Section(h) => Some(h.as_str()),
                _ => None,
            })
            .collect();
        if headings.len() >= 2 {
            out.push_str("<nav class=\"toc\"><ol>");
            for (i, h) in headings.iter().enumerate() {
                let _ = write!(out, "<li><a href=\"#s{}\">{}</a></li>", i + 1, escape(h));
            }
            out.push_str("</ol></nav>\n");
        }

        let mut section = 0;
        let mut open = false;
        for block in &self.blocks {
            match block {
                Block::Section(h) => {
                    if open {
                        out.push_str("</section>\n");
                    }
                    section += 1;
                    open = true;
                    let _ = writeln!(out, "<section id=\"s{section}\">\n<h2>{}</h2>", escape(h));
                }
                Block::Paragraph(t) => {
                    let _ = writeln!(out, "<p>{}</p>", escape(t));
                }
                Block::Html(h) => {
                    let _ = writeln!(out, "<p>{}</p>", h.as_str());
                }
                Block::KeyValues(pairs) => write_key_values(&mut out, pairs),
                Block::Table(t) => write_table(&mut out, t),
                Block::Figure(svg, caption) => {
                    out.push_str("<figure>\n<div class=\"fig\">");
                    out.push_str(svg);
                    out.push_str("</div>\n");
                    if !caption.is_empty() {
                        let _ = writeln!(out, "<figcaption>{}</figcaption>", escape(caption));
                    }
                    out.push_str("</figure>\n");
                }
            }
        }
        if open {
            out.push_str("</section>\n");
        }
        let _ = writeln!(
            out,
            "<footer>Generated by explainn-report {}</footer>\n</main>\n<script>//<![CDATA[\n{SCRIPT}\n//]]></script>\n</body>\n</html>",
            env!("CARGO_PKG_VERSION")
        );
        out
    }
}

fn write_key_values(out: &mut String, pairs: &[(String, String)]) {
    out.push_str("<table class=\"kv\"><tbody>\n");
    for (k, v) in pairs {
        let _ = writeln!(
            out,
            "<tr><th scope=\"row\">{}</th><td>{}</td></tr>",
            escape(k),
            escape(v)
        );
    }
    out.push_str("</tbody></table>\n");
}

fn write_table(out: &mut String, t: &Table) {
    if t.columns.is_empty() {
        return;
    }
    out.push_str("<div class=\"table-wrap\"><table class=\"data\">\n<thead><tr>");
    for c in &t.columns {
        let mut class = Vec::new();
        if c.numeric {
            class.push("num");
        }
        if c.sortable {
            class.push("sortable");
        }
        let _ = write!(out, "<th scope=\"col\"");
        if !class.is_empty() {
            let _ = write!(out, " class=\"{}\"", class.join(" "));
        }
        if c.sortable {
            out.push_str(" tabindex=\"0\"");
        }
        if let Some(tip) = &c.tooltip {
            let _ = write!(out, " title=\"{}\"", escape(tip));
        }
        let _ = write!(out, ">{}</th>", escape(&c.name));
    }
    out.push_str("</tr></thead>\n<tbody>\n");
    for row in &t.rows {
        out.push_str("<tr>");
        for (i, col) in t.columns.iter().enumerate() {
            let cell = row.get(i).unwrap_or(&Cell::Empty);
            let num_class = if col.numeric { " class=\"num\"" } else { "" };
            match cell {
                Cell::Text(s) => {
                    let _ = write!(out, "<td{num_class}>{}</td>", escape(s));
                }
                Cell::Number(v, d) => write_number(out, *v, *d),
                Cell::Value(v) => write_number(out, *v, col.decimals),
                Cell::Svg(svg) => {
                    let _ = write!(out, "<td class=\"svg\">{svg}</td>");
                }
                Cell::Html(h) => {
                    let _ = write!(out, "<td{num_class}>{}</td>", h.as_str());
                }
                Cell::Empty => {
                    let _ = write!(out, "<td{num_class}></td>");
                }
            }
        }
        out.push_str("</tr>\n");
    }
    out.push_str("</tbody></table></div>\n");
}

fn write_number(out: &mut String, v: f64, decimals: usize) {
    let class = if v.is_nan() { "num na" } else { "num" };
    // Full-precision sort key; NaN sorts last (empty key).
    let key = if v.is_nan() {
        String::new()
    } else {
        format!("{v:e}")
    };
    let _ = write!(
        out,
        "<td class=\"{class}\" data-sort=\"{key}\">{}</td>",
        escape(&format_number(v, decimals))
    );
}

const CSS: &str = r#"
:root { --ink: #1f2328; --muted: #59636e; --line: #d8dee4; --soft: #f6f8fa; --accent: #0072B2; }
* { box-sizing: border-box; }
html { -webkit-text-size-adjust: 100%; }
body { margin: 0; background: #ffffff; color: var(--ink);
  font: 15px/1.55 system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif; }
main { max-width: 1180px; margin: 0 auto; padding: 28px 32px 48px; }
h1 { font-size: 26px; line-height: 1.25; margin: 0 0 12px; padding-bottom: 10px; border-bottom: 1px solid var(--line); }
h2 { font-size: 20px; margin: 36px 0 12px; padding-bottom: 6px; border-bottom: 1px solid var(--line); }
p { margin: 8px 0 12px; max-width: 80ch; }
a { color: var(--accent); }
code { font: 13px ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; background: var(--soft); padding: 1px 4px; border-radius: 4px; }
nav.toc { font-size: 14px; color: var(--muted); margin: 0 0 8px; }
nav.toc ol { display: flex; flex-wrap: wrap; gap: 4px 18px; list-style: none; margin: 0; padding: 0; }
nav.toc a { text-decoration: none; }
nav.toc a:hover { text-decoration: underline; }
section { scroll-margin-top: 12px; }
table { border-collapse: collapse; font-size: 14px; }
table.kv { margin: 8px 0 16px; min-width: 360px; }
table.kv th { text-align: left; font-weight: 500; color: var(--muted); padding: 5px 24px 5px 0; vertical-align: top; white-space: nowrap; }
table.kv td { padding: 5px 0; font-variant-numeric: tabular-nums; }
table.kv tr + tr th, table.kv tr + tr td { border-top: 1px solid #eef1f4; }
.table-wrap { max-height: 70vh; overflow: auto; border: 1px solid var(--line); border-radius: 6px; margin: 8px 0 20px; }
table.data { width: 100%; }
table.data th, table.data td { padding: 6px 12px; text-align: left; vertical-align: middle; }
table.data thead th { position: sticky; top: 0; z-index: 1; background: var(--soft); font-weight: 600;
  border-bottom: 1px solid var(--line); white-space: nowrap; user-select: none; }
table.data tbody tr:nth-child(even) { background: #fbfcfd; }
table.data tbody tr:hover { background: #eef6fc; }
table.data tbody tr + tr td { border-top: 1px solid #eef1f4; }
table.data .num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
table.data td.na { color: #8c959f; }
table.data td.svg { padding: 2px 12px; line-height: 0; }
table.data td.svg svg { display: block; max-width: none; height: auto; }
th.sortable { cursor: pointer; }
th.sortable::after { content: "\2195"; color: #b0b7bf; font-size: 11px; margin-left: 5px; }
th.sortable[aria-sort="ascending"]::after { content: "\25B2"; color: var(--ink); }
th.sortable[aria-sort="descending"]::after { content: "\25BC"; color: var(--ink); }
th.sortable:focus-visible { outline: 2px solid var(--accent); outline-offset: -2px; }
figure { margin: 12px 0 24px; }
figure .fig { overflow-x: auto; border: 1px solid var(--line); border-radius: 6px; padding: 12px; background: #ffffff; }
figure .fig svg { display: block; max-width: 100%; height: auto; margin: 0 auto; }
figcaption { font-size: 13.5px; color: var(--muted); margin-top: 6px; max-width: 90ch; }
footer { margin-top: 48px; padding-top: 10px; border-top: 1px solid var(--line); font-size: 12.5px; color: var(--muted); }
"#;

const SCRIPT: &str = r#"(function () {
  function key(td, numeric) {
    var raw = td.hasAttribute('data-sort') ? td.getAttribute('data-sort') : td.textContent.trim();
    if (!numeric) return raw.toLowerCase();
    var v = parseFloat(raw);
    return isNaN(v) ? null : v;
  }
  document.querySelectorAll('table.data th.sortable').forEach(function (th) {
    function sort() {
      var table = th.closest('table'), body = table.tBodies[0];
      var col = Array.prototype.indexOf.call(th.parentNode.children, th);
      var numeric = th.classList.contains('num');
      var asc = th.getAttribute('aria-sort') !== 'ascending';
      th.parentNode.querySelectorAll('th').forEach(function (h) { h.removeAttribute('aria-sort'); });
      th.setAttribute('aria-sort', asc ? 'ascending' : 'descending');
      var rows = Array.prototype.slice.call(body.rows).map(function (tr, i) {
        return { tr: tr, i: i, k: tr.cells[col] ? key(tr.cells[col], numeric) : null };
      });
      rows.sort(function (a, b) {
        if (a.k === b.k) return a.i - b.i;
        if (a.k === null || a.k === '') return 1;
        if (b.k === null || b.k === '') return -1;
        var c = numeric ? a.k - b.k : (a.k < b.k ? -1 : 1);
        return asc ? c : -c;
      });
      rows.forEach(function (r) { body.appendChild(r.tr); });
    }
    th.addEventListener('click', sort);
    th.addEventListener('keydown', function (e) { if (e.key === 'Enter' || e.key === ' ') { e.preventDefault(); sort(); } });
  });
})();"#;

#[cfg(test)]
mod tests {
    use super::*;
    use crate::plot::{BarChartOptions, bar_chart};

    fn sample() -> Report {
        let mut t = Table::new(vec![
            Column::text("unit <id>"),
            Column::number("AUROC", 3).with_tooltip("area \"under\" curve"),
            Column::number("p", 2),
            Column::plain("logo"),
            Column::text("note"),
        ]);
        t.push_row(vec![
            Cell::text("u<1>&"),
            Cell::Value(0.91234),
            Cell::Number(3.1e-7, 2),
            Cell::Svg(bar_chart(
                &["a".into()],
                &[1.0],
                &BarChartOptions::default(),
            )),
            Cell::Html(
                Html::code("x<y")
                    .push(Html::text(" & "))
                    .push(Html::link("javascript:alert(1)", "bad")),
            ),
        ]);
        t.push_row(vec![Cell::text("u2"), Cell::Value(f64::NAN)]);
        let mut r = Report::new("Title <script>alert(\"x\")</script> & co");
        r.section("Summary & 'setup'")
            .paragraph("a < b > c & \"d\"")
            .key_values(&[("model <path>", "/tmp/a&b"), ("epochs", "12")])
            .section("Tables")
            .table(t)
            .figure(
                &bar_chart(&["x".into()], &[0.5], &BarChartOptions::default()),
                "Caption <i>x</i>",
            );
        r
    }

    #[test]
    fn output_is_well_formed_and_escaped() {
        let html = sample().to_html();
        let doc = roxmltree::Document::parse_with_options(
            &html,
            roxmltree::ParsingOptions {
                allow_dtd: true,
                ..Default::default()
            },
        )
        .unwrap_or_else(|e| panic!("not well-formed: {e}"));
        let text_of = |tag: &str| -> Vec<String> {
            doc.descendants()
                .filter(|n| n.has_tag_name(tag))
                .map(|n| {
                    n.descendants()
                        .filter(|d| d.is_text())
                        .filter_map(|d| d.text())
                        .collect::<String>()
                })
                .collect()
        };
        assert_eq!(
            text_of("title")[0],
            "Title <script>alert(\"x\")</script> & co"
        );
        assert_eq!(
            text_of("h1"),
            vec!["Title <script>alert(\"x\")</script> & co"]
        );
        assert_eq!(text_of("h2"), vec!["Summary & 'setup'", "Tables"]);
        assert!(text_of("p").contains(&"a < b > c & \"d\"".to_string()));
        assert_eq!(text_of("figcaption"), vec!["Caption <i>x</i>"]);
        // Exactly one script (ours), and no injected element.
        assert_eq!(
            doc.descendants()
                .filter(|n| n.has_tag_name("script"))
                .count(),
            1
        );
        assert_eq!(doc.descendants().filter(|n| n.has_tag_name("i")).count(), 0);
        // javascript: link dropped, text kept.
        assert_eq!(
            doc.descendants()
                .filter(|n| n.has_tag_name("a")
                    && n.attribute("href").is_some_and(|h| !h.starts_with('#')))
                .count(),
            0
        );
        assert!(html.contains("<code>x&lt;y</code> &amp; bad"));
        let th = doc
            .descendants()
            .find(|n| n.has_tag_name("th") && n.attribute("title").is_some())
            .unwrap();
        assert_eq!(th.attribute("title"), Some("area \"under\" curve"));
        // Two sections -> table of contents with anchors that exist.
        for id in ["s1", "s2"] {
            assert!(doc.descendants().any(|n| n.attribute("id") == Some(id)));
            assert!(html.contains(&format!("href=\"#{id}\"")));
        }
    }

    #[test]
    fn tables_format_numbers_and_pad_rows() {
        let html = sample().to_html();
        let doc = roxmltree::Document::parse_with_options(
            &html,
            roxmltree::ParsingOptions {
                allow_dtd: true,
                ..Default::default()
            },
        )
        .unwrap();
        let rows: Vec<Vec<roxmltree::Node>> = doc
            .descendants()
            .filter(|n| n.has_tag_name("table") && n.attribute("class") == Some("data"))
            .flat_map(|t| {
                t.descendants()
                    .filter(|n| n.has_tag_name("tbody"))
                    .flat_map(|b| b.children().filter(|r| r.has_tag_name("tr")))
            })
            .map(|tr| tr.children().filter(|c| c.has_tag_name("td")).collect())
            .collect();
        assert_eq!(rows.len(), 2);
        assert!(rows.iter().all(|r| r.len() == 5));
        assert_eq!(rows[0][1].text(), Some("0.912"));
        assert_eq!(rows[0][1].attribute("data-sort"), Some("9.1234e-1"));
        assert_eq!(rows[0][2].text(), Some("3.10e-7"));
        assert_eq!(rows[1][1].text(), Some("NA"));
        assert_eq!(rows[1][1].attribute("class"), Some("num na"));
        assert!(rows[0][3].children().any(|c| c.has_tag_name("svg")));
        let sortable = doc
            .descendants()
            .filter(|n| n.attribute("class").is_some_and(|c| c.contains("sortable")))
            .count();
        assert_eq!(sortable, 4);
    }

    #[test]
    fn self_contained() {
        let html = sample().to_html();
        for bad in ["<link", "src=", "@import", "url(", "https://", "http-equiv"] {
            assert!(!html.contains(bad), "found {bad}");
        }
        // The only URL-like text is the SVG namespace.
        assert_eq!(
            html.matches("http://").count(),
            html.matches("http://www.w3.org/2000/svg").count()
        );
        // Deterministic.
        assert_eq!(html, sample().to_html());
    }

    #[test]
    fn number_formatting() {
        assert_eq!(format_number(0.12345, 3), "0.123");
        assert_eq!(format_number(-0.0001, 3), "-1.00e-4");
        assert_eq!(format_number(-0.0004, 2), "-4.00e-4");
        assert_eq!(format_number(-0.0, 2), "0.00");
        assert_eq!(format_number(0.0, 2), "0.00");
        assert_eq!(format_number(12.0, 0), "12");
        assert_eq!(format_number(f64::NAN, 2), "NA");
        assert_eq!(format_number(f64::NEG_INFINITY, 2), "−∞");
        assert_eq!(format_number(2.5e10, 1), "2.50e10");
    }

    #[test]
    fn empty_report_is_valid() {
        let html = Report::new("").to_html();
        assert!(
            roxmltree::Document::parse_with_options(
                &html,
                roxmltree::ParsingOptions {
                    allow_dtd: true,
                    ..Default::default()
                }
            )
            .is_ok()
        );
        let mut r = Report::new("t");
        r.table(Table::default()).key_values::<&str, &str>(&[]);
        assert!(
            roxmltree::Document::parse_with_options(
                &r.to_html(),
                roxmltree::ParsingOptions {
                    allow_dtd: true,
                    ..Default::default()
                }
            )
            .is_ok()
        );
    }
}
