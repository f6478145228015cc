//! Output files are written to a temporary name beside the target and renamed into place
//! only when complete, so a failed command never leaves a half-written file behind.

use crate::{Result, file_error};
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

/// A file being written atomically: data goes to a hidden temporary file in the same
/// directory; [`AtomicFile::commit`] flushes it and renames it to the final path.
/// Dropping it without committing deletes the temporary file.
pub struct AtomicFile {
    path: PathBuf,
    inner: Option<BufWriter<tempfile::NamedTempFile>>,
}

impl AtomicFile {
    /// Start writing `path` (its directory must exist). Refused at once, before any work,
    /// when `path` is a directory or its directory is missing or not writable.
    pub fn create(path: impl AsRef<Path>) -> Result<Self> {
        let path = path.as_ref().to_path_buf();
        if path.is_dir() {
            return Err(file_error(
                &path,
                "is a directory; give the path of the file to write",
            ));
        }
        let dir = match path.parent() {
            Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
            _ => PathBuf::from("."),
        };
        if !dir.is_dir() {
            return Err(file_error(
                &dir,
                "does not exist (or is not a directory): create it first",
            ));
        }
        let tmp = tempfile::Builder::new()
            .prefix(".explainn-tmp-")
            .tempfile_in(&dir)
            .map_err(|e| file_error(&dir, format!("cannot create a temporary file: {e}")))?;
        Ok(Self {
            path,
            inner: Some(BufWriter::new(tmp)),
        })
    }

    /// Flush and move the file into place.
    pub fn commit(mut self) -> Result<()> {
        let w = self.inner.take().expect("committed twice");
        let tmp = w
            .into_inner()
            .map_err(|e| file_error(&self.path, format!("cannot write: {}", e.into_error())))?;
        // Temporary files are created private (0600); give the result the usual mode.
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            tmp.as_file()
                .set_permissions(std::fs::Permissions::from_mode(0o644))
                .map_err(|e| file_error(&self.path, format!("cannot set permissions: {e}")))?;
        }
        tmp.persist(&self.path)
            .map_err(|e| file_error(&self.path, format!("cannot write: {}", e.error)))?;
        Ok(())
    }
}

impl Write for AtomicFile {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.inner.as_mut().expect("write after commit").write(buf)
    }
    fn flush(&mut self) -> std::io::Result<()> {
        self.inner.as_mut().expect("flush after commit").flush()
    }
}

/// A gzip-compressed atomic file (`.gz` outputs).
pub struct AtomicGzFile {
    enc: flate2::write::GzEncoder<AtomicFile>,
    path: PathBuf,
}

impl AtomicGzFile {
    pub fn create(path: impl AsRef<Path>) -> Result<Self> {
        Ok(Self {
            enc: flate2::write::GzEncoder::new(
                AtomicFile::create(path.as_ref())?,
                flate2::Compression::default(),
            ),
            path: path.as_ref().to_path_buf(),
        })
    }
    pub fn commit(self) -> Result<()> {
        self.enc
            .finish()
            .map_err(|e| file_error(&self.path, format!("cannot finish the gzip stream: {e}")))?
            .commit()
    }
}

impl Write for AtomicGzFile {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.enc.write(buf)
    }
    fn flush(&mut self) -> std::io::Result<()> {
        self.enc.flush()
    }
}

/// Several outputs that appear together or not at all: commit them all at the end.
/// Generic over the error type so that callers with their own error (the CLI's `anyhow`)
/// can register commits that return it.
pub struct OutputSet<E = crate::RunError> {
    files: Vec<Box<dyn FnOnce() -> std::result::Result<(), E>>>,
}

impl<E> Default for OutputSet<E> {
    fn default() -> Self {
        Self { files: Vec::new() }
    }
}

impl<E> OutputSet<E> {
    /// Register one output's commit.
    pub fn add(&mut self, commit: impl FnOnce() -> std::result::Result<(), E> + 'static) {
        self.files.push(Box::new(commit));
    }

    /// Commit every registered output, in order.
    pub fn commit_all(self) -> std::result::Result<(), E> {
        for f in self.files {
            f()?;
        }
        Ok(())
    }
}
