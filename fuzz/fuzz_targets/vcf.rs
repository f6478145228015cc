#![no_main]
libfuzzer_sys::fuzz_target!(|data: &[u8]| explainn_fuzz::vcf(data));
