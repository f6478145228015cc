//! Issue 13, robustness of the inputs: one letter rule (U is T, N/IUPAC are unknown, other
//! characters are errors naming file and line/record or N and counted), duplicate inputs,
//! classes without positives or negatives, GC matching that matches, shuffles that keep N
//! padding in place, MEME dialects and sequence files given as motifs.

mod common;

use common::{assert_fails, explainn, ok, run};
use std::path::Path;

fn write(dir: &Path, name: &str, text: impl AsRef<[u8]>) -> String {
    let p = dir.join(name);
    std::fs::write(&p, text).unwrap();
    p.to_string_lossy().into_owned()
}

/// xorshift random sequence of `n` letters with GC probability `gc`.
fn random_seq(state: &mut u64, n: usize, gc: f64) -> String {
    let mut next = || {
        *state ^= *state << 13;
        *state ^= *state >> 7;
        *state ^= *state << 17;
        *state
    };
    (0..n)
        .map(|_| {
            let strong = (next() % 10_000) as f64 / 10_000.0 < gc;
            let h = next() & 1 == 1;
            match (strong, h) {
                (true, true) => 'G',
                (true, false) => 'C',
                (false, true) => 'A',
                (false, false) => 'T',
            }
        })
        .collect()
}

fn fasta(seqs: &[String]) -> String {
    seqs.iter()
        .enumerate()
        .map(|(i, s)| format!(">s{i}\n{s}\n"))
        .collect()
}

/// All (sequence, label) rows of the three parts `prefix.{train,validation,test}.tsv.gz`.
fn prepared_rows(prefix: &Path) -> Vec<(String, Vec<f32>)> {
    let mut out = Vec::new();
    for part in ["train", "validation", "test"] {
        let p = format!("{}.{part}.tsv.gz", prefix.display());
        let d = explainn_seq::read_tsv(Path::new(&p), None).unwrap();
        for i in 0..d.len() {
            out.push((
                String::from_utf8(d.letters(i)).unwrap(),
                d.label(i).to_vec(),
            ));
        }
    }
    out
}

fn gc(s: &str) -> f64 {
    let acgt = s.bytes().filter(|b| b"ACGT".contains(b)).count();
    let gc = s.bytes().filter(|b| b"CG".contains(b)).count();
    gc as f64 / acgt.max(1) as f64
}

#[test]
fn rna_u_is_t_in_prepare() {
    let dir = tempfile::tempdir().unwrap();
    let mut st = 11;
    let seqs: Vec<String> = (0..40)
        .map(|_| random_seq(&mut st, 30, 0.5).replace('T', "U"))
        .collect();
    let f = write(dir.path(), "rna.fa", fasta(&seqs));
    let out = dir.path().join("rna");
    ok(&run(&["prepare", &f, "-o", out.to_str().unwrap()]));
    let rows = prepared_rows(&out);
    let positives: Vec<&String> = rows
        .iter()
        .filter(|(_, l)| l[0] == 1.0)
        .map(|(s, _)| s)
        .collect();
    assert_eq!(positives.len(), 40);
    for s in positives {
        assert!(!s.contains('N') && !s.contains('U'), "{s}");
        assert!(seqs.contains(&s.replace('T', "U")), "{s}");
    }
}

#[test]
fn characters_that_are_not_letters_are_errors_or_counted_with_unknown_zero() {
    let dir = tempfile::tempdir().unwrap();
    let mut st = 12;
    for (bad, what) in [
        (b'7', "'7'"),
        (b' ', "(space)"),
        (0u8, "NUL"),
        (b'-', "'-'"),
    ] {
        let mut text = Vec::new();
        for i in 0..30 {
            let mut s = random_seq(&mut st, 20, 0.5).into_bytes();
            if i == 4 {
                s[9] = bad;
            }
            text.extend_from_slice(format!(">s{i}\n").as_bytes());
            text.extend_from_slice(&s);
            text.push(b'\n');
        }
        let f = write(dir.path(), "bad.fa", &text);
        let out = dir.path().join("bad");
        let o = run(&["prepare", &f, "-o", out.to_str().unwrap()]);
        assert_fails(&o, "bad.fa, record 5");
        assert_fails(&o, what);
        assert_fails(&o, "position 10");
        assert_fails(&o, "--unknown zero");
        let o = run(&[
            "prepare",
            &f,
            "-o",
            out.to_str().unwrap(),
            "--unknown",
            "zero",
        ]);
        ok(&o);
        let stdout = String::from_utf8_lossy(&o.stdout);
        assert!(
            stdout.contains("not sequence letters read as N (--unknown zero), in 1 sequences: 1"),
            "{stdout}"
        );
    }
    // The same rule where training data are read.
    let tsv = write(
        dir.path(),
        "t.tsv",
        "#id\tseq\tx\na\tACGTACGT\t1\nb\tACG5ACGT\t0\n",
    );
    let o = run(&[
        "train",
        &tsv,
        &tsv,
        "-o",
        dir.path().join("run").to_str().unwrap(),
    ]);
    assert_fails(&o, "t.tsv, line 3");
    assert_fails(&o, "'5'");
}

