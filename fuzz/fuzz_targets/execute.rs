//! Execution: the input as a program under GP 0.7 and 0.8 with gas, exit and
//! determinism invariants.
#![no_main]
#![forbid(unsafe_code)]

libfuzzer_sys::fuzz_target!(|data: &[u8]| pvm_fuzz::execute(data));
