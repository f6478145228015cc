//! The fused training operations (the unit block and one per-unit dense layer) as a burn
//! backend extension: forward on the `Flex` CPU backend, with hand-written backward passes
//! registered in burn's autodiff graph, so the rest of the model, the loss and the optimiser
//! are unchanged. Batch statistics come back as detached outputs for the running-statistics
//! update, which stays in the model.

use super::block::{self, BlockSaved, BlockShape};
use super::dense::{self, DenseSaved, DenseShape};
use burn::backend::autodiff::{
    Autodiff, NodeId,
    checkpoint::{base::Checkpointer, strategy::CheckpointStrategy},
    grads::Gradients,
    ops::{Backward, Ops, OpsKind},
};
use burn::backend::{Backend, Flex, backend_extension, tensor::FloatTensor};
use burn::tensor::{Tensor, TensorData};
use std::sync::Arc;

/// Base codes of a batch and the block's geometry (an ordinary, non-tensor argument).
#[derive(Clone, Debug)]
pub struct BlockInput {
    codes: Arc<Vec<u8>>,
    shape: BlockShape,
}

#[backend_extension(Flex, Autodiff)]
pub trait UnitBlockBackend: Backend {
    /// conv → BN (batch statistics) → exp → max-pool over one-hot(`input.codes`), from the conv
    /// weight `(U, 4, f)`, conv bias, BN γ and β `(U)`. Returns pooled `(U, B, P)` (unit-major),
    /// the batch mean and the biased batch variance `(U)`.
    fn unit_block_train(
        weight: FloatTensor<Self>,
        bias: FloatTensor<Self>,
        gamma: FloatTensor<Self>,
        beta: FloatTensor<Self>,
        input: BlockInput,
    ) -> (FloatTensor<Self>, FloatTensor<Self>, FloatTensor<Self>);

    /// (dropout) → per-unit linear → BN (batch statistics) → ReLU over `input` `(U, B, fi)`,
    /// with weight `(U·fo, fi, 1)` and bias, γ, β `(U·fo)`. Returns the output `(U, B, fo)`,
    /// the batch mean and the biased batch variance `(U·fo)`.
    fn unit_dense_train(
        input: FloatTensor<Self>,
        weight: FloatTensor<Self>,
        bias: FloatTensor<Self>,
        gamma: FloatTensor<Self>,
        beta: FloatTensor<Self>,
        spec: DenseInput,
    ) -> (FloatTensor<Self>, FloatTensor<Self>, FloatTensor<Self>);
}

/// Dropout mask `(U, B, fi)` (scaled, or none) and the layer's geometry.
#[derive(Clone, Debug)]
pub struct DenseInput {
    mask: Option<Arc<Vec<f32>>>,
    shape: DenseShape,
}

/// The three outputs of either operation on `Flex`: values, batch mean, batch variance.
type FlexOutputs = (FloatTensor<Flex>, FloatTensor<Flex>, FloatTensor<Flex>);

fn host(t: FloatTensor<Flex>) -> Vec<f32> {
    t.into_data()
        .convert::<f32>()
        .try_into_vec::<f32>()
        .expect("f32 tensor")
}

fn device_tensor(v: Vec<f32>, shape: Vec<usize>) -> FloatTensor<Flex> {
    FloatTensor::<Flex>::from_data(TensorData::new(v, shape))
}

/// An operation's values of shape `shape` with its per-channel batch mean and variance.
fn flex_outputs(values: Vec<f32>, shape: Vec<usize>, mean: Vec<f32>, var: Vec<f32>) -> FlexOutputs {
    let n = mean.len();
    (
        device_tensor(values, shape),
        device_tensor(mean, vec![n]),
        device_tensor(var, vec![n]),
    )
}

/// Backward state behind an `Arc`, so that burn may clone it cheaply.
struct Shared<T>(Arc<T>);

impl<T> Clone for Shared<T> {
    fn clone(&self) -> Self {
        Self(Arc::clone(&self.0))
    }
}

impl<T> std::fmt::Debug for Shared<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(std::any::type_name::<T>())
    }
}

/// Register the gradient (host values, shape) of every tracked parent.
fn register_grads<const N: usize>(
    grads: &mut Gradients,
    parents: [Option<NodeId>; N],
    values: [(Vec<f32>, Vec<usize>); N],
) {
    for (id, (v, shape)) in parents.into_iter().zip(values) {
        if let Some(id) = id {
            grads.register::<Flex>(id, device_tensor(v, shape));
        }
    }
}

