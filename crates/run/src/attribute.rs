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
//! - `attributions.bedGraph` (BED + genome input): per genomic base the attribution of the
//!   sequence's base (Σ over A, C, G, T of `attributions`), minus-strand intervals mapped
//!   back to the plus strand, bases covered by several intervals averaged, sorted;
//! - `unit_attributions.npy` (`units`, DeepLIFT on ExplaiNN): `(N, U, L)` float32, each
//!   unit's share of each position's attribution (they sum over U to `attributions` summed
//!   over A, C, G, T);
//! - `summary.json`: method, references, steps, target, model checksum.
//!
//! Methods: exact DeepLIFT(-SHAP) and a receptive-field ISM on ExplaiNN's host form
//! ([`HostExplaiNN`]); ISM by mutate-and-predict for the other architectures; saliency,
//! input × gradient and integrated gradients through burn's autodiff for every one.

use crate::output::{AtomicFile, OutputDir};
use crate::{Result, RunError, file_error};
use explainn_nn::ModelFile;
use explainn_nn::Predictor;
use explainn_nn::attribute::{Gradients, HostExplaiNN, ism};
use rand::SeedableRng;
use rayon::prelude::*;
use std::io::Write;
use std::path::{Path, PathBuf};

/// Attribution method.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Method {
    /// In silico mutagenesis: f(mutant) − f(x) for every substitution (any architecture;
    /// ExplaiNN through its receptive-field form).
    Ism,
    /// The gradient ∂f/∂x at every base (any architecture, burn's autodiff).
    Saliency,
    /// Gradient × input (any architecture).
    InputXGradient,
    /// Integrated gradients against each reference over `--steps` Gauss–Legendre points (any
    /// architecture).
    IntegratedGradients,
    /// DeepLIFT against one reference (ExplaiNN, exact).
    DeepLift,
    /// DeepLIFT averaged over several references (ExplaiNN, exact per pair).
    DeepLiftShap,
}

const METHODS: &str =
    "ism, saliency, input-x-gradient, integrated-gradients, deeplift or deepliftshap";

impl Method {
    /// The name on the command line and in `summary.json`.
    pub fn name(self) -> &'static str {
        match self {
            Method::Ism => "ism",
            Method::Saliency => "saliency",
            Method::InputXGradient => "input-x-gradient",
            Method::IntegratedGradients => "integrated-gradients",
            Method::DeepLift => "deeplift",
            Method::DeepLiftShap => "deepliftshap",
        }
    }

    /// The references used when none are given: 20 shuffles for DeepLIFT-SHAP, one for
    /// DeepLIFT, the all-zero input for integrated gradients (as Captum); `None` for the
    /// methods without references.
    pub fn default_references(self) -> Option<References> {
        match self {
            Method::DeepLiftShap => Some(References::Shuffle(20)),
            Method::DeepLift => Some(References::Shuffle(1)),
            Method::IntegratedGradients => Some(References::Zeros),
            Method::Ism | Method::Saliency | Method::InputXGradient => None,
        }
    }
}

impl std::str::FromStr for Method {
    type Err = String;
    fn from_str(s: &str) -> std::result::Result<Self, String> {
        [
            Method::Ism,
            Method::Saliency,
            Method::InputXGradient,
            Method::IntegratedGradients,
            Method::DeepLift,
            Method::DeepLiftShap,
        ]
        .into_iter()
        .find(|m| m.name() == s)
        .ok_or_else(|| format!("unknown --method {s}: expected {METHODS}"))
    }
}

/// DeepLIFT references.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum References {
    /// `n` seeded dinucleotide shuffles of each sequence (default 20, as tangermeme).
    Shuffle(usize),
    /// The all-zero input.
    Zeros,
    /// Every base at the sequence's own GC/AT frequencies.
    Gc,
}

impl std::str::FromStr for References {
    type Err = String;
    fn from_str(s: &str) -> std::result::Result<Self, String> {
        match s {
            "zeros" => Ok(References::Zeros),
            "gc" => Ok(References::Gc),
            "shuffle" => Ok(References::Shuffle(20)),
            _ => match s.strip_prefix("shuffle:").map(str::parse::<usize>) {
                Some(Ok(n)) if n > 0 => Ok(References::Shuffle(n)),
                _ => Err(format!(
                    "unknown --references {s}: expected shuffle:N (N ≥ 1), zeros or gc"
                )),
            },
        }
    }
}

impl std::fmt::Display for References {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            References::Shuffle(n) => write!(f, "shuffle:{n}"),
            References::Zeros => write!(f, "zeros"),
            References::Gc => write!(f, "gc"),
        }
    }
}

