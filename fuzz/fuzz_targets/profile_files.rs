//! Fuzz target: see `suqiu::fuzzing::profile_files`.
#![no_main]
libfuzzer_sys::fuzz_target!(|data: &[u8]| suqiu::fuzzing::profile_files(data));
