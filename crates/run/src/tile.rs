//! `explainn predict MODEL --genome G --tile STRIDE`: a model's predictions along whole
//! chromosomes (or the regions of a BED file) as genome-browser tracks, streamed with
//! constant memory in the genome's size. Windows of the model's length every STRIDE bases
//! ([`explainn_ops::tile`]: strand-averaged as `predict`, N-rich windows skipped and
//! counted, each value over its window's bin, the STRIDE bases around the centre).
//!
//! The output directory ([`OutputDir`]: replaced whole, never mixed with an older run):
//! - `CLASS.bw` per class: the logit (or with `sigmoid`, its sigmoid); `CLASS.bedGraph`
//!   too with `bedgraph`;
//! - `units/CLASS/uN.bw` for each chosen unit ([`UnitTracks`]): its contribution
//!   o_u·W[c, u] in logit units, and `units/CLASS/rest.bw`, the logit minus the chosen
//!   units' contributions (the bias and every other unit), so that the unit tracks and the
//!   rest add up to the class's logit track;
//! - `trackDb.txt` (a UCSC track hub stanza per track) and `igv_session.xml`, which name
//!   the tracks (units by their labels when the run was interpreted) and colour them;
//! - `summary.json`: windows predicted and skipped, stride, model checksum, files.

use crate::output::{AtomicFile, OutputDir};
use crate::tracks::BigWigSink;
use crate::{Result, RunError, file_error};
use bigtools::Value;
use explainn_nn::{Device, ModelFile, Predictor};
use explainn_ops::tile::{bin, drop_n_windows, predict_tiles, tile_starts};
use explainn_seq::bed::{Genome, read_bed};
use std::io::Write;
use std::path::{Path, PathBuf};

/// Window starts per block read from the genome (a multiple of the stride is used): sets
/// memory (the block's codes and its windows' outputs), not results.
pub(crate) const BLOCK: usize = 1 << 20;

/// Which units get contribution tracks.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum UnitTracks {
    /// None (the default).
    #[default]
    None,
    /// Every unit.
    All,
    /// Per class, the K units ranked first by the run's `interpret/importance.tsv` when
    /// the model was interpreted, else by |W[c, u]|.
    Top(usize),
    /// These units (0-based).
    Units(Vec<usize>),
}

impl std::str::FromStr for UnitTracks {
    type Err = String;
    /// `none`, `all`, `top:K` or a comma-separated list of units (`u3,u17` or `3,17`).
    fn from_str(s: &str) -> std::result::Result<Self, String> {
        let bad = || format!("{s:?}: expected all, top:K or a list of units such as u3,u17");
        match s {
            "none" => Ok(Self::None),
            "all" => Ok(Self::All),
            _ if s.starts_with("top:") => match s[4..].parse::<usize>() {
                Ok(k) if k > 0 => Ok(Self::Top(k)),
                _ => Err(bad()),
            },
            _ => s
                .split(',')
                .map(|t| {
                    let t = t.trim();
                    t.strip_prefix('u')
                        .or_else(|| t.strip_prefix("unit"))
                        .unwrap_or(t)
                        .parse::<usize>()
                        .map_err(|_| bad())
                })
                .collect::<std::result::Result<Vec<_>, _>>()
                .map(Self::Units),
        }
    }
}

/// A tiled prediction run.
#[derive(Debug, Clone)]
pub struct TileRequest {
    /// Model path (run directory or model file): labels, importance, checksum.
    pub model: PathBuf,
    /// Genome FASTA (plain with its `.fai`, or gzip).
    pub genome: PathBuf,
    /// Regions to tile (BED); the whole genome when absent.
    pub regions: Option<PathBuf>,
    /// Output directory (replaced whole).
    pub output: PathBuf,
    /// Bases between window starts (default [`explainn_ops::defaults::TILE_STRIDE`]).
    pub stride: usize,
    /// Largest fraction of N in a predicted window (default
    /// [`explainn_ops::defaults::TILE_MAX_N`]).
    pub max_n: f32,
    /// Predict the forward strand only (a model trained with reverse complements is
    /// otherwise strand-averaged).
    pub forward_only: bool,
    /// Class tracks hold sigmoid(logit) instead of the logit (unit tracks stay logits).
    pub sigmoid: bool,
    pub unit_tracks: UnitTracks,
    /// Also write each class track as bedGraph.
    pub bedgraph: bool,
    /// Unit labels from this annotation instead of the run's own.
    pub annotation: Option<PathBuf>,
    pub batch_size: usize,
    pub device: Device,
}