/// What to attribute and where to write it.
#[derive(Debug, Clone)]
pub struct AttributeRequest {
    /// Model path (run directory or model file), recorded in `summary.json`.
    pub model_path: PathBuf,
    pub seqs: PathBuf,
    pub genome: Option<PathBuf>,
    pub fit_length: bool,
    pub method: Method,
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
}

fn target_index(classes: &[String], target: Option<&str>) -> Result<usize> {
    match target {
        None if classes.len() == 1 => Ok(0),
        None => Err(RunError::Data(format!(
            "the model has {} classes ({}); choose one with --target",
            classes.len(),
            classes.join(", ")
        ))),
        Some(t) => classes
            .iter()
            .position(|c| c == t)
            .or_else(|| t.parse::<usize>().ok().filter(|&i| i < classes.len()))
            .ok_or_else(|| {
                RunError::Data(format!(
                    "unknown --target {t}: the model's classes are {}",
                    classes.join(", ")
                ))
            }),
    }
}

/// The references `(4, L)` each of the sequence `codes` (`(L)`): shuffles drawn from
/// `seed` (the pipeline seeds sequence k with `--seed` + k).
pub(crate) fn references(codes: &[u8], l: usize, how: References, seed: u64) -> Vec<Vec<f32>> {
    match how {
        References::Zeros => vec![vec![0f32; 4 * l]],
        References::Gc => {
            let gc = codes.iter().filter(|&&c| c == 1 || c == 2).count() as f32;
            let acgt = codes.iter().filter(|&&c| c < 4).count().max(1) as f32;
            let g = gc / acgt / 2.0;
            let a = 0.5 - g;
            let mut v = vec![0f32; 4 * l];
            for (ch, p) in [a, g, g, a].into_iter().enumerate() {
                v[ch * l..(ch + 1) * l].fill(p);
            }
            vec![v]
        }
        References::Shuffle(n) => {
            let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(seed);
            (0..n)
                .map(|_| {
                    let s = explainn_seq::shuffle::dinucleotide_shuffle(codes, &mut rng);
                    explainn_seq::encode::one_hot_batch(&s, l, false)
                })
                .collect()
        }
    }
}

/// What computes the attributions, built once per run.
enum Engine {
    /// ExplaiNN on the host: exact DeepLIFT and the receptive-field ISM.
    Host(HostExplaiNN),
    /// Mutate and predict (ISM of the other architectures).
    Predict(Predictor),
    /// Input gradients through burn's autodiff (any architecture).
    Grad(Gradients),
}

/// One sequence's attributions for the target: `(4, L)` attributions, hypothetical
/// contributions when the method has them, and (logit, largest delta) when it has deltas.
type Attributed = (Vec<f32>, Option<Vec<f32>>, Option<Delta>, Option<Vec<f32>>);

/// (logit, largest convergence delta over the references, and for integrated gradients
/// the most quadrature points used and the references left above the tolerance).
type Delta = (f64, f64, Option<(usize, usize)>);

/// Hypothetical contributions from multipliers (or path gradients) `m` `(4, L)` against
/// reference `r`: h[b, j] = m[b, j] − Σ_ch m[ch, j]·r[ch, j], added into `out`.
fn add_hypothetical(m: &[f32], r: &[f32], l: usize, out: &mut [f64]) {
    for j in 0..l {
        let base: f64 = (0..4)
            .map(|ch| (m[ch * l + j] * r[ch * l + j]) as f64)
            .sum();
        for ch in 0..4 {
            out[ch * l + j] += m[ch * l + j] as f64 - base;
        }
    }
}

