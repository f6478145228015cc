//! Streaming sequence readers: FASTA, FASTQ (plain, gzip or bgzip) and the ExplaiNN TSV,
//! one record at a time in constant memory.

use crate::SeqError;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};

/// One named sequence as read from a file (letters as in the file, case kept).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Record {
    /// The identifier: a FASTA/FASTQ header up to the first white space, or TSV column 1.
    pub id: String,
    /// The sequence letters.
    pub seq: Vec<u8>,
}

/// What the readers do with a character that is not a sequence letter (a digit, space,
/// NUL, punctuation; see the letter rule in [`crate::encode`]). U is always read as T and
/// N/IUPAC codes are always kept (they encode as unknown), whatever this says.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum InvalidLetters {
    /// Stop with an error naming the file, the line or record, the character and its
    /// position (default).
    #[default]
    Error,
    /// Replace each such character by `N` and count it ([`Records::replaced`]).
    AsUnknown,
}

/// Counts of characters replaced under [`InvalidLetters::AsUnknown`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Replaced {
    /// Characters replaced by `N`.
    pub letters: usize,
    /// Sequences that had at least one.
    pub sequences: usize,
}

/// Apply the letter rule to one sequence: an error built by `at` (the place, e.g. `line 3`)
/// under [`InvalidLetters::Error`], else replacement by `N` counted in `replaced`.
fn check_letters(
    seq: &mut [u8],
    id: &str,
    policy: InvalidLetters,
    replaced: &mut Replaced,
    path: &Path,
    at: impl FnOnce() -> String,
) -> Result<(), SeqError> {
    let Some(i) = crate::encode::first_invalid(seq) else {
        return Ok(());
    };
    match policy {
        InvalidLetters::Error => Err(SeqError::Letter {
            path: path.into(),
            at: at(),
            msg: format!(
                "sequence '{id}' has {} at position {}, which is not a sequence letter \
                 (allowed: A, C, G, T, U = T, and N or IUPAC codes R Y S W K M B D H V = unknown)",
                crate::encode::describe_byte(seq[i]),
                i + 1
            ),
        }),
        InvalidLetters::AsUnknown => {
            replaced.letters += crate::encode::replace_invalid(seq);
            replaced.sequences += 1;
            Ok(())
        }
    }
}

/// File formats the readers recognise.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Fasta,
    Fastq,
    /// ExplaiNN TSV: `id<TAB>seq<TAB>label…`, `#` comment lines.
    Tsv,
    /// One bare sequence per line (HT-SELEX read files); ids are `<file stem>:<line>`.
    Lines,
}

/// Guess the format from the file name (`.fa/.fasta/.fna/.fas`, `.fq/.fastq`, each
/// optionally followed by `.gz`/`.bgz`), else from the (decompressed) content: `>` FASTA,
/// `@` FASTQ; otherwise the first line that is not a `#` comment decides: with a tab it is
/// the ExplaiNN TSV, without one a file of bare sequences, one per line.
pub fn detect_format(path: &Path) -> Result<Format, SeqError> {
    let f = detect_by_name_or_first_byte(path)?;
    if f != Format::Tsv {
        return Ok(f);
    }
    let r = open_text(path)?;
    for line in r.lines() {
        let line = line.map_err(|e| SeqError::io(path, e))?;
        let t = line.trim();
        if t.is_empty() || t.starts_with('#') {
            continue;
        }
        return Ok(if t.contains('\t') {
            Format::Tsv
        } else {
            Format::Lines
        });
    }
    Ok(Format::Tsv)
}

fn detect_by_name_or_first_byte(path: &Path) -> Result<Format, SeqError> {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().to_lowercase())
        .unwrap_or_default();
    let stem = name.trim_end_matches(".gz").trim_end_matches(".bgz");
    for (ext, f) in [
        (".fa", Format::Fasta),
        (".fasta", Format::Fasta),
        (".fna", Format::Fasta),
        (".fas", Format::Fasta),
        (".fq", Format::Fastq),
        (".fastq", Format::Fastq),
    ] {
        if stem.ends_with(ext) {
            return Ok(f);
        }
    }
    let mut r = open_text(path)?;
    loop {
        let buf = r.fill_buf().map_err(|e| SeqError::io(path, e))?;
        if buf.is_empty() {
            return Err(SeqError::File {
                path: path.into(),
                msg: "file is empty".into(),
            });
        }
        if let Some(&b) = buf.iter().find(|b| !b.is_ascii_whitespace()) {
            return Ok(match b {
                b'>' => Format::Fasta,
                b'@' => Format::Fastq,
                _ => Format::Tsv,
            });
        }
        let n = buf.len();
        r.consume(n);
    }
}

