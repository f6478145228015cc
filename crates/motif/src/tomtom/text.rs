//! Tomtom's `--text` output: the header, one row per match, the trailing `#` lines.

use super::*;

/// The header line of Tomtom's `--text` output.
pub const TOMTOM_HEADER: &str = "Query_ID\tTarget_ID\tOptimal_offset\tp-value\tE-value\tq-value\tOverlap\tQuery_consensus\tTarget_consensus\tOrientation";

/// Write hits as `tomtom --text` does (header line, then one tab-separated row per hit;
/// numbers with C `%g`). The trailing `#` comment lines of MEME are not written.
pub fn write_tomtom_text(w: &mut impl Write, hits: &[TomtomHit]) -> std::io::Result<()> {
    writeln!(w, "{TOMTOM_HEADER}")?;
    for h in hits {
        writeln!(
            w,
            "{}\t{}\t{}\t{}\t{}\t{}\t{}\t{}\t{}\t{}",
            h.query_id,
            h.target_id,
            h.offset,
            fmt_g(h.p_value as f64, 6),
            fmt_g(h.e_value as f64, 6),
            fmt_g(h.q_value as f64, 6),
            h.overlap,
            h.query_consensus,
            h.target_consensus,
            h.orientation.symbol()
        )?;
    }
    Ok(())
}

/// The lines Tomtom ends its TSV file with: a blank line, then `# Tomtom (Motif
/// Comparison Tool): Version {version}`, the line naming the format's description, and
/// `# {command}`. ([`write_tomtom_text`] does not write them, so that output compares
/// with MEME rows only.)
pub fn write_tomtom_trailer(
    w: &mut impl Write,
    version: &str,
    command: &str,
) -> std::io::Result<()> {
    writeln!(w)?;
    writeln!(w, "# Tomtom (Motif Comparison Tool): Version {version}")?;
    writeln!(
        w,
        "# The format of this file is described at https://meme-suite.org/meme/doc/tomtom-output-format.html."
    )?;
    writeln!(w, "# {command}")
}
