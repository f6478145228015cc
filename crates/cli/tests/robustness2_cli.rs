//! Issue 36, robustness round 2: no user file is ever deleted, one writer per output, no
//! leftovers after an interruption, sizes bounded before any allocation, and options that
//! do not apply refused by name. Each test failed on the behaviour the issue reports.

mod common;

use common::{assert_fails, explainn, leftovers, ok, run, tiny_run};
use std::path::Path;
use std::time::{Duration, Instant};

fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}

/// A run with a validation file to attribute, gia and test on.
fn setup(dir: &Path) -> (String, String) {
    let r = tiny_run(dir);
    (s(&r).to_string(), s(&dir.join("valid.tsv")).to_string())
}

/// Every command that replaces an output directory refuses one that holds a file of the
/// user's beside its earlier results, and the file stays (attribute used to delete it).
#[test]
fn a_file_of_the_user_beside_earlier_results_is_never_deleted() {
    let tmp = tempfile::tempdir().unwrap();
    let (r, v) = setup(tmp.path());
    let cases: Vec<(&str, Vec<String>)> = vec![
        (
            "attr",
            vec![
                "attribute".into(),
                r.clone(),
                v.clone(),
                "--target".into(),
                "gata".into(),
            ],
        ),
        (
            "gia",
            vec![
                "gia".into(),
                r.clone(),
                "--insert".into(),
                "AGATAAG".into(),
                "--n".into(),
                "20".into(),
            ],
        ),
        ("test", vec!["test".into(), r.clone(), v.clone()]),
    ];
    for (name, args) in cases {
        let out = tmp.path().join(name);
        let mut full: Vec<&str> = args.iter().map(String::as_str).collect();
        full.extend(["-o", s(&out)]);
        ok(&run(&full));
        std::fs::write(out.join("my_notes.txt"), "keep me").unwrap();
        assert_fails(
            &run(&full),
            "holds files explainn did not write (my_notes.txt)",
        );
        assert_eq!(
            std::fs::read_to_string(out.join("my_notes.txt")).unwrap(),
            "keep me",
            "{name}"
        );
        // Without the user's file the results are replaced as before.
        std::fs::remove_file(out.join("my_notes.txt")).unwrap();
        ok(&run(&full));
        assert!(leftovers(tmp.path()).is_empty(), "{name}");
    }
    // interpret writes RUN/interpret; train --force clears only what explainn wrote there.
    let interp = Path::new(&r).join("interpret");
    ok(&run(&["interpret", &r, "--threads", "1"]));
    std::fs::write(interp.join("my_notes.txt"), "keep me").unwrap();
    assert_fails(
        &run(&["interpret", &r, "--threads", "1"]),
        "holds files explainn did not write (my_notes.txt)",
    );
    let t = s(&tmp.path().join("train.tsv")).to_string();
    ok(&run(&[
        "train",
        &t,
        &v,
        "-o",
        &r,
        "--force",
        "--units",
        "4",
        "--filter-size",
        "8",
        "--hidden",
        "8",
        "--max-epochs",
        "1",
        "--threads",
        "1",
    ]));
    assert_eq!(
        std::fs::read_to_string(interp.join("my_notes.txt")).unwrap(),
        "keep me"
    );
    assert!(!interp.join("annotation.tsv").exists() || !interp.join("weights.tsv").exists());
}

/// Poll `cond` for up to 60 s.
fn wait_for(mut cond: impl FnMut() -> bool, what: &str) {
    let t = Instant::now();
    while !cond() {
        assert!(t.elapsed() < Duration::from_secs(60), "timed out: {what}");
        std::thread::sleep(Duration::from_millis(20));
    }
}

fn long_training(dir: &Path, out: &Path) -> std::process::Command {
    let mut c = explainn();
    c.args([
        "train",
        s(&dir.join("train.tsv")),
        s(&dir.join("valid.tsv")),
        "-o",
        s(out),
        "--units",
        "64",
        "--max-epochs",
        "500",
        "--patience",
        "500",
        "--threads",
        "1",
        "-q",
    ]);
    c
}

