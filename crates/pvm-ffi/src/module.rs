//! Loaded programs: the `pvm_module_t` object (`pvm_module_load`, `pvm_module_clone`,
//! `pvm_module_free`, exports and counters) and `pvm_create_from_module`.
//!
//! A `pvm_module_t*` is one counted reference to a shared [`Module`]: a box holding an
//! `Arc<Module>`. Every reference (from `pvm_module_load`, `pvm_module_clone` or
//! `pvm_cache_load`) is freed once with `pvm_module_free`; the module itself lives until
//! its last reference and the last VM made from it are gone. Modules are immutable to C
//! (their lazily prepared blocks are synchronised inside the engine), so every function
//! here takes a shared reference and any number of threads may use one module at once.

use std::ffi::{c_char, c_int, CStr};
use std::sync::Arc;

use engine::{GpVersion, Module, ProgramFormat};

use crate::create::{engine_from_flags, version_from_flags, FLAG_GP_0_7};
use crate::error::{set_create_error, FfiError};
use crate::guard::{self, handle, slice, Handle};
use crate::vm::Vm;

/// `PVM_FORMAT_RAW`: a raw program blob (GP A.2).
pub const FORMAT_RAW: c_int = 0;
/// `PVM_FORMAT_STANDARD`: a JAM standard program (GP A.7).
pub const FORMAT_STANDARD: c_int = 1;
/// `PVM_FORMAT_POLKAVM`: a PolkaVM `.polkavm` container.
pub const FORMAT_POLKAVM: c_int = 2;

const MODULE_TAG: u64 = u64::from_le_bytes(*b"pvm-mod\x01");

/// A module as C sees it: `pvm_module_t`, one reference to a shared [`Module`].
#[repr(C)]
#[derive(Debug)]
pub struct ModuleRef {
    tag: u64,
    /// The shared module.
    pub(crate) module: Arc<Module>,
}

impl ModuleRef {
    /// A new reference to `module`.
    pub(crate) fn new(module: Arc<Module>) -> ModuleRef {
        ModuleRef {
            tag: MODULE_TAG,
            module,
        }
    }
}

// SAFETY: `repr(C)` with the `u64` tag first, MODULE_TAG while alive.
unsafe impl Handle for ModuleRef {
    const TAG: u64 = MODULE_TAG;
    const NAME: &'static str = "pvm_module_t";
}

/// The program format and GP version a `format` value and creation `flags` select.
pub(crate) fn format_and_version(
    format: c_int,
    flags: u32,
) -> Result<(ProgramFormat, GpVersion), FfiError> {
    let version = version_from_flags(flags)?;
    let format = match format {
        FORMAT_RAW => ProgramFormat::Raw,
        FORMAT_STANDARD => ProgramFormat::Standard,
        FORMAT_POLKAVM if version == GpVersion::V0_8 => ProgramFormat::Polkavm,
        FORMAT_POLKAVM => return Err(FfiError::PolkavmIsGp08),
        other => return Err(FfiError::UnknownFormat(other)),
    };
    Ok((format, version))
}

/// Loads a program once for many VMs. See `pvm.h`.
///
/// # Safety
/// `bytes` must be NULL or point to `len` bytes.
#[no_mangle]
pub unsafe extern "C" fn pvm_module_load(
    format: c_int,
    bytes: *const u8,
    len: usize,
    flags: u32,
) -> *mut ModuleRef {
    guard::create(|| {
        let (format, version) = format_and_version(format, flags)?;
        // SAFETY: the caller guarantees `len` bytes.
        let bytes = unsafe { slice(bytes, len, "bytes")? };
        let module = format.load(bytes, version).map_err(FfiError::Load)?;
        Ok(ModuleRef::new(Arc::new(module)))
    })
}

/// A new reference to the same module (NULL, and the error, for a bad pointer).
///
/// # Safety
/// `module` must be NULL or a live `pvm_module_t*` (see [`guard::handle`]).
#[no_mangle]
pub unsafe extern "C" fn pvm_module_clone(module: *const ModuleRef) -> *mut ModuleRef {
    guard::create(|| {
        // SAFETY: by this function's contract.
        let module = unsafe { handle(module)? };
        Ok(ModuleRef::new(module.module.clone()))
    })
}

/// Frees one module reference (NULL and untagged pointers are ignored).
///
/// # Safety
/// `module` must be NULL or a live `pvm_module_t*` not in use by another thread; it is
/// dangling afterwards.
#[no_mangle]
pub unsafe extern "C" fn pvm_module_free(module: *mut ModuleRef) {
    // SAFETY: by this function's contract.
    unsafe { guard::free_handle(module) }
}

