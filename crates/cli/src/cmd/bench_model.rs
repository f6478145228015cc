//! `explainn bench-model`: training and inference throughput (sequences/s) of the model on
//! random data, timed as the PyTorch peer script does; prints one JSON line.

use super::common_model::{device_named, init_threads};
use anyhow::Result;
use clap::Args as ClapArgs;
use explainn_nn::bench::throughput;
use explainn_nn::{Arch, ExplaiNNConfig, ModelConfig};

#[derive(ClapArgs, Debug)]
pub struct Args {
    /// Architecture: explainn, cnn1, cnn1-exp, deepcnn, danq, deepstarr (published
    /// hyperparameters; --units applies to explainn only).
    #[arg(long, default_value = "explainn")]
    pub arch: Arch,
    /// Number of units.
    #[arg(long, default_value_t = 100)]
    pub units: usize,
    /// Sequence length.
    #[arg(long, default_value_t = 200)]
    pub length: usize,
    /// Batch size.
    #[arg(long, default_value_t = 100)]
    pub batch: usize,
    /// Number of outputs.
    #[arg(long, default_value_t = 50)]
    pub classes: usize,
    /// Compute threads.
    #[arg(long, default_value_t = 2)]
    pub threads: usize,
    /// Timed steps (after 5 warm-up steps).
    #[arg(long, default_value_t = 30)]
    pub steps: usize,
    /// Compute device: cpu, or cuda / wgpu in builds with that cargo feature.
    #[arg(long, default_value = explainn_ops::defaults::DEVICE)]
    pub device: String,
}

pub fn run(a: Args) -> Result<()> {
    let threads = init_threads(Some(a.threads));
    let config = match a.arch {
        Arch::ExplaiNN => ModelConfig::ExplaiNN(ExplaiNNConfig::new(a.units, a.length, a.classes)),
        arch => ModelConfig::published(arch, a.length, a.classes)?,
    };
    let device = device_named(&a.device)?;
    let t = throughput(config, a.batch, a.steps.max(1), &device)?;
    let framework = if a.device == "cpu" {
        "explainn (burn flex CPU)".to_string()
    } else {
        format!("explainn (burn {})", a.device)
    };
    let row = serde_json::json!({
        "framework": framework,
        "arch": a.arch.name(),
        "units": a.units,
        "batch": a.batch,
        "length": a.length,
        "classes": a.classes,
        "threads": threads,
        "train_seq_per_s": (t.train_seq_per_s * 10.0).round() / 10.0,
        "infer_seq_per_s": (t.infer_seq_per_s * 10.0).round() / 10.0,
        "infer_burn_seq_per_s": (t.infer_burn_seq_per_s * 10.0).round() / 10.0,
    });
    println!("{row}");
    Ok(())
}
