//! BED intervals and their sequences from a genome FASTA.
//!
//! Coordinates are BED's: 0-based, half-open `[start, end)`. Minus-strand intervals are
//! returned reverse-complemented.

use crate::SeqError;
use crate::encode::reverse_complement;
use crate::records::open_text;
use noodles::core::{Position, Region};
use noodles::fasta;
use std::collections::HashMap;
use std::fs::File;
use std::io::BufRead;
use std::path::{Path, PathBuf};

/// Strand of an interval (`.` or absent is [`Strand::Unknown`], read as plus).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Strand {
    Plus,
    Minus,
    Unknown,
}

/// One BED record: the first three columns parsed, the rest kept as text.
#[derive(Debug, Clone, PartialEq)]
pub struct Interval {
    pub chrom: String,
    pub start: u64,
    pub end: u64,
    /// Column 4, if present.
    pub name: Option<String>,
    /// Column 6, if present.
    pub strand: Strand,
    /// All columns as text (column k is `fields[k - 1]`).
    pub fields: Vec<String>,
    /// 1-based line number in the BED file.
    pub line: usize,
}

impl Interval {
    /// `chrom:start-end` (0-based start, as bedtools getfasta), plus `(-)` on the minus strand.
    pub fn label(&self) -> String {
        match self.strand {
            Strand::Minus => format!("{}:{}-{}(-)", self.chrom, self.start, self.end),
            _ => format!("{}:{}-{}", self.chrom, self.start, self.end),
        }
    }
    /// A copy re-centred to `length`: the centre is `start + summit` when a summit offset
    /// is given (narrowPeak column 10), else `⌊(start + end)/2⌋`; the new interval is
    /// `[centre − ⌊length/2⌋, … + length)`. `None` if it would start before 0.
    pub fn recentred(&self, length: u64, summit: Option<u64>) -> Option<Interval> {
        let centre = match summit {
            Some(s) => self.start + s,
            None => (self.start + self.end) / 2,
        };
        let start = centre.checked_sub(length / 2)?;
        Some(Interval {
            start,
            end: start + length,
            ..self.clone()
        })
    }
}

/// Read a BED file (3 to any number of tab- or space-separated columns; plain or gzip).
/// `track`, `browser` and `#` lines are skipped. Errors name the file and line.
pub fn read_bed(path: &Path) -> Result<Vec<Interval>, SeqError> {
    let r = open_text(path)?;
    let mut out = Vec::new();
    for (i, line) in r.lines().enumerate() {
        let line = line.map_err(|e| SeqError::io(path, e))?;
        let n = i + 1;
        let t = line.trim_end();
        if t.is_empty() || t.starts_with('#') || t.starts_with("track") || t.starts_with("browser")
        {
            continue;
        }
        let fields: Vec<String> = if t.contains('\t') {
            t.split('\t').map(str::to_string).collect()
        } else {
            t.split_whitespace().map(str::to_string).collect()
        };
        if fields.len() < 3 {
            return Err(SeqError::parse(
                path,
                n,
                format!(
                    "expected at least 3 columns (chrom, start, end), found {}",
                    fields.len()
                ),
            ));
        }
        let start: u64 = fields[1].parse().map_err(|_| {
            SeqError::parse(
                path,
                n,
                format!("start {:?} is not a non-negative integer", fields[1]),
            )
        })?;
        let end: u64 = fields[2].parse().map_err(|_| {
            SeqError::parse(
                path,
                n,
                format!("end {:?} is not a non-negative integer", fields[2]),
            )
        })?;
        if end <= start {
            return Err(SeqError::parse(
                path,
                n,
                format!("end {end} is not after start {start}"),
            ));
        }
        let strand = match fields.get(5).map(String::as_str) {
            Some("+") => Strand::Plus,
            Some("-") => Strand::Minus,
            Some(".") | None => Strand::Unknown,
            Some(s) => {
                return Err(SeqError::parse(
                    path,
                    n,
                    format!("strand (column 6) must be +, - or ., found {s:?}"),
                ));
            }
        };
        out.push(Interval {
            chrom: fields[0].clone(),
            start,
            end,
            name: fields.get(3).cloned(),
            strand,
            fields,
            line: n,
        });
    }
    Ok(out)
}

