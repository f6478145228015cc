//! Layers shared by the baseline architectures (CNN1, DeepCNN, DeepSTARR, DanQ), with their
//! tensors named and shaped as in PyTorch's `state_dict`:
//! - [`Init`] draws PyTorch's default initialisation (uniform ±1/√fan_in for convolution,
//!   linear and LSTM parameters; BN γ = 1, β = 0, running mean 0, running variance 1) from a
//!   ChaCha8 generator, so a seed gives the same model on every backend;
//! - [`Reader`] builds layers from named tensors, checking every name and shape;
//! - [`Conv`], [`Dense`] and `BatchNorm1d` compute on `(B, C, L)` and `(B, F)` tensors.

use crate::model::{BatchNorm1d, TensorMap, param, tensor_values, uniform};
use crate::{NnError, Result};
use burn::module::{Module, Param, RunningState};
use burn::tensor::module::conv1d;
use burn::tensor::ops::ConvOptions;
use burn::tensor::{Device, Tensor, TensorData};
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;

/// Named tensors of a fresh model, drawn in the order the layers are declared.
pub(crate) struct Init {
    rng: ChaCha8Rng,
    pub(crate) map: TensorMap,
}

impl Init {
    pub(crate) fn new(seed: u64) -> Self {
        Self {
            rng: ChaCha8Rng::seed_from_u64(seed),
            map: TensorMap::new(),
        }
    }

    fn put(&mut self, name: String, shape: Vec<usize>, data: Vec<f32>) {
        self.map.insert(name, (shape, data));
    }

    /// `Conv1d(input → out, width)`: `{name}.weight` `(out, input, width)`, `{name}.bias`.
    pub(crate) fn conv(&mut self, name: &str, out: usize, input: usize, width: usize) {
        let fan = input * width;
        let w = uniform(&mut self.rng, out * fan, fan);
        let b = uniform(&mut self.rng, out, fan);
        self.put(format!("{name}.weight"), vec![out, input, width], w);
        self.put(format!("{name}.bias"), vec![out], b);
    }

    /// `Linear(input → out)`: `{name}.weight` `(out, input)`, `{name}.bias`.
    pub(crate) fn linear(&mut self, name: &str, out: usize, input: usize) {
        let w = uniform(&mut self.rng, out * input, input);
        let b = uniform(&mut self.rng, out, input);
        self.put(format!("{name}.weight"), vec![out, input], w);
        self.put(format!("{name}.bias"), vec![out], b);
    }

    /// `BatchNorm1d(n)` in its initial state.
    pub(crate) fn bn(&mut self, name: &str, n: usize) {
        self.put(format!("{name}.weight"), vec![n], vec![1.0; n]);
        self.put(format!("{name}.bias"), vec![n], vec![0.0; n]);
        self.put(format!("{name}.running_mean"), vec![n], vec![0.0; n]);
        self.put(format!("{name}.running_var"), vec![n], vec![1.0; n]);
    }

    /// `LayerNorm(n)` in its initial state: weight 1, bias 0.
    pub(crate) fn layer_norm(&mut self, name: &str, n: usize) {
        self.put(format!("{name}.weight"), vec![n], vec![1.0; n]);
        self.put(format!("{name}.bias"), vec![n], vec![0.0; n]);
    }

    /// One direction of one LSTM layer as PyTorch names it (`suffix` is `l0`, `l0_reverse`…):
    /// `weight_ih_{suffix}` `(4H, input)`, `weight_hh_{suffix}` `(4H, H)` and two biases
    /// `(4H)`, all uniform ±1/√H.
    pub(crate) fn lstm(&mut self, name: &str, suffix: &str, input: usize, hidden: usize) {
        let g = 4 * hidden;
        for (kind, cols) in [("weight_ih", input), ("weight_hh", hidden)] {
            let w = uniform(&mut self.rng, g * cols, hidden);
            self.put(format!("{name}.{kind}_{suffix}"), vec![g, cols], w);
        }
        for kind in ["bias_ih", "bias_hh"] {
            let b = uniform(&mut self.rng, g, hidden);
            self.put(format!("{name}.{kind}_{suffix}"), vec![g], b);
        }
    }
}

/// Reads layers from named tensors onto a device.
pub(crate) struct Reader<'a> {
    pub(crate) map: &'a TensorMap,
    pub(crate) device: &'a Device,
}

