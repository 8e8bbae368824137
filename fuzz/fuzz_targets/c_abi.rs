//! Fuzz target: the C entry points, called as C would (see `ffi/src/fuzzing.rs`). The C library
//! is a cdylib/staticlib, so its source is compiled here as a module.
#![no_main]
#[allow(dead_code, non_camel_case_types, clippy::missing_safety_doc)]
#[path = "../../ffi/src/lib.rs"]
mod suqiu_c;
libfuzzer_sys::fuzz_target!(|data: &[u8]| suqiu_c::fuzzing::c_abi(data));
