//! Raw program blobs: parse, load under GP 0.7 and 0.8, disassemble.
#![no_main]
#![forbid(unsafe_code)]

libfuzzer_sys::fuzz_target!(|data: &[u8]| pvm_fuzz::parse_blob(data));
