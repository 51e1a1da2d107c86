//! The barrier every entry point goes through: pointer checks and `catch_unwind`, so
//! that NULL or stale VM pointers get a neutral answer and no panic unwinds into C.

use std::panic::{catch_unwind, AssertUnwindSafe};

use crate::error::{panic_message, set_create_error, FfiError};
use crate::vm::{Vm, VM_TAG};

/// Whether `vm` points to a live VM: not NULL and tagged.
///
/// # Safety
/// `vm` must be NULL or point to at least 8 readable bytes (a VM pointer from a
/// constructor that has not been destroyed, or any other readable memory).
pub unsafe fn is_live(vm: *const Vm) -> bool {
    if vm.is_null() {
        return false;
    }
    // SAFETY: the caller guarantees 8 readable bytes; the tag is the first field of the
    // `repr(C)` struct; an unaligned read accepts any pointer value.
    let tag = unsafe { std::ptr::read_unaligned(vm.cast::<u64>()) };
    tag == VM_TAG
}

/// Runs `body` on the VM behind `vm`. Returns `fallback` if `vm` is NULL or not a live
/// VM, and records a message and returns `fallback` if `body` panics.
///
/// # Safety
/// `vm` must be NULL or a pointer returned by a constructor and not yet destroyed, and no
/// other call may use the same VM concurrently. The API holds no reference to a VM while
/// its host callback runs, so calls from the callback are allowed.
pub unsafe fn with_vm<T>(vm: *mut Vm, fallback: T, body: impl FnOnce(&mut Vm) -> T) -> T {
    // SAFETY: forwarded from this function's contract.
    if !unsafe { is_live(vm) } {
        return fallback;
    }
    let result = catch_unwind(AssertUnwindSafe(|| {
        // SAFETY: `vm` is live (checked above) and, by the contract, not otherwise
        // borrowed: this is the only reference for the duration of `body`.
        body(unsafe { &mut *vm })
    }));
    match result {
        Ok(value) => value,
        Err(payload) => {
            let error = FfiError::Internal(panic_message(payload.as_ref()));
            // SAFETY: the borrow created inside the closure ended when it unwound.
            unsafe { &mut *vm }.set_error(error);
            fallback
        }
    }
}

/// Runs a constructor: returns the new VM as a raw pointer, or NULL with the reason kept
/// for `pvm_last_error(NULL)`. Panics are caught.
pub fn create(body: impl FnOnce() -> Result<Vm, FfiError>) -> *mut Vm {
    let result = catch_unwind(AssertUnwindSafe(body))
        .unwrap_or_else(|payload| Err(FfiError::Internal(panic_message(payload.as_ref()))));
    match result {
        Ok(vm) => Box::into_raw(Box::new(vm)),
        Err(error) => {
            set_create_error(&error);
            std::ptr::null_mut()
        }
    }
}

/// Runs `body` (which touches no VM), returning `fallback` if it panics.
pub fn catch<T>(fallback: T, body: impl FnOnce() -> T) -> T {
    catch_unwind(AssertUnwindSafe(body)).unwrap_or(fallback)
}

/// A slice from a C pointer and element count: empty for length 0 (any pointer), an
/// error for NULL with a nonzero length or a length no allocation can have.
///
/// # Safety
/// If `len` is not 0 and `data` is not NULL, `data` must point to `len` initialised,
/// aligned elements that stay valid and unmodified for `'a`.
pub unsafe fn slice<'a, T>(
    data: *const T,
    len: usize,
    what: &'static str,
) -> Result<&'a [T], FfiError> {
    if len == 0 {
        return Ok(&[]);
    }
    if data.is_null() {
        return Err(FfiError::NullBuffer { what, len });
    }
    if len > isize::MAX as usize / std::mem::size_of::<T>().max(1) {
        return Err(FfiError::TooLarge { what, len });
    }
    // SAFETY: non-NULL, and the caller guarantees `len` valid elements for 'a; the total
    // size was checked to fit in isize.
    Ok(unsafe { std::slice::from_raw_parts(data, len) })
}
