//! `.mtrace` files: `machine::format::read_trace` never panics; a decoded trace survives a
//! write/read round trip and `check` agrees with `replay` on it.
#![no_main]
#![forbid(unsafe_code)]

libfuzzer_sys::fuzz_target!(|data: &[u8]| pvm_fuzz::traced::parse_trace(data));
