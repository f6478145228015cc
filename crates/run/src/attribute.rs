//! The attribution pipeline (`explainn attribute`): sequences in (FASTA/FASTQ/TSV, or BED
//! + genome, under the shared input rule), base-resolution attributions out, in a
//! directory replaced whole:
//!
//! - `attributions.npz`: `ohe` `(N, 4, L)` one-hot input, `attributions` `(N, 4, L)` and,
//!   for the methods that have them (DeepLIFT, input × gradient, integrated gradients),
//!   `hypothetical` `(N, 4, L)`, all float32, for the target class;
//! - `ohe.npy` and `scores.npy` (the hypothetical contributions where the method has
//!   them, else the attributions): what `modisco motifs -s ohe.npy -a scores.npy` reads;
//! - `deltas.tsv` (DeepLIFT, integrated gradients): per sequence the logit and the
//!   largest convergence delta |Σ attributions − (f(x) − f(r))| over its references;
//! - `attributions.bedGraph` and `attributions.bw` (BED + genome input): per genomic base
//!   the attribution of the sequence's base (Σ over A, C, G, T of the attributions, not of
//!   the hypothetical contributions, also under `--hypothetical`), minus-strand intervals
//!   mapped back to the plus strand, bases covered by several intervals averaged, in
//!   genome order; the bigWig (bigtools) over the genome's chromosome sizes;
//! - `unit_attributions.npy` (`units`, DeepLIFT on ExplaiNN): `(N, U, L)` float32, each
//!   unit's share of each position's attribution (they sum over U to `attributions` summed
//!   over A, C, G, T);
//! - `summary.json`: method, references, steps, target, model checksum.
//!
//! The run streams: sequences are read, attributed and appended to the `.npy` outputs 64
//! at a time, so memory stays constant however many sequences run (the `.npz` is
//! assembled from the finished arrays, and the tracks are swept from a per-sequence file
//! holding only the windows that cover the current base).
//!
//! Methods: exact DeepLIFT(-SHAP) and a receptive-field ISM on ExplaiNN's host form
//! ([`HostExplaiNN`]); ISM by mutate-and-predict for the other architectures; saliency,
//! input × gradient and integrated gradients through burn's autodiff for every one.

use crate::npy::NpyWriter;
use crate::output::{AtomicFile, OutputDir};
use crate::{Result, file_error};
use explainn_nn::ModelFile;
use explainn_ops::attribute::{AttributeOptions, Attributor, default_method};
pub use explainn_ops::attribute::{
    MAX_IG_STEPS, MAX_SHUFFLES, Method, References, references, target_index,
};
use std::io::Write;
use std::path::{Path, PathBuf};

/// What to attribute and where to write it.
#[derive(Debug, Clone)]
pub struct AttributeRequest {
    /// Model path (run directory or model file), recorded in `summary.json`.
    pub model_path: PathBuf,
    pub seqs: PathBuf,
    pub genome: Option<PathBuf>,
    pub fit_length: bool,
    /// `None` = [`default_method`] of the model (as the report).
    pub method: Option<Method>,
    /// `None` = the method's [`Method::default_references`].
    pub references: Option<References>,
    /// Integrated gradients: Gauss–Legendre points per reference to start from (default
    /// 50), doubled while a pair's convergence delta exceeds `tolerance` ·
    /// max(1, |f(x) − f(r)|) (default 0.01), up to `max_steps` (default 1,600).
    pub steps: usize,
    pub tolerance: f64,
    pub max_steps: usize,
    /// Write the hypothetical contributions (every base) as `attributions`, as
    /// tangermeme's `hypothetical=True` (DeepLIFT, input × gradient, integrated gradients;
    /// ISM and saliency give every base already).
    pub hypothetical: bool,
    /// Also write unit-resolved attributions (DeepLIFT methods on ExplaiNN).
    pub units: bool,
    /// Class name or 0-based index; `None` = the only class (an error with several).
    pub target: Option<String>,
    pub forward_only: bool,
    pub output: PathBuf,
    pub seed: u64,
    pub batch_size: usize,
    pub device: explainn_nn::Device,
}

/// What an attribution run produced.
#[derive(Debug)]
pub struct AttributeOutcome {
    pub sequences: usize,
    pub target: String,
    /// The largest convergence delta |Σ attributions − (f(x) − f(r))| over all
    /// sequence–reference pairs (DeepLIFT and integrated gradients).
    pub max_delta: Option<f64>,
    /// Integrated gradients: sequence–reference pairs whose delta stayed above the
    /// tolerance at `max_steps`.
    pub incomplete: usize,
    pub both_strands: bool,
    /// The method used (the request's, or the model's default).
    pub method: Method,
}

