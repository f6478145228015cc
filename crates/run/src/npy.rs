//! Streamed NumPy outputs: an `.npy` writer that appends float32 rows as they are computed
//! and fills in the row count when it finishes (constant memory however many sequences
//! run), and an `.npz` assembled from finished `.npy` files by copying them into a zip
//! (stored, ZIP64 for files over 4 GiB), as `numpy.savez` writes it.

use crate::{Result, file_error};
use std::fs::File;
use std::io::{BufWriter, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};

/// Bytes before the data: magic, version, header length and the padded header. Fixed so
/// that the header can be rewritten in place with the final row count.
const PREAMBLE: usize = 128;

/// An `.npy` file of float32 with shape `(N, row_shape…)`, N counted as rows are written.
///
/// ```
/// # let dir = tempfile::tempdir().unwrap();
/// let path = dir.path().join("x.npy");
/// let mut w = explainn_run::npy::NpyWriter::create(&path, &[2, 3]).unwrap();
/// w.write_rows(&[0.0; 12]).unwrap(); // two rows of (2, 3)
/// w.finish().unwrap();
/// let bytes = std::fs::read(&path).unwrap();
/// assert!(String::from_utf8_lossy(&bytes[..128]).contains("'shape': (2, 2, 3)"));
/// assert_eq!(bytes.len(), 128 + 12 * 4);
/// ```
pub struct NpyWriter {
    path: PathBuf,
    out: BufWriter<File>,
    row_shape: Vec<usize>,
    row_len: usize,
    rows: usize,
}

/// The preamble of a float32 C-order array of `shape`, padded to [`PREAMBLE`] bytes.
fn preamble(shape: &[usize]) -> Vec<u8> {
    let dims: Vec<String> = shape.iter().map(|d| d.to_string()).collect();
    let shape = match dims.len() {
        1 => format!("({},)", dims[0]),
        _ => format!("({})", dims.join(", ")),
    };
    let mut header = format!("{{'descr': '<f4', 'fortran_order': False, 'shape': {shape}, }}");
    let room = PREAMBLE - 10 - 1;
    assert!(header.len() <= room, "npy header too long for {shape}");
    header.extend(std::iter::repeat_n(' ', room - header.len()));
    header.push('\n');
    let mut out = b"\x93NUMPY\x01\x00".to_vec();
    out.extend_from_slice(&((PREAMBLE - 10) as u16).to_le_bytes());
    out.extend_from_slice(header.as_bytes());
    out
}

impl NpyWriter {
    /// Start `path` for rows of `row_shape` (e.g. `[4, L]` for `(N, 4, L)`).
    pub fn create(path: &Path, row_shape: &[usize]) -> Result<Self> {
        let f = File::create(path).map_err(|e| file_error(path, format!("cannot write: {e}")))?;
        let mut out = BufWriter::with_capacity(1 << 20, f);
        let mut shape = vec![0];
        shape.extend_from_slice(row_shape);
        out.write_all(&preamble(&shape))
            .map_err(|e| file_error(path, e))?;
        Ok(Self {
            path: path.to_path_buf(),
            out,
            row_shape: row_shape.to_vec(),
            row_len: row_shape.iter().product(),
            rows: 0,
        })
    }

    /// Append whole rows (`values.len()` a multiple of the row size).
    pub fn write_rows(&mut self, values: &[f32]) -> Result<()> {
        assert_eq!(
            values.len() % self.row_len.max(1),
            0,
            "npy rows must be whole"
        );
        let mut bytes = Vec::with_capacity(4 * values.len());
        for v in values {
            bytes.extend_from_slice(&v.to_le_bytes());
        }
        self.out
            .write_all(&bytes)
            .map_err(|e| file_error(&self.path, e))?;
        self.rows += values.len() / self.row_len.max(1);
        Ok(())
    }

    /// Write the final row count into the header and close the file.
    pub fn finish(self) -> Result<PathBuf> {
        let path = self.path;
        let mut f = self
            .out
            .into_inner()
            .map_err(|e| file_error(&path, e.error().to_string()))?;
        let mut shape = vec![self.rows];
        shape.extend_from_slice(&self.row_shape);
        let mut w = || -> std::io::Result<()> {
            f.seek(SeekFrom::Start(0))?;
            f.write_all(&preamble(&shape))?;
            f.sync_all()
        };
        w().map_err(|e| file_error(&path, e))?;
        Ok(path)
    }
}

/// Write the `.npz` `path` holding each `(name, npy file)` as `name.npy`, copied in
/// (stored, not compressed), as `numpy.savez` does.
pub fn write_npz(path: &Path, arrays: &[(&str, &Path)]) -> Result<()> {
    let f = File::create(path).map_err(|e| file_error(path, format!("cannot write: {e}")))?;
    let mut zip = zip::ZipWriter::new(BufWriter::new(f));
    let opts = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Stored)
        .large_file(true);
    let err = |e: &dyn std::fmt::Display| file_error(path, e.to_string());
    for (name, npy) in arrays {
        zip.start_file(format!("{name}.npy"), opts)
            .map_err(|e| err(&e))?;
        let mut src = File::open(npy).map_err(|e| file_error(npy, e))?;
        std::io::copy(&mut src, &mut zip).map_err(|e| err(&e))?;
    }
    zip.finish()
        .map_err(|e| err(&e))?
        .flush()
        .map_err(|e| err(&e))?;
    Ok(())
}

/// Row `index` (of `row_len` float32) of an `.npy` file written by [`NpyWriter`], read
/// into `out` from `file`.
pub(crate) fn read_row(
    file: &mut File,
    row_len: usize,
    index: usize,
    out: &mut Vec<f32>,
) -> std::io::Result<()> {
    use std::io::Read;
    let mut bytes = vec![0u8; 4 * row_len];
    file.seek(SeekFrom::Start((PREAMBLE + 4 * row_len * index) as u64))?;
    file.read_exact(&mut bytes)?;
    out.clear();
    out.extend(
        bytes
            .chunks_exact(4)
            .map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]])),
    );
    Ok(())
}
