//! One-hot arrays `(N, 4, L)` float32 ⇄ the library's codes `(N, L)` (A, C, G, T = 0..3,
//! N = 4), with the checks that turn a wrong array into a clear exception.

use numpy::ndarray::{ArrayView3, Ix3};
use numpy::{IntoPyArray, PyArray3, PyReadonlyArrayDyn, PyUntypedArrayMethods};
use pyo3::exceptions::{PyTypeError, PyValueError};
use pyo3::prelude::*;

/// One-hot encode sequences of one length: `(N, 4, L)` float32, rows A, C, G, T; N and the
/// other IUPAC letters are all-zero columns; any other byte is an error naming it.
#[pyfunction]
pub fn one_hot_encode<'py>(
    py: Python<'py>,
    sequences: Vec<String>,
) -> PyResult<Bound<'py, PyArray3<f32>>> {
    let l = sequences.first().map_or(0, |s| s.len());
    let mut out = numpy::ndarray::Array3::<f32>::zeros((sequences.len(), 4, l));
    for (i, s) in sequences.iter().enumerate() {
        let bytes = s.as_bytes();
        if bytes.len() != l {
            return Err(PyValueError::new_err(format!(
                "sequence {i} has {} bases, sequence 0 has {l}: one array holds sequences of one length",
                bytes.len()
            )));
        }
        if let Some(j) = explainn_seq::encode::first_invalid(bytes) {
            return Err(PyValueError::new_err(format!(
                "sequence {i}, position {j}: {} is not a DNA letter (A, C, G, T, N or IUPAC)",
                explainn_seq::encode::describe_byte(bytes[j])
            )));
        }
        let codes = explainn_seq::encode::to_codes(bytes);
        let block = out.index_axis_mut(numpy::ndarray::Axis(0), i);
        explainn_seq::encode::one_hot_into(
            &codes,
            block.into_slice().expect("a fresh array is contiguous"),
        );
    }
    Ok(out.into_pyarray(py))
}

/// The letters of one-hot sequences `(N, 4, L)` (all-zero columns as N).
#[pyfunction]
pub fn decode(x: &Bound<'_, PyAny>) -> PyResult<Vec<String>> {
    let (codes, l) = codes(x, None)?;
    Ok(codes
        .chunks(l.max(1))
        .take(if l == 0 { 0 } else { codes.len() / l })
        .map(|c| String::from_utf8(explainn_seq::encode::to_letters(c)).expect("ASCII"))
        .collect())
}

/// The codes `(N, L)` of the one-hot array `x` `(N, 4, L)` float32 (any strides), and L.
/// With `length`, L must be it (the model's input length).
pub fn codes(x: &Bound<'_, PyAny>, length: Option<usize>) -> PyResult<(Vec<u8>, usize)> {
    let Ok(arr) = x.extract::<PyReadonlyArrayDyn<'_, f32>>() else {
        return Err(not_float32(x));
    };
    let shape = arr.shape().to_vec();
    if shape.len() != 3 || shape[1] != 4 {
        let hint = if shape.len() == 3 && shape[2] == 4 {
            ": it looks like (N, L, 4); pass X.transpose(0, 2, 1)"
        } else if shape.len() == 2 && shape[0] == 4 {
            ": one sequence (4, L); pass X[None]"
        } else {
            ""
        };
        return Err(PyValueError::new_err(format!(
            "X must have shape (N, 4, L) with rows A, C, G, T; got shape {shape:?}{hint}"
        )));
    }
    let (n, l) = (shape[0], shape[2]);
    if let Some(want) = length
        && l != want
    {
        return Err(PyValueError::new_err(format!(
            "X holds sequences of {l} bp; the model takes {want} bp"
        )));
    }
    let view = arr
        .as_array()
        .into_dimensionality::<Ix3>()
        .expect("three axes checked");
    let codes = to_codes(view).map_err(|(i, j, col)| {
        PyValueError::new_err(format!(
            "X[{i}, :, {j}] = {col:?} is not one-hot: each position needs a single 1 (A, C, G \
             or T) or four 0s (N)"
        ))
    })?;
    debug_assert_eq!(codes.len(), n * l);
    Ok((codes, l))
}

/// Codes of a one-hot view; the first column that is not one-hot or all zeros on error.
fn to_codes(v: ArrayView3<'_, f32>) -> Result<Vec<u8>, (usize, usize, [f32; 4])> {
    let (n, _, l) = v.dim();
    let mut out = Vec::with_capacity(n * l);
    for i in 0..n {
        let s = v.index_axis(numpy::ndarray::Axis(0), i);
        for j in 0..l {
            let col = [s[[0, j]], s[[1, j]], s[[2, j]], s[[3, j]]];
            let mut code = 4u8;
            for (b, &x) in col.iter().enumerate() {
                if x == 1.0 && code == 4 {
                    code = b as u8;
                } else if x != 0.0 {
                    return Err((i, j, col));
                }
            }
            out.push(code);
        }
    }
    Ok(out)
}

/// The exception for an `x` that is not a float32 numpy array.
fn not_float32(x: &Bound<'_, PyAny>) -> PyErr {
    match (x.getattr("dtype"), x.getattr("shape")) {
        (Ok(dtype), Ok(shape)) => PyTypeError::new_err(format!(
            "X must be a float32 array of shape (N, 4, L); got dtype {dtype} with shape {shape}: \
             pass X.astype(numpy.float32)"
        )),
        _ => PyTypeError::new_err(format!(
            "X must be a float32 numpy array of shape (N, 4, L); got {}",
            x.get_type()
                .name()
                .map_or_else(|_| "an object".to_string(), |n| n.to_string())
        )),
    }
}
