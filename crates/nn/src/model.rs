//! The ExplaiNN architecture: U independent units, each a convolutional filter followed by
//! per-unit fully connected layers, summed linearly into C outputs.
//!
//! For unit u and one-hot input x `(4, L)`:
//! - activation a_u = exp(BN(conv_u(x))), length L' = L − f + 1;
//! - `num_fc` = 0: o_u = max_j a_u[j];
//! - `num_fc` ≥ 1: p_u = maxpool(a_u) (length P = ⌊(L' − pool)/stride⌋ + 1), then per-unit
//!   layers P → H → … → H → 1, each linear + BN + ReLU, with dropout before every layer but
//!   the first (for `num_fc` = 1 the single layer is P → 1);
//! - logits y = W o + b with W `(C, U)`.
//!
//! The first layer is one shared `Conv1d(4 → U, f)`; the per-unit layers are block-diagonal,
//! computed as batched matmuls over units. Parameters keep the shapes of the original
//! PyTorch model (grouped 1×1 convolutions), see [`ExplaiNN::parameter_names`].

use crate::fused::{BlockShape, unit_block_train, unit_dense_train};
use crate::{NnError, Result};
use burn::module::{Module, Param, RunningState};
use burn::tensor::activation::relu;
use burn::tensor::module::{batch_norm, batch_norm_train, conv1d, max_pool1d};
use burn::tensor::ops::{ConvOptions, MaxPoolOptions};
use burn::tensor::{Device, Tensor, TensorData};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// BatchNorm epsilon and momentum (PyTorch defaults, as in the original).
pub(crate) const BN_EPS: f64 = 1e-5;
const BN_MOMENTUM: f64 = 0.1;

/// Architecture hyperparameters. Defaults follow the paper: filter 19, pool 7/7,
/// `num_fc` 2, hidden width 100, dropout 0.3.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ExplaiNNConfig {
    /// Number of units U.
    pub units: usize,
    /// Input sequence length L.
    pub input_length: usize,
    /// Number of outputs C.
    pub classes: usize,
    /// Convolutional filter width f (default 19).
    pub filter_size: usize,
    /// Max-pool window (default 7).
    pub pool_size: usize,
    /// Max-pool stride (default 7).
    pub pool_stride: usize,
    /// Per-unit fully connected layers: 0, 1, 2 or k > 2 (default 2).
    pub num_fc: usize,
    /// Width of the per-unit hidden layers (default 100; the original hard-codes 100).
    pub hidden: usize,
    /// Dropout probability before every per-unit layer but the first (default 0.3).
    pub dropout: f64,
}

impl ExplaiNNConfig {
    /// A configuration with the paper's defaults.
    pub fn new(units: usize, input_length: usize, classes: usize) -> Self {
        Self {
            units,
            input_length,
            classes,
            filter_size: 19,
            pool_size: 7,
            pool_stride: 7,
            num_fc: 2,
            hidden: 100,
            dropout: 0.3,
        }
    }

    /// Check that the hyperparameters describe a buildable model.
    pub fn validate(&self) -> Result<()> {
        let bad = |m: String| Err(NnError::Config(m));
        if self.units == 0 || self.classes == 0 || self.filter_size == 0 {
            return bad("units, classes and filter size must be positive".into());
        }
        if self.input_length < self.filter_size {
            return bad(format!(
                "input length {} is shorter than the filter size {}",
                self.input_length, self.filter_size
            ));
        }
        if self.num_fc > 0 {
            if self.pool_size == 0 || self.pool_stride == 0 {
                return bad("pool size and stride must be positive".into());
            }
            if self.conv_length() < self.pool_size {
                return bad(format!(
                    "input length {} leaves {} convolution positions, fewer than the pool size {}",
                    self.input_length,
                    self.conv_length(),
                    self.pool_size
                ));
            }
            if self.num_fc >= 2 && self.hidden == 0 {
                return bad("hidden width must be positive".into());
            }
        }
        if !(0.0..1.0).contains(&self.dropout) {
            return bad(format!("dropout {} is not in [0, 1)", self.dropout));
        }
        Ok(())
    }

