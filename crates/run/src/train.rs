//! The training pipeline: labelled TSV files in, a complete run directory out
//! (`model.safetensors`, `losses.tsv`, `config.json`, all written together or not at all).

use crate::config::absolute;
use crate::init::MotifInit;
use crate::output::{AtomicFile, OutputSet, Pending};
use crate::{Result, RunConfig, RunDir, RunError, file_error};
use explainn_nn::checkpoint::{self, FileDigest, Provenance};
use explainn_nn::stack::{Head, StackConfig};
use explainn_nn::train::{Progress, Source, Start, TrainOutcome};
use explainn_nn::{Device, Model, ModelConfig, ModelMetadata, TrainData, TrainOptions};
use explainn_seq::Dataset;
use std::path::{Path, PathBuf};

/// What to train on and where to write it.
#[derive(Debug, Clone)]
pub struct TrainRequest<'a> {
    /// Training set (ExplaiNN TSV).
    pub train: &'a Path,
    /// Validation set, for early stopping.
    pub validation: &'a Path,
    /// The run directory (created if missing).
    pub output: &'a Path,
    /// Optimisation settings.
    pub options: TrainOptions,
    /// Compute threads in use (recorded in `config.json`).
    pub threads: usize,
    /// The command line (recorded in the model file and `config.json`).
    pub command_line: Vec<String>,
    /// Replace a run already in `output` (without it, an earlier run there is an error).
    /// The earlier run's derived outputs (`test/`, `interpret/`, `report.html`) are removed
    /// once the new model is written, so results of two runs never mix.
    pub force: bool,
    /// ExplaiNN: initialise the first units' filters from these motifs (the rest of the
    /// model is the fresh seeded one); `None` for a fully random start.
    pub init: Option<MotifInit>,
    /// Fine-tuning: start from this ExplaiNN model (run directory or model file), every
    /// tensor but the final layer copied and the final layer fresh, so the classes may
    /// change; the architecture is the model's (`architecture` is not asked). The input
    /// length must be the model's.
    pub pretrained: Option<&'a Path>,
    /// Pretrained single-output models as frozen units under a trained head
    /// ([`explainn_nn::stack`]); the architecture is then theirs (`architecture` is not
    /// asked).
    pub units_from: Option<UnitsFrom>,
    /// Train on a fresh simulated set each epoch (epoch e from seed + e) instead of the
    /// training file, which still sets the length and the class and is recorded.
    pub regenerate: Option<Regenerate>,
}

/// A fresh simulated training set each epoch: `n` positives and `n` negatives.
#[derive(Debug, Clone)]
pub struct Regenerate {
    pub simulator: explainn_ops::simulate::Simulator,
    pub n: usize,
}

/// Pretrained models as units: `train --units-from M1 M2 … --head linear|nam`.
#[derive(Debug, Clone)]
pub struct UnitsFrom {
    /// The models: run directories or model files, or one directory whose entries are
    /// (see [`resolve_units`]).
    pub models: Vec<PathBuf>,
    /// The head over the units.
    pub head: Head,
}

/// The pretrained models of `paths` with their unit names: a run directory or model file
/// stands for itself (named by its run directory, or the file's stem when that is not
/// `model`); a single directory that holds no model stands for every run directory and
/// `.safetensors` file inside it, in name order.
pub fn resolve_units(paths: &[PathBuf]) -> Result<Vec<(String, PathBuf)>> {
    let mut list = Vec::new();
    let holds_model = |p: &Path| p.is_file() || RunDir::new(p).model().is_file();
    if let [dir] = paths
        && dir.is_dir()
        && !holds_model(dir)
    {
        let mut entries: Vec<PathBuf> = std::fs::read_dir(dir)
            .map_err(|e| file_error(dir, format!("cannot list the directory: {e}")))?
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| {
                (p.is_dir() && RunDir::new(p).model().is_file())
                    || p.extension().is_some_and(|x| x == "safetensors")
            })
            .collect();
        entries.sort();
        if entries.is_empty() {
            return Err(file_error(
                dir,
                "holds no models (run directories with model.safetensors, or .safetensors files)",
            ));
        }
        list = entries;
    } else {
        for p in paths {
            if !holds_model(p) {
                return Err(file_error(
                    p,
                    "is not a model: give run directories or model.safetensors files",
                ));
            }
            list.push(p.clone());
        }
    }
    let mut named = Vec::new();
    for p in list {
        let stem = p.file_stem().map(|s| s.to_string_lossy().to_string());
        let name = match (p.is_dir(), stem.as_deref()) {
            (true, _) | (false, Some("model")) => {
                let dir = if p.is_dir() {
                    Some(p.as_path())
                } else {
                    p.parent()
                };
                dir.and_then(|d| std::fs::canonicalize(d).ok())
                    .and_then(|d| d.file_name().map(|n| n.to_string_lossy().to_string()))
                    .unwrap_or_else(|| "model".into())
            }
            (false, Some(s)) => s.to_string(),
            (false, None) => "model".into(),
        };
        named.push((name, p));
    }
    let mut seen = std::collections::HashSet::new();
    for (n, p) in &named {
        if !seen.insert(n.clone()) {
            return Err(file_error(
                p,
                format!("a second unit is named `{n}`: unit names (run directories) must differ"),
            ));
        }
    }
    Ok(named)
}