/// Random access to the sequences of a genome FASTA.
///
/// Whether the `.fai` at `fai` does not describe the FASTA at `fasta`: it is older, a
/// record ends past the end of the file, or the file goes on more than a line after the
/// last record.
fn fai_is_stale(fasta: &Path, fai: &Path, index: &fasta::fai::Index) -> bool {
    let (Ok(fm), Ok(im)) = (std::fs::metadata(fasta), std::fs::metadata(fai)) else {
        return true;
    };
    if let (Ok(f), Ok(i)) = (fm.modified(), im.modified())
        && i < f
    {
        return true;
    }
    let mut last_end = 0u64;
    let mut last_width = 0u64;
    for r in index.as_ref() {
        let (bases, width) = (r.line_base_count().get(), r.line_width().get());
        if width < bases {
            return true;
        }
        let full = r.length() / bases;
        let end = r.position() + full * width + r.length() % bases;
        if end > fm.len() {
            return true;
        }
        if end >= last_end {
            (last_end, last_width) = (end, width);
        }
    }
    fm.len() > last_end + last_width
}

/// An uncompressed FASTA is read through its `.fai` index (noodles), which is built if
/// missing (and written beside the FASTA when that directory is writable). A gzip or bgzip
/// FASTA is decompressed into memory once.
pub struct Genome {
    path: PathBuf,
    chroms: Vec<(String, u64)>,
    lookup: HashMap<String, usize>,
    backend: Backend,
}

enum Backend {
    Indexed(Box<fasta::io::IndexedReader<fasta::io::BufReader<File>>>),
    Memory(Vec<Vec<u8>>),
}

impl Genome {
    /// Open a genome FASTA (see the type's documentation for how it is accessed).
    pub fn open(path: impl AsRef<Path>) -> Result<Self, SeqError> {
        let path = path.as_ref().to_path_buf();
        if crate::records::is_gzip(&path).map_err(|e| SeqError::io(&path, e))? {
            let mut chroms = Vec::new();
            let mut seqs = Vec::new();
            for rec in crate::records::open(&path)? {
                let rec = rec?;
                chroms.push((rec.id, rec.seq.len() as u64));
                seqs.push(rec.seq);
            }
            return Ok(Self::with(path, chroms, Backend::Memory(seqs)));
        }
        let fai = {
            let mut s = path.clone().into_os_string();
            s.push(".fai");
            PathBuf::from(s)
        };
        let existing = match fai.exists() {
            true => Some(fasta::fai::fs::read(&fai).map_err(|e| SeqError::io(&fai, e))?),
            false => None,
        };
        // An index older than the FASTA, or one whose last record ends past the file, is
        // stale (the FASTA was replaced): it is rebuilt, never trusted.
        let index = if let Some(index) = existing.filter(|i| !fai_is_stale(&path, &fai, i)) {
            index
        } else {
            let index = fasta::fs::index(&path).map_err(|e| SeqError::File {
                path: path.clone(),
                msg: format!("cannot index this FASTA: {e}"),
            })?;
            // Best effort: a read-only genome directory just means indexing again next time.
            let _ = fasta::fai::fs::write(&fai, &index);
            index
        };
        let chroms: Vec<(String, u64)> = index
            .as_ref()
            .iter()
            .map(|r| (r.name().to_string(), r.length()))
            .collect();
        let reader = fasta::io::indexed_reader::Builder::default()
            .set_index(index)
            .build_from_path(&path)
            .map_err(|e| SeqError::io(&path, e))?;
        Ok(Self::with(path, chroms, Backend::Indexed(Box::new(reader))))
    }

    fn with(path: PathBuf, chroms: Vec<(String, u64)>, backend: Backend) -> Self {
        let lookup = chroms
            .iter()
            .enumerate()
            .map(|(i, (n, _))| (n.clone(), i))
            .collect();
        Self {
            path,
            chroms,
            lookup,
            backend,
        }
    }

    /// Chromosome names and lengths, in file order.
    pub fn chromosomes(&self) -> &[(String, u64)] {
        &self.chroms
    }

    /// Length of `chrom`, if the genome has it.
    pub fn length(&self, chrom: &str) -> Option<u64> {
        self.lookup.get(chrom).map(|&i| self.chroms[i].1)
    }

