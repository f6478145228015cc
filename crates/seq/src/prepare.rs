//! Build labelled train/validation/test sets from raw inputs: one sequence file per class
//! (FASTA or FASTQ, e.g. ChIP-seq peaks or HT-SELEX cycles), positives with generated
//! negatives, or BED intervals on a genome.

use crate::background::{self, DEFAULT_BINS, GcShortfall};
use crate::bed::{self, Genome};
use crate::dataset::{Dataset, UnknownPolicy};
use crate::encode::{self, fit_length, gc_fraction, is_acgt};
use crate::records::{InvalidLetters, Replaced};
use crate::shuffle::dinucleotide_shuffle_keeping_padding;
use crate::split::{self, Fractions, Split};
use crate::{SeqError, records};
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use std::collections::HashSet;
use std::path::{Path, PathBuf};

/// Where the labelled sequences come from.
#[derive(Debug, Clone)]
pub enum Input {
    /// One FASTA/FASTQ file per class; the class is named after the file. A sequence's
    /// label is 1 for its file's class and 0 elsewhere.
    ClassFiles(Vec<PathBuf>),
    /// An already labelled ExplaiNN TSV (`id<TAB>seq<TAB>label…`, optional class-naming
    /// header): labels are kept as they are.
    Labelled(PathBuf),
    /// BED intervals on a genome. With `label_columns` (1-based BED columns holding numeric
    /// labels) those are the labels; without, every interval is a positive of one class.
    Bed {
        bed: PathBuf,
        genome: PathBuf,
        label_columns: Vec<usize>,
        summit_column: Option<usize>,
    },
}

/// How negatives are generated when the input has a single class of positives.
#[derive(Debug, Clone, PartialEq)]
pub enum Negatives {
    /// No negatives (single-class regression or already labelled input).
    None,
    /// One exact dinucleotide shuffle per positive (id `<id>::shuf`), as DeepBind and the
    /// original ExplaiNN.
    Shuffle,
    /// GC-matched sequences from a background FASTA.
    GcMatchedFasta(PathBuf),
    /// GC-matched random windows of a genome FASTA (N-free, 1% GC bins).
    GcMatchedGenome(PathBuf),
}

/// How the input is split.
#[derive(Debug, Clone)]
pub enum SplitRule {
    /// Stratified random split with these fractions.
    Random(Fractions),
    /// Whole chromosomes held out for validation and test (ids must read `chrom:start-end`).
    Chromosomes {
        validation: Vec<String>,
        test: Vec<String>,
    },
    /// The sequences with these ids form the test set (e.g. a benchmark's published test
    /// ids); the others are split stratified into training and validation in the ratio of
    /// `fractions.train` to `fractions.validation`.
    TestIds {
        ids: std::collections::HashSet<String>,
        fractions: Fractions,
    },
}

/// Everything `prepare` needs besides the input.
#[derive(Debug, Clone)]
pub struct Options {
    /// Fixed length (centre crop / pad with N; BED intervals are re-centred). `None`: all
    /// sequences must have one length already.
    pub length: Option<usize>,
    /// Unknown-letter policy for N and IUPAC codes (default: keep as all-zero columns).
    /// U is always T.
    pub unknown: UnknownPolicy,
    /// Characters that are not sequence letters (digits, spaces, NUL, punctuation): an
    /// error naming the file and line or record (default), or N, counted in the summary's
    /// notes ([`InvalidLetters::AsUnknown`]).
    pub invalid: InvalidLetters,
    /// GC matching (`--negatives gc-matched`): when a GC bin of the positives cannot be
    /// filled from the same bin of the background, take the rest from the nearest bins and
    /// report the achieved histogram (true), instead of stopping with an error (default).
    pub allow_unmatched: bool,
    pub negatives: Negatives,
    pub split: SplitRule,
    /// Letters removed from the start / end of every read (HT-SELEX adapters). Default 0.
    pub clip_left: usize,
    pub clip_right: usize,
    /// Class names overriding the defaults (file stems, BED column names).
    pub class_names: Option<Vec<String>>,
    /// Seed of every random step (default [`crate::SEED`], as the original).
    pub seed: u64,
}

impl Default for Options {
    fn default() -> Self {
        Self {
            length: None,
            unknown: UnknownPolicy::Zero,
            invalid: InvalidLetters::Error,
            allow_unmatched: false,
            negatives: Negatives::None,
            split: SplitRule::Random(Fractions::default()),
            clip_left: 0,
            clip_right: 0,
            class_names: None,
            seed: crate::SEED,
        }
    }
}

