//! The program cache: the `pvm_cache_t` object (`pvm_cache_new`, `pvm_cache_load`,
//! `pvm_cache_stats`, `pvm_cache_clear`, `pvm_cache_free`) over [`ModuleCache`].
//!
//! Every function but `pvm_cache_free` takes a shared reference: the engine's cache is
//! synchronised inside, so threads may share one `pvm_cache_t`. A module returned by
//! `pvm_cache_load` is the caller's own reference: it stays valid after the cache evicts
//! it, is cleared, or is freed.

use std::ffi::c_int;

use engine::{CodeHash, ModuleCache};

use crate::error::{set_create_error, FfiError};
use crate::guard::{self, handle, slice, Handle};
use crate::module::{format_and_version, ModuleRef};

const CACHE_TAG: u64 = u64::from_le_bytes(*b"pvm-cch\x01");

/// A cache as C sees it: `pvm_cache_t`.
#[repr(C)]
#[derive(Debug)]
pub struct Cache {
    tag: u64,
    cache: ModuleCache,
}

// SAFETY: `repr(C)` with the `u64` tag first, CACHE_TAG while alive.
unsafe impl Handle for Cache {
    const TAG: u64 = CACHE_TAG;
    const NAME: &'static str = "pvm_cache_t";
}

/// `pvm_cache_stats_t`.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct CacheStats {
    /// Modules held.
    pub entries: usize,
    /// Sum of their footprints in bytes.
    pub bytes: usize,
    /// The bound given to `pvm_cache_new`.
    pub max_bytes: usize,
    /// Loads answered from the cache.
    pub hits: u64,
    /// Loads that had to parse the program.
    pub misses: u64,
    /// Modules dropped to make room.
    pub evictions: u64,
}

/// A cache of modules of at most `max_bytes` in total. See `pvm.h`.
#[no_mangle]
pub extern "C" fn pvm_cache_new(max_bytes: usize) -> *mut Cache {
    guard::create(|| {
        Ok(Cache {
            tag: CACHE_TAG,
            cache: ModuleCache::new(max_bytes),
        })
    })
}

/// The module for `bytes`, from the cache or loaded into it: a new reference the caller
/// frees with `pvm_module_free`. See `pvm.h`.
///
/// # Safety
/// `cache` must be NULL or a live `pvm_cache_t*`; `bytes` NULL or `len` bytes;
/// `code_hash` NULL or 32 bytes.
#[no_mangle]
pub unsafe extern "C" fn pvm_cache_load(
    cache: *const Cache,
    format: c_int,
    bytes: *const u8,
    len: usize,
    code_hash: *const u8,
    flags: u32,
) -> *mut ModuleRef {
    guard::create(|| {
        // SAFETY: by this function's contract.
        let cache = unsafe { handle(cache)? };
        let (format, version) = format_and_version(format, flags)?;
        // SAFETY: by this function's contract.
        let bytes = unsafe { slice(bytes, len, "bytes")? };
        let module = if code_hash.is_null() {
            cache.cache.get_or_load(bytes, format, version)
        } else {
            // SAFETY: 32 bytes by this function's contract.
            let given = unsafe { slice(code_hash, 32, "code_hash")? };
            let mut hash: CodeHash = [0; 32];
            hash.copy_from_slice(given);
            cache.cache.get_or_load_hashed(hash, bytes, format, version)
        };
        Ok(ModuleRef::new(module.map_err(FfiError::Load)?))
    })
}

/// Fills `*out` with the cache's counters: 0, or -1 for a bad pointer.
///
/// # Safety
/// `cache` as in [`pvm_cache_load`]; `out` must be NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn pvm_cache_stats(cache: *const Cache, out: *mut CacheStats) -> c_int {
    let result = guard::catch_result(|| {
        // SAFETY: by this function's contract.
        let cache = unsafe { handle(cache)? };
        if out.is_null() {
            return Err(FfiError::NullPointer("out"));
        }
        let stats = cache.cache.stats();
        let stats = CacheStats {
            entries: stats.entries,
            bytes: stats.bytes,
            max_bytes: cache.cache.max_bytes(),
            hits: stats.hits,
            misses: stats.misses,
            evictions: stats.evictions,
        };
        // SAFETY: `out` is writable by this function's contract (unaligned: any pointer).
        unsafe { out.write_unaligned(stats) };
        Ok(0)
    });
    result.unwrap_or_else(|error| {
        set_create_error(&error);
        -1
    })
}

/// Drops every cached module (modules in use elsewhere stay alive).
///
/// # Safety
/// As [`pvm_cache_load`].
#[no_mangle]
pub unsafe extern "C" fn pvm_cache_clear(cache: *const Cache) {
    let result = guard::catch_result(|| {
        // SAFETY: by this function's contract.
        unsafe { handle(cache)? }.cache.clear();
        Ok(())
    });
    if let Err(error) = result {
        set_create_error(&error);
    }
}

/// Frees the cache and its references to modules (NULL and untagged pointers are ignored).
///
/// # Safety
/// `cache` must be NULL or a live `pvm_cache_t*` that no other thread is using; it is
/// dangling afterwards.
#[no_mangle]
pub unsafe extern "C" fn pvm_cache_free(cache: *mut Cache) {
    // SAFETY: by this function's contract.
    unsafe { guard::free_handle(cache) }
}
