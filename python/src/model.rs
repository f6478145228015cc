//! A trained model: predictions, unit outputs, the exact per-unit decomposition and
//! attributions of one-hot arrays, under the strand and output rules every interface shares
//! (`explainn_ops::predict`).

use crate::arrays::codes;
use explainn_nn::{ModelMetadata, Predictor};
use explainn_ops::attribute::{AttributeOptions, Attributor, Method, References};
use explainn_ops::{defaults, explain, predict};
use numpy::ndarray::{Array1, Array2, Array3};
use numpy::{IntoPyArray, PyArray1, PyArray2, PyArray3};
use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;
use std::path::PathBuf;

/// A model file (`model.safetensors`) or run directory, loaded once.
#[pyclass(module = "explainn_rs._native", frozen)]
pub struct Model {
    predictor: Predictor,
    metadata: ModelMetadata,
    path: PathBuf,
}

type Explained<'py> = (
    Bound<'py, PyArray3<f32>>,
    Bound<'py, PyArray1<f32>>,
    Bound<'py, PyArray2<f32>>,
);

impl Model {
    fn codes(&self, x: &Bound<'_, PyAny>) -> PyResult<(Vec<u8>, usize)> {
        codes(x, Some(self.predictor.model().input_length()))
    }

    fn both(&self, forward_only: bool) -> bool {
        predict::both_strands(&self.metadata, forward_only)
    }
}

#[pymethods]
impl Model {
    /// Load a run directory or a `.safetensors` model file.
    #[staticmethod]
    #[pyo3(signature = (path, batch_size = defaults::BATCH_SIZE))]
    fn load(path: PathBuf, batch_size: usize) -> PyResult<Self> {
        crate::require_path(&path, "model")?;
        if batch_size == 0 {
            return Err(PyValueError::new_err("batch_size must be at least 1"));
        }
        let device = explainn_nn::default_device();
        let mf = explainn_nn::checkpoint::load(&path, &device).map_err(crate::value_error)?;
        Ok(Self {
            predictor: Predictor::new(mf.model, device, batch_size),
            metadata: mf.metadata,
            path,
        })
    }

    /// The class names, one per output.
    #[getter]
    fn classes(&self) -> Vec<String> {
        self.metadata.class_names.clone()
    }

    /// The input length L in bp.
    #[getter]
    fn input_length(&self) -> usize {
        self.predictor.model().input_length()
    }

    /// The architecture's name (`explainn`, `argminn`, `cnn1`, …).
    #[getter]
    fn arch(&self) -> String {
        self.predictor.model().arch().to_string()
    }

    /// Whether the model was trained with reverse complements (then its predictions
    /// average both strands unless `forward_only`).
    #[getter]
    fn trained_with_rc(&self) -> bool {
        self.metadata.trained_with_rc
    }

    fn __repr__(&self) -> String {
        format!(
            "Model({:?}: {}, {} bp, classes {:?})",
            self.path.display().to_string(),
            self.arch(),
            self.input_length(),
            self.metadata.class_names
        )
    }

