//! Naming unit motifs against a motif database with the native Tomtom.
//!
//! Defaults follow the original's annotation wrapper (`utils/tomtom.py`): Pearson column
//! similarity, minimum overlap 5, pseudocount 0.1, matches with q ≤ 0.05. The default
//! database is the bundled JASPAR 2024 CORE vertebrates collection, whose metadata gives
//! TF names, structural classes and families.

use crate::Result;
use explainn_motif::Motif;
use explainn_motif::jaspar::JasparMetadata;
use explainn_motif::tomtom::{Distance, TomtomHit, TomtomOptions, tomtom};

/// Tomtom options of the annotation: Pearson, min overlap 5, q ≤ 0.05.
pub fn default_options() -> TomtomOptions {
    TomtomOptions {
        distance: Distance::Pearson,
        min_overlap: 5,
        thresh: 0.05,
        ..TomtomOptions::default()
    }
}

/// The best database match of a unit.
#[derive(Debug, Clone, PartialEq)]
pub struct BestMatch {
    /// Target motif ID (e.g. `MA0035.5`).
    pub target_id: String,
    /// TF name: from the metadata, else the target's alternative name, else its ID.
    pub tf_name: String,
    /// Structural class ("" when unknown).
    pub class: String,
    /// Family ("" when unknown).
    pub family: String,
    /// Tomtom q-, E- and p-values.
    pub q_value: f64,
    pub e_value: f64,
    pub p_value: f64,
}

/// Annotation of one unit.
#[derive(Debug, Clone, PartialEq)]
pub struct UnitAnnotation {
    /// Unit index (0-based).
    pub unit: usize,
    /// Short label: `"GATA1-like"`, or `"unit 17"` without a match.
    pub label: String,
    /// Best match (lowest q-value, then p-value), if any passed the threshold.
    pub best: Option<BestMatch>,
    /// Number of sites behind the unit's PWM; 0 means the PWM is uniform (flagged).
    pub nsites: u64,
}

impl UnitAnnotation {
    /// Label with the unit number, unique across units: `"u17 GATA1-like"` or `"unit 17"`.
    pub fn display(&self) -> String {
        if self.best.is_some() {
            format!("u{} {}", self.unit, self.label)
        } else {
            self.label.clone()
        }
    }
}

/// Compare the unit motifs with `targets` and annotate every unit. Units without sites
/// (`nsites` = 0) are not compared. Returns all reported Tomtom hits (MEME order) and one
/// annotation per unit.
pub fn annotate(
    motifs: &[Motif],
    nsites: &[u64],
    targets: &[Motif],
    metadata: Option<&JasparMetadata>,
    opts: &TomtomOptions,
) -> Result<(Vec<TomtomHit>, Vec<UnitAnnotation>)> {
    let queries: Vec<Motif> = motifs
        .iter()
        .zip(nsites)
        .filter(|(_, n)| **n > 0)
        .map(|(m, _)| m.clone())
        .collect();
    let hits = if queries.is_empty() {
        Vec::new()
    } else {
        tomtom(&queries, targets, None, opts)?
    };
    let index: std::collections::HashMap<&str, usize> = motifs
        .iter()
        .enumerate()
        .map(|(i, m)| (m.id.as_str(), i))
        .collect();
    let mut best: Vec<Option<&TomtomHit>> = vec![None; motifs.len()];
    for h in &hits {
        let u = index[h.query_id.as_str()];
        let better = match best[u] {
            None => true,
            Some(b) => (h.q_value, h.p_value) < (b.q_value, b.p_value),
        };
        if better {
            best[u] = Some(h);
        }
    }
    let ann = (0..motifs.len())
        .map(|u| {
            let best = best[u].map(|h| {
                let t = &targets[h.target_index];
                let info = metadata.and_then(|m| m.get(&h.target_id));
                BestMatch {
                    target_id: h.target_id.clone(),
                    tf_name: info
                        .map(|i| i.name.clone())
                        .or_else(|| t.alt_name.clone())
                        .unwrap_or_else(|| t.id.clone()),
                    class: info.map(|i| i.class.clone()).unwrap_or_default(),
                    family: info.map(|i| i.family.clone()).unwrap_or_default(),
                    q_value: h.q_value as f64,
                    e_value: h.e_value as f64,
                    p_value: h.p_value as f64,
                }
            });
            UnitAnnotation {
                unit: u,
                label: match &best {
                    Some(b) => format!("{}-like", b.tf_name),
                    None => format!("unit {u}"),
                },
                best,
                nsites: nsites[u],
            }
        })
        .collect();
    Ok((hits, ann))
}
