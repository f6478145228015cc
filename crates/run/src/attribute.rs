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
use crate::{Result, RunError, file_error};
use explainn_nn::ModelFile;
use explainn_nn::Predictor;
use explainn_nn::attribute::{Gradients, HostCnn, HostExplaiNN, ism};
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

/// The most integrated-gradient points per path (`max_steps`).
pub const MAX_IG_STEPS: usize = 10_000;

/// The most shuffled references per sequence (`shuffle:N`).
pub const MAX_SHUFFLES: usize = 10_000;

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
                Some(Ok(n)) if (1..=MAX_SHUFFLES).contains(&n) => Ok(References::Shuffle(n)),
                Some(Ok(n)) if n > MAX_SHUFFLES => Err(format!(
                    "--references {s}: {n} shuffles per sequence; at most {MAX_SHUFFLES} (each is one more forward and backward pass per sequence; tangermeme's default is 20)"
                )),
                _ => Err(format!(
                    "unknown --references {s}: expected shuffle:N (1 ≤ N ≤ {MAX_SHUFFLES}), zeros or gc"
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
    /// A convolutional baseline on the host: exact DeepLIFT.
    Layered(HostCnn),
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
        (Method::DeepLift | Method::DeepLiftShap, Engine::Layered(h)) => {
            // A few sequences per batch: their references share each dense layer's product.
            let groups: Vec<Vec<usize>> = (0..n)
                .collect::<Vec<_>>()
                .chunks(4)
                .map(<[usize]>::to_vec)
                .collect();
            let done: Vec<Vec<Attributed>> = groups
                .into_par_iter()
                .map(|g| {
                    let xs: Vec<&[f32]> = g.iter().map(|&s| &ohe[s * n4..(s + 1) * n4]).collect();
                    let refs: Vec<Vec<Vec<f32>>> = g.iter().map(|&s| refs_of(s)).collect();
                    h.attribute_batch(&xs, &refs, both, t)
                        .into_iter()
                        .map(|a| {
                            let d = (a.logits[0], a.max_delta[0], None);
                            (a.attributions, Some(a.hypothetical), Some(d), None)
                        })
                        .collect()
                })
                .collect();
            done.into_iter().flatten().collect()
        }
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
        (Method::DeepLift | Method::DeepLiftShap, None) => match &model.model {
            explainn_nn::Model::Cnn(c) => Engine::Layered(HostCnn::new(c)),
            explainn_nn::Model::DanQ(_) => {
                return Err(RunError::Data(
                    "exact DeepLIFT has no rule here for DanQ's LSTM (its gates multiply inputs over the whole sequence, which the rescale rule cannot split exactly): use --method ism or integrated-gradients".into(),
                ));
            }
            _ => {
                return Err(RunError::Data(format!(
                    "exact DeepLIFT is implemented for ExplaiNN and the convolutional baselines; this is a {} model: use --method ism",
                    model.model.arch(),
                )));
            }
        },
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
    if let (Method::DeepLift, Some(References::Shuffle(n))) = (req.method, req.references)
        && n > 1
    {
        return Err(RunError::Data(format!(
            "--method deeplift takes one reference per sequence (got --references shuffle:{n}); use --method deepliftshap to average over {n} shuffles"
        )));
    }
    if req.method == Method::IntegratedGradients && req.max_steps > MAX_IG_STEPS {
        return Err(RunError::Data(format!(
            "integrated gradients with up to {} points per sequence and reference: at most {MAX_IG_STEPS} (refinement to --tolerance 0.01 needs ≤ 400 on the models measured)",
            req.max_steps
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
        (m, r) => r.or(m.default_references()),
    };
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
    let ig = req.method == Method::IntegratedGradients;
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
        let shape = (l, classes.len(), t, both);
        for (id, (a, h, d, u)) in ids.iter().zip(attribute_chunk(
            &engine, req, refs_how, &codes, &ohe, n, shape,
        )?) {
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
        "method": req.method.name(),
        "references": refs_how.map(|r| r.to_string()),
        "steps": (req.method == Method::IntegratedGradients).then_some(req.steps),
        "hypothetical": req.hypothetical && hyp_path.is_some(),
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
    let path = out.join("attributions.bedGraph");
    let mut f =
        std::io::BufWriter::new(std::fs::File::create(&path).map_err(|e| file_error(&path, e))?);
    for v in GenomeTrack::open(bed, l, track)? {
        let (chrom, pos, value) = v.map_err(|e| file_error(track, e))?;
        writeln!(f, "{chrom}\t{pos}\t{}\t{value}", pos + 1).map_err(|e| file_error(&path, e))?;
    }
    f.flush().map_err(|e| file_error(&path, e))?;
    let path = out.join("attributions.bw");
    let sizes = explainn_seq::bed::Genome::open(genome)?
        .chromosomes()
        .iter()
        .map(|(c, n)| (c.clone(), (*n).min(u32::MAX as u64) as u32))
        .collect();
    let values = GenomeTrack::open(bed, l, track)?.map(|v| {
        v.map(|(chrom, pos, value)| {
            let start = pos as u32;
            let end = start + 1;
            (chrom, bigtools::Value { start, end, value })
        })
    });
    let data = bigtools::beddata::BedParserStreamingIterator::wrap_iter(values, false);
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(rayon::current_num_threads().max(1))
        .build()
        .map_err(|e| file_error(&path, e))?;
    bigtools::BigWigWrite::create_file(&path, sizes)
        .map_err(|e| file_error(&path, e))?
        .write(data, runtime)
        .map_err(|e| file_error(&path, format!("cannot write the bigWig: {e}")))?;
    Ok(())
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

    #[test]
    fn options_parse_with_clear_errors() {
        assert_eq!(
            "shuffle:5".parse::<References>(),
            Ok(References::Shuffle(5))
        );
        assert!("shuffle:0".parse::<References>().is_err());
        let e = "shuffle:18446744073709551615"
            .parse::<References>()
            .unwrap_err();
        assert!(e.contains("at most 10000"), "{e}");
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
