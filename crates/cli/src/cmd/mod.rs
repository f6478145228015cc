//! One module per subcommand: each has `Args` (clap) and `run(Args) -> anyhow::Result<()>`.
pub mod bench_encode;
pub mod bench_model;
pub mod common_model;
pub mod explain;
pub mod import;
pub mod interpret;
pub mod logo;
pub mod predict;
pub mod prepare;
pub mod report;
pub mod scan;
pub mod test;
pub mod tomtom;
pub mod train;