/// Runs `body` on the module behind `module`, or records the error for
/// `pvm_last_error(NULL)` and returns `fallback`.
///
/// # Safety
/// `module` must be NULL or a live `pvm_module_t*`.
unsafe fn with_module<T>(
    module: *const ModuleRef,
    fallback: T,
    body: impl FnOnce(&Module) -> Result<T, FfiError>,
) -> T {
    let result = guard::catch_result(|| {
        // SAFETY: by this function's contract.
        let module = unsafe { handle(module)? };
        body(&module.module)
    });
    result.unwrap_or_else(|error| {
        set_create_error(&error);
        fallback
    })
}

/// The code offset of the `.polkavm` export `name`, or -1. See `pvm.h`.
///
/// # Safety
/// `module` as in [`pvm_module_clone`]; `name` must be NULL or a NUL-terminated string.
#[no_mangle]
pub unsafe extern "C" fn pvm_module_find_export(
    module: *const ModuleRef,
    name: *const c_char,
) -> i64 {
    let body = |module: &Module| {
        if name.is_null() {
            return Err(FfiError::NullPointer("name"));
        }
        // SAFETY: `name` is a NUL-terminated string by this function's contract.
        let name = unsafe { CStr::from_ptr(name) };
        let name = name.to_str().map_err(|_| FfiError::ExportName)?;
        match module.export(name) {
            Some(export) => Ok(i64::from(export.pc)),
            None => Err(FfiError::NoExport(name.to_string())),
        }
    };
    // SAFETY: by this function's contract.
    unsafe { with_module(module, -1, body) }
}

/// Basic blocks of the module's code (0 for a bad pointer).
///
/// # Safety
/// As [`pvm_module_clone`].
#[no_mangle]
pub unsafe extern "C" fn pvm_module_block_count(module: *const ModuleRef) -> usize {
    // SAFETY: by this function's contract.
    unsafe { with_module(module, 0, |module| Ok(module.program().block_count())) }
}

/// Basic blocks prepared so far, by all VMs of the module together.
///
/// # Safety
/// As [`pvm_module_clone`].
#[no_mangle]
pub unsafe extern "C" fn pvm_module_prepared_blocks(module: *const ModuleRef) -> usize {
    // SAFETY: by this function's contract.
    unsafe {
        with_module(module, 0, |module| {
            Ok(module.program().prepared_block_count())
        })
    }
}

/// Bytes the module keeps (what a cache counts against its bound).
///
/// # Safety
/// As [`pvm_module_clone`].
#[no_mangle]
pub unsafe extern "C" fn pvm_module_footprint(module: *const ModuleRef) -> usize {
    // SAFETY: by this function's contract.
    unsafe { with_module(module, 0, |module| Ok(module.footprint())) }
}

/// Creates a VM from a loaded module. See `pvm.h`.
///
/// # Safety
/// `module` as in [`pvm_module_clone`]; `args` must be NULL or point to `args_len` bytes.
#[no_mangle]
pub unsafe extern "C" fn pvm_create_from_module(
    service_index: u32,
    module: *const ModuleRef,
    args: *const u8,
    args_len: usize,
    initial_gas: u64,
) -> *mut Vm {
    // SAFETY: same contract.
    unsafe { pvm_create_from_module_ex(service_index, module, args, args_len, initial_gas, 0) }
}

/// [`pvm_create_from_module`] with creation flags: only `PVM_FLAG_ENGINE_INTERPRETER` or
/// `PVM_FLAG_ENGINE_RECOMPILER` (the module fixed the GP version when it was loaded).
///
/// # Safety
/// As [`pvm_create_from_module`].
#[no_mangle]
pub unsafe extern "C" fn pvm_create_from_module_ex(
    service_index: u32,
    module: *const ModuleRef,
    args: *const u8,
    args_len: usize,
    initial_gas: u64,
    flags: u32,
) -> *mut Vm {
    guard::create(|| {
        if flags & FLAG_GP_0_7 != 0 {
            return Err(FfiError::VersionFromModule);
        }
        let engine = engine_from_flags(flags)?;
        // SAFETY: by this function's contract.
        let (module, args) = unsafe { (handle(module)?, slice(args, args_len, "args")?) };
        Vm::from_module(
            module.module.clone(),
            args,
            initial_gas,
            service_index,
            engine,
        )
    })
}
