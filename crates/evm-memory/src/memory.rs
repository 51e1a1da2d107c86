//! The shared buffer and the stack of call frames that live in it.

use machine::{cells, NoTrace, Space, Traced, Tracer};

use crate::{gas::memory_gas, operand::to_usize, region::Region, MemoryError};

/// Default memory limit in bytes, as revm's `memory_limit` default: `2^32 - 1`.
pub const DEFAULT_LIMIT: u64 = u32::MAX as u64;

/// Largest reservation made for a limit above it (1 TiB of address space, none of it
/// committed). With a larger limit, growth past this many bytes of the shared buffer fails
/// with [`MemoryError::LimitExceeded`] after the gas check, which no real gas limit passes.
pub const MAX_RESERVATION: u64 = 1 << 40;

/// The trace space of memory cells.
pub const MEMORY_SPACE: Space = Space(0);

/// Bits of a cell address that hold the frame-relative byte offset; the frame's serial
/// number sits above them. Offsets stay below `2^40` because the shared buffer is at most
/// [`MAX_RESERVATION`] bytes.
pub const FRAME_SHIFT: u32 = 40;

/// How many frames (serial numbers) a traced memory can number: `2^24`.
pub const MAX_FRAMES: u64 = 1 << (64 - FRAME_SHIFT);

/// The trace address of the byte (or word) at frame-relative `offset` of the frame with
/// serial number `serial`: `serial << 40 | offset`.
#[inline(always)]
pub const fn cell_address(serial: u64, offset: u64) -> u64 {
    (serial << FRAME_SHIFT) | offset
}

/// What a parent frame keeps while a child runs (its checkpoint is the child's minus its
/// size, and its written range's `word_limit` follows from `lo..hi`).
#[derive(Clone, Copy)]
struct Saved {
    len: usize,
    cost: u64,
    written_lo: usize,
    written_hi: usize,
    /// Start of the parent's ranges in `Memory::extra`.
    extra_base: usize,
}

/// Writes at most this far from a frame's current written range widen it; farther ones
/// start another range (up to [`MAX_EXTRA`] more per frame), so that a frame writing near
/// offset 0 and near 2 MiB does not clear everything in between.
const NEAR: usize = 4096;

/// How many written ranges a frame keeps besides its current one; past that, a far write
/// widens the current range.
const MAX_EXTRA: usize = 7;

/// Written ranges up to this many bytes are cleared by word stores, larger ones by
/// [`Region::clear`].
const SMALL_CLEAR: usize = 128;

/// Why an expansion failed: [`MemoryError`]'s expansion errors in one byte, so that the
/// out-of-line growth paths return in a register.
#[derive(Clone, Copy)]
enum Fail {
    OutOfGas,
    LimitExceeded,
    Overflow,
}

impl From<Fail> for MemoryError {
    #[inline(always)]
    fn from(f: Fail) -> Self {
        match f {
            Fail::OutOfGas => MemoryError::OutOfGas,
            Fail::LimitExceeded => MemoryError::LimitExceeded,
            Fail::Overflow => MemoryError::Overflow,
        }
    }
}

/// The range of frame offsets a frame may have written, `lo..hi`: every byte of the frame
/// outside it is zero. Both ends are multiples of 32 (a non-empty range holds at least one
/// word), and `hi` is at most the frame's size.
#[derive(Clone, Copy, Debug)]
struct Written {
    lo: usize,
    hi: usize,
    /// `hi - lo - 31` (0 when empty): the word at `offset` lies inside the range iff
    /// `offset.wrapping_sub(lo) < word_limit` (one subtraction and one compare for MSTORE's
    /// fast path, which needs no overflow check: the range ends at most at 2^40).
    word_limit: usize,
}

impl Written {
    /// Nothing written: `lo..hi` is empty, `min`/`max` extend it to the first write, and no
    /// offset is below a `word_limit` of 0.
    const NONE: Self = Self {
        lo: usize::MAX,
        hi: 0,
        word_limit: 0,
    };

    /// The range `lo..hi` as saved (`lo >= hi`: empty, as [`Written::NONE`]).
    #[inline(always)]
    fn from_range(lo: usize, hi: usize) -> Self {
        Self {
            lo,
            hi,
            word_limit: if lo < hi { hi - lo - 31 } else { 0 },
        }
    }

    /// Whether the word at `offset..offset + 32` lies inside the range (for any `offset`:
    /// below `lo` the subtraction wraps to at least `2^64 - 2^40`).
    #[inline(always)]
    fn holds_word(&self, offset: usize) -> bool {
        offset.wrapping_sub(self.lo) < self.word_limit
    }

