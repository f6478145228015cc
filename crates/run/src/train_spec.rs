//! What to train, as one typed value: the architecture and its hyperparameters, motif
//! initialisation, pretrained units, freezing, optimisation and ensembles: everything that
//! `explainn train` and `finetune` take besides the files. The command line translates its
//! flags into a [`TrainSpec`]; the Python package and config files (serde, JSON) build the
//! same value, so the defaults, the per-architecture learning rates, the freeze rules and
//! the ensemble orchestration are written once, here.
//!
//! - [`TrainSpec::check`]: combinations that cannot work, refused before any work;
//! - [`TrainSpec::model_config`]: the architecture's configuration for the data's length
//!   and classes (the published hyperparameters of `arch`, with the given ones);
//! - [`train_spec_run`]: one model, or an ensemble's members (one after another or several
//!   at once on their own thread pools) and their merge, into a run directory.
//!
//! ```
//! use explainn_run::train_spec::TrainSpec;
//! let spec: TrainSpec = serde_json::from_str(r#"{"units": 8, "max_epochs": 3}"#).unwrap();
//! assert_eq!((spec.units, spec.filter_size, spec.lr()), (Some(8), 19, 0.003));
//! spec.check(false).unwrap();
//! let config = spec.model_config(8, 200, 2).unwrap();
//! assert_eq!(config.arch(), explainn_nn::Arch::ExplaiNN);
//! ```

mod argminn;
pub use argminn::{ArgminnSpec, Objective};

use crate::init::{InitScale, MotifInit, MotifSource};
use crate::train::{TrainReport, TrainRequest, UnitsFrom, train_run};
use crate::{Result, RunDir, RunError};
use explainn_nn::stack::Head;
use explainn_nn::train::{Freeze, Keep, Optimiser, Penalty, Progress, Schedule};
use explainn_nn::{Arch, Device, ExplaiNNConfig, Loss, ModelConfig, TrainOptions};
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};

/// Positives (and as many negatives) simulated per epoch: the ARGMINN paper's 100 batches
/// of 128.
pub const SIMULATE_N: usize = 6400;

/// ARGMINN's sequences per batch (its paper's 128, reverse complements included).
pub const ARGMINN_BATCH_SIZE: usize = 128;

/// ARGMINN's epochs (its paper's 40, no early stopping).
pub const ARGMINN_EPOCHS: usize = 40;

/// The most members an ensemble trains.
pub const MAX_ENSEMBLE: usize = 100;

/// Which parameters of an ExplaiNN stay fixed as a whole.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum FreezeWhole {
    /// The convolution filters of the motif-initialised units (finetune: every unit's);
    /// their bias and BatchNorm still train, as the original's gradient mask.
    Filters,
    /// Every parameter of every unit: only the final layer trains.
    Units,
}