#[test]
fn prepare_help_states_the_letter_rule() {
    let o = run(&["prepare", "--help"]);
    ok(&o);
    let help = String::from_utf8_lossy(&o.stdout);
    for needle in [
        "U is T",
        "IUPAC codes R Y S W K M B D H V are unknown",
        "error naming the file and line or record",
        "--allow-unmatched",
    ] {
        assert!(help.contains(needle), "--help lacks {needle:?}");
    }
}

#[test]
fn duplicate_inputs_and_classes_without_negatives() {
    let dir = tempfile::tempdir().unwrap();
    let mut st = 13;
    let a: Vec<String> = (0..30).map(|_| random_seq(&mut st, 30, 0.5)).collect();
    let b: Vec<String> = (0..30).map(|_| random_seq(&mut st, 30, 0.5)).collect();
    let fa = write(dir.path(), "a.fa", fasta(&a));
    let fb = write(dir.path(), "b.fa", fasta(&b));
    let out = dir.path().join("o");
    let out = out.to_str().unwrap();
    assert_fails(
        &run(&["prepare", &fa, &fa, "-o", out]),
        "a.fa is given twice (inputs 1 and 2)",
    );
    assert_fails(
        &run(&["prepare", &fa, &fb, "--class-names", "x,x", "-o", out]),
        "both named \"x\"",
    );
    std::fs::create_dir(dir.path().join("d")).unwrap();
    let fa2 = write(&dir.path().join("d"), "a.fa", fasta(&b));
    assert_fails(&run(&["prepare", &fa, &fa2, "-o", out]), "both named \"a\"");
    let copy = write(dir.path(), "copy.fa", fasta(&a));
    assert_fails(
        &run(&["prepare", &fa, &copy, "-o", out]),
        "no negative example",
    );
    // One class and no negatives: allowed, but said.
    let o = run(&["prepare", &fa, "--negatives", "none", "-o", out]);
    ok(&o);
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.contains("warning: class \"a\" has no negative example"),
        "{err}"
    );
    ok(&run(&["prepare", &fa, &fb, "-o", out]));
}

#[test]
fn gc_matching_with_a_background_the_size_of_the_positives_matches_or_errors() {
    let dir = tempfile::tempdir().unwrap();
    let mut st = 14;
    let pos: Vec<String> = (0..400).map(|_| random_seq(&mut st, 100, 0.66)).collect();
    let fp = write(dir.path(), "pos.fa", fasta(&pos));
    let low: Vec<String> = (0..400).map(|_| random_seq(&mut st, 100, 0.49)).collect();
    let f_low = write(dir.path(), "low.fa", fasta(&low));
    let out = dir.path().join("gc");
    let o_str = out.to_str().unwrap();
    let args = |bg: &str| {
        vec![
            "prepare".to_string(),
            fp.clone(),
            "--negatives".into(),
            "gc-matched".into(),
            "--background".into(),
            bg.to_string(),
            "-o".into(),
            o_str.to_string(),
        ]
    };
    let o = explainn().args(args(&f_low)).output().unwrap();
    assert_fails(&o, "GC matching failed: only ");
    assert_fails(
        &o,
        "of 400 positives can be matched within their own 1% GC bin",
    );
    assert_fails(&o, "--allow-unmatched");
    assert!(!Path::new(&format!("{o_str}.train.tsv.gz")).exists());
    // --allow-unmatched: it runs and prints the achieved histogram.
    let o = explainn()
        .args(args(&f_low))
        .arg("--allow-unmatched")
        .output()
        .unwrap();
    ok(&o);
    let stdout = String::from_utf8_lossy(&o.stdout);
    assert!(
        stdout.contains("GC histogram (--allow-unmatched"),
        "{stdout}"
    );
    assert!(stdout.contains("66-67%"), "{stdout}");
    // A background as large as the positives, with their composition (a rotation of each
    // positive keeps its GC): every 1% bin matches.
    let same: Vec<String> = pos
        .iter()
        .map(|s| format!("{}{}", &s[37..], &s[..37]))
        .collect();
    let f_same = write(dir.path(), "same.fa", fasta(&same));
    ok(&explainn().args(args(&f_same)).output().unwrap());
    let rows = prepared_rows(&out);
    let mut hist = [[0usize; 100]; 2];
    for (s, l) in &rows {
        let b = ((gc(s) * 100.0).floor() as usize).min(99);
        hist[(l[0] == 0.0) as usize][b] += 1;
    }
    let (np, nn) = (
        hist[0].iter().sum::<usize>() as f64,
        hist[1].iter().sum::<usize>() as f64,
    );
    assert!(nn >= 0.95 * np, "{nn} negatives for {np} positives");
    for b in 0..100 {
        let d = 100.0 * (hist[0][b] as f64 / np - hist[1][b] as f64 / nn);
        assert!(d.abs() <= 1.0, "bin {b}: {d:.2} percentage points");
    }
}

