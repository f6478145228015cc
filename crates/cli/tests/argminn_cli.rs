//! `train --arch argminn` (issue 37, step 2): an ARGMINN trains with its paper's defaults
//! (lr 1e-3, clipping at 1, batch 128, the last epoch kept, no early stopping) and its
//! objective's terms in losses.tsv; `test`, `predict` and gradient attributions work on
//! it, exact DeepLIFT is refused with the reason; options of other architectures, a
//! schedule shorter than the epochs and impossible sizes are refused with nothing written.

mod common;
use common::{assert_fails, ok, run, write_tsv};

/// A small ARGMINN's flags (the data are 60 bp).
const SMALL: [&str; 14] = [
    "--arch",
    "argminn",
    "--scanner-filters",
    "4",
    "--scanner-width",
    "6",
    "--attention-layers",
    "2",
    "--token-size",
    "8",
    "--heads",
    "2",
    "--stream-size",
    "16",
];

#[test]
fn argminn_trains_with_its_objective_and_serves_the_model_commands() {
    let tmp = tempfile::tempdir().unwrap();
    let p = |n: &str| tmp.path().join(n).to_str().unwrap().to_string();
    write_tsv(&tmp.path().join("train.tsv"), 300, 21);
    write_tsv(&tmp.path().join("valid.tsv"), 60, 22);
    let mut args = vec![
        "train".to_string(),
        p("train.tsv"),
        p("valid.tsv"),
        "-o".into(),
        p("run"),
    ];
    args.extend(SMALL.iter().map(|s| s.to_string()));
    for a in [
        "--max-epochs",
        "3",
        "--overlap-weights",
        "0,1,10",
        "--l1-weights",
        "0,0,0.001",
        "--threads",
        "1",
        "-q",
    ] {
        args.push(a.into());
    }
    let args: Vec<&str> = args.iter().map(|s| s.as_str()).collect();
    ok(&run(&args));
    let losses = std::fs::read_to_string(tmp.path().join("run/losses.tsv")).unwrap();
    let rows: Vec<Vec<&str>> = losses.lines().map(|l| l.split('\t').collect()).collect();
    assert_eq!(
        rows[0],
        [
            "epoch",
            "train_loss",
            "validation_loss",
            "seconds",
            "overlap",
            "l1(scanner.weight)",
            "skipped_batches"
        ]
    );
    assert_eq!(
        rows.len(),
        4,
        "no early stopping: every epoch runs\n{losses}"
    );
    assert_eq!(
        (rows[1][4], rows[1][5]),
        ("NA", "NA"),
        "weights 0 in epoch 1"
    );
    assert!(rows[2][4].parse::<f64>().unwrap() >= 0.0 && rows[2][5] == "NA");
    assert!(rows[3][5].parse::<f64>().unwrap() > 0.0);
    let config: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(tmp.path().join("run/config.json")).unwrap())
            .unwrap();
    assert_eq!(config["arch"], "argminn");
    assert_eq!(config["best_epoch"], 3, "the last epoch is kept");
    let t = &config["training"];
    assert_eq!(
        (t["lr"].as_f64(), t["clip_norm"].as_f64()),
        (Some(0.001), Some(1.0))
    );
    assert_eq!(t["batch_size"], 128);
    assert_eq!(config["architecture"]["filters"], 4);

    ok(&run(&[
        "test",
        &p("run"),
        &p("valid.tsv"),
        "-o",
        &p("test"),
        "-q",
    ]));
    assert!(tmp.path().join("test/metrics.tsv").is_file());
    ok(&run(&[
        "predict",
        &p("run"),
        &p("valid.tsv"),
        "-o",
        &p("pred"),
        "-q",
    ]));
    assert!(tmp.path().join("pred/predictions.tsv.gz").is_file());
    for method in ["saliency", "ism"] {
        let out = p(&format!("{method}.npz"));
        ok(&run(&[
            "attribute",
            &p("run"),
            &p("valid.tsv"),
            "-o",
            &out,
            "--method",
            method,
            "--target",
            "gata",
            "-q",
        ]));
        assert!(
            std::path::Path::new(&out)
                .join("attributions.npz")
                .is_file()
        );
    }
    assert_fails(
        &run(&[
            "attribute",
            &p("run"),
            &p("valid.tsv"),
            "-o",
            &p("d.npz"),
            "--method",
            "deepliftshap",
            "--target",
            "gata",
        ]),
        "this is a argminn model: use ism",
    );
    assert!(!tmp.path().join("d.npz").exists());

    // The read-out: filter PFMs with their quality control, instances and syntax.
    ok(&run(&[
        "interpret",
        &p("run"),
        &p("valid.tsv"),
        "--all",
        "-q",
    ]));
    let dir = tmp.path().join("run/interpret");
    let read = |f: &str| std::fs::read_to_string(dir.join(f)).unwrap();
    let qc = read("motifs_qc.tsv");
    assert!(qc.starts_with("filter\tlabel\tnsites\ttrimmed_width\tmean_ic\tpasses\n"));
    assert_eq!(qc.lines().count(), 1 + 4, "one row per filter");
    assert!(read("instances.tsv").starts_with("sequence\tstart\tend\tfilter\tlabel\tattention"));
    assert!(read("syntax.tsv").starts_with("filter_a\tlabel_a\tfilter_b\tlabel_b\tspacing"));
    let heads = read("attention_heads.tsv");
    assert!(heads.starts_with("layer\thead\tfilter\tlabel\tpasses\tpearson_r"));
    assert_eq!(
        heads.lines().count(),
        1 + 2 * 2 * 4,
        "layers × heads × filters"
    );
    ok(&run(&["report", &p("run"), "-q"]));
    let html = std::fs::read_to_string(tmp.path().join("run/report.html")).unwrap();
    assert!(html.contains("ARGMINN read-out") && html.contains("trimmed_width"));
    for line in read("instances.bed").lines() {
        assert_eq!(line.split('\t').count(), 6, "{line}");
    }
    let summary: serde_json::Value = serde_json::from_str(&read("summary.json")).unwrap();
    assert_eq!(summary["argminn"]["instance_attention"], 0.9);
    assert_eq!(summary["argminn"]["syntax_attention"], 0.5);
    // A lower threshold calls at least as many instances.
    ok(&run(&[
        "interpret",
        &p("run"),
        &p("valid.tsv"),
        "--all",
        "-o",
        &p("loose"),
        "--instance-attention",
        "0",
        "-q",
    ]));
    let loose = std::fs::read_to_string(tmp.path().join("loose/instances.tsv")).unwrap();
    assert!(loose.lines().count() >= read("instances.tsv").lines().count());
    assert_fails(
        &run(&[
            "interpret",
            &p("run"),
            &p("valid.tsv"),
            "-o",
            &p("bad"),
            "--syntax-attention",
            "1.5",
        ]),
        "--syntax-attention 1.5: give an attention in [0, 1)",
    );
    assert!(!tmp.path().join("bad").exists());
}