/// Attribute one chunk of sequences (`codes` `(n, L)`, `ohe` `(n, 4, L)`, the first one
/// being sequence number `first`).
#[allow(clippy::too_many_arguments)]
fn attribute_chunk(
    engine: &Engine,
    req: &AttributeRequest,
    refs_how: Option<References>,
    codes: &[u8],
    ohe: &[f32],
    first: usize,
    (l, cn, t, both): (usize, usize, usize, bool),
) -> Result<Vec<Attributed>> {
    let n4 = 4 * l;
    let n = codes.len() / l;
    let pick = |v: &[f32], s: usize| v[(s * cn + t) * n4..(s * cn + t + 1) * n4].to_vec();
    let refs_of = |s: usize| {
        let how = refs_how.expect("methods with references have a default");
        let seed = req.seed.wrapping_add((first + s) as u64);
        references(&codes[s * l..(s + 1) * l], l, how, seed)
    };
    Ok(match (req.method, engine) {
        (Method::Ism, Engine::Host(h)) => {
            let d = h.ism(codes, both);
            (0..n).map(|s| (pick(&d, s), None, None, None)).collect()
        }
        (Method::Ism, Engine::Predict(p)) => {
            let d = ism(p, codes, l, both)?;
            (0..n).map(|s| (pick(&d, s), None, None, None)).collect()
        }
        (Method::DeepLift | Method::DeepLiftShap, Engine::Host(h)) => (0..n)
            .into_par_iter()
            .map(|s| {
                let x = &ohe[s * n4..(s + 1) * n4];
                let (a, tracks) = h.attribute_units(x, &refs_of(s), both, req.units.then_some(t));
                let at = |v: &[f32]| v[t * n4..(t + 1) * n4].to_vec();
                (
                    at(&a.attributions),
                    Some(at(&a.hypothetical)),
                    Some((a.logits[t], a.max_delta[t], None)),
                    tracks,
                )
            })
            .collect(),
        (Method::Saliency | Method::InputXGradient, Engine::Grad(g)) => {
            let (_, grad) = g.gradient(ohe, t, both);
            (0..n)
                .map(|s| {
                    let gs = grad[s * n4..(s + 1) * n4].to_vec();
                    if req.method == Method::Saliency {
                        return (gs, None, None, None);
                    }
                    let xs = &ohe[s * n4..(s + 1) * n4];
                    let a = gs.iter().zip(xs).map(|(g, x)| g * x).collect();
                    (a, Some(gs), None, None)
                })
                .collect()
        }
        (Method::IntegratedGradients, Engine::Grad(g)) => (0..n)
            .map(|s| {
                let x = &ohe[s * n4..(s + 1) * n4];
                let refs = refs_of(s);
                let mut hyp = vec![0f64; n4];
                let (mut fx, mut worst, mut most, mut incomplete) = (0f64, 0f64, 0usize, 0usize);
                for r in &refs {
                    let ig = g.integrated_gradients(
                        x,
                        r,
                        req.steps,
                        req.tolerance,
                        req.max_steps,
                        t,
                        both,
                    );
                    add_hypothetical(&ig.mean_gradient, r, l, &mut hyp);
                    worst = worst.max(ig.delta);
                    fx = ig.fx as f64;
                    most = most.max(ig.steps);
                    incomplete += !ig.complete as usize;
                }
                let k = refs.len() as f64;
                let hyp: Vec<f32> = hyp.iter().map(|&v| (v / k) as f32).collect();
                let attr = hyp.iter().zip(x).map(|(h, x)| h * x).collect();
                (
                    attr,
                    Some(hyp),
                    Some((fx, worst, Some((most, incomplete)))),
                    None,
                )
            })
            .collect(),
        _ => unreachable!("the engine is chosen from the method"),
    })
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
    let arch = model.model.arch();
    let engine = match (req.method, model.model.explainn()) {
        (Method::Ism | Method::DeepLift | Method::DeepLiftShap, Some(m)) => {
            Engine::Host(HostExplaiNN::new(m))
        }
        (Method::DeepLift | Method::DeepLiftShap, None) => {
            return Err(RunError::Data(format!(
                "exact DeepLIFT is implemented for ExplaiNN models; this is a {} model: use --method ism{}",
                model.model.arch(),
                if model.model.stack().is_none() {
                    " or integrated-gradients"
                } else {
                    ""
                }
            )));
        }
        (Method::Ism, None) => Engine::Predict(Predictor::new(
            model.model,
            explainn_nn::default_device(),
            req.batch_size,
        )),
        (Method::Saliency | Method::InputXGradient | Method::IntegratedGradients, _) => {
            Engine::Grad(Gradients::new(&model.model, req.batch_size)?)
        }
    };
    if req.units
        && !(matches!(req.method, Method::DeepLift | Method::DeepLiftShap)
            && matches!(engine, Engine::Host(_)))
    {
        return Err(RunError::Data(format!(
            "--units (unit-resolved attributions) needs --method deeplift or deepliftshap on an ExplaiNN model (this is --method {} on a {} model)",
            req.method.name(),
            arch
        )));
    }
    if req.references.is_some() && req.method.default_references().is_none() {
        return Err(RunError::Data(format!(
            "--method {} takes no --references (they are for deeplift, deepliftshap and integrated-gradients)",
            req.method.name()
        )));
    }
    if req.method == Method::IntegratedGradients
        && (req.steps == 0 || req.max_steps < req.steps || !(req.tolerance >= 0.0))
    {
        return Err(RunError::Data(format!(
            "integrated gradients need 1 ≤ --steps ≤ --max-steps and --tolerance ≥ 0 (got {}, {}, {})",
            req.steps, req.max_steps, req.tolerance
        )));
    }
    let t = target_index(&classes, req.target.as_deref())?;
    let refs_how = match (req.method, req.references) {
        (Method::DeepLift, Some(References::Shuffle(_))) => Some(References::Shuffle(1)),
        (m, r) => r.or(m.default_references()),
    };
    let mut ids = Vec::new();
    let mut codes = Vec::new();
    for r in crate::input::open_sequences(&req.seqs, req.genome.as_deref(), l, req.fit_length)? {
        let (id, seq) = r?;
        ids.push(id);
        codes.extend(explainn_seq::encode::to_codes(&seq));
    }
    let n = ids.len();
    if n == 0 {
        return Err(file_error(&req.seqs, "holds no sequences"));
    }
    let ohe = explainn_seq::encode::one_hot_batch(&codes, l, false);
    let shape = (l, classes.len(), t, both);
    let mut attr = Vec::with_capacity(n * 4 * l);
    let mut hyp: Option<Vec<f32>> = None;
    let mut deltas: Option<Vec<Delta>> = None;
    let mut unit_tracks: Option<Vec<f32>> = None;
    for (k, (c, o)) in codes
        .chunks(CHUNK * l)
        .zip(ohe.chunks(CHUNK * 4 * l))
        .enumerate()
    {
        for (a, h, d, u) in attribute_chunk(&engine, req, refs_how, c, o, k * CHUNK, shape)? {
            attr.extend(a);
            if let Some(u) = u {
                unit_tracks.get_or_insert_with(Vec::new).extend(u);
            }
            if let Some(h) = h {
                hyp.get_or_insert_with(|| Vec::with_capacity(n * 4 * l))
                    .extend(h);
            }
            if let Some(d) = d {
                deltas.get_or_insert_with(|| Vec::with_capacity(n)).push(d);
            }
        }
        progress((k * CHUNK + c.len() / l).min(n));
    }
    if req.hypothetical {
        if let Some(h) = &hyp {
            attr.clone_from(h);
        }
    }
    let out = dir.path();
    fn view(v: &[f32], n: usize, l: usize) -> ndarray::ArrayView3<'_, f32> {
        ndarray::ArrayView3::from_shape((n, 4, l), v).expect("(N, 4, L) by construction")
    }
    let arr = |v| view(v, n, l);
    let npz_path = out.join("attributions.npz");
    let write_npz = || -> std::result::Result<(), String> {
        let f = std::fs::File::create(&npz_path).map_err(|e| e.to_string())?;
        let mut w = ndarray_npy::NpzWriter::new(f);
        w.add_array("ohe", &arr(&ohe)).map_err(|e| e.to_string())?;
        w.add_array("attributions", &arr(&attr))
            .map_err(|e| e.to_string())?;
        if let Some(h) = &hyp {
            w.add_array("hypothetical", &arr(h))
                .map_err(|e| e.to_string())?;
        }
        w.finish().map_err(|e| e.to_string())?;
        Ok(())
    };
    write_npz().map_err(|e| file_error(&npz_path, e))?;
    for (name, v) in [
        ("ohe.npy", &ohe),
        ("scores.npy", hyp.as_ref().unwrap_or(&attr)),
    ] {
        let path = out.join(name);
        ndarray_npy::write_npy(&path, &arr(v)).map_err(|e| file_error(&path, e))?;
    }
    let (mut max_delta, mut incomplete) = (None, 0);
    if let Some(deltas) = &deltas {
        let path = out.join("deltas.tsv");
        let mut f = AtomicFile::create(&path)?;
        let mut w = || -> std::io::Result<()> {
            let ig = req.method == Method::IntegratedGradients;
            writeln!(
                f,
                "id\tclass\tlogit\tmax_delta{}",
                if ig { "\tsteps" } else { "" }
            )?;
            for (id, (fx, d, steps)) in ids.iter().zip(deltas) {
                write!(f, "{id}\t{}\t{fx}\t{d:e}", classes[t])?;
                match steps {
                    Some((k, _)) => writeln!(f, "\t{k}")?,
                    None => writeln!(f)?,
                }
            }
            Ok(())
        };
        w().map_err(|e| file_error(&path, e))?;
        f.commit()?;
        max_delta = deltas.iter().map(|d| d.1).reduce(f64::max);
        incomplete = deltas.iter().map(|d| d.2.map_or(0, |s| s.1)).sum::<usize>();
    }
    if let Some(u) = &unit_tracks {
        let path = out.join("unit_attributions.npy");
        let units = u.len() / (n * l);
        let v = ndarray::ArrayView3::from_shape((n, units, l), u.as_slice())
            .expect("(N, U, L) by construction");
        ndarray_npy::write_npy(&path, &v).map_err(|e| file_error(&path, e))?;
    }
    if req.genome.is_some() {
        write_bedgraph(&out.join("attributions.bedGraph"), &req.seqs, l, &attr)?;
    }
    let summary = serde_json::json!({
        "model": std::path::absolute(&req.model_path).unwrap_or(req.model_path.clone()),
        "model_sha256": crate::model_checksum(&req.model_path)?,
        "sequences": std::path::absolute(&req.seqs).unwrap_or(req.seqs.clone()),
        "n": n,
        "length": l,
        "method": req.method.name(),
        "references": refs_how.map(|r| r.to_string()),
        "steps": (req.method == Method::IntegratedGradients).then_some(req.steps),
        "hypothetical": req.hypothetical && hyp.is_some(),
        "seed": req.seed,
        "target": classes[t],
        "both_strands": both,
        "max_delta": max_delta,
        "incomplete_pairs": (req.method == Method::IntegratedGradients).then_some(incomplete),
    });
    crate::output::json_file(&out.join("summary.json"), &summary)?.commit()?;
    dir.commit()?;
    Ok(AttributeOutcome {
        sequences: n,
        target: classes[t].clone(),
        max_delta,
        incomplete,
        both_strands: both,
    })
}

