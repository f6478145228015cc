//! `explainn predict MODEL --genome G --tile STRIDE`: tracks along whole chromosomes equal
//! `predict` on the same windows cut out as BED intervals; unit tracks and the rest track
//! add up to the class track; bad input fails before anything is written.

mod common;
use common::*;
use std::io::Read;
use std::path::Path;

fn bigwig_values(path: &Path, chrom: &str, start: u32, end: u32) -> Vec<bigtools::Value> {
    let mut bw =
        bigtools::BigWigRead::open_file(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    bw.get_interval(chrom, start, end)
        .unwrap()
        .map(|v| v.unwrap())
        .collect()
}

/// `predictions.tsv.gz` rows as (id, class, mean).
fn predictions(dir: &Path) -> Vec<(String, String, f32)> {
    let mut text = String::new();
    flate2::read::GzDecoder::new(std::fs::File::open(dir.join("predictions.tsv.gz")).unwrap())
        .read_to_string(&mut text)
        .unwrap();
    text.lines()
        .skip(1)
        .map(|l| {
            let f: Vec<&str> = l.split('\t').collect();
            (f[0].to_string(), f[1].to_string(), f[4].parse().unwrap())
        })
        .collect()
}

/// `predict` of the windows `[s, s + length)` of `chrom` for `starts`, cut out of `genome`
/// as BED intervals (in `dir`): its rows as [`predictions`] gives them.
fn predict_windows(
    dir: &Path,
    model: &str,
    genome: &Path,
    chrom: &str,
    starts: &[u32],
    length: u32,
) -> Vec<(String, String, f32)> {
    let bed: String = starts
        .iter()
        .map(|s| format!("{chrom}\t{s}\t{}\n", s + length))
        .collect();
    let windows = dir.join("windows.bed");
    std::fs::write(&windows, bed).unwrap();
    let pred = dir.join("pred");
    ok(&run(&[
        "predict",
        model,
        windows.to_str().unwrap(),
        "--genome",
        genome.to_str().unwrap(),
        "-o",
        pred.to_str().unwrap(),
    ]));
    predictions(&pred)
}

#[test]
fn tiles_over_a_whole_chromosome_equal_predict_on_the_windows_cut_out() {
    let dir = tempfile::tempdir().unwrap();
    let run_dir = tiny_run(dir.path());
    let genome = shared("genome/sacCer3_chrIV.fa.gz");
    let out = dir.path().join("tracks");
    let (l, stride) = (60u32, 50u32);
    ok(&run(&[
        "predict",
        run_dir.to_str().unwrap(),
        "--genome",
        genome.to_str().unwrap(),
        "--tile",
        "50",
        "--bedgraph",
        "-o",
        out.to_str().unwrap(),
        "--threads",
        "2",
    ]));
    let summary: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("summary.json")).unwrap()).unwrap();
    let chrom_len = 1_531_933u32; // sacCer3 chrIV
    let expected = (chrom_len - l) / stride + 1;
    let windows = summary["windows"].as_u64().unwrap() + summary["skipped_n"].as_u64().unwrap();
    assert_eq!(windows, expected as u64, "every window counted once");
    // Bins tile the chromosome: contiguous, stride bases each.
    let values = bigwig_values(&out.join("gata.bw"), "chrIV", 0, chrom_len);
    assert_eq!(values.len() as u64, summary["windows"].as_u64().unwrap());
    assert_eq!(
        (values[0].start, values[0].end),
        (l / 2 - stride / 2, l / 2 + stride / 2)
    );
    for w in values.windows(2) {
        assert!(w[0].end <= w[1].start && w[1].end - w[1].start == stride);
    }
    // The bedGraph holds the same intervals and values.
    let bg = std::fs::read_to_string(out.join("gata.bedGraph")).unwrap();
    assert_eq!(bg.lines().count(), values.len());
    for (line, v) in bg.lines().zip(&values).step_by(997) {
        let f: Vec<&str> = line.split('\t').collect();
        assert_eq!(
            (f[1].parse::<u32>().unwrap(), f[2].parse::<u32>().unwrap()),
            (v.start, v.end)
        );
        assert!((f[3].parse::<f32>().unwrap() - v.value).abs() <= 1e-6);
    }
    // A sample of windows cut out as BED intervals and predicted one by one.
    let sample: Vec<u32> = (0..expected).step_by(211).map(|i| i * stride).collect();
    let rows = predict_windows(
        dir.path(),
        run_dir.to_str().unwrap(),
        &genome,
        "chrIV",
        &sample,
        l,
    );
    let mut checked = 0;
    for class in ["gata", "ebox"] {
        let mut bw = bigtools::BigWigRead::open_file(out.join(format!("{class}.bw"))).unwrap();
        for (s, (id, _, mean)) in sample.iter().zip(rows.iter().filter(|r| r.1 == class)) {
            assert_eq!(id, &format!("chrIV:{s}-{}", s + l));
            let centre = s + l / 2;
            let v: Vec<_> = bw
                .get_interval("chrIV", centre, centre + 1)
                .unwrap()
                .map(|v| v.unwrap())
                .collect();
            if v.is_empty() {
                continue; // skipped for N
            }
            assert!(
                (v[0].value - mean).abs() <= 1e-5,
                "{class} window at {s}: track {} vs predict {mean}",
                v[0].value
            );
            checked += 1;
        }
    }
    assert!(
        checked as u32 >= 2 * sample.len() as u32 * 9 / 10,
        "{checked}"
    );
    // The track hub and IGV session name every track.
    let db = std::fs::read_to_string(out.join("trackDb.txt")).unwrap();
    assert!(db.contains("bigDataUrl gata.bw") && db.contains("bigDataUrl ebox.bw"));
    let igv = std::fs::read_to_string(out.join("igv_session.xml")).unwrap();
    assert!(igv.contains("<Resource path=\"ebox.bw\"/>"));
    assert!(leftovers(dir.path()).is_empty());
}

