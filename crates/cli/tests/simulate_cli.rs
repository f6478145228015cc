//! `explainn simulate` (issue 37, step 3): every bundled grammar simulates; the planted
//! instances in the BED are where the grammar puts them (gaps, labels, widths); a
//! simulated set goes through `prepare`; bad grammars are refused with nothing written.

mod common;

use common::{assert_fails, ok, run};
use std::collections::HashMap;
use std::io::Read;
use std::path::Path;

fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}

fn read_gz(path: &Path) -> String {
    let mut text = String::new();
    flate2::read::MultiGzDecoder::new(std::fs::File::open(path).unwrap())
        .read_to_string(&mut text)
        .unwrap();
    text
}

#[test]
fn grammars_plant_what_they_say() {
    let tmp = tempfile::tempdir().unwrap();
    let names = [
        "verify-single",
        "verify-and",
        "verify-spacing",
        "verify-spacing-wide",
        "verify-spacing-far",
        "verify-spacing-far-start",
        "verify-repressor",
        "spi1",
        "tal1-gata1",
        "e2f6-max",
        "jund-tead",
        "rest",
        "spi1-ctcf",
    ];
    for g in names {
        ok(&run(&[
            "simulate",
            g,
            "-o",
            s(&tmp.path().join(g)),
            "--n",
            "30",
            "-q",
        ]));
        assert!(
            tmp.path().join(format!("{g}.instances.bed")).exists(),
            "{g}"
        );
    }
    // Hard spacing: GATA1 then TAL1::TCF3 exactly 8 bp apart in every positive, never in
    // a negative; the planted letters are the sequence's.
    let prefix = tmp.path().join("spacing");
    ok(&run(&[
        "simulate",
        "verify-spacing",
        "-o",
        s(&prefix),
        "--n",
        "200",
        "--seed",
        "3",
    ]));
    let table = read_gz(&tmp.path().join("spacing.tsv.gz"));
    let seqs: HashMap<&str, (&str, &str)> = table
        .lines()
        .skip(1)
        .map(|l| {
            let f: Vec<&str> = l.split('\t').collect();
            (f[0], (f[1], f[2]))
        })
        .collect();
    assert_eq!(seqs.len(), 400);
    let bed = std::fs::read_to_string(tmp.path().join("spacing.instances.bed")).unwrap();
    let mut by_seq: HashMap<&str, Vec<(usize, usize, &str)>> = HashMap::new();
    for l in bed.lines() {
        let f: Vec<&str> = l.split('\t').collect();
        let (start, end): (usize, usize) = (f[1].parse().unwrap(), f[2].parse().unwrap());
        by_seq.entry(f[0]).or_default().push((start, end, f[3]));
        assert_eq!(f[5], "+");
        assert!(end <= 200 && end - start == if f[3] == "MA0035.5" { 7 } else { 10 });
    }
    assert_eq!(by_seq.len(), 400, "every sequence carries the two motifs");
    for (id, hits) in &by_seq {
        let (seq, label) = seqs[id];
        assert_eq!(seq.len(), 200);
        let [(a0, a1, ma), (b0, _, mb)] = hits[..] else {
            panic!("{id}: {hits:?}")
        };
        assert_eq!((ma, mb), ("MA0035.5", "MA0091.2"));
        let gap = b0 - a1;
        assert_eq!(label == "1", gap == 8, "{id}: gap {gap}, label {label}");
        // instances are drawn base by base from the PFM (the library's tests check the
        // letters with one-hot motifs); here: plain bases inside the sequence
        assert!(seq[a0..a1].bytes().all(|b| b"ACGT".contains(&b)), "{id}");
    }
    // The same seed gives the same files; the table goes through prepare.
    let again = tmp.path().join("again");
    ok(&run(&[
        "simulate",
        "verify-spacing",
        "-o",
        s(&again),
        "--n",
        "200",
        "--seed",
        "3",
        "-q",
    ]));
    assert_eq!(read_gz(&tmp.path().join("again.tsv.gz")), table);
    ok(&run(&[
        "prepare",
        s(&tmp.path().join("spacing.tsv.gz")),
        "-o",
        s(&tmp.path().join("split")),
    ]));
    assert!(tmp.path().join("split.train.tsv.gz").exists());
}

