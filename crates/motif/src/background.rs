//! Zero-order DNA background letter frequencies (A, C, G, T).

use crate::error::MotifError;
use std::io::BufRead;

/// Letter frequencies of A, C, G, T (in that order), summing to 1.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Background(pub [f64; 4]);

impl Default for Background {
    /// The uniform background.
    fn default() -> Self {
        Self::uniform()
    }
}

impl Background {
    /// 0.25 for each letter.
    pub fn uniform() -> Self {
        Self([0.25; 4])
    }

    /// The non-redundant protein database (NRDB) DNA frequencies FIMO uses by default:
    /// A 0.281774, C 0.222020, G 0.228876, T 0.267330.
    pub fn nrdb() -> Self {
        Self([0.281774, 0.222020, 0.228876, 0.267330])
    }

    /// Averaged with its reverse complement: A = T = (A+T)/2, C = G = (C+G)/2.
    pub fn symmetric(&self) -> Self {
        let [a, c, g, t] = self.0;
        let at = (a + t) / 2.0;
        let cg = (c + g) / 2.0;
        Self([at, cg, cg, at])
    }

    /// MEME's `normalize_frequencies`: `b <- (b + eps) / (sum(b) + 4 eps)`, with eps = 5e-7
    /// in Tomtom and FIMO.
    pub fn normalized(&self, eps: f64) -> Self {
        let total: f64 = self.0.iter().sum::<f64>() + 4.0 * eps;
        Self(self.0.map(|b| (b + eps) / total))
    }

    /// Parse a MEME background file: lines `A 0.3`, `C 0.2`, ... (order 0 only; `#`
    /// comments and higher-order lines such as `AA 0.09` are ignored). Missing letters are
    /// an error; the result is divided by its sum.
    pub fn read(reader: &mut impl BufRead, source_name: &str) -> Result<Self, MotifError> {
        let mut f = [f64::NAN; 4];
        let mut line = String::new();
        let mut n = 0;
        loop {
            line.clear();
            let read = reader
                .read_line(&mut line)
                .map_err(|e| MotifError::io(source_name, e))?;
            if read == 0 {
                break;
            }
            n += 1;
            let t = line.trim();
            if t.is_empty() || t.starts_with('#') {
                continue;
            }
            let mut it = t.split_whitespace();
            let (Some(letter), Some(value)) = (it.next(), it.next()) else {
                return Err(MotifError::parse(
                    source_name,
                    n,
                    format!("expected `LETTER FREQUENCY`, found {t:?}"),
                ));
            };
            if letter.len() != 1 {
                continue;
            }
            let Some(i) = crate::motif::letter_index(letter.as_bytes()[0]) else {
                return Err(MotifError::parse(
                    source_name,
                    n,
                    format!("unknown letter {letter:?}"),
                ));
            };
            f[i] = value.parse().map_err(|_| {
                MotifError::parse(source_name, n, format!("not a number: {value:?}"))
            })?;
        }
        if f.iter().any(|x| x.is_nan()) {
            return Err(MotifError::parse(
                source_name,
                n,
                "background must give A, C, G and T",
            ));
        }
        let s: f64 = f.iter().sum();
        if s <= 0.0 {
            return Err(MotifError::parse(
                source_name,
                n,
                "background frequencies sum to zero",
            ));
        }
        Ok(Self(f.map(|x| x / s)))
    }

    /// [`Background::read`] on a file path (plain or `.gz`).
    pub fn read_file(path: impl AsRef<std::path::Path>) -> Result<Self, MotifError> {
        let path = path.as_ref();
        let mut r = crate::io::open(path)?;
        Self::read(&mut r, &path.display().to_string())
    }
}
