//! The binding's error type and how it reaches JavaScript.
//!
//! Every fallible operation returns [`Error`]. Its variants say which JavaScript error is
//! thrown: `ProgramError` (invalid program, container or export), `MemoryAccessError`
//! (guest memory that cannot be accessed, with its `address`) and `PvmError` (their base,
//! for any other engine failure), plus the built-in `RangeError` and `TypeError` for bad
//! arguments. The error classes are defined in JavaScript (`lib/errors.js`), which hands
//! a factory `(kind, message, address) => Error` to [`register_error_factory`] when the
//! package loads; the native code calls it and throws what it returns.

use std::cell::Cell;
use std::ptr;

use napi::bindgen_prelude::Unknown;
use napi::{sys, Env, JsValue, Status};
use napi_derive::napi;
use pvm::container::ContainerError;
use pvm::format::FormatError;
use pvm::{InstanceError, MemoryError};

/// Why an operation of the binding failed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Error {
    /// The program, container or export was rejected (`ProgramError`).
    Program(String),
    /// A guest memory access was refused at `address` (`MemoryAccessError`).
    Memory {
        /// First failing address.
        address: u32,
        /// The engine's message.
        message: String,
    },
    /// Any other engine failure (`PvmError`).
    Engine(String),
    /// A number outside the range an argument allows (`RangeError`).
    Range(String),
    /// An argument of the wrong type or form (`TypeError`).
    Type(String),
}

impl Error {
    /// The `kind` the JavaScript factory receives.
    fn kind(&self) -> &'static str {
        match self {
            Error::Program(_) => "program",
            Error::Memory { .. } => "memory",
            Error::Engine(_) => "engine",
            Error::Range(_) => "range",
            Error::Type(_) => "type",
        }
    }

    /// The message.
    pub fn message(&self) -> &str {
        match self {
            Error::Program(message)
            | Error::Memory { message, .. }
            | Error::Engine(message)
            | Error::Range(message)
            | Error::Type(message) => message,
        }
    }

    /// The failing address of a memory error.
    fn address(&self) -> Option<u32> {
        match self {
            Error::Memory { address, .. } => Some(*address),
            _ => None,
        }
    }
}

impl std::fmt::Display for Error {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.message())
    }
}

impl std::error::Error for Error {}

/// The binding's result type.
pub type Result<T> = std::result::Result<T, Error>;

thread_local! {
    /// The registered error factory of this thread's Node environment: `(env, reference)`.
    /// Each Node environment (the main thread, every worker) runs on its own thread.
    static FACTORY: Cell<Option<(sys::napi_env, sys::napi_ref)>> = const { Cell::new(None) };
}

/// Registers `factory(kind, message, address)`, the function that builds the error objects
/// this module throws (called once by `lib/errors.js`).
#[napi]
pub fn register_error_factory(
    env: Env,
    #[napi(ts_arg_type = "(kind: string, message: string, address?: number) => Error")]
    factory: Unknown,
) -> napi::Result<()> {
    let mut reference = ptr::null_mut();
    // SAFETY: `env` and `factory` are the live handles of this call; the new reference
    // keeps the function alive for the lifetime of the environment (it is never deleted:
    // a replaced factory's reference is released below, the last one with the env).
    let status = unsafe { sys::napi_create_reference(env.raw(), factory.raw(), 1, &mut reference) };
    if status != sys::Status::napi_ok {
        return Err(napi::Error::new(
            Status::from(status),
            "could not keep the error factory",
        ));
    }
    if let Some((old_env, old)) = FACTORY.replace(Some((env.raw(), reference))) {
        if old_env == env.raw() {
            // SAFETY: `old` was created in this same environment and is deleted once.
            unsafe { sys::napi_delete_reference(old_env, old) };
        }
    }
    Ok(())
}