/// A second process writing the same output is refused while the first runs (two
/// trainings, two attributions), instead of both reporting success.
#[test]
fn a_second_writer_of_the_same_output_is_refused() {
    let tmp = tempfile::tempdir().unwrap();
    let (r, v) = setup(tmp.path());
    let out = tmp.path().join("same");
    let mut first = long_training(tmp.path(), &out).spawn().unwrap();
    wait_for(|| out.is_dir(), "the first training's directory");
    let second = long_training(tmp.path(), &out)
        .arg("--force")
        .output()
        .unwrap();
    let _ = first.kill();
    let _ = first.wait();
    assert_fails(&second, "another explainn process is writing");

    // attribute: the first one writes into its locked hidden sibling.
    let many = tmp.path().join("many.tsv");
    common::write_tsv(&many, 20_000, 5);
    let out = tmp.path().join("attr");
    let mut first = writing(
        tmp.path(),
        &["attribute", &r, s(&many), "--target", "gata", "-o", s(&out)],
    );
    let second = run(&["attribute", &r, &v, "--target", "gata", "-o", s(&out)]);
    let _ = first.kill();
    let _ = first.wait();
    assert_fails(&second, "another explainn process is writing");
}

/// Start `explainn ARGS --threads 1 -q` writing an output in `dir` and return once its
/// hidden sibling is there.
fn writing(dir: &Path, args: &[&str]) -> std::process::Child {
    let child = explainn()
        .args(args)
        .args(["--threads", "1", "-q"])
        .spawn()
        .unwrap();
    wait_for(
        || !leftovers(dir).is_empty(),
        &format!("the sibling of {args:?}"),
    );
    child
}

