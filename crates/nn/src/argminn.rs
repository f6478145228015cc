//! ARGMINN (Tseng, Eraslan, Biancalani & Scalia 2024, "A mechanistically interpretable
//! neural network for regulatory genomics", arXiv:2410.06211), written from the paper and
//! this project's specification (`docs/architectures.md`), not from the authors' code.
//!
//! One-hot input `(B, 4, L)` goes through:
//! 1. the **motif scanner**: one convolution of F filters of width W with bias, no padding,
//!    then ReLU: activations `A` `(B, F, L')`, L' = L − W + 1 (one filter, one motif);
//! 2. **tokens**: BatchNorm(A) concatenated with a fixed sinusoidal position encoding
//!    `(Dp, L')` (base 10⁴, sin on even and cos on odd dimensions), projected to E:
//!    `T` `(B, L', E)`;
//! 3. the **memory stream**: a fixed stream vector s₀ ∈ ℝ^Es (all ones: its only use is
//!    the first query W·s₀ + b, so any fixed non-zero s₀ spans the same models) read by
//!    AL attention layers, each with one query per sequence and head, q = Linear(s),
//!    values V = Linear(T), keys = the values (the paper's tied scoring) or their own
//!    projection, α = softmax over the L' positions of q·K/√dh, o = Σ α·V, u = LN(Linear(o)),
//!    f = LN(Linear(ReLU(Linear(u)))), s ← s + f (the only residual);
//! 4. the **head**: Linear(LN(s)), one logit per class.
//!
//! Loss terms computed from the forward pass ([`crate::ModelConfig::loss_terms`]):
//! `overlap`, the filter-overlap loss ([`overlap_loss`]), which pushes each motif into one
//! filter, and `entropy`, the mean attention entropy in bits. The L1 term on the scanner is
//! a penalty on the tensor `scanner.weight`.
//!
//! Tensors are named `scanner.weight` `(F, 4, W)`, `scanner.bias`, `scanner_bn.*`,
//! `token.{weight,bias}` `(E, F + Dp)`, per layer `layers.{l}.{query,key,value,out,mlp1,
//! mlp2}.{weight,bias}` and `layers.{l}.{out_norm,mlp_norm}.{weight,bias}`, then
//! `head_norm.{weight,bias}` and `head.{weight,bias}` `(C, Es)`.

use crate::layers::{Conv, Dense, Init, Reader, put, put_bn};
use crate::model::{BatchNorm1d, TensorMap, tensor_values};
use crate::{NnError, Result};
use burn::module::{Module, Param};
use burn::tensor::activation::{relu, softmax};
use burn::tensor::module::conv1d;
use burn::tensor::ops::ConvOptions;
use burn::tensor::{Device, Tensor, TensorData};
use serde::{Deserialize, Serialize};

/// LayerNorm's ε (PyTorch's default).
const LN_EPS: f64 = 1e-5;

/// ARGMINN hyperparameters; [`ArgminnConfig::new`] gives the paper's simulated-data ones.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ArgminnConfig {
    /// Input sequence length L.
    pub input_length: usize,
    /// Number of outputs C.
    pub classes: usize,
    /// Scanner filters F (8).
    pub filters: usize,
    /// Scanner filter width W (10; the paper's ChIP-seq models use 15).
    pub width: usize,
    /// Size Dp of the sinusoidal position encoding (16).
    pub positions: usize,
    /// Token size E (32).
    pub token: usize,
    /// Attention heads NH (4); E must be a multiple.
    pub heads: usize,
    /// Attention layers AL (4).
    pub layers: usize,
    /// Stream size Es (128).
    pub stream: usize,
    /// Keys by their own projection instead of the paper's keys = values (false).
    #[serde(default)]
    pub separate_keys: bool,
}

