//! The trainable parameters of a model by their `state_dict` names, and what the trainer
//! does to them between the backward pass and the optimiser step:
//! - **freezing** ([`Freeze`]): gradients of frozen elements are zeroed (whole tensors lose
//!   their gradient, so the optimiser never touches them), and after every step the frozen
//!   elements of partly frozen tensors are put back to their saved values, so they stay
//!   bit-identical even under AdamW's decoupled weight decay;
//! - **global gradient-norm clipping** (PyTorch's `clip_grad_norm_`: one norm over every
//!   gradient, not burn's per-tensor clipping);
//! - **penalty terms** ([`Penalty`]) added to the loss with a weight scheduled by epoch.
//!
//! Parameters are matched to names generically: a probe model is built from the model's own
//! tensors with tensor k filled with the value k, and the probe's parameters, visited in the
//! same order as the model's, tell which name each parameter has. BatchNorm running
//! statistics are visited too but get no gradient: they are never frozen (as in the original, whose gradient
//! mask leaves them updating).

use super::Result;
use crate::NnError;
use crate::model::TensorMap;
use crate::network::{Model, ModelConfig};
use burn::module::{Module, ModuleMapper, ModuleVisitor, Param, ParamId};
use burn::optim::GradientsParams;
use burn::tensor::{Bool, Device, Tensor, TensorData};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;

/// What to keep fixed during training.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case", tag = "kind")]
pub enum Freeze {
    /// A whole parameter by its `state_dict` name (`final.weight`, `Conv1.weight`, …).
    Tensor { name: String },
    /// ExplaiNN: the convolutional filter of unit `unit` (its row of `linears.0.weight`);
    /// its bias and BatchNorm still train, as the original's gradient mask.
    UnitFilter { unit: usize },
    /// ExplaiNN: every parameter of unit `unit` (filter, bias, BatchNorm, per-unit layers);
    /// the final layer still trains.
    Unit { unit: usize },
}

/// A penalty's weight per epoch (1-based).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case", tag = "kind")]
pub enum Weight {
    /// The same weight every epoch.
    Constant { value: f64 },
    /// 0 for `delay` epochs, then from `from` to `to` over `epochs` epochs (evenly spaced,
    /// or geometrically with `log`, as NumPy's `logspace`), then `to`.
    Ramp {
        delay: usize,
        from: f64,
        to: f64,
        epochs: usize,
        #[serde(default)]
        log: bool,
    },
    /// One weight per epoch; the last one repeats.
    PerEpoch { values: Vec<f64> },
}

impl Weight {
    /// The weight at `epoch` (1-based).
    ///
    /// ```
    /// use explainn_nn::train::Weight;
    /// let w = Weight::Ramp { delay: 2, from: 1.0, to: 100.0, epochs: 3, log: true };
    /// let v: Vec<f64> = (1..=6).map(|e| w.at(e)).collect();
    /// assert_eq!(v, [0.0, 0.0, 1.0, 10.0, 100.0, 100.0]);
    /// ```
    pub fn at(&self, epoch: usize) -> f64 {
        match self {
            Weight::Constant { value } => *value,
            Weight::Ramp {
                delay,
                from,
                to,
                epochs,
                log,
            } => {
                if epoch <= *delay {
                    return 0.0;
                }
                let k = epoch - delay; // 1-based step of the ramp
                if k >= *epochs || *epochs <= 1 {
                    return *to;
                }
                let t = (k - 1) as f64 / (*epochs - 1) as f64;
                if *log {
                    10f64.powf(from.log10() + t * (to.log10() - from.log10()))
                } else {
                    from + t * (to - from)
                }
            }
            Weight::PerEpoch { values } => values
                .get(epoch - 1)
                .or(values.last())
                .copied()
                .unwrap_or(0.0),
        }
    }