#[test]
fn unit_tracks_and_the_rest_add_up_to_the_class_track() {
    let dir = tempfile::tempdir().unwrap();
    let run_dir = tiny_run(dir.path());
    let genome = shared("genome/hg19_chr22_20000001-21000000.fa.gz");
    let chrom = "22:20000001-21000000";
    // Two overlapping regions (merged) and one apart, out of order.
    let regions = dir.path().join("regions.bed");
    std::fs::write(
        &regions,
        format!("{chrom}\t500000\t520000\n{chrom}\t100000\t110000\n{chrom}\t105000\t112003\n"),
    )
    .unwrap();
    for (units, want) in [
        ("all", vec![0, 1, 2, 3]),
        ("top:2", vec![]),
        ("u1,u3", vec![1, 3]),
    ] {
        let out = dir
            .path()
            .join(format!("t_{}", units.replace([':', ','], "_")));
        ok(&run(&[
            "predict",
            run_dir.to_str().unwrap(),
            "--genome",
            genome.to_str().unwrap(),
            "--regions",
            regions.to_str().unwrap(),
            "--tile",
            "7",
            "--unit-tracks",
            units,
            "--max-n",
            "1", // the second region holds N runs: predicted too
            "-o",
            out.to_str().unwrap(),
        ]));
        for class in ["gata", "ebox"] {
            let udir = out.join("units").join(class);
            let mut found: Vec<usize> = std::fs::read_dir(&udir)
                .unwrap()
                .filter_map(|e| {
                    let n = e.unwrap().file_name().to_string_lossy().into_owned();
                    n.strip_prefix('u')?.strip_suffix(".bw")?.parse().ok()
                })
                .collect();
            found.sort_unstable();
            if want.is_empty() {
                assert_eq!(found.len(), 2, "top:2");
            } else {
                assert_eq!(found, want);
            }
            let total = bigwig_values(&out.join(format!("{class}.bw")), chrom, 0, 1_000_000);
            // windows at 100000 + 7k inside [100000, 112003), then inside [500000, 520000)
            let n1 = (12_003 - 60) / 7 + 1;
            let n2 = (20_000 - 60) / 7 + 1;
            assert_eq!(total.len(), n1 + n2);
            let mut sum: Vec<f32> = bigwig_values(&udir.join("rest.bw"), chrom, 0, 1_000_000)
                .iter()
                .map(|v| v.value)
                .collect();
            if units == "all" {
                // every unit has its track: the rest is the bias alone, the same everywhere
                // (the contributions add up to the logit by themselves)
                for r in &sum {
                    assert!(
                        (r - sum[0]).abs() <= 1e-5,
                        "{class}: rest {r} vs {}",
                        sum[0]
                    );
                }
            }
            for u in &found {
                let t = bigwig_values(&udir.join(format!("u{u}.bw")), chrom, 0, 1_000_000);
                assert_eq!(t.len(), total.len());
                for (s, v) in sum.iter_mut().zip(&t) {
                    *s += v.value;
                }
            }
            for (s, t) in sum.iter().zip(&total) {
                assert!((s - t.value).abs() <= 1e-5, "{class}: {s} vs {}", t.value);
            }
        }
    }
    // On the chr22 slice too, the class track equals `predict` on the windows cut out
    // (a sample of both regions, N runs included).
    let starts: Vec<u32> = (100_000..=112_003 - 60)
        .step_by(7)
        .chain((500_000..=520_000 - 60).step_by(7))
        .step_by(41)
        .collect();
    let rows = predict_windows(
        dir.path(),
        run_dir.to_str().unwrap(),
        &genome,
        chrom,
        &starts,
        60,
    );
    let track = bigwig_values(
        &dir.path().join("t_all").join("ebox.bw"),
        chrom,
        0,
        1_000_000,
    );
    let mut checked = 0;
    for (s, (_, _, mean)) in starts.iter().zip(rows.iter().filter(|r| r.1 == "ebox")) {
        let centre = s + 30;
        let v = track
            .iter()
            .find(|v| v.start <= centre && centre < v.end)
            .expect("every window has a bin");
        assert!(
            (v.value - mean).abs() <= 1e-5,
            "window at {s}: {} vs {mean}",
            v.value
        );
        checked += 1;
    }
    assert_eq!(checked, starts.len());
}

