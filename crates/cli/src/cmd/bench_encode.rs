//! `explainn bench-encode` (being written).
use clap::Args as ClapArgs;
#[derive(ClapArgs)]
pub struct Args {}
pub fn run(_a: Args) -> anyhow::Result<()> {
    anyhow::bail!("bench-encode: not yet available")
}
