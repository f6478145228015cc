//! The report pipeline: `report.html` of a run, from its typed `config.json` and
//! `losses.tsv` (read here) and the interpretation's files (read by
//! `explainn_interpret::report`).

use crate::{Result, RunConfig, RunDir, RunError};
use explainn_interpret::report::{ReportInputs, build_report};
use explainn_nn::ModelConfig;
use std::path::PathBuf;

/// Where the report's inputs are. Defaults: `RUN/interpret`, `RUN/test/metrics.tsv` when it
/// exists, 10 units in the box plots.
#[derive(Debug, Clone)]
pub struct ReportRequest {
    pub run: RunDir,
    pub interpret_dir: Option<PathBuf>,
    pub metrics: Option<PathBuf>,
    pub top_units: usize,
}

/// The summary lines of a run configuration.
fn summary(run: &RunDir, c: &RunConfig) -> Vec<(String, String)> {
    let mut kv = Vec::new();
    let arch = ModelConfig::from_json(c.arch, &c.architecture.to_string())
        .map(|m| m.describe())
        .unwrap_or_else(|e| format!("{} ({e})", c.arch));
    kv.push(("Architecture".into(), arch));
    if !c.complete {
        kv.push((
            "Status".into(),
            format!(
                "interrupted: training stopped after {} epoch(s); the model is the best of those (epoch {})",
                c.epochs_run, c.best_epoch
            ),
        ));
    }
    let t = &c.training;
    kv.push((
        "Training".into(),
        format!(
            "loss {}, lr {}, batch {}, reverse complements {}, seed {}; {} of at most {} epochs run, best epoch {}",
            t.loss, t.lr, t.batch_size, t.rc, t.seed, c.epochs_run, t.max_epochs, c.best_epoch
        ),
    ));
    kv.push((
        "Training data".into(),
        format!(
            "{} ({} sequences); validation {} ({} sequences)",
            run.resolve(&c.train).display(),
            c.train_sequences,
            run.resolve(&c.validation).display(),
            c.validation_sequences
        ),
    ));
    kv
}

/// Build the HTML of a run's report. A run directory without `config.json` (an imported
/// model) gets no run summary; one without `losses.tsv`, no loss curve. Errors when the
/// interpretation is missing.
pub fn report_run(req: &ReportRequest) -> Result<String> {
    let run = &req.run;
    let mut inp = ReportInputs::new(run.root());
    if let Some(d) = &req.interpret_dir {
        inp.interpret_dir = d.clone();
    }
    if req.metrics.is_some() {
        inp.metrics = req.metrics.clone();
    }
    inp.top_units = req.top_units;
    if !inp.interpret_dir.join("annotation.tsv").exists() {
        return Err(RunError::Data(format!(
            "{} has no interpretation; run `explainn interpret {}` first",
            inp.interpret_dir.display(),
            run.root().display()
        )));
    }
    // Results of another model (a retrained run whose interpret/ or test/ was copied in,
    // or --interpret-dir/--metrics of another run) are refused.
    let model = run.model();
    crate::check_made_for(
        &inp.interpret_dir,
        &model,
        "the interpretation",
        &format!("run `explainn interpret {}` again", run.root().display()),
    )?;
    if let Some(m) = &inp.metrics {
        if let Some(d) = m.parent() {
            crate::check_made_for(
                d,
                &model,
                "the test metrics",
                &format!("run `explainn test {}` again", run.root().display()),
            )?;
        }
    }
    if run.config().exists() {
        inp.run_summary = summary(run, &run.read_config()?);
    }
    if run.losses().exists() {
        inp.losses = crate::losses::read(&run.losses())?
            .iter()
            .map(|e| (e.epoch as f64, e.train_loss, e.validation_loss))
            .collect();
    }
    Ok(build_report(&inp)?)
}
