//! Batched inference on u8 base codes, for every architecture: logits for both strands,
//! first-layer activations and (ExplaiNN) unit outputs, with constant memory per batch.

use crate::fused::FusedModel;
use crate::model::ExplaiNN;
use crate::network::Model;
use crate::{NnError, Result};
use burn::module::Module;
use burn::tensor::{Device, Tensor, TensorData};
use explainn_seq::encode::one_hot_strand_into as one_hot_into;

/// Windows per call of the fused tiled kernel: its pooled stage takes TILE_BATCH · P · U
/// floats (10 MB for 100 units, 26 pooled positions).
const TILE_BATCH: usize = 1024;

/// Runs a [`Model`] in inference mode over sequences given as codes
/// (N·L row-major, A=0 C=1 G=2 T=3 other=4), `batch_size` sequences at a time (default 100).
///
/// The backend is chosen once, here: an ExplaiNN model on the CPU (`flex`) device runs
/// through a fused host kernel (conv as a gather over codes, BN folded, exp and max-pool on
/// the fly, per-unit GEMMs); every other model or device through burn's operations.
///
/// ```
/// use explainn_nn::{Arch, Model, ModelConfig, Predictor, default_device};
/// let dev = default_device();
/// let config = ModelConfig::published(Arch::ExplaiNN, 40, 2).unwrap();
/// let p = Predictor::new(Model::new(&config, 1, &dev).unwrap(), dev, 100);
/// let codes = vec![0u8; 3 * 40]; // three poly-A sequences
/// let s = p.strands(&codes).unwrap();
/// assert_eq!((s.forward.len(), s.reverse.len()), (6, 6));
/// ```
pub struct Predictor {
    model: Model,
    fused: Option<FusedModel>,
    device: Device,
    batch_size: usize,
}

/// Logits of the forward and the reverse-complement strand, each `(N, C)` row-major.
#[derive(Debug, Clone, PartialEq)]
pub struct StrandPredictions {
    /// Logits for the sequences as given.
    pub forward: Vec<f32>,
    /// Logits for their reverse complements.
    pub reverse: Vec<f32>,
}

impl StrandPredictions {
    /// Strand-averaged logits (forward + reverse)/2, `(N, C)`.
    pub fn mean(&self) -> Vec<f32> {
        self.forward
            .iter()
            .zip(&self.reverse)
            .map(|(a, b)| (a + b) / 2.0)
            .collect()
    }
}

/// Host copies of one forward pass over many sequences.
#[derive(Debug, Clone, PartialEq)]
pub struct UnitArrays {
    /// First-layer activations `(N, U, L − f + 1)` when requested.
    pub activations: Option<Vec<f32>>,
    /// Unit outputs `(N, U)`.
    pub unit_outputs: Vec<f32>,
    /// Logits `(N, C)`.
    pub logits: Vec<f32>,
}

/// Outputs of windows tiled along one run of codes ([`Predictor::tiles`]).
#[derive(Debug, Clone, PartialEq)]
pub struct Tiles {
    /// Logits `(W, C)`.
    pub logits: Vec<f32>,
    /// Unit outputs `(W, U)` of a model with units (ExplaiNN, pretrained units).
    pub unit_outputs: Option<Vec<f32>>,
}

fn host(t: Tensor<2>) -> Vec<f32> {
    t.into_data()
        .convert::<f32>()
        .try_into_vec::<f32>()
        .expect("float tensor")
}

impl Predictor {
    /// Wrap a model (it is moved to inference mode on `device`).
    pub fn new(model: impl Into<Model>, device: Device, batch_size: usize) -> Self {
        let model = model.into().valid().to_device(&device);
        let fused = match &model {
            Model::ExplaiNN(m) if device == Device::flex() => Some(FusedModel::new(m)),
            _ => None,
        };
        Self {
            model,
            fused,
            device,
            batch_size: batch_size.max(1),
        }
    }

    /// The wrapped model.
    pub fn model(&self) -> &Model {
        &self.model
    }

    /// The wrapped model when it is an ExplaiNN, or an error naming what needs one.
    pub fn explainn(&self, what: &str) -> Result<&ExplaiNN> {
        self.model.explainn().ok_or_else(|| {
            NnError::Config(format!(
                "{what} needs an ExplaiNN model (per-unit decomposition); this model is {}",
                self.model.arch()
            ))
        })
    }

    fn check(&self, codes: &[u8]) -> Result<usize> {
        let l = self.model.input_length();
        if codes.len() % l != 0 {
            return Err(NnError::Data(format!(
                "sequence data of {} bases is not a whole number of sequences of the model's length {l}",
                codes.len()
            )));
        }
        Ok(codes.len() / l)
    }