#[test]
fn shuffled_negatives_keep_n_padding_where_it_was() {
    let dir = tempfile::tempdir().unwrap();
    let mut st = 15;
    let seqs: Vec<String> = (0..40).map(|_| random_seq(&mut st, 50, 0.5)).collect();
    let f = write(dir.path(), "p.fa", fasta(&seqs));
    let out = dir.path().join("pad");
    ok(&run(&[
        "prepare",
        &f,
        "--length",
        "100",
        "-o",
        out.to_str().unwrap(),
    ]));
    let rows = prepared_rows(&out);
    let negatives: Vec<&String> = rows
        .iter()
        .filter(|(_, l)| l[0] == 0.0)
        .map(|(s, _)| s)
        .collect();
    assert!(negatives.len() > 30);
    for s in negatives {
        let b = s.as_bytes();
        assert!(b[..25].iter().all(|&c| c == b'N'), "{s}");
        assert!(b[75..].iter().all(|&c| c == b'N'), "{s}");
        assert!(!s[25..75].contains('N'), "{s}");
    }
}

#[test]
fn a_fasta_given_as_motifs_gets_a_short_message() {
    let dir = tempfile::tempdir().unwrap();
    let seq = "ACGT".repeat(50);
    let f = write(dir.path(), "peaks.fa", format!(">a\n{seq}\n>b\n{seq}\n"));
    let o = run(&["tomtom", &f]);
    assert_fails(&o, "looks like a FASTA sequence file");
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(!err.contains(&seq[..40]) && err.len() < 400, "{err}");
}

#[test]
fn meme_suite_output_with_log_odds_sections_reads() {
    let dir = tempfile::tempdir().unwrap();
    let text = "MEME version 3.0\n\nALPHABET= ACGT\n\nstrands: + -\n\nBackground letter frequencies (from dataset):\nA 0.25 C 0.25 G 0.25 T 0.25\n\nMOTIF 1\twidth =   4   sites =  20   llr = 74   E-value = 3.0e-012\n\nlog-odds matrix: alength= 4 w= 4 n= 1790 bayes= 4.2 E= 3.0e-012\n  193  -999  -999  -999\n -999   193  -999  -999\n -999  -999   193  -999\n -999  -999  -999   193\n\nletter-probability matrix: alength= 4 w= 4 n= 20 E= 3.0e-012\n 1 0 0 0\n 0 1 0 0\n 0 0 1 0\n 0 0 0 1\n\nBL   MOTIF 1 width=4 seqs=20\nx ( 1) ACGT 1\n//\nURL http://example.org/1\n";
    let m = write(dir.path(), "meme.txt", text);
    let o = run(&["logo", &m, "-o", dir.path().join("logos").to_str().unwrap()]);
    ok(&o);
}

