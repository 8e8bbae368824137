//! Fuzz target: the C entry points, called as C would (see `suqiu_ffi`'s `fuzzing::c_abi`).
#![no_main]
libfuzzer_sys::fuzz_target!(|data: &[u8]| suqiu_c::fuzzing::c_abi(data));