    /// Convolution output length L' = L − f + 1.
    pub fn conv_length(&self) -> usize {
        self.input_length + 1 - self.filter_size
    }

    /// Pooled length P = ⌊(L' − pool)/stride⌋ + 1 (26 for L = 200 with the defaults).
    pub fn pooled_length(&self) -> usize {
        (self.conv_length() - self.pool_size) / self.pool_stride + 1
    }

    /// Per-unit (input, output) widths of the fully connected layers, in order.
    pub fn layer_dims(&self) -> Vec<(usize, usize)> {
        if self.num_fc == 0 {
            return Vec::new(); // no pooled layer (and pooling settings unchecked)
        }
        let (p, h) = (self.pooled_length(), self.hidden);
        match self.num_fc {
            0 => unreachable!("handled above"),
            1 => vec![(p, 1)],
            k => {
                let mut v = vec![(p, h)];
                v.extend(std::iter::repeat_n((h, h), k - 2));
                v.push((h, 1));
                v
            }
        }
    }

    /// PyTorch `state_dict` prefixes of (linear, batch norm) for per-unit layer `i`.
    pub(crate) fn layer_names(&self, i: usize) -> (String, String) {
        match (self.num_fc, i) {
            (_, 0) => ("linears.6".into(), "linears.7".into()),
            (2, 1) => ("linears.10".into(), "linears.11".into()),
            (k, i) if i == k - 1 => ("last_linear.1".into(), "last_linear.2".into()),
            (_, i) => (
                format!("linears_bg.{}.1", i - 1),
                format!("linears_bg.{}.2", i - 1),
            ),
        }
    }

    /// Number of trainable parameters (running statistics excluded).
    /// 308,503 for U = 100, L = 200, C = 3 with the defaults.
    pub fn parameter_count(&self) -> usize {
        let u = self.units;
        let mut n = u * 4 * self.filter_size + u + 2 * u;
        for (i, o) in self.layer_dims() {
            n += u * o * i + u * o + 2 * u * o;
        }
        n + self.classes * u + self.classes
    }
}

/// Named tensors in PyTorch layout: name → (shape, row-major values).
pub type TensorMap = BTreeMap<String, (Vec<usize>, Vec<f32>)>;

/// BatchNorm over dimension 1 with PyTorch semantics: batch statistics (biased variance)
/// when training, running statistics otherwise; the running variance is updated with the
/// unbiased batch variance, as PyTorch does.
#[derive(Module, Debug)]
pub(crate) struct BatchNorm1d {
    pub(crate) weight: Param<Tensor<1>>,
    pub(crate) bias: Param<Tensor<1>>,
    pub(crate) running_mean: RunningState<Tensor<1>>,
    pub(crate) running_var: RunningState<Tensor<1>>,
}

impl BatchNorm1d {
    pub(crate) fn forward<const D: usize>(&self, x: Tensor<D>, train: bool) -> Tensor<D> {
        if !train {
            let dev = x.device();
            return batch_norm(
                x,
                self.weight.val(),
                self.bias.val(),
                self.running_mean.value().to_device(&dev),
                self.running_var.value().to_device(&dev),
                BN_EPS,
            );
        }
        let channels = x.dims()[1];
        let count = x.shape().num_elements() / channels;
        let r = batch_norm_train(x, self.weight.val(), self.bias.val(), BN_EPS);
        self.update_running(r.mean, r.variance, count);
        r.output
    }

    /// Move the running statistics towards a batch's mean and biased variance over `count`
    /// values per channel (the variance enters with the unbiased correction, as in PyTorch).
    fn update_running(&self, mean: Tensor<1>, variance: Tensor<1>, count: usize) {
        let unbias = if count > 1 {
            count as f64 / (count - 1) as f64
        } else {
            1.0
        };
        let rm = self.running_mean.value_sync();
        let rv = self.running_var.value_sync();
        let dev = rm.device();
        let rm = rm.mul_scalar(1.0 - BN_MOMENTUM)
            + mean.detach().to_device(&dev).mul_scalar(BN_MOMENTUM);
        let rv = rv.mul_scalar(1.0 - BN_MOMENTUM)
            + variance
                .detach()
                .to_device(&dev)
                .mul_scalar(BN_MOMENTUM * unbias);
        self.running_mean.update(rm.detach());
        self.running_var.update(rv.detach());
    }
}

