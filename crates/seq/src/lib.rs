//! explainn-seq
