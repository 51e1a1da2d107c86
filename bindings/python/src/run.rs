//! `pvm.VM.run` and `pvm.VM.call`: running the guest and servicing its host calls with
//! Python functions.
//!
//! A host call costs one Rust → Python call: the engine stops at `ecalli`, the loop looks
//! the id up (first in the `host=` mapping of this run, then in the functions registered
//! with `vm.host`), calls `handler(vm)` and resumes after the `ecalli`. Exits without a
//! handler are returned to the caller.

use pyo3::prelude::*;

use crate::errors::Error;
use crate::exit::Exit;
use crate::host::HostTable;
use crate::vm::Vm;

/// Runs `vm` until an exit that has no host function, calling the handlers of host calls.
///
/// Borrows are taken with `try_borrow_mut`: while another thread runs this VM with the GIL
/// released, its borrow is held and this thread gets `RuntimeError`, never a panic.
fn run_loop(vm: &Bound<'_, Vm>, extra: Option<&HostTable>) -> PyResult<Exit> {
    {
        let mut this = vm.try_borrow_mut()?;
        this.check_not_running()?;
        this.running = true;
    }
    let result = service(vm, extra);
    // With the GIL held and the loop's own borrow released, nothing else borrows `vm`.
    if let Ok(mut this) = vm.try_borrow_mut() {
        this.running = false;
    }
    result
}

fn service(vm: &Bound<'_, Vm>, extra: Option<&HostTable>) -> PyResult<Exit> {
    let py = vm.py();
    loop {
        let (exit, handler) = {
            let mut this = vm.try_borrow_mut()?;
            let exit = if this.release_gil {
                let engine = &mut this.engine;
                py.detach(|| engine.run())
            } else {
                this.engine.run()
            };
            this.last_exit = Some(exit);
            let handler = match exit {
                pvm::Exit::HostCall { id } => extra
                    .and_then(|table| table.get(py, id))
                    .or_else(|| this.hosts.get(py, id)),
                _ => None,
            };
            (exit, handler)
        };
        let Some(handler) = handler else {
            return Ok(exit.into());
        };
        let result = handler.bind(py).call1((vm,))?;
        if !result.is_none() {
            return Err(Error::Type(format!(
                "host function for {} returned {}; it must return None (raise to stop)",
                Exit::from(exit).describe(),
                result.repr()?
            ))
            .into());
        }
    }
}

#[pymethods]
impl Vm {
    /// Runs until the next exit, servicing host calls: `host` maps ids to functions
    /// `f(vm) -> None` and takes precedence over functions registered with `vm.host`.
    /// Returns the first exit that no function handles; an exception raised by a host
    /// function propagates, leaving the VM just after its `ecalli`.
    #[pyo3(signature = (host = None))]
    fn run(slf: &Bound<'_, Self>, host: Option<&Bound<'_, PyAny>>) -> PyResult<Exit> {
        let extra = host.map(HostTable::from_mapping).transpose()?;
        run_loop(slf, extra.as_ref())
    }

    /// Calls export `name` with integer `args` (see `prepare_call`) and runs it like
    /// `run(host=host)`. On `"halt"` the function returned; its result is in r7 (a0).
    #[pyo3(signature = (name, *args, host = None))]
    fn call(
        slf: &Bound<'_, Self>,
        name: &str,
        args: Vec<u64>,
        host: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<Exit> {
        let extra = host.map(HostTable::from_mapping).transpose()?;
        {
            let mut this = slf.try_borrow_mut()?;
            this.check_not_running()?;
            let pc = this.export_pc(name)?;
            this.engine.prepare_call(pc, &args).map_err(Error::from)?;
        }
        run_loop(slf, extra.as_ref())
    }
}
