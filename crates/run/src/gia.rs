//! Global importance analysis (`explainn gia`, Koo et al. 2021): the effect of a pattern
//! on the model averaged over background sequences, where the rest of the sequence is
//! marginalised out.
//!
//! - **insert**: a pattern (an A/C/G/T consensus, or a motif sampled base by base from its
//!   PFM) placed in each background at a fixed position: Δ logit per class (mean and sd
//!   over the backgrounds) and, for models that sum per-unit terms (ExplaiNN), Δ of each
//!   unit's contribution W[c, u]·o_u — which unit, which motif, carries the effect;
//! - **pair**: patterns A and B with a gap of d bases between them, for each d: the
//!   residual Δ_AB − Δ_A − Δ_B (what the pair adds beyond the sum of its parts; zero for an
//!   additive model on the logit scale, the ExplaiNN paper's Fig. 2 cooperativity on
//!   DeepSTARR), with a line chart.
//!
//! Backgrounds: dinucleotide shuffles of given sequences (cycled to `n`), or random
//! sequences at a stated GC fraction; seeded. Logits are strand-averaged under the shared
//! rule ([`crate::policy`]).
//!
//! - **ablate**: in given sequences, every window where a pattern matches (FIMO p ≤ a
//!   threshold) dinucleotide-shuffled in place: Δ per class and per unit over the sequences
//!   with a match (tangermeme's `ablate`).
//!
//! Outputs (a directory replaced whole): `insert.tsv` and `insert_units.tsv`, `pair.tsv`
//! and `pair.svg`, or `ablate.tsv` and `ablate_units.tsv`; `summary.json`.

use crate::output::{AtomicFile, OutputDir};
use crate::{Result, RunError, file_error};
use explainn_nn::ModelFile;
pub use explainn_ops::gia::{Effect, Pattern};
use explainn_ops::gia::{Gia, GiaOptions, PairScores, Scores, effect};
use std::io::Write;
use std::path::{Path, PathBuf};

/// `spec` as a consensus (letters A, C, G, T in either case), or as a motif file
/// (`FILE` for its only or first motif, `FILE:ID` for the motif of that ID or name).
pub fn parse_pattern(spec: &str) -> Result<Pattern> {
    if !spec.is_empty() && spec.bytes().all(|b| b"ACGTacgt".contains(&b)) {
        return Ok(Pattern::consensus(&spec.to_ascii_uppercase(), spec)?);
    }
    let (path, id) = match spec.rsplit_once(':') {
        Some((p, id)) if !Path::new(spec).exists() => (p, Some(id)),
        _ => (spec, None),
    };
    if !Path::new(path).exists() {
        let looks_like_file = path.contains('/') || path.contains('.');
        return Err(RunError::Data(if looks_like_file {
            format!("pattern `{spec}`: the motif file {path} does not exist")
        } else {
            format!(
                "pattern `{spec}` is neither an A/C/G/T consensus nor a motif file (FILE or FILE:ID)"
            )
        }));
    }
    let set = explainn_motif::io::read_motifs_file(path)
        .map_err(|e| RunError::Data(format!("pattern `{spec}`: {e}")))?;
    if id.is_none() && set.motifs.len() > 1 {
        let some: Vec<&str> = set.motifs.iter().take(3).map(|m| m.id.as_str()).collect();
        return Err(file_error(
            Path::new(path),
            format!(
                "holds {} motifs; name one as {path}:ID (e.g. {path}:{})",
                set.motifs.len(),
                some.join(&format!(", {path}:"))
            ),
        ));
    }
    let m = match id {
        None => set.motifs.first(),
        Some(id) => set
            .motifs
            .iter()
            .find(|m| m.id == id || m.alt_name.as_deref() == Some(id)),
    }
    .ok_or_else(|| {
        file_error(
            Path::new(path),
            match id {
                Some(id) => format!("has no motif with ID or name `{id}`"),
                None => "holds no motifs".to_string(),
            },
        )
    })?;
    let name = m.alt_name.clone().unwrap_or_else(|| m.id.clone());
    Ok(Pattern::Motif(name, m.probabilities()))
}

