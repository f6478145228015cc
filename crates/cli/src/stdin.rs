//! `-` as an input file: standard input, read once into a temporary file when the
//! arguments are parsed, so every reader (format detection by content, gzip sniffing,
//! line numbers in errors) works on it as on any file. Error messages name it
//! "standard input" instead of the temporary path ([`describe`]).

use std::io::Read;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

/// The spooled standard input: its directory (removed at exit) and file.
static SPOOL: OnceLock<(tempfile::TempDir, PathBuf)> = OnceLock::new();

/// Clap value parser for an input path: `-` is standard input, anything else a path.
/// Standard input can stand for one argument of a command only.
pub fn input_path(arg: &str) -> Result<PathBuf, String> {
    if arg != "-" {
        return Ok(PathBuf::from(arg));
    }
    if SPOOL.get().is_some() {
        return Err("standard input (`-`) can be given for one input only".into());
    }
    let dir = tempfile::tempdir()
        .map_err(|e| format!("cannot create a temporary file for standard input: {e}"))?;
    let path = dir.path().join("stdin");
    let mut data = Vec::new();
    std::io::stdin()
        .lock()
        .read_to_end(&mut data)
        .map_err(|e| format!("cannot read standard input: {e}"))?;
    if data.is_empty() {
        return Err("standard input (`-`) is empty".into());
    }
    std::fs::write(&path, &data)
        .map_err(|e| format!("cannot spool standard input to {}: {e}", path.display()))?;
    let _ = SPOOL.set((dir, path.clone()));
    Ok(path)
}

/// Clap value parser for an input that the run records and reads again later (the
/// training and validation files of `train`): a path, never standard input.
pub fn kept_path(arg: &str) -> Result<PathBuf, String> {
    if arg == "-" {
        return Err(
            "standard input (`-`) cannot be used here: the run records this file and \
                    interpret, test and report read it again; give a file path"
                .into(),
        );
    }
    Ok(PathBuf::from(arg))
}

/// `message` with the spooled file's path replaced by "standard input".
pub fn describe(message: &str) -> String {
    match SPOOL.get() {
        Some((_, path)) => replace_path(message, path),
        None => message.to_string(),
    }
}

fn replace_path(message: &str, path: &Path) -> String {
    message.replace(&path.display().to_string(), "standard input")
}

/// Remove the spooled copy (the process is about to exit, where statics are not dropped).
pub fn clean_up() {
    if let Some((dir, _)) = SPOOL.get() {
        let _ = std::fs::remove_dir_all(dir.path());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_other_than_dash_pass_through() {
        assert_eq!(input_path("a.fa").unwrap(), PathBuf::from("a.fa"));
    }

    #[test]
    fn the_spooled_path_is_named_standard_input() {
        let p = Path::new("/tmp/x1/stdin");
        assert_eq!(
            replace_path("/tmp/x1/stdin: line 3: bad letter", p),
            "standard input: line 3: bad letter"
        );
    }
}
