//! Tests of the training loop: batching, keep-best, freezing, penalties, clipping and
//! generated sources.

use super::*;

#[test]
fn trailing_single_item_is_merged() {
    let items: Vec<(usize, bool)> = (0..201).map(|i| (i, false)).collect();
    let b = batches(&items, 100);
    assert_eq!(
        b.iter().map(|x| x.len()).collect::<Vec<_>>(),
        vec![100, 101]
    );
    let b = batches(&items[..1], 100);
    assert_eq!(b.len(), 1);
    let b = batches(&items[..150], 100);
    assert_eq!(b.iter().map(|x| x.len()).collect::<Vec<_>>(), vec![100, 50]);
}

fn toy(n: usize, seed: u64) -> (Vec<u8>, Vec<f32>) {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let mut codes = Vec::new();
    let mut labels = Vec::new();
    for i in 0..n {
        let mut s: Vec<u8> = (0..24)
            .map(|_| rand::Rng::random_range(&mut rng, 0..4u8))
            .collect();
        if i % 2 == 1 {
            s[10..14].copy_from_slice(&[2, 0, 3, 0]); // GATA
        }
        codes.extend(s);
        labels.push((i % 2) as f32);
    }
    (codes, labels)
}

#[test]
fn trains_keeps_the_best_epoch_and_rejects_bad_data() {
    let (tc, tl) = toy(64, 1);
    let (vc, vl) = toy(16, 2);
    let train_set = TrainData::new(&tc, &tl, 24, 1).unwrap();
    let valid_set = TrainData::new(&vc, &vl, 24, 1).unwrap();
    let mut c = ExplaiNNConfig::new(3, 24, 1);
    c.filter_size = 5;
    c.pool_size = 4;
    c.pool_stride = 4;
    c.hidden = 6;
    let opts = TrainOptions {
        max_epochs: 4,
        batch_size: 16,
        patience: 2,
        ..TrainOptions::default()
    };
    let dev = crate::default_device();
    let mut events = 0;
    let out = train(c.clone(), &train_set, &valid_set, &opts, &dev, &mut |_| {
        events += 1
    })
    .unwrap();
    assert!(!out.history.is_empty() && events > out.history.len());
    let best = out
        .history
        .iter()
        .map(|e| e.validation_loss)
        .fold(f64::INFINITY, f64::min);
    assert_eq!(out.history[out.best_epoch - 1].validation_loss, best);
    // The returned weights are the best epoch's: recomputing the validation loss agrees.
    let p = Predictor::new(out.model.clone(), dev.clone(), 16);
    let again = evaluate(&p, &valid_set, opts.loss, opts.rc, 16, &dev);
    assert!((again - best).abs() < 1e-5, "{again} vs {best}");

    let empty = TrainData::new(&[], &[], 24, 1).unwrap();
    assert!(train(c.clone(), &train_set, &empty, &opts, &dev, &mut |_| {}).is_err());
    assert!(TrainData::new(&tc, &tl[..10], 24, 1).is_err());
    let mut wrong = c.clone();
    wrong.classes = 2;
    assert!(train(wrong, &train_set, &valid_set, &opts, &dev, &mut |_| {}).is_err());
}

fn small_explainn() -> ExplaiNNConfig {
    let mut c = ExplaiNNConfig::new(3, 24, 1);
    c.filter_size = 5;
    c.pool_size = 4;
    c.pool_stride = 4;
    c.hidden = 6;
    c
}

/// Frozen tensors and unit slices are bit-identical after training (with AdamW, whose
/// decoupled decay would move them), and everything else moves.
#[test]
fn frozen_parameters_stay_bit_identical() {
    let (tc, tl) = toy(64, 1);
    let (vc, vl) = toy(16, 2);
    let train_set = TrainData::new(&tc, &tl, 24, 1).unwrap();
    let valid_set = TrainData::new(&vc, &vl, 24, 1).unwrap();
    let c = small_explainn();
    let dev = crate::default_device();
    let initial = Model::new(&c.clone().into(), 5, &dev).unwrap().to_tensors();
    let opts = TrainOptions {
        max_epochs: 2,
        batch_size: 16,
        keep: Keep::Last,
        optimiser: Optimiser::AdamW { weight_decay: 0.1 },
        freeze: vec![
            Freeze::UnitFilter { unit: 0 },
            Freeze::Unit { unit: 2 },
            Freeze::Tensor {
                name: "final.bias".into(),
            },
        ],
        ..TrainOptions::default()
    };
    let out = train_with(
        c.clone(),
        Start::From(&initial),
        Source::Fixed(train_set),
        &valid_set,
        &opts,
        &dev,
        &mut |_| {},
    )
    .unwrap();
    let after = out.model.to_tensors();
    let same = |name: &str, r: std::ops::Range<usize>| {
        initial[name].1[r.clone()]
            .iter()
            .zip(&after[name].1[r])
            .all(|(a, b)| a.to_bits() == b.to_bits())
    };
    let f = 4 * c.filter_size;
    assert!(same("linears.0.weight", 0..f), "unit 0's filter moved");
    assert!(
        !same("linears.0.weight", f..2 * f),
        "unit 1's filter did not train"
    );
    assert!(
        same("linears.0.weight", 2 * f..3 * f),
        "unit 2's filter moved"
    );
    assert!(
        !same("linears.0.bias", 0..1),
        "unit 0's bias is not frozen by its filter"
    );
    assert!(same("linears.0.bias", 2..3) && same("linears.1.weight", 2..3));
    let (fi, fo) = c.layer_dims()[0];
    let (lin, norm) = c.layer_names(0);
    assert!(same(&format!("{lin}.weight"), 2 * fo * fi..3 * fo * fi));
    assert!(!same(&format!("{lin}.weight"), 0..fo * fi));
    assert!(same(&format!("{norm}.bias"), 2 * fo..3 * fo));
    assert!(same("final.bias", 0..1));
    assert!(!same("final.weight", 2..3), "the final layer trains");
    // Without the rules the same run moves them.
    let free = TrainOptions {
        freeze: vec![],
        ..opts.clone()
    };
    let out = train_with(
        c,
        Start::From(&initial),
        Source::Fixed(train_set),
        &valid_set,
        &free,
        &dev,
        &mut |_| {},
    )
    .unwrap();
    let moved = out.model.to_tensors();
    assert_ne!(moved["final.bias"].1, initial["final.bias"].1);
    assert_ne!(
        moved["linears.0.weight"].1[..f],
        initial["linears.0.weight"].1[..f]
    );
}

