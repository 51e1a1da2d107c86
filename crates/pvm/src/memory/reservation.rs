//! The address-space reservations behind guest memories: one anonymous `MAP_NORESERVE`
//! mapping per memory, its first [`TABLE_LEN`] bytes the page-access table and the next
//! 4 GiB the guest space. Creating and destroying such a mapping costs system calls and
//! page-table work in the kernel (a few microseconds each way), so a small process-wide
//! pool keeps recently released reservations, cleaned back to the state of a fresh
//! mapping: every page of the guest space reads as zero and every table entry is 0
//! ("inaccessible").
//!
//! A memory releases its reservation with the list of page ranges it ever made
//! accessible (`dirty`); only those can hold non-zero bytes or table entries, so cleaning
//! is one `madvise(MADV_DONTNEED)` (private anonymous pages then read back as zeros) and
//! one `memset` of table entries per range. A memory that lost track (too many ranges)
//! unmaps its reservation instead.

use std::ptr::NonNull;
use std::sync::Mutex;

use super::MemoryError;

/// Bytes of the page-access table (one per 4 KiB page of the 4 GiB space).
pub(super) const TABLE_LEN: usize = 1 << 20;
/// Bytes of the guest space.
pub(super) const GUEST_LEN: usize = 1 << 32;
/// Inaccessible bytes after the guest space (`PROT_NONE` for the mapping's life), so that
/// machine code doing an access of up to 8 bytes at `base + address` for any 32-bit address
/// faults instead of reaching whatever the system maps next.
const GUARD_LEN: usize = 1 << 16;
/// The whole mapping.
const RESERVATION_LEN: usize = TABLE_LEN + GUEST_LEN + GUARD_LEN;
/// Page size of the guest space (and a multiple of the host's).
const PAGE: usize = 4096;
/// Reservations kept for reuse. Each costs address space only (4 GiB + 1 MiB of it; its
/// pages are returned to the system when it is cleaned).
const POOL_CAPACITY: usize = 32;

/// The start of a reservation (its table), owned by whoever holds it.
struct Reservation(NonNull<u8>);

// SAFETY: a `Reservation` in the pool is owned by the pool alone (no other pointer into it
// is used until it is handed out again), so moving it between threads is sound.
unsafe impl Send for Reservation {}

static POOL: Mutex<Vec<Reservation>> = Mutex::new(Vec::new());