/// Sequences per progress step (and per parallel chunk).
const CHUNK: usize = 64;

/// Run `req` on `model`: read the sequences, attribute, write the directory. `progress`
/// is called with the number of sequences finished after each chunk.
pub fn attribute_run(
    model: ModelFile,
    req: &AttributeRequest,
    progress: &(dyn Fn(usize) + Sync),
) -> Result<AttributeOutcome> {
    let dir = OutputDir::create(&req.output, &["attributions.npz"], "attributions")?;
    let meta = &model.metadata;
    let classes = meta.class_names.clone();
    let both = crate::policy::both_strands(meta, req.forward_only);
    let l = model.model.input_length();
    let t = target_index(&classes, req.target.as_deref())?;
    let method = req.method.unwrap_or_else(|| default_method(&model.model));
    let attributor = Attributor::new(
        model.model,
        AttributeOptions {
            method,
            references: req.references,
            steps: req.steps,
            tolerance: req.tolerance,
            max_steps: req.max_steps,
            units: req.units,
            both_strands: both,
            seed: req.seed,
            batch_size: req.batch_size,
            device: req.device.clone(),
        },
    )?;
    let refs_how = attributor.references();
    // Streamed: CHUNK sequences at a time in, their rows appended to the outputs.
    let out = dir.path();
    let mut records =
        crate::input::open_sequences(&req.seqs, req.genome.as_deref(), l, req.fit_length)?;
    let mut ohe_w = NpyWriter::create(&out.join("ohe.npy"), &[4, l])?;
    let mut attr_w = NpyWriter::create(&out.join(".attributions.npy"), &[4, l])?;
    let mut hyp_w: Option<NpyWriter> = None;
    let mut units_w: Option<NpyWriter> = None;
    let mut track_w = match req.genome {
        Some(_) => Some(NpyWriter::create(&out.join(".track.npy"), &[l])?),
        None => None,
    };
    let ig = method == Method::IntegratedGradients;
    let mut deltas_w: Option<AtomicFile> = None;
    let deltas_path = out.join("deltas.tsv");
    let (mut n, mut max_delta, mut incomplete) = (0usize, None::<f64>, 0usize);
    let (mut ids, mut codes) = (Vec::with_capacity(CHUNK), Vec::with_capacity(CHUNK * l));
    loop {
        ids.clear();
        codes.clear();
        for r in records.by_ref().take(CHUNK) {
            let (id, seq) = r?;
            ids.push(id);
            codes.extend(explainn_seq::encode::to_codes(&seq));
        }
        if ids.is_empty() {
            break;
        }
        let ohe = explainn_seq::encode::one_hot_batch(&codes, l, false);
        ohe_w.write_rows(&ohe)?;
        for (id, done) in ids
            .iter()
            .zip(attributor.attribute_one_hot(&codes, &ohe, n, t)?)
        {
            let (a, h, u) = (done.attributions, done.hypothetical, done.units);
            let d = done.delta.map(|d| (d.logit, d.max_delta, d.steps));
            match (&h, req.hypothetical) {
                (Some(h), true) => attr_w.write_rows(h)?,
                _ => attr_w.write_rows(&a)?,
            }
            if let Some(w) = track_w.as_mut() {
                let track: Vec<f32> = (0..l)
                    .map(|j| (0..4).map(|ch| a[ch * l + j]).sum())
                    .collect();
                w.write_rows(&track)?;
            }
            if let Some(h) = h {
                if hyp_w.is_none() {
                    hyp_w = Some(NpyWriter::create(&out.join(".hypothetical.npy"), &[4, l])?);
                }
                hyp_w.as_mut().expect("created").write_rows(&h)?;
            }
            if let Some(u) = u {
                if units_w.is_none() {
                    let path = out.join("unit_attributions.npy");
                    units_w = Some(NpyWriter::create(&path, &[u.len() / l, l])?);
                }
                units_w.as_mut().expect("created").write_rows(&u)?;
            }
            if let Some((fx, delta, steps)) = d {
                if deltas_w.is_none() {
                    let mut f = AtomicFile::create(&deltas_path)?;
                    let head = format!(
                        "id\tclass\tlogit\tmax_delta{}\n",
                        if ig { "\tsteps" } else { "" }
                    );
                    f.write_all(head.as_bytes())
                        .map_err(|e| file_error(&deltas_path, e))?;
                    deltas_w = Some(f);
                }
                let f = deltas_w.as_mut().expect("created");
                let line = match steps {
                    Some((k, _)) => format!("{id}\t{}\t{fx}\t{delta:e}\t{k}\n", classes[t]),
                    None => format!("{id}\t{}\t{fx}\t{delta:e}\n", classes[t]),
                };
                f.write_all(line.as_bytes())
                    .map_err(|e| file_error(&deltas_path, e))?;
                max_delta = Some(max_delta.map_or(delta, |m| m.max(delta)));
                incomplete += steps.map_or(0, |s| s.1);
            }
        }
        n += ids.len();
        progress(n);
    }
    if n == 0 {
        return Err(file_error(&req.seqs, "holds no sequences"));
    }
    let ohe_path = ohe_w.finish()?;
    let attr_path = attr_w.finish()?;
    let hyp_path = hyp_w.map(NpyWriter::finish).transpose()?;
    if let Some(w) = units_w {
        w.finish()?;
    }
    if let Some(f) = deltas_w {
        f.commit()?;
    }
    let mut arrays = vec![
        ("ohe", ohe_path.as_path()),
        ("attributions", attr_path.as_path()),
    ];
    if let Some(h) = &hyp_path {
        arrays.push(("hypothetical", h.as_path()));
    }
    crate::npy::write_npz(&out.join("attributions.npz"), &arrays)?;
    // What `modisco motifs -s ohe.npy -a scores.npy` reads: the hypothetical
    // contributions where the method has them.
    let scores = out.join("scores.npy");
    std::fs::rename(hyp_path.as_ref().unwrap_or(&attr_path), &scores)
        .map_err(|e| file_error(&scores, e))?;
    for tmp in [&attr_path, &out.join(".hypothetical.npy")] {
        if tmp.exists() {
            std::fs::remove_file(tmp).map_err(|e| file_error(tmp, e))?;
        }
    }
    if let (Some(w), Some(genome)) = (track_w, &req.genome) {
        let track = w.finish()?;
        write_tracks(out, &req.seqs, genome, l, &track)?;
        std::fs::remove_file(&track).map_err(|e| file_error(&track, e))?;
    }
    let summary = serde_json::json!({
        "model": std::path::absolute(&req.model_path).unwrap_or(req.model_path.clone()),
        "model_sha256": crate::model_checksum(&req.model_path)?,
        "sequences": std::path::absolute(&req.seqs).unwrap_or(req.seqs.clone()),
        "n": n,
        "length": l,
        "method": method.name(),
        "references": refs_how.map(|r| r.to_string()),
        "steps": (method == Method::IntegratedGradients).then_some(req.steps),
        "hypothetical": req.hypothetical && hyp_path.is_some(),
        "seed": req.seed,
        "target": classes[t],
        "both_strands": both,
        "max_delta": max_delta,
        "incomplete_pairs": (method == Method::IntegratedGradients).then_some(incomplete),
    });
    crate::output::json_file(&out.join("summary.json"), &summary)?.commit()?;
    dir.commit()?;
    Ok(AttributeOutcome {
        sequences: n,
        target: classes[t].clone(),
        max_delta,
        incomplete,
        both_strands: both,
        method,
    })
}

