//! Tomtom's count-based distances (`allr`, `blic1`, `blic5`, `llr1`, `llr5`): column scores
//! against the golden that `tests/gen_distance_golden.py` writes from the published
//! definitions, properties of the column scores and of whole comparisons, and the bundled
//! JASPAR 2024 collection compared with itself under every distance.

use explainn_motif::io::meme::read_meme_file;
use explainn_motif::jaspar::bundled_motifs;
use explainn_motif::tomtom::{Distance, TomtomOptions, column_score_matrix, tomtom};
use explainn_motif::{Background, MatrixKind, Motif};

const DIR: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data");

fn opts(distance: Distance) -> TomtomOptions {
    TomtomOptions {
        distance,
        ..Default::default()
    }
}

#[test]
fn column_scores_match_the_generated_golden() {
    let set = read_meme_file(format!("{DIR}/distance_motifs.meme")).unwrap();
    let by_id = |id: &str| set.motifs.iter().find(|m| m.id == id).unwrap();
    let text = std::fs::read_to_string(format!("{DIR}/distance_golden.tsv")).unwrap();
    let mut cache = std::collections::HashMap::new();
    let mut n = 0;
    for line in text.lines().filter(|l| !l.starts_with('#')) {
        let f: Vec<&str> = line.split('\t').collect();
        let dist: Distance = f[0].parse().unwrap();
        let key = (f[0].to_string(), f[1].to_string(), f[2].to_string());
        let m = cache.entry(key).or_insert_with(|| {
            column_score_matrix(
                by_id(f[1]),
                by_id(f[2]),
                set.background.as_ref(),
                &opts(dist),
            )
        });
        let (i, j): (usize, usize) = (f[3].parse().unwrap(), f[4].parse().unwrap());
        let want: f64 = f[5].parse().unwrap();
        let got = m[i][j];
        assert!(
            (got - want).abs() <= 1e-10 * want.abs().max(1.0),
            "{line}: got {got:.17e}"
        );
        n += 1;
    }
    assert_eq!(n, 5 * 15 * 15, "golden rows");
}

/// xorshift64*, for reproducible random motifs.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> f64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        (self.0.wrapping_mul(0x2545_f491_4f6c_dd1d) >> 11) as f64 / (1u64 << 53) as f64
    }

    /// A random motif: columns from peaked-to-flat random distributions.
    fn motif(&mut self, id: String, width: usize, nsites: Option<f64>) -> Motif {
        let rows = (0..width)
            .map(|_| {
                let sharp = 1.0 + 6.0 * self.next();
                let r: [f64; 4] = std::array::from_fn(|_| self.next().powf(sharp));
                let s: f64 = r.iter().sum();
                r.map(|x| x / s)
            })
            .collect();
        let mut m = Motif::new(id, rows, MatrixKind::Probabilities);
        m.nsites = nsites;
        m
    }
}

#[test]
fn every_distance_is_symmetric() {
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    let bg = Background([0.31, 0.19, 0.22, 0.28]);
    for case in 0..40 {
        let nx = (case % 3 != 0).then(|| (1.0 + 3000.0 * rng.next()).round());
        let ny = (case % 4 != 0).then(|| 1.0 + 50.0 * rng.next());
        let x = rng.motif("x".into(), 1 + case % 7, nx);
        let y = rng.motif("y".into(), 1 + case % 5, ny);
        for dist in Distance::ALL {
            let a = column_score_matrix(&x, &y, Some(&bg), &opts(dist));
            let b = column_score_matrix(&y, &x, Some(&bg), &opts(dist));
            for (i, row) in a.iter().enumerate() {
                for (j, &v) in row.iter().enumerate() {
                    assert!(v.is_finite(), "{dist} case {case}: {v}");
                    assert_eq!(
                        v.to_bits(),
                        b[j][i].to_bits(),
                        "{dist} case {case} ({i}, {j})"
                    );
                }
            }
        }
    }
}

