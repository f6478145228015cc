//! An in-memory labelled sequence set, held as compact u8 codes, and the ExplaiNN TSV
//! reader and writer.

use crate::SeqError;
use crate::encode::{self, UNKNOWN};
use crate::records::TsvLines;
use std::collections::HashMap;
use std::io::Write;
use std::path::Path;

/// What to do with a sequence that contains letters other than A, C, G, T.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum UnknownPolicy {
    /// Keep it; unknown letters become all-zero columns (default, as the original).
    #[default]
    Zero,
    /// Leave the sequence out (and count it).
    Skip,
    /// Stop with an error naming the record.
    Error,
}

/// How sequences are brought to the model's input length.
#[derive(Debug, Clone, Default)]
pub struct LoadOptions {
    /// Target length; `None` takes the length of the first sequence.
    pub length: Option<usize>,
    /// Pad sequences shorter than the target with N (centre, as `str.center`); when false,
    /// a shorter sequence is an error. Default true.
    pub no_pad: bool,
    /// Unknown-letter policy (default [`UnknownPolicy::Zero`]).
    pub unknown: UnknownPolicy,
    /// Every sequence must have the target length (the first sequence's when `length` is
    /// `None`): another length is an error naming the line instead of a centre-crop or pad.
    pub exact_length: bool,
}

/// A labelled set of equal-length sequences.
///
/// Sequences are stored as codes (A=0, C=1, G=2, T=3, 4 = unknown), row-major
/// `(len, length)`; labels as f32 row-major `(len, n_classes)`.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Dataset {
    pub ids: Vec<String>,
    pub codes: Vec<u8>,
    pub length: usize,
    pub labels: Vec<f32>,
    pub class_names: Vec<String>,
}

