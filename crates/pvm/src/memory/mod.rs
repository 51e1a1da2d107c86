//! Guest memory: a 4 GiB address space of 4 KiB pages, each inaccessible, read-only or
//! read-write (GP A.4).
//!
//! The whole space is reserved once as one flat anonymous mapping (`MAP_NORESERVE`: only
//! touched pages use RAM), and a byte per page records its access; the table of those
//! bytes sits in the same mapping, just below the guest space, so an instance's memory
//! costs one `mmap` and one `munmap` and the table's untouched pages are never committed. A guest load or store
//! is one page-offset compare, one table lookup and one unaligned read or write. Accesses
//! that straddle a page boundary or fail take a slow path that finds the lowest failing
//! address, as the Gray Paper requires.
//!
//! Invariant: an inaccessible page always holds zeros (pages start zero, and unmapping or
//! remapping with [`Memory::map_zeroed`] zeroes them). Tracing relies on it: only mapped
//! pages can hold a non-zero word.
//!
//! For the recompiler a memory can also enforce the table in hardware
//! (`Memory::enable_native_protection`, crate-internal): every guest page's host
//! protection then mirrors its table entry (`PROT_NONE`, `PROT_READ`,
//! `PROT_READ | PROT_WRITE`), so machine code may
//! access `base + address` directly and a forbidden access faults (the recompiler's signal
//! handler turns that fault into a step of the interpreter, which applies the rules
//! above). Host-side code here never touches a page its protection forbids: reads check
//! the table first, and writes that ignore read-only protection lift it for their range.

use std::ptr::NonNull;

mod reservation;

/// Z_P: the page size.
pub const PAGE_SIZE: u32 = 4096;
/// Accesses below this address always panic (Z_Z: the low 64 KiB are never accessible).
pub const LOW_MEMORY_END: u32 = 0x1_0000;
const PAGE_COUNT: usize = 1 << 20;
const ADDRESS_SPACE: usize = 1 << 32;
const _: () =
    assert!(PAGE_COUNT == reservation::TABLE_LEN && ADDRESS_SPACE == reservation::GUEST_LEN);

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
    /// The system refused to change the host protection of guest pages (recompiler
    /// instances only; e.g. the process ran out of memory mappings).
    #[error("could not change the host protection of guest memory: {0}")]
    Protect(String),
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
            | MemoryError::Protect(_)
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

    /// The aligned 8-byte word at `word_address` (a multiple of 8), little-endian, for
    /// tracing (see [`Memory::word`]).
    #[inline(always)]
    pub(crate) fn word(self, word_address: u32) -> u64 {
        debug_assert_eq!(word_address % 8, 0);
        // SAFETY: `page` < 2^20 = the table's length.
        if unsafe { *self.access.add((word_address / PAGE_SIZE) as usize) } == Access::None as u8 {
            // Inaccessible pages hold zeros (module invariant) and may be protected
            // against host reads (native protection).
            return 0;
        }
        // SAFETY: an aligned word at a u32 address ≤ 2^32 − 8 lies inside the 4 GiB
        // reservation, on an accessible (so host-readable) page; the base is page-aligned,
        // so the pointer is 8-byte aligned.
        u64::from_le(unsafe { self.base.add(word_address as usize).cast::<u64>().read() })
    }
}

/// The guest's RAM.
pub struct Memory {
    /// Base of the 4 GiB reservation.
    base: NonNull<u8>,
    /// One [`Access`] byte per page (a fixed-size array: a page index derived from a u32
    /// address needs no bounds check), stored as the `Access` discriminant so that the
    /// fresh mapping's zero pages mean "inaccessible". Points into the reservation, at
    /// `base - PAGE_COUNT`; owned by this `Memory` like the rest of it.
    access: NonNull<[u8; PAGE_COUNT]>,
    /// Pages currently mapped (for snapshots).
    mapped_pages: usize,
    /// The current heap end (`sbrk`), if a heap was set up.
    heap_end: u32,
    /// Every page range ever made accessible, as `(first page, count)`, so that releasing
    /// the reservation for reuse cleans only those (see `reservation`).
    dirty: [(u32, u32); MAX_DIRTY_RANGES],
    /// Ranges in `dirty`; more than `MAX_DIRTY_RANGES` means "lost track" (the reservation
    /// is then unmapped instead of reused).
    dirty_len: usize,
    /// Whether pages were mapped from an image file ([`Memory::map_image`]): zeroing then
    /// needs a fresh anonymous mapping instead of dropping pages.
    file_backed: bool,
    /// Whether host page protection mirrors the table (see the module docs).
    native: Native,
}