/// In a collection of unrelated motifs with the same site count, every motif's best match
/// (first reported row) is itself, aligned column for column on its own strand.
#[test]
fn identical_motifs_score_best() {
    let mut rng = Rng(42);
    for round in 0..3 {
        let db: Vec<Motif> = (0..60)
            .map(|i| rng.motif(format!("r{round}_{i}"), 6 + i % 10, Some(25.0)))
            .collect();
        for dist in Distance::ALL {
            let all = TomtomOptions {
                thresh: 1.0,
                ..opts(dist)
            };
            let hits = tomtom(&db, &db, None, &all).unwrap();
            for (qi, q) in db.iter().enumerate() {
                let first = hits.iter().find(|h| h.query_index == qi);
                let h = first.unwrap_or_else(|| panic!("{dist}: {} has no match", q.id));
                assert_eq!(h.target_index, qi, "{dist}: {} best {}", q.id, h.target_id);
                assert_eq!(
                    (h.offset, h.overlap, h.orientation.symbol()),
                    (0, q.width(), '+'),
                    "{dist}: {}",
                    q.id
                );
            }
        }
    }
}

/// Self-comparison statistics of one all-vs-all run.
struct SelfStats {
    first: usize,
    reported: usize,
    identity: usize,
}

fn all_vs_all(m: &[Motif], bg: Option<&Background>, dist: Distance) -> SelfStats {
    let hits = tomtom(m, m, bg, &opts(dist)).unwrap();
    let mut st = SelfStats {
        first: 0,
        reported: 0,
        identity: 0,
    };
    let mut seen = vec![false; m.len()];
    for h in &hits {
        assert!(
            h.p_value.is_finite() && h.q_value.is_finite(),
            "{dist}: {h:?}"
        );
        let is_self = h.target_index == h.query_index;
        if !seen[h.query_index] {
            seen[h.query_index] = true;
            st.first += is_self as usize;
        }
        if is_self {
            st.reported += 1;
            let w = m[h.query_index].width();
            st.identity +=
                (h.offset == 0 && h.overlap == w && h.orientation.symbol() == '+') as usize;
        }
    }
    st
}

/// Every distance on JASPAR 2024 CORE vertebrates (879 motifs) against itself.
///
/// Tomtom ranks by p-value, which also depends on the target's width, so even MEME's own
/// `ed` does not put every motif first against itself (2 of 879 here; `ed`, `pearson`,
/// `sandelin` and `kullback` are byte-identical to MEME). The count-based scores grow
/// with the site counts, which range from 10 to 322,803 in this collection: with them
/// as stated, BLiC favours the most-counted motifs; with every count set to 20 (the
/// default for motifs without `nsites`, such as ExplaiNN's filters), every distance
/// reports every motif against itself, and the counts below (measured) must not fall.
#[test]
fn jaspar_all_vs_all() {
    let set = bundled_motifs();
    let bg = set.background.as_ref();
    let n = set.motifs.len();
    let mut equal = set.motifs.clone();
    for m in &mut equal {
        m.nsites = None;
    }
    // (distance, first with counts as stated, first with equal counts) measured.
    let floor = [
        (Distance::Ed, 876, 877),
        (Distance::Pearson, 813, 813),
        (Distance::Sandelin, 834, 833),
        (Distance::Kullback, 835, 839),
        (Distance::Allr, 645, 663),
        (Distance::Blic1, 2, 428),
        (Distance::Blic5, 2, 429),
        (Distance::Llr1, 635, 813),
        (Distance::Llr5, 639, 818),
    ];
    for (dist, f_raw, f_eq) in floor {
        let t0 = std::time::Instant::now();
        let raw = all_vs_all(&set.motifs, bg, dist);
        let eq = all_vs_all(&equal, bg, dist);
        eprintln!(
            "{dist}: self first {}/{n} (equal counts {}), reported {} ({}), identity-aligned \
             {} ({}); {:.1} s",
            raw.first,
            eq.first,
            raw.reported,
            eq.reported,
            raw.identity,
            eq.identity,
            t0.elapsed().as_secs_f64()
        );
        assert_eq!(eq.reported, n, "{dist}: equal counts, self not reported");
        if !matches!(dist, Distance::Blic1 | Distance::Blic5) {
            assert_eq!(raw.reported, n, "{dist}: self not reported");
        }
        assert!(
            raw.first >= f_raw && eq.first >= f_eq,
            "{dist}: fewer self-best than measured"
        );
    }
}
