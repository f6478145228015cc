//! Pretrained models as units (the paper's Fig. 6 "plug-and-play" with 350 DanQ models):
//! K frozen single-output models of any architecture, each one unit whose output is its
//! strand-averaged logit z_k = (f_k(x) + f_k(rc x)) / 2, followed by a trained head:
//!
//! - [`Head::Linear`] (the original's `SingleLayer`): y_c = Σ_k W[c, k]·z_k + b_c;
//! - [`Head::Nam`] (the original's `NAMLayer`): a per-unit shape function
//!   g_k(z) = v_k·Dropout(ReLU(BN(a_k·z + d_k))) + e_k with `hidden` (default 200) neurons,
//!   then y_c = Σ_k W[c, k]·g_k(z_k) + b_c.
//!
//! Either way every logit is a sum of per-unit contributions W[c, k]·g_k (g_k = z_k for the
//! linear head), as in ExplaiNN. The members never train: their outputs are computed in
//! inference mode and detached, so their tensors stay bit-identical.
//!
//! Tensors: member k's as `units.K.<its own names>`; the head as in the original
//! `NAMLayer`/`SingleLayer` (`linear.0.weight` `(K·H, 1, 1)`, `linear.0.bias`, `linear.1.*`
//! BatchNorm, `linear.4.weight` `(K, H, 1)`, `linear.4.bias` `(K)`, `final.weight` `(C, K)`,
//! `final.bias` `(C)`), so the head alone loads into the original classes.
//!
//! ```
//! use explainn_nn::stack::{Head, StackConfig};
//! use explainn_nn::{Arch, Model, ModelConfig, Predictor};
//! let member = ModelConfig::published(Arch::Cnn1, 60, 1).unwrap();
//! let config = StackConfig::new(
//!     vec![("GATA".into(), member.clone()), ("TAL1".into(), member)],
//!     3,
//!     Head::Nam,
//! )
//! .unwrap();
//! let dev = explainn_nn::default_device();
//! let model = Model::new(&ModelConfig::Stack(config), 1, &dev).unwrap();
//! let p = Predictor::new(model, dev, 8);
//! let u = p.units(&vec![1u8; 2 * 60], false, false).unwrap(); // 2 sequences
//! assert_eq!((u.unit_outputs.len(), u.logits.len()), (2 * 2, 2 * 3)); // `(2, K)`, `(2, C)`
//! ```

use crate::layers::{Conv, Dense, Init, put_bn};
use crate::model::{BatchNorm1d, TensorMap, dropout, tensor_values};
use crate::network::{Arch, Model, ModelConfig};
use crate::{NnError, Result};
use burn::module::Module;
use burn::tensor::activation::relu;
use burn::tensor::{Device, Tensor, TensorData};
use rand_chacha::ChaCha8Rng;
use serde::{Deserialize, Serialize};

/// The head over the units' outputs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum Head {
    /// One linear layer (the original's `SingleLayer`).
    #[default]
    Linear,
    /// A per-unit MLP (hidden, BatchNorm, ReLU, dropout, 1 output) then a linear layer (the
    /// original's `NAMLayer`).
    Nam,
}

impl std::str::FromStr for Head {
    type Err = String;
    fn from_str(s: &str) -> std::result::Result<Self, String> {
        match s {
            "linear" => Ok(Head::Linear),
            "nam" => Ok(Head::Nam),
            _ => Err(format!("unknown head `{s}` (expected linear or nam)")),
        }
    }
}

/// One pretrained member: its unit name and architecture.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StackMember {
    /// The unit's name (the pretrained model's name: its run directory).
    pub name: String,
    /// The member's architecture.
    pub arch: Arch,
    /// The member's hyperparameters ([`ModelConfig::to_json`]).
    pub config: serde_json::Value,
}

/// Hyperparameters of a model whose units are pretrained models.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StackConfig {
    /// Input length L (every member's).
    pub input_length: usize,
    /// Number of outputs C.
    pub classes: usize,
    /// The head.
    pub head: Head,
    /// NAM hidden width per unit (default 200; unused by the linear head).
    pub hidden: usize,
    /// NAM dropout after the hidden layer (default 0.3).
    pub dropout: f64,
    /// The units, in order.
    pub members: Vec<StackMember>,
}

