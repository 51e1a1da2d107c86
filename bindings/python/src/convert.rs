//! Turning Python argument values into engine types: Gray Paper versions, engines, page
//! access modes, register indices and byte buffers.

use pvm::{Access, Engine, GpVersion, ParseNameError, REG_COUNT};
use pyo3::prelude::*;
use pyo3::types::{PyByteArray, PyBytes};

use crate::errors::{Error, Result};

/// Parses a Gray Paper version: `"0.8"` (GP 0.8.0 / PolkaVM JamV1) or `"0.7"`.
pub fn gp_version(text: &str) -> Result<GpVersion> {
    text.parse()
        .map_err(|error: ParseNameError| Error::Value(error.to_string()))
}

/// The version string [`gp_version`] accepts for `version`.
pub fn gp_name(version: GpVersion) -> &'static str {
    version.name()
}

/// Parses an engine name: `"interpreter"` or `"recompiler"`.
pub fn engine(text: &str) -> Result<Engine> {
    text.parse()
        .map_err(|error: ParseNameError| Error::Value(error.to_string()))
}

/// Names of the engines that run on this platform, interpreter first.
pub fn supported_engines() -> Vec<&'static str> {
    [Engine::Interpreter, Engine::Recompiler]
        .into_iter()
        .filter(|engine| engine.is_supported())
        .map(Engine::name)
        .collect()
}

/// Parses a page access mode: `"rw"` (read-write), `"r"` (read-only) or `"none"`.
pub fn access(text: &str) -> Result<Access> {
    text.parse()
        .map_err(|error: ParseNameError| Error::Value(error.to_string()))
}

/// The access string [`access`] accepts for `access`.
pub fn access_name(access: Access) -> &'static str {
    access.name()
}

/// Checks a register index (Python int, possibly negative) against 0..=12.
pub fn register_index(index: i64) -> Result<usize> {
    usize::try_from(index)
        .ok()
        .filter(|&i| i < REG_COUNT)
        .ok_or_else(|| {
            Error::Index(format!(
                "register index {index} out of range: the PVM has registers 0..={}",
                REG_COUNT - 1
            ))
        })
}

/// Calls `f` with the bytes of a `bytes`, `bytearray`, `memoryview` or any other object
/// that `bytes(...)` accepts. `bytes` is borrowed without a copy.
pub fn with_bytes<T>(data: &Bound<'_, PyAny>, f: impl FnOnce(&[u8]) -> T) -> PyResult<T> {
    if let Ok(bytes) = data.cast::<PyBytes>() {
        return Ok(f(bytes.as_bytes()));
    }
    if let Ok(array) = data.cast::<PyByteArray>() {
        return Ok(f(&array.to_vec()));
    }
    if data.is_instance_of::<pyo3::types::PyString>() || data.is_instance_of::<pyo3::types::PyInt>()
    {
        return Err(Error::Type(format!(
            "expected a bytes-like object, got {}",
            data.get_type().name()?
        ))
        .into());
    }
    let bytes = data
        .py()
        .get_type::<PyBytes>()
        .call1((data,))
        .map_err(|_| {
            Error::Type(format!(
                "expected a bytes-like object, got {}",
                data.get_type()
                    .name()
                    .map_or_else(|_| "?".into(), |n| n.to_string())
            ))
        })?;
    let bytes = bytes.cast::<PyBytes>()?;
    Ok(f(bytes.as_bytes()))
}
