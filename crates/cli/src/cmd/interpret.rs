//! `explainn interpret RUN_DIR [DATA] [-o OUT_DIR]`: unit PWMs (`filters.meme`), Tomtom
//! annotation against JASPAR 2024 (`tomtom.tsv`, `annotation.tsv`), final-layer weights
//! (`weights.tsv`), unit importance (`importance.tsv`, `importance.long.tsv.gz`), logos
//! (`logos/`), plots (`plots/`) and `summary.json`, written all together or not at all.

use super::common_model::{check_fits, device, init_threads, load_model, progress_bar};
use crate::output::{AtomicFile, AtomicGzFile, OutputSet};
use anyhow::{Context, Result, bail};
use clap::Args as ClapArgs;
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
use explainn_nn::{Loss, Predictor};
use explainn_seq::Dataset;
use std::io::Write;
use std::path::{Path, PathBuf};

#[derive(ClapArgs, Debug)]
#[command(after_help = "Examples:
  explainn interpret runs/ctcf                      # training set recorded in runs/ctcf/config.json
  explainn interpret runs/ctcf data/test.tsv.gz --all -o runs/ctcf/interpret-test
  explainn interpret runs/ctcf --correlation 0.8 --max-sequences 20000 --seed 1")]
pub struct Args {
    /// Run directory of `explainn train` (or a model.safetensors file).
    pub run: PathBuf,
    /// Sequences to interpret: ExplaiNN TSV (labelled) or FASTA/FASTQ (then every sequence
    /// is used); with --genome, a BED file. Default: the training file recorded in
    /// RUN_DIR/config.json.
    pub data: Option<PathBuf>,
    /// Genome FASTA: DATA is then a BED file whose intervals are re-centred to the model's
    /// input length and extracted (strand-aware); every interval is used.
    #[arg(long, requires = "data")]
    pub genome: Option<PathBuf>,
    /// Centre-crop or N-pad sequences to the model's input length instead of rejecting
    /// those of another length.
    #[arg(long)]
    pub fit_length: bool,
    /// Output directory [default: RUN_DIR/interpret].
    #[arg(short, long)]
    pub output: Option<PathBuf>,
    /// Keep sequences whose rounded predictions equal their labels in every class
    /// [default for binary tasks].
    #[arg(long, group = "rule")]
    pub exact_match: bool,
    /// Keep sequences whose correlation across classes between labels and predictions
    /// exceeds X [default for regression: 0.75].
    #[arg(long, value_name = "X", group = "rule")]
    pub correlation: Option<f64>,
    /// Keep sequences in the top N % both by label and by prediction (in any class).
    #[arg(long, value_name = "N", group = "rule")]
    pub top_percent: Option<f64>,
    /// Keep every sequence.
    #[arg(long, group = "rule")]
    pub all: bool,
    /// Keep at most this many selected sequences (seeded random subsample).
    #[arg(long)]
    pub max_sequences: Option<usize>,
    /// Seed of the subsample.
    #[arg(long, default_value_t = 1714)]
    pub seed: u64,
    /// Target motifs for annotation (MEME/JASPAR/HOCOMOCO) [default: bundled JASPAR 2024
    /// CORE vertebrates non-redundant].
    #[arg(long)]
    pub motifs: Option<PathBuf>,
    /// Annotation q-value threshold.
    #[arg(long, default_value_t = 0.05)]
    pub q_threshold: f64,
    /// Use the forward strand only, even for a model trained with reverse complements.
    #[arg(long)]
    pub forward_only: bool,
    /// Test metrics to plot [default: RUN_DIR/test/metrics.tsv when present].
    #[arg(long)]
    pub metrics: Option<PathBuf>,
    /// Sequences per batch.
    #[arg(long, default_value_t = 100)]
    pub batch_size: usize,
    /// Compute threads (default: all cores).
    #[arg(long)]
    pub threads: Option<usize>,
}

/// The data file: given, or the training file recorded in the run's config.json (absolute
/// since 0.2; relative paths of older runs are tried against the run directory, then the
/// working directory).
fn data_path(a: &Args) -> Result<PathBuf> {
    if let Some(d) = &a.data {
        return Ok(d.clone());
    }
    let run = explainn_run::RunDir::new(&a.run);
    let cfg = run
        .read_config()
        .context("no DATA given, so the training file is taken from the run's config.json")?;
    let path = run.resolve(&cfg.train);
    if !path.exists() {
        bail!(
            "{} names the training file {}, which is not found (relative to {} or the working \
             directory); give DATA",
            run.config().display(),
            cfg.train.display(),
            a.run.display()
        );
    }
    Ok(path)
}

