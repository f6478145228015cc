//! The interpretation pipeline (`explainn interpret`): select well-predicted sequences,
//! run the two streaming activation passes, build unit PWMs, name them with Tomtom, compute
//! importance, and write `RUN/interpret/` all together or not at all: `filters.meme`,
//! `tomtom.tsv`, `annotation.tsv`, `weights.tsv`, `importance.tsv` (the original's median
//! ranking), `ranking.tsv` and `families.tsv` ([`explainn_interpret::families`]: the
//! explained-contribution ranking, units grouped by matching PWMs),
//! `importance.long.tsv.gz`, `logos/`, `plots/` and `summary.json`. A model without units
//! (the baselines) gets first-layer filter visualisation instead: `filters.meme`,
//! `tomtom.tsv`, `annotation.tsv`, `logos/`, `summary.json`.

use crate::output::{AtomicFile, AtomicGzFile, OutputDir, OutputSet};
use crate::{Result, RunDir, RunError, file_error, input, policy};
use explainn_interpret::activations::{max_activations, scan};
use explainn_interpret::annotate::{UnitAnnotation, annotate, default_options};
use explainn_interpret::filters::scan_filters;
use explainn_interpret::importance::importance;
use explainn_interpret::select::{Selection, select, subsample};
use explainn_interpret::{plots, pwm, tables};
use explainn_motif::Motif;
use explainn_motif::jaspar::JasparMetadata;
use explainn_motif::logo::{LogoOptions, logo_svg};
use explainn_motif::tomtom::{TomtomHit, write_tomtom_text};
use explainn_nn::{Device, Loss, ModelFile, Predictor, checkpoint};
use explainn_seq::Dataset;
use std::io::Write;
use std::path::{Path, PathBuf};

mod argminn;
mod pretrained;

/// What to interpret and how. [`InterpretRequest::new`] gives the defaults: the training
/// file recorded in the run, the selection rule of the model's loss, at most every
/// sequence, seed 1714, bundled JASPAR 2024, q ≤ 0.05, both strands for RC-trained models,
/// batch 100, output `RUN/interpret`.
#[derive(Debug, Clone)]
pub struct InterpretRequest {
    /// A run directory or a `model.safetensors` file.
    pub model: PathBuf,
    /// Sequences: labelled TSV, FASTA/FASTQ, or BED with `genome`.
    pub data: Option<PathBuf>,
    pub genome: Option<PathBuf>,
    /// Centre-crop or N-pad sequences of another length.
    pub fit_length: bool,
    pub output: Option<PathBuf>,
    /// The selection rule (`None`: exact match for bce/ce, correlation 0.75 otherwise;
    /// every sequence when the data are unlabelled).
    pub selection: Option<Selection>,
    pub max_sequences: Option<usize>,
    pub seed: u64,
    /// Target motifs (default: the bundled JASPAR 2024 CORE vertebrates).
    pub motifs: Option<PathBuf>,
    pub q_threshold: f64,
    pub forward_only: bool,
    /// Test metrics to plot (default `RUN/test/metrics.tsv` when present).
    pub metrics: Option<PathBuf>,
    pub batch_size: usize,
    /// ARGMINN: the attention above which instances are called (0.9), and the one of the
    /// syntax read-out (0.5).
    pub instance_attention: f32,
    pub syntax_attention: f32,
}

impl InterpretRequest {
    /// The defaults for `model`.
    pub fn new(model: impl Into<PathBuf>) -> Self {
        Self {
            model: model.into(),
            data: None,
            genome: None,
            fit_length: false,
            output: None,
            selection: None,
            max_sequences: None,
            seed: explainn_ops::defaults::SEED,
            motifs: None,
            q_threshold: 0.05,
            forward_only: false,
            metrics: None,
            batch_size: 100,
            instance_attention: explainn_ops::argminn::INSTANCE_ATTENTION,
            syntax_attention: explainn_ops::argminn::SYNTAX_ATTENTION,
        }
    }
}

/// Progress of an interpretation, for display.
#[derive(Debug, Clone)]
pub enum InterpretProgress {
    /// A message for the user (selection made, no labels, filter visualisation…).
    Note(String),
    /// Pass `pass` (1 or 2) has seen `done` of `total` sequences.
    Pass {
        pass: usize,
        done: usize,
        total: usize,
    },
}

