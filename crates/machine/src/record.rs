//! One access to one cell.

/// An address space of a machine (registers, memory, stack, ...). A cell is identified by
/// its space and its address within the space.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Space(pub u8);

/// Whether a record reads or writes its cell.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[repr(u8)]
pub enum Op {
    /// The cell was read and held `value`.
    Read = 0,
    /// `value` was written to the cell.
    Write = 1,
}

impl Op {
    /// The op for its numeric code (0 = read, 1 = write).
    pub fn from_code(code: u8) -> Option<Op> {
        match code {
            0 => Some(Op::Read),
            1 => Some(Op::Write),
            _ => None,
        }
    }
}

/// One access: at `time`, cell (`space`, `address`) was read or written with `value`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Record {
    /// The global step counter when the access happened; strictly increasing in a trace.
    pub time: u64,
    /// The address space of the cell.
    pub space: Space,
    /// The cell's address within its space (for byte memories: the address of an aligned
    /// 8-byte word).
    pub address: u64,
    /// Read or write.
    pub op: Op,
    /// The value read or written (for byte memories: the word, little-endian).
    pub value: u64,
}

impl Record {
    /// The cell as one sortable key: the space above the 64-bit address.
    pub fn cell(&self) -> u128 {
        (u128::from(self.space.0) << 64) | u128::from(self.address)
    }
}