impl Dataset {
    /// An empty set for sequences of `length` with the given class names.
    pub fn new(length: usize, class_names: Vec<String>) -> Self {
        Self {
            length,
            class_names,
            ..Default::default()
        }
    }
    /// Number of sequences.
    pub fn len(&self) -> usize {
        self.ids.len()
    }
    pub fn is_empty(&self) -> bool {
        self.ids.is_empty()
    }
    /// Number of label columns.
    pub fn n_classes(&self) -> usize {
        self.class_names.len()
    }
    /// Codes of sequence `i` (`length` values).
    pub fn seq(&self, i: usize) -> &[u8] {
        &self.codes[i * self.length..(i + 1) * self.length]
    }
    /// Labels of sequence `i` (`n_classes` values).
    pub fn label(&self, i: usize) -> &[f32] {
        let c = self.n_classes();
        &self.labels[i * c..(i + 1) * c]
    }
    /// Append one sequence (letters, already of the right length) with its labels.
    pub fn push(&mut self, id: impl Into<String>, seq: &[u8], labels: &[f32]) {
        assert_eq!(
            seq.len(),
            self.length,
            "Dataset::push: wrong sequence length"
        );
        assert_eq!(
            labels.len(),
            self.n_classes(),
            "Dataset::push: wrong label count"
        );
        self.ids.push(id.into());
        self.codes.extend(seq.iter().map(|&b| encode::code(b)));
        self.labels.extend_from_slice(labels);
    }
    /// Letters of sequence `i` (upper case, N for unknown).
    pub fn letters(&self, i: usize) -> Vec<u8> {
        encode::to_letters(self.seq(i))
    }
    /// A new set with the sequences at `idx`, in that order.
    pub fn subset(&self, idx: &[usize]) -> Dataset {
        let mut d = Dataset::new(self.length, self.class_names.clone());
        for &i in idx {
            d.ids.push(self.ids[i].clone());
            d.codes.extend_from_slice(self.seq(i));
            d.labels.extend_from_slice(self.label(i));
        }
        d
    }
    /// Merge identical sequences (same codes), keeping the first id and the element-wise
    /// maximum of the labels, as the original's `groupby(seq).max()`. Returns how many
    /// sequences were merged away. Order of first occurrence is kept.
    pub fn deduplicate(&mut self) -> usize {
        let mut first: HashMap<&[u8], usize> = HashMap::new();
        let mut keep: Vec<usize> = Vec::new();
        let mut merged_labels = self.labels.clone();
        let c = self.n_classes();
        for i in 0..self.len() {
            match first.get(self.seq(i)) {
                Some(&j) => {
                    for k in 0..c {
                        let v = self.labels[i * c + k];
                        if v > merged_labels[j * c + k] {
                            merged_labels[j * c + k] = v;
                        }
                    }
                }
                None => {
                    first.insert(self.seq(i), i);
                    keep.push(i);
                }
            }
        }
        let removed = self.len() - keep.len();
        if removed > 0 {
            let merged = Dataset {
                labels: merged_labels,
                ..self.clone()
            };
            *self = merged.subset(&keep);
        }
        removed
    }
    /// Mean GC fraction of the sequences (unknown letters ignored).
    pub fn mean_gc(&self) -> f64 {
        if self.is_empty() {
            return 0.0;
        }
        let mut s = 0.0;
        for i in 0..self.len() {
            let q = self.seq(i);
            let gc = q.iter().filter(|&&c| c == 1 || c == 2).count();
            let acgt = q.iter().filter(|&&c| c < 4).count();
            if acgt > 0 {
                s += gc as f64 / acgt as f64;
            }
        }
        s / self.len() as f64
    }
    /// Write the set in ExplaiNN TSV layout, led by the class-naming header line
    /// `#id<TAB>seq<TAB>NAME…`; labels are printed with the shortest exact representation.
    pub fn write_tsv(&self, w: &mut impl Write) -> std::io::Result<()> {
        write!(w, "#id\tseq")?;
        for n in &self.class_names {
            write!(w, "\t{n}")?;
        }
        writeln!(w)?;
        for i in 0..self.len() {
            w.write_all(self.ids[i].as_bytes())?;
            w.write_all(b"\t")?;
            w.write_all(&self.letters(i))?;
            for v in self.label(i) {
                write!(w, "\t{v}")?;
            }
            writeln!(w)?;
        }
        Ok(())
    }
}

/// Read an ExplaiNN TSV file (`id<TAB>seq<TAB>label…`, plain or gzip, `#` comments,
/// optional `#id<TAB>seq<TAB>NAME…` header) into memory, bringing every sequence to
/// `length` (default: the first sequence's length) with [`encode::fit_length`].
/// Classes without a header are named `0..C-1`.
pub fn read_tsv(path: &Path, length: Option<usize>) -> Result<Dataset, SeqError> {
    read_tsv_with(
        path,
        &LoadOptions {
            length,
            ..Default::default()
        },
    )
    .map(|(d, _)| d)
}