/// What an interpretation produced.
#[derive(Debug, Clone)]
pub struct InterpretOutcome {
    /// The output directory.
    pub output: PathBuf,
    /// Annotated units (or filters) and their number.
    pub annotated: usize,
    pub total: usize,
    /// `units` or `filters`.
    pub what: &'static str,
    /// A table of the ten most important units (or best-annotated filters), tab-separated,
    /// header first.
    pub top: Vec<String>,
}

/// The data file: given, or the training file recorded in the run's `config.json`.
fn data_path(req: &InterpretRequest) -> Result<PathBuf> {
    if let Some(d) = &req.data {
        return Ok(d.clone());
    }
    let run = RunDir::new(&req.model);
    let cfg = run.read_config().map_err(|e| {
        RunError::Data(format!(
            "no DATA given, so the training file is taken from the run's config.json: {e}"
        ))
    })?;
    let path = run.resolve(&cfg.train);
    if !path.exists() {
        return Err(RunError::Data(format!(
            "{} names the training file {}, which is not found (relative to {} or the working \
             directory); give DATA",
            run.config().display(),
            cfg.train.display(),
            req.model.display()
        )));
    }
    Ok(path)
}

/// Labelled TSV, or unlabelled FASTA/FASTQ or BED + genome, at the model's length.
fn read_data(req: &InterpretRequest, path: &Path, length: usize) -> Result<(Dataset, bool)> {
    let fmt = explainn_seq::records::detect_format(path)?;
    if req.genome.is_none() && fmt == explainn_seq::records::Format::Tsv {
        let d = explainn_seq::read_tsv(path, req.fit_length.then_some(length))?;
        if d.length != length && !d.is_empty() {
            return Err(RunError::Data(format!(
                "{}: sequences have length {}, but the model expects {length} (use \
                 --fit-length to centre-crop or N-pad)",
                path.display(),
                d.length
            )));
        }
        return Ok((d, true));
    }
    let mut d = Dataset::new(length, vec![]);
    for r in input::open_sequences(path, req.genome.as_deref(), length, req.fit_length)? {
        let (id, seq) = r?;
        d.push(id, &seq, &[]);
    }
    Ok((d, false))
}

fn io_error(path: &Path) -> impl Fn(std::io::Error) -> RunError + '_ {
    move |e| file_error(path, e)
}

/// Interpret a model (see the module documentation); `progress` receives notes and pass
/// progress. Every output is written atomically, all together, once everything is computed.
pub fn interpret_run(
    req: &InterpretRequest,
    device: &Device,
    progress: &mut dyn FnMut(InterpretProgress),
) -> Result<InterpretOutcome> {
    let mf: ModelFile = checkpoint::load(&req.model, device)
        .map_err(|e| RunError::Data(format!("cannot load model {}: {e}", req.model.display())))?;
    let run_dir = if req.model.is_dir() {
        req.model.clone()
    } else {
        req.model
            .parent()
            .map(Path::to_path_buf)
            .unwrap_or_default()
    };
    let out = req
        .output
        .clone()
        .unwrap_or_else(|| run_dir.join("interpret"));
    // The output directory is checked (new, empty or an earlier interpretation) and a
    // hidden sibling made before any work; the results replace the old directory whole.
    let dir = OutputDir::create(
        &out,
        &["summary.json", "annotation.tsv"],
        "an interpretation",
    )?;
    let mut done = interpret_into(req, device, progress, mf, &run_dir, dir.path())?;
    dir.commit()?;
    done.output = out;
    Ok(done)
}