    /// Whether the byte at `offset` lies inside the range.
    #[inline(always)]
    fn holds_byte(&self, offset: usize) -> bool {
        offset >= self.lo && offset < self.hi
    }

    /// Whether `start..end` lies inside the range.
    #[inline(always)]
    fn holds(&self, start: usize, end: usize) -> bool {
        start >= self.lo && end <= self.hi
    }

    /// Whether `start..end` is within [`NEAR`] bytes of the (non-empty) range.
    #[inline(always)]
    fn near(&self, start: usize, end: usize) -> bool {
        start <= self.hi + NEAR && end + NEAR >= self.lo
    }

    /// Widens the range to cover `start..end` (non-empty), rounded out to words.
    #[inline(always)]
    fn add(&mut self, start: usize, end: usize) {
        self.lo = self.lo.min(start & !31);
        self.hi = self.hi.max(end.next_multiple_of(32));
        self.word_limit = self.hi - self.lo - 31;
    }

    fn is_empty(&self) -> bool {
        self.lo >= self.hi
    }
}

/// The current frame's bytes (a free function so that the tracer can be borrowed mutably
/// at the same time).
#[inline(always)]
fn frame(region: &Region, checkpoint: usize, len: usize) -> &[u8] {
    // SAFETY: the frame's len bytes from its checkpoint are inside the mapping (grow keeps
    // checkpoint + len below hard_end <= the region's length) and initialised (anonymous
    // memory reads as zero); the shared borrow of the region keeps them from being written.
    unsafe { core::slice::from_raw_parts(region.ptr().add(checkpoint), len) }
}

