use super::*;
use crate::model::ExplaiNNConfig;
use rand::{Rng, SeedableRng};

fn one_hot(codes: &[u8]) -> Vec<f32> {
    let mut v = vec![0f32; 4 * codes.len()];
    explainn_seq::encode::one_hot_into(codes, &mut v);
    v
}

/// A random model with BatchNorm statistics away from their initial values, so that the
/// folded scales and shifts are exercised.
fn model(num_fc: usize, classes: usize, seed: u64) -> ExplaiNN {
    let mut c = ExplaiNNConfig::new(6, 60, classes);
    c.num_fc = num_fc;
    c.filter_size = 9;
    c.pool_size = 5;
    c.pool_stride = 4;
    c.hidden = 7;
    let dev = crate::default_device();
    let m = ExplaiNN::new(c.clone(), seed, &dev).unwrap();
    let mut t = m.to_tensors();
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(seed);
    for (k, (_, v)) in t.iter_mut() {
        for x in v.iter_mut() {
            if k.ends_with("running_var") {
                *x = rng.random_range(0.2..2.0);
            } else if k.ends_with("running_mean") || k.ends_with(".bias") {
                *x += rng.random_range(-0.5..0.5);
            } else if k.contains("weight") {
                *x *= rng.random_range(0.5..3.0);
            }
        }
    }
    ExplaiNN::from_tensors(c, &t, &dev).unwrap()
}

/// Σ multipliers · (x − r) = f(x) − f(r) for every pair, and the host forward equals
/// the model's: on random models with 0, 1, 2 and 3 per-unit layers, one-hot inputs and
/// references (shuffles) and a fractional reference (GC).
#[test]
fn deeplift_is_complete() {
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(3);
    for num_fc in 0..4 {
        let m = model(num_fc, 2, 10 + num_fc as u64);
        let dl = HostExplaiNN::new(&m);
        let l = 60;
        let p = crate::Predictor::new(m.clone(), crate::default_device(), 16);
        for case in 0..6 {
            let codes: Vec<u8> = (0..l).map(|_| rng.random_range(0..4u8)).collect();
            let x = one_hot(&codes);
            let r = if case == 1 {
                // A reference that shares most windows with x: ties between x and r in
                // most pooling windows.
                let mut c = codes.clone();
                for j in [5, 30, 44] {
                    c[j] = (c[j] + 1) % 4;
                }
                one_hot(&c)
            } else if case == 0 {
                (0..4 * l)
                    .map(|i| if i / l == 0 || i / l == 3 { 0.3 } else { 0.2 })
                    .collect()
            } else {
                let s = explainn_seq::shuffle::dinucleotide_shuffle(&codes, &mut rng);
                one_hot(&s)
            };
            let mut mult = vec![0f64; 2 * 4 * l];
            let (fx, fr) = dl.add_multipliers(&x, &r, 1.0, &mut mult);
            let want = p.logits(&codes, false).unwrap();
            for c in 0..2 {
                assert!(
                    (fx[c] - want[c] as f64).abs() < 1e-4 * want[c].abs().max(1.0) as f64,
                    "num_fc {num_fc}: host logit {} vs model {}",
                    fx[c],
                    want[c]
                );
                let sum: f64 = (0..4 * l)
                    .map(|i| mult[c * 4 * l + i] * (x[i] - r[i]) as f64)
                    .sum();
                let d = fx[c] - fr[c];
                assert!(
                    (sum - d).abs() <= 1e-4 * d.abs().max(1.0),
                    "num_fc {num_fc} case {case} class {c}: Σ attributions {sum} vs f(x) − f(r) {d}"
                );
            }
        }
    }
}

/// Shapley values by enumerating every coalition.
fn brute(x: &[f64], r: &[f64]) -> Vec<f64> {
    let n = x.len();
    let f = |s: usize| {
        (0..n)
            .map(|i| if s >> i & 1 == 1 { x[i] } else { r[i] })
            .fold(f64::NEG_INFINITY, f64::max)
    };
    let fact = |k: usize| (1..=k).map(|v| v as f64).product::<f64>();
    (0..n)
        .map(|i| {
            let mut phi = 0.0;
            for s in 0..1usize << n {
                if s >> i & 1 == 1 {
                    continue;
                }
                let k = s.count_ones() as usize;
                let w = fact(k) * fact(n - k - 1) / fact(n);
                phi += w * (f(s | 1 << i) - f(s));
            }
            phi
        })
        .collect()
}

