//! `explainn predict`'s pipeline: every sequence of a FASTA, FASTQ or ExplaiNN TSV file
//! (or BED intervals of a genome), streamed in batches with constant memory, into
//! `OUT_DIR/predictions.tsv.gz`: id, class, forward, reverse, mean, max (the logits of
//! each strand, their mean and max; with `sigmoid`, each value through a sigmoid after
//! mean and max, as the original's `--apply-sigmoid`).

use crate::output::AtomicGzFile;
use crate::{Result, file_error};
use explainn_nn::loss::sigmoid;
use explainn_nn::{Device, ModelFile, Predictor};
use std::io::Write;
use std::path::PathBuf;

/// A prediction run.
#[derive(Debug, Clone)]
pub struct PredictRequest {
    /// Sequences: FASTA, FASTQ or ExplaiNN TSV (.gz allowed); with `genome`, BED intervals.
    pub input: PathBuf,
    pub genome: Option<PathBuf>,
    /// Centre-crop or N-pad sequences of another length.
    pub fit_length: bool,
    /// The directory that receives `predictions.tsv.gz` (created if missing).
    pub output: PathBuf,
    /// Report sigmoid(logit) instead of logits.
    pub sigmoid: bool,
    pub batch_size: usize,
    pub device: Device,
}

/// The table's path under `req.output`.
pub fn predictions_path(req: &PredictRequest) -> PathBuf {
    req.output.join("predictions.tsv.gz")
}

/// Predict every sequence of `req.input` with `model`; `progress(done)` after each batch.
/// Returns the number of sequences. A directory made here is removed again if the run
/// fails: no half-made output.
pub fn predict_run_with(
    model: ModelFile,
    req: &PredictRequest,
    progress: &dyn Fn(u64),
) -> Result<usize> {
    let l = model.model.input_length();
    let names = model.metadata.class_names.clone();
    let records =
        crate::input::open_sequences(&req.input, req.genome.as_deref(), l, req.fit_length)?;
    let predictor = Predictor::new(model.model, req.device.clone(), req.batch_size);
    let made = !req.output.exists();
    std::fs::create_dir_all(&req.output).map_err(|e| file_error(&req.output, e))?;
    let result = write_predictions(req, records, &predictor, &names, progress);
    if result.is_err() && made {
        let _ = std::fs::remove_dir_all(&req.output);
    }
    result
}

fn write_predictions(
    req: &PredictRequest,
    records: crate::input::Sequences,
    predictor: &Predictor,
    names: &[String],
    progress: &dyn Fn(u64),
) -> Result<usize> {
    let (l, c) = (
        predictor.model().input_length(),
        predictor.model().classes(),
    );
    let path = predictions_path(req);
    let mut out = AtomicGzFile::create(&path)?;
    let act = |v: f32| if req.sigmoid { sigmoid(v) } else { v };
    let batch = req.batch_size.max(1);
    let mut text = String::from("id\tclass\tforward\treverse\tmean\tmax\n");
    let mut ids: Vec<String> = Vec::with_capacity(batch);
    let mut codes: Vec<u8> = Vec::with_capacity(batch * l);
    let mut total = 0usize;
    let mut records = records.peekable();
    while records.peek().is_some() {
        ids.clear();
        codes.clear();
        for rec in records.by_ref().take(batch) {
            let (id, seq) = rec?;
            codes.extend(explainn_seq::encode::to_codes(&seq));
            ids.push(id);
        }
        let s = predictor.strands(&codes)?;
        for (i, id) in ids.iter().enumerate() {
            for (k, name) in names.iter().enumerate() {
                let (f, r) = (s.forward[i * c + k], s.reverse[i * c + k]);
                let (mean, max) = (act((f + r) / 2.0), act(f.max(r)));
                text += &format!("{id}\t{name}\t{}\t{}\t{mean}\t{max}\n", act(f), act(r));
            }
        }
        out.write_all(text.as_bytes())
            .map_err(|e| file_error(&path, e))?;
        text.clear();
        total += ids.len();
        progress(total as u64);
    }
    if total == 0 {
        return Err(file_error(&req.input, "holds no sequences"));
    }
    out.commit()?;
    Ok(total)
}
