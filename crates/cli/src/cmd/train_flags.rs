//! The flag groups of `train` and `finetune`, flattened into their arguments; each
//! translates into the fields of [`explainn_run::train_spec::TrainSpec`], where the
//! defaults, per-architecture rules and orchestration live.

use clap::Args;
use explainn_nn::stack::Head;
use explainn_nn::train::{Keep, Optimiser, Penalty, Schedule, Term, Weight};
use explainn_nn::{Arch, Loss};
use explainn_run::train_spec::{FreezeWhole, Objective, TrainSpec};
use std::path::PathBuf;

/// The defaults of every flag that has a field in [`TrainSpec`]: written there once.
fn spec() -> TrainSpec {
    TrainSpec::default()
}

/// The architecture and its hyperparameters.
#[derive(Args, Debug)]
pub struct Architecture {
    /// Architecture: explainn (default); or a baseline of the paper: cnn1 (the original
    /// package's ConvNetShallow: conv 100×19, BN, ReLU, max-pool 7, dense 1000-1000 with BN,
    /// ReLU, dropout 0.3), cnn1-exp (CNN1 with exponential first-layer activation), deepcnn
    /// (ConvNetDeep: conv 100×19 / 200×7 / 200×4, each BN-ReLU-max-pool 3, dense
    /// 1000-1000), danq (Quang & Xie 2016: conv 320×26, ReLU, max-pool 13, dropout 0.2,
    /// 2-layer BiLSTM 320, dense 925) or deepstarr (Almeida et al. 2022: conv 256×7, 60×3,
    /// 60×5, 120×3, same padding, BN, ReLU, max-pool 2; dense 256-256, dropout 0.4). Any
    /// input length. See docs/architectures.md.
    #[arg(long, default_value = "explainn")]
    pub arch: Arch,
    /// Baselines: filters per convolution block, comma-separated [default: the published
    /// ones, e.g. 100,200,200 for deepcnn; 320 for danq].
    #[arg(long, value_delimiter = ',')]
    pub conv_filters: Option<Vec<usize>>,
    /// Baselines: filter widths per convolution block [default: the published ones, e.g.
    /// 19,7,4 for deepcnn; 26 for danq].
    #[arg(long, value_delimiter = ',')]
    pub conv_widths: Option<Vec<usize>>,
    /// Baselines: dense-layer widths [default: 1000,1000 for cnn1/deepcnn, 256,256 for
    /// deepstarr, 925 for danq].
    #[arg(long, value_delimiter = ',')]
    pub dense_widths: Option<Vec<usize>>,
    /// DanQ: LSTM hidden size per direction.
    #[arg(long, default_value_t = spec().lstm_hidden)]
    pub lstm_hidden: usize,
    /// ExplaiNN: number of units [default: 100; with --init-motifs, one per motif].
    #[arg(long)]
    pub units: Option<usize>,
    /// Convolutional filter width.
    #[arg(long, default_value_t = spec().filter_size)]
    pub filter_size: usize,
    /// Max-pool window.
    #[arg(long, default_value_t = spec().pool_size)]
    pub pool_size: usize,
    /// Max-pool stride.
    #[arg(long, default_value_t = spec().pool_stride)]
    pub pool_stride: usize,
    /// Per-unit fully connected layers (0, 1, 2 or more).
    #[arg(long, default_value_t = spec().num_fc)]
    pub num_fc: usize,
    /// Width of the per-unit hidden layers.
    #[arg(long, default_value_t = spec().hidden)]
    pub hidden: usize,
    /// Dropout probability [default: 0.3 (explainn per-unit layers, cnn1, deepcnn), 0.4
    /// (deepstarr), 0.2 (danq, after pooling; 0.5 between its LSTM layers)].
    #[arg(long)]
    pub dropout: Option<f64>,
}

