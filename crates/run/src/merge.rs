//! `explainn merge`: K ExplaiNN models of equal input length and classes as one
//! interpretable model whose logits are the mean of theirs ([`explainn_nn::ensemble`]),
//! written as a run directory (`model.safetensors`, and `config.json` taken from the first
//! member's run directory when it has one, so `interpret` finds the training data).
//! Each unit of the merged model records its member (`UnitOrigin::member`).

use crate::output::{AtomicFile, OutputSet};
use crate::{Result, RunDir, RunError, file_error};
use explainn_nn::checkpoint::{self, FileDigest, Provenance};
use explainn_nn::{Device, Model, ModelConfig, ModelMetadata, ensemble};
use std::path::{Path, PathBuf};

/// What to merge and where.
#[derive(Debug, Clone)]
pub struct MergeRequest {
    /// The members: run directories or model files (at least two).
    pub models: Vec<PathBuf>,
    /// The run directory to write (created if missing).
    pub output: PathBuf,
    /// The command line (recorded in the model file).
    pub command_line: Vec<String>,
    /// Replace a run already in `output`.
    pub force: bool,
}

/// What a merge produced.
#[derive(Debug, Clone, PartialEq)]
pub struct MergeReport {
    /// Units per member, in order.
    pub member_units: Vec<usize>,
}

/// Merge the members of `req` and write the run directory; nothing is written when any
/// member cannot be read or the members do not fit together (another architecture, input
/// length, class names, loss or strand handling).
pub fn merge_run(req: &MergeRequest, device: &Device) -> Result<MergeReport> {
    if req.models.len() < 2 {
        return Err(RunError::Data("merge needs at least two models".into()));
    }
    let run = RunDir::new(&req.output);
    if run.model().exists() && !req.force {
        return Err(file_error(
            &req.output,
            "already holds a model; use --force to replace it or choose another directory",
        ));
    }
    let mut files = Vec::new();
    for p in &req.models {
        let mf = checkpoint::load(p, device)
            .map_err(|e| RunError::Data(format!("cannot load model {}: {e}", p.display())))?;
        files.push(mf);
    }
    let first = &files[0].metadata;
    for (k, (f, p)) in files.iter().zip(&req.models).enumerate().skip(1) {
        let m = &f.metadata;
        let differs = if m.class_names != first.class_names {
            Some(format!(
                "classes {:?} vs {:?}",
                m.class_names, first.class_names
            ))
        } else if m.loss != first.loss {
            Some(format!("loss {:?} vs {:?}", m.loss, first.loss))
        } else if m.trained_with_rc != first.trained_with_rc {
            Some("one was trained with reverse complements, the other without".into())
        } else {
            None
        };
        if let Some(d) = differs {
            return Err(file_error(
                p,
                format!(
                    "model {} does not fit model 1 ({}): {d}",
                    k + 1,
                    req.models[0].display()
                ),
            ));
        }
    }
    let mut members = Vec::new();
    for (f, p) in files.iter().zip(&req.models) {
        match &f.model {
            Model::ExplaiNN(m) => members.push(m),
            other => {
                return Err(file_error(
                    p,
                    format!(
                        "is a {} model; merge combines ExplaiNN models",
                        other.arch()
                    ),
                ));
            }
        }
    }
    let merged = ensemble::merge(&members, device)?;
    let mut units = Vec::new();
    for (k, (f, m)) in files.iter().zip(&members).enumerate() {
        let origins = &f.metadata.units;
        for u in 0..m.config().units {
            let mut o = origins.get(u).cloned().unwrap_or_default();
            o.member = Some(k);
            units.push(o);
        }
    }
    let mut meta = ModelMetadata::new(
        ModelConfig::ExplaiNN(merged.config().clone()),
        first.class_names.clone(),
    );
    meta.trained_with_rc = first.trained_with_rc;
    meta.loss = first.loss;
    meta.steps = files.iter().map(|f| f.metadata.steps).max().unwrap_or(0);
    meta.units = units;
    let digests = req
        .models
        .iter()
        .enumerate()
        .map(|(k, p)| {
            let file = if p.is_dir() {
                RunDir::new(p).model()
            } else {
                p.clone()
            };
            FileDigest::of(&format!("member{}", k + 1), &file)
        })
        .collect::<explainn_nn::Result<Vec<_>>>()?;
    meta.provenance = Some(Provenance {
        command: req.command_line.clone(),
        files: digests,
    });

    // config.json from the first member's run, so interpret and report find the data.
    let first_run = member_run(&req.models[0]);
    let config = match first_run.config().exists() {
        true => {
            let mut c = first_run.read_config()?;
            c.command_line = req.command_line.clone();
            c.architecture = meta.config.to_json();
            c.train = first_run.resolve(&c.train);
            c.validation = first_run.resolve(&c.validation);
            Some(c)
        }
        false => None,
    };
    if req.output.exists() && !req.output.is_dir() {
        return Err(file_error(
            &req.output,
            "is a file; the output is a directory: give a directory path",
        ));
    }
    std::fs::create_dir_all(&req.output)
        .map_err(|e| file_error(&req.output, format!("cannot create the run directory: {e}")))?;
    let _lock = crate::train::lock_run(&req.output)?;
    let mut outputs = OutputSet::default();
    let mut f = AtomicFile::create(run.model())?;
    checkpoint::write(&Model::ExplaiNN(merged), &meta, &mut f)?;
    outputs.add(move || f.commit());
    if let Some(c) = config {
        let path = run.config();
        let mut f = AtomicFile::create(&path)?;
        c.write(&mut f).map_err(|e| file_error(&path, e))?;
        outputs.add(move || f.commit());
    }
    outputs.commit_all()?;
    if run.config().exists() && !first_run.config().exists() {
        let path = run.config();
        std::fs::remove_file(&path).map_err(|e| file_error(&path, e))?;
    }
    crate::train::remove_derived(&run)?;
    Ok(MergeReport {
        member_units: members.iter().map(|m| m.config().units).collect(),
    })
}

/// The run directory of a member given as a directory or as its model file.
fn member_run(p: &Path) -> RunDir {
    if p.is_dir() {
        RunDir::new(p)
    } else {
        RunDir::new(p.parent().map(Path::to_path_buf).unwrap_or_default())
    }
}