impl ArgminnConfig {
    /// The paper's simulated-data hyperparameters (F 8, W 10, Dp 16, E 32, NH 4, AL 4,
    /// Es 128, tied keys) for inputs of `input_length` and `classes` outputs.
    ///
    /// ```
    /// use explainn_nn::ArgminnConfig;
    /// let c = ArgminnConfig::new(500, 1);
    /// assert_eq!((c.filters, c.width, c.layers, c.positions_out()), (8, 10, 4, 491));
    /// ```
    pub fn new(input_length: usize, classes: usize) -> Self {
        Self {
            input_length,
            classes,
            filters: 8,
            width: 10,
            positions: 16,
            token: 32,
            heads: 4,
            layers: 4,
            stream: 128,
            separate_keys: false,
        }
    }

    /// Scanner positions L' = L − W + 1.
    pub fn positions_out(&self) -> usize {
        (self.input_length + 1).saturating_sub(self.width)
    }

    /// Check that the hyperparameters describe a buildable model.
    pub fn validate(&self) -> Result<()> {
        let sizes = [
            self.classes,
            self.filters,
            self.width,
            self.token,
            self.heads,
            self.layers,
            self.stream,
        ];
        if sizes.contains(&0) {
            return Err(NnError::Config(
                "ARGMINN sizes (classes, filters, width, token, heads, layers, stream) must all be positive"
                    .into(),
            ));
        }
        if self.positions % 2 != 0 {
            return Err(NnError::Config(format!(
                "the position encoding size {} must be even (sin and cos pairs)",
                self.positions
            )));
        }
        if self.token % self.heads != 0 {
            return Err(NnError::Config(format!(
                "the token size {} is not a multiple of the {} attention heads",
                self.token, self.heads
            )));
        }
        if self.positions_out() == 0 {
            return Err(NnError::Config(format!(
                "input length {} is shorter than ARGMINN's filter width {}",
                self.input_length, self.width
            )));
        }
        Ok(())
    }

    /// The name of part `part` of attention layer `l`.
    fn layer_name(l: usize, part: &str) -> String {
        format!("layers.{l}.{part}")
    }
}

/// LayerNorm over the last dimension of `(B, N)`, affine.
#[derive(Module, Debug)]
struct LayerNorm {
    weight: Param<Tensor<1>>,
    bias: Param<Tensor<1>>,
}

impl LayerNorm {
    fn read(r: &Reader, name: &str, n: usize) -> Result<Self> {
        Ok(Self {
            weight: r.param(&format!("{name}.weight"), [n])?,
            bias: r.param(&format!("{name}.bias"), [n])?,
        })
    }

    fn put(&self, map: &mut TensorMap, name: &str) {
        put(map, format!("{name}.weight"), &self.weight);
        put(map, format!("{name}.bias"), &self.bias);
    }

    fn forward(&self, x: Tensor<2>) -> Tensor<2> {
        let mean = x.clone().mean_dim(1);
        let centred = x - mean;
        let var = centred.clone().powi_scalar(2).mean_dim(1);
        let normed = centred / var.add_scalar(LN_EPS).sqrt();
        normed * self.weight.val().unsqueeze_dim::<2>(0) + self.bias.val().unsqueeze_dim::<2>(0)
    }
}

/// One stream-attention layer.
#[derive(Module, Debug)]
struct StreamLayer {
    query: Dense,
    key: Option<Dense>,
    value: Dense,
    out: Dense,
    out_norm: LayerNorm,
    mlp1: Dense,
    mlp2: Dense,
    mlp_norm: LayerNorm,
}

/// (B·L', E) → (B, L', NH, dh) through `dense`.
fn heads(dense: &Dense, t: Tensor<2>, b: usize, nh: usize) -> Tensor<4> {
    let [n, e] = t.dims();
    dense.forward(t).reshape([b, n / b, nh, e / nh])
}