/// One per-unit fully connected layer (a grouped 1×1 convolution in the original) + BN.
#[derive(Module, Debug)]
struct UnitLinear {
    /// `(U·out, in, 1)`; rows `[u·out, (u+1)·out)` belong to unit u.
    weight: Param<Tensor<3>>,
    /// `(U·out)`.
    bias: Param<Tensor<1>>,
    bn: BatchNorm1d,
}

/// The ExplaiNN model. Build with [`ExplaiNN::new`] (random PyTorch-style initialisation)
/// or [`ExplaiNN::from_tensors`] (weights from a file).
#[derive(Module, Debug)]
pub struct ExplaiNN {
    /// `(U, 4, f)`.
    conv_weight: Param<Tensor<3>>,
    /// `(U)`.
    conv_bias: Param<Tensor<1>>,
    bn0: BatchNorm1d,
    layers: Vec<UnitLinear>,
    /// `(C, U)`.
    final_weight: Param<Tensor<2>>,
    /// `(C)`.
    final_bias: Param<Tensor<1>>,
    #[module(skip)]
    config: ExplaiNNConfig,
    /// The vector build of the fused CPU kernels, detected once when the model is built.
    #[module(skip)]
    simd: crate::fused::Simd,
}

/// Everything one forward pass can return.
#[derive(Debug, Clone)]
pub struct UnitOutputs {
    /// First-layer activations exp(BN(conv(x))), `(B, U, L − f + 1)`; present when requested.
    pub activations: Option<Tensor<3>>,
    /// Unit outputs o, `(B, U)`.
    pub unit_outputs: Tensor<2>,
    /// Logits, `(B, C)`.
    pub logits: Tensor<2>,
}

pub(crate) fn param<const D: usize>(
    data: Vec<f32>,
    shape: [usize; D],
    device: &Device,
) -> Param<Tensor<D>> {
    Param::from_tensor(Tensor::from_data(TensorData::new(data, shape), device))
}

pub(crate) fn uniform(rng: &mut ChaCha8Rng, n: usize, fan_in: usize) -> Vec<f32> {
    let k = 1.0 / (fan_in as f32).sqrt();
    (0..n).map(|_| rng.random_range(-k..k)).collect()
}

pub(crate) fn tensor_values<const D: usize>(t: Tensor<D>) -> Vec<f32> {
    t.into_data()
        .convert::<f32>()
        .try_into_vec::<f32>()
        .expect("float tensor")
}

impl ExplaiNN {
    /// A freshly initialised model on `device`, with PyTorch's default initialisation
    /// (uniform ±1/√fan_in for weights and biases, BN γ = 1, β = 0) drawn from a ChaCha8
    /// generator seeded with `seed`, so the result does not depend on the backend.
    /// Use an autodiff device (`device.clone().autodiff()`) to train it.
    pub fn new(config: ExplaiNNConfig, seed: u64, device: &Device) -> Result<Self> {
        config.validate()?;
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
        let (u, f, c) = (config.units, config.filter_size, config.classes);
        let mut map = TensorMap::new();
        let mut put = |name: &str, shape: Vec<usize>, data: Vec<f32>| {
            map.insert(name.to_string(), (shape, data));
        };
        put(
            "linears.0.weight",
            vec![u, 4, f],
            uniform(&mut rng, u * 4 * f, 4 * f),
        );
        put("linears.0.bias", vec![u], uniform(&mut rng, u, 4 * f));
        let bn = |put: &mut dyn FnMut(&str, Vec<usize>, Vec<f32>), p: &str, n: usize| {
            put(&format!("{p}.weight"), vec![n], vec![1.0; n]);
            put(&format!("{p}.bias"), vec![n], vec![0.0; n]);
            put(&format!("{p}.running_mean"), vec![n], vec![0.0; n]);
            put(&format!("{p}.running_var"), vec![n], vec![1.0; n]);
        };
        bn(&mut put, "linears.1", u);
        for (i, (fi, fo)) in config.layer_dims().into_iter().enumerate() {
            let (lin, norm) = config.layer_names(i);
            put(
                &format!("{lin}.weight"),
                vec![u * fo, fi, 1],
                uniform(&mut rng, u * fo * fi, fi),
            );
            put(
                &format!("{lin}.bias"),
                vec![u * fo],
                uniform(&mut rng, u * fo, fi),
            );
            bn(&mut put, &norm, u * fo);
        }
        put("final.weight", vec![c, u], uniform(&mut rng, c * u, u));
        put("final.bias", vec![c], uniform(&mut rng, c, u));
        Self::from_tensors(config, &map, device)
    }

