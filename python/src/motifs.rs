//! Motifs as `(4, w)` float64 arrays: MEME files and MEME-exact Tomtom.

use explainn_motif::io::meme;
use explainn_motif::tomtom::{self as tt, Distance, Orientation, TomtomOptions};
use explainn_motif::{Background, MatrixKind, Motif};
use numpy::ndarray::{Array2, Axis};
use numpy::{IntoPyArray, PyArray2, PyReadonlyArray2, PyUntypedArrayMethods};
use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;
use std::path::PathBuf;

/// A motif read from a file: id, alternative name, `(4, w)` probabilities, site count.
type Read = (String, Option<String>, Py<PyArray2<f64>>, Option<f64>);

/// A motif from Python: name, `(4, w)` probabilities and the site count (`None`: 20,
/// MEME's default) that Tomtom's pseudocounts weigh.
type Given<'py> = (String, PyReadonlyArray2<'py, f64>, Option<f64>);

/// The motifs of a MEME, JASPAR or HOCOMOCO file (plain or gzip) as
/// `(id, alternative name or None, (4, w) probabilities, nsites or None)`, in file order.
#[pyfunction]
pub fn read_meme(path: PathBuf) -> PyResult<Vec<Read>> {
    crate::require_path(&path, "motif file")?;
    let set = explainn_motif::io::read_motifs_file(&path).map_err(crate::value_error)?;
    Python::attach(|py| {
        Ok(set
            .motifs
            .into_iter()
            .map(|m| {
                let m = m.to_probabilities();
                let mut a = Array2::<f64>::zeros((4, m.width()));
                for (j, row) in m.rows.iter().enumerate() {
                    for (b, &v) in row.iter().enumerate() {
                        a[[b, j]] = v;
                    }
                }
                (m.id, m.alt_name, a.into_pyarray(py).unbind(), m.nsites)
            })
            .collect())
    })
}

/// Write `(id, (4, w) probabilities, nsites)` motifs as a MEME version 4 file (uniform
/// background, both strands, numbers in their shortest exact form).
#[pyfunction]
pub fn write_meme(path: PathBuf, motifs: Vec<Given<'_>>) -> PyResult<()> {
    let motifs = to_motifs(&motifs, "motifs")?;
    let mut text = Vec::new();
    meme::write_meme(&mut text, &motifs, None, None).map_err(crate::value_error)?;
    std::fs::write(&path, text).map_err(|e| match e.kind() {
        std::io::ErrorKind::NotFound => pyo3::exceptions::PyFileNotFoundError::new_err(format!(
            "cannot write {}: its folder does not exist",
            path.display()
        )),
        _ => PyErr::from(e),
    })
}

/// A motif from a `(4, w)` array: finite, non-negative, at least one column.
fn motif(given: &Given<'_>, what: &str, i: usize) -> PyResult<Motif> {
    let (id, a, nsites) = given;
    let shape = a.shape();
    if shape[0] != 4 || shape[1] == 0 {
        return Err(PyValueError::new_err(format!(
            "{what}[{i}] ({id}) must have shape (4, w) with rows A, C, G, T and w ≥ 1; got {shape:?}"
        )));
    }
    let v = a.as_array();
    let rows: Vec<[f64; 4]> = v
        .axis_iter(Axis(1))
        .map(|c| [c[0], c[1], c[2], c[3]])
        .collect();
    if let Some((j, c)) = rows
        .iter()
        .enumerate()
        .find(|(_, c)| c.iter().any(|x| !x.is_finite() || *x < 0.0))
    {
        return Err(PyValueError::new_err(format!(
            "{what}[{i}] ({id}), column {j}: {c:?} is not a column of probabilities (finite, ≥ 0)"
        )));
    }
    if let Some(n) = nsites
        && !(n.is_finite() && *n > 0.0)
    {
        return Err(PyValueError::new_err(format!(
            "{what}[{i}] ({id}): nsites must be a positive number of sites; got {n}"
        )));
    }
    let mut m = Motif::new(id.clone(), rows, MatrixKind::Probabilities);
    m.nsites = *nsites;
    Ok(m)
}

/// Tomtom settings from the Python arguments over MEME's defaults.
fn options(
    reverse_complement: bool,
    distance: &str,
    min_overlap: usize,
) -> PyResult<TomtomOptions> {
    let distance: Distance = distance.parse().map_err(crate::value_error)?;
    Ok(TomtomOptions {
        distance,
        min_overlap,
        norc: !reverse_complement,
        ..TomtomOptions::default()
    })
}

