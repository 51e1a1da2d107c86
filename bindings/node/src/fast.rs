//! The operations of a host-call round trip as raw Node-API functions: `run`, single
//! registers, gas, pc, and guest memory reads and writes.
//!
//! Why not `#[napi]`: napi-rs 3.16's generated glue costs about 100 ns per call of a free
//! function and 200–300 ns per class method (argument scopes, class-identity and borrow
//! registries), measured on this machine against 25 ns for a plain Node-API function. A
//! host call is one `run` plus a few register and memory accesses, so that glue would
//! dominate it. These functions keep to the plain Node-API cost.
//!
//! They take the VM as a `handle`: an external made by [`create_handle`] that owns a
//! reference to the VM's [`VmSlot`] and is type-tagged, so any other value is refused with
//! `TypeError`. Every entry point catches panics and reports every failure as a JavaScript
//! exception (see `errors.rs`); none calls back into JavaScript except to build an error.

use std::ffi::{c_void, CStr};
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::ptr;
use std::rc::Rc;

use napi::sys;

use crate::bytes::{reservation, JsBytes};
use crate::convert;
use crate::errors::{throw, Error, Result};
use crate::exit;
use crate::slot::VmSlot;

/// The type tag of VM handles ("pvm-node" / "handle\0\x01").
const HANDLE_TAG: sys::napi_type_tag = sys::napi_type_tag {
    lower: 0x7076_6d2d_6e6f_6465,
    upper: 0x6861_6e64_6c65_0001,
};

/// Frees the slot reference of a collected handle.
unsafe extern "C" fn release(_env: sys::napi_env, data: *mut c_void, _hint: *mut c_void) {
    // SAFETY: `data` is the `Box<Rc<VmSlot>>` leaked by `create_handle` for this external;
    // Node calls the finalizer once, on the JavaScript thread.
    drop(unsafe { Box::from_raw(data.cast::<Rc<VmSlot>>()) });
}

/// A new handle for `slot`.
///
/// # Safety
/// Must run on the JavaScript thread inside a Node-API call of `env`.
pub unsafe fn create_handle(env: sys::napi_env, slot: Rc<VmSlot>) -> Result<sys::napi_value> {
    let failed = || Error::Engine("could not create a VM handle".into());
    let data = Box::into_raw(Box::new(slot));
    let mut value = ptr::null_mut();
    // SAFETY: `data` is a valid heap pointer that `release` frees exactly once.
    let status = unsafe {
        sys::napi_create_external(env, data.cast(), Some(release), ptr::null_mut(), &mut value)
    };
    if status != sys::Status::napi_ok {
        // SAFETY: the external was not created, so nothing else will free `data`.
        drop(unsafe { Box::from_raw(data) });
        return Err(failed());
    }
    // SAFETY: `value` is the external just created; the tag is a static.
    if unsafe { sys::napi_type_tag_object(env, value, &HANDLE_TAG) } != sys::Status::napi_ok {
        return Err(failed());
    }
    Ok(value)
}

/// The slot behind a handle argument.
///
/// # Safety
/// `env` and `value` must be live handles of the current call; the returned reference
/// must not outlive the call (the argument keeps the external, and so the slot, alive).
unsafe fn slot<'a>(env: sys::napi_env, value: sys::napi_value) -> Result<&'a VmSlot> {
    let mut tagged = false;
    // SAFETY: guaranteed by the caller; a non-object makes the call fail, leaving `false`.
    unsafe { sys::napi_check_object_type_tag(env, value, &HANDLE_TAG, &mut tagged) };
    if !tagged {
        return Err(Error::Type("expected a VM handle".into()));
    }
    let mut data = ptr::null_mut();
    // SAFETY: only `create_handle` tags objects with HANDLE_TAG, and it tags externals.
    unsafe { sys::napi_get_value_external(env, value, &mut data) };
    // SAFETY: `data` is the live `Box<Rc<VmSlot>>` of this external (see `create_handle`),
    // kept alive by the argument for the rest of the call.
    Ok(unsafe { &**data.cast::<Rc<VmSlot>>() })
}

/// A `number` argument.
///
/// # Safety
/// `env` and `value` must be live handles of the current call.
unsafe fn number(env: sys::napi_env, value: sys::napi_value, what: &str) -> Result<f64> {
    let mut out = 0f64;
    // SAFETY: guaranteed by the caller.
    if unsafe { sys::napi_get_value_double(env, value, &mut out) } != sys::Status::napi_ok {
        return Err(Error::Type(format!("{what} must be a number")));
    }
    Ok(out)
}

/// A `boolean` argument (anything else is `false`).
///
/// # Safety
/// `env` and `value` must be live handles of the current call.
unsafe fn boolean(env: sys::napi_env, value: sys::napi_value) -> bool {
    let mut out = false;
    // SAFETY: guaranteed by the caller; a non-boolean leaves `false`.
    unsafe { sys::napi_get_value_bool(env, value, &mut out) };
    out
}

