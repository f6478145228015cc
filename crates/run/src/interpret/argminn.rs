//! ARGMINN's read-out in `interpret` (spec §3), beside the filter PFMs, Tomtom names and
//! logos every convolutional model gets:
//! - `motifs_qc.tsv` and `motifs.meme`: each filter PFM trimmed (flanks under 0.2 bits) and
//!   checked (width ≥ 5, mean information content ≥ 1 bit); the passing ones, trimmed;
//! - `instances.tsv` and `instances.bed`: positions whose largest attention over layers and
//!   heads exceeds `--instance-attention` (0.9), each called with the passing filter of the
//!   best z-score among those above their mean positive activation;
//! - `attention_heads.tsv`: per layer, head and filter, Pearson's r between the head's
//!   attention and the filter's activation over every position, and the mean attention
//!   where the filter fires against the mean overall (which head reads which motif);
//! - `syntax.tsv`: spacing histograms of ordered pairs of passing filters, from the
//!   instances at `--syntax-attention` (0.5) in the positive sequences (every sequence when
//!   the data have no labels): each sequence's first a-hit and the next b-hit give
//!   pos_b − pos_a − W.

use super::{Context, add_file};
use crate::Result;
use crate::output::OutputSet;
use explainn_interpret::annotate::UnitAnnotation;
use explainn_motif::Motif;
use explainn_nn::Predictor;
use explainn_ops::argminn::{
    HeadStats, Instance, MotifQc, QcResult, activation_stats, call_instances, qc, scan, spacings,
};
use explainn_seq::Dataset;
use std::io::Write;

/// Queue ARGMINN's read-out files in `outputs`; returns their summary.
pub(super) fn readout(
    cx: &Context,
    p: &Predictor,
    sel: &Dataset,
    motifs: &[Motif],
    ann: &[UnitAnnotation],
    outputs: &mut OutputSet,
) -> Result<serde_json::Value> {
    let out = cx.out;
    let opts = MotifQc::default();
    let checked: Vec<_> = motifs.iter().map(|m| qc(m, &opts)).collect();
    let passing: Vec<usize> = (0..checked.len()).filter(|&f| checked[f].passes).collect();

    add_file(outputs, &out.join("motifs_qc.tsv"), |f| {
        writeln!(f, "filter\tlabel\tnsites\ttrimmed_width\tmean_ic\tpasses")?;
        for (u, r) in checked.iter().enumerate() {
            let width = r.trimmed.as_ref().map_or(0, |t| t.width());
            writeln!(
                f,
                "unit{u}\t{}\t{}\t{width}\t{:.4}\t{}",
                ann[u].label, ann[u].nsites, r.mean_ic, r.passes
            )?;
        }
        Ok(())
    })?;
    let kept: Vec<Motif> = passing
        .iter()
        .map(|&u| {
            let mut m = checked[u]
                .trimmed
                .clone()
                .expect("a passing motif is trimmed");
            m.alt_name = Some(ann[u].label.clone());
            m
        })
        .collect();
    add_file(outputs, &out.join("motifs.meme"), |f| {
        explainn_interpret::pwm::write_meme(f, &kept)
    })?;

    let s = scan(p.model(), &sel.codes, cx.req.batch_size)?;
    let (mean, std) = activation_stats(&s);
    let instances = call_instances(&s, &passing, cx.req.instance_attention, &mean, &std);
    add_file(outputs, &out.join("instances.tsv"), |f| {
        write_instances(f, &instances, sel, s.width, ann)
    })?;
    add_file(outputs, &out.join("attention_heads.tsv"), |f| {
        write_heads(f, &s.heads, &checked, ann)
    })?;
    add_file(outputs, &out.join("instances.bed"), |f| {
        write_bed(f, &instances, sel, s.width, ann)
    })?;

    // Syntax: the positives only (labelled data), at the lower attention threshold.
    let c = sel.class_names.len().max(1);
    let positive = |i: usize| {
        sel.labels.is_empty() || sel.labels[i * c..(i + 1) * c].iter().any(|&y| y >= 0.5)
    };
    let loose = call_instances(&s, &passing, cx.req.syntax_attention, &mean, &std);
    let loose: Vec<Instance> = loose.into_iter().filter(|h| positive(h.sequence)).collect();
    let hist = spacings(&loose, s.width);
    add_file(outputs, &out.join("syntax.tsv"), |f| {
        writeln!(
            f,
            "filter_a\tlabel_a\tfilter_b\tlabel_b\tspacing\tsequences"
        )?;
        for ((a, b), counts) in &hist {
            for (gap, n) in counts {
                writeln!(
                    f,
                    "unit{a}\t{}\tunit{b}\t{}\t{gap}\t{n}",
                    ann[*a].label, ann[*b].label
                )?;
            }
        }
        Ok(())
    })?;
    let modes: Vec<serde_json::Value> = hist
        .iter()
        .map(|((a, b), counts)| {
            let (gap, n) = counts
                .iter()
                .max_by(|x, y| x.1.cmp(y.1).then(y.0.cmp(x.0)))
                .expect("a pair has a spacing");
            serde_json::json!({"a": format!("unit{a}"), "b": format!("unit{b}"),
                "modal_spacing": gap, "sequences": n,
                "pair_sequences": counts.values().sum::<usize>()})
        })
        .collect();
    // f32 thresholds as their shortest decimal (0.9, not 0.8999999761581421).
    let decimal = |v: f32| v.to_string().parse::<f64>().unwrap_or(v as f64);
    Ok(serde_json::json!({
        "passing_filters": passing.iter().map(|u| format!("unit{u}")).collect::<Vec<_>>(),
        "instance_attention": decimal(cx.req.instance_attention),
        "instances": instances.len(),
        "syntax_attention": decimal(cx.req.syntax_attention),
        "syntax_instances": loose.len(),
        "spacing_modes": modes,
    }))
}

