//! The shared buffer and the stack of call frames that live in it.

use crate::{gas::memory_gas, operand::to_usize, region::Region, MemoryError};

/// Default memory limit in bytes, as revm's `memory_limit` default: `2^32 - 1`.
pub const DEFAULT_LIMIT: u64 = u32::MAX as u64;

/// Largest reservation made for a limit above it (1 TiB of address space, none of it
/// committed). With a larger limit, growth past this many bytes of the shared buffer fails
/// with [`MemoryError::LimitExceeded`] after the gas check, which no real gas limit passes.
pub const MAX_RESERVATION: u64 = 1 << 40;

/// What a parent frame keeps while a child runs.
#[derive(Clone, Copy)]
struct Saved {
    checkpoint: usize,
    len: usize,
    cost: u64,
}

/// EVM memory of a call stack: one buffer shared by all frames, each frame starting at a
/// checkpoint. Operations act on the current (innermost) frame; [`Memory::enter`] starts a
/// child frame at the end of the current one and [`Memory::leave`] returns from it, leaving
/// the parent's size and bytes as they were.
///
/// Offsets are frame-relative. Every charging operation takes the frame's remaining gas as
/// `&mut u64`, deducts the expansion cost on success and changes nothing on failure.
/// Zero-length accesses never expand, whatever the offset.
pub struct Memory {
    region: Region,
    /// Start of the current frame in the region.
    checkpoint: usize,
    /// Size of the current frame in bytes (a multiple of 32).
    len: usize,
    /// `memory_gas(len / 32)`, already paid by the current frame.
    cost: u64,
    /// `min(limit, reservation)`: growth past it is refused.
    hard_end: u64,
    limit: u64,
    parents: Vec<Saved>,
}

impl Memory {
    /// A memory with the default limit ([`DEFAULT_LIMIT`]).
    pub fn new() -> Result<Self, MemoryError> {
        Self::with_limit(DEFAULT_LIMIT)
    }

    /// A memory whose shared buffer may not grow past `limit` bytes (all frames together),
    /// checked as revm checks it: `checkpoint + 32 * new_words > limit` fails.
    pub fn with_limit(limit: u64) -> Result<Self, MemoryError> {
        let reserve = limit.min(MAX_RESERVATION);
        let region = Region::reserve(reserve as usize)?;
        Ok(Self {
            hard_end: reserve.min(region.len() as u64),
            region,
            checkpoint: 0,
            len: 0,
            cost: 0,
            limit,
            parents: Vec::new(),
        })
    }

    /// The memory limit in bytes.
    pub fn limit(&self) -> u64 {
        self.limit
    }

    /// Size of the current frame's memory in bytes (MSIZE).
    #[inline(always)]
    pub fn len(&self) -> usize {
        self.len
    }

    /// Whether the current frame's memory is empty.
    #[inline(always)]
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Size of the current frame's memory in words.
    #[inline(always)]
    pub fn words(&self) -> usize {
        self.len / 32
    }

    /// Expansion gas the current frame has paid so far, `memory_gas(words)`.
    #[inline(always)]
    pub fn cost(&self) -> u64 {
        self.cost
    }

    /// Call depth: 0 for the outermost frame.
    pub fn depth(&self) -> usize {
        self.parents.len()
    }

    /// Start of the current frame in the shared buffer.
    pub fn checkpoint(&self) -> usize {
        self.checkpoint
    }

    /// Starts a child frame with empty memory at the end of the current frame.
    pub fn enter(&mut self) {
        self.parents.push(Saved {
            checkpoint: self.checkpoint,
            len: self.len,
            cost: self.cost,
        });
        self.checkpoint += self.len;
        self.len = 0;
        self.cost = 0;
    }

    /// Returns from the current child frame: its bytes are cleared and the parent's size,
    /// cost and bytes are back as they were. Returns `false` (and does nothing) at depth 0.
    pub fn leave(&mut self) -> bool {
        let Some(parent) = self.parents.pop() else {
            return false;
        };
        self.region.clear(self.checkpoint, self.len);
        self.checkpoint = parent.checkpoint;
        self.len = parent.len;
        self.cost = parent.cost;
        true
    }

