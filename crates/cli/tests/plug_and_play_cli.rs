//! Issue 14, plug-and-play: motif-initialised units (`--init-motifs`), frozen filters
//! that stay bit-identical, the units' origin in the model file and `initial_motifs.tsv`,
//! and clear errors for motif sets that cannot initialise the model.

mod common;

use common::{Class, assert_fails, ok, run, write_motif_tsv};
use explainn_run::init::{InitScale, MotifInit, MotifSource};
use std::path::{Path, PathBuf};

const MEME: &str = "MEME version 4\n\nALPHABET= ACGT\n\nstrands: + -\n\n\
Background letter frequencies\nA 0.25 C 0.25 G 0.25 T 0.25\n\n\
MOTIF gataa GATA-like\nletter-probability matrix: alength= 4 w= 5 nsites= 20 E= 0\n\
0.9 0.03 0.03 0.04\n0.02 0.02 0.94 0.02\n0.95 0.01 0.02 0.02\n0.02 0.02 0.02 0.94\n0.9 0.04 0.03 0.03\n\n\
MOTIF ebox Ebox\nletter-probability matrix: alength= 4 w= 6 nsites= 20 E= 0\n\
0.05 0.85 0.05 0.05\n0.9 0.04 0.03 0.03\n0.05 0.85 0.05 0.05\n0.05 0.05 0.85 0.05\n0.05 0.05 0.05 0.85\n0.05 0.05 0.85 0.05\n";

/// Small, quick model and training settings shared by these tests.
const TINY: [&str; 9] = [
    "--filter-size",
    "8",
    "--hidden",
    "4",
    "--max-epochs",
    "2",
    "--batch-size",
    "16",
    "-q",
];

fn data(dir: &Path) -> (PathBuf, PathBuf) {
    let classes = [
        Class {
            name: "gata",
            motif: Some(b"AGATAAG"),
            starts: 5..20,
        },
        Class {
            name: "ebox",
            motif: Some(b"CACGTG"),
            starts: 25..35,
        },
    ];
    let (t, v) = (dir.join("t.tsv"), dir.join("v.tsv"));
    write_motif_tsv(&t, 128, 50, 3, &classes);
    write_motif_tsv(&v, 32, 50, 4, &classes);
    (t, v)
}

fn train(dir: &Path, name: &str, extra: &[&str]) -> (std::process::Output, PathBuf) {
    train_on(dir, name, "1", extra)
}

fn train_on(
    dir: &Path,
    name: &str,
    threads: &str,
    extra: &[&str],
) -> (std::process::Output, PathBuf) {
    let (t, v) = data(dir);
    let out = dir.join(name);
    let mut args = vec![
        "train",
        t.to_str().unwrap(),
        v.to_str().unwrap(),
        "-o",
        out.to_str().unwrap(),
        "--threads",
        threads,
    ];
    args.extend_from_slice(&TINY);
    args.extend_from_slice(extra);
    (run(&args), out)
}

fn filters(run_dir: &Path) -> (explainn_nn::ModelMetadata, Vec<f32>) {
    let mf = explainn_nn::checkpoint::load(&run_dir.join("model.safetensors"), &Default::default())
        .unwrap();
    let t = mf.model.to_tensors();
    (mf.metadata, t["linears.0.weight"].1.clone())
}

