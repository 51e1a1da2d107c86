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
//! | [`module`] | the `pvm_module_t` object (a loaded program), `pvm_create_from_module` |
//! | [`cache`] | the `pvm_cache_t` object: modules by code hash, bounded, LRU |
//! | [`execute`] | `pvm_execute`, `pvm_resume`, the host-call trampoline, exit state |
//! | [`registers`] | registers, gas, pc |
//! | [`memory`] | page mapping, RAM reads and writes, zero-copy pointers |
//! | [`diagnostics`] | logging, tracing, `pvm_last_error`, user data |
//! | [`error`] | the error enum and the per-thread creation error |
//! | [`guard`] | the panic barrier and pointer checks every entry point goes through |
//!
//! Ownership rules (also in `pvm.h`): a VM is a `Box<Vm>` leaked to C by a constructor
//! and reclaimed by `pvm_destroy`; inputs are copied; returned pointers point into the VM.
//! A `pvm_module_t*` is a `Box` holding one `Arc<Module>` reference (freed by
//! `pvm_module_free`; VMs made from it hold their own), a `pvm_cache_t*` a `Box` around a
//! `ModuleCache`; both are checked through the same tag scheme ([`guard::Handle`]).
//! Every entry point checks its VM pointer (NULL and a tag), and runs inside
//! `catch_unwind`, so no Rust panic crosses the ABI. A destroyed VM's pointer is undefined
//! behaviour, not a checked error (see [`guard`]: `pvm_destroy` poisons the tag, which a
//! debug build catches while the freed memory keeps it). No Rust reference to a VM is held
//! while a host callback runs, so the callback may use the same `pvm_vm_t*` freely.

#![deny(missing_docs)]
#![deny(unsafe_op_in_unsafe_fn)]

pub mod cache;
pub mod container;
pub mod create;
pub mod diagnostics;
pub mod error;
pub mod execute;
pub mod guard;
pub mod memory;
pub mod module;
pub mod registers;
pub mod vm;

pub use error::FfiError;
pub use vm::Vm;
