//! Genome tracks, written in one place: per-base values `(chromosome, position, value)` in
//! genome order as bedGraph (text, one line per base) and as bigWig (bigtools, over the
//! genome's chromosome sizes). `attribute` writes its attribution tracks through these;
//! genome-wide prediction tracks will too.

use crate::{Result, file_error};
use std::io::Write;
use std::path::Path;

/// One base's value: chromosome, 0-based position, value.
pub type BaseValue = (String, u64, f32);

/// Write `values` (in genome order) to `path` as bedGraph: `chrom start end value`, one
/// line per base. An error of the source is reported against `source`.
pub fn write_bedgraph(
    path: &Path,
    values: impl Iterator<Item = std::io::Result<BaseValue>>,
    source: &Path,
) -> Result<()> {
    let mut f =
        std::io::BufWriter::new(std::fs::File::create(path).map_err(|e| file_error(path, e))?);
    for v in values {
        let (chrom, pos, value) = v.map_err(|e| file_error(source, e))?;
        writeln!(f, "{chrom}\t{pos}\t{}\t{value}", pos + 1).map_err(|e| file_error(path, e))?;
    }
    f.flush().map_err(|e| file_error(path, e))
}

/// Write `values` (per base, in genome order) to `path` as bigWig, over the chromosome
/// sizes of the FASTA `genome`.
pub fn write_bigwig(
    path: &Path,
    genome: &Path,
    values: impl Iterator<Item = std::io::Result<BaseValue>> + Send + 'static,
) -> Result<()> {
    let sizes = explainn_seq::bed::Genome::open(genome)?
        .chromosomes()
        .iter()
        .map(|(c, n)| (c.clone(), (*n).min(u32::MAX as u64) as u32))
        .collect();
    let values = values.map(|v| {
        v.map(|(chrom, pos, value)| {
            let start = pos as u32;
            let end = start + 1;
            (chrom, bigtools::Value { start, end, value })
        })
    });
    let data = bigtools::beddata::BedParserStreamingIterator::wrap_iter(values, false);
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(rayon::current_num_threads().max(1))
        .build()
        .map_err(|e| file_error(path, e))?;
    bigtools::BigWigWrite::create_file(path, sizes)
        .map_err(|e| file_error(path, e))?
        .write(data, runtime)
        .map_err(|e| file_error(path, format!("cannot write the bigWig: {e}")))?;
    Ok(())
}