/// Everything to train besides the files ([`Default`]: the command line's defaults).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct TrainSpec {
    /// The architecture (ExplaiNN or a baseline of the paper).
    pub arch: Arch,
    /// ExplaiNN: units [default: 100; with `init_motifs`, one per motif; finetune: the
    /// model's].
    pub units: Option<usize>,
    /// ExplaiNN: convolution width, max-pool window and stride, per-unit layers and their
    /// width.
    pub filter_size: usize,
    pub pool_size: usize,
    pub pool_stride: usize,
    pub num_fc: usize,
    pub hidden: usize,
    /// Dropout [default: the architecture's published one].
    pub dropout: Option<f64>,
    /// Baselines: filters and widths per convolution block, dense widths [default: the
    /// published ones].
    pub conv_filters: Option<Vec<usize>>,
    pub conv_widths: Option<Vec<usize>>,
    pub dense_widths: Option<Vec<usize>>,
    /// DanQ: LSTM hidden size per direction.
    pub lstm_hidden: usize,
    /// ExplaiNN: initialise the first units from these motifs (a file or `jaspar`), only
    /// `init_ids` when given, each followed by its reverse complement with
    /// `init_both_strands`.
    pub init_motifs: Option<String>,
    pub init_ids: Vec<String>,
    pub init_both_strands: bool,
    pub init_scale: InitScale,
    /// Pretrained single-output models as frozen units under a trained `head`.
    pub units_from: Vec<PathBuf>,
    pub head: Head,
    /// Freezing: whole groups, tensors by name, the filters of units, whole units.
    pub freeze: Option<FreezeWhole>,
    pub freeze_tensor: Vec<String>,
    pub freeze_filters: Vec<usize>,
    pub freeze_units: Vec<usize>,
    pub loss: Loss,
    /// Learning rate [default: [`TrainSpec::lr`]].
    pub lr: Option<f64>,
    pub optimiser: Optimiser,
    pub schedule: Schedule,
    /// Weights kept, sequences per batch, epochs, early-stopping patience and gradient
    /// clipping (0 = none) [default: the architecture's, see [`TrainSpec::keep`] and the
    /// next methods].
    pub keep: Option<Keep>,
    pub batch_size: Option<usize>,
    pub max_epochs: Option<usize>,
    pub patience: Option<usize>,
    pub clip_norm: Option<f64>,
    /// Add reverse complements to the training and validation sets.
    pub rc: bool,
    pub seed: u64,
    pub penalties: Vec<Penalty>,
    /// ARGMINN: the network and its objective.
    pub argminn: ArgminnSpec,
    /// Members of an ExplaiNN ensemble (seeds `seed`, `seed` + 1, …), trained `jobs` at
    /// once; 1 = one model.
    pub ensemble: usize,
    pub ensemble_jobs: usize,
    /// Fine-tuning: start from this ExplaiNN model.
    pub pretrained: Option<PathBuf>,
    /// Train on a fresh set simulated from this grammar (a file or a bundled name) each
    /// epoch, `simulate_n` positives and as many negatives (the paper's 100 batches of 128).
    pub simulate: Option<String>,
    pub simulate_n: usize,
}

impl Default for TrainSpec {
    fn default() -> Self {
        // The architectures' and the trainer's own defaults, not copies of them.
        let base = TrainOptions::default();
        let explainn = ExplaiNNConfig::new(1, 1, 1);
        Self {
            arch: Arch::ExplaiNN,
            units: None,
            filter_size: explainn.filter_size,
            pool_size: explainn.pool_size,
            pool_stride: explainn.pool_stride,
            num_fc: explainn.num_fc,
            hidden: explainn.hidden,
            dropout: None,
            conv_filters: None,
            conv_widths: None,
            dense_widths: None,
            lstm_hidden: explainn_nn::DanQConfig::new(1, 1).hidden,
            init_motifs: None,
            init_ids: Vec::new(),
            init_both_strands: false,
            init_scale: InitScale::default(),
            units_from: Vec::new(),
            head: Head::default(),
            freeze: None,
            freeze_tensor: Vec::new(),
            freeze_filters: Vec::new(),
            freeze_units: Vec::new(),
            loss: base.loss,
            lr: None,
            optimiser: base.optimiser,
            schedule: base.schedule,
            keep: None,
            batch_size: None,
            max_epochs: None,
            patience: None,
            clip_norm: None,
            rc: base.rc,
            seed: base.seed,
            penalties: Vec::new(),
            argminn: ArgminnSpec::default(),
            ensemble: 1,
            ensemble_jobs: 1,
            pretrained: None,
            simulate: None,
            simulate_n: SIMULATE_N,
        }
    }
}

fn invalid(msg: impl Into<String>) -> RunError {
    RunError::Data(msg.into())
}

impl TrainSpec {
    /// The learning rate: the given one, else 5e-5 to fine-tune, 0.0005 for DanQ (the DanQ
    /// scripts' default, with which it learns where 0.003 does not), 0.001 for ARGMINN (its
    /// paper's), 0.003 (ExplaiNN's paper's).
    pub fn lr(&self) -> f64 {
        self.lr.unwrap_or(if self.pretrained.is_some() {
            5e-5
        } else if self.arch == Arch::DanQ {
            0.0005
        } else if self.arch == Arch::Argminn {
            0.001
        } else {
            0.003
        })
    }

