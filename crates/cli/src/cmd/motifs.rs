//! `explainn motifs score|trim|filter|cluster`: operations on motif sets — ranking motifs
//! by how well they separate labelled sequences, trimming weak flanks, dropping weak
//! motifs, grouping redundant ones.
use crate::output::AtomicFile;
use anyhow::{Context, Result};
use clap::{Args as ClapArgs, Subcommand};
use explainn_motif::Background;
use explainn_motif::cluster::{ClusterOptions, Linkage};
use explainn_motif::filter::{FilterOptions, filter};
use explainn_motif::io::meme::write_meme;
use explainn_motif::score::{Reduce, ScoreOptions};
use explainn_motif::tomtom::{Distance, TomtomOptions};
use explainn_motif::trim::{DEFAULT_MIN_IC, trim};
use explainn_run::motifs::cluster::{cluster_files, write_cluster_dir};
use explainn_run::motifs::score::{ScoreMotifsOptions, score_motifs};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::Instant;

/// Operations on motif sets.
#[derive(ClapArgs)]
pub struct Args {
    #[command(subcommand)]
    pub command: MotifsCommand,
}

#[derive(Subcommand)]
pub enum MotifsCommand {
    /// Rank motifs by how well each alone separates labelled sequences: FIMO log-odds
    /// scores over both strands, reduced per sequence, AUROC and AUPRC per class (TSV).
    Score(ScoreArgs),
    /// Remove motif flanks whose information content is below a threshold (MEME out).
    Trim(TrimArgs),
    /// Drop motifs narrower than a width or weaker than a mean information content.
    Filter(FilterArgs),
    /// Group redundant motifs: all-vs-all Tomtom, hierarchical clustering on symmetric
    /// p-values, an aligned average and a representative per cluster (directory out).
    Cluster(ClusterArgs),
}

#[derive(ClapArgs)]
pub struct ClusterArgs {
    /// Compute threads (default: all cores).
    #[arg(long, value_parser = super::thread_count)]
    pub threads: Option<usize>,
    /// Motif files (MEME, JASPAR or HOCOMOCO; plain or .gz), clustered as one set.
    #[arg(required = true)]
    pub motifs: Vec<PathBuf>,
    /// Linkage: complete (every pair of a cluster within the threshold) or average.
    #[arg(long, default_value = "complete")]
    pub linkage: Linkage,
    /// Join clusters whose linkage distance, a symmetric Tomtom p-value (the larger of the
    /// two directions), is at most this.
    #[arg(long, default_value_t = ClusterOptions::default().threshold)]
    pub threshold: f64,
    /// Tomtom column similarity (as `explainn tomtom --dist`).
    #[arg(long = "dist", default_value = "ed")]
    pub dist: String,
    /// Columns of a cluster's average motif covered by fewer than this share of its
    /// members are left out.
    #[arg(long, default_value_t = ClusterOptions::default().min_coverage)]
    pub min_coverage: f64,
    /// Output directory (replaced whole): clusters.tsv, clusters.meme, nonredundant.meme,
    /// similarities.npz, clusters.html.
    #[arg(short, long)]
    pub output: PathBuf,
}

#[derive(ClapArgs)]
pub struct ScoreArgs {
    /// Compute threads (default: all cores).
    #[arg(long, value_parser = super::thread_count)]
    pub threads: Option<usize>,
    /// Motifs (MEME, JASPAR or HOCOMOCO format; plain or .gz); `-` reads standard input.
    #[arg(value_parser = crate::stdin::input_path)]
    pub motifs: PathBuf,
    /// Labelled sequences: ExplaiNN TSV (`id, sequence, one 0/1 column per class`, plain or
    /// .gz), as `explainn prepare` writes them.
    pub data: PathBuf,
    /// Per-sequence score: max (the best window over both strands, FIMO's best hit) or sum
    /// (log2 of the sum of 2^score over all windows of both strands).
    #[arg(long, default_value = "max")]
    pub reduce: Reduce,
    /// Background of the log-odds: uniform, nrdb, motif (the motif file's), or a MEME
    /// background file. Symmetrised when both strands are scored, as FIMO does.
    #[arg(long, default_value = "uniform")]
    pub bg: String,
    /// Pseudocount weight added to motif rows (FIMO's).
    #[arg(long, default_value_t = 0.1)]
    pub motif_pseudo: f64,
    /// Score the given strand only [default: both strands].
    #[arg(long)]
    pub norc: bool,
    /// Output TSV (`class, rank, motif_id, motif_alt_id, auroc, auprc`, by class then AUPRC)
    /// [default: standard output].
    #[arg(short, long)]
    pub output: Option<PathBuf>,
}

