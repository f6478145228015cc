//! End-to-end checks of base-resolution attributions (`explainn attribute`), in silico
//! experiments (`explainn gia`), variant effects (`explainn variants`) and the report's
//! attribution logos, on a tiny trained model.

mod common;

use common::{ok, run, tiny_run, tiny_run_named};
use std::path::Path;

/// `attribute`: exact DeepLIFT-SHAP (every sequence's convergence delta tiny), arrays in
/// the layout numpy and tfmodisco-lite read, ISM, and clear errors for bad requests.
#[test]
fn attribute_writes_complete_deeplift_and_ism() {
    let tmp = tempfile::tempdir().unwrap();
    let r = tiny_run(tmp.path());
    let (rs, v) = (
        r.to_str().unwrap().to_string(),
        tmp.path().join("valid.tsv").to_str().unwrap().to_string(),
    );
    let out = tmp.path().join("att");
    let o = out.to_str().unwrap();
    ok(&run(&[
        "attribute",
        &rs,
        &v,
        "-o",
        o,
        "--target",
        "gata",
        "--references",
        "shuffle:5",
    ]));
    let deltas = std::fs::read_to_string(out.join("deltas.tsv")).unwrap();
    assert_eq!(deltas.lines().count(), 101);
    for line in deltas.lines().skip(1) {
        let f: Vec<&str> = line.split('\t').collect();
        let (logit, delta): (f64, f64) = (f[2].parse().unwrap(), f[3].parse().unwrap());
        assert!(delta <= 1e-4 * logit.abs().max(1.0), "{line}");
    }
    let npy = std::fs::read(out.join("ohe.npy")).unwrap();
    assert!(npy.starts_with(b"\x93NUMPY"));
    let header = String::from_utf8_lossy(&npy[..128]);
    assert!(
        header.contains("'shape': (100, 4, 60)") && header.contains("<f4"),
        "{header}"
    );
    let npz = std::fs::read(out.join("attributions.npz")).unwrap();
    assert!(npz.starts_with(b"PK"));
    for name in ["ohe.npy", "attributions.npy", "hypothetical.npy"] {
        assert!(
            npz.windows(name.len()).any(|w| w == name.as_bytes()),
            "{name}"
        );
    }
    let summary = std::fs::read_to_string(out.join("summary.json")).unwrap();
    assert!(summary.contains("\"deepliftshap\"") && summary.contains("shuffle:5"));
    // Unit-resolved: (N, U, L) beside the rest; refused for ISM before any work.
    let units = tmp.path().join("units");
    let u = units.to_str().unwrap();
    ok(&run(&[
        "attribute",
        &rs,
        &v,
        "-o",
        u,
        "--target",
        "gata",
        "--units",
    ]));
    let npy = std::fs::read(units.join("unit_attributions.npy")).unwrap();
    let header = String::from_utf8_lossy(&npy[..128]);
    assert!(header.contains("'shape': (100, 4, 60)"), "{header}");
    common::assert_fails(
        &run(&[
            "attribute",
            &rs,
            &v,
            "-o",
            &format!("{u}2"),
            "--target",
            "gata",
            "--units",
            "--method",
            "ism",
        ]),
        "--units: unit-resolved attributions need the method deeplift or deepliftshap",
    );
    // ISM into the same directory replaces it: no deltas.tsv of the DeepLIFT run is left.
    ok(&run(&[
        "attribute",
        &rs,
        &v,
        "-o",
        o,
        "--target",
        "1",
        "--method",
        "ism",
    ]));
    assert!(!out.join("deltas.tsv").exists());
    assert!(
        std::fs::read_to_string(out.join("summary.json"))
            .unwrap()
            .contains("\"ebox\"")
    );
    // Errors, before anything is written.
    let bad = tmp.path().join("bad");
    let b = bad.to_str().unwrap();
    common::assert_fails(
        &run(&["attribute", &rs, &v, "-o", b]),
        "--target: the model has 2 classes (gata, ebox); choose one",
    );
    common::assert_fails(
        &run(&["attribute", &rs, &v, "-o", b, "--target", "ctcf"]),
        "--target: unknown class ctcf: the model's classes are gata, ebox",
    );
    common::assert_fails(
        &run(&[
            "attribute",
            &rs,
            &v,
            "-o",
            b,
            "--target",
            "gata",
            "--method",
            "saliency",
            "--references",
            "zeros",
        ]),
        "--references: the method saliency takes no references",
    );
    assert!(!bad.exists());
}

