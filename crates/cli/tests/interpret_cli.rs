//! End-to-end checks of `explainn interpret`, `explain` and `report`: a tiny trained model
//! gives complete outputs, explanations add up to the logits, and on the original ExplaiNN
//! checkpoint the unit PWMs follow the convolution weights. (Attributions, GIA and variant
//! effects: `attribution_cli.rs`.)

mod common;

use common::{ok, run, shared, tiny_run, tiny_run_named, write_tsv};
use std::path::{Path, PathBuf};

#[test]
fn interpret_explain_and_report_on_a_tiny_model() {
    let tmp = tempfile::tempdir().unwrap();
    let run_dir = tiny_run(tmp.path());
    let r = run_dir.to_str().unwrap();
    ok(&run(&["interpret", r, "--all", "--threads", "1"]));
    let out = run_dir.join("interpret");
    for f in [
        "filters.meme",
        "tomtom.tsv",
        "annotation.tsv",
        "weights.tsv",
        "importance.tsv",
        "importance.long.tsv.gz",
        "ranking.tsv",
        "families.tsv",
        "summary.json",
        "plots/weights_heatmap.svg",
        "plots/importance_boxplots.svg",
        "plots/loss.svg",
    ] {
        assert!(out.join(f).exists(), "{f} missing");
    }
    assert_eq!(std::fs::read_dir(out.join("logos")).unwrap().count(), 4);
    let meme = std::fs::read_to_string(out.join("filters.meme")).unwrap();
    assert!(meme.contains("ALPHABET= ACGT"));
    assert_eq!(
        meme.matches("letter-probability matrix: alength= 4 w= 8 ")
            .count(),
        4
    );
    let ann = std::fs::read_to_string(out.join("annotation.tsv")).unwrap();
    assert_eq!(ann.lines().count(), 5);
    let w = std::fs::read_to_string(out.join("weights.tsv")).unwrap();
    assert!(w.starts_with("unit\tlabel\tgata\tebox\n"));

    // The explained-contribution ranking: per unit and class, the importances of its
    // activating (sequence, strand) pairs summed over all scanned pairs; ranked by the
    // largest magnitude; the original's medians beside it.
    let summary: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("summary.json")).unwrap()).unwrap();
    let pairs = 2.0 * summary["sequences_selected"].as_f64().unwrap();
    let mut long = String::new();
    std::io::Read::read_to_string(
        &mut flate2::read::GzDecoder::new(
            std::fs::File::open(out.join("importance.long.tsv.gz")).unwrap(),
        ),
        &mut long,
    )
    .unwrap();
    let mut sum: std::collections::HashMap<(String, String), f64> = Default::default();
    for line in long.lines().skip(1) {
        let f: Vec<&str> = line.split('\t').collect();
        *sum.entry((f[0].into(), f[3].into())).or_default() += f[4].parse::<f64>().unwrap();
    }
    let ranking = std::fs::read_to_string(out.join("ranking.tsv")).unwrap();
    let mut lines = ranking.lines();
    assert_eq!(
        lines.next().unwrap(),
        "rank\tunit\tlabel\tfamily\tn_sequences\tn_pairs\tsites\texplained_gata\texplained_ebox\tmedian_gata\tmedian_ebox"
    );
    let mut previous = f64::INFINITY;
    for line in lines {
        let f: Vec<&str> = line.split('\t').collect();
        let mut largest = 0f64;
        for (k, class) in ["gata", "ebox"].iter().enumerate() {
            let got: f64 = f[7 + k].parse().unwrap();
            let want = sum
                .get(&(f[1].to_string(), class.to_string()))
                .copied()
                .unwrap_or(0.0)
                / pairs;
            assert!(
                (got - want).abs() <= 1e-5 * want.abs().max(1.0),
                "{} {class}: {got} vs {want}",
                f[1]
            );
            largest = largest.max(got.abs());
        }
        assert!(
            largest <= previous + 1e-6,
            "ranked by the largest magnitude"
        );
        previous = largest;
        let (n_seq, n_pairs): (usize, usize) = (f[4].parse().unwrap(), f[5].parse().unwrap());
        assert!(n_seq <= n_pairs && n_pairs <= 2 * n_seq);
    }
    let families = std::fs::read_to_string(out.join("families.tsv")).unwrap();
    assert!(families.starts_with(
        "family\tlabel\tsize\trepresentative\tmembers\texplained_gata\texplained_ebox\n"
    ));

    // Local explanation: contributions + bias = logit for each sequence and class.
    let seqs = tmp.path().join("valid.tsv");
    let expl = tmp.path().join("explain.tsv");
    ok(&run(&[
        "explain",
        r,
        seqs.to_str().unwrap(),
        "-o",
        expl.to_str().unwrap(),
    ]));
    let text = std::fs::read_to_string(&expl).unwrap();
    let mut sums: std::collections::HashMap<(String, String), (f64, f64)> = Default::default();
    for line in text.lines().skip(1) {
        let f: Vec<&str> = line.split('\t').collect();
        let v: f64 = f[4].parse().unwrap();
        let e = sums.entry((f[0].into(), f[1].into())).or_default();
        if f[2] == "logit" {
            e.1 = v;
        } else {
            e.0 += v;
        }
    }
    assert_eq!(sums.len(), 200);
    for ((id, c), (s, y)) in &sums {
        assert!((s - y).abs() < 1e-4, "{id} {c}: {s} vs {y}");
    }

    // Report: one self-contained page.
    ok(&run(&["report", r]));
    let html = std::fs::read_to_string(run_dir.join("report.html")).unwrap();
    assert!(html.starts_with("<!DOCTYPE html>"));
    // The run summary comes from the typed config.json: architecture, training, data.
    for needle in [
        "explainn: 4 units, filter 8, pool 7/7, 2 FC layer(s) (hidden 8, dropout 0.3); input 60 bp, 2 output(s)",
        "loss bce, lr 0.003, batch 100",
        "train.tsv (400 sequences)",
    ] {
        assert!(html.contains(needle), "the report lacks {needle:?}");
    }
    assert!(html.contains("<svg") && !html.contains("http://cdn") && !html.contains("<script src"));
    // Units come in the explained-contribution order of ranking.tsv, with both counts.
    assert!(html.contains("Units sorted by explained contribution"));
    assert!(html.contains(">seqs<") && html.contains(">sites<"));
}

