//! Guest memory from the host: page mapping (`pvm_map_pages`, `pvm_set_memory_bounds`),
//! the heap pointer, RAM reads and writes at every width, and zero-copy pointers
//! (`pvm_memory_ptr`).
//!
//! Host writes obey the guest's access rights once the VM has been executed; before the
//! first `pvm_execute` any mapped page may be written, so read-only data can be loaded.

use std::ffi::c_int;

use engine::memory::{page_align_up, PAGE_SIZE};
use engine::Access;

use crate::error::FfiError;
use crate::guard::{self, slice};
use crate::vm::Vm;

/// `PVM_OOB`: 2^64 − 3, returned by failed writes and reads.
pub const OOB: u64 = u64::MAX - 2;

/// The access right named by a `PVM_ACCESS_*` value.
fn access_from(value: c_int) -> Result<Access, FfiError> {
    match value {
        0 => Ok(Access::None),
        1 => Ok(Access::Read),
        2 => Ok(Access::Write),
        other => Err(FfiError::InvalidAccess(other)),
    }
}

/// `[address, address + length)` rounded out to whole pages, as (start, length).
fn page_range(address: u32, length: u64) -> (u32, u64) {
    let start = address & !(PAGE_SIZE - 1);
    let end = page_align_up(u64::from(address) + length);
    (start, end - u64::from(start))
}

/// Sets the access of a byte range rounded out to pages; an empty range does nothing.
fn map_range(vm: &mut Vm, address: u32, length: u64, access: Access) -> Result<(), FfiError> {
    if length == 0 {
        return Ok(());
    }
    let (start, length) = page_range(address, length);
    vm.instance
        .memory_mut()
        .set_access(start, length, access)
        .map_err(FfiError::Memory)
}

/// Maps the proposal's four regions. See `pvm.h`.
///
/// # Safety
/// `vm` must be NULL or a live VM pointer not used by another thread.
#[no_mangle]
#[allow(clippy::too_many_arguments)]
pub unsafe extern "C" fn pvm_set_memory_bounds(
    vm: *mut Vm,
    rw_addr: u32,
    rw_end: u32,
    ro_addr: u32,
    ro_end: u32,
    output_addr: u32,
    output_end: u32,
    stack_addr: u32,
    stack_end: u32,
) {
    let regions = [
        (ro_addr, ro_end, Access::Read),
        (rw_addr, rw_end, Access::Write),
        (output_addr, output_end, Access::Write),
        (stack_addr, stack_end, Access::Write),
    ];
    let body = |vm: &mut Vm| {
        for (start, end, access) in regions {
            let length = u64::from(end.saturating_sub(start));
            if let Err(error) = map_range(vm, start, length, access) {
                vm.set_error(error);
            }
        }
    };
    // SAFETY: `vm` meets `with_vm`'s contract by this function's contract.
    unsafe { guard::with_vm(vm, (), body) }
}