/// The gradient methods on the CLI: integrated gradients write per-sequence deltas, their
/// references and steps in `summary.json` and a hypothetical array; saliency writes the
/// gradient at every base and no hypothetical array (and replaces the IG directory whole);
/// input × gradient's hypothetical form (`scores.npy`) is that same gradient.
#[test]
fn attribute_gradient_methods() {
    let tmp = tempfile::tempdir().unwrap();
    let r = tiny_run(tmp.path());
    let (rs, v) = (
        r.to_str().unwrap().to_string(),
        tmp.path().join("valid.tsv").to_str().unwrap().to_string(),
    );
    let out = tmp.path().join("ig");
    let o = out.to_str().unwrap();
    let args = ["attribute", &rs, &v, "-o", o, "--target", "ebox"];
    ok(&run(
        &[&args[..], &["--method", "integrated-gradients"]].concat()
    ));
    let deltas = std::fs::read_to_string(out.join("deltas.tsv")).unwrap();
    assert_eq!(deltas.lines().count(), 101);
    let summary = std::fs::read_to_string(out.join("summary.json")).unwrap();
    assert!(summary.contains("\"integrated-gradients\"") && summary.contains("\"zeros\""));
    assert!(summary.contains("\"steps\": 50"), "{summary}");
    let npz = |dir: &Path| std::fs::read(dir.join("attributions.npz")).unwrap();
    let has = |bytes: &[u8], name: &str| bytes.windows(name.len()).any(|w| w == name.as_bytes());
    assert!(has(&npz(&out), "hypothetical.npy"));
    // Saliency: the gradient at every base, no hypothetical array; the directory is
    // replaced (no deltas of the IG run left).
    ok(&run(&[&args[..], &["--method", "saliency"]].concat()));
    assert!(!out.join("deltas.tsv").exists());
    assert!(!has(&npz(&out), "hypothetical.npy"));
    let scores = |dir: &Path, name: &str| common::read_npy_f32(&dir.join(name));
    let grad = scores(&out, "scores.npy");
    let ohe = scores(&out, "ohe.npy");
    assert_eq!(grad.len(), 100 * 4 * 60);
    assert!(grad.iter().filter(|&&g| g != 0.0).count() > grad.len() / 2);
    let ixg = tmp.path().join("ixg");
    let x = ixg.to_str().unwrap();
    ok(&run(&[
        "attribute",
        &rs,
        &v,
        "-o",
        x,
        "--target",
        "ebox",
        "--method",
        "input-x-gradient",
    ]));
    // scores.npy holds the hypothetical form (the gradient): the same as saliency's.
    let hyp = scores(&ixg, "scores.npy");
    assert!(
        hyp.iter()
            .zip(&grad)
            .all(|(a, b)| (a - b).abs() <= 1e-6 * b.abs().max(1.0))
    );
    assert!(ohe.iter().all(|&v| v == 0.0 || v == 1.0));
}

