//! Program file formats: the raw PVM blob (GP A.2), the JAM standard program (GP A.7) and
//! PolkaVM's `.polkavm` container ([`polkavm`]), all read through one bounds-checked reader
//! (`codec`).

pub(crate) mod codec;
pub mod polkavm;
mod raw;
mod standard;

pub use codec::encode_varint;
pub use raw::RawBlob;
pub use standard::{
    encode_standard, StandardProgram, ARGS_ADDRESS, MAX_ARGS_LEN, STACK_TOP, ZONE_SIZE,
};

/// Why a program file could not be read.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum FormatError {
    /// The input ended while reading a field.
    #[error("truncated input: ran out of bytes reading {what} at offset {offset}")]
    Truncated {
        /// The field being read.
        what: &'static str,
        /// Byte offset where the field starts.
        offset: usize,
    },
    /// Bytes were left over after the last field.
    #[error("{count} trailing bytes after the end of the {what}")]
    TrailingBytes {
        /// The structure that should have ended.
        what: &'static str,
        /// How many bytes were left.
        count: usize,
    },
    /// A declared size is larger than the format allows.
    #[error("{what} is too large: {size} (limit {limit})")]
    TooLarge {
        /// The field.
        what: &'static str,
        /// The declared size.
        size: u64,
        /// The largest allowed value.
        limit: u64,
    },
    /// A field is not in the one encoding the Gray Paper's codec gives it (an over-long
    /// natural number, non-zero bitmask padding), so it decodes to nothing.
    #[error("non-canonical encoding of the {what} at offset {offset}")]
    NonCanonical {
        /// The field.
        what: &'static str,
        /// Byte offset where the field starts.
        offset: usize,
    },
    /// The program's memory regions do not fit the 32-bit address space.
    #[error("memory layout does not fit in 4 GiB: {0}")]
    MemoryLayout(String),
}
