//! The convolutional baselines of the ExplaiNN paper, for any input length:
//! - **CNN1** (`cnn1`): the original package's `ConvNetShallow`: one convolution of 100
//!   filters of width 19, BN, ReLU, max-pool 7; two dense layers of 1,000 (BN, ReLU, dropout
//!   0.3); a linear output.
//! - **CNN1Exp** (`cnn1-exp`): the same with an exponential first-layer activation (Koo &
//!   Ploenzke 2021).
//! - **DeepCNN** (`deepcnn`): the original `ConvNetDeep` (after Basset): convolutions
//!   100×19, 200×7, 200×4, each BN, ReLU, max-pool 3; dense 1,000–1,000 (BN, ReLU, dropout
//!   0.3).
//! - **DeepSTARR** (`deepstarr`, Almeida et al. 2022): convolutions 256×7, 60×3, 60×5, 120×3
//!   with same padding, each BN, ReLU, max-pool 2; dense 256–256 (BN, ReLU, dropout 0.4).
//!
//! The original classes fix the input length (200 bp; DeepSTARR 249 bp) through the width
//! of the first dense layer; here it follows from [`CnnConfig::input_length`]. Tensors are
//! named as in the original `state_dict`s (`c1`, `bn1`, `d2`… for CNN1 and DeepCNN;
//! `convol.0`, `linear.0`… for DeepSTARR), so their weights map one to one.

use crate::layers::{Conv, Dense, Init, Reader, max_pool, put_bn};
use crate::model::{BatchNorm1d, TensorMap, dropout};
use crate::{NnError, Result};
use burn::module::Module;
use burn::tensor::activation::relu;
use burn::tensor::{Device, Tensor};
use rand_chacha::ChaCha8Rng;
use serde::{Deserialize, Serialize};

/// Which published network a [`CnnConfig`] describes (it decides the defaults and the
/// tensor names).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum CnnKind {
    /// `ConvNetShallow` of the original package.
    Cnn1,
    /// `ConvNetShallow` with an exponential first-layer activation.
    Cnn1Exp,
    /// `ConvNetDeep` of the original package.
    DeepCnn,
    /// DeepSTARR (Almeida et al. 2022).
    DeepStarr,
}

/// One convolution block: `filters` filters of `width`, then max-pooling by `pool`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConvLayer {
    pub filters: usize,
    pub width: usize,
    pub pool: usize,
}

/// Hyperparameters of a convolutional baseline. [`CnnConfig::new`] gives the published ones.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CnnConfig {
    pub kind: CnnKind,
    /// Input sequence length L.
    pub input_length: usize,
    /// Number of outputs C.
    pub classes: usize,
    /// Convolution blocks, in order (each conv → BN → activation → max-pool).
    pub conv: Vec<ConvLayer>,
    /// Zero-pad each convolution by ⌊(width − 1)/2⌋ on both sides ("same"; DeepSTARR).
    pub same_padding: bool,
    /// Widths of the dense layers (each linear → BN → ReLU → dropout).
    pub dense: Vec<usize>,
    /// Dropout after every dense layer.
    pub dropout: f64,
}

impl CnnConfig {
    /// The published architecture of `kind` for inputs of `input_length` and `classes`
    /// outputs (see the module documentation).
    pub fn new(kind: CnnKind, input_length: usize, classes: usize) -> Self {
        let c = |filters, width, pool| ConvLayer {
            filters,
            width,
            pool,
        };
        let (conv, same_padding, dense, dropout) = match kind {
            CnnKind::Cnn1 | CnnKind::Cnn1Exp => (vec![c(100, 19, 7)], false, vec![1000, 1000], 0.3),
            CnnKind::DeepCnn => (
                vec![c(100, 19, 3), c(200, 7, 3), c(200, 4, 3)],
                false,
                vec![1000, 1000],
                0.3,
            ),
            CnnKind::DeepStarr => (
                vec![c(256, 7, 2), c(60, 3, 2), c(60, 5, 2), c(120, 3, 2)],
                true,
                vec![256, 256],
                0.4,
            ),
        };
        Self {
            kind,
            input_length,
            classes,
            conv,
            same_padding,
            dense,
            dropout,
        }
    }

    pub(crate) fn padding(&self, width: usize) -> usize {
        if self.same_padding {
            (width - 1) / 2
        } else {
            0
        }
    }

    /// Lengths after each convolution block (after pooling), or an error naming the block
    /// that runs out of positions.
    pub fn block_lengths(&self) -> Result<Vec<usize>> {
        let mut l = self.input_length;
        let mut out = Vec::new();
        for (i, c) in self.conv.iter().enumerate() {
            let padded = l + 2 * self.padding(c.width);
            if padded < c.width || (padded + 1 - c.width) / c.pool == 0 {
                return Err(NnError::Config(format!(
                    "input length {} is too short for convolution block {} (width {}, pool {})",
                    self.input_length,
                    i + 1,
                    c.width,
                    c.pool
                )));
            }
            l = (padded + 1 - c.width) / c.pool;
            out.push(l);
        }
        Ok(out)
    }

