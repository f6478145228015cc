//! `explainn scan` and `explainn tomtom` against MEME's output forms: the `--text` form
//! reproduces the FIMO goldens byte for byte; the default form parses genomic coordinates,
//! fills q-values and ends with the trailing `#` lines.
mod common;
use common::{ok, run, shared};

#[test]
fn scan_text_reproduces_the_fimo_golden() {
    let m = shared("golden/jaspar2024_12motifs.meme");
    let s = shared("golden/janggu_test_200.fa");
    let o = run(&[
        "scan",
        "--text",
        "--no-pgc",
        m.to_str().unwrap(),
        s.to_str().unwrap(),
    ]);
    ok(&o);
    let want = std::fs::read(shared(
        "golden/fimo.nrdb_bg.jaspar2024_12motifs.janggu_test_200.tsv",
    ))
    .unwrap();
    assert!(o.stdout == want, "--text --no-pgc differs from the golden");
}

#[test]
fn scan_default_has_coordinates_qvalues_and_trailer() {
    let m = shared("golden/jaspar2024_12motifs.meme");
    let s = shared("golden/janggu_test_200.fa");
    let o = run(&[
        "scan",
        "--version-string",
        "test",
        m.to_str().unwrap(),
        s.to_str().unwrap(),
    ]);
    ok(&o);
    let text = String::from_utf8(o.stdout).unwrap();
    let rows: Vec<&str> = text.lines().skip(1).take_while(|l| !l.is_empty()).collect();
    assert_eq!(rows.len(), 293);
    let mut prev = 0.0;
    for r in &rows {
        let f: Vec<&str> = r.split('\t').collect();
        assert!(f[2].starts_with("chr") && !f[2].contains(':'), "{r}");
        assert!(f[3].parse::<u64>().unwrap() > 1000, "{r}");
        let p: f64 = f[7].parse().unwrap();
        assert!(p >= prev, "not sorted: {r}");
        prev = p;
        assert!(f[8].parse::<f64>().unwrap() <= 1.0, "{r}");
    }
    assert!(text.contains("\n\n# FIMO (Find Individual Motif Occurrences): Version test\n"));
}

#[test]
fn tomtom_ends_with_meme_lines_and_takes_every_distance() {
    let q = shared("golden/jaspar2026_new80.meme");
    for d in ["allr", "blic1", "blic5", "llr1", "llr5", "ed"] {
        let o = run(&[
            "tomtom",
            "--dist",
            d,
            "--version-string",
            "5.5.5",
            q.to_str().unwrap(),
        ]);
        ok(&o);
        let text = String::from_utf8(o.stdout).unwrap();
        let tail: Vec<&str> = text.lines().rev().take(4).collect();
        assert_eq!(tail[3], "", "{d}");
        assert_eq!(tail[2], "# Tomtom (Motif Comparison Tool): Version 5.5.5");
        assert!(
            tail[0].starts_with("# explainn tomtom --dist"),
            "{d}: {}",
            tail[0]
        );
    }
}