/// Where the backgrounds come from.
#[derive(Debug, Clone, PartialEq)]
pub enum Background {
    /// Dinucleotide shuffles of the sequences of this file (FASTA/FASTQ/TSV), cycled.
    Shuffles(PathBuf),
    /// Independent bases with this G+C fraction.
    Random { gc: f64 },
}

/// The experiment.
#[derive(Debug, Clone, PartialEq)]
pub enum Experiment {
    /// Place `pattern` starting at `position` (`None` = centred).
    Insert {
        pattern: Pattern,
        position: Option<usize>,
    },
    /// A, a gap of each distance, B; the pair centred.
    Pair {
        a: Pattern,
        b: Pattern,
        distances: Vec<usize>,
    },
    /// In each of `sequences` (used as they are), dinucleotide-shuffle every window where
    /// `pattern` matches with FIMO p ≤ `thresh` (uniform background, both strands), and
    /// compare the sequences with matches before and after.
    Ablate {
        pattern: Pattern,
        sequences: PathBuf,
        thresh: f64,
    },
}

/// The most gaps one `--distances` may list.
pub const MAX_DISTANCES: usize = 10_000;

/// Parse `FROM:TO:STEP` (inclusive) or a comma list into distances.
pub fn parse_distances(s: &str) -> std::result::Result<Vec<usize>, String> {
    let bad = || format!("--distances {s}: expected FROM:TO:STEP (e.g. 0:100:5) or a list 0,5,10");
    let v: Vec<usize> = if s.contains(':') {
        let p: Vec<usize> = s
            .split(':')
            .map(|x| x.trim().parse().map_err(|_| bad()))
            .collect::<std::result::Result<_, _>>()?;
        match p[..] {
            [from, to, step] if step > 0 && from <= to => {
                if (to - from) / step >= MAX_DISTANCES {
                    return Err(format!(
                        "--distances {s}: {} gaps; at most {MAX_DISTANCES} (a gap cannot exceed the model's input length anyway)",
                        ((to - from) / step).saturating_add(1)
                    ));
                }
                (from..=to).step_by(step).collect()
            }
            _ => return Err(bad()),
        }
    } else {
        s.split(',')
            .map(|x| x.trim().parse().map_err(|_| bad()))
            .collect::<std::result::Result<_, _>>()?
    };
    if v.is_empty() {
        return Err(bad());
    }
    Ok(v)
}

/// A GIA run.
#[derive(Debug, Clone)]
pub struct GiaRequest {
    /// Model path (run directory or model file), recorded in `summary.json` and used to find
    /// unit labels.
    pub model_path: PathBuf,
    pub background: Background,
    /// Number of background sequences (default 1,000).
    pub n: usize,
    pub seed: u64,
    pub experiment: Experiment,
    /// Unit labels from this `annotation.tsv` (default: the run's interpretation).
    pub annotation: Option<PathBuf>,
    pub forward_only: bool,
    /// Centre-crop or N-pad background sequences of another length.
    pub fit_length: bool,
    pub output: PathBuf,
    pub batch_size: usize,
    pub device: explainn_nn::Device,
}

/// What a GIA run found.
#[derive(Debug, Clone)]
pub struct GiaOutcome {
    pub classes: Vec<String>,
    /// Insert or ablate: Δ logit per class.
    pub effects: Vec<Effect>,
    /// Ablate: sequences with at least one match, and matches.
    pub ablated: Option<(usize, usize)>,
    /// Insert or ablate, models with units: per class the unit with the largest |mean Δ
    /// contribution|, as (label, effect).
    pub top_units: Vec<(String, Effect)>,
    /// Pair: (distance, residual per class).
    pub pair: Vec<(usize, Vec<Effect>)>,
    pub both_strands: bool,
}

/// Background sequences `(n, L)` as codes, drawn from `gia`'s stream.
fn backgrounds(req: &GiaRequest, gia: &mut Gia) -> Result<Vec<u8>> {
    match &req.background {
        Background::Random { gc } => Ok(gia.random_backgrounds(req.n, *gc)?),
        Background::Shuffles(path) => {
            let mut seqs = Vec::new();
            for r in crate::input::open_sequences(path, None, gia.length(), req.fit_length)? {
                seqs.push(explainn_seq::encode::to_codes(&r?.1));
            }
            if seqs.is_empty() {
                return Err(file_error(path, "holds no sequences"));
            }
            Ok(gia.shuffled_backgrounds(&seqs, req.n)?)
        }
    }
}

