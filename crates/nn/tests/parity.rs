//! Parity with the original PyTorch ExplaiNN: import `model_epoch_best_4.pth` (100 units,
//! L = 200, 3 classes) and reproduce the golden outputs made by the original code in eval
//! mode on the 200 janggu test sequences: logits, probabilities, all unit outputs and the
//! first-layer activation maps of sequences 0 and 1, within 1e-5 absolute.

use explainn_nn::import::{ImportSettings, import_pth};
use explainn_nn::{Predictor, checkpoint, default_device};
use explainn_seq::encode::to_codes;
use std::io::Read;
use std::path::PathBuf;

fn shared() -> PathBuf {
    PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../../../shared/data"))
}

fn gz_tsv(path: PathBuf) -> Vec<Vec<String>> {
    let mut s = String::new();
    flate2::read::GzDecoder::new(std::fs::File::open(&path).expect("golden file"))
        .read_to_string(&mut s)
        .unwrap();
    s.lines()
        .skip(1)
        .map(|l| l.split('\t').map(str::to_string).collect())
        .collect()
}

fn max_diff(a: &[f32], b: &[f32]) -> f32 {
    assert_eq!(a.len(), b.len());
    a.iter()
        .zip(b)
        .map(|(x, y)| (x - y).abs())
        .fold(0.0, f32::max)
}

#[test]
fn original_checkpoint_reproduces_golden_outputs() {
    let data = shared();
    let fixtures = data.join("explainn_fixtures");
    let dev = default_device();
    let settings = ImportSettings {
        input_length: 200,
        pool_size: 7,
        pool_stride: 7,
    };
    let (model, steps) =
        import_pth(&fixtures.join("model_epoch_best_4.pth"), settings, &dev).unwrap();
    assert_eq!(steps, 2500);
    assert_eq!(model.config().units, 100);
    assert_eq!(model.config().num_fc, 2);

    let preds = gz_tsv(fixtures.join("golden/janggu_test_predictions.tsv.gz"));
    let units = gz_tsv(fixtures.join("golden/janggu_test_unit_outputs.tsv.gz"));
    assert_eq!(preds.len(), 200);
    let all: Vec<u8> = preds
        .iter()
        .flat_map(|r| to_codes(r[1].as_bytes()))
        .collect();
    let want_logits: Vec<f32> = preds
        .iter()
        .flat_map(|r| r[2..5].iter().map(|v| v.parse::<f32>().unwrap()))
        .collect();
    let want_probs: Vec<f32> = preds
        .iter()
        .flat_map(|r| r[5..8].iter().map(|v| v.parse::<f32>().unwrap()))
        .collect();
    let want_units: Vec<f32> = units
        .iter()
        .flat_map(|r| r[1..].iter().map(|v| v.parse::<f32>().unwrap()))
        .collect();
    assert!(units.iter().zip(&preds).all(|(u, p)| u[0] == p[0]));

    // Through a model file, to check the safetensors round trip as well.
    let meta = checkpoint::ModelMetadata::new(
        model.config().clone(),
        vec!["MAX".into(), "FOXA1".into(), "JUND".into()],
    );
    let bytes = checkpoint::to_bytes(&model.into(), &meta).unwrap();
    let model = checkpoint::from_bytes(&bytes, &dev).unwrap().model;

    let p = Predictor::new(model, dev, 64);
    let out = p.units(&all, false, false).unwrap();
    let d_logits = max_diff(&out.logits, &want_logits);
    let probs: Vec<f32> = out
        .logits
        .iter()
        .map(|&x| explainn_nn::loss::sigmoid(x))
        .collect();
    let d_probs = max_diff(&probs, &want_probs);
    let d_units = max_diff(&out.unit_outputs, &want_units);

    let raw = std::fs::read(fixtures.join("golden/first_layer_activations_seq0-1.npy")).unwrap();
    let header_len = u16::from_le_bytes([raw[8], raw[9]]) as usize;
    let want_act: Vec<f32> = raw[10 + header_len..]
        .chunks_exact(4)
        .map(|c| f32::from_le_bytes(c.try_into().unwrap()))
        .collect();
    assert_eq!(want_act.len(), 2 * 100 * 182);
    let acts = p
        .units(&all[..400], false, true)
        .unwrap()
        .activations
        .unwrap();
    let d_act = max_diff(&acts, &want_act);
    // Activations are exponentials and can be large: compare relative to magnitude too.
    let d_act_rel = acts
        .iter()
        .zip(&want_act)
        .map(|(a, b)| (a - b).abs() / b.abs().max(1.0))
        .fold(0.0, f32::max);
    eprintln!(
        "parity max |diff|: logits {d_logits:e}, probabilities {d_probs:e}, unit outputs {d_units:e}, activations {d_act:e} (relative {d_act_rel:e})"
    );
    assert!(d_logits < 1e-5, "logits differ by {d_logits}");
    assert!(d_probs < 1e-5, "probabilities differ by {d_probs}");
    assert!(d_units < 1e-5, "unit outputs differ by {d_units}");
    assert!(
        d_act_rel < 1e-5,
        "activations differ by {d_act_rel} (relative)"
    );
}

