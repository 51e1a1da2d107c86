//! `pvm.VM`: creating a machine, its registers, gas and pc, exports and host-function
//! registration (with `HostDecorator`, what `@vm.host(id)` returns). Memory access is in
//! `memory.rs`, running in `run.rs`.

use std::sync::Arc;

use pvm::container::Container;
use pvm::format::StandardProgram;
use pvm::{Instance, REG_COUNT};
use pyo3::prelude::*;
use pyo3::{PyTraverseError, PyVisit};

use crate::convert;
use crate::errors::{Error, Result};
use crate::exit::Exit;
use crate::host::HostTable;
use crate::program::Program;

/// A PVM instance: a program with its registers, gas, pc and memory.
///
/// PyO3 requires a `#[pyclass]` to be `Send + Sync` (this one is not `unsendable`), so it
/// holds the engine's [`Instance`] directly: `Instance` is `Send + Sync` because
/// `pvm::Memory`, the only part with a raw pointer, is (see the `unsafe impl`s in
/// `crates/pvm/src/memory.rs`). If that ever changed, this would stop compiling rather than
/// need an `unsafe impl` here.
#[pyclass(module = "pvm", name = "VM")]
pub struct Vm {
    /// The engine instance.
    pub engine: Instance,
    /// `(name, pc)` of every export, for VMs made from a `.polkavm` program (shared by
    /// the VMs of one `pvm.Module`).
    pub exports: Option<Exports>,
    /// Host functions registered with `vm.host(id)`.
    pub hosts: HostTable,
    /// The exit of the last run, if any.
    pub last_exit: Option<pvm::Exit>,
    /// Set while `run` services the guest, to refuse re-entrant runs.
    pub running: bool,
    /// Whether `run` releases the GIL while the guest executes.
    pub release_gil: bool,
}

/// `(name, pc)` of a `.polkavm` program's exports, in container order.
pub type Exports = Arc<[(String, u32)]>;

/// An instance of `module` with argument data `args` (standard programs) and `gas`, on the
/// engine named `engine` (`"interpreter"` or `"recompiler"`), or on the library's default
/// engine (the recompiler where it is supported, the interpreter elsewhere) for `None`. A
/// bad name is a `ValueError`; a recompiler that is unsupported here or cannot compile the
/// program is a `PvmError` (never a silent fallback to the interpreter). The engine is
/// named at instantiation, so an interpreter VM never compiles the program.
pub fn instantiate(
    module: &pvm::Module,
    args: &[u8],
    gas: u64,
    engine: Option<&str>,
) -> Result<Instance> {
    Ok(match engine {
        Some(name) => module.instantiate_with_args_on(args, gas, convert::engine(name)?)?,
        None => module.instantiate_with_args(args, gas)?,
    })
}

/// The exports of `module` if it is a `.polkavm` program.
pub fn exports_of(module: &pvm::Module) -> Option<Exports> {
    module.memory_layout()?;
    Some(
        module
            .exports()
            .iter()
            .map(|export| (export.name.clone(), export.pc))
            .collect(),
    )
}

impl Vm {
    /// Wraps an instance; `exports` as [`Vm::exports`].
    pub fn from_instance(instance: Instance, exports: Option<Exports>) -> Vm {
        Vm {
            engine: instance,
            exports,
            hosts: HostTable::default(),
            last_exit: None,
            running: false,
            release_gil: true,
        }
    }

    fn new_instance(program: Arc<pvm::Program>, gas: u64, engine: Option<&str>) -> Result<Vm> {
        let module = pvm::Module::from_program(program);
        Ok(Vm::from_instance(
            instantiate(&module, &[], gas, engine)?,
            None,
        ))
    }

    /// The pc of export `name`.
    pub fn export_pc(&self, name: &str) -> Result<u32> {
        let exports = self.exports.as_ref().ok_or_else(|| {
            Error::Program("this VM has no exports: create it with VM.from_polkavm".into())
        })?;
        exports
            .iter()
            .find(|(export, _)| export == name)
            .map(|&(_, pc)| pc)
            .ok_or_else(|| {
                let names: Vec<&str> = exports.iter().map(|(n, _)| n.as_str()).collect();
                Error::Program(format!(
                    "no export named {name:?}; exports: {}",
                    names.join(", ")
                ))
            })
    }

    /// Fails if a run is in progress (called from inside a host function).
    pub fn check_not_running(&self) -> Result<()> {
        if self.running {
            Err(Error::Reentrant)
        } else {
            Ok(())
        }
    }
}

