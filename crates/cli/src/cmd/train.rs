//! `explainn train TRAIN VALID -o RUN_DIR`: train an ExplaiNN model (or one of the paper's
//! baselines, `--arch`) on ExplaiNN TSV files. RUN_DIR receives `model.safetensors`,
//! `config.json` and `losses.tsv`, all or nothing.

use super::common_model::progress_bar;
use anyhow::{Result, bail};
use clap::Args as ClapArgs;
use explainn_nn::stack::Head;
use explainn_nn::train::{Freeze, Keep, Optimiser, Penalty, Progress, Schedule, Term, Weight};
use explainn_nn::{Arch, ExplaiNNConfig, Loss, ModelConfig, TrainOptions};
use explainn_run::RunDir;
use explainn_run::init::{MotifInit, MotifSource};
use explainn_run::train::{TrainRequest, UnitsFrom, train_run};
use std::path::PathBuf;

#[derive(ClapArgs, Debug)]
pub struct Args {
    /// Training set (ExplaiNN TSV: id, sequence, one column per class; .gz allowed).
    #[arg(value_parser = crate::stdin::kept_path)]
    pub train: PathBuf,
    /// Validation set, same format; used for early stopping.
    #[arg(value_parser = crate::stdin::kept_path)]
    pub valid: PathBuf,
    /// Output run directory (created if missing).
    #[arg(short, long)]
    pub output: PathBuf,
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
    #[arg(long, default_value_t = 320)]
    pub lstm_hidden: usize,
    /// ExplaiNN: number of units [default: 100; with --init-motifs, one per motif].
    #[arg(long)]
    pub units: Option<usize>,
    /// ExplaiNN: initialise the first units' filters from motifs: a motif file (MEME,
    /// JASPAR, HOCOMOCO, TRANSFAC) or `jaspar` (the bundled
    /// JASPAR 2024 CORE vertebrates set). Each motif is resized to --filter-size as the
    /// original ExplaiNN does (uniform columns padded on both sides, then the weaker end
    /// column dropped until the width fits) and written as P − 0.25 (see --init-scale).
    /// Units beyond the motifs start random. See docs/plug-and-play.md.
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
    /// ExplaiNN: keep `filters` (the convolution filters of the motif-initialised units;
    /// their bias and BatchNorm still train, as the original's gradient mask) or `units`
    /// (every parameter of every unit; only the final layer trains) fixed.
    #[arg(long, value_parser = ["filters", "units"])]
    pub freeze: Option<String>,
    /// Convolutional filter width.
    #[arg(long, default_value_t = 19)]
    pub filter_size: usize,
    /// Max-pool window.
    #[arg(long, default_value_t = 7)]
    pub pool_size: usize,
    /// Max-pool stride.
    #[arg(long, default_value_t = 7)]
    pub pool_stride: usize,
    /// Per-unit fully connected layers (0, 1, 2 or more).
    #[arg(long, default_value_t = 2)]
    pub num_fc: usize,
    /// Width of the per-unit hidden layers.
    #[arg(long, default_value_t = 100)]
    pub hidden: usize,
    /// Dropout probability [default: 0.3 (explainn per-unit layers, cnn1, deepcnn), 0.4
    /// (deepstarr), 0.2 (danq, after pooling; 0.5 between its LSTM layers)].
    #[arg(long)]
    pub dropout: Option<f64>,
    /// Loss: bce (multi-label), ce (multi-class), mse, pearson, poisson.
    #[arg(long, default_value = "bce")]
    pub loss: Loss,
    /// Learning rate [default: 0.003 as the paper; 0.0005 for danq, the DanQ scripts'
    /// default, with which it learns where 0.003 does not].
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
    /// Weights to keep: best (lowest validation loss, default) or last (the last epoch's).
    #[arg(long, default_value = "best", value_parser = ["best", "last"])]
    pub keep: String,
    /// Sequences per batch.
    #[arg(long, default_value_t = explainn_ops::defaults::TRAIN_BATCH_SIZE, value_parser = super::positive)]
    pub batch_size: usize,
    /// Maximum number of epochs.
    #[arg(long, default_value_t = 100)]
    pub max_epochs: usize,
    /// Epochs without a lower validation loss before stopping (0 = never).
    #[arg(long, default_value_t = 10)]
    pub patience: usize,
    /// Do not add reverse complements to the training and validation sets.
    #[arg(long)]
    pub no_rc: bool,
    /// Random seed (initialisation, shuffling, dropout).
    #[arg(long, default_value_t = explainn_ops::defaults::SEED)]
    pub seed: u64,
    /// Keep these tensors fixed, by their PyTorch `state_dict` names (comma-separated or
    /// repeated), e.g. `final.bias` or `c1.weight`. BatchNorm running statistics still update.
    #[arg(long, value_delimiter = ',', value_name = "NAME")]
    pub freeze_tensor: Vec<String>,
    /// ExplaiNN: keep the convolutional filters of these units fixed (0-based); their bias
    /// and BatchNorm still train, as the original's gradient mask.
    #[arg(long, value_delimiter = ',', value_name = "UNIT")]
    pub freeze_filters: Vec<usize>,
    /// ExplaiNN: keep every parameter of these units fixed (0-based); the final layer
    /// still trains.
    #[arg(long, value_delimiter = ',', value_name = "UNIT")]
    pub freeze_units: Vec<usize>,
    /// Scale the gradients so that their global L2 norm is at most this (PyTorch's
    /// clip_grad_norm_) [default: no clipping].
    #[arg(long, value_name = "NORM")]
    pub clip_norm: Option<f64>,
    /// Add weight·Σ|w| of a tensor to the training loss, as NAME=WEIGHT (repeatable),
    /// e.g. `final.weight=0.001`. The reported training loss stays the data loss.
    #[arg(long, value_name = "NAME=WEIGHT")]
    pub l1: Vec<String>,
    /// Add weight·Σw² of a tensor to the training loss, as NAME=WEIGHT (repeatable).
    #[arg(long, value_name = "NAME=WEIGHT")]
    pub l2: Vec<String>,
    /// ExplaiNN: train K models with seeds SEED, SEED+1, … into RUN/members/1…K and write
    /// their merge (`explainn merge`: one ExplaiNN with K·units units whose logits are the
    /// members' mean) as RUN's model.
    #[arg(long, default_value_t = 1, value_name = "K")]
    pub ensemble: usize,
    /// With --ensemble: train J members at once, each on --threads / J threads (default 1:
    /// one after another on every thread). A member's result depends on its seed and its
    /// thread count only, so `--ensemble-jobs 2 --threads 2` gives the members of
    /// `--threads 1`, bit for bit.
    #[arg(long, default_value_t = 1, value_name = "J")]
    pub ensemble_jobs: usize,
    /// Replace a run already in the output directory; its test/, interpret/ and
    /// report.html are removed once the new model is written.
    #[arg(long)]
    pub force: bool,
    #[command(flatten)]
    pub compute: super::common_model::Compute,
}