/// [`interpret_run`] once the model is loaded and the output directory exists.
fn interpret_into(
    req: &InterpretRequest,
    device: &Device,
    progress: &mut dyn FnMut(InterpretProgress),
    mf: ModelFile,
    run_dir: &Path,
    out: &Path,
) -> Result<InterpretOutcome> {
    let (length, c) = (mf.model.input_length(), mf.model.classes());
    let meta = mf.metadata.clone();
    let out = out.to_path_buf();
    let data_file = data_path(req)?;
    let (mut data, labelled) = read_data(req, &data_file, length)?;
    if data.is_empty() {
        return Err(RunError::Data(format!(
            "{} holds no sequences",
            data_file.display()
        )));
    }
    if labelled && data.n_classes() != c {
        return Err(RunError::Data(format!(
            "interpreted data has {} label column(s), but the model has {c} output(s)",
            data.n_classes()
        )));
    }
    if labelled {
        policy::match_classes(&mut data, &data_file, &meta.class_names, "interpreted")?;
    }
    let both = policy::both_strands(&meta, req.forward_only);
    check_attention_thresholds(req, mf.model.argminn().is_some())?;
    let p = Predictor::new(mf.model, device.clone(), req.batch_size);

    // Selection of well-predicted sequences.
    let loss = policy::output_loss(&meta, &data.labels);
    let rule = match req.selection {
        _ if !labelled => Selection::All,
        Some(r) => r,
        None => Selection::default_for(matches!(loss, Loss::Bce | Loss::Ce)),
    };
    if !labelled && req.selection != Some(Selection::All) {
        progress(InterpretProgress::Note(format!(
            "{} has no labels: interpreting every sequence",
            data_file.display()
        )));
    }
    let mut idx = if rule == Selection::All {
        (0..data.len()).collect()
    } else {
        let pred = policy::predictions(&p, &data.codes, both, loss)?;
        select(&pred, &data.labels, c, rule)?
    };
    if let Some(m) = req.max_sequences {
        idx = subsample(idx, m, req.seed);
    }
    if idx.is_empty() {
        return Err(RunError::Data(format!(
            "no sequence passes the selection ({rule}); try --all or another rule"
        )));
    }
    progress(InterpretProgress::Note(format!(
        "interpreting {} of {} sequences (selection: {rule}; {})",
        idx.len(),
        data.len(),
        if both {
            "both strands"
        } else {
            "forward strand"
        }
    )));
    let sel = data.subset(&idx);
    let context = Context {
        req,
        both,
        out: &out,
        rule,
        total: data.len(),
        data_file: &data_file,
    };
    if p.model().stack().is_some() {
        return pretrained::model_units(&context, &p, &sel, &meta.class_names, progress);
    }
    let Some(explainn) = p.model().explainn() else {
        return filter_visualisation(&context, &p, &sel, progress);
    };
    let units = explainn.config().units;

    // Two streaming passes.
    let n = sel.len();
    let max = max_activations(&p, &sel.codes, both, req.batch_size, &mut |done| {
        progress(InterpretProgress::Pass {
            pass: 1,
            done,
            total: n,
        })
    })?;
    let sc = scan(&p, &sel.codes, max, both, req.batch_size, &mut |done| {
        progress(InterpretProgress::Pass {
            pass: 2,
            done,
            total: n,
        })
    })?;

    // PWMs and annotation.
    let motifs = sc.sites.motifs();
    let (hits, mut ann, db_name) = annotate_motifs(req, &motifs, sc.sites.nsites(), progress)?;
    // Motif-initialised units carry their starting motif in every label (tables, heatmap,
    // report): `TAL1::TCF3-like (from TAL1::TCF3)`, `unit 0 (from GATA1 rc)`; units of a
    // merged ensemble their member (1-based): `GATA1-like [m2]`.
    for (a, origin) in ann.iter_mut().zip(&meta.units) {
        if let Some(id) = &origin.motif {
            let name = origin.motif_name.as_deref().unwrap_or(id);
            let rc = if origin.reverse_complement { " rc" } else { "" };
            a.label = format!("{} (from {name}{rc})", a.label);
        }
        if let Some(k) = origin.member {
            a.label = format!("{} [m{}]", a.label, k + 1);
        }
    }
    let (weights, _bias) = explainn.final_layer();
    let imp = importance(&sc, &weights, c);
    let classes = &meta.class_names;

    // Outputs.
    std::fs::create_dir_all(out.join("logos"))
        .and_then(|_| std::fs::create_dir_all(out.join("plots")))
        .map_err(io_error(&out))?;
    // Logos named by importance rank, so that a directory listing is ordered.
    let order = imp.order();
    let mut outputs = OutputSet::default();
    add_motif_outputs(
        &mut outputs,
        &out,
        &motifs,
        &hits,
        &ann,
        &sc.max_activation,
        &order,
    )?;
    add_unit_tables(&mut outputs, &out, &weights, &imp, classes, &ann)?;
    // The explained-contribution ranking and the families of units with matching PWMs.
    let pairs = n * if both { 2 } else { 1 };
    let ranking = explainn_interpret::families::rank(&sc, &weights, c, pairs);
    let (fams, assignment) = explainn_interpret::families::families(&motifs, &ann, &ranking)?;
    add_file(&mut outputs, &out.join("ranking.tsv"), |f| {
        explainn_interpret::families::write_ranking(f, &ranking, &imp, &assignment, classes, &ann)
    })?;
    add_file(&mut outputs, &out.join("families.tsv"), |f| {
        explainn_interpret::families::write_families(f, &fams, classes)
    })?;
    let initial = out.join("initial_motifs.tsv");
    if meta.units.iter().any(|o| o.motif.is_some()) {
        let mut f = AtomicFile::create(&initial)?;
        write_initial_motifs(&mut f, &meta.units, &motifs, &hits, &ann, req.q_threshold)
            .map_err(io_error(&initial))?;
        outputs.add(move || f.commit());
    }
    let ids: Vec<&str> = sel.ids.iter().map(String::as_str).collect();
    let path = out.join("importance.long.tsv.gz");
    let mut g = AtomicGzFile::create(&path)?;
    tables::write_importance_long(&mut g, &sc, &weights, classes, &ids).map_err(io_error(&path))?;
    outputs.add(move || g.commit());

    // Plots.
    let mut svg = |name: &str, content: String| -> Result<()> {
        let path = out.join("plots").join(name);
        let mut f = AtomicFile::create(&path)?;
        f.write_all(content.as_bytes()).map_err(io_error(&path))?;
        outputs.add(move || f.commit());
        Ok(())
    };
    let mut hm: Vec<usize> = order
        .iter()
        .copied()
        .filter(|&u| ann[u].best.is_some())
        .collect();
    if hm.is_empty() {
        hm = order.iter().copied().take(30).collect();
    }
    hm.truncate(60);
    let rows: Vec<String> = hm.iter().map(|&u| ann[u].display()).collect();
    let wr = &weights;
    let vals: Vec<f64> = hm
        .iter()
        .flat_map(|&u| (0..c).map(move |k| wr[k * units + u] as f64))
        .collect();
    svg(
        "weights_heatmap.svg",
        plots::weight_heatmap(&rows, classes, &vals),
    )?;
    let groups: Vec<(String, Vec<Vec<f64>>)> = order
        .iter()
        .take(10)
        .map(|&u| {
            let per = (0..c)
                .map(|k| explainn_interpret::importance::distribution(&sc, &weights, u, k))
                .collect();
            (ann[u].display(), per)
        })
        .collect();
    svg(
        "importance_boxplots.svg",
        plots::importance_boxplots(&groups, classes),
    )?;
    let run = RunDir::new(run_dir);
    if run.losses().exists() {
        let rows: Vec<_> = crate::losses::read(&run.losses())?
            .iter()
            .map(|e| (e.epoch as f64, e.train_loss, e.validation_loss))
            .collect();
        let kept = run
            .config()
            .exists()
            .then(|| run.read_config())
            .transpose()?;
        svg(
            "loss.svg",
            plots::loss_curve(&rows, kept.map(|c| c.best_epoch)),
        )?;
    }
    let metrics = req
        .metrics
        .clone()
        .or_else(|| Some(run.test_dir().join("metrics.tsv")).filter(|p| p.exists()));
    if let Some(m) = &metrics {
        if let Some(d) = m.parent() {
            crate::check_made_for(
                d,
                &req.model,
                "the test metrics",
                "run `explainn test` on this model again, or leave out --metrics",
            )?;
        }
        let t = tables::TsvTable::read(m)?;
        if let Some(col) = t.column("auroc").or(t.column("pearson")) {
            let per: Vec<usize> = (0..t.rows.len())
                .filter(|&r| t.rows[r][0] != "macro")
                .collect();
            let names: Vec<String> = per.iter().map(|&r| t.rows[r][0].clone()).collect();
            let v: Vec<f64> = per.iter().map(|&r| t.number(r, col)).collect();
            let label = if t.header[col] == "auroc" {
                "AUROC"
            } else {
                "Pearson"
            };
            svg("metrics.svg", plots::metric_bars(label, &names, &v))?;
        }
    }

    let annotated = ann.iter().filter(|x| x.best.is_some()).count();
    let summary = serde_json::json!({
        "model": req.model,
        "model_sha256": crate::model_checksum(&req.model)?,
        "data": data_file,
        "selection": rule.to_string(),
        "max_sequences": req.max_sequences,
        "seed": req.seed,
        "sequences_total": data.len(),
        "sequences_selected": sel.len(),
        "both_strands": both,
        "motif_database": db_name,
        "q_threshold": req.q_threshold,
        "metrics": metrics,
        "units_annotated": annotated,
        "units_without_sites": ann.iter().filter(|x| x.nsites == 0).count(),
    });
    add_summary(&mut outputs, &out, &summary)?;
    outputs.commit_all()?;

    let mut top = vec![format!(
        "rank\tunit\tlabel\tq_value\t{}",
        classes.join("\t")
    )];
    for (rank, &u) in order.iter().take(10).enumerate() {
        let mut row = format!(
            "{}\tunit{u}\t{}\t{}",
            rank + 1,
            ann[u].label,
            q_text(&ann[u])
        );
        for k in 0..c {
            row.push_str(&format!("\t{:.4}", imp.get(u, k)));
        }
        top.push(row);
    }
    Ok(InterpretOutcome {
        output: out,
        annotated,
        total: ann.len(),
        what: "units",
        top,
    })
}

