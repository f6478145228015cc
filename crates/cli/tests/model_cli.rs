//! End-to-end checks of `explainn train/test/predict/import` on tiny data: outputs appear
//! complete, runs are reproducible, and bad input gives a clear error and no output.

mod common;

use common::{Class, assert_fails, ok, run, shared};
use std::path::{Path, PathBuf};
use std::process::Output;

/// A small task: class 1 sequences (odd i) carry GATA at the centre; the other `classes − 1`
/// columns are all 0.
fn write_tsv(path: &Path, n: usize, length: usize, classes: usize, seed: u64) {
    let centre = length / 2..length / 2 + 1;
    let mut cols = vec![Class {
        name: "bound",
        motif: (length >= 8).then_some(&b"GATA"[..]),
        starts: centre,
    }];
    let names: Vec<String> = (1..classes).map(|k| format!("extra{k}")).collect();
    cols.extend(names.iter().map(|name| Class {
        name,
        motif: None,
        starts: 0..1,
    }));
    common::write_motif_tsv(path, n, length, seed, &cols);
}

fn tiny_train(dir: &Path, train: &Path, valid: &Path, name: &str) -> (Output, PathBuf) {
    tiny_train_with(dir, train, valid, name, &[])
}

/// [`tiny_train`] with `extra` flags appended.
fn tiny_train_with(
    dir: &Path,
    train: &Path,
    valid: &Path,
    name: &str,
    extra: &[&str],
) -> (Output, PathBuf) {
    let run_dir = dir.join(name);
    let mut args = vec![
        "train",
        train.to_str().unwrap(),
        valid.to_str().unwrap(),
        "-o",
        run_dir.to_str().unwrap(),
        "--units",
        "4",
        "--filter-size",
        "5",
        "--pool-size",
        "3",
        "--pool-stride",
        "3",
        "--hidden",
        "8",
        "--max-epochs",
        "2",
        "--batch-size",
        "16",
        "--threads",
        "1",
    ];
    args.extend_from_slice(extra);
    let o = run(&args);
    (o, run_dir)
}