    fn input(&self, codes: &[u8], rc: bool) -> Tensor<3> {
        let l = self.model.input_length();
        let b = codes.len() / l;
        let mut buf = vec![0f32; b * 4 * l];
        for (s, block) in codes.chunks_exact(l).zip(buf.chunks_exact_mut(4 * l)) {
            one_hot_into(s, rc, block);
        }
        Tensor::from_data(TensorData::new(buf, [b, 4, l]), &self.device)
    }

    /// Logits `(N, C)` of the sequences (reverse-complemented with `rc`).
    pub fn logits(&self, codes: &[u8], rc: bool) -> Result<Vec<f32>> {
        self.check(codes)?;
        if let Model::Stack(stack) = &self.model {
            return Ok(self.stack_parts(stack, codes)?.2); // members are strand-averaged
        }
        let l = self.model.input_length();
        let mut out = Vec::with_capacity(codes.len() / l * self.model.classes());
        for chunk in codes.chunks(self.batch_size * l) {
            match &self.fused {
                Some(f) => out.extend(f.forward(chunk, rc, false).logits),
                None => out.extend(host(self.model.forward(self.input(chunk, rc)))),
            }
        }
        Ok(out)
    }

    /// Logits of both strands.
    pub fn strands(&self, codes: &[u8]) -> Result<StrandPredictions> {
        Ok(StrandPredictions {
            forward: self.logits(codes, false)?,
            reverse: self.logits(codes, true)?,
        })
    }

    /// Unit outputs, logits and optionally activations of the sequences (reverse-complemented
    /// with `rc`). Activations take N·U·(L − f + 1) floats: call on manageable chunks.
    /// For a model of pretrained units ([`crate::stack`]) the units are its members
    /// (outputs g, no activations). Errors for other models.
    pub fn units(&self, codes: &[u8], rc: bool, activations: bool) -> Result<UnitArrays> {
        self.check(codes)?;
        if let Model::Stack(stack) = &self.model {
            // units are the pretrained members (strand-averaged, so `rc` changes nothing):
            // no first-layer activations of their own
            let (_, unit_outputs, logits) = self.stack_parts(stack, codes)?;
            return Ok(UnitArrays {
                activations: None,
                unit_outputs,
                logits,
            });
        }
        let model = self.explainn("unit outputs")?;
        let l = model.config().input_length;
        let mut res = UnitArrays {
            activations: activations.then(Vec::new),
            unit_outputs: Vec::new(),
            logits: Vec::new(),
        };
        for chunk in codes.chunks(self.batch_size * l) {
            if let Some(f) = &self.fused {
                let o = f.forward(chunk, rc, activations);
                if let (Some(dst), Some(a)) = (res.activations.as_mut(), o.activations) {
                    dst.extend(a);
                }
                res.unit_outputs.extend(o.unit_outputs);
                res.logits.extend(o.logits);
                continue;
            }
            let o = model.forward_units(self.input(chunk, rc), activations);
            if let (Some(dst), Some(a)) = (res.activations.as_mut(), o.activations) {
                dst.extend(
                    a.into_data()
                        .convert::<f32>()
                        .try_into_vec::<f32>()
                        .expect("float tensor"),
                );
            }
            res.unit_outputs.extend(host(o.unit_outputs));
            res.logits.extend(host(o.logits));
        }
        Ok(res)
    }