#[derive(ClapArgs)]
pub struct TrimArgs {
    /// Motifs (MEME, JASPAR or HOCOMOCO format; plain or .gz); `-` reads standard input.
    #[arg(value_parser = crate::stdin::input_path)]
    pub motifs: PathBuf,
    /// Remove flank positions below this information content (bits, uniform background).
    #[arg(long, default_value_t = DEFAULT_MIN_IC)]
    pub min_ic: f64,
    /// Output MEME file [default: standard output].
    #[arg(short, long)]
    pub output: Option<PathBuf>,
}

#[derive(ClapArgs)]
pub struct FilterArgs {
    /// Motifs (MEME, JASPAR or HOCOMOCO format; plain or .gz); `-` reads standard input.
    #[arg(value_parser = crate::stdin::input_path)]
    pub motifs: PathBuf,
    /// Drop motifs with fewer positions than this.
    #[arg(long, default_value_t = FilterOptions::default().min_width)]
    pub min_width: usize,
    /// Drop motifs whose mean information content per position (bits, uniform background)
    /// is below this.
    #[arg(long, default_value_t = FilterOptions::default().min_mean_ic)]
    pub min_mean_ic: f64,
    /// Output MEME file [default: standard output].
    #[arg(short, long)]
    pub output: Option<PathBuf>,
}

/// The background named by `--bg`.
pub(crate) fn background(
    name: &str,
    file_bg: Option<Background>,
    motifs: &Path,
) -> Result<Background> {
    Ok(match name {
        "uniform" => Background::uniform(),
        "nrdb" => Background::nrdb(),
        "motif" => file_bg.unwrap_or_else(|| {
            eprintln!(
                "warning: {} states no background; using uniform",
                motifs.display()
            );
            Background::uniform()
        }),
        file => Background::read_file(file)
            .with_context(|| format!("cannot read background file {file}"))?,
    })
}

pub fn run(a: Args) -> Result<()> {
    match a.command {
        MotifsCommand::Score(a) => run_score(a),
        MotifsCommand::Trim(a) => run_trim(a),
        MotifsCommand::Filter(a) => run_filter(a),
        MotifsCommand::Cluster(a) => run_cluster(a),
    }
}

fn run_score(a: ScoreArgs) -> Result<()> {
    let threads = super::common_model::init_threads(a.threads);
    let set = super::tomtom::read_motifs(&a.motifs)?;
    let opts = ScoreMotifsOptions {
        score: ScoreOptions {
            motif_pseudo: a.motif_pseudo,
            norc: a.norc,
            reduce: a.reduce,
        },
        background: background(&a.bg, set.background, &a.motifs)?,
    };
    // The output is opened before the work, so a bad path fails at once.
    let file = a.output.as_ref().map(AtomicFile::create).transpose()?;
    let pb = super::common_model::progress_bar(
        0,
        "{spinner} scoring: {pos} sequences, {per_sec} [{elapsed_precise}]",
    );
    let t0 = Instant::now();
    let table = score_motifs(&set.motifs, &a.data, &opts, |n| pb.set_position(n as u64))
        .with_context(|| format!("cannot score motifs on {}", a.data.display()))?;
    pb.finish_and_clear();
    let secs = t0.elapsed().as_secs_f64();
    info!(
        "scored {} motifs on {} sequences ({:.1} Mb) in {:.2} s on {threads} threads: {:.2} MB/s, \
         {:.0} motif-sequences/s",
        set.motifs.len(),
        table.sequences,
        table.bases as f64 / 1e6,
        secs,
        table.bases as f64 / 1e6 / secs,
        (set.motifs.len() * table.sequences) as f64 / secs
    );
    for (c, name) in table.class_names.iter().enumerate() {
        let pos = table.positives[c];
        if pos == 0 || pos == table.sequences {
            eprintln!(
                "warning: class {name} has {} of {} sequences positive: its AUROC is NA",
                pos, table.sequences
            );
        }
    }
    let write = |w: &mut dyn Write| {
        let mut w = w;
        table.write_tsv(&mut w)
    };
    match (a.output.as_deref(), file) {
        (Some(p), Some(mut f)) => {
            write(&mut f).with_context(|| format!("cannot write {}", p.display()))?;
            f.commit()
        }
        _ => crate::output::write_to(None, write),
    }
}

