//! `explainn instances MODEL --genome G`: every position of a genome (or of `--regions`)
//! where an ExplaiNN unit's first-layer activation reaches its threshold — by default the
//! interpretation's: `fraction` (0.5) of the largest activation the unit reached in
//! `explainn interpret` (`interpret/annotation.tsv`, column `max_activation`) — written as
//! BED6+ ([`explainn_ops::instances`]):
//!
//! `chrom start end name score strand activation fraction_of_max contribution_CLASS…`
//!
//! `name` is `uN` and the unit's label, `score` 1000·activation/max (at most 1000),
//! `strand` the strand the filter matched, `contribution_CLASS` the unit's contribution
//! o_u·W[c, u] in the window of the model's length centred on the instance
//! (strand-averaged as predictions). Sorted by chromosome (genome order), start, unit.

use crate::output::TextOutput;
use crate::tile::{BLOCK, regions};
use crate::{Result, RunError, file_error};
use explainn_interpret::tables::{TsvTable, unit_index};
use explainn_nn::{Device, ModelFile, Predictor};
use explainn_ops::instances::{find_instances, instance_contributions};
use explainn_seq::bed::Genome;
use std::io::Write;
use std::path::PathBuf;

/// An instance-calling run.
#[derive(Debug, Clone)]
pub struct InstancesRequest {
    /// Model path: a run directory (its `interpret/annotation.tsv` gives thresholds and
    /// labels) or a model file with `annotation`.
    pub model: PathBuf,
    pub genome: PathBuf,
    /// Regions to scan (BED; sorted and merged); the whole genome when absent.
    pub regions: Option<PathBuf>,
    /// Output BED (`.gz` compresses; `-` is standard output).
    pub output: PathBuf,
    /// Threshold as a fraction of each unit's maximum activation (default
    /// [`explainn_interpret::activations::THRESHOLD_FRACTION`]).
    pub fraction: f32,
    /// The annotation with `max_activation` and `label` (default: the run's own).
    pub annotation: Option<PathBuf>,
    /// Scan and predict the forward strand only.
    pub forward_only: bool,
    pub batch_size: usize,
    pub device: Device,
}

/// What a run found.
#[derive(Debug, Clone, PartialEq)]
pub struct InstancesOutcome {
    /// Instances per unit.
    pub per_unit: Vec<u64>,
    /// Chromosomes shorter than the model's window (skipped).
    pub short: Vec<String>,
}

/// The maximum activation and label of each of `units` units from an annotation.
fn unit_maxima(req: &InstancesRequest, units: usize) -> Result<(Vec<f32>, Vec<String>)> {
    let Some(path) = crate::labels::annotation_path(&req.model, req.annotation.as_deref())? else {
        return Err(RunError::Data(format!(
            "{} has no interpretation: the thresholds are a fraction of each unit's largest activation in `explainn interpret {}`; run it first or give --annotation",
            req.model.display(),
            req.model.display()
        )));
    };
    let t = TsvTable::read(&path)?;
    let (Some(max_col), Some(label_col)) = (t.column("max_activation"), t.column("label")) else {
        return Err(file_error(
            &path,
            "has no max_activation or label column (is it an interpretation's annotation.tsv?)",
        ));
    };
    let mut maxima = vec![f32::NAN; units];
    let mut labels: Vec<String> = (0..units).map(|u| format!("unit {u}")).collect();
    for (r, row) in t.rows.iter().enumerate() {
        let Some(u) = unit_index(&row[0]).filter(|&u| u < units) else {
            return Err(file_error(
                &path,
                format!(
                    "line {}: {:?} is not one of the model's {units} units",
                    r + 2,
                    row[0]
                ),
            ));
        };
        maxima[u] = t.number(r, max_col) as f32;
        labels[u] = row.get(label_col).cloned().unwrap_or_default();
    }
    if let Some(u) = maxima.iter().position(|m| m.is_nan()) {
        return Err(file_error(
            &path,
            format!("has no max_activation for unit{u}: was it made for another model?"),
        ));
    }
    Ok((maxima, labels))
}