/// What was done, for the user.
#[derive(Debug, Clone, Default)]
pub struct Summary {
    pub class_names: Vec<String>,
    /// Per split: train, validation, test.
    pub counts: [PartCount; 3],
    /// Sequences read from the input (before any filtering).
    pub read: usize,
    pub negatives_made: usize,
    /// Mean GC of positives and of generated negatives (when any).
    pub gc_positives: f64,
    pub gc_negatives: Option<f64>,
    /// Reasons sequences were dropped or changed, with counts.
    pub notes: Vec<(String, usize)>,
    /// Problems the user should know about that did not stop the run (e.g. a class with
    /// no negative example), one sentence each.
    pub warnings: Vec<String>,
    /// GC histograms (1% bins) of the positives and of the GC-matched negatives, when
    /// negatives were GC-matched.
    pub gc_histogram: Option<GcHistogram>,
}

/// Positives and negatives per GC bin (`positives.len()` equal-width bins over [0, 1]).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct GcHistogram {
    pub positives: Vec<usize>,
    pub negatives: Vec<usize>,
    /// Negatives that came from another bin than their positive's (`--allow-unmatched`).
    pub borrowed: usize,
}

impl GcHistogram {
    /// Largest difference, in percentage points, between the positives' and the
    /// negatives' share of any bin.
    pub fn max_difference_pp(&self) -> f64 {
        let np = self.positives.iter().sum::<usize>().max(1) as f64;
        let nn = self.negatives.iter().sum::<usize>().max(1) as f64;
        self.positives
            .iter()
            .zip(&self.negatives)
            .map(|(&p, &n)| (100.0 * (p as f64 / np - n as f64 / nn)).abs())
            .fold(0.0, f64::max)
    }
}

/// Sequence counts of one part of a split.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PartCount {
    pub sequences: usize,
    /// Sequences with a label above 0, per class.
    pub positives: Vec<usize>,
    /// Sequences whose labels are all 0.
    pub negatives: usize,
}

/// The three parts and the summary.
#[derive(Debug, Clone)]
pub struct Prepared {
    pub train: Dataset,
    pub validation: Dataset,
    pub test: Dataset,
    pub summary: Summary,
}

struct Seq {
    id: String,
    seq: Vec<u8>,
    labels: Vec<f32>,
    /// For a generated negative: the index of the positive it came from.
    source: Option<usize>,
}

/// Stem of a sequence file's name: `ctcf.fa.gz` → `ctcf`.
pub fn class_name_of(path: &Path) -> String {
    let mut name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    for ext in [".gz", ".bgz"] {
        if let Some(s) = name.strip_suffix(ext) {
            name = s.to_string();
        }
    }
    for ext in [
        ".fa",
        ".fasta",
        ".fna",
        ".fas",
        ".fq",
        ".fastq",
        ".txt",
        ".bed",
        ".narrowPeak",
    ] {
        if let Some(s) = name.strip_suffix(ext) {
            name = s.to_string();
            break;
        }
    }
    name
}

