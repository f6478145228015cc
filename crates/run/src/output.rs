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

/// `value` as pretty-printed, newline-terminated JSON in an [`AtomicFile`] at `path`, ready
/// to commit (the `summary.json` of every derived result).
pub(crate) fn json_file(path: &Path, value: &serde_json::Value) -> Result<AtomicFile> {
    let mut f = AtomicFile::create(path)?;
    serde_json::to_writer_pretty(&mut f, value).map_err(|e| file_error(path, e))?;
    writeln!(f).map_err(|e| file_error(path, e))?;
    Ok(f)
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

/// A directory of results that is replaced whole: everything is written into a hidden
/// sibling ([`OutputDir::path`]) and [`OutputDir::commit`] swaps it into place, so the
/// directory never holds files of two runs and a failed command leaves the old one as it
/// was. Dropping it without committing deletes the sibling.
pub struct OutputDir {
    target: PathBuf,
    tmp: Option<tempfile::TempDir>,
}

impl OutputDir {
    /// Start writing the directory `target` (its parent is created when missing). Refused
    /// at once, before any work, unless `target` does not exist, is empty, or holds an
    /// earlier output of the same command (recognised by one of the files `markers`):
    /// any other directory may hold the user's own files, which replacing it would delete.
    /// `what` names the command's output in that message (e.g. "test results").
    pub fn create(target: impl AsRef<Path>, markers: &[&str], what: &str) -> Result<Self> {
        let target = target.as_ref().to_path_buf();
        if target.exists() {
            if !target.is_dir() {
                return Err(file_error(
                    &target,
                    "is a file; the output is a directory: give a directory path",
                ));
            }
            let mut entries = std::fs::read_dir(&target)
                .map_err(|e| file_error(&target, format!("cannot read: {e}")))?;
            let empty = entries.next().is_none();
            if !empty && !markers.iter().any(|m| target.join(m).is_file()) {
                return Err(file_error(
                    &target,
                    format!(
                        "exists and does not hold {what} (no {}); it would be replaced whole, so give a new or empty directory",
                        markers.join(" or ")
                    ),
                ));
            }
        }
        let name = target
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .ok_or_else(|| file_error(&target, "is not a directory name"))?;
        let parent = match target.parent() {
            Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
            _ => PathBuf::from("."),
        };
        std::fs::create_dir_all(&parent)
            .map_err(|e| file_error(&parent, format!("cannot create: {e}")))?;
        let tmp = tempfile::Builder::new()
            .prefix(&format!(".{name}.explainn-tmp-"))
            .tempdir_in(&parent)
            .map_err(|e| file_error(&parent, format!("cannot write there: {e}")))?;
        Ok(Self {
            target,
            tmp: Some(tmp),
        })
    }

    /// Where to write the files (the hidden sibling until [`OutputDir::commit`]).
    pub fn path(&self) -> &Path {
        self.tmp.as_ref().expect("committed").path()
    }

    /// The directory the results end up in.
    pub fn target(&self) -> &Path {
        &self.target
    }

    /// Move the new directory into place, replacing the old one whole.
    pub fn commit(mut self) -> Result<()> {
        let tmp = self.tmp.take().expect("committed twice").keep();
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            // Temporary directories are created private (0700); give the usual mode.
            std::fs::set_permissions(&tmp, std::fs::Permissions::from_mode(0o755))
                .map_err(|e| file_error(&self.target, format!("cannot set permissions: {e}")))?;
        }
        let old = if self.target.exists() {
            let mut old = tmp.clone().into_os_string();
            old.push(".old");
            let old = PathBuf::from(old);
            std::fs::rename(&self.target, &old).map_err(|e| {
                let _ = std::fs::remove_dir_all(&tmp);
                file_error(&self.target, format!("cannot replace: {e}"))
            })?;
            Some(old)
        } else {
            None
        };
        if let Err(e) = std::fs::rename(&tmp, &self.target) {
            if let Some(old) = &old {
                let _ = std::fs::rename(old, &self.target);
            }
            let _ = std::fs::remove_dir_all(&tmp);
            return Err(file_error(&self.target, format!("cannot write: {e}")));
        }
        if let Some(old) = old {
            std::fs::remove_dir_all(&old).map_err(|e| {
                file_error(&old, format!("cannot remove the replaced results: {e}"))
            })?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(dir: &Path) -> Vec<String> {
        let mut v: Vec<String> = std::fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        v.sort();
        v
    }

    #[test]
    fn an_output_directory_is_replaced_whole() {
        let tmp = tempfile::tempdir().unwrap();
        let out = tmp.path().join("res");
        // New: created by the commit, nothing left beside it.
        let d = OutputDir::create(&out, &["marker"], "results").unwrap();
        std::fs::write(d.path().join("marker"), "1").unwrap();
        std::fs::write(d.path().join("old-only"), "x").unwrap();
        assert!(!out.exists(), "nothing appears before the commit");
        d.commit().unwrap();
        assert_eq!(names(&out), ["marker", "old-only"]);
        // Earlier results: replaced whole, so a file the new run does not write is gone.
        let d = OutputDir::create(&out, &["marker"], "results").unwrap();
        std::fs::write(d.path().join("marker"), "2").unwrap();
        d.commit().unwrap();
        assert_eq!(names(&out), ["marker"]);
        assert_eq!(std::fs::read_to_string(out.join("marker")).unwrap(), "2");
        assert_eq!(names(tmp.path()), ["res"], "no hidden sibling survives");
        // A failure (drop without commit) leaves the old results and no sibling.
        let d = OutputDir::create(&out, &["marker"], "results").unwrap();
        std::fs::write(d.path().join("marker"), "3").unwrap();
        drop(d);
        assert_eq!(std::fs::read_to_string(out.join("marker")).unwrap(), "2");
        assert_eq!(names(tmp.path()), ["res"]);
    }

    #[test]
    fn a_directory_of_other_files_or_a_file_is_refused_before_any_work() {
        let tmp = tempfile::tempdir().unwrap();
        let mine = tmp.path().join("mine");
        std::fs::create_dir(&mine).unwrap();
        std::fs::write(mine.join("notes.txt"), "keep me").unwrap();
        let e = OutputDir::create(&mine, &["metrics.tsv"], "test results")
            .err()
            .unwrap()
            .to_string();
        assert!(
            e.contains("does not hold test results (no metrics.tsv)"),
            "{e}"
        );
        assert_eq!(names(&mine), ["notes.txt"]);
        let file = tmp.path().join("f");
        std::fs::write(&file, "").unwrap();
        let e = OutputDir::create(&file, &["m"], "x")
            .err()
            .unwrap()
            .to_string();
        assert!(e.contains("is a file"), "{e}");
        // An empty directory is fine.
        let empty = tmp.path().join("empty");
        std::fs::create_dir(&empty).unwrap();
        OutputDir::create(&empty, &["m"], "x")
            .unwrap()
            .commit()
            .unwrap();
        assert!(empty.is_dir());
    }

    #[cfg(unix)]
    #[test]
    fn an_unwritable_parent_is_refused_at_once() {
        use std::os::unix::fs::PermissionsExt;
        let tmp = tempfile::tempdir().unwrap();
        let ro = tmp.path().join("ro");
        std::fs::create_dir(&ro).unwrap();
        std::fs::set_permissions(&ro, std::fs::Permissions::from_mode(0o555)).unwrap();
        if tempfile::tempfile_in(&ro).is_ok() {
            return; // running as a user that ignores permissions (root)
        }
        assert!(OutputDir::create(ro.join("out"), &["m"], "x").is_err());
    }
}