#[test]
fn bad_tiling_input_fails_before_anything_is_written() {
    let dir = tempfile::tempdir().unwrap();
    let run_dir = tiny_run(dir.path());
    let run_s = run_dir.to_str().unwrap();
    let genome = shared("genome/hg19_chr22_20000001-21000000.fa.gz");
    let g = genome.to_str().unwrap();
    let out = dir.path().join("tracks");
    let o = out.to_str().unwrap();
    let bed = |name: &str, text: &str| {
        let p = dir.path().join(name);
        std::fs::write(&p, text).unwrap();
        p.to_str().unwrap().to_string()
    };
    let absent = bed(
        "absent.bed",
        "22:20000001-21000000\t0\t1000\nchr22\t0\t1000\n",
    );
    assert_fails(
        &run(&[
            "predict",
            run_s,
            "--genome",
            g,
            "--tile",
            "50",
            "--regions",
            &absent,
            "-o",
            o,
        ]),
        "line 2: the genome",
    );
    let short = bed("short.bed", "22:20000001-21000000\t100\t130\n");
    assert_fails(
        &run(&[
            "predict",
            run_s,
            "--genome",
            g,
            "--tile",
            "50",
            "--regions",
            &short,
            "-o",
            o,
        ]),
        "shorter than the model's window of 60",
    );
    let past = bed("past.bed", "22:20000001-21000000\t999000\t1000100\n");
    assert_fails(
        &run(&[
            "predict",
            run_s,
            "--genome",
            g,
            "--tile",
            "50",
            "--regions",
            &past,
            "-o",
            o,
        ]),
        "runs past the end",
    );
    assert_fails(
        &run(&["predict", run_s, "--genome", g, "--tile", "0", "-o", o]),
        "at least 1",
    );
    assert_fails(
        &run(&["predict", run_s, "--tile", "50", "-o", o]),
        "--genome",
    );
    assert_fails(
        &run(&[
            "predict",
            run_s,
            "--genome",
            g,
            "--tile",
            "50",
            "--unit-tracks",
            "u9",
            "-o",
            o,
        ]),
        "names unit 9",
    );
    assert_fails(
        &run(&[
            "predict", run_s, "--genome", g, "--tile", "50", "--max-n", "2", "-o", o,
        ]),
        "between 0 and 1",
    );
    // A genome whose every chromosome is shorter than the model's 60 bases.
    let tiny = dir.path().join("tiny.fa");
    std::fs::write(
        &tiny,
        ">a\nACGTACGTAC\n>b\nACGTACGTACGTACGTACGTACGTACGTAC\n",
    )
    .unwrap();
    assert_fails(
        &run(&[
            "predict",
            run_s,
            "--genome",
            tiny.to_str().unwrap(),
            "--tile",
            "5",
            "-o",
            o,
        ]),
        "every chromosome is shorter than the model's window of 60",
    );
    // All N: nothing to predict.
    let ns = dir.path().join("ns.fa");
    std::fs::write(&ns, format!(">n\n{}\n", "N".repeat(500))).unwrap();
    assert_fails(
        &run(&[
            "predict",
            run_s,
            "--genome",
            ns.to_str().unwrap(),
            "--tile",
            "5",
            "-o",
            o,
        ]),
        "nothing was predicted",
    );
    assert!(!out.exists(), "nothing written");
    assert!(leftovers(dir.path()).is_empty());
    // A directory of the user's own files is never replaced.
    std::fs::create_dir(&out).unwrap();
    std::fs::write(out.join("notes.txt"), "mine").unwrap();
    let o2 = run(&[
        "predict",
        run_s,
        "--genome",
        ns.to_str().unwrap(),
        "--tile",
        "5",
        "--max-n",
        "1",
        "-o",
        o,
    ]);
    assert!(!o2.status.success());
    assert_eq!(
        std::fs::read_to_string(out.join("notes.txt")).unwrap(),
        "mine"
    );
}

