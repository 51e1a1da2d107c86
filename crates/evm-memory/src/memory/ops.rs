//! The EVM operations on the current frame (MLOAD, MSTORE, MSTORE8, MCOPY, range reads and
//! copies) and the gas-free [`machine::Memory`] byte access.

use machine::Tracer;

use super::Memory;
use crate::MemoryError;

impl<T: Tracer> Memory<T> {
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
    pub(super) fn bounds(&self, address: u64, len: usize) -> Result<usize, MemoryError> {
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
