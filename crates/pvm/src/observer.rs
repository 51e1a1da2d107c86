//! Observing execution instruction by instruction (used by `pvm trace` through
//! [`crate::instruction_trace::TraceWriter`]). Only the interpreter supports observers.

/// Called before every instruction the interpreter executes. The default no-op observer
/// compiles away.
pub trait Observer {
    /// Whether the interpreter should call [`Observer::before_instruction`].
    const ENABLED: bool;
    /// `pc` is about to execute with these registers and this much gas left.
    fn before_instruction(&mut self, pc: u32, regs: &[u64; 13], gas: u64);
}

/// The observer that observes nothing.
pub struct NoObserver;

impl Observer for NoObserver {
    const ENABLED: bool = false;
    #[inline(always)]
    fn before_instruction(&mut self, _: u32, _: &[u64; 13], _: u64) {}
}
