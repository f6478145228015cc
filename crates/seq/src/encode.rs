//! Base codes, one-hot encoding and the fixed-length rule.
//!
//! Layout convention for the whole project: one sequence is a `(4, L)` block, rows in the
//! order A, C, G, T, positions along the row; a batch is `(B, 4, L)` row-major.
//!
//! **The letter rule**, the same for every reader and command:
//! * A, C, G, T are the bases, either case (soft-masked lowercase is a real base);
//! * U (either case) is T, so RNA reads as DNA;
//! * N and the IUPAC ambiguity codes R Y S W K M B D H V (either case) are unknown: code
//!   [`UNKNOWN`], an all-zero column;
//! * anything else (digits, spaces, tabs, NUL and other control bytes, punctuation such as
//!   `-`, `.`, `*`, letters outside IUPAC) is not a sequence letter ([`is_sequence_letter`]):
//!   the readers in [`crate::records`] stop with an error naming the file and the line or
//!   record, unless told to read such characters as N and count them
//!   ([`crate::records::InvalidLetters::AsUnknown`]). [`code`] itself maps them to
//!   [`UNKNOWN`].

/// The alphabet, in one-hot row order.
pub const ALPHABET: [u8; 4] = *b"ACGT";

/// The code of any letter that is not A, C, G or T (either case).
pub const UNKNOWN: u8 = 4;

const fn build_codes() -> [u8; 256] {
    let mut t = [UNKNOWN; 256];
    t[b'A' as usize] = 0;
    t[b'a' as usize] = 0;
    t[b'C' as usize] = 1;
    t[b'c' as usize] = 1;
    t[b'G' as usize] = 2;
    t[b'g' as usize] = 2;
    t[b'T' as usize] = 3;
    t[b't' as usize] = 3;
    t[b'U' as usize] = 3;
    t[b'u' as usize] = 3;
    t
}

static CODES: [u8; 256] = build_codes();

const fn build_valid() -> [bool; 256] {
    let mut t = [false; 256];
    let letters = b"ACGTUNRYSWKMBDHV";
    let mut i = 0;
    while i < letters.len() {
        t[letters[i] as usize] = true;
        t[letters[i].to_ascii_lowercase() as usize] = true;
        i += 1;
    }
    t
}

static VALID: [bool; 256] = build_valid();

/// Whether `b` is a sequence letter under the letter rule (see the module documentation):
/// A, C, G, T, U, N or an IUPAC ambiguity code R Y S W K M B D H V, either case.
#[inline]
pub fn is_sequence_letter(b: u8) -> bool {
    VALID[b as usize]
}

/// Index of the first byte of `seq` that is not a sequence letter ([`is_sequence_letter`]).
pub fn first_invalid(seq: &[u8]) -> Option<usize> {
    seq.iter().position(|&b| !VALID[b as usize])
}

/// Replace every byte that is not a sequence letter by `N`; returns how many were replaced.
pub fn replace_invalid(seq: &mut [u8]) -> usize {
    let mut n = 0;
    for b in seq.iter_mut() {
        if !VALID[*b as usize] {
            *b = b'N';
            n += 1;
        }
    }
    n
}

/// A byte as a user should read it in a message: `'x'` for printable characters, else
/// its name (`space`, `tab`, `NUL`) or hexadecimal value.
pub fn describe_byte(b: u8) -> String {
    match b {
        b' ' => "' ' (space)".into(),
        b'\t' => "a tab".into(),
        0 => "NUL (byte 0)".into(),
        0x21..=0x7e => format!("'{}'", b as char),
        _ => format!("byte 0x{b:02x}"),
    }
}

/// The code of one letter: A=0, C=1, G=2, T=3 and U=3 (either case), anything else
/// [`UNKNOWN`].
#[inline]
pub fn code(base: u8) -> u8 {
    CODES[base as usize]
}

/// Codes of a whole sequence (see [`code`]).
///
/// ```
/// use explainn_seq::encode::{reverse_complement, to_codes};
/// assert_eq!(to_codes(b"ACGTUN"), [0, 1, 2, 3, 3, 4]); // U is T; anything else is 4
/// assert_eq!(reverse_complement(b"AACGtn"), b"naCGTT");
/// ```
pub fn to_codes(seq: &[u8]) -> Vec<u8> {
    seq.iter().map(|&b| CODES[b as usize]).collect()
}

