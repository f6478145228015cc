//! One module per subcommand: each has `Args` (clap) and `run(Args) -> anyhow::Result<()>`.
pub mod bench_encode;
pub mod prepare;
pub mod bench_model;
pub mod common_model;
pub mod import;
pub mod predict;
pub mod test;
pub mod train;
