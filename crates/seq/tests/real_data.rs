//! Tests on the real data sets in `../shared/data` (see its README).

use explainn_seq::bed::{Genome, Interval, Strand};
use explainn_seq::encode::{reverse_complement, to_codes};
use explainn_seq::prepare::{self, Input, Negatives, Options};
use explainn_seq::records;
use std::collections::HashMap;
use std::path::{Path, PathBuf};

fn data(rel: &str) -> PathBuf {
    Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/../../../shared/data")).join(rel)
}

const SLICE: &str = "genome/hg19_chr22_20000001-21000000.fa.gz";
/// The slice's single sequence is chr22:20,000,001-21,000,000 (1-based), i.e. 0-based
/// offset 20,000,000 on chr22.
const CONTIG: &str = "22:20000001-21000000";
const OFFSET: u64 = 20_000_000;

fn interval(start: u64, end: u64, strand: Strand) -> Interval {
    Interval {
        chrom: CONTIG.into(),
        start: start - OFFSET,
        end: end - OFFSET,
        name: None,
        strand,
        fields: vec![],
        line: 1,
    }
}

fn upper(s: &[u8]) -> Vec<u8> {
    s.to_ascii_uppercase()
}

/// Both genome back ends: the gzip slice in memory, and an uncompressed copy through a
/// freshly built .fai index.
fn genomes(dir: &tempfile::TempDir) -> Vec<Genome> {
    let plain = dir.path().join("slice.fa");
    let recs = records::read_all(data(SLICE)).unwrap();
    let mut text = String::new();
    for r in &recs {
        text.push('>');
        text.push_str(&r.id);
        text.push('\n');
        for chunk in r.seq.chunks(60) {
            text.push_str(std::str::from_utf8(chunk).unwrap());
            text.push('\n');
        }
    }
    std::fs::write(&plain, text).unwrap();
    vec![
        Genome::open(data(SLICE)).unwrap(),
        Genome::open(&plain).unwrap(),
    ]
}

#[test]
fn ctcf_and_pu1_peaks_match_the_genome_at_their_zero_based_coordinates() {
    let dir = tempfile::tempdir().unwrap();
    for mut g in genomes(&dir) {
        let mut checked = HashMap::new();
        for set in ["ctcf", "pu1"] {
            let mut n = 0;
            for r in records::open(data(&format!("chipseq/ctcf_pu1_100bp/{set}.fa.gz"))).unwrap() {
                let r = r.unwrap();
                let (chrom, range) = r.id.split_once(':').unwrap();
                let (s, e) = range.split_once('-').unwrap();
                let (s, e): (u64, u64) = (s.parse().unwrap(), e.parse().unwrap());
                if chrom != "chr22" || s < OFFSET || e > OFFSET + 1_000_000 {
                    continue;
                }
                assert_eq!(
                    e - s,
                    r.seq.len() as u64,
                    "{}: 0-based half-open length",
                    r.id
                );
                let got = g
                    .extract(&interval(s, e, Strand::Unknown), Path::new("peaks.bed"))
                    .unwrap();
                assert_eq!(upper(&got), upper(&r.seq), "{}", r.id);
                n += 1;
            }
            checked.insert(set, n);
        }
        // The data README: the slice contains 25 CTCF and 43 PU.1 peaks.
        assert_eq!(checked["ctcf"], 25);
        assert_eq!(checked["pu1"], 43);
    }
}