/// Open a possibly gzip/bgzip-compressed text file (detected by its magic bytes) as a
/// buffered reader of the decompressed text.
pub fn open_text(path: &Path) -> Result<Box<dyn BufRead + Send>, SeqError> {
    open_decompressed(path).map_err(|e| SeqError::io(path, e))
}

/// Whether `path` starts with the gzip magic bytes `1f 8b` (gzip and bgzip alike).
pub fn is_gzip(path: &Path) -> std::io::Result<bool> {
    let mut magic = [0u8; 2];
    let mut f = std::fs::File::open(path)?;
    let mut got = 0;
    while got < 2 {
        match std::io::Read::read(&mut f, &mut magic[got..])? {
            0 => break,
            n => got += n,
        }
    }
    Ok(got == 2 && magic == [0x1f, 0x8b])
}

/// The one gzip-sniffing open of the workspace (sequences, motifs, tables): `path` as a
/// buffered reader of its text, decompressed when it starts with the gzip magic bytes
/// (multi-member, so bgzip files read whole).
///
/// ```
/// use std::io::{BufRead, Write};
/// let dir = tempfile::tempdir().unwrap();
/// let p = dir.path().join("x.txt.gz");
/// let mut gz = flate2::write::GzEncoder::new(std::fs::File::create(&p).unwrap(), Default::default());
/// gz.write_all(b"ACGT\n").unwrap();
/// gz.finish().unwrap();
/// let line = explainn_seq::records::open_decompressed(&p).unwrap().lines().next().unwrap().unwrap();
/// assert_eq!(line, "ACGT");
/// ```
pub fn open_decompressed(path: &Path) -> std::io::Result<Box<dyn BufRead + Send>> {
    let f = std::fs::File::open(path)?;
    let mut r = BufReader::with_capacity(1 << 16, f);
    let magic = r.fill_buf()?;
    if magic.starts_with(&[0x1f, 0x8b]) {
        Ok(Box::new(BufReader::with_capacity(
            1 << 16,
            flate2::bufread::MultiGzDecoder::new(r),
        )))
    } else {
        Ok(Box::new(r))
    }
}

/// Open `path` and stream its records. The format is detected with [`detect_format`].
/// Empty records, FASTA text before the first `>`, malformed TSV rows and characters that
/// are not sequence letters ([`InvalidLetters::Error`]) are errors that name the file and
/// record or line.
pub fn open(path: impl AsRef<Path>) -> Result<Records, SeqError> {
    open_with(path, InvalidLetters::Error)
}

/// [`open`] with a choice of what happens to characters that are not sequence letters.
pub fn open_with(path: impl AsRef<Path>, invalid: InvalidLetters) -> Result<Records, SeqError> {
    let path = path.as_ref();
    let inner = match detect_format(path)? {
        Format::Fasta | Format::Fastq => Inner::Fastx(Fastx::open(path)?),
        Format::Tsv => {
            let mut t = TsvLines::open(path)?;
            t.invalid = invalid;
            Inner::Tsv(t)
        }
        Format::Lines => Inner::Lines(PlainLines::open(path)?),
    };
    Ok(Records {
        inner,
        path: path.into(),
        invalid,
        replaced: Replaced::default(),
    })
}

/// Iterator over the records of one file (see [`open`]).
pub struct Records {
    inner: Inner,
    path: PathBuf,
    invalid: InvalidLetters,
    replaced: Replaced,
}

impl Records {
    /// Characters replaced by `N` so far (always zero under [`InvalidLetters::Error`]).
    pub fn replaced(&self) -> Replaced {
        match &self.inner {
            Inner::Tsv(t) => t.replaced,
            _ => self.replaced,
        }
    }
}

enum Inner {
    Fastx(Fastx),
    Tsv(TsvLines),
    Lines(PlainLines),
}

impl Iterator for Records {
    type Item = Result<Record, SeqError>;
    fn next(&mut self) -> Option<Self::Item> {
        // FASTA/FASTQ errors name the record, bare lines the line.
        let (item, what, n) = match &mut self.inner {
            Inner::Fastx(f) => {
                let item = f.next()?;
                (item, "record", f.n)
            }
            Inner::Lines(p) => {
                let item = p.next()?;
                (item, "line", p.line_no)
            }
            Inner::Tsv(t) => {
                return t.next().map(|r| {
                    r.map(|row| Record {
                        id: row.id,
                        seq: row.seq,
                    })
                });
            }
        };
        let mut r = match item {
            Ok(r) => r,
            Err(e) => return Some(Err(e)),
        };
        Some(
            check_letters(
                &mut r.seq,
                &r.id,
                self.invalid,
                &mut self.replaced,
                &self.path,
                || format!("{what} {n}"),
            )
            .map(|()| r),
        )
    }
}

