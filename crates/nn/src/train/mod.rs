//! Training of any architecture ([`ModelConfig`]): Adam by default (PyTorch's defaults,
//! lr 0.003, ε 1e-8; AdamW and SGD on request), a per-epoch learning-rate schedule
//! (constant by default), mini-batches of shuffled sequences as u8 codes, optional
//! reverse-complement augmentation of both training and validation sets (as the original's
//! `--rev-complement`), early stopping on the validation loss with the best weights kept
//! (or the last epoch's). Options beyond the original ([`params`]): freezing of whole
//! tensors or of per-unit slices, global gradient-norm clipping, penalty terms with weights
//! scheduled by epoch; training may start from given weights ([`Start`]) and read a fixed set
//! or a set generated each epoch ([`Source`]).
//!
//! Reproducibility: initialisation, shuffling and dropout masks all come from ChaCha8
//! generators derived from `seed`; on the CPU backend the result is bit-identical for a
//! given seed and thread count.

use crate::Predictor;
use crate::loss::Loss;
use crate::model::{ExplaiNNConfig, TensorMap};
use crate::network::{Model, ModelConfig};
use crate::{NnError, Result};
use burn::module::Module;
use burn::optim::momentum::MomentumConfig;
use burn::optim::{AdamConfig, AdamWConfig, GradientsParams, SgdConfig};
use burn::tensor::{Device, Tensor, TensorData};
use explainn_seq::encode::reverse_complement_codes;
use rand::SeedableRng;
use rand::seq::SliceRandom;
use rand_chacha::ChaCha8Rng;
use serde::{Deserialize, Serialize};
use std::time::Instant;

pub(crate) mod params;
#[cfg(test)]
mod parity_tests;
pub use params::{Freeze, Penalty, Term, Weight};

/// A labelled set held as u8 codes: `codes` is N·L row-major (A=0 C=1 G=2 T=3 other=4),
/// `labels` N·C row-major.
#[derive(Debug, Clone, Copy)]
pub struct TrainData<'a> {
    codes: &'a [u8],
    labels: &'a [f32],
    length: usize,
    classes: usize,
}

impl<'a> TrainData<'a> {
    /// Check sizes and label values (finite) and wrap the slices.
    pub fn new(codes: &'a [u8], labels: &'a [f32], length: usize, classes: usize) -> Result<Self> {
        if length == 0 || classes == 0 || codes.len() % length != 0 {
            return Err(NnError::Data(
                "sequence codes are not a whole number of sequences".into(),
            ));
        }
        let n = codes.len() / length;
        if labels.len() != n * classes {
            return Err(NnError::Data(format!(
                "{n} sequences but {} label values ({classes} classes expected per sequence)",
                labels.len()
            )));
        }
        if let Some(i) = labels.iter().position(|v| !v.is_finite()) {
            return Err(NnError::Data(format!(
                "label of sequence {} is not a finite number",
                i / classes + 1
            )));
        }
        Ok(Self {
            codes,
            labels,
            length,
            classes,
        })
    }

    /// Number of sequences N.
    pub fn len(&self) -> usize {
        self.codes.len() / self.length
    }

    /// Whether there are no sequences.
    pub fn is_empty(&self) -> bool {
        self.codes.is_empty()
    }

    /// Sequence length L.
    pub fn length(&self) -> usize {
        self.length
    }

    /// Number of classes C.
    pub fn classes(&self) -> usize {
        self.classes
    }

    /// Codes `(B·L)` (reverse-complemented where asked) and labels `(B, C)` for the items
    /// `(index, reverse)`.
    fn batch(&self, items: &[(usize, bool)], device: &Device) -> (Vec<u8>, Tensor<2>) {
        let (l, c, b) = (self.length, self.classes, items.len());
        let mut x = Vec::with_capacity(b * l);
        let mut y = Vec::with_capacity(b * c);
        for &(i, rc) in items {
            let s = &self.codes[i * l..(i + 1) * l];
            if rc {
                x.extend(reverse_complement_codes(s));
            } else {
                x.extend_from_slice(s);
            }
            y.extend_from_slice(&self.labels[i * c..(i + 1) * c]);
        }
        (x, Tensor::from_data(TensorData::new(y, [b, c]), device))
    }

