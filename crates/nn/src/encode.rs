//! One-hot encoding of u8 base codes (A=0, C=1, G=2, T=3, other=4), done per batch so that
//! datasets stay in memory as one byte per base.
//!
//! (Kept local so the hot path can fuse reverse-complementing with encoding; the format is
//! the same as `explainn_seq::encode`.)

/// Complement of a base code: A↔T, C↔G; 4 (N/other) stays 4.
#[inline]
fn complement(c: u8) -> u8 {
    if c < 4 { 3 - c } else { 4 }
}

/// Reverse complement of a code sequence.
pub fn reverse_complement_codes(codes: &[u8]) -> Vec<u8> {
    codes.iter().rev().map(|&c| complement(c)).collect()
}

/// Write the `(4, L)` one-hot block of `codes` (length L) into `out` (length 4·L, zeroed
/// here first); with `rc`, the block of the reverse complement (equivalently, the original
/// block with both axes flipped).
pub(crate) fn one_hot_into(codes: &[u8], rc: bool, out: &mut [f32]) {
    let l = codes.len();
    debug_assert_eq!(out.len(), 4 * l);
    out.fill(0.0);
    if rc {
        for (j, &c) in codes.iter().enumerate() {
            if c < 4 {
                out[(3 - c as usize) * l + (l - 1 - j)] = 1.0;
            }
        }
    } else {
        for (j, &c) in codes.iter().enumerate() {
            if c < 4 {
                out[c as usize * l + j] = 1.0;
            }
        }
    }
}

/// One-hot encode `codes` (B·L row-major codes, B sequences of length `length`) into a
/// `(B, 4, L)` row-major buffer; with `rc`, every sequence is reverse-complemented.
pub fn one_hot_batch(codes: &[u8], length: usize, rc: bool) -> Vec<f32> {
    assert!(
        length > 0 && codes.len() % length == 0,
        "codes must hold whole sequences"
    );
    let b = codes.len() / length;
    let mut out = vec![0f32; b * 4 * length];
    for (seq, block) in codes
        .chunks_exact(length)
        .zip(out.chunks_exact_mut(4 * length))
    {
        one_hot_into(seq, rc, block);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rc_one_hot_equals_one_hot_of_rc() {
        let s = [0u8, 1, 2, 3, 4, 0, 2];
        let a = one_hot_batch(&s, 7, true);
        let b = one_hot_batch(&reverse_complement_codes(&s), 7, false);
        assert_eq!(a, b);
        let f = one_hot_batch(&s, 7, false);
        assert_eq!(f[0], 1.0); // A at position 0
        assert_eq!(f.iter().sum::<f32>(), 6.0); // the N column is all zero
    }
}
