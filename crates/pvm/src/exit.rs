//! How a run ends: the exits every back end reports, and the halt address.

/// The dynamic jump address that halts the machine (2^32 − 2^16).
pub const HALT_ADDRESS: u32 = 0xFFFF_0000;

/// Why [`Instance::run`](crate::Instance::run) returned.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Exit {
    /// A dynamic jump to the halt address 0xFFFF0000.
    Halt,
    /// A trap, an invalid jump, an access to the low 64 KiB, or an invalid pc.
    Panic,
    /// The next basic block costs more gas than is left; gas is unchanged.
    OutOfGas,
    /// An access to an inaccessible page; `run` again re-executes the instruction.
    PageFault {
        /// Address of the lowest faulting page.
        address: u32,
    },
    /// `ecalli`: the host handles the call, then `run` resumes after the instruction.
    HostCall {
        /// The call's immediate (low 32 bits).
        id: u32,
    },
}

impl Exit {
    /// Whether execution can continue with another [`Instance::run`](crate::Instance::run).
    pub fn is_resumable(self) -> bool {
        !matches!(self, Exit::Halt | Exit::Panic)
    }
}