#[pymethods]
impl Vm {
    /// A fresh VM for `program` at pc 0, with zeroed registers, `gas` and no memory mapped,
    /// run by `engine` (`"interpreter"` or `"recompiler"`; `None`, the default: the
    /// library's default engine, `DEFAULT_ENGINE`).
    #[new]
    #[pyo3(signature = (program, gas, *, engine = None))]
    fn py_new(program: &Program, gas: u64, engine: Option<&str>) -> PyResult<Vm> {
        Ok(Vm::new_instance(program.inner.clone(), gas, engine)?)
    }

    /// Loads a raw program blob (see `Program.from_blob`) into a fresh VM.
    #[staticmethod]
    #[pyo3(signature = (blob, gas, gp = "0.8", *, engine = None))]
    fn from_blob(
        blob: &Bound<'_, PyAny>,
        gas: u64,
        gp: &str,
        engine: Option<&str>,
    ) -> PyResult<Vm> {
        let version = convert::gp_version(gp)?;
        let program = convert::with_bytes(blob, |bytes| Program::load(bytes, version))??;
        Ok(Vm::new_instance(program, gas, engine)?)
    }

    /// Sets up a JAM standard program with argument data `args` (GP A.7): RO/RW data,
    /// heap, stack and arguments mapped, r0 = halt address, r1 = stack top,
    /// r7/r8 = argument address/length, pc 0.
    #[staticmethod]
    #[pyo3(signature = (blob, args, gas, gp = "0.8", *, engine = None))]
    fn from_standard(
        blob: &Bound<'_, PyAny>,
        args: &Bound<'_, PyAny>,
        gas: u64,
        gp: &str,
        engine: Option<&str>,
    ) -> PyResult<Vm> {
        let version = convert::gp_version(gp)?;
        let standard = convert::with_bytes(blob, StandardProgram::parse)?.map_err(Error::from)?;
        let module = pvm::Module::from_standard(&standard, version).map_err(Error::from)?;
        let instance = convert::with_bytes(args, |args| instantiate(&module, args, gas, engine))??;
        Ok(Vm::from_instance(instance, None))
    }

    /// Loads a PolkaVM `.polkavm` program (GP 0.8 / JamV1) with its data and stack mapped
    /// where PolkaVM places them; call its exports with `call`.
    #[staticmethod]
    #[pyo3(signature = (blob, gas, *, engine = None))]
    fn from_polkavm(blob: &Bound<'_, PyAny>, gas: u64, engine: Option<&str>) -> PyResult<Vm> {
        let container = convert::with_bytes(blob, Container::parse)?.map_err(Error::from)?;
        let module = pvm::Module::from_container(&container).map_err(Error::from)?;
        let instance = instantiate(&module, &[], gas, engine)?;
        Ok(Vm::from_instance(instance, exports_of(&module)))
    }

