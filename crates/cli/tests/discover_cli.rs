//! `explainn discover`: from a FASTA of positives with a planted GATA site to a ranked,
//! non-redundant motif set whose best motif is the planted one; bad input leaves nothing.

mod common;
use common::*;
use std::path::Path;

/// `n` random 60-bp positives (xorshift from `seed`), each with AGATAAG at 20..27.
fn write_positives(path: &Path, n: usize, seed: u64) {
    let mut x = seed;
    let mut text = String::new();
    for i in 0..n {
        let mut s: Vec<u8> = (0..60)
            .map(|_| {
                x ^= x << 13;
                x ^= x >> 7;
                x ^= x << 17;
                b"ACGT"[(x % 4) as usize]
            })
            .collect();
        s[20..27].copy_from_slice(b"AGATAAG");
        text += &format!(">p{i}\n{}\n", String::from_utf8(s).unwrap());
    }
    std::fs::write(path, text).unwrap();
}

#[test]
fn discover_finds_the_planted_motif() {
    let dir = tempfile::tempdir().unwrap();
    let fasta = dir.path().join("gata.fa");
    write_positives(&fasta, 600, 7);
    let out = dir.path().join("disc");
    let o = out.to_str().unwrap();
    let f = fasta.to_str().unwrap();
    ok(&run(&[
        "discover",
        f,
        "-o",
        o,
        "--units",
        "8",
        "--max-epochs",
        "6",
        "--threads",
        "2",
    ]));
    for p in [
        "data/train.tsv.gz",
        "data/test.tsv.gz",
        "run/model.safetensors",
        "run/interpret/ranking.tsv",
        "motifs.meme",
        "motifs.html",
    ] {
        assert!(out.join(p).exists(), "{p} missing");
    }
    let tsv = std::fs::read_to_string(out.join("motifs.tsv")).unwrap();
    let mut lines = tsv.lines();
    assert_eq!(
        lines.next().unwrap(),
        "rank\tmotif_id\tlabel\tbest_match\tq_value\tauprc\tauroc\tunit_rank\tsequences\tsites\twidth\tmean_ic\tcluster_size\tmembers"
    );
    let rows: Vec<Vec<&str>> = lines.map(|l| l.split('\t').collect()).collect();
    assert!(!rows.is_empty());
    let auprc: Vec<f64> = rows.iter().map(|r| r[5].parse().unwrap()).collect();
    assert!(auprc.windows(2).all(|w| w[0] >= w[1]), "best AUPRC first");
    assert!(
        auprc[0] > 0.8,
        "the planted motif alone separates the test split: {auprc:?}"
    );
    // The best motif reads GATA (or its reverse complement) at its most informative columns.
    let meme = explainn_motif::io::meme::read_meme_file(out.join("motifs.meme")).unwrap();
    assert_eq!(meme.motifs.len(), rows.len());
    let best = &meme.motifs[0];
    assert_eq!(best.id, rows[0][1]);
    let consensus = best.consensus().to_uppercase();
    assert!(
        consensus.contains("GATA") || consensus.contains("TATC"),
        "best motif {consensus}"
    );
    // Never into a directory that holds files; nothing of it is removed.
    let again = run(&["discover", f, "-o", o, "--units", "8", "--max-epochs", "1"]);
    assert_fails(&again, "already holds files");
    assert!(out.join("motifs.tsv").exists());
    // Nothing is left when a step fails (here: no PWM can be wider than the sequences).
    let strict = dir.path().join("strict");
    let o2 = run(&[
        "discover",
        f,
        "-o",
        strict.to_str().unwrap(),
        "--units",
        "4",
        "--max-epochs",
        "1",
        "--min-width",
        "61",
    ]);
    assert_fails(&o2, "no unit PWM is left");
    assert!(!strict.exists(), "the directory made is removed");
    assert!(leftovers(dir.path()).is_empty());
}
