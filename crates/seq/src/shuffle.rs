//! The exact dinucleotide shuffle of Altschul & Erickson (1985).
//!
//! The result is a uniformly random sequence among those with the same first letter, the
//! same last letter and the same count of every overlapping letter pair. It treats every
//! byte as a letter (case and N kept), so soft-masking and gaps survive shuffling.

use rand::Rng;

/// Dinucleotide-shuffle `seq` with `rng` (seed it for reproducible output).
///
/// Algorithm: view the sequence as an Eulerian path through a graph whose vertices are
/// letters and whose edges are the overlapping pairs. Pick, for every vertex except the
/// final letter, a random "last exit" edge such that those edges form a tree leading to
/// the final letter (rejection sampling, as Altschul–Erickson); shuffle each vertex's other
/// exits, put the last exit at the end, and walk from the first letter.
pub fn dinucleotide_shuffle<R: Rng + ?Sized>(seq: &[u8], rng: &mut R) -> Vec<u8> {
    let n = seq.len();
    if n <= 2 {
        return seq.to_vec();
    }
    // Compact vertex ids for the letters present.
    let mut id = [usize::MAX; 256];
    let mut letters: Vec<u8> = Vec::new();
    for &b in seq {
        if id[b as usize] == usize::MAX {
            id[b as usize] = letters.len();
            letters.push(b);
        }
    }
    let k = letters.len();
    let mut exits: Vec<Vec<usize>> = vec![Vec::new(); k];
    for w in seq.windows(2) {
        exits[id[w[0] as usize]].push(id[w[1] as usize]);
    }
    let last = id[seq[n - 1] as usize];

    // Choose last-exit edges forming an arborescence into `last`.
    let mut last_exit = vec![usize::MAX; k]; // index into exits[v]
    loop {
        for v in 0..k {
            if v != last && !exits[v].is_empty() {
                last_exit[v] = rng.random_range(0..exits[v].len());
            }
        }
        // Every vertex with exits must reach `last` by following last exits.
        let ok = (0..k).all(|v| {
            if v == last || exits[v].is_empty() {
                return true;
            }
            let mut u = v;
            for _ in 0..k {
                u = exits[u][last_exit[u]];
                if u == last {
                    return true;
                }
            }
            false
        });
        if ok {
            break;
        }
    }

    // Shuffle the other exits of every vertex and move the chosen last exit to the end.
    for v in 0..k {
        let e = &mut exits[v];
        if e.is_empty() {
            continue;
        }
        if v != last {
            let j = last_exit[v];
            let m = e.len() - 1;
            e.swap(j, m);
            fisher_yates(&mut e[..m], rng);
        } else {
            fisher_yates(e, rng);
        }
    }

    let mut next = vec![0usize; k];
    let mut out = Vec::with_capacity(n);
    let mut u = id[seq[0] as usize];
    out.push(letters[u]);
    for _ in 1..n {
        let v = exits[u][next[u]];
        next[u] += 1;
        out.push(letters[v]);
        u = v;
    }
    out
}

/// [`dinucleotide_shuffle`] of the part of `seq` between its leading and trailing runs of
/// unknown letters (N padding, as [`crate::encode::fit_length`] adds to short sequences), so
/// the padding stays where it was and only the sequence itself is shuffled. A sequence with
/// no such runs is shuffled whole (same result as [`dinucleotide_shuffle`] with the same
/// `rng`); one without any base is returned as it is.
pub fn dinucleotide_shuffle_keeping_padding<R: Rng + ?Sized>(seq: &[u8], rng: &mut R) -> Vec<u8> {
    let known = |b: &u8| crate::encode::code(*b) < 4;
    let (Some(a), Some(z)) = (seq.iter().position(known), seq.iter().rposition(known)) else {
        return seq.to_vec();
    };
    let mut out = Vec::with_capacity(seq.len());
    out.extend_from_slice(&seq[..a]);
    out.extend(dinucleotide_shuffle(&seq[a..=z], rng));
    out.extend_from_slice(&seq[z + 1..]);
    out
}