pub fn run(a: Args) -> Result<()> {
    run_with(a, None)
}

/// Train as `train`, or fine-tune `pretrained` (the `finetune` command): its architecture
/// and unit count, learning rate 5e-5 unless `--lr`, `--freeze filters` = every unit's.
/// The most members `--ensemble` trains.
const MAX_ENSEMBLE: usize = 100;

/// Options that only some architectures or modes read: given where they do not apply,
/// they are refused by name instead of being ignored.
fn refuse_options_that_do_not_apply(a: &Args, finetune: bool) -> Result<()> {
    use super::refuse_given;
    const EXPLAINN: [&str; 6] = [
        "units",
        "filter_size",
        "pool_size",
        "pool_stride",
        "num_fc",
        "hidden",
    ];
    const BASELINES: [&str; 3] = ["conv_filters", "conv_widths", "dense_widths"];
    if finetune {
        let mut arch: Vec<&str> = vec!["arch", "lstm_hidden", "init_motifs", "ensemble"];
        arch.extend(EXPLAINN);
        arch.extend(BASELINES);
        refuse_given(&arch, "to finetune: the architecture is the model's")?;
    }
    if a.arch != Arch::ExplaiNN {
        refuse_given(
            &EXPLAINN,
            &format!("to --arch {} (it is an ExplaiNN option)", a.arch),
        )?;
    }
    if a.arch != Arch::DanQ {
        refuse_given(
            &["lstm_hidden"],
            &format!("to --arch {} (it is a DanQ option)", a.arch),
        )?;
    }
    if a.units_from.is_empty() {
        refuse_given(
            &["head"],
            "without --units-from (it is the head over pretrained units)",
        )?;
    }
    if !(1..=MAX_ENSEMBLE).contains(&a.ensemble) {
        bail!(
            "--ensemble {}: give 2 to {MAX_ENSEMBLE} members (or leave it out for one model)",
            a.ensemble
        );
    }
    if a.ensemble == 1 {
        refuse_given(&["ensemble_jobs"], "without --ensemble K (K ≥ 2)")?;
    }
    Ok(())
}

