//! explainn-motif