/// Write `STEM.tsv` (per class: n, mean logit before and after, Δ mean and sd) and, for
/// models with units, `STEM_units.tsv` (per class and unit: Δ contribution, largest |Δ|
/// first) for paired scores `before` and `after` of the same sequences; the effects and
/// each class's top unit go into `outcome`.
fn write_effects(
    out: &Path,
    stem: &str,
    classes: &[String],
    (before, after): (&Scores, &Scores),
    units: Option<(usize, &[String])>,
    outcome: &mut GiaOutcome,
) -> Result<()> {
    let cn = classes.len();
    let n = before.logits.len() / cn;
    let path = out.join(format!("{stem}.tsv"));
    let mut f = AtomicFile::create(&path)?;
    let mut rows = String::from("class\tn\tbefore_mean\tafter_mean\tdelta_mean\tdelta_sd\n");
    for (c, name) in classes.iter().enumerate() {
        let at = |v: &[f32], s: usize| v[s * cn + c] as f64;
        let d = effect((0..n).map(|s| at(&after.logits, s) - at(&before.logits, s)));
        let mean = |v: &[f32]| (0..n).map(|s| at(v, s)).sum::<f64>() / n.max(1) as f64;
        rows += &format!(
            "{name}\t{n}\t{}\t{}\t{}\t{}\n",
            mean(&before.logits),
            mean(&after.logits),
            d.mean,
            d.sd
        );
        outcome.effects.push(d);
    }
    f.write_all(rows.as_bytes())
        .map_err(|e| file_error(&path, e))?;
    f.commit()?;
    let (Some((u, labels)), Some(b), Some(i)) =
        (units, &before.contributions, &after.contributions)
    else {
        return Ok(());
    };
    let path = out.join(format!("{stem}_units.tsv"));
    let mut f = AtomicFile::create(&path)?;
    let mut rows = String::from("class\tunit\tlabel\tdelta_mean\tdelta_sd\n");
    for (c, name) in classes.iter().enumerate() {
        let mut per: Vec<(usize, Effect)> = (0..u)
            .map(|k| {
                let at = |s: usize| (s * cn + c) * u + k;
                (k, effect((0..n).map(|s| (i[at(s)] - b[at(s)]) as f64)))
            })
            .collect();
        per.sort_by(|x, y| {
            y.1.mean
                .abs()
                .total_cmp(&x.1.mean.abs())
                .then(x.0.cmp(&y.0))
        });
        for (k, e) in &per {
            rows += &format!("{name}\tunit{k}\t{}\t{}\t{}\n", labels[*k], e.mean, e.sd);
        }
        if let Some((k, e)) = per.first() {
            outcome.top_units.push((labels[*k].clone(), *e));
        }
    }
    f.write_all(rows.as_bytes())
        .map_err(|e| file_error(&path, e))?;
    f.commit()
}