#[test]
fn scan_never_prints_u_on_the_minus_strand() {
    let dir = tempfile::tempdir().unwrap();
    let motif = "MEME version 4\n\nALPHABET= ACGT\n\nstrands: + -\n\nBackground letter frequencies\nA 0.25 C 0.25 G 0.25 T 0.25\n\nMOTIF polyA\nletter-probability matrix: alength= 4 w= 8\n1 0 0 0\n1 0 0 0\n1 0 0 0\n1 0 0 0\n1 0 0 0\n1 0 0 0\n1 0 0 0\n0.9 0.1 0 0\n";
    let m = write(dir.path(), "a.meme", motif);
    let s = write(dir.path(), "rna.fa", ">r\nGCGCUUUUUUUUUUGCGC\n");
    let o = run(&["scan", &m, &s, "--bg", "uniform"]);
    ok(&o);
    let out = String::from_utf8_lossy(&o.stdout);
    let minus: Vec<&str> = out.lines().filter(|l| l.contains("\t-\t")).collect();
    assert!(!minus.is_empty(), "{out}");
    for l in minus {
        let matched = l.rsplit('\t').next().unwrap();
        assert!(!matched.contains('U') && matched.starts_with('A'), "{l}");
    }
}

/// Writes the two-class set of `swap_columns`: `a` carries GATAAG, `b` CACGTG.
fn two_class_tsv(path: &Path, n: usize, seed: u64, names: [&str; 2]) {
    let classes = [
        common::Class {
            name: names[0],
            motif: Some(b"AGATAAG"),
            starts: 5..20,
        },
        common::Class {
            name: names[1],
            motif: Some(b"CACGTG"),
            starts: 25..35,
        },
    ];
    common::write_motif_tsv(path, n, 40, seed, &classes);
}

/// Swap the two label columns (and their header names) of a TSV.
fn swap_columns(src: &Path, dst: &Path) {
    let text = std::fs::read_to_string(src).unwrap();
    let out: String = text
        .lines()
        .map(|l| {
            let f: Vec<&str> = l.split('\t').collect();
            format!("{}\t{}\t{}\t{}\n", f[0], f[1], f[3], f[2])
        })
        .collect();
    std::fs::write(dst, out).unwrap();
}

fn tiny_train_args<'a>(train: &'a str, valid: &'a str, out: &'a str) -> Vec<&'a str> {
    vec![
        "train",
        train,
        valid,
        "-o",
        out,
        "--units",
        "3",
        "--filter-size",
        "6",
        "--hidden",
        "4",
        "--max-epochs",
        "1",
        "--threads",
        "1",
    ]
}

/// Labels are checked against the loss, and class columns are matched by name.
#[test]
fn labels_suit_the_loss_and_classes_match_by_name() {
    let dir = tempfile::tempdir().unwrap();
    let p = |n: &str| dir.path().join(n).to_str().unwrap().to_string();
    let bad = write(
        dir.path(),
        "bad.tsv",
        "#id\tseq\tx\na\tACGTACGTAC\t0\nb\tACGTACGTAA\t2\n",
    );
    let out = p("r_bad");
    assert_fails(
        &run(&tiny_train_args(&bad, &bad, &out)),
        "sequence 2 has 2 in class 1",
    );
    let mut ce = tiny_train_args(&bad, &bad, &out);
    ce.extend(["--loss", "ce"]);
    assert_fails(&run(&ce), "at least two classes");
    let neg = write(
        dir.path(),
        "neg.tsv",
        "#id\tseq\tx\na\tACGTACGTAC\t1\nb\tACGTACGTAA\t-1\n",
    );
    let mut poisson = tiny_train_args(&neg, &neg, &out);
    poisson.extend(["--loss", "poisson"]);
    assert_fails(&run(&poisson), "counts ≥ 0");
    assert!(!Path::new(&out).exists());

    // Validation and test columns in another order are matched by name.
    let (train, valid, test) = (
        dir.path().join("t.tsv"),
        dir.path().join("v.tsv"),
        dir.path().join("x.tsv"),
    );
    two_class_tsv(&train, 200, 3, ["a", "b"]);
    two_class_tsv(&valid, 60, 4, ["a", "b"]);
    two_class_tsv(&test, 60, 5, ["a", "b"]);
    swap_columns(&valid, &dir.path().join("v_swapped.tsv"));
    swap_columns(&test, &dir.path().join("x_swapped.tsv"));
    let run_dir = p("r");
    ok(&run(&tiny_train_args(
        &p("t.tsv"),
        &p("v_swapped.tsv"),
        &run_dir,
    )));
    ok(&run(&["test", &run_dir, &p("x.tsv"), "-o", &p("m1")]));
    ok(&run(&[
        "test",
        &run_dir,
        &p("x_swapped.tsv"),
        "-o",
        &p("m2"),
    ]));
    let m1 = std::fs::read_to_string(dir.path().join("m1/metrics.tsv")).unwrap();
    let m2 = std::fs::read_to_string(dir.path().join("m2/metrics.tsv")).unwrap();
    assert_eq!(
        m1, m2,
        "swapped test columns were scored on the wrong classes"
    );
    // Test results record their model; a test into earlier results replaces them whole,
    // a directory of other files is refused before any work.
    let summary = std::fs::read_to_string(dir.path().join("m1/summary.json")).unwrap();
    assert!(summary.contains("model_sha256"), "{summary}");
    // A file explainn did not write is never deleted: refused, kept (issue 36).
    std::fs::write(dir.path().join("m1/extra.txt"), "x").unwrap();
    assert_fails(
        &run(&["test", &run_dir, &p("x.tsv"), "-o", &p("m1")]),
        "holds files explainn did not write (extra.txt)",
    );
    assert!(dir.path().join("m1/extra.txt").exists());
    std::fs::create_dir(dir.path().join("mine")).unwrap();
    std::fs::write(dir.path().join("mine/notes.txt"), "keep").unwrap();
    assert_fails(
        &run(&["test", &run_dir, &p("x.tsv"), "-o", &p("mine")]),
        "does not hold test results",
    );
    assert!(dir.path().join("mine/notes.txt").exists());
    // Other class names are refused, naming both sets.
    two_class_tsv(&dir.path().join("other.tsv"), 60, 6, ["a", "c"]);
    assert_fails(
        &run(&["test", &run_dir, &p("other.tsv"), "-o", &p("m3")]),
        "a, c",
    );
}

