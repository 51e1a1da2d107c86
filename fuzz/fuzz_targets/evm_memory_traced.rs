//! `evm-memory` op streams on an untraced and a traced memory: same results; the trace is
//! consistent and ends with the current frame's words.
#![no_main]
#![forbid(unsafe_code)]

libfuzzer_sys::fuzz_target!(|data: &[u8]| pvm_fuzz::evm::evm_memory_traced(data));