    /// The weights kept: the given ones, else the last epoch's for ARGMINN (its paper's,
    /// without early stopping), else the lowest validation loss's.
    pub fn keep(&self) -> Keep {
        self.keep.unwrap_or(match self.arch {
            Arch::Argminn => Keep::Last,
            _ => TrainOptions::default().keep,
        })
    }

    /// Sequences per batch: the given number, else 128 for ARGMINN (its paper's, reverse
    /// complements included), else 100 (ExplaiNN's paper's).
    pub fn batch_size(&self) -> usize {
        self.batch_size.unwrap_or(match self.arch {
            Arch::Argminn => ARGMINN_BATCH_SIZE,
            _ => TrainOptions::default().batch_size,
        })
    }

    /// The most epochs: the given number, else 40 for ARGMINN, else 100.
    pub fn max_epochs(&self) -> usize {
        self.max_epochs.unwrap_or(match self.arch {
            Arch::Argminn => ARGMINN_EPOCHS,
            _ => TrainOptions::default().max_epochs,
        })
    }

    /// Early-stopping patience: the given one, else none (0) for ARGMINN, else 10.
    pub fn patience(&self) -> usize {
        self.patience.unwrap_or(match self.arch {
            Arch::Argminn => 0,
            _ => TrainOptions::default().patience,
        })
    }

    /// The gradient-clipping norm: the given one (0 = none), else 1 for ARGMINN (its
    /// paper's), else none.
    pub fn clip_norm(&self) -> Option<f64> {
        match (self.clip_norm, self.arch) {
            (Some(c), _) if c == 0.0 => None,
            (Some(c), _) => Some(c),
            (None, Arch::Argminn) => Some(1.0),
            (None, _) => None,
        }
    }

    /// Refuse combinations that cannot work, before any file is read.
    pub fn check(&self, finetune: bool) -> Result<()> {
        if !(1..=MAX_ENSEMBLE).contains(&self.ensemble) {
            return Err(invalid(format!(
                "--ensemble {}: give 2 to {MAX_ENSEMBLE} members (or leave it out for one model)",
                self.ensemble
            )));
        }
        if self.ensemble_jobs == 0 {
            return Err(invalid("--ensemble-jobs must be at least 1"));
        }
        if finetune && (self.units.is_some() || self.init_motifs.is_some() || self.ensemble > 1) {
            return Err(invalid(
                "finetune takes the architecture from the model: --units, --init-motifs and --ensemble do not apply",
            ));
        }
        if !self.units_from.is_empty()
            && (finetune
                || self.init_motifs.is_some()
                || self.units.is_some()
                || self.ensemble > 1
                || self.freeze.is_some()
                || self.arch != Arch::ExplaiNN)
        {
            return Err(invalid(
                "--units-from builds the model from its pretrained units: --arch, --units, \
                 --init-motifs, --freeze and --ensemble do not apply (the units never train)",
            ));
        }
        if self.init_motifs.is_some() && !matches!(self.arch, Arch::ExplaiNN | Arch::Argminn) {
            return Err(invalid(format!(
                "--init-motifs applies to --arch explainn and argminn, not {}",
                self.arch
            )));
        }
        if self.init_motifs.is_none() && (!self.init_ids.is_empty() || self.init_both_strands) {
            return Err(invalid(
                "--init-ids and --init-both-strands need --init-motifs FILE|jaspar",
            ));
        }
        self.check_argminn()?;
        if self.ensemble > 1 && self.arch != Arch::ExplaiNN {
            return Err(invalid(format!(
                "--ensemble merges ExplaiNN models; --arch {} cannot be merged",
                self.arch
            )));
        }
        Ok(())
    }

    /// The penalty terms: the given ones, then ARGMINN's objective.
    fn penalties(&self) -> Result<Vec<Penalty>> {
        let mut p = self.penalties.clone();
        if self.arch == Arch::Argminn {
            p.extend(self.argminn.penalties(self.max_epochs())?);
        }
        Ok(p)
    }

