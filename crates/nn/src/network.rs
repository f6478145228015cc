//! One interface for every architecture: [`Model`] (the built network, a burn module) and
//! [`ModelConfig`] (its typed hyperparameters), for ExplaiNN and the paper's baselines.
//!
//! Every model maps one-hot input `(B, 4, L)` (rows A, C, G, T) to logits `(B, C)` on any
//! burn device. Capabilities that only some models have are asked for explicitly:
//! - [`Model::explainn`]: the per-unit decomposition (ExplaiNN only);
//! - [`Model::first_layer`]: the first convolution's filters and activations (every
//!   architecture; used for filter visualisation).
//!
//! ```
//! use explainn_nn::{Arch, Model, ModelConfig, default_device};
//! let config = ModelConfig::published(Arch::Cnn1, 60, 2).unwrap();
//! let model = Model::new(&config, 1714, &default_device()).unwrap();
//! assert_eq!((model.input_length(), model.classes()), (60, 2));
//! assert!(model.explainn().is_none());
//! assert_eq!(model.first_layer().shape, [100, 4, 19]);
//! ```

use crate::argminn::{Argminn, ArgminnConfig};
use crate::cnn::{Cnn, CnnConfig, CnnKind};
use crate::danq::{DanQ, DanQConfig};
use crate::model::{ExplaiNN, ExplaiNNConfig, TensorMap, tensor_values};
use crate::stack::{Head, Stack, StackConfig};
use crate::{NnError, Result};
use burn::module::Module;
use burn::tensor::{Device, Tensor, TensorData};
use rand_chacha::ChaCha8Rng;
use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

/// The architectures explainn trains, by their command-line names.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Arch {
    /// `explainn`: ExplaiNN (Novakovsky et al. 2023).
    #[serde(rename = "explainn")]
    ExplaiNN,
    /// `cnn1`: the original package's `ConvNetShallow`.
    Cnn1,
    /// `cnn1-exp`: CNN1 with an exponential first-layer activation.
    Cnn1Exp,
    /// `deepcnn`: the original package's `ConvNetDeep`.
    #[serde(rename = "deepcnn")]
    DeepCnn,
    /// `danq`: DanQ (Quang & Xie 2016).
    #[serde(rename = "danq")]
    DanQ,
    /// `deepstarr`: DeepSTARR (Almeida et al. 2022).
    #[serde(rename = "deepstarr")]
    DeepStarr,
    /// `argminn`: ARGMINN (Tseng et al. 2024), a motif scanner read by stream attention.
    #[serde(rename = "argminn")]
    Argminn,
    /// `stack`: pretrained single-output models as units under a linear or NAM head
    /// ([`crate::stack`]; built by `train --units-from`, not by `--arch`).
    #[serde(rename = "stack")]
    Stack,
}

impl Arch {
    /// Every architecture, in the order `--help` lists them.
    pub const ALL: [Arch; 7] = [
        Arch::ExplaiNN,
        Arch::Cnn1,
        Arch::Cnn1Exp,
        Arch::DeepCnn,
        Arch::DanQ,
        Arch::DeepStarr,
        Arch::Argminn,
    ];

    /// The command-line and model-file name.
    pub fn name(self) -> &'static str {
        match self {
            Arch::ExplaiNN => "explainn",
            Arch::Cnn1 => "cnn1",
            Arch::Cnn1Exp => "cnn1-exp",
            Arch::DeepCnn => "deepcnn",
            Arch::DanQ => "danq",
            Arch::DeepStarr => "deepstarr",
            Arch::Argminn => "argminn",
            Arch::Stack => "stack",
        }
    }

    /// The kind of convolutional baseline, for cnn1, cnn1-exp, deepcnn and deepstarr.
    pub fn cnn_kind(self) -> Option<CnnKind> {
        match self {
            Arch::Cnn1 => Some(CnnKind::Cnn1),
            Arch::Cnn1Exp => Some(CnnKind::Cnn1Exp),
            Arch::DeepCnn => Some(CnnKind::DeepCnn),
            Arch::DeepStarr => Some(CnnKind::DeepStarr),
            _ => None,
        }
    }
}