/// `gia`: inserting a pattern gives per-class Δ and per-unit Δ contributions that add up
/// to it (the exact decomposition), a pair experiment gives one row per gap and class and
/// a chart; impossible requests fail before anything is written.
#[test]
fn gia_insert_and_pair() {
    let tmp = tempfile::tempdir().unwrap();
    let r = tiny_run(tmp.path());
    let rs = r.to_str().unwrap().to_string();
    let out = tmp.path().join("gia");
    let o = out.to_str().unwrap();
    ok(&run(&[
        "gia", &rs, "-o", o, "--insert", "AGATAAGA", "--n", "200",
    ]));
    let table = |name: &str| -> Vec<Vec<String>> {
        std::fs::read_to_string(out.join(name))
            .unwrap()
            .lines()
            .skip(1)
            .map(|l| l.split('\t').map(String::from).collect())
            .collect()
    };
    let insert = table("insert.tsv");
    assert_eq!(insert.len(), 2);
    let units = table("insert_units.tsv");
    assert_eq!(units.len(), 2 * 4);
    for row in &insert {
        let d: f64 = row[4].parse().unwrap();
        let sum: f64 = units
            .iter()
            .filter(|u| u[0] == row[0])
            .map(|u| u[3].parse::<f64>().unwrap())
            .sum();
        assert!(
            (sum - d).abs() < 1e-4 * d.abs().max(1.0),
            "{}: Σ units {sum} vs Δ {d}",
            row[0]
        );
    }
    // Background shuffles of a file, and a pair into the same directory: replaced.
    let v = tmp.path().join("valid.tsv");
    ok(&run(&[
        "gia",
        &rs,
        "-o",
        o,
        "--pair",
        "AGATAA",
        "CAGCTG",
        "--distances",
        "0:20:10",
        "--background",
        v.to_str().unwrap(),
        "--n",
        "50",
    ]));
    assert!(!out.join("insert.tsv").exists());
    assert_eq!(table("pair.tsv").len(), 3 * 2);
    assert!(
        std::fs::read_to_string(out.join("pair.svg"))
            .unwrap()
            .starts_with("<svg")
    );
    // Ablation of a planted motif: only sequences with a match, per-unit Δ summing to Δ.
    ok(&run(&[
        "gia",
        &rs,
        "-o",
        o,
        "--ablate",
        "AGATAA",
        "--sequences",
        v.to_str().unwrap(),
        "--thresh",
        "1e-3",
    ]));
    assert!(!out.join("pair.tsv").exists());
    let ablate = table("ablate.tsv");
    let units = table("ablate_units.tsv");
    assert_eq!((ablate.len(), units.len()), (2, 2 * 4));
    let with: usize = ablate[0][1].parse().unwrap();
    assert!(
        with > 0 && with < 100,
        "{with} of 100 sequences with a match"
    );
    for row in &ablate {
        let d: f64 = row[4].parse().unwrap();
        let sum: f64 = units
            .iter()
            .filter(|u| u[0] == row[0])
            .map(|u| u[3].parse::<f64>().unwrap())
            .sum();
        assert!(
            (sum - d).abs() < 1e-4 * d.abs().max(1.0),
            "{}: Σ units {sum} vs Δ {d}",
            row[0]
        );
    }
    let bad = tmp.path().join("bad");
    let b = bad.to_str().unwrap();
    common::assert_fails(
        &run(&[
            "gia",
            &rs,
            "-o",
            b,
            "--ablate",
            "AGATAAGATAAG",
            "--sequences",
            v.to_str().unwrap(),
            "--thresh",
            "1e-9",
        ]),
        "nothing to ablate",
    );
    common::assert_fails(
        &run(&["gia", &rs, "-o", b, "--insert", "GATA1"]),
        "neither an A/C/G/T consensus nor a motif file",
    );
    common::assert_fails(
        &run(&[
            "gia",
            &rs,
            "-o",
            b,
            "--pair",
            "AGATAA",
            "CAGCTG",
            "--distances",
            "0:60:10",
        ]),
        "longer than the model's input of 60 bp",
    );
    common::assert_fails(
        &run(&[
            "gia",
            &rs,
            "-o",
            b,
            "--insert",
            "AGATAA",
            "--position",
            "58",
        ]),
        "--position: 58: pattern AGATAA (6 bp) would end past the model's input",
    );
    assert!(!bad.exists());
}