    /// Options that belong to another architecture than the one trained are refused by
    /// name (those with a default are refused when changed from it).
    fn check_argminn(&self) -> Result<()> {
        let d = TrainSpec::default();
        if self.arch != Arch::Argminn {
            if self.argminn != d.argminn {
                return Err(invalid(format!(
                    "the ARGMINN options (--scanner-filters, --scanner-width, --attention-layers, --heads, --objective, …) apply to --arch argminn, not {}",
                    self.arch
                )));
            }
            return Ok(());
        }
        let mut other = Vec::new();
        for (flag, given) in [
            ("--units", self.units.is_some()),
            ("--filter-size", self.filter_size != d.filter_size),
            ("--pool-size", self.pool_size != d.pool_size),
            ("--pool-stride", self.pool_stride != d.pool_stride),
            ("--num-fc", self.num_fc != d.num_fc),
            ("--hidden", self.hidden != d.hidden),
            ("--dropout", self.dropout.is_some()),
            ("--conv-filters", self.conv_filters.is_some()),
            ("--conv-widths", self.conv_widths.is_some()),
            ("--dense-widths", self.dense_widths.is_some()),
            ("--lstm-hidden", self.lstm_hidden != d.lstm_hidden),
            ("--freeze units", self.freeze == Some(FreezeWhole::Units)),
            ("--freeze-units", !self.freeze_units.is_empty()),
        ] {
            if given {
                other.push(flag);
            }
        }
        if !other.is_empty() {
            return Err(invalid(format!(
                "{} do(es) not apply to --arch argminn: its scanner is set by --scanner-filters and --scanner-width, its attention by --attention-layers, --heads, --token-size and --stream-size; --freeze filters keeps motif-initialised scanner filters fixed",
                other.join(", ")
            )));
        }
        Ok(())
    }

    /// The freezing rules; `initialised` units come from motifs (or the fine-tuned model),
    /// of `units` in all.
    pub fn freeze_rules(&self, initialised: usize, units: usize) -> Result<Vec<Freeze>> {
        let whole: Vec<Freeze> = match self.freeze {
            None => Vec::new(),
            Some(FreezeWhole::Filters) if self.arch == Arch::Argminn && initialised > 0 => (0
                ..initialised)
                .map(|unit| Freeze::UnitFilter { unit })
                .collect(),
            Some(_) if !matches!(self.arch, Arch::ExplaiNN | Arch::Argminn) => {
                return Err(invalid(
                    "--freeze filters|units applies to --arch explainn (and filters to argminn); use --freeze-tensor NAME",
                ));
            }
            Some(FreezeWhole::Filters) if initialised == 0 => {
                return Err(invalid(
                    "--freeze filters keeps the motif-initialised filters fixed: give --init-motifs, or \
                     --freeze-filters UNITS for chosen units",
                ));
            }
            Some(FreezeWhole::Filters) => (0..initialised)
                .map(|unit| Freeze::UnitFilter { unit })
                .collect(),
            Some(FreezeWhole::Units) => (0..units).map(|unit| Freeze::Unit { unit }).collect(),
        };
        let tensors = self
            .freeze_tensor
            .iter()
            .map(|n| Freeze::Tensor { name: n.clone() });
        let filters = self
            .freeze_filters
            .iter()
            .map(|&u| Freeze::UnitFilter { unit: u });
        let units = self.freeze_units.iter().map(|&unit| Freeze::Unit { unit });
        Ok(whole
            .into_iter()
            .chain(tensors)
            .chain(filters)
            .chain(units)
            .collect())
    }

    /// The trainer's options for a model of `units` units, `initialised` of them from
    /// motifs or the fine-tuned model.
    pub fn train_options(&self, initialised: usize, units: usize) -> Result<TrainOptions> {
        let opts = TrainOptions {
            loss: self.loss,
            optimiser: self.optimiser,
            lr: self.lr(),
            schedule: self.schedule,
            keep: self.keep(),
            batch_size: self.batch_size(),
            max_epochs: self.max_epochs(),
            patience: self.patience(),
            // pretrained units see both strands already (their outputs are strand-averaged)
            rc: self.rc && self.units_from.is_empty(),
            seed: self.seed,
            freeze: self.freeze_rules(initialised, units)?,
            clip_norm: self.clip_norm(),
            penalties: self.penalties()?,
            ..TrainOptions::default()
        };
        opts.validate()?;
        Ok(opts)
    }

