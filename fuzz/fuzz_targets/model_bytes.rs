//! Fuzz target: see `suqiu::fuzzing::model_bytes`.
#![no_main]
libfuzzer_sys::fuzz_target!(|data: &[u8]| suqiu::fuzzing::model_bytes(data));
