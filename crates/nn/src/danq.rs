//! DanQ (Quang & Xie 2016) as in the original ExplaiNN package: a convolution of 320 filters
//! of width 26, ReLU, max-pool 13, dropout 0.2; a 2-layer bidirectional LSTM of 320 per
//! direction (dropout 0.5 between the layers while training); the flattened LSTM outputs
//! → dense 925 (ReLU) → the outputs.
//!
//! Every dropout is a training-time operation only (the original's is too when built as
//! modules; some of its versions create dropouts inside `forward`, where they stay on in
//! evaluation: that is not copied). Tensors are named as in PyTorch (`Conv1`, `BiLSTM.
//! weight_ih_l0`, `BiLSTM.weight_hh_l1_reverse`, `Linear1`, `Linear2`); the LSTM gates are
//! ordered input, forget, cell, output as in `torch.nn.LSTM`.

use crate::layers::{Conv, Dense, Init, Reader, max_pool, put};
use crate::model::{TensorMap, dropout};
use crate::{NnError, Result};
use burn::module::{Module, Param};
use burn::tensor::activation::{relu, sigmoid};
use burn::tensor::{Device, Tensor};
use rand_chacha::ChaCha8Rng;
use serde::{Deserialize, Serialize};

/// DanQ hyperparameters; [`DanQConfig::new`] gives the published ones.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DanQConfig {
    /// Input sequence length L.
    pub input_length: usize,
    /// Number of outputs C.
    pub classes: usize,
    /// Convolution filters (320).
    pub filters: usize,
    /// Convolution width (26).
    pub width: usize,
    /// Max-pool window and stride (13).
    pub pool: usize,
    /// Dropout after pooling (0.2).
    pub conv_dropout: f64,
    /// LSTM hidden size per direction (320).
    pub hidden: usize,
    /// Stacked bidirectional LSTM layers (2).
    pub lstm_layers: usize,
    /// Dropout between LSTM layers (0.5).
    pub lstm_dropout: f64,
    /// Width of the dense layer (925).
    pub dense: usize,
}

impl DanQConfig {
    /// The published architecture for inputs of `input_length` and `classes` outputs.
    pub fn new(input_length: usize, classes: usize) -> Self {
        Self {
            input_length,
            classes,
            filters: 320,
            width: 26,
            pool: 13,
            conv_dropout: 0.2,
            hidden: 320,
            lstm_layers: 2,
            lstm_dropout: 0.5,
            dense: 925,
        }
    }

    /// LSTM time steps P = ⌊(L − width + 1)/pool⌋ (13 at 200 bp).
    pub fn steps(&self) -> usize {
        (self.input_length + 1).saturating_sub(self.width) / self.pool.max(1)
    }

    /// Check that the hyperparameters describe a buildable model.
    pub fn validate(&self) -> Result<()> {
        if [
            self.classes,
            self.filters,
            self.width,
            self.pool,
            self.hidden,
            self.lstm_layers,
            self.dense,
        ]
        .contains(&0)
        {
            return Err(NnError::Config("DanQ sizes must all be positive".into()));
        }
        if self.steps() == 0 {
            return Err(NnError::Config(format!(
                "input length {} is too short for DanQ's convolution of width {} and pool {}",
                self.input_length, self.width, self.pool
            )));
        }
        for p in [self.conv_dropout, self.lstm_dropout] {
            if !(0.0..1.0).contains(&p) {
                return Err(NnError::Config(format!("dropout {p} is not in [0, 1)")));
            }
        }
        Ok(())
    }

    fn lstm_suffix(layer: usize, reverse: bool) -> String {
        format!("l{layer}{}", if reverse { "_reverse" } else { "" })
    }
}

/// One direction of one LSTM layer.
#[derive(Module, Debug)]
struct LstmDirection {
    /// `(4H, input)`.
    weight_ih: Param<Tensor<2>>,
    /// `(4H, H)`.
    weight_hh: Param<Tensor<2>>,
    bias_ih: Param<Tensor<1>>,
    bias_hh: Param<Tensor<1>>,
}

impl LstmDirection {
    /// `(B, T, input)` → hidden states `(B, T, H)`, read backwards in time with `reverse`
    /// (outputs stay at their time positions, as PyTorch's).
    fn forward(&self, x: Tensor<3>, hidden: usize, reverse: bool) -> Tensor<3> {
        let [b, t, i] = x.dims();
        let g = 4 * hidden;
        // The input projection of every step at once.
        let bias = (self.bias_ih.val() + self.bias_hh.val()).unsqueeze_dim::<2>(0);
        let xp = (x
            .reshape([b * t, i])
            .matmul(self.weight_ih.val().transpose())
            + bias)
            .reshape([b, t, g]);
        let whh = self.weight_hh.val().transpose(); // (H, 4H)
        let dev = xp.device();
        let mut h = Tensor::<2>::zeros([b, hidden], &dev);
        let mut c = Tensor::<2>::zeros([b, hidden], &dev);
        let mut out: Vec<Tensor<2>> = Vec::with_capacity(t);
        let order: Vec<usize> = if reverse {
            (0..t).rev().collect()
        } else {
            (0..t).collect()
        };
        for s in order {
            let gates = xp.clone().narrow(1, s, 1).reshape([b, g]) + h.matmul(whh.clone());
            let ig = sigmoid(gates.clone().narrow(1, 0, hidden));
            let fg = sigmoid(gates.clone().narrow(1, hidden, hidden));
            let cg = gates.clone().narrow(1, 2 * hidden, hidden).tanh();
            let og = sigmoid(gates.narrow(1, 3 * hidden, hidden));
            c = fg * c + ig * cg;
            h = og * c.clone().tanh();
            out.push(h.clone());
        }
        if reverse {
            out.reverse();
        }
        Tensor::stack(out, 1)
    }
}

