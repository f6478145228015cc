//! `explainn logo`: information-content sequence logos, one file per motif.
use crate::output::AtomicFile;
use anyhow::{Context, Result};
use clap::Args as ClapArgs;
use explainn_motif::logo::{LogoOptions, logo_png, logo_svg};
use std::io::Write;
use std::path::PathBuf;

/// Draw sequence logos (SVG or PNG), one file `<ID>.<format>` per motif.
#[derive(ClapArgs)]
pub struct Args {
    /// Motifs (MEME, JASPAR or HOCOMOCO format; plain or .gz); `-` reads standard input.
    #[arg(value_parser = crate::stdin::input_path)]
    pub motifs: PathBuf,
    /// Draw the reverse complement [default: off]; files are named `<ID>_rc.<format>`.
    #[arg(long)]
    pub rc: bool,
    /// Output format: svg or png.
    #[arg(long, default_value = "svg", value_parser = ["svg", "png"])]
    pub format: String,
    /// Output directory (created if missing).
    #[arg(short, long, default_value = ".")]
    pub output: PathBuf,
}

/// A file name made from a motif ID: characters other than letters, digits, `.`, `-` and
/// `_` become `_`.
fn file_stem(id: &str) -> String {
    id.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_') {
                c
            } else {
                '_'
            }
        })
        .collect()
}

pub fn run(a: Args) -> Result<()> {
    let set = super::tomtom::read_motifs(&a.motifs)?;
    std::fs::create_dir_all(&a.output)
        .with_context(|| format!("cannot create {}", a.output.display()))?;
    let opts = LogoOptions {
        reverse_complement: a.rc,
        ..Default::default()
    };
    for m in &set.motifs {
        let suffix = if a.rc { "_rc" } else { "" };
        let path = a
            .output
            .join(format!("{}{suffix}.{}", file_stem(&m.id), a.format));
        let bytes = if a.format == "png" {
            logo_png(m, &opts).with_context(|| format!("cannot draw the logo of {}", m.id))?
        } else {
            logo_svg(m, &opts).into_bytes()
        };
        let mut f = AtomicFile::create(&path)?;
        f.write_all(&bytes)
            .with_context(|| format!("cannot write {}", path.display()))?;
        f.commit()?;
    }
    info!(
        "wrote {} logo(s) to {}",
        set.motifs.len(),
        a.output.display()
    );
    Ok(())
}