#[test]
fn frozen_motif_filters_stay_bit_identical_and_units_know_their_motif() {
    let dir = tempfile::tempdir().unwrap();
    let meme = dir.path().join("m.meme");
    std::fs::write(&meme, MEME).unwrap();
    let m = meme.to_str().unwrap();
    let init = MotifInit::read(
        &MotifSource::File(meme.clone()),
        &[],
        true,
        InitScale::Probability,
    )
    .unwrap();
    let expected: Vec<f32> = (0..4).flat_map(|u| init.filter(u, 8).unwrap()).collect();

    let args = ["--init-motifs", m, "--init-both-strands", "--units", "6"];
    let frozen: Vec<&str> = args
        .iter()
        .copied()
        .chain(["--freeze", "filters"])
        .collect();
    let (o, run_frozen) = train(dir.path(), "frozen", &frozen);
    ok(&o);
    let (meta, w) = filters(&run_frozen);
    assert_eq!(w.len(), 6 * 4 * 8);
    let bits = |v: &[f32]| v.iter().map(|x| x.to_bits()).collect::<Vec<_>>();
    assert_eq!(
        bits(&w[..4 * 32]),
        bits(&expected),
        "frozen filters changed"
    );
    let labels: Vec<Option<String>> = meta.units.iter().map(|u| u.motif_label()).collect();
    assert_eq!(
        labels,
        [
            Some("gataa GATA-like".to_string()),
            Some("gataa GATA-like (rc)".to_string()),
            Some("ebox Ebox".to_string()),
            Some("ebox Ebox (rc)".to_string()),
            None,
            None
        ]
    );

    // Unfrozen, the same start moves.
    let (o, run_free) = train(dir.path(), "free", &args);
    ok(&o);
    let (_, w) = filters(&run_free);
    assert_ne!(bits(&w[..4 * 32]), bits(&expected));

    // interpret names each initialised unit's starting motif.
    let o = run(&[
        "interpret",
        run_free.to_str().unwrap(),
        "--motifs",
        m,
        "-q",
        "--threads",
        "1",
    ]);
    ok(&o);
    let table = std::fs::read_to_string(run_free.join("interpret/initial_motifs.tsv")).unwrap();
    let rows: Vec<&str> = table.lines().collect();
    assert_eq!(rows.len(), 5, "{table}");
    assert!(rows[0].starts_with("unit\tinitial_motif\tinitial_q_value\tstatus"));
    assert!(rows[3].starts_with("unit2\tebox Ebox\t"), "{table}");
    let weights = std::fs::read_to_string(run_free.join("interpret/weights.tsv")).unwrap();
    let labels: Vec<&str> = weights
        .lines()
        .skip(1)
        .map(|l| l.split('\t').nth(1).unwrap())
        .collect();
    assert!(labels[2].ends_with("(from Ebox)"), "{labels:?}");
    assert!(labels[3].ends_with("(from Ebox rc)"), "{labels:?}");
    assert!(!labels[4].contains("(from"), "{labels:?}");
    for r in &rows[1..] {
        let status = r.split('\t').nth(3).unwrap();
        assert!(status == "matches" || status == "differs", "{r}");
    }
}

#[test]
fn motif_sets_that_cannot_initialise_are_errors_and_write_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let meme = dir.path().join("m.meme");
    std::fs::write(&meme, MEME).unwrap();
    let m = meme.to_str().unwrap();
    let empty = dir.path().join("empty.meme");
    std::fs::write(&empty, "MEME version 4\n\nALPHABET= ACGT\n").unwrap();
    let wide = dir.path().join("wide.meme");
    let rows = "0.97 0.01 0.01 0.01\n".repeat(12);
    let text = format!(
        "MEME version 4\n\nALPHABET= ACGT\n\nMOTIF wide\nletter-probability matrix: w= 12\n{rows}"
    );
    std::fs::write(&wide, text).unwrap();
    let cases: [(&[&str], &str); 5] = [
        (&["--init-motifs", empty.to_str().unwrap()], "no motifs"),
        (
            &["--init-motifs", m, "--units", "1"],
            "--units 1 is below the 2 units",
        ),
        (
            &["--init-motifs", m, "--init-ids", "nope"],
            "motif `nope` is not in",
        ),
        (
            &["--freeze", "filters"],
            "--freeze filters keeps the motif-initialised filters",
        ),
        (
            &["--init-motifs", wide.to_str().unwrap()],
            "does not fit a filter of width 8",
        ),
    ];
    for (i, (extra, needle)) in cases.iter().enumerate() {
        let name = format!("r{i}");
        let (o, out) = train(dir.path(), &name, extra);
        assert_fails(&o, needle);
        assert!(!out.exists(), "{name} left {}", out.display());
    }
}

