//! The test pipeline: a model and a labelled set in, `metrics.tsv` and
//! `predictions.tsv.gz` out (written together or not at all). Predictions follow
//! [`crate::policy`]: strand-averaged for models trained with reverse complements, through
//! the output function of the model's loss.

use crate::metrics::MetricsTable;
use crate::output::{AtomicFile, AtomicGzFile, OutputDir, OutputSet};
use crate::policy::{both_strands, output_loss, predictions};
use crate::train::read_labelled;
use crate::{Result, RunError, file_error};
use explainn_nn::metrics::evaluate;
use explainn_nn::{ModelFile, Predictor};
use std::io::Write;
use std::path::Path;

/// Evaluation settings.
#[derive(Debug, Clone, Copy)]
pub struct TestOptions {
    /// Use the sequences as given even for a model trained with reverse complements.
    pub forward_only: bool,
    /// Sequences per batch (default 100).
    pub batch_size: usize,
}

impl Default for TestOptions {
    fn default() -> Self {
        Self {
            forward_only: false,
            batch_size: 100,
        }
    }
}

/// What a test produced.
#[derive(Debug)]
pub struct TestReport {
    pub metrics: MetricsTable,
    pub sequences: usize,
    /// Whether both strands were averaged.
    pub both_strands: bool,
    /// Why a metric is undefined (`NA`), one line per class concerned.
    pub notes: Vec<String>,
}

/// Evaluate `model` (read from `model_path`) on the labelled TSV `test` and write
/// `out/metrics.tsv`, `out/predictions.tsv.gz` (`id, class, target, prediction`) and
/// `out/summary.json` (the model's checksum, the test file, the strand rule). The test
/// file's length and number of label columns must be the model's. `out` is replaced whole
/// ([`OutputDir`]): it must be new, empty or earlier test results.
pub fn test_run(
    model: ModelFile,
    model_path: &Path,
    device: explainn_nn::Device,
    test: &Path,
    out: &Path,
    opts: &TestOptions,
) -> Result<TestReport> {
    let dir = OutputDir::create(out, &["metrics.tsv"], "test results")?;
    let model_sha256 = crate::model_checksum(model_path)?;
    let mut data = read_labelled(test, "test")?;
    let (l, c) = (model.model.input_length(), model.model.classes());
    if data.length != l {
        return Err(RunError::Data(format!(
            "test sequences have length {}, but the model expects {l}",
            data.length
        )));
    }
    if data.n_classes() != c {
        return Err(RunError::Data(format!(
            "test data has {} label column(s), but the model has {c} output(s)",
            data.n_classes()
        )));
    }
    let meta = model.metadata;
    crate::policy::match_classes(&mut data, test, &meta.class_names, "test")?;
    if let Some(l) = meta.loss {
        l.check_labels(&data.labels, c)
            .map_err(|m| file_error(test, m))?;
    }
    let loss = output_loss(&meta, &data.labels);
    let both = both_strands(&meta, opts.forward_only);
    let p = Predictor::new(model.model, device, opts.batch_size);
    let pred = predictions(&p, &data.codes, both, loss)?;
    let (per, macro_avg) = evaluate(&pred, &data.labels, c);
    let mut notes = Vec::new();
    for (k, m) in per.iter().enumerate() {
        // Regression targets have no AUROC by nature; classification ones should.
        let classification = matches!(loss, explainn_nn::Loss::Bce | explainn_nn::Loss::Ce);
        if classification && m.auroc.is_nan() {
            let mut values: Vec<f32> = (0..data.len()).map(|i| data.labels[i * c + k]).collect();
            values.sort_by(f32::total_cmp);
            values.dedup();
            let name = &meta.class_names[k];
            notes.push(match values.as_slice() {
                [v] => format!(
                    "class {name}: every test label is {v}, so AUROC and AUPRC are undefined (NA); test on a set with both positives and negatives"
                ),
                _ => format!(
                    "class {name}: AUROC and AUPRC are undefined (NA): they need labels 0 and 1, this class has {} distinct values",
                    values.len()
                ),
            });
        }
    }
    let metrics = MetricsTable {
        classes: meta.class_names.iter().cloned().zip(per).collect(),
        macro_avg,
    };

    let out = dir.path();
    let mut outputs = OutputSet::default();
    let path = out.join("metrics.tsv");
    let mut f = AtomicFile::create(&path)?;
    metrics.write(&mut f).map_err(|e| file_error(&path, e))?;
    outputs.add(move || f.commit());
    let path = out.join("predictions.tsv.gz");
    let mut g = AtomicGzFile::create(&path)?;
    let mut write_predictions = || -> std::io::Result<()> {
        writeln!(g, "id\tclass\ttarget\tprediction")?;
        for (i, id) in data.ids.iter().enumerate() {
            for (k, name) in meta.class_names.iter().enumerate() {
                writeln!(
                    g,
                    "{id}\t{name}\t{}\t{}",
                    data.labels[i * c + k],
                    pred[i * c + k]
                )?;
            }
        }
        Ok(())
    };
    write_predictions().map_err(|e| file_error(&path, e))?;
    outputs.add(move || g.commit());
    let summary = serde_json::json!({
        "model": model_path,
        "model_sha256": model_sha256,
        "test": test,
        "sequences": data.len(),
        "both_strands": both,
        "loss": loss.to_string(),
    });
    let f = crate::output::json_file(&out.join("summary.json"), &summary)?;
    outputs.add(move || f.commit());
    outputs.commit_all()?;
    dir.commit()?;
    Ok(TestReport {
        metrics,
        sequences: data.len(),
        both_strands: both,
        notes,
    })
}
