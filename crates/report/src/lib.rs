//! explainn-report