pub fn run_with(a: Args, pretrained: Option<PathBuf>) -> Result<()> {
    refuse_options_that_do_not_apply(&a, pretrained.is_some())?;
    let (threads, device) = a.compute.init()?;
    let pretrained_units = match &pretrained {
        Some(p) => {
            if a.units.is_some() || a.init_motifs.is_some() || a.ensemble > 1 {
                bail!(
                    "finetune takes the architecture from the model: --units, --init-motifs and --ensemble do not apply"
                );
            }
            let mf = explainn_nn::checkpoint::load(p, &device)?;
            Some(mf.metadata.explainn().map_or(0, |c| c.units))
        }
        None => None,
    };
    let units_from = if a.units_from.is_empty() {
        None
    } else {
        if pretrained.is_some()
            || a.init_motifs.is_some()
            || a.units.is_some()
            || a.ensemble > 1
            || a.freeze.is_some()
            || a.arch != Arch::ExplaiNN
        {
            bail!(
                "--units-from builds the model from its pretrained units: --arch, --units, \
                 --init-motifs, --freeze and --ensemble do not apply (the units never train)"
            );
        }
        Some(UnitsFrom {
            models: a.units_from.clone(),
            head: a.head,
        })
    };
    let init = match &a.init_motifs {
        Some(src) => {
            if a.arch != Arch::ExplaiNN {
                bail!("--init-motifs applies to --arch explainn, not {}", a.arch);
            }
            Some(MotifInit::read(
                &MotifSource::parse(src),
                &a.init_ids,
                a.init_both_strands,
                a.init_scale,
            )?)
        }
        None => {
            if !a.init_ids.is_empty() || a.init_both_strands {
                bail!("--init-ids and --init-both-strands need --init-motifs FILE|jaspar");
            }
            None
        }
    };
    let units = a
        .units
        .or(pretrained_units)
        .unwrap_or(init.as_ref().map_or(100, MotifInit::units));
    let initialised = pretrained_units.unwrap_or(init.as_ref().map_or(0, MotifInit::units));
    let opts = TrainOptions {
        loss: a.loss,
        optimiser: match a.optimizer.as_str() {
            "adamw" => Optimiser::AdamW {
                weight_decay: a.weight_decay,
            },
            "sgd" => Optimiser::Sgd {
                momentum: a.momentum,
            },
            _ => Optimiser::Adam,
        },
        lr: a.lr.unwrap_or(if pretrained.is_some() {
            5e-5
        } else if a.arch == Arch::DanQ {
            0.0005
        } else {
            0.003
        }),
        schedule: match a.lr_schedule.as_str() {
            "step" => Schedule::Step {
                every: a.lr_step,
                gamma: a.lr_gamma,
            },
            "cosine" => Schedule::Cosine,
            "plateau" => Schedule::Plateau {
                factor: a.lr_gamma,
                patience: a.lr_step,
            },
            _ => Schedule::Constant,
        },
        keep: if a.keep == "last" {
            Keep::Last
        } else {
            Keep::Best
        },
        batch_size: a.batch_size,
        max_epochs: a.max_epochs,
        patience: a.patience,
        // pretrained units see both strands already (their outputs are strand-averaged)
        rc: !a.no_rc && units_from.is_none(),
        seed: a.seed,
        freeze: freeze_rules(&a, initialised, units)?,
        clip_norm: a.clip_norm,
        penalties: penalties(&a)?,
        ..TrainOptions::default()
    };
    opts.validate()?;
    let req = TrainRequest {
        train: &a.train,
        validation: &a.valid,
        output: &a.output,
        options: opts,
        threads,
        command_line: std::env::args().collect(),
        force: a.force,
        init,
        pretrained: pretrained.as_deref(),
        units_from,
    };

    let pb = progress_bar(
        0,
        "epoch {prefix} [{bar:30}] {pos}/{len} batches, loss {msg} ({elapsed})",
    );
    let mut report = |p: Progress| match p {
        Progress::EpochStart { epoch, batches } => {
            pb.set_prefix(epoch.to_string());
            pb.set_length(batches as u64);
            pb.set_position(0);
        }
        Progress::Batch { running_loss } => {
            pb.inc(1);
            pb.set_message(format!("{running_loss:.4}"));
        }
        Progress::Kept { .. } => {}
        Progress::EpochEnd(e) => {
            let line = format!(
                "epoch {}: train loss {:.5}, validation loss {:.5} ({:.1} s)",
                e.epoch, e.train_loss, e.validation_loss, e.seconds
            );
            if pb.is_hidden() {
                info!("{line}")
            } else {
                pb.println(line)
            }
        }
    };
    let run = RunDir::new(&a.output);
    if a.ensemble > 1 && a.arch != Arch::ExplaiNN {
        bail!(
            "--ensemble merges ExplaiNN models; --arch {} cannot be merged",
            a.arch
        );
    }
    if a.ensemble > 1 && run.model().exists() && !a.force {
        bail!(
            "{} already holds a trained run; use --force to replace it or choose another output directory",
            a.output.display()
        );
    }
    if a.ensemble_jobs == 0 {
        bail!("--ensemble-jobs must be at least 1");
    }
    let jobs = a.ensemble_jobs.min(a.ensemble.max(1));
    if jobs > 1 {
        if jobs > threads {
            let at_once = if jobs < a.ensemble_jobs {
                format!(" ({jobs} members at once: --ensemble {})", a.ensemble)
            } else {
                String::new()
            };
            bail!(
                "--ensemble-jobs {}{at_once} needs at least {jobs} threads (--threads {threads}): \
                 each member trains on threads / jobs",
                a.ensemble_jobs
            );
        }
        let members = train_members_parallel(&a, &req, units, jobs, threads / jobs, &device)?;
        return merge_members(&a, members, units, &device);
    }
    let mut members = Vec::new();
    for k in 0..a.ensemble.max(1) {
        let dir = member_dir(&a, k);
        let member = if a.ensemble > 1 {
            let m = member_request(&a, &req, k, &dir);
            info!(
                "ensemble member {} of {} (seed {})",
                k + 1,
                a.ensemble,
                m.options.seed
            );
            m
        } else {
            req.clone()
        };
        let done = train_member(&a, &member, units, &device, &mut report)?;
        pb.finish_and_clear();
        let outcome = &done.outcome;
        let best = outcome.history[outcome.best_epoch - 1];
        info!(
            "kept epoch {} (validation loss {:.5}); model written to {}",
            outcome.best_epoch,
            best.validation_loss,
            RunDir::new(member.output).model().display()
        );
        members.push(member.output.to_path_buf());
    }
    if a.ensemble > 1 {
        merge_members(&a, members, units, &device)?;
    }
    Ok(())
}

