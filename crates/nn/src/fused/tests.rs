use super::*;
use crate::model::ExplaiNNConfig;
use burn::module::Module;
use burn::tensor::{Tensor, TensorData};
use explainn_seq::encode::one_hot_batch;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

/// A tiny random model whose BatchNorms have non-trivial running statistics and affines.
fn random_model(num_fc: usize, pool: (usize, usize), seed: u64) -> ExplaiNN {
    let dev = crate::default_device();
    // 37 units: one full register block and a partial one.
    let units = if num_fc % 2 == 0 { 37 } else { 5 };
    let mut c = ExplaiNNConfig::new(units, 41, 3);
    c.num_fc = num_fc;
    c.hidden = 6;
    c.filter_size = if pool.1 == 3 { 6 } else { 7 }; // odd and even tap counts
    (c.pool_size, c.pool_stride) = pool;
    let m = ExplaiNN::new(c.clone(), seed, &dev).unwrap();
    let mut rng = ChaCha8Rng::seed_from_u64(seed + 100);
    let mut t = m.to_tensors();
    for (name, (_, v)) in t.iter_mut() {
        for x in v.iter_mut() {
            if name.ends_with("running_var") {
                *x = rng.random_range(0.2..2.0);
            } else if name.ends_with("running_mean") || name.starts_with("linears.1.") {
                *x += rng.random_range(-0.5..0.5);
            } else if name.ends_with(".weight") && !name.starts_with("linears.0") {
                *x += rng.random_range(-0.3..0.3);
            }
        }
    }
    ExplaiNN::from_tensors(c, &t, &dev).unwrap().valid()
}

/// `n` random base codes, each N (4) with probability `n_rate`.
fn random_codes(rng: &mut ChaCha8Rng, n: usize, n_rate: f32) -> Vec<u8> {
    (0..n)
        .map(|_| {
            if rng.random::<f32>() < n_rate {
                4
            } else {
                rng.random_range(0..4u8)
            }
        })
        .collect()
}

fn host<const D: usize>(t: Tensor<D>) -> Vec<f32> {
    t.into_data()
        .convert::<f32>()
        .try_into_vec::<f32>()
        .unwrap()
}

fn assert_close(name: &str, got: &[f32], want: &[f32], rel: bool) {
    assert_eq!(got.len(), want.len(), "{name}: lengths");
    for (i, (a, b)) in got.iter().zip(want).enumerate() {
        let tol = if rel { 1e-5 * b.abs() + 1e-30 } else { 1e-5 };
        assert!((a - b).abs() <= tol, "{name}[{i}]: fused {a} vs burn {b}");
    }
}

#[test]
fn fused_matches_burn_eval_forward() {
    let mut rng = ChaCha8Rng::seed_from_u64(9);
    for num_fc in 0..4 {
        for pool in [(7, 7), (5, 3)] {
            let m = random_model(num_fc, pool, num_fc as u64 * 10 + pool.1 as u64);
            let l = m.config().input_length;
            let b = 9;
            let codes = random_codes(&mut rng, b * l, 0.05);
            let fused = FusedModel::new(&m);
            for rc in [false, true] {
                let x = Tensor::<3>::from_data(
                    TensorData::new(one_hot_batch(&codes, l, rc), [b, 4, l]),
                    &crate::default_device(),
                );
                let want = m.forward_units(x, true);
                let got = fused.forward(&codes, rc, true);
                let tag = format!("num_fc {num_fc} pool {pool:?} rc {rc}");
                assert_close(
                    &format!("{tag} activations"),
                    got.activations.as_ref().unwrap(),
                    &host(want.activations.unwrap()),
                    true,
                );
                assert_close(
                    &format!("{tag} units"),
                    &got.unit_outputs,
                    &host(want.unit_outputs),
                    false,
                );
                assert_close(
                    &format!("{tag} logits"),
                    &got.logits,
                    &host(want.logits),
                    false,
                );
                let lean = fused.forward(&codes, rc, false);
                assert!(lean.activations.is_none());
                assert_eq!(lean.logits, got.logits);
            }
        }
    }
}

