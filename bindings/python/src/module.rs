//! `pvm.Module` (a program loaded once, instantiated many times) and `pvm.ModuleCache`
//! (modules by code hash, bounded in bytes, least recently used evicted first), over the
//! engine's `pvm::Module` and `pvm::ModuleCache`. Both are immutable from Python and
//! shareable between threads: loading and instantiating release the GIL.

use std::sync::Arc;

use pvm::{CodeHash, GpVersion, ProgramFormat};
use pyo3::prelude::*;
use pyo3::types::PyDict;

use crate::convert;
use crate::errors::{Error, Result};
use crate::program::Program;
use crate::vm::{exports_of, instantiate, Exports, Vm};

/// Parses a program format: `"raw"` (a program blob, GP A.2), `"standard"` (a JAM
/// standard program, GP A.7) or `"polkavm"` (a PolkaVM `.polkavm` container, GP 0.8).
fn program_format(text: &str) -> Result<ProgramFormat> {
    match text {
        "raw" => Ok(ProgramFormat::Raw),
        "standard" => Ok(ProgramFormat::Standard),
        "polkavm" => Ok(ProgramFormat::Polkavm),
        other => Err(Error::Value(format!(
            "unknown program format {other:?}: expected \"raw\", \"standard\" or \"polkavm\""
        ))),
    }
}

fn format_name(format: ProgramFormat) -> &'static str {
    match format {
        ProgramFormat::Raw => "raw",
        ProgramFormat::Standard => "standard",
        ProgramFormat::Polkavm => "polkavm",
    }
}

/// The format and version of a load; a `.polkavm` program is always GP 0.8.
fn format_and_version(format: &str, gp: &str) -> Result<(ProgramFormat, GpVersion)> {
    let format = program_format(format)?;
    let version = convert::gp_version(gp)?;
    if format == ProgramFormat::Polkavm && version != GpVersion::V0_8 {
        return Err(Error::Value(
            "a .polkavm program is always GP 0.8: gp must be \"0.8\"".into(),
        ));
    }
    Ok((format, version))
}

/// A program parsed and validated once, with its memory image: every VM made by
/// `instantiate` shares its code and the blocks prepared so far.
#[pyclass(module = "pvm", name = "Module", frozen)]
pub struct Module {
    inner: Arc<pvm::Module>,
    format: ProgramFormat,
    exports: Option<Exports>,
}

impl Module {
    fn new(inner: Arc<pvm::Module>, format: ProgramFormat) -> Module {
        let exports = exports_of(&inner);
        Module {
            inner,
            format,
            exports,
        }
    }
}

#[pymethods]
impl Module {
    /// Parses and validates `blob` in `format` (`"raw"`, `"standard"` or `"polkavm"`)
    /// under Gray Paper version `gp`; raises `ProgramError` if it is invalid.
    #[new]
    #[pyo3(signature = (blob, format = "raw", gp = "0.8"))]
    fn py_new(py: Python<'_>, blob: &Bound<'_, PyAny>, format: &str, gp: &str) -> PyResult<Module> {
        let (format, version) = format_and_version(format, gp)?;
        let module = convert::with_bytes(blob, |bytes| py.detach(|| format.load(bytes, version)))?
            .map_err(Error::from)?;
        Ok(Module::new(Arc::new(module), format))
    }

    /// A fresh VM with `gas`, as the constructor of the module's format makes it (for a
    /// standard program with argument data `args`; ignored by the other formats), run by
    /// `engine` (`"interpreter"` or `"recompiler"`, compiled once per module; `None`, the
    /// default: the library's default engine, `DEFAULT_ENGINE`).
    #[pyo3(signature = (gas, args = None, *, engine = None))]
    fn instantiate(
        &self,
        gas: u64,
        args: Option<&Bound<'_, PyAny>>,
        engine: Option<&str>,
    ) -> PyResult<Vm> {
        let instance = match args {
            Some(args) => {
                convert::with_bytes(args, |args| instantiate(&self.inner, args, gas, engine))??
            }
            None => instantiate(&self.inner, &[], gas, engine)?,
        };
        Ok(Vm::from_instance(instance, self.exports.clone()))
    }

    /// The code offset of the `.polkavm` export `name`; `ProgramError` if there is none.
    fn export(&self, name: &str) -> PyResult<u32> {
        match self.inner.export(name) {
            Some(export) => Ok(export.pc),
            None => Err(Error::Program(format!("no export named {name:?}")).into()),
        }
    }

    /// Names of the `.polkavm` exports (empty for other formats).
    #[getter]
    fn exports(&self) -> Vec<String> {
        let exports = self.exports.as_deref().unwrap_or_default();
        exports.iter().map(|(name, _)| name.clone()).collect()
    }