    /// Letters of `[start, end)` on `chrom` (0-based, half-open; plus strand; case kept).
    pub fn fetch(&mut self, chrom: &str, start: u64, end: u64) -> Result<Vec<u8>, SeqError> {
        let &i = self.lookup.get(chrom).ok_or_else(|| SeqError::File {
            path: self.path.clone(),
            msg: format!("the genome has no sequence named {chrom:?}"),
        })?;
        let len = self.chroms[i].1;
        if end > len || start >= end {
            return Err(SeqError::File {
                path: self.path.clone(),
                msg: format!("interval {chrom}:{start}-{end} lies outside {chrom} (length {len})"),
            });
        }
        match &mut self.backend {
            Backend::Memory(seqs) => Ok(seqs[i][start as usize..end as usize].to_vec()),
            Backend::Indexed(reader) => {
                let p0 = Position::try_from(start as usize + 1).expect("1-based start is non-zero");
                let p1 = Position::try_from(end as usize).expect("end is non-zero");
                let rec = reader
                    .query(&Region::new(chrom, p0..=p1))
                    .map_err(|e| SeqError::io(&self.path, e))?;
                Ok(rec.sequence().as_ref().to_vec())
            }
        }
    }

    /// The sequence of a BED interval, reverse-complemented on the minus strand.
    /// An interval outside its chromosome, or on a contig the genome lacks, is an error
    /// naming the BED line; so is a genome character that is not a sequence letter (the
    /// letter rule of [`crate::encode`]), which also names the genome position.
    pub fn extract(&mut self, iv: &Interval, bed: &Path) -> Result<Vec<u8>, SeqError> {
        self.extract_with(iv, bed, crate::records::InvalidLetters::Error)
            .map(|(seq, _)| seq)
    }

    /// [`Genome::extract`] with a choice for characters that are not sequence letters:
    /// under [`crate::records::InvalidLetters::AsUnknown`] they become `N`, and their number
    /// is returned with the sequence.
    pub fn extract_with(
        &mut self,
        iv: &Interval,
        bed: &Path,
        invalid: crate::records::InvalidLetters,
    ) -> Result<(Vec<u8>, usize), SeqError> {
        let mut seq = self
            .fetch(&iv.chrom, iv.start, iv.end)
            .map_err(|e| match e {
                SeqError::File { msg, .. } => SeqError::parse(bed, iv.line, msg),
                other => other,
            })?;
        let mut replaced = 0;
        if let Some(i) = crate::encode::first_invalid(&seq) {
            if invalid == crate::records::InvalidLetters::AsUnknown {
                replaced = crate::encode::replace_invalid(&mut seq);
            } else {
                return Err(SeqError::parse(
                    bed,
                    iv.line,
                    format!(
                        "the genome {} has {} at {}:{} (1-based), which is not a sequence letter",
                        self.path.display(),
                        crate::encode::describe_byte(seq[i]),
                        iv.chrom,
                        iv.start + i as u64 + 1
                    ),
                ));
            }
        }
        Ok((
            if iv.strand == Strand::Minus {
                reverse_complement(&seq)
            } else {
                seq
            },
            replaced,
        ))
    }
}

