//! Fuzz target: see `suqiu::fuzzing::jsonl_lines`.
#![no_main]
libfuzzer_sys::fuzz_target!(|data: &[u8]| suqiu::fuzzing::jsonl_lines(data));