fn fisher_yates<T, R: Rng + ?Sized>(v: &mut [T], rng: &mut R) {
    for i in (1..v.len()).rev() {
        let j = rng.random_range(0..=i);
        v.swap(i, j);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use rand::SeedableRng;
    use rand_chacha::ChaCha8Rng;
    use std::collections::HashMap;

    fn pairs(s: &[u8]) -> HashMap<(u8, u8), usize> {
        let mut m = HashMap::new();
        for w in s.windows(2) {
            *m.entry((w[0], w[1])).or_insert(0) += 1;
        }
        m
    }

    proptest! {
        #[test]
        fn preserves_dinucleotides_and_ends(s in "[ACGTNacgt]{0,300}", seed in any::<u64>()) {
            let s = s.as_bytes();
            let mut rng = ChaCha8Rng::seed_from_u64(seed);
            let t = dinucleotide_shuffle(s, &mut rng);
            prop_assert_eq!(t.len(), s.len());
            prop_assert_eq!(pairs(&t), pairs(s));
            if !s.is_empty() {
                prop_assert_eq!(t[0], s[0]);
                prop_assert_eq!(t[t.len() - 1], s[s.len() - 1]);
            }
        }
    }

    #[test]
    fn padding_stays_where_it_was() {
        let core = b"ACGTTGCAACGGTACCATGATCGATCGGGCTAGCTAGCTAGGATCCAGTAACGTTAGC";
        let padded = crate::encode::fit_length(core, core.len() + 50);
        for seed in 0..20 {
            let mut rng = ChaCha8Rng::seed_from_u64(seed);
            let t = dinucleotide_shuffle_keeping_padding(&padded, &mut rng);
            assert_eq!(&t[..25], &padded[..25]);
            assert_eq!(&t[t.len() - 25..], &padded[padded.len() - 25..]);
            assert!(t[25..t.len() - 25].iter().all(|&b| b != b'N'));
            assert_eq!(pairs(&t[25..t.len() - 25]), pairs(core));
        }
        // Unpadded: the same as the plain shuffle.
        let a = dinucleotide_shuffle_keeping_padding(core, &mut ChaCha8Rng::seed_from_u64(4));
        let b = dinucleotide_shuffle(core, &mut ChaCha8Rng::seed_from_u64(4));
        assert_eq!(a, b);
        assert_eq!(
            dinucleotide_shuffle_keeping_padding(b"NNNN", &mut ChaCha8Rng::seed_from_u64(4)),
            b"NNNN"
        );
    }

    #[test]
    fn shuffles_actually_change_the_sequence_and_are_seeded() {
        let s = b"ACGTTGCAACGGTACCATGATCGATCGGGCTAGCTAGCTAGGATCCAGTAACGTTAGC";
        let a = dinucleotide_shuffle(s, &mut ChaCha8Rng::seed_from_u64(1));
        let b = dinucleotide_shuffle(s, &mut ChaCha8Rng::seed_from_u64(1));
        let c = dinucleotide_shuffle(s, &mut ChaCha8Rng::seed_from_u64(2));
        assert_eq!(a, b);
        assert_ne!(a, c);
        assert_ne!(a.as_slice(), s.as_slice());
    }

    #[test]
    fn all_valid_shuffles_are_reached_uniformly() {
        // "AACAGA" (ends A..A) — enumerate by sampling: every sequence with the same
        // doublet multiset and ends should appear with roughly equal frequency.
        let s = b"ACAGACA";
        let mut counts: HashMap<Vec<u8>, usize> = HashMap::new();
        let mut rng = ChaCha8Rng::seed_from_u64(7);
        for _ in 0..6000 {
            *counts.entry(dinucleotide_shuffle(s, &mut rng)).or_insert(0) += 1;
        }
        // Doublets AC×2, CA×2, AG×1, GA×1 from A to A: orderings of the A-exits
        // {C, C, G} with the walk ending at A give 3 distinct sequences.
        assert_eq!(counts.len(), 3, "{counts:?}");
        for &c in counts.values() {
            assert!((1700..2300).contains(&c), "{counts:?}");
        }
    }
}