    /// Width of the flattened convolution output, the first dense layer's input
    /// (2,600 for CNN1 at 200 bp, 1,000 for DeepCNN, 1,800 for DeepSTARR at 249 bp).
    pub fn flat_width(&self) -> Result<usize> {
        let l = *self.block_lengths()?.last().unwrap_or(&self.input_length);
        Ok(l * self.conv.last().map_or(4, |c| c.filters))
    }

    /// Check that the hyperparameters describe a buildable model.
    pub fn validate(&self) -> Result<()> {
        if self.conv.is_empty() {
            return Err(NnError::Config(
                "at least one convolution block is needed".into(),
            ));
        }
        if self.classes == 0
            || self
                .conv
                .iter()
                .any(|c| c.filters == 0 || c.width == 0 || c.pool == 0)
            || self.dense.contains(&0)
        {
            return Err(NnError::Config(
                "classes, filters, widths, pools and dense widths must be positive".into(),
            ));
        }
        if !(0.0..1.0).contains(&self.dropout) {
            return Err(NnError::Config(format!(
                "dropout {} is not in [0, 1)",
                self.dropout
            )));
        }
        self.block_lengths().map(|_| ())
    }

    /// PyTorch names of (convolution, batch norm) of block `i`.
    pub(crate) fn conv_names(&self, i: usize) -> (String, String) {
        match self.kind {
            CnnKind::DeepStarr => (format!("convol.{}", 4 * i), format!("convol.{}", 4 * i + 1)),
            _ => (format!("c{}", i + 1), format!("bn{}", i + 1)),
        }
    }

    /// PyTorch names of (linear, batch norm) of dense layer `j`; `j` = the number of dense
    /// layers names the output layer (its second name is unused).
    pub(crate) fn dense_names(&self, j: usize) -> (String, String) {
        match self.kind {
            CnnKind::DeepStarr => (format!("linear.{}", 4 * j), format!("linear.{}", 4 * j + 1)),
            _ => {
                let k = self.conv.len() + 1 + j;
                (format!("d{k}"), format!("bn{k}"))
            }
        }
    }

    /// Whether the first block's activation is exp (CNN1Exp) instead of ReLU.
    pub(crate) fn exp_first(&self) -> bool {
        self.kind == CnnKind::Cnn1Exp
    }
}

#[derive(Module, Debug)]
struct ConvBlock {
    conv: Conv,
    bn: BatchNorm1d,
}

#[derive(Module, Debug)]
struct DenseBlock {
    dense: Dense,
    bn: BatchNorm1d,
}

/// A convolutional baseline (see the module documentation).
#[derive(Module, Debug)]
pub struct Cnn {
    conv: Vec<ConvBlock>,
    dense: Vec<DenseBlock>,
    out: Dense,
    #[module(skip)]
    config: CnnConfig,
}

impl Cnn {
    /// A fresh model with PyTorch's default initialisation drawn from ChaCha8(`seed`).
    pub fn new(config: CnnConfig, seed: u64, device: &Device) -> Result<Self> {
        config.validate()?;
        let mut init = Init::new(seed);
        let mut input = 4;
        for (i, c) in config.conv.iter().enumerate() {
            let (conv, bn) = config.conv_names(i);
            init.conv(&conv, c.filters, input, c.width);
            init.bn(&bn, c.filters);
            input = c.filters;
        }
        let mut input = config.flat_width()?;
        for (j, &w) in config.dense.iter().enumerate() {
            let (dense, bn) = config.dense_names(j);
            init.linear(&dense, w, input);
            init.bn(&bn, w);
            input = w;
        }
        init.linear(
            &config.dense_names(config.dense.len()).0,
            config.classes,
            input,
        );
        Self::from_tensors(config, &init.map, device)
    }

    /// Build a model from named tensors in the original's layout.
    pub fn from_tensors(config: CnnConfig, map: &TensorMap, device: &Device) -> Result<Self> {
        config.validate()?;
        let r = Reader { map, device };
        let mut conv = Vec::new();
        let mut input = 4;
        for (i, c) in config.conv.iter().enumerate() {
            let (cn, bn) = config.conv_names(i);
            conv.push(ConvBlock {
                conv: r.conv(&cn, c.filters, input, c.width)?,
                bn: r.bn(&bn, c.filters)?,
            });
            input = c.filters;
        }
        let mut dense = Vec::new();
        let mut input = config.flat_width()?;
        for (j, &w) in config.dense.iter().enumerate() {
            let (dn, bn) = config.dense_names(j);
            dense.push(DenseBlock {
                dense: r.dense(&dn, w, input)?,
                bn: r.bn(&bn, w)?,
            });
            input = w;
        }
        let out = r.dense(
            &config.dense_names(config.dense.len()).0,
            config.classes,
            input,
        )?;
        Ok(Self {
            conv,
            dense,
            out,
            config,
        })
    }