/// A labelled file with sequences of different lengths is refused by line, not cropped.
#[test]
fn mixed_lengths_in_a_labelled_file_are_an_error() {
    let dir = tempfile::tempdir().unwrap();
    let t = write(
        dir.path(),
        "m.tsv",
        "#id\tseq\tx\na\tACGTACGTAC\t1\nb\tACGTACGTACGT\t0\n",
    );
    let out = dir.path().join("r");
    let o = run(&tiny_train_args(&t, &t, out.to_str().unwrap()));
    assert_fails(&o, "line 3");
    assert_fails(
        &o,
        "'b' has 12 letters, but the file's first sequence has 10",
    );
    assert!(!out.exists());
}

/// Run `explainn ARGS…` with `stdin` as its standard input.
fn run_with_stdin(args: &[&str], stdin: &[u8]) -> std::process::Output {
    use std::io::Write;
    let mut child = common::explainn()
        .args(args)
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    child.stdin.take().unwrap().write_all(stdin).unwrap();
    child.wait_with_output().unwrap()
}

/// `-q` silences a successful run; `-` reads standard input exactly as the file would be
/// read, and errors in it name "standard input" rather than a temporary path.
#[test]
fn quiet_runs_and_standard_input() {
    let dir = tempfile::tempdir().unwrap();
    let p = |n: &str| dir.path().join(n).to_str().unwrap().to_string();
    let (train, out) = (p("t.tsv"), p("run"));
    two_class_tsv(Path::new(&train), 64, 5, ["a", "b"]);
    let mut args = tiny_train_args(&train, &train, &out);
    args.push("-q");
    let o = run(&args);
    ok(&o);
    assert!(
        o.stderr.is_empty(),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );

    let seqs: String = (0..7)
        .map(|i| format!(">s{i}\n{}\n", "ACGTTGCAAGATAAGCACGTGACGTACGTAGGCTAGCTAA"))
        .collect();
    let fa = write(dir.path(), "s.fa", &seqs);
    let from_file = run(&["predict", &out, &fa, "-o", &p("pf"), "-q"]);
    ok(&from_file);
    assert!(from_file.stderr.is_empty());
    let from_stdin = run_with_stdin(
        &["predict", &out, "-", "-o", &p("ps"), "-q"],
        seqs.as_bytes(),
    );
    ok(&from_stdin);
    let read = |d: &str| {
        let f = std::fs::File::open(Path::new(&p(d)).join("predictions.tsv.gz")).unwrap();
        std::io::read_to_string(flate2::read::GzDecoder::new(f)).unwrap()
    };
    assert_eq!(read("pf"), read("ps"));
    assert_eq!(
        read("ps").lines().count(),
        1 + 7 * 2,
        "one row per sequence and class"
    );

    let bad = run_with_stdin(&["predict", &out, "-", "-o", &p("pb")], b">x\nAC1T\n");
    assert_fails(&bad, "standard input");
    let err = String::from_utf8_lossy(&bad.stderr);
    assert!(!err.contains("/stdin"), "{err}");
    let empty = run_with_stdin(&["predict", &out, "-", "-o", &p("pe")], b"");
    assert_fails(&empty, "standard input (`-`) is empty");
}