/// What a tiled prediction did.
#[derive(Debug, Clone, PartialEq)]
pub struct TileOutcome {
    /// Windows predicted.
    pub windows: u64,
    /// Windows skipped for more than `max_n` of N.
    pub skipped_n: u64,
    /// Chromosomes shorter than the model's window (whole-genome runs skip them).
    pub short: Vec<String>,
    /// Files written, relative to the output directory.
    pub files: Vec<String>,
}

/// One stretch to tile: chromosome, start, end (0-based, half-open).
pub(crate) type Region = (String, u64, u64);

/// The regions of `req`: the genome's chromosomes (those shorter than `window` set
/// apart), or the BED's intervals checked against the genome, sorted in genome order and
/// merged where they overlap or touch.
pub(crate) fn regions(
    genome_path: &Path,
    bed: Option<&Path>,
    genome: &Genome,
    window: u64,
) -> Result<(Vec<Region>, Vec<String>)> {
    let Some(bed) = bed else {
        let (ok, short): (Vec<_>, Vec<_>) =
            genome.chromosomes().iter().partition(|(_, n)| *n >= window);
        let short: Vec<String> = short.into_iter().map(|(c, _)| c.clone()).collect();
        if ok.is_empty() {
            return Err(file_error(
                genome_path,
                format!(
                    "every chromosome is shorter than the model's window of {window} bases: nothing to tile"
                ),
            ));
        }
        return Ok((
            ok.into_iter().map(|(c, n)| (c.clone(), 0, *n)).collect(),
            short,
        ));
    };
    let order: std::collections::HashMap<&str, usize> = genome
        .chromosomes()
        .iter()
        .enumerate()
        .map(|(i, (c, _))| (c.as_str(), i))
        .collect();
    let mut ivs = Vec::new();
    for iv in read_bed(bed)? {
        let at =
            |msg: String| RunError::Data(format!("{}, line {}: {msg}", bed.display(), iv.line));
        let Some(&k) = order.get(iv.chrom.as_str()) else {
            return Err(at(format!(
                "the genome {} has no sequence named {:?} (it has {})",
                genome_path.display(),
                iv.chrom,
                names_preview(genome)
            )));
        };
        let len = genome.chromosomes()[k].1;
        if iv.end > len {
            return Err(at(format!(
                "{}:{}-{} runs past the end of {} (length {len})",
                iv.chrom, iv.start, iv.end, iv.chrom
            )));
        }
        ivs.push((k, iv.start, iv.end, iv.line));
    }
    ivs.sort_unstable();
    let mut merged: Vec<(usize, u64, u64, usize)> = Vec::new();
    for iv in ivs {
        match merged.last_mut() {
            Some(m) if m.0 == iv.0 && iv.1 <= m.2 => m.2 = m.2.max(iv.2),
            _ => merged.push(iv),
        }
    }
    if let Some(m) = merged.iter().find(|m| m.2 - m.1 < window) {
        return Err(RunError::Data(format!(
            "{}, line {}: the region {}:{}-{} is {} bases, shorter than the model's window of {window}: widen it or drop it",
            bed.display(),
            m.3,
            genome.chromosomes()[m.0].0,
            m.1,
            m.2,
            m.2 - m.1
        )));
    }
    if merged.is_empty() {
        return Err(file_error(bed, "holds no regions"));
    }
    let chroms = genome.chromosomes();
    Ok((
        merged
            .into_iter()
            .map(|(k, s, e, _)| (chroms[k].0.clone(), s, e))
            .collect(),
        Vec::new(),
    ))
}

fn names_preview(genome: &Genome) -> String {
    let names: Vec<&str> = genome
        .chromosomes()
        .iter()
        .take(5)
        .map(|(c, _)| c.as_str())
        .collect();
    let more = genome.chromosomes().len().saturating_sub(5);
    match more {
        0 => names.join(", "),
        _ => format!("{}, … and {more} more", names.join(", ")),
    }
}

/// A file name from a class name: letters, digits, `.`, `_` and `-` kept, anything else `_`.
fn file_stem(name: &str) -> String {
    name.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || "._-".contains(c) {
                c
            } else {
                '_'
            }
        })
        .collect()
}

