//! Guest memory: a 4 GiB address space of 4 KiB pages, each inaccessible, read-only or
//! read-write (GP A.4).
//!
//! The whole space is reserved once as one flat anonymous mapping (`MAP_NORESERVE`: only
//! touched pages use RAM), and a byte per page records its access. A guest load or store
//! is one page-offset compare, one table lookup and one unaligned read or write. Accesses
//! that straddle a page boundary or fail take a slow path that finds the lowest failing
//! address, as the Gray Paper requires.
//!
//! Invariant: an inaccessible page always holds zeros (pages start zero, and unmapping or
//! remapping with [`Memory::map_zeroed`] zeroes them). Tracing relies on it: only mapped
//! pages can hold a non-zero word.

use std::ptr::NonNull;

/// Z_P: the page size.
pub const PAGE_SIZE: u32 = 4096;
/// Accesses below this address always panic (Z_Z: the low 64 KiB are never accessible).
pub const LOW_MEMORY_END: u32 = 0x1_0000;
const PAGE_COUNT: usize = 1 << 20;
const ADDRESS_SPACE: usize = 1 << 32;

/// What a page allows.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[repr(u8)]
pub enum Access {
    /// Not mapped: any access fails.
    None = 0,
    /// Readable.
    Read = 1,
    /// Readable and writable.
    Write = 2,
}

impl Access {
    /// The short name bindings use: `"rw"`, `"r"` or `"none"`.
    pub fn name(self) -> &'static str {
        match self {
            Access::Write => "rw",
            Access::Read => "r",
            Access::None => "none",
        }
    }
}

impl std::str::FromStr for Access {
    type Err = crate::isa::ParseNameError;
    /// Accepts `"rw"` (read-write), `"r"` (read-only) and `"none"`.
    fn from_str(text: &str) -> Result<Access, Self::Err> {
        match text {
            "rw" => Ok(Access::Write),
            "r" => Ok(Access::Read),
            "none" => Ok(Access::None),
            _ => Err(crate::isa::ParseNameError {
                what: "access",
                text: text.to_owned(),
                expected: "\"rw\", \"r\" or \"none\"",
            }),
        }
    }
}

/// Why a guest memory access failed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Fault {
    /// The lowest failing address is in the low 64 KiB: the machine panics.
    Panic,
    /// The lowest failing address is on this (page-aligned) page: a page fault.
    PageFault(u32),
}

/// Errors of the host-side memory API.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum MemoryError {
    /// Reserving the 4 GiB address space failed.
    #[error("could not reserve 4 GiB of guest address space: {0}")]
    ReserveFailed(String),
    /// The range is not page-aligned.
    #[error("range {address:#x}+{length:#x} is not page-aligned")]
    Unaligned {
        /// Start of the range.
        address: u32,
        /// Length of the range.
        length: u64,
    },
    /// The range runs past the end of the 32-bit address space.
    #[error("range {address:#x}+{length:#x} runs past 4 GiB")]
    OutOfRange {
        /// Start of the range.
        address: u32,
        /// Length of the range.
        length: u64,
    },
    /// The range touches the low 64 KiB, which can never be mapped.
    #[error("range {address:#x}+{length:#x} overlaps the reserved low 64 KiB")]
    Reserved {
        /// Start of the range.
        address: u32,
        /// Length of the range.
        length: u64,
    },
    /// A host access through the 64-bit [`machine::Memory`] interface starts or ends
    /// beyond the 32-bit guest address space.
    #[error("range {address:#x}+{length:#x} lies beyond the 32-bit guest address space")]
    BeyondAddressSpace {
        /// Start of the range.
        address: u64,
        /// Length of the range.
        length: u64,
    },
    /// The host tried to access guest memory that the access rules forbid.
    #[error("guest memory at {address:#x} is not {what}")]
    Inaccessible {
        /// First failing address.
        address: u32,
        /// "readable" or "writable".
        what: &'static str,
    },
}

impl MemoryError {
    /// The guest address a failed host access is about (the start of an out-of-range or
    /// reserved range, or the first inaccessible address); `None` for errors that are not
    /// about one guest address (reservation failure, misalignment, addresses beyond the
    /// 32-bit space).
    pub fn guest_address(&self) -> Option<u32> {
        match *self {
            MemoryError::OutOfRange { address, .. }
            | MemoryError::Reserved { address, .. }
            | MemoryError::Inaccessible { address, .. } => Some(address),
            MemoryError::ReserveFailed(_)
            | MemoryError::Unaligned { .. }
            | MemoryError::BeyondAddressSpace { .. } => None,
        }
    }
}

