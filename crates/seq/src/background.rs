//! GC-content-matched background sampling.
