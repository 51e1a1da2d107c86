//! `pvm.Program`: a validated, pre-decoded program that any number of VMs can share.

use std::sync::Arc;

use pyo3::prelude::*;

use crate::convert;
use crate::errors::Result;

/// A loaded raw program blob (jump table, code, bitmask), validated and pre-decoded.
#[pyclass(module = "pvm", name = "Program", frozen)]
pub struct Program {
    /// The engine program, shared with every VM made from it.
    pub inner: Arc<pvm::Program>,
}

#[pymethods]
impl Program {
    /// Parses and validates a raw program blob under Gray Paper version `gp`
    /// (`"0.8"` or `"0.7"`); raises `ProgramError` if it is invalid.
    #[staticmethod]
    #[pyo3(signature = (blob, gp = "0.8"))]
    fn from_blob(blob: &Bound<'_, PyAny>, gp: &str) -> PyResult<Program> {
        let version = convert::gp_version(gp)?;
        let inner = convert::with_bytes(blob, |bytes| Program::load(bytes, version))??;
        Ok(Program { inner })
    }

    /// The Gray Paper version whose rules the program follows: `"0.8"` or `"0.7"`.
    #[getter]
    fn gp(&self) -> &'static str {
        convert::gp_name(self.inner.version())
    }

    /// Number of instructions.
    #[getter]
    fn instruction_count(&self) -> usize {
        self.inner.instruction_count()
    }

    /// The dynamic jump table: code offsets.
    #[getter]
    fn jump_table(&self) -> Vec<u32> {
        self.inner.jump_table().to_vec()
    }

    /// The gas cost of every basic block, as `{pc: cost}` in code order.
    fn block_costs(&self) -> std::collections::BTreeMap<u32, u32> {
        self.inner.block_costs().collect()
    }

    fn __repr__(&self) -> String {
        format!(
            "<pvm.Program gp={} instructions={}>",
            self.gp(),
            self.inner.instruction_count()
        )
    }
}

impl Program {
    /// Wraps an engine program.
    pub fn new(inner: Arc<pvm::Program>) -> Program {
        Program { inner }
    }

    /// Loads a raw blob; used by `VM.from_blob`.
    pub fn load(bytes: &[u8], version: pvm::GpVersion) -> Result<Arc<pvm::Program>> {
        Ok(Arc::new(pvm::Program::from_blob_bytes(bytes, version)?))
    }
}
