//! Gradient attributions for any architecture, through burn's autodiff: saliency (the
//! gradient), input × gradient and integrated gradients.
//!
//! The model is copied onto the autodiff form of its device once ([`Gradients::new`]) and
//! run in inference mode (running BatchNorm statistics, no dropout); the gradient of one
//! class's logit with respect to the one-hot input `(B, 4, L)` is read back per batch. With
//! both strands the function is the strand average (f(x) + f(rc x)) / 2, and its gradient
//! is the forward gradient plus the reverse strand's flipped back, halved.

use crate::Result;
use crate::network::Model;
use burn::tensor::{Tensor, TensorData};

/// A model on its device's autodiff form, for input gradients.
pub struct Gradients {
    model: Model,
    length: usize,
    batch_size: usize,
}

/// Flip `(B, 4, L)` blocks to the other strand (both axes reversed) in place of a copy.
fn flip_batch(x: &[f32], l: usize) -> Vec<f32> {
    x.chunks(4 * l).flat_map(|b| super::flip(b, l)).collect()
}

impl Gradients {
    /// Copy `model` (any architecture but a model of pretrained units) onto the autodiff
    /// form of its device; inputs run in batches of `batch_size`.
    pub fn new(model: &Model, batch_size: usize) -> Result<Self> {
        if model.stack().is_some() {
            // Pretrained units run through their own predictors, outside the graph.
            return Err(crate::NnError::Config(
                "input gradients are not available for models of pretrained units (--units-from); use --method ism".into(),
            ));
        }
        let ad = model.device().autodiff();
        Ok(Self {
            model: Model::from_tensors(&model.config(), &model.to_tensors(), &ad)?,
            length: model.input_length(),
            batch_size: batch_size.max(1),
        })
    }

    /// Class `target`'s logit f and its gradient ∂f/∂x for inputs `x` `(N, 4, L)` (one-hot
    /// or any real values: interpolations, references): `(f (N), grad (N, 4, L))`.
    fn strand(&self, x: &[f32], target: usize) -> (Vec<f32>, Vec<f32>) {
        let l = self.length;
        let dev = self.model.device();
        let mut f = Vec::with_capacity(x.len() / (4 * l));
        let mut g = Vec::with_capacity(x.len());
        for chunk in x.chunks(self.batch_size * 4 * l) {
            let b = chunk.len() / (4 * l);
            let xt = Tensor::<3>::from_data(TensorData::new(chunk.to_vec(), [b, 4, l]), &dev)
                .require_grad();
            let logits = self.model.forward(xt.clone());
            let ft = logits.slice([0..b, target..target + 1]);
            let grads = ft.clone().sum().backward();
            let gt = xt.grad(&grads).expect("the input requires its gradient");
            f.extend(host(ft.detach()));
            g.extend(host(gt));
        }
        (f, g)
    }

    /// f and ∂f/∂x for `x` `(N, 4, L)`, strand-averaged with `both_strands`.
    ///
    /// ```
    /// use explainn_nn::attribute::Gradients;
    /// use explainn_nn::{Arch, Model, ModelConfig, default_device};
    /// let model = Model::new(&ModelConfig::published(Arch::Cnn1, 50, 1).unwrap(), 1, &default_device()).unwrap();
    /// let g = Gradients::new(&model, 16).unwrap();
    /// let x = vec![0.25f32; 2 * 4 * 50]; // two inputs (2, 4, 50)
    /// let (f, grad) = g.gradient(&x, 0, true);
    /// assert_eq!((f.len(), grad.len()), (2, 2 * 4 * 50));
    /// ```
    pub fn gradient(&self, x: &[f32], target: usize, both_strands: bool) -> (Vec<f32>, Vec<f32>) {
        let (mut f, mut g) = self.strand(x, target);
        if both_strands {
            let l = self.length;
            let (fr, gr) = self.strand(&flip_batch(x, l), target);
            let gr = flip_batch(&gr, l);
            f.iter_mut().zip(&fr).for_each(|(a, b)| *a = 0.5 * (*a + b));
            g.iter_mut().zip(&gr).for_each(|(a, b)| *a = 0.5 * (*a + b));
        }
        (f, g)
    }

