//! `memory-proof` files and edits of a real proof: `Proof::from_bytes` and `verify` never
//! panic; only the unedited proof verifies.
#![no_main]
#![forbid(unsafe_code)]

libfuzzer_sys::fuzz_target!(|data: &[u8]| pvm_fuzz::proof::parse_proof(data));
