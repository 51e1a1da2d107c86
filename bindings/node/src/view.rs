//! Zero-copy views: a `Uint8Array` over guest memory itself.
//!
//! A view's `ArrayBuffer` is an external buffer over the range inside the VM's 4 GiB
//! reservation, and its finalizer owns a reference to the engine instance, so the
//! reservation stays mapped while any view is alive, even after the VM is disposed or
//! collected. The whole reservation is mapped read-write at the OS level (the engine
//! enforces page access in software), so a view can never fault; what it shows is live
//! guest memory: the guest's later writes, and zeros after its pages are unmapped.

use std::ffi::c_void;
use std::ptr;

use napi::bindgen_prelude::Unknown;
use napi::{sys, Env};
use napi_derive::napi;

use crate::convert;
use crate::errors::{Error, IntoNapi, Result};
use crate::slot::SharedInstance;
use crate::vm::NativeVm;

/// Drops the instance reference a view held.
unsafe extern "C" fn release(_env: sys::napi_env, _data: *mut c_void, hint: *mut c_void) {
    // SAFETY: `hint` is the `Box<SharedInstance>` leaked by `create` for exactly this
    // buffer; Node calls the finalizer once, on the JavaScript thread.
    drop(unsafe { Box::from_raw(hint.cast::<SharedInstance>()) });
}

/// A `Uint8Array` over `len` bytes at `data`, keeping `owner` alive while it lives.
///
/// # Safety
/// `data..data + len` must stay valid memory for as long as `owner` is alive.
unsafe fn create(
    env: sys::napi_env,
    data: *mut u8,
    len: usize,
    owner: &SharedInstance,
) -> Result<sys::napi_value> {
    let failed = |what: &str| Error::Engine(format!("could not create a memory view: {what}"));
    let hint = Box::into_raw(Box::new(SharedInstance::clone(owner)));
    let mut buffer = ptr::null_mut();
    // SAFETY: the caller guarantees the range outlives `owner`, whose reference the
    // finalizer `release` drops; `hint` is freed by `release` or below on failure.
    let status = unsafe {
        sys::napi_create_external_arraybuffer(
            env,
            data.cast(),
            len,
            Some(release),
            hint.cast(),
            &mut buffer,
        )
    };
    if status != sys::Status::napi_ok {
        // SAFETY: the buffer was not created, so `release` will never see `hint`.
        drop(unsafe { Box::from_raw(hint) });
        return Err(failed("external buffers are not supported here"));
    }
    let mut array = ptr::null_mut();
    // SAFETY: `buffer` is the array buffer just created, `len` bytes long.
    let status = unsafe {
        sys::napi_create_typedarray(
            env,
            sys::TypedarrayType::uint8_array,
            len,
            buffer,
            0,
            &mut array,
        )
    };
    if status != sys::Status::napi_ok {
        return Err(failed("Uint8Array"));
    }
    Ok(array)
}

#[napi]
impl NativeVm {
    /// A `Uint8Array` over readable guest memory `[address, address + length)` without a
    /// copy; throws `MemoryAccessError` if a byte is not readable (see the module docs for
    /// what it shows later).
    #[napi(ts_return_type = "Uint8Array")]
    pub fn view<'env>(
        &self,
        env: &'env Env,
        address: f64,
        length: f64,
    ) -> napi::Result<Unknown<'env>> {
        let run = || -> Result<sys::napi_value> {
            let address = convert::address(address)?;
            let length = usize::try_from(convert::length(length)?)
                .map_err(|_| Error::Range("length does not fit this platform".into()))?;
            let shared = self.slot().shared()?;
            let data = shared
                .try_borrow()
                .map_err(|_| Error::Engine("the VM is busy".into()))?
                .memory()
                .slice(address, length, false)?
                .as_ptr()
                .cast_mut();
            if length == 0 {
                return Err(Error::Range("a view needs at least one byte".into()));
            }
            // SAFETY: `data..data + length` lies in the instance's reservation (checked by
            // `slice`), which stays mapped until the instance is dropped; the view holds a
            // reference to it. No Rust reference to these bytes outlives `slice` above.
            unsafe { create(env.raw(), data, length, &shared) }
        };
        let value = run().napi(env)?;
        // SAFETY: `value` is a live handle created in this call's scope.
        Ok(unsafe { Unknown::from_raw_unchecked(env.raw(), value) })
    }
}
