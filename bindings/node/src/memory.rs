//! `NativeVm` memory methods: host reads and writes of guest memory, and page mapping.
//! Zero-copy views are in `view.rs`.

use napi::Env;
use napi_derive::napi;
use pvm::memory::page_align_up;
use pvm::Access;

use crate::bytes::{reservation, JsBytes};
use crate::convert;
use crate::errors::{IntoNapi, Result};
use crate::vm::NativeVm;

impl NativeVm {
    fn set_pages(&self, address: f64, length: f64, access: &str, fresh: bool) -> Result<()> {
        let address = convert::address(address)?;
        let length = page_align_up(convert::length(length)?);
        let access = convert::access(access)?;
        let mut instance = self.instance_mut()?;
        let memory = instance.memory_mut();
        if fresh {
            memory.map_zeroed(address, length, access)?;
        } else {
            memory.set_access(address, length, access)?;
        }
        Ok(())
    }
}

#[napi]
impl NativeVm {
    /// Copies readable guest memory at `address` into `target`; throws
    /// `MemoryAccessError` (nothing copied) if any byte is not readable.
    #[napi]
    pub fn read_into(
        &self,
        env: Env,
        address: f64,
        #[napi(ts_arg_type = "Uint8Array")] target: JsBytes,
    ) -> napi::Result<()> {
        let run = || -> Result<()> {
            let address = convert::address(address)?;
            let instance = self.instance()?;
            let memory = instance.memory();
            target.with_mut(&reservation(memory), |out| Ok(memory.read(address, out)?))
        };
        run().napi(&env)
    }

    /// Writes `data` to guest memory at `address`: writable pages only, or any mapped page
    /// when `privileged`. Throws `MemoryAccessError` (nothing written) otherwise.
    #[napi]
    pub fn write(
        &self,
        env: Env,
        address: f64,
        #[napi(ts_arg_type = "Uint8Array")] data: JsBytes,
        privileged: bool,
    ) -> napi::Result<()> {
        let run = || -> Result<()> {
            let address = convert::address(address)?;
            let mut instance = self.instance_mut()?;
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
        };
        run().napi(&env)
    }

    /// Maps `[address, address + length)` zero-filled with `access` (`"rw"`, `"r"` or
    /// `"none"`); `address` must be page-aligned, `length` is rounded up to whole pages.
    #[napi]
    pub fn map(
        &self,
        env: Env,
        address: f64,
        length: f64,
        #[napi(ts_arg_type = "\"rw\" | \"r\" | \"none\"")] access: String,
    ) -> napi::Result<()> {
        self.set_pages(address, length, &access, true).napi(&env)
    }

    /// Changes the access of pages, keeping their contents (`"none"` unmaps them).
    #[napi]
    pub fn protect(
        &self,
        env: Env,
        address: f64,
        length: f64,
        #[napi(ts_arg_type = "\"rw\" | \"r\" | \"none\"")] access: String,
    ) -> napi::Result<()> {
        self.set_pages(address, length, &access, false).napi(&env)
    }

    /// The mapped pages, ascending, flattened as `[address, access, ...]` where access is
    /// 1 (read-only) or 2 (read-write).
    #[napi]
    pub fn mapped_pages(&self, env: Env) -> napi::Result<Vec<u32>> {
        let run = || -> Result<Vec<u32>> {
            let instance = self.instance()?;
            Ok(instance
                .memory()
                .mapped_pages()
                .flat_map(|(address, access)| {
                    [address, if access == Access::Write { 2 } else { 1 }]
                })
                .collect())
        };
        run().napi(&env)
    }
}