/// `(id, class) → mean logit` of `explainn predict RUN FASTA`.
fn logits(run_dir: &Path, fasta: &Path, out: &Path) -> Vec<f64> {
    let o = run(&[
        "predict",
        run_dir.to_str().unwrap(),
        fasta.to_str().unwrap(),
        "-o",
        out.to_str().unwrap(),
        "-q",
    ]);
    ok(&o);
    let f = std::fs::File::open(out.join("predictions.tsv.gz")).unwrap();
    let text = std::io::read_to_string(flate2::read::GzDecoder::new(f)).unwrap();
    let mut lines = text.lines();
    let header: Vec<&str> = lines.next().unwrap().split('\t').collect();
    let mean = header.iter().position(|h| *h == "mean").unwrap();
    lines
        .map(|l| l.split('\t').nth(mean).unwrap().parse().unwrap())
        .collect()
}

#[test]
fn an_ensemble_is_one_model_whose_logits_are_the_members_mean() {
    let dir = tempfile::tempdir().unwrap();
    let (o, ens) = train(dir.path(), "ens", &["--units", "3", "--ensemble", "3"]);
    ok(&o);
    let meta = explainn_nn::checkpoint::load(&ens, &Default::default())
        .unwrap()
        .metadata;
    assert_eq!(meta.explainn().unwrap().units, 9);
    let members: Vec<Option<usize>> = meta.units.iter().map(|u| u.member).collect();
    assert_eq!(members, [0, 0, 0, 1, 1, 1, 2, 2, 2].map(Some));

    let fasta = dir.path().join("s.fa");
    let t = std::fs::read_to_string(dir.path().join("t.tsv")).unwrap();
    let records: String = t
        .lines()
        .skip(1)
        .take(20)
        .map(|l| {
            let f: Vec<&str> = l.split('\t').collect();
            format!(">{}\n{}\n", f[0], f[1])
        })
        .collect();
    std::fs::write(&fasta, records).unwrap();
    let merged = logits(&ens, &fasta, &dir.path().join("p"));
    let each: Vec<Vec<f64>> = (1..=3)
        .map(|k| {
            let m = ens.join("members").join(k.to_string());
            logits(&m, &fasta, &dir.path().join(format!("p{k}")))
        })
        .collect();
    assert_eq!(merged.len(), 40);
    for i in 0..merged.len() {
        let mean = each.iter().map(|e| e[i]).sum::<f64>() / 3.0;
        assert!(
            (merged[i] - mean).abs() < 1e-5,
            "{i}: {} vs {mean}",
            merged[i]
        );
    }

    // Units keep their member tag in explain and interpret labels, and explain's rows of
    // the merged model add up to its logits.
    let e = run(&[
        "explain",
        ens.to_str().unwrap(),
        fasta.to_str().unwrap(),
        "-q",
    ]);
    ok(&e);
    let text = String::from_utf8_lossy(&e.stdout);
    assert!(
        text.contains("\tunit8\tunit 8 [m3]\t"),
        "{}",
        &text[..300.min(text.len())]
    );
    assert_explain_sums(&text, 40);
    ok(&run(&[
        "interpret",
        ens.to_str().unwrap(),
        "-q",
        "--threads",
        "1",
    ]));
    let w = std::fs::read_to_string(ens.join("interpret/weights.tsv")).unwrap();
    for k in 1..=3 {
        assert_eq!(w.matches(&format!(" [m{k}]\t")).count(), 3, "{w}");
    }

    // `merge` of the members gives the same model; models that differ are refused.
    let m: Vec<String> = (1..=3)
        .map(|k| {
            ens.join("members")
                .join(k.to_string())
                .display()
                .to_string()
        })
        .collect();
    let again = dir.path().join("again");
    let o = run(&[
        "merge",
        &m[0],
        &m[1],
        &m[2],
        "-o",
        again.to_str().unwrap(),
        "-q",
    ]);
    ok(&o);
    assert_eq!(logits(&again, &fasta, &dir.path().join("pa")), merged);
    let other = dir.path().join("other");
    let o = run(&[
        "train",
        dir.path().join("t.tsv").to_str().unwrap(),
        dir.path().join("v.tsv").to_str().unwrap(),
        "-o",
        other.to_str().unwrap(),
        "--units",
        "2",
        "--filter-size",
        "6",
        "--hidden",
        "4",
        "--max-epochs",
        "1",
        "-q",
    ]);
    ok(&o);
    let bad = dir.path().join("bad");
    let o = run(&[
        "merge",
        &m[0],
        other.to_str().unwrap(),
        "-o",
        bad.to_str().unwrap(),
    ]);
    assert_fails(&o, "model 2 differs from model 1");
    assert!(!bad.exists());
}