/// The state of a memory's hardware protection.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Native {
    /// The guest space is read-write for the host; only the table guards accesses.
    Off,
    /// Every guest page's host protection matches its table entry.
    On,
    /// A protection change failed (the system refused, e.g. too many mappings): host
    /// protection may be looser than the table, so machine code must not run on it.
    Broken,
}

/// Page ranges a memory remembers for cleaning; typical images map 3–5.
const MAX_DIRTY_RANGES: usize = 8;

// SAFETY: `Memory` owns its mapping exclusively; the raw pointer is not shared with
// anything else, so moving it to another thread is sound.
unsafe impl Send for Memory {}

// SAFETY: every `&self` method only reads the mapping and the page table, and nothing in
// `Memory` uses interior mutability; all mutation goes through `&mut self`. Shared
// references from several threads therefore only ever read concurrently.
unsafe impl Sync for Memory {}

impl Drop for Memory {
    fn drop(&mut self) {
        let dirty = (self.dirty_len <= MAX_DIRTY_RANGES).then(|| &self.dirty[..self.dirty_len]);
        let file_backed = self.file_backed;
        let protected = self.native != Native::Off;
        // SAFETY: the reservation came from `reservation::acquire` in `Memory::new`, is
        // released exactly once, here, and nothing borrows from it any more (host pointers
        // handed out by `host_ptr` are documented to die with the memory). `dirty` covers
        // every page ever made accessible (`set_pages` records them).
        unsafe { reservation::release(self.access.cast::<u8>(), dirty, file_backed, protected) };
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
        let start = reservation::acquire()?;
        let access = start.cast::<[u8; PAGE_COUNT]>();
        // SAFETY: the reservation is TABLE_LEN (= PAGE_COUNT) + 4 GiB bytes long, so the
        // guest space starts PAGE_COUNT bytes in (page-aligned: PAGE_COUNT is a multiple of
        // the page size) and is non-null.
        let base = unsafe { NonNull::new_unchecked(start.as_ptr().add(PAGE_COUNT)) };
        Ok(Memory {
            base,
            access,
            mapped_pages: 0,
            heap_end: 0,
            dirty: [(0, 0); MAX_DIRTY_RANGES],
            dirty_len: 0,
            file_backed: false,
            native: Native::Off,
        })
    }

    /// Makes every guest page's host protection mirror its table entry from now on (the
    /// recompiler's memory model, see the module docs). Idempotent. On failure (the system
    /// refused a protection change) the memory stays usable by the interpreter but
    /// [`Memory::native_protection`] is false for good.
    pub(crate) fn enable_native_protection(&mut self) -> bool {
        if self.native != Native::Off {
            return self.native == Native::On;
        }
        // From here on host protection may differ from a fresh mapping's (read-write).
        self.native = Native::Broken;
        // SAFETY: the guest space of this memory's reservation; no reference into it is
        // alive across this `&mut self` call.
        if !unsafe { reservation::protect(self.base.as_ptr(), ADDRESS_SPACE, Access::None) } {
            return false;
        }
        let mut ok = true;
        if self.dirty_len <= MAX_DIRTY_RANGES {
            for index in 0..self.dirty_len {
                let (first, count) = self.dirty[index];
                ok &= self.apply_protection(first as usize, count as usize);
            }
        } else {
            ok &= self.apply_protection(0, PAGE_COUNT);
        }
        if ok {
            self.native = Native::On;
        }
        ok
    }

    /// Whether host protection mirrors the table, so machine code may access guest memory
    /// directly.
    #[cfg(test)]
    pub(crate) fn native_protection(&self) -> bool {
        self.native == Native::On
    }

    /// Sets the host protection of pages `first..first + count` from their table entries,
    /// one system call per run of equal entries. Returns whether every call worked.
    fn apply_protection(&self, first: usize, count: usize) -> bool {
        let table = &self.table()[first..first + count];
        let mut ok = true;
        let mut start = 0;
        while start < table.len() {
            let value = table[start];
            let len = table[start..]
                .iter()
                .position(|&page| page != value)
                .unwrap_or(table.len() - start);
            let access = match value {
                0 => Access::None,
                1 => Access::Read,
                _ => Access::Write,
            };
            // SAFETY: the pages lie inside this memory's guest space (first + count ≤
            // PAGE_COUNT); callers hold `&mut self` or are in set-up, so no reference into
            // the range is alive.
            ok &= unsafe {
                reservation::protect(
                    self.base.as_ptr().add((first + start) * PAGE_SIZE as usize),
                    len * PAGE_SIZE as usize,
                    access,
                )
            };
            start += len;
        }
        ok
    }