impl StreamLayer {
    /// The new stream `(B, Es)` and the attention `(B, L', NH)` for tokens `(B·L', E)`.
    /// One query per sequence and head: the scores and the weighted sum are broadcast
    /// products and reductions over the positions (no batched products of one column).
    fn forward(&self, s: Tensor<2>, tokens: Tensor<2>, nh: usize) -> (Tensor<2>, Tensor<3>) {
        let b = s.dims()[0];
        let e = tokens.dims()[1];
        let dh = e / nh;
        let q = self.query.forward(s.clone()).reshape([b, 1, nh, dh]);
        let v = heads(&self.value, tokens.clone(), b, nh);
        let k = match &self.key {
            Some(key) => heads(key, tokens, b, nh),
            None => v.clone(),
        };
        let lp = v.dims()[1];
        let logits = (k * q)
            .sum_dim(3)
            .reshape([b, lp, nh])
            .div_scalar((dh as f64).sqrt());
        let alpha = softmax(logits, 1);
        let o = (alpha.clone().reshape([b, lp, nh, 1]) * v)
            .sum_dim(1)
            .reshape([b, e]);
        let u = self.out_norm.forward(self.out.forward(o));
        let f = self
            .mlp_norm
            .forward(self.mlp2.forward(relu(self.mlp1.forward(u))));
        (s + f, alpha)
    }
}

/// Everything one forward pass gives.
#[derive(Debug, Clone)]
pub struct ArgminnOutputs {
    /// Logits `(B, C)`.
    pub logits: Tensor<2>,
    /// Scanner activations ReLU(conv(x)) before BatchNorm, `(B, F, L')`.
    pub activations: Tensor<3>,
    /// Attention of each layer, `(B, L', NH)` (softmax over the positions, dimension 1).
    pub attention: Vec<Tensor<3>>,
}

/// ARGMINN (see the module documentation).
#[derive(Module, Debug)]
pub struct Argminn {
    scanner: Conv,
    scanner_bn: BatchNorm1d,
    token: Dense,
    layers: Vec<StreamLayer>,
    head_norm: LayerNorm,
    head: Dense,
    #[module(skip)]
    config: ArgminnConfig,
}

impl Argminn {
    /// A fresh model with PyTorch's default initialisation (uniform ±1/√fan_in; BN and LN
    /// weights 1, biases 0) drawn from ChaCha8(`seed`).
    pub fn new(config: ArgminnConfig, seed: u64, device: &Device) -> Result<Self> {
        config.validate()?;
        let c = &config;
        let mut init = Init::new(seed);
        init.conv("scanner", c.filters, 4, c.width);
        init.bn("scanner_bn", c.filters);
        init.linear("token", c.token, c.filters + c.positions);
        for l in 0..c.layers {
            let n = |p: &str| ArgminnConfig::layer_name(l, p);
            init.linear(&n("query"), c.token, c.stream);
            if c.separate_keys {
                init.linear(&n("key"), c.token, c.token);
            }
            init.linear(&n("value"), c.token, c.token);
            init.linear(&n("out"), c.token, c.token);
            init.layer_norm(&n("out_norm"), c.token);
            init.linear(&n("mlp1"), c.token, c.token);
            init.linear(&n("mlp2"), c.stream, c.token);
            init.layer_norm(&n("mlp_norm"), c.stream);
        }
        init.layer_norm("head_norm", c.stream);
        init.linear("head", c.classes, c.stream);
        Self::from_tensors(config, &init.map, device)
    }

    /// Build a model from named tensors (see the module documentation for the names).
    pub fn from_tensors(config: ArgminnConfig, map: &TensorMap, device: &Device) -> Result<Self> {
        config.validate()?;
        let c = &config;
        let r = Reader { map, device };
        let mut layers = Vec::new();
        for l in 0..c.layers {
            let n = |p: &str| ArgminnConfig::layer_name(l, p);
            let key = if c.separate_keys {
                Some(r.dense(&n("key"), c.token, c.token)?)
            } else {
                None
            };
            layers.push(StreamLayer {
                query: r.dense(&n("query"), c.token, c.stream)?,
                key,
                value: r.dense(&n("value"), c.token, c.token)?,
                out: r.dense(&n("out"), c.token, c.token)?,
                out_norm: LayerNorm::read(&r, &n("out_norm"), c.token)?,
                mlp1: r.dense(&n("mlp1"), c.token, c.token)?,
                mlp2: r.dense(&n("mlp2"), c.stream, c.token)?,
                mlp_norm: LayerNorm::read(&r, &n("mlp_norm"), c.stream)?,
            });
        }
        Ok(Self {
            scanner: r.conv("scanner", c.filters, 4, c.width)?,
            scanner_bn: r.bn("scanner_bn", c.filters)?,
            token: r.dense("token", c.token, c.filters + c.positions)?,
            layers,
            head_norm: LayerNorm::read(&r, "head_norm", c.stream)?,
            head: r.dense("head", c.classes, c.stream)?,
            config,
        })
    }