/// Where the first units come from: motifs or pretrained models.
#[derive(Args, Debug)]
pub struct Initialisation {
    /// ExplaiNN: initialise the first units' filters from motifs: a motif file (MEME,
    /// JASPAR, HOCOMOCO, TRANSFAC) or `jaspar` (the bundled
    /// JASPAR 2024 CORE vertebrates set). Each motif is resized to --filter-size as the
    /// original ExplaiNN does (uniform columns padded on both sides, then the weaker end
    /// column dropped until the width fits) and written as P − 0.25 (see --init-scale).
    /// Units beyond the motifs start random. ARGMINN: the first scanner filters, resized
    /// to --scanner-width. See docs/plug-and-play.md.
    #[arg(long, value_name = "FILE|jaspar")]
    pub init_motifs: Option<String>,
    /// Pretrained single-output models as units (the paper's plug-and-play with per-TF
    /// models): run directories or model files of any architecture, or one directory that
    /// holds them. Each becomes one frozen unit whose output is its strand-averaged logit,
    /// named after its run directory; only the head (--head) trains. See
    /// docs/plug-and-play.md.
    #[arg(long, num_args = 1.., value_name = "MODEL|DIR")]
    pub units_from: Vec<PathBuf>,
    /// With --units-from: the head over the units: linear (the original's SingleLayer) or
    /// nam (per-unit MLP, hidden 200, BatchNorm, ReLU, dropout 0.3, then linear; the
    /// original's NAMLayer).
    #[arg(long, default_value = "linear", value_name = "linear|nam")]
    pub head: Head,
    /// With --init-motifs: only these motifs, by ID or name, in this order (comma-separated),
    /// e.g. MA0035.5,MA0091.2 [default: every motif of the file].
    #[arg(long, value_delimiter = ',', value_name = "ID")]
    pub init_ids: Vec<String>,
    /// With --init-motifs: add each motif's reverse complement as the next unit.
    #[arg(long)]
    pub init_both_strands: bool,
    /// With --init-motifs: filter weights P − 0.25 (probability, the original's) or
    /// log2(max(P, 0.001)/0.25) (log-odds).
    #[arg(long, default_value = "probability", value_name = "SCALE")]
    pub init_scale: explainn_run::init::InitScale,
}

/// Parameters kept fixed during training.
#[derive(Args, Debug)]
pub struct Freezing {
    /// ExplaiNN: keep `filters` (the convolution filters of the motif-initialised units;
    /// their bias and BatchNorm still train, as the original's gradient mask) or `units`
    /// (every parameter of every unit; only the final layer trains) fixed. ARGMINN:
    /// `filters` keeps the motif-initialised scanner filters fixed.
    #[arg(long, value_parser = ["filters", "units"])]
    pub freeze: Option<String>,
    /// Keep these tensors fixed, by their PyTorch `state_dict` names (comma-separated or
    /// repeated), e.g. `final.bias` or `c1.weight`. BatchNorm running statistics still update.
    #[arg(long, value_delimiter = ',', value_name = "NAME")]
    pub freeze_tensor: Vec<String>,
    /// ExplaiNN: keep the convolutional filters of these units fixed (0-based); their bias
    /// and BatchNorm still train, as the original's gradient mask. ARGMINN: these scanner
    /// filters.
    #[arg(long, value_delimiter = ',', value_name = "UNIT")]
    pub freeze_filters: Vec<usize>,
    /// ExplaiNN: keep every parameter of these units fixed (0-based); the final layer
    /// still trains.
    #[arg(long, value_delimiter = ',', value_name = "UNIT")]
    pub freeze_units: Vec<usize>,
}

