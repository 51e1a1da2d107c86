//! A reserved, zero-filled span of address space (one anonymous private mapping).

use crate::MemoryError;
use core::ptr::NonNull;

/// Below this many bytes a clear is a `memset`; from here on whole pages are handed back to
/// the kernel (`MADV_DONTNEED`), which makes them read as zero again without touching them
/// and releases the memory. Refaulting a page costs more than zeroing it (measured:
/// `grow-seq` 4 MiB went from 2.1x slower than revm with a 256 KiB threshold), so this is
/// only for sizes worth giving back.
const MADVISE_THRESHOLD: usize = 32 << 20;

/// Reserved address space that reads as zero until written.
pub(crate) struct Region {
    base: NonNull<u8>,
    len: usize,
    page: usize,
}

impl Region {
    /// Reserves `len` bytes (rounded up to whole pages). No physical memory is committed.
    pub(crate) fn reserve(len: usize) -> Result<Self, MemoryError> {
        // SAFETY: sysconf has no preconditions.
        let page = usize::try_from(unsafe { libc::sysconf(libc::_SC_PAGESIZE) }).unwrap_or(4096);
        let rounded = len
            .max(1)
            .checked_next_multiple_of(page)
            .ok_or(MemoryError::Reserve(len))?;
        // SAFETY: a fresh anonymous private mapping at an address of the kernel's choosing
        // aliases nothing; the result is checked below.
        let ptr = unsafe {
            libc::mmap(
                core::ptr::null_mut(),
                rounded,
                libc::PROT_READ | libc::PROT_WRITE,
                libc::MAP_PRIVATE | libc::MAP_ANONYMOUS | libc::MAP_NORESERVE,
                -1,
                0,
            )
        };
        if ptr == libc::MAP_FAILED {
            return Err(MemoryError::Reserve(rounded));
        }
        let base = NonNull::new(ptr.cast::<u8>()).ok_or(MemoryError::Reserve(rounded))?;
        Ok(Self {
            base,
            len: rounded,
            page,
        })
    }

    /// Start of the region.
    #[inline(always)]
    pub(crate) fn ptr(&self) -> *mut u8 {
        self.base.as_ptr()
    }

    /// Size of the region in bytes.
    #[inline(always)]
    pub(crate) fn len(&self) -> usize {
        self.len
    }

    /// Makes `start..start + len` read as zero again.
    ///
    /// # Panics
    /// If the range is not inside the region.
    pub(crate) fn clear(&mut self, start: usize, len: usize) {
        let end = start.checked_add(len).expect("clear range overflows");
        assert!(end <= self.len, "clear range outside the region");
        let p = self.ptr();
        if len < MADVISE_THRESHOLD {
            // SAFETY: start..end is inside the mapping (checked above) and `&mut self`
            // guarantees no other reference into it is alive.
            unsafe { core::ptr::write_bytes(p.add(start), 0, len) };
            return;
        }
        let first_page = start.next_multiple_of(self.page);
        let last_page = end / self.page * self.page;
        // SAFETY: as above; the head start..first_page and tail last_page..end are inside
        // start..end, and first_page..last_page is a page-aligned part of the mapping, which
        // MADV_DONTNEED on a private anonymous mapping refills with zero pages on next touch.
        unsafe {
            core::ptr::write_bytes(p.add(start), 0, first_page - start);
            core::ptr::write_bytes(p.add(last_page), 0, end - last_page);
            if libc::madvise(
                p.add(first_page).cast(),
                last_page - first_page,
                libc::MADV_DONTNEED,
            ) != 0
            {
                core::ptr::write_bytes(p.add(first_page), 0, last_page - first_page);
            }
        }
    }
}

impl Drop for Region {
    fn drop(&mut self) {
        // SAFETY: base/len are exactly the mapping made in `reserve`, unmapped once here.
        unsafe { libc::munmap(self.base.as_ptr().cast(), self.len) };
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fresh_memory_is_zero_and_clear_zeroes() {
        let mut r = Region::reserve(40 << 20).unwrap();
        assert!(r.len() >= 40 << 20);
        // SAFETY: inside the mapping, no other references.
        let s = unsafe { core::slice::from_raw_parts_mut(r.ptr(), 40 << 20) };
        assert!(s.iter().all(|&b| b == 0));
        s.fill(0xAB);
        r.clear(3, 100);
        r.clear(1000, (33 << 20) + 777);
        r.clear(0, 0);
        // SAFETY: as above.
        let s = unsafe { core::slice::from_raw_parts(r.ptr(), 40 << 20) };
        for (i, &b) in s.iter().enumerate() {
            let cleared = (3..103).contains(&i) || (1000..1000 + (33 << 20) + 777).contains(&i);
            assert_eq!(b, if cleared { 0 } else { 0xAB }, "byte {i}");
        }
    }
}