    /// After host protection of `first..first + count` was changed: mirror the table again,
    /// or give up native protection for good if that fails.
    fn reprotect(&mut self, first: usize, count: usize) {
        if self.native == Native::On && !self.apply_protection(first, count) {
            self.native = Native::Broken;
        }
    }

    /// The access table.
    #[inline(always)]
    fn table(&self) -> &[u8; PAGE_COUNT] {
        // SAFETY: `access` points at the PAGE_COUNT-byte table at the start of the
        // reservation this `Memory` owns; shared access through `&self`.
        unsafe { self.access.as_ref() }
    }

    /// The access table, mutably.
    #[inline(always)]
    fn table_mut(&mut self) -> &mut [u8; PAGE_COUNT] {
        // SAFETY: as in `table`, exclusive through `&mut self`.
        unsafe { self.access.as_mut() }
    }

    /// Maps `[address, address + length)` (page-aligned) with `access`, filled with zeros.
    pub fn map_zeroed(
        &mut self,
        address: u32,
        length: u64,
        access: Access,
    ) -> Result<(), MemoryError> {
        check_range(address, length)?;
        self.zero_pages(address, length)?;
        self.set_pages(address, length, access);
        Ok(())
    }

    /// Makes `[address, address + length)` (page-aligned, already mapped by
    /// [`Memory::map_zeroed`]) show the bytes of `file` from `offset` on, copy-on-write:
    /// nothing is copied now, pages are read from the file (shared with every other memory
    /// mapping it) when first touched and become private when written. This is how a
    /// [`Module`](crate::Module) gives each instance its data without copying it.
    pub(crate) fn map_image(
        &mut self,
        address: u32,
        length: u64,
        file: &std::fs::File,
        offset: u64,
    ) -> Result<(), MemoryError> {
        use std::os::fd::AsRawFd;
        check_range(address, length)?;
        if length == 0 {
            return Ok(());
        }
        self.file_backed = true;
        // SAFETY: the range was checked to lie inside the reservation this memory owns;
        // MAP_FIXED replaces only that range, with a private (copy-on-write) view of the
        // file, which stays valid after the file is closed.
        let mapped = unsafe {
            libc::mmap(
                self.base.as_ptr().add(address as usize).cast(),
                length as usize,
                libc::PROT_READ | libc::PROT_WRITE,
                libc::MAP_PRIVATE | libc::MAP_FIXED,
                file.as_raw_fd(),
                offset as libc::off_t,
            )
        };
        if mapped == libc::MAP_FAILED {
            return Err(MemoryError::ReserveFailed(
                std::io::Error::last_os_error().to_string(),
            ));
        }
        self.reprotect(
            (address / PAGE_SIZE) as usize,
            (length / u64::from(PAGE_SIZE)) as usize,
        );
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
            self.zero_pages(address, length)?;
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
        let pages = &mut self.table_mut()[first..first + count];
        // Two vectorisable passes (count, fill) instead of a branch per page: a 16 MiB
        // region is 4096 entries.
        let was_mapped = pages
            .iter()
            .filter(|&&page| page != Access::None as u8)
            .count();
        pages.fill(access as u8);
        self.mapped_pages -= was_mapped;
        if access != Access::None {
            self.mapped_pages += count;
        }
        if access != Access::None && count > 0 {
            self.note_dirty(first as u32, count as u32);
        }
        self.reprotect(first, count);
    }

    /// Records that pages `first..first + count` became accessible.
    fn note_dirty(&mut self, first: u32, count: u32) {
        let end = first + count;
        for range in &mut self.dirty[..self.dirty_len.min(MAX_DIRTY_RANGES)] {
            // Overlapping or adjacent: grow the range.
            if first <= range.0 + range.1 && range.0 <= end {
                let start = range.0.min(first);
                range.1 = (range.0 + range.1).max(end) - start;
                range.0 = start;
                return;
            }
        }
        if self.dirty_len < MAX_DIRTY_RANGES {
            self.dirty[self.dirty_len] = (first, count);
        }
        self.dirty_len = (self.dirty_len + 1).min(MAX_DIRTY_RANGES + 1);
    }

