//! Motif-initialised ExplaiNN units (the paper's "plug-and-play" transfer from JASPAR).
//!
//! Unit `i` of a fresh, seeded model gets its convolution filter (`linears.0.weight[i]`,
//! shape `(4, filter_size)`, rows A,C,G,T) from motif `i`: the motif is resized to the
//! filter width by [`Motif::resized`] (the original ExplaiNN's rule: pad uniform columns
//! on both sides, then drop the weaker end column until the width fits) and converted
//! with the [`InitScale`] (`P − 0.25` by default, as the original). Units beyond the
//! motifs keep their random filters; every bias, BatchNorm and later layer stays as the
//! seed drew it.
//!
//! ```
//! use explainn_run::init::{InitScale, MotifInit, MotifSource};
//! let init = MotifInit::read(&MotifSource::Jaspar, &["MA0035.5".into()], true, InitScale::Probability)
//!     .unwrap();
//! assert_eq!(init.units(), 2); // GATA1 and its reverse complement
//! let w = init.filter(1, 19).unwrap();
//! assert_eq!(w.len(), 4 * 19);
//! ```

use crate::{Result, RunError, file_error};
use explainn_motif::{Background, Motif};
use explainn_nn::{ExplaiNNConfig, TensorMap, UnitOrigin};
use std::path::PathBuf;

/// Where the initial motifs come from.
#[derive(Debug, Clone, PartialEq)]
pub enum MotifSource {
    /// The bundled JASPAR 2024 CORE vertebrates non-redundant set (879 motifs).
    Jaspar,
    /// A motif file (MEME, JASPAR, HOCOMOCO, TRANSFAC…, detected by content).
    File(PathBuf),
}

impl MotifSource {
    /// `jaspar` is the bundled set; anything else a file path.
    pub fn parse(arg: &str) -> Self {
        if arg.eq_ignore_ascii_case("jaspar") {
            Self::Jaspar
        } else {
            Self::File(arg.into())
        }
    }
}

/// How a motif's probabilities become filter weights.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum InitScale {
    /// `P − 0.25`, in [−0.25, 0.75] (the original ExplaiNN's notebooks).
    #[default]
    Probability,
    /// `log2(max(P, 0.001) / 0.25)`, in [−7.97, 2]: a position weight matrix.
    LogOdds,
}

impl std::str::FromStr for InitScale {
    type Err = String;
    fn from_str(s: &str) -> std::result::Result<Self, String> {
        match s {
            "probability" => Ok(Self::Probability),
            "log-odds" => Ok(Self::LogOdds),
            _ => Err(format!(
                "unknown initialisation scale `{s}` (expected probability or log-odds)"
            )),
        }
    }
}

/// Information a resized filter may lose before initialisation is refused, in bits.
const MAX_LOST_BITS: f64 = 1.0;

/// The motifs that initialise the first units, in unit order.
#[derive(Debug, Clone)]
pub struct MotifInit {
    motifs: Vec<(Motif, UnitOrigin)>,
    scale: InitScale,
}

impl MotifInit {
    /// Read the motifs of `source`; with `ids`, only those (in the order given; an
    /// unknown ID is an error), else all in file order. `both_strands` adds each motif's
    /// reverse complement as the next unit. A source without motifs is an error.
    pub fn read(
        source: &MotifSource,
        ids: &[String],
        both_strands: bool,
        scale: InitScale,
    ) -> Result<Self> {
        let (set, name) = match source {
            MotifSource::Jaspar => (
                explainn_motif::jaspar::bundled_motifs().motifs,
                "the bundled JASPAR set".to_string(),
            ),
            MotifSource::File(p) => (
                explainn_motif::io::read_motifs_file(p)
                    .map_err(|e| file_error(p, format!("cannot read the motifs: {e}")))?
                    .motifs,
                p.display().to_string(),
            ),
        };
        let chosen: Vec<Motif> = if ids.is_empty() {
            set
        } else {
            let mut out = Vec::new();
            for id in ids {
                let found = set
                    .iter()
                    .find(|m| &m.id == id)
                    .or_else(|| set.iter().find(|m| m.alt_name.as_deref() == Some(id)));
                match found {
                    Some(m) => out.push(m.clone()),
                    None => {
                        return Err(RunError::Data(format!(
                            "motif `{id}` is not in {name} (give an ID such as MA0035.5 or a \
                             name as the file spells it)"
                        )));
                    }
                }
            }
            out
        };
        if chosen.is_empty() {
            return Err(RunError::Data(format!(
                "{name} holds no motifs to initialise units from"
            )));
        }
        let mut motifs = Vec::new();
        for m in chosen {
            let origin = UnitOrigin {
                motif: Some(m.id.clone()),
                motif_name: m.alt_name.clone(),
                ..UnitOrigin::default()
            };
            if both_strands {
                let rc = UnitOrigin {
                    reverse_complement: true,
                    ..origin.clone()
                };
                let r = m.reverse_complement();
                motifs.push((m, origin));
                motifs.push((r, rc));
            } else {
                motifs.push((m, origin));
            }
        }
        Ok(Self { motifs, scale })
    }

    /// Number of units initialised (motifs, twice that with both strands).
    pub fn units(&self) -> usize {
        self.motifs.len()
    }

    /// The origin of each initialised unit, in unit order.
    pub fn origins(&self) -> impl Iterator<Item = &UnitOrigin> {
        self.motifs.iter().map(|(_, o)| o)
    }