#[test]
fn interpret_refuses_an_empty_selection_and_writes_nothing() {
    let tmp = tempfile::tempdir().unwrap();
    let run_dir = tiny_run(tmp.path());
    let o = run(&[
        "interpret",
        run_dir.to_str().unwrap(),
        "--correlation",
        "1.5",
        "-o",
        tmp.path().join("none").to_str().unwrap(),
    ]);
    assert!(!o.status.success());
    assert!(String::from_utf8_lossy(&o.stderr).contains("no sequence passes"));
    assert!(!tmp.path().join("none").join("annotation.tsv").exists());
}

/// Mean Pearson correlation between the unit PWMs and the convolution weights of the
/// original checkpoint (the original's own filters give 0.86).
#[test]
fn pwms_of_the_original_checkpoint_follow_its_filters() {
    let fa = shared("chipseq/janggu_oct4_vs_mafk/sample_test.fa.gz");
    let tmp = tempfile::tempdir().unwrap();
    let model = import_original(tmp.path());
    let out = tmp.path().join("interp");
    ok(&run(&[
        "interpret",
        model.to_str().unwrap(),
        fa.to_str().unwrap(),
        "-o",
        out.to_str().unwrap(),
    ]));
    let mf = explainn_nn::checkpoint::load(&model, &explainn_nn::default_device()).unwrap();
    let (shape, w) = mf.model.to_tensors()["linears.0.weight"].clone();
    let (units, f) = (shape[0], shape[2]);
    let set = explainn_motif::io::meme::read_meme_file(out.join("filters.meme")).unwrap();
    let mut rs = Vec::new();
    for (u, m) in set.motifs.iter().enumerate() {
        assert_eq!(m.width(), f);
        if m.nsites == Some(0.0) {
            continue;
        }
        let a: Vec<f64> = m.rows.iter().flat_map(|r| r.iter().copied()).collect();
        let b: Vec<f64> = (0..f)
            .flat_map(|k| (0..4).map(move |c| (c, k)))
            .map(|(c, k)| w[(u * 4 + c) * f + k] as f64)
            .collect();
        rs.push(explainn_nn::metrics::pearson(&a, &b));
    }
    let mean = rs.iter().sum::<f64>() / rs.len() as f64;
    eprintln!(
        "PWM vs conv weights: mean Pearson {mean:.3} over {} of {units} units",
        rs.len()
    );
    assert!(mean > 0.6, "mean PWM/filter correlation {mean}");
}