/// DanQ (see the module documentation).
#[derive(Module, Debug)]
pub struct DanQ {
    conv: Conv,
    /// `[layer][direction]`: forward, reverse.
    lstm: Vec<LstmDirection>,
    dense: Dense,
    out: Dense,
    #[module(skip)]
    config: DanQConfig,
}

impl DanQ {
    /// A fresh model with PyTorch's default initialisation drawn from ChaCha8(`seed`).
    pub fn new(config: DanQConfig, seed: u64, device: &Device) -> Result<Self> {
        config.validate()?;
        let mut init = Init::new(seed);
        init.conv("Conv1", config.filters, 4, config.width);
        for layer in 0..config.lstm_layers {
            let input = if layer == 0 {
                config.filters
            } else {
                2 * config.hidden
            };
            for reverse in [false, true] {
                let suffix = DanQConfig::lstm_suffix(layer, reverse);
                init.lstm("BiLSTM", &suffix, input, config.hidden);
            }
        }
        let flat = config.steps() * 2 * config.hidden;
        init.linear("Linear1", config.dense, flat);
        init.linear("Linear2", config.classes, config.dense);
        Self::from_tensors(config, &init.map, device)
    }

    /// Build a model from named tensors in PyTorch's layout.
    pub fn from_tensors(config: DanQConfig, map: &TensorMap, device: &Device) -> Result<Self> {
        config.validate()?;
        let r = Reader { map, device };
        let (h, g) = (config.hidden, 4 * config.hidden);
        let mut lstm = Vec::new();
        for layer in 0..config.lstm_layers {
            let input = if layer == 0 { config.filters } else { 2 * h };
            for reverse in [false, true] {
                let s = DanQConfig::lstm_suffix(layer, reverse);
                lstm.push(LstmDirection {
                    weight_ih: r.param(&format!("BiLSTM.weight_ih_{s}"), [g, input])?,
                    weight_hh: r.param(&format!("BiLSTM.weight_hh_{s}"), [g, h])?,
                    bias_ih: r.param(&format!("BiLSTM.bias_ih_{s}"), [g])?,
                    bias_hh: r.param(&format!("BiLSTM.bias_hh_{s}"), [g])?,
                });
            }
        }
        let flat = config.steps() * 2 * h;
        Ok(Self {
            conv: r.conv("Conv1", config.filters, 4, config.width)?,
            lstm,
            dense: r.dense("Linear1", config.dense, flat)?,
            out: r.dense("Linear2", config.classes, config.dense)?,
            config,
        })
    }

    /// Every tensor in PyTorch's layout.
    pub fn to_tensors(&self) -> TensorMap {
        let mut map = TensorMap::new();
        self.conv.put(&mut map, "Conv1");
        for (k, d) in self.lstm.iter().enumerate() {
            let s = DanQConfig::lstm_suffix(k / 2, k % 2 == 1);
            put(&mut map, format!("BiLSTM.weight_ih_{s}"), &d.weight_ih);
            put(&mut map, format!("BiLSTM.weight_hh_{s}"), &d.weight_hh);
            put(&mut map, format!("BiLSTM.bias_ih_{s}"), &d.bias_ih);
            put(&mut map, format!("BiLSTM.bias_hh_{s}"), &d.bias_hh);
        }
        self.dense.put(&mut map, "Linear1");
        self.out.put(&mut map, "Linear2");
        map
    }

    pub(crate) fn output_bias_sum(&self) -> f32 {
        self.out.bias.val().sum().into_scalar()
    }

    /// The hyperparameters.
    pub fn config(&self) -> &DanQConfig {
        &self.config
    }

    /// First-layer filters `(F, 4, width)`, row-major.
    pub(crate) fn first_filters(&self) -> (Vec<f32>, [usize; 3]) {
        let w = self.conv.weight.val();
        let d = w.dims();
        (crate::model::tensor_values(w), d)
    }

    /// First-layer activations ReLU(conv(x)) `(B, F, L − width + 1)`.
    pub(crate) fn first_activations(&self, x: Tensor<3>) -> Tensor<3> {
        relu(self.conv.forward(x, 0))
    }

