//! The barrier every entry point goes through: pointer checks and `catch_unwind`, so
//! that a NULL VM pointer gets a neutral answer and no panic unwinds into C.
//!
//! A dangling VM pointer (one passed to `pvm_destroy` before) is undefined behaviour, as
//! `pvm.h` says under "Ownership and lifetimes": like wasmtime's C API, which documents who
//! owns each object and leaves the misuse of a freed one undefined, the library does not
//! promise to detect it. Detecting it would need a registry of live VMs consulted on every
//! call, and a measured one (a global `RwLock<HashSet>`) added ~30 ns to a host call served
//! through `pvm_resume` (`examples/c/bench_hostcall.c`: 9.5–13.3 ns -> 39.8–46.6 ns), six
//! times the 5 ns budget; reading the tag of a freed VM, which is all a tag check can do, is
//! itself the undefined behaviour. What the tag does catch: a pointer to readable memory
//! that is not a VM, and — in debug builds, as long as the freed memory still holds it — the
//! poison [`DEAD_TAG`] that `pvm_destroy` writes, which aborts with a message (aborting does
//! not unwind into C). Under valgrind (the C tests) any use of a destroyed VM is reported
//! as an invalid read.

use std::panic::{catch_unwind, AssertUnwindSafe};

use crate::error::{panic_message, set_create_error, FfiError};
pub use crate::vm::DEAD_TAG;
use crate::vm::{Vm, VM_TAG};

/// What the first word behind a VM pointer says.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Liveness {
    /// NULL.
    Null,
    /// Tagged `VM_TAG`: a VM from a constructor (if the pointer is not dangling).
    Live,
    /// Poisoned with [`DEAD_TAG`]: a destroyed VM whose memory still holds the poison.
    Destroyed,
    /// Anything else: not a VM.
    Other,
}

/// Reads the tag behind `vm`.
///
/// # Safety
/// `vm` must be NULL or point to at least 8 readable bytes (a VM pointer from a
/// constructor that has not been destroyed, or any other readable memory). A pointer to a
/// destroyed VM does not qualify: its memory may be unmapped or reused.
pub unsafe fn liveness(vm: *const Vm) -> Liveness {
    if vm.is_null() {
        return Liveness::Null;
    }
    // SAFETY: the caller guarantees 8 readable bytes; the tag is the first field of the
    // `repr(C)` struct; an unaligned read accepts any pointer value.
    match unsafe { std::ptr::read_unaligned(vm.cast::<u64>()) } {
        VM_TAG => Liveness::Live,
        DEAD_TAG => Liveness::Destroyed,
        _ => Liveness::Other,
    }
}

/// Whether `vm` points to a live VM: not NULL and tagged.
///
/// # Safety
/// As [`liveness`].
pub unsafe fn is_live(vm: *const Vm) -> bool {
    // SAFETY: forwarded from this function's contract.
    unsafe { liveness(vm) == Liveness::Live }
}

/// A use of a destroyed VM seen through its poison: undefined behaviour by the API's
/// contract, so a debug build stops here (abort, which does not unwind into C) instead of
/// carrying on; a release build gives the neutral answer.
#[cold]
fn destroyed_vm_used() {
    if cfg!(debug_assertions) {
        eprintln!("pvm: a pvm_vm_t was used after pvm_destroy (undefined behaviour); aborting");
        std::process::abort();
    }
}

