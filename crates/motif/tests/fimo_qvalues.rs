//! FIMO's default mode: genomic coordinates from sequence names, Storey q-values over all
//! scanned windows (checked against an independent implementation written here from
//! Storey's method as MEME applies it), the stored-hits cap and the q-value threshold.

use explainn_motif::Background;
use explainn_motif::fimo::{
    FimoHit, FimoOptions, Sequence, fimo, fimo_qvalues, parse_genomic_coordinates, read_fasta_file,
};
use explainn_motif::io::meme::read_meme_file;

const DATA: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../../shared/data");

fn inputs(nseq: usize, nmotif: usize) -> (Vec<explainn_motif::Motif>, Vec<Sequence>) {
    let m = read_meme_file(format!("{DATA}/golden/jaspar2024_12motifs.meme")).unwrap();
    let mut s = read_fasta_file(format!("{DATA}/golden/janggu_test_200.fa")).unwrap();
    s.truncate(nseq);
    (m.motifs.into_iter().take(nmotif).collect(), s)
}

#[test]
fn genomic_coordinates_from_names() {
    assert_eq!(
        parse_genomic_coordinates("chr1:164816396-164816896(-)_Fmo2"),
        Some(("chr1", 164816396))
    );
    assert_eq!(parse_genomic_coordinates("chrX:5-5"), Some(("chrX", 5)));
    for bad in [
        "chr1", ":1-2", "chr1:-2", "chr1:5-", "chr1:9-3", "chr1:a-b", "chr1:1_2",
    ] {
        assert_eq!(parse_genomic_coordinates(bad), None, "{bad}");
    }
    let seqs = vec![
        Sequence {
            name: "chr2:1001-1010(+)_x".into(),
            seq: b"ttTGACTCAGCAaa".to_vec(),
        },
        Sequence {
            name: "plain".into(),
            seq: b"ttTGACTCAGCAaa".to_vec(),
        },
    ];
    let (motifs, _) = inputs(0, 12);
    let mafk: Vec<_> = motifs.into_iter().filter(|m| m.id == "MA0496.4").collect();
    let bg = Background::uniform();
    let text = fimo(&mafk, &seqs, &bg, &FimoOptions::default());
    let raw = fimo(
        &mafk,
        &seqs,
        &bg,
        &FimoOptions {
            pgc: false,
            ..Default::default()
        },
    );
    assert!(!raw.is_empty() && raw.len() == text.len());
    for (t, r) in text.iter().zip(&raw) {
        if r.sequence_name == "plain" {
            assert_eq!((t.sequence_name.as_str(), t.start), ("plain", r.start));
        } else {
            assert_eq!(t.sequence_name, "chr2");
            assert_eq!((t.start, t.stop), (r.start + 1000, r.stop + 1000));
        }
    }
}

/// MT19937 with the 1998 seeding, written out again for the test.
struct Mt {
    s: [u32; 624],
    i: usize,
}

impl Mt {
    fn new(seed: u32) -> Self {
        let mut s = [0u32; 624];
        s[0] = seed;
        for k in 1..624 {
            s[k] = s[k - 1].wrapping_mul(69069);
        }
        Self { s, i: 624 }
    }

    fn u32(&mut self) -> u32 {
        if self.i == 624 {
            for k in 0..624 {
                let y = (self.s[k] & 0x8000_0000) | (self.s[(k + 1) % 624] & 0x7fff_ffff);
                let mag = if y & 1 == 1 { 0x9908_b0df } else { 0 };
                self.s[k] = self.s[(k + 397) % 624] ^ (y >> 1) ^ mag;
            }
            self.i = 0;
        }
        let mut y = self.s[self.i];
        self.i += 1;
        y ^= y >> 11;
        y ^= (y << 7) & 0x9d2c_5680;
        y ^= (y << 15) & 0xefc6_0000;
        y ^ (y >> 18)
    }

