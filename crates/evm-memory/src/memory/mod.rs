//! The shared buffer and the stack of call frames that live in it: the [`Memory`] type, its
//! construction and its accessors. Its other jobs live in the submodules: call frames
//! (`frames`), the written-range set (`written`), the trace mapping (`trace`), expansion and
//! its gas (`expand`) and the EVM operations (`ops`).

use machine::{NoTrace, Traced, Tracer};

use crate::{region::Region, MemoryError};

mod expand;
mod frames;
mod ops;
mod trace;
mod written;

use frames::Saved;
pub use trace::{cell_address, FRAME_SHIFT, MAX_FRAMES, MEMORY_SPACE};
use written::Written;

/// Default memory limit in bytes, as revm's `memory_limit` default: `2^32 - 1`.
pub const DEFAULT_LIMIT: u64 = u32::MAX as u64;

/// Largest reservation made for a limit above it (1 TiB of address space, none of it
/// committed). With a larger limit, growth past this many bytes of the shared buffer fails
/// with [`MemoryError::LimitExceeded`] after the gas check, which no real gas limit passes.
pub const MAX_RESERVATION: u64 = 1 << 40;

/// The current frame's bytes (a free function so that the tracer can be borrowed mutably
/// at the same time).
#[inline(always)]
fn frame(region: &Region, checkpoint: usize, len: usize) -> &[u8] {
    // SAFETY: the frame's len bytes from its checkpoint are inside the mapping (grow keeps
    // checkpoint + len below hard_end <= the region's length) and initialised (anonymous
    // memory reads as zero); the shared borrow of the region keeps them from being written.
    unsafe { core::slice::from_raw_parts(region.ptr().add(checkpoint), len) }
}

/// EVM memory of a call stack: one buffer shared by all frames, each frame starting at a
/// checkpoint. Operations act on the current (innermost) frame; [`Memory::enter`] starts a
/// child frame at the end of the current one and [`Memory::leave`] returns from it, leaving
/// the parent's size and bytes as they were.
///
/// Offsets are frame-relative. Every charging operation takes the frame's remaining gas as
/// `&mut u64`, deducts the expansion cost on success and changes nothing on failure.
/// Zero-length accesses never expand, whatever the offset.
///
/// # Tracing
///
/// The memory reports every byte it reads or writes to its tracer `T` ([`NoTrace`] by
/// default, which costs nothing) as 8-byte word cells of [`MEMORY_SPACE`]
/// ([`machine::cells`]: a partial word write is a read of the old word and a write of the
/// new one). Each frame has a serial number, new for every [`Memory::enter`] and
/// [`Memory::reset`], and its word at frame offset `o` is cell [`cell_address`]`(serial,
/// o)`. So a frame's cells are fresh when it starts (its memory is zero, as the consistency
/// statement assumes of a cell's first access), a returning child's cells are never used
/// again (clearing them needs no records), and expansion only makes fresh, zero cells
/// reachable (no records either). Loads, stores, range reads, `write`, `copy_within`
/// (reads of the source words, then writes of the destination words) and `copy_from`
/// (writes, zero padding included) are traced; [`Memory::as_slice`] is an untraced view, and
/// the mutable view [`Memory::as_mut_slice`] exists only untraced. Serial numbers count per
/// memory: two memories reporting to one tracer would share cells.
pub struct Memory<T: Tracer = NoTrace> {
    region: Region,
    /// Start of the current frame in the region.
    checkpoint: usize,
    /// Size of the current frame in bytes (a multiple of 32).
    len: usize,
    /// `memory_gas(len / 32)`, already paid by the current frame.
    cost: u64,
    /// Frame offsets that the current frame may have made non-zero (within `0..len`).
    /// Invariant: every byte of the buffer from the checkpoint on outside this range is
    /// zero, so a return (or `reset`) clears only this range, and zero-filling writes skip
    /// bytes outside it.
    written: Written,
    /// The current frame's other written ranges (`extra[extra_base..]`, non-empty,
    /// word-aligned, inside the frame), below them the parents' (a stack). A frame's bytes
    /// outside `written` and its extra ranges are zero.
    extra: Vec<(usize, usize)>,
    extra_base: usize,
    /// `min(limit, reservation)`: growth past it is refused.
    hard_end: u64,
    /// `hard_end` rounded down to words, minus the checkpoint (a multiple of 32, as
    /// `checkpoint <= hard_end` and both are): growth to a frame size of at most `room`
    /// passes both limit checks (the growth path's fast case).
    room: usize,
    limit: u64,
    parents: Vec<Saved>,
    /// The parents' serial numbers (kept only when tracing, so that the untraced frame
    /// stack is exactly as before tracing existed).
    parent_serials: Vec<u64>,
    /// Serial number of the current frame (the high bits of its cell addresses).
    serial: u64,
    /// The serial number the next frame gets.
    next_serial: u64,
    tracer: T,
}

