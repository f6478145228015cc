//! ARGMINN: the loss tests of the specification (§4.1), shapes and names, and a gradient
//! check of the whole training objective against finite differences.

use super::*;
use crate::Loss;
use crate::network::{Model, ModelConfig};
use burn::module::{Module, ModuleVisitor, Param, ParamId};
use burn::optim::GradientsParams;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

fn small(classes: usize) -> ArgminnConfig {
    ArgminnConfig {
        input_length: 30,
        classes,
        filters: 3,
        width: 4,
        positions: 4,
        token: 8,
        heads: 2,
        layers: 2,
        stream: 6,
        separate_keys: false,
    }
}

fn tensor3(v: Vec<f32>, shape: [usize; 3]) -> Tensor<3> {
    Tensor::from_data(TensorData::new(v, shape), &crate::default_device())
}

fn random(n: usize, seed: u64, sparse: bool) -> Vec<f32> {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    (0..n)
        .map(|_| {
            let v: f32 = rng.random_range(-1.0..1.0);
            if sparse { v.max(0.0) * 3.0 } else { v }
        })
        .collect()
}

#[test]
fn overlap_vectorised_equals_the_naive_loop() {
    for (b, f, lp, width, seed) in [(2, 3, 17, 4, 1), (3, 5, 40, 7, 2), (1, 2, 5, 5, 3)] {
        let a = random(b * f * lp, seed, true);
        let w = random(f * 4 * width, seed + 10, false);
        let naive = overlap_naive(&a, [b, f, lp], &w, width);
        let fast: f32 =
            overlap_loss(tensor3(a, [b, f, lp]), tensor3(w, [f, 4, width])).into_scalar();
        assert!(naive > 0.0);
        assert!(
            ((fast as f64) - naive).abs() <= 1e-5 * naive.max(1.0),
            "{fast} vs {naive}"
        );
    }
}

#[test]
fn overlap_is_zero_without_co_firing_or_overlapping_mass_and_positive_on_a_shared_kmer() {
    let (b, f, lp, width) = (1, 3, 30, 4);
    let w = random(f * 4 * width, 4, false);
    let loss = |a: &[f32], w: &[f32]| -> f32 {
        overlap_loss(
            tensor3(a.to_vec(), [b, f, lp]),
            tensor3(w.to_vec(), [f, 4, width]),
        )
        .into_scalar()
    };
    // Only filter 0 ever fires: no other filter's activation is penalised.
    let mut a = vec![0f32; b * f * lp];
    for i in [3, 4, 12, 25] {
        a[i] = 2.0;
    }
    assert_eq!(loss(&a, &w), 0.0);
    // Filters 1 and 2 fire together on the same positions: penalised.
    let mut both = vec![0f32; b * f * lp];
    for i in [10, 11] {
        both[lp + i] = 2.0;
        both[2 * lp + i] = 1.5;
    }
    assert!(loss(&both, &w) > 0.0);
    // The same co-firing with filter 2's weights all zero: no overlapping weight mass.
    let mut w0 = w.clone();
    w0[2 * 4 * width..].iter_mut().for_each(|v| *v = 0.0);
    let mut one = both.clone();
    one[..lp].iter_mut().for_each(|v| *v = 0.0);
    // Filter 1 is the strongest where it fires; elsewhere filter 0 (nothing fires) tops
    // and filter 2 is penalised only through its own, zero, weight mass.
    assert_eq!(
        overlap_naive(&one, [b, f, lp], &w0, width) > 0.0,
        loss(&one, &w0) > 0.0
    );
    let mut only2 = vec![0f32; b * f * lp];
    only2[2 * lp + 10] = 1.0;
    assert_eq!(loss(&only2, &w0), 0.0);
}

#[test]
fn entropy_of_uniform_attention_is_log2_of_the_positions() {
    let lp = 16;
    let a = tensor3(vec![1.0 / lp as f32; 2 * 3 * lp], [2, lp, 3]);
    let e: f32 = attention_entropy(&[a.clone(), a]).into_scalar();
    assert!((e - 4.0).abs() < 1e-5, "{e}");
    let mut peaked = vec![0f32; lp];
    peaked[3] = 1.0;
    let e: f32 = attention_entropy(&[tensor3(peaked, [1, lp, 1])]).into_scalar();
    assert!(e.abs() < 1e-5, "{e}");
}

#[test]
fn shapes_names_round_trip_and_attention_sums_to_one() {
    let dev = crate::default_device();
    for separate_keys in [false, true] {
        let c = ArgminnConfig {
            separate_keys,
            ..small(2)
        };
        let m = Argminn::new(c.clone(), 7, &dev).unwrap();
        let t = m.to_tensors();
        assert_eq!(t["scanner.weight"].0, vec![3, 4, 4]);
        assert_eq!(t["token.weight"].0, vec![8, 3 + 4]);
        assert_eq!(t["layers.1.query.weight"].0, vec![8, 6]);
        assert_eq!(t["layers.0.mlp2.weight"].0, vec![6, 8]);
        assert_eq!(t["head.weight"].0, vec![2, 6]);
        assert_eq!(t.contains_key("layers.0.key.weight"), separate_keys);
        let codes: Vec<u8> = (0..3 * 30).map(|i| (i * 7 % 5) as u8).collect();
        let x = explainn_seq::encode::one_hot_batch(&codes, 30, false);
        let x = tensor3(x, [3, 4, 30]);
        let out = m.run(x.clone(), false);
        assert_eq!(out.logits.dims(), [3, 2]);
        assert_eq!(out.activations.dims(), [3, 3, 27]);
        assert_eq!(out.attention.len(), 2);
        for a in out.attention {
            assert_eq!(a.dims(), [3, 27, 2]);
            let sums = tensor_values(a.sum_dim(1));
            assert!(sums.iter().all(|s| (s - 1.0).abs() < 1e-5), "{sums:?}");
        }
        let back = Argminn::from_tensors(c.clone(), &t, &dev).unwrap();
        assert_eq!(
            tensor_values(back.forward(x.clone())),
            tensor_values(m.forward(x))
        );
        let mut missing = t.clone();
        missing.remove("layers.1.mlp_norm.bias");
        let e = Argminn::from_tensors(c, &missing, &dev).unwrap_err();
        assert!(e.to_string().contains("layers.1.mlp_norm.bias"), "{e}");
    }
    let mut bad = small(1);
    bad.heads = 3;
    assert!(bad.validate().unwrap_err().to_string().contains("multiple"));
    bad = small(1);
    bad.input_length = 3;
    assert!(bad.validate().is_err());
}