/// Interrupt `child` (SIGINT) and check that it stops as interrupted (exit code 130) and
/// leaves no hidden sibling in `dir`.
fn interrupt_and_check(child: std::process::Child, dir: &Path) {
    interrupt(&child);
    let o = child.wait_with_output().unwrap();
    assert_eq!(
        o.status.code(),
        Some(130),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    assert!(leftovers(dir).is_empty(), "{:?}", leftovers(dir));
}

fn interrupt(child: &std::process::Child) {
    let st = std::process::Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(st.success());
}

/// Ctrl-C leaves no hidden working directory and no empty run directory; results already
/// in place stay as they were.
#[test]
fn an_interruption_leaves_nothing_behind() {
    let tmp = tempfile::tempdir().unwrap();
    let (r, _) = setup(tmp.path());
    let many = tmp.path().join("many.tsv");
    common::write_tsv(&many, 20_000, 5);
    // attribute into an existing output: the old results stay, the sibling goes.
    let out = tmp.path().join("attr");
    ok(&run(&[
        "attribute",
        &r,
        s(&tmp.path().join("valid.tsv")),
        "--target",
        "gata",
        "-o",
        s(&out),
    ]));
    let before = std::fs::read(out.join("attributions.npz")).unwrap();
    let child = writing(
        tmp.path(),
        &["attribute", &r, s(&many), "--target", "gata", "-o", s(&out)],
    );
    std::thread::sleep(Duration::from_millis(100));
    interrupt_and_check(child, tmp.path());
    assert_eq!(std::fs::read(out.join("attributions.npz")).unwrap(), before);

    // gia on many backgrounds: its hidden sibling goes too.
    let gia = tmp.path().join("gia");
    let child = writing(
        tmp.path(),
        &[
            "gia",
            &r,
            "--insert",
            "AGATAA",
            "--n",
            "400000",
            "-o",
            s(&gia),
        ],
    );
    interrupt_and_check(child, tmp.path());
    assert!(!gia.exists());

    // train interrupted before its first epoch ends: no empty run directory.
    let fresh = tmp.path().join("fresh");
    let child = long_training(tmp.path(), &fresh).spawn().unwrap();
    wait_for(|| fresh.is_dir(), "the run directory");
    interrupt(&child);
    let o = child.wait_with_output().unwrap();
    assert_eq!(o.status.code(), Some(130));
    assert!(!fresh.exists(), "an empty run directory was left");
}

/// Sizes from the command line are bounded before anything is allocated: no panic, no
/// abort, no runaway job, no directory left.
#[test]
fn absurd_sizes_are_refused_up_front() {
    let tmp = tempfile::tempdir().unwrap();
    let (r, v) = setup(tmp.path());
    let o = s(&tmp.path().join("o")).to_string();
    let cases: Vec<(Vec<&str>, &str)> = vec![
        (
            vec![
                "attribute",
                &r,
                &v,
                "--target",
                "gata",
                "-o",
                &o,
                "--references",
                "shuffle:18446744073709551615",
            ],
            "at most 10000",
        ),
        (
            vec![
                "attribute",
                &r,
                &v,
                "--target",
                "gata",
                "-o",
                &o,
                "--references",
                "shuffle:3000000",
            ],
            "at most 10000",
        ),
        (
            vec![
                "gia",
                &r,
                "-o",
                &o,
                "--pair",
                "AGATAA",
                "CAGCTG",
                "--distances",
                "0:18446744073709551615:1",
            ],
            "at most 10000",
        ),
        (
            vec![
                "gia",
                &r,
                "-o",
                &o,
                "--insert",
                "AGATAA",
                "--n",
                "1000000000000",
            ],
            "needs about",
        ),
        (
            vec![
                "attribute",
                &r,
                &v,
                "--target",
                "gata",
                "-o",
                &o,
                "--method",
                "integrated-gradients",
                "--steps",
                "100000000",
                "--max-steps",
                "100000000",
            ],
            "at most 10000",
        ),
        (
            vec!["predict", &r, &v, "-o", &o, "--batch-size", "0"],
            "at least 1",
        ),
        (
            vec![
                "attribute",
                &r,
                &v,
                "--target",
                "gata",
                "-o",
                &o,
                "--batch-size",
                "0",
            ],
            "at least 1",
        ),
        (
            vec!["gia", &r, "-o", &o, "--insert", "AGATAA", "--n", "0"],
            "at least 1",
        ),
    ];
    for (args, needle) in cases {
        let t = Instant::now();
        let out = run(&args);
        assert_fails(&out, needle);
        assert!(!String::from_utf8_lossy(&out.stderr).contains("panicked"));
        assert!(t.elapsed() < Duration::from_secs(10), "{args:?}");
        assert!(!Path::new(&o).exists(), "{args:?} left its output");
        assert!(leftovers(tmp.path()).is_empty(), "{args:?}");
    }
    let t = s(&tmp.path().join("train.tsv")).to_string();
    let big = tmp.path().join("big");
    assert_fails(
        &run(&["train", &t, &v, "-o", s(&big), "--units", "100000000"]),
        "training 100000000 units (filter 19, 2 layers of 100) on 60 bp with batches of 100 needs about",
    );
    assert!(!big.exists(), "an empty run directory was left");
    assert_fails(
        &run(&["train", &t, &v, "-o", s(&big), "--ensemble", "4294967295"]),
        "--ensemble 4294967295: give 2 to 100 members",
    );
    assert_fails(
        &run(&["train", &t, &v, "-o", s(&big), "--ensemble", "0"]),
        "--ensemble 0: give 2 to 100 members",
    );
    assert!(!big.exists());
}

/// Options that do not apply to what was asked are errors naming them.
#[test]
fn options_that_do_not_apply_are_refused_by_name() {
    let tmp = tempfile::tempdir().unwrap();
    let (r, v) = setup(tmp.path());
    let t = s(&tmp.path().join("train.tsv")).to_string();
    let o = s(&tmp.path().join("o")).to_string();
    let train = |extra: &[&str]| {
        let mut a = vec!["train", &t, &v, "-o", &o];
        a.extend_from_slice(extra);
        run(&a)
    };
    assert_fails(
        &train(&["--arch", "cnn1", "--units", "5"]),
        "--units does not apply to --arch cnn1",
    );
    assert_fails(
        &train(&["--arch", "danq", "--pool-size", "500"]),
        "--pool-size does not apply to --arch danq",
    );
    assert_fails(
        &train(&["--arch", "cnn1", "--lstm-hidden", "7"]),
        "--lstm-hidden does not apply to --arch cnn1",
    );
    assert_fails(
        &train(&["--head", "nam"]),
        "--head does not apply without --units-from",
    );
    assert_fails(
        &train(&["--ensemble-jobs", "2"]),
        "--ensemble-jobs does not apply without --ensemble",
    );
    assert_fails(
        &train(&["--ensemble", "2", "--ensemble-jobs", "5", "--threads", "1"]),
        "--ensemble-jobs 5 (2 members at once: --ensemble 2) needs at least 2 threads",
    );
    for flag in [
        ["--arch", "cnn1"],
        ["--filter-size", "5"],
        ["--num-fc", "0"],
        ["--hidden", "3"],
    ] {
        let mut a = vec!["finetune", &r, &t, &v, "-o", &o];
        a.extend_from_slice(&flag);
        assert_fails(&run(&a), &format!("{} does not apply to finetune", flag[0]));
    }
    assert_fails(
        &run(&[
            "attribute",
            &r,
            &v,
            "--target",
            "gata",
            "-o",
            &o,
            "--method",
            "deeplift",
            "--references",
            "shuffle:5",
        ]),
        "--references: deeplift takes one reference per sequence (got shuffle:5); the method deepliftshap averages over 5 shuffles",
    );
    let gia = |extra: &[&str]| {
        let mut a = vec!["gia", &r, "-o", &o];
        a.extend_from_slice(extra);
        run(&a)
    };
    assert_fails(
        &gia(&["--pair", "AGATAA", "CAGCTG", "--position", "10"]),
        "--position does not apply to --pair",
    );
    assert_fails(
        &gia(&["--ablate", "AGATAA", "--sequences", &v, "--n", "5"]),
        "--n does not apply to --ablate",
    );
    assert_fails(
        &gia(&["--ablate", "AGATAA", "--sequences", &v, "--background", &v]),
        "--background does not apply to --ablate",
    );
    assert_fails(
        &gia(&["--insert", "AGATAA", "--sequences", &v]),
        "--sequences does not apply without --ablate",
    );
    let jaspar = common::shared("jaspar/JASPAR2024_CORE_vertebrates_non-redundant_pfms_meme.txt");
    assert_fails(&gia(&["--insert", s(&jaspar)]), "motifs; name one as");
    assert_fails(
        &gia(&["--insert", "missing.meme:X"]),
        "the motif file missing.meme does not exist",
    );
    assert!(!Path::new(&o).exists());
    // report on a directory that is not a run says so.
    assert_fails(
        &run(&["report", s(tmp.path())]),
        "is not a run directory (no model.safetensors)",
    );
    // export and merge to a path that is a file say so.
    let file = tmp.path().join("a_file");
    std::fs::write(&file, "").unwrap();
    assert_fails(&run(&["export", &r, "-o", s(&file)]), "is a file");
    assert_fails(&run(&["merge", &r, &r, "-o", s(&file)]), "is a file");
}

/// Messages that pointed the wrong way now say what the input is and what to do.
#[test]
fn messages_point_the_right_way() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    let (r, v) = setup(dir);
    let o = s(&dir.join("o")).to_string();
    let bed = dir.join("peaks.bed");
    std::fs::write(
        &bed,
        "chr1\t100\t160\tpeak1\t0\t+\nchr1\t300\t360\tpeak2\t0\t-\n",
    )
    .unwrap();
    let b = s(&bed);
    assert_fails(
        &run(&["attribute", &r, b, "--target", "0", "-o", &o]),
        "looks like a BED file (chromosome, start, end), not sequences: a BED file needs --genome",
    );
    assert_fails(
        &run(&["gia", &r, "--insert", "AGATAA", "--background", b, "-o", &o]),
        "looks like a BED file",
    );
    // variants: a binary file, a BED file, an IUPAC ALT.
    let genome = dir.join("g.fa");
    let mut seq = String::new();
    let mut st = 7u64;
    for _ in 0..1000 {
        st ^= st << 13;
        st ^= st >> 7;
        st ^= st << 17;
        seq.push(b"ACGT"[(st % 4) as usize] as char);
    }
    std::fs::write(&genome, format!(">chr1\n{seq}\n")).unwrap();
    let g = s(&genome);
    let bin = dir.join("x.bin");
    std::fs::write(&bin, [0u8, 1, 2, 3, 200, 17, 0, 0]).unwrap();
    let out_tsv = s(&dir.join("v.tsv")).to_string();
    assert_fails(
        &run(&["variants", &r, s(&bin), "--genome", g, "-o", &out_tsv]),
        "is not a VCF file (it is binary)",
    );
    assert_fails(
        &run(&["variants", &r, b, "--genome", g, "-o", &out_tsv]),
        "is not a VCF file (it looks like a BED file)",
    );
    let vcf = dir.join("r.vcf");
    let base = &seq[499..500];
    std::fs::write(
        &vcf,
        format!(
            "##fileformat=VCFv4.2\n##contig=<ID=chr1,length=1000>\n#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\nchr1\t500\tv1\t{base}\tR\t.\t.\t.\n"
        ),
    )
    .unwrap();
    assert_fails(
        &run(&["variants", &r, s(&vcf), "--genome", g, "-o", &out_tsv]),
        "ALT allele R at chr1:500 holds an IUPAC ambiguity code",
    );
    // report: a table that is not test metrics; sequences of another length.
    ok(&run(&["interpret", &r, "--threads", "1"]));
    let not_metrics = dir.join("variants.tsv");
    std::fs::write(&not_metrics, "chrom\tpos\tid\tref\talt\nchr1\t5\t.\tA\tC\n").unwrap();
    assert_fails(
        &run(&["report", &r, "--metrics", s(&not_metrics), "-o", &o]),
        "is not a metrics table of `explainn test`",
    );
    let short = dir.join("short.fa");
    std::fs::write(&short, ">s1\nACGTACGTAC\n").unwrap();
    let html = s(&dir.join("r.html")).to_string();
    assert_fails(
        &run(&[
            "report",
            &r,
            "--attribution-sequences",
            s(&short),
            "-o",
            &html,
        ]),
        "--fit-length",
    );
    ok(&run(&[
        "report",
        &r,
        "--attribution-sequences",
        s(&short),
        "--fit-length",
        "-o",
        &html,
    ]));
    let _ = v;
}