#[test]
fn finetune_keeps_frozen_units_and_takes_new_classes() {
    let dir = tempfile::tempdir().unwrap();
    let (o, base) = train(dir.path(), "base", &["--units", "3"]);
    ok(&o);
    let classes = [Class {
        name: "new",
        motif: Some(b"TTGCGCAA"),
        starts: 10..30,
    }];
    let (t, v) = (dir.path().join("ft.tsv"), dir.path().join("fv.tsv"));
    write_motif_tsv(&t, 96, 50, 8, &classes);
    write_motif_tsv(&v, 32, 50, 9, &classes);
    let out = dir.path().join("ft");
    let args = |out: &Path, t: &Path| {
        vec![
            "finetune".to_string(),
            base.display().to_string(),
            t.display().to_string(),
            v.display().to_string(),
            "-o".into(),
            out.display().to_string(),
            "--freeze".into(),
            "units".into(),
            "--max-epochs".into(),
            "2".into(),
            "--threads".into(),
            "1".into(),
            "-q".into(),
        ]
    };
    let a = args(&out, &t);
    let o = run(&a.iter().map(String::as_str).collect::<Vec<_>>());
    ok(&o);
    let before = explainn_nn::checkpoint::load(&base, &Default::default()).unwrap();
    let after = explainn_nn::checkpoint::load(&out, &Default::default()).unwrap();
    assert_eq!(after.metadata.class_names, ["new"]);
    let (tb, ta) = (before.model.to_tensors(), after.model.to_tensors());
    let mut compared = 0;
    for (name, (shape, values)) in &tb {
        // BatchNorm running statistics still follow the new data (as with the original's
        // `finetune.py --freeze`, PyTorch's requires_grad=False); parameters stay.
        if name.starts_with("final.") || name.contains(".running_") {
            continue;
        }
        let (s, v) = &ta[name];
        assert_eq!(s, shape, "{name}");
        let bits = |x: &[f32]| x.iter().map(|f| f.to_bits()).collect::<Vec<_>>();
        assert_eq!(bits(v), bits(values), "{name} changed under --freeze units");
        compared += 1;
    }
    assert!(compared >= 8, "{compared} tensors compared");
    assert_eq!(ta["final.weight"].0, vec![1, 3]);

    // Another input length is refused before anything is written.
    let short = dir.path().join("short.tsv");
    write_motif_tsv(&short, 32, 40, 10, &classes);
    let bad = dir.path().join("bad");
    let a = args(&bad, &short);
    let o = run(&a.iter().map(String::as_str).collect::<Vec<_>>());
    assert_fails(&o, "length");
    assert!(!bad.exists());
}

