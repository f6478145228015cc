//! The file pipelines a notebook needs: training into a run directory and interpreting
//! it, through the same `explainn_run` functions the command line calls.

use explainn_nn::train::Progress;
use explainn_run::interpret::{InterpretProgress, InterpretRequest, interpret_run};
use explainn_run::train_spec::{TrainEvent, TrainFiles, TrainSpec, train_spec_run};
use pyo3::prelude::*;
use std::path::PathBuf;

/// Train on ExplaiNN TSV files into the run directory `output`; `spec` is a JSON object of
/// `TrainSpec` fields (the command line's options with `_` for `-`; absent fields take
/// the command line's defaults). Returns the model file's path. With `verbose`, one line
/// per epoch on standard error.
#[pyfunction]
#[pyo3(signature = (train, validation, output, spec, force, threads, verbose))]
#[allow(clippy::too_many_arguments)]
pub fn train(
    py: Python<'_>,
    train: PathBuf,
    validation: PathBuf,
    output: PathBuf,
    spec: &str,
    force: bool,
    threads: Option<i64>,
    verbose: bool,
) -> PyResult<String> {
    crate::require_path(&train, "training file")?;
    crate::require_path(&validation, "validation file")?;
    let spec: TrainSpec = serde_json::from_str(spec)
        .map_err(|e| crate::value_error(format!("training options: {e}")))?;
    // `threads` trains on a pool of its own (as every other call); without it, on the
    // process-wide pool, sized as the command line sizes it. The count is recorded.
    let threads = crate::threads(threads)?;
    let in_use = threads.unwrap_or_else(|| explainn_nn::set_threads(0));
    let files = TrainFiles {
        train,
        validation,
        output,
        force,
        command_line: vec!["explainn_rs.train".into()],
    };
    let show = |e: TrainEvent| {
        if let (
            true,
            TrainEvent::Trainer {
                progress: Progress::EpochEnd(e),
                ..
            },
        ) = (verbose, e)
        {
            eprintln!(
                "epoch {}: train loss {:.5}, validation loss {:.5} ({:.1} s)",
                e.epoch, e.train_loss, e.validation_loss, e.seconds
            );
        }
    };
    let device = explainn_nn::default_device();
    let model = crate::compute(py, threads, || {
        train_spec_run(&spec, &files, in_use, &device, &show)
    })?
    .map_err(crate::value_error)?;
    Ok(model.display().to_string())
}

/// Interpret a run (or model file) on `data` (default: the run's training file) into
/// `output` (default `RUN/interpret`): unit or filter PWMs, their Tomtom annotation against
/// `motifs` (default the bundled JASPAR 2024) at `q_threshold`, importance tables. Returns
/// the output directory.
#[pyfunction]
#[pyo3(signature = (model, data, output, motifs, q_threshold, max_sequences, forward_only, threads))]
#[allow(clippy::too_many_arguments)]
pub fn interpret(
    py: Python<'_>,
    model: PathBuf,
    data: Option<PathBuf>,
    output: Option<PathBuf>,
    motifs: Option<PathBuf>,
    q_threshold: f64,
    max_sequences: Option<usize>,
    forward_only: bool,
    threads: Option<i64>,
) -> PyResult<String> {
    crate::require_path(&model, "model")?;
    if let Some(d) = &data {
        crate::require_path(d, "data file")?;
    }
    if let Some(m) = &motifs {
        crate::require_path(m, "motif file")?;
    }
    let req = InterpretRequest {
        data,
        output,
        motifs,
        q_threshold,
        max_sequences,
        forward_only,
        ..InterpretRequest::new(model)
    };
    let threads = crate::threads(threads)?;
    let device = explainn_nn::default_device();
    let outcome = crate::compute(py, threads, || {
        interpret_run(&req, &device, &mut |_: InterpretProgress| {})
    })?
    .map_err(crate::value_error)?;
    Ok(outcome.output.display().to_string())
}
