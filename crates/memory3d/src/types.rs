//! Region types and allocation flags.

use crate::error::VmError;

/// What a region is used for. Each X region holds allocations of one type.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum RegionType {
    /// General purpose heap.
    Heap = 0,
    /// Stack memory.
    Stack = 1,
    /// Static data.
    Static = 2,
    /// Shared memory.
    Shared = 3,
}

impl TryFrom<u8> for RegionType {
    type Error = VmError;
    fn try_from(v: u8) -> Result<Self, VmError> {
        Ok(match v {
            0 => Self::Heap,
            1 => Self::Stack,
            2 => Self::Static,
            3 => Self::Shared,
            _ => return Err(VmError::AllocationFailed),
        })
    }
}

/// Allocation modifier flags (a bit set).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct AllocFlags(pub u8);

impl AllocFlags {
    /// No writes (stores, copies into it).
    pub const READ_ONLY: Self = Self(1);
    /// Executable memory; W^X: never written by stores or copies.
    pub const EXECUTABLE: Self = Self(2);
    /// Cannot be freed and is never moved by compaction.
    pub const PROTECTED: Self = Self(4);
    /// Released (and zeroed) automatically when the `execute` call that made it returns.
    pub const TEMPORARY: Self = Self(8);
    /// Every defined bit.
    pub const ALL: Self = Self(15);

    /// True when every bit of `other` is set.
    pub fn contains(self, other: Self) -> bool {
        self.0 & other.0 == other.0
    }
    /// True when stores and copies may write the allocation.
    pub fn writable(self) -> bool {
        !self.contains(Self::READ_ONLY) && !self.contains(Self::EXECUTABLE)
    }
}

impl TryFrom<u8> for AllocFlags {
    type Error = VmError;
    fn try_from(v: u8) -> Result<Self, VmError> {
        if v & !Self::ALL.0 != 0 {
            return Err(VmError::AllocationFailed);
        }
        Ok(Self(v))
    }
}
