//! `NativeVm` memory methods: page mapping. Reads and writes are in `fast.rs`, zero-copy
//! views in `view.rs`.

use napi::Env;
use napi_derive::napi;
use pvm::memory::page_align_up;
use pvm::Access;

use crate::convert;
use crate::errors::{IntoNapi, Result};
use crate::vm::NativeVm;

impl NativeVm {
    fn set_pages(&self, address: f64, length: f64, access: &str, fresh: bool) -> Result<()> {
        let address = convert::address(address)?;
        let length = page_align_up(convert::length(length)?);
        let access = convert::access(access)?;
        self.slot().with_mut(|instance| {
            let memory = instance.memory_mut();
            if fresh {
                memory.map_zeroed(address, length, access)?;
            } else {
                memory.set_access(address, length, access)?;
            }
            Ok(())
        })
    }
}

#[napi]
impl NativeVm {
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
            self.slot().with(|instance| {
                Ok(instance
                    .memory()
                    .mapped_pages()
                    .flat_map(|(address, access)| {
                        [address, if access == Access::Write { 2 } else { 1 }]
                    })
                    .collect())
            })
        };
        run().napi(&env)
    }
}
