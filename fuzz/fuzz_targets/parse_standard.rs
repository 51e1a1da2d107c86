//! JAM standard programs: parse, set up an instance with argument data, run briefly.
#![no_main]
#![forbid(unsafe_code)]

libfuzzer_sys::fuzz_target!(|data: &[u8]| pvm_fuzz::parse_standard(data));