    /// Returns to an empty outermost frame (depth 0, size 0), clearing all bytes, to reuse
    /// the reservation for the next transaction.
    pub fn reset(&mut self) {
        while self.leave() {}
        self.region.clear(0, self.len);
        self.len = 0;
        self.cost = 0;
    }

    /// Makes `offset..offset + len` part of the current frame, charging the expansion.
    /// Nothing happens for `len == 0`.
    #[inline(always)]
    pub fn expand(&mut self, offset: usize, len: usize, gas: &mut u64) -> Result<(), MemoryError> {
        if len == 0 {
            return Ok(());
        }
        let end = offset.checked_add(len).ok_or(MemoryError::Overflow)?;
        if end <= self.len {
            return Ok(());
        }
        self.grow(end, gas)
    }

    /// [`Memory::expand`] for 256-bit operands (little-endian limbs); returns the converted
    /// `(offset, len)`, `(0, 0)` for a zero length whatever the offset.
    #[inline]
    pub fn expand_operands(
        &mut self,
        offset: &[u64; 4],
        len: &[u64; 4],
        gas: &mut u64,
    ) -> Result<(usize, usize), MemoryError> {
        let len = to_usize(len)?;
        if len == 0 {
            return Ok((0, 0));
        }
        let offset = to_usize(offset)?;
        self.expand(offset, len, gas)?;
        Ok((offset, len))
    }

    /// Grows the current frame to at least `new_len` bytes (rounded up to words), charging
    /// the expansion. Never shrinks.
    #[inline]
    pub fn resize(&mut self, new_len: usize, gas: &mut u64) -> Result<(), MemoryError> {
        self.expand(0, new_len, gas)
    }

    #[cold]
    #[inline(never)]
    fn grow(&mut self, end: usize, gas: &mut u64) -> Result<(), MemoryError> {
        let words = end.div_ceil(32) as u64;
        let total = (self.checkpoint as u64).saturating_add(words.saturating_mul(32));
        if total > self.limit {
            return Err(MemoryError::LimitExceeded);
        }
        let new_cost = memory_gas(words);
        let charge = new_cost - self.cost;
        if *gas < charge {
            return Err(MemoryError::OutOfGas);
        }
        if total > self.hard_end {
            return Err(MemoryError::LimitExceeded);
        }
        *gas -= charge;
        self.cost = new_cost;
        self.len = (words * 32) as usize;
        Ok(())
    }

    /// Pointer to frame offset `offset`.
    ///
    /// # Safety
    /// `offset` must be at most `self.len`.
    #[inline(always)]
    unsafe fn at(&self, offset: usize) -> *mut u8 {
        debug_assert!(offset <= self.len);
        // SAFETY: checkpoint + len is inside the region (grow keeps it below hard_end, which
        // is at most the region's length), and the caller keeps offset <= len.
        unsafe { self.region.ptr().add(self.checkpoint + offset) }
    }

    /// The current frame's memory.
    #[inline]
    pub fn as_slice(&self) -> &[u8] {
        // SAFETY: the frame's len bytes from its checkpoint are inside the mapping and
        // initialised (anonymous memory reads as zero); `&self` keeps them unaliased by writes.
        unsafe { core::slice::from_raw_parts(self.at(0), self.len) }
    }

    /// The current frame's memory, mutable.
    #[inline]
    pub fn as_mut_slice(&mut self) -> &mut [u8] {
        // SAFETY: as in `as_slice`, with `&mut self` for exclusive access.
        unsafe { core::slice::from_raw_parts_mut(self.at(0), self.len) }
    }

    /// MLOAD: expands to cover `offset..offset + 32` and reads the word there.
    #[inline(always)]
    pub fn load_word(&mut self, offset: usize, gas: &mut u64) -> Result<[u8; 32], MemoryError> {
        self.expand(offset, 32, gas)?;
        // SAFETY: expand made offset + 32 <= len; read_unaligned needs no alignment.
        Ok(unsafe { self.at(offset).cast::<[u8; 32]>().read_unaligned() })
    }