/// The remaining cases of the robustness list, each with the message that names the cause:
/// `prepare -o x.tsv.gz` names its files by the prefix, scan on FASTQ says FASTQ, a binary
/// annotation names its file, `--lr 0` and `--batch-size 1` say which is wrong, `train`
/// into a directory of other files is refused, and `test` says why AUROC is NA.
#[test]
fn messages_name_the_real_cause() {
    let dir = tempfile::tempdir().unwrap();
    let p = |n: &str| dir.path().join(n).to_str().unwrap().to_string();
    // prepare: known extensions are stripped from the prefix.
    let mut st = 3;
    let seqs: Vec<String> = (0..40).map(|_| random_seq(&mut st, 30, 0.5)).collect();
    let f = write(dir.path(), "a.fa", fasta(&seqs));
    ok(&run(&["prepare", &f, "-o", &p("data/x.tsv.gz")]));
    assert!(dir.path().join("data/x.train.tsv.gz").exists());
    assert!(!dir.path().join("data/x.tsv.gz.train.tsv.gz").exists());
    // scan on FASTQ.
    let motif = "MEME version 4\n\nALPHABET= ACGT\n\nMOTIF m\nletter-probability matrix: alength= 4 w= 2\n1 0 0 0\n0 1 0 0\n";
    let m = write(dir.path(), "m.meme", motif);
    let fq = write(dir.path(), "r.fq", "@r1\nACGTAC\n+\nIIIIII\n");
    assert_fails(&run(&["scan", &m, &fq]), "looks like FASTQ");
    // Training options: each message names its option.
    let (train, valid) = (dir.path().join("t.tsv"), dir.path().join("v.tsv"));
    two_class_tsv(&train, 100, 1, ["a", "b"]);
    two_class_tsv(&valid, 40, 2, ["a", "b"]);
    let (t, v) = (p("t.tsv"), p("v.tsv"));
    let out = p("r");
    let mut lr0 = tiny_train_args(&t, &v, &out);
    lr0.extend(["--lr", "0"]);
    assert_fails(&run(&lr0), "learning rate 0 must be positive");
    let mut b1 = tiny_train_args(&t, &v, &out);
    b1.extend(["--batch-size", "1"]);
    assert_fails(&run(&b1), "batch size 1 is too small");
    // A directory of the user's files is not a run directory, even with --force.
    std::fs::create_dir(dir.path().join("mine")).unwrap();
    std::fs::write(dir.path().join("mine/notes.txt"), "keep").unwrap();
    let mine = p("mine");
    let mut into_mine = tiny_train_args(&t, &v, &mine);
    assert_fails(&run(&into_mine), "holds no run");
    into_mine.push("--force");
    assert_fails(&run(&into_mine), "holds no run");
    assert!(dir.path().join("mine/notes.txt").exists());
    // A binary annotation names its file.
    ok(&run(&tiny_train_args(&t, &v, &out)));
    let bin = write(dir.path(), "ann.bin", [0xffu8, 0xfe, 0x00, 0x81, b'\n']);
    assert_fails(
        &run(&["explain", &out, &v, "--annotation", &bin]),
        "ann.bin",
    );
    // test: a class without positives gets AUROC NA and a line saying why.
    let text = std::fs::read_to_string(&valid).unwrap();
    let no_pos: String = text
        .lines()
        .map(|l| {
            if l.starts_with('#') {
                l.to_string()
            } else {
                let mut f: Vec<&str> = l.split('\t').collect();
                f[2] = "0";
                f.join("\t")
            }
        })
        .map(|l| l + "\n")
        .collect();
    let np = write(dir.path(), "nopos.tsv", no_pos);
    let o = run(&["test", &out, &np, "-o", &p("tn")]);
    ok(&o);
    assert!(
        String::from_utf8_lossy(&o.stderr).contains("class a: every test label is 0"),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
}
