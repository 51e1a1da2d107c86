//! JavaScript byte buffers as raw ranges, so that a buffer which is itself a view of guest
//! memory (see `view.rs`) is never turned into a Rust reference that aliases it.

use std::ops::Range;
use std::ptr;

use napi::sys;
use pvm::Memory;

use crate::errors::{Error, Result};

/// The bytes of a `Uint8Array` argument: where they are and how many.
///
/// The range stays valid for the rest of the Node-API call that received it: the array
/// is held by the call's arguments and no JavaScript runs before the call returns.
#[derive(Clone, Copy, Debug)]
pub struct JsBytes {
    data: *mut u8,
    len: usize,
}

impl JsBytes {
    /// The bytes of `value`, which must be a `Uint8Array` (else `TypeError`).
    ///
    /// # Safety
    /// `env` and `value` must be live handles of the current Node-API call.
    pub unsafe fn from_value(env: sys::napi_env, value: sys::napi_value) -> Result<JsBytes> {
        let mut is_typed_array = false;
        // SAFETY: guaranteed by the caller.
        unsafe { sys::napi_is_typedarray(env, value, &mut is_typed_array) };
        let mut kind = -1;
        let mut len = 0;
        let mut data = ptr::null_mut();
        if is_typed_array {
            // SAFETY: `value` is a typed array (checked above); the out-pointers are
            // locals and the array buffer/offset outputs may be null.
            unsafe {
                sys::napi_get_typedarray_info(
                    env,
                    value,
                    &mut kind,
                    &mut len,
                    &mut data,
                    ptr::null_mut(),
                    ptr::null_mut(),
                )
            };
        }
        if kind != sys::TypedarrayType::uint8_array {
            return Err(Error::Type("expected a Uint8Array".into()));
        }
        Ok(JsBytes {
            data: data.cast(),
            len,
        })
    }

    /// Number of bytes.
    pub fn len(&self) -> usize {
        self.len
    }

    /// Whether there are no bytes.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Whether these bytes share any address with `range`.
    pub fn overlaps(&self, range: &Range<usize>) -> bool {
        let start = self.data as usize;
        self.len > 0 && start < range.end && range.start < start + self.len
    }

    /// A copy of the bytes.
    pub fn to_vec(&self) -> Vec<u8> {
        if self.len == 0 {
            return Vec::new();
        }
        // SAFETY: `data..data + len` is the typed array's storage, readable for the rest
        // of this call (see the type's docs). A copy is taken with a plain memory read, so
        // no reference outlives this statement even if the bytes are guest memory.
        unsafe { std::slice::from_raw_parts(self.data, self.len) }.to_vec()
    }

    /// Runs `f` with the bytes borrowed, which is only sound when they do not lie in the
    /// guest memory `f` will touch; otherwise with a copy of them.
    pub fn with<T>(&self, guest: &Range<usize>, f: impl FnOnce(&[u8]) -> T) -> T {
        if self.len == 0 {
            return f(&[]);
        }
        if self.overlaps(guest) {
            return f(&self.to_vec());
        }
        // SAFETY: the storage is readable for this call and lies outside `guest`, the only
        // memory `f` may write, so nothing mutates it while the slice lives.
        f(unsafe { std::slice::from_raw_parts(self.data, self.len) })
    }

    /// Runs `f` to fill the bytes: with them borrowed mutably when they do not lie in the
    /// guest memory `f` will read; otherwise with a separate buffer that is copied into
    /// them if `f` succeeds.
    pub fn with_mut(
        &self,
        guest: &Range<usize>,
        f: impl FnOnce(&mut [u8]) -> Result<()>,
    ) -> Result<()> {
        if self.len == 0 {
            return f(&mut []);
        }
        if self.overlaps(guest) {
            let mut buffer = vec![0; self.len];
            f(&mut buffer)?;
            // SAFETY: the storage is writable for this call; `buffer` is a separate host
            // allocation of the same length.
            unsafe { ptr::copy_nonoverlapping(buffer.as_ptr(), self.data, self.len) };
            return Ok(());
        }
        // SAFETY: the storage is writable for this call and lies outside `guest`, the only
        // memory `f` reads besides it, so the slice is the sole access path while it lives.
        f(unsafe { std::slice::from_raw_parts_mut(self.data, self.len) })
    }
}

/// The host addresses of `memory`'s 4 GiB reservation.
pub fn reservation(memory: &Memory) -> Range<usize> {
    // The engine exposes no base pointer; a zero-length slice at address 0 is always
    // granted and starts at the reservation's base. Only its address is used.
    let base = memory
        .slice(0, 0, false)
        .map_or(0, |empty| empty.as_ptr() as usize);
    base..base + (1usize << 32)
}
