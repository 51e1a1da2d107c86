//! Errors of memory operations.

/// Why a memory operation failed. A failed operation changes nothing: not the size, not
/// the bytes and not the gas.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum MemoryError {
    /// The expansion costs more gas than is left.
    #[error("out of gas for memory expansion")]
    OutOfGas,
    /// The shared buffer would grow past the memory limit (checkpoint + new size > limit).
    #[error("memory limit exceeded")]
    LimitExceeded,
    /// `offset + length` does not fit in a `usize` (or an operand does not).
    #[error("memory offset or length overflows")]
    Overflow,
    /// A [`machine::Memory`] access (which never expands) reaches past the current frame.
    #[error("access of {len} bytes at {offset} is outside the frame of {size} bytes")]
    OutOfBounds {
        /// The frame offset asked for.
        offset: u64,
        /// The access length.
        len: usize,
        /// The frame's size.
        size: usize,
    },
    /// The address space for the shared buffer could not be reserved.
    #[error("could not reserve {0} bytes of address space")]
    Reserve(usize),
}