impl Memory<NoTrace> {
    /// An untraced memory with the default limit ([`DEFAULT_LIMIT`]).
    pub fn new() -> Result<Self, MemoryError> {
        Self::with_limit(DEFAULT_LIMIT)
    }

    /// An untraced memory whose shared buffer may not grow past `limit` bytes (all frames
    /// together), checked as revm checks it: `checkpoint + 32 * new_words > limit` fails.
    pub fn with_limit(limit: u64) -> Result<Self, MemoryError> {
        Self::with_tracer(limit, NoTrace)
    }

    /// The current frame's memory, mutable. Writes through it are not traced, so it exists
    /// only for the untraced memory. The whole frame counts as written from here on (it is
    /// cleared on return or reset).
    #[inline]
    pub fn as_mut_slice(&mut self) -> &mut [u8] {
        if self.len != 0 {
            self.mark(0, self.len);
        }
        // SAFETY: as in `frame`, with `&mut self` for exclusive access.
        unsafe { core::slice::from_raw_parts_mut(self.at(0), self.len) }
    }
}

impl<T: Tracer> Memory<T> {
    /// A memory with limit `limit` (as [`Memory::with_limit`]) reporting to `tracer`. The
    /// outermost frame has serial number 0.
    pub fn with_tracer(limit: u64, tracer: T) -> Result<Self, MemoryError> {
        let reserve = limit.min(MAX_RESERVATION);
        let region = Region::reserve(reserve as usize)?;
        Ok(Self {
            hard_end: reserve.min(region.len() as u64),
            room: (reserve.min(region.len() as u64) & !31) as usize,
            region,
            checkpoint: 0,
            len: 0,
            cost: 0,
            written: Written::NONE,
            extra: Vec::new(),
            extra_base: 0,
            limit,
            parents: Vec::new(),
            parent_serials: Vec::new(),
            serial: 0,
            next_serial: 1,
            tracer,
        })
    }

    /// The tracer, giving up the memory.
    pub fn into_tracer(self) -> T {
        self.tracer
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

    /// The current frame's memory (an untraced view).
    #[inline]
    pub fn as_slice(&self) -> &[u8] {
        frame(&self.region, self.checkpoint, self.len)
    }
}

impl<T: Tracer> Memory<T> {
    /// The current frame's memory, mutable (for the operations, which trace themselves).
    #[inline]
    fn frame_mut(&mut self) -> &mut [u8] {
        // SAFETY: as in `frame`, with `&mut self` for exclusive access.
        unsafe { core::slice::from_raw_parts_mut(self.at(0), self.len) }
    }
}

impl<T: Tracer> Traced for Memory<T> {
    type Tracer = T;
    fn tracer(&self) -> &T {
        &self.tracer
    }
    fn tracer_mut(&mut self) -> &mut T {
        &mut self.tracer
    }
}

impl<T: Tracer> core::fmt::Debug for Memory<T> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Memory")
            .field("depth", &self.depth())
            .field("checkpoint", &self.checkpoint)
            .field("len", &self.len)
            .field("cost", &self.cost)
            .field("written", &(self.written.lo..self.written.hi))
            .field("extra_written", &&self.extra[self.extra_base..])
            .field("limit", &self.limit)
            .field("serial", &self.serial)
            .finish_non_exhaustive()
    }
}
