//! explainn as a library, on arrays in memory: load a model, predict and attribute ten
//! sequences, and run a GIA insertion. It writes no file.
//!
//! ```text
//! cargo run --release -p explainn-ops --example arrays [MODEL] [SEQUENCES.tsv]
//! ```
//!
//! MODEL is a run directory or a model.safetensors file, SEQUENCES an ExplaiNN TSV (id and
//! sequence columns first) of sequences of the model's length; both default to the small
//! TAL1/GATA model and sequences bundled as test data. `cargo test` runs it too.

use explainn_ops::attribute::{AttributeOptions, Attributor, target_index};
use explainn_ops::gia::{Gia, GiaOptions, Pattern, effect};
use explainn_ops::predict;
use std::path::{Path, PathBuf};

type Error = Box<dyn std::error::Error>;

fn main() -> Result<(), Error> {
    let (model, seqs) = bundled();
    let mut args = std::env::args_os().skip(1).map(PathBuf::from);
    run(&args.next().unwrap_or(model), &args.next().unwrap_or(seqs))
}

/// The bundled test model (4 units, 200 bp, classes both, GATA, TAL1) and sequences.
fn bundled() -> (PathBuf, PathBuf) {
    let data = Path::new(env!("CARGO_MANIFEST_DIR")).join("../nn/tests/data");
    (
        data.join("v1_model.safetensors"),
        data.join("v1_sequences.tsv"),
    )
}

fn run(model_path: &Path, seqs_path: &Path) -> Result<(), Error> {
    let device = explainn_nn::default_device();
    let file = if model_path.is_dir() {
        model_path.join("model.safetensors")
    } else {
        model_path.to_path_buf()
    };
    let mf = explainn_nn::checkpoint::load(&file, &device)?;
    let (l, classes) = (mf.model.input_length(), mf.metadata.class_names.clone());
    println!(
        "{}: {} model, {l} bp, classes {}",
        file.display(),
        mf.model.arch(),
        classes.join(", ")
    );

    // Ten sequences as codes (10, L): A, C, G, T = 0..3, anything else 4.
    let text = std::fs::read_to_string(seqs_path)?;
    let codes: Vec<u8> = text
        .lines()
        .filter(|line| !line.starts_with('#') && !line.starts_with("id\t"))
        .filter_map(|line| line.split('\t').nth(1))
        .filter(|seq| seq.len() == l)
        .take(10)
        .flat_map(|seq| explainn_seq::encode::to_codes(seq.as_bytes()))
        .collect();
    let n = codes.len() / l;
    if n == 0 {
        return Err(format!("{} holds no sequence of {l} bp", seqs_path.display()).into());
    }

    // Predictions (n, C) under the model's strand rule.
    let both = predict::both_strands(&mf.metadata, false);
    let p = explainn_nn::Predictor::new(mf.model.clone(), device.clone(), 64);
    let logits = predict::logits(&p, &codes, both)?;

    // DeepLIFT-SHAP (the default) of the last class: attributions sum to f(x) − E f(r).
    let target = target_index(&classes, Some(&classes[classes.len() - 1]))?;
    let opts = AttributeOptions {
        both_strands: both,
        device: device.clone(),
        ..Default::default()
    };
    let attributor = Attributor::new(mf.model.clone(), opts)?;
    let attributions = attributor.attribute(&codes, 0, target)?;
    println!(
        "{} of {n} sequences: logit, Σ attributions, largest convergence delta",
        classes[target]
    );
    for (s, a) in attributions.iter().enumerate() {
        let sum: f32 = a.attributions.iter().sum();
        let delta = a.delta.expect("DeepLIFT checks convergence");
        println!(
            "  {s}: {:8.4} {sum:8.4} {:.1e}",
            logits[s * classes.len() + target],
            delta.max_delta
        );
        if delta.max_delta > 1e-3 {
            return Err(format!("sequence {s}: attributions are not complete ({delta:?})").into());
        }
    }

    // GIA: GATA's consensus in the middle of 200 random backgrounds at 41% GC.
    let mut gia = Gia::new(
        mf.model,
        GiaOptions {
            both_strands: both,
            device,
            ..Default::default()
        },
    );
    let backgrounds = gia.random_backgrounds(200, 0.41)?;
    let before = gia.score(&backgrounds, true)?;
    let pattern = Pattern::consensus("GATA", "AGATAAGG")?;
    let after = gia.insert(&backgrounds, &pattern, None)?;
    println!(
        "GIA: {} inserted into 200 backgrounds, Δ logit mean ± sd",
        pattern.name()
    );
    let cn = classes.len();
    for (c, name) in classes.iter().enumerate() {
        let d =
            effect((0..200).map(|s| (after.logits[s * cn + c] - before.logits[s * cn + c]) as f64));
        println!("  {name}: {:+.4} ± {:.4}", d.mean, d.sd);
    }
    Ok(())
}

#[test]
fn runs_on_the_bundled_model() {
    let (model, seqs) = bundled();
    run(&model, &seqs).unwrap();
}