#[test]
fn shapley_max_equals_enumeration() {
    use rand::{Rng, SeedableRng};
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(7);
    for case in 0..400 {
        let n = 1 + case % 8;
        // Ties are common after ReLU or in padding: draw from few values sometimes.
        let draw = |rng: &mut rand_chacha::ChaCha8Rng| {
            if case % 3 == 0 {
                rng.random_range(0..4) as f64
            } else {
                rng.random_range(-2.0..3.0)
            }
        };
        let x: Vec<f64> = (0..n).map(|_| draw(&mut rng)).collect();
        let r: Vec<f64> = (0..n).map(|_| draw(&mut rng)).collect();
        let mut phi = vec![0.0; n];
        shapley_max(&x, &r, &mut phi);
        let want = brute(&x, &r);
        for i in 0..n {
            assert!(
                (phi[i] - want[i]).abs() < 1e-9,
                "{x:?} {r:?}: {phi:?} vs {want:?}"
            );
        }
    }
}

/// DeepLIFT-SHAP over shuffles, both strands: every pair complete, and the projected
/// hypothetical contributions equal the attributions (one-hot input).
#[test]
fn deeplift_shap_over_both_strands_is_complete() {
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(5);
    let m = model(2, 2, 33);
    let dl = HostExplaiNN::new(&m);
    let l = 60;
    let p = crate::Predictor::new(m.clone(), crate::default_device(), 16);
    let codes: Vec<u8> = (0..l).map(|_| rng.random_range(0..4u8)).collect();
    let x = one_hot(&codes);
    let refs: Vec<Vec<f32>> = (0..5)
        .map(|_| {
            one_hot(&explainn_seq::shuffle::dinucleotide_shuffle(
                &codes, &mut rng,
            ))
        })
        .collect();
    let a = dl.attribute(&x, &refs, true);
    // The hypothetical contributions position by position, from each reference's own
    // multipliers (both strands, flipped back by hand): h = m − Σ_ch m·r, mean over refs.
    let n = 4 * l;
    let mut want_h = vec![0f64; 2 * n];
    for r in &refs {
        let mut m = vec![0f64; 2 * n];
        dl.add_multipliers(&x, r, 0.5, &mut m);
        let mut m_rc = vec![0f64; 2 * n];
        dl.add_multipliers(&flip(&x, l), &flip(r, l), 0.5, &mut m_rc);
        for c in 0..2 {
            for ch in 0..4 {
                for j in 0..l {
                    m[c * n + ch * l + j] += m_rc[c * n + (3 - ch) * l + (l - 1 - j)];
                }
            }
            for j in 0..l {
                let base: f64 = (0..4)
                    .map(|ch| m[c * n + ch * l + j] * r[ch * l + j] as f64)
                    .sum();
                for ch in 0..4 {
                    want_h[c * n + ch * l + j] +=
                        (m[c * n + ch * l + j] - base) / refs.len() as f64;
                }
            }
        }
    }
    let scale = want_h.iter().fold(1f64, |m, v| m.max(v.abs()));
    for (i, (&got, &want)) in a.hypothetical.iter().zip(&want_h).enumerate() {
        assert!(
            (got as f64 - want).abs() <= 1e-5 * scale,
            "hypothetical [{}, {}, {}]: {got} vs {want}",
            i / n,
            i % n / l,
            i % l
        );
    }
    let f = p.logits(&codes, false).unwrap();
    let g = p.logits(&codes, true).unwrap();
    for c in 0..2 {
        assert!(
            a.max_delta[c] <= 1e-4 * a.logits[c].abs().max(1.0),
            "{:?}",
            a.max_delta
        );
        let want = 0.5 * (f[c] + g[c]) as f64;
        assert!(
            (a.logits[c] - want).abs() < 1e-5 * want.abs().max(1.0),
            "{} vs {want}",
            a.logits[c]
        );
        // The attributions are the projected hypothetical contributions and sum to
        // f(x) − mean f(r).
        let scale = a.logits[c].abs().max(1.0) as f32;
        for i in 0..4 * l {
            let proj = a.hypothetical[c * 4 * l + i] * x[i];
            assert!((proj - a.attributions[c * 4 * l + i]).abs() < 1e-5 * scale);
        }
        let total: f64 = a.attributions[c * 4 * l..(c + 1) * 4 * l]
            .iter()
            .map(|&v| v as f64)
            .sum();
        let mean_ref: f64 = refs
            .iter()
            .map(|r| {
                let mut m = vec![0f64; 2 * 4 * l];
                let (_, fr) = dl.add_multipliers(r, r, 0.5, &mut m);
                let (_, gr) = dl.add_multipliers(&flip(r, l), &flip(r, l), 0.5, &mut m);
                0.5 * (fr[c] + gr[c])
            })
            .sum::<f64>()
            / refs.len() as f64;
        let d = a.logits[c] - mean_ref;
        assert!(
            (total - d).abs() <= 1e-4 * d.abs().max(1.0),
            "{total} vs {d}"
        );
    }
}