/// The fused training block against burn's own operations on the same model, data and
/// dropout masks: logits within 1e-5 of their scale, every parameter gradient within 1e-4 of
/// the largest gradient of its layer, and the same running statistics afterwards.
#[test]
fn fused_training_step_matches_burn() {
    for num_fc in 0..3 {
        for pool in [(7, 7), (5, 3)] {
            let seed = num_fc as u64 * 10 + pool.1 as u64;
            let base = random_model(num_fc, pool, seed);
            let cfg = base.config().clone();
            // Negative and zero-crossing BN₀ scales exercise the argmin branch.
            let mut t = base.to_tensors();
            for (i, g) in t
                .get_mut("linears.1.weight")
                .unwrap()
                .1
                .iter_mut()
                .enumerate()
            {
                if i % 3 == 1 {
                    *g = -*g;
                }
            }
            let (l, b) = (cfg.input_length, 11);
            let mut rng = ChaCha8Rng::seed_from_u64(seed + 7);
            let codes = random_codes(&mut rng, b * l, 0.03);
            let r: Vec<f32> = (0..b * cfg.classes)
                .map(|_| rng.random_range(-1.0..1.0))
                .collect();
            let ctx = format!("num_fc {num_fc}, pool {pool:?}");
            compare_training_step(&cfg, &t, &codes, &r, &ctx);
        }
    }
}

/// One training step through the fused ops and through burn's, on the same weights `t`,
/// codes, dropout masks and loss Σ logits·r: logits within 1e-5 of their scale, every
/// parameter gradient within 1e-4 of the largest gradient of its layer, and the same
/// running statistics afterwards.
fn compare_training_step(
    cfg: &ExplaiNNConfig,
    t: &crate::TensorMap,
    codes: &[u8],
    r: &[f32],
    ctx: &str,
) {
    let ad = crate::default_device().autodiff();
    let l = cfg.input_length;
    let b = codes.len() / l;
    let step = |fused: bool| {
        let m = ExplaiNN::from_tensors(cfg.clone(), t, &ad).unwrap();
        let mut drop = ChaCha8Rng::seed_from_u64(3);
        let logits = if fused {
            m.forward_train_codes(codes, &mut drop)
        } else {
            let x = one_hot_batch(codes, l, false);
            m.forward_train(
                Tensor::from_data(TensorData::new(x, [b, 4, l]), &ad),
                &mut drop,
            )
        };
        let weights = Tensor::<2>::from_data(TensorData::new(r.to_vec(), [b, cfg.classes]), &ad);
        let loss = (logits.clone() * weights).sum();
        let grads = m.gradients(&loss.backward());
        (host(logits), grads, m.to_tensors())
    };
    let (fl, fg, ft) = step(true);
    let (bl, bg, bt) = step(false);
    // Logits: 1e-5 of their scale (f32 sums of exp values reach tens).
    let scale = bl.iter().fold(1f32, |m, x| m.max(x.abs()));
    for (i, (a, w)) in fl.iter().zip(&bl).enumerate() {
        assert!(
            (a - w).abs() <= 1e-5 * scale,
            "{ctx}: logit {i}: fused {a} vs burn {w}"
        );
    }
    let max_abs = |v: &[f32]| v.iter().fold(0f32, |m, x| m.max(x.abs()));
    for (name, want) in &bg {
        let got = &fg[name];
        // Relative to the largest gradient of the layer (weight and bias together):
        // some gradients are 0 in exact arithmetic (a bias followed by batch
        // statistics, BN₀'s β ahead of a per-unit layer and its BN) and both paths
        // then return rounding noise.
        let layer = name.rsplit_once('.').map_or(name.as_str(), |(p, _)| p);
        let scale = bg
            .iter()
            .filter(|(n, _)| n.rsplit_once('.').is_some_and(|(p, _)| p == layer))
            .fold(1e-6f32, |m, (_, v)| m.max(max_abs(v)));
        let worst = got
            .iter()
            .zip(want)
            .fold(0f32, |m, (a, w)| m.max((a - w).abs() / scale));
        eprintln!("{ctx}: {name}: largest difference {worst:.1e} of the layer's scale");
        for (i, (a, w)) in got.iter().zip(want).enumerate() {
            assert!(
                (a - w).abs() <= 1e-4 * scale,
                "{ctx}: gradient {name}[{i}]: fused {a} vs burn {w} (scale {scale})"
            );
        }
    }
    for name in ["linears.1.running_mean", "linears.1.running_var"] {
        assert_close(&format!("{name} ({ctx})"), &ft[name].1, &bt[name].1, false);
    }
}