/// [`read_tsv`] with all options; also returns how many sequences were skipped for
/// unknown letters under [`UnknownPolicy::Skip`].
pub fn read_tsv_with(path: &Path, opts: &LoadOptions) -> Result<(Dataset, usize), SeqError> {
    let mut lines = TsvLines::open(path)?;
    let mut data: Option<Dataset> = None;
    let mut skipped = 0;
    while let Some(row) = lines.next() {
        let row = row?;
        let d = data.get_or_insert_with(|| {
            let names = lines
                .class_names
                .clone()
                .unwrap_or_else(|| (0..row.labels.len()).map(|k| k.to_string()).collect());
            Dataset::new(opts.length.unwrap_or(row.seq.len()), names)
        });
        if opts.exact_length && row.seq.len() != d.length {
            let want = match opts.length {
                Some(l) => format!("{l} are required"),
                None => format!("the file's first sequence has {}", d.length),
            };
            return Err(SeqError::parse(
                path,
                row.line,
                format!(
                    "sequence '{}' has {} letters, but {want}: give sequences of one length \
                     (`explainn prepare --length N` brings them to one)",
                    row.id,
                    row.seq.len(),
                ),
            ));
        }
        if row.seq.len() < d.length && opts.no_pad {
            return Err(SeqError::parse(
                path,
                row.line,
                format!(
                    "sequence '{}' has {} letters, fewer than the required {}",
                    row.id,
                    row.seq.len(),
                    d.length
                ),
            ));
        }
        let seq = encode::fit_length(&row.seq, d.length);
        if !encode::is_acgt(&row.seq) {
            match opts.unknown {
                UnknownPolicy::Zero => {}
                UnknownPolicy::Skip => {
                    skipped += 1;
                    continue;
                }
                UnknownPolicy::Error => {
                    return Err(SeqError::parse(
                        path,
                        row.line,
                        format!(
                            "sequence '{}' contains letters other than A, C, G, T",
                            row.id
                        ),
                    ));
                }
            }
        }
        d.push(row.id, &seq, &row.labels);
    }
    match data {
        Some(d) => Ok((d, skipped)),
        None => Err(SeqError::File {
            path: path.into(),
            msg: "no sequences found".into(),
        }),
    }
}

/// One row of an ExplaiNN TSV file as [`TsvReader`] gives it.
#[derive(Debug, Clone, PartialEq)]
pub struct LabelledRecord {
    /// The id column.
    pub id: String,
    /// The sequence letters as written (not brought to any length).
    pub seq: Vec<u8>,
    /// The label columns.
    pub labels: Vec<f32>,
    /// 1-based line number in the file.
    pub line: usize,
}

/// Streaming reader of an ExplaiNN TSV file (`id<TAB>seq<TAB>label…`, plain or gzip, `#`
/// comments, optional `#id<TAB>seq<TAB>NAME…` header): one [`LabelledRecord`] at a time,
/// every row checked as [`read_tsv`] checks it (label count, numbers, letters).
///
/// ```
/// use std::io::Write;
/// let dir = tempfile::tempdir().unwrap();
/// let p = dir.path().join("x.tsv");
/// std::fs::File::create(&p).unwrap().write_all(b"#id\tseq\tA\na\tACGT\t1\nb\tAC\t0\n").unwrap();
/// let mut r = explainn_seq::dataset::TsvReader::open(&p).unwrap();
/// let first = r.next().unwrap().unwrap();
/// assert_eq!((first.id.as_str(), first.labels.as_slice(), first.line), ("a", &[1.0f32][..], 2));
/// assert_eq!(r.class_names(), Some(&["A".to_string()][..]));
/// assert_eq!(r.next().unwrap().unwrap().seq, b"AC");
/// assert!(r.next().is_none());
/// ```
pub struct TsvReader {
    lines: TsvLines,
}

impl TsvReader {
    /// Open `path` (plain or gzip).
    pub fn open(path: &Path) -> Result<Self, SeqError> {
        Ok(Self {
            lines: TsvLines::open(path)?,
        })
    }

    /// The class names of the header line, once it has been read (after the first row).
    pub fn class_names(&self) -> Option<&[String]> {
        self.lines.class_names.as_deref()
    }

    /// The file being read.
    pub fn path(&self) -> &Path {
        &self.lines.path
    }
}

impl Iterator for TsvReader {
    type Item = Result<LabelledRecord, SeqError>;
    fn next(&mut self) -> Option<Self::Item> {
        Some(self.lines.next()?.map(|r| LabelledRecord {
            id: r.id,
            seq: r.seq,
            labels: r.labels,
            line: r.line,
        }))
    }
}