#[test]
fn bad_grammars_are_refused_and_nothing_is_written() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("out");
    let cases = [
        (
            r#"{"name": "x", "length": 200, "positive": [{"motif": "NOPE1"}]}"#,
            "motif `NOPE1`",
        ),
        (
            r#"{"name": "x", "length": 30, "positive": [{"motif": "MA0139.2"}, {"gap": [1, 20]}]}"#,
            "35 bp long, longer than the sequences (30 bp)",
        ),
        (
            r#"{"name": "x", "length": 30, "positive": [{"motfi": "A"}]}"#,
            "not a grammar",
        ),
        (r#"{"name": "x", "length": 30}"#, "not a grammar"),
    ];
    for (json, want) in cases {
        let g = tmp.path().join("g.json");
        std::fs::write(&g, json).unwrap();
        assert_fails(&run(&["simulate", s(&g), "-o", s(&out)]), want);
        assert_eq!(std::fs::read_dir(tmp.path()).unwrap().count(), 1, "{json}");
    }
    assert_fails(
        &run(&["simulate", "no-such-grammar", "-o", s(&out)]),
        "bundled grammar",
    );
}

/// `train --simulate GRAMMAR`: a fresh simulated set each epoch (seeded), the training file
/// setting the length and the class; it learns the planted motif; a training file of
/// another grammar and `--simulate-n` without `--simulate` are refused.
#[test]
fn training_on_fresh_simulated_sets_each_epoch() {
    let tmp = tempfile::tempdir().unwrap();
    let d = |n: &str| tmp.path().join(n);
    ok(&run(&[
        "simulate",
        "verify-single",
        "-o",
        s(&d("vs")),
        "--n",
        "200",
        "-q",
    ]));
    ok(&run(&[
        "prepare",
        s(&d("vs.tsv.gz")),
        "-o",
        s(&d("vs")),
        "-q",
    ]));
    let (tr, va) = (d("vs.train.tsv.gz"), d("vs.validation.tsv.gz"));
    let train = |out: &str, extra: &[&str]| {
        let out = d(out);
        let mut args = vec!["train", s(&tr), s(&va), "-o", s(&out)];
        args.extend([
            "--units",
            "8",
            "--hidden",
            "16",
            "--max-epochs",
            "6",
            "--patience",
            "0",
            "--threads",
            "2",
            "-q",
        ]);
        args.extend(extra);
        run(&args)
    };
    let fresh = ["--simulate", "verify-single", "--simulate-n", "1000"];
    ok(&train("r1", &fresh));
    ok(&train("r2", &fresh));
    let losses = |r: &str| -> Vec<String> {
        std::fs::read_to_string(d(r).join("losses.tsv"))
            .unwrap()
            .lines()
            .map(|l| {
                // every column but the seconds (the fourth)
                let f: Vec<&str> = l.split('\t').collect();
                [&f[..3], &f[4..]].concat().join("\t")
            })
            .collect()
    };
    assert_eq!(losses("r1").len(), 7);
    assert_eq!(losses("r1"), losses("r2"), "seeded: the same sets each run");
    let config: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(d("r1").join("config.json")).unwrap())
            .unwrap();
    assert_eq!(config["simulated"]["grammar"], "single");
    assert_eq!(config["simulated"]["sequences_per_epoch"], 2000);
    ok(&run(&[
        "test",
        s(&d("r1")),
        s(&d("vs.test.tsv.gz")),
        "-o",
        s(&d("t1")),
        "-q",
    ]));
    let metrics = std::fs::read_to_string(d("t1").join("metrics.tsv")).unwrap();
    let auroc: f64 = metrics
        .lines()
        .nth(1)
        .unwrap()
        .split('\t')
        .nth(1)
        .unwrap()
        .parse()
        .unwrap();
    assert!(auroc >= 0.8, "AUROC {auroc} after 6 epochs of fresh sets");
    assert_fails(
        &train("r3", &["--simulate", "spi1"]),
        "the grammar SPI1 simulates one class of 500 bp",
    );
    assert_fails(
        &train("r4", &["--simulate-n", "5"]),
        "--simulate-n does not apply",
    );
    assert!(!d("r3").exists() && !d("r4").exists());
}