/// The units to write for each class.
fn chosen_units(
    req: &TileRequest,
    w: Option<&[f32]>,
    classes: &[String],
) -> Result<Vec<Vec<usize>>> {
    if req.unit_tracks == UnitTracks::None {
        return Ok(vec![Vec::new(); classes.len()]);
    }
    let Some(w) = w else {
        return Err(RunError::Data(
            "--unit-tracks needs a model whose final layer adds up units (ExplaiNN or pretrained units); this model has none".into(),
        ));
    };
    let c = classes.len();
    let u = w.len() / c;
    Ok(match &req.unit_tracks {
        UnitTracks::None => unreachable!("handled above"),
        UnitTracks::All => vec![(0..u).collect(); c],
        UnitTracks::Units(list) => {
            if let Some(bad) = list.iter().find(|&&x| x >= u) {
                return Err(RunError::Data(format!(
                    "--unit-tracks names unit {bad}, but the model has units 0 to {}",
                    u - 1
                )));
            }
            vec![list.clone(); c]
        }
        UnitTracks::Top(k) => {
            let importance = req.model.join("interpret").join("importance.tsv");
            let ranked = if req.model.is_dir() && importance.exists() {
                crate::check_made_for(
                    &req.model.join("interpret"),
                    &req.model,
                    "the interpretation",
                    "run `explainn interpret` again",
                )?;
                let m = explainn_interpret::tables::read_unit_matrix(&importance)?;
                classes
                    .iter()
                    .map(|name| {
                        let col = m.class_names.iter().position(|n| n == name);
                        let score = |x: usize| {
                            col.and_then(|k| m.values.get(&x).map(|v| v[k]))
                                .filter(|v| v.is_finite())
                                .unwrap_or(f64::NEG_INFINITY)
                        };
                        top(u, *k, score)
                    })
                    .collect()
            } else {
                (0..c)
                    .map(|class| top(u, *k, |x| f64::from(w[class * u + x].abs())))
                    .collect()
            };
            ranked
        }
    })
}

/// The `k` of `0..u` with the highest `score` (ties by index), in unit order.
fn top(u: usize, k: usize, score: impl Fn(usize) -> f64) -> Vec<usize> {
    let mut idx: Vec<usize> = (0..u).collect();
    idx.sort_by(|&a, &b| score(b).total_cmp(&score(a)).then(a.cmp(&b)));
    idx.truncate(k.min(u));
    idx.sort_unstable();
    idx
}

/// One track being written: its sink, its path (relative), its name and colour.
struct Track {
    sink: BigWigSink,
    bedgraph: Option<AtomicFile>,
    file: String,
    name: String,
    label: String,
    colour: &'static str,
}

