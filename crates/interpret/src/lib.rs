//! explainn-interpret