/// `RUN/members/K` (1-based) of ensemble member `k`.
fn member_dir(a: &Args, k: usize) -> PathBuf {
    a.output.join("members").join((k + 1).to_string())
}

/// The request of ensemble member `k` (0-based): seed SEED + k, written to `dir`.
fn member_request<'a>(
    a: &Args,
    req: &TrainRequest<'a>,
    k: usize,
    dir: &'a std::path::Path,
) -> TrainRequest<'a> {
    let mut member = req.clone();
    member.output = dir;
    member.options.seed = a.seed.wrapping_add(k as u64);
    member
}

/// Train one model of the request, its architecture from the command line.
fn train_member(
    a: &Args,
    member: &TrainRequest,
    units: usize,
    device: &explainn_nn::Device,
    report: &mut dyn FnMut(Progress),
) -> Result<explainn_run::train::TrainReport> {
    Ok(train_run(
        member,
        |length, classes| {
            model_config(a, units, length, classes)
                .map_err(|e| explainn_run::RunError::Data(format!("{e:#}")))
        },
        device,
        report,
    )?)
}

/// Write the merge of the trained members as the run's model.
fn merge_members(
    a: &Args,
    members: Vec<PathBuf>,
    units: usize,
    device: &explainn_nn::Device,
) -> Result<()> {
    let req = explainn_run::merge::MergeRequest {
        models: members,
        output: a.output.clone(),
        command_line: std::env::args().collect(),
        force: a.force,
    };
    explainn_run::merge::merge_run(&req, device)?;
    info!(
        "merged the {} members into {} ({} units; members kept in {})",
        a.ensemble,
        RunDir::new(&a.output).model().display(),
        a.ensemble * units,
        a.output.join("members").display()
    );
    Ok(())
}

