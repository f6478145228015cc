//! `explainn prepare`: raw sequences → `PREFIX.{train,validation,test}.tsv.gz`.

use crate::output::{AtomicGzFile, OutputSet};
use anyhow::{Context, Result, bail};
use clap::{Args as ClapArgs, ValueEnum};
use explainn_seq::dataset::UnknownPolicy;
use explainn_seq::prepare::{self, Input, Negatives, Options, SplitRule};
use explainn_seq::records::InvalidLetters;
use explainn_seq::split::Fractions;
use std::io::Write;
use std::path::PathBuf;

#[derive(ClapArgs)]
#[command(after_help = "Examples:
  explainn prepare ctcf.fa.gz -o data/ctcf                       # positives + dinucleotide-shuffled negatives
  explainn prepare oct4.fa mafk.fa --length 200 -o data/oct4_mafk # one class per file
  explainn prepare --bed peaks.bed --genome hg38.fa --length 200 --negatives gc-matched -o data/peaks
  explainn prepare cycle1.fq.gz cycle2.fq.gz cycle3.fq.gz -o data/selex   # HT-SELEX: cycle = class

Letters (the same rule in prepare, train, test, predict, explain and interpret):
  A C G T are bases, either case (lowercase soft-masking is a base); U is T (RNA reads as DNA);
  N and the IUPAC codes R Y S W K M B D H V are unknown (all-zero columns; see --unknown);
  anything else in a sequence (digits, spaces, tabs, NUL, '-', '.', '*', other letters) is an
  error naming the file and line or record, unless --unknown zero reads it as N and counts it.

Inputs: each file is one class, so the same file twice, two classes with one name, and a class
without any positive (or, for two or more classes, any negative) example are errors; a single
class without generated negatives is a warning.")]
pub struct Args {
    /// Sequence files, one per class (FASTA or FASTQ, plain/gzip/bgzip). With one file,
    /// negatives are generated (see --negatives). A single labelled ExplaiNN TSV is split
    /// as it is.
    #[arg(required_unless_present = "bed")]
    files: Vec<PathBuf>,
    /// Output prefix: writes PREFIX.train.tsv.gz, PREFIX.validation.tsv.gz, PREFIX.test.tsv.gz.
    #[arg(short, long)]
    output: PathBuf,
    /// BED file of intervals (0-based, half-open; strand-aware) to extract from --genome;
    /// `-` reads standard input.
    #[arg(long, requires = "genome", conflicts_with = "files", value_parser = crate::stdin::input_path)]
    bed: Option<PathBuf>,
    /// Genome FASTA for --bed, and the source of random windows for --negatives gc-matched
    /// when no --background is given. An uncompressed FASTA is indexed (.fai) if needed.
    #[arg(long)]
    genome: Option<PathBuf>,
    /// BED columns (1-based, comma-separated) that hold numeric labels. Default: every
    /// interval is a positive of one class named after the BED file.
    #[arg(long, value_delimiter = ',')]
    label_columns: Vec<usize>,
    /// BED column (1-based) holding the summit offset to centre on (narrowPeak: 10).
    /// Default: the interval's midpoint.
    #[arg(long)]
    summit_column: Option<usize>,
    /// How negatives are made for a single class of positives. Default: shuffle when there
    /// is one class, none otherwise.
    #[arg(long, value_enum)]
    negatives: Option<NegativesArg>,
    /// Background FASTA for --negatives gc-matched. Negatives are drawn without
    /// replacement from the positives' own 1% GC bins; a bin the background cannot fill is
    /// an error saying how many positives could be matched and what background size would
    /// be needed (see --allow-unmatched).
    #[arg(long)]
    background: Option<PathBuf>,
    /// With --negatives gc-matched: fill GC bins the background (or genome) cannot supply
    /// from the nearest bins instead of stopping, and report the achieved GC histogram.
    /// Default: off (an unmatched bin is an error).
    #[arg(long)]
    allow_unmatched: bool,
    /// Sequence length: longer sequences are centre-cropped, shorter ones padded with N
    /// (Python str.center rule), BED intervals re-centred. Default: all sequences must
    /// already share one length.
    #[arg(short, long, value_parser = super::sequence_length)]
    length: Option<usize>,
    /// What to do with unknown letters (N, IUPAC codes; U is always T). Default: keep them
    /// as all-zero columns, and stop at any character that is not a sequence letter (digit,
    /// space, NUL, punctuation). `zero` given explicitly also reads such characters as N
    /// and reports how many; `skip` leaves out sequences with either; `error` stops at
    /// either.
    #[arg(long, value_enum)]
    unknown: Option<UnknownArg>,
    /// Train/validation/test percentages of a stratified random split.
    #[arg(long, num_args = 3, value_names = ["TRAIN", "VALID", "TEST"], default_values_t = [80.0, 10.0, 10.0])]
    splits: Vec<f64>,
    /// Chromosomes held out for validation (comma-separated); switches to a chromosome split.
    #[arg(long, value_delimiter = ',')]
    valid_chroms: Vec<String>,
    /// Chromosomes held out for testing (comma-separated); switches to a chromosome split.
    #[arg(long, value_delimiter = ',')]
    test_chroms: Vec<String>,
    /// File of sequence ids (one per line, plain or gzip) that form the test set; the rest is
    /// split into training and validation in the ratio of --splits.
    #[arg(long, conflicts_with_all = ["valid_chroms", "test_chroms"])]
    test_ids: Option<PathBuf>,
    /// Letters to clip from the start of every read (HT-SELEX adapters).
    #[arg(long, default_value_t = 0)]
    clip_left: usize,
    /// Letters to clip from the end of every read.
    #[arg(long, default_value_t = 0)]
    clip_right: usize,
    /// Class names (comma-separated), replacing the file stems.
    #[arg(long, value_delimiter = ',')]
    class_names: Option<Vec<String>>,
    /// Seed for shuffles, background draws and splits.
    #[arg(long, default_value_t = explainn_ops::defaults::SEED)]
    seed: u64,
}

