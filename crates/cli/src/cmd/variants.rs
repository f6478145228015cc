//! `explainn variants MODEL VCF --genome G -o FILE`: reference and alternative predictions
//! of every SNV and short indel, with `explainn_run::variants::variants_run_with`; for ExplaiNN
//! the unit whose contribution the variant changes most.

use super::common_model::load_model_on;
use anyhow::Result;
use clap::Args as ClapArgs;
use explainn_run::variants::{VariantsRequest, variants_run_with};
use std::path::PathBuf;

#[derive(ClapArgs, Debug)]
pub struct Args {
    /// Model: a run directory or a model.safetensors file.
    pub model: PathBuf,
    /// VCF (plain or gzip/bgzip); `-` reads standard input.
    #[arg(value_parser = crate::stdin::input_path)]
    pub vcf: PathBuf,
    /// Genome FASTA (plain, gzip or bgzip with .fai/.gzi) whose contigs the VCF names.
    #[arg(long)]
    pub genome: PathBuf,
    /// Output TSV (its directory must exist; `.gz` is compressed, `-` is standard output).
    #[arg(short, long)]
    pub output: PathBuf,
    /// Count and skip records whose reference allele disagrees with the genome (default:
    /// an error naming the record).
    #[arg(long)]
    pub skip_mismatch: bool,
    /// Longest reference or alternative allele scored; longer ones are counted and skipped.
    #[arg(long, default_value_t = 50)]
    pub max_indel: usize,
    /// Unit labels from this annotation.tsv [default: RUN_DIR/interpret/annotation.tsv].
    #[arg(long)]
    pub annotation: Option<PathBuf>,
    #[command(flatten)]
    pub strands: super::common_model::Strands,
    #[command(flatten)]
    pub compute: super::common_model::Compute,
    #[command(flatten)]
    pub batch: super::common_model::Batch,
}

pub fn run(a: Args) -> Result<()> {
    let (_, device) = a.compute.init()?;
    let mf = load_model_on(&a.model, &device)?;
    let req = VariantsRequest {
        model_path: a.model.clone(),
        vcf: a.vcf.clone(),
        genome: a.genome.clone(),
        output: a.output.clone(),
        skip_mismatch: a.skip_mismatch,
        max_indel: a.max_indel,
        annotation: a.annotation.clone(),
        forward_only: a.strands.forward_only,
        batch_size: a.batch.batch_size,
        device: device.clone(),
    };
    let pb =
        super::common_model::progress_bar(0, "{pos}/{len} alleles scored ({per_sec}, {eta} left)");
    let r = variants_run_with(mf, &req, &|done, total| {
        pb.set_length(total);
        pb.set_position(done);
    })?;
    pb.finish_and_clear();
    info!(
        "scored {} alleles ({}) into {}",
        r.scored,
        if r.both_strands {
            "strand-averaged"
        } else {
            "forward strand"
        },
        a.output.display()
    );
    if r.mismatches > 0 {
        eprintln!(
            "warning: skipped {} records whose reference allele disagrees with the genome",
            r.mismatches
        );
    }
    if r.unsupported > 0 {
        eprintln!(
            "warning: skipped {} symbolic, breakend or longer-than-{} bp alleles",
            r.unsupported, a.max_indel
        );
    }
    if r.padded > 0 {
        info!(
            "{} windows ran past a contig end and were padded with N",
            r.padded
        );
    }
    Ok(())
}