struct Fastx {
    path: PathBuf,
    reader: Box<dyn needletail::FastxReader>,
    n: usize,
}

impl Fastx {
    fn open(path: &Path) -> Result<Self, SeqError> {
        // needletail sniffs gzip itself; check the first letter ourselves for a clear error.
        let mut r = open_text(path)?;
        let first = loop {
            let buf = r.fill_buf().map_err(|e| SeqError::io(path, e))?;
            if buf.is_empty() {
                break None;
            }
            if let Some(&b) = buf.iter().find(|b| !b.is_ascii_whitespace()) {
                break Some(b);
            }
            let n = buf.len();
            r.consume(n);
        };
        match first {
            None => {
                return Err(SeqError::File {
                    path: path.into(),
                    msg: "no sequences (the file is empty)".into(),
                });
            }
            Some(b'>') | Some(b'@') => {}
            Some(b) => {
                return Err(SeqError::parse(
                    path,
                    1,
                    format!(
                        "expected a FASTA header starting with '>' (or FASTQ '@'), found {:?}",
                        b as char
                    ),
                ));
            }
        }
        drop(r);
        let reader = needletail::parse_fastx_file(path).map_err(|e| SeqError::File {
            path: path.into(),
            msg: e.to_string(),
        })?;
        Ok(Self {
            path: path.into(),
            reader,
            n: 0,
        })
    }

    fn next(&mut self) -> Option<Result<Record, SeqError>> {
        let rec = self.reader.next()?;
        self.n += 1;
        Some(match rec {
            Err(e) => Err(SeqError::Record {
                path: self.path.clone(),
                record: self.n,
                msg: e.to_string(),
            }),
            Ok(r) => {
                let head = String::from_utf8_lossy(r.id()).into_owned();
                let id = head.split_whitespace().next().unwrap_or("").to_string();
                let seq = r.seq().into_owned();
                if seq.is_empty() {
                    Err(SeqError::Record {
                        path: self.path.clone(),
                        record: self.n,
                        msg: format!("record '{id}' has an empty sequence"),
                    })
                } else if id.is_empty() {
                    Err(SeqError::Record {
                        path: self.path.clone(),
                        record: self.n,
                        msg: "record has an empty name".into(),
                    })
                } else {
                    Ok(Record { id, seq })
                }
            }
        })
    }
}

/// Read the next line of a text reader into `buf` (cleared first) and count it in `line_no`;
/// `None` at the end of the file. Shared by the line-based readers.
fn next_line(
    reader: &mut Box<dyn BufRead + Send>,
    buf: &mut String,
    line_no: &mut usize,
    path: &Path,
) -> Option<Result<(), SeqError>> {
    buf.clear();
    match reader.read_line(buf) {
        Err(e) if e.kind() == std::io::ErrorKind::InvalidData => Some(Err(SeqError::parse(
            path,
            *line_no + 1,
            format!("not text: {e} (bytes outside UTF-8; sequences are ASCII letters)"),
        ))),
        Err(e) => Some(Err(SeqError::io(path, e))),
        Ok(0) => None,
        Ok(_) => {
            *line_no += 1;
            Some(Ok(()))
        }
    }
}

/// Bare sequences, one per line; blank and `#` lines skipped.
struct PlainLines {
    path: PathBuf,
    stem: String,
    reader: Box<dyn BufRead + Send>,
    line_no: usize,
    buf: String,
}

impl PlainLines {
    fn open(path: &Path) -> Result<Self, SeqError> {
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let stem = name.split('.').next().unwrap_or("seq").to_string();
        Ok(Self {
            path: path.into(),
            stem,
            reader: open_text(path)?,
            line_no: 0,
            buf: String::new(),
        })
    }

    fn next(&mut self) -> Option<Result<Record, SeqError>> {
        loop {
            if let Err(e) = next_line(
                &mut self.reader,
                &mut self.buf,
                &mut self.line_no,
                &self.path,
            )? {
                return Some(Err(e));
            }
            let t = self.buf.trim();
            if t.is_empty() || t.starts_with('#') {
                continue;
            }
            return Some(Ok(Record {
                id: format!("{}:{}", self.stem, self.line_no),
                seq: t.as_bytes().to_vec(),
            }));
        }
    }
}

/// One parsed row of an ExplaiNN TSV file.
#[derive(Debug, Clone)]
pub(crate) struct TsvRow {
    pub id: String,
    pub seq: Vec<u8>,
    pub labels: Vec<f32>,
    pub line: usize,
}