/// Creates a return value with `create`, reporting a failure.
fn made(status: sys::napi_status, value: sys::napi_value) -> Result<sys::napi_value> {
    if status == sys::Status::napi_ok {
        Ok(value)
    } else {
        Err(Error::Engine("could not create a return value".into()))
    }
}

/// A `number` return value.
///
/// # Safety
/// Must run inside a Node-API call of `env`.
unsafe fn ret_number(env: sys::napi_env, value: f64) -> Result<sys::napi_value> {
    let mut out = ptr::null_mut();
    // SAFETY: guaranteed by the caller.
    let status = unsafe { sys::napi_create_double(env, value, &mut out) };
    made(status, out)
}

/// A `bigint` return value.
///
/// # Safety
/// Must run inside a Node-API call of `env`.
unsafe fn ret_bigint(env: sys::napi_env, value: u64) -> Result<sys::napi_value> {
    let mut out = ptr::null_mut();
    // SAFETY: guaranteed by the caller.
    let status = unsafe { sys::napi_create_bigint_uint64(env, value, &mut out) };
    made(status, out)
}

/// The `undefined` return value.
///
/// # Safety
/// Must run inside a Node-API call of `env`.
unsafe fn ret_undefined(env: sys::napi_env) -> Result<sys::napi_value> {
    let mut out = ptr::null_mut();
    // SAFETY: guaranteed by the caller.
    let status = unsafe { sys::napi_get_undefined(env, &mut out) };
    made(status, out)
}

/// Runs `body` with the call's first `N` arguments (missing ones are `undefined`); turns
/// an error or a panic into a thrown JavaScript exception.
///
/// # Safety
/// `env` and `info` must be those Node-API passed to the calling callback.
unsafe fn entry<const N: usize>(
    env: sys::napi_env,
    info: sys::napi_callback_info,
    body: impl FnOnce(&[sys::napi_value; N]) -> Result<sys::napi_value>,
) -> sys::napi_value {
    let mut argc = N;
    let mut argv = [ptr::null_mut(); N];
    // SAFETY: guaranteed by the caller; `argv` has room for `argc` values.
    let status = unsafe {
        sys::napi_get_cb_info(
            env,
            info,
            &mut argc,
            argv.as_mut_ptr(),
            ptr::null_mut(),
            ptr::null_mut(),
        )
    };
    let result = if status == sys::Status::napi_ok {
        catch_unwind(AssertUnwindSafe(|| body(&argv)))
            .unwrap_or_else(|_| Err(Error::Engine("internal error in the pvm binding".into())))
    } else {
        Err(Error::Engine("could not read the call's arguments".into()))
    };
    result.unwrap_or_else(|error| {
        // SAFETY: we are inside the Node-API call of `env`.
        unsafe { throw(env, &error) };
        ptr::null_mut()
    })
}

