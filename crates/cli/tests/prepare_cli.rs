//! `explainn prepare` end to end: outputs, summaries and clear errors without partial files.

mod common;

use common::{explainn, shared};
use std::path::Path;

fn files_in(dir: &Path) -> Vec<String> {
    let mut v: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    v.sort();
    v
}

#[test]
fn two_class_files_make_one_hot_labels_with_named_classes() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("oct4_mafk");
    let o = explainn()
        .args(["prepare", "--length", "200", "-o"])
        .arg(&out)
        .arg(shared("chipseq/janggu_oct4_vs_mafk/sample_test.fa.gz"))
        .arg(shared("chipseq/janggu_oct4_vs_mafk/sample2_test.fa.gz"))
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let stdout = String::from_utf8_lossy(&o.stdout);
    assert!(
        stdout.contains("sample_test") && stdout.contains("sample2_test"),
        "{stdout}"
    );
    assert_eq!(
        files_in(dir.path()),
        [
            "oct4_mafk.test.tsv.gz",
            "oct4_mafk.train.tsv.gz",
            "oct4_mafk.validation.tsv.gz"
        ]
    );
    let d = explainn_seq::read_tsv(&dir.path().join("oct4_mafk.train.tsv.gz"), None).unwrap();
    assert_eq!(d.class_names, ["sample_test", "sample2_test"]);
    assert_eq!(d.length, 200);
    for i in 0..d.len() {
        assert_eq!(d.label(i).iter().sum::<f32>(), 1.0);
    }
}

fn assert_fails_cleanly(args: &[&str], files: &[(&str, &str)], expect: &[&str]) {
    let dir = tempfile::tempdir().unwrap();
    for (name, text) in files {
        std::fs::write(dir.path().join(name), text).unwrap();
    }
    let before = files_in(dir.path());
    let o = explainn()
        .current_dir(dir.path())
        .arg("prepare")
        .args(args)
        .args(["-o", "out/p"])
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(1), "{err}");
    for e in expect {
        assert!(err.contains(e), "expected {e:?} in: {err}");
    }
    let mut after = files_in(dir.path());
    // The genome's .fai index is built on first use by design; it is not an output.
    after.retain(|f| f != "out" && !f.ends_with(".fai"));
    assert_eq!(after, before, "no output written");
    if dir.path().join("out").exists() {
        assert!(
            files_in(&dir.path().join("out")).is_empty(),
            "no partial output"
        );
    }
}

#[test]
fn malformed_inputs_give_specific_errors_and_no_output() {
    assert_fails_cleanly(
        &["a.fa"],
        &[("a.fa", "ACGT\n>x\nACGT\n")],
        &["a.fa", "line 1", "expected a FASTA header"],
    );
    assert_fails_cleanly(
        &["a.fa"],
        &[("a.fa", ">x\nACGT\n>y\n>z\nAC\n")],
        &["a.fa", "record 2", "empty"],
    );
    assert_fails_cleanly(
        &["a.fa"],
        &[("a.fa", ">x\nACGTAA\n>y\nAC\n")],
        &["lengths from 2 to 6", "--length"],
    );
    assert_fails_cleanly(
        &["--bed", "a.bed", "--genome", "g.fa"],
        &[
            ("a.bed", "c1\t0\t4\nc1\t6\t30\n"),
            ("g.fa", ">c1\nACGTACGTAC\n"),
        ],
        &["a.bed", "line 2", "outside c1 (length 10)"],
    );
    assert_fails_cleanly(
        &["--bed", "a.bed", "--genome", "g.fa"],
        &[
            ("a.bed", "c1\t0\t4\nc9\t0\t4\n"),
            ("g.fa", ">c1\nACGTACGTAC\n"),
        ],
        &["a.bed", "line 2", "\"c9\" is not in"],
    );
    assert_fails_cleanly(
        &["a.fa", "--splits", "50", "10", "10"],
        &[("a.fa", ">x\nACGT\n")],
        &["sum to 1"],
    );
}

#[test]
fn bed_with_genome_extracts_strand_aware_and_recentres() {
    let dir = tempfile::tempdir().unwrap();
    let mut bed = String::new();
    let mut g = String::from(">c1\n");
    let mut x: u64 = 12345;
    for _ in 0..400 {
        x = x
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        g.push(b"ACGT"[(x >> 62) as usize] as char);
    }
    g.push('\n');
    for i in 0..40u64 {
        let strand = if i % 2 == 0 { "+" } else { "-" };
        bed.push_str(&format!(
            "c1\t{}\t{}\tp{i}\t0\t{strand}\n",
            5 + i * 9,
            25 + i * 9
        ));
    }
    // A 30 bp window around this interval's centre (394) runs past the end (400): dropped.
    bed.push_str("c1\t390\t398\tlast\t0\t+\n");
    std::fs::write(dir.path().join("g.fa"), g).unwrap();
    std::fs::write(dir.path().join("peaks.bed"), bed).unwrap();
    let o = explainn()
        .current_dir(dir.path())
        .args([
            "prepare",
            "--bed",
            "peaks.bed",
            "--genome",
            "g.fa",
            "--length",
            "30",
            "-o",
            "p",
        ])
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let stdout = String::from_utf8_lossy(&o.stdout);
    assert!(
        stdout.contains("intervals dropped: re-centred window falls outside the chromosome: 1"),
        "{stdout}"
    );
    let d = explainn_seq::read_tsv(&dir.path().join("p.train.tsv.gz"), None).unwrap();
    assert_eq!(d.length, 30);
    assert_eq!(d.class_names, ["peaks"]);
}

#[test]
fn labelled_tsv_keeps_labels_and_test_ids_fix_the_test_set() {
    let demo = Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/../../demo/data"));
    let dir = tempfile::tempdir().unwrap();
    let o = explainn()
        .args(["prepare", "--splits", "90", "10", "0", "--test-ids"])
        .arg(demo.join("test_ids.txt.gz"))
        .arg(demo.join("tal_gata.tsv.gz"))
        .arg("-o")
        .arg(dir.path().join("tg"))
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let ids: std::collections::HashSet<String> = {
        let f = std::fs::File::open(demo.join("test_ids.txt.gz")).unwrap();
        std::io::read_to_string(flate2::read::GzDecoder::new(f))
            .unwrap()
            .lines()
            .map(str::to_string)
            .collect()
    };
    let test = explainn_seq::read_tsv(&dir.path().join("tg.test.tsv.gz"), None).unwrap();
    let train = explainn_seq::read_tsv(&dir.path().join("tg.train.tsv.gz"), None).unwrap();
    let valid = explainn_seq::read_tsv(&dir.path().join("tg.validation.tsv.gz"), None).unwrap();
    assert_eq!(test.len(), ids.len());
    assert!(test.ids.iter().all(|i| ids.contains(i)));
    assert!(train.ids.iter().chain(&valid.ids).all(|i| !ids.contains(i)));
    assert_eq!(train.len() + valid.len() + test.len(), 8000);
    assert_eq!(test.class_names, ["both", "GATA", "TAL1"]);
    // Multi-label rows survive: some sequences carry more than one 1.
    assert!((0..train.len()).any(|i| train.label(i).iter().sum::<f32>() > 1.0));
}