/// Build the splits. See [`Input`], [`Options`].
pub fn prepare(input: &Input, opts: &Options) -> Result<Prepared, SeqError> {
    let mut notes: Vec<(String, usize)> = Vec::new();
    let mut note = |what: &str, n: usize| {
        if n > 0 {
            notes.push((what.to_string(), n));
        }
    };
    let mut replaced = Replaced::default();
    let (mut seqs, mut class_names) = match input {
        Input::Labelled(path) => {
            let mut rows = crate::records::TsvLines::open(path)?;
            rows.invalid = opts.invalid;
            let mut seqs = Vec::new();
            for row in rows.by_ref() {
                let row = row?;
                seqs.push(Seq {
                    id: row.id,
                    seq: row.seq,
                    labels: row.labels,
                    source: None,
                });
            }
            let Some(first) = seqs.first() else {
                return Err(SeqError::File {
                    path: path.clone(),
                    msg: "no sequences".into(),
                });
            };
            if first.labels.is_empty() {
                return Err(SeqError::File {
                    path: path.clone(),
                    msg: "no label columns (expected id<TAB>seq<TAB>label…)".into(),
                });
            }
            let names = rows
                .class_names
                .clone()
                .unwrap_or_else(|| (0..first.labels.len()).map(|k| k.to_string()).collect());
            replaced.letters += rows.replaced.letters;
            replaced.sequences += rows.replaced.sequences;
            (seqs, names)
        }
        Input::ClassFiles(files) => {
            if files.is_empty() {
                return Err(SeqError::Invalid("no input files".into()));
            }
            check_distinct_files(files)?;
            if opts.class_names.is_none() {
                let stems: Vec<String> = files.iter().map(|f| class_name_of(f)).collect();
                check_distinct_names(&stems, input)?;
            }
            let c = files.len();
            let mut seqs = Vec::new();
            for (k, f) in files.iter().enumerate() {
                let before = seqs.len();
                let mut recs = records::open_with(f, opts.invalid)?;
                for rec in recs.by_ref() {
                    let rec = rec?;
                    let end = rec.seq.len().saturating_sub(opts.clip_right);
                    let seq = if opts.clip_left < end {
                        rec.seq[opts.clip_left..end].to_vec()
                    } else {
                        Vec::new()
                    };
                    if seq.is_empty() {
                        return Err(SeqError::Invalid(format!(
                            "{}: sequence '{}' is empty after clipping",
                            f.display(),
                            rec.id
                        )));
                    }
                    let mut labels = vec![0f32; c];
                    labels[k] = 1.0;
                    seqs.push(Seq {
                        id: rec.id,
                        seq,
                        labels,
                        source: None,
                    });
                }
                if seqs.len() == before {
                    return Err(SeqError::File {
                        path: f.clone(),
                        msg: "no sequences".into(),
                    });
                }
                let r = recs.replaced();
                replaced.letters += r.letters;
                replaced.sequences += r.sequences;
            }
            (
                seqs,
                files.iter().map(|f| class_name_of(f)).collect::<Vec<_>>(),
            )
        }
        Input::Bed {
            bed,
            genome,
            label_columns,
            summit_column,
        } => {
            let ivs = bed::read_bed(bed)?;
            let mut g = Genome::open(genome)?;
            let mut seqs = Vec::new();
            let mut outside = 0;
            for iv in &ivs {
                let iv = match opts.length {
                    Some(l) => {
                        let summit = match summit_column {
                            Some(col) => Some(iv.fields.get(col - 1).and_then(|s| s.parse::<u64>().ok()).ok_or_else(
                                || SeqError::parse(bed, iv.line, format!("column {col} (summit offset) is missing or not an integer")),
                            )?),
                            None => None,
                        };
                        match iv.recentred(l as u64, summit) {
                            Some(r) => r,
                            None => {
                                outside += 1;
                                continue;
                            }
                        }
                    }
                    None => iv.clone(),
                };
                // Re-centred intervals that fall off a chromosome end are dropped and
                // counted; an original interval outside its chromosome is an error.
                match g.length(&iv.chrom) {
                    None => {
                        return Err(SeqError::parse(
                            bed,
                            iv.line,
                            format!("chromosome {:?} is not in {}", iv.chrom, genome.display()),
                        ));
                    }
                    Some(len) if iv.end > len => {
                        if opts.length.is_some() {
                            outside += 1;
                            continue;
                        }
                        return Err(SeqError::parse(
                            bed,
                            iv.line,
                            format!(
                                "interval {}:{}-{} lies outside {} (length {len})",
                                iv.chrom, iv.start, iv.end, iv.chrom
                            ),
                        ));
                    }
                    _ => {}
                }
                let (seq, n) = g.extract_with(&iv, bed, opts.invalid)?;
                if n > 0 {
                    replaced.letters += n;
                    replaced.sequences += 1;
                }
                let labels = if label_columns.is_empty() {
                    vec![1.0]
                } else {
                    label_columns
                        .iter()
                        .map(|&col| {
                            iv.fields
                                .get(col - 1)
                                .and_then(|s| s.parse::<f32>().ok())
                                .filter(|v| v.is_finite())
                                .ok_or_else(|| {
                                    SeqError::parse(
                                        bed,
                                        iv.line,
                                        format!(
                                            "label column {col} is missing or not a finite number"
                                        ),
                                    )
                                })
                        })
                        .collect::<Result<Vec<_>, _>>()?
                };
                seqs.push(Seq {
                    id: iv.label(),
                    seq,
                    labels,
                    source: None,
                });
            }
            note(
                "intervals dropped: re-centred window falls outside the chromosome",
                outside,
            );
            let names = if label_columns.is_empty() {
                vec![class_name_of(bed)]
            } else {
                label_columns.iter().map(|c| format!("column{c}")).collect()
            };
            (seqs, names)
        }
    };
    if let Some(names) = &opts.class_names {
        if names.len() != class_names.len() {
            return Err(SeqError::Invalid(format!(
                "{} class names given for {} classes",
                names.len(),
                class_names.len()
            )));
        }
        class_names = names.clone();
    }
    check_distinct_names(&class_names, input)?;
    let read = seqs.len();
    if replaced.letters > 0 {
        note(
            &format!(
                "characters that are not sequence letters read as N (--unknown zero), in {} sequences",
                replaced.sequences
            ),
            replaced.letters,
        );
    }

    // Length.
    let length = match opts.length {
        Some(l) => l,
        None => {
            let lo = seqs.iter().map(|s| s.seq.len()).min().unwrap_or(0);
            let hi = seqs.iter().map(|s| s.seq.len()).max().unwrap_or(0);
            if lo != hi {
                return Err(SeqError::Invalid(format!(
                    "sequences have lengths from {lo} to {hi}: choose one with --length (longer ones are centre-cropped, shorter ones padded with N)"
                )));
            }
            lo
        }
    };
    for s in &mut seqs {
        s.seq = fit_length(&s.seq, length);
    }

    // Unknown letters.
    let before = seqs.len();
    match opts.unknown {
        UnknownPolicy::Zero => {}
        UnknownPolicy::Skip => seqs.retain(|s| is_acgt(&s.seq)),
        UnknownPolicy::Error => {
            if let Some(s) = seqs.iter().find(|s| !is_acgt(&s.seq)) {
                return Err(SeqError::Invalid(format!(
                    "sequence '{}' contains letters other than A, C, G, T (use --unknown zero or skip)",
                    s.id
                )));
            }
        }
    }
    note(
        "sequences skipped: letters other than A, C, G, T",
        before - seqs.len(),
    );

    // Duplicates among the inputs: merge, keeping the maximum label.
    let before = seqs.len();
    seqs = merge_duplicates(seqs);
    note(
        "duplicate sequences merged (labels: maximum)",
        before - seqs.len(),
    );

    // Negatives.
    let mut rng = ChaCha8Rng::seed_from_u64(opts.seed);
    let gc_positives = mean(seqs.iter().map(|s| gc_fraction(&s.seq)));
    let c = class_names.len();
    let mut negatives: Vec<Seq> = Vec::new();
    let mut gc_borrowed = 0;
    match &opts.negatives {
        Negatives::None => {}
        _ if c != 1 => {
            return Err(SeqError::Invalid(format!(
                "negatives are generated for one class of positives, but the input has {c} classes"
            )));
        }
        Negatives::Shuffle => {
            for (i, s) in seqs.iter().enumerate() {
                // Only the sequence is shuffled: N padding stays where it was.
                let shuffled = dinucleotide_shuffle_keeping_padding(&s.seq, &mut rng);
                negatives.push(Seq {
                    id: format!("{}::shuf", s.id),
                    seq: shuffled,
                    labels: vec![0.0],
                    source: Some(i),
                });
            }
        }
        Negatives::GcMatchedFasta(bg) => {
            let mut pool: Vec<(String, Vec<u8>)> = Vec::new();
            for rec in records::open_with(bg, opts.invalid)? {
                let rec = rec?;
                if rec.seq.len() < length {
                    continue;
                }
                let seq = fit_length(&rec.seq, length);
                if opts.unknown != UnknownPolicy::Zero && !is_acgt(&seq) {
                    continue;
                }
                pool.push((rec.id, seq));
            }
            let target: Vec<f64> = seqs.iter().map(|s| gc_fraction(&s.seq)).collect();
            let cand: Vec<f64> = pool.iter().map(|(_, s)| gc_fraction(s)).collect();
            let draw =
                match background::match_gc_strict(&target, &cand, DEFAULT_BINS, &mut rng) {
                    Ok(d) => d,
                    Err(short) if !opts.allow_unmatched => {
                        return Err(SeqError::File {
                            path: bg.clone(),
                            msg: shortfall_message(&short, "background sequences"),
                        });
                    }
                    Err(_) => background::match_gc(&target, &cand, DEFAULT_BINS, &mut rng)
                        .map_err(|e| SeqError::File {
                            path: bg.clone(),
                            msg: e.to_string(),
                        })?,
                };
            gc_borrowed = draw.borrowed;
            for i in draw.picked {
                let (id, seq) = pool[i].clone();
                negatives.push(Seq {
                    id,
                    seq,
                    labels: vec![0.0],
                    source: None,
                });
            }
        }
        Negatives::GcMatchedGenome(genome) => {
            let mut g = Genome::open(genome)?;
            let target: Vec<f64> = seqs.iter().map(|s| gc_fraction(&s.seq)).collect();
            let max_draws = 200 * target.len() + 10_000;
            let windows = if opts.allow_unmatched {
                let (w, borrowed) = background::sample_genome_windows(
                    &mut g,
                    length as u64,
                    &target,
                    DEFAULT_BINS,
                    max_draws,
                    &mut rng,
                )?;
                gc_borrowed = borrowed;
                w
            } else {
                background::sample_genome_windows_strict(
                    &mut g,
                    length as u64,
                    &target,
                    DEFAULT_BINS,
                    max_draws,
                    &mut rng,
                )?
                .map_err(|short| SeqError::File {
                    path: genome.clone(),
                    msg: shortfall_message(&short, "N-free random genome windows"),
                })?
            };
            for w in windows {
                let id = format!("{}:{}-{}", w.chrom, w.start, w.start + length as u64);
                negatives.push(Seq {
                    id,
                    seq: w.seq,
                    labels: vec![0.0],
                    source: None,
                });
            }
        }
    }
    let negatives_made = negatives.len();
    let gc_histogram = matches!(
        opts.negatives,
        Negatives::GcMatchedFasta(_) | Negatives::GcMatchedGenome(_)
    )
    .then(|| {
        let pos: Vec<f64> = seqs.iter().map(|s| gc_fraction(&s.seq)).collect();
        let neg: Vec<f64> = negatives.iter().map(|s| gc_fraction(&s.seq)).collect();
        GcHistogram {
            positives: background::gc_histogram(&pos, DEFAULT_BINS),
            negatives: background::gc_histogram(&neg, DEFAULT_BINS),
            borrowed: gc_borrowed,
        }
    });
    note(
        "negatives taken from a neighbouring GC bin (--allow-unmatched)",
        gc_borrowed,
    );
    let gc_negatives =
        (!negatives.is_empty()).then(|| mean(negatives.iter().map(|s| gc_fraction(&s.seq))));
    if !negatives.is_empty() {
        // A negative identical to a positive (e.g. a shuffle of a low-complexity
        // sequence) would be merged into it; leave such negatives out instead.
        let positives: HashSet<Vec<u8>> = seqs.iter().map(|s| encode::to_codes(&s.seq)).collect();
        let mut seen: HashSet<Vec<u8>> = HashSet::new();
        let before = negatives.len();
        negatives.retain(|s| {
            let k = encode::to_codes(&s.seq);
            !positives.contains(&k) && seen.insert(k)
        });
        note(
            "negatives left out: identical to a positive or to another negative",
            before - negatives.len(),
        );
    }
    seqs.extend(negatives);
    let warnings = check_classes(&seqs, &class_names, input)?;

    // Split: originals are split (stratified); generated negatives follow their positive.
    let mut data = Dataset::new(length, class_names.clone());
    for s in &seqs {
        data.push(s.id.clone(), &s.seq, &s.labels);
    }
    let originals: Vec<usize> = (0..seqs.len())
        .filter(|&i| seqs[i].source.is_none())
        .collect();
    let base = data.subset(&originals);
    let part = match &opts.split {
        SplitRule::Random(f) => split::stratified(&base, *f, opts.seed.wrapping_add(1)),
        SplitRule::Chromosomes { validation, test } => split::by_chromosome(
            base.len(),
            |i| split::chrom_from_id(&base.ids[i]),
            |i| &base.ids[i],
            validation,
            test,
        )?,
        SplitRule::TestIds { ids, fractions } => {
            let (test, rest): (Vec<usize>, Vec<usize>) =
                (0..base.len()).partition(|&i| ids.contains(&base.ids[i]));
            if test.is_empty() {
                return Err(SeqError::Invalid(
                    "none of the given test ids occurs in the input".into(),
                ));
            }
            let sum = fractions.train + fractions.validation;
            let f = Fractions {
                train: fractions.train / sum,
                validation: fractions.validation / sum,
                test: 0.0,
            };
            let inner = split::stratified(&base.subset(&rest), f, opts.seed.wrapping_add(1));
            Split {
                train: inner.train.iter().map(|&i| rest[i]).collect(),
                validation: inner.validation.iter().map(|&i| rest[i]).collect(),
                test,
            }
        }
    };
    let mut which = vec![usize::MAX; seqs.len()];
    for (k, idx) in [&part.train, &part.validation, &part.test]
        .into_iter()
        .enumerate()
    {
        for &j in idx {
            which[originals[j]] = k;
        }
    }
    let mut full = Split::default();
    for i in 0..seqs.len() {
        let k = match seqs[i].source {
            None => which[i],
            Some(src) => which[src],
        };
        [&mut full.train, &mut full.validation, &mut full.test][k].push(i);
    }
    let (train, validation, test) = (
        data.subset(&full.train),
        data.subset(&full.validation),
        data.subset(&full.test),
    );
    for (name, d) in [("training", &train), ("validation", &validation)] {
        if d.is_empty() {
            return Err(SeqError::Invalid(format!(
                "the {name} set is empty: there are too few sequences ({}) or the held-out chromosomes cover everything",
                data.len()
            )));
        }
    }
    let count = |d: &Dataset| PartCount {
        sequences: d.len(),
        positives: (0..c)
            .map(|k| (0..d.len()).filter(|&i| d.label(i)[k] > 0.0).count())
            .collect(),
        negatives: (0..d.len())
            .filter(|&i| d.label(i).iter().all(|&v| v == 0.0))
            .count(),
    };
    let summary = Summary {
        class_names,
        counts: [count(&train), count(&validation), count(&test)],
        read,
        negatives_made,
        gc_positives,
        gc_negatives,
        notes,
        warnings,
        gc_histogram,
    };
    Ok(Prepared {
        train,
        validation,
        test,
        summary,
    })
}

