//! The one input policy of the commands that read sequences for a model (`predict`,
//! `explain`, `interpret` without labels): FASTA, FASTQ or ExplaiNN TSV (labels ignored;
//! gzip allowed), or BED intervals cut from a genome FASTA and re-centred to the model's
//! length. Every sequence then goes through [`policy::fit_sequence`](crate::policy): of the
//! model's length as is, otherwise an error naming the record unless `fit` (the
//! `--fit-length` flag) centre-crops or N-pads it.
//!
//! ```
//! use std::io::Write;
//! let dir = tempfile::tempdir().unwrap();
//! let fa = dir.path().join("x.fa");
//! std::fs::File::create(&fa).unwrap().write_all(b">a\nACGTAC\n>b\nACGT\n").unwrap();
//! let seqs: Vec<_> = explainn_run::input::open_sequences(&fa, None, 4, true)
//!     .unwrap()
//!     .collect::<Result<_, _>>()
//!     .unwrap();
//! assert_eq!(seqs[0], ("a".to_string(), b"CGTA".to_vec()));
//! // Without `fit`, the 6-bp record is refused by name.
//! let err = explainn_run::input::open_sequences(&fa, None, 4, false).unwrap().next().unwrap();
//! assert!(err.unwrap_err().to_string().contains("`a` has length 6"));
//! ```

use crate::{Result, RunError, policy};
use std::path::{Path, PathBuf};

/// Sequences `(id, letters)` at the model's length, read lazily.
pub struct Sequences<'a> {
    records: Box<
        dyn Iterator<Item = std::result::Result<explainn_seq::Record, explainn_seq::SeqError>> + 'a,
    >,
    path: PathBuf,
    length: usize,
    fit: bool,
}

impl Iterator for Sequences<'_> {
    type Item = Result<(String, Vec<u8>)>;

    fn next(&mut self) -> Option<Self::Item> {
        let r = match self.records.next()? {
            Ok(r) => r,
            Err(e) => return Some(Err(e.into())),
        };
        Some(
            policy::fit_sequence(&r.id, &r.seq, self.length, self.fit)
                .map(|s| (r.id, s))
                .map_err(|e| RunError::Data(format!("{}: {e}", self.path.display()))),
        )
    }
}

/// Open `path` as sequences for a model of input `length`: with `genome`, `path` is a BED
/// file whose intervals are re-centred to `length` and cut from the genome; otherwise a
/// FASTA, FASTQ or TSV file. `fit` centre-crops or N-pads records of another length.
pub fn open_sequences<'a>(
    path: &'a Path,
    genome: Option<&'a Path>,
    length: usize,
    fit: bool,
) -> Result<Sequences<'a>> {
    let records: Box<dyn Iterator<Item = _> + 'a> = match genome {
        Some(g) => Box::new(explainn_seq::bed::records(path, g, Some(length as u64))?),
        None => Box::new(explainn_seq::records::open(path)?),
    };
    Ok(Sequences {
        records,
        path: path.to_path_buf(),
        length,
        fit,
    })
}
