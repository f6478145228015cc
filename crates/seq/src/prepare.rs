//! Build labelled train/validation/test sets from raw inputs: one sequence file per class
//! (FASTA or FASTQ, e.g. ChIP-seq peaks or HT-SELEX cycles), positives with generated
//! negatives, or BED intervals on a genome.

use crate::background::{self, DEFAULT_BINS};
use crate::bed::{self, Genome};
use crate::dataset::{Dataset, UnknownPolicy};
use crate::encode::{self, fit_length, gc_fraction, is_acgt};
use crate::shuffle::dinucleotide_shuffle;
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
    /// Unknown-letter policy (default: keep as all-zero columns).
    pub unknown: UnknownPolicy,
    pub negatives: Negatives,
    pub split: SplitRule,
    /// Letters removed from the start / end of every read (HT-SELEX adapters). Default 0.
    pub clip_left: usize,
    pub clip_right: usize,
    /// Class names overriding the defaults (file stems, BED column names).
    pub class_names: Option<Vec<String>>,
    /// Seed of every random step (default 1714, as the original).
    pub seed: u64,
}

impl Default for Options {
    fn default() -> Self {
        Self {
            length: None,
            unknown: UnknownPolicy::Zero,
            negatives: Negatives::None,
            split: SplitRule::Random(Fractions::default()),
            clip_left: 0,
            clip_right: 0,
            class_names: None,
            seed: 1714,
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
    let (mut seqs, mut class_names) = match input {
        Input::Labelled(path) => {
            let mut rows = crate::records::TsvLines::open(path)?;
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
            (seqs, names)
        }
        Input::ClassFiles(files) => {
            if files.is_empty() {
                return Err(SeqError::Invalid("no input files".into()));
            }
            let c = files.len();
            let mut seqs = Vec::new();
            for (k, f) in files.iter().enumerate() {
                let before = seqs.len();
                for rec in records::open(f)? {
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
                let seq = g.extract(&iv, bed)?;
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
    let read = seqs.len();

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
    match &opts.negatives {
        Negatives::None => {}
        _ if c != 1 => {
            return Err(SeqError::Invalid(format!(
                "negatives are generated for one class of positives, but the input has {c} classes"
            )));
        }
        Negatives::Shuffle => {
            for (i, s) in seqs.iter().enumerate() {
                let shuffled = dinucleotide_shuffle(&s.seq, &mut rng);
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
            for rec in records::open(bg)? {
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
                background::match_gc(&target, &cand, DEFAULT_BINS, &mut rng).map_err(|e| {
                    SeqError::File {
                        path: bg.clone(),
                        msg: e.to_string(),
                    }
                })?;
            note("negatives taken from a neighbouring GC bin", draw.borrowed);
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
            let (windows, borrowed) = background::sample_genome_windows(
                &mut g,
                length as u64,
                &target,
                DEFAULT_BINS,
                200 * target.len() + 10_000,
                &mut rng,
            )?;
            note("negatives taken from a neighbouring GC bin", borrowed);
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
    };
    Ok(Prepared {
        train,
        validation,
        test,
        summary,
    })
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