/// The original ExplaiNN checkpoint (MAX, FOXA1, JUND; 100 units, 200 bp), imported.
fn import_original(dir: &Path) -> PathBuf {
    let model = dir.join("imported");
    ok(&run(&[
        "import",
        shared("explainn_fixtures/model_epoch_best_4.pth")
            .to_str()
            .unwrap(),
        "-o",
        model.to_str().unwrap(),
        "--length",
        "200",
        "--class-names",
        "MAX,FOXA1,JUND",
    ]));
    model
}

/// BED + genome input: the 25 CTCF peaks inside the bundled hg19 chr22 slice, interpreted
/// with the original checkpoint, bring out its CTCF-like unit.
#[test]
fn interpret_reads_bed_intervals_from_a_genome() {
    let tmp = tempfile::tempdir().unwrap();
    let model = import_original(tmp.path());
    let recs =
        explainn_seq::records::read_all(shared("chipseq/ctcf_pu1_100bp/ctcf.fa.gz")).unwrap();
    let mut bed = String::new();
    for r in &recs {
        let (chrom, range) = r.id.split_once(':').unwrap();
        let (s, e) = range.split_once('-').unwrap();
        let (s, e): (u64, u64) = (s.parse().unwrap(), e.parse().unwrap());
        if chrom == "chr22" && s >= 20_000_000 && e <= 21_000_000 {
            // The slice's one sequence is chr22:20,000,001-21,000,000.
            bed.push_str(&format!(
                "22:20000001-21000000\t{}\t{}\t{}\n",
                s - 20_000_000,
                e - 20_000_000,
                r.id
            ));
        }
    }
    let bed_path = tmp.path().join("ctcf.bed");
    std::fs::write(&bed_path, bed).unwrap();
    let genome = shared("genome/hg19_chr22_20000001-21000000.fa.gz");

    // explain reads the same intervals: its rows equal those of a FASTA of the peaks
    // re-centred to the model's 200 bp, cut here from the slice by hand.
    let slice = &explainn_seq::records::read_all(&genome).unwrap()[0].seq;
    let fasta = tmp.path().join("peaks.fa");
    let mut fa = String::new();
    for line in std::fs::read_to_string(&bed_path).unwrap().lines() {
        let f: Vec<&str> = line.split('\t').collect();
        let (s, e): (usize, usize) = (f[1].parse().unwrap(), f[2].parse().unwrap());
        let start = (s + e) / 2 - 100;
        let seq = String::from_utf8_lossy(&slice[start..start + 200]);
        fa.push_str(&format!(">{}\n{seq}\n", f[3]));
    }
    std::fs::write(&fasta, fa).unwrap();
    let (from_bed, from_fa) = (tmp.path().join("bed.tsv"), tmp.path().join("fa.tsv"));
    let m = model.to_str().unwrap();
    ok(&run(&[
        "explain",
        m,
        bed_path.to_str().unwrap(),
        "--genome",
        genome.to_str().unwrap(),
        "-o",
        from_bed.to_str().unwrap(),
    ]));
    ok(&run(&[
        "explain",
        m,
        fasta.to_str().unwrap(),
        "-o",
        from_fa.to_str().unwrap(),
    ]));
    let (a, b) = (
        std::fs::read_to_string(&from_bed).unwrap(),
        std::fs::read_to_string(&from_fa).unwrap(),
    );
    assert_eq!(a.lines().count(), b.lines().count());
    assert_eq!(a, b);

    // attribute on the intervals writes a bedGraph: sorted, one line per covered base, and
    // at every base covered by one interval the attribution of the FASTA run.
    let (att_bed, att_fa) = (tmp.path().join("att-bed"), tmp.path().join("att-fa"));
    for (input, out, genome_args) in [
        (
            &bed_path,
            &att_bed,
            vec!["--genome", genome.to_str().unwrap()],
        ),
        (&fasta, &att_fa, vec![]),
    ] {
        let mut args = vec![
            "attribute",
            m,
            input.to_str().unwrap(),
            "-o",
            out.to_str().unwrap(),
            "--method",
            "ism",
            "--target",
            "0",
        ];
        args.extend(genome_args);
        ok(&run(&args));
    }
    let scores = common::read_npy_f32(&att_fa.join("scores.npy"));
    let mut windows = Vec::new();
    for line in std::fs::read_to_string(&bed_path).unwrap().lines() {
        let f: Vec<&str> = line.split('\t').collect();
        let (s, e): (u64, u64) = (f[1].parse().unwrap(), f[2].parse().unwrap());
        windows.push((s + e) / 2 - 100);
    }
    let mut cover = std::collections::BTreeMap::<u64, Vec<(usize, usize)>>::new();
    for (k, &w) in windows.iter().enumerate() {
        for i in 0..200 {
            cover.entry(w + i as u64).or_default().push((k, i));
        }
    }
    let track = std::fs::read_to_string(att_bed.join("attributions.bedGraph")).unwrap();
    assert_eq!(track.lines().count(), cover.len());
    let mut checked = 0;
    for (line, (pos, who)) in track.lines().zip(&cover) {
        let f: Vec<&str> = line.split('\t').collect();
        assert_eq!(
            (f[0], f[1].parse::<u64>().unwrap()),
            ("22:20000001-21000000", *pos)
        );
        if let [(k, i)] = who[..] {
            let want: f32 = (0..4).map(|ch| scores[(k * 4 + ch) * 200 + i]).sum();
            let got: f32 = f[3].parse().unwrap();
            assert!(
                (got - want).abs() <= 1e-5 * want.abs().max(1.0),
                "{line}: {want}"
            );
            checked += 1;
        }
    }
    assert!(checked > 1000, "{checked}");
    // The bigWig holds the same values, base by base, over the genome's chromosome sizes.
    let mut bw = bigtools::BigWigRead::open_file(att_bed.join("attributions.bw")).unwrap();
    let chroms: Vec<(String, u32)> = bw
        .chroms()
        .iter()
        .map(|c| (c.name.clone(), c.length))
        .collect();
    assert_eq!(chroms, [("22:20000001-21000000".to_string(), 1_000_000)]);
    let values: Vec<bigtools::Value> = bw
        .get_interval("22:20000001-21000000", 0, 1_000_000)
        .unwrap()
        .map(|v| v.unwrap())
        .collect();
    assert_eq!(values.len(), track.lines().count());
    for (v, line) in values.iter().zip(track.lines()) {
        let f: Vec<&str> = line.split('\t').collect();
        assert_eq!(v.start as u64, f[1].parse::<u64>().unwrap());
        assert_eq!(v.end, v.start + 1);
        assert_eq!(v.value, f[3].parse::<f32>().unwrap(), "{line}");
    }

    let out = tmp.path().join("interp");
    ok(&run(&[
        "interpret",
        model.to_str().unwrap(),
        bed_path.to_str().unwrap(),
        "--genome",
        genome.to_str().unwrap(),
        "-o",
        out.to_str().unwrap(),
    ]));
    let annotation = std::fs::read_to_string(out.join("annotation.tsv")).unwrap();
    assert!(annotation.contains("CTCF-like"), "{annotation}");
}