/// Forward on host values; returns the outputs as `Flex` tensors and the backward state.
fn run_forward(
    weight: FloatTensor<Flex>,
    bias: FloatTensor<Flex>,
    gamma: FloatTensor<Flex>,
    beta: FloatTensor<Flex>,
    input: &BlockInput,
) -> (FlexOutputs, BlockSaved) {
    let (w, b, g, be) = (host(weight), host(bias), host(gamma), host(beta));
    let u = b.len();
    let s = input.shape;
    let r = block::forward(&input.codes, &w, &b, &g, &be, s);
    let shape = vec![u, s.batch, s.windows];
    (flex_outputs(r.pooled, shape, r.mean, r.var), r.saved)
}

impl UnitBlockBackend for Flex {
    fn unit_block_train(
        weight: FloatTensor<Self>,
        bias: FloatTensor<Self>,
        gamma: FloatTensor<Self>,
        beta: FloatTensor<Self>,
        input: BlockInput,
    ) -> (FloatTensor<Self>, FloatTensor<Self>, FloatTensor<Self>) {
        run_forward(weight, bias, gamma, beta, &input).0
    }

    fn unit_dense_train(
        input: FloatTensor<Self>,
        weight: FloatTensor<Self>,
        bias: FloatTensor<Self>,
        gamma: FloatTensor<Self>,
        beta: FloatTensor<Self>,
        spec: DenseInput,
    ) -> (FloatTensor<Self>, FloatTensor<Self>, FloatTensor<Self>) {
        run_dense(input, weight, bias, gamma, beta, spec).0
    }
}

/// Dense forward on host values; returns the outputs as `Flex` tensors and the backward state.
fn run_dense(
    input: FloatTensor<Flex>,
    weight: FloatTensor<Flex>,
    bias: FloatTensor<Flex>,
    gamma: FloatTensor<Flex>,
    beta: FloatTensor<Flex>,
    spec: DenseInput,
) -> (FlexOutputs, DenseSaved) {
    let s = spec.shape;
    let r = dense::forward(
        host(input),
        host(weight),
        &host(bias),
        host(gamma),
        host(beta),
        spec.mask,
        s,
    );
    let shape = vec![s.units, s.batch, s.fo];
    (flex_outputs(r.out, shape, r.mean, r.var), r.saved)
}

#[derive(Debug)]
struct UnitBlockBackward;

impl Backward<Flex, 4> for UnitBlockBackward {
    /// The saved forward state and the weight's shape `(U, 4, f)`.
    type State = (Shared<BlockSaved>, Vec<usize>);

    fn backward(self, ops: Ops<Self::State, 4>, grads: &mut Gradients, _: &mut Checkpointer) {
        let grad = host(grads.consume::<Flex>(&ops.node));
        let (saved, wshape) = ops.state;
        let u = wshape[0];
        let g = saved.0.backward(&grad);
        register_grads(
            grads,
            ops.parents.map(|p| p.map(|n| n.id)),
            [
                (g.weight, wshape),
                (g.bias, vec![u]),
                (g.gamma, vec![u]),
                (g.beta, vec![u]),
            ],
        );
    }
}

#[derive(Debug)]
struct UnitDenseBackward;

impl Backward<Flex, 5> for UnitDenseBackward {
    /// The saved forward state and the shapes of the input and the weight.
    type State = (Shared<DenseSaved>, [Vec<usize>; 2]);

    fn backward(self, ops: Ops<Self::State, 5>, grads: &mut Gradients, _: &mut Checkpointer) {
        let grad = host(grads.consume::<Flex>(&ops.node));
        let (saved, [xshape, wshape]) = ops.state;
        let g = saved.0.backward(&grad);
        let n = g.bias.len();
        register_grads(
            grads,
            ops.parents.map(|p| p.map(|n| n.id)),
            [
                (g.input, xshape),
                (g.weight, wshape),
                (g.bias, vec![n]),
                (g.gamma, vec![n]),
                (g.beta, vec![n]),
            ],
        );
    }
}