#[derive(Clone, Copy, ValueEnum)]
enum NegativesArg {
    /// No negatives.
    None,
    /// One exact dinucleotide shuffle per positive.
    Shuffle,
    /// GC-matched background from --background FASTA or random --genome windows.
    GcMatched,
}

#[derive(Clone, Copy, ValueEnum)]
enum UnknownArg {
    /// Keep the sequence; unknown letters become all-zero columns, and characters that are
    /// not sequence letters are read as N and counted.
    Zero,
    /// Leave the sequence out (counted).
    Skip,
    /// Stop with an error naming the sequence.
    Error,
}

pub fn run(a: Args) -> Result<()> {
    let input = match &a.bed {
        Some(bed) => Input::Bed {
            bed: bed.clone(),
            genome: a.genome.clone().expect("clap requires --genome with --bed"),
            label_columns: a.label_columns.clone(),
            summit_column: a.summit_column,
        },
        None if a.files.len() == 1
            && explainn_seq::records::detect_format(&a.files[0])?
                == explainn_seq::records::Format::Tsv =>
        {
            Input::Labelled(a.files[0].clone())
        }
        None => Input::ClassFiles(a.files.clone()),
    };
    let n_classes = match &input {
        Input::ClassFiles(f) => f.len(),
        Input::Bed { label_columns, .. } => label_columns.len().max(1),
        // Already labelled: no negatives unless asked for.
        Input::Labelled(_) => 0,
    };
    let negatives = negatives(&a, n_classes)?;
    let split = split_rule(&a)?;
    let opts = Options {
        length: a.length,
        unknown: match a.unknown {
            None | Some(UnknownArg::Zero) => UnknownPolicy::Zero,
            Some(UnknownArg::Skip) => UnknownPolicy::Skip,
            Some(UnknownArg::Error) => UnknownPolicy::Error,
        },
        invalid: match a.unknown {
            None | Some(UnknownArg::Error) => InvalidLetters::Error,
            Some(UnknownArg::Zero) | Some(UnknownArg::Skip) => InvalidLetters::AsUnknown,
        },
        allow_unmatched: a.allow_unmatched,
        negatives,
        split,
        clip_left: a.clip_left,
        clip_right: a.clip_right,
        class_names: a.class_names.clone(),
        seed: a.seed,
    };
    let p = prepare::prepare(&input, &opts).map_err(|e| match e {
        explainn_seq::SeqError::Letter { .. } if a.unknown.is_none() => anyhow::anyhow!(
            "{e}\n(--unknown zero reads such characters as N and counts them; --unknown skip leaves those sequences out)"
        ),
        e => e.into(),
    })?;
    if a.allow_unmatched
        && a.negatives
            .is_some_and(|n| !matches!(n, NegativesArg::GcMatched))
    {
        eprintln!("warning: --allow-unmatched only applies to --negatives gc-matched");
    }

    let prefix = strip_known_extensions(&a.output);
    if let Some(dir) = a.output.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
    }
    let mut outputs = OutputSet::default();
    let mut paths = Vec::new();
    for (part, data) in [
        ("train", &p.train),
        ("validation", &p.validation),
        ("test", &p.test),
    ] {
        let path = PathBuf::from(format!("{}.{part}.tsv.gz", prefix.display()));
        let mut f = AtomicGzFile::create(&path)?;
        data.write_tsv(&mut f)
            .with_context(|| format!("cannot write {}", path.display()))?;
        outputs.add(move || f.commit());
        paths.push(path);
    }
    outputs.commit_all()?;
    print_summary(&p.summary, &paths)?;
    Ok(())
}

