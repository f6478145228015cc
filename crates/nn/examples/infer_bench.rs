//! Inference throughput of [`Predictor::logits`] on random codes (the fused kernel on the CPU):
//! `cargo run --release -p explainn-nn --example infer_bench -- [units] [batch] [reps]`.
use explainn_nn::{ExplaiNN, ExplaiNNConfig, Predictor, default_device, set_threads};
use std::time::Instant;

fn main() {
    let arg = |i: usize, d: usize| {
        std::env::args()
            .nth(i)
            .and_then(|s| s.parse().ok())
            .unwrap_or(d)
    };
    let (units, batch, reps) = (arg(1, 100), arg(2, 100), arg(3, 200));
    set_threads(2);
    let dev = default_device();
    let model = ExplaiNN::new(ExplaiNNConfig::new(units, 200, 50), 0, &dev).unwrap();
    let p = Predictor::new(model, dev, batch);
    let codes: Vec<u8> = (0..batch * 200).map(|i| ((i * 7919) % 5) as u8).collect();
    let mut times = Vec::new();
    for _ in 0..reps {
        let t = Instant::now();
        std::hint::black_box(p.logits(&codes, false).unwrap());
        times.push(t.elapsed().as_secs_f64());
    }
    times.sort_by(f64::total_cmp);
    let med = times[times.len() / 2];
    println!(
        "units {units} batch {batch}: median {:.2} ms, {:.0} seq/s",
        med * 1e3,
        batch as f64 / med
    );
}
