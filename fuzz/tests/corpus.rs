//! Every fuzz target on every file of its corpus (`corpus/TARGET/`), then on seeded
//! mutations of each (bit flips, byte changes, insertions, deletions, repeated and
//! truncated spans, splices of two files): a short, reproducible fuzzing pass in CI. A
//! panic fails the test and names the target, the file and the mutation's seed.
//! `EXPLAINN_FUZZ_MUTATIONS` sets the mutations per file (default 300).

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::{Path, PathBuf};

fn corpus(target: &str) -> Vec<(PathBuf, Vec<u8>)> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("corpus")
        .join(target);
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_file())
        .collect();
    files.sort();
    files
        .into_iter()
        .map(|p| {
            let bytes = std::fs::read(&p).unwrap();
            (p, bytes)
        })
        .collect()
}

/// One random edit of `data` (`other`: another corpus file, for splices).
fn mutate(data: &mut Vec<u8>, other: &[u8], rng: &mut ChaCha8Rng) {
    const INTERESTING: &[u8] = b"\0\t\n\r >@+#-.0123456789eE[]ACGTNUacgtn\xff\x7f\x80";
    let len = data.len();
    match rng.random_range(0..8) {
        0 if len > 0 => {
            let i = rng.random_range(0..len);
            data[i] ^= 1 << rng.random_range(0..8);
        }
        1 if len > 0 => {
            let i = rng.random_range(0..len);
            data[i] = INTERESTING[rng.random_range(0..INTERESTING.len())];
        }
        2 => {
            let i = rng.random_range(0..=len);
            data.insert(i, INTERESTING[rng.random_range(0..INTERESTING.len())]);
        }
        3 if len > 0 => {
            let i = rng.random_range(0..len);
            let n = rng.random_range(1..=(len - i).min(16));
            data.drain(i..i + n);
        }
        4 if len > 0 => {
            let i = rng.random_range(0..len);
            let n = rng.random_range(1..=(len - i).min(64));
            let span: Vec<u8> = data[i..i + n].to_vec();
            let at = rng.random_range(0..=len);
            let times = rng.random_range(1..4);
            for _ in 0..times {
                data.splice(at..at, span.iter().copied());
            }
        }
        5 if len > 0 => data.truncate(rng.random_range(0..len)),
        6 if !other.is_empty() => {
            let cut = rng.random_range(0..=len);
            let from = rng.random_range(0..other.len());
            data.truncate(cut);
            data.extend_from_slice(&other[from..]);
        }
        _ if len > 0 => {
            // A number somewhere becomes a large, negative or odd one.
            let i = rng.random_range(0..len);
            let s: &[u8] = [
                &b"99999999999"[..],
                b"-1",
                b"1e308",
                b"NaN",
                b"inf",
                b"0x10",
            ][rng.random_range(0..6)];
            data.splice(i..i, s.iter().copied());
        }
        _ => data.push(rng.random()),
    }
}

#[test]
fn every_target_survives_its_corpus_and_mutations() {
    let mutations: usize = std::env::var("EXPLAINN_FUZZ_MUTATIONS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(300);
    let quiet = std::panic::take_hook();
    std::panic::set_hook(Box::new(|_| {}));
    let mut failures = Vec::new();
    for target in explainn_fuzz::TARGETS {
        let files = corpus(target.name);
        assert!(!files.is_empty(), "corpus/{} is empty", target.name);
        for (k, (path, bytes)) in files.iter().enumerate() {
            let other = &files[(k + 1) % files.len()].1;
            let mut cases = vec![(None, bytes.clone())];
            for m in 0..mutations {
                let seed = (k * 1_000_003 + m) as u64;
                let mut rng = ChaCha8Rng::seed_from_u64(seed);
                let mut data = bytes.clone();
                for _ in 0..rng.random_range(1..6) {
                    mutate(&mut data, other, &mut rng);
                }
                cases.push((Some(seed), data));
            }
            for (seed, data) in cases {
                if catch_unwind(AssertUnwindSafe(|| (target.run)(&data))).is_err() {
                    failures.push(format!(
                        "{} panicked on {} (mutation seed {seed:?}, {} bytes)",
                        target.name,
                        path.display(),
                        data.len()
                    ));
                }
            }
        }
    }
    std::panic::set_hook(quiet);
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