    /// Names of every tensor of the model, as in the original PyTorch `state_dict`
    /// (without `num_batches_tracked`).
    pub fn parameter_names(config: &ExplaiNNConfig) -> Vec<String> {
        let mut names = vec!["linears.0.weight".to_string(), "linears.0.bias".to_string()];
        let bn = |names: &mut Vec<String>, p: &str| {
            for s in ["weight", "bias", "running_mean", "running_var"] {
                names.push(format!("{p}.{s}"));
            }
        };
        bn(&mut names, "linears.1");
        for i in 0..config.layer_dims().len() {
            let (lin, norm) = config.layer_names(i);
            names.push(format!("{lin}.weight"));
            names.push(format!("{lin}.bias"));
            bn(&mut names, &norm);
        }
        names.push("final.weight".into());
        names.push("final.bias".into());
        names
    }

    /// Build a model from named tensors in PyTorch layout (see [`Self::parameter_names`]);
    /// every tensor must be present with the expected shape. Extra names are ignored.
    pub fn from_tensors(config: ExplaiNNConfig, map: &TensorMap, device: &Device) -> Result<Self> {
        config.validate()?;
        let (u, f, c) = (config.units, config.filter_size, config.classes);
        let r = crate::layers::Reader { map, device };
        let mut layers = Vec::new();
        for (i, (fi, fo)) in config.layer_dims().into_iter().enumerate() {
            let (lin, norm) = config.layer_names(i);
            layers.push(UnitLinear {
                weight: r.param(&format!("{lin}.weight"), [u * fo, fi, 1])?,
                bias: r.param(&format!("{lin}.bias"), [u * fo])?,
                bn: r.bn(&norm, u * fo)?,
            });
        }
        Ok(Self {
            conv_weight: r.param("linears.0.weight", [u, 4, f])?,
            conv_bias: r.param("linears.0.bias", [u])?,
            bn0: r.bn("linears.1", u)?,
            layers,
            final_weight: r.param("final.weight", [c, u])?,
            final_bias: r.param("final.bias", [c])?,
            config,
            simd: crate::fused::Simd::detect(),
        })
    }

    /// Every tensor of the model in PyTorch layout (a deep copy of the current values).
    pub fn to_tensors(&self) -> TensorMap {
        let mut map = TensorMap::new();
        let mut put = |name: String, shape: Vec<usize>, data: Vec<f32>| {
            map.insert(name, (shape, data));
        };
        let put_bn =
            |put: &mut dyn FnMut(String, Vec<usize>, Vec<f32>), p: &str, bn: &BatchNorm1d| {
                let n = bn.weight.dims()[0];
                put(
                    format!("{p}.weight"),
                    vec![n],
                    tensor_values(bn.weight.val()),
                );
                put(format!("{p}.bias"), vec![n], tensor_values(bn.bias.val()));
                put(
                    format!("{p}.running_mean"),
                    vec![n],
                    tensor_values(bn.running_mean.value_sync()),
                );
                put(
                    format!("{p}.running_var"),
                    vec![n],
                    tensor_values(bn.running_var.value_sync()),
                );
            };
        put(
            "linears.0.weight".into(),
            self.conv_weight.dims().to_vec(),
            tensor_values(self.conv_weight.val()),
        );
        put(
            "linears.0.bias".into(),
            self.conv_bias.dims().to_vec(),
            tensor_values(self.conv_bias.val()),
        );
        put_bn(&mut put, "linears.1", &self.bn0);
        for (i, layer) in self.layers.iter().enumerate() {
            let (lin, norm) = self.config.layer_names(i);
            put(
                format!("{lin}.weight"),
                layer.weight.dims().to_vec(),
                tensor_values(layer.weight.val()),
            );
            put(
                format!("{lin}.bias"),
                layer.bias.dims().to_vec(),
                tensor_values(layer.bias.val()),
            );
            put_bn(&mut put, &norm, &layer.bn);
        }
        put(
            "final.weight".into(),
            self.final_weight.dims().to_vec(),
            tensor_values(self.final_weight.val()),
        );
        put(
            "final.bias".into(),
            self.final_bias.dims().to_vec(),
            tensor_values(self.final_bias.val()),
        );
        map
    }