    /// Items of an epoch: every sequence, plus its reverse complement with `rc`.
    fn items(&self, rc: bool) -> Vec<(usize, bool)> {
        let n = self.len();
        let mut v: Vec<(usize, bool)> = (0..n).map(|i| (i, false)).collect();
        if rc {
            v.extend((0..n).map(|i| (i, true)));
        }
        v
    }
}

/// The optimiser. Default: Adam (β 0.9/0.999, no weight decay, ε from
/// [`TrainOptions::adam_eps`]), as the original.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize, Default)]
#[serde(rename_all = "lowercase", tag = "name")]
pub enum Optimiser {
    #[default]
    Adam,
    /// AdamW (Loshchilov & Hutter 2019) with decoupled weight decay.
    AdamW { weight_decay: f64 },
    /// Stochastic gradient descent with (optional, 0 = none) momentum.
    Sgd { momentum: f64 },
}

/// The learning rate per epoch. Default: constant.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize, Default)]
#[serde(rename_all = "kebab-case", tag = "name")]
pub enum Schedule {
    #[default]
    Constant,
    /// Multiply the rate by `gamma` every `every` epochs (PyTorch's `StepLR`).
    Step { every: usize, gamma: f64 },
    /// Cosine annealing from the rate to 0 over the maximum number of epochs
    /// (PyTorch's `CosineAnnealingLR` with `T_max` = epochs, `eta_min` = 0).
    Cosine,
    /// Multiply the rate by `factor` after `patience` epochs without a lower validation loss
    /// (PyTorch's `ReduceLROnPlateau`, mode min, threshold 0).
    Plateau { factor: f64, patience: usize },
}

/// Which weights training returns. Default: the epoch with the lowest validation loss.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum Keep {
    #[default]
    Best,
    Last,
}

/// Sequences per training batch by default: a hyperparameter (the paper's 100).
pub const TRAIN_BATCH_SIZE: usize = 100;

/// Optimisation settings. Defaults: BCE, Adam, lr 0.003 constant, batch 100, at most 100
/// epochs, patience 10, RC augmentation on, seed 1714, Adam ε 1e-8, best epoch kept.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TrainOptions {
    /// Loss function.
    pub loss: Loss,
    /// Optimiser.
    #[serde(default)]
    pub optimiser: Optimiser,
    /// Learning rate (of the first epoch, under a schedule).
    pub lr: f64,
    /// Learning-rate schedule over epochs.
    #[serde(default)]
    pub schedule: Schedule,
    /// Weights returned.
    #[serde(default)]
    pub keep: Keep,
    /// Adam ε (PyTorch's 1e-8; burn's own default is 1e-5).
    pub adam_eps: f64,
    /// Sequences per batch. A final batch of one sequence is merged into the previous one.
    pub batch_size: usize,
    /// Maximum number of epochs.
    pub max_epochs: usize,
    /// Stop after this many epochs without a lower validation loss (0 = never stop early).
    pub patience: usize,
    /// Add reverse complements to the training and validation sets.
    pub rc: bool,
    /// Seed of initialisation, shuffling and dropout.
    pub seed: u64,
    /// Parameters kept fixed (none by default).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub freeze: Vec<Freeze>,
    /// Scale the gradients so that their global L2 norm is at most this (PyTorch's
    /// `clip_grad_norm_`); none by default.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub clip_norm: Option<f64>,
    /// Terms added to the training loss (none by default), each reported in its own column
    /// of the epoch's losses. The reported training loss is the data loss alone, comparable
    /// with the validation loss.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub penalties: Vec<Penalty>,
}

impl Default for TrainOptions {
    fn default() -> Self {
        Self {
            loss: Loss::Bce,
            optimiser: Optimiser::Adam,
            lr: 0.003,
            schedule: Schedule::Constant,
            keep: Keep::Best,
            adam_eps: 1e-8,
            batch_size: TRAIN_BATCH_SIZE,
            max_epochs: 100,
            patience: 10,
            rc: true,
            seed: explainn_seq::SEED,
            freeze: Vec::new(),
            clip_norm: None,
            penalties: Vec::new(),
        }
    }
}

