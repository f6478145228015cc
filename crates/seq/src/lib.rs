//! Sequence data for explainn: everything between files on disk and the `(batch, 4, length)`
//! one-hot tensors the models read.
//!
//! * [`records`]: streaming readers for FASTA/FASTQ (plain, gzip, bgzip) and the ExplaiNN TSV.
//! * [`bed`]: BED intervals and their extraction from a genome FASTA (strand-aware, 0-based).
//! * [`encode`]: base codes, one-hot `(4, L)` blocks in A,C,G,T order, reverse complements,
//!   and the fixed-length rule (centre crop / centre pad with N).
//! * [`dataset`]: an in-memory labelled set held as compact u8 codes ([`Dataset`]) and the
//!   ExplaiNN TSV reader/writer.
//! * [`shuffle`]: the exact (Altschul–Erickson) dinucleotide shuffle.
//! * [`background`]: GC-content-matched background sampling.
//! * [`split`]: seeded stratified and chromosome-held-out splits.
//! * [`prepare`]: the whole path from raw inputs to labelled train/validation/test sets.

mod error;

pub mod background;
/// The seed of every seeded draw unless one is given (the original's 1714): the one
/// definition that `explainn_ops::defaults::SEED` re-exports.
pub const SEED: u64 = 1714;
pub mod bed;
pub mod dataset;
pub mod encode;
pub mod prepare;
pub mod records;
pub mod shuffle;
pub mod split;

pub use dataset::{Dataset, read_tsv};
pub use error::SeqError;
pub use records::Record;
