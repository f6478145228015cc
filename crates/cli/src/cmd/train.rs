//! `explainn train TRAIN VALID -o RUN_DIR`: train an ExplaiNN model (or one of the paper's
//! baselines, `--arch`) on ExplaiNN TSV files. RUN_DIR receives `model.safetensors`,
//! `config.json` and `losses.tsv`, all or nothing.

use super::common_model::progress_bar;
use super::train_flags::{
    Architecture, ArgminnFlags, Freezing, Initialisation, Optimisation, Simulation,
};
use anyhow::Result;
use clap::Args as ClapArgs;
use explainn_nn::Arch;
use explainn_nn::train::Progress;
use explainn_run::train_spec::{TrainEvent, TrainFiles, TrainSpec, train_spec_run};
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
    #[command(flatten)]
    pub architecture: Architecture,
    #[command(flatten)]
    pub argminn: ArgminnFlags,
    #[command(flatten)]
    pub initialisation: Initialisation,
    #[command(flatten)]
    pub freezing: Freezing,
    #[command(flatten)]
    pub optimisation: Optimisation,
    #[command(flatten)]
    pub simulation: Simulation,
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
    let arch = a.architecture.arch;
    if finetune {
        let mut arch: Vec<&str> = vec!["arch", "lstm_hidden", "init_motifs", "ensemble"];
        arch.extend(EXPLAINN);
        arch.extend(BASELINES);
        arch.extend(ArgminnFlags::NAMES);
        refuse_given(&arch, "to finetune: the architecture is the model's")?;
    }
    for (owner, names, what) in [
        (Arch::ExplaiNN, &EXPLAINN[..], "an ExplaiNN"),
        (Arch::DanQ, &["lstm_hidden"], "a DanQ"),
        (Arch::Argminn, &ArgminnFlags::NAMES, "an ARGMINN"),
    ] {
        if arch != owner {
            refuse_given(names, &format!("to --arch {arch} (it is {what} option)"))?;
        }
    }
    if a.initialisation.units_from.is_empty() {
        refuse_given(
            &["head"],
            "without --units-from (it is the head over pretrained units)",
        )?;
    }
    if a.ensemble == 1 {
        refuse_given(&["ensemble_jobs"], "without --ensemble K (K ≥ 2)")?;
    }
    if a.simulation.simulate.is_none() {
        refuse_given(&["simulate_n"], "without --simulate GRAMMAR")?;
    }
    Ok(())
}

/// Train as `train`, or fine-tune `pretrained` (the `finetune` command): the pipeline is
/// [`explainn_run::train_spec::train_spec_run`]; this translates the flags and shows
/// progress.
pub fn run_with(a: Args, pretrained: Option<PathBuf>) -> Result<()> {
    refuse_options_that_do_not_apply(&a, pretrained.is_some())?;
    let (threads, device) = a.compute.init()?;
    let mut spec = TrainSpec {
        ensemble: a.ensemble,
        ensemble_jobs: a.ensemble_jobs,
        pretrained,
        ..TrainSpec::default()
    };
    a.architecture.apply(&mut spec);
    a.argminn.apply(&mut spec);
    a.initialisation.apply(&mut spec);
    a.freezing.apply(&mut spec);
    a.optimisation.apply(&mut spec)?;
    a.simulation.apply(&mut spec);
    let files = TrainFiles {
        train: a.train.clone(),
        validation: a.valid.clone(),
        output: a.output.clone(),
        force: a.force,
        command_line: std::env::args().collect(),
    };
    let pb = progress_bar(
        0,
        "epoch {prefix} [{bar:30}] {pos}/{len} batches, loss {msg} ({elapsed})",
    );
    let parallel = std::sync::atomic::AtomicBool::new(false);
    let show = |e: TrainEvent| show_event(e, &pb, &parallel);
    train_spec_run(&spec, &files, threads, &device, &show)?;
    Ok(())
}

/// One line per event, and the epoch's progress bar when members train one at a time.
fn show_event(
    e: TrainEvent,
    pb: &indicatif::ProgressBar,
    parallel: &std::sync::atomic::AtomicBool,
) {
    use std::sync::atomic::Ordering::Relaxed;
    match e {
        TrainEvent::Parallel {
            members,
            jobs,
            threads_each,
        } => {
            parallel.store(true, Relaxed);
            info!(
                "training {members} ensemble members, {jobs} at a time on {threads_each} thread(s) each"
            )
        }
        TrainEvent::MemberStart {
            member,
            members,
            seed,
        } => info!("ensemble member {} of {members} (seed {seed})", member + 1),
        TrainEvent::Trainer { member, progress } if parallel.load(Relaxed) => {
            if let Progress::EpochEnd(e) = progress {
                info!("member {}: {}", member + 1, epoch_line(e));
            }
        }
        TrainEvent::Trainer { progress, .. } => show_progress(progress, pb),
        TrainEvent::MemberDone {
            member,
            seed,
            best_epoch,
            validation_loss,
            model,
            ..
        } => {
            pb.finish_and_clear();
            if parallel.load(Relaxed) {
                info!(
                    "member {} (seed {seed}): kept epoch {best_epoch} (validation loss {validation_loss:.5})",
                    member + 1
                );
            } else {
                info!(
                    "kept epoch {best_epoch} (validation loss {validation_loss:.5}); model written to {}",
                    model.display()
                );
            }
        }
        TrainEvent::Merged {
            members,
            units,
            model,
        } => info!(
            "merged the {members} members into {model} ({units} units; members kept in {})",
            model
                .parent()
                .map_or(PathBuf::new(), |p| p.join("members"))
                .display(),
            model = model.display()
        ),
    }
}

/// The epoch's progress bar for one trainer event.
fn show_progress(p: Progress, pb: &indicatif::ProgressBar) {
    match p {
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
            let line = epoch_line(e);
            if pb.is_hidden() {
                info!("{line}")
            } else {
                pb.println(line)
            }
        }
    }
}

/// One epoch's line: its losses, extra terms and skipped batches.
fn epoch_line(e: &explainn_nn::EpochLosses) -> String {
    let mut line = format!(
        "epoch {}: train loss {:.5}, validation loss {:.5}",
        e.epoch, e.train_loss, e.validation_loss
    );
    for (name, v) in e.terms.iter().filter(|(_, v)| !v.is_nan()) {
        line += &format!(", {name} {v:.4e}");
    }
    if e.skipped > 0 {
        line += &format!(", {} batch(es) skipped (loss not finite)", e.skipped);
    }
    line + &format!(" ({:.1} s)", e.seconds)
}
