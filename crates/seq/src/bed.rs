//! BED intervals and genome extraction.
