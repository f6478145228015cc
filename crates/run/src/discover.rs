//! `explainn discover INPUT -o DIR`: de novo motifs from one set of peaks in one command,
//! as the ExplaiNN paper finds them (issue 20, item 5): prepare (positives plus one
//! dinucleotide shuffle each, the DeepBind protocol, or GC-matched genome windows) → train
//! (100 units by default) → interpret (unit PWMs, JASPAR annotation, the explained-
//! contribution ranking) → the PWMs of the units with sites trimmed (flanks under 0.3
//! bits), filtered (width ≥ 4, mean IC ≥ 0.5), scored alone on the held-out test split
//! (FIMO log-odds, best site over both strands, AUROC and AUPRC) and clustered (Tomtom,
//! complete linkage, p ≤ 1e-3) → one motif per cluster, the member with the best test
//! AUPRC.
//!
//! `DIR` holds `data/` (the splits), `run/` (the trained, interpreted run), `motifs.meme`,
//! `motifs.tsv` ([`MOTIFS_HEADER`], best AUPRC first), `motifs.html` (logos and the
//! table). If a step fails, what it wrote is removed again (the directory too when it made
//! it).

use crate::interpret::{InterpretRequest, interpret_run};
use crate::motifs::score::{ScoreMotifsOptions, score_motifs};
use crate::output::{AtomicFile, AtomicGzFile};
use crate::train_spec::{TrainEvent, TrainFiles, TrainSpec, train_spec_run};
use crate::{Result, RunError, file_error};
use explainn_interpret::tables::{read_annotation, read_ranking};
use explainn_motif::Motif;
use explainn_motif::cluster::{ClusterOptions, cluster_motifs};
use explainn_motif::filter::{FilterOptions, filter, mean_information_content};
use explainn_motif::logo::{LogoOptions, logo_svg};
use explainn_motif::trim::{DEFAULT_MIN_IC, trim};
use explainn_nn::Device;
use explainn_report::html::{Cell, Column, Report, Table};
use explainn_seq::prepare::{Input, Negatives, Options as PrepareOptions, prepare};
use std::collections::HashMap;
use std::io::Write;
use std::path::{Path, PathBuf};

/// The header of `motifs.tsv`.
pub const MOTIFS_HEADER: &str = "rank\tmotif_id\tlabel\tbest_match\tq_value\tauprc\tauroc\tunit_rank\tsequences\tsites\twidth\tmean_ic\tcluster_size\tmembers";

/// A discovery run.
#[derive(Debug, Clone)]
pub struct DiscoverRequest {
    /// Positives: FASTA/FASTQ (plain or gzip), or a BED file with `genome`.
    pub input: PathBuf,
    pub genome: Option<PathBuf>,
    /// How negatives are made (default: one dinucleotide shuffle per positive).
    pub negatives: Negatives,
    /// Sequence length (centre crop / N pad; BED intervals re-centred). Default: the
    /// positives' own, which must then be one.
    pub length: Option<usize>,
    /// The output directory (must not hold anything yet).
    pub output: PathBuf,
    /// Training options; `units` defaults to 100 here (the paper's).
    pub train: TrainSpec,
    /// Trim flanks whose information content is below this (bits; default 0.3).
    pub min_ic: f64,
    pub filter: FilterOptions,
    pub cluster: ClusterOptions,
    pub threads: usize,
    pub device: Device,
}

impl DiscoverRequest {
    /// A request with every default: positives `input`, output `output`.
    pub fn new(input: impl Into<PathBuf>, output: impl Into<PathBuf>) -> Self {
        Self {
            input: input.into(),
            genome: None,
            negatives: Negatives::Shuffle,
            length: None,
            output: output.into(),
            train: TrainSpec {
                units: Some(100),
                ..TrainSpec::default()
            },
            min_ic: DEFAULT_MIN_IC,
            filter: FilterOptions::default(),
            cluster: ClusterOptions::default(),
            threads: 0,
            device: explainn_nn::default_device(),
        }
    }
}

