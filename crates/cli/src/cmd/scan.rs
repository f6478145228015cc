//! `explainn scan`: FIMO motif scanning of FASTA sequences. By default as `fimo` writes its
//! TSV (genomic coordinates parsed from sequence names, q-values, rows by p-value, the
//! trailing `#` lines); `--text` gives `fimo --text`'s streaming form.
use anyhow::{Context, Result};
use clap::Args as ClapArgs;
use explainn_motif::fimo::{
    FIMO_HEADER, FimoOptions, fimo_qvalues, fimo_text_each, read_fasta_file, write_fimo_rows,
    write_fimo_text, write_fimo_trailer,
};
use std::io::Write;
use std::path::PathBuf;

/// Scan sequences for motif occurrences (FIMO scores, p-values and q-values, TSV).
#[derive(ClapArgs)]
pub struct Args {
    /// Compute threads (default: all cores).
    #[arg(long, value_parser = super::thread_count)]
    pub threads: Option<usize>,
    /// Motifs (MEME, JASPAR or HOCOMOCO format; plain or .gz); `-` reads standard input.
    #[arg(value_parser = crate::stdin::input_path)]
    pub motifs: PathBuf,
    /// Sequences (FASTA, plain or .gz); `-` reads standard input.
    #[arg(value_parser = crate::stdin::input_path)]
    pub seqs: PathBuf,
    /// Background: nrdb (FIMO's default), uniform, motif (the motif file's), or a MEME
    /// background file.
    #[arg(long, default_value = "nrdb")]
    pub bg: String,
    /// Report windows with p-value (q-value with --qv-thresh) at most this.
    #[arg(long, default_value_t = 1e-4)]
    pub thresh: f64,
    /// Apply --thresh to the q-value instead of the p-value [default: off; not with --text].
    #[arg(long)]
    pub qv_thresh: bool,
    /// Pseudocount weight added to motif rows.
    #[arg(long, default_value_t = 0.1)]
    pub motif_pseudo: f64,
    /// Scan the given strand only [default: both strands].
    #[arg(long)]
    pub norc: bool,
    /// Keep sequence names and positions as they are. By default (as FIMO) a name such as
    /// `chr1:164816396-164816896(-)_Fmo2` is reported as `chr1` and its positions are
    /// shifted by 164816395.
    #[arg(long)]
    pub no_pgc: bool,
    /// Most hits kept per motif; beyond that the largest p-values are dropped, with a
    /// warning (not with --text, which keeps nothing).
    #[arg(long, default_value_t = 100_000)]
    pub max_stored_scores: usize,
    /// FIMO's --text form: hits streamed in input order (motif, sequence, strand,
    /// position) as they are found, no q-values, no trailing `#` lines [default: off].
    #[arg(long)]
    pub text: bool,
    /// Version named in the trailing `#` lines (for example a MEME version, to compare
    /// files with MEME's) [default: explainn's version].
    #[arg(long)]
    pub version_string: Option<String>,
    /// Output file [default: standard output].
    #[arg(short, long)]
    pub output: Option<PathBuf>,
}

/// The command line as one `#` line: arguments joined by spaces, quoted where needed.
pub(crate) fn command_line() -> String {
    std::env::args()
        .enumerate()
        .map(|(i, a)| {
            let a = if i == 0 {
                std::path::Path::new(&a)
                    .file_name()
                    .map_or(a.clone(), |f| f.to_string_lossy().into_owned())
            } else {
                a
            };
            if a.is_empty() || a.contains(|c: char| c.is_whitespace() || c == '\'' || c == '"') {
                format!("'{}'", a.replace('\'', r"'\''"))
            } else {
                a
            }
        })
        .collect::<Vec<_>>()
        .join(" ")
        .replace(['\n', '\r'], " ")
}

pub(crate) fn version_string(v: &Option<String>) -> String {
    v.clone()
        .unwrap_or_else(|| format!("explainn {}", env!("CARGO_PKG_VERSION")))
}

pub fn run(a: Args) -> Result<()> {
    super::common_model::init_threads(a.threads);
    anyhow::ensure!(
        !(a.text && a.qv_thresh),
        "--qv-thresh needs q-values, which --text does not compute"
    );
    anyhow::ensure!(
        a.thresh.is_finite() && a.thresh >= 0.0,
        "--thresh must be a number >= 0, not {}",
        a.thresh
    );
    anyhow::ensure!(
        a.max_stored_scores > 0,
        "--max-stored-scores must be at least 1"
    );
    let set = super::tomtom::read_motifs(&a.motifs)?;
    explainn_motif::fimo::check_pseudocount(&set.motifs, a.motif_pseudo)
        .context("--motif-pseudo")?;
    let bg = super::motifs::background(&a.bg, set.background, &a.motifs)?;
    let seqs = read_fasta_file(&a.seqs)
        .with_context(|| format!("cannot read sequences from {}", a.seqs.display()))?;
    let opts = FimoOptions {
        thresh: a.thresh,
        motif_pseudo: a.motif_pseudo,
        norc: a.norc,
        pgc: !a.no_pgc,
        qv_thresh: a.qv_thresh,
        max_stored_scores: a.max_stored_scores,
    };
    let write = |mut w: &mut dyn Write| -> std::io::Result<()> {
        if a.text {
            writeln!(w, "{FIMO_HEADER}")?;
            return fimo_text_each(&set.motifs, &seqs, &bg, &opts, |hits| {
                write_fimo_rows(&mut w, hits)
            });
        }
        let res = fimo_qvalues(&set.motifs, &seqs, &bg, &opts);
        for d in &res.dropped {
            eprintln!(
                "warning: motif {}: more hits than --max-stored-scores {}; {} hits with \
                 p-value >= {:e} were dropped",
                d.motif_id, a.max_stored_scores, d.count, d.p_value
            );
        }
        write_fimo_text(&mut w, &res.hits)?;
        write_fimo_trailer(&mut w, &version_string(&a.version_string), &command_line())
    };
    crate::output::write_to(a.output.as_deref(), write)
}