impl StackConfig {
    /// A stack of `members` (name, single-output configuration) with `classes` outputs and
    /// the original NAM sizes (hidden 200, dropout 0.3).
    pub fn new(members: Vec<(String, ModelConfig)>, classes: usize, head: Head) -> Result<Self> {
        let input_length = members.first().map_or(0, |(_, c)| c.input_length());
        let c = Self {
            input_length,
            classes,
            head,
            hidden: 200,
            dropout: 0.3,
            members: members
                .into_iter()
                .map(|(name, c)| StackMember {
                    name,
                    arch: c.arch(),
                    config: c.to_json(),
                })
                .collect(),
        };
        c.validate()?;
        Ok(c)
    }

    /// Number of units K.
    pub fn units(&self) -> usize {
        self.members.len()
    }

    /// The members' typed configurations.
    pub fn member_configs(&self) -> Result<Vec<ModelConfig>> {
        self.members
            .iter()
            .map(|m| {
                if m.arch == Arch::Stack {
                    return Err(NnError::Config(format!(
                        "unit `{}` is itself a model of pretrained units; stacks do not nest",
                        m.name
                    )));
                }
                ModelConfig::from_json(m.arch, &m.config.to_string())
            })
            .collect()
    }

    /// Check that the configuration describes a buildable model.
    pub fn validate(&self) -> Result<()> {
        let bad = |m: String| Err(NnError::Config(m));
        if self.members.is_empty() {
            return bad("a model of pretrained units needs at least one unit".into());
        }
        if self.classes == 0 {
            return bad("the number of classes must be positive".into());
        }
        if self.head == Head::Nam && self.hidden == 0 {
            return bad("the NAM head's hidden width must be positive".into());
        }
        if !(0.0..1.0).contains(&self.dropout) {
            return bad(format!("dropout {} is not in [0, 1)", self.dropout));
        }
        for (m, c) in self.members.iter().zip(self.member_configs()?) {
            if c.classes() != 1 {
                return bad(format!(
                    "unit `{}` has {} outputs; each pretrained unit must have exactly one",
                    m.name,
                    c.classes()
                ));
            }
            if c.input_length() != self.input_length {
                return bad(format!(
                    "unit `{}` takes sequences of length {}, the first unit {}",
                    m.name,
                    c.input_length(),
                    self.input_length
                ));
            }
        }
        Ok(())
    }
}

/// The NAM head's per-unit layers: the original's grouped 1×1 convolutions, stored as
/// PyTorch lays them out.
#[derive(Module, Debug)]
struct Nam {
    /// `linear.0`: weight `(K·H, 1, 1)`, bias `(K·H)`.
    first: Conv,
    /// `linear.1`, over K·H channels.
    bn: BatchNorm1d,
    /// `linear.4`: weight `(K, H, 1)`, bias `(K)`.
    second: Conv,
}

/// A model whose units are pretrained models (see the module documentation).
#[derive(Module, Debug)]
pub struct Stack {
    members: Vec<Model>,
    nam: Option<Nam>,
    /// `final`: weight `(C, K)`, bias `(C)`.
    output: Dense,
    #[module(skip)]
    config: StackConfig,
}

impl Stack {
    /// Fresh members and head drawn from `seed` (the members are normally replaced by
    /// pretrained weights through [`Stack::from_tensors`]).
    pub fn new(config: StackConfig, seed: u64, device: &Device) -> Result<Self> {
        config.validate()?;
        let mut map = TensorMap::new();
        for (k, c) in config.member_configs()?.iter().enumerate() {
            let m = Model::new(c, seed.wrapping_add(k as u64), device)?;
            for (name, t) in m.to_tensors() {
                map.insert(format!("units.{k}.{name}"), t);
            }
        }
        let mut init = Init::new(seed ^ 0x5eed_4ead);
        let (k, h, c) = (config.units(), config.hidden, config.classes);
        if config.head == Head::Nam {
            // grouped 1×1 convolutions: fan-in 1, then H
            init.conv("linear.0", k * h, 1, 1);
            init.bn("linear.1", k * h);
            init.conv("linear.4", k, h, 1);
        }
        init.linear("final", c, k);
        map.append(&mut init.map);
        Self::from_tensors(config, &map, device)
    }

