//! Expansion: growing the current frame to cover an access, charging its gas.

use machine::Tracer;

use super::{
    written::{Written, NEAR},
    Memory,
};
use crate::{gas::memory_gas, operand::to_usize, MemoryError};

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

impl<T: Tracer> Memory<T> {
    /// [`Memory::expand`] of `offset..offset + len` (`len != 0`) for a write of that range:
    /// also records it as written. The fast path (inside the written range) costs MSTORE
    /// what `expand`'s (inside the frame) costs MLOAD: a subtraction and a compare instead
    /// of an overflow check, an addition and a compare.
    #[inline(always)]
    pub(super) fn expand_for_write(
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
}
