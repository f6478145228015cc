//! The per-unit decomposition is exact: logit_c = Σ_u o_u·W[c,u] + b_c, for random models
//! (all `num_fc` layouts) and random inputs; and activations have the documented shape.

use explainn_nn::{ExplaiNN, ExplaiNNConfig, Predictor, default_device};
use proptest::prelude::*;

proptest! {
    #![proptest_config(ProptestConfig { cases: 12, ..ProptestConfig::default() })]
    #[test]
    fn logits_are_the_sum_of_unit_contributions(
        seed in 0u64..1000,
        units in 1usize..6,
        classes in 1usize..4,
        num_fc in 0usize..4,
        length in 12usize..40,
        n in 1usize..5,
        codes in proptest::collection::vec(0u8..5, 200),
    ) {
        let mut c = ExplaiNNConfig::new(units, length, classes);
        c.filter_size = 5;
        c.pool_size = 3;
        c.pool_stride = 2;
        c.hidden = 4;
        c.num_fc = num_fc;
        let dev = default_device();
        let model = ExplaiNN::new(c.clone(), seed, &dev).unwrap();
        let (w, b) = model.final_layer();
        let seqs: Vec<u8> = codes.iter().cycle().take(n * length).copied().collect();
        let p = Predictor::new(model, dev, 3);
        let out = p.units(&seqs, false, true).unwrap();
        prop_assert_eq!(out.activations.as_ref().unwrap().len(), n * units * (length - 4));
        prop_assert!(out.activations.unwrap().iter().all(|&a| a > 0.0));
        for i in 0..n {
            for k in 0..classes {
                let o = &out.unit_outputs[i * units..(i + 1) * units];
                let sum: f32 = o.iter().zip(&w[k * units..(k + 1) * units]).map(|(a, b)| a * b).sum::<f32>() + b[k];
                let logit = out.logits[i * classes + k];
                prop_assert!((sum - logit).abs() <= 1e-5 * (1.0 + logit.abs()), "{} vs {}", sum, logit);
            }
        }
    }
}