#[test]
fn export_writes_the_original_pytorch_files_and_round_trips() {
    let dir = tempfile::tempdir().unwrap();
    let (out, model) = train(dir.path(), "run", &["--units", "3"]);
    ok(&out);
    let exp = dir.path().join("torch");
    let e = exp.to_str().unwrap();
    let warned = run(&["export", model.to_str().unwrap(), "-o", e]);
    ok(&warned);
    // --hidden 4 cannot be loaded by the original class (it hard-codes 100): said so.
    let err = String::from_utf8_lossy(&warned.stderr);
    assert!(err.contains("hard-codes 100"), "{err}");
    let params: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(exp.join("parameters-train.py.json")).unwrap(),
    )
    .unwrap();
    assert_eq!(params["num_units"], 3);
    assert_eq!(params["input_length"], 50);
    assert_eq!(params["filter_size"], 8);
    assert_eq!(params["criterion"], "bcewithlogits");
    let tsv = std::fs::read_to_string(exp.join("tensors.tsv")).unwrap();
    assert!(
        tsv.starts_with("name\tshape\tdtype\nlinears.0.weight\t(3, 4, 8)\tfloat32\n"),
        "{tsv}"
    );
    assert!(
        tsv.contains("linears.1.num_batches_tracked\t()\tint64\n"),
        "{tsv}"
    );
    // The .pth reads back (burn's PyTorch reader) to the very tensors of the model.
    let (map, steps) = explainn_nn::import::read_state_dict(&exp.join("model.pth")).unwrap();
    let mf = explainn_nn::checkpoint::load(&model, &Default::default()).unwrap();
    assert_eq!(map, mf.model.to_tensors());
    assert_eq!(steps, mf.metadata.steps);
    assert!(steps > 0);
    // ... and `explainn import` of the export predicts exactly as the model.
    let back = dir.path().join("back");
    ok(&run(&[
        "import",
        exp.join("model.pth").to_str().unwrap(),
        "--params",
        exp.join("parameters-train.py.json").to_str().unwrap(),
        "-o",
        back.to_str().unwrap(),
    ]));
    let fasta = dir.path().join("probe.fa");
    std::fs::write(&fasta, ">a\nACGTGATAAGCACGTGTTTTACGATCGATCGGGGATATATCGCGCGATAT\n>b\nGATAAGATAAGATAAGCACGTGCACGTGTTTTTTTTTTAAAAAAAAAACC\n").unwrap();
    let a = logits(&model, &fasta, &dir.path().join("pa"));
    let b = logits(&back, &fasta, &dir.path().join("pb"));
    assert_eq!(a, b);
    // An existing export is not overwritten without --force; a bad model writes nothing.
    assert_fails(
        &run(&["export", model.to_str().unwrap(), "-o", e]),
        "already exists",
    );
    ok(&run(&[
        "export",
        model.to_str().unwrap(),
        "-o",
        e,
        "--force",
    ]));
    let none = dir.path().join("none");
    assert_fails(
        &run(&[
            "export",
            dir.path().join("missing").to_str().unwrap(),
            "-o",
            none.to_str().unwrap(),
        ]),
        "cannot load model",
    );
    assert!(!none.exists());
}

/// Check `explain` output: for each of the `pairs` (sequence, class) rows the unit
/// contributions plus the bias add up to the logit within 1e-5. Returns the unit labels.
fn assert_explain_sums(text: &str, pairs: usize) -> std::collections::BTreeSet<String> {
    let mut sums: std::collections::HashMap<(String, String), (f64, f64)> = Default::default();
    let mut labels = std::collections::BTreeSet::new();
    for l in text.lines().skip(1) {
        let f: Vec<&str> = l.split('\t').collect();
        let v: f64 = f[4].parse().unwrap();
        let e = sums.entry((f[0].into(), f[1].into())).or_default();
        match f[2] {
            "logit" => e.1 = v,
            "bias" => e.0 += v,
            _ => {
                e.0 += v;
                labels.insert(f[3].to_string());
            }
        }
    }
    assert_eq!(sums.len(), pairs);
    for ((id, c), (sum, logit)) in sums {
        assert!((sum - logit).abs() < 1e-5, "{id} {c}: {sum} vs {logit}");
    }
    labels
}