/// `variants`: an SNV, an insertion and a deletion are scored on windows with the variant
/// at L/2 (the SNV's logits equal `predict` on those windows cut by hand), a symbolic allele
/// is counted and skipped, every row names the unit that changes most; a contig absent from
/// the genome and a reference mismatch are errors naming the line (or, with
/// `--skip-mismatch`, counted), and nothing is written.
#[test]
fn variants_score_snvs_and_indels_against_the_genome() {
    use rand::{Rng, SeedableRng};
    let tmp = tempfile::tempdir().unwrap();
    let r = tiny_run(tmp.path());
    let rs = r.to_str().unwrap().to_string();
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(5);
    let contig: String = (0..300)
        .map(|_| b"ACGT"[rng.random_range(0..4)] as char)
        .collect();
    let genome = tmp.path().join("g.fa");
    std::fs::write(&genome, format!(">c1\n{contig}\n")).unwrap();
    let g = genome.to_str().unwrap().to_string();
    let base = |p: usize| &contig[p - 1..p];
    let other = |b: &str| if b == "A" { "C" } else { "A" };
    let head =
        "##fileformat=VCFv4.2\n##contig=<ID=c1>\n#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\n";
    let vcf = tmp.path().join("v.vcf");
    std::fs::write(
        &vcf,
        format!(
            "{head}c1\t100\tsnv\t{}\t{}\t.\t.\t.\nc1\t150\tins\t{}\t{}TTT\t.\t.\t.\nc1\t200\tdel\t{}\t{}\t.\t.\t.\nc1\t250\tsv\t{}\t<DEL>\t.\t.\t.\n",
            base(100),
            other(base(100)),
            base(150),
            base(150),
            &contig[199..203],
            base(200),
            base(250)
        ),
    )
    .unwrap();
    let out = tmp.path().join("v.tsv");
    let o = run(&[
        "variants",
        &rs,
        vcf.to_str().unwrap(),
        "--genome",
        &g,
        "-o",
        out.to_str().unwrap(),
    ]);
    ok(&o);
    assert!(String::from_utf8_lossy(&o.stderr).contains("skipped 1 symbolic"));
    let rows: Vec<Vec<String>> = std::fs::read_to_string(&out)
        .unwrap()
        .lines()
        .map(|l| l.split('\t').map(String::from).collect())
        .collect();
    assert_eq!(rows[0][11], "top_unit_label");
    assert_eq!(rows.len(), 1 + 3 * 2);
    assert!(rows[1..].iter().all(|r| r[10].starts_with("unit")));
    // The SNV's windows by hand: 30 bases before the variant, 30 from it.
    let (refw, mut altw) = (contig[69..129].to_string(), contig[69..129].to_string());
    altw.replace_range(30..31, other(base(100)));
    let fa = tmp.path().join("w.fa");
    std::fs::write(&fa, format!(">ref\n{refw}\n>alt\n{altw}\n")).unwrap();
    let pdir = tmp.path().join("p");
    ok(&run(&[
        "predict",
        &rs,
        fa.to_str().unwrap(),
        "-o",
        pdir.to_str().unwrap(),
    ]));
    let mut pred = String::new();
    use std::io::Read;
    flate2::read::GzDecoder::new(std::fs::File::open(pdir.join("predictions.tsv.gz")).unwrap())
        .read_to_string(&mut pred)
        .unwrap();
    for line in pred.lines().skip(1) {
        let f: Vec<&str> = line.split('\t').collect();
        let row = rows.iter().find(|r| r[2] == "snv" && r[5] == f[1]).unwrap();
        let col = if f[0] == "ref" { 6 } else { 7 };
        let (got, want): (f32, f32) = (row[col].parse().unwrap(), f[4].parse().unwrap());
        assert!((got - want).abs() < 1e-5, "{line} vs {row:?}");
    }
    // Errors: an absent contig, a reference mismatch; --skip-mismatch counts it.
    let bad = tmp.path().join("bad.tsv");
    let b = bad.to_str().unwrap();
    let write = |body: &str| {
        std::fs::write(&vcf, format!("{head}{body}")).unwrap();
        vcf.to_str().unwrap().to_string()
    };
    let v = write("chr9\t10\t.\tA\tC\t.\t.\t.\n");
    common::assert_fails(
        &run(&["variants", &rs, &v, "--genome", &g, "-o", b]),
        "line 4: contig `chr9` is not in the genome",
    );
    let wrong = other(base(20));
    let v = write(&format!(
        "c1\t20\t.\t{wrong}\tG\t.\t.\t.\nc1\t100\t.\t{}\t{}\t.\t.\t.\n",
        base(100),
        other(base(100))
    ));
    common::assert_fails(
        &run(&["variants", &rs, &v, "--genome", &g, "-o", b]),
        "does not match the genome",
    );
    assert!(!bad.exists());
    let o = run(&[
        "variants",
        &rs,
        &v,
        "--genome",
        &g,
        "-o",
        b,
        "--skip-mismatch",
    ]);
    ok(&o);
    assert!(
        String::from_utf8_lossy(&o.stderr).contains("skipped 1 records whose reference allele")
    );
}

