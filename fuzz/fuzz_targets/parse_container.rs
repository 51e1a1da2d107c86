//! `.polkavm` containers: parse, compute the memory layout, load and run briefly.
#![no_main]
#![forbid(unsafe_code)]

libfuzzer_sys::fuzz_target!(|data: &[u8]| pvm_fuzz::parse_container(data));