/// Losses of one epoch (1-based), with the wall time it took.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct EpochLosses {
    pub epoch: usize,
    /// The data loss alone, averaged over the sequences of the batches trained on.
    pub train_loss: f64,
    pub validation_loss: f64,
    pub seconds: f64,
    /// Each term of [`TrainOptions::penalties`] by its [`Term::label`], unweighted and
    /// averaged as the data loss; NaN in epochs where its weight is 0 (not computed).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub terms: Vec<(String, f64)>,
    /// Training batches skipped (no optimiser step) because their loss was not finite.
    #[serde(default)]
    pub skipped: usize,
}

impl EpochLosses {
    /// An epoch without extra terms or skipped batches.
    pub fn new(epoch: usize, train_loss: f64, validation_loss: f64, seconds: f64) -> Self {
        Self {
            epoch,
            train_loss,
            validation_loss,
            seconds,
            terms: Vec::new(),
            skipped: 0,
        }
    }
}

/// Progress events, for a progress bar and for saving the best model so far.
#[derive(Debug, Clone, Copy)]
pub enum Progress<'a> {
    /// An epoch begins with this many batches.
    EpochStart { epoch: usize, batches: usize },
    /// A training batch finished; `running_loss` is the epoch's mean so far.
    Batch { running_loss: f64 },
    /// An epoch finished.
    EpochEnd(&'a EpochLosses),
    /// The weights training would return changed (a lower validation loss, or every epoch
    /// with [`Keep::Last`]): `model` (inference mode) after `steps` optimiser steps, so a
    /// caller can save it and an interrupted training still leaves a model.
    Kept {
        epoch: usize,
        steps: usize,
        model: &'a Model,
    },
}

/// What [`train`] returns.
#[derive(Debug)]
pub struct TrainOutcome {
    /// The kept model (lowest validation loss, or the last epoch's), in inference mode on
    /// the given device.
    pub model: Model,
    /// Losses of every epoch run.
    pub history: Vec<EpochLosses>,
    /// The epoch (1-based) whose weights were kept.
    pub best_epoch: usize,
    /// Optimiser steps taken up to the kept epoch.
    pub steps: usize,
}

impl From<ExplaiNNConfig> for ModelConfig {
    fn from(c: ExplaiNNConfig) -> Self {
        ModelConfig::ExplaiNN(c)
    }
}

/// The learning rate of `epoch` (1-based) under `schedule`; `plateau_cuts` counts the
/// reductions a plateau schedule has made so far.
fn epoch_lr(opts: &TrainOptions, epoch: usize, plateau_cuts: i32) -> f64 {
    let lr = opts.lr;
    match opts.schedule {
        Schedule::Constant => lr,
        Schedule::Step { every, gamma } => lr * gamma.powi(((epoch - 1) / every.max(1)) as i32),
        Schedule::Cosine => {
            let t = (epoch - 1) as f64 / opts.max_epochs.max(1) as f64;
            lr * 0.5 * (1.0 + (std::f64::consts::PI * t).cos())
        }
        Schedule::Plateau { factor, .. } => lr * factor.powi(plateau_cuts),
    }
}

fn optimiser(opts: &TrainOptions) -> burn::optim::ModuleOptimizer {
    match opts.optimiser {
        Optimiser::Adam => AdamConfig::new().with_epsilon(opts.adam_eps as f32).init(),
        Optimiser::AdamW { weight_decay } => AdamWConfig::new()
            .with_epsilon(opts.adam_eps as f32)
            .with_weight_decay(weight_decay as f32)
            .init(),
        Optimiser::Sgd { momentum } => SgdConfig::new()
            .with_momentum((momentum > 0.0).then(|| MomentumConfig {
                momentum,
                dampening: 0.0,
                nesterov: false,
            }))
            .init(),
    }
}

