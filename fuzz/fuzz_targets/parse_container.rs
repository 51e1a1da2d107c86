//! `.polkavm` containers: parse, compute the memory layout, load and run briefly.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| pvm_fuzz::parse_container(data));
