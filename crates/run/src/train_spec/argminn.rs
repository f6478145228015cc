//! ARGMINN's part of a [`super::TrainSpec`]: the network's sizes and its objective, the
//! filter-overlap and scanner-L1 terms with their per-epoch weights (named presets or
//! explicit lists) and the optional attention entropy.

use crate::{Result, RunError};
use explainn_nn::ArgminnConfig;
use explainn_nn::train::{Penalty, Term, Weight};
use serde::{Deserialize, Serialize};

/// The weights of the overlap and L1 terms over the epochs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum Objective {
    /// The paper's simulated runs: both terms 0 for 10 epochs, then over 20 epochs the
    /// overlap weight rises geometrically from 10^0.5 to 10^5 and the L1 weight from 1e-3
    /// to 1e-2, then both stay there.
    #[default]
    Simulated,
    /// The paper's tutorial: the same shape, the overlap weight to 10^4 and the L1 weight
    /// from 1e-4 to 1e-3.
    Tutorial,
    /// Neither term (binary cross-entropy alone).
    Off,
}

impl Objective {
    /// The overlap and L1 weights of the preset.
    fn weights(self) -> Option<(Weight, Weight)> {
        let ramp = |from: f64, to: f64| Weight::Ramp {
            delay: 10,
            from,
            to,
            epochs: 20,
            log: true,
        };
        match self {
            Objective::Simulated => Some((ramp(10f64.powf(0.5), 1e5), ramp(1e-3, 1e-2))),
            Objective::Tutorial => Some((ramp(10f64.powf(0.5), 1e4), ramp(1e-4, 1e-3))),
            Objective::Off => None,
        }
    }
}

/// ARGMINN's sizes ([`ArgminnConfig::new`]'s by default) and objective.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ArgminnSpec {
    /// Scanner filters F and their width W.
    pub filters: usize,
    pub width: usize,
    /// Position-encoding size, token size, heads, attention layers and stream size.
    pub positions: usize,
    pub token: usize,
    pub heads: usize,
    pub layers: usize,
    pub stream: usize,
    /// Keys by their own projection instead of keys = values.
    pub separate_keys: bool,
    /// The preset schedules of the overlap and L1 terms.
    pub objective: Objective,
    /// Per-epoch weights of the overlap term, replacing the preset's; one per epoch.
    pub overlap_weights: Option<Vec<f64>>,
    /// Per-epoch weights of the L1 term on the scanner's weights, replacing the preset's.
    pub l1_weights: Option<Vec<f64>>,
    /// Weight of the attention entropy in bits (0 = off, the paper's usual setting).
    pub entropy: f64,
}

impl Default for ArgminnSpec {
    fn default() -> Self {
        let c = ArgminnConfig::new(1, 1);
        Self {
            filters: c.filters,
            width: c.width,
            positions: c.positions,
            token: c.token,
            heads: c.heads,
            layers: c.layers,
            stream: c.stream,
            separate_keys: c.separate_keys,
            objective: Objective::default(),
            overlap_weights: None,
            l1_weights: None,
            entropy: 0.0,
        }
    }
}

impl ArgminnSpec {
    /// The network for inputs of `length` bases and `classes` classes.
    pub fn config(&self, length: usize, classes: usize) -> ArgminnConfig {
        ArgminnConfig {
            input_length: length,
            classes,
            filters: self.filters,
            width: self.width,
            positions: self.positions,
            token: self.token,
            heads: self.heads,
            layers: self.layers,
            stream: self.stream,
            separate_keys: self.separate_keys,
        }
    }

    /// The objective's terms for a training of `epochs` epochs; an explicit weight list
    /// must give a weight for every epoch.
    ///
    /// ```
    /// use explainn_run::train_spec::ArgminnSpec;
    /// use explainn_nn::train::Term;
    /// let p = ArgminnSpec::default().penalties(40).unwrap();
    /// assert_eq!(p[0].term, Term::Model { term: "overlap".into() });
    /// assert_eq!((p[0].weight.at(10), p[0].weight.at(30), p[0].weight.at(40)), (0.0, 1e5, 1e5));
    /// assert!((p[1].weight.at(11) - 1e-3).abs() < 1e-12);
    /// ```
    pub fn penalties(&self, epochs: usize) -> Result<Vec<Penalty>> {
        let preset = self.objective.weights();
        let list = |flag: &str, given: &Option<Vec<f64>>, preset: Option<Weight>| match given {
            Some(v) if v.len() < epochs => Err(RunError::Data(format!(
                "--{flag} gives {} weight(s) for {epochs} epochs: give one per epoch (or lower --max-epochs)",
                v.len()
            ))),
            Some(v) => Ok(Some(Weight::PerEpoch { values: v.clone() })),
            None => Ok(preset),
        };
        let overlap = list(
            "overlap-weights",
            &self.overlap_weights,
            preset.as_ref().map(|p| p.0.clone()),
        )?;
        let l1 = list("l1-weights", &self.l1_weights, preset.map(|p| p.1))?;
        let mut out = Vec::new();
        if let Some(weight) = overlap {
            out.push(Penalty {
                term: Term::Model {
                    term: "overlap".into(),
                },
                weight,
            });
        }
        if let Some(weight) = l1 {
            out.push(Penalty {
                term: Term::L1 {
                    tensor: "scanner.weight".into(),
                },
                weight,
            });
        }
        if self.entropy != 0.0 {
            out.push(Penalty {
                term: Term::Model {
                    term: "entropy".into(),
                },
                weight: Weight::Constant {
                    value: self.entropy,
                },
            });
        }
        Ok(out)
    }
}
