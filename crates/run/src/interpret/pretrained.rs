//! Interpretation of a model of pretrained units ([`explainn_nn::stack`]): its units are
//! whole models, so there are no filters to scan; the tables name the units after them.

use super::{Context, InterpretOutcome, InterpretProgress, add_summary, add_unit_tables, io_error};
use crate::Result;
use crate::output::{AtomicFile, OutputSet};
use explainn_interpret::annotate::UnitAnnotation;
use explainn_interpret::tables;
use explainn_nn::Predictor;
use explainn_seq::Dataset;
use std::io::Write;

/// A model of pretrained units: its units are the members, named after them. Writes
/// `weights.tsv`, `importance.tsv` and `summary.json`. A unit's importance for class c is
/// the median of W[c, k]·g_k over the sequences its pretrained model calls positive
/// (strand-averaged logit z_k > 0), the counterpart of an ExplaiNN unit's activating
/// sequences; `n_activating` counts them.
pub(super) fn model_units(
    cx: &Context,
    p: &Predictor,
    sel: &Dataset,
    class_names: &[String],
    progress: &mut dyn FnMut(InterpretProgress),
) -> Result<InterpretOutcome> {
    let (req, out) = (cx.req, cx.out);
    let stack = p.model().stack().expect("checked by the caller");
    let names: Vec<String> = stack
        .config()
        .members
        .iter()
        .map(|m| m.name.clone())
        .collect();
    let k = names.len();
    progress(InterpretProgress::Note(format!(
        "{k} pretrained units ({}): importance of each over the sequences its model calls positive",
        names.join(", ")
    )));
    let (z, g) = p.member_logits(&sel.codes)?;
    let (weights, _) = stack.final_layer();
    let c = class_names.len();
    let mut median = vec![f64::NAN; k * c];
    let mut n_activating = vec![0; k];
    for u in 0..k {
        let on: Vec<usize> = (0..sel.len()).filter(|&i| z[i * k + u] > 0.0).collect();
        n_activating[u] = on.len();
        for cl in 0..c {
            let w = weights[cl * k + u] as f64;
            let mut v: Vec<f64> = on.iter().map(|&i| g[i * k + u] as f64 * w).collect();
            median[u * c + cl] = explainn_interpret::importance::median(&mut v);
        }
    }
    let imp = explainn_interpret::importance::Importance {
        units: k,
        classes: c,
        median,
        n_activating,
    };
    let ann: Vec<UnitAnnotation> = names
        .iter()
        .enumerate()
        .map(|(unit, n)| UnitAnnotation {
            unit,
            label: n.clone(),
            best: None,
            nsites: 0,
        })
        .collect();
    std::fs::create_dir_all(out).map_err(io_error(out))?;
    let mut outputs = OutputSet::default();
    add_unit_tables(&mut outputs, out, &weights, &imp, class_names, &ann)?;
    // annotation.tsv (read by the report): the units' names, no motif, flag `pretrained`;
    // max_activation is the largest strand-averaged logit of the unit's model.
    let path = out.join("annotation.tsv");
    let mut f = AtomicFile::create(&path)?;
    writeln!(f, "{}", tables::ANNOTATION_HEADER).map_err(io_error(&path))?;
    for (u, n) in names.iter().enumerate() {
        let max = (0..sel.len())
            .map(|i| z[i * k + u])
            .fold(f32::NEG_INFINITY, f32::max);
        writeln!(
            f,
            "unit{u}\t{n}\tNA\tNA\tNA\tNA\tNA\tNA\t0\t{max}\tpretrained"
        )
        .map_err(io_error(&path))?;
    }
    outputs.add(move || f.commit());
    let summary = serde_json::json!({
        "model": req.model,
        "model_sha256": crate::model_checksum(&req.model)?,
        "arch": "stack",
        "analysis": "pretrained units",
        "units": names,
        "data": cx.data_file,
        "selection": cx.rule.to_string(),
        "max_sequences": req.max_sequences,
        "seed": req.seed,
        "sequences_total": cx.total,
        "sequences_selected": sel.len(),
    });
    add_summary(&mut outputs, out, &summary)?;
    outputs.commit_all()?;
    let mut top = vec![format!("rank\tunit\tlabel\t{}", class_names.join("\t"))];
    for (rank, &u) in imp.order().iter().take(10).enumerate() {
        let mut row = format!("{}\tunit{u}\t{}", rank + 1, names[u]);
        for cl in 0..c {
            row.push_str(&format!("\t{:.4}", imp.get(u, cl)));
        }
        top.push(row);
    }
    Ok(InterpretOutcome {
        output: out.to_path_buf(),
        annotated: k,
        total: k,
        what: "pretrained units",
        top,
    })
}
