//! The `SIGSEGV` handler that turns a guest memory fault in generated code into a step of
//! the interpreter.
//!
//! Generated code accesses guest memory directly at `base + address` (see
//! `memory::Memory::enable_native_protection`): a forbidden access faults in hardware. The
//! handler is installed once per process and claims a fault only if
//!
//! * this thread is running generated code right now (a thread-local pointer to the
//!   [`FaultMap`] of the module it runs, set by the driver around the call), and
//! * the faulting instruction is one of that module's guest memory accesses (an exact
//!   match in its sorted list of access offsets).
//!
//! It then rewrites the interrupted context to continue at the module's *landing* code
//! with the guest instruction's index in `rax`; the landing code leaves native code with
//! "step instruction `index` in the interpreter" — no register was changed by the faulting
//! instruction (x86 faults are precise, a faulting store writes nothing), so the
//! interpreter executes the instruction from the same state and applies the page-fault,
//! panic and wrap-around rules itself. No `longjmp`: the handler returns normally.
//!
//! Every other fault is forwarded to the handler that was installed before ours (Go's
//! runtime, CPython's `faulthandler`, V8 and Rust's own stack-overflow handler all install
//! one): its `sa_sigaction` is called with the same arguments, or, if it was the default
//! action, that action is restored and the faulting instruction runs again to get it.
//! Ours is installed with `SA_ONSTACK` (it runs on the thread's alternate signal stack if
//! there is one, as Go requires) and `SA_SIGINFO`.
//!
//! A handler installed *after* ours that does not forward faults it does not own would
//! break the recompiler (its faults would crash the process); the interpreter is not
//! affected.

use std::cell::Cell;
use std::sync::OnceLock;

/// Where a module's guest memory accesses are, for the handler.
#[derive(Debug)]
pub(crate) struct FaultMap {
    /// Address of the first byte of the module's code.
    pub start: usize,
    /// Bytes of code.
    pub len: usize,
    /// Offsets of the guest memory access instructions, ascending.
    pub offsets: Box<[u32]>,
    /// The guest instruction index of each access in `offsets`.
    pub indices: Box<[u32]>,
    /// Address of the landing code: `rax` = instruction index → step it in the interpreter.
    pub landing: usize,
}

impl FaultMap {
    /// The instruction index of the access at code address `rip`, if it is one.
    fn lookup(&self, rip: usize) -> Option<u32> {
        let offset = u32::try_from(rip.checked_sub(self.start)?).ok()?;
        if offset as usize >= self.len {
            return None;
        }
        let at = self.offsets.binary_search(&offset).ok()?;
        Some(self.indices[at])
    }
}

thread_local! {
    /// The fault map of the module this thread is running, or null outside generated code.
    static ACTIVE: Cell<*const FaultMap> = const { Cell::new(std::ptr::null()) };
}

/// Marks `map` as the module this thread runs until the guard is dropped.
pub(crate) struct Running(());

impl Running {
    /// Starts a native call of the module described by `map`, which must outlive the guard.
    pub(crate) fn enter(map: &FaultMap) -> Running {
        ACTIVE.with(|active| active.set(map));
        Running(())
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        ACTIVE.with(|active| active.set(std::ptr::null()));
    }
}

/// The action that was installed for `SIGSEGV` before ours.
struct Previous(libc::sigaction);

// SAFETY: a plain C struct of function pointers and flags, only read after being set once.
unsafe impl Send for Previous {}
// SAFETY: as above.
unsafe impl Sync for Previous {}

static PREVIOUS: OnceLock<Previous> = OnceLock::new();
static INSTALLED: OnceLock<Result<(), String>> = OnceLock::new();

/// Installs the handler (once per process; later calls return the first result).
pub(crate) fn install() -> Result<(), String> {
    INSTALLED.get_or_init(install_once).clone()
}

fn install_once() -> Result<(), String> {
    // SAFETY: zeroed `sigaction` structs are valid (empty masks, no flags); `sigaction`
    // only reads `action` and writes `previous`.
    unsafe {
        let mut action: libc::sigaction = std::mem::zeroed();
        action.sa_sigaction = handler as *const () as usize;
        action.sa_flags = libc::SA_SIGINFO | libc::SA_ONSTACK;
        libc::sigemptyset(&mut action.sa_mask);
        let mut previous: libc::sigaction = std::mem::zeroed();
        // Read the current action first so that it is known before ours can run.
        if libc::sigaction(libc::SIGSEGV, std::ptr::null(), &mut previous) != 0 {
            return Err(std::io::Error::last_os_error().to_string());
        }
        let _ = PREVIOUS.set(Previous(previous));
        if libc::sigaction(libc::SIGSEGV, &action, std::ptr::null_mut()) != 0 {
            return Err(std::io::Error::last_os_error().to_string());
        }
    }
    Ok(())
}

extern "C" fn handler(signal: libc::c_int, info: *mut libc::siginfo_t, context: *mut libc::c_void) {
    // SAFETY: the kernel passes a valid `ucontext_t` as the third argument of an
    // SA_SIGINFO handler.
    if unsafe { claim(context.cast()) } {
        return;
    }
    // SAFETY: forwarding the kernel's own arguments to the previous handler.
    unsafe { forward(signal, info, context) };
}

/// Redirects the context to the landing code if the fault is a guest access of the module
/// this thread runs.
///
/// # Safety
/// `context` is the `ucontext_t` of the signal being handled.
unsafe fn claim(context: *mut libc::ucontext_t) -> bool {
    let map = ACTIVE
        .try_with(|active| active.get())
        .unwrap_or(std::ptr::null());
    if map.is_null() {
        return false;
    }
    // SAFETY: `Running` keeps the map alive while it is set; the context is valid.
    unsafe {
        let map = &*map;
        let registers = &mut (*context).uc_mcontext.gregs;
        let rip = registers[libc::REG_RIP as usize] as usize;
        let Some(index) = map.lookup(rip) else {
            return false;
        };
        registers[libc::REG_RAX as usize] = i64::from(index);
        registers[libc::REG_RIP as usize] = map.landing as i64;
    }
    true
}

/// Hands a fault that is not ours to the handler that was there before.
///
/// # Safety
/// The arguments are those the kernel passed to [`handler`].
unsafe fn forward(signal: libc::c_int, info: *mut libc::siginfo_t, context: *mut libc::c_void) {
    let Some(Previous(previous)) = PREVIOUS.get() else {
        return;
    };
    let target = previous.sa_sigaction;
    if target == libc::SIG_DFL || target == libc::SIG_IGN {
        // Restore the default action; returning re-runs the faulting instruction, which
        // then gets it (a synchronous SIGSEGV cannot be ignored).
        // SAFETY: `previous` is a valid action read from the kernel.
        unsafe {
            let mut default: libc::sigaction = std::mem::zeroed();
            default.sa_sigaction = libc::SIG_DFL;
            libc::sigaction(signal, &default, std::ptr::null_mut());
        }
        return;
    }
    if previous.sa_flags & libc::SA_SIGINFO != 0 {
        // SAFETY: an SA_SIGINFO handler has this signature.
        let function: extern "C" fn(libc::c_int, *mut libc::siginfo_t, *mut libc::c_void) =
            unsafe { std::mem::transmute(target) };
        function(signal, info, context);
    } else {
        // SAFETY: a plain handler has this signature.
        let function: extern "C" fn(libc::c_int) = unsafe { std::mem::transmute(target) };
        function(signal);
    }
}
