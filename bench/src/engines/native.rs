//! The same C sources compiled natively (x86-64, `-O2`) by `build.rs` and linked into
//! this binary.

use super::{host_add, Outcome, Runner};
use crate::error::BenchError;

include!(concat!(env!("OUT_DIR"), "/native_exports.rs"));

/// The `host_add` import of the `hostcall` program, natively (the C code's `host_add` is
/// renamed to this symbol by `build.rs`).
#[no_mangle]
pub extern "C" fn pvm_bench_host_add(a: u64, b: u64) -> u64 {
    host_add(a, b)
}

/// A native export.
pub struct NativeRunner {
    function: unsafe extern "C" fn(u64) -> u64,
}

impl NativeRunner {
    /// The native build of `program`'s `export`.
    pub fn load(program: &str, export: &str) -> Result<NativeRunner, BenchError> {
        NATIVE_EXPORTS
            .iter()
            .find(|(p, e, _)| *p == program && *e == export)
            .map(|&(_, _, function)| NativeRunner { function })
            .ok_or_else(|| BenchError::NoNativeBuild {
                program: program.to_string(),
                export: export.to_string(),
            })
    }
}

impl Runner for NativeRunner {
    fn call(&mut self, arg: u64) -> Result<Outcome, BenchError> {
        // SAFETY: every guest export is a C function `uint64_t f(uint64_t)` (the signature
        // `build.rs` declares, generated from the same programs.txt the sources follow); it
        // clamps its size argument to its static buffers and touches no memory of ours.
        // The buffers are process-global and the functions not reentrant: the harness
        // calls them from its main thread only, one at a time.
        let result = unsafe { (self.function)(arg) };
        Ok(Outcome {
            result,
            gas_used: None,
        })
    }
}