impl Reader<'_> {
    /// The values of `name`, which must have `shape` (up to dimensions of size 1).
    pub(crate) fn get(&self, name: &str, shape: &[usize]) -> Result<Vec<f32>> {
        let (s, d) = self
            .map
            .get(name)
            .ok_or_else(|| NnError::ModelFile(format!("tensor `{name}` is missing")))?;
        let squeeze = |v: &[usize]| v.iter().copied().filter(|&x| x != 1).collect::<Vec<_>>();
        if s.as_slice() != shape && squeeze(s) != squeeze(shape) {
            return Err(NnError::ModelFile(format!(
                "tensor `{name}` has shape {s:?}, expected {shape:?} for this architecture"
            )));
        }
        if d.len() != shape.iter().product::<usize>() {
            return Err(NnError::ModelFile(format!(
                "tensor `{name}` has the wrong number of values"
            )));
        }
        Ok(d.clone())
    }

    pub(crate) fn param<const D: usize>(
        &self,
        name: &str,
        shape: [usize; D],
    ) -> Result<Param<Tensor<D>>> {
        Ok(param(self.get(name, &shape)?, shape, self.device))
    }

    pub(crate) fn bn(&self, name: &str, n: usize) -> Result<BatchNorm1d> {
        let t = |s: &str| -> Result<Tensor<1>> {
            Ok(Tensor::from_data(
                TensorData::new(self.get(&format!("{name}.{s}"), &[n])?, [n]),
                self.device,
            ))
        };
        Ok(BatchNorm1d {
            weight: Param::from_tensor(t("weight")?),
            bias: Param::from_tensor(t("bias")?),
            running_mean: RunningState::new(t("running_mean")?),
            running_var: RunningState::new(t("running_var")?),
        })
    }

    pub(crate) fn conv(&self, name: &str, out: usize, input: usize, width: usize) -> Result<Conv> {
        Ok(Conv {
            weight: self.param(&format!("{name}.weight"), [out, input, width])?,
            bias: self.param(&format!("{name}.bias"), [out])?,
        })
    }

    pub(crate) fn dense(&self, name: &str, out: usize, input: usize) -> Result<Dense> {
        Ok(Dense {
            weight: self.param(&format!("{name}.weight"), [out, input])?,
            bias: self.param(&format!("{name}.bias"), [out])?,
        })
    }
}

/// Adds a parameter's current values to `map` under `name`.
pub(crate) fn put<const D: usize>(map: &mut TensorMap, name: String, p: &Param<Tensor<D>>) {
    map.insert(name, (p.dims().to_vec(), tensor_values(p.val())));
}

/// Adds a batch norm's four tensors to `map` under `{name}.…`.
pub(crate) fn put_bn(map: &mut TensorMap, name: &str, bn: &BatchNorm1d) {
    put(map, format!("{name}.weight"), &bn.weight);
    put(map, format!("{name}.bias"), &bn.bias);
    let n = bn.weight.dims()[0];
    for (s, t) in [
        ("running_mean", &bn.running_mean),
        ("running_var", &bn.running_var),
    ] {
        map.insert(
            format!("{name}.{s}"),
            (vec![n], tensor_values(t.value_sync())),
        );
    }
}

/// A 1-d convolution, weight `(out, in, width)`, with symmetric zero padding.
#[derive(Module, Debug)]
pub(crate) struct Conv {
    pub(crate) weight: Param<Tensor<3>>,
    pub(crate) bias: Param<Tensor<1>>,
}

impl Conv {
    /// `(B, in, L)` → `(B, out, L + 2·padding − width + 1)`.
    pub(crate) fn forward(&self, x: Tensor<3>, padding: usize) -> Tensor<3> {
        conv1d(
            x,
            self.weight.val(),
            Some(self.bias.val()),
            ConvOptions::new([1], [padding], [1], 1),
        )
    }

    pub(crate) fn put(&self, map: &mut TensorMap, name: &str) {
        put(map, format!("{name}.weight"), &self.weight);
        put(map, format!("{name}.bias"), &self.bias);
    }
}

/// A linear layer, weight `(out, in)` as PyTorch's `Linear`.
#[derive(Module, Debug)]
pub(crate) struct Dense {
    pub(crate) weight: Param<Tensor<2>>,
    pub(crate) bias: Param<Tensor<1>>,
}

impl Dense {
    /// `(B, in)` → `(B, out)`.
    pub(crate) fn forward(&self, x: Tensor<2>) -> Tensor<2> {
        x.matmul(self.weight.val().transpose()) + self.bias.val().unsqueeze_dim::<2>(0)
    }

    pub(crate) fn put(&self, map: &mut TensorMap, name: &str) {
        put(map, format!("{name}.weight"), &self.weight);
        put(map, format!("{name}.bias"), &self.bias);
    }
}

/// Non-overlapping max-pooling `(B, C, L)` → `(B, C, ⌊L/pool⌋)` (PyTorch's `MaxPool1d(pool,
/// pool)`: a trailing partial window is dropped), as a reshape and a max, which is much faster
/// than the generic pooling kernel on the CPU backend.
pub(crate) fn max_pool(x: Tensor<3>, pool: usize) -> Tensor<3> {
    let [b, c, l] = x.dims();
    let p = l / pool;
    x.narrow(2, 0, p * pool)
        .reshape([b, c, p, pool])
        .max_dim(3)
        .reshape([b, c, p])
}
