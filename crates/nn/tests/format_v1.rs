//! A model file of format 1, written by the previous release (explainn 0.1.0, commit
//! 61b3f92; generator: `tests/data/make_v1_fixture.sh`), still loads and predicts exactly
//! what that release predicted.

use explainn_nn::{Arch, Predictor, checkpoint, default_device};
use std::path::Path;

fn data(name: &str) -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data")
        .join(name)
}

#[test]
fn a_format_1_file_loads_and_predicts_as_its_release_did() {
    let dev = default_device();
    let mf = checkpoint::load(&data("v1_model.safetensors"), &dev).unwrap();
    assert_eq!(mf.metadata.format_version, 1);
    assert_eq!(mf.model.arch(), Arch::ExplaiNN);
    assert_eq!(mf.metadata.class_names, ["both", "GATA", "TAL1"]);
    assert!(mf.metadata.trained_with_rc);
    let seqs = std::fs::read_to_string(data("v1_sequences.tsv")).unwrap();
    let mut ids = Vec::new();
    let mut codes = Vec::new();
    for line in seqs.lines().filter(|l| !l.starts_with('#')) {
        let f: Vec<&str> = line.split('\t').collect();
        ids.push(f[0].to_string());
        codes.extend(explainn_seq::encode::to_codes(f[1].as_bytes()));
    }
    let p = Predictor::new(mf.model, dev, 100);
    let s = p.strands(&codes).unwrap();
    let golden = std::fs::read_to_string(data("v1_predictions.tsv")).unwrap();
    let mut rows = 0;
    for (k, line) in golden.lines().skip(1).enumerate() {
        let f: Vec<&str> = line.split('\t').collect();
        let (i, c) = (k / 3, k % 3);
        assert_eq!(f[0], ids[i]);
        let fw: f32 = f[2].parse().unwrap();
        let rv: f32 = f[3].parse().unwrap();
        assert_eq!(fw.to_bits(), s.forward[i * 3 + c].to_bits(), "{line}");
        assert_eq!(rv.to_bits(), s.reverse[i * 3 + c].to_bits(), "{line}");
        rows += 1;
    }
    assert_eq!(rows, 20 * 3);
}