#[test]
fn argminn_bad_options_are_refused_before_any_work() {
    let tmp = tempfile::tempdir().unwrap();
    let p = |n: &str| tmp.path().join(n).to_str().unwrap().to_string();
    write_tsv(&tmp.path().join("train.tsv"), 40, 23);
    write_tsv(&tmp.path().join("valid.tsv"), 10, 24);
    let train = |extra: &[&str]| {
        let mut args = vec![
            "train".to_string(),
            p("train.tsv"),
            p("valid.tsv"),
            "-o".into(),
            p("out"),
        ];
        args.extend(extra.iter().map(|s| s.to_string()));
        let args: Vec<&str> = args.iter().map(|s| s.as_str()).collect();
        run(&args)
    };
    for (extra, want) in [
        (
            &["--arch", "argminn", "--units", "5"][..],
            "--units does not apply to --arch argminn (it is an ExplaiNN option)",
        ),
        (
            &["--heads", "2"][..],
            "--heads does not apply to --arch explainn (it is an ARGMINN option)",
        ),
        (
            &["--arch", "argminn", "--conv-widths", "5"][..],
            "--conv-widths do(es) not apply to --arch argminn",
        ),
        (
            &[
                "--arch",
                "argminn",
                "--max-epochs",
                "3",
                "--overlap-weights",
                "0,1",
            ][..],
            "--overlap-weights gives 2 weight(s) for 3 epochs",
        ),
        (
            &["--arch", "argminn", "--heads", "3"][..],
            "the token size 32 is not a multiple of the 3 attention heads",
        ),
        (
            &["--arch", "argminn", "--scanner-width", "61"][..],
            "shorter than ARGMINN's filter width 61",
        ),
    ] {
        assert_fails(&train(extra), want);
        assert!(!tmp.path().join("out").exists(), "{extra:?} wrote output");
    }
    // The attention thresholds of interpret are ARGMINN's.
    let explainn_run = common::tiny_run(tmp.path());
    assert_fails(
        &run(&[
            "interpret",
            explainn_run.to_str().unwrap(),
            "--instance-attention",
            "0.5",
        ]),
        "--instance-attention applies to ARGMINN models",
    );
    assert!(!explainn_run.join("interpret").exists());
}

