//! Fuzz targets: one function per parser that reads user files, each taking arbitrary
//! bytes and returning normally whatever they hold. A parser may reject the bytes with an
//! error; it must never panic, hang or abort. The same functions run
//!
//! - coverage-guided, as the libFuzzer binaries under `fuzz_targets/`
//!   (`cargo fuzz run TARGET --features libfuzzer`, see `docs/fuzzing.md`), and
//! - in the workspace tests (`tests/corpus.rs`): every file of `corpus/TARGET/` and a few
//!   hundred seeded mutations of each, so CI replays each target on its corpus.
//!
//! Parsers that read a path get the bytes as a file in a scratch directory of the calling
//! thread (created once).
//!
//! ```
//! explainn_fuzz::records(b">chr1\nACGTN\n");
//! explainn_fuzz::motifs(b"MEME version 4\n\nMOTIF m\nletter-probability matrix: w= 1\n1 0 0 0\n");
//! ```

use std::cell::RefCell;
use std::path::{Path, PathBuf};

/// A fuzz target: its name (the `corpus/` subdirectory and the libFuzzer binary) and body.
pub struct Target {
    /// Name of the target.
    pub name: &'static str,
    /// Runs one input.
    pub run: fn(&[u8]),
}

/// Every target, in the order the tests replay them.
pub const TARGETS: &[Target] = &[
    Target {
        name: "records",
        run: records,
    },
    Target {
        name: "tsv",
        run: tsv,
    },
    Target {
        name: "bed",
        run: bed,
    },
    Target {
        name: "genome",
        run: genome,
    },
    Target {
        name: "motifs",
        run: motifs,
    },
    Target {
        name: "model",
        run: model,
    },
    Target {
        name: "pth",
        run: pth,
    },
    Target {
        name: "vcf",
        run: vcf,
    },
];

thread_local! {
    static SCRATCH: RefCell<Option<tempfile::TempDir>> = const { RefCell::new(None) };
}

/// Write `data` to `name` in this thread's scratch directory (replacing an earlier file
/// of that name) and return its path.
fn scratch_file(name: &str, data: &[u8]) -> PathBuf {
    SCRATCH.with(|s| {
        let mut s = s.borrow_mut();
        let dir = s.get_or_insert_with(|| tempfile::tempdir().expect("a scratch directory"));
        let path = dir.path().join(name);
        std::fs::write(&path, data).expect("a scratch file");
        path
    })
}

/// Remove a scratch file if it exists (an index written by an earlier input).
fn remove_scratch(path: &Path) {
    let _ = std::fs::remove_file(path);
}

/// The first byte picks a file name (so that name-based format detection is exercised
/// too); the rest is the content.
fn named<'a>(data: &'a [u8], names: &[&'static str]) -> (&'static str, &'a [u8]) {
    match data.split_first() {
        Some((&b, rest)) => (names[b as usize % names.len()], rest),
        None => (names[0], data),
    }
}

/// Sequence records (FASTA, FASTQ, ExplaiNN TSV, bare lines; plain or gzip): every record
/// under both letter policies.
pub fn records(data: &[u8]) {
    use explainn_seq::records::{InvalidLetters, open_with};
    let (name, body) = named(
        data,
        &["in", "in.fa", "in.fq", "in.tsv", "in.fa.gz", "in.txt"],
    );
    let path = scratch_file(name, body);
    for policy in [InvalidLetters::Error, InvalidLetters::AsUnknown] {
        if let Ok(records) = open_with(&path, policy) {
            for r in records {
                if r.is_err() {
                    break;
                }
            }
        }
    }
}

/// Labelled ExplaiNN TSV files, with the first length, an exact length, a fixed length
/// with padding and without.
pub fn tsv(data: &[u8]) {
    use explainn_seq::dataset::{LoadOptions, read_tsv_with};
    let path = scratch_file("in.tsv", data);
    let options = [
        LoadOptions::default(),
        LoadOptions {
            exact_length: true,
            ..Default::default()
        },
        LoadOptions {
            length: Some(7),
            ..Default::default()
        },
        LoadOptions {
            length: Some(7),
            no_pad: true,
            ..Default::default()
        },
    ];
    for o in &options {
        let _ = read_tsv_with(&path, o);
    }
}