/// The query background (A, C, G, T): four finite non-negative numbers summing to 1.
fn background(bg: Option<[f64; 4]>) -> PyResult<Option<Background>> {
    match bg {
        Some(b)
            if b.iter().any(|x| !x.is_finite() || *x < 0.0)
                || (b.iter().sum::<f64>() - 1.0).abs() > 1e-3 =>
        {
            Err(PyValueError::new_err(format!(
                "background must be four frequencies of A, C, G, T summing to 1; got {b:?}"
            )))
        }
        b => Ok(b.map(Background)),
    }
}

type Matrices<'py> = (
    Bound<'py, PyArray2<f64>>,
    Bound<'py, PyArray2<f64>>,
    Bound<'py, PyArray2<i64>>,
    Bound<'py, PyArray2<i64>>,
    Bound<'py, PyArray2<i64>>,
);

/// Every query against every target: p-values, complete scores, offsets, overlaps and
/// strands (0 forward, 1 reverse complement of the target), each `(len(Qs), len(Ts))`.
#[pyfunction]
#[pyo3(signature = (queries, targets, reverse_complement, distance, min_overlap, background, threads))]
#[allow(clippy::too_many_arguments)]
pub fn tomtom<'py>(
    py: Python<'py>,
    queries: Vec<Given<'py>>,
    targets: Vec<Given<'py>>,
    reverse_complement: bool,
    distance: &str,
    min_overlap: usize,
    background: Option<[f64; 4]>,
    threads: Option<i64>,
) -> PyResult<Matrices<'py>> {
    let qs = compared(&queries, "Qs")?;
    let ts = compared(&targets, "Ts")?;
    let opts = options(reverse_complement, distance, min_overlap)?;
    let bg = self::background(background)?;
    let threads = crate::threads(threads)?;
    let m = crate::compute(py, threads, || {
        tt::tomtom_pairs(&qs, &ts, bg.as_ref(), &opts)
    })?
    .map_err(crate::value_error)?;
    let (nq, nt) = (qs.len(), ts.len());
    let cell = |f: &dyn Fn(usize, usize) -> f64| Array2::from_shape_fn((nq, nt), |(i, j)| f(i, j));
    let icell = |f: &dyn Fn(usize, usize) -> i64| Array2::from_shape_fn((nq, nt), |(i, j)| f(i, j));
    let p = cell(&|i, j| m.p_value(i, j));
    let score = cell(&|i, j| m.score(i, j));
    let offset = icell(&|i, j| m.offset(i, j));
    let overlap = icell(&|i, j| m.overlap(i, j) as i64);
    let strand = icell(&|i, j| (m.orientation(i, j) == Orientation::Reverse) as i64);
    Ok((
        p.into_pyarray(py),
        score.into_pyarray(py),
        offset.into_pyarray(py),
        overlap.into_pyarray(py),
        strand.into_pyarray(py),
    ))
}

/// MEME Tomtom's `--text` output (header, reported rows, trailer) for named queries and
/// targets.
#[pyfunction]
#[pyo3(signature = (queries, targets, thresh, evalue, reverse_complement, distance, min_overlap, background, threads))]
#[allow(clippy::too_many_arguments)]
pub fn tomtom_tsv(
    py: Python<'_>,
    queries: Vec<Given<'_>>,
    targets: Vec<Given<'_>>,
    thresh: f64,
    evalue: bool,
    reverse_complement: bool,
    distance: &str,
    min_overlap: usize,
    background: Option<[f64; 4]>,
    threads: Option<i64>,
) -> PyResult<String> {
    let (qs, ts) = (
        compared(&queries, "queries")?,
        compared(&targets, "targets")?,
    );
    let opts = TomtomOptions {
        thresh,
        evalue,
        ..options(reverse_complement, distance, min_overlap)?
    };
    let bg = self::background(background)?;
    let threads = crate::threads(threads)?;
    let hits = crate::compute(py, threads, || tt::tomtom(&qs, &ts, bg.as_ref(), &opts))?
        .map_err(crate::value_error)?;
    let mut out = Vec::new();
    tt::write_tomtom_text(&mut out, &hits).map_err(crate::value_error)?;
    Ok(String::from_utf8(out).expect("Tomtom's text is UTF-8"))
}