    /// A model from named tensors (see the module documentation for the names).
    pub fn from_tensors(config: StackConfig, map: &TensorMap, device: &Device) -> Result<Self> {
        config.validate()?;
        let mut members = Vec::new();
        for (k, c) in config.member_configs()?.iter().enumerate() {
            let prefix = format!("units.{k}.");
            let sub: TensorMap = map
                .iter()
                .filter_map(|(n, t)| n.strip_prefix(&prefix).map(|s| (s.to_string(), t.clone())))
                .collect();
            members.push(Model::from_tensors(c, &sub, device).map_err(|e| {
                NnError::ModelFile(format!("unit {k} ({}): {e}", config.members[k].name))
            })?);
        }
        let r = crate::layers::Reader { map, device };
        let (k, h, c) = (config.units(), config.hidden, config.classes);
        let nam = match config.head {
            Head::Linear => None,
            Head::Nam => Some(Nam {
                first: r.conv("linear.0", k * h, 1, 1)?,
                bn: r.bn("linear.1", k * h)?,
                second: r.conv("linear.4", k, h, 1)?,
            }),
        };
        Ok(Self {
            members,
            nam,
            output: r.dense("final", c, k)?,
            config,
        })
    }

    /// Every tensor (members prefixed `units.K.`).
    pub fn to_tensors(&self) -> TensorMap {
        let mut map = TensorMap::new();
        for (k, m) in self.members.iter().enumerate() {
            for (name, t) in m.to_tensors() {
                map.insert(format!("units.{k}.{name}"), t);
            }
        }
        if let Some(n) = &self.nam {
            n.first.put(&mut map, "linear.0");
            put_bn(&mut map, "linear.1", &n.bn);
            n.second.put(&mut map, "linear.4");
        }
        self.output.put(&mut map, "final");
        map
    }

    /// The hyperparameters.
    pub fn config(&self) -> &StackConfig {
        &self.config
    }

    /// The pretrained members, in unit order.
    pub fn members(&self) -> &[Model] {
        &self.members
    }

    /// Final-layer weights W `(C, K)` row-major and bias b `(C)`.
    pub fn final_layer(&self) -> (Vec<f32>, Vec<f32>) {
        (
            tensor_values(self.output.weight.val()),
            tensor_values(self.output.bias.val()),
        )
    }

    /// The members' strand-averaged logits z `(B, K)` for one-hot input `(B, 4, L)`,
    /// computed in inference mode and detached.
    pub fn member_logits(&self, x: Tensor<3>) -> Tensor<2> {
        let rc = x.clone().flip([1, 2]);
        let cols: Vec<Tensor<2>> = self
            .members
            .iter()
            .map(|m| (m.forward(x.clone()) + m.forward(rc.clone())).mul_scalar(0.5))
            .collect();
        Tensor::cat(cols, 1).detach()
    }

    /// The members' strand-averaged logits z `(N, K)` row-major for N sequences of u8
    /// codes, each member run by a [`crate::Predictor`] on the plain (non-autodiff) form of
    /// `device` (the fused CPU kernels for ExplaiNN members on `flex`), `batch` sequences at
    /// a time.
    pub fn member_logits_codes(
        &self,
        codes: &[u8],
        device: &Device,
        batch: usize,
    ) -> Result<Vec<f32>> {
        let l = self.config.input_length;
        let n = codes.len() / l;
        let k = self.members.len();
        let plain = device.clone().inner();
        let mut z = vec![0f32; n * k];
        for (j, m) in self.members.iter().enumerate() {
            let p = crate::Predictor::new(m.clone(), plain.clone(), batch);
            let s = p.strands(codes)?;
            for i in 0..n {
                z[i * k + j] = (s.forward[i] + s.reverse[i]) / 2.0;
            }
        }
        Ok(z)
    }

    /// Training-mode logits of B sequences of u8 codes: member logits in inference mode
    /// (constants for the optimiser), the head in training mode.
    pub(crate) fn forward_train_codes(&self, codes: &[u8], rng: &mut ChaCha8Rng) -> Tensor<2> {
        let dev = self.output.bias.device();
        let b = codes.len() / self.config.input_length;
        let z = self
            .member_logits_codes(codes, &dev, b.max(1))
            .expect("training batches hold whole sequences of the model's length");
        let z = Tensor::<2>::from_data(TensorData::new(z, [b, self.members.len()]), &dev);
        self.output.forward(self.unit_outputs(z, Some(rng)))
    }