/// ISM equals mutating each base and predicting again.
#[test]
fn ism_equals_mutate_and_predict() {
    let m = model(1, 2, 44);
    let p = crate::Predictor::new(m, crate::default_device(), 32);
    let l = 60;
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(9);
    let mut codes: Vec<u8> = (0..2 * l).map(|_| rng.random_range(0..4u8)).collect();
    codes[7] = 4; // an N: all four bases are substitutions
    let d = ism(&p, &codes, l, true).unwrap();
    for s in 0..2 {
        let seq = &codes[s * l..(s + 1) * l];
        let avg = |c: &[u8]| {
            let (f, r) = (p.logits(c, false).unwrap(), p.logits(c, true).unwrap());
            [0.5 * (f[0] + r[0]), 0.5 * (f[1] + r[1])]
        };
        let f0 = avg(seq);
        for j in [0, 7, 31, l - 1] {
            for b in 0..4u8 {
                let mut mseq = seq.to_vec();
                mseq[j] = b;
                let f = avg(&mseq);
                for c in 0..2 {
                    let got = d[((s * 2 + c) * 4 + b as usize) * l + j];
                    let want = if seq[j] == b { 0.0 } else { f[c] - f0[c] };
                    assert!(
                        (got - want).abs() < 1e-5,
                        "seq {s} pos {j} base {b}: {got} vs {want}"
                    );
                }
            }
        }
    }
}

/// The receptive-field ISM equals the naive one (mutate and predict through the fused
/// kernels) within 1e-5 of the largest change, on models with 0–3 per-unit layers, both
/// strands or one, with Ns (four substitutions at an N) and at both sequence ends.
#[test]
fn fast_ism_equals_naive() {
    let l = 60;
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(21);
    for num_fc in 0..4 {
        let m = model(num_fc, 2, 50 + num_fc as u64);
        let host = HostExplaiNN::new(&m);
        let p = crate::Predictor::new(m, crate::default_device(), 64);
        let mut codes: Vec<u8> = (0..3 * l).map(|_| rng.random_range(0..4u8)).collect();
        codes[0] = 4;
        codes[l + 30] = 4;
        for both in [false, true] {
            let naive = ism(&p, &codes, l, both).unwrap();
            let fast = host.ism(&codes, both);
            let scale = naive.iter().fold(1f32, |m, v| m.max(v.abs()));
            let worst = naive
                .iter()
                .zip(&fast)
                .fold(0f32, |m, (a, b)| m.max((a - b).abs()));
            assert!(
                worst <= 1e-5 * scale,
                "num_fc {num_fc}, both strands {both}: largest difference {worst} (scale {scale})"
            );
            // Not vacuous: substitutions do change the logits.
            assert!(scale > 1.0 || naive.iter().any(|&v| v.abs() > 1e-3));
        }
    }
}

/// The autodiff gradient of the strand-averaged logit equals central finite differences,
/// for ExplaiNN and a baseline (through burn's operations, flipped back for the reverse
/// strand).
#[test]
fn gradients_equal_finite_differences() {
    let l = 60;
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(31);
    let cnn = crate::Model::new(
        &crate::ModelConfig::published(crate::Arch::Cnn1, l, 2).unwrap(),
        4,
        &crate::default_device(),
    )
    .unwrap();
    for m in [crate::Model::from(model(2, 2, 61)), cnn] {
        let g = Gradients::new(&m, 8).unwrap();
        let codes: Vec<u8> = (0..l).map(|_| rng.random_range(0..4u8)).collect();
        // Off the one-hot corners, so that max-pool arguments are unique.
        let x: Vec<f32> = one_hot(&codes)
            .iter()
            .map(|&v| 0.7 * v + rng.random_range(0.0..0.1))
            .collect();
        let (_, grad) = g.gradient(&x, 1, true);
        let scale = grad.iter().fold(0f32, |m, v| m.max(v.abs()));
        assert!(scale > 0.0);
        let eps = 1e-2f32;
        for i in [0, 3, 4 * l / 2 + 5, 4 * l - 1, 2 * l + 17] {
            let (mut a, mut b) = (x.clone(), x.clone());
            a[i] += eps;
            b[i] -= eps;
            let (fa, _) = g.gradient(&a, 1, true);
            let (fb, _) = g.gradient(&b, 1, true);
            let fd = (fa[0] - fb[0]) / (2.0 * eps);
            assert!(
                (fd - grad[i]).abs() <= 2e-2 * scale,
                "{:?} input {i}: gradient {} vs finite difference {fd}",
                m.arch(),
                grad[i]
            );
        }
    }
}

