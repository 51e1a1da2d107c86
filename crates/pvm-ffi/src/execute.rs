//! Running a VM: `pvm_execute`, `pvm_resume`, `pvm_resume_host`, the host-call trampoline and the exit
//! state (`pvm_get_machine_state`, `pvm_get_result_code`, `pvm_is_terminated`,
//! `pvm_get_host_func_id`, `pvm_get_fault_address`).
//!
//! Ownership during a run: the engine's `Instance::run` returns at every `ecalli`, so the
//! trampoline is a loop — run, and on a host-call exit call the C callback, then run
//! again. Each step borrows the VM only for the engine call and its bookkeeping; no Rust
//! reference to the VM is alive while the callback runs, so the callback may call any
//! function of the API on the same `pvm_vm_t*` (and create, run and destroy other VMs).
//! The `running` flag refuses a nested `pvm_execute`/`pvm_resume` on the same VM, and a
//! `pvm_destroy` from inside is deferred until the run unwinds.

use std::ffi::c_int;
use std::panic::{catch_unwind, AssertUnwindSafe};

use engine::Exit;

use crate::create::free;
use crate::error::{panic_message, FfiError};
use crate::guard::{self, is_live};
use crate::vm::{HostCallback, PvmResult, Status, Vm, HOST_CONTINUE, HOST_ERROR, HOST_TERMINATE};

/// How a run begins.
#[derive(Clone, Copy)]
enum Start {
    /// `pvm_execute`: a new invocation at this pc.
    Entry { pc: u32, is_child: bool },
    /// `pvm_resume`: continue after the last exit.
    Resume,
}

/// Sets pc = `entry_point` and runs until an exit. See `pvm.h`.
///
/// # Safety
/// `vm` must be NULL or a live VM pointer not used by another thread.
#[no_mangle]
pub unsafe extern "C" fn pvm_execute(vm: *mut Vm, entry_point: u32, is_child: u32) -> PvmResult {
    let start = Start::Entry {
        pc: entry_point,
        is_child: is_child != 0,
    };
    // SAFETY: forwarded contract.
    unsafe { run(vm, start) }
}

/// Continues after the last exit. See `pvm.h`.
///
/// # Safety
/// As [`pvm_execute`].
#[no_mangle]
pub unsafe extern "C" fn pvm_resume(vm: *mut Vm) -> PvmResult {
    // SAFETY: forwarded contract.
    unsafe { run(vm, Start::Resume) }
}

/// Completes the pending host call (after `PVM_RESULT_HOST_CALL`) as a host callback
/// returning `answer` would: continue after the `ecalli`, stop as halted or stop as
/// panicked. See `pvm.h`.
///
/// # Safety
/// As [`pvm_execute`].
#[no_mangle]
pub unsafe extern "C" fn pvm_resume_host(vm: *mut Vm, answer: c_int) -> PvmResult {
    let settle = |v: &mut Vm| {
        if v.running {
            v.set_error(FfiError::AlreadyRunning);
            return Some(PvmResult::Error);
        }
        if v.status != Status::HostCall {
            v.set_error(FfiError::NoHostCallPending);
            return Some(PvmResult::Error);
        }
        after_callback(v, answer)
    };
    // SAFETY: forwarded contract.
    match unsafe { guard::with_vm(vm, Some(PvmResult::Error), settle) } {
        Some(result) => result,
        // SAFETY: forwarded contract.
        None => unsafe { run(vm, Start::Resume) },
    }
}

/// Begins a run: checks and sets the `running` flag. `Err` means "do not run, return
/// this result".
fn begin(vm: &mut Vm, start: Start) -> Result<(), PvmResult> {
    if vm.running {
        vm.set_error(FfiError::AlreadyRunning);
        return Err(PvmResult::Error);
    }
    match start {
        Start::Entry { pc, is_child } => {
            vm.instance.set_pc(pc);
            vm.is_child = is_child;
            vm.started = true;
            vm.status = Status::Ready;
        }
        Start::Resume => {
            if !vm.started {
                vm.set_error(FfiError::NotStarted);
                return Err(PvmResult::Error);
            }
            // A callback's TERMINATE/ERROR stopped the machine: report it again.
            if matches!(vm.status, Status::Halted | Status::Panicked) {
                return Err(vm.status.result());
            }
        }
    }
    vm.running = true;
    Ok(())
}

/// The whole of `pvm_execute`/`pvm_resume`.
///
/// # Safety
/// As [`pvm_execute`].
unsafe fn run(vm: *mut Vm, start: Start) -> PvmResult {
    // SAFETY: forwarded contract.
    if let Err(result) = unsafe { guard::with_vm(vm, Err(PvmResult::Error), |v| begin(v, start)) } {
        return result;
    }
    // SAFETY: `vm` is live and marked running; `trampoline` keeps no reference across
    // callbacks.
    let outcome = catch_unwind(AssertUnwindSafe(|| unsafe { trampoline(vm) }));
    let body = |v: &mut Vm| {
        v.running = false;
        let result = match outcome {
            Ok(result) => result,
            Err(payload) => {
                v.set_error(FfiError::Internal(panic_message(payload.as_ref())));
                PvmResult::Error
            }
        };
        if v.destroy_requested {
            return None;
        }
        Some(result)
    };
    // SAFETY: `vm` is still live: a destroy during the run was deferred, not done.
    match unsafe { guard::with_vm(vm, Some(PvmResult::Error), body) } {
        Some(result) => result,
        None => {
            // SAFETY: the VM asked to be destroyed by its own callback; no reference to
            // it is alive any more and the run is over.
            unsafe { free(vm) };
            PvmResult::Error
        }
    }
}