    /// The vector build of the fused kernels.
    pub(crate) fn simd(&self) -> crate::fused::Simd {
        self.simd
    }

    /// The architecture hyperparameters.
    pub fn config(&self) -> &ExplaiNNConfig {
        &self.config
    }

    /// Final-layer weights W `(C, U)` row-major and bias b `(C)`:
    /// logit_c = Σ_u o_u·W[c·U + u] + b[c].
    pub fn final_layer(&self) -> (Vec<f32>, Vec<f32>) {
        (
            tensor_values(self.final_weight.val()),
            tensor_values(self.final_bias.val()),
        )
    }

    /// Convolution filters `(U, 4, f)` and biases `(U)`, row-major.
    pub fn filters(&self) -> (Vec<f32>, Vec<f32>) {
        (
            tensor_values(self.conv_weight.val()),
            tensor_values(self.conv_bias.val()),
        )
    }

    /// Sum of the final bias, read back to the host: forces pending work to finish
    /// (used for timing).
    pub(crate) fn final_bias_sum(&self) -> f32 {
        self.final_bias.val().sum().into_scalar()
    }

    /// Logits `(B, C)` for one-hot input `(B, 4, L)`, in inference mode (running BN
    /// statistics, no dropout).
    pub fn forward(&self, x: Tensor<3>) -> Tensor<2> {
        self.run(x, None, false).logits
    }

    /// Per-unit decomposition in inference mode: unit outputs `(B, U)`, logits `(B, C)` and,
    /// with `activations`, the first-layer activations `(B, U, L − f + 1)`.
    pub fn forward_units(&self, x: Tensor<3>, activations: bool) -> UnitOutputs {
        self.run(x, None, activations)
    }

    /// Training-mode logits for one-hot input `(B, 4, L)` through burn's own operations:
    /// batch statistics in BN (running statistics updated) and dropout masks drawn from `rng`.
    /// The reference the fused path of [`Self::forward_train_codes`] is tested against.
    #[cfg(test)]
    pub(crate) fn forward_train(&self, x: Tensor<3>, rng: &mut ChaCha8Rng) -> Tensor<2> {
        self.run(x, Some(rng), false).logits
    }