/// The loss, the optimiser, its schedule and stopping.
#[derive(Args, Debug)]
pub struct Optimisation {
    /// Loss: bce (multi-label), ce (multi-class), mse, pearson, poisson.
    #[arg(long, default_value = "bce")]
    pub loss: Loss,
    /// Learning rate [default: 0.003 as the paper; 0.0005 for danq, the DanQ scripts'
    /// default, with which it learns where 0.003 does not; 0.001 for argminn, its paper's].
    #[arg(long)]
    pub lr: Option<f64>,
    /// Optimiser: adam (default, as the original), adamw, sgd.
    #[arg(long, default_value = "adam", value_parser = ["adam", "adamw", "sgd"])]
    pub optimizer: String,
    /// AdamW weight decay.
    #[arg(long, default_value_t = 0.01)]
    pub weight_decay: f64,
    /// SGD momentum (0 = plain SGD).
    #[arg(long, default_value_t = 0.9)]
    pub momentum: f64,
    /// Learning-rate schedule over epochs: constant (default); step (× --lr-gamma every
    /// --lr-step epochs); cosine (to 0 over --max-epochs); plateau (× --lr-gamma after
    /// --lr-step epochs without a lower validation loss).
    #[arg(long, default_value = "constant", value_parser = ["constant", "step", "cosine", "plateau"])]
    pub lr_schedule: String,
    /// Epochs of the step and plateau schedules.
    #[arg(long, default_value_t = 10)]
    pub lr_step: usize,
    /// Factor of the step and plateau schedules.
    #[arg(long, default_value_t = 0.1)]
    pub lr_gamma: f64,
    /// Weights to keep: best (lowest validation loss) or last (the last epoch's) [default:
    /// best; last for argminn].
    #[arg(long, value_parser = ["best", "last"])]
    pub keep: Option<String>,
    /// Sequences per batch [default: 100; 128 for argminn].
    #[arg(long, value_parser = super::positive)]
    pub batch_size: Option<usize>,
    /// Maximum number of epochs [default: 100; 40 for argminn].
    #[arg(long)]
    pub max_epochs: Option<usize>,
    /// Epochs without a lower validation loss before stopping (0 = never) [default: 10;
    /// 0 for argminn].
    #[arg(long)]
    pub patience: Option<usize>,
    /// Do not add reverse complements to the training and validation sets.
    #[arg(long)]
    pub no_rc: bool,
    /// Random seed (initialisation, shuffling, dropout).
    #[arg(long, default_value_t = explainn_ops::defaults::SEED)]
    pub seed: u64,
    /// Scale the gradients so that their global L2 norm is at most this (PyTorch's
    /// clip_grad_norm_; 0 = no clipping) [default: no clipping; 1 for argminn].
    #[arg(long, value_name = "NORM")]
    pub clip_norm: Option<f64>,
    /// Add weight·Σ|w| of a tensor to the training loss, as NAME=WEIGHT (repeatable),
    /// e.g. `final.weight=0.001`. The reported training loss stays the data loss.
    #[arg(long, value_name = "NAME=WEIGHT")]
    pub l1: Vec<String>,
    /// Add weight·Σw² of a tensor to the training loss, as NAME=WEIGHT (repeatable).
    #[arg(long, value_name = "NAME=WEIGHT")]
    pub l2: Vec<String>,
}

