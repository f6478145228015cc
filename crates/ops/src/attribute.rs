//! Base-resolution attributions of one class, for every method, on sequences given as
//! codes `(N, L)`: the engine is chosen once per model ([`Attributor::new`]) from the
//! method and the architecture, so every caller (the `attribute` pipeline, the report, the
//! Python package) gets the same numbers from the same options.
//!
//! - exact DeepLIFT(-SHAP) and a receptive-field ISM on ExplaiNN's host form
//!   ([`HostExplaiNN`]); exact DeepLIFT for the convolutional baselines ([`HostCnn`]);
//! - ISM by mutate-and-predict for the other architectures;
//! - saliency, input × gradient and integrated gradients through burn's autodiff for
//!   every architecture.
//!
//! ```
//! use explainn_nn::{Arch, Model, ModelConfig};
//! use explainn_ops::attribute::{AttributeOptions, Attributor, Method};
//! let config = ModelConfig::published(Arch::ExplaiNN, 30, 2).unwrap();
//! let model = Model::new(&config, 7, &explainn_nn::default_device()).unwrap();
//! let opts = AttributeOptions { references: Some("shuffle:3".parse().unwrap()), ..Default::default() };
//! let a = Attributor::new(model, opts).unwrap();
//! assert_eq!(a.method(), Method::DeepLiftShap);
//! let codes: Vec<u8> = (0..2 * 30).map(|i| (i * 7 % 4) as u8).collect(); // (2, 30)
//! let out = a.attribute(&codes, 0, 1).unwrap();
//! assert_eq!((out.len(), out[0].attributions.len()), (2, 4 * 30));
//! // DeepLIFT is complete: each sequence's largest convergence delta is tiny.
//! assert!(out.iter().all(|s| s.delta.unwrap().max_delta < 1e-3));
//! ```

use crate::defaults;
use crate::{OpsError, Result};
use explainn_nn::attribute::{Gradients, HostCnn, HostExplaiNN, ism};
use explainn_nn::{Device, Model, Predictor};
use rand::SeedableRng;
use rayon::prelude::*;

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
            Method::DeepLiftShap => Some(References::Shuffle(defaults::SHUFFLES)),
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
    /// `n` seeded dinucleotide shuffles of each sequence ([`defaults::SHUFFLES`] for
    /// DeepLIFT-SHAP, as tangermeme).
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
            "shuffle" => Ok(References::Shuffle(defaults::SHUFFLES)),
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

/// The class index of `target` (a class name or a 0-based index); `None` is the only class
/// (an error when the model has several).
pub fn target_index(classes: &[String], target: Option<&str>) -> Result<usize> {
    match target {
        None if classes.len() == 1 => Ok(0),
        None => Err(OpsError::option(
            "target",
            format!(
                "the model has {} classes ({}); choose one",
                classes.len(),
                classes.join(", ")
            ),
        )),
        Some(t) => classes
            .iter()
            .position(|c| c == t)
            .or_else(|| t.parse::<usize>().ok().filter(|&i| i < classes.len()))
            .ok_or_else(|| {
                OpsError::option(
                    "target",
                    format!(
                        "unknown class {t}: the model's classes are {}",
                        classes.join(", ")
                    ),
                )
            }),
    }
}