    /// Every tensor by its name.
    pub fn to_tensors(&self) -> TensorMap {
        let mut map = TensorMap::new();
        self.scanner.put(&mut map, "scanner");
        put_bn(&mut map, "scanner_bn", &self.scanner_bn);
        self.token.put(&mut map, "token");
        for (l, layer) in self.layers.iter().enumerate() {
            let n = |p: &str| ArgminnConfig::layer_name(l, p);
            layer.query.put(&mut map, &n("query"));
            if let Some(k) = &layer.key {
                k.put(&mut map, &n("key"));
            }
            layer.value.put(&mut map, &n("value"));
            layer.out.put(&mut map, &n("out"));
            layer.out_norm.put(&mut map, &n("out_norm"));
            layer.mlp1.put(&mut map, &n("mlp1"));
            layer.mlp2.put(&mut map, &n("mlp2"));
            layer.mlp_norm.put(&mut map, &n("mlp_norm"));
        }
        self.head_norm.put(&mut map, "head_norm");
        self.head.put(&mut map, "head");
        map
    }

    /// The hyperparameters.
    pub fn config(&self) -> &ArgminnConfig {
        &self.config
    }

    pub(crate) fn output_bias_sum(&self) -> f32 {
        self.head.bias.val().sum().into_scalar()
    }

    /// Scanner filters `(F, 4, W)`, row-major.
    pub(crate) fn first_filters(&self) -> (Vec<f32>, [usize; 3]) {
        let w = self.scanner.weight.val();
        let d = w.dims();
        (tensor_values(w), d)
    }

    /// Scanner activations ReLU(conv(x)) `(B, F, L')`, before BatchNorm.
    pub(crate) fn first_activations(&self, x: Tensor<3>) -> Tensor<3> {
        relu(self.scanner.forward(x, 0))
    }

    /// The position encoding `(Dp, L')`: dimension 2i is sin(p / 10000^(2i/Dp)), 2i + 1
    /// its cos.
    fn position_encoding(&self, device: &Device) -> Tensor<2> {
        let (dp, lp) = (self.config.positions, self.config.positions_out());
        let mut v = vec![0f32; dp * lp];
        for i in 0..dp / 2 {
            let rate = 10_000f64.powf(-((2 * i) as f64) / dp as f64);
            for p in 0..lp {
                let angle = p as f64 * rate;
                v[2 * i * lp + p] = angle.sin() as f32;
                v[(2 * i + 1) * lp + p] = angle.cos() as f32;
            }
        }
        Tensor::from_data(TensorData::new(v, [dp, lp]), device)
    }

    /// The forward pass for one-hot input `(B, 4, L)`: training mode (BatchNorm on batch
    /// statistics, running statistics updated) with `train`. Dropout is 0, as the paper's.
    pub fn run(&self, x: Tensor<3>, train: bool) -> ArgminnOutputs {
        let c = &self.config;
        let dev = x.device();
        let b = x.dims()[0];
        let lp = c.positions_out();
        let activations = self.first_activations(x);
        let normed = self.scanner_bn.forward(activations.clone(), train);
        let pe = self
            .position_encoding(&dev)
            .unsqueeze_dim::<3>(0)
            .expand([b, c.positions, lp]);
        let tokens = Tensor::cat(vec![normed, pe], 1).swap_dims(1, 2); // (B, L', F + Dp)
        let tokens = self
            .token
            .forward(tokens.reshape([b * lp, c.filters + c.positions])); // (B·L', E)
        let mut s = Tensor::<2>::ones([b, c.stream], &dev);
        let mut attention = Vec::with_capacity(c.layers);
        for layer in &self.layers {
            let (next, alpha) = layer.forward(s, tokens.clone(), c.heads);
            s = next;
            attention.push(alpha);
        }
        let logits = self.head.forward(self.head_norm.forward(s));
        ArgminnOutputs {
            logits,
            activations,
            attention,
        }
    }