    /// MSTORE: expands to cover `offset..offset + 32` and writes `word` there.
    #[inline(always)]
    pub fn store_word(
        &mut self,
        offset: usize,
        word: &[u8; 32],
        gas: &mut u64,
    ) -> Result<(), MemoryError> {
        self.expand(offset, 32, gas)?;
        // SAFETY: expand made offset + 32 <= len; `&mut self` gives exclusive access.
        unsafe { self.at(offset).cast::<[u8; 32]>().write_unaligned(*word) };
        Ok(())
    }

    /// Reads one byte: expands to cover `offset` and reads it.
    #[inline(always)]
    pub fn load_byte(&mut self, offset: usize, gas: &mut u64) -> Result<u8, MemoryError> {
        self.expand(offset, 1, gas)?;
        // SAFETY: expand made offset + 1 <= len.
        Ok(unsafe { self.at(offset).read() })
    }

    /// MSTORE8: expands to cover `offset` and writes `byte` there.
    #[inline(always)]
    pub fn store_byte(
        &mut self,
        offset: usize,
        byte: u8,
        gas: &mut u64,
    ) -> Result<(), MemoryError> {
        self.expand(offset, 1, gas)?;
        // SAFETY: expand made offset + 1 <= len; `&mut self` gives exclusive access.
        unsafe { self.at(offset).write(byte) };
        Ok(())
    }

    /// KECCAK256/RETURN/LOG-style range: expands to cover `offset..offset + len` and returns
    /// those bytes (empty, without expansion, for `len == 0`).
    #[inline]
    pub fn read(&mut self, offset: usize, len: usize, gas: &mut u64) -> Result<&[u8], MemoryError> {
        if len == 0 {
            return Ok(&[]);
        }
        self.expand(offset, len, gas)?;
        Ok(&self.as_slice()[offset..offset + len])
    }

    /// Writes `data` at `offset`, expanding to cover it.
    #[inline]
    pub fn write(&mut self, offset: usize, data: &[u8], gas: &mut u64) -> Result<(), MemoryError> {
        if data.is_empty() {
            return Ok(());
        }
        self.expand(offset, data.len(), gas)?;
        self.as_mut_slice()[offset..offset + data.len()].copy_from_slice(data);
        Ok(())
    }

    /// MCOPY: copies `len` bytes from `src` to `dst` (overlap allowed), expanding to cover
    /// both ranges.
    #[inline]
    pub fn copy_within(
        &mut self,
        dst: usize,
        src: usize,
        len: usize,
        gas: &mut u64,
    ) -> Result<(), MemoryError> {
        if len == 0 {
            return Ok(());
        }
        self.expand(dst.max(src), len, gas)?;
        // SAFETY: both ranges end at most at max(dst, src) + len <= self.len; `ptr::copy`
        // allows overlap.
        unsafe { core::ptr::copy(self.at(src), self.at(dst), len) };
        Ok(())
    }

    /// CALLDATACOPY-style copy: writes `source[src_offset..src_offset + len]` to `dst`,
    /// with zeros for the part past the end of `source`; expands to cover `dst..dst + len`.
    #[inline]
    pub fn copy_from(
        &mut self,
        dst: usize,
        source: &[u8],
        src_offset: usize,
        len: usize,
        gas: &mut u64,
    ) -> Result<(), MemoryError> {
        if len == 0 {
            return Ok(());
        }
        self.expand(dst, len, gas)?;
        let available = source.get(src_offset..).unwrap_or(&[]);
        let n = available.len().min(len);
        let target = &mut self.as_mut_slice()[dst..dst + len];
        target[..n].copy_from_slice(&available[..n]);
        target[n..].fill(0);
        Ok(())
    }
}

impl core::fmt::Debug for Memory {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Memory")
            .field("depth", &self.depth())
            .field("checkpoint", &self.checkpoint)
            .field("len", &self.len)
            .field("cost", &self.cost)
            .field("limit", &self.limit)
            .finish_non_exhaustive()
    }
}