/// The motifs Tomtom compares: at least one.
fn compared(given: &[Given<'_>], what: &str) -> PyResult<Vec<Motif>> {
    if given.is_empty() {
        return Err(PyValueError::new_err(format!("{what} holds no motif")));
    }
    to_motifs(given, what)
}

fn to_motifs(given: &[Given<'_>], what: &str) -> PyResult<Vec<Motif>> {
    given
        .iter()
        .enumerate()
        .map(|(i, g)| motif(g, what, i))
        .collect()
}

/// The records of a FASTA file (plain or gzip) as `(name, sequence)`.
#[pyfunction]
pub fn read_fasta(path: PathBuf) -> PyResult<Vec<(String, String)>> {
    crate::require_path(&path, "FASTA file")?;
    let seqs = explainn_motif::fimo::read_fasta_file(&path).map_err(crate::value_error)?;
    Ok(seqs
        .into_iter()
        .map(|s| (s.name, String::from_utf8_lossy(&s.seq).into_owned()))
        .collect())
}

/// Hit columns: motif index, sequence index, 0-based start, end (exclusive), strand
/// (0 `+`, 1 `-`), score (bits), p-value.
type Hits<'py> = (
    Bound<'py, numpy::PyArray1<i64>>,
    Bound<'py, numpy::PyArray1<i64>>,
    Bound<'py, numpy::PyArray1<i64>>,
    Bound<'py, numpy::PyArray1<i64>>,
    Bound<'py, numpy::PyArray1<i64>>,
    Bound<'py, numpy::PyArray1<f64>>,
    Bound<'py, numpy::PyArray1<f64>>,
);

/// MEME FIMO's windows with p-value at most `threshold` (`fimo --text --no-pgc` numbers)
/// of every motif in every sequence, in FIMO's order, as columns.
#[pyfunction]
#[pyo3(signature = (motifs, sequences, background, threshold, reverse_complement, motif_pseudo, threads))]
#[allow(clippy::too_many_arguments)]
pub fn fimo<'py>(
    py: Python<'py>,
    motifs: Vec<Given<'py>>,
    sequences: Vec<String>,
    background: [f64; 4],
    threshold: f64,
    reverse_complement: bool,
    motif_pseudo: f64,
    threads: Option<i64>,
) -> PyResult<Hits<'py>> {
    use explainn_motif::fimo::{FimoOptions, Sequence, check_pseudocount};
    let ms = to_motifs(&motifs, "motifs")?;
    if !(threshold > 0.0 && threshold <= 1.0) {
        return Err(PyValueError::new_err(format!(
            "threshold must be a p-value in (0, 1]; got {threshold}"
        )));
    }
    check_pseudocount(&ms, motif_pseudo).map_err(crate::value_error)?;
    let bg = self::background(Some(background))?.expect("given");
    // names are the indices, so that hits map back whatever the caller's names are
    let seqs: Vec<Sequence> = sequences
        .into_iter()
        .enumerate()
        .map(|(i, s)| Sequence {
            name: i.to_string(),
            seq: s.into_bytes(),
        })
        .collect();
    let opts = FimoOptions {
        thresh: threshold,
        motif_pseudo,
        norc: !reverse_complement,
        pgc: false,
        ..FimoOptions::default()
    };
    let threads = crate::threads(threads)?;
    let hits = crate::compute(py, threads, || {
        explainn_motif::fimo::fimo(&ms, &seqs, &bg, &opts)
    })?;
    let index: std::collections::HashMap<&str, i64> = ms
        .iter()
        .enumerate()
        .map(|(i, m)| (m.id.as_str(), i as i64))
        .collect();
    let col = |f: &dyn Fn(&explainn_motif::fimo::FimoHit) -> i64| -> Vec<i64> {
        hits.iter().map(f).collect()
    };
    Ok((
        col(&|h| index[h.motif_id.as_str()]).into_pyarray(py),
        col(&|h| h.sequence_name.parse().expect("an index")).into_pyarray(py),
        col(&|h| h.start as i64 - 1).into_pyarray(py),
        col(&|h| h.stop as i64).into_pyarray(py),
        col(&|h| (h.strand == '-') as i64).into_pyarray(py),
        hits.iter()
            .map(|h| h.score)
            .collect::<Vec<_>>()
            .into_pyarray(py),
        hits.iter()
            .map(|h| h.p_value)
            .collect::<Vec<_>>()
            .into_pyarray(py),
    ))
}