/// Train the ensemble's members `jobs` at a time, each on its own pool of
/// `threads_each` threads (the fused kernels compute on the pool they are called from).
/// Progress is one line per member epoch. Returns the members' run directories in order.
fn train_members_parallel(
    a: &Args,
    req: &TrainRequest,
    units: usize,
    jobs: usize,
    threads_each: usize,
    device: &explainn_nn::Device,
) -> Result<Vec<PathBuf>> {
    let next = std::sync::atomic::AtomicUsize::new(0);
    let k_all = a.ensemble;
    info!("training {k_all} ensemble members, {jobs} at a time on {threads_each} thread(s) each");
    let results: Vec<Result<()>> = std::thread::scope(|scope| {
        let handles: Vec<_> = (0..jobs)
            .map(|_| {
                scope.spawn(|| -> Result<()> {
                    loop {
                        let k = next.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                        if k >= k_all {
                            return Ok(());
                        }
                        let dir = member_dir(a, k);
                        let mut member = member_request(a, req, k, &dir);
                        member.threads = threads_each;
                        let mut report = |p: Progress| {
                            if let Progress::EpochEnd(e) = p {
                                info!(
                                    "member {}: epoch {}: train loss {:.5}, validation loss {:.5} ({:.1} s)",
                                    k + 1,
                                    e.epoch,
                                    e.train_loss,
                                    e.validation_loss,
                                    e.seconds
                                );
                            }
                        };
                        let done = explainn_nn::on_threads(threads_each, || {
                            train_member(a, &member, units, device, &mut report)
                        })??;
                        let o = &done.outcome;
                        info!(
                            "member {} (seed {}): kept epoch {} (validation loss {:.5})",
                            k + 1,
                            member.options.seed,
                            o.best_epoch,
                            o.history[o.best_epoch - 1].validation_loss
                        );
                    }
                })
            })
            .collect();
        handles
            .into_iter()
            .map(|h| {
                h.join()
                    .unwrap_or_else(|_| Err(anyhow::anyhow!("a member's training panicked")))
            })
            .collect()
    });
    for r in results {
        r?;
    }
    Ok((0..k_all).map(|k| member_dir(a, k)).collect())
}

/// The freezing rules of `--freeze`, `--freeze-tensor`, `--freeze-filters` and
/// `--freeze-units`; `initialised` units come from motifs, of `units` in all.
fn freeze_rules(a: &Args, initialised: usize, units: usize) -> Result<Vec<Freeze>> {
    let whole: Vec<Freeze> = match a.freeze.as_deref() {
        None => Vec::new(),
        Some(_) if a.arch != Arch::ExplaiNN => {
            bail!("--freeze filters|units applies to --arch explainn; use --freeze-tensor NAME")
        }
        Some("filters") if initialised == 0 => bail!(
            "--freeze filters keeps the motif-initialised filters fixed: give --init-motifs, or \
             --freeze-filters UNITS for chosen units"
        ),
        Some("filters") => (0..initialised)
            .map(|unit| Freeze::UnitFilter { unit })
            .collect(),
        Some(_) => (0..units).map(|unit| Freeze::Unit { unit }).collect(),
    };
    let tensors = a
        .freeze_tensor
        .iter()
        .map(|n| Freeze::Tensor { name: n.clone() });
    let filters = a
        .freeze_filters
        .iter()
        .map(|&u| Freeze::UnitFilter { unit: u });
    let units = a.freeze_units.iter().map(|&unit| Freeze::Unit { unit });
    Ok(whole
        .into_iter()
        .chain(tensors)
        .chain(filters)
        .chain(units)
        .collect())
}