impl TrainOptions {
    /// Check the settings: batch ≥ 2, epochs ≥ 1, a positive learning rate, schedule and
    /// optimiser parameters in range. Each message names the option at fault.
    pub fn validate(&self) -> Result<()> {
        let bad = |m: String| Err(NnError::Config(m));
        if self.batch_size < 2 {
            return bad(format!(
                "batch size {} is too small: BatchNorm needs at least 2 sequences per batch",
                self.batch_size
            ));
        }
        if self.max_epochs == 0 {
            return bad("the maximum number of epochs must be at least 1".into());
        }
        if !(self.lr > 0.0 && self.lr.is_finite()) {
            return bad(format!("learning rate {} must be positive", self.lr));
        }
        match self.schedule {
            Schedule::Step { every, gamma } if every == 0 || !(gamma > 0.0 && gamma <= 1.0) => {
                return bad("a step schedule needs every ≥ 1 and gamma in (0, 1]".into());
            }
            Schedule::Plateau { factor, patience }
                if patience == 0 || !(factor > 0.0 && factor < 1.0) =>
            {
                return bad("a plateau schedule needs patience ≥ 1 and factor in (0, 1)".into());
            }
            _ => {}
        }
        if let Some(c) = self.clip_norm
            && !(c > 0.0 && c.is_finite())
        {
            return bad(format!("gradient clipping norm {c} must be positive"));
        }
        match self.optimiser {
            Optimiser::AdamW { weight_decay } if !(weight_decay >= 0.0) => {
                bad(format!("weight decay {weight_decay} must be ≥ 0"))
            }
            Optimiser::Sgd { momentum } if !(0.0..1.0).contains(&momentum) => {
                bad(format!("SGD momentum {momentum} must be in [0, 1)"))
            }
            _ => Ok(()),
        }
    }
}

/// Split shuffled items into batches of `size`, merging a trailing batch of one item into
/// the previous batch (BatchNorm cannot train on a single sequence).
fn batches(items: &[(usize, bool)], size: usize) -> Vec<&[(usize, bool)]> {
    let mut v: Vec<&[(usize, bool)]> = items.chunks(size).collect();
    if v.len() >= 2 && v[v.len() - 1].len() == 1 {
        let n = items.len();
        v.pop();
        let start = (v.len() - 1) * size;
        let last = v.len() - 1;
        v[last] = &items[start..n];
    }
    v
}

/// Mean loss of a set in inference mode (each batch weighted by its size), with the
/// logits of `predictor` (the fused host kernel on the CPU).
fn evaluate(
    predictor: &Predictor,
    data: &TrainData,
    loss: Loss,
    rc: bool,
    batch: usize,
    device: &Device,
) -> f64 {
    let items = data.items(rc);
    let c = data.classes;
    let mut total = 0.0;
    for chunk in items.chunks(batch) {
        let (codes, y) = data.batch(chunk, device);
        let logits = predictor
            .logits(&codes, false)
            .expect("whole sequences of the model's length");
        let logits = Tensor::from_data(TensorData::new(logits, [chunk.len(), c]), device);
        let l: f32 = loss.compute(logits, y).into_scalar();
        total += l as f64 * chunk.len() as f64;
    }
    total / items.len() as f64
}

/// Where training starts from.
#[derive(Debug, Clone, Copy)]
pub enum Start<'a> {
    /// Fresh weights drawn from [`TrainOptions::seed`] (PyTorch's default initialisation).
    Fresh,
    /// These weights (every tensor of the architecture, in PyTorch layout), e.g. motif
    /// initialised filters or a model to fine-tune.
    From(&'a TensorMap),
}