impl fmt::Display for Arch {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for Arch {
    type Err = String;
    fn from_str(s: &str) -> std::result::Result<Self, String> {
        Arch::ALL
            .into_iter()
            .chain([Arch::Stack])
            .find(|a| a.name() == s)
            .ok_or_else(|| {
                let names: Vec<&str> = Arch::ALL.iter().map(|a| a.name()).collect();
                format!("unknown architecture `{s}` (known: {})", names.join(", "))
            })
    }
}

/// Typed hyperparameters of any architecture.
#[derive(Debug, Clone, PartialEq)]
pub enum ModelConfig {
    ExplaiNN(ExplaiNNConfig),
    Cnn(CnnConfig),
    DanQ(DanQConfig),
    Argminn(ArgminnConfig),
    Stack(StackConfig),
}

impl ModelConfig {
    /// The published hyperparameters of `arch` for inputs of `input_length` and `classes`
    /// outputs (ExplaiNN: 100 units and the paper's defaults).
    pub fn published(arch: Arch, input_length: usize, classes: usize) -> Result<Self> {
        let c = match arch {
            Arch::Stack => {
                return Err(NnError::Config(
                    "a model of pretrained units is built from its units (train --units-from), \
                     not from published hyperparameters"
                        .into(),
                ));
            }
            Arch::ExplaiNN => Self::ExplaiNN(ExplaiNNConfig::new(100, input_length, classes)),
            Arch::DanQ => Self::DanQ(DanQConfig::new(input_length, classes)),
            Arch::Argminn => Self::Argminn(ArgminnConfig::new(input_length, classes)),
            a => Self::Cnn(CnnConfig::new(
                a.cnn_kind().expect("a CNN"),
                input_length,
                classes,
            )),
        };
        c.validate()?;
        Ok(c)
    }

    /// The architecture tag.
    pub fn arch(&self) -> Arch {
        match self {
            Self::ExplaiNN(_) => Arch::ExplaiNN,
            Self::DanQ(_) => Arch::DanQ,
            Self::Argminn(_) => Arch::Argminn,
            Self::Stack(_) => Arch::Stack,
            Self::Cnn(c) => match c.kind {
                CnnKind::Cnn1 => Arch::Cnn1,
                CnnKind::Cnn1Exp => Arch::Cnn1Exp,
                CnnKind::DeepCnn => Arch::DeepCnn,
                CnnKind::DeepStarr => Arch::DeepStarr,
            },
        }
    }

    /// Input sequence length L.
    pub fn input_length(&self) -> usize {
        match self {
            Self::ExplaiNN(c) => c.input_length,
            Self::Cnn(c) => c.input_length,
            Self::DanQ(c) => c.input_length,
            Self::Argminn(c) => c.input_length,
            Self::Stack(c) => c.input_length,
        }
    }

    /// Number of outputs C.
    pub fn classes(&self) -> usize {
        match self {
            Self::ExplaiNN(c) => c.classes,
            Self::Cnn(c) => c.classes,
            Self::DanQ(c) => c.classes,
            Self::Argminn(c) => c.classes,
            Self::Stack(c) => c.classes,
        }
    }

    /// The loss terms this architecture computes from its own forward pass, by name, for
    /// [`crate::train::Term::Model`] (none for ExplaiNN and the baselines).
    pub fn loss_terms(&self) -> &'static [&'static str] {
        match self {
            Self::Argminn(_) => &crate::argminn::LOSS_TERMS,
            Self::ExplaiNN(_) | Self::Cnn(_) | Self::DanQ(_) | Self::Stack(_) => &[],
        }
    }

    /// Check that the hyperparameters describe a buildable model.
    pub fn validate(&self) -> Result<()> {
        match self {
            Self::ExplaiNN(c) => c.validate(),
            Self::Cnn(c) => c.validate(),
            Self::DanQ(c) => c.validate(),
            Self::Argminn(c) => c.validate(),
            Self::Stack(c) => c.validate(),
        }
    }