/// The two pointers a guest access needs, copied into locals by the interpreter so they
/// live in machine registers instead of being reloaded through `&mut Memory` per access.
#[derive(Clone, Copy)]
pub(crate) struct FastPath {
    base: *mut u8,
    access: *const u8,
}

impl FastPath {
    /// The fast path of [`Memory::load`]: `None` when the access straddles a page or the
    /// page is not readable (the caller then takes [`Memory::load_slow`]).
    #[inline(always)]
    pub(crate) fn load<const N: usize>(self, address: u32) -> Option<[u8; N]> {
        let page = (address / PAGE_SIZE) as usize;
        // SAFETY: `page` < 2^20 = the page table's length; the table outlives the
        // `FastPath` (see `Memory::fast_path`).
        let readable = unsafe { *self.access.add(page) } != Access::None as u8;
        if address % PAGE_SIZE <= PAGE_SIZE - N as u32 && readable {
            let mut out = [0u8; N];
            // SAFETY: the N bytes lie inside one page of the 4 GiB reservation.
            unsafe {
                std::ptr::copy_nonoverlapping(self.base.add(address as usize), out.as_mut_ptr(), N)
            };
            return Some(out);
        }
        None
    }

    /// The fast path of [`Memory::store`]: `false` when the caller must take
    /// [`Memory::store_slow`].
    #[inline(always)]
    pub(crate) fn store<const N: usize>(self, address: u32, bytes: [u8; N]) -> bool {
        let page = (address / PAGE_SIZE) as usize;
        // SAFETY: as in `load`.
        let writable = unsafe { *self.access.add(page) } == Access::Write as u8;
        if address % PAGE_SIZE <= PAGE_SIZE - N as u32 && writable {
            // SAFETY: the N bytes lie inside one writable page of the reservation.
            unsafe {
                std::ptr::copy_nonoverlapping(bytes.as_ptr(), self.base.add(address as usize), N)
            };
            return true;
        }
        false
    }

    /// The base of the 4 GiB reservation (for the recompiler's generated code).
    #[cfg(all(target_arch = "x86_64", target_os = "linux"))]
    pub(crate) fn base_ptr(self) -> *mut u8 {
        self.base
    }

    /// The page-access table, one [`Access`] byte per page (for the recompiler).
    #[cfg(all(target_arch = "x86_64", target_os = "linux"))]
    pub(crate) fn access_ptr(self) -> *const u8 {
        self.access
    }

    /// The aligned 8-byte word at `word_address` (a multiple of 8), little-endian, for
    /// tracing (see [`Memory::word`]).
    #[inline(always)]
    pub(crate) fn word(self, word_address: u32) -> u64 {
        debug_assert_eq!(word_address % 8, 0);
        // SAFETY: an aligned word at a u32 address ≤ 2^32 − 8 lies inside the 4 GiB
        // reservation, which is mapped readable as a whole (unmapped guest pages read as
        // zero); the base is page-aligned, so the pointer is 8-byte aligned.
        u64::from_le(unsafe { self.base.add(word_address as usize).cast::<u64>().read() })
    }
}

/// The guest's RAM.
pub struct Memory {
    /// Base of the 4 GiB reservation.
    base: NonNull<u8>,
    /// One [`Access`] byte per page (a fixed-size array: a page index derived from a u32
    /// address needs no bounds check).
    /// Stored as the `Access` discriminant so the table can be allocated zeroed (calloc:
    /// the OS hands out zero pages lazily instead of the engine writing 1 MiB per VM).
    access: Box<[u8; PAGE_COUNT]>,
    /// Pages currently mapped (for snapshots).
    mapped_pages: usize,
    /// The current heap end (`sbrk`), if a heap was set up.
    heap_end: u32,
}

// SAFETY: `Memory` owns its mapping exclusively; the raw pointer is not shared with
// anything else, so moving it to another thread is sound.
unsafe impl Send for Memory {}

// SAFETY: every `&self` method only reads the mapping and the page table, and nothing in
// `Memory` uses interior mutability; all mutation goes through `&mut self`. Shared
// references from several threads therefore only ever read concurrently.
unsafe impl Sync for Memory {}