/// Line-by-line reader of the ExplaiNN TSV format: `id<TAB>seq<TAB>label…`; blank lines
/// and lines starting with `#` are skipped, except a header `#id<TAB>seq<TAB>NAME…` whose
/// names are kept in `class_names`.
pub(crate) struct TsvLines {
    pub path: PathBuf,
    reader: Box<dyn BufRead + Send>,
    line_no: usize,
    buf: String,
    pub class_names: Option<Vec<String>>,
    n_labels: Option<usize>,
    /// What to do with characters that are not sequence letters (default: error).
    pub invalid: InvalidLetters,
    /// Characters replaced so far under [`InvalidLetters::AsUnknown`].
    pub replaced: Replaced,
}

impl TsvLines {
    pub fn open(path: &Path) -> Result<Self, SeqError> {
        Ok(Self {
            path: path.into(),
            reader: open_text(path)?,
            line_no: 0,
            buf: String::new(),
            class_names: None,
            n_labels: None,
            invalid: InvalidLetters::Error,
            replaced: Replaced::default(),
        })
    }

    fn parse_row(&mut self) -> Result<TsvRow, SeqError> {
        let line = self.buf.trim_end_matches(['\n', '\r']);
        let mut cols = line.split('\t');
        let id = cols.next().unwrap_or("").trim();
        let seq = cols.next().map(str::trim).unwrap_or("");
        if id.is_empty() || seq.is_empty() {
            return Err(SeqError::parse(
                &self.path,
                self.line_no,
                "expected at least two tab-separated columns: id, sequence (then labels)",
            ));
        }
        let digits = |c: &str| !c.is_empty() && c.bytes().all(|b| b.is_ascii_digit());
        let mut rest = cols.clone();
        if digits(seq) && rest.next().is_some_and(|c| digits(c.trim())) {
            return Err(SeqError::parse(
                &self.path,
                self.line_no,
                "this looks like a BED file (chromosome, start, end), not sequences: a BED file needs --genome FASTA to extract them",
            ));
        }
        let mut labels = Vec::new();
        for (k, c) in cols.enumerate() {
            let v: f32 = c.trim().parse().map_err(|_| {
                SeqError::parse(
                    &self.path,
                    self.line_no,
                    format!("label column {} is not a number: {:?}", k + 3, c),
                )
            })?;
            if !v.is_finite() {
                return Err(SeqError::parse(
                    &self.path,
                    self.line_no,
                    format!("label column {} is not a finite number: {:?}", k + 3, c),
                ));
            }
            labels.push(v);
        }
        match self.n_labels {
            None => self.n_labels = Some(labels.len()),
            Some(n) if n != labels.len() => {
                return Err(SeqError::parse(
                    &self.path,
                    self.line_no,
                    format!("{} label columns, but the first row has {n}", labels.len()),
                ));
            }
            _ => {}
        }
        if let Some(names) = &self.class_names {
            if names.len() != labels.len() {
                return Err(SeqError::parse(
                    &self.path,
                    self.line_no,
                    format!(
                        "{} label columns, but the header names {} classes",
                        labels.len(),
                        names.len()
                    ),
                ));
            }
        }
        let mut seq = seq.as_bytes().to_vec();
        let line = self.line_no;
        check_letters(
            &mut seq,
            id,
            self.invalid,
            &mut self.replaced,
            &self.path,
            || format!("line {line}"),
        )?;
        Ok(TsvRow {
            id: id.to_string(),
            seq,
            labels,
            line,
        })
    }
}