    /// One line describing the architecture (for reports).
    ///
    /// ```
    /// use explainn_nn::{Arch, ModelConfig};
    /// let c = ModelConfig::published(Arch::DeepCnn, 200, 1).unwrap();
    /// assert_eq!(
    ///     c.describe(),
    ///     "deepcnn: conv 100×19 (pool 3), 200×7 (pool 3), 200×4 (pool 3); dense 1000-1000, dropout 0.3; input 200 bp, 1 output(s)"
    /// );
    /// ```
    pub fn describe(&self) -> String {
        let io = format!(
            "input {} bp, {} output(s)",
            self.input_length(),
            self.classes()
        );
        match self {
            Self::ExplaiNN(c) => format!(
                "explainn: {} units, filter {}, pool {}/{}, {} FC layer(s) (hidden {}, dropout {}); {io}",
                c.units, c.filter_size, c.pool_size, c.pool_stride, c.num_fc, c.hidden, c.dropout
            ),
            Self::Cnn(c) => {
                let conv: Vec<String> = c
                    .conv
                    .iter()
                    .map(|l| format!("{}×{} (pool {})", l.filters, l.width, l.pool))
                    .collect();
                let dense: Vec<String> = c.dense.iter().map(|d| d.to_string()).collect();
                format!(
                    "{}: conv {}{}; dense {}, dropout {}; {io}",
                    self.arch(),
                    conv.join(", "),
                    if c.same_padding { ", same padding" } else { "" },
                    dense.join("-"),
                    c.dropout
                )
            }
            Self::DanQ(c) => format!(
                "danq: conv {}×{} (pool {}), dropout {}; BiLSTM {}×{} (dropout {}); dense {}; {io}",
                c.filters,
                c.width,
                c.pool,
                c.conv_dropout,
                c.lstm_layers,
                c.hidden,
                c.lstm_dropout,
                c.dense
            ),
            Self::Argminn(c) => format!(
                "argminn: scanner {}×{}, position encoding {}, tokens {}, {} stream-attention layer(s) of {} head(s){}, stream {}; {io}",
                c.filters,
                c.width,
                c.positions,
                c.token,
                c.layers,
                c.heads,
                if c.separate_keys {
                    " (separate keys)"
                } else {
                    ""
                },
                c.stream
            ),
            Self::Stack(c) => {
                let names: Vec<&str> = c.members.iter().map(|m| m.name.as_str()).collect();
                let head = match c.head {
                    Head::Linear => "linear head".to_string(),
                    Head::Nam => format!("NAM head (hidden {}, dropout {})", c.hidden, c.dropout),
                };
                format!(
                    "stack: {} pretrained unit(s) ({}), {head}; {io}",
                    c.units(),
                    names.join(", ")
                )
            }
        }
    }

    /// The hyperparameters as JSON (without the tag).
    pub fn to_json(&self) -> serde_json::Value {
        let v = match self {
            Self::ExplaiNN(c) => serde_json::to_value(c),
            Self::Cnn(c) => serde_json::to_value(c),
            Self::DanQ(c) => serde_json::to_value(c),
            Self::Argminn(c) => serde_json::to_value(c),
            Self::Stack(c) => serde_json::to_value(c),
        };
        v.expect("serialisable")
    }

    /// Hyperparameters of architecture `arch` from their JSON form.
    pub fn from_json(arch: Arch, json: &str) -> Result<Self> {
        let bad = |e: serde_json::Error| {
            NnError::ModelFile(format!("{arch} configuration does not parse: {e}"))
        };
        let c = match arch {
            Arch::ExplaiNN => Self::ExplaiNN(serde_json::from_str(json).map_err(bad)?),
            Arch::DanQ => Self::DanQ(serde_json::from_str(json).map_err(bad)?),
            Arch::Argminn => Self::Argminn(serde_json::from_str(json).map_err(bad)?),
            Arch::Stack => Self::Stack(serde_json::from_str(json).map_err(bad)?),
            a => {
                let c: CnnConfig = serde_json::from_str(json).map_err(bad)?;
                if Some(c.kind) != a.cnn_kind() {
                    return Err(NnError::ModelFile(format!(
                        "architecture tag `{a}` disagrees with its configuration ({:?})",
                        c.kind
                    )));
                }
                Self::Cnn(c)
            }
        };
        c.validate()?;
        Ok(c)
    }
}

/// A built network of any architecture (a burn module: train it on an autodiff device,
/// `valid()` for inference).
#[derive(Module, Debug)]
pub enum Model {
    ExplaiNN(ExplaiNN),
    Cnn(Cnn),
    DanQ(DanQ),
    Argminn(Argminn),
    Stack(Stack),
}

