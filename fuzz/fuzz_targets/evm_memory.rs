//! `evm-memory`: random op streams on `evm_memory::Memory`. Never panics; after every op
//! the size is a multiple of 32, the gas charged in the frame equals `C(words)`, a failed
//! op changed nothing, and a return leaves the parent's size and bytes as they were
//! (`pvm_fuzz::evm`).
#![no_main]
#![forbid(unsafe_code)]

libfuzzer_sys::fuzz_target!(|data: &[u8]| pvm_fuzz::evm::evm_memory(data));
