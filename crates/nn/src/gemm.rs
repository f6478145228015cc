//! The one matrix product of the hand-written kernels (the fused ExplaiNN forward and
//! backward passes, the layered DeepLIFT of the convolutional baselines): C (m, n,
//! row-major, contiguous) = A (m, k) · B (k, n) + β·C in f32, A and B given by (row,
//! column) strides into their slices, through `matrixmultiply` (which picks AVX/FMA
//! kernels at run time).

/// Strides (row, column) of a matrix in its slice.
pub(crate) type Strides = (usize, usize);

/// Whether the product has work (no dimension 0); panics when A, B or C is too short for
/// the shapes and strides.
pub(crate) fn check(
    (m, k, n): (usize, usize, usize),
    (a, (rsa, csa)): (&[f32], Strides),
    (b, (rsb, csb)): (&[f32], Strides),
    c: &[impl Copy],
) -> bool {
    if m == 0 || n == 0 || k == 0 {
        return false;
    }
    assert!((m - 1) * rsa + (k - 1) * csa < a.len(), "A out of bounds");
    assert!((k - 1) * rsb + (n - 1) * csb < b.len(), "B out of bounds");
    assert!(c.len() >= m * n, "C out of bounds");
    true
}

/// C = A·B + `beta`·C (`beta` 0 or 1), the shapes checked against the slices.
#[allow(clippy::too_many_arguments)]
pub(crate) fn sgemm(
    (m, k, n): (usize, usize, usize),
    a: &[f32],
    (rsa, csa): Strides,
    b: &[f32],
    (rsb, csb): Strides,
    beta: f32,
    c: &mut [f32],
) {
    if !check((m, k, n), (a, (rsa, csa)), (b, (rsb, csb)), c) {
        return;
    }
    // SAFETY: the asserts above keep every element sgemm reads of A and B, and writes of C
    // (m rows of n contiguous values), inside the slices; strides are non-negative and the
    // slices do not alias (`c` is borrowed mutably).
    unsafe {
        matrixmultiply::sgemm(
            m,
            k,
            n,
            1.0,
            a.as_ptr(),
            rsa as isize,
            csa as isize,
            b.as_ptr(),
            rsb as isize,
            csb as isize,
            beta,
            c.as_mut_ptr(),
            n as isize,
            1,
        );
    }
}