/// An output named relative to the working directory (`-o out`): the process's own hidden
/// sibling was taken for another writer's ("another explainn process is writing").
#[test]
fn a_relative_output_in_the_working_directory_is_written() {
    let tmp = tempfile::tempdir().unwrap();
    let (r, v) = setup(tmp.path());
    for _ in 0..2 {
        let o = explainn()
            .args(["test", &r, &v, "-o", "rel-out", "-q"])
            .current_dir(tmp.path())
            .output()
            .unwrap();
        ok(&o);
    }
    assert!(tmp.path().join("rel-out/metrics.tsv").is_file());
    assert!(leftovers(tmp.path()).is_empty());
}

/// `report` and `variants` interrupted while they compute: exit code 130, no hidden
/// sibling left, and an earlier output of the same name as it was.
#[test]
fn report_and_variants_interrupted_leave_nothing() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    let (r, _) = setup(dir);
    ok(&run(&["interpret", &r, "--threads", "1", "-q"]));
    let many = dir.join("many.tsv");
    common::write_tsv(&many, 20_000, 7);
    let html = dir.join("report.html");
    std::fs::write(&html, "an earlier report").unwrap();
    let child = writing(
        dir,
        &[
            "report",
            &r,
            "--attribution-sequences",
            s(&many),
            "--attribution-top",
            "20000",
            "-o",
            s(&html),
        ],
    );
    interrupt_and_check(child, dir);
    assert_eq!(std::fs::read_to_string(&html).unwrap(), "an earlier report");

    // variants: the sequences as one 1.2 Mb contig and an SNV every 5 bases.
    common::write_snv_genome(dir, &many, |n| (100..n - 100).step_by(5).collect());
    let scores = dir.join("variants.tsv");
    std::fs::write(&scores, "earlier scores").unwrap();
    let child = writing(
        dir,
        &[
            "variants",
            &r,
            s(&dir.join("snv.vcf")),
            "--genome",
            s(&dir.join("genome.fa")),
            "-o",
            s(&scores),
        ],
    );
    interrupt_and_check(child, dir);
    assert_eq!(std::fs::read_to_string(&scores).unwrap(), "earlier scores");
}