    /// Training-mode logits for B sequences of u8 codes (B·L row-major, A=0 C=1 G=2 T=3,
    /// 4 = N). On the CPU (`Flex`) autodiff device the unit block runs as one fused operation
    /// with its own backward (see `fused::block`); elsewhere through one-hot tensors and
    /// burn's operations (also on the CPU with `EXPLAINN_REFERENCE_OPS=1`, and for inputs of
    /// 65,535 bp or more, beyond the fused block's 16-bit argmax positions). Same semantics
    /// either way: batch statistics in BN (running statistics updated) and dropout masks
    /// drawn from `rng`.
    pub(crate) fn forward_train_codes(&self, codes: &[u8], rng: &mut ChaCha8Rng) -> Tensor<2> {
        let cfg = &self.config;
        let l = cfg.input_length;
        assert_eq!(
            codes.len() % l,
            0,
            "codes must hold whole sequences of the model's length"
        );
        let b = codes.len() / l;
        let dev = self.conv_weight.device();
        let flex_autodiff = dev.is_autodiff() && dev == Device::flex();
        if !flex_autodiff || reference_ops() || l >= u16::MAX as usize {
            let x = crate::network::one_hot_tensor(codes, l, &dev);
            return self.run(x, Some(rng), false).logits;
        }
        let (u, lc) = (cfg.units, cfg.conv_length());
        // num_fc = 0 takes the maximum over all positions: one window of L'.
        let (pool, stride, windows) = if self.layers.is_empty() {
            (lc, lc, 1)
        } else {
            (cfg.pool_size, cfg.pool_stride, cfg.pooled_length())
        };
        let shape = BlockShape {
            batch: b,
            length: l,
            filter: cfg.filter_size,
            pool,
            stride,
            windows,
            simd: self.simd,
        };
        let (pooled, mean, var) = unit_block_train(
            self.conv_weight.val(),
            self.conv_bias.val(),
            self.bn0.weight.val(),
            self.bn0.bias.val(),
            codes.to_vec(),
            shape,
        );
        self.bn0.update_running(mean, var, b * lc);
        let mut h = pooled; // (U, B, P)
        for (i, layer) in self.layers.iter().enumerate() {
            let [_, _, fi] = h.dims();
            let mask = if i > 0 {
                dropout_mask(u * b * fi, cfg.dropout, rng)
            } else {
                None
            };
            let (out, mean, var) = unit_dense_train(
                h,
                layer.weight.val(),
                layer.bias.val(),
                layer.bn.weight.val(),
                layer.bn.bias.val(),
                mask,
            );
            layer.bn.update_running(mean, var, b);
            h = out;
        }
        self.logits(h.reshape([u, b]).transpose())
    }

    /// Gradients of every trainable parameter after `backward`, by PyTorch name (zeros
    /// where a parameter got none).
    #[cfg(test)]
    pub(crate) fn gradients(&self, grads: &burn::tensor::Gradients) -> BTreeMap<String, Vec<f32>> {
        fn get<const D: usize>(p: &Param<Tensor<D>>, grads: &burn::tensor::Gradients) -> Vec<f32> {
            let v = p.val();
            match v.grad(grads) {
                Some(g) => tensor_values(g),
                None => vec![0.0; v.shape().num_elements()],
            }
        }
        let mut m = BTreeMap::new();
        m.insert("linears.0.weight".into(), get(&self.conv_weight, grads));
        m.insert("linears.0.bias".into(), get(&self.conv_bias, grads));
        m.insert("linears.1.weight".into(), get(&self.bn0.weight, grads));
        m.insert("linears.1.bias".into(), get(&self.bn0.bias, grads));
        for (i, layer) in self.layers.iter().enumerate() {
            let (lin, norm) = self.config.layer_names(i);
            m.insert(format!("{lin}.weight"), get(&layer.weight, grads));
            m.insert(format!("{lin}.bias"), get(&layer.bias, grads));
            m.insert(format!("{norm}.weight"), get(&layer.bn.weight, grads));
            m.insert(format!("{norm}.bias"), get(&layer.bn.bias, grads));
        }
        m.insert("final.weight".into(), get(&self.final_weight, grads));
        m.insert("final.bias".into(), get(&self.final_bias, grads));
        m
    }

    fn run(&self, x: Tensor<3>, rng: Option<&mut ChaCha8Rng>, keep: bool) -> UnitOutputs {
        let cfg = &self.config;
        let [b, ch, l] = x.dims();
        assert!(
            ch == 4 && l == cfg.input_length,
            "input shape ({b}, {ch}, {l}) does not match the model's (B, 4, {})",
            cfg.input_length
        );
        let train = rng.is_some();
        let u = cfg.units;
        let z = conv1d(
            x,
            self.conv_weight.val(),
            Some(self.conv_bias.val()),
            ConvOptions::new([1], [0], [1], 1),
        );
        let act = self.bn0.forward(z, train).exp(); // (B, U, L')
        let activations = keep.then(|| act.clone());
        let unit_outputs = if self.layers.is_empty() {
            act.max_dim(2).reshape([b, u])
        } else {
            let p = cfg.pooled_length();
            let pooled = if cfg.pool_size == cfg.pool_stride {
                // Non-overlapping windows: a reshape and a max are much faster than the
                // generic pooling kernel on the CPU backend (and give the same values).
                act.narrow(2, 0, p * cfg.pool_size)
                    .reshape([b, u, p, cfg.pool_size])
                    .max_dim(3)
                    .reshape([b, u, p])
            } else {
                max_pool1d(
                    act,
                    MaxPoolOptions::new([cfg.pool_size]).with_stride([cfg.pool_stride]),
                )
            };
            self.dense(pooled, rng)
        };
        UnitOutputs {
            activations,
            logits: self.logits(unit_outputs.clone()),
            unit_outputs,
        }
    }

