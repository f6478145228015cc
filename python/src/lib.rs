//! `explainn_rs._native`: the library crates' operations on numpy arrays. The Python
//! package (`pysrc/explainn_rs`) wraps these functions with the field's argument names and
//! defaults; every default of the science is the library's own (`explainn_ops::defaults`,
//! `TomtomOptions::default()`), never written again here.
//!
//! Conventions: sequences are one-hot `(N, 4, L)` float32 (A, C, G, T rows; an all-zero
//! column is N), motifs `(4, w)` float64 probability matrices. The GIL is released around
//! every computation; `threads` runs it on a pool of that many threads (`None`: all cores).

mod arrays;
mod model;
mod motifs;
mod run;

use pyo3::exceptions::{PyFileNotFoundError, PyValueError};
use pyo3::prelude::*;

/// Run `f` without the GIL on `threads` threads (`None`: the process-wide pool); a pool
/// that cannot start is a `RuntimeError`.
fn compute<T: Send>(
    py: Python<'_>,
    threads: Option<usize>,
    f: impl FnOnce() -> T + Send,
) -> PyResult<T> {
    py.detach(|| match threads {
        Some(n) => explainn_ops::on_threads(n, f)
            .map_err(|e| pyo3::exceptions::PyRuntimeError::new_err(e.to_string())),
        None => Ok(f()),
    })
}

/// Check a thread count: at least one.
fn threads(n: Option<i64>) -> PyResult<Option<usize>> {
    match n {
        None | Some(-1) => Ok(None),
        Some(n) if n >= 1 => Ok(Some(n as usize)),
        Some(n) => Err(PyValueError::new_err(format!(
            "threads must be a positive number of threads, or -1 / None for all cores; got {n}"
        ))),
    }
}

/// A library error as a Python exception: a missing file is `FileNotFoundError`, anything
/// else `ValueError`, with the message the command line prints.
fn value_error(e: impl std::fmt::Display) -> PyErr {
    PyValueError::new_err(e.to_string())
}

/// `FileNotFoundError` when `path` does not exist.
fn require_path(path: &std::path::Path, what: &str) -> PyResult<()> {
    if path.exists() {
        Ok(())
    } else {
        Err(PyFileNotFoundError::new_err(format!(
            "{what} {} does not exist",
            path.display()
        )))
    }
}

#[pymodule]
fn _native(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add("__version__", env!("CARGO_PKG_VERSION"))?;
    m.add_function(wrap_pyfunction!(arrays::one_hot_encode, m)?)?;
    m.add_function(wrap_pyfunction!(arrays::decode, m)?)?;
    m.add_function(wrap_pyfunction!(motifs::read_meme, m)?)?;
    m.add_function(wrap_pyfunction!(motifs::write_meme, m)?)?;
    m.add_function(wrap_pyfunction!(motifs::tomtom, m)?)?;
    m.add_function(wrap_pyfunction!(motifs::tomtom_tsv, m)?)?;
    m.add_function(wrap_pyfunction!(motifs::fimo, m)?)?;
    m.add_function(wrap_pyfunction!(motifs::read_fasta, m)?)?;
    m.add_function(wrap_pyfunction!(run::train, m)?)?;
    m.add_function(wrap_pyfunction!(run::interpret, m)?)?;
    m.add_class::<model::Model>()?;
    Ok(())
}