/// Calls the registered factory for `error` and throws its result; `false` if no factory
/// is registered or calling it failed (then nothing is pending from us).
///
/// # Safety
/// Must run on the JavaScript thread inside a Node-API call of `env`.
unsafe fn throw_from_factory(env: sys::napi_env, error: &Error) -> bool {
    let Some((factory_env, reference)) = FACTORY.get() else {
        return false;
    };
    if factory_env != env {
        return false;
    }
    let mut factory = ptr::null_mut();
    let mut receiver = ptr::null_mut();
    let mut args = [ptr::null_mut(); 3];
    let message = error.message();
    // SAFETY: every handle passed in was produced by the napi calls before it in this
    // same scope; the string pointers and lengths describe `kind` and `message`.
    unsafe {
        let ok = sys::napi_get_reference_value(env, reference, &mut factory)
            == sys::Status::napi_ok
            && !factory.is_null()
            && sys::napi_get_undefined(env, &mut receiver) == sys::Status::napi_ok
            && sys::napi_create_string_utf8(
                env,
                error.kind().as_ptr().cast(),
                error.kind().len() as isize,
                &mut args[0],
            ) == sys::Status::napi_ok
            && sys::napi_create_string_utf8(
                env,
                message.as_ptr().cast(),
                message.len() as isize,
                &mut args[1],
            ) == sys::Status::napi_ok
            && match error.address() {
                Some(address) => {
                    sys::napi_create_uint32(env, address, &mut args[2]) == sys::Status::napi_ok
                }
                None => sys::napi_get_undefined(env, &mut args[2]) == sys::Status::napi_ok,
            };
        if !ok {
            return false;
        }
        let mut thrown = ptr::null_mut();
        if sys::napi_call_function(env, receiver, factory, 3, args.as_ptr(), &mut thrown)
            != sys::Status::napi_ok
        {
            // The factory itself threw: that exception is pending and will be reported.
            return true;
        }
        sys::napi_throw(env, thrown) == sys::Status::napi_ok
    }
}

/// Throws `error` as a JavaScript exception, unless one is already pending: the object
/// the registered factory builds, or a plain `Error` with the message if there is none.
///
/// # Safety
/// Must run on the JavaScript thread inside a Node-API call of `env`.
pub unsafe fn throw(env: sys::napi_env, error: &Error) {
    let mut pending = false;
    // SAFETY: guaranteed by the caller.
    unsafe { sys::napi_is_exception_pending(env, &mut pending) };
    // SAFETY: guaranteed by the caller.
    if pending || unsafe { throw_from_factory(env, error) } {
        return;
    }
    let message = std::ffi::CString::new(error.message().replace('\0', " ")).unwrap_or_default();
    // SAFETY: guaranteed by the caller; `message` is NUL-terminated and outlives the call.
    unsafe { sys::napi_throw_error(env, ptr::null(), message.as_ptr()) };
}

/// Turns `error` into the `napi::Error` a `#[napi]` function returns: the JavaScript
/// error is thrown right here (see [`throw`]) and the returned error only tells napi-rs
/// that an exception is pending.
pub fn to_napi(env: &Env, error: Error) -> napi::Error {
    // SAFETY: napi-rs hands an `Env` to the code serving a Node-API call on the JavaScript
    // thread, and that is where every `Env` of this crate comes from.
    unsafe { throw(env.raw(), &error) };
    napi::Error::new(Status::PendingException, error.message().to_owned())
}

/// Extension for results of the binding: convert the error for `env`.
pub trait IntoNapi<T> {
    /// Converts the error with [`to_napi`].
    fn napi(self, env: &Env) -> napi::Result<T>;
}

impl<T> IntoNapi<T> for Result<T> {
    fn napi(self, env: &Env) -> napi::Result<T> {
        self.map_err(|error| to_napi(env, error))
    }
}

impl From<MemoryError> for Error {
    fn from(error: MemoryError) -> Error {
        let message = error.to_string();
        match (error.guest_address(), error) {
            (_, MemoryError::ReserveFailed(_) | MemoryError::Protect(_)) => Error::Engine(message),
            (Some(address), _) => Error::Memory { address, message },
            (None, _) => Error::Range(message),
        }
    }
}

impl From<pvm::ProgramError> for Error {
    fn from(error: pvm::ProgramError) -> Error {
        Error::Program(error.to_string())
    }
}

impl From<FormatError> for Error {
    fn from(error: FormatError) -> Error {
        Error::Program(error.to_string())
    }
}

impl From<ContainerError> for Error {
    fn from(error: ContainerError) -> Error {
        Error::Program(error.to_string())
    }
}

impl From<InstanceError> for Error {
    fn from(error: InstanceError) -> Error {
        match error {
            InstanceError::Program(error) => error.into(),
            InstanceError::Memory(error) => error.into(),
            InstanceError::Container(error) => error.into(),
            InstanceError::TooManyArguments(_) | InstanceError::ArgumentsTooLarge(_) => {
                Error::Range(error.to_string())
            }
            // The recompiler is unsupported here or cannot compile the program.
            InstanceError::Engine(_) => Error::Engine(error.to_string()),
        }
    }
}
