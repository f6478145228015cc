//! Speed benchmark: `cargo run --release -p explainn-motif --example bench_tomtom`.
//!
//! 1. Tomtom of the 100 ExplaiNN filters against the 746 JASPAR 2020 motifs (ed, the MEME 5
//!    default, and pearson/min-overlap 5, ExplaiNN's setting), best wall time of 5 runs.
//! 2. FIMO-style scanning of 12 JASPAR 2024 motifs over 1 Mb of hg19 chr22 (both strands,
//!    p <= 1e-4, NRDB background), best of 3, in megabases per second.

use explainn_motif::fimo::{FimoOptions, fimo, read_fasta_file};
use explainn_motif::io::meme::read_meme_file;
use explainn_motif::tomtom::{Distance, TomtomOptions, tomtom};
use std::time::Instant;

const DATA: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../../shared/data");

fn best_of<T>(n: usize, mut f: impl FnMut() -> T) -> (f64, T) {
    let mut best = f64::INFINITY;
    let mut out = None;
    for _ in 0..n {
        let t = Instant::now();
        let r = f();
        best = best.min(t.elapsed().as_secs_f64());
        out = Some(r);
    }
    (best, out.unwrap())
}

fn main() {
    println!("threads: {}", rayon::current_num_threads());
    let q = read_meme_file(format!("{DATA}/explainn_fixtures/explainn_filters.meme")).unwrap();
    let t = read_meme_file(format!(
        "{DATA}/jaspar/JASPAR2020_CORE_vertebrates_non-redundant_pfms_meme.txt"
    ))
    .unwrap();
    // BENCH_DUMP=DIR writes every query-target p-value (E-value threshold 1e9) for each
    // distance to DIR/<dist>.tsv, to check that an optimisation changes no printed number.
    if let Ok(dir) = std::env::var("BENCH_DUMP") {
        for d in ["ed", "pearson", "sandelin", "kullback"] {
            let opts = TomtomOptions {
                distance: d.parse().unwrap(),
                min_overlap: if d == "pearson" { 5 } else { 1 },
                evalue: true,
                thresh: 1e9,
                ..Default::default()
            };
            let hits = tomtom(&q.motifs, &t.motifs, q.background.as_ref(), &opts).unwrap();
            let mut out = Vec::new();
            explainn_motif::tomtom::write_tomtom_text(&mut out, &hits).unwrap();
            std::fs::write(format!("{dir}/{d}.tsv"), out).unwrap();
        }
        return;
    }
    for (name, opts) in [
        ("ed (default)", TomtomOptions::default()),
        (
            "pearson, min-overlap 5",
            TomtomOptions {
                distance: Distance::Pearson,
                min_overlap: 5,
                thresh: 0.05,
                ..Default::default()
            },
        ),
    ] {
        // BENCH_ONLY=ed|pearson|scan restricts the run (for profiling).
        if std::env::var("BENCH_ONLY").is_ok_and(|o| !name.starts_with(o.as_str())) {
            continue;
        }
        // BENCH_RUNS=n changes the number of timed runs (1 for instruction counting).
        let runs = std::env::var("BENCH_RUNS").map_or(5, |r| r.parse().unwrap());
        let (secs, hits) = best_of(runs, || {
            tomtom(&q.motifs, &t.motifs, q.background.as_ref(), &opts).unwrap()
        });
        println!(
            "tomtom {name}: {} queries x {} targets: {:.4} s wall (best of {runs}), {} hits",
            q.motifs.len(),
            t.motifs.len(),
            secs,
            hits.len()
        );
    }

    if std::env::var("BENCH_ONLY").is_ok_and(|o| o != "scan") {
        return;
    }
    let m = read_meme_file(format!("{DATA}/golden/jaspar2024_12motifs.meme")).unwrap();
    let seqs =
        read_fasta_file(format!("{DATA}/genome/hg19_chr22_20000001-21000000.fa.gz")).unwrap();
    let bases: usize = seqs.iter().map(|s| s.seq.len()).sum();
    let bg = explainn_motif::Background::nrdb();
    let (secs, hits) = best_of(3, || fimo(&m.motifs, &seqs, &bg, &FimoOptions::default()));
    println!(
        "scan: {} motifs x {:.3} Mb, both strands: {:.4} s wall (best of 3), {:.2} MB/s ({:.1} MB/s motif-strands), {} hits",
        m.motifs.len(),
        bases as f64 / 1e6,
        secs,
        bases as f64 / 1e6 / secs,
        bases as f64 / 1e6 * m.motifs.len() as f64 * 2.0 / secs,
        hits.len()
    );
}