/// One discovered motif.
#[derive(Debug, Clone, PartialEq)]
pub struct Discovered {
    /// The unit's trimmed PWM (id `unitN`).
    pub motif: Motif,
    pub label: String,
    /// Best database match (`MA0139.2 CTCF`), empty when none passed.
    pub best_match: String,
    pub q_value: f64,
    /// Alone, on the test split.
    pub auprc: f64,
    pub auroc: f64,
    /// The unit's rank by explained contribution (`ranking.tsv`).
    pub unit_rank: usize,
    /// Sequences activating the unit, windows behind its PWM.
    pub sequences: usize,
    pub sites: u64,
    /// Ids of the cluster's members (this motif included).
    pub members: Vec<String>,
}

/// What a discovery run did.
#[derive(Debug, Clone)]
pub struct DiscoverOutcome {
    /// Non-redundant motifs, best test AUPRC first.
    pub motifs: Vec<Discovered>,
    /// Unit PWMs with sites, then after trimming and filtering.
    pub with_sites: usize,
    pub kept: usize,
    pub seconds: f64,
}

/// A step of [`discover_run`], for progress display.
#[derive(Debug, Clone, Copy)]
pub enum DiscoverStep<'a> {
    Prepare,
    Train(TrainEvent<'a>),
    Interpret,
    Motifs,
}

/// Run `req`; `events` sees each step start and the trainer's progress.
pub fn discover_run(
    req: &DiscoverRequest,
    events: &(dyn Fn(DiscoverStep) + Sync),
) -> Result<DiscoverOutcome> {
    let t0 = std::time::Instant::now();
    let out = &req.output;
    if out.exists()
        && std::fs::read_dir(out)
            .map_err(|e| file_error(out, e))?
            .next()
            .is_some()
    {
        return Err(file_error(
            out,
            "already holds files: give a new or empty directory (discover never replaces a run)",
        ));
    }
    if !(0.0..=2.0).contains(&req.min_ic) {
        return Err(RunError::Data(format!(
            "--min-ic must be between 0 and 2 bits, found {}",
            req.min_ic
        )));
    }
    req.train.check(false)?;
    let made = !out.exists();
    std::fs::create_dir_all(out).map_err(|e| file_error(out, e))?;
    let result = discover_into(req, events);
    if result.is_err() {
        // Everything in the directory was made here (it was new or empty).
        if made {
            let _ = std::fs::remove_dir_all(out);
        } else if let Ok(entries) = std::fs::read_dir(out) {
            for e in entries.flatten() {
                let p = e.path();
                let _ = if p.is_dir() {
                    std::fs::remove_dir_all(&p)
                } else {
                    std::fs::remove_file(&p)
                };
            }
        }
    }
    let (motifs, with_sites, kept) = result?;
    Ok(DiscoverOutcome {
        motifs,
        with_sites,
        kept,
        seconds: t0.elapsed().as_secs_f64(),
    })
}

