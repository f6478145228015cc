//! Issue 36: every numeric option of every computing command given 0, −1, 1e9, 2^64 and a
//! non-number is answered within 10 s with a clear error or a bounded job.

mod common;

use common::{explainn, leftovers, ok, run, tiny_run};
use std::path::Path;
use std::time::{Duration, Instant};

fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}

/// Run `args` in `dir` for at most `limit`; `None` when it had to be killed.
fn run_bounded(dir: &Path, args: &[&str], limit: Duration) -> Option<std::process::Output> {
    // Output goes to files: a pipe nobody reads would stop a command that writes much.
    let err_path = dir.join(".stderr");
    let mut child = explainn()
        .args(args)
        .current_dir(dir)
        .stdout(std::process::Stdio::null())
        .stderr(std::fs::File::create(&err_path).unwrap())
        .spawn()
        .unwrap();
    let t = Instant::now();
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            return Some(std::process::Output {
                status,
                stdout: Vec::new(),
                stderr: std::fs::read(&err_path).unwrap(),
            });
        }
        if t.elapsed() > limit {
            let _ = child.kill();
            let _ = child.wait();
            return None;
        }
        std::thread::sleep(Duration::from_millis(10));
    }
}

/// Every numeric option of every computing command (variants and the motifs subcommands
/// too) given 0, −1, 1e9, 2^64 and a non-number: each answered within 10 s with a clear
/// error or a bounded job, never a panic, an abort or a leftover (`--threads 1000000000`
/// hung, `--hidden` and `--num-fc` 1e9 aborted, `prepare --length 1000000000` ran away).
#[test]
fn every_numeric_option_is_answered_or_bounded() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    let r = tiny_run(dir);
    let r = s(&r);
    // Small inputs, so that a bounded job (integrated gradients refined to --tolerance 0
    // up to --max-steps) ends within the limit.
    let valid = std::fs::read_to_string(dir.join("valid.tsv")).unwrap();
    let few: String = valid.lines().take(9).map(|l| format!("{l}\n")).collect();
    std::fs::write(dir.join("few.tsv"), few).unwrap();
    let jaspar = common::shared("jaspar/JASPAR2024_CORE_vertebrates_non-redundant_pfms_meme.txt");
    let jaspar = s(&jaspar);
    let train_opts = [
        "units",
        "filter-size",
        "pool-size",
        "pool-stride",
        "num-fc",
        "hidden",
        "dropout",
        "lr",
        "weight-decay",
        "momentum",
        "lr-step",
        "lr-gamma",
        "batch-size",
        "max-epochs",
        "seed",
        "clip-norm",
        "ensemble",
        "ensemble-jobs",
        "threads",
    ];
    let commands: Vec<(Vec<&str>, Vec<&str>)> = vec![
        (
            vec![
                "train",
                "train.tsv",
                "few.tsv",
                "-o",
                "OUT",
                "--max-epochs",
                "2",
            ],
            train_opts.to_vec(),
        ),
        (
            vec!["predict", r, "few.tsv", "-o", "OUT"],
            vec!["batch-size", "threads"],
        ),
        (
            vec!["test", r, "few.tsv", "-o", "OUT"],
            vec!["batch-size", "threads"],
        ),
        (vec!["explain", r, "few.tsv"], vec!["batch-size", "threads"]),
        (
            vec!["attribute", r, "few.tsv", "--target", "0", "-o", "OUT"],
            vec!["batch-size", "threads", "seed"],
        ),
        (
            vec![
                "attribute",
                r,
                "few.tsv",
                "--target",
                "0",
                "--method",
                "integrated-gradients",
                "-o",
                "OUT",
            ],
            vec!["steps", "tolerance", "max-steps"],
        ),
        (
            vec!["gia", r, "--insert", "AGATAA", "-o", "OUT"],
            vec!["n", "gc", "seed", "batch-size", "threads", "position"],
        ),
        (
            vec!["gia", r, "--pair", "AGATAA", "CAGCTG", "-o", "OUT"],
            vec!["n"],
        ),
        (
            vec!["scan", jaspar, "few.tsv"],
            vec!["thresh", "threads", "qv-thresh", "motif-pseudo"],
        ),
        (
            vec!["prepare", "train.tsv", "-o", "OUT"],
            vec!["seed", "length"],
        ),
        (
            vec!["interpret", r, "-o", "OUT"],
            vec![
                "correlation",
                "top-percent",
                "max-sequences",
                "seed",
                "q-threshold",
                "threads",
                "batch-size",
            ],
        ),
        (
            vec!["report", r, "-o", "OUT.html"],
            vec!["top-units", "attribution-top", "threads", "batch-size"],
        ),
        (
            vec!["tomtom", "interp/filters.meme"],
            vec!["threads", "min-overlap", "motif-pseudo", "thresh"],
        ),
        (
            vec![
                "variants",
                r,
                "snv.vcf",
                "--genome",
                "genome.fa",
                "-o",
                "OUT.tsv",
            ],
            vec!["max-indel", "batch-size", "threads"],
        ),
        (
            vec!["motifs", "score", "interp/filters.meme", "few.tsv"],
            vec!["threads", "motif-pseudo"],
        ),
        (
            vec!["motifs", "trim", "interp/filters.meme"],
            vec!["min-ic"],
        ),
        (
            vec!["motifs", "filter", "interp/filters.meme"],
            vec!["min-width", "min-mean-ic"],
        ),
        (
            vec!["motifs", "cluster", "interp/filters.meme", "-o", "OUT"],
            vec!["threads", "threshold", "min-coverage"],
        ),
    ];
    // variants reads a genome (the few sequences as one contig) and a VCF of SNVs on it.
    common::write_snv_genome(dir, &dir.join("few.tsv"), |_| vec![40, 100, 170]);
    // report and tomtom read an interpretation.
    ok(&run(&[
        "interpret",
        r,
        "-o",
        s(&dir.join("interp")),
        "--threads",
        "1",
    ]));
    ok(&run(&["interpret", r, "--threads", "1"]));
    // The bases of the new entries work as given, so each option is what is tested.
    for (base, _) in commands
        .iter()
        .filter(|(b, _)| b[0] == "variants" || b[..2] == ["motifs", "score"])
    {
        let o = run_bounded(dir, base, Duration::from_secs(30)).expect("ends");
        assert!(
            o.status.success(),
            "{base:?}: {}",
            String::from_utf8_lossy(&o.stderr)
        );
    }
    let values = ["0", "-1", "1000000000", "18446744073709551616", "abc"];
    let mut problems = Vec::new();
    for (base, opts) in &commands {
        for opt in opts {
            for v in values {
                let flag = format!("--{opt}");
                let mut args = base.clone();
                args.extend([flag.as_str(), v, "-q"]);
                let _ = std::fs::remove_dir_all(dir.join("OUT"));
                let _ = std::fs::remove_file(dir.join("OUT.tsv"));
                match run_bounded(dir, &args, Duration::from_secs(10)) {
                    None => problems.push(format!("{args:?}: still running after 10 s")),
                    Some(o) => {
                        let err = String::from_utf8_lossy(&o.stderr);
                        let code = o.status.code();
                        if !matches!(code, Some(0..=2)) || err.contains("panicked") {
                            problems.push(format!("{args:?}: exit {code:?}: {err}"));
                        }
                        if code != Some(0) && !err.contains("error") {
                            problems.push(format!("{args:?}: failed without an error message"));
                        }
                    }
                }
                let left = leftovers(dir);
                if !left.is_empty() {
                    problems.push(format!("{args:?}: left {left:?}"));
                }
            }
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}