/// Run `req` with `model`; `progress(chromosome, bases done, bases of the chromosome)`
/// after each block.
pub fn tile_run(
    model: ModelFile,
    req: &TileRequest,
    progress: &dyn Fn(&str, u64, u64),
) -> Result<TileOutcome> {
    // Bad options are refused before anything is written.
    explainn_ops::tile::check_options(req.stride, req.max_n)?;
    let classes = model.metadata.class_names.clone();
    let both = crate::policy::both_strands(&model.metadata, req.forward_only);
    let window = model.model.input_length();
    let final_layer = model.model.final_layer();
    let chosen = chosen_units(req, final_layer.as_ref().map(|(w, _)| &w[..]), &classes)?;
    let labels = match &final_layer {
        Some(_) if chosen.iter().any(|c| !c.is_empty()) => {
            crate::labels::final_layer_units(&req.model, req.annotation.as_deref(), &model)?.1
        }
        _ => Vec::new(),
    };
    let mut genome = Genome::open(&req.genome)?;
    let (regions, short) = regions(&req.genome, req.regions.as_deref(), &genome, window as u64)?;
    let dir = OutputDir::create(&req.output, &["trackDb.txt"], "genome tracks")?;
    let out = dir.path().to_path_buf();
    let chroms = genome.chromosomes().to_vec();

    // Tracks: per class, the class track, then its unit tracks and the rest track.
    let palette = [
        "0,90,160",
        "200,80,0",
        "0,140,60",
        "150,40,150",
        "120,120,0",
    ];
    let mut tracks: Vec<Track> = Vec::new();
    // Per class: its own track, (unit, track) of its unit tracks, and its rest track.
    let mut class_slot: Vec<usize> = Vec::new();
    let mut unit_slots: Vec<Vec<(usize, usize)>> = Vec::new();
    let mut rest_slot: Vec<Option<usize>> = Vec::new();
    for (k, class) in classes.iter().enumerate() {
        let stem = file_stem(class);
        let file = format!("{stem}.bw");
        let bedgraph = match req.bedgraph {
            true => Some(AtomicFile::create(out.join(format!("{stem}.bedGraph")))?),
            false => None,
        };
        class_slot.push(tracks.len());
        tracks.push(Track {
            sink: BigWigSink::create(&out.join(&file), &chroms)?,
            bedgraph,
            file,
            name: stem.clone(),
            label: format!(
                "{class}: {} every {} bp",
                if req.sigmoid {
                    "sigmoid(logit)"
                } else {
                    "logit"
                },
                req.stride
            ),
            colour: palette[k % palette.len()],
        });
        let mut slots = Vec::new();
        if !chosen[k].is_empty() {
            std::fs::create_dir_all(out.join("units").join(&stem))
                .map_err(|e| file_error(&out, e))?;
        }
        for &u in &chosen[k] {
            let file = format!("units/{stem}/u{u}.bw");
            slots.push((u, tracks.len()));
            tracks.push(Track {
                sink: BigWigSink::create(&out.join(&file), &chroms)?,
                bedgraph: None,
                file,
                name: format!("{stem}_u{u}"),
                label: format!("{class}: u{u} {} (contribution)", labels[u]),
                colour: "90,90,90",
            });
        }
        rest_slot.push(match chosen[k].is_empty() {
            true => None,
            false => {
                let file = format!("units/{stem}/rest.bw");
                tracks.push(Track {
                    sink: BigWigSink::create(&out.join(&file), &chroms)?,
                    bedgraph: None,
                    file,
                    name: format!("{stem}_rest"),
                    label: format!(
                        "{class}: bias and the other units (logit minus the unit tracks)"
                    ),
                    colour: "160,160,160",
                });
                Some(tracks.len() - 1)
            }
        });
        unit_slots.push(slots);
    }

    let predictor = Predictor::new(model.model, req.device.clone(), req.batch_size);
    let c = classes.len();
    let w = final_layer.map(|(w, _)| w);
    let block = (BLOCK / req.stride).max(1) * req.stride;
    let (mut windows, mut skipped) = (0u64, 0u64);
    for (chrom, start, end) in &regions {
        let len = (end - start) as usize;
        let mut b0 = 0usize;
        while b0 + window <= len {
            let b1 = (b0 + block + window).min(len);
            let letters = genome.fetch(chrom, start + b0 as u64, start + b1 as u64)?;
            let codes = explainn_seq::encode::to_codes(&letters);
            let starts = tile_starts(codes.len(), window, req.stride, block)?;
            let (starts, dropped) = drop_n_windows(&codes, window, &starts, req.max_n)?;
            skipped += dropped as u64;
            windows += starts.len() as u64;
            if !starts.is_empty() {
                let t = predict_tiles(&predictor, &codes, &starts, both)?;
                let bins: Vec<(u32, u32)> = starts
                    .iter()
                    .map(|&s| {
                        let (lo, hi) = bin(b0 + s, window, req.stride);
                        let clip = |x: usize| (start + (x.min(len) as u64)) as u32;
                        (clip(lo), clip(hi))
                    })
                    .collect();
                let values = |f: &dyn Fn(usize) -> f32| -> Vec<Value> {
                    bins.iter()
                        .enumerate()
                        .filter(|(_, (lo, hi))| hi > lo)
                        .map(|(i, &(start, end))| Value {
                            start,
                            end,
                            value: f(i),
                        })
                        .collect()
                };
                for k in 0..c {
                    let logit = |i: usize| t.logits[i * c + k];
                    let shown = |i: usize| match req.sigmoid {
                        true => explainn_nn::loss::sigmoid(logit(i)),
                        false => logit(i),
                    };
                    let v = values(&shown);
                    let track = &mut tracks[class_slot[k]];
                    if let Some(bg) = track.bedgraph.as_mut() {
                        for x in &v {
                            writeln!(bg, "{chrom}\t{}\t{}\t{}", x.start, x.end, x.value)
                                .map_err(|e| file_error(&req.output, e))?;
                        }
                    }
                    track.sink.send(chrom, v)?;
                    if unit_slots[k].is_empty() {
                        continue;
                    }
                    let (o, w) = (
                        t.unit_outputs.as_ref().expect("a model with units"),
                        w.as_ref().expect("a model with units"),
                    );
                    let u = w.len() / c;
                    let contribution = |i: usize, x: usize| o[i * u + x] * w[k * u + x];
                    for &(x, slot) in &unit_slots[k] {
                        tracks[slot]
                            .sink
                            .send(chrom, values(&|i| contribution(i, x)))?;
                    }
                    let rest = |i: usize| {
                        logit(i)
                            - unit_slots[k]
                                .iter()
                                .map(|&(x, _)| contribution(i, x))
                                .sum::<f32>()
                    };
                    let slot = rest_slot[k].expect("set with the unit tracks");
                    tracks[slot].sink.send(chrom, values(&rest))?;
                }
            }
            b0 += block;
            progress(chrom, b0.min(len) as u64, len as u64);
        }
    }
    if windows == 0 {
        return Err(RunError::Data(format!(
            "no window of {window} bases has at most {} of N: nothing was predicted (raise --max-n?)",
            req.max_n
        )));
    }
    let mut files = Vec::new();
    let mut described = Vec::new();
    for t in tracks {
        t.sink.finish()?;
        if let Some(bg) = t.bedgraph {
            bg.commit()?;
            files.push(t.file.replace(".bw", ".bedGraph"));
        }
        files.push(t.file.clone());
        described.push((t.file, t.name, t.label, t.colour));
    }
    write_track_db(&out.join("trackDb.txt"), &described)?;
    write_igv_session(&out.join("igv_session.xml"), &req.genome, &described)?;
    files.push("trackDb.txt".into());
    files.push("igv_session.xml".into());
    let summary = serde_json::json!({
        "model": req.model.display().to_string(),
        "model_sha256": crate::model_checksum(&req.model)?,
        "genome": req.genome.display().to_string(),
        "regions": req.regions.as_ref().map(|p| p.display().to_string()),
        "window": window,
        "stride": req.stride,
        "max_n": req.max_n,
        "both_strands": both,
        "sigmoid": req.sigmoid,
        "windows": windows,
        "skipped_n": skipped,
        "short_chromosomes": short,
        "files": files,
    });
    crate::output::json_file(&out.join("summary.json"), &summary)?.commit()?;
    dir.commit()?;
    Ok(TileOutcome {
        windows,
        skipped_n: skipped,
        short,
        files,
    })
}

