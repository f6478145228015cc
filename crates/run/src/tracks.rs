//! Genome tracks, written in one place: per-base values `(chromosome, position, value)` in
//! genome order as bedGraph (text, one line per base) and as bigWig (bigtools, over the
//! genome's chromosome sizes). `attribute` writes its attribution tracks through these;
//! tiled genome-wide prediction streams intervals into a [`BigWigSink`] per track.

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

/// Chromosome sizes for a bigWig header (bigWig positions are 32-bit).
fn bigwig_sizes(chroms: &[(String, u64)]) -> std::collections::HashMap<String, u32> {
    chroms
        .iter()
        .map(|(c, n)| (c.clone(), (*n).min(u32::MAX as u64) as u32))
        .collect()
}

/// The bigWig writer's runtime (bigtools compresses sections on it).
fn bigwig_runtime(path: &Path, threads: usize) -> Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(threads.max(1))
        .build()
        .map_err(|e| file_error(path, e))
}

/// A bigWig written from intervals streamed in chunks (chromosome by chromosome, each in
/// ascending order, not overlapping) on a thread of its own, so that any number of tracks
/// fill side by side with constant memory. [`BigWigSink::finish`] waits for the file; a
/// write that failed reports its error at the next [`BigWigSink::send`] or at `finish`.
pub struct BigWigSink {
    path: std::path::PathBuf,
    tx: Option<std::sync::mpsc::SyncSender<(String, Vec<bigtools::Value>)>>,
    handle: Option<std::thread::JoinHandle<std::result::Result<(), String>>>,
}

impl BigWigSink {
    /// Start writing `path` over the chromosomes `chroms` (names and lengths).
    pub fn create(path: &Path, chroms: &[(String, u64)]) -> Result<Self> {
        let sizes = bigwig_sizes(chroms);
        let writer = bigtools::BigWigWrite::create_file(path, sizes)
            .map_err(|e| file_error(path, format!("cannot create: {e}")))?;
        let runtime = bigwig_runtime(path, 1)?;
        let (tx, rx) = std::sync::mpsc::sync_channel::<(String, Vec<bigtools::Value>)>(4);
        let handle = std::thread::spawn(move || {
            let values = rx
                .into_iter()
                .flat_map(|(chrom, values)| values.into_iter().map(move |v| (chrom.clone(), v)));
            let data =
                bigtools::beddata::BedParserStreamingIterator::wrap_infallible_iter(values, true);
            writer.write(data, runtime).map_err(|e| e.to_string())
        });
        Ok(Self {
            path: path.to_path_buf(),
            tx: Some(tx),
            handle: Some(handle),
        })
    }

    /// Append the intervals `values` of `chrom` (after everything sent before).
    pub fn send(&mut self, chrom: &str, values: Vec<bigtools::Value>) -> Result<()> {
        let tx = self.tx.as_ref().expect("sent after finish");
        if tx.send((chrom.to_string(), values)).is_err() {
            // the writer stopped: its error says why
            self.tx = None;
            return Err(self.join().err().unwrap_or_else(|| {
                file_error(&self.path, "the bigWig writer stopped before the end")
            }));
        }
        Ok(())
    }

    /// Close the stream and wait until the file is complete.
    pub fn finish(mut self) -> Result<()> {
        self.tx = None;
        self.join()
    }

    fn join(&mut self) -> Result<()> {
        match self.handle.take().map(|h| h.join()) {
            Some(Ok(Ok(()))) | None => Ok(()),
            Some(Ok(Err(e))) => Err(file_error(
                &self.path,
                format!("cannot write the bigWig: {e}"),
            )),
            Some(Err(_)) => Err(file_error(&self.path, "the bigWig writer panicked")),
        }
    }
}

impl Drop for BigWigSink {
    fn drop(&mut self) {
        self.tx = None;
        let _ = self.join();
    }
}

/// Write `values` (per base, in genome order) to `path` as bigWig, over the chromosome
/// sizes of the FASTA `genome`.
pub fn write_bigwig(
    path: &Path,
    genome: &Path,
    values: impl Iterator<Item = std::io::Result<BaseValue>> + Send + 'static,
) -> Result<()> {
    let sizes = bigwig_sizes(explainn_seq::bed::Genome::open(genome)?.chromosomes());
    let values = values.map(|v| {
        v.map(|(chrom, pos, value)| {
            let start = pos as u32;
            let end = start + 1;
            (chrom, bigtools::Value { start, end, value })
        })
    });
    let data = bigtools::beddata::BedParserStreamingIterator::wrap_iter(values, false);
    let runtime = bigwig_runtime(path, rayon::current_num_threads())?;
    bigtools::BigWigWrite::create_file(path, sizes)
        .map_err(|e| file_error(path, e))?
        .write(data, runtime)
        .map_err(|e| file_error(path, format!("cannot write the bigWig: {e}")))?;
    Ok(())
}