/// Read labelled TSV, or unlabelled FASTA/FASTQ or BED + genome, at the model's length
/// (the input policy of `explainn_run::input`; `fit` is `--fit-length`).
fn read_data(
    path: &Path,
    genome: Option<&Path>,
    length: usize,
    fit: bool,
) -> Result<(Dataset, bool)> {
    let fmt = explainn_seq::records::detect_format(path)
        .with_context(|| format!("cannot read {}", path.display()))?;
    if genome.is_none() && fmt == explainn_seq::records::Format::Tsv {
        let d = explainn_seq::read_tsv(path, fit.then_some(length))
            .with_context(|| format!("cannot read {}", path.display()))?;
        if d.length != length && !d.is_empty() {
            bail!(
                "{}: sequences have length {}, but the model expects {length} (use --fit-length \
                 to centre-crop or N-pad)",
                path.display(),
                d.length
            );
        }
        return Ok((d, true));
    }
    let mut d = Dataset::new(length, vec![]);
    for r in explainn_run::input::open_sequences(path, genome, length, fit)? {
        let (id, seq) = r?;
        d.push(id, &seq, &[]);
    }
    Ok((d, false))
}

pub fn run(a: Args) -> Result<()> {
    init_threads(a.threads);
    let mf = load_model(&a.run)?;
    let (length, c) = (mf.model.input_length(), mf.model.classes());
    let meta = mf.metadata.clone();
    let run_dir = if a.run.is_dir() {
        a.run.clone()
    } else {
        a.run.parent().map(Path::to_path_buf).unwrap_or_default()
    };
    let out = a
        .output
        .clone()
        .unwrap_or_else(|| run_dir.join("interpret"));
    let data_file = data_path(&a)?;
    let (data, labelled) = read_data(&data_file, a.genome.as_deref(), length, a.fit_length)?;
    if data.is_empty() {
        bail!("{} holds no sequences", data_file.display());
    }
    if labelled {
        check_fits(
            &mf.model,
            data.length,
            Some(data.n_classes()),
            "interpreted",
        )?;
    }
    let both = explainn_run::policy::both_strands(&meta, a.forward_only);
    let p = Predictor::new(mf.model, device(), a.batch_size);

    // Selection of well-predicted sequences.
    let loss = explainn_run::policy::output_loss(&meta, &data.labels);
    let rule = if a.all || !labelled {
        Selection::All
    } else if a.exact_match {
        Selection::ExactMatch
    } else if let Some(x) = a.correlation {
        Selection::Correlation(x)
    } else if let Some(n) = a.top_percent {
        Selection::TopPercent(n)
    } else {
        Selection::default_for(matches!(loss, Loss::Bce | Loss::Ce))
    };
    if !labelled && !a.all {
        eprintln!(
            "{} has no labels: interpreting every sequence",
            data_file.display()
        );
    }
    let mut idx = if rule == Selection::All {
        (0..data.len()).collect()
    } else {
        let pred = explainn_run::policy::predictions(&p, &data.codes, both, loss)?;
        select(&pred, &data.labels, c, rule)?
    };
    if let Some(m) = a.max_sequences {
        idx = subsample(idx, m, a.seed);
    }
    if idx.is_empty() {
        bail!("no sequence passes the selection ({rule}); try --all or another rule");
    }
    eprintln!(
        "interpreting {} of {} sequences (selection: {rule}; {})",
        idx.len(),
        data.len(),
        if both {
            "both strands"
        } else {
            "forward strand"
        }
    );
    let sel = data.subset(&idx);
    let Some(explainn) = p.model().explainn() else {
        return filter_visualisation(&a, &p, &sel, both, &out, rule, data.len(), &data_file);
    };
    let units = explainn.config().units;

    // Two streaming passes.
    let pb = progress_bar(
        sel.len() as u64,
        "{prefix} [{bar:30}] {pos}/{len} sequences ({elapsed})",
    );
    pb.set_prefix("pass 1/2");
    let max = max_activations(&p, &sel.codes, both, a.batch_size, &mut |n| {
        pb.set_position(n as u64)
    })?;
    pb.set_prefix("pass 2/2");
    pb.set_position(0);
    let sc = scan(&p, &sel.codes, max, both, a.batch_size, &mut |n| {
        pb.set_position(n as u64)
    })?;
    pb.finish_and_clear();

    // PWMs and annotation.
    let motifs = sc.sites.motifs();
    let (hits, ann, db_name) = annotate_motifs(&a, &motifs, sc.sites.nsites())?;
    let (weights, _bias) = explainn.final_layer();
    let imp = importance(&sc, &weights, c);
    let classes = &meta.class_names;

    // Outputs.
    std::fs::create_dir_all(out.join("logos"))
        .and_then(|_| std::fs::create_dir_all(out.join("plots")))
        .with_context(|| format!("cannot create {}", out.display()))?;
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
    let mut f = AtomicFile::create(out.join("weights.tsv"))?;
    tables::write_weights(&mut f, &weights, classes, &ann)?;
    outputs.add(move || f.commit());
    let mut f = AtomicFile::create(out.join("importance.tsv"))?;
    tables::write_importance(&mut f, &imp, classes, &ann)?;
    outputs.add(move || f.commit());
    let ids: Vec<&str> = sel.ids.iter().map(String::as_str).collect();
    let mut g = AtomicGzFile::create(out.join("importance.long.tsv.gz"))?;
    tables::write_importance_long(&mut g, &sc, &weights, classes, &ids)?;
    outputs.add(move || g.commit());

    // Plots.
    let mut svg = |name: &str, content: String| -> Result<()> {
        let mut f = AtomicFile::create(out.join("plots").join(name))?;
        f.write_all(content.as_bytes())?;
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
    let losses = run_dir.join("losses.tsv");
    if losses.exists() {
        let t = tables::TsvTable::read(&losses)?;
        let rows: Vec<_> = (0..t.rows.len())
            .map(|r| (t.number(r, 0), t.number(r, 1), t.number(r, 2)))
            .collect();
        svg("loss.svg", plots::loss_curve(&rows))?;
    }
    let metrics = a
        .metrics
        .clone()
        .or_else(|| Some(run_dir.join("test").join("metrics.tsv")).filter(|p| p.exists()));
    if let Some(m) = &metrics {
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

    let summary = serde_json::json!({
        "model": a.run,
        "data": data_file,
        "selection": rule.to_string(),
        "max_sequences": a.max_sequences,
        "seed": a.seed,
        "sequences_total": data.len(),
        "sequences_selected": sel.len(),
        "both_strands": both,
        "motif_database": db_name,
        "q_threshold": a.q_threshold,
        "metrics": metrics,
        "units_annotated": ann.iter().filter(|x| x.best.is_some()).count(),
        "units_without_sites": ann.iter().filter(|x| x.nsites == 0).count(),
    });
    let mut f = AtomicFile::create(out.join("summary.json"))?;
    serde_json::to_writer_pretty(&mut f, &summary)?;
    writeln!(f)?;
    outputs.add(move || f.commit());
    outputs.commit_all()?;

    let annotated = ann.iter().filter(|x| x.best.is_some()).count();
    eprintln!(
        "{annotated} of {} units annotated (q ≤ {}); outputs in {}",
        ann.len(),
        a.q_threshold,
        out.display()
    );
    println!("rank\tunit\tlabel\tq_value\t{}", classes.join("\t"));
    for (rank, &u) in order.iter().take(10).enumerate() {
        let q = ann[u]
            .best
            .as_ref()
            .map(|b| format!("{:.2e}", b.q_value))
            .unwrap_or("NA".into());
        print!("{}\tunit{u}\t{}\t{q}", rank + 1, ann[u].label);
        for k in 0..c {
            print!("\t{:.4}", imp.get(u, k));
        }
        println!();
    }
    Ok(())
}

/// Interpretation of a model without units (the baselines): filter visualisation of the
/// first convolution (PWMs from the windows above half of each filter's maximum
/// activation), Tomtom annotation and logos. Writes `filters.meme`, `tomtom.tsv`,
/// `annotation.tsv` (one row per filter, `unitN` naming filter N), `logos/` (annotated
/// filters first, by q-value) and `summary.json`.
#[allow(clippy::too_many_arguments)]
fn filter_visualisation(
    a: &Args,
    p: &Predictor,
    sel: &Dataset,
    both: bool,
    out: &Path,
    rule: Selection,
    total: usize,
    data_file: &Path,
) -> Result<()> {
    let arch = p.model().arch();
    eprintln!(
        "{arch} has no units: visualising its {} first-layer filters (unit importance needs an \
         ExplaiNN model)",
        p.model().first_layer().shape[0]
    );
    let pb = progress_bar(
        sel.len() as u64,
        "pass {prefix}/2 [{bar:30}] {pos}/{len} sequences ({elapsed})",
    );
    let scan = scan_filters(p, &sel.codes, both, a.batch_size, &mut |pass, n| {
        pb.set_prefix(pass.to_string());
        pb.set_position(n as u64)
    })?;
    pb.finish_and_clear();
    let motifs = scan.sites.motifs();
    let (hits, ann, db_name) = annotate_motifs(a, &motifs, scan.sites.nsites())?;
    std::fs::create_dir_all(out.join("logos"))
        .with_context(|| format!("cannot create {}", out.display()))?;
    // Annotated filters first (by q-value), then by number of sites.
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
    let annotated = ann.iter().filter(|x| x.best.is_some()).count();
    let summary = serde_json::json!({
        "model": a.run,
        "arch": arch.name(),
        "analysis": "first-layer filter visualisation",
        "data": data_file,
        "selection": rule.to_string(),
        "max_sequences": a.max_sequences,
        "seed": a.seed,
        "sequences_total": total,
        "sequences_selected": sel.len(),
        "both_strands": both,
        "motif_database": db_name,
        "q_threshold": a.q_threshold,
        "filters": ann.len(),
        "filters_annotated": annotated,
        "filters_without_sites": ann.iter().filter(|x| x.nsites == 0).count(),
    });
    let mut f = AtomicFile::create(out.join("summary.json"))?;
    serde_json::to_writer_pretty(&mut f, &summary)?;
    writeln!(f)?;
    outputs.add(move || f.commit());
    outputs.commit_all()?;
    eprintln!(
        "{annotated} of {} filters annotated (q ≤ {}); outputs in {}",
        ann.len(),
        a.q_threshold,
        out.display()
    );
    println!("rank\tfilter\tlabel\tq_value\tnsites");
    for (rank, &u) in order.iter().take(10).enumerate() {
        let q = ann[u]
            .best
            .as_ref()
            .map(|b| format!("{:.2e}", b.q_value))
            .unwrap_or("NA".into());
        println!(
            "{}\tunit{u}\t{}\t{q}\t{}",
            rank + 1,
            ann[u].label,
            ann[u].nsites
        );
    }
    Ok(())
}

/// Name `motifs` (with `nsites` sites each) against `--motifs` (default: the bundled JASPAR
/// 2024 CORE vertebrates, with its TF metadata) at `--q-threshold`: the Tomtom hits, one
/// annotation per motif and the database's name.
fn annotate_motifs(
    a: &Args,
    motifs: &[Motif],
    nsites: &[u64],
) -> Result<(Vec<TomtomHit>, Vec<UnitAnnotation>, String)> {
    let (targets, db_name, metadata) = match &a.motifs {
        Some(path) => (
            super::tomtom::read_motifs(path)?.motifs,
            path.display().to_string(),
            None,
        ),
        None => (
            explainn_motif::jaspar::bundled_motifs().motifs,
            "JASPAR 2024 CORE vertebrates (non-redundant)".to_string(),
            Some(JasparMetadata::bundled()),
        ),
    };
    let mut topts = default_options();
    topts.thresh = a.q_threshold;
    let (hits, ann) =
        annotate(motifs, nsites, &targets, metadata, &topts).context("motif annotation failed")?;
    Ok((hits, ann, db_name))
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
    let mut f = AtomicFile::create(out.join("filters.meme"))?;
    pwm::write_meme(&mut f, motifs)?;
    outputs.add(move || f.commit());
    let mut f = AtomicFile::create(out.join("tomtom.tsv"))?;
    write_tomtom_text(&mut f, hits)?;
    outputs.add(move || f.commit());
    let mut f = AtomicFile::create(out.join("annotation.tsv"))?;
    tables::write_annotation(&mut f, ann, max_activation)?;
    outputs.add(move || f.commit());
    for (rank, &u) in order.iter().enumerate() {
        let name = format!("{:03}_unit{u}.svg", rank + 1);
        let mut f = AtomicFile::create(out.join("logos").join(name))?;
        f.write_all(logo_svg(&motifs[u], &LogoOptions::default()).as_bytes())?;
        outputs.add(move || f.commit());
    }
    Ok(())
}
