//! One module per subcommand: each has `Args` (clap) and `run(Args) -> anyhow::Result<()>`.
pub mod bench_encode;
pub mod bench_model;
pub mod common_model;
pub mod import;
pub mod predict;
pub mod prepare;
pub mod test;
pub mod train;
pub mod logo;
pub mod scan;
pub mod tomtom;
pub mod explain;
pub mod interpret;
pub mod report;