/// Declares a raw Node-API callback `$name(env, info)` whose body sees the arguments as
/// `$args` (an array of `$n` values) and returns `Result<napi_value>`.
macro_rules! callback {
    ($(#[$doc:meta])* $name:ident, $n:literal, |$env:ident, $args:ident| $body:block) => {
        $(#[$doc])*
        unsafe extern "C" fn $name(
            $env: sys::napi_env,
            info: sys::napi_callback_info,
        ) -> sys::napi_value {
            let body = |$args: &[sys::napi_value; $n]| -> Result<sys::napi_value> { $body };
            // SAFETY: Node-API calls this callback with its own `env` and `info`.
            unsafe { entry::<$n>($env, info, body) }
        }
    };
}

callback!(
    /// `run(handle)`: runs until the next exit and returns its code (see `exit.rs`).
    run, 1, |env, args| {
        // SAFETY: `args` are the live arguments of this call.
        let slot = unsafe { slot(env, args[0]) }?;
        let code = slot.with_mut(|instance| Ok(exit::encode(instance.run())))?;
        // SAFETY: inside this call.
        unsafe { ret_number(env, code) }
    }
);

callback!(
    /// `reg(handle, index)`: register `index` as a bigint.
    reg, 2, |env, args| {
        // SAFETY: `args` are the live arguments of this call.
        let (slot, index) = unsafe { (slot(env, args[0])?, number(env, args[1], "index")?) };
        let index = convert::register_index(index)?;
        let value = slot.with(|instance| Ok(instance.regs()[index]))?;
        // SAFETY: inside this call.
        unsafe { ret_bigint(env, value) }
    }
);

callback!(
    /// `setReg(handle, index, value)`: sets register `index` (value: bigint or number).
    set_reg, 3, |env, args| {
        // SAFETY: `args` are the live arguments of this call.
        let (slot, index, value) = unsafe {
            (slot(env, args[0])?, number(env, args[1], "index")?, convert::read_u64(env, args[2])?)
        };
        let index = convert::register_index(index)?;
        slot.with_mut(|instance| {
            instance.set_reg(index, value);
            Ok(())
        })?;
        // SAFETY: inside this call.
        unsafe { ret_undefined(env) }
    }
);

callback!(
    /// `gas(handle)`: gas left as a bigint.
    gas, 1, |env, args| {
        // SAFETY: `args` are the live arguments of this call.
        let slot = unsafe { slot(env, args[0]) }?;
        let gas = slot.with(|instance| Ok(instance.gas()))?;
        // SAFETY: inside this call.
        unsafe { ret_bigint(env, gas) }
    }
);

callback!(
    /// `setGas(handle, gas)`: sets the gas left (bigint or number).
    set_gas, 2, |env, args| {
        // SAFETY: `args` are the live arguments of this call.
        let (slot, gas) = unsafe { (slot(env, args[0])?, convert::read_u64(env, args[1])?) };
        slot.with_mut(|instance| {
            instance.set_gas(gas);
            Ok(())
        })?;
        // SAFETY: inside this call.
        unsafe { ret_undefined(env) }
    }
);

callback!(
    /// `pc(handle)`: the pc.
    pc, 1, |env, args| {
        // SAFETY: `args` are the live arguments of this call.
        let slot = unsafe { slot(env, args[0]) }?;
        let pc = slot.with(|instance| Ok(instance.pc()))?;
        // SAFETY: inside this call.
        unsafe { ret_number(env, f64::from(pc)) }
    }
);

callback!(
    /// `setPc(handle, pc)`: moves execution to `pc`.
    set_pc, 2, |env, args| {
        // SAFETY: `args` are the live arguments of this call.
        let (slot, pc) = unsafe { (slot(env, args[0])?, number(env, args[1], "pc")?) };
        let pc = convert::address(pc)?;
        slot.with_mut(|instance| {
            instance.set_pc(pc);
            Ok(())
        })?;
        // SAFETY: inside this call.
        unsafe { ret_undefined(env) }
    }
);

callback!(
    /// `readInto(handle, address, target)`: copies readable guest memory into the
    /// `Uint8Array` `target` (all or nothing).
    read_into, 3, |env, args| {
        // SAFETY: `args` are the live arguments of this call.
        let (slot, address, target) = unsafe {
            (slot(env, args[0])?, number(env, args[1], "address")?, JsBytes::from_value(env, args[2])?)
        };
        let address = convert::address(address)?;
        slot.with(|instance| {
            let memory = instance.memory();
            target.with_mut(&reservation(memory), |out| Ok(memory.read(address, out)?))
        })?;
        // SAFETY: inside this call.
        unsafe { ret_undefined(env) }
    }
);

callback!(
    /// `write(handle, address, data, privileged)`: writes the `Uint8Array` `data` to
    /// writable guest memory, or any mapped memory when `privileged` (all or nothing).
    write, 4, |env, args| {
        // SAFETY: `args` are the live arguments of this call.
        let (slot, address, data, privileged) = unsafe {
            (
                slot(env, args[0])?,
                number(env, args[1], "address")?,
                JsBytes::from_value(env, args[2])?,
                boolean(env, args[3]),
            )
        };
        let address = convert::address(address)?;
        slot.with_mut(|instance| {
            let memory = instance.memory_mut();
            let guest = reservation(memory);
            data.with(&guest, |bytes| {
                if privileged {
                    memory.write_privileged(address, bytes)
                } else {
                    memory.write(address, bytes)
                }
            })?;
            Ok(())
        })?;
        // SAFETY: inside this call.
        unsafe { ret_undefined(env) }
    }
);

/// The functions of the `fast` object, by JavaScript name.
const FUNCTIONS: [(&CStr, sys::napi_callback); 9] = [
    (c"run", Some(run)),
    (c"reg", Some(reg)),
    (c"setReg", Some(set_reg)),
    (c"gas", Some(gas)),
    (c"setGas", Some(set_gas)),
    (c"pc", Some(pc)),
    (c"setPc", Some(set_pc)),
    (c"readInto", Some(read_into)),
    (c"write", Some(write)),
];

/// Creates the `fast` object holding these functions.
///
/// # Safety
/// Must run on the JavaScript thread inside a Node-API call of `env`.
pub unsafe fn create_module(env: sys::napi_env) -> Result<sys::napi_value> {
    let failed = || Error::Engine("could not create the fast-path functions".into());
    let mut object = ptr::null_mut();
    // SAFETY: guaranteed by the caller.
    if unsafe { sys::napi_create_object(env, &mut object) } != sys::Status::napi_ok {
        return Err(failed());
    }
    for (name, callback) in FUNCTIONS {
        let mut function = ptr::null_mut();
        // SAFETY: `name` is a NUL-terminated static string; `callback` is a valid
        // Node-API callback; `object` is the live object created above.
        let ok = unsafe {
            sys::napi_create_function(
                env,
                name.as_ptr(),
                name.count_bytes() as isize,
                callback,
                ptr::null_mut(),
                &mut function,
            ) == sys::Status::napi_ok
                && sys::napi_set_named_property(env, object, name.as_ptr(), function)
                    == sys::Status::napi_ok
        };
        if !ok {
            return Err(failed());
        }
    }
    Ok(object)
}