/// One SGD step of one batch: an L1 penalty of weight w changes the update of its
/// tensor by exactly −lr·w·sign(θ₀), and nothing else; with a clipping norm the step is
/// at most lr·clip long.
#[test]
fn penalties_and_clipping_change_the_step_as_stated() {
    let (tc, tl) = toy(32, 3);
    let (vc, vl) = toy(8, 4);
    let train_set = TrainData::new(&tc, &tl, 24, 1).unwrap();
    let valid_set = TrainData::new(&vc, &vl, 24, 1).unwrap();
    let c = small_explainn();
    let dev = crate::default_device();
    let initial = Model::new(&c.clone().into(), 5, &dev).unwrap().to_tensors();
    let base = TrainOptions {
        max_epochs: 1,
        batch_size: 64,
        keep: Keep::Last,
        optimiser: Optimiser::Sgd { momentum: 0.0 },
        lr: 0.01,
        ..TrainOptions::default()
    };
    let run = |opts: &TrainOptions| {
        let out = train_with(
            c.clone(),
            Start::From(&initial),
            Source::Fixed(train_set),
            &valid_set,
            opts,
            &dev,
            &mut |_| {},
        )
        .unwrap();
        assert_eq!(out.steps, 1);
        out.model.to_tensors()
    };
    let plain = run(&base);
    let w = 0.5;
    let pen = run(&TrainOptions {
        penalties: vec![Penalty {
            term: Term::L1 {
                tensor: "final.weight".into(),
            },
            weight: Weight::Constant { value: w },
        }],
        ..base.clone()
    });
    for (k, (a, b)) in plain["final.weight"]
        .1
        .iter()
        .zip(&pen["final.weight"].1)
        .enumerate()
    {
        let expect = -base.lr * w * (initial["final.weight"].1[k].signum() as f64);
        assert!(
            ((b - a) as f64 - expect).abs() < 1e-6,
            "{k}: {} vs {expect}",
            b - a
        );
    }
    assert_eq!(plain["linears.0.weight"], pen["linears.0.weight"]);
    // Clipping: the whole step is at most lr·clip long; without it, far longer.
    let step = |t: &TensorMap| -> f64 {
        t.iter()
            .filter(|(k, _)| !k.contains("running_"))
            .map(|(k, (_, v))| {
                v.iter()
                    .zip(&initial[k].1)
                    .map(|(a, b)| ((a - b) as f64).powi(2))
                    .sum::<f64>()
            })
            .sum::<f64>()
            .sqrt()
    };
    let clip = 1e-3;
    let clipped = run(&TrainOptions {
        clip_norm: Some(clip),
        ..base.clone()
    });
    assert!(
        step(&clipped) <= base.lr * clip * 1.0001,
        "{}",
        step(&clipped)
    );
    assert!(step(&clipped) > base.lr * clip * 0.99);
    assert!(step(&plain) > 10.0 * base.lr * clip);
}

/// A generated source is asked for a set every epoch.
#[test]
fn generated_sets_are_made_each_epoch() {
    let (vc, vl) = toy(16, 2);
    let valid_set = TrainData::new(&vc, &vl, 24, 1).unwrap();
    let mut asked = Vec::new();
    let mut make = |epoch: usize| {
        asked.push(epoch);
        Ok(toy(32, 100 + epoch as u64))
    };
    let opts = TrainOptions {
        max_epochs: 3,
        batch_size: 16,
        patience: 0,
        ..TrainOptions::default()
    };
    let dev = crate::default_device();
    let out = train_with(
        small_explainn(),
        Start::Fresh,
        Source::Generated(&mut make),
        &valid_set,
        &opts,
        &dev,
        &mut |_| {},
    )
    .unwrap();
    assert_eq!(out.history.len(), 3);
    assert_eq!(asked, [1, 2, 3]);
    let mut short = |_: usize| Ok((vec![0u8; 23], vec![0.0]));
    let e = train_with(
        small_explainn(),
        Start::Fresh,
        Source::Generated(&mut short),
        &valid_set,
        &opts,
        &dev,
        &mut |_| {},
    )
    .unwrap_err();
    assert!(e.to_string().contains("epoch 1"), "{e}");
}