/// The same file given twice (or two names of one file) is an error: each input is a class.
fn check_distinct_files(files: &[PathBuf]) -> Result<(), SeqError> {
    let mut seen: std::collections::HashMap<PathBuf, usize> = std::collections::HashMap::new();
    for (k, f) in files.iter().enumerate() {
        // A file that cannot be resolved is reported when it is opened.
        let Ok(canon) = std::fs::canonicalize(f) else {
            continue;
        };
        if let Some(&j) = seen.get(&canon) {
            return Err(SeqError::Invalid(format!(
                "{} is given twice (inputs {} and {}{}): each input file is one class",
                f.display(),
                j + 1,
                k + 1,
                if files[j] != *f {
                    format!(", as {}", files[j].display())
                } else {
                    String::new()
                }
            )));
        }
        seen.insert(canon, k);
    }
    Ok(())
}

/// Two classes with one name are an error (their columns could not be told apart).
fn check_distinct_names(names: &[String], input: &Input) -> Result<(), SeqError> {
    for (k, n) in names.iter().enumerate() {
        if let Some(j) = names[..k].iter().position(|m| m == n) {
            let from = match input {
                Input::ClassFiles(f) => format!(
                    " ({} and {}; rename one or give --class-names)",
                    f[j].display(),
                    f[k].display()
                ),
                _ => String::new(),
            };
            return Err(SeqError::Invalid(format!(
                "classes {} and {} are both named {n:?}{from}",
                j + 1,
                k + 1
            )));
        }
    }
    Ok(())
}

