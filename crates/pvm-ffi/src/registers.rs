//! Registers, gas, pc and the service index: `pvm_set_register`, `pvm_get_register`,
//! `pvm_get_registers`, `pvm_get_gas`, `pvm_set_gas`, `pvm_get_pc`,
//! `pvm_get_service_index`.

use std::ffi::c_int;

use crate::error::FfiError;
use crate::guard;
use crate::vm::Vm;

/// A register index as `usize`, if it names one of the 13 registers.
fn register_index(index: c_int) -> Result<usize, FfiError> {
    usize::try_from(index)
        .ok()
        .filter(|&i| i < engine::REG_COUNT)
        .ok_or(FfiError::RegisterIndex(index))
}

/// Sets register `index`; another index does nothing and sets the last error.
///
/// # Safety
/// `vm` must be NULL or a live VM pointer not used by another thread.
#[no_mangle]
pub unsafe extern "C" fn pvm_set_register(vm: *mut Vm, index: c_int, value: u64) {
    let body = |vm: &mut Vm| match register_index(index) {
        Ok(index) => {
            vm.instance.set_reg(index, value);
        }
        Err(error) => vm.set_error(error),
    };
    // SAFETY: `vm` meets `with_vm`'s contract by this function's contract.
    unsafe { guard::with_vm(vm, (), body) }
}

/// Register `index`, or 0 (with the last error set) for another index.
///
/// # Safety
/// As [`pvm_set_register`].
#[no_mangle]
pub unsafe extern "C" fn pvm_get_register(vm: *mut Vm, index: c_int) -> u64 {
    let body = |vm: &mut Vm| match register_index(index) {
        Ok(index) => vm.instance.regs()[index],
        Err(error) => {
            vm.set_error(error);
            0
        }
    };
    // SAFETY: `vm` meets `with_vm`'s contract by this function's contract.
    unsafe { guard::with_vm(vm, 0, body) }
}

/// The 13 registers, zero-copy and read-only; valid until `pvm_destroy`.
///
/// # Safety
/// As [`pvm_set_register`].
#[no_mangle]
pub unsafe extern "C" fn pvm_get_registers(vm: *mut Vm) -> *const u64 {
    // The registers live inside the boxed VM, so their address is stable until destroy.
    let body = |vm: &mut Vm| vm.instance.regs().as_ptr();
    // SAFETY: `vm` meets `with_vm`'s contract by this function's contract.
    unsafe { guard::with_vm(vm, std::ptr::null(), body) }
}

/// Gas left; 0 for NULL.
///
/// # Safety
/// As [`pvm_set_register`].
#[no_mangle]
pub unsafe extern "C" fn pvm_get_gas(vm: *mut Vm) -> u64 {
    // SAFETY: `vm` meets `with_vm`'s contract by this function's contract.
    unsafe { guard::with_vm(vm, 0, |vm| vm.instance.gas()) }
}

/// Sets the gas left.
///
/// # Safety
/// As [`pvm_set_register`].
#[no_mangle]
pub unsafe extern "C" fn pvm_set_gas(vm: *mut Vm, gas: u64) {
    // SAFETY: `vm` meets `with_vm`'s contract by this function's contract.
    unsafe { guard::with_vm(vm, (), |vm| vm.instance.set_gas(gas)) }
}

/// The current pc; 0 for NULL.
///
/// # Safety
/// As [`pvm_set_register`].
#[no_mangle]
pub unsafe extern "C" fn pvm_get_pc(vm: *mut Vm) -> u32 {
    // SAFETY: `vm` meets `with_vm`'s contract by this function's contract.
    unsafe { guard::with_vm(vm, 0, |vm| vm.instance.pc()) }
}

/// The service index given at creation; 0 for NULL.
///
/// # Safety
/// As [`pvm_set_register`].
#[no_mangle]
pub unsafe extern "C" fn pvm_get_service_index(vm: *mut Vm) -> u32 {
    // SAFETY: `vm` meets `with_vm`'s contract by this function's contract.
    unsafe { guard::with_vm(vm, 0, |vm| vm.service_index) }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn register_indices_are_checked() {
        assert_eq!(register_index(0).unwrap(), 0);
        assert_eq!(register_index(12).unwrap(), 12);
        assert!(matches!(
            register_index(13),
            Err(FfiError::RegisterIndex(13))
        ));
        assert!(matches!(
            register_index(-1),
            Err(FfiError::RegisterIndex(-1))
        ));
    }
}