/// A model without the fused kernel (a CNN baseline) runs its windows cut out: the same
/// values as `predict`; unit tracks are refused for it.
#[test]
fn a_baseline_model_tiles_through_its_windows() {
    let dir = tempfile::tempdir().unwrap();
    let (train, valid) = (dir.path().join("train.tsv"), dir.path().join("valid.tsv"));
    write_tsv(&train, 200, 11);
    write_tsv(&valid, 60, 12);
    let model = dir.path().join("cnn");
    let m = model.to_str().unwrap();
    ok(&run(&[
        "train",
        train.to_str().unwrap(),
        valid.to_str().unwrap(),
        "-o",
        m,
        "--arch",
        "cnn1",
        "--max-epochs",
        "1",
        "--threads",
        "1",
        "-q",
    ]));
    let genome = shared("genome/hg19_chr22_20000001-21000000.fa.gz");
    let g = genome.to_str().unwrap();
    let chrom = "22:20000001-21000000";
    let regions = dir.path().join("regions.bed");
    std::fs::write(&regions, format!("{chrom}\t300000\t303000\n")).unwrap();
    let out = dir.path().join("tracks");
    let r = regions.to_str().unwrap();
    ok(&run(&[
        "predict",
        m,
        "--genome",
        g,
        "--regions",
        r,
        "--tile",
        "37",
        "-o",
        out.to_str().unwrap(),
    ]));
    let values = bigwig_values(&out.join("gata.bw"), chrom, 0, 1_000_000);
    let starts: Vec<u32> = (300_000..=303_000 - 60).step_by(37).collect();
    assert_eq!(values.len(), starts.len());
    let rows: Vec<f32> = predict_windows(dir.path(), m, &genome, chrom, &starts, 60)
        .into_iter()
        .filter(|r| r.1 == "gata")
        .map(|r| r.2)
        .collect();
    for (v, p) in values.iter().zip(&rows) {
        assert!((v.value - p).abs() <= 1e-5, "{} vs {p}", v.value);
    }
    let o2 = dir.path().join("t2");
    assert_fails(
        &run(&[
            "predict",
            m,
            "--genome",
            g,
            "--regions",
            r,
            "--tile",
            "37",
            "--unit-tracks",
            "all",
            "-o",
            o2.to_str().unwrap(),
        ]),
        "needs a model whose final layer adds up units",
    );
    assert!(!o2.exists());
}