/// BED files, and every interval recentred as `prepare` does.
pub fn bed(data: &[u8]) {
    let path = scratch_file("in.bed", data);
    if let Ok(intervals) = explainn_seq::bed::read_bed(&path) {
        for iv in &intervals {
            let _ = iv.label();
            let _ = iv.recentred(10, None);
            let _ = iv.recentred(3, Some(iv.start.wrapping_add(1)));
        }
    }
}

/// A genome FASTA and its `.fai`: the first byte picks the case (fuzzed `.fai` beside a
/// fixed FASTA, fuzzed FASTA to be indexed, fuzzed gzip-or-plain FASTA read into memory);
/// then every chromosome is fetched inside, across and past its end.
pub fn genome(data: &[u8]) {
    const FASTA: &[u8] = b">chr1 first\nACGTACGTAC\nGTNNACGT\n>chr2\nGGGGCCCCAA\n";
    let (case, body) = match data.split_first() {
        Some((&b, rest)) => (b % 3, rest),
        None => (0, data),
    };
    let (fasta, fai) = match case {
        0 => (FASTA, Some(body)),
        _ => (body, None),
    };
    let name = if case == 2 {
        "genome.fa.gz"
    } else {
        "genome.fa"
    };
    let path = scratch_file(name, fasta);
    let index = PathBuf::from(format!("{}.fai", path.display()));
    match fai {
        Some(fai) => {
            scratch_file(&format!("{name}.fai"), fai);
        }
        None => remove_scratch(&index),
    }
    let Ok(mut g) = explainn_seq::bed::Genome::open(&path) else {
        return;
    };
    let chroms = g.chromosomes().to_vec();
    for (chrom, length) in chroms.iter().take(8) {
        for (start, end) in [
            (0, 4),
            (length / 2, length.saturating_add(3)),
            (*length, length + 1),
        ] {
            let _ = g.fetch(chrom, start, end.min(start.saturating_add(4096)));
        }
    }
    let _ = g.fetch("no-such-chromosome", 0, 1);
}

/// Motif files: format detection (MEME, JASPAR, HOCOMOCO, with and without gzip) and each
/// reader on its own.
pub fn motifs(data: &[u8]) {
    use explainn_motif::io;
    let (name, body) = named(data, &["in.meme", "in.jaspar", "in.motif", "in.txt"]);
    let path = scratch_file(name, body);
    let _ = io::read_motifs_file(&path);
    let _ = io::meme::read_meme(&mut &body[..], "fuzz");
    let _ = io::jaspar::read_jaspar(&mut &body[..], "fuzz");
    let _ = io::hocomoco::read_hocomoco(&mut &body[..], "fuzz");
}

/// explainn model files (safetensors with explainn metadata): read onto the CPU.
pub fn model(data: &[u8]) {
    let device = explainn_nn::default_device();
    let _ = explainn_nn::checkpoint::from_bytes(data, &device);
}

/// PyTorch checkpoints of the original ExplaiNN (`.pth`, zip or legacy pickle): read and
/// turned into an architecture.
pub fn pth(data: &[u8]) {
    use explainn_nn::import::{ImportSettings, infer_config, read_state_dict};
    let path = scratch_file("in.pth", data);
    if let Ok((map, _)) = read_state_dict(&path) {
        let settings = ImportSettings {
            input_length: 200,
            pool_size: 7,
            pool_stride: 7,
        };
        let _ = infer_config(&map, settings);
    }
}

/// A VCF against a small fixed genome (`variants`' reader: noodles' parser and the
/// contig, position and reference-allele checks).
pub fn vcf(data: &[u8]) {
    const GENOME: &[u8] = b">chr1\nACGTACGTACGTNNACGTAC\n>chr2\nGGGGCCCCAATT\n";
    let genome = scratch_file("variants.fa", GENOME);
    remove_scratch(&PathBuf::from(format!("{}.fai", genome.display())));
    let path = scratch_file("in.vcf", data);
    for skip in [false, true] {
        let _ = explainn_run::variants::read_variants(&path, &genome, skip, 5);
    }
}
