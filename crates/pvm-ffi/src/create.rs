//! Creating and destroying VMs: `pvm_create`, `pvm_create_ex`, `pvm_create_from_blob`,
//! `pvm_create_from_standard` (and their `_ex` forms), `pvm_destroy`, `pvm_version`,
//! `pvm_abi_version`.

use std::ffi::c_char;
use std::sync::Arc;

use engine::format::{StandardProgram, MAX_ARGS_LEN};
use engine::{Engine, GpVersion, Instance, InstanceError, Module, Program, REG_COUNT};

use crate::error::FfiError;
use crate::guard::{self, slice};
use crate::vm::{instantiate, Vm};

/// `PVM_FLAG_GP_0_7`: follow GP 0.7 instead of GP 0.8.0.
pub const FLAG_GP_0_7: u32 = 1;
/// `PVM_FLAG_ENGINE_RECOMPILER`: run the VM on the recompiler (an error where it is not
/// supported).
pub const FLAG_ENGINE_RECOMPILER: u32 = 2;
/// `PVM_FLAG_ENGINE_INTERPRETER`: run the VM on the interpreter, whatever the default.
pub const FLAG_ENGINE_INTERPRETER: u32 = 4;
/// Both engine flags.
const ENGINE_FLAGS: u32 = FLAG_ENGINE_RECOMPILER | FLAG_ENGINE_INTERPRETER;

/// `PVM_ENGINE_INTERPRETER`, what `pvm_get_engine` returns for [`Engine::Interpreter`].
pub const ENGINE_INTERPRETER: i32 = 0;
/// `PVM_ENGINE_RECOMPILER`, what `pvm_get_engine` returns for [`Engine::Recompiler`].
pub const ENGINE_RECOMPILER: i32 = 1;

/// The `pvm_engine_t` value of `engine`.
pub fn engine_code(engine: Engine) -> i32 {
    match engine {
        Engine::Interpreter => ENGINE_INTERPRETER,
        Engine::Recompiler => ENGINE_RECOMPILER,
    }
}

/// The GP version selected by flags that may carry only [`FLAG_GP_0_7`] (module loading).
pub fn version_from_flags(flags: u32) -> Result<GpVersion, FfiError> {
    if flags & !FLAG_GP_0_7 != 0 {
        return Err(FfiError::UnknownFlags(flags));
    }
    Ok(if flags & FLAG_GP_0_7 != 0 {
        GpVersion::V0_7
    } else {
        GpVersion::V0_8
    })
}

/// The engine selected by flags that may carry only the engine flags (VMs whose GP version
/// is fixed elsewhere: `.polkavm` programs and modules): `None` without one, for the
/// default engine ([`Engine::default`]: the recompiler where it is supported).
pub fn engine_from_flags(flags: u32) -> Result<Option<Engine>, FfiError> {
    if flags & !ENGINE_FLAGS != 0 {
        return Err(FfiError::UnknownFlags(flags));
    }
    match (
        flags & FLAG_ENGINE_INTERPRETER != 0,
        flags & FLAG_ENGINE_RECOMPILER != 0,
    ) {
        (true, true) => Err(FfiError::ConflictingEngineFlags),
        (true, false) => Ok(Some(Engine::Interpreter)),
        (false, true) => Ok(Some(Engine::Recompiler)),
        (false, false) => Ok(None),
    }
}

/// The GP version and engine (`None`: the default) selected by the flags of a
/// `pvm_create*_ex` constructor.
pub fn creation_flags(flags: u32) -> Result<(GpVersion, Option<Engine>), FfiError> {
    let version =
        version_from_flags(flags & !ENGINE_FLAGS).map_err(|_| FfiError::UnknownFlags(flags))?;
    Ok((version, engine_from_flags(flags & ENGINE_FLAGS)?))
}

/// A fresh instance of `program` (nothing mapped) on `engine` or the default.
fn instance(program: Program, gas: u64, engine: Option<Engine>) -> Result<Instance, FfiError> {
    Ok(instantiate(
        &Module::from_program(Arc::new(program)),
        &[],
        gas,
        engine,
    )?)
}

