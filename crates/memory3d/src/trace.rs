//! How the VM's state maps onto trace cells (`machine` records).
//!
//! Two spaces:
//!
//! * [`MEMORY_SPACE`]: memory as aligned 8-byte little-endian word cells
//!   ([`machine::cells`]). Byte `(X, Y, Z)` has byte address [`memory_address`] =
//!   `X << 32 | Y << 16 | Z` = `X << 32 | linear` (X < 256, linear = `Y · 65536 + Z` <
//!   2^32), so a word never straddles two regions. An access of `n` bytes runs through
//!   linear offsets `linear .. linear + n` — crossing into the next plane inside its
//!   allocation, never wrapping Z — and that is what is traced.
//! * [`REGISTER_SPACE`]: register `i` (0–15) holds a byte string. Cell
//!   [`register_address`]`(i, 0)` holds its length in bytes, cell `register_address(i, 1 +
//!   k)` its bytes `8k .. 8k + 8` as a big-endian `u64`, zero-padded past the end (so cell
//!   1 is exactly the value ADD and SUB read from a register of at least 8 bytes). Setting
//!   a register writes its length and every chunk of the new value; reading `n` bytes reads
//!   the length and the chunks holding them. Chunks past a shorter new value keep stale
//!   values but are never read before being written again.
//!
//! Not traced: the program bytes, the gas meter, the allocator's bookkeeping and the
//! Merkle tree (a function of memory). Initial register values given with
//! [`crate::Vm3D::set_register`] are traced as writes.

use machine::format::SpaceInfo;
use machine::Space;

/// The registers' space.
pub const REGISTER_SPACE: Space = Space(0);
/// The memory's space.
pub const MEMORY_SPACE: Space = Space(1);

/// The byte address of linear offset `linear` of region `x`: `x << 32 | linear`.
#[inline(always)]
pub const fn memory_address(x: u64, linear: u64) -> u64 {
    (x << 32) | linear
}

/// The cell of register `index`: `chunk` 0 is the length, `chunk` 1 + k the k-th 8 bytes.
#[inline(always)]
pub const fn register_address(index: usize, chunk: u64) -> u64 {
    ((index as u64) << 32) | chunk
}

/// The space table of a trace file written by this VM.
pub fn spaces() -> Vec<SpaceInfo> {
    vec![
        SpaceInfo {
            space: REGISTER_SPACE,
            name: "memory3d-registers".into(),
        },
        SpaceInfo {
            space: MEMORY_SPACE,
            name: "memory3d-memory".into(),
        },
    ]
}

/// The register chunk `k` of `bytes` (big-endian, zero-padded).
#[inline]
pub(crate) fn register_chunk(bytes: &[u8], k: usize) -> u64 {
    let mut b = [0u8; 8];
    let from = (8 * k).min(bytes.len());
    let to = (8 * k + 8).min(bytes.len());
    b[..to - from].copy_from_slice(&bytes[from..to]);
    u64::from_be_bytes(b)
}