/// The penalty terms of `--l1` and `--l2`, each `NAME=WEIGHT` with a constant weight.
fn penalties(a: &Args) -> Result<Vec<Penalty>> {
    let mut out = Vec::new();
    for (flag, specs) in [("l1", &a.l1), ("l2", &a.l2)] {
        for spec in specs {
            let parsed = spec
                .rsplit_once('=')
                .and_then(|(n, w)| Some((n, w.trim().parse::<f64>().ok()?)));
            let Some((name, value)) = parsed.filter(|(n, _)| !n.is_empty()) else {
                bail!("--{flag} {spec:?}: expected NAME=WEIGHT, e.g. final.weight=0.001");
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

/// The architecture's configuration from the command line: the published hyperparameters
/// of `--arch`, with the flags that apply to it. A flag that does not apply is an error.
fn model_config(a: &Args, units: usize, length: usize, classes: usize) -> Result<ModelConfig> {
    let baseline_flags =
        a.conv_filters.is_some() || a.conv_widths.is_some() || a.dense_widths.is_some();
    let config = match a.arch {
        Arch::ExplaiNN => {
            if baseline_flags {
                bail!(
                    "--conv-filters, --conv-widths and --dense-widths apply to the baselines; ExplaiNN has --units, --filter-size and --hidden"
                );
            }
            ModelConfig::ExplaiNN(ExplaiNNConfig {
                units,
                input_length: length,
                classes,
                filter_size: a.filter_size,
                pool_size: a.pool_size,
                pool_stride: a.pool_stride,
                num_fc: a.num_fc,
                hidden: a.hidden,
                dropout: a.dropout.unwrap_or(0.3),
            })
        }
        Arch::DanQ => {
            let mut c = explainn_nn::DanQConfig::new(length, classes);
            let one = |v: &Option<Vec<usize>>, what: &str| -> Result<Option<usize>> {
                match v.as_deref() {
                    None => Ok(None),
                    Some([x]) => Ok(Some(*x)),
                    Some(_) => bail!(
                        "danq has one convolution and one dense layer: give one value to --{what}"
                    ),
                }
            };
            if let Some(f) = one(&a.conv_filters, "conv-filters")? {
                c.filters = f;
            }
            if let Some(w) = one(&a.conv_widths, "conv-widths")? {
                c.width = w;
            }
            if let Some(d) = one(&a.dense_widths, "dense-widths")? {
                c.dense = d;
            }
            c.hidden = a.lstm_hidden;
            if let Some(p) = a.dropout {
                c.conv_dropout = p;
            }
            ModelConfig::DanQ(c)
        }
        arch => {
            let kind = arch.cnn_kind().expect("a convolutional baseline");
            let mut c = explainn_nn::CnnConfig::new(kind, length, classes);
            let n = c.conv.len();
            for (flag, v) in [
                ("conv-filters", &a.conv_filters),
                ("conv-widths", &a.conv_widths),
            ] {
                if let Some(v) = v {
                    if v.len() != n {
                        bail!(
                            "--{flag}: {arch} has {n} convolution block(s), {} value(s) given",
                            v.len()
                        );
                    }
                }
            }
            for (i, layer) in c.conv.iter_mut().enumerate() {
                if let Some(f) = &a.conv_filters {
                    layer.filters = f[i];
                }
                if let Some(w) = &a.conv_widths {
                    layer.width = w[i];
                }
            }
            if let Some(d) = &a.dense_widths {
                c.dense = d.clone();
            }
            if let Some(p) = a.dropout {
                c.dropout = p;
            }
            ModelConfig::Cnn(c)
        }
    };
    config.validate()?;
    Ok(config)
}