impl Drop for Memory {
    fn drop(&mut self) {
        // SAFETY: `base` came from a successful mmap of ADDRESS_SPACE bytes and is unmapped
        // exactly once, here.
        unsafe {
            libc::munmap(self.base.as_ptr().cast(), ADDRESS_SPACE);
        }
    }
}

impl std::fmt::Debug for Memory {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Memory")
            .field("mapped_pages", &self.mapped_pages)
            .field("heap_end", &self.heap_end)
            .finish()
    }
}

pub(crate) fn check_range(address: u32, length: u64) -> Result<(), MemoryError> {
    if address % PAGE_SIZE != 0 || length % u64::from(PAGE_SIZE) != 0 {
        return Err(MemoryError::Unaligned { address, length });
    }
    if u64::from(address) + length > ADDRESS_SPACE as u64 {
        return Err(MemoryError::OutOfRange { address, length });
    }
    if length > 0 && address < LOW_MEMORY_END {
        return Err(MemoryError::Reserved { address, length });
    }
    Ok(())
}

/// Rounds `x` up to a whole number of pages. Lengths beyond the 4 GiB address space
/// saturate at a page-aligned value that is still beyond it (so a later range check
/// reports them as out of range instead of wrapping to a small length).
pub fn page_align_up(x: u64) -> u64 {
    x.div_ceil(u64::from(PAGE_SIZE)).min(u64::from(u32::MAX)) * u64::from(PAGE_SIZE)
}

impl Memory {
    /// Reserves an empty address space (every page inaccessible).
    pub fn new() -> Result<Memory, MemoryError> {
        // SAFETY: an anonymous private mapping with no address hint has no preconditions;
        // the result is checked against MAP_FAILED below.
        let pointer = unsafe {
            libc::mmap(
                std::ptr::null_mut(),
                ADDRESS_SPACE,
                libc::PROT_READ | libc::PROT_WRITE,
                libc::MAP_PRIVATE | libc::MAP_ANONYMOUS | libc::MAP_NORESERVE,
                -1,
                0,
            )
        };
        if pointer == libc::MAP_FAILED {
            return Err(MemoryError::ReserveFailed(
                std::io::Error::last_os_error().to_string(),
            ));
        }
        let base = NonNull::new(pointer.cast::<u8>())
            .ok_or_else(|| MemoryError::ReserveFailed("mmap returned null".into()))?;
        Ok(Memory {
            base,
            access: vec![Access::None as u8; PAGE_COUNT]
                .into_boxed_slice()
                .try_into()
                .expect("exactly PAGE_COUNT entries"),
            mapped_pages: 0,
            heap_end: 0,
        })
    }

    /// Maps `[address, address + length)` (page-aligned) with `access`, filled with zeros.
    pub fn map_zeroed(
        &mut self,
        address: u32,
        length: u64,
        access: Access,
    ) -> Result<(), MemoryError> {
        check_range(address, length)?;
        self.zero_pages(address, length);
        self.set_pages(address, length, access);
        Ok(())
    }

    /// Changes the access of `[address, address + length)`, keeping the contents of pages
    /// that stay mapped; pages that become inaccessible are zeroed.
    pub fn set_access(
        &mut self,
        address: u32,
        length: u64,
        access: Access,
    ) -> Result<(), MemoryError> {
        check_range(address, length)?;
        if access == Access::None {
            self.zero_pages(address, length);
        }
        self.set_pages(address, length, access);
        Ok(())
    }

    /// Unmaps `[address, address + length)` and forgets its contents.
    pub fn unmap(&mut self, address: u32, length: u64) -> Result<(), MemoryError> {
        self.set_access(address, length, Access::None)
    }

    fn set_pages(&mut self, address: u32, length: u64, access: Access) {
        let first = (address / PAGE_SIZE) as usize;
        let count = (length / u64::from(PAGE_SIZE)) as usize;
        for page in &mut self.access[first..first + count] {
            match (*page == Access::None as u8, access == Access::None) {
                (true, false) => self.mapped_pages += 1,
                (false, true) => self.mapped_pages -= 1,
                _ => {}
            }
            *page = access as u8;
        }
    }