/// One input policy: `predict`, `explain` and `interpret` refuse a sequence of another
/// length by name unless `--fit-length`, which centre-crops it.
#[test]
fn sequences_of_another_length_need_fit_length() {
    let tmp = tempfile::tempdir().unwrap();
    let run_dir = tiny_run(tmp.path());
    let r = run_dir.to_str().unwrap();
    let fa = tmp.path().join("long.fa");
    let long = "ACGT".repeat(17) + "AC"; // 70 bp, the model has 60
    std::fs::write(&fa, format!(">ok\n{}\n>long1\n{long}\n", &long[5..65])).unwrap();
    let f = fa.to_str().unwrap();
    let o = |name: &str| tmp.path().join(name).to_str().unwrap().to_string();
    for args in [
        vec!["predict", r, f, "-o", &o("p")],
        vec!["explain", r, f, "-o", &o("e.tsv")],
        vec!["interpret", r, f, "-o", &o("i")],
    ] {
        common::assert_fails(&run(&args), "`long1` has length 70");
        assert!(
            !tmp.path().join(args[4]).exists(),
            "{} left an output",
            args[0]
        );
        let mut fit = args.clone();
        fit.push("--fit-length");
        ok(&run(&fit));
    }
    // Cropped to the centre, `long1` is `ok`: their contributions are the same.
    let text = std::fs::read_to_string(o("e.tsv")).unwrap();
    let rows = |id: &str| -> Vec<String> {
        text.lines()
            .filter(|l| l.starts_with(&format!("{id}\t")))
            .map(|l| l.split_once('\t').unwrap().1.to_string())
            .collect()
    };
    assert_eq!(rows("ok"), rows("long1"));
}