    /// Per-unit fully connected layers: pooled `(B, U, P)` → unit outputs `(B, U)`; training
    /// mode (batch statistics, dropout) when `rng` is given.
    fn dense(&self, pooled: Tensor<3>, mut rng: Option<&mut ChaCha8Rng>) -> Tensor<2> {
        let (cfg, train) = (&self.config, rng.is_some());
        let [b, u, _] = pooled.dims();
        let mut h = pooled.swap_dims(0, 1); // (U, B, P)
        for (i, layer) in self.layers.iter().enumerate() {
            let [_, _, fi] = h.dims();
            let fo = layer.bias.dims()[0] / u;
            if i > 0 {
                if let Some(r) = rng.as_deref_mut() {
                    h = dropout(h, cfg.dropout, r);
                }
            }
            let w = layer.weight.val().reshape([u, fo, fi]).swap_dims(1, 2); // (U, in, out)
            let y = h.matmul(w) + layer.bias.val().reshape([u, 1, fo]); // (U, B, out)
            let y = relu(
                layer
                    .bn
                    .forward(y.swap_dims(0, 1).reshape([b, u * fo]), train),
            );
            h = y.reshape([b, u, fo]).swap_dims(0, 1);
        }
        h.swap_dims(0, 1).reshape([b, u]) // the last layer has one output per unit
    }

    /// Logits `(B, C)` = o W^T + b from unit outputs o `(B, U)`.
    fn logits(&self, unit_outputs: Tensor<2>) -> Tensor<2> {
        unit_outputs.matmul(self.final_weight.val().transpose())
            + self.final_bias.val().unsqueeze_dim::<2>(0)
    }
}

/// Whether training runs through burn's own operations even where the fused kernels
/// apply: set by the environment variable `EXPLAINN_REFERENCE_OPS=1` (slower; for checking
/// the fused path's accuracy against the reference path on real data).
pub(crate) fn reference_ops() -> bool {
    static REF: std::sync::OnceLock<bool> = std::sync::OnceLock::new();
    *REF.get_or_init(|| std::env::var("EXPLAINN_REFERENCE_OPS").is_ok_and(|v| v == "1"))
}

/// Inverted dropout with a mask drawn on the host from `rng` (deterministic for a seed,
/// whatever the backend and thread count).
pub(crate) fn dropout<const D: usize>(h: Tensor<D>, p: f64, rng: &mut ChaCha8Rng) -> Tensor<D> {
    let dims = h.dims();
    match dropout_mask(dims.iter().product(), p, rng) {
        Some(mask) => {
            let mask = Tensor::<D>::from_data(TensorData::new(mask, dims), &h.device());
            h * mask
        }
        None => h,
    }
}

