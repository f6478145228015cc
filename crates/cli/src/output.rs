//! Atomic output files for the commands: thin wrappers of `explainn_run::output` (written to
//! a temporary name beside the target and renamed into place only when complete) whose
//! errors are `anyhow` errors like every other error of the binary.

use anyhow::{Context, Result};
use explainn_run::output as run;
use std::io::Write;
use std::path::Path;

/// A file written atomically ([`run::AtomicFile`]).
pub struct AtomicFile(run::AtomicFile);

impl AtomicFile {
    /// Start writing `path` (its directory must exist).
    pub fn create(path: impl AsRef<Path>) -> Result<Self> {
        Ok(Self(run::AtomicFile::create(path)?))
    }

    /// Flush and move the file into place.
    pub fn commit(self) -> Result<()> {
        Ok(self.0.commit()?)
    }
}

impl Write for AtomicFile {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.write(buf)
    }
    fn flush(&mut self) -> std::io::Result<()> {
        self.0.flush()
    }
}

/// A gzip-compressed atomic file ([`run::AtomicGzFile`]).
pub struct AtomicGzFile(run::AtomicGzFile);

impl AtomicGzFile {
    pub fn create(path: impl AsRef<Path>) -> Result<Self> {
        Ok(Self(run::AtomicGzFile::create(path)?))
    }
    pub fn commit(self) -> Result<()> {
        Ok(self.0.commit()?)
    }
}

impl Write for AtomicGzFile {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.write(buf)
    }
    fn flush(&mut self) -> std::io::Result<()> {
        self.0.flush()
    }
}

/// Several outputs that appear together or not at all.
pub type OutputSet = run::OutputSet<anyhow::Error>;

/// Treat a closed pipe on standard output (`| head`) as success.
pub(crate) fn stdout_result(r: std::io::Result<()>) -> Result<()> {
    match r {
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
        r => r.context("cannot write to standard output"),
    }
}

/// Write to `output` atomically, or to standard output.
pub(crate) fn write_to(
    output: Option<&Path>,
    write: impl FnOnce(&mut dyn Write) -> std::io::Result<()>,
) -> Result<()> {
    match output {
        Some(p) => {
            let mut f = AtomicFile::create(p)?;
            write(&mut f).with_context(|| format!("cannot write {}", p.display()))?;
            f.commit()
        }
        None => {
            let mut out = std::io::BufWriter::new(std::io::stdout().lock());
            stdout_result(write(&mut out).and_then(|()| out.flush()))
        }
    }
}
