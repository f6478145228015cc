//! `explainn simulate GRAMMAR -o PREFIX`: sequences from a motif grammar with the planted
//! instances as ground truth; the pipeline is [`explainn_run::simulate`].

use anyhow::Result;
use clap::Args as ClapArgs;
use explainn_run::simulate::{GRAMMARS, SimulateRequest, simulate_run};
use std::path::PathBuf;

#[derive(ClapArgs, Debug)]
pub struct Args {
    /// A grammar file (JSON), or a bundled grammar: verify-single, verify-and,
    /// verify-spacing, verify-repressor (the ARGMINN verification tasks; verify-spacing-wide:
    /// the hard spacing at a 24-bp gap, wider than ExplaiNN's filters), spi1, tal1-gata1,
    /// e2f6-max, jund-tead, rest, spi1-ctcf (the ARGMINN paper's sets). `--list` prints
    /// them with their rules.
    #[arg(required_unless_present = "list")]
    pub grammar: Option<String>,
    /// Output prefix: writes PREFIX.tsv.gz (ExplaiNN TSV, positives and negatives
    /// alternating) and PREFIX.instances.bed (every planted instance).
    #[arg(short, long, required_unless_present = "list")]
    pub output: Option<PathBuf>,
    /// Positives to simulate (and as many negatives).
    #[arg(long, default_value_t = 1000, value_parser = super::positive)]
    pub n: usize,
    /// Random seed.
    #[arg(long, default_value_t = explainn_ops::defaults::SEED)]
    pub seed: u64,
    /// The motifs the grammar names (MEME, JASPAR, HOCOMOCO …) [default: the bundled
    /// JASPAR 2024 CORE vertebrates set].
    #[arg(long)]
    pub motifs: Option<PathBuf>,
    /// Print the bundled grammars and their rules.
    #[arg(long)]
    pub list: bool,
}

pub fn run(a: Args) -> Result<()> {
    if a.list {
        for (name, _) in GRAMMARS {
            let g = explainn_run::simulate::read_grammar(name)?;
            println!("{name}\t{} bp\t{}", g.length, g.description);
        }
        return Ok(());
    }
    let req = SimulateRequest {
        grammar: a.grammar.expect("clap requires it"),
        motifs: a.motifs,
        n: a.n,
        seed: a.seed,
        output: a.output.expect("clap requires it"),
    };
    let r = simulate_run(&req)?;
    info!(
        "{} sequences with {} planted instances: {} and {} (split with `explainn prepare {}`)",
        r.sequences,
        r.instances,
        r.table.display(),
        r.bed.display(),
        r.table.display()
    );
    Ok(())
}