/// The stack of `spec` for data of `length` and `classes`: its configuration and initial
/// tensors (members' weights, fresh head drawn from `seed`), and the members' digests.
fn stack_start(
    spec: &UnitsFrom,
    length: usize,
    classes: usize,
    seed: u64,
    device: &Device,
) -> Result<(ModelConfig, explainn_nn::TensorMap, Vec<FileDigest>)> {
    let named = resolve_units(&spec.models)?;
    let mut members = Vec::new();
    let mut digests = Vec::new();
    for (k, (name, p)) in named.iter().enumerate() {
        let mf = checkpoint::load(p, device)
            .map_err(|e| file_error(p, format!("cannot load the pretrained unit: {e}")))?;
        let c = mf.model.config();
        if c.classes() != 1 {
            return Err(file_error(
                p,
                format!(
                    "has {} outputs ({}); a pretrained unit must be a single-output model \
                     (train one model per TF)",
                    c.classes(),
                    mf.metadata.class_names.join(", ")
                ),
            ));
        }
        if c.input_length() != length {
            return Err(file_error(
                p,
                format!(
                    "takes sequences of length {}, the training set's are {length}",
                    c.input_length()
                ),
            ));
        }
        let file = if p.is_dir() {
            RunDir::new(p).model()
        } else {
            p.clone()
        };
        digests.push(FileDigest::of(&format!("unit{k}"), &file)?);
        members.push((name.clone(), c, mf.model));
    }
    let config = ModelConfig::Stack(StackConfig::new(
        members
            .iter()
            .map(|(n, c, _)| (n.clone(), c.clone()))
            .collect(),
        classes,
        spec.head,
    )?);
    let mut tensors = Model::new(&config, seed, device)?.to_tensors();
    for (k, (_, _, m)) in members.iter().enumerate() {
        for (name, t) in m.to_tensors() {
            tensors.insert(format!("units.{k}.{name}"), t);
        }
    }
    Ok((config, tensors, digests))
}

/// What a finished training produced.
#[derive(Debug)]
pub struct TrainReport {
    /// The kept model and the losses of every epoch.
    pub outcome: TrainOutcome,
    /// What was written to `config.json`.
    pub config: RunConfig,
}

/// Read a labelled ExplaiNN TSV (`id, seq, labels…`); every sequence must have the first
/// sequence's length (another length is an error naming the line). `what` names the set in errors ("training", "test").
pub fn read_labelled(path: &Path, what: &str) -> Result<Dataset> {
    let opts = explainn_seq::dataset::LoadOptions {
        exact_length: true,
        ..Default::default()
    };
    let d = explainn_seq::dataset::read_tsv_with(path, &opts)
        .map(|(d, _)| d)
        .map_err(|e| {
            RunError::Data(format!(
                "cannot read the {what} file {}: {e}",
                path.display()
            ))
        })?;
    if d.is_empty() {
        return Err(file_error(
            path,
            format!("the {what} file holds no sequences"),
        ));
    }
    Ok(d)
}

