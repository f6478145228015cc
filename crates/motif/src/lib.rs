//! explainn-motif: DNA motifs for ExplaiNN without the MEME suite.
//!
//! - [`Motif`]: a W x 4 count or probability matrix with reverse complement, consensus,
//!   information content, trimming and resizing.
//! - [`io`]: MEME, JASPAR and HOCOMOCO readers and writers.
//! - [`tomtom()`](tomtom::tomtom): motif comparison reproducing MEME 5 Tomtom's numbers.
//! - [`fimo`]: FIMO-style scanning with exact p-values, and best-hit scores.
//! - [`logo`]: information-content sequence logos as SVG or PNG.
//! - [`jaspar`]: the bundled JASPAR 2024 CORE vertebrates collection and its metadata.

pub mod background;
mod counts;
pub mod error;
pub mod fimo;
pub mod io;
pub mod jaspar;
pub mod logo;
pub mod motif;
mod numeric;
pub mod tomtom;

pub use background::Background;
pub use error::{MotifError, Warning};
pub use motif::{MatrixKind, Motif};