/// The little-endian word at word-aligned frame offset `offset` (`offset + 8 <= len`,
/// which holds for every word inside a frame: frame sizes are multiples of 32).
#[inline(always)]
fn word_at(bytes: &[u8], offset: u64) -> u64 {
    let at = offset as usize;
    u64::from_le_bytes(bytes[at..at + 8].try_into().expect("8 bytes"))
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

    /// Serial number of the current frame: its cells are [`cell_address`]`(serial, offset)`
    /// (always 0 for an untraced memory).
    pub fn frame_serial(&self) -> u64 {
        self.serial
    }

    /// Moves to a new frame serial number.
    ///
    /// # Panics
    /// When tracing, after [`MAX_FRAMES`] frames (their cell addresses would collide).
    /// Untraced memories keep serial 0 (nothing reads it).
    #[inline(always)]
    fn new_serial(&mut self) {
        if T::ENABLED {
            assert!(
                self.next_serial < MAX_FRAMES,
                "more than 2^24 traced frames: cell addresses would collide"
            );
            self.serial = self.next_serial;
            self.next_serial += 1;
        }
    }

    /// Reports a read of `len` bytes at frame offset `offset` (inside the frame).
    #[inline]
    fn trace_read(&mut self, offset: usize, len: usize) {
        if !T::ENABLED {
            return;
        }
        let bytes = frame(&self.region, self.checkpoint, self.len);
        let base = cell_address(self.serial, 0);
        cells::trace_read(
            &mut self.tracer,
            MEMORY_SPACE,
            base | offset as u64,
            len,
            |w| word_at(bytes, w - base),
        );
    }

    /// Reports a write of `data` at frame offset `offset` (inside the frame), before the
    /// memory performs it.
    #[inline]
    fn trace_write(&mut self, offset: usize, data: &[u8]) {
        if !T::ENABLED {
            return;
        }
        let bytes = frame(&self.region, self.checkpoint, self.len);
        let base = cell_address(self.serial, 0);
        cells::trace_write(
            &mut self.tracer,
            MEMORY_SPACE,
            base | offset as u64,
            data,
            |w| word_at(bytes, w - base),
        );
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

    /// Starts a child frame with empty memory at the end of the current frame (with a new
    /// serial number).
    ///
    /// # Panics
    /// When tracing, at the `2^24`-th frame ([`MAX_FRAMES`]).
    #[inline]
    pub fn enter(&mut self) {
        self.parents.push(Saved {
            len: self.len,
            cost: self.cost,
            written_lo: self.written.lo,
            written_hi: self.written.hi,
            extra_base: self.extra_base,
        });
        if T::ENABLED {
            self.parent_serials.push(self.serial);
        }
        self.checkpoint += self.len;
        self.room -= self.len;
        self.len = 0;
        self.cost = 0;
        self.written = Written::NONE;
        self.extra_base = self.extra.len();
        self.new_serial();
    }

    /// Returns from the current child frame: its bytes are cleared (those it wrote: the rest
    /// is still zero) and the parent's size, cost and bytes are back as they were. Returns
    /// `false` (and does nothing) at depth 0.
    #[inline]
    pub fn leave(&mut self) -> bool {
        let Some(parent) = self.parents.pop() else {
            return false;
        };
        self.clear_written();
        self.checkpoint -= parent.len;
        self.room += parent.len;
        self.len = parent.len;
        self.cost = parent.cost;
        self.written = Written::from_range(parent.written_lo, parent.written_hi);
        self.extra_base = parent.extra_base;
        if T::ENABLED {
            self.serial = self.parent_serials.pop().expect("one serial per parent");
        }
        true
    }

    /// Returns to an empty outermost frame (depth 0, size 0), clearing all bytes, to reuse
    /// the reservation for the next transaction. The new outermost frame gets a new serial
    /// number (its memory is zero again).
    ///
    /// # Panics
    /// When tracing, at the `2^24`-th frame ([`MAX_FRAMES`]).
    pub fn reset(&mut self) {
        while self.leave() {}
        self.clear_written();
        self.len = 0;
        self.cost = 0;
        self.new_serial();
    }

    /// Zeroes the current frame's written range and marks the frame clean (every byte from
    /// its checkpoint on is zero afterwards).
    #[inline]
    fn clear_written(&mut self) {
        let w = self.written;
        self.written = Written::NONE;
        if w.is_empty() {
            return;
        }
        let span = w.hi - w.lo;
        if span <= SMALL_CLEAR {
            // One to four words (the range is word-aligned): stores rather than a memset
            // call (written out: LLVM turns a loop of them back into memset).
            // SAFETY: lo + span = hi <= len, each store is inside; `&mut self` gives
            // exclusive access.
            unsafe {
                let p = self.at(w.lo).cast::<[u8; 32]>();
                p.write_unaligned([0; 32]);
                if span > 32 {
                    p.add(1).write_unaligned([0; 32]);
                }
                if span > 64 {
                    p.add(2).write_unaligned([0; 32]);
                }
                if span > 96 {
                    p.add(3).write_unaligned([0; 32]);
                }
            }
        } else {
            self.region.clear(self.checkpoint + w.lo, w.hi - w.lo);
        }
        if self.extra.len() > self.extra_base {
            self.clear_extra();
        }
    }

    /// Clears and drops the current frame's extra written ranges.
    #[cold]
    #[inline(never)]
    fn clear_extra(&mut self) {
        for i in self.extra_base..self.extra.len() {
            let (lo, hi) = self.extra[i];
            self.region.clear(self.checkpoint + lo, hi - lo);
        }
        self.extra.truncate(self.extra_base);
    }

    /// Records `start..end` (non-empty, inside the frame) as written, out of line: widens
    /// the current range when the write is near it, else makes the extra range near it
    /// current (widened), else starts a new range (or, with [`MAX_EXTRA`] extra ranges
    /// already, widens the current one). Extra ranges the current one grows over are
    /// merged into it.
    #[inline(never)]
    fn record(&mut self, start: usize, end: usize) {
        let (s, e) = (start & !31, end.next_multiple_of(32));
        if !self.written.is_empty() && !self.written.near(s, e) {
            let found = (self.extra_base..self.extra.len()).find(|&i| {
                let (lo, hi) = self.extra[i];
                Written::from_range(lo, hi).near(s, e)
            });
            let old = (self.written.lo, self.written.hi);
            if let Some(i) = found {
                let (lo, hi) = self.extra[i];
                self.extra[i] = old;
                self.written = Written::from_range(lo, hi);
            } else if self.extra.len() - self.extra_base < MAX_EXTRA {
                self.extra.push(old);
                self.written = Written::from_range(s, e);
                return;
            }
        }
        self.written.add(s, e);
        // Merge the extra ranges the current one now reaches.
        let mut i = self.extra_base;
        while i < self.extra.len() {
            let (lo, hi) = self.extra[i];
            if self.written.near(lo, hi) {
                self.written.add(lo, hi);
                self.extra.swap_remove(i);
                i = self.extra_base;
            } else {
                i += 1;
            }
        }
    }

    /// The smallest range covering every written byte of `start..end` (which may be
    /// non-zero; the rest of `start..end` is zero), `s >= e` when there is none.
    #[inline(always)]
    fn written_part(&self, start: usize, end: usize) -> (usize, usize) {
        let (mut s, mut e) = (start.max(self.written.lo), end.min(self.written.hi));
        if s >= e {
            (s, e) = (usize::MAX, 0);
        }
        for &(lo, hi) in &self.extra[self.extra_base..] {
            let (a, b) = (start.max(lo), end.min(hi));
            if a < b {
                (s, e) = (s.min(a), e.max(b));
            }
        }
        (s, e)
    }

    /// Records frame offsets `start..end` (non-empty, inside the frame) as written.
    #[inline(always)]
    fn mark(&mut self, start: usize, end: usize) {
        debug_assert!(start < end && end <= self.len);
        if self.written.holds(start, end) {
            return;
        }
        self.record(start, end);
    }

    /// Zeroes the written bytes of frame offsets `start..end` (inside the frame): the others
    /// are zero already.
    #[inline(always)]
    fn zero_written(&mut self, start: usize, end: usize) {
        let (s, e) = (start.max(self.written.lo), end.min(self.written.hi));
        if s < e {
            // SAFETY: s < e <= written.hi <= len; `&mut self` gives exclusive access.
            unsafe { core::ptr::write_bytes(self.at(s), 0, e - s) };
        }
        for i in self.extra_base..self.extra.len() {
            let (lo, hi) = self.extra[i];
            let (s, e) = (start.max(lo), end.min(hi));
            if s < e {
                // SAFETY: as above, extra ranges lie inside the frame.
                unsafe { core::ptr::write_bytes(self.at(s), 0, e - s) };
            }
        }
    }

    /// [`Memory::expand`] of `offset..offset + len` (`len != 0`) for a write of that range:
    /// also records it as written. The fast path (inside the written range) costs MSTORE
    /// what `expand`'s (inside the frame) costs MLOAD: a subtraction and a compare instead
    /// of an overflow check, an addition and a compare.
    #[inline(always)]
    fn expand_for_write(
        &mut self,
        offset: usize,
        len: usize,
        gas: &mut u64,
    ) -> Result<(), MemoryError> {
        debug_assert!(len != 0);
        // The range ends inside the frame, so a hit needs no overflow check.
        let inside = match len {
            32 => self.written.holds_word(offset),
            1 => self.written.holds_byte(offset),
            _ => offset
                .checked_add(len)
                .is_some_and(|end| self.written.holds(offset, end)),
        };
        if inside {
            return Ok(());
        }
        Ok(self.grow_for_write(offset, len, gas)?)
    }

    /// The rest of [`Memory::expand_for_write`], out of line: expansion if needed, then the
    /// written range grows to cover `offset..offset + len`.
    #[inline(never)]
    fn grow_for_write(&mut self, offset: usize, len: usize, gas: &mut u64) -> Result<(), Fail> {
        let end = offset.checked_add(len).ok_or(Fail::Overflow)?;
        if end > self.len {
            self.grow_to(end, gas)?;
            // Near the written range (a growing write ends past it, so only its start can
            // be far; a first write far from offset 0 goes through `record`).
            if offset <= self.written.hi + NEAR {
                // The new size is `end` rounded up to words: the range now ends there.
                let lo = self.written.lo.min(offset & !31);
                self.written = Written {
                    lo,
                    hi: self.len,
                    word_limit: self.len - lo - 31,
                };
                return Ok(());
            }
        }
        self.record(offset, end);
        Ok(())
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
        Ok(self.grow(end, gas)?)
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
    fn grow(&mut self, end: usize, gas: &mut u64) -> Result<(), Fail> {
        self.grow_to(end, gas)
    }

    /// The body of [`Memory::grow`], also inlined into the write path's out-of-line part.
    #[inline(always)]
    fn grow_to(&mut self, end: usize, gas: &mut u64) -> Result<(), Fail> {
        if end <= self.room {
            // Within both limits (room is a multiple of 32, so the rounded size is too).
            let new_len = end.next_multiple_of(32);
            let new_cost = memory_gas((new_len / 32) as u64);
            let charge = new_cost - self.cost;
            if *gas < charge {
                return Err(Fail::OutOfGas);
            }
            *gas -= charge;
            self.cost = new_cost;
            self.len = new_len;
            return Ok(());
        }
        let words = end.div_ceil(32) as u64;
        let total = (self.checkpoint as u64).saturating_add(words.saturating_mul(32));
        if total > self.limit {
            return Err(Fail::LimitExceeded);
        }
        let new_cost = memory_gas(words);
        let charge = new_cost - self.cost;
        if *gas < charge {
            return Err(Fail::OutOfGas);
        }
        if total > self.hard_end {
            return Err(Fail::LimitExceeded);
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

    /// The current frame's memory (an untraced view).
    #[inline]
    pub fn as_slice(&self) -> &[u8] {
        frame(&self.region, self.checkpoint, self.len)
    }

    /// MLOAD: expands to cover `offset..offset + 32` and reads the word there.
    #[inline(always)]
    pub fn load_word(&mut self, offset: usize, gas: &mut u64) -> Result<[u8; 32], MemoryError> {
        self.expand(offset, 32, gas)?;
        self.trace_read(offset, 32);
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
        self.expand_for_write(offset, 32, gas)?;
        self.trace_write(offset, word);
        // SAFETY: expand made offset + 32 <= len; `&mut self` gives exclusive access.
        unsafe { self.at(offset).cast::<[u8; 32]>().write_unaligned(*word) };
        Ok(())
    }

    /// Reads one byte: expands to cover `offset` and reads it.
    #[inline(always)]
    pub fn load_byte(&mut self, offset: usize, gas: &mut u64) -> Result<u8, MemoryError> {
        self.expand(offset, 1, gas)?;
        self.trace_read(offset, 1);
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
        self.expand_for_write(offset, 1, gas)?;
        self.trace_write(offset, &[byte]);
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
        self.trace_read(offset, len);
        Ok(&self.as_slice()[offset..offset + len])
    }

    /// Writes `data` at `offset`, expanding to cover it.
    #[inline]
    pub fn write(&mut self, offset: usize, data: &[u8], gas: &mut u64) -> Result<(), MemoryError> {
        if data.is_empty() {
            return Ok(());
        }
        self.expand_for_write(offset, data.len(), gas)?;
        self.trace_write(offset, data);
        self.frame_mut()[offset..offset + data.len()].copy_from_slice(data);
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
        if T::ENABLED {
            let data = self.as_slice()[src..src + len].to_vec();
            self.trace_read(src, len);
            self.trace_write(dst, &data);
        }
        // Only the written part of the source can be non-zero: copy it, and zero the rest of
        // the destination where it was written (elsewhere it is zero already).
        let (s, e) = self.written_part(src, src + len);
        if s < e {
            let (a, n) = (dst + (s - src), e - s);
            // SAFETY: both ranges end at most at max(dst, src) + len <= self.len; `ptr::copy`
            // allows overlap.
            unsafe { core::ptr::copy(self.at(s), self.at(a), n) };
            self.zero_written(dst, a);
            self.zero_written(a + n, dst + len);
            self.mark(a, a + n);
        } else {
            self.zero_written(dst, dst + len);
        }
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
        if T::ENABLED {
            let mut data = vec![0u8; len];
            data[..n].copy_from_slice(&available[..n]);
            self.trace_write(dst, &data);
        }
        // The padding needs zeroing only where the frame was written.
        self.zero_written(dst + n, dst + len);
        if n != 0 {
            self.frame_mut()[dst..dst + n].copy_from_slice(&available[..n]);
            self.mark(dst, dst + n);
        }
        Ok(())
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

/// Byte access to the current frame without expansion and without gas: an access must lie
/// inside the frame (`offset + len <= len()`), else [`MemoryError::OutOfBounds`]. Traced like
/// the EVM operations; zero-length accesses succeed at any offset.
impl<T: Tracer> machine::Memory for Memory<T> {
    type Error = MemoryError;

    fn read(&mut self, address: u64, buf: &mut [u8]) -> Result<(), MemoryError> {
        if buf.is_empty() {
            return Ok(());
        }
        let offset = self.bounds(address, buf.len())?;
        self.trace_read(offset, buf.len());
        buf.copy_from_slice(&self.as_slice()[offset..offset + buf.len()]);
        Ok(())
    }

    fn write(&mut self, address: u64, data: &[u8]) -> Result<(), MemoryError> {
        if data.is_empty() {
            return Ok(());
        }
        let offset = self.bounds(address, data.len())?;
        self.trace_write(offset, data);
        self.frame_mut()[offset..offset + data.len()].copy_from_slice(data);
        self.mark(offset, offset + data.len());
        Ok(())
    }
}

impl<T: Tracer> Memory<T> {
    /// `address` as a frame offset when `address..address + len` is inside the frame.
    fn bounds(&self, address: u64, len: usize) -> Result<usize, MemoryError> {
        let size = self.len;
        usize::try_from(address)
            .ok()
            .filter(|&o| o.checked_add(len).is_some_and(|end| end <= size))
            .ok_or(MemoryError::OutOfBounds {
                offset: address,
                len,
                size,
            })
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
