//! Differential: the input seeds a generated case or is itself the program (see
//! `pvm_difftest::fuzz::check`); the engine and PolkaVM 0.37 must agree on everything.
#![no_main]
#![forbid(unsafe_code)]

libfuzzer_sys::fuzz_target!(|data: &[u8]| pvm_difftest::fuzz::check(data));
