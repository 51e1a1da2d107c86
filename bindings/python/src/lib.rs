//! `pvm._native`: the Python binding of the pvm engine, PyO3 directly over the `pvm` crate.
//!
//! The Python package `pvm` re-exports everything here. Modules: [`errors`] (exceptions),
//! [`convert`] (argument parsing), [`program`] (`Program`), [`module`] (`Module`,
//! `ModuleCache`, `code_hash`), [`exit`] (`Exit`), [`vm`] (`VM`:
//! creation, registers, gas, pc, exports, and `HostDecorator`), [`memory`] (`VM` memory
//! methods), [`host`] (the host-function table) and [`run`] (`VM.run`/`VM.call` with the
//! host-call loop). Arrows run one way: `vm` uses `host`; `memory`, `run` and `module`
//! use `vm`.

#![deny(missing_docs)]
#![forbid(unsafe_code)]

pub mod convert;
pub mod errors;
pub mod exit;
pub mod host;
pub mod memory;
pub mod module;
pub mod program;
pub mod run;
pub mod vm;

use pyo3::prelude::*;

/// The native module `pvm._native`.
#[pymodule]
#[pyo3(name = "_native")]
fn native(module: &Bound<'_, PyModule>) -> PyResult<()> {
    let py = module.py();
    module.add_class::<program::Program>()?;
    module.add_class::<vm::Vm>()?;
    module.add_class::<exit::Exit>()?;
    module.add_class::<vm::HostDecorator>()?;
    module.add_class::<module::Module>()?;
    module.add_class::<module::ModuleCache>()?;
    module.add_function(wrap_pyfunction!(module::code_hash, module)?)?;
    module.add("PvmError", py.get_type::<errors::PvmError>())?;
    module.add("ProgramError", py.get_type::<errors::ProgramError>())?;
    module.add(
        "MemoryAccessError",
        py.get_type::<errors::MemoryAccessError>(),
    )?;
    module.add("HALT_ADDRESS", pvm::HALT_ADDRESS)?;
    module.add("REG_COUNT", pvm::REG_COUNT)?;
    module.add(
        "SUPPORTED_ENGINES",
        pyo3::types::PyTuple::new(py, convert::supported_engines())?,
    )?;
    module.add("DEFAULT_ENGINE", pvm::Engine::default().name())?;
    // The release version: this crate's, kept equal to the workspace version
    // (scripts/version.sh --check).
    module.add("__version__", env!("CARGO_PKG_VERSION"))?;
    Ok(())
}