/// One interval's window of the track: (start, end, minus strand, its row of values).
type Window = (u64, u64, bool, Vec<f32>);

/// The per-base values of the intervals' tracks in genome order (chromosomes by name,
/// positions ascending), averaged where intervals overlap; minus-strand windows mapped back
/// to the plus strand. Holds only the windows that cover the current base.
struct GenomeTrack {
    file: std::fs::File,
    l: usize,
    /// (chromosome, start, end, minus strand, row), sorted by chromosome and start.
    ivs: Vec<(String, u64, u64, bool, usize)>,
    next: usize,
    chrom: String,
    pos: u64,
    active: Vec<Window>,
}

impl GenomeTrack {
    /// The track of `bed`'s intervals (re-centred to `l` as the input reader does) whose
    /// rows `(N, L)` are in the `.npy` file `track`.
    fn open(bed: &Path, l: usize, track: &Path) -> Result<Self> {
        let mut ivs = Vec::new();
        for (row, iv) in explainn_seq::bed::read_bed(bed)?.iter().enumerate() {
            let iv = iv.recentred(l as u64, None).ok_or_else(|| {
                file_error(bed, format!("line {}: window before position 0", iv.line))
            })?;
            let minus = iv.strand == explainn_seq::bed::Strand::Minus;
            ivs.push((iv.chrom.clone(), iv.start, iv.end, minus, row));
        }
        ivs.sort_by(|a, b| (&a.0, a.1).cmp(&(&b.0, b.1)));
        let file = std::fs::File::open(track).map_err(|e| file_error(track, e))?;
        Ok(Self {
            file,
            l,
            ivs,
            next: 0,
            chrom: String::new(),
            pos: 0,
            active: Vec::new(),
        })
    }
}