/// Letters of a code sequence (upper case; [`UNKNOWN`] becomes `N`).
pub fn to_letters(codes: &[u8]) -> Vec<u8> {
    codes
        .iter()
        .map(|&c| if c < 4 { ALPHABET[c as usize] } else { b'N' })
        .collect()
}

/// Reverse complement of a code sequence (A↔T, C↔G, reversed; unknown stays unknown).
pub fn reverse_complement_codes(codes: &[u8]) -> Vec<u8> {
    codes
        .iter()
        .rev()
        .map(|&c| if c < 4 { 3 - c } else { UNKNOWN })
        .collect()
}

/// Reverse complement of a letter sequence. Case is kept; IUPAC codes are complemented
/// (R↔Y, K↔M, B↔V, D↔H, S, W and N map to themselves); other bytes are kept as they are.
pub fn reverse_complement(seq: &[u8]) -> Vec<u8> {
    seq.iter().rev().map(|&b| complement(b)).collect()
}

fn complement(b: u8) -> u8 {
    let up = b.to_ascii_uppercase();
    let c = match up {
        b'A' => b'T',
        b'T' | b'U' => b'A',
        b'C' => b'G',
        b'G' => b'C',
        b'R' => b'Y',
        b'Y' => b'R',
        b'K' => b'M',
        b'M' => b'K',
        b'B' => b'V',
        b'V' => b'B',
        b'D' => b'H',
        b'H' => b'D',
        other => other,
    };
    if b.is_ascii_lowercase() {
        c.to_ascii_lowercase()
    } else {
        c
    }
}

/// One-hot encode `codes` (length L) into `out`, a `(4, L)` block that is fully overwritten.
///
/// # Panics
/// If `out.len() != 4 * codes.len()`.
pub fn one_hot_into(codes: &[u8], out: &mut [f32]) {
    one_hot_strand_into(codes, false, out)
}