/// The objective BCE + 50·overlap + 0.1·entropy in training mode, for a model from
/// `tensors`.
fn objective(
    c: &ArgminnConfig,
    tensors: &TensorMap,
    codes: &[u8],
    y: &[f32],
    device: &Device,
) -> Tensor<1> {
    let config = ModelConfig::Argminn(c.clone());
    let model = Model::from_tensors(&config, tensors, device).unwrap();
    let mut rng = ChaCha8Rng::seed_from_u64(1);
    let (logits, terms) = model.forward_train(codes, &mut rng, &["overlap", "entropy"]);
    let b = y.len() / c.classes;
    let y = Tensor::<2>::from_data(TensorData::new(y.to_vec(), [b, c.classes]), device);
    Loss::Bce.compute(logits, y).mul_scalar(W[0])
        + terms[0].clone().mul_scalar(W[1])
        + terms[1].clone().mul_scalar(W[2])
}
/// The weights of BCE, overlap and entropy: the overlap term (about 0.01 at
/// initialisation) is scaled up so that its gradient is checked as closely as the others.
const W: [f64; 3] = [1.0, 50.0, 0.1];

/// Autodiff gradients of the whole objective (scanner, BatchNorm, tokens, attention, the
/// stream MLPs and LayerNorms, the head, and both extra terms) against central finite
/// differences, for parameters drawn from every tensor.
#[test]
fn gradients_match_finite_differences() {
    let dev = crate::default_device();
    let ad = dev.clone().autodiff();
    let c = ArgminnConfig {
        separate_keys: true,
        ..small(1)
    };
    let config = ModelConfig::Argminn(c.clone());
    let tensors = Argminn::new(c.clone(), 3, &dev).unwrap().to_tensors();
    let mut rng = ChaCha8Rng::seed_from_u64(9);
    let b = 6;
    let codes: Vec<u8> = (0..b * 30).map(|_| rng.random_range(0..4u8)).collect();
    let y: Vec<f32> = (0..b).map(|i| (i % 2) as f32).collect();
    // Autodiff gradients by tensor name.
    let model = Model::from_tensors(&config, &tensors, &ad).unwrap();
    let named = crate::train::params::names(&model, &config, &dev).unwrap();
    let loss = {
        let mut r = ChaCha8Rng::seed_from_u64(1);
        let (logits, terms) = model.forward_train(&codes, &mut r, &["overlap", "entropy"]);
        let yt = Tensor::<2>::from_data(TensorData::new(y.clone(), [b, 1]), &ad);
        Loss::Bce.compute(logits, yt).mul_scalar(W[0])
            + terms[0].clone().mul_scalar(W[1])
            + terms[1].clone().mul_scalar(W[2])
    };
    let grads = GradientsParams::from_grads(loss.backward(), &model);
    struct Collect<'a>(&'a GradientsParams, Vec<(ParamId, Vec<f32>)>);
    impl ModuleVisitor for Collect<'_> {
        fn visit_float<const D: usize>(&mut self, param: &Param<Tensor<D>>) {
            if let Some(g) = self.0.get::<D>(param.id) {
                self.1.push((param.id, tensor_values(g)));
            }
        }
    }
    let mut collect = Collect(&grads, Vec::new());
    model.visit(&mut collect);
    let (mut checked, mut kinks) = (0, 0);
    let mut pick = ChaCha8Rng::seed_from_u64(5);
    for (id, g) in &collect.1 {
        let name = &named.iter().find(|(i, _)| i == id).unwrap().1.name;
        for _ in 0..4 {
            let k = pick.random_range(0..g.len());
            let eps = 4e-3f32;
            let at = |delta: f32| -> f64 {
                let mut t = tensors.clone();
                t.get_mut(name).unwrap().1[k] += delta;
                let v: f32 = objective(&c, &t, &codes, &y, &dev).into_scalar();
                v as f64
            };
            let fd = (at(eps) - at(-eps)) / (2.0 * eps as f64);
            let half = (at(eps / 2.0) - at(-eps / 2.0)) / eps as f64;
            let tol = 2e-3 + 0.05 * fd.abs().max(g[k].abs() as f64);
            if (fd - half).abs() > tol {
                // Not differentiable within ±eps: the overlap loss's strongest filter
                // switches (ties of silent positions), or a ReLU turns.
                kinks += 1;
                continue;
            }
            assert!(
                (fd - g[k] as f64).abs() <= tol,
                "{name}[{k}]: autodiff {} vs finite difference {fd}",
                g[k]
            );
            checked += 1;
        }
    }
    assert!(
        kinks * 5 <= checked,
        "{kinks} non-differentiable points, {checked} checked"
    );
    // Every trainable tensor has a gradient (running statistics have none).
    let trainable = tensors.keys().filter(|k| !k.contains("running_")).count();
    assert_eq!(collect.1.len(), trainable);
    assert_eq!(checked + kinks, 4 * trainable);
}
