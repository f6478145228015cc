//! Helpers shared by the model subcommands (train, test, predict, import, bench-model):
//! thread pool set-up, model loading, labelled-data reading and progress bars.

use anyhow::{Context, Result, bail};
use explainn_nn::{ModelFile, checkpoint};
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use std::io::IsTerminal;
use std::path::Path;

/// Configure rayon's global pool (used by the CPU backend) with `threads` workers
/// (None or 0 = all cores). Returns the number of threads in use.
pub fn init_threads(threads: Option<usize>) -> usize {
    explainn_nn::set_threads(threads.unwrap_or(0))
}

/// Where to compute: one flag group, flattened into every command that runs a model.
#[derive(clap::Args, Debug, Clone)]
pub struct Compute {
    /// Compute threads (default: all cores).
    #[arg(long, value_parser = super::thread_count)]
    pub threads: Option<usize>,
    /// Compute device: cpu, or cuda / wgpu in builds with that cargo feature.
    #[arg(long, default_value = explainn_ops::defaults::DEVICE)]
    pub device: String,
}

impl Compute {
    /// Set up the thread pool and the device: (threads in use, device).
    pub fn init(&self) -> Result<(usize, explainn_nn::Device)> {
        let threads = init_threads(self.threads);
        Ok((threads, device_named(&self.device)?))
    }
}

/// Sequences per batch of inference: one flag group for every command that predicts.
#[derive(clap::Args, Debug, Clone)]
pub struct Batch {
    /// Sequences per batch (speed and memory only: results are the same for every size).
    #[arg(long, default_value_t = explainn_ops::defaults::BATCH_SIZE, value_parser = super::positive)]
    pub batch_size: usize,
}

/// The strand rule ([`explainn_ops::predict::both_strands`]): one flag group for every
/// command that predicts.
#[derive(clap::Args, Debug, Clone)]
pub struct Strands {
    /// Use the forward strand only, even for a model trained with reverse complements
    /// (whose predictions are otherwise averaged over both strands).
    #[arg(long)]
    pub forward_only: bool,
}

/// The default compute device: burn's `flex` CPU backend.
pub fn device() -> explainn_nn::Device {
    explainn_nn::default_device()
}

/// The device named by `--device`: `cpu` always; `cuda` or `wgpu` in builds with the cargo
/// feature of that name (`cargo build --release --features cuda`).
pub fn device_named(name: &str) -> Result<explainn_nn::Device> {
    match explainn_nn::device_by_name(name) {
        Ok(d) => Ok(d),
        Err(_) if matches!(name, "cuda" | "wgpu") => bail!(
            "--device {name}: this build has no {name} backend; build with \
             `cargo build --release --features {name}`"
        ),
        Err(_) => bail!("--device {name}: unknown device (cpu, cuda or wgpu)"),
    }
}

/// Load a model from a run directory or a `model.safetensors` file onto `device`.
pub fn load_model_on(path: &Path, device: &explainn_nn::Device) -> Result<ModelFile> {
    checkpoint::load(path, device).with_context(|| format!("cannot load model {}", path.display()))
}

/// A progress bar over the chromosomes of a genome ([`progress_bar`]): `update(chromosome,
/// bases done, bases of the chromosome)` restarts it for each chromosome.
pub struct ChromosomeProgress(ProgressBar);

impl Default for ChromosomeProgress {
    fn default() -> Self {
        Self::new()
    }
}

impl ChromosomeProgress {
    pub fn new() -> Self {
        Self(progress_bar(
            0,
            "{msg} {wide_bar} {pos}/{len} bp ({elapsed}, {eta} left)",
        ))
    }

    pub fn update(&self, chrom: &str, done: u64, len: u64) {
        if self.0.length() != Some(len) || self.0.message() != chrom {
            self.0.set_message(chrom.to_string());
            self.0.set_length(len);
        }
        self.0.set_position(done);
    }

    pub fn finish(self) {
        self.0.finish_and_clear();
    }
}

/// A progress bar on stderr, hidden when stderr is not a terminal or under `-q/--quiet`.
pub fn progress_bar(len: u64, template: &str) -> ProgressBar {
    let pb = ProgressBar::new(len);
    if !std::io::stderr().is_terminal() || crate::cmd::quiet() {
        pb.set_draw_target(ProgressDrawTarget::hidden());
    }
    pb.set_style(
        ProgressStyle::with_template(template).unwrap_or_else(|_| ProgressStyle::default_bar()),
    );
    pb
}