    /// The filter of initialised unit `unit` at `width` positions, in the model's
    /// `(4, width)` layout (row b holds letter b of A,C,G,T). Errors when resizing drops
    /// more than 1 bit of the motif's information (a filter too narrow for it).
    pub fn filter(&self, unit: usize, width: usize) -> Result<Vec<f32>> {
        let (motif, origin) = &self.motifs[unit];
        let resized = motif.resized(width);
        let bg = Background::uniform();
        let lost: f64 = motif.information_content(&bg).iter().sum::<f64>()
            - resized.information_content(&bg).iter().sum::<f64>();
        if lost > MAX_LOST_BITS {
            return Err(RunError::Data(format!(
                "motif {} (width {}) does not fit a filter of width {width}: resizing drops \
                 {lost:.1} bits of its information; use wider filters (--filter-size, \
                 --scanner-width) or leave the motif out of --init-ids",
                origin.motif_label().unwrap_or_default(),
                motif.width()
            )));
        }
        let mut w = vec![0f32; 4 * width];
        for (k, row) in resized.rows.iter().enumerate() {
            for (b, &p) in row.iter().enumerate() {
                w[b * width + k] = match self.scale {
                    InitScale::Probability => p - 0.25,
                    InitScale::LogOdds => (p.max(0.001) / 0.25).log2(),
                } as f32;
            }
        }
        Ok(w)
    }

    /// Write the filters into `tensors` (a fresh model of `config`) and return the origin
    /// of every unit (random ones get an empty origin). Errors when `config` has fewer
    /// units than motifs.
    pub fn apply(
        &self,
        tensors: &mut TensorMap,
        config: &ExplaiNNConfig,
    ) -> Result<Vec<UnitOrigin>> {
        let (u, f) = (config.units, config.filter_size);
        if u < self.units() {
            return Err(RunError::Data(format!(
                "--units {u} is below the {} units the motifs initialise; leave --units out for \
                 one unit per motif, or give at least {}",
                self.units(),
                self.units()
            )));
        }
        self.write_filters(tensors, "linears.0.weight", u, f)?;
        let mut origins: Vec<UnitOrigin> = self.origins().cloned().collect();
        origins.resize(u, UnitOrigin::default());
        Ok(origins)
    }

    /// Write the filters into the scanner of a fresh ARGMINN of `config`: its first filters
    /// become the motifs. Errors when the scanner has fewer filters than motifs.
    pub fn apply_argminn(
        &self,
        tensors: &mut TensorMap,
        config: &explainn_nn::ArgminnConfig,
    ) -> Result<()> {
        if config.filters < self.units() {
            return Err(RunError::Data(format!(
                "--scanner-filters {} is below the {} motifs (reverse complements included) that \
                 initialise the scanner; give --scanner-filters {} or more",
                config.filters,
                self.units(),
                self.units()
            )));
        }
        self.write_filters(tensors, "scanner.weight", config.filters, config.width)
    }

    /// Copy the filters, resized to `f` positions, into the first rows of the `(u, 4, f)`
    /// tensor `name`.
    fn write_filters(&self, tensors: &mut TensorMap, name: &str, u: usize, f: usize) -> Result<()> {
        let filters = (0..self.units())
            .map(|i| self.filter(i, f))
            .collect::<Result<Vec<_>>>()?;
        let (shape, weight) = tensors
            .get_mut(name)
            .expect("the model has the filter tensor");
        debug_assert_eq!(shape, &vec![u, 4, f]);
        for (i, w) in filters.iter().enumerate() {
            weight[i * 4 * f..(i + 1) * 4 * f].copy_from_slice(w);
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use explainn_motif::MatrixKind;

    fn init(rows: Vec<[f64; 4]>, scale: InitScale) -> MotifInit {
        let m = Motif::new("m1", rows, MatrixKind::Probabilities);
        MotifInit {
            motifs: vec![(m, UnitOrigin::default())],
            scale,
        }
    }

    #[test]
    fn filter_layout_is_letters_by_positions() {
        let w = init(
            vec![[1.0, 0.0, 0.0, 0.0], [0.0, 0.0, 0.5, 0.5]],
            InitScale::Probability,
        )
        .filter(0, 3)
        .unwrap();
        // resized to [A, G/T, uniform]; row b, column k
        assert_eq!(
            w,
            vec![
                0.75, -0.25, 0.0, -0.25, -0.25, 0.0, -0.25, 0.25, 0.0, -0.25, 0.25, 0.0
            ]
        );
        let l = init(vec![[1.0, 0.0, 0.0, 0.0]], InitScale::LogOdds)
            .filter(0, 1)
            .unwrap();
        assert_eq!(l[0], 2.0);
        assert!((l[1] - (0.004f64).log2() as f32).abs() < 1e-6);
    }

    #[test]
    fn a_motif_that_does_not_fit_is_an_error() {
        let strong = vec![[1.0, 0.0, 0.0, 0.0]; 6];
        let e = init(strong.clone(), InitScale::Probability)
            .filter(0, 4)
            .unwrap_err();
        assert!(
            e.to_string().contains("does not fit a filter of width 4"),
            "{e}"
        );
        assert!(init(strong, InitScale::Probability).filter(0, 6).is_ok());
    }

    #[test]
    fn unknown_ids_and_too_few_units_are_errors() {
        let e = MotifInit::read(
            &MotifSource::Jaspar,
            &["MA9999.9".into()],
            false,
            InitScale::Probability,
        )
        .unwrap_err();
        assert!(e.to_string().contains("MA9999.9"), "{e}");
        let i = MotifInit::read(
            &MotifSource::Jaspar,
            &["GATA1".into()],
            true,
            InitScale::Probability,
        )
        .unwrap();
        let config = ExplaiNNConfig {
            filter_size: 19,
            ..ExplaiNNConfig::new(1, 50, 1)
        };
        let mut t = TensorMap::new();
        let e = i.apply(&mut t, &config).unwrap_err();
        assert!(
            e.to_string().contains("--units 1 is below the 2 units"),
            "{e}"
        );
    }
}
