//! The workspace's one markup escape, shared by the SVG and HTML writers (plots, logos,
//! reports).

/// Escapes `&`, `<`, `>`, `"` and `'` so `s` is safe both as element text and
/// inside a double- or single-quoted attribute value (HTML and XML alike).
///
/// ```
/// assert_eq!(explainn_report::escape("Tom & <Jerry>"), "Tom &amp; &lt;Jerry&gt;");
/// ```
pub fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            // Control characters other than tab/newline are invalid in XML 1.0.
            c if (c as u32) < 0x20 && c != '\t' && c != '\n' && c != '\r' => out.push('\u{FFFD}'),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::escape;

    #[test]
    fn escapes_markup_characters() {
        assert_eq!(
            escape(r#"<a href="x">Tom & 'Jerry'</a>"#),
            "&lt;a href=&quot;x&quot;&gt;Tom &amp; &#39;Jerry&#39;&lt;/a&gt;"
        );
        assert_eq!(escape("plain"), "plain");
        assert_eq!(escape("a\u{1}b"), "a\u{FFFD}b");
    }
}
