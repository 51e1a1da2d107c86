//! The `execute` programs on a traced instance: same exits, registers, gas and memory as
//! untraced; the trace is consistent and ends in the instance's final state.
#![no_main]
#![forbid(unsafe_code)]

libfuzzer_sys::fuzz_target!(|data: &[u8]| pvm_fuzz::traced::execute_traced(data));