impl Iterator for GenomeTrack {
    /// (chromosome, position, mean value) of the next covered base.
    type Item = std::io::Result<(String, u64, f32)>;

    fn next(&mut self) -> Option<Self::Item> {
        let pos = self.pos;
        self.active.retain(|w| w.1 > pos);
        if self.active.is_empty() {
            let (chrom, start, ..) = self.ivs.get(self.next)?;
            if *chrom != self.chrom {
                self.chrom.clone_from(chrom);
                self.pos = *start;
            } else {
                self.pos = self.pos.max(*start);
            }
        }
        while let Some((chrom, start, end, minus, row)) = self.ivs.get(self.next) {
            if *chrom != self.chrom || *start > self.pos {
                break;
            }
            let mut values = Vec::with_capacity(self.l);
            if let Err(e) = crate::npy::read_row(&mut self.file, self.l, *row, &mut values) {
                return Some(Err(e));
            }
            self.active.push((*start, *end, *minus, values));
            self.next += 1;
        }
        let p = self.pos;
        let sum: f64 = self
            .active
            .iter()
            .map(|(s, e, minus, v)| {
                let i = if *minus { e - 1 - p } else { p - s };
                v[i as usize] as f64
            })
            .sum();
        self.pos += 1;
        let mean = (sum / self.active.len() as f64) as f32;
        Some(Ok((self.chrom.clone(), p, mean)))
    }
}

/// Write the genome track of the sequences' attributions (rows `(N, L)` in `track`, for
/// the intervals of `bed`) as `attributions.bedGraph` and `attributions.bw` in `out`, the
/// bigWig over the chromosome sizes of `genome`.
fn write_tracks(out: &Path, bed: &Path, genome: &Path, l: usize, track: &Path) -> Result<()> {
    crate::tracks::write_bedgraph(
        &out.join("attributions.bedGraph"),
        GenomeTrack::open(bed, l, track)?,
        track,
    )?;
    crate::tracks::write_bigwig(
        &out.join("attributions.bw"),
        genome,
        GenomeTrack::open(bed, l, track)?,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The genome track walks chromosomes by name and bases in order, averages where
    /// windows overlap, maps minus-strand windows back and skips uncovered bases.
    #[test]
    fn genome_track_averages_overlaps_in_genome_order() {
        let dir = tempfile::tempdir().unwrap();
        let bed = dir.path().join("x.bed");
        // Rows: 0 chr2 minus [10, 14); 1 chr1 [5, 9); 2 chr1 [7, 11); 3 chr1 [20, 24).
        std::fs::write(
            &bed,
            "chr2\t10\t14\ta\t0\t-\nchr1\t5\t9\nchr1\t7\t11\nchr1\t20\t24\n",
        )
        .unwrap();
        let npy = dir.path().join("t.npy");
        let mut w = NpyWriter::create(&npy, &[4]).unwrap();
        w.write_rows(&[1.0, 2.0, 3.0, 4.0, 10.0, 20.0, 30.0, 40.0])
            .unwrap();
        w.write_rows(&[100.0, 200.0, 300.0, 400.0, 5.0, 6.0, 7.0, 8.0])
            .unwrap();
        w.finish().unwrap();
        let got: Vec<(String, u64, f32)> = GenomeTrack::open(&bed, 4, &npy)
            .unwrap()
            .map(|v| v.unwrap())
            .collect();
        let want = [
            ("chr1", 5, 10.0),
            ("chr1", 6, 20.0),
            ("chr1", 7, 65.0), // (30 + 100) / 2
            ("chr1", 8, 120.0),
            ("chr1", 9, 300.0),
            ("chr1", 10, 400.0),
            ("chr1", 20, 5.0),
            ("chr1", 21, 6.0),
            ("chr1", 22, 7.0),
            ("chr1", 23, 8.0),
            ("chr2", 10, 4.0), // minus strand: the window's last value first
            ("chr2", 11, 3.0),
            ("chr2", 12, 2.0),
            ("chr2", 13, 1.0),
        ];
        let want: Vec<(String, u64, f32)> = want
            .iter()
            .map(|&(c, p, v)| (c.to_string(), p, v))
            .collect();
        assert_eq!(got, want);
    }
}