/// What both paths share.
struct Context<'a> {
    req: &'a InterpretRequest,
    both: bool,
    out: &'a Path,
    rule: Selection,
    total: usize,
    data_file: &'a Path,
}

/// The attention thresholds are ARGMINN's, in [0, 1): refused for other models when
/// changed from their defaults.
fn check_attention_thresholds(req: &InterpretRequest, argminn: bool) -> Result<()> {
    let d = InterpretRequest::new("");
    for (flag, v, default) in [
        (
            "--instance-attention",
            req.instance_attention,
            d.instance_attention,
        ),
        (
            "--syntax-attention",
            req.syntax_attention,
            d.syntax_attention,
        ),
    ] {
        if !(0.0..1.0).contains(&v) {
            return Err(RunError::Data(format!(
                "{flag} {v}: give an attention in [0, 1)"
            )));
        }
        if !argminn && v != default {
            return Err(RunError::Data(format!(
                "{flag} applies to ARGMINN models (their attention); this model has none"
            )));
        }
    }
    Ok(())
}

fn q_text(a: &UnitAnnotation) -> String {
    a.best
        .as_ref()
        .map(|b| format!("{:.2e}", b.q_value))
        .unwrap_or("NA".into())
}

/// Interpretation of a model without units (the baselines): filter visualisation of the
/// first convolution (PWMs from the windows above half of each filter's maximum
/// activation), Tomtom annotation and logos (annotated filters first, by q-value).
fn filter_visualisation(
    cx: &Context,
    p: &Predictor,
    sel: &Dataset,
    progress: &mut dyn FnMut(InterpretProgress),
) -> Result<InterpretOutcome> {
    let (req, out) = (cx.req, cx.out);
    let arch = p.model().arch();
    progress(InterpretProgress::Note(format!(
        "{arch} has no units: visualising its {} first-layer filters (unit importance needs an \
         ExplaiNN model)",
        p.model().first_layer().shape[0]
    )));
    let n = sel.len();
    let scan = scan_filters(p, &sel.codes, cx.both, req.batch_size, &mut |pass, done| {
        progress(InterpretProgress::Pass {
            pass,
            done,
            total: n,
        })
    })?;
    let motifs = scan.sites.motifs();
    let (hits, ann, db_name) = annotate_motifs(req, &motifs, scan.sites.nsites(), progress)?;
    std::fs::create_dir_all(out.join("logos")).map_err(io_error(out))?;
    let mut order: Vec<usize> = (0..ann.len()).collect();
    let key = |u: usize| {
        (
            ann[u].best.as_ref().map_or(f64::INFINITY, |b| b.q_value),
            std::cmp::Reverse(ann[u].nsites),
        )
    };
    order.sort_by(|&x, &y| {
        let (kx, ky) = (key(x), key(y));
        kx.0.total_cmp(&ky.0).then(kx.1.cmp(&ky.1)).then(x.cmp(&y))
    });
    let mut outputs = OutputSet::default();
    add_motif_outputs(
        &mut outputs,
        out,
        &motifs,
        &hits,
        &ann,
        &scan.max_activation,
        &order,
    )?;
    let readout = match p.model().argminn() {
        Some(_) => Some(argminn::readout(cx, p, sel, &motifs, &ann, &mut outputs)?),
        None => None,
    };
    let annotated = ann.iter().filter(|x| x.best.is_some()).count();
    let mut summary = serde_json::json!({
        "model": req.model,
        "model_sha256": crate::model_checksum(&req.model)?,
        "arch": arch.name(),
        "analysis": "first-layer filter visualisation",
        "data": cx.data_file,
        "selection": cx.rule.to_string(),
        "max_sequences": req.max_sequences,
        "seed": req.seed,
        "sequences_total": cx.total,
        "sequences_selected": sel.len(),
        "both_strands": cx.both,
        "motif_database": db_name,
        "q_threshold": req.q_threshold,
        "filters": ann.len(),
        "filters_annotated": annotated,
        "filters_without_sites": ann.iter().filter(|x| x.nsites == 0).count(),
    });
    if let Some(r) = readout {
        summary["argminn"] = r;
    }
    add_summary(&mut outputs, out, &summary)?;
    outputs.commit_all()?;
    let mut top = vec!["rank\tfilter\tlabel\tq_value\tnsites".to_string()];
    for (rank, &u) in order.iter().take(10).enumerate() {
        top.push(format!(
            "{}\tunit{u}\t{}\t{}\t{}",
            rank + 1,
            ann[u].label,
            q_text(&ann[u]),
            ann[u].nsites
        ));
    }
    Ok(InterpretOutcome {
        output: out.to_path_buf(),
        annotated,
        total: ann.len(),
        what: "filters",
        top,
    })
}

