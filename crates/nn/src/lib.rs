//! explainn-nn
