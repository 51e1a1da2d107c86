//! JavaScript values ↔ engine types: 64-bit values as `bigint` (numbers accepted),
//! register indices, addresses and lengths, Gray Paper versions and page access modes.

use std::ptr;

use napi::bindgen_prelude::{FromNapiValue, ToNapiValue, TypeName, ValidateNapiValue};
use napi::{sys, Env, ValueType};
use pvm::{Access, Engine, GpVersion, ParseNameError, REG_COUNT};

use crate::errors::{to_napi, Error, Result};

/// A 64-bit unsigned value from JavaScript: a `bigint` in 0..2^64, or a non-negative
/// safe-integer `number`. Anything else throws `RangeError`/`TypeError`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct U64(pub u64);

impl TypeName for U64 {
    fn type_name() -> &'static str {
        "bigint"
    }

    fn value_type() -> ValueType {
        ValueType::BigInt
    }
}

impl ValidateNapiValue for U64 {}

impl FromNapiValue for U64 {
    unsafe fn from_napi_value(env: sys::napi_env, value: sys::napi_value) -> napi::Result<U64> {
        // SAFETY: napi-rs calls this with the live `env` and `value` of the current call.
        unsafe { read_u64(env, value) }
            .map(U64)
            .map_err(|e| to_napi(&Env::from_raw(env), e))
    }
}

/// Reads a `bigint` or `number` as a `u64`.
///
/// # Safety
/// `env` and `value` must be live handles of the current Node-API call.
pub unsafe fn read_u64(env: sys::napi_env, value: sys::napi_value) -> Result<u64> {
    let mut kind = sys::ValueType::napi_undefined;
    // SAFETY: guaranteed by the caller.
    unsafe { sys::napi_typeof(env, value, &mut kind) };
    match kind {
        sys::ValueType::napi_bigint => {
            let mut out = 0u64;
            let mut lossless = false;
            // SAFETY: `value` is a bigint (checked above); out-pointers are locals.
            unsafe { sys::napi_get_value_bigint_uint64(env, value, &mut out, &mut lossless) };
            if lossless {
                Ok(out)
            } else {
                Err(Error::Range(
                    "value out of range: expected a bigint in 0..2**64".into(),
                ))
            }
        }
        sys::ValueType::napi_number => {
            let mut number = 0f64;
            // SAFETY: `value` is a number (checked above); the out-pointer is a local.
            unsafe { sys::napi_get_value_double(env, value, &mut number) };
            safe_integer(number).ok_or_else(|| {
                Error::Range(format!(
                    "value {number} out of range: expected a bigint in 0..2**64 or a \
                     non-negative safe integer"
                ))
            })
        }
        _ => Err(Error::Type(
            "expected a bigint (or a non-negative safe integer number)".into(),
        )),
    }
}

/// `number` as a `u64` if it is an integer in 0..=2^53-1.
fn safe_integer(number: f64) -> Option<u64> {
    const MAX_SAFE: f64 = 9_007_199_254_740_991.0;
    (number.fract() == 0.0 && (0.0..=MAX_SAFE).contains(&number)).then_some(number as u64)
}

/// A `u64` returned to JavaScript as a `bigint`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct BigU64(pub u64);

impl TypeName for BigU64 {
    fn type_name() -> &'static str {
        "bigint"
    }

    fn value_type() -> ValueType {
        ValueType::BigInt
    }
}

impl ToNapiValue for BigU64 {
    unsafe fn to_napi_value(env: sys::napi_env, value: BigU64) -> napi::Result<sys::napi_value> {
        let mut out = ptr::null_mut();
        // SAFETY: napi-rs calls this with the live `env` of the current call.
        let status = unsafe { sys::napi_create_bigint_uint64(env, value.0, &mut out) };
        if status == sys::Status::napi_ok {
            Ok(out)
        } else {
            Err(napi::Error::new(
                napi::Status::from(status),
                "could not create a bigint",
            ))
        }
    }
}

/// Checks a register index against 0..=12.
pub fn register_index(index: f64) -> Result<usize> {
    safe_integer(index)
        .and_then(|i| usize::try_from(i).ok())
        .filter(|&i| i < REG_COUNT)
        .ok_or_else(|| {
            Error::Range(format!(
                "register index {index} out of range: the PVM has registers 0..={}",
                REG_COUNT - 1
            ))
        })
}

/// Checks a guest address: an integer in 0..2^32.
pub fn address(address: f64) -> Result<u32> {
    safe_integer(address)
        .and_then(|a| u32::try_from(a).ok())
        .ok_or_else(|| Error::Range(format!("address {address} out of range: expected 0..2**32")))
}

/// Checks a byte length: an integer in 0..=2^32.
pub fn length(length: f64) -> Result<u64> {
    safe_integer(length)
        .filter(|&l| l <= 1 << 32)
        .ok_or_else(|| Error::Range(format!("length {length} out of range: expected 0..=2**32")))
}

/// Parses a Gray Paper version: `"0.8"` (GP 0.8.0 / PolkaVM JamV1) or `"0.7"`.
pub fn gp_version(text: &str) -> Result<GpVersion> {
    text.parse()
        .map_err(|error: ParseNameError| Error::Range(error.to_string()))
}

/// Parses an engine name: `"interpreter"` or `"recompiler"` (`RangeError` otherwise).
pub fn engine(text: &str) -> Result<Engine> {
    text.parse()
        .map_err(|error: ParseNameError| Error::Range(error.to_string()))
}

/// The version string [`gp_version`] accepts for `version`.
pub fn gp_name(version: GpVersion) -> &'static str {
    version.name()
}

/// Parses a page access mode: `"rw"` (read-write), `"r"` (read-only) or `"none"`.
pub fn access(text: &str) -> Result<Access> {
    text.parse()
        .map_err(|error: ParseNameError| Error::Range(error.to_string()))
}

/// The access string [`access`] accepts for `access`.
pub fn access_name(access: Access) -> &'static str {
    access.name()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn safe_integers() {
        assert_eq!(safe_integer(0.0), Some(0));
        assert_eq!(safe_integer(9_007_199_254_740_991.0), Some((1 << 53) - 1));
        assert_eq!(safe_integer(9_007_199_254_740_992.0), None);
        assert_eq!(safe_integer(-1.0), None);
        assert_eq!(safe_integer(1.5), None);
        assert_eq!(safe_integer(f64::NAN), None);
        assert_eq!(safe_integer(f64::INFINITY), None);
    }

    #[test]
    fn indices_addresses_lengths() {
        assert_eq!(register_index(12.0), Ok(12));
        assert!(matches!(register_index(13.0), Err(Error::Range(_))));
        assert!(matches!(register_index(-1.0), Err(Error::Range(_))));
        assert_eq!(address(4_294_967_295.0), Ok(u32::MAX));
        assert!(address(4_294_967_296.0).is_err());
        assert_eq!(length(4_294_967_296.0), Ok(1 << 32));
        assert!(length(4_294_967_297.0).is_err());
    }

    #[test]
    fn names_round_trip() {
        for name in ["0.8", "0.7"] {
            assert_eq!(gp_name(gp_version(name).unwrap()), name);
        }
        for name in ["rw", "r", "none"] {
            assert_eq!(access_name(access(name).unwrap()), name);
        }
        assert!(gp_version("0.9").is_err());
        assert!(access("x").is_err());
    }
}