/// The training sequences of each epoch.
pub enum Source<'a> {
    /// The same set every epoch, reshuffled.
    Fixed(TrainData<'a>),
    /// A set made for each epoch (1-based) by the closure, as `(codes, labels)` in
    /// [`TrainData`]'s layout with the model's length and classes (simulations).
    Generated(&'a mut dyn FnMut(usize) -> Result<(Vec<u8>, Vec<f32>)>),
}

/// Train a fresh model with architecture `config` (any [`ModelConfig`], or an
/// [`ExplaiNNConfig`]) on `train`, early-stopping on `valid`. `device` is a plain
/// (non-autodiff) device; training runs on its autodiff counterpart. `progress` receives
/// events for display. Errors on empty sets, a training set of a single sequence, invalid
/// options, or data that does not match `config` (length, classes).
pub fn train(
    config: impl Into<ModelConfig>,
    train: &TrainData,
    valid: &TrainData,
    opts: &TrainOptions,
    device: &Device,
    progress: &mut dyn FnMut(Progress),
) -> Result<TrainOutcome> {
    train_with(
        config,
        Start::Fresh,
        Source::Fixed(*train),
        valid,
        opts,
        device,
        progress,
    )
}

/// Check that a set fits the model.
fn check_fit(name: &str, d: &TrainData, config: &ModelConfig) -> Result<()> {
    if d.is_empty() {
        return Err(NnError::Data(format!("the {name} set is empty")));
    }
    if d.length != config.input_length() {
        return Err(NnError::Data(format!(
            "{name} sequences have length {}, the model expects {}",
            d.length,
            config.input_length()
        )));
    }
    if d.classes != config.classes() {
        return Err(NnError::Data(format!(
            "{name} data has {} label columns, the model has {} outputs",
            d.classes,
            config.classes()
        )));
    }
    Ok(())
}

/// Check that a training set fits the model and gives at least two items per epoch
/// (counting reverse complements with `rc`): BatchNorm cannot train on one sequence.
fn check_training(name: &str, d: &TrainData, config: &ModelConfig, rc: bool) -> Result<()> {
    check_fit(name, d, config)?;
    if d.len() * (1 + rc as usize) < 2 {
        return Err(NnError::Data(format!(
            "the {name} set has fewer than two sequences; training needs at least two"
        )));
    }
    Ok(())
}

/// [`train`] with a choice of starting weights and of data source.
pub fn train_with(
    config: impl Into<ModelConfig>,
    start: Start,
    mut source: Source,
    valid: &TrainData,
    opts: &TrainOptions,
    device: &Device,
    progress: &mut dyn FnMut(Progress),
) -> Result<TrainOutcome> {
    let config = config.into();
    config.validate()?;
    check_fit("validation", valid, &config)?;
    if let Source::Fixed(train) = &source {
        check_training("training", train, &config, opts.rc)?;
    }
    opts.validate()?;
    let ad = device.clone().autodiff();
    let mut model = match start {
        Start::Fresh => Model::new(&config, opts.seed, &ad)?,
        Start::From(tensors) => Model::from_tensors(&config, tensors, &ad)?,
    };
    let params = params::Params::new(&model, &config, &opts.freeze, &opts.penalties, device)?;
    let labels: Vec<String> = opts.penalties.iter().map(|p| p.term.label()).collect();
    let mut optim = optimiser(opts);
    let mut plateau = (0i32, f64::INFINITY, 0usize); // cuts, best loss, stale epochs
    let mut shuffle_rng = ChaCha8Rng::seed_from_u64(opts.seed.wrapping_add(1));
    let mut dropout_rng = ChaCha8Rng::seed_from_u64(opts.seed.wrapping_add(2));
    let mut items = match &source {
        Source::Fixed(train) => train.items(opts.rc),
        Source::Generated(_) => Vec::new(),
    };
    let mut history = Vec::new();
    let mut best: Option<(f64, usize, usize, TensorMap)> = None;
    let mut steps = 0usize;
    let mut stale = 0usize;
    let mut last: Option<(usize, usize, TensorMap)> = None;
    for epoch in 1..=opts.max_epochs {
        let t0 = Instant::now();
        let lr = epoch_lr(opts, epoch, plateau.0);
        let generated;
        let train = match &mut source {
            Source::Fixed(train) => *train,
            Source::Generated(make) => {
                generated = make(epoch)?;
                let d = TrainData::new(
                    &generated.0,
                    &generated.1,
                    config.input_length(),
                    config.classes(),
                )
                .map_err(|e| NnError::Data(format!("generated set of epoch {epoch}: {e}")))?;
                check_training(
                    &format!("generated epoch {epoch} training"),
                    &d,
                    &config,
                    opts.rc,
                )?;
                items = d.items(opts.rc);
                d
            }
        };
        items.shuffle(&mut shuffle_rng);
        let bs = batches(&items, opts.batch_size);
        progress(Progress::EpochStart {
            epoch,
            batches: bs.len(),
        });
        let (mut sum, mut count) = (0.0f64, 0usize);
        let mut term_sums = vec![0.0f64; labels.len()];
        let mut skipped: Option<(usize, f32, bool)> = None; // count, first value, data loss's
        let model_terms = params.model_terms(epoch);
        for b in bs {
            let (x, y) = train.batch(b, &ad);
            let (logits, forward) = model.forward_train(&x, &mut dropout_rng, &model_terms);
            let loss = opts.loss.compute(logits, y);
            let lv: f32 = loss.clone().into_scalar();
            let (total, parts) = match params.penalty(&model, epoch, forward) {
                None => (loss, Vec::new()),
                Some(extra) => (loss + extra.total, extra.parts),
            };
            let tv: f32 = if parts.is_empty() {
                lv
            } else {
                total.clone().into_scalar()
            };
            if !tv.is_finite() {
                let s = skipped.get_or_insert((0, tv, !lv.is_finite()));
                s.0 += 1;
                progress(Progress::Batch {
                    running_loss: if count > 0 {
                        sum / count as f64
                    } else {
                        f64::NAN
                    },
                });
                continue;
            }
            for (k, t) in parts {
                let v: f32 = t.into_scalar();
                term_sums[k] += v as f64 * b.len() as f64;
            }
            let mut grads = GradientsParams::from_grads(total.backward(), &model);
            params.adjust(&model, &mut grads, opts.clip_norm);
            model = params.restore(optim.step(lr, model, grads));
            steps += 1;
            sum += lv as f64 * b.len() as f64;
            count += b.len();
            progress(Progress::Batch {
                running_loss: sum / count as f64,
            });
        }
        if count == 0 {
            let (_, v, data) = skipped.expect("an epoch has batches");
            return Err(NnError::Data(if data {
                format!(
                    "the training loss became {v} in every batch of epoch {epoch}: check the labels suit the `{}` loss, or lower the learning rate",
                    opts.loss
                )
            } else {
                format!(
                    "the training loss with its penalty terms became {v} in every batch of epoch {epoch}: lower the penalty weights or the learning rate"
                )
            }));
        }
        let inference = Predictor::new(model.valid(), device.clone(), opts.batch_size);
        let vloss = evaluate(
            &inference,
            valid,
            opts.loss,
            opts.rc,
            opts.batch_size,
            device,
        );
        let active = |k: usize| opts.penalties[k].weight.at(epoch) != 0.0;
        let e = EpochLosses {
            epoch,
            train_loss: sum / count as f64,
            validation_loss: vloss,
            seconds: t0.elapsed().as_secs_f64(),
            terms: (labels.iter().enumerate())
                .map(|(k, l)| {
                    let v = if active(k) {
                        term_sums[k] / count as f64
                    } else {
                        f64::NAN
                    };
                    (l.clone(), v)
                })
                .collect(),
            skipped: skipped.map_or(0, |s| s.0),
        };
        progress(Progress::EpochEnd(&e));
        history.push(e);
        if let Schedule::Plateau { patience, .. } = opts.schedule {
            if vloss < plateau.1 {
                (plateau.1, plateau.2) = (vloss, 0);
            } else {
                plateau.2 += 1;
                if plateau.2 >= patience {
                    (plateau.0, plateau.2) = (plateau.0 + 1, 0);
                }
            }
        }
        if opts.keep == Keep::Last {
            last = Some((epoch, steps, inference.model().to_tensors()));
        }
        let improved = best.as_ref().is_none_or(|b| vloss < b.0);
        if improved || opts.keep == Keep::Last {
            progress(Progress::Kept {
                epoch,
                steps,
                model: inference.model(),
            });
        }
        if improved {
            let tensors = match opts.keep {
                Keep::Best => inference.model().to_tensors(),
                Keep::Last => TensorMap::new(),
            };
            best = Some((vloss, epoch, steps, tensors));
            stale = 0;
        } else {
            stale += 1;
            if opts.patience > 0 && stale >= opts.patience {
                break;
            }
        }
    }
    let (_, best_epoch, steps, tensors) = match (opts.keep, last) {
        (Keep::Last, Some((epoch, steps, tensors))) => (0.0, epoch, steps, tensors),
        _ => best.expect("at least one epoch"),
    };
    let model = Model::from_tensors(&config, &tensors, device)?;
    Ok(TrainOutcome {
        model,
        history,
        best_epoch,
        steps,
    })
}

#[cfg(test)]
mod tests;