    /// MEME's `mt_ldrand`: two outputs as one 64-bit integer, times 2^-64.
    fn f64(&mut self) -> f64 {
        let hi = self.u32() as u64;
        let lo = self.u32() as u64;
        ((hi << 32) | lo) as f64 / 18_446_744_073_709_551_616.0
    }
}

/// Storey's q-values of sorted p-values, π₀ by MEME's bootstrap (as in the spec §1.7).
fn storey(p: &[f64], rng: &mut Mt) -> (Vec<f64>, f64) {
    let m = p.len();
    let pi = |l: f64, ps: &[f64]| {
        let c = ps.iter().filter(|&&x| x >= l).count();
        if c == 0 {
            f64::INFINITY
        } else {
            c as f64 / ((1.0 - l) * ps.len() as f64)
        }
    };
    let mut pi0 = 1.0;
    if m > 100 {
        let lam: Vec<f64> = (0..100).map(|j| ((j + 1) as f64 / 100.0) * 0.5).collect();
        let pis: Vec<f64> = lam.iter().map(|&l| pi(l, p)).collect();
        let pmin = pis.iter().copied().fold(f64::INFINITY, f64::min);
        let mut mse = vec![0.0; 100];
        for _ in 0..100 {
            let mut b: Vec<f64> = (0..1000)
                .map(|_| p[((rng.f64() * m as f64) as usize).min(m - 1)])
                .collect();
            b.sort_by(f64::total_cmp);
            for j in 0..100 {
                mse[j] += (pi(lam[j], &b) - pmin).powi(2);
            }
        }
        let mut best = 0;
        for j in 1..100 {
            if mse[j] < mse[best] {
                best = j;
            }
        }
        pi0 = pis[best].clamp(0.0, 1.0);
    }
    let mut q: Vec<f64> = (0..m)
        .map(|i| (pi0 * p[i] * m as f64 / (i + 1) as f64).min(1.0))
        .collect();
    for i in (0..m.saturating_sub(1)).rev() {
        q[i] = q[i].min(q[i + 1]);
    }
    (q, pi0)
}

fn key(h: &FimoHit) -> (String, String, usize, char) {
    (
        h.motif_id.clone(),
        h.sequence_name.clone(),
        h.start,
        h.strand,
    )
}

#[test]
fn qvalues_match_an_independent_storey_implementation() {
    let (motifs, mut seqs) = inputs(40, 5);
    // Sequences rich in CREB1 sites, so that its p-values are far from uniform (π₀ < 1).
    let mut x = 0x2545_f491_4f6c_dd1du64;
    for i in 0..40 {
        let mut seq: Vec<u8> = (0..200)
            .map(|_| {
                x ^= x << 13;
                x ^= x >> 7;
                x ^= x << 17;
                b"ACGT"[(x >> 20) as usize % 4]
            })
            .collect();
        for p in (3..190).step_by(11) {
            seq[p..p + 8].copy_from_slice(b"TGACGTCA");
        }
        seqs.push(Sequence {
            name: format!("planted{i}"),
            seq,
        });
    }
    let bg = Background::nrdb();
    let no_pgc = FimoOptions {
        pgc: false,
        ..Default::default()
    };
    let res = fimo_qvalues(&motifs, &seqs, &bg, &no_pgc);
    assert!(!res.hits.is_empty() && res.dropped.is_empty());
    // Every window's p-value: the --text form with threshold 1.
    let all = fimo(
        &motifs,
        &seqs,
        &bg,
        &FimoOptions {
            thresh: 1.0,
            ..no_pgc.clone()
        },
    );
    let mut rng = Mt::new(4357);
    let mut want = std::collections::HashMap::new();
    for (mi, m) in motifs.iter().enumerate() {
        let mut p: Vec<f64> = all
            .iter()
            .filter(|h| h.motif_id == m.id)
            .map(|h| h.p_value)
            .collect();
        p.sort_by(f64::total_cmp);
        let (q, pi0) = storey(&p, &mut rng);
        assert_eq!(res.tests[mi].1 as usize, p.len(), "{}: windows", m.id);
        assert!(
            (res.tests[mi].2 - pi0).abs() < 1e-12,
            "{}: pi0 {} vs {pi0}",
            m.id,
            res.tests[mi].2
        );
        if m.id == "MA0018.5" {
            assert!(pi0 < 0.99, "{}: pi0 {pi0} (estimated)", m.id);
        }
        for h in all.iter().filter(|h| h.motif_id == m.id) {
            // Tied p-values share the q-value of the last of them.
            let last = p.partition_point(|&x| x <= h.p_value) - 1;
            want.insert(key(h), q[last]);
        }
    }
    let mut prev = 0.0;
    for h in &res.hits {
        assert!(
            h.p_value <= 1e-4 && h.p_value >= prev,
            "order / threshold: {h:?}"
        );
        prev = h.p_value;
        let w = want[&key(h)];
        let q = h.q_value.unwrap();
        assert!((q - w).abs() <= 1e-12 * w, "{h:?}: q {q} vs {w}");
    }
    // The same hits as the --text form, reordered.
    let text = fimo(&motifs, &seqs, &bg, &no_pgc);
    let mut a: Vec<_> = text.iter().map(key).collect();
    let mut b: Vec<_> = res.hits.iter().map(key).collect();
    a.sort();
    b.sort();
    assert_eq!(a, b);
}