/// Every class needs a positive and a negative example, and two classes with the same
/// labels for every sequence are one class given twice. For one-file-per-class input these
/// are errors (except a single class without generated negatives, a warning); for labelled
/// input (TSV, BED label columns) warnings, and "no negative" only for 0/1 labels.
fn check_classes(seqs: &[Seq], names: &[String], input: &Input) -> Result<Vec<String>, SeqError> {
    let mut warnings = Vec::new();
    let class_files = matches!(input, Input::ClassFiles(_));
    let c = names.len();
    for (k, name) in names.iter().enumerate() {
        let pos = seqs.iter().filter(|s| s.labels[k] > 0.0).count();
        let neg = seqs.iter().filter(|s| s.labels[k] == 0.0).count();
        let binary = seqs
            .iter()
            .all(|s| s.labels[k] == 0.0 || s.labels[k] == 1.0);
        if pos == 0 {
            let msg = format!("class {name:?} has no positive example (every label is 0 or below)");
            if class_files {
                return Err(SeqError::Invalid(msg));
            }
            warnings.push(msg);
        } else if neg == 0 && binary {
            if class_files && c > 1 {
                return Err(SeqError::Invalid(format!(
                    "class {name:?} has no negative example: every sequence of the other inputs is also in this class's file (are two inputs copies of one file?)"
                )));
            }
            warnings.push(format!(
                "class {name:?} has no negative example (every sequence is labelled 1): a classifier cannot learn from it{}",
                if class_files {
                    "; use --negatives shuffle or gc-matched to generate negatives"
                } else {
                    ""
                }
            ));
        }
    }
    for k in 0..c {
        for j in 0..k {
            if seqs.iter().all(|s| s.labels[j] == s.labels[k]) {
                let msg = format!(
                    "classes {:?} and {:?} have the same label for every sequence (the same sequences given twice?)",
                    names[j], names[k]
                );
                if class_files {
                    return Err(SeqError::Invalid(msg));
                }
                warnings.push(msg);
            }
        }
    }
    Ok(warnings)
}

