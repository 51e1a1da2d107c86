//! The mutable machine state every back end works on: registers, gas, memory and the
//! instruction index. Engine-neutral: the interpreter runs on it, and so does any other back end.

use crate::memory::Memory;

/// Register slots: 13 registers padded to 16 so that an index masked with `& 15` needs no
/// bounds check (decoded indices are already clamped to 0..=12).
pub(crate) const REG_SLOTS: usize = 16;

/// The mutable machine state the loop works on.
pub(crate) struct Core {
    /// r0..r12 in slots 0..=12; slots 13..=15 stay zero and are never addressed.
    pub regs: [u64; REG_SLOTS],
    pub gas: u64,
    pub memory: Memory,
    /// Index of the instruction to execute next (or that caused the last exit).
    pub index: u32,
}