/// Batches whose loss is not finite are skipped (no step) and counted; an epoch where every
/// batch is skipped is an error that says what to check.
#[test]
fn non_finite_batches_are_skipped_and_counted() {
    let (tc, mut tl) = toy(32, 5);
    let (vc, vl) = toy(8, 6);
    // Two labels so large that their squared error overflows f32: the batches holding
    // them (or their reverse complements) have an infinite loss.
    tl[3] = 1e30;
    tl[17] = 1e30;
    let train_set = TrainData::new(&tc, &tl, 24, 1).unwrap();
    let valid_set = TrainData::new(&vc, &vl, 24, 1).unwrap();
    let opts = TrainOptions {
        loss: Loss::Mse,
        max_epochs: 2,
        batch_size: 4,
        patience: 0,
        keep: Keep::Last,
        ..TrainOptions::default()
    };
    let dev = crate::default_device();
    let out = train(
        small_explainn(),
        &train_set,
        &valid_set,
        &opts,
        &dev,
        &mut |_| {},
    )
    .unwrap();
    let per_epoch = 64 / 4;
    for e in &out.history {
        assert!((1..=4).contains(&e.skipped), "{e:?}");
        assert!(e.train_loss.is_finite(), "{e:?}");
    }
    let skipped: usize = out.history.iter().map(|e| e.skipped).sum();
    assert_eq!(out.steps, 2 * per_epoch - skipped);
    let weights = out.model.to_tensors();
    assert!(
        weights
            .values()
            .all(|(_, v)| v.iter().all(|x| x.is_finite()))
    );
    // Every batch non-finite: an error naming the epoch and the loss.
    let all = vec![1e30f32; 32];
    let bad = TrainData::new(&tc, &all, 24, 1).unwrap();
    let e = train(small_explainn(), &bad, &valid_set, &opts, &dev, &mut |_| {}).unwrap_err();
    let e = e.to_string();
    assert!(
        e.contains("every batch of epoch 1") && e.contains("mse"),
        "{e}"
    );
}

/// Each penalty gets its own column: the unweighted epoch mean, NaN while its weight is 0;
/// a term the architecture does not compute is refused by name.
#[test]
fn penalty_terms_are_reported_per_epoch() {
    let (tc, tl) = toy(32, 7);
    let (vc, vl) = toy(8, 8);
    let train_set = TrainData::new(&tc, &tl, 24, 1).unwrap();
    let valid_set = TrainData::new(&vc, &vl, 24, 1).unwrap();
    let opts = TrainOptions {
        max_epochs: 3,
        batch_size: 64,
        patience: 0,
        keep: Keep::Last,
        optimiser: Optimiser::Sgd { momentum: 0.0 },
        lr: 1e-9,
        penalties: vec![Penalty {
            term: Term::L1 {
                tensor: "final.weight".into(),
            },
            weight: Weight::Ramp {
                delay: 1,
                from: 1.0,
                to: 2.0,
                epochs: 2,
                log: false,
            },
        }],
        ..TrainOptions::default()
    };
    let dev = crate::default_device();
    let c = small_explainn();
    let initial = Model::new(&c.clone().into(), 5, &dev).unwrap().to_tensors();
    let out = train_with(
        c.clone(),
        Start::From(&initial),
        Source::Fixed(train_set),
        &valid_set,
        &opts,
        &dev,
        &mut |_| {},
    )
    .unwrap();
    let l1: f64 = initial["final.weight"]
        .1
        .iter()
        .map(|v| v.abs() as f64)
        .sum();
    let terms: Vec<&(String, f64)> = out.history.iter().map(|e| &e.terms[0]).collect();
    assert!(terms.iter().all(|(l, _)| l == "l1(final.weight)"));
    assert!(terms[0].1.is_nan(), "weight 0 in epoch 1: not computed");
    // A learning rate of 1e-9 barely moves the weights: the column is Σ|w| of the start.
    for t in &terms[1..] {
        assert!((t.1 - l1).abs() < 1e-4 * l1, "{} vs {l1}", t.1);
    }
    let e = train(
        c,
        &train_set,
        &valid_set,
        &TrainOptions {
            penalties: vec![Penalty {
                term: Term::Model {
                    term: "overlap".into(),
                },
                weight: Weight::Constant { value: 1.0 },
            }],
            ..opts
        },
        &dev,
        &mut |_| {},
    )
    .unwrap_err()
    .to_string();
    assert!(
        e.contains("explainn computes no loss term `overlap`"),
        "{e}"
    );
}
