//! Abstract machines, execution traces and memory consistency.
//!
//! A machine (the PVM interpreter, the EVM memory, the Memory3D VM) is generic over a
//! [`Tracer`]. Every access it makes to a *cell* — a register, an aligned 8-byte word of
//! memory, a stack slot — is reported to the tracer as a [`Record`]: `time, space, address,
//! op, value`. With [`NoTrace`] every report compiles to nothing; with [`VecTracer`] the
//! records are collected, stamped by one global step counter.
//!
//! A trace is *memory-consistent* when its times strictly increase and, per cell, every read
//! returns the value of the last write to that cell (or zero before any write). Machines
//! write their initial image (program data, argument registers) as writes at the start of
//! the trace, so zero is the only initial value the statement needs.
//!
//! Modules: [`record`] (the record type), [`tracer`] (tracers), [`cells`] (byte accesses as
//! word-cell records), [`traits`] (the machine, memory, register and stack traits),
//! [`check`](mod@check) (the exact consistency checker), [`replay`](mod@replay) (its linear oracle), [`format`](mod@format) (the binary trace file format),
//! `testing` (the workspace's RNG, random traces and tamperings for tests; only with the
//! `testing` feature, or in this crate's own tests).

#![forbid(unsafe_code)]

pub mod cells;
pub mod check;
pub mod format;
pub mod record;
pub mod replay;
#[cfg(any(test, feature = "testing"))]
pub mod testing;
pub mod tracer;
pub mod traits;

pub use check::{check, Violation, ViolationKind};
pub use format::{read_trace, write_trace, FormatError, SpaceInfo, Trace};
pub use record::{Op, Record, Space};
pub use replay::replay;
pub use tracer::{NoTrace, Tracer, VecTracer};
pub use traits::{
    Machine, Memory, RegisterFile, Registers, Stack, StackView, Step, Traced, ViewError,
};
