//! Errors of the C API, and where their messages are kept for `pvm_last_error`.

use std::cell::RefCell;
use std::ffi::{c_int, CStr, CString};

use engine::container::ContainerError;
use engine::format::FormatError;
use engine::{InstanceError, MemoryError, ProgramError};

/// Everything that can go wrong in a C API call.
#[derive(Debug, thiserror::Error)]
pub enum FfiError {
    /// A pointer argument is NULL although its length is not zero.
    #[error("`{what}` is NULL but its length is {len}")]
    NullBuffer {
        /// The argument's name.
        what: &'static str,
        /// The length given with it.
        len: usize,
    },
    /// A required pointer argument is NULL.
    #[error("`{0}` is NULL")]
    NullPointer(&'static str),
    /// A buffer length that no allocation can have.
    #[error("`{what}` length {len} is too large")]
    TooLarge {
        /// The argument's name.
        what: &'static str,
        /// The length given.
        len: usize,
    },
    /// The bitmask is not the packed form (one bit per code byte).
    #[error(
        "the bitmask must be packed, one bit per code byte (LSB first): {expected} bytes \
         for {code_len} code bytes, got {got}"
    )]
    BitmaskLength {
        /// ⌈code_len / 8⌉.
        expected: usize,
        /// The code length.
        code_len: usize,
        /// The bitmask length given.
        got: usize,
    },
    /// Creation flags with unknown bits.
    #[error("unknown creation flags {0:#x}")]
    UnknownFlags(u32),
    /// The program blob, standard program or container could not be parsed.
    #[error("invalid program format: {0}")]
    Format(#[from] FormatError),
    /// The program was rejected.
    #[error("invalid program: {0}")]
    Program(#[from] ProgramError),
    /// The `.polkavm` container is invalid.
    #[error("invalid .polkavm program: {0}")]
    Container(#[from] ContainerError),
    /// The instance could not be set up.
    #[error("cannot create the VM: {0}")]
    Instance(#[from] InstanceError),
    /// A host memory operation failed.
    #[error("{0}")]
    Memory(#[from] MemoryError),
    /// A register index outside 0..13.
    #[error("register index {0} is out of range (0..12)")]
    RegisterIndex(c_int),
    /// An access value other than `PVM_ACCESS_NONE/READ/WRITE`.
    #[error("invalid access value {0} (expected PVM_ACCESS_NONE, _READ or _WRITE)")]
    InvalidAccess(c_int),
    /// A zero length where at least one byte is required.
    #[error("length must be greater than zero")]
    ZeroLength,
    /// `pvm_execute`/`pvm_resume` on a VM that is already running (from its own callback).
    #[error("the VM is already running: pvm_execute/pvm_resume called from its own host callback")]
    AlreadyRunning,
    /// `pvm_resume` before any `pvm_execute`.
    #[error("pvm_resume called before pvm_execute")]
    NotStarted,
    /// `pvm_resume_host` while no host call is pending.
    #[error("pvm_resume_host called while no host call is pending")]
    NoHostCallPending,
    /// A host callback returned something that is not a `pvm_host_result_t`.
    #[error("the host callback returned {0}, which is not a pvm_host_result_t; treated as PVM_HOST_ERROR")]
    BadCallbackResult(c_int),
    /// The export name is not valid UTF-8.
    #[error("the export name is not valid UTF-8")]
    ExportName,
    /// No export of that name.
    #[error("no export named {0:?}")]
    NoExport(String),
    /// A module could not be loaded (`pvm_module_load`, `pvm_cache_load`).
    #[error("cannot load the program: {0}")]
    Load(InstanceError),
    /// A pointer that does not carry the tag of a live object of its type.
    #[error("not a live {0}")]
    NotLive(&'static str),
    /// A program format value other than `PVM_FORMAT_RAW/STANDARD/POLKAVM`.
    #[error("invalid program format {0} (expected PVM_FORMAT_RAW, _STANDARD or _POLKAVM)")]
    UnknownFormat(c_int),
    /// `PVM_FLAG_GP_0_7` with a `.polkavm` program, which is always GP 0.8.
    #[error("a .polkavm program is always GP 0.8: PVM_FLAG_GP_0_7 does not apply")]
    PolkavmIsGp08,
    /// `PVM_FLAG_GP_0_7` given when making a VM from a module, whose version is fixed.
    #[error(
        "a module's GP version is fixed when it is loaded: give PVM_FLAG_GP_0_7 to \
         pvm_module_load, not to pvm_create_from_module_ex"
    )]
    VersionFromModule,
    /// `pvm_set_tracing` on a VM created with `PVM_FLAG_ENGINE_RECOMPILER`.
    #[error(
        "tracing needs the interpreter engine: this VM was created with \
         PVM_FLAG_ENGINE_RECOMPILER (create it without an engine flag, or with \
         PVM_FLAG_ENGINE_INTERPRETER, to trace it)"
    )]
    TracingNeedsInterpreter,
    /// Both `PVM_FLAG_ENGINE_INTERPRETER` and `PVM_FLAG_ENGINE_RECOMPILER`.
    #[error(
        "PVM_FLAG_ENGINE_INTERPRETER and PVM_FLAG_ENGINE_RECOMPILER were both given: \
         choose one engine (or neither, for the default)"
    )]
    ConflictingEngineFlags,
    /// A Rust panic was caught at the ABI boundary (a bug in libpvm).
    #[error("internal error: {0}")]
    Internal(String),
}

impl FfiError {
    /// The message as a C string (interior NULs, which no message should contain, are
    /// replaced).
    pub fn to_c_string(&self) -> CString {
        to_c_string(self.to_string())
    }
}

/// Converts a message to a C string, replacing any interior NUL.
pub fn to_c_string(message: String) -> CString {
    CString::new(message.replace('\0', "\u{FFFD}")).unwrap_or_default()
}

/// The text of a caught panic payload.
pub fn panic_message(payload: &(dyn std::any::Any + Send)) -> String {
    if let Some(text) = payload.downcast_ref::<&str>() {
        (*text).to_string()
    } else if let Some(text) = payload.downcast_ref::<String>() {
        text.clone()
    } else {
        "a panic with a non-string payload".to_string()
    }
}

thread_local! {
    /// Why the last constructor on this thread returned NULL.
    static CREATE_ERROR: RefCell<CString> = RefCell::new(CString::default());
}

/// Records why a constructor failed, for `pvm_last_error(NULL)` on this thread.
pub fn set_create_error(error: &FfiError) {
    CREATE_ERROR.with(|slot| *slot.borrow_mut() = error.to_c_string());
}

/// The last constructor error of this thread. The pointer stays valid until the next
/// failing constructor on this thread (or the thread's exit).
pub fn create_error_ptr() -> *const std::ffi::c_char {
    CREATE_ERROR.with(|slot| {
        let message: &CStr = &slot.borrow();
        message.as_ptr()
    })
}