    /// Logits `(N, C)` of `X` `(N, 4, L)`; with `activate`, through the output function of
    /// the model's loss (sigmoid, softmax, exp or identity).
    #[pyo3(signature = (x, forward_only = false, activate = false, threads = None))]
    fn predict<'py>(
        &self,
        py: Python<'py>,
        x: &Bound<'py, PyAny>,
        forward_only: bool,
        activate: bool,
        threads: Option<i64>,
    ) -> PyResult<Bound<'py, PyArray2<f32>>> {
        let (codes, l) = self.codes(x)?;
        let (both, threads) = (self.both(forward_only), crate::threads(threads)?);
        let loss = predict::output_loss(&self.metadata, &[]);
        let p = &self.predictor;
        let y = crate::compute(py, threads, || {
            if activate {
                predict::predictions(p, &codes, both, loss)
            } else {
                predict::logits(p, &codes, both)
            }
        })?
        .map_err(crate::value_error)?;
        let n = codes.len() / l;
        Ok(array2(y, n, p.model().classes()).into_pyarray(py))
    }

    /// Unit outputs `(N, U)` of an ExplaiNN model (strand-averaged as predictions are).
    #[pyo3(signature = (x, forward_only = false, threads = None))]
    fn unit_outputs<'py>(
        &self,
        py: Python<'py>,
        x: &Bound<'py, PyAny>,
        forward_only: bool,
        threads: Option<i64>,
    ) -> PyResult<Bound<'py, PyArray2<f32>>> {
        let (codes, l) = self.codes(x)?;
        let (both, threads) = (self.both(forward_only), crate::threads(threads)?);
        let p = &self.predictor;
        let o = crate::compute(py, threads, || explain::unit_outputs(p, &codes, both))?
            .map_err(crate::value_error)?;
        let n = codes.len() / l;
        let u = if n == 0 { 0 } else { o.len() / n };
        Ok(array2(o, n, u).into_pyarray(py))
    }

    /// The exact decomposition of the logits: contributions `(N, C, U)`, the final layer's
    /// bias `(C)` and the logits `(N, C)`, with `contributions.sum(-1) + bias == logits`.
    #[pyo3(signature = (x, forward_only = false, threads = None))]
    fn explain<'py>(
        &self,
        py: Python<'py>,
        x: &Bound<'py, PyAny>,
        forward_only: bool,
        threads: Option<i64>,
    ) -> PyResult<Explained<'py>> {
        let (codes, _) = self.codes(x)?;
        let (both, threads) = (self.both(forward_only), crate::threads(threads)?);
        let p = &self.predictor;
        let e = crate::compute(py, threads, || explain::explain(p, &codes, both))?
            .map_err(crate::value_error)?;
        let contributions = Array3::from_shape_vec((e.n, e.classes, e.units), e.contributions)
            .expect("(N, C, U) contributions");
        Ok((
            contributions.into_pyarray(py),
            Array1::from(e.bias).into_pyarray(py),
            array2(e.logits, e.n, e.classes).into_pyarray(py),
        ))
    }

    /// Attributions `(N, 4, L)` of class `target` (a name or an index; `None` for a
    /// single-class model) by `method` (`None`: the model's default, DeepLIFT-SHAP for
    /// ExplaiNN and the convolutional baselines, integrated gradients otherwise), with
    /// `references` (`shuffle:N`, `zeros`, `gc`; `None`: the method's own).
    #[pyo3(signature = (x, target = None, method = None, references = None, forward_only = false, seed = defaults::SEED, threads = None))]
    #[allow(clippy::too_many_arguments)]
    fn attribute<'py>(
        &self,
        py: Python<'py>,
        x: &Bound<'py, PyAny>,
        target: Option<Bound<'py, PyAny>>,
        method: Option<&str>,
        references: Option<&str>,
        forward_only: bool,
        seed: u64,
        threads: Option<i64>,
    ) -> PyResult<Bound<'py, PyArray3<f32>>> {
        let (codes, l) = self.codes(x)?;
        let model = self.predictor.model().clone();
        let method = match method {
            Some(m) => m.parse::<Method>().map_err(crate::value_error)?,
            None => explainn_ops::attribute::default_method(&model),
        };
        let references = references
            .map(|r| r.parse::<References>().map_err(crate::value_error))
            .transpose()?;
        // a class name, or its index as a number or a string
        let target = match target {
            None => None,
            Some(t) => Some(match t.extract::<i64>() {
                Ok(i) => i.to_string(),
                Err(_) => t.extract::<String>().map_err(|_| {
                    pyo3::exceptions::PyTypeError::new_err(
                        "target must be a class name or a class index",
                    )
                })?,
            }),
        };
        let target =
            explainn_ops::attribute::target_index(&self.metadata.class_names, target.as_deref())
                .map_err(crate::value_error)?;
        let opts = AttributeOptions {
            method,
            references,
            both_strands: self.both(forward_only),
            seed,
            ..Default::default()
        };
        let threads = crate::threads(threads)?;
        let a = crate::compute(py, threads, || {
            Attributor::new(model, opts)?.attribute(&codes, 0, target)
        })?
        .map_err(crate::value_error)?;
        let n = codes.len() / l;
        let flat: Vec<f32> = a.into_iter().flat_map(|a| a.attributions).collect();
        Ok(Array3::from_shape_vec((n, 4, l), flat)
            .expect("(N, 4, L) attributions")
            .into_pyarray(py))
    }
}

fn array2(v: Vec<f32>, n: usize, c: usize) -> Array2<f32> {
    Array2::from_shape_vec((n, c), v).expect("(N, C) values")
}