/// Keep the label column `k` of a labelled TSV (a single-task set of the same sequences).
fn one_task(src: &Path, k: usize, dst: &Path) {
    let text = std::fs::read_to_string(src).unwrap();
    let out: String = text
        .lines()
        .map(|l| {
            let f: Vec<&str> = l.split('\t').collect();
            format!("{}\t{}\t{}\n", f[0], f[1], f[2 + k])
        })
        .collect();
    std::fs::write(dst, out).unwrap();
}

#[test]
fn pretrained_models_become_frozen_named_units_under_a_nam_head() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let (t, v) = data(d);
    let units = d.join("units");
    let tiny = [&["--units", "3", "--threads", "1"][..], &TINY[..]].concat();
    for (k, name) in ["gata", "ebox"].iter().enumerate() {
        let (tk, vk) = (
            d.join(format!("{name}.t.tsv")),
            d.join(format!("{name}.v.tsv")),
        );
        one_task(&t, k, &tk);
        one_task(&v, k, &vk);
        let out = units.join(name);
        let mut args = vec![
            "train",
            tk.to_str().unwrap(),
            vk.to_str().unwrap(),
            "-o",
            out.to_str().unwrap(),
        ];
        args.extend_from_slice(&tiny);
        ok(&run(&args));
    }
    let stacked = d.join("stacked");
    let s = stacked.to_str().unwrap();
    let base = [
        "train",
        t.to_str().unwrap(),
        v.to_str().unwrap(),
        "-o",
        s,
        "--max-epochs",
        "2",
        "--batch-size",
        "16",
        "--threads",
        "1",
        "-q",
        "--head",
        "nam",
        "--units-from",
    ];
    let mut args = base.to_vec();
    args.push(units.to_str().unwrap());
    ok(&run(&args));

    // The units are the members, bit for bit, named after their run directories.
    let mf = explainn_nn::checkpoint::load(&stacked, &Default::default()).unwrap();
    let stack = mf.model.stack().expect("a model of pretrained units");
    let names: Vec<&str> = stack
        .config()
        .members
        .iter()
        .map(|m| m.name.as_str())
        .collect();
    assert_eq!(names, ["ebox", "gata"]); // a directory's models in name order
    let tensors = mf.model.to_tensors();
    for (k, name) in names.iter().enumerate() {
        let member = explainn_nn::checkpoint::load(&units.join(name), &Default::default()).unwrap();
        for (n, t) in member.model.to_tensors() {
            assert_eq!(tensors[&format!("units.{k}.{n}")], t, "{name}: {n} changed");
        }
    }
    assert!(tensors.contains_key("linear.4.weight"), "NAM head tensors");

    // explain: contributions of the named units add up to the logit.
    let fasta = d.join("probe.fa");
    std::fs::write(&fasta, ">a\nACGTGATAAGCACGTGTTTTACGATCGATCGGGGATATATCGCGCGATAT\n>b\nGATAAGATAAGATAAGCACGTGCACGTGTTTTTTTTTTAAAAAAAAAACC\n").unwrap();
    let e = run(&["explain", s, fasta.to_str().unwrap(), "-q"]);
    ok(&e);
    let text = String::from_utf8_lossy(&e.stdout);
    for label in assert_explain_sums(&text, 4) {
        assert!(names.contains(&label.as_str()), "label {label}");
    }
    // gia names the pretrained units as explain does, before any interpretation (it
    // said "unit 0", "unit 1"; issue 36).
    let gia = d.join("gia");
    ok(&run(&[
        "gia",
        s,
        "--insert",
        "GATAAG",
        "--n",
        "20",
        "-o",
        gia.to_str().unwrap(),
        "-q",
    ]));
    let units_tsv = std::fs::read_to_string(gia.join("insert_units.tsv")).unwrap();
    assert!(
        units_tsv.contains("\tgata\t")
            && units_tsv.contains("\tebox\t")
            && !units_tsv.contains("unit 0"),
        "{units_tsv}"
    );
    // interpret: weights and importance of the named units.
    ok(&run(&["interpret", s, "-q", "--threads", "1"]));
    let imp = std::fs::read_to_string(stacked.join("interpret/importance.tsv")).unwrap();
    assert!(
        imp.starts_with("unit\tlabel\tn_activating\tgata\tebox\n"),
        "{imp}"
    );
    assert_eq!(imp.lines().count(), 3, "{imp}");
    for n in names {
        assert!(imp.contains(&format!("\t{n}\t")), "{imp}");
    }
    // With a test set recorded, the report still builds (no gradients through pretrained
    // units: no attribution section), and gradient attributions say why they cannot run.
    ok(&run(&[
        "test",
        s,
        v.to_str().unwrap(),
        "-o",
        stacked.join("test").to_str().unwrap(),
        "-q",
    ]));
    ok(&run(&["report", s, "-q"]));
    let html = std::fs::read_to_string(stacked.join("report.html")).unwrap();
    assert!(html.contains("pretrained") && html.contains("ebox"));
    assert!(!html.contains("<h2>Attributions</h2>"));
    let att = d.join("att").to_str().unwrap().to_string();
    common::assert_fails(
        &run(&[
            "attribute",
            s,
            fasta.to_str().unwrap(),
            "-o",
            &att,
            "--method",
            "saliency",
            "--target",
            "gata",
        ]),
        "not available for models of pretrained units",
    );
    ok(&run(&[
        "attribute",
        s,
        fasta.to_str().unwrap(),
        "-o",
        &att,
        "--method",
        "ism",
        "--target",
        "gata",
    ]));

    // Refusals: a multi-output unit, a unit of another length, flags that do not apply.
    let bad = d.join("bad");
    let mut args = base.to_vec();
    args[4] = bad.to_str().unwrap();
    let two = stacked.to_str().unwrap().to_string();
    args.push(&two);
    assert_fails(&run(&args), "single-output");
    assert!(!bad.exists());
    let mut args = base.to_vec();
    args[4] = bad.to_str().unwrap();
    let one = units.join("gata");
    args.extend_from_slice(&[one.to_str().unwrap(), "--units", "4"]);
    assert_fails(&run(&args), "do not apply");
    assert!(!bad.exists());
}

#[test]
fn ensemble_members_trained_side_by_side_equal_those_trained_in_turn() {
    let dir = tempfile::tempdir().unwrap();
    let (o, seq) = train(dir.path(), "seq", &["--units", "2", "--ensemble", "2"]);
    ok(&o); // --threads 1, one member after the other
    // two members at once on 2 threads: 1 thread each
    let extra = ["--units", "2", "--ensemble", "2", "--ensemble-jobs", "2"];
    let (o, par) = train_on(dir.path(), "par", "2", &extra);
    ok(&o);
    for k in ["1", "2"] {
        let load = |r: &Path| {
            explainn_nn::checkpoint::load(&r.join("members").join(k), &Default::default())
                .unwrap()
                .model
                .to_tensors()
        };
        assert_eq!(load(&seq), load(&par), "member {k}");
    }
    let load = |r: &Path| {
        explainn_nn::checkpoint::load(r, &Default::default())
            .unwrap()
            .model
            .to_tensors()
    };
    assert_eq!(load(&seq), load(&par), "merged");
    let (o, _) = train(
        dir.path(),
        "bad",
        &["--ensemble", "3", "--ensemble-jobs", "3"],
    );
    assert_fails(&o, "needs at least 3 threads");
}
