//! Call frames: entering a child frame at the end of the current one, and returning from it.

use machine::Tracer;

use super::{written::Written, Memory};

/// What a parent frame keeps while a child runs (its checkpoint is the child's minus its
/// size, and its written range's `word_limit` follows from `lo..hi`).
#[derive(Clone, Copy)]
pub(super) struct Saved {
    len: usize,
    cost: u64,
    written_lo: usize,
    written_hi: usize,
    /// Start of the parent's ranges in `Memory::extra`.
    extra_base: usize,
}

impl<T: Tracer> Memory<T> {
    /// Starts a child frame with empty memory at the end of the current frame (with a new
    /// serial number).
    ///
    /// # Panics
    /// When tracing, at the `2^24`-th frame ([`MAX_FRAMES`](crate::MAX_FRAMES)).
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
    /// When tracing, at the `2^24`-th frame ([`MAX_FRAMES`](crate::MAX_FRAMES)).
    pub fn reset(&mut self) {
        while self.leave() {}
        self.clear_written();
        self.len = 0;
        self.cost = 0;
        self.new_serial();
    }
}