/// A clean reservation: from the pool if one is there, else a new mapping. Returns its
/// start (the table; the guest space follows at `TABLE_LEN`).
pub(super) fn acquire() -> Result<NonNull<u8>, MemoryError> {
    if let Some(Reservation(start)) = pool().pop() {
        return Ok(start);
    }
    // SAFETY: an anonymous private mapping with no address hint has no preconditions; the
    // result is checked against MAP_FAILED below.
    let pointer = unsafe {
        libc::mmap(
            std::ptr::null_mut(),
            RESERVATION_LEN,
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
    // SAFETY: the guard is the last GUARD_LEN bytes of the mapping just made.
    let guarded = unsafe {
        libc::mprotect(
            pointer.cast::<u8>().add(TABLE_LEN + GUEST_LEN).cast(),
            GUARD_LEN,
            libc::PROT_NONE,
        )
    } == 0;
    if !guarded {
        let error = std::io::Error::last_os_error().to_string();
        // SAFETY: the whole mapping made above, unused.
        unsafe { libc::munmap(pointer, RESERVATION_LEN) };
        return Err(MemoryError::ReserveFailed(error));
    }
    NonNull::new(pointer.cast::<u8>())
        .ok_or_else(|| MemoryError::ReserveFailed("mmap returned null".into()))
}

/// Sets the host protection of `len` bytes at `pointer` (page-aligned, inside the guest
/// space of a reservation) to what `access` allows. Returns whether it worked.
///
/// # Safety
/// The range lies inside the guest space of a reservation owned by the caller, and nothing
/// that would be invalidated by the change (a Rust reference into it) is alive.
pub(super) unsafe fn protect(pointer: *mut u8, len: usize, access: super::Access) -> bool {
    let prot = match access {
        super::Access::None => libc::PROT_NONE,
        super::Access::Read => libc::PROT_READ,
        super::Access::Write => libc::PROT_READ | libc::PROT_WRITE,
    };
    // SAFETY: the caller's contract.
    unsafe { libc::mprotect(pointer.cast(), len, prot) == 0 }
}

/// Makes `len` bytes at `pointer` (page-aligned, inside a reservation) read as zeros and
/// hold no memory. Anonymous pages are simply dropped (`MADV_DONTNEED`); a range that may
/// hold pages mapped from a module's image file (`file_backed`) is replaced by a fresh
/// anonymous mapping instead, since dropping file pages would show the file again.
/// Returns whether it worked.
///
/// # Safety
/// The range lies inside a reservation owned by the caller, and nothing borrows it.
pub(super) unsafe fn discard(pointer: *mut u8, len: usize, file_backed: bool) -> bool {
    if file_backed {
        // SAFETY: MAP_FIXED over a range of the caller's own reservation replaces only
        // that range (the caller's contract).
        let mapped = unsafe {
            libc::mmap(
                pointer.cast(),
                len,
                libc::PROT_READ | libc::PROT_WRITE,
                libc::MAP_PRIVATE | libc::MAP_ANONYMOUS | libc::MAP_NORESERVE | libc::MAP_FIXED,
                -1,
                0,
            )
        };
        mapped == pointer.cast()
    } else {
        // SAFETY: the range is the caller's, private and anonymous.
        unsafe { libc::madvise(pointer.cast(), len, libc::MADV_DONTNEED) == 0 }
    }
}

/// Gives back the reservation at `start`. `dirty` lists, as `(first page, page count)`,
/// every page range that was ever accessible (`None`: not known); pages and table entries
/// outside them must be untouched (zero). `file_backed`: some of those pages may be
/// mapped from an image file (see [`discard`]). `protected`: the guest space's host
/// protection was changed (see `Memory::enable_native_protection`) and must be made
/// read-write again, as in a fresh mapping.
///
/// # Safety
/// `start` came from [`acquire`], is released once, and nothing uses memory in it after.
pub(super) unsafe fn release(
    start: NonNull<u8>,
    dirty: Option<&[(u32, u32)]>,
    file_backed: bool,
    protected: bool,
) {
    let mut pool = pool();
    if let (Some(ranges), true) = (dirty, pool.len() < POOL_CAPACITY) {
        // SAFETY: the guest space of the caller's reservation, given up by the caller.
        let mut clean = !protected
            || unsafe {
                protect(
                    start.as_ptr().add(TABLE_LEN),
                    GUEST_LEN,
                    super::Access::Write,
                )
            };
        for &(first, count) in ranges {
            let (first, count) = (first as usize, count as usize);
            debug_assert!(first + count <= TABLE_LEN);
            // SAFETY: the range lies in the table (first + count <= TABLE_LEN pages) and
            // in the guest space; the caller gave up every other use of the reservation.
            unsafe {
                std::ptr::write_bytes(start.as_ptr().add(first), 0, count);
                clean &= discard(
                    start.as_ptr().add(TABLE_LEN + first * PAGE),
                    count * PAGE,
                    file_backed,
                );
            }
        }
        if clean {
            pool.push(Reservation(start));
            return;
        }
    }
    drop(pool);
    // SAFETY: `start` is a whole mapping of RESERVATION_LEN bytes from `acquire`, released
    // once (the caller's contract).
    unsafe {
        libc::munmap(start.as_ptr().cast(), RESERVATION_LEN);
    }
}

/// The pool, usable even if a thread panicked while holding it (it holds plain pointers,
/// each either in the list or not).
fn pool() -> std::sync::MutexGuard<'static, Vec<Reservation>> {
    POOL.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}
