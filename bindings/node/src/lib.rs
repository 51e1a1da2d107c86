//! `pvm.node`: the native half of the Node.js binding of the pvm engine, napi-rs directly
//! over the `pvm` crate (not the C ABI).
//!
//! JavaScript code does not use this module directly: `index.js` wraps it into the public
//! `Vm`/`Program` classes, runs the host-call loop and defines the error classes that
//! [`errors`] throws. Modules: [`errors`] (typed errors → JS `Error` subclasses),
//! [`convert`] (JS values → engine types, `bigint` ↔ `u64`), [`exit`] (exits as numbers),
//! [`program`] (`NativeProgram`), [`vm`] (`NativeVm`: creation, registers, gas, pc, run),
//! [`memory`] (`NativeVm` memory methods) and [`view`] (zero-copy memory views).

#![deny(missing_docs)]

pub mod bytes;
pub mod convert;
pub mod errors;
pub mod exit;
pub mod memory;
pub mod program;
pub mod view;
pub mod vm;

use napi_derive::napi;

/// The address whose dynamic jump halts the machine (0xFFFF0000).
#[napi]
pub const HALT_ADDRESS: u32 = pvm::HALT_ADDRESS;

/// The page size of guest memory, 4096.
#[napi]
pub const PAGE_SIZE: u32 = pvm::memory::PAGE_SIZE;

/// The number of registers, 13.
#[napi]
pub const REG_COUNT: u32 = pvm::REG_COUNT as u32;
