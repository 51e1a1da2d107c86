//! `NativeProgram`: a validated, pre-decoded program that any number of VMs can share.

use std::sync::Arc;

use napi::Env;
use napi_derive::napi;

use crate::convert;
use crate::errors::{IntoNapi, Result};

/// A loaded raw program blob (jump table, code, bitmask), validated and pre-decoded.
#[napi]
pub struct NativeProgram {
    inner: Arc<pvm::Program>,
}

impl NativeProgram {
    /// Wraps an engine program.
    pub fn new(inner: Arc<pvm::Program>) -> NativeProgram {
        NativeProgram { inner }
    }

    /// The engine program.
    pub fn inner(&self) -> &Arc<pvm::Program> {
        &self.inner
    }

    /// Parses and validates a raw blob under Gray Paper version `gp`.
    pub fn load(blob: &[u8], gp: &str) -> Result<Arc<pvm::Program>> {
        let version = convert::gp_version(gp)?;
        Ok(Arc::new(pvm::Program::from_blob_bytes(blob, version)?))
    }
}

#[napi]
impl NativeProgram {
    /// Parses and validates a raw program blob under Gray Paper version `gp` (`"0.8"` or
    /// `"0.7"`); throws `ProgramError` if it is invalid.
    #[napi(factory)]
    pub fn from_blob(
        env: Env,
        blob: &[u8],
        #[napi(ts_arg_type = "\"0.8\" | \"0.7\"")] gp: String,
    ) -> napi::Result<NativeProgram> {
        NativeProgram::load(blob, &gp)
            .map(NativeProgram::new)
            .napi(&env)
    }

    /// The Gray Paper version whose rules the program follows: `"0.8"` or `"0.7"`.
    #[napi(getter)]
    pub fn gp(&self) -> &'static str {
        convert::gp_name(self.inner.version())
    }

    /// Number of instructions.
    #[napi(getter)]
    pub fn instruction_count(&self) -> u32 {
        u32::try_from(self.inner.instruction_count()).unwrap_or(u32::MAX)
    }

    /// The dynamic jump table: code offsets.
    #[napi]
    pub fn jump_table(&self) -> Vec<u32> {
        self.inner.jump_table().to_vec()
    }

    /// The gas cost of every basic block, flattened as `[pc, cost, pc, cost, ...]` in code
    /// order.
    #[napi]
    pub fn block_costs(&self) -> Vec<u32> {
        self.inner
            .block_costs()
            .flat_map(|(pc, cost)| [pc, cost])
            .collect()
    }
}