/// A baseline is interpreted by first-layer filter visualisation: one PWM, annotation row
/// and logo per filter, and a summary that says which analysis ran.
#[test]
fn interpret_visualises_the_filters_of_a_baseline() {
    let tmp = tempfile::tempdir().unwrap();
    let (train, valid) = (tmp.path().join("train.tsv"), tmp.path().join("valid.tsv"));
    write_tsv(&train, 300, 21);
    write_tsv(&valid, 60, 22);
    let run_dir = tmp.path().join("cnn");
    let r = run_dir.to_str().unwrap();
    ok(&run(&[
        "train",
        train.to_str().unwrap(),
        valid.to_str().unwrap(),
        "-o",
        r,
        "--arch",
        "cnn1",
        "--conv-filters",
        "6",
        "--conv-widths",
        "7",
        "--dense-widths",
        "16,16",
        "--max-epochs",
        "2",
        "--threads",
        "1",
    ]));
    // An ExplaiNN interpretation already in the output: none of its unit tables survive.
    let other = tmp.path().join("other");
    std::fs::create_dir(&other).unwrap();
    let explainn_run = tiny_run(&other);
    let out = run_dir.join("interpret");
    ok(&run(&[
        "interpret",
        explainn_run.to_str().unwrap(),
        "--all",
        "-o",
        out.to_str().unwrap(),
        "--threads",
        "1",
    ]));
    assert!(out.join("importance.tsv").exists() && out.join("plots").exists());
    let o = run(&["interpret", r, "--all", "--threads", "1"]);
    ok(&o);
    let stdout = String::from_utf8_lossy(&o.stdout);
    assert!(
        stdout.starts_with("rank\tfilter\tlabel\tq_value\tnsites\n"),
        "{stdout}"
    );
    assert!(String::from_utf8_lossy(&o.stderr).contains("unit importance needs an ExplaiNN model"));
    let out = run_dir.join("interpret");
    let meme = std::fs::read_to_string(out.join("filters.meme")).unwrap();
    assert_eq!(
        meme.matches("letter-probability matrix: alength= 4 w= 7 ")
            .count(),
        6
    );
    let ann = std::fs::read_to_string(out.join("annotation.tsv")).unwrap();
    assert_eq!(ann.lines().count(), 7);
    assert_eq!(std::fs::read_dir(out.join("logos")).unwrap().count(), 6);
    let summary = std::fs::read_to_string(out.join("summary.json")).unwrap();
    assert!(summary.contains("first-layer filter visualisation") && summary.contains("\"cnn1\""));
    for stale in [
        "importance.tsv",
        "weights.tsv",
        "importance.long.tsv.gz",
        "plots",
    ] {
        assert!(
            !out.join(stale).exists(),
            "{stale} of the earlier interpretation left"
        );
    }
    // Attributions of a baseline: exact DeepLIFT (deltas written) and ISM.
    let v = valid.to_str().unwrap();
    let att = tmp.path().join("cnn-att");
    let a = att.to_str().unwrap();
    ok(&run(&[
        "attribute",
        r,
        v,
        "-o",
        a,
        "--method",
        "deeplift",
        "--target",
        "gata",
    ]));
    assert_eq!(
        std::fs::read_to_string(att.join("deltas.tsv"))
            .unwrap()
            .lines()
            .count(),
        61
    );
    ok(&run(&[
        "attribute",
        r,
        v,
        "-o",
        a,
        "--method",
        "ism",
        "--target",
        "gata",
    ]));
    assert!(att.join("scores.npy").exists());
}