    fn zero_pages(&mut self, address: u32, length: u64) -> Result<(), MemoryError> {
        if length == 0 {
            return Ok(());
        }
        // Inaccessible pages hold zeros (module invariant): only a range with a mapped page
        // needs the system call. (A fresh instance maps its image without any.)
        let first = (address / PAGE_SIZE) as usize;
        let count = (length / u64::from(PAGE_SIZE)) as usize;
        if self.table()[first..first + count]
            .iter()
            .all(|&page| page == Access::None as u8)
        {
            return Ok(());
        }
        // SAFETY: the range was checked to lie inside the reservation, which this memory
        // owns; nothing borrows it across this `&mut self` call.
        let pointer = unsafe { self.base.as_ptr().add(address as usize) };
        // SAFETY: as above.
        if !unsafe { reservation::discard(pointer, length as usize, self.file_backed) } {
            // The system refused (out of mappings): write the zeros instead, lifting
            // hardware protection first (the caller's `set_pages` sets it again).
            if self.native != Native::Off {
                // SAFETY: as above.
                if !unsafe { reservation::protect(pointer, length as usize, Access::Write) } {
                    // Neither dropping nor writing worked: the pages keep their bytes
                    // and their access, and the caller reports the error.
                    return Err(MemoryError::Protect(
                        std::io::Error::last_os_error().to_string(),
                    ));
                }
            }
            // SAFETY: as above; the range is host-writable now.
            unsafe { std::ptr::write_bytes(pointer, 0, length as usize) };
        }
        Ok(())
    }

    /// The access of the page holding `address`.
    #[inline]
    pub fn access(&self, address: u32) -> Access {
        match self.table()[(address / PAGE_SIZE) as usize] {
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
        // Skips unmapped runs eight entries at a time (almost the whole table) and stops
        // once every mapped page was seen (`set_pages`, the only writer of the table, keeps
        // the count): a scan entry by entry dominated differential-testing runs.
        let table = self.table();
        let mut left = self.mapped_pages;
        let mut page = 0;
        std::iter::from_fn(move || {
            while left > 0 && page < PAGE_COUNT {
                if page % 8 == 0 {
                    let word: [u8; 8] = table[page..page + 8].try_into().expect("8 entries");
                    if u64::from_ne_bytes(word) == 0 {
                        page += 8;
                        continue;
                    }
                }
                let entry = table[page];
                page += 1;
                if entry != Access::None as u8 {
                    left -= 1;
                    let access = if entry == Access::Read as u8 {
                        Access::Read
                    } else {
                        Access::Write
                    };
                    return Some(((page - 1) as u32 * PAGE_SIZE, access));
                }
            }
            None
        })
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
            access: self.access.as_ptr().cast::<u8>(),
        }
    }

    /// Guest load of `N` bytes at `address` (wrapping mod 2^32).
    #[inline(always)]
    pub fn load<const N: usize>(&self, address: u32) -> Result<[u8; N], Fault> {
        let offset = address % PAGE_SIZE;
        if offset <= PAGE_SIZE - N as u32
            && self.table()[(address / PAGE_SIZE) as usize] != Access::None as u8
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
            && self.table()[(address / PAGE_SIZE) as usize] == Access::Write as u8
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
        self.write_unchecked_access(address, data)
    }

    /// Host-side write to mapped guest memory that ignores read-only protection (used to
    /// load read-only data, and by debuggers). Unmapped memory is still refused.
    pub fn write_privileged(&mut self, address: u32, data: &[u8]) -> Result<(), MemoryError> {
        self.check_host(address, data.len(), Access::Read)?;
        self.write_unchecked_access(address, data)
    }

    pub(crate) fn write_unchecked_access(
        &mut self,
        address: u32,
        data: &[u8],
    ) -> Result<(), MemoryError> {
        if data.is_empty() {
            return Ok(());
        }
        let first = (address / PAGE_SIZE) as usize;
        let end = (u64::from(address) + data.len() as u64).div_ceil(u64::from(PAGE_SIZE)) as usize;
        // Hardware protection of read-only pages is lifted for the write.
        let lifted = self.native != Native::Off
            && self.table()[first..end]
                .iter()
                .any(|&page| page != Access::Write as u8);
        if lifted {
            // SAFETY: the pages lie inside this memory's guest space (the caller checked
            // the range); nothing borrows them across this `&mut self` call.
            let ok = unsafe {
                reservation::protect(
                    self.base.as_ptr().add(first * PAGE_SIZE as usize),
                    (end - first) * PAGE_SIZE as usize,
                    Access::Write,
                )
            };
            if !ok {
                return Err(MemoryError::Protect(
                    std::io::Error::last_os_error().to_string(),
                ));
            }
        }
        // SAFETY: the caller checked that the range lies inside the reservation (and is
        // mapped, so host-writable now). `copy` (memmove) because `data` may itself be a
        // view into guest memory.
        unsafe {
            std::ptr::copy(
                data.as_ptr(),
                self.base.as_ptr().add(address as usize),
                data.len(),
            );
        }
        if lifted {
            self.reprotect(first, end - first);
        }
        Ok(())
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
mod tests;