fn run_trim(a: TrimArgs) -> Result<()> {
    anyhow::ensure!(
        a.min_ic.is_finite() && (0.0..=2.0).contains(&a.min_ic),
        "--min-ic must be between 0 and 2 bits, not {}",
        a.min_ic
    );
    let set = super::tomtom::read_motifs(&a.motifs)?;
    let t = trim(&set.motifs, a.min_ic);
    for id in &t.dropped {
        eprintln!(
            "warning: motif {id} has no position with information content >= {} bits; left out",
            a.min_ic
        );
    }
    anyhow::ensure!(
        !t.motifs.is_empty(),
        "no motif of {} has a position with information content >= {} bits",
        a.motifs.display(),
        a.min_ic
    );
    let removed: usize = set
        .motifs
        .iter()
        .filter(|m| !t.dropped.contains(&m.id))
        .map(|m| m.width())
        .sum::<usize>()
        - t.motifs.iter().map(|m| m.width()).sum::<usize>();
    info!(
        "trimmed {} motifs: {removed} flank positions below {} bits removed, {} motifs left out",
        t.motifs.len(),
        a.min_ic,
        t.dropped.len()
    );
    crate::output::write_to(a.output.as_deref(), |w| {
        let mut w = w;
        write_meme(&mut w, &t.motifs, set.background.as_ref(), Some(6))
    })
}

fn run_filter(a: FilterArgs) -> Result<()> {
    anyhow::ensure!(
        a.min_mean_ic.is_finite() && a.min_mean_ic >= 0.0,
        "--min-mean-ic must be a number >= 0, not {}",
        a.min_mean_ic
    );
    let set = super::tomtom::read_motifs(&a.motifs)?;
    let f = filter(
        &set.motifs,
        &FilterOptions {
            min_width: a.min_width,
            min_mean_ic: a.min_mean_ic,
        },
    );
    for (id, why) in &f.dropped {
        info!("dropped motif {id}: {why}");
    }
    info!("kept {} of {} motifs", f.motifs.len(), set.motifs.len());
    if f.motifs.is_empty() {
        eprintln!(
            "warning: no motif of {} passes the filter",
            a.motifs.display()
        );
    }
    crate::output::write_to(a.output.as_deref(), |w| {
        let mut w = w;
        write_meme(&mut w, &f.motifs, set.background.as_ref(), Some(6))
    })
}

fn run_cluster(a: ClusterArgs) -> Result<()> {
    let threads = super::common_model::init_threads(a.threads);
    anyhow::ensure!(
        a.threshold.is_finite() && (0.0..=1.0).contains(&a.threshold),
        "--threshold is a p-value: give a number between 0 and 1, not {}",
        a.threshold
    );
    anyhow::ensure!(
        (0.0..=1.0).contains(&a.min_coverage),
        "--min-coverage is a share: give a number between 0 and 1, not {}",
        a.min_coverage
    );
    let distance: Distance = a.dist.parse()?;
    let opts = ClusterOptions {
        tomtom: TomtomOptions {
            distance,
            ..Default::default()
        },
        linkage: a.linkage,
        threshold: a.threshold,
        min_coverage: a.min_coverage,
    };
    // Refuse an output directory holding other files before the work.
    drop(explainn_run::output::OutputDir::create(
        &a.output,
        &["clusters.tsv"],
        "motif clusters",
    )?);
    let t0 = Instant::now();
    let paths: Vec<&Path> = a.motifs.iter().map(PathBuf::as_path).collect();
    let set = cluster_files(&paths, &opts)?;
    let n = set.motifs.len();
    let multi = set
        .clustering
        .clusters
        .iter()
        .filter(|c| c.members.len() > 1)
        .count();
    info!(
        "clustered {n} motifs into {} clusters ({multi} of 2 or more) in {:.2} s on {threads} \
         threads (all-vs-all Tomtom of {} pairs: {:.3} s)",
        set.clustering.clusters.len(),
        t0.elapsed().as_secs_f64(),
        n * n,
        set.clustering.tomtom_seconds
    );
    write_cluster_dir(&a.output, &set)?;
    info!("wrote {}", a.output.display());
    Ok(())
}
