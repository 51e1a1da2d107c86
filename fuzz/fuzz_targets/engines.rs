//! Our two engines against each other: the input seeds a generated case or is itself the
//! program (see `pvm_difftest::fuzz::check_engines`); the interpreter and the recompiler
//! must agree on every exit, pc, gas, register and mapped page.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| pvm_difftest::fuzz::check_engines(data));