    /// Integrated gradients of one input `x` `(4, L)` against reference `r` `(4, L)`:
    /// the path-averaged gradient ḡ = ∫₀¹ ∂f/∂x(r + t·(x − r)) dt by `steps`-point
    /// Gauss–Legendre quadrature (Captum's default; exact for polynomial paths of degree
    /// 2·steps − 1, so Σ ḡ·(x − r) = f(x) − f(r) up to the kinks of ReLU and max-pool).
    /// Returns (ḡ `(4, L)`, f(x), f(r)).
    pub fn path_gradient(
        &self,
        x: &[f32],
        r: &[f32],
        steps: usize,
        target: usize,
        both_strands: bool,
    ) -> (Vec<f32>, f32, f32) {
        let n = x.len();
        let (nodes, weights) = gauss_legendre(steps.max(1));
        // The path, then x and r themselves for the convergence delta.
        let mut path = Vec::with_capacity((nodes.len() + 2) * n);
        for &t in &nodes {
            let a = t as f32;
            path.extend(x.iter().zip(r).map(|(&x, &r)| r + a * (x - r)));
        }
        path.extend_from_slice(x);
        path.extend_from_slice(r);
        let (f, g) = self.gradient(&path, target, both_strands);
        let mut mean = vec![0f64; n];
        for (block, &w) in g.chunks(n).zip(&weights) {
            mean.iter_mut()
                .zip(block)
                .for_each(|(m, &v)| *m += w * v as f64);
        }
        let k = nodes.len();
        (mean.iter().map(|&m| m as f32).collect(), f[k], f[k + 1])
    }
}

/// Integrated gradients of one input against one reference, refined until complete.
#[derive(Debug, Clone)]
pub struct PathIntegral {
    /// ḡ `(4, L)`: the path-averaged gradient (attributions are ḡ·(x − r)).
    pub mean_gradient: Vec<f32>,
    /// f(x) and f(r).
    pub fx: f32,
    pub fr: f32,
    /// Quadrature points used.
    pub steps: usize,
    /// |Σ ḡ·(x − r) − (f(x) − f(r))|.
    pub delta: f64,
    /// Whether `delta` is within the tolerance (else `max_steps` ran out).
    pub complete: bool,
}

impl Gradients {
    /// [`Self::path_gradient`] with `steps` points, doubled while the convergence delta
    /// exceeds `tolerance` · max(1, |f(x) − f(r)|) and the points stay within `max_steps`.
    /// ReLU and max-pool make the gradient jump along the path, so a fixed number of points
    /// leaves an O(1/steps) gap (on the original ExplaiNN checkpoint, 50 points leave up to
    /// ~5%); refinement makes every pair complete to the tolerance or says by how much not.
    #[allow(clippy::too_many_arguments)]
    pub fn integrated_gradients(
        &self,
        x: &[f32],
        r: &[f32],
        steps: usize,
        tolerance: f64,
        max_steps: usize,
        target: usize,
        both_strands: bool,
    ) -> PathIntegral {
        let mut steps = steps.max(1);
        loop {
            let (m, fx, fr) = self.path_gradient(x, r, steps, target, both_strands);
            let sum: f64 = m
                .iter()
                .zip(x.iter().zip(r))
                .map(|(&g, (&x, &r))| (g * (x - r)) as f64)
                .sum();
            let d = (fx - fr) as f64;
            let delta = (sum - d).abs();
            let complete = delta <= tolerance * d.abs().max(1.0);
            if complete || steps * 2 > max_steps {
                return PathIntegral {
                    mean_gradient: m,
                    fx,
                    fr,
                    steps,
                    delta,
                    complete,
                };
            }
            steps *= 2;
        }
    }
}

/// Gauss–Legendre nodes and weights of `n` points on [0, 1] (weights sum to 1), by Newton
/// iteration on the Legendre polynomial from Chebyshev starting points.
pub(crate) fn gauss_legendre(n: usize) -> (Vec<f64>, Vec<f64>) {
    let (mut nodes, mut weights) = (vec![0.0; n], vec![0.0; n]);
    for i in 0..n {
        let mut z = (std::f64::consts::PI * (i as f64 + 0.75) / (n as f64 + 0.5)).cos();
        let mut dp = 1.0;
        for _ in 0..100 {
            // P_n(z) and its derivative by the three-term recurrence.
            let (mut p0, mut p1) = (1.0, z);
            for k in 2..=n {
                let p2 = ((2 * k - 1) as f64 * z * p1 - (k - 1) as f64 * p0) / k as f64;
                p0 = p1;
                p1 = p2;
            }
            dp = n as f64 * (z * p1 - p0) / (z * z - 1.0);
            let dz = p1 / dp;
            z -= dz;
            if dz.abs() < 1e-15 {
                break;
            }
        }
        nodes[i] = 0.5 * (1.0 - z);
        weights[i] = 1.0 / ((1.0 - z * z) * dp * dp);
    }
    (nodes, weights)
}

fn host<const D: usize>(t: Tensor<D>) -> Vec<f32> {
    t.into_data()
        .convert::<f32>()
        .try_into_vec::<f32>()
        .expect("float tensor")
}
