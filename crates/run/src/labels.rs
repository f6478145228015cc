//! Unit labels: `unit N` (`unit N [mK]` for member K of a merged ensemble), replaced by
//! the `label` column of an interpretation's `annotation.tsv` when there is one for this
//! model — used by `explain`, `gia` and every table that names units.

use crate::{Result, RunError, file_error};
use explainn_interpret::tables::{TsvTable, unit_index};
use explainn_nn::UnitOrigin;
use std::path::{Path, PathBuf};

/// The units summed by `loaded`'s final layer (`None` for a model without one) and their
/// labels ([`model_unit_labels`]): what `gia` and `variants` name per-unit effects with.
pub fn final_layer_units(
    model: &Path,
    annotation: Option<&Path>,
    loaded: &explainn_nn::ModelFile,
) -> Result<(Option<usize>, Vec<String>)> {
    let classes = loaded.metadata.class_names.len().max(1);
    let units = loaded.model.final_layer().map(|(w, _)| w.len() / classes);
    let labels = match units {
        Some(u) => model_unit_labels(model, annotation, &loaded.model, u, &loaded.metadata.units)?,
        None => Vec::new(),
    };
    Ok((units, labels))
}

/// Labels of the `units` units of `loaded` (read from `model`): a model of pretrained units
/// names each after its member model (as `explain` does); others as [`unit_labels`].
pub fn model_unit_labels(
    model: &Path,
    annotation: Option<&Path>,
    loaded: &explainn_nn::Model,
    units: usize,
    origins: &[UnitOrigin],
) -> Result<Vec<String>> {
    match loaded.stack() {
        Some(s) => Ok(s.config().members.iter().map(|m| m.name.clone()).collect()),
        None => unit_labels(model, annotation, units, origins),
    }
}

/// The annotation that names the units of the model at `model`: `annotation` when given,
/// else `MODEL/interpret/annotation.tsv` when `model` is a run directory that has one
/// (`None` otherwise). One whose directory's `summary.json` records another model's
/// checksum is refused (it would name units after another model's motifs).
pub fn annotation_path(model: &Path, annotation: Option<&Path>) -> Result<Option<PathBuf>> {
    let path = annotation.map(Path::to_path_buf).or_else(|| {
        Some(model.join("interpret").join("annotation.tsv"))
            .filter(|p| model.is_dir() && p.exists())
    });
    let Some(p) = path else {
        return Ok(None);
    };
    let dir = match p.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    };
    crate::check_made_for(
        dir,
        model,
        &format!("the annotation {}", p.display()),
        "run `explainn interpret` on this model or give its own --annotation",
    )?;
    Ok(Some(p))
}

/// Labels of the `units` units of the model at `model` (a run directory or a model file):
/// from `annotation` when given, else from `MODEL/interpret/annotation.tsv` when `model` is
/// a run directory that has one. An annotation whose `summary.json` records another model's
/// checksum is refused (it would name units after another model's motifs).
pub fn unit_labels(
    model: &Path,
    annotation: Option<&Path>,
    units: usize,
    origins: &[UnitOrigin],
) -> Result<Vec<String>> {
    let mut out: Vec<String> = (0..units)
        .map(|u| match origins.get(u).and_then(|o| o.member) {
            Some(k) => format!("unit {u} [m{}]", k + 1),
            None => format!("unit {u}"),
        })
        .collect();
    let Some(p) = annotation_path(model, annotation)? else {
        return Ok(out);
    };
    let t = TsvTable::read(&p)?;
    let col = t
        .column("label")
        .ok_or_else(|| file_error(&p, "has no label column (is it an annotation.tsv?)"))?;
    for row in &t.rows {
        if let (Some(u), Some(l)) = (unit_index(&row[0]), row.get(col)) {
            if u >= units {
                return Err(RunError::Data(format!(
                    "{}: unit {u} is beyond the model's {units} units (an annotation of another model?)",
                    p.display()
                )));
            }
            out[u] = l.clone();
        }
    }
    Ok(out)
}
