//! The binding's error type and the Python exceptions it becomes.
//!
//! Every fallible operation returns [`Error`], whose variants say which Python exception
//! is raised: `PvmError` (base), `ProgramError` (invalid program, container or export)
//! and `MemoryAccessError` (guest memory that cannot be read or written, with its
//! `address`), plus the built-in `ValueError`, `IndexError` and `TypeError` for bad
//! arguments.

use pvm::container::ContainerError;
use pvm::format::FormatError;
use pvm::{InstanceError, MemoryError};
use pyo3::exceptions::{PyException, PyIndexError, PyRuntimeError, PyTypeError, PyValueError};
use pyo3::prelude::*;

pyo3::create_exception!(
    pvm,
    PvmError,
    PyException,
    "Base class of every error the pvm engine reports."
);
pyo3::create_exception!(
    pvm,
    ProgramError,
    PvmError,
    "The program, container or export is invalid; the message is the engine's."
);
pyo3::create_exception!(
    pvm,
    MemoryAccessError,
    PvmError,
    "Guest memory could not be accessed; `address` is the first failing address."
);

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
    /// `run` was called again from inside a host function (`RuntimeError`).
    Reentrant,
    /// An argument has the right type but a bad value (`ValueError`).
    Value(String),
    /// A register index outside 0..=12 (`IndexError`).
    Index(String),
    /// An argument or a host function's result has the wrong type (`TypeError`).
    Type(String),
}

impl From<Error> for PyErr {
    fn from(error: Error) -> PyErr {
        match error {
            Error::Program(message) => ProgramError::new_err(message),
            Error::Memory { address, message } => memory_access_error(address, message),
            Error::Engine(message) => PvmError::new_err(message),
            Error::Reentrant => PyRuntimeError::new_err(
                "VM.run/VM.call cannot be called from inside a host function of the same VM",
            ),
            Error::Value(message) => PyValueError::new_err(message),
            Error::Index(message) => PyIndexError::new_err(message),
            Error::Type(message) => PyTypeError::new_err(message),
        }
    }
}

/// A `MemoryAccessError(message)` whose `address` attribute is set.
fn memory_access_error(address: u32, message: String) -> PyErr {
    Python::attach(|py| {
        let make = || -> PyResult<PyErr> {
            let value = py
                .get_type::<MemoryAccessError>()
                .call1((message.clone(),))?;
            value.setattr("address", address)?;
            Ok(PyErr::from_value(value))
        };
        make().unwrap_or_else(|error| error)
    })
}

impl From<MemoryError> for Error {
    fn from(error: MemoryError) -> Error {
        let message = error.to_string();
        match (error.guest_address(), error) {
            (_, MemoryError::ReserveFailed(_) | MemoryError::Protect(_)) => Error::Engine(message),
            (Some(address), _) => Error::Memory { address, message },
            (None, _) => Error::Value(message),
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
            InstanceError::TooManyArguments(_) => Error::Type(error.to_string()),
            InstanceError::ArgumentsTooLarge(_) => Error::Value(error.to_string()),
            // The recompiler is unsupported here or cannot compile the program.
            InstanceError::Engine(_) => Error::Engine(error.to_string()),
        }
    }
}

/// The binding's result type.
pub type Result<T> = std::result::Result<T, Error>;
