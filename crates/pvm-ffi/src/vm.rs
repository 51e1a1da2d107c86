//! The object behind `pvm_vm_t*`: an engine [`Instance`] plus what the C API reports
//! about it (machine state, last host call, last fault, last error, options).

use std::ffi::{c_int, c_void, CString};
use std::io::{BufWriter, Write};
use std::sync::Arc;

use engine::container::Export;
use engine::trace::TraceWriter;
use engine::{Engine, Exit, Instance, InstanceError, Module};

use crate::error::FfiError;

/// `pvm_host_callback_t`. The result is read as a plain `int`, so a callback returning
/// a value outside `pvm_host_result_t` is not undefined behaviour (it counts as an error).
pub type HostCallback = unsafe extern "C" fn(vm: *mut Vm, func_id: c_int) -> c_int;

/// Tag stored first in every live [`Vm`]; replaced by [`DEAD_TAG`] on destruction.
pub(crate) const VM_TAG: u64 = u64::from_le_bytes(*b"pvm-vm\0\x01");

/// The poison `pvm_destroy` writes over `VM_TAG` just before freeing a VM, so that a
/// use of the destroyed VM is recognised while the freed memory still holds it (the
/// allocator may overwrite it at once: this is a debugging aid, not a guarantee).
pub const DEAD_TAG: u64 = u64::from_le_bytes(*b"pvm-dead");

/// What `pvm_execute`/`pvm_resume` return (`pvm_result_t`).
#[repr(C)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PvmResult {
    /// Halted.
    Ok = 0,
    /// Out of gas.
    OutOfGas = 1,
    /// Panicked, or page fault.
    Panic = 2,
    /// `ecalli` in child mode or without a callback.
    HostCall = 3,
    /// API misuse or internal error.
    Error = 4,
}

/// `PVM_HOST_CONTINUE`.
pub const HOST_CONTINUE: c_int = 0;
/// `PVM_HOST_TERMINATE`.
pub const HOST_TERMINATE: c_int = 1;
/// `PVM_HOST_ERROR`.
pub const HOST_ERROR: c_int = 2;

/// Where the machine stands after its last run.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Status {
    /// Created, not run yet (or reset by `pvm_execute`).
    Ready,
    /// Halted (or a callback said TERMINATE).
    Halted,
    /// Panicked (or a callback said ERROR).
    Panicked,
    /// Page fault at `Vm::fault_address`.
    Faulted,
    /// Out of gas.
    OutOfGas,
    /// An `ecalli` waits for the host (or a callback is serving it).
    HostCall,
}

impl Status {
    /// The proposal's machine state: HALT 0, PANIC 1, FAULT 2, HOST 3, OOG 4.
    pub fn machine_state(self) -> u8 {
        match self {
            Status::Ready | Status::Halted => 0,
            Status::Panicked => 1,
            Status::Faulted => 2,
            Status::HostCall => 3,
            Status::OutOfGas => 4,
        }
    }

    /// The work-digest code: OK 0, OOG 1, PANIC 2.
    pub fn result_code(self) -> c_int {
        match self {
            Status::Ready | Status::Halted | Status::HostCall => 0,
            Status::OutOfGas => 1,
            Status::Panicked | Status::Faulted => 2,
        }
    }

    /// Whether the machine stopped (everything but "not run yet" and a pending host call).
    pub fn is_terminated(self) -> bool {
        !matches!(self, Status::Ready | Status::HostCall)
    }

    /// The `pvm_result_t` that reports this status.
    pub fn result(self) -> PvmResult {
        match self {
            Status::Ready | Status::Halted => PvmResult::Ok,
            Status::Panicked | Status::Faulted => PvmResult::Panic,
            Status::OutOfGas => PvmResult::OutOfGas,
            Status::HostCall => PvmResult::HostCall,
        }
    }
}

/// A VM as C sees it: `pvm_vm_t`. Always heap-allocated and handled by pointer.
#[repr(C)]
pub struct Vm {
    /// [`VM_TAG`] while the VM is alive, [`DEAD_TAG`] as it is freed; first field so it can
    /// be checked through any pointer to at least 8 readable bytes.
    pub(crate) tag: u64,
    /// The engine instance.
    pub(crate) instance: Instance,
    /// The service index given at creation.
    pub(crate) service_index: u32,
    /// The host callback, if any.
    pub(crate) callback: Option<HostCallback>,
    /// Child mode: every `ecalli` exits to the caller.
    pub(crate) is_child: bool,
    /// `pvm_execute` has been called: host writes now obey the guest's access rights.
    pub(crate) started: bool,
    /// A `pvm_execute`/`pvm_resume` is in progress (possibly inside a host callback).
    pub(crate) running: bool,
    /// `pvm_destroy` was called while running; the run frees the VM when it unwinds.
    pub(crate) destroy_requested: bool,
    /// The state after the last run.
    pub(crate) status: Status,
    /// The id of the most recent `ecalli`.
    pub(crate) host_func_id: Option<u32>,
    /// The address of the last page fault.
    pub(crate) fault_address: u32,
    /// Log exits and host calls to stderr.
    pub(crate) logging: bool,
    /// Trace every instruction to stderr.
    pub(crate) tracing: bool,
    /// The message of the last failure ("" if none).
    pub(crate) last_error: CString,
    /// Opaque pointer for bindings.
    pub(crate) user_data: *mut c_void,
    /// The module the VM was instantiated from, if any: kept alive by the VM, and its
    /// `.polkavm` exports answer `pvm_find_export`.
    pub(crate) module: Option<Arc<Module>>,
}

