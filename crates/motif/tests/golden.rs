//! Byte-for-byte reproduction of the MEME golden outputs in /work/shared/data/golden.

use explainn_motif::io::meme::read_meme_file;
use explainn_motif::tomtom::{Distance, TomtomOptions, tomtom, write_tomtom_text};

const DATA: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../../shared/data");

fn compare(name: &str, got: &[u8]) {
    let path = format!("{DATA}/golden/{name}");
    let want = std::fs::read(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
    if got == want.as_slice() {
        return;
    }
    let got = String::from_utf8_lossy(got);
    let want = String::from_utf8_lossy(&want);
    let g: Vec<&str> = got.lines().collect();
    let w: Vec<&str> = want.lines().collect();
    let mut shown = 0;
    let mut ndiff = 0;
    for i in 0..g.len().max(w.len()) {
        let (a, b) = (
            g.get(i).copied().unwrap_or("<none>"),
            w.get(i).copied().unwrap_or("<none>"),
        );
        if a != b {
            ndiff += 1;
            if shown < 10 {
                eprintln!("line {}:\n  got  {a}\n  want {b}", i + 1);
                shown += 1;
            }
        }
    }
    panic!(
        "{name}: {ndiff} differing lines ({} rows produced, {} expected)",
        g.len(),
        w.len()
    );
}

fn run_tomtom(query: &str, target: &str, opts: TomtomOptions) -> Vec<u8> {
    let q = read_meme_file(format!("{DATA}/{query}")).unwrap();
    let t = read_meme_file(format!("{DATA}/{target}")).unwrap();
    let hits = tomtom(&q.motifs, &t.motifs, q.background.as_ref(), &opts).unwrap();
    let mut out = Vec::new();
    write_tomtom_text(&mut out, &hits).unwrap();
    out
}

#[test]
fn tomtom_ed_default() {
    let got = run_tomtom(
        "golden/jaspar2026_new80.meme",
        "jaspar/JASPAR2020_CORE_vertebrates_non-redundant_pfms_meme.txt",
        TomtomOptions::default(),
    );
    compare("tomtom.ed.jaspar2026_new80_vs_jaspar2020.tsv", &got);
}

#[test]
fn tomtom_pearson_explainn() {
    let opts = TomtomOptions {
        distance: Distance::Pearson,
        min_overlap: 5,
        thresh: 0.05,
        ..Default::default()
    };
    let got = run_tomtom(
        "explainn_fixtures/explainn_filters.meme",
        "explainn_fixtures/JASPAR2020_CORE_vertebrates_non-redundant_pfms_meme.official.txt",
        opts,
    );
    compare(
        "tomtom.pearson_minov5_q0.05.explainn_filters_vs_jaspar2020.tsv",
        &got,
    );
}

#[test]
fn tomtom_sandelin() {
    let opts = TomtomOptions {
        distance: Distance::Sandelin,
        thresh: 0.1,
        ..Default::default()
    };
    let got = run_tomtom(
        "golden/jaspar2026_new80.meme",
        "jaspar/JASPAR2024_CORE_vertebrates_non-redundant_pfms_meme.txt",
        opts,
    );
    compare(
        "tomtom.sandelin_q0.1.jaspar2026_new80_vs_jaspar2024.tsv",
        &got,
    );
}

fn run_fimo(bg: explainn_motif::Background, thresh: f64) -> Vec<u8> {
    use explainn_motif::fimo::{FimoOptions, fimo, read_fasta_file, write_fimo_text};
    let m = read_meme_file(format!("{DATA}/golden/jaspar2024_12motifs.meme")).unwrap();
    let seqs = read_fasta_file(format!("{DATA}/golden/janggu_test_200.fa")).unwrap();
    let hits = fimo(
        &m.motifs,
        &seqs,
        &bg,
        &FimoOptions {
            thresh,
            pgc: false,
            ..Default::default()
        },
    );
    let mut out = Vec::new();
    write_fimo_text(&mut out, &hits).unwrap();
    out
}

#[test]
fn fimo_nrdb_default() {
    let got = run_fimo(explainn_motif::Background::nrdb(), 1e-4);
    compare("fimo.nrdb_bg.jaspar2024_12motifs.janggu_test_200.tsv", &got);
}

#[test]
fn fimo_uniform_1e3() {
    let got = run_fimo(explainn_motif::Background::uniform(), 1e-3);
    compare(
        "fimo.uniform_bg_thresh1e-3.jaspar2024_12motifs.janggu_test_200.tsv",
        &got,
    );
}