/// Exact DeepLIFT on the original checkpoint (100 units, two per-unit layers, three
/// classes): for 40 of its test sequences and 3 dinucleotide shuffles each, plus the
/// all-zero reference, Σ attributions = f(x) − f(r) within 1e-4 · max(1, |f(x) − f(r)|),
/// and the host forward equals the model's logits. (tangermeme's deep_lift_shap has deltas
/// of the size of the prediction differences on this checkpoint.)
#[test]
fn deeplift_is_complete_on_the_original_checkpoint() {
    use explainn_nn::attribute::HostExplaiNN;
    use rand::SeedableRng;
    let fixtures = shared().join("explainn_fixtures");
    let dev = default_device();
    let settings = ImportSettings {
        input_length: 200,
        pool_size: 7,
        pool_stride: 7,
    };
    let (model, _) = import_pth(&fixtures.join("model_epoch_best_4.pth"), settings, &dev).unwrap();
    let dl = HostExplaiNN::new(&model);
    let p = Predictor::new(model, dev, 64);
    let preds = gz_tsv(fixtures.join("golden/janggu_test_predictions.tsv.gz"));
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(1);
    let mut worst = 0f64;
    for row in preds.iter().take(40) {
        let codes = to_codes(row[1].as_bytes());
        let hot = |c: &[u8]| explainn_seq::encode::one_hot_batch(c, 200, false);
        let x = hot(&codes);
        let mut refs: Vec<Vec<f32>> = (0..3)
            .map(|_| {
                hot(&explainn_seq::shuffle::dinucleotide_shuffle(
                    &codes, &mut rng,
                ))
            })
            .collect();
        refs.push(vec![0f32; 800]);
        let want = p.logits(&codes, false).unwrap();
        for r in &refs {
            let a = dl.attribute(&x, std::slice::from_ref(r), false);
            for c in 0..3 {
                assert!((a.logits[c] - want[c] as f64).abs() < 1e-4, "logit {c}");
                let mut m = vec![0f64; 3 * 800];
                let (fx, fr) = dl.add_multipliers(&x, r, 1.0, &mut m);
                let d = fx[c] - fr[c];
                let rel = a.max_delta[c] / d.abs().max(1.0);
                worst = worst.max(rel);
                assert!(
                    rel <= 1e-4,
                    "class {c}: delta {} for f(x) − f(r) = {d}",
                    a.max_delta[c]
                );
            }
        }
    }
    eprintln!("largest relative convergence delta: {worst:.2e}");
}

/// Integrated gradients on the original checkpoint: for 10 of its test sequences against
/// the all-zero reference and a dinucleotide shuffle, starting from 50 Gauss–Legendre
/// points and refined (doubling, at most 3,200), every class's Σ ḡ·(x − r) is within 1% of
/// f(x) − f(r) (0.01 · max(1, |f(x) − f(r)|)). Fixed 50 points are not enough here: the
/// max-pool and ReLU kinks leave gaps of up to ~5% (printed).
#[test]
fn integrated_gradients_are_complete_on_the_original_checkpoint() {
    use explainn_nn::attribute::Gradients;
    use rand::SeedableRng;
    let fixtures = shared().join("explainn_fixtures");
    let settings = ImportSettings {
        input_length: 200,
        pool_size: 7,
        pool_stride: 7,
    };
    let (model, _) = import_pth(
        &fixtures.join("model_epoch_best_4.pth"),
        settings,
        &default_device(),
    )
    .unwrap();
    let g = Gradients::new(&model.into(), 64).unwrap();
    let preds = gz_tsv(fixtures.join("golden/janggu_test_predictions.tsv.gz"));
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(2);
    let (mut worst, mut most) = (0f64, 0usize);
    for row in preds.iter().take(10) {
        let codes = to_codes(row[1].as_bytes());
        let hot = |c: &[u8]| explainn_seq::encode::one_hot_batch(c, 200, false);
        let x = hot(&codes);
        let shuffled = hot(&explainn_seq::shuffle::dinucleotide_shuffle(
            &codes, &mut rng,
        ));
        for r in [vec![0f32; 800], shuffled] {
            for c in 0..3 {
                let (m, fx, fr) = g.path_gradient(&x, &r, 50, c, false);
                let sum: f64 = (0..800).map(|i| (m[i] * (x[i] - r[i])) as f64).sum();
                let d = (fx - fr) as f64;
                worst = worst.max((sum - d).abs() / d.abs().max(1.0));
                let ig = g.integrated_gradients(&x, &r, 50, 0.01, 3200, c, false);
                let sum: f64 = (0..800)
                    .map(|i| (ig.mean_gradient[i] * (x[i] - r[i])) as f64)
                    .sum();
                assert!(
                    (sum - d).abs() <= 0.01 * d.abs().max(1.0)
                        && ig.delta <= 0.01 * d.abs().max(1.0),
                    "class {c}: Σ IG {sum} vs f(x) − f(r) {d} after {} points",
                    ig.steps
                );
                most = most.max(ig.steps);
            }
        }
    }
    eprintln!(
        "largest relative IG gap at 50 points: {worst:.2e}; refined: ≤ 1% within {most} points"
    );
}