impl From<ExplaiNN> for Model {
    fn from(m: ExplaiNN) -> Self {
        Model::ExplaiNN(m)
    }
}

/// The first convolution of a model: filters and how its activations are computed.
#[derive(Debug, Clone, PartialEq)]
pub struct FirstLayer {
    /// Filter weights `(F, 4, width)` row-major, rows A, C, G, T.
    pub weights: Vec<f32>,
    /// `[F, 4, width]`.
    pub shape: [usize; 3],
}

impl Model {
    /// A freshly initialised model (PyTorch's default initialisation drawn from ChaCha8
    /// seeded with `seed`, the same on every backend).
    ///
    /// ```
    /// use explainn_nn::{Arch, Model, ModelConfig, Predictor};
    /// let config = ModelConfig::published(Arch::Cnn1, 100, 2).unwrap();
    /// let dev = explainn_nn::default_device();
    /// let model = Model::new(&config, 1714, &dev).unwrap();
    /// assert!(model.explainn().is_none()); // unit decomposition is ExplaiNN's alone
    /// let p = Predictor::new(model, dev, 8);
    /// let logits = p.logits(&vec![0u8; 3 * 100], false).unwrap(); // 3 sequences `(3, 100)`
    /// assert_eq!(logits.len(), 3 * 2); // `(3, C)`
    /// ```
    pub fn new(config: &ModelConfig, seed: u64, device: &Device) -> Result<Self> {
        Ok(match config {
            ModelConfig::ExplaiNN(c) => Model::ExplaiNN(ExplaiNN::new(c.clone(), seed, device)?),
            ModelConfig::Cnn(c) => Model::Cnn(Cnn::new(c.clone(), seed, device)?),
            ModelConfig::DanQ(c) => Model::DanQ(DanQ::new(c.clone(), seed, device)?),
            ModelConfig::Argminn(c) => Model::Argminn(Argminn::new(c.clone(), seed, device)?),
            ModelConfig::Stack(c) => Model::Stack(Stack::new(c.clone(), seed, device)?),
        })
    }

    /// A model from named tensors in PyTorch layout; every tensor of the architecture must
    /// be present with its shape.
    pub fn from_tensors(config: &ModelConfig, map: &TensorMap, device: &Device) -> Result<Self> {
        Ok(match config {
            ModelConfig::ExplaiNN(c) => {
                Model::ExplaiNN(ExplaiNN::from_tensors(c.clone(), map, device)?)
            }
            ModelConfig::Cnn(c) => Model::Cnn(Cnn::from_tensors(c.clone(), map, device)?),
            ModelConfig::DanQ(c) => Model::DanQ(DanQ::from_tensors(c.clone(), map, device)?),
            ModelConfig::Argminn(c) => {
                Model::Argminn(Argminn::from_tensors(c.clone(), map, device)?)
            }
            ModelConfig::Stack(c) => Model::Stack(Stack::from_tensors(c.clone(), map, device)?),
        })
    }

    /// Every tensor in PyTorch layout (a deep copy of the current values).
    pub fn to_tensors(&self) -> TensorMap {
        match self {
            Model::ExplaiNN(m) => m.to_tensors(),
            Model::Cnn(m) => m.to_tensors(),
            Model::DanQ(m) => m.to_tensors(),
            Model::Argminn(m) => m.to_tensors(),
            Model::Stack(m) => m.to_tensors(),
        }
    }

    /// The typed hyperparameters.
    pub fn config(&self) -> ModelConfig {
        match self {
            Model::ExplaiNN(m) => ModelConfig::ExplaiNN(m.config().clone()),
            Model::Cnn(m) => ModelConfig::Cnn(m.config().clone()),
            Model::DanQ(m) => ModelConfig::DanQ(m.config().clone()),
            Model::Argminn(m) => ModelConfig::Argminn(m.config().clone()),
            Model::Stack(m) => ModelConfig::Stack(m.config().clone()),
        }
    }

    /// The architecture tag.
    pub fn arch(&self) -> Arch {
        self.config().arch()
    }

