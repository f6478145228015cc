//! Motif-set pipelines: scoring motifs against labelled sequences ([`score`], `explainn
//! motifs score`) and clustering redundant motifs ([`cluster`], `explainn motifs cluster`),
//! with their output files' writers and readers.

pub mod cluster;
pub mod score;