    /// The engine that runs this VM: `"interpreter"` or `"recompiler"`.
    #[getter]
    fn engine(&self) -> &'static str {
        self.engine.engine().name()
    }

    /// The program this VM runs (shared, not copied).
    #[getter]
    fn program(&self) -> Program {
        Program::new(self.engine.program().clone())
    }

    /// Names of the exports (empty unless made by `from_polkavm`).
    #[getter]
    fn exports(&self) -> Vec<String> {
        self.exports
            .as_deref()
            .unwrap_or_default()
            .iter()
            .map(|(name, _)| name.clone())
            .collect()
    }

    /// Sets up a call of export `name` the PolkaVM way without running it: registers
    /// cleared, r0 = halt address, r1 = stack pointer, `args` in r7..r12 then r2..r4.
    #[pyo3(signature = (name, *args))]
    fn prepare_call(&mut self, name: &str, args: Vec<u64>) -> PyResult<()> {
        self.check_not_running()?;
        let pc = self.export_pc(name)?;
        self.engine.prepare_call(pc, &args).map_err(Error::from)?;
        Ok(())
    }

    /// All 13 registers as a list of ints; assign a sequence of 13 ints to set them all.
    #[getter]
    fn regs(&self) -> [u64; REG_COUNT] {
        *self.engine.regs()
    }

    #[setter]
    fn set_regs(&mut self, values: Vec<u64>) -> PyResult<()> {
        if values.len() != REG_COUNT {
            return Err(Error::Value(format!(
                "expected {REG_COUNT} register values, got {}",
                values.len()
            ))
            .into());
        }
        for (index, value) in values.into_iter().enumerate() {
            self.engine.set_reg(index, value);
        }
        Ok(())
    }

    /// Register `index` (0..=12); `IndexError` otherwise.
    fn get_reg(&self, index: i64) -> PyResult<u64> {
        let index = convert::register_index(index)?;
        Ok(self.engine.regs()[index])
    }

    /// Sets register `index` (0..=12) to `value` (0..2**64).
    fn set_reg(&mut self, index: i64, value: u64) -> PyResult<()> {
        let index = convert::register_index(index)?;
        self.engine.set_reg(index, value);
        Ok(())
    }

    /// Gas left; assignable.
    #[getter]
    fn gas(&self) -> u64 {
        self.engine.gas()
    }

    #[setter]
    fn set_gas(&mut self, gas: u64) {
        self.engine.set_gas(gas);
    }

    /// The pc: after an exit, the instruction that caused it. Assigning moves execution
    /// there; the next run charges the gas of the block it starts in.
    #[getter]
    fn pc(&self) -> u32 {
        self.engine.pc()
    }

    #[setter]
    fn set_pc(&mut self, pc: u32) {
        self.engine.set_pc(pc);
    }

    /// The exit of the last run (`None` before the first).
    #[getter]
    fn exit(&self) -> Option<Exit> {
        self.last_exit.map(Exit::from)
    }

    /// Whether `run` releases the GIL while guest code executes (default `True`), so that
    /// other Python threads run meanwhile. `False` saves a GIL hand-off per host call.
    #[getter]
    fn release_gil(&self) -> bool {
        self.release_gil
    }

    #[setter]
    fn set_release_gil(&mut self, release: bool) {
        self.release_gil = release;
    }

    /// Registers a host function for `ecalli id`. As `vm.host(id, func)` it registers
    /// `func` and returns it; as `@vm.host(id)` it is a decorator.
    #[pyo3(signature = (id, func = None))]
    fn host(slf: &Bound<'_, Self>, id: u32, func: Option<Bound<'_, PyAny>>) -> PyResult<Py<PyAny>> {
        let py = slf.py();
        match func {
            Some(func) => {
                slf.try_borrow_mut()?.hosts.insert(id, func.clone())?;
                Ok(func.unbind())
            }
            None => Ok(Py::new(py, HostDecorator::new(slf.clone().unbind(), id))?.into_any()),
        }
    }

    /// Removes the host function for `id`; returns whether there was one.
    fn remove_host(&mut self, id: u32) -> bool {
        self.hosts.remove(id)
    }

    /// Ids that have a registered host function, ascending.
    #[getter]
    fn host_ids(&self) -> Vec<u32> {
        self.hosts.ids()
    }

    fn __traverse__(&self, visit: PyVisit<'_>) -> std::result::Result<(), PyTraverseError> {
        self.hosts.traverse(&visit)
    }

    fn __clear__(&mut self) {
        self.hosts.clear();
    }

    fn __repr__(&self) -> String {
        format!(
            "<pvm.VM engine={} pc={} gas={} exit={}>",
            self.engine.engine().name(),
            self.engine.pc(),
            self.engine.gas(),
            self.last_exit.map_or("None", crate::exit::kind_name)
        )
    }
}

/// What `vm.host(id)` returns: a decorator that registers its function for `id` and
/// returns the function unchanged.
#[pyclass(module = "pvm", name = "HostDecorator", frozen)]
pub struct HostDecorator {
    vm: Py<Vm>,
    id: u32,
}

impl HostDecorator {
    /// A decorator registering functions on `vm` for `id`.
    pub fn new(vm: Py<Vm>, id: u32) -> HostDecorator {
        HostDecorator { vm, id }
    }
}

#[pymethods]
impl HostDecorator {
    /// Registers `func` as the VM's host function for this id and returns it.
    fn __call__<'py>(&self, func: Bound<'py, PyAny>) -> PyResult<Bound<'py, PyAny>> {
        let py = func.py();
        self.vm
            .bind(py)
            .try_borrow_mut()?
            .hosts
            .insert(self.id, func.clone())?;
        Ok(func)
    }

    fn __traverse__(&self, visit: PyVisit<'_>) -> std::result::Result<(), PyTraverseError> {
        visit.call(&self.vm)
    }

    fn __repr__(&self) -> String {
        format!("<pvm.HostDecorator for host-call id {}>", self.id)
    }
}