/// Write `pair.tsv` (per gap and class: mean Δ_A, Δ_B, Δ_AB and the residual
/// Δ_AB − Δ_A − Δ_B) and `pair.svg` (the residual by gap) from the scores of the
/// backgrounds (`base`) and of each gap; the residuals go into `outcome`.
fn write_pairs(
    out: &Path,
    (a, b): (&Pattern, &Pattern),
    classes: &[String],
    base: &Scores,
    pairs: &[(usize, PairScores)],
    outcome: &mut GiaOutcome,
) -> Result<()> {
    let cn = classes.len();
    let n = base.logits.len() / cn;
    let path = out.join("pair.tsv");
    let mut f = AtomicFile::create(&path)?;
    let mut rows =
        String::from("distance\tclass\tdelta_a\tdelta_b\tdelta_ab\tresidual_mean\tresidual_sd\n");
    let mut series: Vec<(String, Vec<(f64, f64)>)> =
        classes.iter().map(|c| (c.clone(), Vec::new())).collect();
    for (d, s) in pairs {
        let mut res = Vec::with_capacity(cn);
        for (c, name) in classes.iter().enumerate() {
            let at = |v: &[f32], s: usize| (v[s * cn + c] - base.logits[s * cn + c]) as f64;
            let r = effect((0..n).map(|k| at(&s.ab, k) - at(&s.a, k) - at(&s.b, k)));
            let m = |v: &[f32]| (0..n).map(|k| at(v, k)).sum::<f64>() / n as f64;
            rows += &format!(
                "{d}\t{name}\t{}\t{}\t{}\t{}\t{}\n",
                m(&s.a),
                m(&s.b),
                m(&s.ab),
                r.mean,
                r.sd
            );
            series[c].1.push((*d as f64, r.mean));
            res.push(r);
        }
        outcome.pair.push((*d, res));
    }
    f.write_all(rows.as_bytes())
        .map_err(|e| file_error(&path, e))?;
    f.commit()?;
    let svg = explainn_report::plot::line_chart(
        &series,
        &explainn_report::plot::LineChartOptions {
            title: Some(format!(
                "{} – {}: Δ_AB − Δ_A − Δ_B by gap ({n} backgrounds)",
                a.name(),
                b.name()
            )),
            x_label: "gap between A and B (bp)".into(),
            y_label: "residual Δ logit".into(),
            ..Default::default()
        },
    );
    let path = out.join("pair.svg");
    let mut f = AtomicFile::create(&path)?;
    f.write_all(svg.as_bytes())
        .map_err(|e| file_error(&path, e))?;
    f.commit()
}

/// Run `req` on `model`.
pub fn gia_run(model: ModelFile, req: &GiaRequest) -> Result<GiaOutcome> {
    gia_run_with(model, req, &|_, _| {})
}

