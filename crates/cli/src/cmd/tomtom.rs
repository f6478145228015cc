//! `explainn tomtom`: compare motifs with a motif database, as MEME's `tomtom --text`
//! (rows, then the trailing `#` lines).
use crate::output::AtomicFile;
use anyhow::{Context, Result};
use clap::Args as ClapArgs;
use explainn_motif::io::{MotifSet, read_motifs_file};
use explainn_motif::tomtom::{
    Distance, TomtomOptions, tomtom, write_tomtom_text, write_tomtom_trailer,
};
use std::io::Write;
use std::path::PathBuf;

/// Compare query motifs with target motifs (Tomtom, MEME 5 numbers, `--text` TSV).
#[derive(ClapArgs)]
pub struct Args {
    /// Compute threads (default: all cores).
    #[arg(long, value_parser = super::thread_count)]
    pub threads: Option<usize>,
    /// Query motifs (MEME, JASPAR or HOCOMOCO format; plain or .gz); `-` reads standard input.
    #[arg(value_parser = crate::stdin::input_path)]
    pub query: PathBuf,
    /// Target motifs [default: the bundled JASPAR 2024 CORE vertebrates non-redundant set].
    pub target: Option<PathBuf>,
    /// Column similarity: ed, pearson, sandelin, kullback, or one of those that read the
    /// motifs' site counts (nsites, else 20) and the query file's background: allr
    /// (Wang & Stormo 2003), blic1, blic5 (Habib et al. 2008; 1- and 5-component
    /// Dirichlet priors), llr1, llr5.
    #[arg(long = "dist", default_value = "ed")]
    pub dist: String,
    /// Minimum number of aligned columns.
    #[arg(long, default_value_t = 1)]
    pub min_overlap: usize,
    /// Only allow alignments where the shorter motif lies within the longer one [default: off].
    #[arg(long)]
    pub internal: bool,
    /// Compare with the target forward strands only [default: both strands].
    #[arg(long)]
    pub norc: bool,
    /// Pseudocount weight added to motif rows.
    #[arg(long, default_value_t = 0.1)]
    pub motif_pseudo: f64,
    /// Report matches with q-value (E-value with --evalue) at most this.
    #[arg(long, default_value_t = 0.5)]
    pub thresh: f64,
    /// Apply --thresh to the E-value instead of the q-value [default: off].
    #[arg(long)]
    pub evalue: bool,
    /// Version named in the trailing `#` lines (for example a MEME version, to compare
    /// files with MEME's) [default: explainn's version].
    #[arg(long)]
    pub version_string: Option<String>,
    /// Output file [default: standard output].
    #[arg(short, long)]
    pub output: Option<PathBuf>,
}

/// Read a motif file, printing its warnings to standard error.
pub(crate) fn read_motifs(path: &std::path::Path) -> Result<MotifSet> {
    let set = read_motifs_file(path)
        .with_context(|| format!("cannot read motifs from {}", path.display()))?;
    for w in &set.warnings {
        eprintln!("warning: {w}");
    }
    anyhow::ensure!(
        !set.motifs.is_empty(),
        "{}: no motifs found",
        path.display()
    );
    Ok(set)
}

pub fn run(a: Args) -> Result<()> {
    super::common_model::init_threads(a.threads);
    let distance: Distance = a.dist.parse()?;
    let query = read_motifs(&a.query)?;
    let target = match &a.target {
        Some(p) => read_motifs(p)?,
        None => explainn_motif::jaspar::bundled_motifs(),
    };
    let opts = TomtomOptions {
        distance,
        min_overlap: a.min_overlap,
        internal: a.internal,
        norc: a.norc,
        motif_pseudo: a.motif_pseudo,
        thresh: a.thresh,
        evalue: a.evalue,
    };
    // The output is opened before the work, so a bad path fails at once.
    let mut file = a.output.as_ref().map(AtomicFile::create).transpose()?;
    let hits = tomtom(
        &query.motifs,
        &target.motifs,
        query.background.as_ref(),
        &opts,
    )
    .context("tomtom failed")?;
    let version = super::scan::version_string(&a.version_string);
    let command = super::scan::command_line();
    let write = |w: &mut dyn Write| -> std::io::Result<()> {
        let mut w = w;
        write_tomtom_text(&mut w, &hits)?;
        write_tomtom_trailer(&mut w, &version, &command)
    };
    match (&a.output, file.take()) {
        (Some(p), Some(mut f)) => {
            write(&mut f).with_context(|| format!("cannot write {}", p.display()))?;
            f.commit()
        }
        _ => {
            let mut out = std::io::BufWriter::new(std::io::stdout().lock());
            crate::output::stdout_result(write(&mut out).and_then(|()| out.flush()))
        }
    }
}
