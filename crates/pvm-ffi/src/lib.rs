//! libpvm: the C ABI of the pvm engine, declared in `include/pvm.h`.
//!
//! Built as `libpvm.so` and `libpvm.a`. One module per C concept, as in wasmtime's
//! `c-api`:
//!
//! | module | C functions |
//! |---|---|
//! | [`vm`] | the `pvm_vm_t` object: state, exit bookkeeping, tracing |
//! | [`create`] | `pvm_create*`, `pvm_destroy`, `pvm_version`, `pvm_abi_version` |
//! | [`container`] | `.polkavm` programs: `pvm_create_from_polkavm`, exports, calls |
//! | [`execute`] | `pvm_execute`, `pvm_resume`, the host-call trampoline, exit state |
//! | [`registers`] | registers, gas, pc |
//! | [`memory`] | page mapping, RAM reads and writes, zero-copy pointers |
//! | [`diagnostics`] | logging, tracing, `pvm_last_error`, user data |
//! | [`error`] | the error enum and the per-thread creation error |
//! | [`guard`] | the panic barrier and pointer checks every entry point goes through |
//!
//! Ownership rules (also in `pvm.h`): a VM is a `Box<Vm>` leaked to C by a constructor
//! and reclaimed by `pvm_destroy`; inputs are copied; returned pointers point into the VM.
//! Every entry point checks its VM pointer (NULL and a tag), and runs inside
//! `catch_unwind`, so no Rust panic crosses the ABI. No Rust reference to a VM is held
//! while a host callback runs, so the callback may use the same `pvm_vm_t*` freely.

#![deny(missing_docs)]
#![deny(unsafe_op_in_unsafe_fn)]
#![warn(clippy::undocumented_unsafe_blocks)]

pub mod container;
pub mod create;
pub mod diagnostics;
pub mod error;
pub mod execute;
pub mod guard;
pub mod memory;
pub mod registers;
pub mod vm;

pub use error::FfiError;
pub use vm::Vm;