    /// The architecture's configuration for inputs of `length` bases and `classes`
    /// classes: the published hyperparameters of `arch`, with the given ones.
    pub fn model_config(&self, units: usize, length: usize, classes: usize) -> Result<ModelConfig> {
        let baseline = self.conv_filters.is_some()
            || self.conv_widths.is_some()
            || self.dense_widths.is_some();
        let config = match self.arch {
            Arch::ExplaiNN => {
                if baseline {
                    return Err(invalid(
                        "--conv-filters, --conv-widths and --dense-widths apply to the baselines; ExplaiNN has --units, --filter-size and --hidden",
                    ));
                }
                ModelConfig::ExplaiNN(ExplaiNNConfig {
                    units,
                    input_length: length,
                    classes,
                    filter_size: self.filter_size,
                    pool_size: self.pool_size,
                    pool_stride: self.pool_stride,
                    num_fc: self.num_fc,
                    hidden: self.hidden,
                    dropout: self.dropout.unwrap_or(0.3),
                })
            }
            Arch::DanQ => ModelConfig::DanQ(self.danq_config(length, classes)?),
            Arch::Argminn => ModelConfig::Argminn(self.argminn.config(length, classes)),
            arch => ModelConfig::Cnn(self.cnn_config(arch, length, classes)?),
        };
        config.validate()?;
        Ok(config)
    }

    fn danq_config(&self, length: usize, classes: usize) -> Result<explainn_nn::DanQConfig> {
        let mut c = explainn_nn::DanQConfig::new(length, classes);
        let one = |v: &Option<Vec<usize>>, what: &str| -> Result<Option<usize>> {
            match v.as_deref() {
                None => Ok(None),
                Some([x]) => Ok(Some(*x)),
                Some(_) => Err(invalid(format!(
                    "danq has one convolution and one dense layer: give one value to --{what}"
                ))),
            }
        };
        if let Some(f) = one(&self.conv_filters, "conv-filters")? {
            c.filters = f;
        }
        if let Some(w) = one(&self.conv_widths, "conv-widths")? {
            c.width = w;
        }
        if let Some(d) = one(&self.dense_widths, "dense-widths")? {
            c.dense = d;
        }
        c.hidden = self.lstm_hidden;
        if let Some(p) = self.dropout {
            c.conv_dropout = p;
        }
        Ok(c)
    }

    fn cnn_config(
        &self,
        arch: Arch,
        length: usize,
        classes: usize,
    ) -> Result<explainn_nn::CnnConfig> {
        let kind = arch.cnn_kind().expect("a convolutional baseline");
        let mut c = explainn_nn::CnnConfig::new(kind, length, classes);
        let n = c.conv.len();
        for (flag, v) in [
            ("conv-filters", &self.conv_filters),
            ("conv-widths", &self.conv_widths),
        ] {
            if let Some(v) = v.as_ref().filter(|v| v.len() != n) {
                return Err(invalid(format!(
                    "--{flag}: {arch} has {n} convolution block(s), {} value(s) given",
                    v.len()
                )));
            }
        }
        for (i, layer) in c.conv.iter_mut().enumerate() {
            if let Some(f) = &self.conv_filters {
                layer.filters = f[i];
            }
            if let Some(w) = &self.conv_widths {
                layer.width = w[i];
            }
        }
        if let Some(d) = &self.dense_widths {
            c.dense = d.clone();
        }
        if let Some(p) = self.dropout {
            c.dropout = p;
        }
        Ok(c)
    }
}

