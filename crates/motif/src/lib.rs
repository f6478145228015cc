//! explainn-motif: DNA motifs for ExplaiNN without the MEME suite.
//!
//! - [`Motif`]: a W x 4 count or probability matrix with reverse complement, consensus,
//!   information content, trimming and resizing.
//! - [`io`]: MEME, JASPAR and HOCOMOCO readers and writers.
//! - [`tomtom()`](tomtom::tomtom): motif comparison reproducing MEME 5 Tomtom's numbers.
//! - [`fimo`]: FIMO-style scanning with exact p-values.
//! - [`score`]: whole-sequence motif scores (best hit or log-sum over both strands).
//! - [`cluster`]: grouping redundant motifs by an all-vs-all Tomtom, with aligned averages.
//! - [`trim`], [`filter`]: trimming low-information flanks, dropping short or weak motifs.
//! - [`logo`]: information-content sequence logos as SVG or PNG.
//! - [`jaspar`]: the bundled JASPAR 2024 CORE vertebrates collection and its metadata.

pub mod background;
pub mod cluster;
mod counts;
pub mod error;
pub mod filter;
pub mod fimo;
pub mod io;
pub mod jaspar;
pub mod logo;
pub mod motif;
mod numeric;
pub mod score;
pub mod tomtom;
pub mod trim;

pub use background::Background;
pub use error::{MotifError, Warning};
pub use motif::{MatrixKind, Motif};
