//! `explainn bench-encode`: FASTA parsing + one-hot encoding throughput on one core.
//!
//! Writes (or reads) a FASTA file, then, record by record, parses it with needletail,
//! strips line breaks and one-hot encodes it into a `(4, L)` u8 block, the compact form for
//! whole chromosomes. The first pass allocates its buffers (page faults included, as a
//! one-shot tool would); later passes reuse them. The reference point: tangermeme, the
//! fastest Python tool, one-hot encodes a 249 Mb chromosome (chr1) in 1.6 s on one core.

use anyhow::{Context, Result};
use clap::Args as ClapArgs;
use explainn_seq::encode::{one_hot_u8_into, strip_line_breaks_into};
use rand::{Rng, SeedableRng};
use std::io::Write;
use std::path::PathBuf;
use std::time::Instant;

#[derive(ClapArgs)]
pub struct Args {
    /// FASTA to encode. Default: a random 249 Mb chromosome (chr1-sized, 60 letters a line,
    /// with soft-masked stretches and N runs) written to a temporary file.
    fasta: Option<PathBuf>,
    /// Size of the generated chromosome in megabases.
    #[arg(long, default_value_t = 249.0)]
    megabases: f64,
    /// Timed passes (the first one allocates; the best of the others is reported as warm).
    #[arg(long, default_value_t = 4)]
    repeats: usize,
}

pub fn run(a: Args) -> Result<()> {
    let tmp;
    let path = match &a.fasta {
        Some(p) => p.clone(),
        None => {
            tmp = tempfile::Builder::new()
                .suffix(".fa")
                .tempfile()
                .context("cannot create a temporary FASTA")?;
            write_random_chromosome(tmp.path(), (a.megabases * 1e6) as usize)?;
            tmp.path().to_path_buf()
        }
    };
    let mut letters: Vec<u8> = Vec::new();
    let mut onehot: Vec<u8> = Vec::new();
    let mut times = Vec::new();
    let mut bases = 0usize;
    let mut checksum = 0u64;
    for _ in 0..a.repeats.max(2) {
        let t = Instant::now();
        let mut reader = needletail::parse_fastx_file(&path)
            .with_context(|| format!("cannot read {}", path.display()))?;
        let mut n = 0usize;
        let mut t_encode = 0.0;
        while let Some(rec) = reader.next() {
            let rec = rec.with_context(|| format!("cannot parse {}", path.display()))?;
            let te = Instant::now();
            strip_line_breaks_into(rec.raw_seq(), &mut letters);
            if onehot.len() != 4 * letters.len() {
                onehot = vec![0; 4 * letters.len()];
            }
            one_hot_u8_into(&letters, &mut onehot);
            t_encode += te.elapsed().as_secs_f64();
            n += letters.len();
            checksum =
                checksum.wrapping_add(onehot.iter().step_by(4099).map(|&v| v as u64).sum::<u64>());
        }
        let total = t.elapsed().as_secs_f64();
        eprintln!(
            "  pass {}: {total:.3} s (parse {:.3} s, line breaks + one-hot {t_encode:.3} s)",
            times.len() + 1,
            total - t_encode
        );
        times.push(total);
        bases = n;
    }
    let mb = bases as f64 / 1e6;
    let cold = times[0];
    let warm = times[1..].iter().cloned().fold(f64::INFINITY, f64::min);
    println!(
        "{{\"task\": \"fasta-parse+one-hot (1 core)\", \"megabases\": {mb:.1}, \"cold_seconds\": {cold:.3}, \"warm_seconds\": {warm:.3}, \"warm_MB_per_s\": {:.0}, \"warm_seconds_per_249Mb\": {:.3}, \"tangermeme_chr1_seconds\": 1.6, \"warm_speedup_vs_tangermeme\": {:.2}, \"cold_speedup_vs_tangermeme\": {:.2}, \"checksum\": {checksum}}}",
        mb / warm,
        warm * 249.0 / mb,
        1.6 / (warm * 249.0 / mb),
        1.6 / (cold * 249.0 / mb),
    );
    Ok(())
}

fn write_random_chromosome(path: &std::path::Path, n: usize) -> Result<()> {
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(1);
    let mut w = std::io::BufWriter::with_capacity(1 << 20, std::fs::File::create(path)?);
    writeln!(w, ">chrBench random test chromosome")?;
    let mut line = [0u8; 61];
    let mut written = 0;
    let mut mask = false;
    while written < n {
        let m = 60.min(n - written);
        if rng.random_ratio(1, 500) {
            mask = !mask;
        }
        let n_run = rng.random_ratio(1, 5000);
        for b in line.iter_mut().take(m) {
            let x: u32 = rng.random();
            *b = if n_run {
                b'N'
            } else {
                let base = b"ACGT"[(x & 3) as usize];
                if mask {
                    base.to_ascii_lowercase()
                } else {
                    base
                }
            };
        }
        line[m] = b'\n';
        w.write_all(&line[..=m])?;
        written += m;
    }
    w.flush()?;
    Ok(())
}