/// The error text of a GC-matched draw that some bins could not fill.
fn shortfall_message(s: &GcShortfall, what: &str) -> String {
    let need = match s.needed_background() {
        Some(n) => format!(
            "; with this GC distribution about {n} {what} would be needed (there are {})",
            s.candidates
        ),
        None => format!(
            "; some bins have no candidate at all among the {} {what}, so more of the same would not do: use a background with that GC content",
            s.candidates
        ),
    };
    format!(
        "GC matching failed: only {} of {} positives can be matched within their own 1% GC bin ({}){need}. Give a larger background, or --allow-unmatched to take the rest from the nearest bins (the achieved GC histogram is then reported)",
        s.matched,
        s.targets,
        s.describe_bins(5)
    )
}

fn merge_duplicates(seqs: Vec<Seq>) -> Vec<Seq> {
    let mut first: std::collections::HashMap<Vec<u8>, usize> = std::collections::HashMap::new();
    let mut out: Vec<Seq> = Vec::with_capacity(seqs.len());
    for s in seqs {
        let key = encode::to_codes(&s.seq);
        match first.get(&key) {
            Some(&j) => {
                for (a, b) in out[j].labels.iter_mut().zip(&s.labels) {
                    *a = a.max(*b);
                }
            }
            None => {
                first.insert(key, out.len());
                out.push(s);
            }
        }
    }
    out
}

