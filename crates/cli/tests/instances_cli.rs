//! `explainn instances MODEL --genome G`: every position where a unit's activation reaches
//! half its interpretation maximum, the same from a whole-chromosome scan (across blocks)
//! and from regions, each with the contribution `explain` gives the window centred on it.

mod common;
use common::*;
use std::collections::HashMap;
use std::path::Path;

/// (chrom, start, end, unit, strand, activation, fraction, contributions) per BED line.
type Row = (String, u64, u64, usize, char, f32, f32, Vec<f32>);

fn read_instances(path: &Path) -> Vec<Row> {
    let text = std::fs::read_to_string(path).unwrap();
    let mut lines = text.lines();
    let header = lines.next().unwrap();
    assert!(header.starts_with("#chrom\tstart\tend\tname\tscore\tstrand\tactivation"));
    lines
        .map(|l| {
            let f: Vec<&str> = l.split('\t').collect();
            let unit = f[3].strip_prefix('u').unwrap().split(' ').next().unwrap();
            (
                f[0].to_string(),
                f[1].parse().unwrap(),
                f[2].parse().unwrap(),
                unit.parse().unwrap(),
                f[5].chars().next().unwrap(),
                f[6].parse().unwrap(),
                f[7].parse().unwrap(),
                f[8..].iter().map(|v| v.parse().unwrap()).collect(),
            )
        })
        .collect()
}

#[test]
fn instances_are_the_activating_positions_with_their_contributions() {
    let dir = tempfile::tempdir().unwrap();
    let run_dir = tiny_run(dir.path());
    let r = run_dir.to_str().unwrap();
    let genome = shared("genome/sacCer3_chrIV.fa.gz");
    let g = genome.to_str().unwrap();
    // Thresholds come from the interpretation: refused without one.
    let whole = dir.path().join("whole.bed");
    assert_fails(
        &run(&["instances", r, "--genome", g, "-o", whole.to_str().unwrap()]),
        "has no interpretation",
    );
    assert!(!whole.exists());
    ok(&run(&["interpret", r, "--all", "--threads", "1", "-q"]));
    ok(&run(&[
        "instances",
        r,
        "--genome",
        g,
        "-o",
        whole.to_str().unwrap(),
    ]));
    let all = read_instances(&whole);
    assert!(all.len() > 1000, "{} instances", all.len());
    for (chrom, s, e, _, strand, a, frac, contrib) in &all {
        assert_eq!(chrom, "chrIV");
        assert_eq!(e - s, 8, "the filter's width");
        assert!(*frac >= 0.5 - 1e-6 && *a > 0.0 && "+-".contains(*strand));
        assert_eq!(contrib.len(), 2);
    }
    assert!(
        all.windows(2).all(|w| (w[0].1, w[0].3) <= (w[1].1, w[1].3)),
        "sorted"
    );
    // A region across the boundary of the first 1 MiB block gives the same instances.
    let (lo, hi) = (1_040_000u64, 1_060_000u64);
    let regions = dir.path().join("regions.bed");
    std::fs::write(&regions, format!("chrIV\t{lo}\t{hi}\n")).unwrap();
    let part = dir.path().join("part.bed.gz");
    ok(&run(&[
        "instances",
        r,
        "--genome",
        g,
        "--regions",
        regions.to_str().unwrap(),
        "-o",
        part.to_str().unwrap(),
    ]));
    let text = {
        use std::io::Read;
        let mut s = String::new();
        flate2::read::GzDecoder::new(std::fs::File::open(&part).unwrap())
            .read_to_string(&mut s)
            .unwrap();
        s
    };
    let plain = dir.path().join("part.bed");
    std::fs::write(&plain, text).unwrap();
    let part = read_instances(&plain);
    let key = |x: &Row| (x.1, x.3, x.4, x.5.to_bits());
    let inside: Vec<_> = all
        .iter()
        .filter(|x| x.1 >= lo && x.2 <= hi)
        .map(key)
        .collect();
    assert_eq!(part.iter().map(key).collect::<Vec<_>>(), inside);
    assert!(inside.len() > 10);
    // Contributions: `explain` on the window of 60 bases centred on each instance.
    let sample: Vec<&Row> = all
        .iter()
        .filter(|x| x.1 > 100 && x.1 < 1_500_000)
        .step_by(97)
        .collect();
    let bed: String = sample
        .iter()
        .map(|x| format!("chrIV\t{}\t{}\n", x.1 + 4 - 30, x.1 + 4 + 30))
        .collect();
    let windows = dir.path().join("windows.bed");
    std::fs::write(&windows, bed).unwrap();
    let o = run(&["explain", r, windows.to_str().unwrap(), "--genome", g, "-q"]);
    ok(&o);
    let mut explained: HashMap<(String, String, String), f32> = HashMap::new();
    for l in String::from_utf8(o.stdout).unwrap().lines().skip(1) {
        let f: Vec<&str> = l.split('\t').collect();
        explained.insert(
            (f[0].to_string(), f[1].to_string(), f[2].to_string()),
            f[4].parse().unwrap(),
        );
    }
    for x in &sample {
        let id = format!("chrIV:{}-{}", x.1 + 4 - 30, x.1 + 4 + 30);
        for (k, class) in ["gata", "ebox"].iter().enumerate() {
            let want = explained[&(id.clone(), class.to_string(), format!("unit{}", x.3))];
            assert!(
                (x.7[k] - want).abs() <= 1e-5,
                "{id} unit {} {class}: {} vs explain {want}",
                x.3,
                x.7[k]
            );
        }
    }
    // A higher fraction keeps a subset; bad fractions are refused.
    let strict = dir.path().join("strict.bed");
    ok(&run(&[
        "instances",
        r,
        "--genome",
        g,
        "--fraction",
        "0.8",
        "-o",
        strict.to_str().unwrap(),
    ]));
    let strict = read_instances(&strict);
    assert!(!strict.is_empty() && strict.len() < all.len());
    assert!(strict.iter().all(|x| x.6 >= 0.8 - 1e-6));
    let bad = dir.path().join("bad.bed");
    assert_fails(
        &run(&[
            "instances",
            r,
            "--genome",
            g,
            "--fraction",
            "0",
            "-o",
            bad.to_str().unwrap(),
        ]),
        "--fraction",
    );
    assert!(!bad.exists() && leftovers(dir.path()).is_empty());
}