fn discover_into(
    req: &DiscoverRequest,
    events: &(dyn Fn(DiscoverStep) + Sync),
) -> Result<(Vec<Discovered>, usize, usize)> {
    let out = &req.output;
    // 1. Splits.
    events(DiscoverStep::Prepare);
    let input = match &req.genome {
        Some(genome) => Input::Bed {
            bed: req.input.clone(),
            genome: genome.clone(),
            label_columns: Vec::new(),
            summit_column: None,
        },
        None => Input::ClassFiles(vec![req.input.clone()]),
    };
    let opts = PrepareOptions {
        length: req.length,
        negatives: req.negatives.clone(),
        seed: req.train.seed,
        ..PrepareOptions::default()
    };
    let p = prepare(&input, &opts)?;
    let data = out.join("data");
    std::fs::create_dir_all(&data).map_err(|e| file_error(&data, e))?;
    let path = |part: &str| data.join(format!("{part}.tsv.gz"));
    for (part, set) in [
        ("train", &p.train),
        ("validation", &p.validation),
        ("test", &p.test),
    ] {
        let mut f = AtomicGzFile::create(path(part))?;
        set.write_tsv(&mut f)
            .map_err(|e| file_error(&path(part), e))?;
        f.commit()?;
    }
    // 2. Training.
    let run = out.join("run");
    let files = TrainFiles {
        train: path("train"),
        validation: path("validation"),
        output: run.clone(),
        force: false,
        command_line: std::env::args().collect(),
    };
    train_spec_run(&req.train, &files, req.threads, &req.device, &|e| {
        events(DiscoverStep::Train(e))
    })?;
    // 3. Interpretation (on the training split, the interpretation's default).
    events(DiscoverStep::Interpret);
    interpret_run(&InterpretRequest::new(&run), &req.device, &mut |_| {})?;
    // 4. Motifs.
    events(DiscoverStep::Motifs);
    let idir = run.join("interpret");
    let fm = idir.join("filters.meme");
    let units = explainn_motif::io::meme::read_meme_file(&fm)
        .map_err(|e| file_error(&fm, e))?
        .motifs;
    let info = unit_info(&idir, p.summary.class_names.len())?;
    let with_sites: Vec<Motif> = units
        .into_iter()
        .filter(|m| info.get(&m.id).is_some_and(|i| i.sites > 0))
        .collect();
    let n_sites = with_sites.len();
    let trimmed = trim(&with_sites, req.min_ic).motifs;
    let kept = filter(&trimmed, &req.filter).motifs;
    if kept.is_empty() {
        return Err(RunError::Data(format!(
            "no unit PWM is left after trimming (flanks under {} bits) and filtering (width ≥ {}, mean IC ≥ {}): {n_sites} units had sites; train longer or loosen --min-ic, --min-width, --min-mean-ic",
            req.min_ic, req.filter.min_width, req.filter.min_mean_ic
        )));
    }
    let scores = score_motifs(&kept, &path("test"), &ScoreMotifsOptions::default(), |_| {})?;
    let score_of: HashMap<&str, (f64, f64)> = scores
        .rows
        .iter()
        .map(|r| (r.motif_id.as_str(), (r.auprc, r.auroc)))
        .collect();
    let clustering = cluster_motifs(&kept, None, &req.cluster)
        .map_err(|e| RunError::Data(format!("clustering the unit PWMs: {e}")))?;
    let auprc = |m: &Motif| score_of.get(m.id.as_str()).map_or(f64::NAN, |s| s.0);
    let mut found: Vec<Discovered> = clustering
        .clusters
        .iter()
        .map(|c| {
            let members: Vec<&Motif> = c.members.iter().map(|m| &kept[m.index]).collect();
            let best = *members
                .iter()
                .max_by(|a, b| auprc(a).total_cmp(&auprc(b)))
                .expect("a cluster has members");
            let i = &info[&best.id];
            let (auprc, auroc) = score_of
                .get(best.id.as_str())
                .copied()
                .unwrap_or((f64::NAN, f64::NAN));
            Discovered {
                motif: best.clone(),
                label: i.label.clone(),
                best_match: i.best_match.clone(),
                q_value: i.q_value,
                auprc,
                auroc,
                unit_rank: i.rank,
                sequences: i.sequences,
                sites: i.sites,
                members: members.iter().map(|m| m.id.clone()).collect(),
            }
        })
        .collect();
    found.sort_by(|a, b| {
        b.auprc
            .total_cmp(&a.auprc)
            .then(a.unit_rank.cmp(&b.unit_rank))
    });
    write_outputs(out, &found)?;
    Ok((found, n_sites, kept.len()))
}

/// Per unit (`unitN`): label, best match, q, sites, rank and sequences.
struct UnitInfo {
    label: String,
    best_match: String,
    q_value: f64,
    sites: u64,
    rank: usize,
    sequences: usize,
}

