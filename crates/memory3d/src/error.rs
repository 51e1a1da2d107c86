//! Error types. Messages are the strings of the Memory3D API document.

use thiserror::Error;

/// Every way a Memory3D operation can fail.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum VmError {
    /// The program counter ran past the program (reported by the single-step decoder).
    #[error("no more instructions")]
    NoMoreInstructions,
    /// The program ends in the middle of an instruction.
    #[error("incomplete instruction")]
    IncompleteInstruction,
    /// The opcode byte is not in the instruction table.
    #[error("unsupported opcode")]
    UnsupportedOpcode,
    /// The gas budget does not cover the next charge; nothing was changed.
    #[error("gas exhausted")]
    GasExhausted,
    /// `max_instructions` instructions have already run.
    #[error("instruction limit exceeded")]
    InstructionLimitExceeded,
    /// No allocation contains the address (or it is not the start of one, for free).
    #[error("address not allocated")]
    AddressNotAllocated,
    /// The allocation would exceed `memory_size` or the regions' capacity.
    #[error("insufficient memory")]
    InsufficientMemory,
    /// The allocation request itself is invalid (zero size, bad region type, overlap).
    #[error("allocation failed")]
    AllocationFailed,
    /// A proof operation was requested while `enable_proof` is off.
    #[error("merkle tree not enabled")]
    MerkleNotEnabled,
    /// The address or the range it starts is outside the addressable space or its allocation.
    #[error("invalid address")]
    InvalidAddress,
    /// The allocation's flags forbid the operation.
    #[error("access denied")]
    AccessDenied,
    /// A register operand is not R0–R15.
    #[error("invalid register")]
    InvalidRegister,
    /// MSTORE3D asked for more bytes than the source register holds.
    #[error("register data too small")]
    RegisterTooSmall,
    /// The configuration is unusable (e.g. zero memory size).
    #[error("invalid configuration")]
    InvalidConfig,
}

/// An error raised by [`crate::Vm3D::execute`], with the program counter of the
/// instruction that failed.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[error("{error} at pc {pc}")]
pub struct ExecError {
    /// Byte offset of the failing instruction.
    pub pc: usize,
    /// What went wrong.
    pub error: VmError,
}
