//! The attribution pipeline (`explainn attribute`): sequences in (FASTA/FASTQ/TSV, or BED
//! + genome, under the shared input rule), base-resolution attributions out, in a
//! directory replaced whole:
//!
//! - `attributions.npz`: `ohe` `(N, 4, L)` one-hot input, `attributions` `(N, 4, L)` and,
//!   with DeepLIFT, `hypothetical` `(N, 4, L)`, all float32, for the target class;
//! - `ohe.npy` and `scores.npy` (the hypothetical contributions, or the ISM deltas): what
//!   `modisco motifs -s ohe.npy -a scores.npy` reads;
//! - `deltas.tsv` (DeepLIFT): per sequence the logit and the largest convergence delta
//!   |Σ attributions − (f(x) − f(r))| over its references;
//! - `summary.json`: method, references, target, model checksum.

use crate::output::{AtomicFile, OutputDir};
use crate::{Result, RunError, file_error};
use explainn_nn::ModelFile;
use explainn_nn::Predictor;
use explainn_nn::attribute::{DeepLift, ism};
use rand::SeedableRng;
use rayon::prelude::*;
use std::io::Write;
use std::path::PathBuf;

/// Attribution method.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Method {
    /// In silico mutagenesis: f(mutant) − f(x) for every substitution (any architecture).
    Ism,
    /// DeepLIFT against one reference (ExplaiNN, exact).
    DeepLift,
    /// DeepLIFT averaged over several references (ExplaiNN, exact per pair).
    DeepLiftShap,
}

impl std::str::FromStr for Method {
    type Err = String;
    fn from_str(s: &str) -> std::result::Result<Self, String> {
        match s {
            "ism" => Ok(Method::Ism),
            "deeplift" => Ok(Method::DeepLift),
            "deepliftshap" => Ok(Method::DeepLiftShap),
            "saliency" | "input-x-gradient" | "integrated-gradients" => Err(format!(
                "--method {s} is not implemented yet; use ism, deeplift or deepliftshap"
            )),
            _ => Err(format!(
                "unknown --method {s}: expected ism, deeplift or deepliftshap"
            )),
        }
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
    pub references: References,
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
    /// sequence–reference pairs (DeepLIFT only).
    pub max_delta: Option<f64>,
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

fn references(codes: &[u8], l: usize, how: References, seed: u64) -> Vec<Vec<f32>> {
    let one_hot = |c: &[u8]| {
        let mut v = vec![0f32; 4 * l];
        explainn_seq::encode::one_hot_into(c, &mut v);
        v
    };
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
                    one_hot(&explainn_seq::shuffle::dinucleotide_shuffle(
                        codes, &mut rng,
                    ))
                })
                .collect()
        }
    }
}

/// Run `req` on `model`: read the sequences, attribute, write the directory.
pub fn attribute_run(model: ModelFile, req: &AttributeRequest) -> Result<AttributeOutcome> {
    let dir = OutputDir::create(&req.output, &["attributions.npz"], "attributions")?;
    let meta = &model.metadata;
    let classes = meta.class_names.clone();
    let both = crate::policy::both_strands(meta, req.forward_only);
    let l = model.model.input_length();
    let deeplift = match req.method {
        Method::Ism => None,
        Method::DeepLift | Method::DeepLiftShap => {
            let Some(m) = model.model.explainn() else {
                return Err(RunError::Data(format!(
                    "exact DeepLIFT is implemented for ExplaiNN models; this is a {} model: use --method ism",
                    model.model.arch()
                )));
            };
            Some(DeepLift::new(m))
        }
    };
    let t = target_index(&classes, req.target.as_deref())?;
    let refs_how = match (req.method, req.references) {
        (Method::DeepLift, References::Shuffle(_)) => References::Shuffle(1),
        (_, r) => r,
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
    let mut ohe = vec![0f32; n * 4 * l];
    for (s, block) in ohe.chunks_mut(4 * l).enumerate() {
        explainn_seq::encode::one_hot_into(&codes[s * l..(s + 1) * l], block);
    }
    let (attr, hyp, deltas) = match &deeplift {
        Some(dl) => {
            let per: Vec<_> = (0..n)
                .into_par_iter()
                .map(|s| {
                    let c = &codes[s * l..(s + 1) * l];
                    let refs = references(c, l, refs_how, req.seed.wrapping_add(s as u64));
                    let a = dl.attribute(&ohe[s * 4 * l..(s + 1) * 4 * l], &refs, both);
                    let pick = |v: &[f32]| v[t * 4 * l..(t + 1) * 4 * l].to_vec();
                    (
                        pick(&a.attributions),
                        pick(&a.hypothetical),
                        a.logits[t],
                        a.max_delta[t],
                    )
                })
                .collect();
            let mut attr = Vec::with_capacity(n * 4 * l);
            let mut hyp = Vec::with_capacity(n * 4 * l);
            let mut deltas = Vec::with_capacity(n);
            for (a, h, f, d) in per {
                attr.extend(a);
                hyp.extend(h);
                deltas.push((f, d));
            }
            (attr, Some(hyp), Some(deltas))
        }
        None => {
            let p = Predictor::new(model.model, explainn_nn::default_device(), req.batch_size);
            let cn = classes.len();
            let d = ism(&p, &codes, l, both)?;
            let mut attr = Vec::with_capacity(n * 4 * l);
            for s in 0..n {
                attr.extend_from_slice(&d[(s * cn + t) * 4 * l..(s * cn + t + 1) * 4 * l]);
            }
            (attr, None, None)
        }
    };
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
    let mut max_delta = None;
    if let Some(deltas) = &deltas {
        let path = out.join("deltas.tsv");
        let mut f = AtomicFile::create(&path)?;
        let mut w = || -> std::io::Result<()> {
            writeln!(f, "id\tclass\tlogit\tmax_delta")?;
            for (id, (fx, d)) in ids.iter().zip(deltas) {
                writeln!(f, "{id}\t{}\t{fx}\t{d:e}", classes[t])?;
            }
            Ok(())
        };
        w().map_err(|e| file_error(&path, e))?;
        f.commit()?;
        max_delta = deltas.iter().map(|d| d.1).reduce(f64::max);
    }
    let summary = serde_json::json!({
        "model": std::path::absolute(&req.model_path).unwrap_or(req.model_path.clone()),
        "model_sha256": crate::model_checksum(&req.model_path)?,
        "sequences": std::path::absolute(&req.seqs).unwrap_or(req.seqs.clone()),
        "n": n,
        "length": l,
        "method": format!("{:?}", req.method).to_lowercase(),
        "references": (req.method != Method::Ism).then(|| refs_how.to_string()),
        "seed": req.seed,
        "target": classes[t],
        "both_strands": both,
        "max_delta": max_delta,
    });
    crate::output::json_file(&out.join("summary.json"), &summary)?.commit()?;
    dir.commit()?;
    Ok(AttributeOutcome {
        sequences: n,
        target: classes[t].clone(),
        max_delta,
        both_strands: both,
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
        assert!(
            "saliency"
                .parse::<Method>()
                .unwrap_err()
                .contains("not implemented yet")
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
