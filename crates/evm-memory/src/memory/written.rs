//! The written-range set: which bytes of the current frame may be non-zero, so that a
//! returning frame clears only those and zero-filling writes skip the rest.

use machine::Tracer;

use super::Memory;

/// Writes at most this far from a frame's current written range widen it; farther ones
/// start another range (up to [`MAX_EXTRA`] more per frame), so that a frame writing near
/// offset 0 and near 2 MiB does not clear everything in between.
pub(super) const NEAR: usize = 4096;

/// How many written ranges a frame keeps besides its current one; past that, a far write
/// widens the current range.
const MAX_EXTRA: usize = 7;

/// Written ranges up to this many bytes are cleared by word stores, larger ones by
/// [`Region::clear`](crate::region::Region::clear).
const SMALL_CLEAR: usize = 128;

/// The range of frame offsets a frame may have written, `lo..hi`: every byte of the frame
/// outside it is zero. Both ends are multiples of 32 (a non-empty range holds at least one
/// word), and `hi` is at most the frame's size.
#[derive(Clone, Copy, Debug)]
pub(super) struct Written {
    pub(super) lo: usize,
    pub(super) hi: usize,
    /// `hi - lo - 31` (0 when empty): the word at `offset` lies inside the range iff
    /// `offset.wrapping_sub(lo) < word_limit` (one subtraction and one compare for MSTORE's
    /// fast path, which needs no overflow check: the range ends at most at 2^40).
    pub(super) word_limit: usize,
}

impl Written {
    /// Nothing written: `lo..hi` is empty, `min`/`max` extend it to the first write, and no
    /// offset is below a `word_limit` of 0.
    pub(super) const NONE: Self = Self {
        lo: usize::MAX,
        hi: 0,
        word_limit: 0,
    };

    /// The range `lo..hi` as saved (`lo >= hi`: empty, as [`Written::NONE`]).
    #[inline(always)]
    pub(super) fn from_range(lo: usize, hi: usize) -> Self {
        Self {
            lo,
            hi,
            word_limit: if lo < hi { hi - lo - 31 } else { 0 },
        }
    }

    /// Whether the word at `offset..offset + 32` lies inside the range (for any `offset`:
    /// below `lo` the subtraction wraps to at least `2^64 - 2^40`).
    #[inline(always)]
    pub(super) fn holds_word(&self, offset: usize) -> bool {
        offset.wrapping_sub(self.lo) < self.word_limit
    }

    /// Whether the byte at `offset` lies inside the range.
    #[inline(always)]
    pub(super) fn holds_byte(&self, offset: usize) -> bool {
        offset >= self.lo && offset < self.hi
    }

    /// Whether `start..end` lies inside the range.
    #[inline(always)]
    pub(super) fn holds(&self, start: usize, end: usize) -> bool {
        start >= self.lo && end <= self.hi
    }

    /// Whether `start..end` is within [`NEAR`] bytes of the (non-empty) range.
    #[inline(always)]
    pub(super) fn near(&self, start: usize, end: usize) -> bool {
        start <= self.hi + NEAR && end + NEAR >= self.lo
    }

    /// Widens the range to cover `start..end` (non-empty), rounded out to words.
    #[inline(always)]
    pub(super) fn add(&mut self, start: usize, end: usize) {
        self.lo = self.lo.min(start & !31);
        self.hi = self.hi.max(end.next_multiple_of(32));
        self.word_limit = self.hi - self.lo - 31;
    }

    pub(super) fn is_empty(&self) -> bool {
        self.lo >= self.hi
    }
}

impl<T: Tracer> Memory<T> {
    /// Zeroes the current frame's written range and marks the frame clean (every byte from
    /// its checkpoint on is zero afterwards).
    #[inline]
    pub(super) fn clear_written(&mut self) {
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
    pub(super) fn record(&mut self, start: usize, end: usize) {
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
    pub(super) fn written_part(&self, start: usize, end: usize) -> (usize, usize) {
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
    pub(super) fn mark(&mut self, start: usize, end: usize) {
        debug_assert!(start < end && end <= self.len);
        if self.written.holds(start, end) {
            return;
        }
        self.record(start, end);
    }

    /// Zeroes the written bytes of frame offsets `start..end` (inside the frame): the others
    /// are zero already.
    #[inline(always)]
    pub(super) fn zero_written(&mut self, start: usize, end: usize) {
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
}