/// Runs `body` on the VM behind `vm`. Returns `fallback` if `vm` is NULL or its tag is not
/// a live VM's, and records a message and returns `fallback` if `body` panics.
///
/// # Safety
/// `vm` must be NULL or a pointer returned by a constructor and not yet destroyed (a
/// destroyed VM's pointer is undefined behaviour, not a neutral answer: see the module
/// documentation), and no other call may use the same VM concurrently. The API holds no
/// reference to a VM while its host callback runs, so calls from the callback are allowed.
pub unsafe fn with_vm<T>(vm: *mut Vm, fallback: T, body: impl FnOnce(&mut Vm) -> T) -> T {
    // SAFETY: forwarded from this function's contract.
    match unsafe { liveness(vm) } {
        Liveness::Live => {}
        Liveness::Destroyed => {
            destroyed_vm_used();
            return fallback;
        }
        Liveness::Null | Liveness::Other => return fallback,
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

/// Runs a constructor: returns the new object (a VM, module or cache) as a raw pointer,
/// or NULL with the reason kept for `pvm_last_error(NULL)`. Panics are caught.
pub fn create<T>(body: impl FnOnce() -> Result<T, FfiError>) -> *mut T {
    match catch_result(body) {
        Ok(object) => Box::into_raw(Box::new(object)),
        Err(error) => {
            set_create_error(&error);
            std::ptr::null_mut()
        }
    }
}

/// Runs `body`, turning a panic into [`FfiError::Internal`].
pub fn catch_result<T>(body: impl FnOnce() -> Result<T, FfiError>) -> Result<T, FfiError> {
    catch_unwind(AssertUnwindSafe(body))
        .unwrap_or_else(|payload| Err(FfiError::Internal(panic_message(payload.as_ref()))))
}

/// An object other than a VM that C holds by pointer (`pvm_module_t`, `pvm_cache_t`):
/// `repr(C)` with a `u64` tag as its first field, so that a pointer can be checked the
/// way VM pointers are (NULL, tag; a dangling pointer is undefined behaviour).
///
/// # Safety
/// Implementors must be `repr(C)` with a `u64` first field holding [`Handle::TAG`] while
/// alive.
pub unsafe trait Handle {
    /// The tag of a live object.
    const TAG: u64;
    /// The C type name, for error messages.
    const NAME: &'static str;
}

/// The live object behind `ptr`, or why not: NULL, or a pointer without the tag.
///
/// # Safety
/// `ptr` must be NULL or point to at least 8 readable bytes: an object made by
/// [`create`] and not yet freed, or other readable memory (not a freed object: its
/// memory may be unmapped or reused). The object must stay alive for `'a`.
pub unsafe fn handle<'a, H: Handle>(ptr: *const H) -> Result<&'a H, FfiError> {
    if ptr.is_null() {
        return Err(FfiError::NullPointer(H::NAME));
    }
    // SAFETY: the caller guarantees 8 readable bytes; the tag is the first field of the
    // `repr(C)` struct (the `Handle` contract); an unaligned read accepts any pointer.
    let tag = unsafe { std::ptr::read_unaligned(ptr.cast::<u64>()) };
    if tag == DEAD_TAG {
        destroyed_object_used(H::NAME);
    }
    if tag != H::TAG {
        return Err(FfiError::NotLive(H::NAME));
    }
    // SAFETY: tagged as a live `H` made by `create` (aligned, initialised), alive for 'a
    // by the caller's contract; only shared references are ever made to handles.
    Ok(unsafe { &*ptr })
}

/// Frees an object made by [`create`] after checking its tag (NULL and untagged pointers
/// are ignored), poisoning the tag first.
///
/// # Safety
/// As [`handle`], and no other reference to the object may be in use (by this or another
/// thread) or used afterwards.
pub unsafe fn free_handle<H: Handle>(ptr: *mut H) {
    // SAFETY: forwarded from this function's contract.
    if unsafe { handle(ptr) }.is_err() {
        return;
    }
    catch((), || {
        // SAFETY: the tag is the first `u64` of the live object (the `Handle` contract);
        // volatile so that the store is not dropped as dead (the memory is freed next).
        unsafe { std::ptr::write_volatile(ptr.cast::<u64>(), DEAD_TAG) };
        // SAFETY: live, made by `Box::into_raw` in `create`, and not otherwise in use.
        drop(unsafe { Box::from_raw(ptr) });
    });
}

/// As [`destroyed_vm_used`], for modules and caches.
#[cold]
fn destroyed_object_used(name: &str) {
    if cfg!(debug_assertions) {
        eprintln!("pvm: a {name} was used after it was freed (undefined behaviour); aborting");
        std::process::abort();
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

#[cfg(test)]
mod tests {
    use super::*;

    /// A VM made by the C constructor, for the poison tests.
    fn new_vm() -> *mut Vm {
        // `trap` only: the smallest valid program (code length 1, one bitmask byte).
        let blob = [0u8, 0, 1, 0, 1];
        // SAFETY: a valid buffer of that length.
        let vm = unsafe { crate::create::pvm_create_from_blob(0, blob.as_ptr(), blob.len(), 100) };
        assert!(!vm.is_null());
        vm
    }

    #[test]
    fn liveness_reads_the_tag() {
        let vm = new_vm();
        // SAFETY: a live VM from the constructor.
        assert_eq!(unsafe { liveness(vm) }, Liveness::Live);
        // SAFETY: `vm` is live and not borrowed; the tag is put back before destroying it.
        unsafe {
            (*vm).tag = DEAD_TAG;
            assert_eq!(liveness(vm), Liveness::Destroyed);
            assert!(!is_live(vm));
            (*vm).tag = 7;
            assert_eq!(liveness(vm), Liveness::Other);
            (*vm).tag = VM_TAG;
            crate::create::pvm_destroy(vm);
        }
        // SAFETY: NULL is allowed.
        assert_eq!(unsafe { liveness(std::ptr::null()) }, Liveness::Null);
    }

    /// In a debug build a call on a VM carrying the poison aborts with a message instead of
    /// answering (the child test below, run in its own process).
    #[test]
    fn a_poisoned_vm_aborts_debug_builds() {
        if !cfg!(debug_assertions) {
            return;
        }
        let out = std::process::Command::new(std::env::current_exe().unwrap())
            .args([
                "--exact",
                "guard::tests::poisoned_child",
                "--ignored",
                "--nocapture",
            ])
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(!out.status.success(), "{stderr}");
        assert!(stderr.contains("used after pvm_destroy"), "{stderr}");
    }

    #[test]
    #[ignore = "run in a child process by a_poisoned_vm_aborts_debug_builds"]
    fn poisoned_child() {
        let vm = new_vm();
        // SAFETY: `vm` is live; the poison stands in for a destroyed VM whose memory was
        // not reused (the VM is leaked: the process aborts).
        unsafe {
            (*vm).tag = DEAD_TAG;
            crate::registers::pvm_get_gas(vm);
        }
    }
}