    /// Input sequence length L.
    pub fn input_length(&self) -> usize {
        match self {
            Model::ExplaiNN(m) => m.config().input_length,
            Model::Cnn(m) => m.config().input_length,
            Model::DanQ(m) => m.config().input_length,
            Model::Argminn(m) => m.config().input_length,
            Model::Stack(m) => m.config().input_length,
        }
    }

    /// Number of outputs C.
    pub fn classes(&self) -> usize {
        match self {
            Model::ExplaiNN(m) => m.config().classes,
            Model::Cnn(m) => m.config().classes,
            Model::DanQ(m) => m.config().classes,
            Model::Argminn(m) => m.config().classes,
            Model::Stack(m) => m.config().classes,
        }
    }

    /// The ExplaiNN model, when this is one (per-unit decomposition, unit PWMs).
    pub fn explainn(&self) -> Option<&ExplaiNN> {
        match self {
            Model::ExplaiNN(m) => Some(m),
            _ => None,
        }
    }

    /// The ARGMINN model, when this is one (scanner activations and attention).
    pub fn argminn(&self) -> Option<&Argminn> {
        match self {
            Model::Argminn(m) => Some(m),
            _ => None,
        }
    }

    /// The model of pretrained units, when this is one.
    pub fn stack(&self) -> Option<&Stack> {
        match self {
            Model::Stack(m) => Some(m),
            _ => None,
        }
    }

    /// Final-layer weights W `(C, U)` row-major and bias `(C)` of the models whose logits are
    /// sums of per-unit contributions W[c, u]·o_u + b_c (ExplaiNN, pretrained units).
    pub fn final_layer(&self) -> Option<(Vec<f32>, Vec<f32>)> {
        match self {
            Model::ExplaiNN(m) => Some(m.final_layer()),
            Model::Stack(m) => Some(m.final_layer()),
            _ => None,
        }
    }

    /// Logits `(B, C)` for one-hot input `(B, 4, L)` in inference mode.
    pub fn forward(&self, x: Tensor<3>) -> Tensor<2> {
        match self {
            Model::ExplaiNN(m) => m.forward(x),
            Model::Cnn(m) => m.run(x, None),
            Model::DanQ(m) => m.run(x, None),
            Model::Argminn(m) => m.forward(x),
            Model::Stack(m) => m.forward(x),
        }
    }

    /// Training-mode logits for B sequences of u8 codes (B·L row-major), with the values of
    /// the model's own loss `terms` (names from [`ModelConfig::loss_terms`]) computed from
    /// the same forward pass, in the order asked.
    pub(crate) fn forward_train(
        &self,
        codes: &[u8],
        rng: &mut ChaCha8Rng,
        terms: &[&str],
    ) -> (Tensor<2>, Vec<Tensor<1>>) {
        if let Model::Argminn(m) = self {
            return m.forward_train(self.one_hot(codes), terms);
        }
        debug_assert!(terms.is_empty(), "checked against loss_terms");
        (self.forward_train_codes(codes, rng), Vec::new())
    }

    /// One-hot `(B, 4, L)` on the model's device for B sequences of u8 codes.
    fn one_hot(&self, codes: &[u8]) -> Tensor<3> {
        one_hot_tensor(codes, self.input_length(), &self.device())
    }

    /// Training-mode logits for B sequences of u8 codes (B·L row-major): batch statistics
    /// in BN (running statistics updated) and dropout masks drawn from `rng`. ExplaiNN on
    /// the CPU autodiff device runs its fused operations; every other case goes through
    /// one-hot tensors and burn's operations.
    pub(crate) fn forward_train_codes(&self, codes: &[u8], rng: &mut ChaCha8Rng) -> Tensor<2> {
        if let Model::ExplaiNN(m) = self {
            return m.forward_train_codes(codes, rng);
        }
        if let Model::Stack(m) = self {
            return m.forward_train_codes(codes, rng);
        }
        let x = self.one_hot(codes);
        match self {
            Model::Cnn(m) => m.run(x, Some(rng)),
            Model::DanQ(m) => m.run(x, Some(rng)),
            Model::Argminn(m) => m.run(x, true).logits,
            Model::ExplaiNN(_) | Model::Stack(_) => unreachable!("handled above"),
        }
    }

