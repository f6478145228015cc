//! Helpers shared by the CLI integration tests: running the binary, checking its outcome,
//! locating `../shared/data`, and writing small labelled TSV sets with planted motifs.
#![allow(dead_code)] // each test file uses its own subset

use std::ops::Range;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// The `explainn` binary under test.
pub fn explainn() -> Command {
    Command::new(env!("CARGO_BIN_EXE_explainn"))
}

/// Run `explainn ARGS…` to completion.
pub fn run(args: &[&str]) -> Output {
    explainn().args(args).output().expect("run explainn")
}

/// Assert that a run succeeded, showing its stderr otherwise.
pub fn ok(o: &Output) {
    assert!(
        o.status.success(),
        "explainn failed:\n{}",
        String::from_utf8_lossy(&o.stderr)
    );
}

/// Assert that a run failed with `needle` in its error message.
pub fn assert_fails(o: &Output, needle: &str) {
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(!o.status.success(), "expected failure, stderr: {err}");
    assert!(err.contains(needle), "stderr `{err}` lacks `{needle}`");
}

/// A path under the read-only `../shared/data` next to the repository.
pub fn shared(rel: &str) -> PathBuf {
    Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/../../../shared/data")).join(rel)
}

/// One label column of [`write_motif_tsv`]: sequence i is positive for class k when bit k of
/// i is set, and then carries `motif` at a start drawn from `starts` (a single start is
/// used as is). A class without a motif is always 0.
pub struct Class<'a> {
    pub name: &'a str,
    pub motif: Option<&'a [u8]>,
    pub starts: Range<usize>,
}

/// Write an ExplaiNN TSV (`#id seq CLASS…` header) of `n` random sequences of `length` bases
/// (xorshift from `seed`) with motifs planted per [`Class`].
pub fn write_motif_tsv(path: &Path, n: usize, length: usize, seed: u64, classes: &[Class]) {
    let mut s = seed;
    let mut next = || {
        s ^= s << 13;
        s ^= s >> 7;
        s ^= s << 17;
        s
    };
    let mut out = String::from("#id\tseq");
    for c in classes {
        out.push('\t');
        out.push_str(c.name);
    }
    out.push('\n');
    for i in 0..n {
        let mut seq: Vec<u8> = (0..length)
            .map(|_| b"ACGT"[(next() % 4) as usize])
            .collect();
        let mut labels = Vec::new();
        for (k, c) in classes.iter().enumerate() {
            let y = usize::from(c.motif.is_some() && (i >> k) & 1 == 1);
            if let (1, Some(m)) = (y, c.motif) {
                let p = if c.starts.len() == 1 {
                    c.starts.start
                } else {
                    c.starts.start + (next() % c.starts.len() as u64) as usize
                };
                seq[p..p + m.len()].copy_from_slice(m);
            }
            labels.push(y.to_string());
        }
        out.push_str(&format!(
            "s{i}\t{}\t{}\n",
            String::from_utf8(seq).unwrap(),
            labels.join("\t")
        ));
    }
    std::fs::write(path, out).unwrap();
}

/// Two classes: `gata` sequences (bit 0 of i) carry AGATAAG, `ebox` sequences (bit 1)
/// CAGCTG; length 60.
pub fn write_tsv(path: &Path, n: usize, seed: u64) {
    let classes = [
        Class {
            name: "gata",
            motif: Some(b"AGATAAG"),
            starts: 5..25,
        },
        Class {
            name: "ebox",
            motif: Some(b"CAGCTG"),
            starts: 35..50,
        },
    ];
    write_motif_tsv(path, n, 60, seed, &classes);
}

pub fn tiny_run(dir: &Path) -> PathBuf {
    tiny_run_named(dir, "run", "4")
}

/// [`tiny_run`] into `dir/name` with `units` units (the data files are rewritten, the same).
pub fn tiny_run_named(dir: &Path, name: &str, units: &str) -> PathBuf {
    let (train, valid) = (dir.join("train.tsv"), dir.join("valid.tsv"));
    write_tsv(&train, 400, 11);
    write_tsv(&valid, 100, 12);
    let run_dir = dir.join(name);
    ok(&run(&[
        "train",
        train.to_str().unwrap(),
        valid.to_str().unwrap(),
        "-o",
        run_dir.to_str().unwrap(),
        "--units",
        units,
        "--filter-size",
        "8",
        "--hidden",
        "8",
        "--max-epochs",
        "3",
        "--threads",
        "1",
    ]));
    run_dir
}

/// The hidden working entries (`.NAME.explainn-tmp-…`) explainn left in `dir`: there
/// should be none after any command, failed or interrupted.
pub fn leftovers(dir: &Path) -> Vec<String> {
    std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.contains("explainn-tmp"))
        .collect()
}

/// The float32 values of a little-endian `.npy` file (header skipped), in file order.
pub fn read_npy_f32(path: &Path) -> Vec<f32> {
    let b = std::fs::read(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    assert!(b.starts_with(b"\x93NUMPY") && String::from_utf8_lossy(&b[..128]).contains("<f4"));
    let start = b.iter().position(|&c| c == b'\n').unwrap() + 1;
    b[start..]
        .chunks(4)
        .map(|c| f32::from_le_bytes(c.try_into().unwrap()))
        .collect()
}

/// The sequences of the ExplaiNN TSV `tsv` as one contig `chrT` in `dir/genome.fa`, and in
/// `dir/snv.vcf` an SNV at each 1-based position `positions(contig length)` gives (an A
/// becomes G, any other base A), for `variants`.
pub fn write_snv_genome(dir: &Path, tsv: &Path, positions: impl FnOnce(usize) -> Vec<usize>) {
    let contig: String = std::fs::read_to_string(tsv)
        .unwrap()
        .lines()
        .filter(|l| !l.starts_with('#') && !l.starts_with("id\t"))
        .filter_map(|l| l.split('\t').nth(1))
        .collect();
    std::fs::write(dir.join("genome.fa"), format!(">chrT\n{contig}\n")).unwrap();
    let mut vcf =
        String::from("##fileformat=VCFv4.2\n#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\n");
    for pos in positions(contig.len()) {
        let r = &contig[pos - 1..pos];
        let alt = if r == "A" { "G" } else { "A" };
        vcf += &format!("chrT\t{pos}\tv{pos}\t{r}\t{alt}\t.\t.\t.\n");
    }
    std::fs::write(dir.join("snv.vcf"), vcf).unwrap();
}