/// Gauss–Legendre quadrature of n points integrates t^k exactly on [0, 1] for k < 2n.
#[test]
fn gauss_legendre_is_exact_for_polynomials() {
    for n in [1, 2, 5, 50] {
        let (t, w) = super::gradient::gauss_legendre(n);
        for k in 0..2 * n {
            let got: f64 = t.iter().zip(&w).map(|(t, w)| w * t.powi(k as i32)).sum();
            let want = 1.0 / (k + 1) as f64;
            assert!((got - want).abs() < 1e-12, "n {n}, t^{k}: {got} vs {want}");
        }
    }
}

/// Integrated gradients are complete within 1% at 50 points: Σ ḡ·(x − r) against
/// f(x) − f(r), on ExplaiNN at PyTorch's initialisation (shuffled and zero references;
/// the stretched random models of the DeepLIFT tests, whose logits move by ~100 along the
/// path, need ~1,000 points for their ReLU and max-pool kinks) and DanQ. The imported
/// original checkpoint is checked in `tests/parity.rs`.
#[test]
fn integrated_gradients_are_complete_at_50_steps() {
    let l = 60;
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(41);
    let mut danq = crate::ModelConfig::published(crate::Arch::DanQ, l, 1).unwrap();
    if let crate::ModelConfig::DanQ(c) = &mut danq {
        c.filters = 16;
        c.hidden = 8;
        c.dense = 12;
    }
    let danq = crate::Model::new(&danq, 2, &crate::default_device()).unwrap();
    let mut c = ExplaiNNConfig::new(6, l, 1);
    c.filter_size = 9;
    let explainn = ExplaiNN::new(c, 71, &crate::default_device()).unwrap();
    for m in [crate::Model::from(explainn), danq] {
        let g = Gradients::new(&m, 64).unwrap();
        for case in 0..3 {
            let codes: Vec<u8> = (0..l).map(|_| rng.random_range(0..4u8)).collect();
            let x = one_hot(&codes);
            let r = if case == 0 {
                vec![0f32; 4 * l]
            } else {
                one_hot(&explainn_seq::shuffle::dinucleotide_shuffle(
                    &codes, &mut rng,
                ))
            };
            let (mean, fx, fr) = g.path_gradient(&x, &r, 50, 0, case == 2);
            let sum: f64 = (0..4 * l).map(|i| (mean[i] * (x[i] - r[i])) as f64).sum();
            let d = (fx - fr) as f64;
            assert!(
                (sum - d).abs() <= 0.01 * d.abs().max(0.1),
                "{:?} case {case}: Σ IG {sum} vs f(x) − f(r) {d}",
                m.arch()
            );
        }
    }
}

/// Unit-resolved DeepLIFT: the units' tracks sum to the class's attributions at every
/// position (both strands, shuffled references), and a unit with a zero final weight gets
/// an all-zero track.
#[test]
fn unit_attributions_sum_to_the_attributions() {
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(13);
    let m = model(2, 2, 81);
    let mut t = m.to_tensors();
    t.get_mut("final.weight").unwrap().1[6 + 2] = 0.0; // class 1, unit 2
    let m = ExplaiNN::from_tensors(m.config().clone(), &t, &crate::default_device()).unwrap();
    let host = HostExplaiNN::new(&m);
    let l = 60;
    let codes: Vec<u8> = (0..l).map(|_| rng.random_range(0..4u8)).collect();
    let x = one_hot(&codes);
    let refs: Vec<Vec<f32>> = (0..3)
        .map(|_| {
            one_hot(&explainn_seq::shuffle::dinucleotide_shuffle(
                &codes, &mut rng,
            ))
        })
        .collect();
    let (a, tracks) = host.attribute_units(&x, &refs, true, Some(1));
    let tracks = tracks.unwrap();
    assert_eq!(tracks.len(), 6 * l);
    let scale = a.attributions.iter().fold(1f32, |m, v| m.max(v.abs()));
    for j in 0..l {
        let want: f32 = (0..4).map(|ch| a.attributions[4 * l + ch * l + j]).sum();
        let got: f32 = (0..6).map(|u| tracks[u * l + j]).sum();
        assert!(
            (got - want).abs() <= 1e-5 * scale,
            "position {j}: {got} vs {want}"
        );
    }
    assert!(tracks[2 * l..3 * l].iter().all(|&v| v == 0.0));
    assert!(tracks.iter().any(|&v| v.abs() > 1e-3));
    // The plain call is the same attribution.
    let b = host.attribute(&x, &refs, true);
    assert_eq!(a.attributions, b.attributions);
}