/// [`one_hot_into`] for either strand: with `rc`, the block of the reverse complement
/// (the forward block with both axes flipped), built in the same single pass.
pub fn one_hot_strand_into(codes: &[u8], rc: bool, out: &mut [f32]) {
    let l = codes.len();
    assert_eq!(out.len(), 4 * l, "one_hot_into: output must be 4 × length");
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

/// One-hot encode a batch of sequences of `length` codes each (row-major in `codes`) into a
/// new `(batch, 4, length)` f32 buffer; with `rc`, every sequence is reverse-complemented.
///
/// # Panics
/// If `length` is 0 or `codes` does not hold whole sequences.
pub fn one_hot_batch(codes: &[u8], length: usize, rc: bool) -> Vec<f32> {
    assert!(
        length > 0 && codes.len() % length == 0,
        "one_hot_batch: codes must hold whole sequences"
    );
    let mut out = vec![0f32; codes.len() * 4];
    for (s, block) in codes
        .chunks_exact(length)
        .zip(out.chunks_exact_mut(4 * length))
    {
        one_hot_strand_into(s, rc, block);
    }
    out
}

/// One-hot encode letters straight into a `(4, L)` u8 block (1 = present), the compact form
/// used for whole chromosomes. `out` is fully overwritten.
///
/// Each row is one branch-free pass over the letters (`(b | 0x20) == letter`, which is
/// exact for ASCII and vectorises), so the cost is close to writing `4 × L` bytes. U is T,
/// as everywhere.
pub fn one_hot_u8_into(seq: &[u8], out: &mut [u8]) {
    let l = seq.len();
    assert_eq!(
        out.len(),
        4 * l,
        "one_hot_u8_into: output must be 4 × length"
    );
    for (row, letter) in out.chunks_exact_mut(l.max(1)).zip(*b"acgt") {
        if letter == b't' {
            for (o, &b) in row.iter_mut().zip(seq) {
                let x = b | 0x20;
                *o = ((x == b't') | (x == b'u')) as u8;
            }
        } else {
            for (o, &b) in row.iter_mut().zip(seq) {
                *o = ((b | 0x20) == letter) as u8;
            }
        }
    }
}

/// One-hot encode letters into a new `(4, L)` u8 block (see [`one_hot_u8_into`]); each
/// byte is written once, with no zero-fill pass first.
pub fn one_hot_u8(seq: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(4 * seq.len());
    for letter in *b"acg" {
        out.extend(seq.iter().map(|&b| ((b | 0x20) == letter) as u8));
    }
    out.extend(seq.iter().map(|&b| {
        let x = b | 0x20;
        ((x == b't') | (x == b'u')) as u8
    }));
    out
}

/// Copy the letters of a raw multi-line FASTA sequence into `out` (cleared first), leaving
/// out line breaks (`\n`, `\r`).
pub fn strip_line_breaks_into(raw: &[u8], out: &mut Vec<u8>) {
    out.clear();
    out.reserve(raw.len());
    let mut rest = raw;
    while let Some(i) = memchr::memchr2(b'\n', b'\r', rest) {
        out.extend_from_slice(&rest[..i]);
        rest = &rest[i + 1..];
    }
    out.extend_from_slice(rest);
}

/// Bring a sequence to exactly `length` letters.
///
/// * Longer: centre crop, keeping `[s, s + length)` with `s = ⌊len/2⌋ − ⌊length/2⌋`.
/// * Shorter: centre pad with `N`, exactly as Python's `str.center` (used by the original
///   ExplaiNN): with `p = length − len` missing letters, the left side gets
///   `⌊p/2⌋ + (p & length & 1)` and the right side the rest.
pub fn fit_length(seq: &[u8], length: usize) -> Vec<u8> {
    let n = seq.len();
    if n >= length {
        let s = n / 2 - length / 2;
        seq[s..s + length].to_vec()
    } else {
        let p = length - n;
        let left = p / 2 + (p & length & 1);
        let mut out = Vec::with_capacity(length);
        out.resize(left, b'N');
        out.extend_from_slice(seq);
        out.resize(length, b'N');
        out
    }
}

/// GC fraction among the A/C/G/T letters of `seq` (unknown letters ignored); 0 when there
/// are none.
pub fn gc_fraction(seq: &[u8]) -> f64 {
    let mut gc = 0usize;
    let mut acgt = 0usize;
    for &b in seq {
        match CODES[b as usize] {
            1 | 2 => {
                gc += 1;
                acgt += 1
            }
            0 | 3 => acgt += 1,
            _ => {}
        }
    }
    if acgt == 0 {
        0.0
    } else {
        gc as f64 / acgt as f64
    }
}

/// Whether every letter is A, C, G, T or U (either case).
pub fn is_acgt(seq: &[u8]) -> bool {
    seq.iter().all(|&b| CODES[b as usize] < 4)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn codes_are_case_insensitive() {
        assert_eq!(
            to_codes(b"ACGTacgtNnRy-"),
            vec![0, 1, 2, 3, 0, 1, 2, 3, 4, 4, 4, 4, 4]
        );
    }

    #[test]
    fn u_is_t_iupac_is_n_and_the_rest_is_invalid() {
        assert_eq!(to_codes(b"UuACGT"), [3, 3, 0, 1, 2, 3]);
        assert!(is_acgt(b"ACGU"));
        assert_eq!(gc_fraction(b"GCUU"), 0.5);
        assert_eq!(one_hot_u8(b"Uu"), [0, 0, 0, 0, 0, 0, 1, 1]);
        for b in b"ACGTUNRYSWKMBDHVacgtunryswkmbdhv" {
            assert!(is_sequence_letter(*b), "{}", *b as char);
        }
        for b in b" \t\x000123456789-.*XxEeJjOoQqZz" {
            assert!(!is_sequence_letter(*b), "{b}");
        }
        assert_eq!(first_invalid(b"ACGN R"), Some(4));
        assert_eq!(first_invalid(b"acgtnRYU"), None);
        let mut s = *b"AC1G\0T";
        assert_eq!(replace_invalid(&mut s), 2);
        assert_eq!(&s, b"ACNGNT");
        assert_eq!(describe_byte(0), "NUL (byte 0)");
        assert_eq!(describe_byte(b' '), "' ' (space)");
        assert_eq!(describe_byte(b'7'), "'7'");
    }

    #[test]
    fn one_hot_layout_is_rows_acgt() {
        let mut out = vec![9.0; 4 * 5];
        one_hot_into(&to_codes(b"ACGTN"), &mut out);
        #[rustfmt::skip]
        let expect = [
            1., 0., 0., 0., 0.,
            0., 1., 0., 0., 0.,
            0., 0., 1., 0., 0.,
            0., 0., 0., 1., 0.,
        ];
        assert_eq!(out, expect);
    }

    #[test]
    fn fit_length_matches_python_str_center() {
        // Values from Python: "ACG".center(6, "N") == "NACGNN"; "ACG".center(7, "N") == "NNACGNN";
        // "AC".center(5, "N") == "NNACN"; "ACGT".center(7, "N") == "NNACGTN";
        // "A".center(4, "N") == "NANN"; "ACGT".center(9, "N") == "NNNACGTNN" (all checked in CPython 3.11).
        assert_eq!(fit_length(b"ACG", 6), b"NACGNN");
        assert_eq!(fit_length(b"ACG", 7), b"NNACGNN");
        assert_eq!(fit_length(b"AC", 5), b"NNACN");
        assert_eq!(fit_length(b"ACGT", 7), b"NNACGTN");
        assert_eq!(fit_length(b"A", 4), b"NANN");
        assert_eq!(fit_length(b"ACGT", 9), b"NNNACGTNN");
        // Crop: start = len/2 - L/2.
        assert_eq!(fit_length(b"0123456789", 4), b"3456");
        assert_eq!(fit_length(b"012345678", 4), b"2345");
        assert_eq!(fit_length(b"012345678", 9), b"012345678");
    }

    #[test]
    fn reverse_complement_keeps_case_and_iupac() {
        assert_eq!(reverse_complement(b"ACGTacgtNRY"), b"RYNacgtACGT");
    }

    proptest! {
        #[test]
        fn rc_is_an_involution(s in "[ACGTNacgtnRYKM]{0,200}") {
            let b = s.as_bytes();
            prop_assert_eq!(reverse_complement(&reverse_complement(b)), b.to_vec());
            let c = to_codes(b);
            prop_assert_eq!(reverse_complement_codes(&reverse_complement_codes(&c)), c);
        }

        #[test]
        fn one_hot_of_rc_is_flipped_one_hot(s in "[ACGTN]{1,120}") {
            let c = to_codes(s.as_bytes());
            let l = c.len();
            let mut x = vec![0f32; 4 * l];
            one_hot_into(&c, &mut x);
            let mut y = vec![0f32; 4 * l];
            one_hot_into(&reverse_complement_codes(&c), &mut y);
            // Flip both axes: y[b][j] == x[3-b][l-1-j].
            for b in 0..4 {
                for j in 0..l {
                    prop_assert_eq!(y[b * l + j], x[(3 - b) * l + (l - 1 - j)]);
                }
            }
        }

        #[test]
        fn rc_batch_equals_batch_of_rc(s in "[ACGTN]{30}") {
            let c = to_codes(s.as_bytes());
            let rc: Vec<u8> = c.chunks(10).flat_map(reverse_complement_codes).collect();
            prop_assert_eq!(one_hot_batch(&c, 10, true), one_hot_batch(&rc, 10, false));
        }

        #[test]
        fn line_breaks_are_stripped(s in "[ACGTN\r\n]{0,200}") {
            let mut out = Vec::new();
            strip_line_breaks_into(s.as_bytes(), &mut out);
            let expect: Vec<u8> = s.bytes().filter(|b| *b != b'\n' && *b != b'\r').collect();
            prop_assert_eq!(out, expect);
        }

        #[test]
        fn u8_and_f32_one_hot_agree(s in "[ACGTNacgt!-~]{1,120}") {
            let b = s.as_bytes();
            let mut x = vec![0f32; 4 * b.len()];
            one_hot_into(&to_codes(b), &mut x);
            let mut y = vec![0u8; 4 * b.len()];
            one_hot_u8_into(b, &mut y);
            prop_assert!(x.iter().zip(&y).all(|(a, b)| *a == *b as f32));
            prop_assert_eq!(one_hot_u8(b), y);
        }
    }
}