/// The report's attribution section: one logo per class from the recorded test set, with
/// the logit in the caption; none with `--attribution-top 0`; an unknown ID is an error.
#[test]
fn report_draws_attribution_logos() {
    let tmp = tempfile::tempdir().unwrap();
    let r = tiny_run(tmp.path());
    let rs = r.to_str().unwrap().to_string();
    let v = tmp.path().join("valid.tsv");
    ok(&run(&[
        "test",
        &rs,
        v.to_str().unwrap(),
        "-o",
        r.join("test").to_str().unwrap(),
    ]));
    ok(&run(&["interpret", &rs, "--all", "--threads", "1"]));
    let html = tmp.path().join("r.html");
    let h = html.to_str().unwrap();
    ok(&run(&["report", &rs, "-o", h]));
    let text = std::fs::read_to_string(&html).unwrap();
    let section = &text[text
        .find("<h2>Attributions</h2>")
        .expect("an attribution section")..];
    assert!(section.matches("(logit ").count() >= 2, "{section:.400}");
    assert!(section.contains("— gata (logit") && section.contains("— ebox (logit"));
    ok(&run(&["report", &rs, "-o", h, "--attribution-top", "0"]));
    assert!(
        !std::fs::read_to_string(&html)
            .unwrap()
            .contains("<h2>Attributions</h2>")
    );
    common::assert_fails(
        &run(&["report", &rs, "-o", h, "--attribution-ids", "nope"]),
        "has no sequence `nope`",
    );
    // gia results under the run get an "In silico experiments" section with their tables
    // and chart; results of another model are named and left out.
    let gia = |dir: &Path, model: &str, what: &[&str]| {
        let d = dir.to_str().unwrap();
        ok(&run(
            &[&["gia", model, "-o", d, "--n", "50"][..], what].concat()
        ));
    };
    gia(&r.join("gia-insert"), &rs, &["--insert", "AGATAAGA"]);
    gia(
        &r.join("gia-pair"),
        &rs,
        &["--pair", "AGATAAGA", "CAGCTG", "--distances", "0:10:5"],
    );
    let other = tiny_run_named(tmp.path(), "other", "3");
    gia(
        &r.join("gia-other"),
        other.to_str().unwrap(),
        &["--insert", "CAGCTG"],
    );
    ok(&run(&["report", &rs, "-o", h]));
    let text = std::fs::read_to_string(&html).unwrap();
    let section = &text[text
        .find("<h2>In silico experiments</h2>")
        .expect("an experiments section")..];
    assert!(
        section.contains("gia-insert: insert AGATAAGA"),
        "{section:.600}"
    );
    assert!(section.contains("largest unit effects") && section.contains("delta_mean"));
    assert!(
        section.contains("gia-pair: AGATAAGA and CAGCTG by distance") && section.contains("<svg")
    );
    assert!(section.contains("gia-other (made for another model"));
    assert!(!section.contains("gia-other: insert"));
}