fn print_summary(s: &prepare::Summary, paths: &[PathBuf]) -> Result<()> {
    let mut out = std::io::stdout().lock();
    writeln!(
        out,
        "read {} sequences; {} negatives generated",
        s.read, s.negatives_made
    )?;
    write!(out, "{:<12}{:>10}", "split", "sequences")?;
    for c in &s.class_names {
        write!(out, "{:>12}", c)?;
    }
    writeln!(out, "{:>12}", "negatives")?;
    for ((name, part), path) in ["train", "validation", "test"]
        .iter()
        .zip(&s.counts)
        .zip(paths)
    {
        write!(out, "{:<12}{:>10}", name, part.sequences)?;
        for p in &part.positives {
            write!(out, "{:>12}", p)?;
        }
        writeln!(out, "{:>12}  {}", part.negatives, path.display())?;
    }
    match s.gc_negatives {
        Some(g) => writeln!(
            out,
            "GC: positives {:.1}%, negatives {:.1}%",
            100.0 * s.gc_positives,
            100.0 * g
        )?,
        None => writeln!(out, "GC: {:.1}%", 100.0 * s.gc_positives)?,
    }
    for (what, n) in &s.notes {
        writeln!(out, "{what}: {n}")?;
    }
    if let Some(h) = s.gc_histogram.as_ref().filter(|h| h.borrowed > 0) {
        writeln!(
            out,
            "GC histogram (--allow-unmatched: {} negatives from other bins; largest difference {:.1} percentage points):",
            h.borrowed,
            h.max_difference_pp()
        )?;
        writeln!(
            out,
            "{:<10}{:>11}{:>11}",
            "GC bin", "positives", "negatives"
        )?;
        let w = 100 / h.positives.len().max(1);
        for (b, (p, n)) in h.positives.iter().zip(&h.negatives).enumerate() {
            if p + n > 0 {
                writeln!(
                    out,
                    "{:<10}{p:>11}{n:>11}",
                    format!("{}-{}%", b * w, (b + 1) * w)
                )?;
            }
        }
    }
    for w in &s.warnings {
        eprintln!("warning: {w}");
    }
    Ok(())
}

/// The output prefix without the extensions of the files it names (`data/x.tsv.gz`,
/// `data/x.train.tsv.gz`, `data/x.tsv` all give `data/x`), so that `-o` of a file name
/// does not write `x.tsv.gz.train.tsv.gz`.
fn strip_known_extensions(output: &std::path::Path) -> PathBuf {
    let mut s = output.to_string_lossy().into_owned();
    for ext in [".gz", ".tsv", ".train", ".validation", ".test"] {
        if s.len() > ext.len() && s.ends_with(ext) {
            s.truncate(s.len() - ext.len());
        }
    }
    PathBuf::from(s)
}

/// The negatives of `--negatives` (default: shuffles for one class without label columns,
/// none otherwise).
fn negatives(a: &Args, n_classes: usize) -> Result<Negatives> {
    Ok(
        match a
            .negatives
            .unwrap_or(if n_classes == 1 && a.label_columns.is_empty() {
                NegativesArg::Shuffle
            } else {
                NegativesArg::None
            }) {
            NegativesArg::None => Negatives::None,
            NegativesArg::Shuffle => Negatives::Shuffle,
            NegativesArg::GcMatched => match (&a.background, &a.genome) {
                (Some(bg), _) => Negatives::GcMatchedFasta(bg.clone()),
                (None, Some(g)) => Negatives::GcMatchedGenome(g.clone()),
                (None, None) => {
                    bail!("--negatives gc-matched needs --background FASTA or --genome FASTA")
                }
            },
        },
    )
}

/// The split of `--test-ids`, `--valid-chroms`/`--test-chroms` or `--splits`.
fn split_rule(a: &Args) -> Result<SplitRule> {
    Ok(if let Some(f) = &a.test_ids {
        let text = std::io::read_to_string(explainn_seq::records::open_text(f)?)
            .with_context(|| format!("cannot read {}", f.display()))?;
        SplitRule::TestIds {
            ids: text
                .lines()
                .map(str::trim)
                .filter(|l| !l.is_empty())
                .map(str::to_string)
                .collect(),
            fractions: Fractions::new(a.splits[0], a.splits[1], a.splits[2])?,
        }
    } else if a.valid_chroms.is_empty() && a.test_chroms.is_empty() {
        SplitRule::Random(Fractions::new(a.splits[0], a.splits[1], a.splits[2])?)
    } else {
        SplitRule::Chromosomes {
            validation: a.valid_chroms.clone(),
            test: a.test_chroms.clone(),
        }
    })
}