/// Exact DeepLIFT through the convolutional baselines: the host chain's logits equal the
/// model's, and every sequence–reference pair is complete, on small random CNN1, CNN1Exp,
/// DeepCNN and DeepSTARR-shaped nets (BatchNorm statistics moved off their initial values;
/// both strands; a shuffle, the all-zero and a fractional reference).
#[test]
fn deeplift_through_the_cnn_baselines_is_complete() {
    use crate::{Cnn, CnnConfig, CnnKind, ConvLayer};
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(21);
    let dev = crate::default_device();
    let l = 48;
    let c = |filters, width, pool| ConvLayer {
        filters,
        width,
        pool,
    };
    for (k, kind) in [
        CnnKind::Cnn1,
        CnnKind::Cnn1Exp,
        CnnKind::DeepCnn,
        CnnKind::DeepStarr,
    ]
    .into_iter()
    .enumerate()
    {
        let mut cfg = CnnConfig::new(kind, l, 2);
        cfg.conv = match kind {
            CnnKind::Cnn1 | CnnKind::Cnn1Exp => vec![c(6, 7, 4)],
            CnnKind::DeepCnn => vec![c(6, 7, 3), c(5, 3, 3)],
            CnnKind::DeepStarr => vec![c(6, 5, 2), c(4, 3, 2), c(5, 3, 2)],
        };
        cfg.dense = vec![9, 7];
        let m = Cnn::new(cfg.clone(), 5 + k as u64, &dev).unwrap();
        let mut t = m.to_tensors();
        for (name, (_, v)) in t.iter_mut() {
            for x in v.iter_mut() {
                if name.ends_with("running_var") {
                    *x = rng.random_range(0.2..2.0);
                } else if name.ends_with("running_mean") || name.ends_with(".bias") {
                    *x += rng.random_range(-0.3..0.3);
                } else if name.ends_with("weight") && kind != CnnKind::Cnn1Exp {
                    *x *= rng.random_range(0.5..2.0);
                }
            }
        }
        let m = Cnn::from_tensors(cfg, &t, &dev).unwrap();
        let host = HostCnn::new(&m);
        let p = crate::Predictor::new(crate::Model::Cnn(m), dev.clone(), 8);
        for _ in 0..3 {
            let codes: Vec<u8> = (0..l).map(|_| rng.random_range(0..4u8)).collect();
            let x = one_hot(&codes);
            let refs = vec![
                one_hot(&explainn_seq::shuffle::dinucleotide_shuffle(
                    &codes, &mut rng,
                )),
                vec![0f32; 4 * l],
                vec![0.25f32; 4 * l],
            ];
            let f = p.logits(&codes, false).unwrap();
            let g = p.logits(&codes, true).unwrap();
            for target in 0..2 {
                for r in &refs {
                    let one = host.attribute(&x, std::slice::from_ref(r), false, target);
                    assert!(
                        (one.logits[0] - f[target] as f64).abs() < 1e-4,
                        "{kind:?}: host logit {} vs model {}",
                        one.logits[0],
                        f[target]
                    );
                    assert!(
                        one.max_delta[0] <= 1e-4 * one.logits[0].abs().max(1.0),
                        "{kind:?}: delta {}",
                        one.max_delta[0]
                    );
                }
                let both = host.attribute(&x, &refs, true, target);
                let want = 0.5 * (f[target] + g[target]) as f64;
                assert!(
                    (both.logits[0] - want).abs() < 1e-4,
                    "{kind:?} both strands"
                );
                assert!(both.max_delta[0] <= 1e-4 * want.abs().max(1.0));
                // The attributions are the hypothetical contributions on the input's bases.
                for i in 0..4 * l {
                    assert_eq!(both.attributions[i], both.hypothetical[i] * x[i]);
                }
            }
        }
    }
}