/// `weights.tsv` and `importance.tsv` of `ann`'s units, registered in `outputs`.
fn add_unit_tables(
    outputs: &mut OutputSet,
    out: &Path,
    weights: &[f32],
    imp: &explainn_interpret::importance::Importance,
    classes: &[String],
    ann: &[UnitAnnotation],
) -> Result<()> {
    add_file(outputs, &out.join("weights.tsv"), |f| {
        tables::write_weights(f, weights, classes, ann)
    })?;
    add_file(outputs, &out.join("importance.tsv"), |f| {
        tables::write_importance(f, imp, classes, ann)
    })
}

/// Write `path` through `write` into an atomic file whose commit is queued in `outputs`.
fn add_file(
    outputs: &mut OutputSet,
    path: &Path,
    write: impl FnOnce(&mut AtomicFile) -> std::io::Result<()>,
) -> Result<()> {
    let mut f = AtomicFile::create(path)?;
    write(&mut f).map_err(io_error(path))?;
    outputs.add(move || f.commit());
    Ok(())
}

fn add_summary(outputs: &mut OutputSet, out: &Path, summary: &serde_json::Value) -> Result<()> {
    let f = crate::output::json_file(&out.join("summary.json"), summary)?;
    outputs.add(move || f.commit());
    Ok(())
}