/// [`gia_run`] reporting progress: `progress(done, total)` in batches of sequences scored
/// (each condition of the experiment scores every background once).
pub fn gia_run_with(
    model: ModelFile,
    req: &GiaRequest,
    progress: &(dyn Fn(u64, u64) + Sync),
) -> Result<GiaOutcome> {
    let dir = OutputDir::create(
        &req.output,
        &["insert.tsv", "pair.tsv", "ablate.tsv"],
        "gia results",
    )?;
    if req.n == 0 {
        return Err(RunError::Data("--n must be at least 1".into()));
    }
    let meta = model.metadata.clone();
    let classes = meta.class_names.clone();
    let both = crate::policy::both_strands(&meta, req.forward_only);
    let l = model.model.input_length();
    let cn = classes.len();
    let (units, labels) =
        crate::labels::final_layer_units(&req.model_path, req.annotation.as_deref(), &model)?;
    let mut gia = Gia::new(
        model.model,
        GiaOptions {
            seed: req.seed,
            both_strands: both,
            batch_size: req.batch_size,
            device: req.device.clone(),
        },
    );
    // Patterns are checked before any work.
    match &req.experiment {
        Experiment::Insert { pattern, position } => {
            gia.insert_start(pattern, *position)?;
        }
        Experiment::Pair { a, b, distances } => gia.check_pair(a, b, distances)?,
        Experiment::Ablate { thresh, .. } if !(*thresh > 0.0 && *thresh <= 1.0) => {
            return Err(RunError::Data(format!(
                "--thresh {thresh}: expected a p-value in (0, 1]"
            )));
        }
        Experiment::Ablate { .. } => {}
    }
    let out = dir.path().to_path_buf();
    let mut outcome = GiaOutcome {
        classes: classes.clone(),
        effects: Vec::new(),
        ablated: None,
        top_units: Vec::new(),
        pair: Vec::new(),
        both_strands: both,
    };
    let unit_labels = units.map(|u| (u, labels.as_slice()));
    if let Experiment::Ablate {
        pattern,
        sequences,
        thresh,
    } = &req.experiment
    {
        let mut codes = Vec::new();
        let mut n = 0;
        for r in crate::input::open_sequences(sequences, None, l, req.fit_length)? {
            codes.extend(explainn_seq::encode::to_codes(&r?.1));
            n += 1;
        }
        if n == 0 {
            return Err(file_error(sequences, "holds no sequences"));
        }
        let ablation = gia.ablate(&codes, pattern, *thresh)?;
        let with = ablation.indices.len();
        outcome.ablated = Some((with, ablation.matches));
        if with == 0 {
            return Err(RunError::Data(format!(
                "{}: no match of {} with p ≤ {thresh} in {n} sequences: nothing to ablate (raise --thresh?)",
                sequences.display(),
                pattern.name(),
            )));
        }
        let scores = (
            gia.score(&ablation.before, true)?,
            gia.score(&ablation.after, true)?,
        );
        write_effects(
            &out,
            "ablate",
            &classes,
            (&scores.0, &scores.1),
            unit_labels,
            &mut outcome,
        )?;
    } else {
        // Backgrounds, the patterned copies and their per-class, per-unit scores (both
        // strands) of up to four conditions are held at once.
        let per_seq = l as u64 + 8 * (cn as u64) * (1 + units.unwrap_or(0) as u64);
        crate::budget::check_memory(
            &format!("--n {} background sequences of {l} bp", req.n),
            crate::budget::product(&[req.n, 4]).saturating_mul(per_seq),
        )?;
        let bg = backgrounds(req, &mut gia)?;
        let total = match &req.experiment {
            Experiment::Pair { distances, .. } => 1 + 3 * distances.len() as u64,
            _ => 2,
        } * req.n as u64;
        let mut done = 0;
        let mut step = |k: u64| {
            done += k * req.n as u64;
            progress(done, total);
        };
        let base = gia.score(&bg, true)?;
        step(1);
        match &req.experiment {
            Experiment::Insert { pattern, position } => {
                let ins = gia.insert(&bg, pattern, *position)?;
                step(1);
                write_effects(
                    &out,
                    "insert",
                    &classes,
                    (&base, &ins),
                    unit_labels,
                    &mut outcome,
                )?;
            }
            Experiment::Pair { a, b, distances } => {
                let mut pairs = Vec::with_capacity(distances.len());
                for &d in distances {
                    pairs.push((d, gia.pair(&bg, a, b, d)?));
                    step(3);
                }
                write_pairs(&out, (a, b), &classes, &base, &pairs, &mut outcome)?;
            }
            Experiment::Ablate { .. } => unreachable!("handled above"),
        }
    }
    let (kind, patterns, position) = match &req.experiment {
        Experiment::Insert { pattern, position } => (
            "insert",
            vec![pattern.name().to_string()],
            Some(position.unwrap_or((l - pattern.width()) / 2)),
        ),
        Experiment::Pair { a, b, .. } => (
            "pair",
            vec![a.name().to_string(), b.name().to_string()],
            None,
        ),
        Experiment::Ablate { pattern, .. } => ("ablate", vec![pattern.name().to_string()], None),
    };
    let summary = serde_json::json!({
        "model": std::path::absolute(&req.model_path).unwrap_or(req.model_path.clone()),
        "model_sha256": crate::model_checksum(&req.model_path)?,
        "experiment": kind,
        "patterns": patterns,
        "position": position,
        "background": match (&req.experiment, &req.background) {
            (Experiment::Ablate { sequences, .. }, _) => format!("the sequences of {}", sequences.display()),
            (_, Background::Shuffles(p)) => format!("dinucleotide shuffles of {}", p.display()),
            (_, Background::Random { gc }) => format!("random, GC {gc}"),
        },
        "n": outcome.ablated.map_or(req.n, |a| a.0),
        "matches": outcome.ablated.map(|a| a.1),
        "seed": req.seed,
        "both_strands": both,
        "scale": "logit",
    });
    crate::output::json_file(&out.join("summary.json"), &summary)?.commit()?;
    dir.commit()?;
    Ok(outcome)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn patterns_and_distances_parse_with_clear_errors() {
        assert_eq!(
            parse_pattern("gataa").unwrap(),
            Pattern::Consensus("GATAA".into(), vec![2, 0, 3, 0, 0])
        );
        let e = parse_pattern("GATA-1").unwrap_err().to_string();
        assert!(
            e.contains("neither an A/C/G/T consensus nor a motif file"),
            "{e}"
        );
        assert_eq!(parse_distances("0:10:5").unwrap(), vec![0, 5, 10]);
        assert_eq!(parse_distances("3,7").unwrap(), vec![3, 7]);
        assert!(parse_distances("10:0:5").is_err());
        assert!(parse_distances("0:10:0").is_err());
    }
}
