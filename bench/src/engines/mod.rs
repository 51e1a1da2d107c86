//! The engines under comparison, behind one interface: a program loaded once, its export
//! called any number of times on the same instance.

pub mod native;
pub mod ours;
pub mod polkavm;

use crate::error::BenchError;

/// Gas given to every VM call: far more than any case uses.
pub const INITIAL_GAS: u64 = 10_000_000_000;

/// What one call returned.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Outcome {
    /// a0 on return.
    pub result: u64,
    /// Gas used by the call; `None` natively.
    pub gas_used: Option<u64>,
}

/// A program loaded on one engine, ready to have its export called.
///
/// Calls reuse one instance, as a native process reuses its memory: guest memory is not
/// reset between calls (every guest re-initialises the data it reads), so the timed calls
/// after the warm-up do not pay for first-touch page faults on any engine.
pub trait Runner {
    /// Calls the export with `arg` in a0 and runs it to its return, servicing host calls.
    fn call(&mut self, arg: u64) -> Result<Outcome, BenchError>;
}

/// The host side of the `host_add` import (`ecalli 0`): `a0 + a1`, wrapping.
pub fn host_add(a: u64, b: u64) -> u64 {
    a.wrapping_add(b)
}