/// Per layer, head and filter: Pearson's r between attention and activation, the mean
/// attention where the filter fires and overall (`NA` where undefined).
fn write_heads(
    w: &mut impl Write,
    h: &HeadStats,
    checked: &[QcResult],
    ann: &[UnitAnnotation],
) -> std::io::Result<()> {
    writeln!(
        w,
        "layer\thead\tfilter\tlabel\tpasses\tpearson_r\tmean_attention_active\tmean_attention"
    )?;
    let num = |v: f64| match v.is_nan() {
        true => "NA".to_string(),
        false => format!("{v:.4e}"),
    };
    for layer in 0..h.layers {
        for head in 0..h.heads {
            for u in 0..h.filters {
                let (r, on, all) = h.relation(layer, head, u);
                writeln!(
                    w,
                    "{}\t{}\tunit{u}\t{}\t{}\t{}\t{}\t{}",
                    layer + 1,
                    head + 1,
                    ann[u].label,
                    checked[u].passes,
                    num(r),
                    num(on),
                    num(all)
                )?;
            }
        }
    }
    Ok(())
}

fn write_instances(
    w: &mut impl Write,
    instances: &[Instance],
    sel: &Dataset,
    width: usize,
    ann: &[UnitAnnotation],
) -> std::io::Result<()> {
    writeln!(
        w,
        "sequence\tstart\tend\tfilter\tlabel\tattention\tactivation\tz"
    )?;
    for h in instances {
        writeln!(
            w,
            "{}\t{}\t{}\tunit{}\t{}\t{:.4}\t{:.4}\t{:.3}",
            sel.ids[h.sequence],
            h.position,
            h.position + width,
            h.filter,
            ann[h.filter].label,
            h.attention,
            h.activation,
            h.z
        )?;
    }
    Ok(())
}

/// BED6: the sequence as the chromosome, 0-based start, end, `unitN:label`, the attention
/// ×1000 as the score, no strand (the scanner reads the forward strand; a filter may hold
/// either orientation of its motif).
fn write_bed(
    w: &mut impl Write,
    instances: &[Instance],
    sel: &Dataset,
    width: usize,
    ann: &[UnitAnnotation],
) -> std::io::Result<()> {
    for h in instances {
        writeln!(
            w,
            "{}\t{}\t{}\tunit{}:{}\t{}\t.",
            sel.ids[h.sequence],
            h.position,
            h.position + width,
            h.filter,
            ann[h.filter].label.replace(char::is_whitespace, "_"),
            (h.attention * 1000.0).round().min(1000.0) as u32
        )?;
    }
    Ok(())
}