fn unit_info(idir: &Path, classes: usize) -> Result<HashMap<String, UnitInfo>> {
    let ranking = read_ranking(&idir.join("ranking.tsv"), classes)?;
    Ok(read_annotation(&idir.join("annotation.tsv"))?
        .into_iter()
        .map(|a| {
            let r = ranking.get(&a.unit);
            let best_match = match a.target.as_str() {
                "NA" | "" => String::new(),
                t => format!("{t} {}", a.tf_name),
            };
            let info = UnitInfo {
                label: a.label,
                best_match,
                q_value: a.q,
                sites: a.nsites.max(0.0) as u64,
                rank: r.map_or(0, |r| r.rank),
                sequences: r.map_or(0, |r| r.n_sequences),
            };
            (format!("unit{}", a.unit), info)
        })
        .collect())
}

fn num(v: f64) -> String {
    explainn_interpret::tables::format_number(v, Some(4))
}

/// `motifs.meme`, `motifs.tsv`, `motifs.html`.
fn write_outputs(out: &Path, found: &[Discovered]) -> Result<()> {
    let motifs: Vec<Motif> = found.iter().map(|d| d.motif.clone()).collect();
    let meme = out.join("motifs.meme");
    let mut f = AtomicFile::create(&meme)?;
    explainn_motif::io::meme::write_meme(&mut f, &motifs, None, Some(6))
        .map_err(|e| file_error(&meme, e))?;
    f.commit()?;
    let tsv = out.join("motifs.tsv");
    let mut f = AtomicFile::create(&tsv)?;
    let mut text = format!("{MOTIFS_HEADER}\n");
    for (k, d) in found.iter().enumerate() {
        text += &format!(
            "{}\t{}\t{}\t{}\t{}\t{}\t{}\t{}\t{}\t{}\t{}\t{}\t{}\t{}\n",
            k + 1,
            d.motif.id,
            d.label,
            if d.best_match.is_empty() {
                "NA"
            } else {
                &d.best_match
            },
            num(d.q_value),
            num(d.auprc),
            num(d.auroc),
            d.unit_rank,
            d.sequences,
            d.sites,
            d.motif.width(),
            num(mean_information_content(&d.motif)),
            d.members.len(),
            d.members.join(",")
        );
    }
    f.write_all(text.as_bytes())
        .map_err(|e| file_error(&tsv, e))?;
    f.commit()?;
    let mut rep = Report::new("explainn discover");
    rep.section("Discovered motifs");
    rep.paragraph(
        "One motif per cluster of matching unit PWMs (the member with the best test AUPRC), best first. \
         AUPRC and AUROC: the motif alone (FIMO log-odds, best site over both strands) on the held-out test split; \
         unit rank: by explained contribution (ranking.tsv); sequences: those activating the unit; sites: the windows behind its PWM.",
    );
    let mut table = Table::new(vec![
        Column::number("rank", 0),
        Column::text("motif"),
        Column::plain("logo"),
        Column::text("best match"),
        Column::number("q", 3),
        Column::number("AUPRC", 3),
        Column::number("AUROC", 3),
        Column::number("unit rank", 0),
        Column::number("sequences", 0),
        Column::number("sites", 0),
        Column::number("cluster", 0),
    ]);
    let opts = LogoOptions {
        column_width: 8.0,
        height: 40.0,
        axis: false,
        ..LogoOptions::default()
    };
    for (k, d) in found.iter().enumerate() {
        table.push_row(vec![
            Cell::Number((k + 1) as f64, 0),
            Cell::text(format!("{} {}", d.motif.id, d.label)),
            Cell::Svg(logo_svg(&d.motif, &opts)),
            Cell::text(d.best_match.clone()),
            Cell::Value(d.q_value),
            Cell::Value(d.auprc),
            Cell::Value(d.auroc),
            Cell::Value(d.unit_rank as f64),
            Cell::Value(d.sequences as f64),
            Cell::Value(d.sites as f64),
            Cell::Value(d.members.len() as f64),
        ]);
    }
    rep.table(table);
    let html = out.join("motifs.html");
    let mut f = AtomicFile::create(&html)?;
    f.write_all(rep.to_html().as_bytes())
        .map_err(|e| file_error(&html, e))?;
    f.commit()
}