    fn zero_pages(&mut self, address: u32, length: u64) {
        if length == 0 {
            return;
        }
        // SAFETY: the range was checked to lie inside the reservation; MADV_DONTNEED on a
        // private anonymous mapping makes the pages read back as zeros.
        unsafe {
            libc::madvise(
                self.base.as_ptr().add(address as usize).cast(),
                length as usize,
                libc::MADV_DONTNEED,
            );
        }
    }

    /// The access of the page holding `address`.
    #[inline]
    pub fn access(&self, address: u32) -> Access {
        match self.access[(address / PAGE_SIZE) as usize] {
            0 => Access::None,
            1 => Access::Read,
            _ => Access::Write,
        }
    }

    /// Number of mapped pages.
    pub fn mapped_page_count(&self) -> usize {
        self.mapped_pages
    }

    /// Addresses of all mapped pages, ascending.
    pub fn mapped_pages(&self) -> impl Iterator<Item = (u32, Access)> + '_ {
        (0..PAGE_COUNT as u32)
            .map(|page| page * PAGE_SIZE)
            .filter(|&address| self.access(address) != Access::None)
            .map(|address| (address, self.access(address)))
    }

    /// The aligned 8-byte word holding byte `address`, read little-endian regardless of
    /// access rights (unmapped pages read as zero): the value of the memory cell a trace
    /// reports for `address` (see `machine::cells`).
    #[inline]
    pub fn word(&self, address: u32) -> u64 {
        self.fast_path().word(address & !7)
    }

    /// The current heap end used by `sbrk`.
    pub fn heap_end(&self) -> u32 {
        self.heap_end
    }

    /// Sets the heap end (the first address after the read-write data and heap).
    pub fn set_heap_end(&mut self, end: u32) {
        self.heap_end = end;
    }

    /// GP 0.7 `sbrk`: grows the heap by `size` bytes, mapping new pages read-write, and
    /// returns the old heap end; `None` if it would not fit.
    pub fn sbrk(&mut self, size: u64) -> Option<u32> {
        let old = self.heap_end;
        if size == 0 {
            return Some(old);
        }
        let new_end = u64::from(old).checked_add(size)?;
        if new_end > u64::from(u32::MAX) - u64::from(PAGE_SIZE) {
            return None;
        }
        let first = page_align_up(u64::from(old));
        let last = page_align_up(new_end);
        if last > first {
            self.set_access(first as u32, last - first, Access::Write)
                .ok()?;
        }
        self.heap_end = new_end as u32;
        Some(old)
    }

    /// Finds the fault for an access of `len` bytes at `address` needing `needed`.
    ///
    /// GP A.9: the lowest failing index is taken before reduction mod 2^32, then reduced.
    /// So an access wrapping past 0xFFFFFFFF page-faults on the last page if that page
    /// fails, and panics (the wrapped bytes are in low memory) otherwise.
    #[cold]
    fn fault(&self, address: u32, len: u32, needed: Access) -> Option<Fault> {
        let fails = |a: u32| a < LOW_MEMORY_END || (self.access(a) as u8) < (needed as u8);
        let lowest = (0..u64::from(len))
            .map(|i| u64::from(address) + i)
            .find(|&raw| fails(raw as u32))? as u32;
        Some(if lowest < LOW_MEMORY_END {
            Fault::Panic
        } else {
            Fault::PageFault(lowest & !(PAGE_SIZE - 1))
        })
    }

    /// Raw pointers for the interpreter's inlined fast path. They stay valid until the
    /// next use of `&mut self` (which may write the page table): re-fetch after any.
    #[inline(always)]
    pub(crate) fn fast_path(&self) -> FastPath {
        FastPath {
            base: self.base.as_ptr(),
            access: self.access.as_ptr(),
        }
    }

    /// Guest load of `N` bytes at `address` (wrapping mod 2^32).
    #[inline(always)]
    pub fn load<const N: usize>(&self, address: u32) -> Result<[u8; N], Fault> {
        let offset = address % PAGE_SIZE;
        if offset <= PAGE_SIZE - N as u32
            && self.access[(address / PAGE_SIZE) as usize] != Access::None as u8
        {
            let mut out = [0u8; N];
            // SAFETY: the N bytes lie inside one page of the 4 GiB reservation (checked
            // offset), and `out` is a distinct local buffer.
            unsafe {
                std::ptr::copy_nonoverlapping(
                    self.base.as_ptr().add(address as usize),
                    out.as_mut_ptr(),
                    N,
                );
            }
            return Ok(out);
        }
        self.load_slow(address)
    }

    #[cold]
    pub(crate) fn load_slow<const N: usize>(&self, address: u32) -> Result<[u8; N], Fault> {
        if let Some(fault) = self.fault(address, N as u32, Access::Read) {
            return Err(fault);
        }
        let mut out = [0u8; N];
        for (i, byte) in out.iter_mut().enumerate() {
            *byte = self.byte(address.wrapping_add(i as u32));
        }
        Ok(out)
    }

    /// Guest store of `N` bytes at `address`: all or nothing.
    #[inline(always)]
    pub fn store<const N: usize>(&mut self, address: u32, bytes: [u8; N]) -> Result<(), Fault> {
        let offset = address % PAGE_SIZE;
        if offset <= PAGE_SIZE - N as u32
            && self.access[(address / PAGE_SIZE) as usize] == Access::Write as u8
        {
            // SAFETY: the N bytes lie inside one page of the reservation (checked offset)
            // and `bytes` is a local value.
            unsafe {
                std::ptr::copy_nonoverlapping(
                    bytes.as_ptr(),
                    self.base.as_ptr().add(address as usize),
                    N,
                );
            }
            return Ok(());
        }
        self.store_slow(address, bytes)
    }

    #[cold]
    pub(crate) fn store_slow<const N: usize>(
        &mut self,
        address: u32,
        bytes: [u8; N],
    ) -> Result<(), Fault> {
        if let Some(fault) = self.fault(address, N as u32, Access::Write) {
            return Err(fault);
        }
        for (i, byte) in bytes.iter().enumerate() {
            self.set_byte(address.wrapping_add(i as u32), *byte);
        }
        Ok(())
    }

    #[inline]
    fn byte(&self, address: u32) -> u8 {
        // SAFETY: every u32 address lies inside the 4 GiB reservation.
        unsafe { *self.base.as_ptr().add(address as usize) }
    }

    #[inline]
    fn set_byte(&mut self, address: u32, value: u8) {
        // SAFETY: every u32 address lies inside the 4 GiB reservation.
        unsafe { *self.base.as_ptr().add(address as usize) = value }
    }

    pub(crate) fn check_host(
        &self,
        address: u32,
        len: usize,
        needed: Access,
    ) -> Result<(), MemoryError> {
        let end = u64::from(address) + len as u64;
        if end > ADDRESS_SPACE as u64 {
            return Err(MemoryError::OutOfRange {
                address,
                length: len as u64,
            });
        }
        let mut page = u64::from(address) & !u64::from(PAGE_SIZE - 1);
        while page < end {
            let at = page.max(u64::from(address)) as u32;
            if at < LOW_MEMORY_END || (self.access(at) as u8) < (needed as u8) {
                return Err(MemoryError::Inaccessible {
                    address: at,
                    what: if needed == Access::Write {
                        "writable"
                    } else {
                        "readable"
                    },
                });
            }
            page += u64::from(PAGE_SIZE);
        }
        Ok(())
    }

    /// Host-side read of readable guest memory into `out`.
    pub fn read(&self, address: u32, out: &mut [u8]) -> Result<(), MemoryError> {
        self.check_host(address, out.len(), Access::Read)?;
        // SAFETY: the range was checked to lie inside the reservation. `copy` (memmove)
        // because `out` may itself be a view into guest memory (a binding's zero-copy view).
        unsafe {
            std::ptr::copy(
                self.base.as_ptr().add(address as usize),
                out.as_mut_ptr(),
                out.len(),
            );
        }
        Ok(())
    }

    /// Host-side read of `len` readable bytes into a new vector.
    pub fn read_vec(&self, address: u32, len: usize) -> Result<Vec<u8>, MemoryError> {
        let mut out = vec![0; len];
        self.read(address, &mut out)?;
        Ok(out)
    }

    /// Host-side write to writable guest memory.
    pub fn write(&mut self, address: u32, data: &[u8]) -> Result<(), MemoryError> {
        self.check_host(address, data.len(), Access::Write)?;
        self.write_unchecked_access(address, data);
        Ok(())
    }

    /// Host-side write to mapped guest memory that ignores read-only protection (used to
    /// load read-only data, and by debuggers). Unmapped memory is still refused.
    pub fn write_privileged(&mut self, address: u32, data: &[u8]) -> Result<(), MemoryError> {
        self.check_host(address, data.len(), Access::Read)?;
        self.write_unchecked_access(address, data);
        Ok(())
    }

    pub(crate) fn write_unchecked_access(&mut self, address: u32, data: &[u8]) {
        // SAFETY: the caller checked that the range lies inside the reservation. `copy`
        // (memmove) because `data` may itself be a view into guest memory.
        unsafe {
            std::ptr::copy(
                data.as_ptr(),
                self.base.as_ptr().add(address as usize),
                data.len(),
            );
        }
    }

    /// A raw pointer to `[address, address + len)` if every byte is readable (and writable
    /// when `writable`), for bindings that hand out zero-copy views. The reservation never
    /// moves, so the pointer stays valid as long as this `Memory` lives; accesses through it
    /// bypass the access rights, and what it points to changes when the guest runs or pages
    /// are unmapped (unmapped pages read as zero).
    pub fn host_ptr(
        &self,
        address: u32,
        len: usize,
        writable: bool,
    ) -> Result<NonNull<u8>, MemoryError> {
        let needed = if writable {
            Access::Write
        } else {
            Access::Read
        };
        self.check_host(address, len, needed)?;
        // SAFETY: `address` < 2^32 lies inside the 4 GiB reservation.
        Ok(unsafe { self.base.add(address as usize) })
    }

    /// A view of `[address, address + len)` if every byte is readable (and writable when
    /// `writable`): guest memory is one flat region, so any such range is contiguous.
    pub fn slice(&self, address: u32, len: usize, writable: bool) -> Result<&[u8], MemoryError> {
        let needed = if writable {
            Access::Write
        } else {
            Access::Read
        };
        self.check_host(address, len, needed)?;
        // SAFETY: the range was checked to lie inside the reservation and to be mapped;
        // the borrow is tied to `&self`, so the guest cannot run while it lives.
        Ok(unsafe { std::slice::from_raw_parts(self.base.as_ptr().add(address as usize), len) })
    }

    /// A mutable view of `[address, address + len)` if every byte is writable.
    pub fn slice_mut(&mut self, address: u32, len: usize) -> Result<&mut [u8], MemoryError> {
        self.check_host(address, len, Access::Write)?;
        // SAFETY: as in `slice`; `&mut self` makes the view exclusive.
        Ok(
            unsafe {
                std::slice::from_raw_parts_mut(self.base.as_ptr().add(address as usize), len)
            },
        )
    }

    /// The contents of the mapped page at `page_address` (page-aligned), if mapped.
    pub fn page(&self, page_address: u32) -> Option<&[u8]> {
        if page_address % PAGE_SIZE != 0 || self.access(page_address) == Access::None {
            return None;
        }
        // SAFETY: the page lies inside the reservation; the returned borrow is tied to
        // `&self`, so no guest write can happen while it lives.
        Some(unsafe {
            std::slice::from_raw_parts(
                self.base.as_ptr().add(page_address as usize),
                PAGE_SIZE as usize,
            )
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unmapped_memory_faults_and_low_memory_panics() {
        let memory = Memory::new().unwrap();
        assert_eq!(memory.load::<4>(0x2_0000), Err(Fault::PageFault(0x2_0000)));
        assert_eq!(memory.load::<1>(0x1234), Err(Fault::Panic));
        assert_eq!(memory.load::<1>(0xFFFF), Err(Fault::Panic));
    }

    #[test]
    fn read_only_pages_fault_on_store() {
        let mut memory = Memory::new().unwrap();
        memory.map_zeroed(0x2_0000, 4096, Access::Read).unwrap();
        assert_eq!(memory.load::<8>(0x2_0000), Ok([0; 8]));
        assert_eq!(
            memory.store(0x2_0010, [1u8; 2]),
            Err(Fault::PageFault(0x2_0000))
        );
    }

    #[test]
    fn straddling_store_is_atomic_and_reports_the_lowest_failing_page() {
        let mut memory = Memory::new().unwrap();
        memory.map_zeroed(0x2_0000, 4096, Access::Write).unwrap();
        assert_eq!(
            memory.store(0x2_0FFE, [1u8; 4]),
            Err(Fault::PageFault(0x2_1000))
        );
        assert_eq!(memory.load::<2>(0x2_0FFE), Ok([0, 0]));
        memory.map_zeroed(0x2_1000, 4096, Access::Write).unwrap();
        memory.store(0x2_0FFE, [1, 2, 3, 4]).unwrap();
        assert_eq!(memory.load::<4>(0x2_0FFE), Ok([1, 2, 3, 4]));
    }

    #[test]
    fn wrapping_access_faults_on_the_last_page_or_panics_in_low_memory() {
        let mut memory = Memory::new().unwrap();
        // Last page unmapped: its bytes are the lowest failing indices.
        assert_eq!(
            memory.load::<4>(0xFFFF_FFFE),
            Err(Fault::PageFault(0xFFFF_F000))
        );
        // Last page mapped: only the wrapped bytes in low memory fail.
        memory.map_zeroed(0xFFFF_F000, 4096, Access::Write).unwrap();
        assert_eq!(memory.load::<4>(0xFFFF_FFFE), Err(Fault::Panic));
    }

    #[test]
    fn unmap_forgets_contents_and_map_checks_ranges() {
        let mut memory = Memory::new().unwrap();
        memory.map_zeroed(0x3_0000, 8192, Access::Write).unwrap();
        memory.write(0x3_0005, &[9, 9]).unwrap();
        assert_eq!(memory.mapped_page_count(), 2);
        memory.unmap(0x3_0000, 4096).unwrap();
        assert_eq!(memory.mapped_page_count(), 1);
        memory.map_zeroed(0x3_0000, 4096, Access::Read).unwrap();
        assert_eq!(memory.read_vec(0x3_0005, 2).unwrap(), [0, 0]);
        assert!(matches!(
            memory.map_zeroed(0x3_0001, 4096, Access::Read),
            Err(MemoryError::Unaligned { .. })
        ));
        assert!(matches!(
            memory.map_zeroed(0, 4096, Access::Read),
            Err(MemoryError::Reserved { .. })
        ));
        assert!(matches!(
            memory.map_zeroed(0xFFFF_F000, 8192, Access::Read),
            Err(MemoryError::OutOfRange { .. })
        ));
        assert!(matches!(
            memory.write(0x3_0000, &[1]),
            Err(MemoryError::Inaccessible { .. })
        ));
    }

    #[test]
    fn absurd_lengths_are_out_of_range_not_wrapped() {
        let mut memory = Memory::new().unwrap();
        let length = page_align_up(u64::MAX);
        assert_eq!(length % u64::from(PAGE_SIZE), 0);
        assert!(matches!(
            memory.map_zeroed(0x2_0000, length, Access::Write),
            Err(MemoryError::OutOfRange { .. })
        ));
        assert_eq!(memory.mapped_page_count(), 0);
    }

    #[test]
    fn host_ptr_checks_rights_and_reads_overlapping_buffers() {
        let mut memory = Memory::new().unwrap();
        memory.map_zeroed(0x2_0000, 4096, Access::Write).unwrap();
        memory.write(0x2_0000, &[1, 2, 3, 4]).unwrap();
        let ptr = memory.host_ptr(0x2_0000, 4, true).unwrap();
        // A host buffer that is itself guest memory (a zero-copy view): memmove semantics.
        // SAFETY: the four bytes at `ptr` are mapped; the slice is dropped before any
        // other use of `memory`'s contents except the `read` into it.
        let view = unsafe { std::slice::from_raw_parts_mut(ptr.as_ptr().add(1), 3) };
        memory.read(0x2_0000, view).unwrap();
        assert_eq!(memory.read_vec(0x2_0000, 4).unwrap(), [1, 1, 2, 3]);
        assert!(memory.host_ptr(0x3_0000, 1, false).is_err());
        memory.set_access(0x2_0000, 4096, Access::Read).unwrap();
        assert!(memory.host_ptr(0x2_0000, 1, true).is_err());
    }

    #[test]
    fn sbrk_maps_new_pages() {
        let mut memory = Memory::new().unwrap();
        memory.set_heap_end(0x2_0000);
        assert_eq!(memory.sbrk(10), Some(0x2_0000));
        assert_eq!(memory.heap_end(), 0x2_000A);
        memory.store(0x2_0009, [1u8]).unwrap();
        assert_eq!(memory.sbrk(0), Some(0x2_000A));
        assert_eq!(memory.sbrk(u64::MAX), None);
    }
}
