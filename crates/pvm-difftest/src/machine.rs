//! The common face of the two engines: load a blob, apply host actions, run, and observe
//! everything a host can see.

use std::fmt;

/// Why a run stopped.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Status {
    /// A dynamic jump to the halt address.
    Halt,
    /// A trap or any other panic.
    Panic,
    /// Not enough gas for the next block.
    OutOfGas,
    /// An access to an inaccessible page (the page's address).
    PageFault(u32),
    /// `ecalli` with this id.
    HostCall(u32),
}

impl Status {
    /// Whether the host may resume after this status.
    pub fn is_resumable(self) -> bool {
        matches!(self, Status::PageFault(_) | Status::HostCall(_))
    }

    /// The status name used by the JSON vectors.
    pub fn vector_name(self) -> &'static str {
        match self {
            Status::Halt => "halt",
            Status::Panic => "panic",
            Status::OutOfGas => "out-of-gas",
            Status::PageFault(_) => "page-fault",
            Status::HostCall(_) => "ecalli",
        }
    }
}

impl fmt::Display for Status {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Status::PageFault(address) => write!(f, "page-fault@{address:#x}"),
            Status::HostCall(id) => write!(f, "ecalli({id})"),
            other => f.write_str(other.vector_name()),
        }
    }
}

/// The machine state after a run.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct State {
    /// Why the run stopped.
    pub status: Status,
    /// The pc of the instruction that caused the exit (`None` if the engine cannot say).
    pub pc: Option<u32>,
    /// Gas left.
    pub gas: i64,
    /// All thirteen registers.
    pub regs: [u64; 13],
}

/// A mapped page as the host sees it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PageView {
    /// Whether the guest may write it.
    pub writable: bool,
    /// Its 4096 bytes.
    pub contents: Vec<u8>,
}

/// Errors of the harness itself (not disagreements between the engines).
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum MachineError {
    /// The engine refused a host action (map/write), which the generator should never ask.
    #[error("{engine}: host action refused: {message}")]
    HostAction {
        /// Which engine.
        engine: &'static str,
        /// What it said.
        message: String,
    },
    /// The engine failed in a way that is not a guest exit.
    #[error("{engine}: {message}")]
    Internal {
        /// Which engine.
        engine: &'static str,
        /// What it said.
        message: String,
    },
}

/// One engine, loaded with a program.
pub trait Machine {
    /// Maps `[address, address + length)` zero-filled.
    fn map(&mut self, address: u32, length: u32, writable: bool) -> Result<(), MachineError>;
    /// Writes into mapped memory, ignoring read-only protection.
    fn write(&mut self, address: u32, bytes: &[u8]) -> Result<(), MachineError>;
    /// Sets a register.
    fn set_reg(&mut self, reg: usize, value: u64);
    /// Runs (or resumes) until the next exit.
    fn run(&mut self) -> Result<State, MachineError>;
    /// The page at `address` (page-aligned), if mapped.
    fn page(&mut self, address: u32) -> Option<PageView>;
}
