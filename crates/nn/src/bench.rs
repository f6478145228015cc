//! Throughput measurement of training steps and inference on random data, timed like the
//! PyTorch peer script (`torch_throughput.py`): inputs already on the device, 5 warm-up
//! steps, then the median of per-step times.

use crate::loss::Loss;
use crate::network::{Model, ModelConfig};
use crate::{Predictor, Result};
use burn::module::Module;
use burn::optim::{AdamConfig, GradientsParams};
use burn::tensor::{Device, Tensor, TensorData};
use explainn_seq::encode::one_hot_batch;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use std::time::Instant;

/// Sequences per second of one training step (forward, BCE, backward, Adam) and of one
/// inference forward pass, both at batch size `batch`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Throughput {
    pub train_seq_per_s: f64,
    /// Through [`Predictor::logits`] from u8 codes (the fused kernel on the CPU device).
    pub infer_seq_per_s: f64,
    /// Through the burn model's forward pass on a one-hot tensor already on the device.
    pub infer_burn_seq_per_s: f64,
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

/// Time `steps` training steps and `steps` inference passes (after 5 warm-up steps each)
/// of a model of any architecture.
pub fn throughput(
    config: impl Into<ModelConfig>,
    batch: usize,
    steps: usize,
    device: &Device,
) -> Result<Throughput> {
    let config = config.into();
    let mut rng = ChaCha8Rng::seed_from_u64(0);
    let (l, c) = (config.input_length(), config.classes());
    let codes: Vec<u8> = (0..batch * l).map(|_| rng.random_range(0..4u8)).collect();
    let labels: Vec<f32> = (0..batch * c)
        .map(|_| (rng.random::<f32>() < 0.3) as u8 as f32)
        .collect();
    let x = one_hot_batch(&codes, l, false);
    let ad = device.clone().autodiff();
    let ya = Tensor::<2>::from_data(TensorData::new(labels, [batch, c]), &ad);
    let mut model = Model::new(&config, 0, &ad)?;
    let mut optim = AdamConfig::new().with_epsilon(1e-8).init();
    let mut drop_rng = ChaCha8Rng::seed_from_u64(1);
    let mut times = Vec::new();
    for i in 0..steps + 5 {
        let t = Instant::now();
        let loss = Loss::Bce.compute(model.forward_train_codes(&codes, &mut drop_rng), ya.clone());
        let grads = GradientsParams::from_grads(loss.backward(), &model);
        model = optim.step(0.003, model, grads);
        let _: f32 = model.output_bias_sum();
        if i >= 5 {
            times.push(t.elapsed().as_secs_f64());
        }
    }
    let train = batch as f64 / median(times);
    let time = |f: &mut dyn FnMut()| {
        let mut times = Vec::new();
        for i in 0..steps + 5 {
            let t = Instant::now();
            f();
            if i >= 5 {
                times.push(t.elapsed().as_secs_f64());
            }
        }
        batch as f64 / median(times)
    };
    let predictor = Predictor::new(model.clone(), device.clone(), batch);
    let infer = time(&mut || {
        let _ = predictor.logits(&codes, false).expect("whole sequences");
    });
    let m = model.valid();
    let xi = Tensor::<3>::from_data(TensorData::new(x, [batch, 4, l]), device);
    let burn = time(&mut || {
        let _: Vec<f32> = m
            .forward(xi.clone())
            .into_data()
            .try_into_vec()
            .expect("f32");
    });
    Ok(Throughput {
        train_seq_per_s: train,
        infer_seq_per_s: infer,
        infer_burn_seq_per_s: burn,
    })
}