#[test]
fn train_test_predict_round_trip_and_reproducibility() {
    let dir = tempfile::tempdir().unwrap();
    let (train, valid) = (dir.path().join("train.tsv"), dir.path().join("valid.tsv"));
    write_tsv(&train, 61, 30, 1, 1);
    write_tsv(&valid, 20, 30, 1, 2);
    let (o, run_dir) = tiny_train(dir.path(), &train, &valid, "run");
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    for f in ["model.safetensors", "config.json", "losses.tsv"] {
        assert!(run_dir.join(f).is_file(), "{f} missing");
    }
    let losses = std::fs::read_to_string(run_dir.join("losses.tsv")).unwrap();
    assert_eq!(losses.lines().count(), 3);
    assert!(losses.starts_with("epoch\ttrain_loss\tvalidation_loss\tseconds"));
    let cfg: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(run_dir.join("config.json")).unwrap())
            .unwrap();
    assert_eq!(cfg["architecture"]["units"], 4);
    assert_eq!(cfg["class_names"][0], "bound");

    // Same seed and thread count: bit-identical weights (the header differs only by the
    // provenance, which records the other output directory).
    let (o, run2) = tiny_train(dir.path(), &train, &valid, "run2");
    assert!(o.status.success());
    let weights = |p: &std::path::Path| {
        let b = std::fs::read(p.join("model.safetensors")).unwrap();
        let n = u64::from_le_bytes(b[..8].try_into().unwrap()) as usize;
        b[8 + n..].to_vec()
    };
    assert_eq!(weights(&run_dir), weights(&run2));
    let header = std::fs::read(run_dir.join("model.safetensors")).unwrap();
    let text = String::from_utf8_lossy(&header);
    assert!(text.contains("explainn-model/2") && text.contains("sha256"));

    let test_dir = dir.path().join("test");
    let o = run(&[
        "test",
        run_dir.to_str().unwrap(),
        valid.to_str().unwrap(),
        "-o",
        test_dir.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let metrics = std::fs::read_to_string(test_dir.join("metrics.tsv")).unwrap();
    assert!(metrics.starts_with("class\tauroc\tauprc\tpearson\tspearman\tmse\nbound\t"));
    assert!(metrics.contains("\nmacro\t"));
    assert!(test_dir.join("predictions.tsv.gz").is_file());

    let pred_dir = dir.path().join("pred");
    let model_file = run_dir.join("model.safetensors");
    let o = run(&[
        "predict",
        model_file.to_str().unwrap(),
        valid.to_str().unwrap(),
        "-o",
        pred_dir.to_str().unwrap(),
        "--batch-size",
        "7",
    ]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let mut text = String::new();
    std::io::Read::read_to_string(
        &mut flate2::read::GzDecoder::new(
            std::fs::File::open(pred_dir.join("predictions.tsv.gz")).unwrap(),
        ),
        &mut text,
    )
    .unwrap();
    assert_eq!(text.lines().count(), 21);
    assert!(text.starts_with("id\tclass\tforward\treverse\tmean\tmax\ns0\tbound\t"));
}

#[test]
fn bad_input_fails_cleanly_without_output() {
    let dir = tempfile::tempdir().unwrap();
    let p = |n: &str| dir.path().join(n);
    write_tsv(&p("train.tsv"), 40, 30, 1, 3);
    write_tsv(&p("valid.tsv"), 10, 30, 1, 4);
    write_tsv(&p("valid2.tsv"), 10, 30, 2, 5);
    write_tsv(&p("long.tsv"), 10, 40, 1, 6);
    write_tsv(&p("short.tsv"), 10, 4, 1, 7);
    std::fs::write(p("empty.tsv"), "#id\tseq\tbound\n").unwrap();
    let s = |n: &str| p(n).to_str().unwrap().to_string();

    // Empty validation set.
    let (o, d) = tiny_train(dir.path(), &p("train.tsv"), &p("empty.tsv"), "r_empty");
    assert_fails(&o, "no sequences");
    assert!(!d.exists());
    // Label count mismatch between training and validation.
    let (o, d) = tiny_train(dir.path(), &p("train.tsv"), &p("valid2.tsv"), "r_labels");
    assert_fails(&o, "label column");
    assert!(!d.exists());
    // Sequences shorter than the filter.
    let (o, d) = tiny_train(dir.path(), &p("short.tsv"), &p("short.tsv"), "r_short");
    assert_fails(&o, "shorter than the filter");
    assert!(!d.exists());

    let (o, run_dir) = tiny_train(dir.path(), &p("train.tsv"), &p("valid.tsv"), "run");
    assert!(o.status.success());
    let m = run_dir.to_str().unwrap().to_string();
    // Model/input length mismatch, in test and predict.
    let o = run(&["test", &m, &s("long.tsv"), "-o", &s("t_long")]);
    assert_fails(&o, "the model expects 30");
    assert!(!p("t_long").exists());
    let o = run(&["predict", &m, &s("long.tsv"), "-o", &s("p_long")]);
    assert_fails(&o, "the model expects 30");
    assert!(!p("p_long").join("predictions.tsv.gz").exists());
    // Label count mismatch between model and test file.
    let o = run(&["test", &m, &s("valid2.tsv"), "-o", &s("t_labels")]);
    assert_fails(&o, "label column");
    assert!(!p("t_labels").exists());
    // Not a model file.
    let o = run(&["test", &s("train.tsv"), &s("valid.tsv"), "-o", &s("t_bad")]);
    assert_fails(&o, "cannot load model");
    // A device this (default, CPU-only) build lacks, and one that does not exist.
    let o = run(&[
        "predict",
        &m,
        &s("valid.tsv"),
        "-o",
        &s("p_gpu"),
        "--device",
        "cuda",
    ]);
    assert_fails(&o, "--features cuda");
    assert!(!p("p_gpu").exists());
    let o = run(&[
        "test",
        &m,
        &s("valid.tsv"),
        "-o",
        &s("t_dev"),
        "--device",
        "tpu",
    ]);
    assert_fails(&o, "unknown device");
    assert!(!p("t_dev").exists());
}

#[test]
fn import_original_checkpoint() {
    let pth = shared("explainn_fixtures/model_epoch_best_4.pth");
    let pth = pth.to_str().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("m.safetensors");
    let o = run(&[
        "import",
        pth,
        "-o",
        out.to_str().unwrap(),
        "--length",
        "199",
    ]);
    assert_fails(&o, "check the input length");
    assert!(!out.exists());
    let o = run(&[
        "import",
        pth,
        "-o",
        out.to_str().unwrap(),
        "--length",
        "200",
        "--class-names",
        "MAX,FOXA1,JUND",
    ]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert!(out.is_file());
}

/// Runs never mix: training into a run directory that holds a run needs `--force`, which
/// removes the earlier run's test/, interpret/ and report.html once the new model is written.
#[test]
fn training_over_a_run_needs_force_and_clears_its_results() {
    let dir = tempfile::tempdir().unwrap();
    let (train, valid) = (dir.path().join("train.tsv"), dir.path().join("valid.tsv"));
    write_tsv(&train, 40, 30, 1, 1);
    write_tsv(&valid, 10, 30, 1, 2);
    let (o, run_dir) = tiny_train(dir.path(), &train, &valid, "run");
    assert!(o.status.success());
    let m = run_dir.to_str().unwrap();
    let test_dir = run_dir.join("test");
    ok(&run(&[
        "test",
        m,
        valid.to_str().unwrap(),
        "-o",
        test_dir.to_str().unwrap(),
    ]));
    std::fs::write(run_dir.join("report.html"), "old").unwrap();
    let model = std::fs::read(run_dir.join("model.safetensors")).unwrap();

    let (o, _) = tiny_train(dir.path(), &train, &valid, "run");
    assert_fails(&o, "--force");
    assert_eq!(
        std::fs::read(run_dir.join("model.safetensors")).unwrap(),
        model
    );
    assert!(run_dir.join("test/metrics.tsv").exists() && run_dir.join("report.html").exists());

    // Another seed, so the new model differs from the old one.
    let (o, _) = tiny_train_with(
        dir.path(),
        &train,
        &valid,
        "run",
        &["--seed", "2", "--force"],
    );
    ok(&o);
    assert!(
        !run_dir.join("test").exists(),
        "the earlier run's test/ is left"
    );
    assert!(
        !run_dir.join("report.html").exists(),
        "the earlier run's report is left"
    );
    assert_ne!(
        std::fs::read(run_dir.join("model.safetensors")).unwrap(),
        model
    );
}

/// A training killed from outside leaves the model kept so far, complete and usable, and
/// the directory is recognised as an interrupted run.
#[test]
fn a_killed_training_leaves_the_best_model_so_far() {
    let dir = tempfile::tempdir().unwrap();
    let (train, valid) = (dir.path().join("train.tsv"), dir.path().join("valid.tsv"));
    write_tsv(&train, 400, 30, 1, 1);
    write_tsv(&valid, 100, 30, 1, 2);
    let run_dir = dir.path().join("run");
    let mut child = common::explainn()
        .args([
            "train",
            train.to_str().unwrap(),
            valid.to_str().unwrap(),
            "-o",
            run_dir.to_str().unwrap(),
            "--units",
            "4",
            "--filter-size",
            "5",
            "--max-epochs",
            "100000",
            "--patience",
            "0",
            "--threads",
            "1",
        ])
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let model = run_dir.join("model.safetensors");
    let start = std::time::Instant::now();
    while !model.exists() {
        assert!(start.elapsed().as_secs() < 120, "no model written");
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    std::thread::sleep(std::time::Duration::from_millis(300));
    child.kill().unwrap();
    child.wait().unwrap();
    // Its record: config.json marked incomplete, with the epochs run and the kept one,
    // and the losses of those epochs.
    let c = explainn_run::RunConfig::read(&run_dir.join("config.json")).unwrap();
    assert!(!c.complete);
    assert!(c.epochs_run >= 1 && c.best_epoch >= 1 && c.best_epoch <= c.epochs_run);
    let losses = std::fs::read_to_string(run_dir.join("losses.tsv")).unwrap();
    assert!(losses.lines().count() > c.epochs_run.min(1), "{losses}");
    let out = dir.path().join("p");
    ok(&run(&[
        "predict",
        model.to_str().unwrap(),
        valid.to_str().unwrap(),
        "-o",
        out.to_str().unwrap(),
    ]));
    let (o, _) = tiny_train(dir.path(), &train, &valid, "run");
    assert_fails(&o, "interrupted training");
}
