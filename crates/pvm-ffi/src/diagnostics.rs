//! Diagnostics and binding support: `pvm_set_logging`, `pvm_set_tracing`, `pvm_get_engine`,
//! `pvm_last_error`, `pvm_set_user_data`, `pvm_get_user_data`.

use std::ffi::{c_char, c_int, c_void};

use engine::Engine;

use crate::create::engine_code;
use crate::error::{create_error_ptr, FfiError};
use crate::guard;
use crate::vm::Vm;

/// Logs exits and host calls to stderr when `enable` is nonzero.
///
/// # Safety
/// `vm` must be NULL or a live VM pointer not used by another thread.
#[no_mangle]
pub unsafe extern "C" fn pvm_set_logging(vm: *mut Vm, enable: c_int) {
    // SAFETY: `vm` meets `with_vm`'s contract by this function's contract.
    unsafe { guard::with_vm(vm, (), |vm| vm.logging = enable != 0) }
}

/// Traces every executed instruction to stderr (as `pvm trace`) when `enable` is nonzero.
/// Tracing needs the interpreter: a VM on the default engine runs on the interpreter while
/// tracing is on (its engine, as `pvm_get_engine` reports it, stays); on a VM created with
/// `PVM_FLAG_ENGINE_RECOMPILER`, enabling it changes nothing and records
/// [`FfiError::TracingNeedsInterpreter`] for `pvm_last_error`.
///
/// # Safety
/// As [`pvm_set_logging`].
#[no_mangle]
pub unsafe extern "C" fn pvm_set_tracing(vm: *mut Vm, enable: c_int) {
    let body = |vm: &mut Vm| {
        let instance = &vm.instance;
        if enable != 0 && instance.engine_chosen() && instance.engine() == Engine::Recompiler {
            vm.set_error(FfiError::TracingNeedsInterpreter);
            return;
        }
        vm.tracing = enable != 0;
    };
    // SAFETY: `vm` meets `with_vm`'s contract by this function's contract.
    unsafe { guard::with_vm(vm, (), body) }
}

/// The engine that runs `vm`: `PVM_ENGINE_INTERPRETER` (0) or `PVM_ENGINE_RECOMPILER`
/// (1); -1 for NULL.
///
/// # Safety
/// As [`pvm_set_logging`].
#[no_mangle]
pub unsafe extern "C" fn pvm_get_engine(vm: *mut Vm) -> c_int {
    // SAFETY: `vm` meets `with_vm`'s contract by this function's contract.
    unsafe { guard::with_vm(vm, -1, |vm| engine_code(vm.instance.engine())) }
}

/// The last failure's message on `vm` ("" if none); with NULL, why the last constructor
/// on this thread returned NULL. Never NULL.
///
/// # Safety
/// As [`pvm_set_logging`].
#[no_mangle]
pub unsafe extern "C" fn pvm_last_error(vm: *mut Vm) -> *const c_char {
    if vm.is_null() {
        return guard::catch(c"".as_ptr(), create_error_ptr);
    }
    // SAFETY: `vm` meets `with_vm`'s contract by this function's contract.
    unsafe {
        guard::with_vm(vm, c"not a live pvm_vm_t".as_ptr(), |vm| {
            vm.last_error.as_ptr()
        })
    }
}

/// Attaches an opaque pointer to the VM.
///
/// # Safety
/// As [`pvm_set_logging`].
#[no_mangle]
pub unsafe extern "C" fn pvm_set_user_data(vm: *mut Vm, data: *mut c_void) {
    // SAFETY: `vm` meets `with_vm`'s contract by this function's contract.
    unsafe { guard::with_vm(vm, (), |vm| vm.user_data = data) }
}

/// The pointer given to `pvm_set_user_data`, NULL by default (and for NULL).
///
/// # Safety
/// As [`pvm_set_logging`].
#[no_mangle]
pub unsafe extern "C" fn pvm_get_user_data(vm: *mut Vm) -> *mut c_void {
    // SAFETY: `vm` meets `with_vm`'s contract by this function's contract.
    unsafe { guard::with_vm(vm, std::ptr::null_mut(), |vm| vm.user_data) }
}
