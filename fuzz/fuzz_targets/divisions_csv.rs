//! Fuzz target: see `suqiu::fuzzing::divisions_csv`.
#![no_main]
libfuzzer_sys::fuzz_target!(|data: &[u8]| suqiu::fuzzing::divisions_csv(data));