/// `trackDb.txt`: one UCSC track hub stanza per bigWig.
fn write_track_db(path: &Path, tracks: &[(String, String, String, &str)]) -> Result<()> {
    let mut f = AtomicFile::create(path)?;
    for (file, name, label, colour) in tracks {
        let short: String = name.chars().take(17).collect();
        writeln!(
            f,
            "track {name}\nbigDataUrl {file}\nshortLabel {short}\nlongLabel {label}\ntype bigWig\ncolor {colour}\nautoScale on\nvisibility full\n"
        )
        .map_err(|e| file_error(path, e))?;
    }
    f.commit()
}

/// `igv_session.xml`: the tracks, named and coloured, over the genome FASTA.
fn write_igv_session(
    path: &Path,
    genome: &Path,
    tracks: &[(String, String, String, &str)],
) -> Result<()> {
    let esc = |s: &str| {
        s.replace('&', "&amp;")
            .replace('<', "&lt;")
            .replace('>', "&gt;")
            .replace('"', "&quot;")
    };
    let genome = std::path::absolute(genome).unwrap_or_else(|_| genome.to_path_buf());
    let mut f = AtomicFile::create(path)?;
    let mut text = format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Session genome=\"{}\" version=\"8\">\n  <Resources>\n",
        esc(&genome.display().to_string())
    );
    for (file, ..) in tracks {
        text += &format!("    <Resource path=\"{}\"/>\n", esc(file));
    }
    text += "  </Resources>\n  <Panel name=\"DataPanel\">\n";
    for (file, _, label, colour) in tracks {
        text += &format!(
            "    <Track attributeKey=\"{0}\" id=\"{0}\" name=\"{1}\" color=\"{colour}\" autoScale=\"true\"/>\n",
            esc(file),
            esc(label)
        );
    }
    text += "  </Panel>\n</Session>\n";
    f.write_all(text.as_bytes())
        .map_err(|e| file_error(path, e))?;
    f.commit()
}