/// What the trampoline does after one engine step.
enum Step {
    /// The run is over with this result.
    Done(PvmResult),
    /// Call the host callback for this `ecalli`.
    Call(HostCallback, u32),
}

/// One engine step and its bookkeeping.
fn step(vm: &mut Vm) -> Step {
    let exit = vm.run_engine();
    match (exit, vm.callback) {
        (Exit::HostCall { id }, Some(callback)) if !vm.is_child => {
            vm.host_func_id = Some(id);
            vm.status = Status::HostCall;
            if vm.logging {
                eprintln!(
                    "pvm[{}]: host call {id} at pc {} with gas {}",
                    vm.service_index,
                    vm.instance.pc(),
                    vm.instance.gas()
                );
            }
            Step::Call(callback, id)
        }
        _ => Step::Done(vm.record_exit(exit)),
    }
}

/// Applies a callback's answer.
fn after_callback(vm: &mut Vm, answer: c_int) -> Option<PvmResult> {
    // The callback destroyed its own VM: end the run; `run` frees it.
    if vm.destroy_requested {
        return Some(PvmResult::Error);
    }
    match answer {
        HOST_CONTINUE => None,
        HOST_TERMINATE => Some(vm.stop(Status::Halted)),
        HOST_ERROR => Some(vm.stop(Status::Panicked)),
        other => {
            vm.set_error(FfiError::BadCallbackResult(other));
            Some(vm.stop(Status::Panicked))
        }
    }
}

/// run → host call → callback → run … until an exit the caller must see.
///
/// # Safety
/// `vm` must be live, marked running, and not borrowed by the caller.
unsafe fn trampoline(vm: *mut Vm) -> PvmResult {
    loop {
        // SAFETY: live and unborrowed; the reference ends with this statement.
        let (callback, id) = match step(unsafe { &mut *vm }) {
            Step::Done(result) => return result,
            Step::Call(callback, id) => (callback, id),
        };
        // The callback gets the raw pointer; no Rust reference to the VM exists now.
        // The id is passed as the C `int` the proposal specifies.
        // SAFETY: calling the C function the user registered, with a live VM pointer.
        let answer = unsafe { callback(vm, id as c_int) };
        // SAFETY: the VM stays live during a run (destroy is deferred), and the callback
        // has returned, so no other reference exists.
        debug_assert!(unsafe { is_live(vm) });
        // SAFETY: as above.
        if let Some(result) = after_callback(unsafe { &mut *vm }, answer) {
            return result;
        }
    }
}

/// Sets or (with NULL) removes the host callback.
///
/// # Safety
/// `vm` as in [`pvm_execute`]; `callback` must be NULL or a function with the
/// `pvm_host_callback_t` signature.
#[no_mangle]
pub unsafe extern "C" fn pvm_set_host_callback(vm: *mut Vm, callback: Option<HostCallback>) {
    // SAFETY: forwarded contract.
    unsafe { guard::with_vm(vm, (), |vm| vm.callback = callback) }
}

/// The id of the most recent `ecalli`, or -1.
///
/// # Safety
/// As [`pvm_execute`].
#[no_mangle]
pub unsafe extern "C" fn pvm_get_host_func_id(vm: *mut Vm) -> c_int {
    // SAFETY: forwarded contract.
    unsafe { guard::with_vm(vm, -1, |vm| vm.host_func_id.map_or(-1, |id| id as c_int)) }
}

/// The machine state (HALT 0, PANIC 1, FAULT 2, HOST 3, OOG 4); 0 for NULL.
///
/// # Safety
/// As [`pvm_execute`].
#[no_mangle]
pub unsafe extern "C" fn pvm_get_machine_state(vm: *mut Vm) -> u8 {
    // SAFETY: forwarded contract.
    unsafe { guard::with_vm(vm, 0, |vm| vm.status.machine_state()) }
}

/// The work-digest code of the machine state; 0 for NULL.
///
/// # Safety
/// As [`pvm_execute`].
#[no_mangle]
pub unsafe extern "C" fn pvm_get_result_code(vm: *mut Vm) -> c_int {
    // SAFETY: forwarded contract.
    unsafe { guard::with_vm(vm, 0, |vm| vm.status.result_code()) }
}

/// 1 if the machine stopped, else 0 (also for NULL).
///
/// # Safety
/// As [`pvm_execute`].
#[no_mangle]
pub unsafe extern "C" fn pvm_is_terminated(vm: *mut Vm) -> c_int {
    // SAFETY: forwarded contract.
    unsafe { guard::with_vm(vm, 0, |vm| c_int::from(vm.status.is_terminated())) }
}

/// The address of the last page fault, 0 if none.
///
/// # Safety
/// As [`pvm_execute`].
#[no_mangle]
pub unsafe extern "C" fn pvm_get_fault_address(vm: *mut Vm) -> u32 {
    // SAFETY: forwarded contract.
    unsafe { guard::with_vm(vm, 0, |vm| vm.fault_address) }
}
