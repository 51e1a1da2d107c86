//! `pvm.node`: the native half of the Node.js binding of the pvm engine, napi-rs directly
//! over the `pvm` crate (not the C ABI).
//!
//! JavaScript code does not use this module directly: `index.js` wraps it into the public
//! `Vm`/`Program` classes, runs the host-call loop and defines the error classes that
//! [`errors`] throws. Modules: [`errors`] (typed errors → JS `Error` subclasses),
//! [`convert`] (JS values → engine types, `bigint` ↔ `u64`), [`bytes`] (JS byte buffers
//! that may be guest memory), [`exit`] (exits as numbers), [`program`] (`NativeProgram`), [`module`]
//! (`NativeModule`, `NativeModuleCache`, `codeHash`),
//! [`slot`] (the instance a VM owns), [`vm`] (`NativeVm`: creation, calls, all registers,
//! dispose), [`memory`] (page mapping), [`view`] (zero-copy memory views) and [`fast`]
//! (run, registers, gas, pc, reads and writes as raw Node-API functions).

#![deny(missing_docs)]
#![deny(unsafe_op_in_unsafe_fn)]

pub mod bytes;
pub mod convert;
pub mod errors;
pub mod exit;
pub mod fast;
pub mod memory;
pub mod module;
pub mod program;
pub mod slot;
pub mod view;
pub mod vm;

use napi::bindgen_prelude::{JsObjectValue, Object, Unknown};
use napi::Env;
use napi_derive::napi;

use crate::errors::IntoNapi;

/// Adds the `fast` object of raw Node-API functions (see [`fast`]) to the exports.
#[napi(module_exports)]
pub fn init(mut exports: Object, env: Env) -> napi::Result<()> {
    // SAFETY: module initialisation runs on the JavaScript thread inside a call of `env`.
    let fast = unsafe { fast::create_module(env.raw()) }.napi(&env)?;
    // SAFETY: `fast` is a live handle created in this call's scope.
    exports.set_named_property("fast", unsafe {
        Unknown::from_raw_unchecked(env.raw(), fast)
    })
}

/// The address whose dynamic jump halts the machine (0xFFFF0000).
#[napi]
pub const HALT_ADDRESS: u32 = pvm::HALT_ADDRESS;

/// The page size of guest memory, 4096.
#[napi]
pub const PAGE_SIZE: u32 = pvm::memory::PAGE_SIZE;

/// The number of registers, 13.
#[napi]
pub const REG_COUNT: u32 = pvm::REG_COUNT as u32;

/// Names of the engines that run on this platform, interpreter first.
#[napi(ts_return_type = "Array<\"interpreter\" | \"recompiler\">")]
pub fn supported_engines() -> Vec<&'static str> {
    [pvm::Engine::Interpreter, pvm::Engine::Recompiler]
        .into_iter()
        .filter(|engine| engine.is_supported())
        .map(pvm::Engine::name)
        .collect()
}

/// The engine of VMs made without an `engine` option: `"recompiler"` where it is supported
/// (x86-64 Linux), `"interpreter"` elsewhere.
#[napi(ts_return_type = "\"interpreter\" | \"recompiler\"")]
pub fn default_engine() -> &'static str {
    pvm::Engine::default().name()
}

/// The release version: this crate's, kept equal to the workspace version (and to
/// package.json's) by scripts/version.sh --check.
#[napi]
pub fn version() -> &'static str {
    env!("CARGO_PKG_VERSION")
}