/// The references `(4, L)` each of the sequence `codes` (`(L)`): shuffles drawn from
/// `seed` (the pipeline seeds sequence k with `--seed` + k).
pub fn references(codes: &[u8], l: usize, how: References, seed: u64) -> Vec<Vec<f32>> {
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

/// How to attribute ([`Default`]: DeepLIFT-SHAP over the method's default references, the
/// integrated-gradient settings of [`defaults`], both strands, seed [`defaults::SEED`],
/// batches of [`defaults::BATCH_SIZE`], the CPU).
#[derive(Debug, Clone)]
pub struct AttributeOptions {
    pub method: Method,
    /// `None` = the method's [`Method::default_references`].
    pub references: Option<References>,
    /// Integrated gradients: Gauss–Legendre points per reference to start from, doubled
    /// while a pair's convergence delta exceeds `tolerance` · max(1, |f(x) − f(r)|), up to
    /// `max_steps`.
    pub steps: usize,
    pub tolerance: f64,
    pub max_steps: usize,
    /// Also return unit-resolved attributions (DeepLIFT methods on ExplaiNN).
    pub units: bool,
    /// Average the forward and reverse-complement strands (as predictions do).
    pub both_strands: bool,
    /// Sequence `first + s` draws its shuffled references from `seed + first + s`.
    pub seed: u64,
    pub batch_size: usize,
    pub device: Device,
}

impl Default for AttributeOptions {
    fn default() -> Self {
        Self {
            method: Method::DeepLiftShap,
            references: None,
            steps: defaults::IG_STEPS,
            tolerance: defaults::IG_TOLERANCE,
            max_steps: defaults::IG_MAX_STEPS,
            units: false,
            both_strands: true,
            seed: defaults::SEED,
            batch_size: defaults::BATCH_SIZE,
            device: explainn_nn::default_device(),
        }
    }
}

/// The method that attributes `model` by default: DeepLIFT-SHAP where an exact rule
/// exists for every layer (ExplaiNN and the convolutional baselines), integrated
/// gradients otherwise.
pub fn default_method(model: &Model) -> Method {
    match model {
        Model::ExplaiNN(_) | Model::Cnn(_) => Method::DeepLiftShap,
        _ => Method::IntegratedGradients,
    }
}

/// One sequence's attributions of the target class.
#[derive(Debug, Clone)]
pub struct Attribution {
    /// `(4, L)`.
    pub attributions: Vec<f32>,
    /// `(4, L)` hypothetical contributions, for the methods that have them (DeepLIFT,
    /// input × gradient, integrated gradients).
    pub hypothetical: Option<Vec<f32>>,
    /// The convergence check of the methods that have one (DeepLIFT, integrated
    /// gradients).
    pub delta: Option<Delta>,
    /// `(U, L)` unit-resolved attributions ([`AttributeOptions::units`]).
    pub units: Option<Vec<f32>>,
}

/// How complete one sequence's attributions are.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Delta {
    /// f(x), the target's logit.
    pub logit: f64,
    /// The largest |Σ attributions − (f(x) − f(r))| over the sequence's references.
    pub max_delta: f64,
    /// Integrated gradients: the most points used on one path, and the references whose
    /// delta stayed above the tolerance.
    pub steps: Option<(usize, usize)>,
}

/// Attributes sequences of one model with one set of options.
pub struct Attributor {
    engine: Engine,
    opts: AttributeOptions,
    references: Option<References>,
    length: usize,
    classes: usize,
}

impl Attributor {
    /// Check `opts` against `model` and build the engine the method needs.
    pub fn new(model: Model, opts: AttributeOptions) -> Result<Self> {
        let arch = model.arch();
        let (length, classes) = (model.input_length(), model.classes());
        let engine = match (opts.method, model.explainn()) {
            (Method::Ism | Method::DeepLift | Method::DeepLiftShap, Some(m)) => {
                Engine::Host(HostExplaiNN::new(m))
            }
            (Method::DeepLift | Method::DeepLiftShap, None) => match &model {
                Model::Cnn(c) => Engine::Layered(HostCnn::new(c)),
                Model::DanQ(_) => {
                    return Err(OpsError::option(
                        "method",
                        "exact DeepLIFT has no rule here for DanQ's LSTM (its gates multiply inputs over the whole sequence, which the rescale rule cannot split exactly): use ism or integrated-gradients",
                    ));
                }
                _ => {
                    return Err(OpsError::option(
                        "method",
                        format!(
                            "exact DeepLIFT is implemented for ExplaiNN and the convolutional baselines; this is a {arch} model: use ism",
                        ),
                    ));
                }
            },
            (Method::Ism, None) => {
                Engine::Predict(Predictor::new(model, opts.device.clone(), opts.batch_size))
            }
            (Method::Saliency | Method::InputXGradient | Method::IntegratedGradients, _) => {
                Engine::Grad(Gradients::new(&model, opts.batch_size)?)
            }
        };
        if opts.units
            && !(matches!(opts.method, Method::DeepLift | Method::DeepLiftShap)
                && matches!(engine, Engine::Host(_)))
        {
            return Err(OpsError::option(
                "units",
                format!(
                    "unit-resolved attributions need the method deeplift or deepliftshap on an ExplaiNN model (this is {} on a {} model)",
                    opts.method.name(),
                    arch
                ),
            ));
        }
        if opts.references.is_some() && opts.method.default_references().is_none() {
            return Err(OpsError::option(
                "references",
                format!(
                    "the method {} takes no references (they are for deeplift, deepliftshap and integrated-gradients)",
                    opts.method.name()
                ),
            ));
        }
        if let (Method::DeepLift, Some(References::Shuffle(n))) = (opts.method, opts.references)
            && n > 1
        {
            return Err(OpsError::option(
                "references",
                format!(
                    "deeplift takes one reference per sequence (got shuffle:{n}); the method deepliftshap averages over {n} shuffles"
                ),
            ));
        }
        if opts.method == Method::IntegratedGradients && opts.max_steps > MAX_IG_STEPS {
            return Err(OpsError::option(
                "max_steps",
                format!(
                    "integrated gradients with up to {} points per sequence and reference: at most {MAX_IG_STEPS} (refinement to a tolerance of 0.01 needs ≤ 400 on the models measured)",
                    opts.max_steps
                ),
            ));
        }
        if opts.method == Method::IntegratedGradients
            && (opts.steps == 0 || opts.max_steps < opts.steps || !(opts.tolerance >= 0.0))
        {
            return Err(OpsError::option(
                "steps",
                format!(
                    "integrated gradients need 1 ≤ steps ≤ max_steps and tolerance ≥ 0 (got {}, {}, {})",
                    opts.steps, opts.max_steps, opts.tolerance
                ),
            ));
        }
        let references = opts.references.or(opts.method.default_references());
        Ok(Self {
            engine,
            opts,
            references,
            length,
            classes,
        })
    }