/// Sets the access of a range of pages. Returns 0, or -1 with nothing changed.
///
/// # Safety
/// As [`pvm_set_memory_bounds`].
#[no_mangle]
pub unsafe extern "C" fn pvm_map_pages(
    vm: *mut Vm,
    address: u32,
    length: u32,
    access: c_int,
) -> c_int {
    let body = |vm: &mut Vm| {
        let result =
            access_from(access).and_then(|access| map_range(vm, address, length.into(), access));
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

/// Sets the heap pointer.
///
/// # Safety
/// As [`pvm_set_memory_bounds`].
#[no_mangle]
pub unsafe extern "C" fn pvm_set_heap_pointer(vm: *mut Vm, pointer: u32) {
    // SAFETY: `vm` meets `with_vm`'s contract by this function's contract.
    unsafe { guard::with_vm(vm, (), |vm| vm.instance.memory_mut().set_heap_end(pointer)) }
}

/// The heap pointer; 0 for NULL.
///
/// # Safety
/// As [`pvm_set_memory_bounds`].
#[no_mangle]
pub unsafe extern "C" fn pvm_get_heap_pointer(vm: *mut Vm) -> u32 {
    // SAFETY: `vm` meets `with_vm`'s contract by this function's contract.
    unsafe { guard::with_vm(vm, 0, |vm| vm.instance.memory().heap_end()) }
}

/// Host write: 0, or [`OOB`] (nothing written) with the last error set.
fn write(vm: &mut Vm, address: u32, data: &[u8]) -> u64 {
    if data.is_empty() {
        return 0;
    }
    let memory = vm.instance.memory_mut();
    let result = if vm.started {
        memory.write(address, data)
    } else {
        memory.write_privileged(address, data)
    };
    match result {
        Ok(()) => 0,
        Err(error) => {
            vm.set_error(error.into());
            OOB
        }
    }
}

/// Host read into `out`: whether it succeeded (the error is recorded if not).
fn read(vm: &mut Vm, address: u32, out: &mut [u8]) -> bool {
    if out.is_empty() {
        return true;
    }
    match vm.instance.memory().read(address, out) {
        Ok(()) => true,
        Err(error) => {
            vm.set_error(error.into());
            false
        }
    }
}

/// Stores 0 (success) or 1 (failure) through `error_code` unless it is NULL.
///
/// # Safety
/// `error_code` must be NULL or valid for a write.
unsafe fn report(error_code: *mut c_int, failed: bool) {
    if !error_code.is_null() {
        // SAFETY: non-NULL and writable by the caller's contract.
        unsafe { error_code.write(c_int::from(failed)) };
    }
}

macro_rules! fixed_width {
    ($write:ident, $read:ident, $ty:ty, $bits:literal) => {
        #[doc = concat!("Writes a little-endian `", stringify!($ty), "`: 0 or `PVM_OOB`.")]
        ///
        /// # Safety
        /// `vm` must be NULL or a live VM pointer not used by another thread.
        #[no_mangle]
        pub unsafe extern "C" fn $write(vm: *mut Vm, address: u32, data: $ty) -> u64 {
            // SAFETY: `vm` meets `with_vm`'s contract by this function's contract.
            unsafe { guard::with_vm(vm, OOB, |vm| write(vm, address, &data.to_le_bytes())) }
        }

        #[doc = concat!("Reads a little-endian `", stringify!($ty), "`: the value, or 0 with `*error_code = 1`.")]
        ///
        /// # Safety
        /// `vm` as for the write; `error_code` must be NULL or valid for a write.
        #[no_mangle]
        pub unsafe extern "C" fn $read(vm: *mut Vm, address: u32, error_code: *mut c_int) -> $ty {
            let body = |vm: &mut Vm| {
                let mut bytes = [0u8; $bits / 8];
                read(vm, address, &mut bytes).then(|| <$ty>::from_le_bytes(bytes))
            };
            // SAFETY: `vm` meets `with_vm`'s contract by this function's contract.
            let value = unsafe { guard::with_vm(vm, None, body) };
            // SAFETY: `error_code` is NULL or writable by this function's contract.
            unsafe { report(error_code, value.is_none()) };
            value.unwrap_or(0)
        }
    };
}

fixed_width!(pvm_write_ram_bytes_8, pvm_read_ram_bytes_8, u8, 8);
fixed_width!(pvm_write_ram_bytes_16, pvm_read_ram_bytes_16, u16, 16);
fixed_width!(pvm_write_ram_bytes_32, pvm_read_ram_bytes_32, u32, 32);
fixed_width!(pvm_write_ram_bytes_64, pvm_read_ram_bytes_64, u64, 64);

/// Writes `length` bytes: 0, or `PVM_OOB` with nothing written.
///
/// # Safety
/// `vm` must be NULL or a live VM pointer not used by another thread; `data` must be NULL
/// or point to `length` bytes that do not overlap guest memory.
#[no_mangle]
pub unsafe extern "C" fn pvm_write_ram_bytes(
    vm: *mut Vm,
    address: u32,
    data: *const u8,
    length: u32,
) -> u64 {
    let body = |vm: &mut Vm| {
        // SAFETY: `data` holds `length` bytes by this function's contract.
        match unsafe { slice(data, length as usize, "data") } {
            Ok(data) => write(vm, address, data),
            Err(error) => {
                vm.set_error(error);
                OOB
            }
        }
    };
    // SAFETY: `vm` meets `with_vm`'s contract by this function's contract.
    unsafe { guard::with_vm(vm, OOB, body) }
}

/// Reads `length` bytes into `buffer`: 0, or `PVM_OOB` with the buffer untouched.
///
/// # Safety
/// `vm` as in [`pvm_write_ram_bytes`]; `buffer` must be NULL or valid for `length`
/// bytes of writes and not overlap guest memory; `error_code` NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn pvm_read_ram_bytes(
    vm: *mut Vm,
    address: u32,
    buffer: *mut u8,
    length: u32,
    error_code: *mut c_int,
) -> u64 {
    let body = |vm: &mut Vm| {
        if length == 0 {
            return 0;
        }
        if buffer.is_null() {
            vm.set_error(FfiError::NullBuffer {
                what: "buffer",
                len: length as usize,
            });
            return OOB;
        }
        // SAFETY: non-NULL and valid for `length` bytes by this function's contract.
        let out = unsafe { std::slice::from_raw_parts_mut(buffer, length as usize) };
        if read(vm, address, out) {
            0
        } else {
            OOB
        }
    };
    // SAFETY: `vm` meets `with_vm`'s contract by this function's contract.
    let result = unsafe { guard::with_vm(vm, OOB, body) };
    // SAFETY: `error_code` is NULL or writable by this function's contract.
    unsafe { report(error_code, result != 0) };
    result
}

/// A pointer into guest memory if the whole range is accessible, else NULL.
///
/// # Safety
/// As [`pvm_set_memory_bounds`]. The pointer must not be written through unless
/// `writable` was nonzero, and is valid only until the VM runs again, its pages are
/// remapped or it is destroyed.
#[no_mangle]
pub unsafe extern "C" fn pvm_memory_ptr(
    vm: *mut Vm,
    address: u32,
    length: u32,
    writable: c_int,
) -> *mut u8 {
    let body = |vm: &mut Vm| {
        if length == 0 {
            vm.set_error(FfiError::ZeroLength);
            return std::ptr::null_mut();
        }
        let memory = vm.instance.memory_mut();
        let view = if writable != 0 {
            memory
                .slice_mut(address, length as usize)
                .map(|s| s.as_mut_ptr())
        } else {
            memory
                .slice(address, length as usize, false)
                .map(|s| s.as_ptr().cast_mut())
        };
        view.unwrap_or_else(|error| {
            vm.set_error(error.into());
            std::ptr::null_mut()
        })
    };
    // SAFETY: `vm` meets `with_vm`'s contract by this function's contract.
    unsafe { guard::with_vm(vm, std::ptr::null_mut(), body) }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranges_round_out_to_pages() {
        assert_eq!(page_range(0x2_0000, 1), (0x2_0000, 0x1000));
        assert_eq!(page_range(0x2_0FFF, 2), (0x2_0000, 0x2000));
        assert_eq!(page_range(0x2_0800, 0x1000), (0x2_0000, 0x2000));
        assert_eq!(page_range(0xFFFF_F000, 0x1000), (0xFFFF_F000, 0x1000));
    }

    #[test]
    fn access_values() {
        assert_eq!(access_from(0).unwrap(), Access::None);
        assert_eq!(access_from(2).unwrap(), Access::Write);
        assert!(matches!(access_from(3), Err(FfiError::InvalidAccess(3))));
    }
}