    /// Logits and, for a model with units, unit outputs of the windows of the model's
    /// length L starting at `starts` (ascending) in one run of `codes` (a chromosome block,
    /// codes as for [`Predictor::logits`]), each reverse-complemented with `rc`. Equal to
    /// cutting the windows out and calling [`Predictor::units`] (or
    /// [`Predictor::logits`]); an ExplaiNN on the CPU computes each convolution position
    /// once for all the windows that overlap it instead of once per window.
    ///
    /// ```
    /// use explainn_nn::{Arch, Model, ModelConfig, Predictor, default_device};
    /// let dev = default_device();
    /// let config = ModelConfig::published(Arch::ExplaiNN, 40, 2).unwrap();
    /// let p = Predictor::new(Model::new(&config, 1, &dev).unwrap(), dev, 100);
    /// let run: Vec<u8> = (0..100).map(|i| (i * 7 % 4) as u8).collect();
    /// let t = p.tiles(&run, &[0, 30, 60], true).unwrap();
    /// let cut = p.logits(&run[30..70], true).unwrap();
    /// assert!((t.logits[2] - cut[0]).abs() < 1e-5 && (t.logits[3] - cut[1]).abs() < 1e-5);
    /// ```
    pub fn tiles(&self, codes: &[u8], starts: &[usize], rc: bool) -> Result<Tiles> {
        let l = self.model.input_length();
        if let Some(&s) = starts.iter().find(|&&s| s + l > codes.len()) {
            return Err(NnError::Data(format!(
                "a window of {l} bases at {s} does not fit in a run of {} bases",
                codes.len()
            )));
        }
        let with_units = self.model.explainn().is_some() || matches!(self.model, Model::Stack(_));
        if let Some(f) = &self.fused {
            let mut logits = Vec::with_capacity(starts.len() * self.model.classes());
            let mut unit_outputs = Vec::new();
            for chunk in starts.chunks(self.batch_size.max(TILE_BATCH)) {
                let o = f.tiles(codes, chunk, rc);
                logits.extend(o.logits);
                unit_outputs.extend(o.unit_outputs);
            }
            return Ok(Tiles {
                logits,
                unit_outputs: Some(unit_outputs),
            });
        }
        let mut out = Tiles {
            logits: Vec::new(),
            unit_outputs: with_units.then(Vec::new),
        };
        let mut cut = Vec::with_capacity(self.batch_size * l);
        for chunk in starts.chunks(self.batch_size) {
            cut.clear();
            for &s in chunk {
                cut.extend_from_slice(&codes[s..s + l]);
            }
            match out.unit_outputs.as_mut() {
                Some(u) => {
                    let o = self.units(&cut, rc, false)?;
                    u.extend(o.unit_outputs);
                    out.logits.extend(o.logits);
                }
                None => out.logits.extend(self.logits(&cut, rc)?),
            }
        }
        Ok(out)
    }

    /// Every position of a run of `codes` where a unit's first-layer activation reaches
    /// `thresholds[u]`, as (start of the filter's window on the forward strand, unit,
    /// activation); with `rc` the units scan the reverse complement. The activations are
    /// those of [`Predictor::first_layer_activations`]. An ExplaiNN on the CPU only.
    pub fn scan(
        &self,
        codes: &[u8],
        rc: bool,
        thresholds: &[f32],
    ) -> Result<Vec<(usize, usize, f32)>> {
        let Some(f) = &self.fused else {
            return Err(NnError::Config(format!(
                "scanning a genome for unit instances needs an ExplaiNN model on the CPU; this model is {} on {:?}",
                self.model.arch(),
                self.device
            )));
        };
        if thresholds.len() != f.units() {
            return Err(NnError::Data(format!(
                "{} thresholds for a model of {} units",
                thresholds.len(),
                f.units()
            )));
        }
        Ok(f.scan(codes, rc, thresholds))
    }

    /// A model of pretrained units ([`crate::stack`]): its members' strand-averaged logits
    /// z `(N, K)` and unit outputs g `(N, K)` (g = z for the linear head); an error for
    /// other models.
    pub fn member_logits(&self, codes: &[u8]) -> Result<(Vec<f32>, Vec<f32>)> {
        self.check(codes)?;
        let Model::Stack(stack) = &self.model else {
            return Err(NnError::Config(format!(
                "member logits need a model of pretrained units; this model is {}",
                self.model.arch()
            )));
        };
        let (z, g, _) = self.stack_parts(stack, codes)?;
        Ok((z, g))
    }

    /// z, g and logits `(N, K)`, `(N, K)`, `(N, C)` of a model of pretrained units, its
    /// members run by their own predictors (fused kernels for ExplaiNN members). None of
    /// them depends on the strand given: members are strand-averaged.
    fn stack_parts(
        &self,
        stack: &crate::stack::Stack,
        codes: &[u8],
    ) -> Result<(Vec<f32>, Vec<f32>, Vec<f32>)> {
        let z = stack.member_logits_codes(codes, &self.device, self.batch_size)?;
        let k = stack.config().units();
        let n = z.len() / k;
        let zt = Tensor::<2>::from_data(TensorData::new(z.clone(), [n, k]), &self.device);
        let g = stack.unit_outputs(zt, None);
        let y = stack.head(g.clone());
        Ok((z, host(g), host(y)))
    }

    /// First-layer activations `(N, F, L')` of the sequences (reverse-complemented with
    /// `rc`), for every architecture (see [`Model::first_layer_activations`]). They take
    /// N·F·L' floats: call on manageable chunks.
    pub fn first_layer_activations(&self, codes: &[u8], rc: bool) -> Result<Vec<f32>> {
        if self.model.explainn().is_some() {
            return Ok(self
                .units(codes, rc, true)?
                .activations
                .expect("activations were asked for"));
        }
        self.check(codes)?;
        let l = self.model.input_length();
        let mut out = Vec::new();
        for chunk in codes.chunks(self.batch_size * l) {
            let a = self.model.first_layer_activations(self.input(chunk, rc));
            out.extend(crate::network::host(a));
        }
        Ok(out)
    }
}