impl Vm {
    /// Wraps an instance.
    pub fn new(instance: Instance, service_index: u32) -> Vm {
        Vm {
            tag: VM_TAG,
            instance,
            service_index,
            callback: None,
            is_child: false,
            started: false,
            running: false,
            destroy_requested: false,
            status: Status::Ready,
            host_func_id: None,
            fault_address: 0,
            logging: false,
            tracing: false,
            last_error: CString::default(),
            user_data: std::ptr::null_mut(),
            module: None,
        }
    }

    /// A VM for `service_index` instantiated from `module` with `gas` (and, for a JAM
    /// standard program, argument data `args`) on `engine` (`None`: the default engine):
    /// what `pvm_create_from_polkavm` and `pvm_create_from_module` (and their `_ex` forms)
    /// return.
    pub fn from_module(
        module: Arc<Module>,
        args: &[u8],
        gas: u64,
        service_index: u32,
        engine: Option<Engine>,
    ) -> Result<Vm, FfiError> {
        let instance = instantiate(&module, args, gas, engine)?;
        let mut vm = Vm::new(instance, service_index);
        vm.module = Some(module);
        Ok(vm)
    }

    /// The `.polkavm` export `name` of the VM's module.
    pub(crate) fn export(&self, name: &str) -> Option<&Export> {
        self.module.as_ref()?.export(name)
    }

    /// The engine instance.
    pub fn instance(&self) -> &Instance {
        &self.instance
    }

    /// Records a failure for `pvm_last_error`.
    pub fn set_error(&mut self, error: FfiError) {
        if self.logging {
            eprintln!("pvm[{}]: error: {error}", self.service_index);
        }
        self.last_error = error.to_c_string();
    }

    /// Runs the engine until its next exit, tracing instructions if enabled.
    pub(crate) fn run_engine(&mut self) -> Exit {
        if !self.tracing {
            return self.instance.run();
        }
        let program = Arc::clone(self.instance.program());
        let mut out = BufWriter::new(std::io::stderr().lock());
        let exit = {
            let mut tracer = TraceWriter::new(&program, &mut out);
            // `pvm_set_tracing` refuses VMs created with PVM_FLAG_ENGINE_RECOMPILER, so this
            // runs on the interpreter, which accepts observers (a VM on the default engine
            // takes it for this run).
            let exit = self
                .instance
                .run_observed(&mut tracer)
                .unwrap_or(Exit::Panic);
            tracer.finish(self.instance.regs(), self.instance.gas());
            exit
        };
        // Tracing is diagnostics: a closed stderr must not stop the machine.
        let _ = out.flush();
        exit
    }

    /// Records an engine exit and returns how `pvm_execute` reports it.
    pub(crate) fn record_exit(&mut self, exit: Exit) -> PvmResult {
        let status = match exit {
            Exit::Halt => Status::Halted,
            Exit::Panic => Status::Panicked,
            Exit::OutOfGas => Status::OutOfGas,
            Exit::PageFault { address } => {
                self.fault_address = address;
                Status::Faulted
            }
            Exit::HostCall { id } => {
                self.host_func_id = Some(id);
                Status::HostCall
            }
        };
        self.log_exit(exit);
        self.status = status;
        status.result()
    }

    /// Stops the machine after a callback's TERMINATE (halt) or ERROR (panic).
    pub(crate) fn stop(&mut self, status: Status) -> PvmResult {
        if self.logging {
            eprintln!(
                "pvm[{}]: host call {} stopped the machine: {status:?}",
                self.service_index,
                self.host_func_id.unwrap_or_default()
            );
        }
        self.status = status;
        status.result()
    }

    fn log_exit(&self, exit: Exit) {
        if self.logging {
            eprintln!(
                "pvm[{}]: exit {exit:?} at pc {} with gas {}",
                self.service_index,
                self.instance.pc(),
                self.instance.gas()
            );
        }
    }
}

impl std::fmt::Debug for Vm {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Vm")
            .field("service_index", &self.service_index)
            .field("status", &self.status)
            .field("instance", &self.instance)
            .finish_non_exhaustive()
    }
}

/// An instance of `module` with `args` and `gas` on `engine`, or on the default engine
/// (not chosen: tracing may then take the interpreter) without one.
pub(crate) fn instantiate(
    module: &Module,
    args: &[u8],
    gas: u64,
    engine: Option<Engine>,
) -> Result<Instance, InstanceError> {
    match engine {
        Some(engine) => module.instantiate_with_args_on(args, gas, engine),
        None => module.instantiate_with_args(args, gas),
    }
}