/// Run `req` with `model`; `progress(chromosome, bases done, bases of the chromosome)`.
pub fn instances_run(
    model: ModelFile,
    req: &InstancesRequest,
    progress: &dyn Fn(&str, u64, u64),
) -> Result<InstancesOutcome> {
    if !(req.fraction > 0.0 && req.fraction <= 1.0) {
        return Err(RunError::Data(format!(
            "--fraction must be above 0 and at most 1, found {}",
            req.fraction
        )));
    }
    let Some(ex) = model.model.explainn() else {
        return Err(RunError::Data(format!(
            "instances are positions where an ExplaiNN unit's filter activates; this model is {}",
            model.model.arch()
        )));
    };
    let (units, filter) = (ex.config().units, ex.config().filter_size);
    let classes = model.metadata.class_names.clone();
    let both = crate::policy::both_strands(&model.metadata, req.forward_only);
    let window = model.model.input_length();
    let (maxima, labels) = unit_maxima(req, units)?;
    // A unit that never activated (maximum ≤ 0) calls nothing.
    let thresholds: Vec<f32> = maxima
        .iter()
        .map(|&m| {
            if m > 0.0 {
                req.fraction * m
            } else {
                f32::INFINITY
            }
        })
        .collect();
    let mut genome = Genome::open(&req.genome)?;
    let (regions, short) = regions(&req.genome, req.regions.as_deref(), &genome, window as u64)?;
    let predictor = Predictor::new(model.model, req.device.clone(), req.batch_size);
    let mut out = TextOutput::create(&req.output)?;
    let header: Vec<String> = classes
        .iter()
        .map(|c| format!("contribution_{c}"))
        .collect();
    let write_err = |e: std::io::Error| file_error(&req.output, e);
    writeln!(
        out,
        "#chrom\tstart\tend\tname\tscore\tstrand\tactivation\tfraction_of_max\t{}",
        header.join("\t")
    )
    .map_err(write_err)?;
    let mut per_unit = vec![0u64; units];
    let c = classes.len();
    for (chrom, start, end) in &regions {
        let len = (end - start) as usize;
        let mut b0 = 0usize;
        while b0 + filter <= len {
            // The block's positions b0..b0 + BLOCK, with a window's margin either side for
            // the contributions.
            let (ctx0, ctx1) = (b0.saturating_sub(window), (b0 + BLOCK + window).min(len));
            let letters = genome.fetch(chrom, start + ctx0 as u64, start + ctx1 as u64)?;
            let codes = explainn_seq::encode::to_codes(&letters);
            let scan_end = (b0 + BLOCK + filter - 1).min(len) - ctx0;
            let mut found =
                find_instances(&predictor, &codes[b0 - ctx0..scan_end], &thresholds, both)?;
            for i in found.iter_mut() {
                i.start += b0 - ctx0; // in ctx coordinates
            }
            let contributions = instance_contributions(&predictor, &codes, &found, filter, both)?;
            let mut text = String::new();
            for (n, i) in found.iter().enumerate() {
                let at = *start + (ctx0 + i.start) as u64;
                let max = maxima[i.unit];
                let score = ((1000.0 * i.activation / max).round() as i64).clamp(0, 1000);
                text += &format!(
                    "{chrom}\t{at}\t{}\tu{} {}\t{score}\t{}\t{}\t{}",
                    at + filter as u64,
                    i.unit,
                    labels[i.unit],
                    if i.reverse { '-' } else { '+' },
                    i.activation,
                    i.activation / max,
                );
                for k in 0..c {
                    text += &format!("\t{}", contributions[n * c + k]);
                }
                text.push('\n');
                per_unit[i.unit] += 1;
            }
            out.write_all(text.as_bytes()).map_err(write_err)?;
            b0 += BLOCK;
            progress(chrom, b0.min(len) as u64, len as u64);
        }
    }
    out.commit()?;
    Ok(InstancesOutcome { per_unit, short })
}
