//! PolkaVM `.polkavm` programs: `pvm_create_from_polkavm`, `pvm_find_export`,
//! `pvm_prepare_call`.

use std::ffi::{c_char, c_int, CStr};
use std::sync::Arc;

use engine::container::Container;
use engine::Module;

use crate::create::engine_from_flags;
use crate::error::FfiError;
use crate::guard::{self, slice};
use crate::vm::Vm;

/// Creates a VM from a `.polkavm` program (always GP 0.8). See `pvm.h`.
///
/// # Safety
/// `bytes` must be NULL or point to `len` bytes.
#[no_mangle]
pub unsafe extern "C" fn pvm_create_from_polkavm(
    service_index: u32,
    bytes: *const u8,
    len: usize,
    initial_gas: u64,
) -> *mut Vm {
    // SAFETY: same contract.
    unsafe { pvm_create_from_polkavm_ex(service_index, bytes, len, initial_gas, 0) }
}

/// [`pvm_create_from_polkavm`] with creation flags: only `PVM_FLAG_ENGINE_INTERPRETER` or
/// `PVM_FLAG_ENGINE_RECOMPILER` (a `.polkavm` program is always GP 0.8).
///
/// # Safety
/// As [`pvm_create_from_polkavm`].
#[no_mangle]
pub unsafe extern "C" fn pvm_create_from_polkavm_ex(
    service_index: u32,
    bytes: *const u8,
    len: usize,
    initial_gas: u64,
    flags: u32,
) -> *mut Vm {
    guard::create(|| {
        if flags & crate::create::FLAG_GP_0_7 != 0 {
            return Err(FfiError::PolkavmIsGp08);
        }
        let engine = engine_from_flags(flags)?;
        // SAFETY: the caller guarantees `len` bytes.
        let bytes = unsafe { slice(bytes, len, "bytes")? };
        let module = Module::from_container(&Container::parse(bytes)?)?;
        Vm::from_module(Arc::new(module), &[], initial_gas, service_index, engine)
    })
}

/// The code offset of the export `name`, or -1.
///
/// # Safety
/// `vm` as in [`guard::with_vm`]; `name` must be NULL or a NUL-terminated string.
#[no_mangle]
pub unsafe extern "C" fn pvm_find_export(vm: *mut Vm, name: *const c_char) -> i64 {
    let body = |vm: &mut Vm| {
        if name.is_null() {
            vm.set_error(FfiError::NullPointer("name"));
            return -1;
        }
        // SAFETY: `name` is a NUL-terminated string by this function's contract.
        let name = unsafe { CStr::from_ptr(name) };
        let Ok(name) = name.to_str() else {
            vm.set_error(FfiError::ExportName);
            return -1;
        };
        // PolkaVM keeps the first of duplicate names.
        match vm.export(name) {
            Some(export) => i64::from(export.pc),
            None => {
                vm.set_error(FfiError::NoExport(name.to_string()));
                -1
            }
        }
    };
    // SAFETY: `vm` meets `with_vm`'s contract by this function's contract.
    unsafe { guard::with_vm(vm, -1, body) }
}

/// Sets up a PolkaVM-style call of the function at `pc`. Returns 0 or -1.
///
/// # Safety
/// `vm` as in [`guard::with_vm`]; `args` must be NULL or point to `nargs` values.
#[no_mangle]
pub unsafe extern "C" fn pvm_prepare_call(
    vm: *mut Vm,
    pc: u32,
    args: *const u64,
    nargs: usize,
) -> c_int {
    let body = |vm: &mut Vm| {
        // SAFETY: `args` holds `nargs` values by this function's contract.
        let args = unsafe { slice(args, nargs, "args") };
        let result = args.and_then(|args| {
            vm.instance
                .prepare_call(pc, args)
                .map_err(FfiError::Instance)
        });
        match result {
            Ok(()) => 0,
            Err(error) => {
                vm.set_error(error);
                -1
            }
        }
    };
    // SAFETY: `vm` meets `with_vm`'s contract by this function's contract.
    unsafe { guard::with_vm(vm, -1, body) }
}