/// Results never mix: interpreting into a directory that holds an earlier interpretation
/// leaves only this one's logos and plots; bad output paths fail at once.
#[test]
fn interpretations_do_not_mix_and_bad_outputs_fail_first() {
    let tmp = tempfile::tempdir().unwrap();
    let run4 = tiny_run(tmp.path());
    let run3 = tiny_run_named(tmp.path(), "run3", "3");
    let valid = tmp.path().join("valid.tsv");
    let out = tmp.path().join("shared-out");
    let o = out.to_str().unwrap();
    ok(&run(&[
        "interpret",
        run4.to_str().unwrap(),
        "--all",
        "-o",
        o,
        "--threads",
        "1",
    ]));
    assert_eq!(std::fs::read_dir(out.join("logos")).unwrap().count(), 4);
    ok(&run(&[
        "interpret",
        run3.to_str().unwrap(),
        "--all",
        "-o",
        o,
        "--threads",
        "1",
    ]));
    assert_eq!(
        std::fs::read_dir(out.join("logos")).unwrap().count(),
        3,
        "stale logos left"
    );
    let w = std::fs::read_to_string(out.join("weights.tsv")).unwrap();
    assert_eq!(w.lines().count(), 4);
    // A file explainn did not write is never deleted: the replacement is refused (issue
    // 36), and no hidden sibling is left beside it.
    std::fs::write(out.join("extra.txt"), "x").unwrap();
    common::assert_fails(
        &run(&[
            "interpret",
            run3.to_str().unwrap(),
            "--all",
            "-o",
            o,
            "--threads",
            "1",
        ]),
        "holds files explainn did not write (extra.txt)",
    );
    assert!(out.join("extra.txt").exists());
    std::fs::remove_file(out.join("extra.txt")).unwrap();
    ok(&run(&[
        "interpret",
        run3.to_str().unwrap(),
        "--all",
        "-o",
        o,
        "--threads",
        "1",
    ]));
    let hidden: Vec<_> = std::fs::read_dir(tmp.path())
        .unwrap()
        .filter_map(|e| e.ok())
        .filter(|e| e.file_name().to_string_lossy().starts_with('.'))
        .collect();
    assert!(hidden.is_empty(), "{hidden:?}");
    // A directory of the user's own files is never replaced: refused before any work.
    let mine = tmp.path().join("mine");
    std::fs::create_dir(&mine).unwrap();
    std::fs::write(mine.join("notes.txt"), "keep").unwrap();
    common::assert_fails(
        &run(&[
            "interpret",
            run3.to_str().unwrap(),
            "--all",
            "-o",
            mine.to_str().unwrap(),
        ]),
        "does not hold an interpretation",
    );
    assert_eq!(std::fs::read_dir(&mine).unwrap().count(), 1);
    // The annotation now belongs to run3: explain refuses it for run4.
    let ann = out.join("annotation.tsv");
    let v = valid.to_str().unwrap();
    common::assert_fails(
        &run(&[
            "explain",
            run4.to_str().unwrap(),
            v,
            "--annotation",
            ann.to_str().unwrap(),
        ]),
        "made for another model",
    );
    // So does report, for the interpretation and for test metrics of another model.
    let html = tmp.path().join("r.html");
    common::assert_fails(
        &run(&[
            "report",
            run4.to_str().unwrap(),
            "--interpret",
            o,
            "-o",
            html.to_str().unwrap(),
        ]),
        "made for another model",
    );
    let t3 = tmp.path().join("t3");
    ok(&run(&[
        "test",
        run3.to_str().unwrap(),
        v,
        "-o",
        t3.to_str().unwrap(),
    ]));
    ok(&run(&[
        "interpret",
        run4.to_str().unwrap(),
        "--all",
        "--threads",
        "1",
    ]));
    common::assert_fails(
        &run(&[
            "report",
            run4.to_str().unwrap(),
            "--metrics",
            t3.join("metrics.tsv").to_str().unwrap(),
            "-o",
            html.to_str().unwrap(),
        ]),
        "the test metrics",
    );
    assert!(!html.exists());
    let e = tmp.path().join("e.tsv");
    ok(&run(&[
        "explain",
        run3.to_str().unwrap(),
        v,
        "--annotation",
        ann.to_str().unwrap(),
        "-o",
        e.to_str().unwrap(),
    ]));

    // An output path under a file, or a directory where a file is expected: refused at
    // once, nothing left behind.
    let file = tmp.path().join("plain.txt");
    std::fs::write(&file, "x").unwrap();
    let bad = file.join("sub");
    common::assert_fails(
        &run(&[
            "interpret",
            run3.to_str().unwrap(),
            "--all",
            "-o",
            bad.to_str().unwrap(),
        ]),
        "plain.txt: is a file, so no directory can be written inside it",
    );
    let meme = out.join("filters.meme");
    let dir = tmp.path().join("adir");
    std::fs::create_dir(&dir).unwrap();
    common::assert_fails(
        &run(&[
            "tomtom",
            meme.to_str().unwrap(),
            "-o",
            dir.to_str().unwrap(),
        ]),
        "is a directory",
    );
    assert_eq!(std::fs::read_dir(&dir).unwrap().count(), 0);
    common::assert_fails(
        &run(&[
            "report",
            run3.to_str().unwrap(),
            "-o",
            dir.to_str().unwrap(),
        ]),
        "is a directory",
    );
}