    /// Logits `(B, C)` for one-hot input `(B, 4, L)`; training mode (dropout masks from
    /// `rng`) when `rng` is given.
    pub(crate) fn run(&self, x: Tensor<3>, mut rng: Option<&mut ChaCha8Rng>) -> Tensor<2> {
        let cfg = &self.config;
        let mut h = max_pool(self.first_activations(x), cfg.pool); // (B, F, P)
        if let Some(r) = rng.as_deref_mut() {
            h = dropout(h, cfg.conv_dropout, r);
        }
        let mut h = h.swap_dims(1, 2); // (B, P, F)
        for layer in 0..cfg.lstm_layers {
            if layer > 0 {
                if let Some(r) = rng.as_deref_mut() {
                    h = dropout(h, cfg.lstm_dropout, r);
                }
            }
            let fw = self.lstm[2 * layer].forward(h.clone(), cfg.hidden, false);
            let rv = self.lstm[2 * layer + 1].forward(h, cfg.hidden, true);
            h = Tensor::cat(vec![fw, rv], 2); // (B, P, 2H)
        }
        let [b, p, w] = h.dims();
        let h = relu(self.dense.forward(h.reshape([b, p * w])));
        self.out.forward(h)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shapes_and_names_follow_pytorch() {
        let dev = crate::default_device();
        let mut c = DanQConfig::new(200, 3);
        assert_eq!(c.steps(), 13); // ⌊(200 − 25)/13⌋ as the original's in_features
        c.filters = 8;
        c.hidden = 5;
        c.dense = 7;
        let m = DanQ::new(c.clone(), 3, &dev).unwrap();
        let t = m.to_tensors();
        assert_eq!(t["BiLSTM.weight_ih_l0"].0, vec![20, 8]);
        assert_eq!(t["BiLSTM.weight_ih_l1_reverse"].0, vec![20, 10]);
        assert_eq!(t["Linear1.weight"].0, vec![7, 13 * 10]);
        let back = DanQ::from_tensors(c, &t, &dev).unwrap();
        assert_eq!(back.to_tensors(), t);
    }

    /// The LSTM recurrence against a scalar re-computation of PyTorch's equations.
    #[test]
    fn lstm_matches_the_equations() {
        use crate::model::tensor_values;
        use burn::tensor::TensorData;
        let dev = crate::default_device();
        let (b, t, i, h) = (2, 3, 2, 2);
        let mut init = Init::new(9);
        init.lstm("L", "l0", i, h);
        let r = Reader {
            map: &init.map,
            device: &dev,
        };
        let d = LstmDirection {
            weight_ih: r.param("L.weight_ih_l0", [4 * h, i]).unwrap(),
            weight_hh: r.param("L.weight_hh_l0", [4 * h, h]).unwrap(),
            bias_ih: r.param("L.bias_ih_l0", [4 * h]).unwrap(),
            bias_hh: r.param("L.bias_hh_l0", [4 * h]).unwrap(),
        };
        let x: Vec<f32> = (0..b * t * i).map(|k| (k as f32 * 0.37).sin()).collect();
        let xt = Tensor::<3>::from_data(TensorData::new(x.clone(), [b, t, i]), &dev);
        let get = |n: &str| init.map[n].1.clone();
        let (wih, whh) = (get("L.weight_ih_l0"), get("L.weight_hh_l0"));
        let (bih, bhh) = (get("L.bias_ih_l0"), get("L.bias_hh_l0"));
        let sig = |v: f32| 1.0 / (1.0 + (-v).exp());
        for reverse in [false, true] {
            let got = tensor_values(d.forward(xt.clone(), h, reverse));
            for bi in 0..b {
                let (mut hs, mut cs) = (vec![0f32; h], vec![0f32; h]);
                let steps: Vec<usize> = if reverse {
                    (0..t).rev().collect()
                } else {
                    (0..t).collect()
                };
                for s in steps {
                    let xs = &x[(bi * t + s) * i..(bi * t + s + 1) * i];
                    let gate = |row: usize| {
                        let mut v = bih[row] + bhh[row];
                        for k in 0..i {
                            v += wih[row * i + k] * xs[k];
                        }
                        for k in 0..h {
                            v += whh[row * h + k] * hs[k];
                        }
                        v
                    };
                    let g: Vec<f32> = (0..4 * h).map(gate).collect();
                    for k in 0..h {
                        let (ig, fg) = (sig(g[k]), sig(g[h + k]));
                        let (cg, og) = (g[2 * h + k].tanh(), sig(g[3 * h + k]));
                        cs[k] = fg * cs[k] + ig * cg;
                        hs[k] = og * cs[k].tanh();
                    }
                    for k in 0..h {
                        let v = got[(bi * t + s) * h + k];
                        assert!((v - hs[k]).abs() < 1e-5, "{v} vs {}", hs[k]);
                    }
                }
            }
        }
    }
}