    /// What the read-out needs, in inference mode, on the host, for B sequences of u8
    /// codes `(B·L)`: scanner activations `(B, F, L')` before BatchNorm and the attention
    /// of every layer and head `(B, AL, L', NH)` (the paper's `att_vals`, positions before
    /// heads).
    pub fn scan(&self, codes: &[u8]) -> (Vec<f32>, Vec<f32>) {
        let dev = self.scanner.weight.device();
        let x = crate::network::one_hot_tensor(codes, self.config.input_length, &dev);
        let out = self.run(x, false);
        let attention = Tensor::stack::<4>(out.attention, 1);
        (tensor_values(out.activations), tensor_values(attention))
    }

    /// Logits `(B, C)` in inference mode.
    pub fn forward(&self, x: Tensor<3>) -> Tensor<2> {
        self.run(x, false).logits
    }

    /// Training-mode logits with the loss `terms` asked (`overlap`, `entropy`), in order.
    pub(crate) fn forward_train(
        &self,
        x: Tensor<3>,
        terms: &[&str],
    ) -> (Tensor<2>, Vec<Tensor<1>>) {
        let out = self.run(x, true);
        let values = terms
            .iter()
            .map(|&t| match t {
                "overlap" => overlap_loss(out.activations.clone(), self.scanner.weight.val()),
                "entropy" => attention_entropy(&out.attention),
                other => unreachable!("loss term `{other}` was checked against LOSS_TERMS"),
            })
            .collect();
        (out.logits, values)
    }
}

/// The loss terms ARGMINN computes from its forward pass.
pub const LOSS_TERMS: [&str; 2] = ["overlap", "entropy"];

/// The mean over sequences, heads and layers of the attention's entropy in bits; each
/// layer's attention is `(B, L', NH)`.
pub fn attention_entropy(attention: &[Tensor<3>]) -> Tensor<1> {
    let n = attention.len() as f64;
    let per_layer: Vec<Tensor<1>> = attention
        .iter()
        .map(|a| {
            let log2 = a
                .clone()
                .clamp_min(1e-30)
                .log()
                .div_scalar(std::f64::consts::LN_2);
            (a.clone() * log2).sum_dim(1).neg().mean().reshape([1])
        })
        .collect();
    Tensor::cat(per_layer, 0).sum().div_scalar(n)
}

