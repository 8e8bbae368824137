//! Fuzz target: see `suqiu::fuzzing::triage_bytes`.
#![no_main]
libfuzzer_sys::fuzz_target!(|data: &[u8]| suqiu::fuzzing::triage_bytes(data));