/// Name `motifs` (with `nsites` sites each) against the request's motifs (default: the
/// bundled JASPAR 2024 CORE vertebrates, with its TF metadata): the Tomtom hits, one
/// annotation per motif and the database's name.
fn annotate_motifs(
    req: &InterpretRequest,
    motifs: &[Motif],
    nsites: &[u64],
    progress: &mut dyn FnMut(InterpretProgress),
) -> Result<(Vec<TomtomHit>, Vec<UnitAnnotation>, String)> {
    let (targets, db_name, metadata) = match &req.motifs {
        Some(path) => {
            let set = explainn_motif::io::read_motifs_file(path)
                .map_err(|e| file_error(path, format!("cannot read motifs: {e}")))?;
            for w in &set.warnings {
                progress(InterpretProgress::Note(format!("warning: {w}")));
            }
            if set.motifs.is_empty() {
                return Err(file_error(path, "no motifs found"));
            }
            (set.motifs, path.display().to_string(), None)
        }
        None => (
            explainn_motif::jaspar::bundled_motifs().motifs,
            "JASPAR 2024 CORE vertebrates (non-redundant)".to_string(),
            Some(JasparMetadata::bundled()),
        ),
    };
    let mut topts = default_options();
    topts.thresh = req.q_threshold;
    let (hits, ann) = annotate(motifs, nsites, &targets, metadata, &topts)
        .map_err(|e| RunError::Data(format!("motif annotation failed: {e}")))?;
    Ok((hits, ann, db_name))
}