/// The filter-overlap loss of the paper, vectorised: for scanner activations `a`
/// `(B, F, L')` (before BatchNorm) and filters `w` `(F, 4, W)`,
///
/// L_ov = Σ over sequences n, positions i, filters b ≠ a(n, i) and offsets
/// d ∈ [−(W−1), W−1] of A[n, b, i+d] · S_{a(n,i)}(d) · S_b(−d), divided by
/// B·L'·F·(2W−1) and by Σ|w|,
///
/// where a(n, i) is the filter with the largest activation at i (the first on ties, so
/// filter 0 where nothing fires), S_f(d) = Σ_{k = max(0,d)}^{W−1+min(0,d)} Σ_c |w_f[c, k]|
/// is f's weight mass that overlaps a copy shifted by d, and activations outside the
/// sequence are 0. The gradient flows through both `a` and `w` (the argmax is a constant).
/// A filter firing within W bp of the strongest one is penalised by its activation times
/// the two filters' overlapping weight mass, so each motif ends up in one filter.
///
/// Computed as one convolution of `a` with the `(F, F, 2W − 1)` kernel
/// G[a, b, d] = S_a(d)·S_b(−d) (zero for b = a), read at each position's strongest filter.
pub fn overlap_loss(a: Tensor<3>, w: Tensor<3>) -> Tensor<1> {
    let [b, f, lp] = a.dims();
    let width = w.dims()[2];
    let nd = 2 * width - 1;
    let dev = a.device();
    // The rows of the filter that a shift by d keeps: S = m · mask, (F, 2W − 1).
    let mut mask = vec![0f32; width * nd];
    for j in 0..nd {
        let d = j as isize - (width as isize - 1);
        let (lo, hi) = (d.max(0), width as isize - 1 + d.min(0));
        for k in lo..=hi {
            mask[k as usize * nd + j] = 1.0;
        }
    }
    let mask = Tensor::<2>::from_data(TensorData::new(mask, [width, nd]), &dev);
    let total_mass = w.clone().abs().sum();
    let m = w.abs().sum_dim(1).reshape([f, width]);
    let s = m.matmul(mask); // S_f(d)
    let s_neg = s.clone().flip([1]); // S_b(−d)
    let mut off = vec![1f32; f * f];
    for i in 0..f {
        off[i * f + i] = 0.0;
    }
    let off = Tensor::<3>::from_data(TensorData::new(off, [f, f, 1]), &dev);
    let g = s.reshape([f, 1, nd]) * s_neg.reshape([1, f, nd]) * off; // (F_a, F_b, 2W − 1)
    // C[n, a, i] = Σ_b Σ_d A[n, b, i + d]·G[a, b, d]: a cross-correlation of A with G as
    // kernel, zero-padded by W − 1 (what filter a at i would be charged if it topped).
    let charged = conv1d(
        a.clone(),
        g,
        None,
        ConvOptions::new([1], [width - 1], [1], 1),
    );
    // Keep the charge of the strongest filter at every position (one-hot `(B, F, L')`).
    let values = tensor_values(a.detach());
    let mut top = vec![0f32; b * f * lp];
    for n in 0..b {
        for i in 0..lp {
            let mut best = 0;
            for k in 1..f {
                if values[(n * f + k) * lp + i] > values[(n * f + best) * lp + i] {
                    best = k;
                }
            }
            top[(n * f + best) * lp + i] = 1.0;
        }
    }
    let top = Tensor::<3>::from_data(TensorData::new(top, [b, f, lp]), &dev);
    let count = (b * lp * f * nd) as f64;
    (charged * top).sum().div_scalar(count) / total_mass
}

/// The filter-overlap loss by its definition, one term at a time, in f64: the reference
/// that [`overlap_loss`] is tested against. `a` is `(B, F, L')`, `w` `(F, 4, W)`.
#[cfg(test)]
pub(crate) fn overlap_naive(a: &[f32], [b, f, lp]: [usize; 3], w: &[f32], width: usize) -> f64 {
    let mass = |k: usize, j: usize| -> f64 {
        (0..4)
            .map(|c| w[(k * 4 + c) * width + j].abs() as f64)
            .sum()
    };
    let s = |k: usize, d: isize| -> f64 {
        let lo = d.max(0) as usize;
        let hi = (width as isize - 1 + d.min(0)) as usize;
        (lo..=hi).map(|j| mass(k, j)).sum()
    };
    let total: f64 = w.iter().map(|v| v.abs() as f64).sum();
    let act = |n: usize, k: usize, i: isize| -> f64 {
        if i < 0 || i >= lp as isize {
            0.0
        } else {
            a[(n * f + k) * lp + i as usize] as f64
        }
    };
    let mut sum = 0.0;
    for n in 0..b {
        for i in 0..lp {
            let mut top = 0;
            for k in 1..f {
                if a[(n * f + k) * lp + i] > a[(n * f + top) * lp + i] {
                    top = k;
                }
            }
            for other in (0..f).filter(|&k| k != top) {
                for d in -(width as isize - 1)..=(width as isize - 1) {
                    sum += act(n, other, i as isize + d) * s(top, d) * s(other, -d);
                }
            }
        }
    }
    sum / (b * lp * f * (2 * width - 1)) as f64 / total
}

#[cfg(test)]
mod tests;