/// ARGMINN's network and objective (`--arch argminn`).
#[derive(Args, Debug)]
pub struct ArgminnFlags {
    /// ARGMINN: motif-scanner filters (one motif each).
    #[arg(long, default_value_t = spec().argminn.filters, value_parser = super::positive)]
    pub scanner_filters: usize,
    /// ARGMINN: scanner filter width (the paper: 10 on simulated data, 15 on ChIP-seq).
    #[arg(long, default_value_t = spec().argminn.width, value_parser = super::positive)]
    pub scanner_width: usize,
    /// ARGMINN: stream-attention layers.
    #[arg(long, default_value_t = spec().argminn.layers, value_parser = super::positive)]
    pub attention_layers: usize,
    /// ARGMINN: attention heads (a divisor of --token-size).
    #[arg(long, default_value_t = spec().argminn.heads, value_parser = super::positive)]
    pub heads: usize,
    /// ARGMINN: token size.
    #[arg(long, default_value_t = spec().argminn.token, value_parser = super::positive)]
    pub token_size: usize,
    /// ARGMINN: stream size.
    #[arg(long, default_value_t = spec().argminn.stream, value_parser = super::positive)]
    pub stream_size: usize,
    /// ARGMINN: size of the sinusoidal position encoding (even).
    #[arg(long, default_value_t = spec().argminn.positions)]
    pub position_size: usize,
    /// ARGMINN: score positions with their own key projection instead of the paper's
    /// keys = values.
    #[arg(long)]
    pub separate_keys: bool,
    /// ARGMINN: schedules of the filter-overlap and scanner-L1 terms: simulated (the
    /// paper's: 0 for 10 epochs, then over 20 epochs overlap 10^0.5→10^5 and L1
    /// 1e-3→1e-2, geometric, then constant), tutorial (overlap to 10^4, L1 1e-4→1e-3) or
    /// off (cross-entropy alone).
    #[arg(long, default_value = "simulated", value_parser = ["simulated", "tutorial", "off"])]
    pub objective: String,
    /// ARGMINN: the overlap term's weight per epoch, comma-separated, one per epoch
    /// (replaces the preset's; 0 everywhere is the paper's ablation).
    #[arg(long, value_delimiter = ',', value_name = "W1,W2,…")]
    pub overlap_weights: Option<Vec<f64>>,
    /// ARGMINN: the scanner-L1 term's weight per epoch, one per epoch.
    #[arg(long, value_delimiter = ',', value_name = "W1,W2,…")]
    pub l1_weights: Option<Vec<f64>>,
    /// ARGMINN: weight of the mean attention entropy in bits (0 = off).
    #[arg(long, default_value_t = spec().argminn.entropy)]
    pub entropy: f64,
}

impl ArgminnFlags {
    /// The flags' argument names.
    pub const NAMES: [&str; 12] = [
        "scanner_filters",
        "scanner_width",
        "attention_layers",
        "heads",
        "token_size",
        "stream_size",
        "position_size",
        "separate_keys",
        "objective",
        "overlap_weights",
        "l1_weights",
        "entropy",
    ];

    /// Set the ARGMINN fields of `spec`.
    pub fn apply(&self, spec: &mut TrainSpec) {
        let a = &mut spec.argminn;
        a.filters = self.scanner_filters;
        a.width = self.scanner_width;
        a.layers = self.attention_layers;
        a.heads = self.heads;
        a.token = self.token_size;
        a.stream = self.stream_size;
        a.positions = self.position_size;
        a.separate_keys = self.separate_keys;
        a.objective = match self.objective.as_str() {
            "tutorial" => Objective::Tutorial,
            "off" => Objective::Off,
            _ => Objective::Simulated,
        };
        a.overlap_weights = self.overlap_weights.clone();
        a.l1_weights = self.l1_weights.clone();
        a.entropy = self.entropy;
    }
}

/// Training on fresh simulated data each epoch.
#[derive(Args, Debug)]
pub struct Simulation {
    /// Train on a fresh set simulated from this grammar each epoch (a file or a bundled
    /// name, as `explainn simulate`; epoch e drawn from --seed + e) instead of TRAIN, which
    /// must be a set of the same grammar (`explainn simulate`, then `prepare`): it sets the
    /// length and the class.
    #[arg(long, value_name = "GRAMMAR")]
    pub simulate: Option<String>,
    /// With --simulate: positives (and as many negatives) per epoch [default: 6400, the
    /// ARGMINN paper's 100 batches of 128].
    #[arg(long, default_value_t = spec().simulate_n, value_parser = super::positive)]
    pub simulate_n: usize,
}

impl Simulation {
    /// Set the simulation fields of `spec`.
    pub fn apply(&self, spec: &mut TrainSpec) {
        spec.simulate = self.simulate.clone();
        spec.simulate_n = self.simulate_n;
    }
}