/// `initial_motifs.tsv`, for a model whose units were initialised from motifs: per such
/// unit, the motif it started from, the Tomtom q-value of its learned PWM against that
/// motif (`NA` when Tomtom reports no match at `q_threshold`, or the unit has no sites),
/// `matches` or `differs` (the PWM of its sites no longer matches it), and what it
/// matches best now. The initial motif is looked up in
/// the annotation database, so a unit initialised from motifs outside it reads `differs`.
fn write_initial_motifs(
    w: &mut impl Write,
    origins: &[explainn_nn::UnitOrigin],
    motifs: &[Motif],
    hits: &[TomtomHit],
    ann: &[UnitAnnotation],
    q_threshold: f64,
) -> std::io::Result<()> {
    writeln!(
        w,
        "unit\tinitial_motif\tinitial_q_value\tstatus\tnow_matches\tnow_q_value"
    )?;
    for (u, origin) in origins.iter().enumerate() {
        let (Some(label), Some(id)) = (origin.motif_label(), origin.motif.as_deref()) else {
            continue;
        };
        let q = hits
            .iter()
            .find(|h| h.query_id == motifs[u].id && h.target_id == id)
            .map(|h| h.q_value as f64)
            .filter(|&q| q <= q_threshold);
        let (status, q) = match q {
            Some(q) => ("matches", format!("{q:.3e}")),
            None => ("differs", "NA".to_string()),
        };
        let (now, now_q) = match &ann[u].best {
            Some(b) => (
                format!("{} {}", b.target_id, b.tf_name),
                format!("{:.3e}", b.q_value),
            ),
            None => ("NA".to_string(), "NA".to_string()),
        };
        writeln!(w, "unit{u}\t{label}\t{q}\t{status}\t{now}\t{now_q}")?;
    }
    Ok(())
}

/// Queue the motif outputs shared by units and filters: `filters.meme`, `tomtom.tsv`,
/// `annotation.tsv` and one logo per motif in `logos/`, named `{rank}_unit{u}.svg` in the
/// order of `order`.
fn add_motif_outputs(
    outputs: &mut OutputSet,
    out: &Path,
    motifs: &[Motif],
    hits: &[TomtomHit],
    ann: &[UnitAnnotation],
    max_activation: &[f32],
    order: &[usize],
) -> Result<()> {
    add_file(outputs, &out.join("filters.meme"), |f| {
        pwm::write_meme(f, motifs)
    })?;
    add_file(outputs, &out.join("tomtom.tsv"), |f| {
        write_tomtom_text(f, hits)
    })?;
    add_file(outputs, &out.join("annotation.tsv"), |f| {
        tables::write_annotation(f, ann, max_activation)
    })?;
    for (rank, &u) in order.iter().enumerate() {
        let name = format!("{:03}_unit{u}.svg", rank + 1);
        add_file(outputs, &out.join("logos").join(&name), |f| {
            f.write_all(logo_svg(&motifs[u], &LogoOptions::default()).as_bytes())
        })?;
    }
    Ok(())
}
