//! `explainn scan`: FIMO-style motif scanning of FASTA sequences, as `fimo --text --no-pgc`.
use crate::output::AtomicFile;
use anyhow::{Context, Result};
use clap::Args as ClapArgs;
use explainn_motif::Background;
use explainn_motif::fimo::{FimoOptions, fimo, read_fasta_file, write_fimo_text};
use std::io::Write;
use std::path::PathBuf;

/// Scan sequences for motif occurrences (FIMO p-values, `--text` TSV).
#[derive(ClapArgs)]
pub struct Args {
    /// Motifs (MEME, JASPAR or HOCOMOCO format; plain or .gz).
    pub motifs: PathBuf,
    /// Sequences (FASTA, plain or .gz).
    pub seqs: PathBuf,
    /// Background: nrdb (FIMO's default), uniform, motif (the motif file's), or a MEME
    /// background file.
    #[arg(long, default_value = "nrdb")]
    pub bg: String,
    /// Report windows with p-value at most this.
    #[arg(long, default_value_t = 1e-4)]
    pub thresh: f64,
    /// Pseudocount weight added to motif rows.
    #[arg(long, default_value_t = 0.1)]
    pub motif_pseudo: f64,
    /// Scan the given strand only [default: both strands].
    #[arg(long)]
    pub norc: bool,
    /// Output file [default: standard output].
    #[arg(short, long)]
    pub output: Option<PathBuf>,
}

pub fn run(a: Args) -> Result<()> {
    let set = super::tomtom::read_motifs(&a.motifs)?;
    let bg = match a.bg.as_str() {
        "nrdb" => Background::nrdb(),
        "uniform" => Background::uniform(),
        "motif" => set.background.unwrap_or_else(|| {
            eprintln!(
                "warning: {} states no background; using uniform",
                a.motifs.display()
            );
            Background::uniform()
        }),
        file => Background::read_file(file)
            .with_context(|| format!("cannot read background file {file}"))?,
    };
    let seqs = read_fasta_file(&a.seqs)
        .with_context(|| format!("cannot read sequences from {}", a.seqs.display()))?;
    let opts = FimoOptions {
        thresh: a.thresh,
        motif_pseudo: a.motif_pseudo,
        norc: a.norc,
    };
    let hits = fimo(&set.motifs, &seqs, &bg, &opts);
    match &a.output {
        Some(p) => {
            let mut f = AtomicFile::create(p)?;
            write_fimo_text(&mut f, &hits)
                .with_context(|| format!("cannot write {}", p.display()))?;
            f.commit()
        }
        None => {
            let mut out = std::io::BufWriter::new(std::io::stdout().lock());
            super::tomtom::stdout_result(
                write_fimo_text(&mut out, &hits).and_then(|()| out.flush()),
            )
        }
    }
}