impl Architecture {
    /// Set the architecture's fields of `spec`.
    pub fn apply(&self, spec: &mut TrainSpec) {
        spec.arch = self.arch;
        spec.conv_filters = self.conv_filters.clone();
        spec.conv_widths = self.conv_widths.clone();
        spec.dense_widths = self.dense_widths.clone();
        spec.lstm_hidden = self.lstm_hidden;
        spec.units = self.units;
        spec.filter_size = self.filter_size;
        spec.pool_size = self.pool_size;
        spec.pool_stride = self.pool_stride;
        spec.num_fc = self.num_fc;
        spec.hidden = self.hidden;
        spec.dropout = self.dropout;
    }
}

impl Initialisation {
    /// Set the initialisation's fields of `spec`.
    pub fn apply(&self, spec: &mut TrainSpec) {
        spec.init_motifs = self.init_motifs.clone();
        spec.units_from = self.units_from.clone();
        spec.head = self.head;
        spec.init_ids = self.init_ids.clone();
        spec.init_both_strands = self.init_both_strands;
        spec.init_scale = self.init_scale;
    }
}

impl Freezing {
    /// Set the freezing fields of `spec`.
    pub fn apply(&self, spec: &mut TrainSpec) {
        spec.freeze = self.freeze.as_deref().map(|f| match f {
            "filters" => FreezeWhole::Filters,
            _ => FreezeWhole::Units,
        });
        spec.freeze_tensor = self.freeze_tensor.clone();
        spec.freeze_filters = self.freeze_filters.clone();
        spec.freeze_units = self.freeze_units.clone();
    }
}

impl Optimisation {
    /// Set the optimisation fields of `spec`; `--l1`/`--l2` must be `NAME=WEIGHT`.
    pub fn apply(&self, spec: &mut TrainSpec) -> anyhow::Result<()> {
        spec.loss = self.loss;
        spec.lr = self.lr;
        spec.optimiser = match self.optimizer.as_str() {
            "adamw" => Optimiser::AdamW {
                weight_decay: self.weight_decay,
            },
            "sgd" => Optimiser::Sgd {
                momentum: self.momentum,
            },
            _ => Optimiser::Adam,
        };
        spec.schedule = match self.lr_schedule.as_str() {
            "step" => Schedule::Step {
                every: self.lr_step,
                gamma: self.lr_gamma,
            },
            "cosine" => Schedule::Cosine,
            "plateau" => Schedule::Plateau {
                factor: self.lr_gamma,
                patience: self.lr_step,
            },
            _ => Schedule::Constant,
        };
        spec.keep = self.keep.as_deref().map(|k| match k {
            "last" => Keep::Last,
            _ => Keep::Best,
        });
        spec.batch_size = self.batch_size;
        spec.max_epochs = self.max_epochs;
        spec.patience = self.patience;
        spec.rc = !self.no_rc;
        spec.seed = self.seed;
        spec.clip_norm = self.clip_norm;
        spec.penalties = self.penalties()?;
        Ok(())
    }

    /// The penalty terms of `--l1` and `--l2`, each `NAME=WEIGHT` with a constant weight.
    fn penalties(&self) -> anyhow::Result<Vec<Penalty>> {
        let mut out = Vec::new();
        for (flag, specs) in [("l1", &self.l1), ("l2", &self.l2)] {
            for spec in specs {
                let parsed = spec
                    .rsplit_once('=')
                    .and_then(|(n, w)| Some((n, w.trim().parse::<f64>().ok()?)));
                let Some((name, value)) = parsed.filter(|(n, _)| !n.is_empty()) else {
                    anyhow::bail!(
                        "--{flag} {spec:?}: expected NAME=WEIGHT, e.g. final.weight=0.001"
                    );
                };
                let tensor = name.to_string();
                out.push(Penalty {
                    term: if flag == "l1" {
                        Term::L1 { tensor }
                    } else {
                        Term::L2 { tensor }
                    },
                    weight: Weight::Constant { value },
                });
            }
        }
        Ok(out)
    }
}