/// `--init-motifs` puts motifs (both strands) into the first scanner filters; with
/// `--freeze filters` they stay bit-identical while the other filters train; too few
/// filters for the motifs, or `--freeze units`, are refused.
#[test]
fn motif_initialised_scanner_filters_stay_frozen() {
    use explainn_run::init::{InitScale, MotifInit, MotifSource};
    let tmp = tempfile::tempdir().unwrap();
    let p = |n: &str| tmp.path().join(n).to_str().unwrap().to_string();
    write_tsv(&tmp.path().join("train.tsv"), 120, 31);
    write_tsv(&tmp.path().join("valid.tsv"), 30, 32);
    let init = MotifInit::read(
        &MotifSource::Jaspar,
        &["MA0035.5".to_string()],
        true,
        InitScale::Probability,
    )
    .unwrap();
    let expected: Vec<f32> = (0..2).flat_map(|u| init.filter(u, 8).unwrap()).collect();
    let train = |out: &str, extra: &[&str]| {
        let mut args = vec![
            "train".to_string(),
            p("train.tsv"),
            p("valid.tsv"),
            "-o".into(),
            p(out),
        ];
        // SMALL with filters of 8 (GATA1's 7 positions fit)
        let mut small: Vec<String> = SMALL.iter().map(|s| s.to_string()).collect();
        let at = small.iter().position(|a| a == "--scanner-width").unwrap();
        small[at + 1] = "8".into();
        let mut extra = extra.to_vec();
        if let Some(k) = extra.iter().position(|a| *a == "--scanner-filters") {
            let at = small.iter().position(|a| a == "--scanner-filters").unwrap();
            small[at + 1] = extra[k + 1].to_string();
            extra.drain(k..k + 2);
        }
        args.extend(small);
        args.extend(
            [
                "--init-motifs",
                "jaspar",
                "--init-ids",
                "MA0035.5",
                "--init-both-strands",
                "--max-epochs",
                "2",
                "--objective",
                "off",
                "--threads",
                "1",
                "-q",
            ]
            .iter()
            .map(|s| s.to_string()),
        );
        args.extend(extra.iter().map(|s| s.to_string()));
        let args: Vec<&str> = args.iter().map(|s| s.as_str()).collect();
        run(&args)
    };
    let scanner = |out: &str| {
        let mf = explainn_nn::checkpoint::load(
            &tmp.path().join(out).join("model.safetensors"),
            &Default::default(),
        )
        .unwrap();
        mf.model.to_tensors()["scanner.weight"].1.clone()
    };
    let bits = |v: &[f32]| v.iter().map(|x| x.to_bits()).collect::<Vec<_>>();
    ok(&train("frozen", &["--freeze", "filters"]));
    let w = scanner("frozen");
    assert_eq!(w.len(), 4 * 4 * 8);
    assert_eq!(
        bits(&w[..2 * 32]),
        bits(&expected),
        "frozen filters changed"
    );
    ok(&train("free", &[]));
    let moved = scanner("free");
    assert_ne!(bits(&moved[..2 * 32]), bits(&expected));
    assert_ne!(
        bits(&moved[2 * 32..]),
        bits(&w[2 * 32..]),
        "the free filters train"
    );
    assert_fails(
        &train("few", &["--scanner-filters", "1"]),
        "--scanner-filters 1 is below the 2 motifs",
    );
    assert_fails(
        &train("units", &["--freeze", "units"]),
        "--freeze units do(es) not apply to --arch argminn",
    );
    assert!(!tmp.path().join("few").exists() && !tmp.path().join("units").exists());
}