    fn validate(&self) -> std::result::Result<(), String> {
        let ok = |v: f64| v.is_finite() && v >= 0.0;
        match self {
            Weight::Constant { value } if !ok(*value) => {
                Err(format!("weight {value} must be finite and ≥ 0"))
            }
            Weight::Ramp {
                from, to, epochs, ..
            } if !ok(*from) || !ok(*to) || *epochs == 0 => Err(format!(
                "a ramp needs weights ≥ 0 and at least one epoch (from {from} to {to} over {epochs})"
            )),
            Weight::Ramp {
                from,
                to,
                log: true,
                ..
            } if *from <= 0.0 || *to <= 0.0 => Err(format!(
                "a logarithmic ramp needs positive weights (from {from} to {to})"
            )),
            Weight::PerEpoch { values } if values.is_empty() || !values.iter().all(|v| ok(*v)) => {
                Err("per-epoch weights must be a non-empty list of values ≥ 0".into())
            }
            _ => Ok(()),
        }
    }
}

/// A term of the training objective besides the data loss: a norm of one parameter, by
/// its `state_dict` name, or a term the model computes from its own forward pass
/// (activations, attention; [`ModelConfig::loss_terms`] lists an architecture's).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase", tag = "norm")]
pub enum Term {
    /// Σ|w| over the tensor.
    L1 { tensor: String },
    /// Σw² over the tensor.
    L2 { tensor: String },
    /// A term of the model's forward pass, by name (ARGMINN: `overlap`, `entropy`).
    Model { term: String },
}

impl Term {
    fn tensor(&self) -> Option<&str> {
        match self {
            Term::L1 { tensor } | Term::L2 { tensor } => Some(tensor),
            Term::Model { .. } => None,
        }
    }

    /// The column name in `losses.tsv`: `l1(NAME)`, `l2(NAME)` or the model term's name.
    ///
    /// ```
    /// use explainn_nn::train::Term;
    /// assert_eq!(Term::L1 { tensor: "scanner.weight".into() }.label(), "l1(scanner.weight)");
    /// assert_eq!(Term::Model { term: "overlap".into() }.label(), "overlap");
    /// ```
    pub fn label(&self) -> String {
        match self {
            Term::L1 { tensor } => format!("l1({tensor})"),
            Term::L2 { tensor } => format!("l2({tensor})"),
            Term::Model { term } => term.clone(),
        }
    }
}

/// A term added to the training loss: `weight.at(epoch) · term`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Penalty {
    pub term: Term,
    pub weight: Weight,
}

/// One parameter: its `state_dict` name and shape.
pub(crate) struct Named {
    pub(crate) name: String,
    pub(super) shape: Vec<usize>,
}

/// Elements of a partly frozen parameter, flattened: `frozen` (bool), `keep` (1 where the
/// element trains, 0 where frozen) and the saved values.
struct Partial {
    frozen: Tensor<1, Bool>,
    keep: Tensor<1>,
    saved: Tensor<1>,
}

/// The trainer's view of the parameters, built once per training.
pub(super) struct Params {
    whole: Vec<ParamId>,
    partial: HashMap<ParamId, Partial>,
    /// Each penalty with the parameter it reads (none for the model's own terms).
    penalties: Vec<(Option<ParamId>, Penalty)>,
}

/// The extra terms of one batch: their weighted sum, to add to the data loss, and each
/// term's unweighted value with its index among the penalties.
pub(super) struct Extra {
    pub(super) total: Tensor<1>,
    pub(super) parts: Vec<(usize, Tensor<1>)>,
}

/// Visits every float parameter.
struct Each<F>(F);

impl<F: FnMut(ParamId, Vec<usize>, Tensor<1>)> ModuleVisitor for Each<F> {
    fn visit_float<const D: usize>(&mut self, param: &Param<Tensor<D>>) {
        let v = param.val();
        let shape = v.dims().to_vec();
        let n: usize = shape.iter().product();
        (self.0)(param.id, shape, v.reshape([n]));
    }
}

