//! The report pipeline: `report.html` of a run, from its typed `config.json` and
//! `losses.tsv` (read here) and the interpretation's files (read by
//! `explainn_interpret::report`).

use crate::{Result, RunConfig, RunDir, RunError};
use explainn_interpret::report::{ExperimentPanel, ReportInputs, build_report};
use explainn_nn::ModelConfig;
use explainn_ops::attribute::{AttributeOptions, Attributor, Method, References, default_method};
use std::path::{Path, PathBuf};

/// Where the report's inputs are. Defaults: `RUN/interpret`, `RUN/test/metrics.tsv` when it
/// exists, 10 units in the box plots.
#[derive(Debug, Clone)]
pub struct ReportRequest {
    pub run: RunDir,
    pub interpret_dir: Option<PathBuf>,
    pub metrics: Option<PathBuf>,
    pub top_units: usize,
    /// Attribution logos of the `attribution_top` best-predicted sequences of each class
    /// (default 1; 0 = no such section), or of the sequences named in `attribution_ids`,
    /// from `attribution_sequences` (default: the test set recorded in RUN/test).
    pub attribution_top: usize,
    pub attribution_ids: Vec<String>,
    pub attribution_sequences: Option<PathBuf>,
    /// Centre-crop or N-pad attribution sequences of another length (the shared input
    /// rule of predict, explain and interpret).
    pub fit_length: bool,
    pub batch_size: usize,
    pub device: explainn_nn::Device,
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
    let training = match &c.simulated {
        Some(s) => format!(
            "a fresh set simulated from the grammar {} each epoch ({} sequences)",
            s.grammar, s.sequences_per_epoch
        ),
        None => format!(
            "{} ({} sequences)",
            run.resolve(&c.train).display(),
            c.train_sequences
        ),
    };
    kv.push((
        "Training data".into(),
        format!(
            "{training}; validation {} ({} sequences)",
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
    if !run.model().exists() {
        return Err(RunError::Data(format!(
            "{} is not a run directory (no {}): give the directory that `explainn train` wrote",
            run.root().display(),
            run.model()
                .file_name()
                .map_or(String::new(), |n| n.to_string_lossy().into_owned())
        )));
    }
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
        let mut header = String::new();
        std::io::BufRead::read_line(
            &mut std::io::BufReader::new(
                std::fs::File::open(m)
                    .map_err(|e| crate::file_error(m, format!("cannot read: {e}")))?,
            ),
            &mut header,
        )
        .map_err(|e| crate::file_error(m, format!("cannot read: {e}")))?;
        let header = header.trim_end_matches(['\n', '\r']);
        if header != crate::metrics::HEADER {
            return Err(crate::file_error(
                m,
                format!(
                    "is not a metrics table of `explainn test` (its header is `{}`; expected `{}`)",
                    header.replace('\t', ", "),
                    crate::metrics::HEADER.replace('\t', ", ")
                ),
            ));
        }
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
        let config = run.read_config()?;
        inp.class_names = config.class_names.clone();
        inp.run_summary = summary(run, &config);
        inp.kept_epoch = Some(config.best_epoch);
    }
    if run.losses().exists() {
        inp.losses = crate::losses::read(&run.losses())?
            .iter()
            .map(|e| (e.epoch as f64, e.train_loss, e.validation_loss))
            .collect();
    }
    inp.attributions = attribution_panels(req, &inp.interpret_dir)?;
    (inp.experiments, inp.skipped_experiments) = experiment_panels(run.root(), &model)?;
    Ok(build_report(&inp)?)
}

/// The `explainn gia` results in the run's subdirectories (those whose `summary.json`
/// names an experiment), by directory name; results made for another model are left out
/// and named.
fn experiment_panels(root: &Path, model: &Path) -> Result<(Vec<ExperimentPanel>, Vec<String>)> {
    let mut dirs: Vec<PathBuf> = std::fs::read_dir(root)
        .map_err(|e| crate::file_error(root, e))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.is_dir())
        .collect();
    dirs.sort();
    let (mut panels, mut skipped) = (Vec::new(), Vec::new());
    let this = crate::model_checksum(model)?;
    for dir in dirs {
        let Ok(text) = std::fs::read_to_string(dir.join("summary.json")) else {
            continue;
        };
        let Ok(json) = serde_json::from_str::<serde_json::Value>(&text) else {
            continue;
        };
        let Some(kind) = json["experiment"].as_str() else {
            continue;
        };
        if json["model_sha256"].as_str() != Some(this.as_str()) {
            skipped.push(format!(
                "{} (made for another model; run explainn gia again)",
                dir.display()
            ));
            continue;
        }
        let patterns: Vec<&str> = json["patterns"]
            .as_array()
            .map(|a| a.iter().filter_map(|p| p.as_str()).collect())
            .unwrap_or_default();
        let at = json["position"]
            .as_u64()
            .map(|p| format!(" at {p}"))
            .unwrap_or_default();
        let background = json["background"].as_str().unwrap_or("");
        let n = json["n"].as_u64().unwrap_or(0);
        let title = match kind {
            "pair" => format!(
                "{} and {} by distance, in {n} backgrounds ({background})",
                patterns.first().unwrap_or(&""),
                patterns.get(1).unwrap_or(&"")
            ),
            "ablate" => format!(
                "ablate {} in {n} of {background} with a match",
                patterns.join(", ")
            ),
            _ => format!(
                "insert {}{at} into {n} backgrounds ({background})",
                patterns.join(", ")
            ),
        };
        let file = |name: &str| Some(dir.join(name)).filter(|p| p.exists());
        let chart = match file("pair.svg") {
            Some(p) => Some(std::fs::read_to_string(&p).map_err(|e| crate::file_error(&p, e))?),
            None => None,
        };
        panels.push(ExperimentPanel {
            title: format!(
                "{}: {title}",
                dir.file_name().unwrap_or_default().to_string_lossy()
            ),
            effects: file(&format!("{kind}.tsv")).filter(|_| kind != "pair"),
            units: file(&format!("{kind}_units.tsv")),
            chart,
        });
    }
    Ok((panels, skipped))
}

/// The report's attribution logos: DeepLIFT-SHAP (20 seeded shuffles) for ExplaiNN,
/// integrated gradients (zero reference) otherwise, strand-averaged as predictions, of the
/// chosen sequences for their class; ExplaiNN units that are annotated and whose activation
/// reaches half of their maximum (the interpretation's threshold) are marked, on the strand
/// they read.
fn attribution_panels(req: &ReportRequest, interpret_dir: &Path) -> Result<Vec<(String, String)>> {
    if req.attribution_top == 0 && req.attribution_ids.is_empty() {
        return Ok(Vec::new());
    }
    let run = &req.run;
    let seqs = match &req.attribution_sequences {
        Some(p) => p.clone(),
        None => {
            let summary = run.test_dir().join("summary.json");
            let Ok(text) = std::fs::read_to_string(&summary) else {
                return Ok(Vec::new()); // no test set recorded: no section
            };
            let json: serde_json::Value = serde_json::from_str(&text)
                .map_err(|e| crate::file_error(&summary, format!("is not JSON: {e}")))?;
            match json["test"].as_str() {
                Some(t) => run.resolve(Path::new(t)),
                None => return Ok(Vec::new()),
            }
        }
    };
    let device = req.device.clone();
    let mf = explainn_nn::checkpoint::load(&run.model(), &device)?;
    let meta = mf.metadata.clone();
    let classes = meta.class_names.clone();
    let cn = classes.len();
    let l = mf.model.input_length();
    let both = crate::policy::both_strands(&meta, false);
    let (mut ids, mut codes) = (Vec::new(), Vec::new());
    for r in crate::input::open_sequences(&seqs, None, l, req.fit_length)? {
        let (id, seq) = r?;
        ids.push(id);
        codes.extend(explainn_seq::encode::to_codes(&seq));
    }
    let p = explainn_nn::Predictor::new(mf.model.clone(), device.clone(), req.batch_size);
    let logits = crate::policy::logits(&p, &codes, both)?;
    // (sequence index, class)
    let mut chosen: Vec<(usize, usize)> = Vec::new();
    if req.attribution_ids.is_empty() {
        for c in 0..cn {
            let mut order: Vec<usize> = (0..ids.len()).collect();
            order.sort_by(|&a, &b| logits[b * cn + c].total_cmp(&logits[a * cn + c]));
            chosen.extend(order.into_iter().take(req.attribution_top).map(|s| (s, c)));
        }
    } else {
        for want in &req.attribution_ids {
            let s = ids.iter().position(|i| i == want).ok_or_else(|| {
                crate::file_error(
                    &seqs,
                    format!("has no sequence `{want}` (--attribution-ids)"),
                )
            })?;
            let c = (0..cn)
                .max_by(|&a, &b| logits[s * cn + a].total_cmp(&logits[s * cn + b]))
                .expect("a class");
            chosen.push((s, c));
        }
    }
    // Unit instances (ExplaiNN): annotated units, activation ≥ ½ of the recorded maximum.
    let marks_of = |s: usize| -> Result<Vec<explainn_motif::logo::LogoMark>> {
        let Some(m) = mf.model.explainn() else {
            return Ok(Vec::new());
        };
        let ann =
            explainn_interpret::tables::TsvTable::read(&interpret_dir.join("annotation.tsv"))?;
        let (Some(lc), Some(mc)) = (ann.column("label"), ann.column("max_activation")) else {
            return Ok(Vec::new());
        };
        let f = m.config().filter_size;
        let u_n = m.config().units;
        let lp = l + 1 - f;
        let seq = &codes[s * l..(s + 1) * l];
        let mut found = Vec::new();
        for rc in [false, true].into_iter().take(if both { 2 } else { 1 }) {
            let a = p.units(seq, rc, true)?.activations.unwrap_or_default();
            for row in &ann.rows {
                let (Some(u), Some(label), Some(max)) = (
                    explainn_interpret::tables::unit_index(&row[0]),
                    row.get(lc),
                    row.get(mc).and_then(|v| v.parse::<f32>().ok()),
                ) else {
                    continue;
                };
                if u >= u_n || label.starts_with("unit ") || label.is_empty() {
                    continue;
                }
                let act = &a[u * lp..(u + 1) * lp];
                let (best, at) =
                    act.iter()
                        .enumerate()
                        .fold(
                            (f32::NEG_INFINITY, 0),
                            |b, (i, &v)| if v > b.0 { (v, i) } else { b },
                        );
                if best >= 0.5 * max && max > 0.0 {
                    let start = if rc { l - at - f } else { at };
                    let strand = if rc { "−" } else { "+" };
                    found.push((best / max, start, format!("u{u} {label} ({strand})")));
                }
            }
        }
        found.sort_by(|a, b| b.0.total_cmp(&a.0));
        found.truncate(12);
        found.sort_by_key(|m| m.1);
        Ok(found
            .into_iter()
            .map(|(_, start, label)| explainn_motif::logo::LogoMark {
                start,
                end: start + f,
                label,
            })
            .collect())
    };
    // The engine and defaults of `explainn attribute` for this model: the logos equal
    // `explainn attribute --seed 1714` of the same sequences (the references of sequence s
    // are drawn from seed + s).
    let method = default_method(&mf.model);
    let opts = AttributeOptions {
        method,
        both_strands: both,
        batch_size: req.batch_size,
        device: device.clone(),
        ..Default::default()
    };
    let attributor = match Attributor::new(mf.model.clone(), opts) {
        Ok(a) => a,
        // A model without input gradients (pretrained units) gets no attribution section.
        Err(_) => return Ok(Vec::new()),
    };
    let method = match (method, attributor.references()) {
        (Method::DeepLiftShap, Some(References::Shuffle(n))) => {
            format!("DeepLIFT-SHAP, {n} shuffles")
        }
        (Method::IntegratedGradients, Some(References::Zeros)) => {
            "integrated gradients, zero reference".to_string()
        }
        (m, r) => format!(
            "{}{}",
            m.name(),
            r.map_or(String::new(), |r| format!(", {r}"))
        ),
    };
    let mut panels = Vec::new();
    for &(s, c) in &chosen {
        let seq = &codes[s * l..(s + 1) * l];
        let attr = attributor
            .attribute(seq, s, c)?
            .pop()
            .expect("one sequence")
            .attributions;
        let values: Vec<[f64; 4]> = (0..l)
            .map(|j| std::array::from_fn(|ch| attr[ch * l + j] as f64))
            .collect();
        let caption = format!(
            "{} — {} (logit {:.2}; {method}{})",
            ids[s],
            classes[c],
            logits[s * cn + c],
            if both { ", strand-averaged" } else { "" }
        );
        let svg =
            explainn_motif::logo::attribution_logo_svg(&values, &marks_of(s)?, 4.0, 80.0, &caption);
        panels.push((caption, svg));
    }
    Ok(panels)
}