/// Stream the sequences of a BED file's intervals from a genome as [`crate::Record`]s (id:
/// the interval's name, else `chrom:start-end`), each re-centred to `length` around its
/// midpoint when given. An interval (or re-centred window) outside its chromosome is an
/// error naming the BED line.
pub fn records(
    bed: &Path,
    genome: &Path,
    length: Option<u64>,
) -> Result<impl Iterator<Item = Result<crate::Record, SeqError>>, SeqError> {
    let ivs = read_bed(bed)?;
    let mut g = Genome::open(genome)?;
    let bed = bed.to_path_buf();
    Ok(ivs.into_iter().map(move |iv| {
        let iv = match length {
            Some(l) => iv.recentred(l, None).ok_or_else(|| {
                SeqError::parse(
                    &bed,
                    iv.line,
                    format!("a {l} bp window centred on this interval starts before position 0"),
                )
            })?,
            None => iv,
        };
        let seq = g.extract(&iv, &bed)?;
        let id = iv
            .name
            .clone()
            .filter(|n| !n.is_empty() && n != ".")
            .unwrap_or_else(|| iv.label());
        Ok(crate::Record { id, seq })
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A `.fai` left from an earlier FASTA of the same name is rebuilt, not trusted (it
    /// gave "interval lies outside chrIV (length 1000)" on the new, longer chromosome).
    #[test]
    fn a_stale_index_is_rebuilt() {
        let dir = tempfile::tempdir().unwrap();
        let fa = dir.path().join("g.fa");
        let line = "ACGTACGTAC".repeat(6);
        std::fs::write(&fa, format!(">chrIV\n{line}\n{line}\n")).unwrap();
        assert_eq!(Genome::open(&fa).unwrap().chromosomes()[0].1, 120);
        // Longer and shorter replacements, written within the index's second.
        for copies in [5, 1] {
            let body = vec![line.as_str(); copies].join("\n");
            std::fs::write(&fa, format!(">chrIV\n{body}\n")).unwrap();
            let mut g = Genome::open(&fa).unwrap();
            assert_eq!(g.chromosomes()[0].1, 60 * copies as u64);
            assert_eq!(g.fetch("chrIV", 0, 10).unwrap(), b"ACGTACGTAC");
        }
    }

    #[test]
    fn indexed_and_in_memory_genomes_agree() {
        let dir = tempfile::tempdir().unwrap();
        let fa = dir.path().join("g.fa");
        std::fs::write(&fa, ">c1 desc\nACGTACGTAC\nGGGGTTTTaa\nC\n>c2\nTTTT\n").unwrap();
        let gz = dir.path().join("g.fa.gz");
        {
            use std::io::Write;
            let mut e = flate2::write::GzEncoder::new(
                File::create(&gz).unwrap(),
                flate2::Compression::fast(),
            );
            e.write_all(&std::fs::read(&fa).unwrap()).unwrap();
            e.finish().unwrap();
        }
        let mut a = Genome::open(&fa).unwrap();
        let mut b = Genome::open(&gz).unwrap();
        assert!(dir.path().join("g.fa.fai").exists());
        assert_eq!(
            a.chromosomes(),
            &[("c1".to_string(), 21), ("c2".to_string(), 4)]
        );
        assert_eq!(a.chromosomes(), b.chromosomes());
        for (s, e) in [(0, 21), (8, 13), (18, 21), (20, 21)] {
            assert_eq!(a.fetch("c1", s, e).unwrap(), b.fetch("c1", s, e).unwrap());
        }
        assert_eq!(a.fetch("c1", 8, 13).unwrap(), b"ACGGG");
        assert_eq!(a.fetch("c1", 18, 21).unwrap(), b"aaC");
        assert!(
            a.fetch("c1", 18, 22)
                .unwrap_err()
                .to_string()
                .contains("outside c1 (length 21)")
        );
        assert!(
            b.fetch("chrX", 0, 1)
                .unwrap_err()
                .to_string()
                .contains("no sequence named \"chrX\"")
        );
    }

    #[test]
    fn bed_errors_name_the_line() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("a.bed");
        std::fs::write(&p, "track name=x\nc1\t0\t5\tn\t0\t-\nc1\t7\n").unwrap();
        let e = read_bed(&p).unwrap_err().to_string();
        assert!(
            e.contains("line 3") && e.contains("at least 3 columns"),
            "{e}"
        );
        std::fs::write(&p, "c1\t0\t5\tn\t0\t-\nc1\tx\t9\n").unwrap();
        assert!(read_bed(&p).unwrap_err().to_string().contains("line 2"));
        std::fs::write(&p, "c1\t0\t5\tn\t0\t-\n").unwrap();
        let iv = &read_bed(&p).unwrap()[0];
        assert_eq!(iv.strand, Strand::Minus);
        assert_eq!(iv.recentred(2, None).unwrap().start, 1);
        assert_eq!(iv.recentred(2, Some(1)).unwrap().start, 0);
        assert!(iv.recentred(6, None).is_none());
    }

    #[test]
    fn bed_records_recentre_and_name() {
        let dir = tempfile::tempdir().unwrap();
        let fa = dir.path().join("g.fa");
        std::fs::write(&fa, ">c1\nAACCGGTTAC\n").unwrap();
        let bed = dir.path().join("a.bed");
        std::fs::write(&bed, "c1\t2\t6\tpeak1\t0\t+\nc1\t2\t6\t.\t0\t-\nc1\t0\t2\n").unwrap();
        let got: Vec<_> = records(&bed, &fa, Some(2)).unwrap().collect();
        assert_eq!(got[0].as_ref().unwrap().id, "peak1");
        assert_eq!(got[0].as_ref().unwrap().seq, b"CG");
        assert_eq!(got[1].as_ref().unwrap().id, "c1:3-5(-)");
        assert_eq!(got[1].as_ref().unwrap().seq, b"CG");
        assert_eq!(got[2].as_ref().unwrap().seq, b"AA");
        let got: Vec<_> = records(&bed, &fa, Some(4)).unwrap().collect();
        assert_eq!(got[0].as_ref().unwrap().seq, b"CCGG");
        assert!(got[2].as_ref().unwrap_err().to_string().contains("line 3"));
        let got: Vec<_> = records(&bed, &fa, Some(10)).unwrap().collect();
        assert!(got[0].as_ref().unwrap_err().to_string().contains("line 1"));
    }
}
