//! The bundled JASPAR 2024 CORE vertebrates non-redundant collection (CC BY 4.0; cite
//! Rauluseviciute et al., Nucleic Acids Research 2024) and its TF metadata. Both are
//! compiled into the library, so nothing is read from disk at run time.

use crate::error::MotifError;
use crate::io::MotifSet;
use std::collections::HashMap;
use std::sync::LazyLock;

/// The JASPAR 2024 CORE vertebrates non-redundant matrices in MEME format (879 motifs).
pub const JASPAR2024_MEME: &str =
    include_str!("../data/JASPAR2024_CORE_vertebrates_non-redundant_pfms_meme.txt");

/// The matching metadata table (`matrix_id name class family type width nsites`, TSV).
pub const JASPAR2024_METADATA: &str =
    include_str!("../data/JASPAR2024_CORE_vertebrates_non-redundant_metadata.tsv");

/// Parse the bundled JASPAR 2024 motifs (the default Tomtom target database).
pub fn bundled_motifs() -> MotifSet {
    crate::io::meme::read_meme(&mut JASPAR2024_MEME.as_bytes(), "bundled JASPAR 2024")
        .expect("bundled JASPAR parses")
}

/// Annotation of one JASPAR matrix.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TfInfo {
    /// Matrix ID, for example `MA0148.5`.
    pub matrix_id: String,
    /// TF name, for example `FOXA1` (dimers as `A::B`).
    pub name: String,
    /// Structural class, for example `Fork head/winged helix factors`.
    pub class: String,
    /// TF family, for example `FOX`.
    pub family: String,
}

/// JASPAR matrix ID to TF name, class and family.
#[derive(Debug, Clone, Default)]
pub struct JasparMetadata {
    by_id: HashMap<String, TfInfo>,
}

static BUNDLED: LazyLock<JasparMetadata> = LazyLock::new(|| {
    JasparMetadata::parse(JASPAR2024_METADATA, "bundled JASPAR 2024 metadata")
        .expect("bundled metadata parses")
});

impl JasparMetadata {
    /// The metadata of the bundled JASPAR 2024 collection.
    pub fn bundled() -> &'static JasparMetadata {
        &BUNDLED
    }

    /// Parse a JASPAR metadata TSV with a header containing `matrix_id`, `name`, `class` and
    /// `family` columns (any order; other columns ignored).
    pub fn parse(text: &str, source_name: &str) -> Result<Self, MotifError> {
        let mut lines = text.lines().enumerate();
        let Some((_, header)) = lines.next() else {
            return Ok(Self::default());
        };
        let cols: Vec<&str> = header.split('\t').collect();
        let find = |name: &str| {
            cols.iter().position(|c| c.trim() == name).ok_or_else(|| {
                MotifError::parse(source_name, 1, format!("missing column {name:?}"))
            })
        };
        let (ci, cn, cc, cf) = (
            find("matrix_id")?,
            find("name")?,
            find("class")?,
            find("family")?,
        );
        let mut by_id = HashMap::new();
        for (i, line) in lines {
            if line.trim().is_empty() {
                continue;
            }
            let f: Vec<&str> = line.split('\t').collect();
            let get = |c: usize| {
                f.get(c).map(|s| s.trim().to_string()).ok_or_else(|| {
                    MotifError::parse(
                        source_name,
                        i + 1,
                        format!("expected {} columns", cols.len()),
                    )
                })
            };
            let info = TfInfo {
                matrix_id: get(ci)?,
                name: get(cn)?,
                class: get(cc)?,
                family: get(cf)?,
            };
            by_id.entry(info.matrix_id.clone()).or_insert(info);
        }
        Ok(Self { by_id })
    }

    /// Annotation of a matrix ID (exact, for example `MA0148.5`), if known.
    pub fn get(&self, matrix_id: &str) -> Option<&TfInfo> {
        self.by_id.get(matrix_id)
    }

    /// Number of matrices described.
    pub fn len(&self) -> usize {
        self.by_id.len()
    }

    /// Whether the table is empty.
    pub fn is_empty(&self) -> bool {
        self.by_id.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bundled_collection_and_metadata() {
        let set = bundled_motifs();
        let md = JasparMetadata::bundled();
        assert_eq!(set.motifs.len(), md.len());
        let f = md.get("MA0002.3").unwrap();
        assert_eq!(f.name, "Runx1");
        assert_eq!(f.class, "Runt domain factors");
        assert_eq!(f.family, "Runt-related factors");
        assert!(set.motifs.iter().all(|m| md.get(&m.id).is_some()));
    }
}