/// Train a model on `req.train`, early-stopping on `req.validation`, and write the run
/// directory. `architecture` receives the data's (length, classes) and returns the model
/// configuration. `progress` receives the trainer's events (for a progress bar).
pub fn train_run(
    req: &TrainRequest,
    architecture: impl FnOnce(usize, usize) -> Result<ModelConfig>,
    device: &Device,
    progress: &mut dyn FnMut(Progress),
) -> Result<TrainReport> {
    let run = RunDir::new(req.output);
    if req.output.exists() && !req.output.is_dir() {
        return Err(file_error(
            req.output,
            "is a file; the run directory must be a directory",
        ));
    }
    let earlier = run.model().exists() || run.config().exists();
    // A directory of other files is not a run: refused even with --force, which only
    // clears what a run produced.
    if !earlier && req.output.is_dir() {
        let entries = std::fs::read_dir(req.output)
            .map_err(|e| file_error(req.output, format!("cannot read: {e}")))?;
        if let Some(e) = entries.flatten().next() {
            return Err(file_error(
                req.output,
                format!(
                    "is not empty ({} and perhaps more) and holds no run; train into a new or empty directory",
                    e.file_name().to_string_lossy()
                ),
            ));
        }
    }
    if earlier && !req.force {
        let what = match run.read_config() {
            Ok(c) if !c.complete => format!(
                "holds an interrupted training (config.json: complete false, the best model \
                 of {} epoch(s) kept)",
                c.epochs_run
            ),
            Ok(_) => "already holds a trained run".to_string(),
            Err(_) if run.config().exists() => "already holds a trained run".to_string(),
            Err(_) => "holds the model of an interrupted training (no config.json)".to_string(),
        };
        return Err(file_error(
            req.output,
            format!(
                "{what}; use --force to replace it (its test/, interpret/ and report.html are \
                 removed too) or choose another output directory"
            ),
        ));
    }
    let train = read_labelled(req.train, "training")?;
    let mut valid = read_labelled(req.validation, "validation")?;
    if valid.length != train.length {
        return Err(RunError::Data(format!(
            "validation sequences have length {}, training sequences {}",
            valid.length, train.length
        )));
    }
    if valid.n_classes() != train.n_classes() {
        return Err(RunError::Data(format!(
            "the validation file has {} label column(s), the training file {}",
            valid.n_classes(),
            train.n_classes()
        )));
    }
    crate::policy::match_classes(&mut valid, req.validation, &train.class_names, "validation")?;
    if let Some(r) = &req.regenerate
        && (r.simulator.length() != train.length || train.n_classes() != 1)
    {
        return Err(file_error(
            req.train,
            format!(
                "holds {} class(es) of {} bp; the grammar {} simulates one class of {} bp: train on a set it simulated (`explainn simulate`)",
                train.n_classes(),
                train.length,
                r.simulator.name(),
                r.simulator.length()
            ),
        ));
    }
    for (d, path) in [(&train, req.train), (&valid, req.validation)] {
        req.options
            .loss
            .check_labels(&d.labels, d.n_classes())
            .map_err(|m| file_error(path, m))?;
    }
    let pretrained = match req.pretrained {
        Some(p) => {
            if req.init.is_some() {
                return Err(RunError::Data(
                    "fine-tuning starts from a model; motif initialisation cannot be added".into(),
                ));
            }
            let mf = checkpoint::load(p, device).map_err(|e| {
                RunError::Data(format!(
                    "cannot load the model to fine-tune {}: {e}",
                    p.display()
                ))
            })?;
            Some((p, mf))
        }
        None => None,
    };
    let stack = match &req.units_from {
        Some(spec) => {
            if req.init.is_some() || pretrained.is_some() {
                return Err(RunError::Data(
                    "pretrained units (--units-from) cannot be combined with motif \
                     initialisation or fine-tuning"
                        .into(),
                ));
            }
            Some(stack_start(
                spec,
                train.length,
                train.n_classes(),
                req.options.seed,
                device,
            )?)
        }
        None => None,
    };
    let config = match &pretrained {
        _ if stack.is_some() => stack.as_ref().expect("checked").0.clone(),
        Some((p, mf)) => {
            let ModelConfig::ExplaiNN(c) = &mf.metadata.config else {
                return Err(file_error(
                    p,
                    format!(
                        "is a {} model; fine-tuning applies to ExplaiNN models",
                        mf.metadata.config.arch()
                    ),
                ));
            };
            if c.input_length != train.length {
                return Err(file_error(
                    p,
                    format!(
                        "the model takes sequences of length {}, the training set's are {}: \
                         prepare the data at the model's length",
                        c.input_length, train.length
                    ),
                ));
            }
            ModelConfig::ExplaiNN(explainn_nn::ExplaiNNConfig {
                classes: train.n_classes(),
                ..c.clone()
            })
        }
        None => architecture(train.length, train.n_classes())?,
    };
    config.validate()?;
    req.options.validate()?;
    let mut units = Vec::new();
    let initial = match (&req.init, &config) {
        (None, _) if stack.is_some() => stack.as_ref().map(|(_, t, _)| t.clone()),
        (None, _) if pretrained.is_some() => {
            let (_, mf) = pretrained.as_ref().expect("checked");
            let mut tensors = Model::new(&config, req.options.seed, device)?.to_tensors();
            for (name, t) in mf.model.to_tensors() {
                if !name.starts_with("final.") {
                    tensors.insert(name, t);
                }
            }
            units = mf.metadata.units.clone();
            Some(tensors)
        }
        (None, _) => None,
        (Some(init), ModelConfig::ExplaiNN(c)) => {
            let mut tensors = Model::new(&config, req.options.seed, device)?.to_tensors();
            units = init.apply(&mut tensors, c)?;
            Some(tensors)
        }
        (Some(init), ModelConfig::Argminn(c)) => {
            let mut tensors = Model::new(&config, req.options.seed, device)?.to_tensors();
            init.apply_argminn(&mut tensors, c)?;
            Some(tensors)
        }
        (Some(_), other) => {
            return Err(RunError::Data(format!(
                "motif initialisation applies to ExplaiNN and ARGMINN models, not {}",
                other.arch()
            )));
        }
    };
    let mut files = vec![
        FileDigest::of("train", req.train)?,
        FileDigest::of("validation", req.validation)?,
    ];
    if let Some((p, _)) = &pretrained {
        let file = if p.is_dir() {
            RunDir::new(p).model()
        } else {
            p.to_path_buf()
        };
        files.push(FileDigest::of("pretrained", &file)?);
    }
    if let Some((_, _, digests)) = &stack {
        files.extend(digests.iter().cloned());
    }
    let provenance = Provenance {
        command: req.command_line.clone(),
        files,
    };
    let td = TrainData::new(&train.codes, &train.labels, train.length, train.n_classes())?;
    let vd = TrainData::new(&valid.codes, &valid.labels, valid.length, valid.n_classes())?;
    if let ModelConfig::ExplaiNN(c) = &config {
        // Activations: per unit and sequence in a batch, the convolution, BatchNorm, exp
        // and pooled values and their gradients (about 12 floats per position).
        // Parameters: each unit's filter and per-unit layers, with their gradients and two
        // Adam moments (16 bytes a parameter).
        use crate::budget::product;
        let pooled = c.input_length / c.pool_stride.max(1) + 1;
        let first = match c.num_fc {
            0 => pooled as u64,
            _ => product(&[c.hidden, pooled]),
        };
        let more = product(&[c.hidden, c.hidden, c.num_fc.saturating_sub(1)]);
        let per_unit = product(&[4, c.filter_size])
            .saturating_add(first)
            .saturating_add(more);
        let activations = product(&[req.options.batch_size, c.units, c.input_length, 48]);
        let parameters = product(&[c.units, 16]).saturating_mul(per_unit);
        crate::budget::check_memory(
            &format!(
                "training {} units (filter {}, {} layers of {}) on {} bp with batches of {}",
                c.units, c.filter_size, c.num_fc, c.hidden, c.input_length, req.options.batch_size
            ),
            activations.saturating_add(parameters),
        )?;
    }
    let made = !req.output.exists();
    std::fs::create_dir_all(req.output)
        .map_err(|e| file_error(req.output, format!("cannot create the run directory: {e}")))?;
    let _lock = lock_run(req.output)?;
    // A directory made here holds nothing usable until the first model is kept: an
    // interruption before that removes it.
    let mut until_kept = made.then(|| Pending::register(req.output));

    // The model kept so far is saved after every improvement, and losses.tsv and
    // config.json (`complete: false`) after every epoch, so an interrupted training
    // (killed, Ctrl-C) leaves a usable model with its record; the final config.json says
    // `complete: true`.
    let mut run_config = RunConfig {
        command_line: req.command_line.clone(),
        explainn_version: env!("CARGO_PKG_VERSION").into(),
        train: absolute(req.train),
        validation: absolute(req.validation),
        arch: config.arch(),
        architecture: config.to_json(),
        training: req.options.clone(),
        threads: req.threads,
        class_names: train.class_names.clone(),
        train_sequences: td.len(),
        simulated: req.regenerate.as_ref().map(|r| crate::config::Simulated {
            grammar: r.simulator.name().to_string(),
            sequences_per_epoch: 2 * r.n,
        }),
        validation_sequences: vd.len(),
        epochs_run: 0,
        best_epoch: 0,
        complete: false,
    };
    let mut history_so_far = Vec::new();
    let mut meta = ModelMetadata::new(config.clone(), train.class_names.clone());
    meta.trained_with_rc = req.options.rc;
    meta.loss = Some(req.options.loss);
    meta.provenance = Some(provenance);
    meta.units = units;
    let model_path = run.model();
    let mut save_error: Option<RunError> = None;
    let losses_path = run.losses();
    let config_path = run.config();
    let mut events = |p: Progress| {
        if let Progress::EpochEnd(e) = &p
            && save_error.is_none()
        {
            history_so_far.push((*e).clone());
            run_config.epochs_run = history_so_far.len();
            let saved = AtomicFile::create(&losses_path)
                .and_then(|mut f| {
                    crate::losses::write(&mut f, &history_so_far)
                        .map_err(|e| file_error(&losses_path, e))?;
                    f.commit()
                })
                .and_then(|_| write_config(&run_config, &config_path));
            if let Err(e) = saved {
                save_error = Some(e);
            }
        }
        if let Progress::Kept {
            epoch,
            steps,
            model,
        } = p
            && save_error.is_none()
        {
            until_kept.take();
            run_config.best_epoch = epoch;
            meta.steps = steps as u64;
            let saved = AtomicFile::create(&model_path)
                .and_then(|mut f| {
                    checkpoint::write(model, &meta, &mut f)?;
                    f.commit()
                })
                .and_then(|_| write_config(&run_config, &config_path));
            if let Err(e) = saved {
                save_error = Some(e);
            }
        }
        progress(p)
    };
    let start = initial.as_ref().map_or(Start::Fresh, Start::From);
    let seed = req.options.seed;
    let mut fresh = req.regenerate.as_ref().map(|r| {
        move |epoch: usize| {
            let s = r.simulator.simulate(r.n, seed.wrapping_add(epoch as u64));
            Ok((s.codes, s.labels.iter().map(|&y| y as f32).collect()))
        }
    });
    let source = match fresh.as_mut() {
        Some(make) => Source::Generated(make),
        None => Source::Fixed(td),
    };
    let trained = explainn_nn::train_with(
        config.clone(),
        start,
        source,
        &vd,
        &req.options,
        device,
        &mut events,
    );
    let trained = match (trained, save_error) {
        (Ok(_), Some(e)) => Err(e),
        (r, _) => r.map_err(RunError::from),
    };
    let outcome = match trained {
        Ok(o) => o,
        Err(e) => {
            if made {
                // A failed training leaves nothing behind (an interrupted one, killed from
                // outside, leaves the model kept so far).
                let _ = std::fs::remove_dir_all(req.output);
            }
            return Err(e);
        }
    };

    meta.steps = outcome.steps as u64;
    let run_config = RunConfig {
        epochs_run: outcome.history.len(),
        best_epoch: outcome.best_epoch,
        complete: true,
        ..run_config
    };

    let mut outputs = OutputSet::default();
    let mut f = AtomicFile::create(&model_path)?;
    checkpoint::write(&outcome.model, &meta, &mut f)?;
    outputs.add(move || f.commit());
    let mut f = AtomicFile::create(&losses_path)?;
    crate::losses::write(&mut f, &outcome.history).map_err(|e| file_error(&losses_path, e))?;
    outputs.add(move || f.commit());
    let mut f = AtomicFile::create(&config_path)?;
    run_config
        .write(&mut f)
        .map_err(|e| file_error(&config_path, e))?;
    outputs.add(move || f.commit());
    outputs.commit_all()?;
    if earlier {
        remove_derived(&run)?;
    }
    Ok(TrainReport {
        outcome,
        config: run_config,
    })
}

/// Write `config.json` atomically.
fn write_config(c: &RunConfig, path: &Path) -> Result<()> {
    let mut f = AtomicFile::create(path)?;
    c.write(&mut f).map_err(|e| file_error(path, e))?;
    f.commit()
}

/// Lock the run directory `dir` for this process (held while the file is open): a second
/// process training into it is refused.
pub(crate) fn lock_run(dir: &Path) -> Result<std::fs::File> {
    crate::output::lock_dir(dir)?.ok_or_else(|| {
        file_error(
            dir,
            "another explainn process is writing this run directory now; wait for it to finish or give another output directory",
        )
    })
}

/// Remove what an earlier run derived from its model: what explainn wrote in `test/` and
/// `interpret/` (files of the user's there stay), and `report.html`.
pub(crate) fn remove_derived(run: &RunDir) -> Result<()> {
    for dir in [run.test_dir(), run.interpret_dir()] {
        crate::output::remove_written(&dir)?;
    }
    let report = run.root().join("report.html");
    if report.exists() {
        std::fs::remove_file(&report).map_err(|e| {
            file_error(
                &report,
                format!("cannot remove the earlier run's report: {e}"),
            )
        })?;
    }
    Ok(())
}