    /// Every tensor in the original's layout.
    pub fn to_tensors(&self) -> TensorMap {
        let mut map = TensorMap::new();
        for (i, b) in self.conv.iter().enumerate() {
            let (cn, bn) = self.config.conv_names(i);
            b.conv.put(&mut map, &cn);
            put_bn(&mut map, &bn, &b.bn);
        }
        for (j, b) in self.dense.iter().enumerate() {
            let (dn, bn) = self.config.dense_names(j);
            b.dense.put(&mut map, &dn);
            put_bn(&mut map, &bn, &b.bn);
        }
        self.out
            .put(&mut map, &self.config.dense_names(self.dense.len()).0);
        map
    }

    pub(crate) fn output_bias_sum(&self) -> f32 {
        self.out.bias.val().sum().into_scalar()
    }

    /// The hyperparameters.
    pub fn config(&self) -> &CnnConfig {
        &self.config
    }

    /// First-layer filters `(F, 4, width)`, row-major.
    pub(crate) fn first_filters(&self) -> (Vec<f32>, [usize; 3]) {
        let w = self.conv[0].conv.weight.val();
        let d = w.dims();
        (crate::model::tensor_values(w), d)
    }

    /// First-layer activations act(BN(conv(x))) in inference mode, over the windows inside
    /// the sequence: `(B, F, L − width + 1)` (with same padding, the padded edges are
    /// dropped).
    pub(crate) fn first_activations(&self, x: Tensor<3>) -> Tensor<3> {
        let l = x.dims()[2];
        let width = self.config.conv[0].width;
        let a = self.block_activation(0, x, false);
        match self.config.padding(width) {
            0 => a,
            pad => a.narrow(2, pad, l + 1 - width),
        }
    }

    fn block_activation(&self, i: usize, x: Tensor<3>, train: bool) -> Tensor<3> {
        let b = &self.conv[i];
        let z = b.bn.forward(
            b.conv
                .forward(x, self.config.padding(self.config.conv[i].width)),
            train,
        );
        if i == 0 && self.config.exp_first() {
            z.exp()
        } else {
            relu(z)
        }
    }

    /// Logits `(B, C)` for one-hot input `(B, 4, L)`; training mode (batch statistics,
    /// dropout masks from `rng`) when `rng` is given.
    pub(crate) fn run(&self, x: Tensor<3>, mut rng: Option<&mut ChaCha8Rng>) -> Tensor<2> {
        let train = rng.is_some();
        let mut h = x;
        for i in 0..self.conv.len() {
            h = max_pool(self.block_activation(i, h, train), self.config.conv[i].pool);
        }
        let [b, c, p] = h.dims();
        let mut h = h.reshape([b, c * p]);
        for block in &self.dense {
            h = relu(block.bn.forward(block.dense.forward(h), train));
            if let Some(r) = rng.as_deref_mut() {
                h = dropout(h, self.config.dropout, r);
            }
        }
        self.out.forward(h)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// First dense widths of the original classes (their `Linear(2600, …)`, `Linear(1000,
    /// …)`, `Linear(1800, …)`).
    #[test]
    fn published_shapes() {
        let c = CnnConfig::new(CnnKind::Cnn1, 200, 1);
        assert_eq!(c.flat_width().unwrap(), 2600);
        let c = CnnConfig::new(CnnKind::DeepCnn, 200, 1);
        assert_eq!(c.flat_width().unwrap(), 1000);
        let c = CnnConfig::new(CnnKind::DeepStarr, 249, 2);
        assert_eq!(c.flat_width().unwrap(), 1800);
        assert!(CnnConfig::new(CnnKind::DeepCnn, 30, 1).validate().is_err());
    }

    #[test]
    fn names_follow_the_original_state_dicts() {
        let dev = crate::default_device();
        let m = Cnn::new(CnnConfig::new(CnnKind::DeepCnn, 200, 3), 1, &dev).unwrap();
        let t = m.to_tensors();
        for k in [
            "c1.weight",
            "bn3.running_var",
            "d4.weight",
            "bn5.bias",
            "d6.weight",
        ] {
            assert!(t.contains_key(k), "{k}");
        }
        assert_eq!(t["d4.weight"].0, vec![1000, 1000]);
        let m = Cnn::new(CnnConfig::new(CnnKind::DeepStarr, 249, 2), 1, &dev).unwrap();
        let t = m.to_tensors();
        for k in [
            "convol.0.weight",
            "convol.13.bias",
            "linear.0.weight",
            "linear.8.bias",
        ] {
            assert!(t.contains_key(k), "{k}");
        }
        assert_eq!(t["linear.0.weight"].0, vec![256, 1800]);
        let back = Cnn::from_tensors(m.config().clone(), &t, &dev).unwrap();
        assert_eq!(back.to_tensors(), t);
    }
}