#[test]
fn qv_thresh_keeps_exactly_the_hits_with_small_q() {
    let (motifs, seqs) = inputs(60, 12);
    let bg = Background::uniform();
    let every = fimo_qvalues(
        &motifs,
        &seqs,
        &bg,
        &FimoOptions {
            thresh: 1e-2,
            ..Default::default()
        },
    );
    let res = fimo_qvalues(
        &motifs,
        &seqs,
        &bg,
        &FimoOptions {
            thresh: 0.3,
            qv_thresh: true,
            ..Default::default()
        },
    );
    let want: Vec<_> = every
        .hits
        .iter()
        .filter(|h| h.q_value.unwrap() <= 0.3)
        .map(key)
        .collect();
    let got: Vec<_> = res.hits.iter().map(key).collect();
    assert!(!got.is_empty() && got.len() < every.hits.len());
    assert_eq!(got, want);
}

#[test]
fn max_stored_scores_drops_the_largest_p_values() {
    let (motifs, seqs) = inputs(200, 12);
    let bg = Background::uniform();
    let o = FimoOptions {
        thresh: 1e-3,
        ..Default::default()
    };
    let full = fimo_qvalues(&motifs, &seqs, &bg, &o);
    let capped = fimo_qvalues(
        &motifs,
        &seqs,
        &bg,
        &FimoOptions {
            max_stored_scores: 20,
            ..o
        },
    );
    assert!(!capped.dropped.is_empty());
    for m in &motifs {
        let f: Vec<&FimoHit> = full.hits.iter().filter(|h| h.motif_id == m.id).collect();
        let c: Vec<&FimoHit> = capped.hits.iter().filter(|h| h.motif_id == m.id).collect();
        assert!(c.len() <= 20, "{}: {}", m.id, c.len());
        match capped.dropped.iter().find(|d| d.motif_id == m.id) {
            None => assert_eq!(f.len(), c.len(), "{}", m.id),
            Some(d) => {
                // Kept: exactly the hits below the reported p-value, with the same q-values.
                let kept: Vec<_> = f.iter().filter(|h| h.p_value < d.p_value).collect();
                assert_eq!(kept.len(), c.len(), "{}", m.id);
                assert_eq!(d.count as usize, f.len() - c.len(), "{}", m.id);
                for (a, b) in kept.iter().zip(&c) {
                    assert_eq!((key(a), a.q_value), (key(b), b.q_value));
                }
            }
        }
    }
}