/// The files of a training run and how to write it.
#[derive(Debug, Clone)]
pub struct TrainFiles {
    pub train: PathBuf,
    pub validation: PathBuf,
    /// The run directory (created if missing).
    pub output: PathBuf,
    /// Replace a run already in `output`.
    pub force: bool,
    /// Recorded in the model file and `config.json`.
    pub command_line: Vec<String>,
}

/// What happens during [`train_spec_run`], for progress display.
#[derive(Debug, Clone, Copy)]
pub enum TrainEvent<'a> {
    /// Ensemble members train `jobs` at a time on `threads_each` threads each.
    Parallel {
        members: usize,
        jobs: usize,
        threads_each: usize,
    },
    /// Member `member` (0-based) of `members` starts with `seed` (one after another).
    MemberStart {
        member: usize,
        members: usize,
        seed: u64,
    },
    /// The trainer's event for member `member` (0 for a single model).
    Trainer {
        member: usize,
        progress: Progress<'a>,
    },
    /// Member `member` is written to `model`; it kept `best_epoch`.
    MemberDone {
        member: usize,
        members: usize,
        seed: u64,
        best_epoch: usize,
        validation_loss: f64,
        model: &'a Path,
    },
    /// The members were merged into `model` (`units` units in all).
    Merged {
        members: usize,
        units: usize,
        model: &'a Path,
    },
}

/// Train `spec` on `files` with `threads` compute threads: one model, or the members of an
/// ensemble (into `RUN/members/1…K`, seeds `seed` + k) and their merge as the run's model.
/// Returns the run directory's model file.
pub fn train_spec_run(
    spec: &TrainSpec,
    files: &TrainFiles,
    threads: usize,
    device: &Device,
    events: &(dyn Fn(TrainEvent) + Sync),
) -> Result<PathBuf> {
    spec.check(spec.pretrained.is_some())?;
    let pretrained_units = match &spec.pretrained {
        Some(p) => {
            let mf = explainn_nn::checkpoint::load(p, device)?;
            Some(mf.metadata.explainn().map_or(0, |c| c.units))
        }
        None => None,
    };
    let units_from = (!spec.units_from.is_empty()).then(|| UnitsFrom {
        models: spec.units_from.clone(),
        head: spec.head,
    });
    let init = match &spec.init_motifs {
        Some(src) => Some(MotifInit::read(
            &MotifSource::parse(src),
            &spec.init_ids,
            spec.init_both_strands,
            spec.init_scale,
        )?),
        None => None,
    };
    let units = spec
        .units
        .or(pretrained_units)
        .unwrap_or(init.as_ref().map_or(100, MotifInit::units));
    let initialised = pretrained_units.unwrap_or(init.as_ref().map_or(0, MotifInit::units));
    let req = TrainRequest {
        train: &files.train,
        validation: &files.validation,
        output: &files.output,
        options: spec.train_options(initialised, units)?,
        threads,
        command_line: files.command_line.clone(),
        force: files.force,
        init,
        pretrained: spec.pretrained.as_deref(),
        units_from,
        regenerate: match &spec.simulate {
            Some(g) => Some(crate::train::Regenerate {
                simulator: crate::simulate::simulator(g, None)?,
                n: spec.simulate_n,
            }),
            None => None,
        },
    };
    let run = RunDir::new(&files.output);
    if spec.ensemble > 1 && run.model().exists() && !files.force {
        return Err(invalid(format!(
            "{} already holds a trained run; use --force to replace it or choose another output directory",
            files.output.display()
        )));
    }
    let plan = Plan {
        spec,
        req: &req,
        units,
        device,
        events,
    };
    let jobs = spec.ensemble_jobs.min(spec.ensemble);
    let members = if jobs > 1 {
        if jobs > threads {
            let at_once = if jobs < spec.ensemble_jobs {
                format!(" ({jobs} members at once: --ensemble {})", spec.ensemble)
            } else {
                String::new()
            };
            return Err(invalid(format!(
                "--ensemble-jobs {}{at_once} needs at least {jobs} threads (--threads {threads}): \
                 each member trains on threads / jobs",
                spec.ensemble_jobs
            )));
        }
        plan.members_parallel(jobs, threads / jobs)?
    } else {
        plan.members_in_turn()?
    };
    if spec.ensemble == 1 {
        return Ok(run.model());
    }
    let merge = crate::merge::MergeRequest {
        models: members,
        output: files.output.clone(),
        command_line: files.command_line.clone(),
        force: files.force,
    };
    crate::merge::merge_run(&merge, device)?;
    events(TrainEvent::Merged {
        members: spec.ensemble,
        units: spec.ensemble * units,
        model: &run.model(),
    });
    Ok(run.model())
}