/// The same comparison on a trained model and real sequences: the original ExplaiNN
/// checkpoint (100 units, 200 bp) on the 200 janggu test sequences, in two batches of 100.
#[test]
fn fused_training_step_matches_burn_on_the_original_checkpoint() {
    use std::io::Read;
    let data = std::path::Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/../../../shared/data"));
    let settings = crate::import::ImportSettings {
        input_length: 200,
        pool_size: 7,
        pool_stride: 7,
    };
    let pth = data.join("explainn_fixtures/model_epoch_best_4.pth");
    let (model, _) = crate::import::import_pth(&pth, settings, &crate::default_device()).unwrap();
    let mut text = String::new();
    let golden = data.join("explainn_fixtures/golden/janggu_test_predictions.tsv.gz");
    flate2::read::GzDecoder::new(std::fs::File::open(golden).unwrap())
        .read_to_string(&mut text)
        .unwrap();
    let codes: Vec<u8> = text
        .lines()
        .skip(1)
        .flat_map(|line| {
            explainn_seq::encode::to_codes(line.split('\t').nth(1).unwrap().as_bytes())
        })
        .collect();
    assert_eq!(codes.len(), 200 * 200);
    let cfg = model.config().clone();
    let t = model.to_tensors();
    let mut rng = ChaCha8Rng::seed_from_u64(11);
    for (k, batch) in codes.chunks(100 * 200).enumerate() {
        let r: Vec<f32> = (0..100 * cfg.classes)
            .map(|_| rng.random_range(-1.0..1.0))
            .collect();
        compare_training_step(
            &cfg,
            &t,
            batch,
            &r,
            &format!("original checkpoint, batch {k}"),
        );
    }
}

/// The AVX2 and portable builds of the kernels give the same bits: inference (activations,
/// unit outputs, logits) and the training block's forward and backward passes.
#[test]
fn simd_builds_agree_bit_for_bit() {
    let detected = simd::Simd::detect();
    if detected == simd::Simd::Portable {
        eprintln!("no AVX2 here: only the portable build runs");
        return;
    }
    let mut rng = ChaCha8Rng::seed_from_u64(21);
    for num_fc in 0..3 {
        for pool in [(7, 7), (5, 3)] {
            let m = random_model(num_fc, pool, num_fc as u64 + 40);
            let cfg = m.config().clone();
            let (l, b) = (cfg.input_length, 10);
            let codes = random_codes(&mut rng, b * l, 0.05);
            let tag = format!("num_fc {num_fc} pool {pool:?}");
            let avx = FusedModel::new(&m)
                .with_simd(detected)
                .forward(&codes, true, true);
            let portable = FusedModel::new(&m)
                .with_simd(simd::Simd::Portable)
                .forward(&codes, true, true);
            assert_eq!(avx.activations, portable.activations, "{tag}: activations");
            assert_eq!(
                avx.unit_outputs, portable.unit_outputs,
                "{tag}: unit outputs"
            );
            assert_eq!(avx.logits, portable.logits, "{tag}: logits");

            let t = m.to_tensors();
            let get = |n: &str| t[n].1.clone();
            let (lc, f) = (cfg.conv_length(), cfg.filter_size);
            let shape = block::BlockShape {
                batch: b,
                length: l,
                filter: f,
                pool: if num_fc == 0 { lc } else { pool.0 },
                stride: if num_fc == 0 { lc } else { pool.1 },
                windows: if num_fc == 0 { 1 } else { cfg.pooled_length() },
                simd: detected,
            };
            let run = |shape: block::BlockShape| {
                let r = block::forward(
                    &codes,
                    &get("linears.0.weight"),
                    &get("linears.0.bias"),
                    &get("linears.1.weight"),
                    &get("linears.1.bias"),
                    shape,
                );
                let grad: Vec<f32> = (0..r.pooled.len()).map(|i| (i % 7) as f32 - 3.0).collect();
                let g = r.saved.backward(&grad);
                (r.pooled, r.mean, r.var, g.weight, g.gamma, g.beta)
            };
            let portable = block::BlockShape {
                simd: simd::Simd::Portable,
                ..shape
            };
            let (a, p) = (run(shape), run(portable));
            assert_eq!(a.0, p.0, "{tag}: pooled");
            assert_eq!((&a.1, &a.2), (&p.1, &p.2), "{tag}: batch statistics");
            assert_eq!((&a.3, &a.4, &a.5), (&p.3, &p.4, &p.5), "{tag}: gradients");
        }
    }
}