    /// Unit outputs g `(B, K)` from member logits z `(B, K)`: z itself for the linear head,
    /// the NAM shape functions otherwise (training mode with `rng`).
    pub(crate) fn unit_outputs(&self, z: Tensor<2>, rng: Option<&mut ChaCha8Rng>) -> Tensor<2> {
        let Some(n) = &self.nam else {
            return z;
        };
        let [b, k] = z.dims();
        let h = self.config.hidden;
        let (w1, b1) = (n.first.weight.val(), n.first.bias.val());
        let a = z.reshape([b, k, 1]) * w1.reshape([1, k, h]) + b1.reshape([1, k, h]);
        let mut a = relu(n.bn.forward(a.reshape([b, k * h]), rng.is_some()));
        if let Some(r) = rng {
            a = dropout(a, self.config.dropout, r);
        }
        (a.reshape([b, k, h]) * n.second.weight.val().reshape([1, k, h]))
            .sum_dim(2)
            .reshape([b, k])
            + n.second.bias.val().reshape([1, k])
    }

    /// Logits `(B, C)` from unit outputs g `(B, K)`: Σ_k W[c, k]·g_k + b_c.
    pub(crate) fn head(&self, g: Tensor<2>) -> Tensor<2> {
        self.output.forward(g)
    }

    /// Logits `(B, C)` for one-hot input `(B, 4, L)` in inference mode (members through
    /// burn's operations; [`crate::Predictor`] runs them through their own predictors).
    pub(crate) fn forward(&self, x: Tensor<3>) -> Tensor<2> {
        let z = self.member_logits(x);
        self.head(self.unit_outputs(z, None))
    }

    pub(crate) fn output_bias_sum(&self) -> f32 {
        self.output.bias.val().sum().into_scalar()
    }

    /// The first members' first-layer filters, concatenated: every member whose first
    /// layer has member 0's width (so their activations line up).
    pub(crate) fn first_filters(&self) -> (Vec<f32>, [usize; 3]) {
        let first: Vec<_> = self.members.iter().map(Model::first_layer).collect();
        let width = first[0].shape[2];
        let mut w = Vec::new();
        let mut f = 0;
        for l in first.iter().filter(|l| l.shape[2] == width) {
            w.extend_from_slice(&l.weights);
            f += l.shape[0];
        }
        (w, [f, 4, width])
    }