/// The state-dict name of every parameter of `model`, in visiting order with its id.
pub(crate) fn names(
    model: &Model,
    config: &ModelConfig,
    device: &Device,
) -> Result<Vec<(ParamId, Named)>> {
    let tensors = model.to_tensors();
    let keys: Vec<&String> = tensors.keys().collect();
    let probe: TensorMap = tensors
        .iter()
        .enumerate()
        .map(|(k, (name, (shape, v)))| (name.clone(), (shape.clone(), vec![k as f32; v.len()])))
        .collect();
    let probe = Model::from_tensors(config, &probe, device)?;
    let mut order = Vec::new();
    probe.visit(&mut Each(|_, _, t: Tensor<1>| {
        let first: f32 = t.slice([0..1]).into_scalar();
        order.push(first as usize);
    }));
    let mut ids = Vec::new();
    model.visit(&mut Each(|id, shape, _| ids.push((id, shape))));
    if ids.len() != order.len() {
        return Err(NnError::Config(
            "internal: the probe model has other parameters".into(),
        ));
    }
    Ok(ids
        .into_iter()
        .zip(order)
        .map(|((id, shape), k)| {
            let name = keys[k].clone();
            (id, Named { name, shape })
        })
        .collect())
}

/// Flat element indices that `rule` freezes in the parameter `name` of `shape`.
fn frozen_range(
    rule: &Freeze,
    name: &str,
    shape: &[usize],
    config: &ModelConfig,
) -> Option<std::ops::Range<usize>> {
    let n: usize = shape.iter().product();
    let units = match config {
        ModelConfig::ExplaiNN(c) => c.units,
        ModelConfig::Argminn(c) => c.filters,
        _ => 0,
    };
    // Unit-major tensors: rows [u·k, (u+1)·k) of the first dimension belong to unit u.
    let block = |u: usize| {
        let k = shape[0] / units;
        let row = n / shape[0];
        u * k * row..(u + 1) * k * row
    };
    match rule {
        Freeze::Tensor { name: t } => (t == name).then_some(0..n),
        Freeze::UnitFilter { unit } => {
            (name == "linears.0.weight" || name == "scanner.weight").then(|| block(*unit))
        }
        Freeze::Unit { unit } => (!name.starts_with("final.")).then(|| block(*unit)),
    }
}