fn mean(it: impl Iterator<Item = f64>) -> f64 {
    let (s, n) = it.fold((0.0, 0usize), |(s, n), x| (s + x, n + 1));
    if n == 0 { 0.0 } else { s / n as f64 }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::Rng;

    fn random_seq(rng: &mut ChaCha8Rng, n: usize, gc: f64) -> Vec<u8> {
        (0..n)
            .map(|_| {
                let s = rng.random::<f64>() < gc;
                let h = rng.random::<bool>();
                match (s, h) {
                    (true, true) => b'G',
                    (true, false) => b'C',
                    (false, true) => b'A',
                    (false, false) => b'T',
                }
            })
            .collect()
    }

    fn write_fasta(dir: &Path, name: &str, seqs: &[Vec<u8>]) -> PathBuf {
        let mut text = String::new();
        for (i, s) in seqs.iter().enumerate() {
            text.push_str(&format!(">s{i}\n{}\n", String::from_utf8_lossy(s)));
        }
        let p = dir.join(name);
        std::fs::write(&p, text).unwrap();
        p
    }

    fn err(input: &Input, opts: &Options) -> String {
        match prepare(input, opts) {
            Ok(_) => panic!("expected an error"),
            Err(e) => e.to_string(),
        }
    }

    #[test]
    fn the_same_file_twice_and_duplicate_class_names_are_errors() {
        let dir = tempfile::tempdir().unwrap();
        let mut rng = ChaCha8Rng::seed_from_u64(1);
        let a: Vec<Vec<u8>> = (0..20).map(|_| random_seq(&mut rng, 30, 0.5)).collect();
        let b: Vec<Vec<u8>> = (0..20).map(|_| random_seq(&mut rng, 30, 0.5)).collect();
        let pa = write_fasta(dir.path(), "a.fa", &a);
        let pb = write_fasta(dir.path(), "b.fa", &b);
        let e = err(
            &Input::ClassFiles(vec![pa.clone(), pa.clone()]),
            &Options::default(),
        );
        assert!(e.contains("a.fa is given twice (inputs 1 and 2)"), "{e}");
        // The same file under another spelling of its path.
        let other = dir.path().join(".").join("a.fa");
        let e = err(
            &Input::ClassFiles(vec![pa.clone(), pb.clone(), other]),
            &Options::default(),
        );
        assert!(e.contains("given twice (inputs 1 and 3"), "{e}");
        // Two files with one stem.
        std::fs::create_dir(dir.path().join("x")).unwrap();
        let pa2 = write_fasta(&dir.path().join("x"), "a.fa", &b);
        let e = err(
            &Input::ClassFiles(vec![pa.clone(), pa2.clone()]),
            &Options::default(),
        );
        assert!(e.contains("both named \"a\""), "{e}");
        // Renaming them fixes it; naming two classes alike does not.
        let ok = Options {
            class_names: Some(vec!["a1".into(), "a2".into()]),
            ..Default::default()
        };
        prepare(&Input::ClassFiles(vec![pa.clone(), pa2.clone()]), &ok).unwrap();
        let bad = Options {
            class_names: Some(vec!["k".into(), "k".into()]),
            ..Default::default()
        };
        let e = err(&Input::ClassFiles(vec![pa.clone(), pb.clone()]), &bad);
        assert!(e.contains("both named \"k\""), "{e}");
        // A copy of a file under another name: no negative example for either class.
        let copy = write_fasta(dir.path(), "copy.fa", &a);
        let e = err(&Input::ClassFiles(vec![pa, copy]), &Options::default());
        assert!(e.contains("no negative example"), "{e}");
    }

    #[test]
    fn a_single_class_without_negatives_is_warned_about() {
        let dir = tempfile::tempdir().unwrap();
        let mut rng = ChaCha8Rng::seed_from_u64(2);
        let a: Vec<Vec<u8>> = (0..30).map(|_| random_seq(&mut rng, 30, 0.5)).collect();
        let pa = write_fasta(dir.path(), "a.fa", &a);
        let p = prepare(&Input::ClassFiles(vec![pa.clone()]), &Options::default()).unwrap();
        assert_eq!(p.summary.warnings.len(), 1, "{:?}", p.summary.warnings);
        assert!(p.summary.warnings[0].contains("class \"a\" has no negative example"));
        let shuffled = Options {
            negatives: Negatives::Shuffle,
            ..Default::default()
        };
        let p = prepare(&Input::ClassFiles(vec![pa]), &shuffled).unwrap();
        assert!(p.summary.warnings.is_empty(), "{:?}", p.summary.warnings);
        // Labelled input: a column of zeros is a warning, not an error.
        let tsv = dir.path().join("l.tsv");
        let mut text = String::from("#id\tseq\tx\ty\n");
        for (i, s) in a.iter().enumerate() {
            text.push_str(&format!(
                "s{i}\t{}\t{}\t0\n",
                String::from_utf8_lossy(s),
                i % 2
            ));
        }
        std::fs::write(&tsv, text).unwrap();
        let p = prepare(&Input::Labelled(tsv), &Options::default()).unwrap();
        assert!(
            p.summary
                .warnings
                .iter()
                .any(|w| w.contains("class \"y\" has no positive example")),
            "{:?}",
            p.summary.warnings
        );
    }

    #[test]
    fn invalid_characters_are_errors_unless_read_as_n_and_counted() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("r.fa");
        let mut text = String::from(">a\nACGUACGUAC\n>b\nACG1ACG AC\n>c\nUUUUGGGGCC\n");
        let mut rng = ChaCha8Rng::seed_from_u64(5);
        for i in 0..30 {
            let s = random_seq(&mut rng, 10, 0.5);
            text.push_str(&format!(">r{i}\n{}\n", String::from_utf8_lossy(&s)));
        }
        std::fs::write(&p, text).unwrap();
        let input = Input::ClassFiles(vec![p]);
        let e = err(&input, &Options::default());
        assert!(
            e.contains("r.fa, record 2") && e.contains("'1' at position 4"),
            "{e}"
        );
        let opts = Options {
            invalid: InvalidLetters::AsUnknown,
            negatives: Negatives::Shuffle,
            ..Default::default()
        };
        let out = prepare(&input, &opts).unwrap();
        let note = out
            .summary
            .notes
            .iter()
            .find(|(w, _)| w.contains("read as N"))
            .expect("counted");
        assert_eq!(note.1, 2);
        assert!(note.0.contains("in 1 sequences"), "{}", note.0);
        // U is T: the RNA sequence is written with T and no N.
        let all: Vec<Vec<u8>> = [&out.train, &out.validation, &out.test]
            .iter()
            .flat_map(|d| (0..d.len()).map(|i| d.letters(i)).collect::<Vec<_>>())
            .collect();
        assert!(all.contains(&b"ACGTACGTAC".to_vec()), "{all:?}");
        assert!(all.contains(&b"TTTTGGGGCC".to_vec()));
    }

    #[test]
    fn shuffled_negatives_of_padded_peaks_keep_the_padding() {
        let dir = tempfile::tempdir().unwrap();
        let mut rng = ChaCha8Rng::seed_from_u64(3);
        let a: Vec<Vec<u8>> = (0..40).map(|_| random_seq(&mut rng, 50, 0.5)).collect();
        let pa = write_fasta(dir.path(), "a.fa", &a);
        let opts = Options {
            length: Some(100),
            negatives: Negatives::Shuffle,
            ..Default::default()
        };
        let p = prepare(&Input::ClassFiles(vec![pa]), &opts).unwrap();
        let mut n = 0;
        for d in [&p.train, &p.validation, &p.test] {
            for i in 0..d.len() {
                let s = d.letters(i);
                assert!(s[..25].iter().all(|&b| b == b'N'), "{}", d.ids[i]);
                assert!(s[75..].iter().all(|&b| b == b'N'), "{}", d.ids[i]);
                assert!(s[25..75].iter().all(|&b| b != b'N'), "{}", d.ids[i]);
                n += usize::from(d.label(i)[0] == 0.0);
            }
        }
        assert!(n > 30, "{n} negatives");
    }

    #[test]
    fn gc_matching_with_a_background_the_size_of_the_positives_matches_or_errors() {
        let dir = tempfile::tempdir().unwrap();
        let mut rng = ChaCha8Rng::seed_from_u64(4);
        let pos: Vec<Vec<u8>> = (0..300).map(|_| random_seq(&mut rng, 100, 0.66)).collect();
        let pp = write_fasta(dir.path(), "pos.fa", &pos);
        let input = Input::ClassFiles(vec![pp]);
        // A background of the same size at 49% GC cannot be matched.
        let low: Vec<Vec<u8>> = (0..300).map(|_| random_seq(&mut rng, 100, 0.49)).collect();
        let bg_low = write_fasta(dir.path(), "low.fa", &low);
        let opts = Options {
            negatives: Negatives::GcMatchedFasta(bg_low.clone()),
            ..Default::default()
        };
        let e = err(&input, &opts);
        assert!(
            e.contains("low.fa")
                && e.contains("GC matching failed: only ")
                && e.contains("of 300 positives"),
            "{e}"
        );
        assert!(e.contains("--allow-unmatched"), "{e}");
        // With --allow-unmatched the run goes on and the histogram says how far off it is.
        let loose = Options {
            allow_unmatched: true,
            ..opts.clone()
        };
        let p = prepare(&input, &loose).unwrap();
        let h = p.summary.gc_histogram.as_ref().unwrap();
        assert!(h.borrowed > 0);
        assert!(h.max_difference_pp() > 1.0);
        // A background of the same size with the positives' composition (their shuffles)
        // matches every 1% bin exactly.
        let same: Vec<Vec<u8>> = pos
            .iter()
            .map(|s| crate::shuffle::dinucleotide_shuffle(s, &mut rng))
            .collect();
        let bg_same = write_fasta(dir.path(), "same.fa", &same);
        let opts = Options {
            negatives: Negatives::GcMatchedFasta(bg_same),
            ..Default::default()
        };
        let p = prepare(&input, &opts).unwrap();
        let h = p.summary.gc_histogram.as_ref().unwrap();
        assert_eq!(h.borrowed, 0);
        assert!(h.max_difference_pp() <= 1.0, "{h:?}");
        assert_eq!(h.positives, h.negatives);
    }
}