    /// Sum of the output layer's bias, read back to the host: forces pending work to
    /// finish (used for timing).
    pub(crate) fn output_bias_sum(&self) -> f32 {
        match self {
            Model::ExplaiNN(m) => m.final_bias_sum(),
            Model::Cnn(m) => m.output_bias_sum(),
            Model::DanQ(m) => m.output_bias_sum(),
            Model::Argminn(m) => m.output_bias_sum(),
            Model::Stack(m) => m.output_bias_sum(),
        }
    }

    /// The device the parameters live on.
    pub fn device(&self) -> Device {
        self.devices()
            .into_iter()
            .next()
            .unwrap_or_else(crate::default_device)
    }

    /// The first convolution's filters `(F, 4, width)` (ExplaiNN: one filter per unit).
    pub fn first_layer(&self) -> FirstLayer {
        let (weights, shape) = match self {
            Model::ExplaiNN(m) => {
                let c = m.config();
                let (w, _) = m.filters();
                (w, [c.units, 4, c.filter_size])
            }
            Model::Cnn(m) => m.first_filters(),
            Model::DanQ(m) => m.first_filters(),
            Model::Argminn(m) => m.first_filters(),
            Model::Stack(m) => m.first_filters(),
        };
        FirstLayer { weights, shape }
    }

    /// First-layer activations `(B, F, L − width + 1)` (the windows inside the sequence) for
    /// one-hot input `(B, 4, L)`, in inference mode: exp(BN(conv)) for ExplaiNN and
    /// CNN1Exp, ReLU(BN(conv)) for the other CNNs, ReLU(conv) for DanQ and ARGMINN.
    pub fn first_layer_activations(&self, x: Tensor<3>) -> Tensor<3> {
        match self {
            Model::ExplaiNN(m) => m
                .forward_units(x, true)
                .activations
                .expect("activations were asked for"),
            Model::Cnn(m) => m.first_activations(x),
            Model::DanQ(m) => m.first_activations(x),
            Model::Argminn(m) => m.first_activations(x),
            Model::Stack(m) => m.first_activations(x),
        }
    }
}

/// One-hot `(B, 4, L)` on `device` for B sequences of u8 codes of length `l` (B·L
/// row-major).
pub(crate) fn one_hot_tensor(codes: &[u8], l: usize, device: &Device) -> Tensor<3> {
    let x = explainn_seq::encode::one_hot_batch(codes, l, false);
    Tensor::<3>::from_data(TensorData::new(x, [codes.len() / l, 4, l]), device)
}

/// Host copy of a float tensor.
pub(crate) fn host<const D: usize>(t: Tensor<D>) -> Vec<f32> {
    tensor_values(t)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_architecture_builds_runs_and_round_trips() {
        let dev = crate::default_device();
        for arch in Arch::ALL {
            let l = if arch == Arch::DeepStarr { 249 } else { 200 };
            let mut c = ModelConfig::published(arch, l, 3).unwrap();
            if let ModelConfig::DanQ(d) = &mut c {
                d.filters = 16; // keep the test quick
                d.hidden = 8;
                d.dense = 9;
            }
            let m = Model::new(&c, 5, &dev).unwrap();
            assert_eq!(m.arch(), arch);
            let codes: Vec<u8> = (0..2 * l).map(|i| (i * 7 % 5) as u8).collect();
            let x = explainn_seq::encode::one_hot_batch(&codes, l, false);
            let x = Tensor::<3>::from_data(TensorData::new(x, [2, 4, l]), &dev);
            let y = host(m.forward(x.clone()));
            assert_eq!(y.len(), 6, "{arch}");
            assert!(y.iter().all(|v| v.is_finite()), "{arch}");
            let back = Model::from_tensors(&c, &m.to_tensors(), &dev).unwrap();
            assert_eq!(host(back.forward(x.clone())), y, "{arch}");
            let json = c.to_json().to_string();
            assert_eq!(ModelConfig::from_json(arch, &json).unwrap(), c);
            let f = m.first_layer();
            let a = m.first_layer_activations(x);
            assert_eq!(a.dims()[1], f.shape[0], "{arch}");
        }
        assert!("lstm".parse::<Arch>().unwrap_err().contains("danq"));
    }
}