impl<C: CheckpointStrategy> UnitBlockBackend for Autodiff<Flex, C> {
    fn unit_dense_train(
        input: FloatTensor<Self>,
        weight: FloatTensor<Self>,
        bias: FloatTensor<Self>,
        gamma: FloatTensor<Self>,
        beta: FloatTensor<Self>,
        spec: DenseInput,
    ) -> (FloatTensor<Self>, FloatTensor<Self>, FloatTensor<Self>) {
        let nodes = [
            input.node(),
            weight.node(),
            bias.node(),
            gamma.node(),
            beta.node(),
        ];
        let shapes = [
            input.primitive().layout().shape().to_vec(),
            weight.primitive().layout().shape().to_vec(),
        ];
        let ((out, mean, var), saved) = run_dense(
            input.into_primitive(),
            weight.into_primitive(),
            bias.into_primitive(),
            gamma.into_primitive(),
            beta.into_primitive(),
            spec,
        );
        let out = match UnitDenseBackward
            .prepare::<C>(nodes)
            .compute_bound()
            .stateful()
        {
            OpsKind::Tracked(prep) => prep.finish((Shared(Arc::new(saved)), shapes), out),
            OpsKind::UnTracked(prep) => prep.finish(out),
        };
        (
            out,
            FloatTensor::<Self>::new(mean),
            FloatTensor::<Self>::new(var),
        )
    }

    fn unit_block_train(
        weight: FloatTensor<Self>,
        bias: FloatTensor<Self>,
        gamma: FloatTensor<Self>,
        beta: FloatTensor<Self>,
        input: BlockInput,
    ) -> (FloatTensor<Self>, FloatTensor<Self>, FloatTensor<Self>) {
        let nodes = [weight.node(), bias.node(), gamma.node(), beta.node()];
        let wshape = weight.primitive().layout().shape().to_vec();
        let ((pooled, mean, var), saved) = run_forward(
            weight.into_primitive(),
            bias.into_primitive(),
            gamma.into_primitive(),
            beta.into_primitive(),
            &input,
        );
        let pooled = match UnitBlockBackward
            .prepare::<C>(nodes)
            .compute_bound()
            .stateful()
        {
            OpsKind::Tracked(prep) => prep.finish((Shared(Arc::new(saved)), wshape), pooled),
            OpsKind::UnTracked(prep) => prep.finish(pooled),
        };
        (
            pooled,
            FloatTensor::<Self>::new(mean),
            FloatTensor::<Self>::new(var),
        )
    }
}

/// Training-mode unit block on tensors of an autodiff `Flex` device: returns pooled
/// `(U, B, P)`, batch mean and biased batch variance `(U)` (the last two detached).
/// `codes` holds B·L u8 codes; see [`BlockShape`] for the geometry.
pub(crate) fn unit_block_train(
    weight: Tensor<3>,
    bias: Tensor<1>,
    gamma: Tensor<1>,
    beta: Tensor<1>,
    codes: Vec<u8>,
    shape: BlockShape,
) -> (Tensor<3>, Tensor<1>, Tensor<1>) {
    let input = BlockInput {
        codes: Arc::new(codes),
        shape,
    };
    from_dispatch(
        <burn::backend::Dispatch as UnitBlockBackend>::unit_block_train(
            weight.into_dispatch(),
            bias.into_dispatch(),
            gamma.into_dispatch(),
            beta.into_dispatch(),
            input,
        ),
    )
}

/// Training-mode per-unit layer on tensors of an autodiff `Flex` device: (dropout with
/// `mask` `(U, B, fi)`) → linear → BN (batch statistics) → ReLU over `input` `(U, B, fi)`.
/// Returns the output `(U, B, fo)`, the batch mean and biased variance `(U·fo)` (detached).
pub(crate) fn unit_dense_train(
    input: Tensor<3>,
    weight: Tensor<3>,
    bias: Tensor<1>,
    gamma: Tensor<1>,
    beta: Tensor<1>,
    mask: Option<Vec<f32>>,
) -> (Tensor<3>, Tensor<1>, Tensor<1>) {
    let [u, b, fi] = input.dims();
    let fo = bias.dims()[0] / u;
    let spec = DenseInput {
        mask: mask.map(Arc::new),
        shape: DenseShape {
            batch: b,
            units: u,
            fi,
            fo,
        },
    };
    from_dispatch(
        <burn::backend::Dispatch as UnitBlockBackend>::unit_dense_train(
            input.into_dispatch(),
            weight.into_dispatch(),
            bias.into_dispatch(),
            gamma.into_dispatch(),
            beta.into_dispatch(),
            spec,
        ),
    )
}

/// An operation's outputs (values, batch mean, batch variance) as tensors.
fn from_dispatch<const D: usize>(
    (values, mean, var): (
        FloatTensor<burn::backend::Dispatch>,
        FloatTensor<burn::backend::Dispatch>,
        FloatTensor<burn::backend::Dispatch>,
    ),
) -> (Tensor<D>, Tensor<1>, Tensor<1>) {
    (
        Tensor::from_dispatch(values),
        Tensor::from_dispatch(mean),
        Tensor::from_dispatch(var),
    )
}