/// Whether `engine` (a `pvm_engine_t`) can run on this platform: 1 or 0 (0 for a value
/// that is no engine).
#[no_mangle]
pub extern "C" fn pvm_engine_supported(engine: i32) -> i32 {
    guard::catch(0, || match engine {
        ENGINE_INTERPRETER => i32::from(Engine::Interpreter.is_supported()),
        ENGINE_RECOMPILER => i32::from(Engine::Recompiler.is_supported()),
        _ => 0,
    })
}

/// Defines a C constructor and its `_ex` form, which takes the same arguments plus
/// `flags: u32`: the plain form is the `_ex` form with flags 0 (GP 0.8, the default
/// engine), and the `_ex` form is [`build_vm`] with `$build`, a closure that makes the
/// instance for a GP version on an engine (`None`: the default).
macro_rules! constructor {
    (
        $(#[$doc:meta])*
        pub unsafe extern "C" fn $name:ident / $ex:ident(
            service_index: u32,
            $($arg:ident: $ty:ty),* $(,)?
        ) $build:expr
    ) => {
        $(#[$doc])*
        #[no_mangle]
        pub unsafe extern "C" fn $name(service_index: u32, $($arg: $ty),*) -> *mut Vm {
            // SAFETY: same contract.
            unsafe { $ex(service_index, $($arg,)* 0) }
        }

        #[doc = concat!("[`", stringify!($name), "`] with creation flags.")]
        ///
        /// # Safety
        #[doc = concat!("As [`", stringify!($name), "`].")]
        #[no_mangle]
        pub unsafe extern "C" fn $ex(service_index: u32, $($arg: $ty,)* flags: u32) -> *mut Vm {
            build_vm(service_index, flags, $build)
        }
    };
}

/// The body of every `_ex` constructor: a VM for `service_index` around the instance
/// `build` makes for the GP version and engine `flags` select, or NULL and the creation
/// error.
fn build_vm(
    service_index: u32,
    flags: u32,
    build: impl FnOnce(GpVersion, Option<Engine>) -> Result<Instance, FfiError>,
) -> *mut Vm {
    guard::create(|| {
        let (version, engine) = creation_flags(flags)?;
        Ok(Vm::new(build(version, engine)?, service_index))
    })
}

constructor! {
    /// Creates a VM from code, packed bitmask and jump table (GP 0.8). See `pvm.h`.
    ///
    /// # Safety
    /// Each pointer must be NULL or point to its stated number of elements
    /// (`initial_regs`: 13).
    pub unsafe extern "C" fn pvm_create / pvm_create_ex(
        service_index: u32,
        code: *const u8,
        code_len: usize,
        initial_regs: *const u64,
        bitmask: *const u8,
        bitmask_len: usize,
        jump_table: *const u32,
        jump_table_len: usize,
        initial_gas: u64,
    ) |version, engine| {
        // SAFETY: the caller guarantees each buffer holds its stated length.
        let (code, bitmask, jump_table, regs) = unsafe {
            (
                slice(code, code_len, "code")?,
                slice(bitmask, bitmask_len, "bitmask")?,
                slice(jump_table, jump_table_len, "jump_table")?,
                if initial_regs.is_null() {
                    None
                } else {
                    Some(slice(initial_regs, REG_COUNT, "initial_regs")?)
                },
            )
        };
        let expected = code.len().div_ceil(8);
        if bitmask.len() != expected {
            return Err(FfiError::BitmaskLength {
                expected,
                code_len: code.len(),
                got: bitmask.len(),
            });
        }
        let program = Program::from_parts(code, bitmask, jump_table, version)?;
        let mut instance = instance(program, initial_gas, engine)?;
        for (index, &value) in regs.unwrap_or(&[]).iter().enumerate() {
            instance.set_reg(index, value);
        }
        Ok(instance)
    }
}

constructor! {
    /// Creates a VM from a raw program blob (GP 0.8). See `pvm.h`.
    ///
    /// # Safety
    /// `blob` must be NULL or point to `blob_len` bytes.
    pub unsafe extern "C" fn pvm_create_from_blob / pvm_create_from_blob_ex(
        service_index: u32,
        blob: *const u8,
        blob_len: usize,
        initial_gas: u64,
    ) |version, engine| {
        // SAFETY: the caller guarantees `blob_len` bytes.
        let blob = unsafe { slice(blob, blob_len, "blob")? };
        let program = Program::from_blob_bytes(blob, version)?;
        instance(program, initial_gas, engine)
    }
}

constructor! {
    /// Creates a VM from a JAM standard program and argument data (GP 0.8). See `pvm.h`.
    ///
    /// # Safety
    /// `program` and `args` must each be NULL or point to their stated lengths.
    pub unsafe extern "C" fn pvm_create_from_standard / pvm_create_from_standard_ex(
        service_index: u32,
        program: *const u8,
        program_len: usize,
        args: *const u8,
        args_len: usize,
        initial_gas: u64,
    ) |version, engine| {
        // SAFETY: the caller guarantees both lengths.
        let (program, args) = unsafe {
            (
                slice(program, program_len, "program")?,
                slice(args, args_len, "args")?,
            )
        };
        let standard = StandardProgram::parse(program)?;
        if args.len() > MAX_ARGS_LEN as usize {
            return Err(InstanceError::ArgumentsTooLarge(args.len()).into());
        }
        let module = Module::from_standard(&standard, version)?;
        Ok(instantiate(&module, args, initial_gas, engine)?)
    }
}

/// Destroys a VM (NULL is ignored). From the VM's own host callback, the VM is freed when
/// the callback returns. Afterwards the pointer is dangling: any further use, a second
/// destroy included, is undefined behaviour (debug builds abort while the poisoned tag
/// survives).
///
/// # Safety
/// `vm` must be NULL or a pointer from a constructor that has not been destroyed, not used
/// by another thread.
#[no_mangle]
pub unsafe extern "C" fn pvm_destroy(vm: *mut Vm) {
    let body = |vm: &mut Vm| {
        if vm.running {
            vm.destroy_requested = true;
            false
        } else {
            true
        }
    };
    // SAFETY: `vm` meets `with_vm`'s contract by this function's contract.
    let free_now = unsafe { guard::with_vm(vm, false, body) };
    if free_now {
        // SAFETY: the VM is live, not running, and was made by `Box::into_raw` in
        // `guard::create`.
        unsafe { free(vm) };
    }
}

/// Poisons the tag ([`guard::DEAD_TAG`]) and frees a VM.
///
/// # Safety
/// `vm` must be a live VM from `guard::create`, with no reference to it alive.
pub(crate) unsafe fn free(vm: *mut Vm) {
    guard::catch((), || {
        // SAFETY: per this function's contract.
        let mut boxed = unsafe { Box::from_raw(vm) };
        // SAFETY: a plain write to a field of the live box; volatile so that the store is
        // not dropped as dead (the memory is freed right after).
        unsafe { std::ptr::write_volatile(&mut boxed.tag, guard::DEAD_TAG) };
        drop(boxed);
    });
}

/// The library version: a static NUL-terminated string.
#[no_mangle]
pub extern "C" fn pvm_version() -> *const c_char {
    static VERSION: &str = concat!(env!("CARGO_PKG_VERSION"), " (GP 0.8.0, JamV1)\0");
    VERSION.as_ptr().cast()
}

/// The C ABI version: `PVM_ABI_VERSION` of `include/pvm.h`, read by `build.rs` (which also
/// makes it the SONAME's number). Change it there when the ABI breaks.
pub const ABI_VERSION: u32 = parse_decimal(env!("PVM_ABI_VERSION"));

/// A decimal number at compile time (`build.rs` passes only digits).
const fn parse_decimal(text: &str) -> u32 {
    let bytes = text.as_bytes();
    let mut value = 0u32;
    let mut i = 0;
    while i < bytes.len() {
        assert!(bytes[i].is_ascii_digit(), "PVM_ABI_VERSION is not a number");
        value = value * 10 + (bytes[i] - b'0') as u32;
        i += 1;
    }
    value
}

/// The library's C ABI version: [`ABI_VERSION`].
#[no_mangle]
pub extern "C" fn pvm_abi_version() -> u32 {
    ABI_VERSION
}