    /// The program format: `"raw"`, `"standard"` or `"polkavm"`.
    #[getter]
    fn format(&self) -> &'static str {
        format_name(self.format)
    }

    /// The Gray Paper version whose rules the program follows: `"0.8"` or `"0.7"`.
    #[getter]
    fn gp(&self) -> &'static str {
        convert::gp_name(self.inner.program().version())
    }

    /// The shared program.
    #[getter]
    fn program(&self) -> Program {
        Program::new(self.inner.program().clone())
    }

    /// Basic blocks of the code.
    #[getter]
    fn block_count(&self) -> usize {
        self.inner.program().block_count()
    }

    /// Basic blocks prepared so far (on first entry, by any VM of this module).
    #[getter]
    fn prepared_blocks(&self) -> usize {
        self.inner.program().prepared_block_count()
    }

    /// Bytes the module keeps: what a `ModuleCache` counts against its bound.
    #[getter]
    fn footprint(&self) -> usize {
        self.inner.footprint()
    }

    fn __repr__(&self) -> String {
        format!(
            "<pvm.Module format={} gp={} blocks={} prepared={}>",
            self.format(),
            self.gp(),
            self.block_count(),
            self.prepared_blocks()
        )
    }
}

/// Loaded modules by code hash (blake2b-256 of the program bytes), format and GP
/// version, at most `max_bytes` of them in total, least recently used evicted first.
/// Thread-safe: threads may share one cache.
#[pyclass(module = "pvm", name = "ModuleCache", frozen)]
pub struct ModuleCache {
    inner: pvm::ModuleCache,
}

#[pymethods]
impl ModuleCache {
    /// An empty cache of at most `max_bytes` (a module larger than that is loaded but
    /// not kept).
    #[new]
    fn py_new(max_bytes: usize) -> ModuleCache {
        ModuleCache {
            inner: pvm::ModuleCache::new(max_bytes),
        }
    }

    /// The module for `blob`: from the cache if it holds the same code hash, format and
    /// version, else loaded (as `Module(blob, format, gp)`) and remembered. `code_hash`
    /// (32 bytes) is the blake2b-256 of `blob` if known; it is trusted. Errors are raised
    /// and not cached.
    #[pyo3(signature = (blob, format = "raw", gp = "0.8", code_hash = None))]
    fn load(
        &self,
        py: Python<'_>,
        blob: &Bound<'_, PyAny>,
        format: &str,
        gp: &str,
        code_hash: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<Module> {
        let (format, version) = format_and_version(format, gp)?;
        let hash = match code_hash {
            Some(hash) => Some(convert::with_bytes(hash, |bytes| {
                CodeHash::try_from(bytes).map_err(|_| {
                    Error::Value(format!("code_hash must be 32 bytes, got {}", bytes.len()))
                })
            })??),
            None => None,
        };
        let module = convert::with_bytes(blob, |bytes| {
            py.detach(|| match hash {
                Some(hash) => self.inner.get_or_load_hashed(hash, bytes, format, version),
                None => self.inner.get_or_load(bytes, format, version),
            })
        })?
        .map_err(Error::from)?;
        Ok(Module::new(module, format))
    }

    /// Counters: `entries`, `bytes`, `max_bytes`, `hits`, `misses`, `evictions`.
    #[getter]
    fn stats<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        let stats = self.inner.stats();
        let dict = PyDict::new(py);
        dict.set_item("entries", stats.entries)?;
        dict.set_item("bytes", stats.bytes)?;
        dict.set_item("max_bytes", self.inner.max_bytes())?;
        dict.set_item("hits", stats.hits)?;
        dict.set_item("misses", stats.misses)?;
        dict.set_item("evictions", stats.evictions)?;
        Ok(dict)
    }

    /// The bound given to the constructor.
    #[getter]
    fn max_bytes(&self) -> usize {
        self.inner.max_bytes()
    }

    /// Drops every cached module (modules in use stay alive); the counters are kept.
    fn clear(&self) {
        self.inner.clear();
    }

    fn __repr__(&self) -> String {
        let stats = self.inner.stats();
        format!(
            "<pvm.ModuleCache entries={} bytes={}/{} hits={} misses={}>",
            stats.entries,
            stats.bytes,
            self.inner.max_bytes(),
            stats.hits,
            stats.misses
        )
    }
}

/// blake2b-256 of `blob`: the code hash a `ModuleCache` keys modules by.
#[pyfunction]
pub fn code_hash(blob: &Bound<'_, PyAny>) -> PyResult<Vec<u8>> {
    Ok(convert::with_bytes(blob, pvm::code_hash)?.to_vec())
}