impl Params {
    /// Resolve the rules and penalties of a training against `model` (on the autodiff
    /// device; `device` is its plain counterpart). Errors name the rule at fault.
    pub(super) fn new(
        model: &Model,
        config: &ModelConfig,
        freeze: &[Freeze],
        penalties: &[Penalty],
        device: &Device,
    ) -> Result<Self> {
        let bad = |m: String| Err(NnError::Config(m));
        for p in penalties {
            if let Term::Model { term } = &p.term
                && !config.loss_terms().contains(&term.as_str())
            {
                let known = match config.loss_terms() {
                    [] => "none".to_string(),
                    t => t.join(", "),
                };
                return bad(format!(
                    "{} computes no loss term `{term}` (its terms: {known})",
                    config.arch()
                ));
            }
        }
        let mut out = Params {
            whole: Vec::new(),
            partial: HashMap::new(),
            penalties: Vec::new(),
        };
        if freeze.is_empty() && penalties.is_empty() {
            return Ok(out);
        }
        // Running statistics are visited like parameters but get no gradient; they are
        // not trainable and are left out.
        let mut named = names(model, config, device)?;
        named.retain(|(_, n)| {
            !n.name.ends_with(".running_mean") && !n.name.ends_with(".running_var")
        });
        let list = named
            .iter()
            .map(|(_, n)| n.name.as_str())
            .collect::<Vec<_>>()
            .join(", ");
        for rule in freeze {
            match (rule, config) {
                (Freeze::Tensor { name }, _) => {
                    if !named.iter().any(|(_, n)| &n.name == name) {
                        let why = if name.contains("running_") {
                            "running statistics are not trained, so there is nothing to freeze"
                                .to_string()
                        } else {
                            format!("the trainable tensors are: {list}")
                        };
                        return bad(format!("cannot freeze `{name}`: {why}"));
                    }
                }
                (Freeze::UnitFilter { unit } | Freeze::Unit { unit }, ModelConfig::ExplaiNN(c)) => {
                    if *unit >= c.units {
                        return bad(format!(
                            "cannot freeze unit {unit}: the model has units 0 to {}",
                            c.units - 1
                        ));
                    }
                }
                (Freeze::UnitFilter { unit }, ModelConfig::Argminn(c)) => {
                    if *unit >= c.filters {
                        return bad(format!(
                            "cannot freeze filter {unit}: the scanner has filters 0 to {}",
                            c.filters - 1
                        ));
                    }
                }
                _ => {
                    return bad(format!(
                        "freezing units needs an ExplaiNN model; this is {} (freeze whole tensors by name instead)",
                        config.arch()
                    ));
                }
            }
        }
        let mut id_of = HashMap::new();
        let mut partly = HashMap::new();
        for (id, n) in named {
            let size: usize = n.shape.iter().product();
            let mut frozen = vec![false; size];
            for rule in freeze {
                if let Some(r) = frozen_range(rule, &n.name, &n.shape, config) {
                    frozen[r].iter_mut().for_each(|f| *f = true);
                }
            }
            if frozen.iter().all(|&f| f) {
                out.whole.push(id);
            } else if frozen.iter().any(|&f| f) {
                partly.insert(id, frozen);
            }
            id_of.insert(n.name, id);
        }
        // Masks and saved values of the partly frozen tensors.
        model.visit(&mut Each(|id, _, t: Tensor<1>| {
            if let Some(frozen) = partly.remove(&id) {
                let size = frozen.len();
                let keep: Vec<f32> = frozen.iter().map(|&f| if f { 0.0 } else { 1.0 }).collect();
                let partial = Partial {
                    frozen: Tensor::from_data(TensorData::new(frozen, [size]), device),
                    keep: Tensor::from_data(TensorData::new(keep, [size]), device),
                    saved: t.inner(),
                };
                out.partial.insert(id, partial);
            }
        }));
        for p in penalties {
            let id = match p.term.tensor() {
                Some(name) => match id_of.get(name) {
                    Some(&id) => Some(id),
                    None => {
                        return bad(format!(
                            "no trainable tensor `{name}` to penalise; the trainable tensors are: {list}"
                        ));
                    }
                },
                None => None,
            };
            if let Err(m) = p.weight.validate() {
                return bad(format!("penalty `{}`: {m}", p.term.label()));
            }
            out.penalties.push((id, p.clone()));
        }
        Ok(out)
    }

    /// Whether any penalty is active at `epoch`.
    pub(super) fn penalised(&self, epoch: usize) -> bool {
        self.penalties
            .iter()
            .any(|(_, p)| p.weight.at(epoch) != 0.0)
    }

    /// The model terms active at `epoch`, in the order [`Params::penalty`] expects their
    /// values.
    pub(super) fn model_terms(&self, epoch: usize) -> Vec<&str> {
        self.penalties
            .iter()
            .filter(|(_, p)| p.weight.at(epoch) != 0.0)
            .filter_map(|(_, p)| match &p.term {
                Term::Model { term } => Some(term.as_str()),
                _ => None,
            })
            .collect()
    }

    /// Σ weight(epoch) · term over the penalties active at `epoch`, on the autodiff graph
    /// of `model`, with each term's unweighted value; `forward` holds the values of the
    /// model terms of [`Params::model_terms`] from this batch's forward pass. `None` when
    /// no penalty is active this epoch.
    pub(super) fn penalty(
        &self,
        model: &Model,
        epoch: usize,
        forward: Vec<Tensor<1>>,
    ) -> Option<Extra> {
        if !self.penalised(epoch) {
            return None;
        }
        let mut values = HashMap::new();
        model.visit(&mut Each(|id, _, t| {
            if self.penalties.iter().any(|(p, _)| *p == Some(id)) {
                values.insert(id, t);
            }
        }));
        let mut forward = forward.into_iter();
        let mut total: Option<Tensor<1>> = None;
        let mut parts = Vec::new();
        for (k, (id, p)) in self.penalties.iter().enumerate() {
            let w = p.weight.at(epoch);
            if w == 0.0 {
                continue;
            }
            let u = match (&p.term, id) {
                (Term::L1 { .. }, Some(id)) => values[id].clone().abs().sum(),
                (Term::L2 { .. }, Some(id)) => values[id].clone().powi_scalar(2).sum(),
                _ => forward.next().expect("a value per active model term"),
            };
            let v = u.clone().mul_scalar(w);
            parts.push((k, u));
            total = Some(match total {
                Some(s) => s + v,
                None => v,
            });
        }
        total.map(|total| Extra { total, parts })
    }