/// Count of codes equal to [`UNKNOWN`] in `codes`.
pub fn count_unknown(codes: &[u8]) -> usize {
    codes.iter().filter(|&&c| c == UNKNOWN).count()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn write(dir: &tempfile::TempDir, name: &str, text: &str) -> std::path::PathBuf {
        let p = dir.path().join(name);
        std::fs::write(&p, text).unwrap();
        p
    }

    #[test]
    fn reads_header_comments_and_fits_length() {
        let dir = tempfile::tempdir().unwrap();
        let p = write(
            &dir,
            "a.tsv",
            "# a comment\n#id\tseq\tCTCF\tPU1\ns1\tACGTAC\t1\t0\n\ns2\tacg\t0\t1\n",
        );
        let d = read_tsv(&p, None).unwrap();
        assert_eq!(d.class_names, ["CTCF", "PU1"]);
        assert_eq!(d.len(), 2);
        assert_eq!(d.letters(1), b"NACGNN");
        assert_eq!(d.label(1), [0.0, 1.0]);
    }

    #[test]
    fn ragged_rows_name_the_line() {
        let dir = tempfile::tempdir().unwrap();
        let p = write(&dir, "a.tsv", "s1\tACGT\t1\t0\ns2\tACGT\t1\n");
        let e = read_tsv(&p, None).unwrap_err().to_string();
        assert!(
            e.contains("line 2") && e.contains("1 label columns, but the first row has 2"),
            "{e}"
        );
    }

    #[test]
    fn nan_and_text_labels_are_errors() {
        let dir = tempfile::tempdir().unwrap();
        let p = write(&dir, "a.tsv", "s1\tACGT\tNaN\n");
        assert!(
            read_tsv(&p, None)
                .unwrap_err()
                .to_string()
                .contains("line 1")
        );
        let p = write(&dir, "b.tsv", "s1\tACGT\t1\ns2\tACGT\tyes\n");
        let e = read_tsv(&p, None).unwrap_err().to_string();
        assert!(e.contains("line 2") && e.contains("not a number"), "{e}");
    }

    #[test]
    fn short_sequence_without_padding_is_an_error() {
        let dir = tempfile::tempdir().unwrap();
        let p = write(&dir, "a.tsv", "s1\tACGTAA\t1\ns2\tACG\t0\n");
        let opts = LoadOptions {
            no_pad: true,
            ..Default::default()
        };
        let e = read_tsv_with(&p, &opts).unwrap_err().to_string();
        assert!(
            e.contains("line 2") && e.contains("fewer than the required 6"),
            "{e}"
        );
    }

    #[test]
    fn exact_length_refuses_another_length_by_line() {
        let dir = tempfile::tempdir().unwrap();
        let p = write(&dir, "a.tsv", "s1\tACGTAA\t1\ns2\tACGTAAC\t0\n");
        let opts = LoadOptions {
            exact_length: true,
            ..Default::default()
        };
        let e = read_tsv_with(&p, &opts).unwrap_err().to_string();
        assert!(
            e.contains("line 2") && e.contains("'s2' has 7 letters"),
            "{e}"
        );
        assert_eq!(read_tsv(&p, None).unwrap().length, 6); // without it: centre-cropped
    }

    #[test]
    fn deduplicate_keeps_max_label() {
        let mut d = Dataset::new(4, vec!["a".into(), "b".into()]);
        d.push("x", b"ACGT", &[1.0, 0.0]);
        d.push("y", b"AAAA", &[0.0, 0.0]);
        d.push("z", b"acgt", &[0.0, 1.0]);
        assert_eq!(d.deduplicate(), 1);
        assert_eq!(d.ids, ["x", "y"]);
        assert_eq!(d.label(0), [1.0, 1.0]);
    }

    #[test]
    fn write_then_read_round_trips() {
        let mut d = Dataset::new(5, vec!["p".into()]);
        d.push("x", b"ACGTN", &[1.0]);
        d.push("y", b"TTTTT", &[0.25]);
        let mut buf = Vec::new();
        d.write_tsv(&mut buf).unwrap();
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("r.tsv");
        std::fs::write(&p, &buf).unwrap();
        assert_eq!(read_tsv(&p, None).unwrap(), d);
    }
}