impl Iterator for TsvLines {
    type Item = Result<TsvRow, SeqError>;
    fn next(&mut self) -> Option<Self::Item> {
        loop {
            if let Err(e) = next_line(
                &mut self.reader,
                &mut self.buf,
                &mut self.line_no,
                &self.path,
            )? {
                return Some(Err(e));
            }
            let t = self.buf.trim_end_matches(['\n', '\r']);
            if t.trim().is_empty() {
                continue;
            }
            if let Some(rest) = t.strip_prefix('#') {
                let cols: Vec<&str> = rest.split('\t').collect();
                if self.n_labels.is_none()
                    && self.class_names.is_none()
                    && cols.len() >= 2
                    && cols[0].trim().eq_ignore_ascii_case("id")
                    && cols[1].trim().eq_ignore_ascii_case("seq")
                {
                    self.class_names =
                        Some(cols[2..].iter().map(|s| s.trim().to_string()).collect());
                }
                continue;
            }
            return Some(self.parse_row());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_are_detected_by_name_and_content() {
        let dir = tempfile::tempdir().unwrap();
        let cases = [
            ("a.txt", "# reads\nACGT\nGGCA\n", Format::Lines),
            ("b.txt", "x\tACGT\t1\n", Format::Tsv),
            ("c.dat", ">x\nACGT\n", Format::Fasta),
            ("d.dat", "@r\nACGT\n+\nIIII\n", Format::Fastq),
            ("e.fq", "@r\nACGT\n+\nIIII\n", Format::Fastq),
        ];
        for (name, text, f) in cases {
            let p = dir.path().join(name);
            std::fs::write(&p, text).unwrap();
            assert_eq!(detect_format(&p).unwrap(), f, "{name}");
            let recs = read_all(&p).unwrap();
            assert_eq!(recs[0].seq, b"ACGT", "{name}");
        }
        assert_eq!(read_all(dir.path().join("a.txt")).unwrap()[1].id, "a:3");
        // Multi-member gzip (what bgzip writes) is read to the end, for every format.
        for (name, a, b) in [
            ("m.fa.gz", ">x\nACGT\n", ">y\nGGCC\n"),
            ("m.tsv.gz", "x\tACGT\t1\n", "y\tGGCC\t0\n"),
        ] {
            use std::io::Write;
            let mut bytes = Vec::new();
            for part in [a, b] {
                let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
                e.write_all(part.as_bytes()).unwrap();
                bytes.extend(e.finish().unwrap());
            }
            let p = dir.path().join(name);
            std::fs::write(&p, bytes).unwrap();
            let ids: Vec<String> = read_all(&p).unwrap().into_iter().map(|r| r.id).collect();
            assert_eq!(ids, ["x", "y"], "{name}");
        }
        let p = dir.path().join("bad.txt");
        std::fs::write(&p, "ACGT\nAC GT\n").unwrap();
        assert!(read_all(&p).unwrap_err().to_string().contains("line 2"));
    }

    /// The letter rule in every reader: U is kept (it encodes as T), N/IUPAC are kept,
    /// anything else is an error naming file and line/record, or N and counted.
    #[test]
    fn invalid_characters_are_errors_or_counted_in_every_format() {
        let dir = tempfile::tempdir().unwrap();
        let cases: [(&str, &[u8], &str); 6] = [
            ("a.fa", b">x\nACGU\n>y\nAC3T\n", "record 2"),
            ("b.fa", b">x\nACGT\n>y\nAC T\n", "record 2"),
            (
                "c.fq",
                b"@x\nACGT\n+\nIIII\n@y\nAC\0T\n+\nIIII\n",
                "record 2",
            ),
            ("d.tsv", b"x\tACGT\t1\ny\tAC.T\t0\n", "line 2"),
            ("e.txt", b"ACGT\nAC-T\n", "line 2"),
            ("f.tsv", b"x\tRYKMN\t1\ny\tAC G\t0\n", "line 2"),
        ];
        for (name, text, at) in cases {
            let p = dir.path().join(name);
            std::fs::write(&p, text).unwrap();
            let e = read_all(&p).unwrap_err();
            let msg = e.to_string();
            assert!(matches!(e, SeqError::Letter { .. }), "{name}: {msg}");
            assert!(
                msg.contains(name) && msg.contains(at) && msg.contains("position 3"),
                "{name}: {msg}"
            );
            let mut r = open_with(&p, InvalidLetters::AsUnknown).unwrap();
            let recs: Vec<Record> = r.by_ref().collect::<Result<_, _>>().unwrap();
            assert_eq!(recs.len(), 2, "{name}");
            assert_eq!(recs[1].seq[2], b'N', "{name}");
            assert_eq!(
                r.replaced(),
                Replaced {
                    letters: 1,
                    sequences: 1
                },
                "{name}"
            );
        }
        let p = dir.path().join("rna.fa");
        std::fs::write(&p, ">x\nACGUuRYN\n").unwrap();
        let r = read_all(&p).unwrap();
        assert_eq!(crate::encode::to_codes(&r[0].seq), [0, 1, 2, 3, 3, 4, 4, 4]);
        let p = dir.path().join("bin.txt");
        std::fs::write(&p, b"ACGT\n\xff\xfe\n").unwrap();
        let e = read_all(&p).unwrap_err().to_string();
        assert!(e.contains("line 2") && e.contains("not text"), "{e}");
    }
}

/// Read every record of a file into memory (convenience for small inputs and tests).
pub fn read_all(path: impl AsRef<Path>) -> Result<Vec<Record>, SeqError> {
    open(path)?.collect()
}
