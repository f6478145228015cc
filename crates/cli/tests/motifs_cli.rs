//! `explainn motifs score|trim|filter` (and `cluster`) end to end.
mod common;
use common::{assert_fails, ok, run, shared};

const JASPAR: &str = "jaspar/JASPAR2024_CORE_vertebrates_non-redundant_pfms_meme.txt";
const REST_TEST: &str = "chipseq/deepbind_tsv/REST_GM12878_NRSF_HudsonAlpha.test.tsv.gz";

/// On the DeepBind REST test split (500 peaks, 500 shuffles) JASPAR's REST motif is the
/// best of the 879 by AUPRC under both reductions, and the table is ranked.
#[test]
fn score_ranks_rest_first_on_rest_peaks() {
    let dir = tempfile::tempdir().unwrap();
    for reduce in ["max", "sum"] {
        let out = dir.path().join(format!("{reduce}.tsv"));
        let o = run(&[
            "motifs",
            "score",
            shared(JASPAR).to_str().unwrap(),
            shared(REST_TEST).to_str().unwrap(),
            "--reduce",
            reduce,
            "--threads",
            "2",
            "-o",
            out.to_str().unwrap(),
        ]);
        ok(&o);
        let err = String::from_utf8_lossy(&o.stderr);
        assert!(err.contains("MB/s"), "{err}");
        let text = std::fs::read_to_string(&out).unwrap();
        let rows: Vec<Vec<&str>> = text
            .lines()
            .skip(1)
            .map(|l| l.split('\t').collect())
            .collect();
        assert_eq!(rows.len(), 879);
        assert_eq!(rows[0][3], "REST", "{reduce}: {:?}", rows[0]);
        let auprc: Vec<f64> = rows.iter().map(|r| r[5].parse().unwrap()).collect();
        assert!(auprc[0] > 0.9 && auprc.windows(2).all(|w| w[0] >= w[1]));
        assert!(
            rows.iter()
                .enumerate()
                .all(|(i, r)| r[1] == (i + 1).to_string())
        );
    }
}

#[test]
fn score_refuses_bad_labels_and_paths_before_work() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("d.tsv");
    std::fs::write(&data, "a\tACGTACGTAC\t1\nb\tACGTACGTAC\t0.5\n").unwrap();
    let m = shared(JASPAR);
    let o = run(&[
        "motifs",
        "score",
        m.to_str().unwrap(),
        data.to_str().unwrap(),
    ]);
    assert_fails(&o, "line 2: label 0.5 in column 3 is not 0 or 1");
    let o = run(&[
        "motifs",
        "score",
        m.to_str().unwrap(),
        data.to_str().unwrap(),
        "-o",
        "/nonexistent/dir/x.tsv",
    ]);
    assert!(!o.status.success());
    let o = run(&[
        "motifs",
        "score",
        m.to_str().unwrap(),
        data.to_str().unwrap(),
        "--reduce",
        "mean",
    ]);
    assert_fails(&o, "give max or sum");
}

/// `trim` removes low-information flanks (and nothing else), `filter` drops what its
/// thresholds say; both write MEME that reads back.
#[test]
fn trim_and_filter_write_meme() {
    let dir = tempfile::tempdir().unwrap();
    let src = dir.path().join("in.meme");
    std::fs::write(
        &src,
        "MEME version 4\n\nALPHABET= ACGT\n\nstrands: + -\n\n\
         MOTIF padded\nletter-probability matrix: alength= 4 w= 6\n\
         0.25 0.25 0.25 0.25\n0.0 0.0 1.0 0.0\n1.0 0.0 0.0 0.0\n0.0 0.0 0.0 1.0\n1.0 0.0 0.0 0.0\n0.3 0.2 0.3 0.2\n\n\
         MOTIF flat\nletter-probability matrix: alength= 4 w= 5\n\
         0.25 0.25 0.25 0.25\n0.25 0.25 0.25 0.25\n0.25 0.25 0.25 0.25\n0.25 0.25 0.25 0.25\n0.25 0.25 0.25 0.25\n\n\
         MOTIF short\nletter-probability matrix: alength= 4 w= 2\n\
         0.0 0.0 1.0 0.0\n1.0 0.0 0.0 0.0\n\n",
    )
    .unwrap();
    let trimmed = dir.path().join("trimmed.meme");
    let o = run(&[
        "motifs",
        "trim",
        src.to_str().unwrap(),
        "-o",
        trimmed.to_str().unwrap(),
    ]);
    ok(&o);
    assert!(String::from_utf8_lossy(&o.stderr).contains("motif flat has no position"));
    let set = explainn_motif::io::read_motifs_file(&trimmed).unwrap();
    let ids: Vec<&str> = set.motifs.iter().map(|m| m.id.as_str()).collect();
    assert_eq!(ids, ["padded", "short"]);
    assert_eq!(set.motifs[0].width(), 4);
    assert_eq!(set.motifs[0].consensus(), "GATA");

    let kept = dir.path().join("kept.meme");
    let o = run(&[
        "motifs",
        "filter",
        src.to_str().unwrap(),
        "-o",
        kept.to_str().unwrap(),
    ]);
    ok(&o);
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains("dropped motif short: width 2 < 4"), "{err}");
    assert!(
        err.contains("dropped motif flat: mean information content 0.000"),
        "{err}"
    );
    let set = explainn_motif::io::read_motifs_file(&kept).unwrap();
    assert_eq!(set.motifs.len(), 1);
    assert_eq!(set.motifs[0].id, "padded");
    let o = run(&[
        "motifs",
        "filter",
        src.to_str().unwrap(),
        "--min-width",
        "2",
        "--min-mean-ic",
        "0",
    ]);
    ok(&o);
    assert_eq!(
        String::from_utf8_lossy(&o.stdout).matches("MOTIF ").count(),
        3
    );
}