    /// The method.
    pub fn method(&self) -> Method {
        self.opts.method
    }

    /// The references used (the given ones or the method's default).
    pub fn references(&self) -> Option<References> {
        self.references
    }

    /// Attributions of class `target` for the sequences `codes` `(n, L)`, the first of
    /// which is sequence number `first` of the caller's input (it seeds the references).
    pub fn attribute(&self, codes: &[u8], first: usize, target: usize) -> Result<Vec<Attribution>> {
        self.check_input(codes, target)?;
        let ohe = explainn_seq::encode::one_hot_batch(codes, self.length, false);
        self.attribute_one_hot(codes, &ohe, first, target)
    }

    /// Refuse `codes` that are not whole sequences of the model's length, or a class the
    /// model lacks.
    fn check_input(&self, codes: &[u8], target: usize) -> Result<()> {
        let l = self.length;
        if codes.len() % l != 0 {
            return Err(OpsError::Invalid(format!(
                "{} codes are not whole sequences of the model's length {l}",
                codes.len()
            )));
        }
        if target >= self.classes {
            return Err(OpsError::Invalid(format!(
                "class {target} does not exist: the model has {} classes",
                self.classes
            )));
        }
        Ok(())
    }

    /// [`Attributor::attribute`] for a caller that has the one-hot form `ohe` `(n, 4, L)`
    /// of `codes` already.
    pub fn attribute_one_hot(
        &self,
        codes: &[u8],
        ohe: &[f32],
        first: usize,
        target: usize,
    ) -> Result<Vec<Attribution>> {
        self.check_input(codes, target)?;
        let l = self.length;
        if ohe.len() != 4 * codes.len() {
            return Err(OpsError::Invalid(format!(
                "{} one-hot values for {} codes: expected 4 per code",
                ohe.len(),
                codes.len()
            )));
        }
        let raw = attribute_chunk(
            &self.engine,
            &self.opts,
            self.references,
            codes,
            ohe,
            first,
            (l, self.classes, target, self.opts.both_strands),
        )?;
        Ok(raw
            .into_iter()
            .map(|(attributions, hypothetical, d, units)| Attribution {
                attributions,
                hypothetical,
                delta: d.map(|(logit, max_delta, steps)| Delta {
                    logit,
                    max_delta,
                    steps,
                }),
                units,
            })
            .collect())
    }
}

/// What computes the attributions, built once per model.
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
type Attributed = (
    Vec<f32>,
    Option<Vec<f32>>,
    Option<RawDelta>,
    Option<Vec<f32>>,
);

/// (logit, largest convergence delta over the references, and for integrated gradients
/// the most quadrature points used and the references left above the tolerance).
type RawDelta = (f64, f64, Option<(usize, usize)>);

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
    opts: &AttributeOptions,
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
        let seed = opts.seed.wrapping_add((first + s) as u64);
        references(&codes[s * l..(s + 1) * l], l, how, seed)
    };
    Ok(match (opts.method, engine) {
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
                let (a, tracks) = h.attribute_units(x, &refs_of(s), both, opts.units.then_some(t));
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
                    if opts.method == Method::Saliency {
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
                        opts.steps,
                        opts.tolerance,
                        opts.max_steps,
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
        // Errors name the option in the library's terms; the CLI shows it as a flag.
        assert!(matches!(
            target_index(&classes, None),
            Err(OpsError::Option { option: "target", ref message }) if message.contains("2 classes (GATA, TAL1)")
        ));
        assert!(
            target_index(&classes, Some("CTCF"))
                .unwrap_err()
                .to_string()
                .contains("GATA, TAL1")
        );
    }
}