    /// Drop the gradients of wholly frozen tensors, zero those of frozen elements, then
    /// scale every gradient so their global L2 norm is at most `clip` (PyTorch's
    /// `clip_grad_norm_`, factor `clip / (norm + 1e-6)` when the norm exceeds `clip`).
    pub(super) fn adjust(&self, model: &Model, grads: &mut GradientsParams, clip: Option<f64>) {
        if self.whole.is_empty() && self.partial.is_empty() && clip.is_none() {
            return;
        }
        struct Adjust<'a> {
            params: &'a Params,
            grads: &'a mut GradientsParams,
            /// Whether to sum the squares (a host read per tensor) for clipping.
            clip: bool,
            sum_sq: f64,
        }
        impl ModuleVisitor for Adjust<'_> {
            fn visit_float<const D: usize>(&mut self, param: &Param<Tensor<D>>) {
                if self.params.whole.contains(&param.id) {
                    self.grads.remove::<D>(param.id);
                    return;
                }
                let Some(mut g) = self.grads.remove::<D>(param.id) else {
                    return;
                };
                if let Some(p) = self.params.partial.get(&param.id) {
                    g = g * p.keep.clone().reshape(param.dims());
                }
                if self.clip {
                    let sq: f32 = g.clone().powi_scalar(2).sum().into_scalar();
                    self.sum_sq += sq as f64;
                }
                self.grads.register(param.id, g);
            }
        }
        let mut a = Adjust {
            params: self,
            grads,
            clip: clip.is_some(),
            sum_sq: 0.0,
        };
        model.visit(&mut a);
        let Some(clip) = clip else { return };
        let norm = a.sum_sq.sqrt();
        if norm <= clip {
            return;
        }
        let factor = clip / (norm + 1e-6);
        struct Scale<'a>(&'a mut GradientsParams, f64);
        impl ModuleVisitor for Scale<'_> {
            fn visit_float<const D: usize>(&mut self, param: &Param<Tensor<D>>) {
                if let Some(g) = self.0.remove::<D>(param.id) {
                    self.0.register(param.id, g.mul_scalar(self.1));
                }
            }
        }
        model.visit(&mut Scale(grads, factor));
    }

    /// Put the frozen elements of partly frozen tensors back to their saved values.
    pub(super) fn restore(&self, model: Model) -> Model {
        if self.partial.is_empty() {
            return model;
        }
        struct Restore<'a>(&'a HashMap<ParamId, Partial>);
        impl ModuleMapper for Restore<'_> {
            fn map_float<const D: usize>(&mut self, param: Param<Tensor<D>>) -> Param<Tensor<D>> {
                let Some(p) = self.0.get(&param.id) else {
                    return param;
                };
                param.map(|t| {
                    let dims = t.dims();
                    let grad = t.is_require_grad();
                    let inner = t.inner().mask_where(
                        p.frozen.clone().reshape(dims),
                        p.saved.clone().reshape(dims),
                    );
                    let t = Tensor::from_inner(inner);
                    if grad { t.require_grad() } else { t }
                })
            }
        }
        model.map(&mut Restore(&self.partial))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{CnnConfig, CnnKind, DanQConfig, ExplaiNNConfig};

    fn small_configs() -> Vec<ModelConfig> {
        let mut e = ExplaiNNConfig::new(3, 30, 2);
        e.filter_size = 5;
        e.hidden = 4;
        let mut c = CnnConfig::new(CnnKind::DeepCnn, 120, 2);
        c.dense = vec![8, 6];
        c.conv.iter_mut().for_each(|l| l.filters = 5);
        let mut d = DanQConfig::new(60, 2);
        (d.filters, d.hidden, d.dense) = (6, 3, 7);
        vec![e.into(), ModelConfig::Cnn(c), ModelConfig::DanQ(d)]
    }

    /// Every parameter gets the name of the tensor it holds, found by its values.
    #[test]
    fn probe_names_every_parameter_of_every_architecture() {
        let dev = crate::default_device();
        for config in small_configs() {
            let model = Model::new(&config, 7, &dev).unwrap();
            let tensors = model.to_tensors();
            let named = names(&model, &config, &dev).unwrap();
            let mut seen = Vec::new();
            model.visit(&mut Each(|id, shape, t: Tensor<1>| {
                let (_, n) = named.iter().find(|(i, _)| *i == id).unwrap();
                let (s, v) = &tensors[&n.name];
                assert_eq!(&shape, s, "{}", n.name);
                assert_eq!(&crate::model::tensor_values(t), v, "{}", n.name);
                seen.push(n.name.clone());
            }));
            // Every tensor, running statistics included, is visited once.
            seen.sort();
            assert_eq!(
                seen,
                tensors.keys().cloned().collect::<Vec<_>>(),
                "{}",
                config.arch()
            );
        }
    }

    #[test]
    fn rules_are_checked_against_the_model() {
        let dev = crate::default_device();
        let configs = small_configs();
        let err = |config: &ModelConfig, rule: Freeze| {
            let model = Model::new(config, 7, &dev).unwrap();
            match Params::new(&model, config, &[rule], &[], &dev) {
                Err(e) => e.to_string(),
                Ok(_) => String::new(),
            }
        };
        let e = &configs[0];
        assert!(err(e, Freeze::Unit { unit: 3 }).contains("units 0 to 2"));
        assert!(
            err(
                e,
                Freeze::Tensor {
                    name: "linears.1.running_mean".into()
                }
            )
            .contains("running statistics")
        );
        assert!(
            err(
                e,
                Freeze::Tensor {
                    name: "nope".into()
                }
            )
            .contains("final.weight")
        );
        assert!(err(&configs[1], Freeze::UnitFilter { unit: 0 }).contains("ExplaiNN"));
        assert_eq!(
            err(
                &configs[1],
                Freeze::Tensor {
                    name: "c1.weight".into()
                }
            ),
            ""
        );
        let model = Model::new(e, 7, &dev).unwrap();
        let bad = Penalty {
            term: Term::L1 {
                tensor: "final.weight".into(),
            },
            weight: Weight::Ramp {
                delay: 0,
                from: 0.0,
                to: 1.0,
                epochs: 3,
                log: true,
            },
        };
        let m = Params::new(&model, e, &[], &[bad], &dev)
            .err()
            .unwrap()
            .to_string();
        assert!(m.contains("logarithmic"), "{m}");
    }

    #[test]
    fn weights_follow_their_schedules() {
        let w = Weight::Ramp {
            delay: 0,
            from: 0.0,
            to: 1.0,
            epochs: 5,
            log: false,
        };
        let v: Vec<f64> = (1..=6).map(|e| w.at(e)).collect();
        assert_eq!(v, [0.0, 0.25, 0.5, 0.75, 1.0, 1.0]);
        let w = Weight::PerEpoch {
            values: vec![3.0, 1.0],
        };
        assert_eq!((w.at(1), w.at(2), w.at(9)), (3.0, 1.0, 1.0));
        // The ARGMINN schedule: 0 for 10 epochs, logspace 10^0.5 → 10^5 over 20, then 1e5.
        let w = Weight::Ramp {
            delay: 10,
            from: 10f64.powf(0.5),
            to: 1e5,
            epochs: 20,
            log: true,
        };
        assert_eq!(w.at(10), 0.0);
        assert!((w.at(11) - 10f64.powf(0.5)).abs() < 1e-9);
        assert!((w.at(30) - 1e5).abs() < 1e-6 && w.at(40) == 1e5);
        let step = 4.5 / 19.0;
        assert!((w.at(12).log10() - (0.5 + step)).abs() < 1e-12);
    }
}