/// DeepLIFT through a convolutional baseline (exact: every sequence's delta within 1e-4)
/// and a clear refusal, with nothing written, for DanQ's LSTM.
#[test]
fn deeplift_on_baselines() {
    let tmp = tempfile::tempdir().unwrap();
    let (train, valid) = (tmp.path().join("train.tsv"), tmp.path().join("valid.tsv"));
    common::write_tsv(&train, 200, 31);
    common::write_tsv(&valid, 40, 32);
    let mut runs = Vec::new();
    for (arch, extra) in [
        ("cnn1", ["--dense-widths", "16,16"]),
        ("danq", ["--lstm-hidden", "4"]),
    ] {
        let dir = tmp.path().join(arch);
        let mut args = vec![
            "train",
            train.to_str().unwrap(),
            valid.to_str().unwrap(),
            "-o",
            dir.to_str().unwrap(),
            "--arch",
            arch,
            "--conv-filters",
            "6",
            "--conv-widths",
            "7",
            "--max-epochs",
            "1",
            "--threads",
            "1",
        ];
        args.extend(extra);
        ok(&run(&args));
        runs.push(dir);
    }
    let v = valid.to_str().unwrap();
    let out = tmp.path().join("dls");
    let o = out.to_str().unwrap();
    let args = [
        "--target",
        "ebox",
        "--method",
        "deepliftshap",
        "--references",
        "shuffle:3",
    ];
    ok(&run(&[
        &["attribute", runs[0].to_str().unwrap(), v, "-o", o][..],
        &args,
    ]
    .concat()));
    let deltas = std::fs::read_to_string(out.join("deltas.tsv")).unwrap();
    assert_eq!(deltas.lines().count(), 41);
    for line in deltas.lines().skip(1) {
        let f: Vec<&str> = line.split('\t').collect();
        let (logit, delta): (f64, f64) = (f[2].parse().unwrap(), f[3].parse().unwrap());
        assert!(delta <= 1e-4 * logit.abs().max(1.0), "{line}");
    }
    let scores = common::read_npy_f32(&out.join("scores.npy"));
    assert!(scores.iter().any(|&v| v != 0.0));
    let bad = tmp.path().join("bad");
    common::assert_fails(
        &run(&[
            &[
                "attribute",
                runs[1].to_str().unwrap(),
                v,
                "-o",
                bad.to_str().unwrap(),
            ][..],
            &args,
        ]
        .concat()),
        "no rule here for DanQ's LSTM",
    );
    assert!(!bad.exists());
    // Without --method, attribute and the report use the same engine for each model:
    // exact DeepLIFT-SHAP where it exists (cnn1; the report used integrated gradients for
    // it before issue 35), integrated gradients for DanQ.
    for (dir, method, caption) in [
        (&runs[0], "deepliftshap", "DeepLIFT-SHAP, 20 shuffles"),
        (
            &runs[1],
            "integrated-gradients",
            "integrated gradients, zero reference",
        ),
    ] {
        let d = dir.to_str().unwrap();
        let out = tmp.path().join(format!("default-{method}"));
        ok(&run(&[
            "attribute",
            d,
            v,
            "--target",
            "ebox",
            "-o",
            out.to_str().unwrap(),
        ]));
        let summary = std::fs::read_to_string(out.join("summary.json")).unwrap();
        assert!(
            summary.contains(&format!("\"method\": \"{method}\"")),
            "{summary}"
        );
        ok(&run(&[
            "test",
            d,
            v,
            "-o",
            dir.join("test").to_str().unwrap(),
        ]));
        ok(&run(&["interpret", d, "--threads", "1"]));
        let html = tmp.path().join(format!("{method}.html"));
        ok(&run(&["report", d, "-o", html.to_str().unwrap()]));
        let text = std::fs::read_to_string(&html).unwrap();
        assert!(
            text.contains(caption),
            "{method}: no `{caption}` in the report"
        );
    }
}
