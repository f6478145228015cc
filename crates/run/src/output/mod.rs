//! Output files are written to a temporary name beside the target and renamed into place
//! only when complete, so a failed command never leaves a half-written file behind.

mod pending;

pub use pending::{Pending, remove_all as remove_pending};

use crate::{Result, file_error};
use std::collections::BTreeSet;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

/// A file being written atomically: data goes to a hidden temporary file in the same
/// directory; [`AtomicFile::commit`] flushes it and renames it to the final path.
/// Dropping it without committing deletes the temporary file.
pub struct AtomicFile {
    path: PathBuf,
    inner: Option<BufWriter<tempfile::NamedTempFile>>,
    pending: Option<Pending>,
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
        let pending = Some(Pending::register(tmp.path()));
        Ok(Self {
            path,
            inner: Some(BufWriter::new(tmp)),
            pending,
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
        let pending = self.pending.take().expect("registered");
        pending
            .settle(|| tmp.persist(&self.path))
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

/// A text output given by the user: `-` is standard output, a name ending in `.gz` is
/// gzip-compressed, anything else a plain file; files are written atomically.
pub enum TextOutput {
    Stdout(std::io::Stdout),
    Plain(AtomicFile),
    Gz(AtomicGzFile),
}

impl TextOutput {
    /// Start writing `path` (checked at once, as [`AtomicFile::create`]).
    pub fn create(path: impl AsRef<Path>) -> Result<Self> {
        let path = path.as_ref();
        Ok(if path.as_os_str() == "-" {
            TextOutput::Stdout(std::io::stdout())
        } else if path.extension().is_some_and(|e| e == "gz") {
            TextOutput::Gz(AtomicGzFile::create(path)?)
        } else {
            TextOutput::Plain(AtomicFile::create(path)?)
        })
    }

    /// Finish: flush standard output, or move the file into place.
    pub fn commit(self) -> Result<()> {
        match self {
            TextOutput::Stdout(mut s) => s
                .flush()
                .map_err(|e| file_error(Path::new("standard output"), e)),
            TextOutput::Plain(f) => f.commit(),
            TextOutput::Gz(f) => f.commit(),
        }
    }
}

impl Write for TextOutput {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        match self {
            TextOutput::Stdout(s) => s.write(buf),
            TextOutput::Plain(f) => f.write(buf),
            TextOutput::Gz(f) => f.write(buf),
        }
    }
    fn flush(&mut self) -> std::io::Result<()> {
        match self {
            TextOutput::Stdout(s) => s.flush(),
            TextOutput::Plain(f) => f.flush(),
            TextOutput::Gz(f) => f.flush(),
        }
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

/// The file in every output directory that lists, one relative path a line, what
/// explainn wrote there: the only entries a later run may remove.
pub const MANIFEST: &str = ".explainn-written";

/// A directory of results that is replaced whole: everything is written into a hidden
/// sibling ([`OutputDir::path`]) and [`OutputDir::commit`] swaps it into place, so the
/// directory never holds files of two runs and a failed command leaves the old one as it
/// was. Dropping it without committing deletes the sibling; an interruption removes it
/// too ([`remove_pending`]).
///
/// Safe for the user's files: the committed directory records what was written
/// ([`MANIFEST`]), and a directory holding anything else is refused, never replaced.
/// Safe between processes: the sibling is locked while it is written, and a second
/// process writing the same directory is refused while the first runs.
pub struct OutputDir {
    target: PathBuf,
    what: String,
    tmp: Option<tempfile::TempDir>,
    _lock: std::fs::File,
    pending: Option<Pending>,
}

impl OutputDir {
    /// Start writing the directory `target` (its parent is created when missing). Refused
    /// at once, before any work, unless `target` does not exist, is empty, or holds only
    /// an earlier output that explainn recorded writing ([`MANIFEST`]; an output without
    /// one is recognised by one of the files `markers` but refused, as it may hold the
    /// user's own files). Also refused while another process writes `target`.
    /// `what` names the command's output in the messages (e.g. "test results").
    pub fn create(target: impl AsRef<Path>, markers: &[&str], what: &str) -> Result<Self> {
        let target = target.as_ref().to_path_buf();
        check_replaceable(&target, markers, what)?;
        let name = target
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .ok_or_else(|| file_error(&target, "is not a directory name"))?;
        let parent = match target.parent() {
            Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
            _ => PathBuf::from("."),
        };
        if parent.exists() && !parent.is_dir() {
            return Err(file_error(
                &parent,
                "is a file, so no directory can be written inside it: give another output path",
            ));
        }
        std::fs::create_dir_all(&parent)
            .map_err(|e| file_error(&parent, format!("cannot create: {e}")))?;
        let prefix = format!(".{name}.explainn-tmp-");
        let tmp = tempfile::Builder::new()
            .prefix(&prefix)
            .tempdir_in(&parent)
            .map_err(|e| file_error(&parent, format!("cannot write there: {e}")))?;
        let pending = Some(Pending::register(tmp.path()));
        let lock = lock_dir(tmp.path())?
            .ok_or_else(|| file_error(tmp.path(), "cannot lock a directory just created"))?;
        clear_siblings(&parent, &prefix, tmp.path(), &target)?;
        Ok(Self {
            target,
            what: what.to_string(),
            tmp: Some(tmp),
            _lock: lock,
            pending,
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

    /// Record what was written ([`MANIFEST`]) and move the new directory into place,
    /// replacing the old one whole (checked again: a file the user put there while this
    /// ran makes the commit fail and leaves it as it was).
    pub fn commit(mut self) -> Result<()> {
        let tmp = self.tmp.take().expect("committed twice").keep();
        write_manifest(&tmp)?;
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            // Temporary directories are created private (0700); give the usual mode.
            std::fs::set_permissions(&tmp, std::fs::Permissions::from_mode(0o755))
                .map_err(|e| file_error(&self.target, format!("cannot set permissions: {e}")))?;
        }
        let pending = self.pending.take().expect("registered");
        let (target, what) = (&self.target, &self.what);
        let swapped = pending.settle(|| {
            let fail = |e: crate::RunError| {
                let _ = std::fs::remove_dir_all(&tmp);
                Err(e)
            };
            if let Err(e) = check_replaceable(target, &[MANIFEST], what) {
                return fail(e);
            }
            let old = if target.exists() {
                let mut old = tmp.clone().into_os_string();
                old.push(".old");
                let old = PathBuf::from(old);
                if let Err(e) = std::fs::rename(target, &old) {
                    return fail(file_error(target, format!("cannot replace: {e}")));
                }
                Some(old)
            } else {
                None
            };
            if let Err(e) = std::fs::rename(&tmp, target) {
                if let Some(old) = &old {
                    let _ = std::fs::rename(old, target);
                }
                return fail(file_error(target, format!("cannot write: {e}")));
            }
            Ok(old)
        })?;
        if let Some(old) = swapped {
            std::fs::remove_dir_all(&old).map_err(|e| {
                file_error(&old, format!("cannot remove the replaced results: {e}"))
            })?;
        }
        Ok(())
    }
}

/// Refuse `target` unless it is absent, empty, or holds only what explainn recorded
/// writing there.
fn check_replaceable(target: &Path, markers: &[&str], what: &str) -> Result<()> {
    if !target.exists() {
        return Ok(());
    }
    if !target.is_dir() {
        return Err(file_error(
            target,
            "is a file; the output is a directory: give a directory path",
        ));
    }
    let foreign = foreign_entries(target)?;
    if foreign.is_empty() {
        return Ok(());
    }
    let listed = list_some(&foreign);
    if target.join(MANIFEST).is_file() {
        return Err(file_error(
            target,
            format!(
                "holds files explainn did not write ({listed}); replacing the directory would delete them: move them away or give another output directory"
            ),
        ));
    }
    if markers.iter().any(|m| target.join(m).is_file()) {
        return Err(file_error(
            target,
            format!(
                "holds {what} without a record of what explainn wrote ({MANIFEST}: written by an older version, or with files of yours: {listed}); remove it or give another output directory"
            ),
        ));
    }
    Err(file_error(
        target,
        format!(
            "exists and does not hold {what} (no {}); it would be replaced whole, so give a new or empty directory",
            markers.join(" or ")
        ),
    ))
}

/// The first few of `names`, comma-separated, with a count of the rest.
fn list_some(names: &[String]) -> String {
    let mut s = names.iter().take(3).cloned().collect::<Vec<_>>().join(", ");
    if names.len() > 3 {
        s.push_str(&format!(" and {} more", names.len() - 3));
    }
    s
}

/// Every entry under `dir`, as relative paths with `/`, directories included, sorted;
/// the manifest itself left out.
fn entries(dir: &Path) -> Result<Vec<String>> {
    fn walk(root: &Path, dir: &Path, out: &mut Vec<String>) -> Result<()> {
        let rd =
            std::fs::read_dir(dir).map_err(|e| file_error(dir, format!("cannot read: {e}")))?;
        for e in rd {
            let e = e.map_err(|e| file_error(dir, format!("cannot read: {e}")))?;
            let p = e.path();
            let rel = p.strip_prefix(root).expect("under root");
            let rel = rel
                .components()
                .map(|c| c.as_os_str().to_string_lossy().into_owned())
                .collect::<Vec<_>>()
                .join("/");
            if rel == MANIFEST {
                continue;
            }
            out.push(rel);
            let ft = e
                .file_type()
                .map_err(|e| file_error(&p, format!("cannot read: {e}")))?;
            if ft.is_dir() {
                walk(root, &p, out)?;
            }
        }
        Ok(())
    }
    let mut out = Vec::new();
    walk(dir, dir, &mut out)?;
    out.sort();
    Ok(out)
}

/// The entries under `dir` that its [`MANIFEST`] does not list (all of them without one).
pub fn foreign_entries(dir: &Path) -> Result<Vec<String>> {
    Ok(split_entries(dir)?.1)
}

/// The entries under `dir` split into those its [`MANIFEST`] lists and the others (all of
/// them without one), each sorted.
fn split_entries(dir: &Path) -> Result<(Vec<String>, Vec<String>)> {
    let written: BTreeSet<String> = match std::fs::read_to_string(dir.join(MANIFEST)) {
        Ok(s) => s
            .lines()
            .filter(|l| !l.starts_with('#') && !l.is_empty())
            .map(str::to_string)
            .collect(),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => BTreeSet::new(),
        Err(e) => return Err(file_error(&dir.join(MANIFEST), format!("cannot read: {e}"))),
    };
    Ok(entries(dir)?.into_iter().partition(|e| written.contains(e)))
}

/// Write `dir`'s [`MANIFEST`]: every entry now under it.
fn write_manifest(dir: &Path) -> Result<()> {
    let mut text = format!(
        "# written by explainn {}: the entries below may be replaced by a later run; nothing else here is touched\n",
        env!("CARGO_PKG_VERSION")
    );
    for e in entries(dir)? {
        text.push_str(&e);
        text.push('\n');
    }
    let path = dir.join(MANIFEST);
    std::fs::write(&path, text).map_err(|e| file_error(&path, format!("cannot write: {e}")))
}

/// Remove what explainn wrote in `dir` (the entries of its [`MANIFEST`]) and `dir` itself
/// when nothing else is left; returns the entries left in place (the user's). A
/// directory without a manifest is left whole and all its entries returned.
pub fn remove_written(dir: &Path) -> Result<Vec<String>> {
    if !dir.is_dir() {
        return Ok(Vec::new());
    }
    let (mut written, foreign) = split_entries(dir)?;
    if foreign.is_empty() {
        std::fs::remove_dir_all(dir)
            .map_err(|e| file_error(dir, format!("cannot remove the earlier results: {e}")))?;
        return Ok(foreign);
    }
    if !dir.join(MANIFEST).is_file() {
        return Ok(foreign);
    }
    // Deepest first, so that directories are empty when their turn comes.
    written.sort_by_key(|e| std::cmp::Reverse(e.matches('/').count()));
    for e in written {
        let p = dir.join(&e);
        let kept_inside = foreign.iter().any(|f| f.starts_with(&format!("{e}/")));
        let r = if p.is_dir() {
            if kept_inside {
                Ok(())
            } else {
                std::fs::remove_dir(&p)
            }
        } else {
            std::fs::remove_file(&p)
        };
        r.map_err(|err| file_error(&p, format!("cannot remove the earlier results: {err}")))?;
    }
    let m = dir.join(MANIFEST);
    std::fs::remove_file(&m).map_err(|e| file_error(&m, format!("cannot remove: {e}")))?;
    Ok(foreign)
}

/// An exclusive lock on the directory `dir`, held while the returned file is open;
/// `None` when another process holds it.
pub fn lock_dir(dir: &Path) -> Result<Option<std::fs::File>> {
    let f = std::fs::File::open(dir).map_err(|e| file_error(dir, format!("cannot open: {e}")))?;
    match f.try_lock() {
        Ok(()) => Ok(Some(f)),
        Err(std::fs::TryLockError::WouldBlock) => Ok(None),
        Err(std::fs::TryLockError::Error(e)) => Err(file_error(dir, format!("cannot lock: {e}"))),
    }
}

/// Siblings `PARENT/PREFIX*` other than `ours`: refuse when another process holds one
/// (it is writing `target` now); remove those left by a process that was killed.
fn clear_siblings(parent: &Path, prefix: &str, ours: &Path, target: &Path) -> Result<()> {
    let rd =
        std::fs::read_dir(parent).map_err(|e| file_error(parent, format!("cannot read: {e}")))?;
    for e in rd.flatten() {
        let n = e.file_name().to_string_lossy().into_owned();
        let p = e.path();
        let is_ours = ours.file_name() == Some(e.file_name().as_os_str());
        if !n.starts_with(prefix) || n.ends_with(".old") || is_ours || !p.is_dir() {
            continue;
        }
        match lock_dir(&p)? {
            None => {
                return Err(file_error(
                    target,
                    format!(
                        "another explainn process is writing this directory now (into {}); wait for it to finish or give another output directory",
                        p.display()
                    ),
                ));
            }
            Some(_stale) => {
                let _ = std::fs::remove_dir_all(&p);
            }
        }
    }
    Ok(())
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
        assert_eq!(names(&out), [MANIFEST, "marker", "old-only"]);
        // Earlier results: replaced whole, so a file the new run does not write is gone.
        let d = OutputDir::create(&out, &["marker"], "results").unwrap();
        std::fs::write(d.path().join("marker"), "2").unwrap();
        d.commit().unwrap();
        assert_eq!(names(&out), [MANIFEST, "marker"]);
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

    #[test]
    fn a_file_of_the_user_in_an_earlier_output_is_never_deleted() {
        let tmp = tempfile::tempdir().unwrap();
        let out = tmp.path().join("res");
        let d = OutputDir::create(&out, &["marker"], "results").unwrap();
        std::fs::create_dir(d.path().join("logos")).unwrap();
        std::fs::write(d.path().join("logos/a.svg"), "1").unwrap();
        std::fs::write(d.path().join("marker"), "1").unwrap();
        d.commit().unwrap();
        std::fs::write(out.join("my_notes.txt"), "keep me").unwrap();
        std::fs::write(out.join("logos/mine.svg"), "keep me too").unwrap();
        let e = OutputDir::create(&out, &["marker"], "results")
            .err()
            .unwrap()
            .to_string();
        assert!(
            e.contains("holds files explainn did not write (logos/mine.svg, my_notes.txt)"),
            "{e}"
        );
        // A file added while the command runs makes the commit fail, nothing removed.
        std::fs::remove_file(out.join("logos/mine.svg")).unwrap();
        std::fs::remove_file(out.join("my_notes.txt")).unwrap();
        let d = OutputDir::create(&out, &["marker"], "results").unwrap();
        std::fs::write(d.path().join("marker"), "2").unwrap();
        std::fs::write(out.join("my_notes.txt"), "keep me").unwrap();
        assert!(d.commit().is_err());
        assert_eq!(std::fs::read_to_string(out.join("marker")).unwrap(), "1");
        assert_eq!(names(tmp.path()), ["res"]);
        // remove_written takes what explainn wrote and leaves the rest.
        std::fs::write(out.join("logos/mine.svg"), "keep me too").unwrap();
        let left = remove_written(&out).unwrap();
        assert_eq!(left, ["logos/mine.svg", "my_notes.txt"]);
        assert_eq!(names(&out), ["logos", "my_notes.txt"]);
        assert_eq!(names(&out.join("logos")), ["mine.svg"]);
        // An output without a manifest (older version) is refused, named as such.
        std::fs::write(out.join("marker"), "old").unwrap();
        let e = OutputDir::create(&out, &["marker"], "results")
            .err()
            .unwrap()
            .to_string();
        assert!(e.contains("without a record of what explainn wrote"), "{e}");
    }

    #[test]
    fn a_second_writer_is_refused_and_a_killed_ones_leftover_removed() {
        let tmp = tempfile::tempdir().unwrap();
        let out = tmp.path().join("res");
        let first = OutputDir::create(&out, &["m"], "results").unwrap();
        let e = OutputDir::create(&out, &["m"], "results")
            .err()
            .unwrap()
            .to_string();
        assert!(e.contains("another explainn process is writing"), "{e}");
        // The first one's sibling is still there and commits.
        std::fs::write(first.path().join("m"), "1").unwrap();
        let left = first.path().to_path_buf();
        // A leftover of a killed process: a sibling nobody holds.
        let stale = tmp.path().join(".res.explainn-tmp-dead");
        std::fs::create_dir(&stale).unwrap();
        std::fs::write(stale.join("x"), "").unwrap();
        first.commit().unwrap();
        assert!(!left.exists());
        OutputDir::create(&out, &["m"], "results").unwrap();
        assert!(!stale.exists(), "the stale sibling is removed");
        assert_eq!(names(tmp.path()), ["res"]);
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