/// Write the per-base track of `attr` `(N, 4, L)` for the N intervals of `bed` (in file
/// order, re-centred to `l` as the input reader does).
fn write_bedgraph(path: &Path, bed: &Path, l: usize, attr: &[f32]) -> Result<()> {
    use std::collections::BTreeMap;
    let ivs = explainn_seq::bed::read_bed(bed)?;
    // chrom → position → (sum, count)
    let mut track: BTreeMap<String, BTreeMap<u64, (f64, u32)>> = BTreeMap::new();
    for (s, iv) in ivs.iter().enumerate() {
        let iv = iv.recentred(l as u64, None).ok_or_else(|| {
            file_error(bed, format!("line {}: window before position 0", iv.line))
        })?;
        let block = &attr[s * 4 * l..(s + 1) * 4 * l];
        let chrom = track.entry(iv.chrom.clone()).or_default();
        for i in 0..l {
            let v: f64 = (0..4).map(|ch| block[ch * l + i] as f64).sum();
            let pos = match iv.strand {
                explainn_seq::bed::Strand::Minus => iv.end - 1 - i as u64,
                _ => iv.start + i as u64,
            };
            let e = chrom.entry(pos).or_insert((0.0, 0));
            e.0 += v;
            e.1 += 1;
        }
    }
    let mut f = AtomicFile::create(path)?;
    let mut w = || -> std::io::Result<()> {
        for (chrom, bases) in &track {
            for (pos, (sum, n)) in bases {
                writeln!(
                    f,
                    "{chrom}\t{pos}\t{}\t{}",
                    pos + 1,
                    (sum / *n as f64) as f32
                )?;
            }
        }
        Ok(())
    };
    w().map_err(|e| file_error(path, e))?;
    f.commit()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn options_parse_with_clear_errors() {
        assert_eq!(
            "shuffle:5".parse::<References>(),
            Ok(References::Shuffle(5))
        );
        assert!("shuffle:0".parse::<References>().is_err());
        assert_eq!(
            "integrated-gradients".parse::<Method>(),
            Ok(Method::IntegratedGradients)
        );
        assert!(
            "shap"
                .parse::<Method>()
                .unwrap_err()
                .contains("deepliftshap")
        );
        let classes = vec!["GATA".to_string(), "TAL1".to_string()];
        assert_eq!(target_index(&classes, Some("TAL1")).unwrap(), 1);
        assert_eq!(target_index(&classes, Some("0")).unwrap(), 0);
        assert!(
            target_index(&classes, None)
                .unwrap_err()
                .to_string()
                .contains("--target")
        );
        assert!(
            target_index(&classes, Some("CTCF"))
                .unwrap_err()
                .to_string()
                .contains("GATA, TAL1")
        );
    }
}