#[test]
fn capstarr_headers_are_one_based_inclusive_and_minus_entries_reverse_complemented() {
    let mut g = Genome::open(data(SLICE)).unwrap();
    let (mut plus, mut minus) = (0, 0);
    for f in [
        "CapStarrseq_Active_Prom_HELA_merge_IP.fasta.gz",
        "CapStarrseq_Active_Prom_K562_merge_IP.fasta.gz",
        "CapStarrseq_InactiveProm_FDR95_All_samples.fasta.gz",
    ] {
        for r in records::open(data(&format!("enhancer/capstarrseq/{f}"))).unwrap() {
            let r = r.unwrap();
            let p: Vec<&str> = r.id.split('_').collect(); // hg19_chr22_START_END_STRAND
            let (s, e): (u64, u64) = (p[2].parse().unwrap(), p[3].parse().unwrap());
            if p[1] != "chr22" || s <= OFFSET || e > OFFSET + 1_000_000 {
                continue;
            }
            let strand = if p[4] == "-" {
                Strand::Minus
            } else {
                Strand::Plus
            };
            // 1-based inclusive [s, e] is 0-based half-open [s - 1, e).
            let got = g
                .extract(&interval(s - 1, e, strand), Path::new("capstarr.bed"))
                .unwrap();
            assert_eq!(upper(&got), upper(&r.seq), "{}", r.id);
            if strand == Strand::Minus {
                minus += 1;
                // And it really is the reverse complement of the plus-strand text.
                let fwd = g.fetch(CONTIG, s - 1 - OFFSET, e - OFFSET).unwrap();
                assert_eq!(upper(&reverse_complement(&fwd)), upper(&r.seq));
            } else {
                plus += 1;
            }
        }
    }
    assert!(plus > 0 && minus > 0, "plus {plus}, minus {minus}");
}

#[test]
fn janggu_soft_masked_lowercase_bases_are_bases() {
    let recs = records::read_all(data("chipseq/janggu_oct4_vs_mafk/sample_test.fa.gz")).unwrap();
    assert_eq!(recs.len(), 100);
    let lower: usize = recs
        .iter()
        .map(|r| r.seq.iter().filter(|b| b"acgt".contains(b)).count())
        .sum();
    assert!(
        lower > 100,
        "the set is soft-masked ({lower} lowercase bases)"
    );
    for r in &recs {
        let unknown_letters = r.seq.iter().filter(|b| !b"ACGTacgt".contains(b)).count();
        let unknown_codes = to_codes(&r.seq).iter().filter(|&&c| c == 4).count();
        assert_eq!(unknown_codes, unknown_letters, "{}", r.id);
    }
}

fn pair_counts(d: &explainn_seq::Dataset, positive: bool) -> HashMap<(u8, u8), usize> {
    let mut m = HashMap::new();
    for i in 0..d.len() {
        if (d.label(i)[0] == 1.0) == positive {
            for w in d.seq(i).windows(2) {
                *m.entry((w[0], w[1])).or_insert(0) += 1;
            }
        }
    }
    m
}

#[test]
fn prepare_ctcf_positives_gives_balanced_splits_with_dinucleotide_matched_negatives() {
    let input = Input::ClassFiles(vec![data("chipseq/ctcf_pu1_100bp/ctcf.fa.gz")]);
    let opts = Options {
        negatives: Negatives::Shuffle,
        ..Default::default()
    };
    let p = prepare::prepare(&input, &opts).unwrap();
    assert_eq!(p.summary.class_names, ["ctcf"]);
    let total = p.train.len() + p.validation.len() + p.test.len();
    assert_eq!(
        total,
        2 * 39184 - 2 * p.summary.notes.iter().map(|(_, n)| n).sum::<usize>()
    );
    for d in [&p.train, &p.validation, &p.test] {
        let pos = (0..d.len()).filter(|&i| d.label(i)[0] == 1.0).count();
        assert_eq!(2 * pos, d.len(), "50:50 in every split");
        assert_eq!(
            pair_counts(d, true),
            pair_counts(d, false),
            "same dinucleotide counts"
        );
    }
    // 80/10/10 of the positives.
    assert!((p.train.len() as f64 / total as f64 - 0.8).abs() < 0.001);
    // Reproducible.
    let q = prepare::prepare(&input, &opts).unwrap();
    assert_eq!(q.test, p.test);
}