/// Windows tiled along one run share their convolution and give what the windows cut out
/// give (to float rounding of the dense layers' summation order): every stride (overlapping, touching, apart), both strands, every depth of
/// the unit layers, overlapping pools, N runs.
#[test]
fn tiles_equal_the_windows_cut_out() {
    let mut rng = ChaCha8Rng::seed_from_u64(21);
    for num_fc in 0..3 {
        for pool in [(7, 7), (5, 3)] {
            let m = random_model(num_fc, pool, 50 + num_fc as u64 * 10 + pool.1 as u64);
            let l = m.config().input_length;
            let fused = FusedModel::new(&m);
            let run = random_codes(&mut rng, 700, 0.03);
            for stride in [1, 7, 13, l, l + 9] {
                let starts: Vec<usize> = (0..=run.len() - l).step_by(stride).collect();
                let cut: Vec<u8> = starts
                    .iter()
                    .flat_map(|&s| run[s..s + l].to_vec())
                    .collect();
                for rc in [false, true] {
                    let got = fused.tiles(&run, &starts, rc);
                    let want = fused.forward(&cut, rc, false);
                    let what = format!("num_fc {num_fc} pool {pool:?} stride {stride} rc {rc}");
                    let first = |a: &[f32], b: &[f32]| {
                        assert_eq!(a.len(), b.len(), "{what}: lengths");
                        // the dense layers read another layout (summation order may differ)
                        a.iter()
                            .zip(b)
                            .position(|(x, y)| (x - y).abs() > 1e-5 * y.abs().max(1.0))
                    };
                    if let Some(i) = first(&got.unit_outputs, &want.unit_outputs) {
                        panic!(
                            "{what}: unit output {i}: tiled {} vs cut out {}",
                            got.unit_outputs[i], want.unit_outputs[i]
                        );
                    }
                    if let Some(i) = first(&got.logits, &want.logits) {
                        panic!(
                            "{what}: logit {i}: tiled {} vs cut out {}",
                            got.logits[i], want.logits[i]
                        );
                    }
                }
            }
        }
    }
}

/// A scan of a run of codes finds exactly the positions where the activation maps of the
/// windows cut out reach each unit's threshold, on both strands, with their values.
#[test]
fn scan_finds_what_the_activation_maps_hold() {
    let mut rng = ChaCha8Rng::seed_from_u64(33);
    let m = random_model(2, (7, 7), 71);
    let (l, f, u) = (
        m.config().input_length,
        m.config().filter_size,
        m.config().units,
    );
    let lc = l - f + 1;
    let fused = FusedModel::new(&m);
    let run = random_codes(&mut rng, 40 * lc + f - 1, 0.02);
    let npos = run.len() - f + 1;
    for rc in [false, true] {
        // activation of every (position, unit) from windows of the model's length
        let mut all = vec![f32::NAN; npos * u];
        for s in (0..=run.len() - l).step_by(lc) {
            let a = fused.forward(&run[s..s + l], rc, true).activations.unwrap();
            for uu in 0..u {
                for j in 0..lc {
                    let start = if rc { s + lc - 1 - j } else { s + j };
                    all[start * u + uu] = a[uu * lc + j];
                }
            }
        }
        assert!(all.iter().all(|v| !v.is_nan()), "every position covered");
        // thresholds at each unit's 90th percentile
        let thresholds: Vec<f32> = (0..u)
            .map(|uu| {
                let mut v: Vec<f32> = (0..npos).map(|p| all[p * u + uu]).collect();
                v.sort_by(f32::total_cmp);
                v[v.len() * 9 / 10]
            })
            .collect();
        let mut got = fused.scan(&run, rc, &thresholds);
        got.sort_by_key(|&(p, uu, _)| (p, uu));
        let want: Vec<(usize, usize, f32)> = (0..npos)
            .flat_map(|p| (0..u).map(move |uu| (p, uu)))
            .filter(|&(p, uu)| all[p * u + uu] >= thresholds[uu])
            .map(|(p, uu)| (p, uu, all[p * u + uu]))
            .collect();
        assert!(want.len() > npos * u / 20, "{} hits", want.len());
        assert_eq!(got, want, "rc {rc}");
    }
}