    pub(crate) fn first_activations(&self, x: Tensor<3>) -> Tensor<3> {
        let width = self.members[0].first_layer().shape[2];
        let parts: Vec<Tensor<3>> = self
            .members
            .iter()
            .filter(|m| m.first_layer().shape[2] == width)
            .map(|m| m.first_layer_activations(x.clone()))
            .collect();
        Tensor::cat(parts, 1)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{ExplaiNNConfig, Predictor, TrainData, TrainOptions};

    fn member(seed: u64) -> (ModelConfig, Model) {
        // an ExplaiNN unit
        let mut c = ExplaiNNConfig::new(3, 30, 1);
        (c.filter_size, c.hidden) = (5, 4);
        let c = ModelConfig::ExplaiNN(c);
        let m = Model::new(&c, seed, &crate::default_device()).unwrap();
        (c, m)
    }

    fn stack(head: Head, classes: usize) -> (Model, Vec<Model>) {
        let (c, a) = member(1);
        // a baseline CNN as the second unit: every architecture can be a unit
        let mut cnn = ModelConfig::published(Arch::Cnn1, 30, 1).unwrap();
        if let ModelConfig::Cnn(k) = &mut cnn {
            k.dense = vec![8];
            k.conv[0].filters = 6;
            k.conv[0].width = 7;
        }
        let b = Model::new(&cnn, 2, &crate::default_device()).unwrap();
        let mut config =
            StackConfig::new(vec![("A".into(), c), ("B".into(), cnn)], classes, head).unwrap();
        config.hidden = 8;
        let dev = crate::default_device();
        let mut map = Model::new(&ModelConfig::Stack(config.clone()), 9, &dev)
            .unwrap()
            .to_tensors();
        for (k, m) in [&a, &b].into_iter().enumerate() {
            for (n, t) in m.to_tensors() {
                map.insert(format!("units.{k}.{n}"), t);
            }
        }
        let s = Model::from_tensors(&ModelConfig::Stack(config), &map, &dev).unwrap();
        (s, vec![a, b])
    }

    fn codes(n: usize) -> Vec<u8> {
        (0..30 * n).map(|i| ((i * 7 + i / 5) % 4) as u8).collect()
    }

    #[test]
    fn units_are_the_members_strand_averaged_logits_and_add_up_to_the_logits() {
        let dev = crate::default_device();
        for head in [Head::Linear, Head::Nam] {
            let (s, members) = stack(head, 3);
            let x = codes(5);
            let p = Predictor::new(s, dev.clone(), 4);
            let u = p.units(&x, false, false).unwrap();
            let (w, b) = p.model().final_layer().unwrap();
            for i in 0..5 {
                for c in 0..3 {
                    let sum: f32 = (0..2)
                        .map(|k| w[c * 2 + k] * u.unit_outputs[i * 2 + k])
                        .sum();
                    let y = u.logits[i * 3 + c];
                    assert!(
                        (sum + b[c] - y).abs() < 1e-5,
                        "{head:?}: {sum} + {} vs {y}",
                        b[c]
                    );
                }
            }
            assert_eq!(p.logits(&x, false).unwrap(), u.logits);
            if head == Head::Linear {
                for (k, m) in members.into_iter().enumerate() {
                    // unit k's output is member k's strand-averaged logit
                    let mp = Predictor::new(m, dev.clone(), 4);
                    let s = mp.strands(&x).unwrap();
                    for i in 0..5 {
                        let z = (s.forward[i] + s.reverse[i]) / 2.0;
                        assert!((z - u.unit_outputs[i * 2 + k]).abs() < 1e-5);
                    }
                }
            }
        }
    }

    #[test]
    fn training_moves_the_head_only_and_the_model_round_trips() {
        let dev = crate::default_device();
        let (s, _) = stack(Head::Nam, 2);
        let before = s.to_tensors();
        let config = ModelConfig::Stack(s.stack().unwrap().config().clone());
        let (tc, vc) = (codes(40), codes(12));
        let tl: Vec<f32> = (0..80).map(|i| ((i / 2 + i % 2) % 2) as f32).collect();
        let vl: Vec<f32> = (0..24).map(|i| (i % 2) as f32).collect();
        let t = TrainData::new(&tc, &tl, 30, 2).unwrap();
        let v = TrainData::new(&vc, &vl, 30, 2).unwrap();
        let opts = TrainOptions {
            max_epochs: 2,
            batch_size: 8,
            ..TrainOptions::default()
        };
        let out = crate::train_with(
            config.clone(),
            crate::train::Start::From(&before),
            crate::train::Source::Fixed(t),
            &v,
            &opts,
            &dev,
            &mut |_| {},
        )
        .unwrap();
        let after = out.model.to_tensors();
        let mut head_moved = false;
        for (name, t) in &before {
            if name.starts_with("units.") {
                assert_eq!(&after[name], t, "member tensor {name} changed");
            } else if name.ends_with("weight") && after[name] != *t {
                head_moved = true;
            }
        }
        assert!(head_moved, "the head did not train");
        let json = config.to_json().to_string();
        assert_eq!(ModelConfig::from_json(Arch::Stack, &json).unwrap(), config);
        let back = Model::from_tensors(&config, &after, &dev).unwrap();
        assert_eq!(back.to_tensors(), after);
    }

    #[test]
    fn members_must_be_single_output_models_of_one_length() {
        let mut c = ExplaiNNConfig::new(3, 30, 2);
        (c.filter_size, c.hidden) = (5, 4);
        let two = ModelConfig::ExplaiNN(c.clone());
        let err = StackConfig::new(vec![("X".into(), two)], 2, Head::Linear).unwrap_err();
        assert!(err.to_string().contains("exactly one"), "{err}");
        c.classes = 1;
        let a = ModelConfig::ExplaiNN(c.clone());
        c.input_length = 40;
        let b = ModelConfig::ExplaiNN(c);
        let err =
            StackConfig::new(vec![("A".into(), a), ("B".into(), b)], 2, Head::Nam).unwrap_err();
        assert!(err.to_string().contains("length 40"), "{err}");
        assert!(StackConfig::new(vec![], 2, Head::Nam).is_err());
        assert!(ModelConfig::published(Arch::Stack, 30, 2).is_err());
    }
}