/// One training run's request and the means to train its members.
struct Plan<'a> {
    spec: &'a TrainSpec,
    req: &'a TrainRequest<'a>,
    units: usize,
    device: &'a Device,
    events: &'a (dyn Fn(TrainEvent) + Sync),
}

impl Plan<'_> {
    /// `RUN/members/K` (1-based) of member `k`, or the run directory for one model.
    fn member_dir(&self, k: usize) -> PathBuf {
        if self.spec.ensemble == 1 {
            self.req.output.to_path_buf()
        } else {
            self.req.output.join("members").join((k + 1).to_string())
        }
    }

    /// Train member `k` (0-based; seed SEED + k) on `threads` threads.
    fn train_member(&self, k: usize, threads: usize) -> Result<PathBuf> {
        let dir = self.member_dir(k);
        let mut member = self.req.clone();
        member.output = &dir;
        member.options.seed = self.spec.seed.wrapping_add(k as u64);
        member.threads = threads;
        let seed = member.options.seed;
        let mut report = |progress: Progress| {
            (self.events)(TrainEvent::Trainer {
                member: k,
                progress,
            })
        };
        let done: TrainReport = train_run(
            &member,
            |length, classes| self.spec.model_config(self.units, length, classes),
            self.device,
            &mut report,
        )?;
        let o = &done.outcome;
        (self.events)(TrainEvent::MemberDone {
            member: k,
            members: self.spec.ensemble,
            seed,
            best_epoch: o.best_epoch,
            validation_loss: o.history[o.best_epoch - 1].validation_loss,
            model: &RunDir::new(&dir).model(),
        });
        Ok(dir)
    }

    /// The members one after another, each on every thread.
    fn members_in_turn(&self) -> Result<Vec<PathBuf>> {
        let mut dirs = Vec::with_capacity(self.spec.ensemble);
        for k in 0..self.spec.ensemble {
            if self.spec.ensemble > 1 {
                (self.events)(TrainEvent::MemberStart {
                    member: k,
                    members: self.spec.ensemble,
                    seed: self.spec.seed.wrapping_add(k as u64),
                });
            }
            dirs.push(self.train_member(k, self.req.threads)?);
        }
        Ok(dirs)
    }

    /// The members `jobs` at a time, each on its own pool of `threads_each` threads (the
    /// fused kernels compute on the pool they are called from), so a member's result
    /// depends on its seed and thread count only.
    fn members_parallel(&self, jobs: usize, threads_each: usize) -> Result<Vec<PathBuf>> {
        let next = std::sync::atomic::AtomicUsize::new(0);
        let all = self.spec.ensemble;
        (self.events)(TrainEvent::Parallel {
            members: all,
            jobs,
            threads_each,
        });
        let results: Vec<Result<()>> = std::thread::scope(|scope| {
            let handles: Vec<_> = (0..jobs)
                .map(|_| {
                    scope.spawn(|| -> Result<()> {
                        loop {
                            let k = next.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                            if k >= all {
                                return Ok(());
                            }
                            explainn_nn::on_threads(threads_each, || {
                                self.train_member(k, threads_each)
                            })??;
                        }
                    })
                })
                .collect();
            handles
                .into_iter()
                .map(|h| {
                    h.join()
                        .unwrap_or_else(|_| Err(invalid("a member's training panicked")))
                })
                .collect()
        });
        for r in results {
            r?;
        }
        Ok((0..all).map(|k| self.member_dir(k)).collect())
    }
}