/// `n` inverted-dropout factors (0 or 1/(1 − p)) drawn from `rng`; `None` when `p` = 0.
/// Factor i comes from the i-th next word of `rng` (as n calls of `next_u32` would draw
/// them), which leaves `rng` n words further on; parts of the mask are drawn in parallel
/// from copies of `rng` set to their word positions.
fn dropout_mask(n: usize, p: f64, rng: &mut ChaCha8Rng) -> Option<Vec<f32>> {
    use rayon::prelude::*;
    if p == 0.0 {
        return None;
    }
    let keep = 1.0 - p;
    let scale = (1.0 / keep) as f32;
    let threshold = (keep * u32::MAX as f64) as u32;
    const PART: usize = 1 << 14;
    let start = rng.get_word_pos();
    let mut mask = crate::fused::buf::uninit::<f32>(n);
    mask.par_chunks_mut(PART).enumerate().for_each(|(i, part)| {
        let mut r = rng.clone();
        r.set_word_pos(start + (i * PART) as u128);
        let mut words = [0u32; 1024];
        for part in part.chunks_mut(1024) {
            let words = &mut words[..part.len()];
            r.fill(&mut words[..]);
            // Branch-free (the branch would be mispredicted for every dropped value).
            let bits = scale.to_bits();
            for (m, &w) in part.iter_mut().zip(words.iter()) {
                m.write(f32::from_bits(
                    bits & ((w < threshold) as u32).wrapping_neg(),
                ));
            }
        }
    });
    rng.set_word_pos(start + n as u128);
    // SAFETY: every value of every part was written above.
    Some(unsafe { crate::fused::buf::assume_init(mask) })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parameter_counts_match_the_original() {
        let expect = [8_203, 11_103, 308_503, 1_338_503, 2_368_503];
        for (k, &n) in expect.iter().enumerate() {
            let mut c = ExplaiNNConfig::new(100, 200, 3);
            c.num_fc = k;
            assert_eq!(c.parameter_count(), n, "num_fc = {k}");
        }
    }

    #[test]
    fn names_follow_the_pytorch_layout() {
        let mut c = ExplaiNNConfig::new(2, 30, 1);
        c.num_fc = 4;
        let names = ExplaiNN::parameter_names(&c);
        assert!(names.contains(&"linears_bg.1.2.running_var".to_string()));
        assert!(names.contains(&"last_linear.1.weight".to_string()));
        c.num_fc = 2;
        assert!(ExplaiNN::parameter_names(&c).contains(&"linears.11.bias".to_string()));
    }

    #[test]
    fn dropout_masks_draw_the_words_of_next_u32() {
        use rand::RngCore;
        // Several parallel parts, the last one partial.
        let (n, p) = (40_000, 0.3);
        let mut drawn = ChaCha8Rng::seed_from_u64(5);
        drawn.next_u32(); // not at a block boundary
        let mask = dropout_mask(n, p, &mut drawn).unwrap();
        let mut rng = ChaCha8Rng::seed_from_u64(5);
        rng.next_u32();
        let threshold = (0.7 * u32::MAX as f64) as u32;
        let kept = mask.iter().filter(|&&m| m != 0.0).count();
        for (i, &m) in mask.iter().enumerate() {
            let want = if rng.next_u32() < threshold {
                1.0 / 0.7
            } else {
                0.0
            };
            assert_eq!(m, want as f32, "mask {i}");
        }
        assert_eq!(
            drawn.next_u32(),
            rng.next_u32(),
            "the stream goes on after n words"
        );
        assert!((27_400..28_600).contains(&kept), "{kept} of {n} kept");
        assert!(dropout_mask(n, 0.0, &mut rng).is_none());
    }

    #[test]
    fn config_validation() {
        let mut c = ExplaiNNConfig::new(2, 10, 1);
        assert!(c.validate().is_err()); // shorter than the filter
        c.input_length = 24; // L' = 6 < pool 7
        assert!(c.validate().is_err());
        c.num_fc = 0;
        assert!(c.validate().is_ok());
    }

    #[test]
    fn tensors_round_trip() {
        let dev = crate::default_device();
        for k in 0..4 {
            let mut c = ExplaiNNConfig::new(3, 40, 2);
            c.num_fc = k;
            c.hidden = 5;
            let m = ExplaiNN::new(c.clone(), 7, &dev).unwrap();
            let t = m.to_tensors();
            assert_eq!(
                t.keys().cloned().collect::<Vec<_>>().len(),
                ExplaiNN::parameter_names(&c).len()
            );
            let m2 = ExplaiNN::from_tensors(c, &t, &dev).unwrap();
            assert_eq!(m2.to_tensors(), t);
        }
    }
}
