//! The second back end: PVM programs compiled to x86-64 machine code.
//!
//! [`Engine`] (every platform) says which back end an [`Instance`](crate::Instance) runs
//! on; the compiler itself exists only on x86-64 Linux.
//!
//! # Execution model
//!
//! * A program is compiled once, on the first [`Engine::Recompiler`] instance made for it,
//!   and the code is shared by every instance of that `Arc<Program>`
//!   ([`Program`](crate::Program) holds it behind a `OnceLock`).
//! * Compilation is one pass over the pre-decoded instructions (`Program.instrs`): each
//!   instruction becomes a short fixed sequence of x86-64 code; the code of a basic-block
//!   start begins with its gas charge (`sub [gas], cost; jb out_of_gas`), so every
//!   instruction has an *already-paid* native entry (its body) and every block start a
//!   *charge-then-run* entry. Jumps past leading `unlikely` hints get a small out-of-line
//!   charge stub.
//! * Generated code works on the interpreter's own `Core`: the entry trampoline loads the
//!   guest registers r0..r11 from it into host registers (r12 stays in a stack-frame slot;
//!   gas and `Core.index` are copied into the frame too) and every exit stores them back,
//!   so outside native code all state is in `Core`.
//! * Guest memory is checked by the hardware: each access is one instruction at
//!   `base + zero-extended 32-bit address` into the instance's 4 GiB reservation, which is
//!   followed by a 64 KiB guard; before native code runs, the host protection of the whole
//!   reservation is made to mirror the page table ([`crate::memory`], `Native::On`), so an
//!   access the guest may not make faults. The `SIGSEGV` handler (`signal.rs`,
//!   installed once, `SA_ONSTACK`) claims a fault only if it is at one of the running
//!   module's recorded access instructions on this thread; it then resumes at the landing
//!   code with that instruction's index, which exits "continue in the interpreter at
//!   instruction i". Every other signal goes to the handler that was installed before.
//! * That single-step exit also serves `sbrk`: the driver runs the one instruction with the
//!   interpreter and re-enters native code at the next instruction, already paid. Page
//!   fault, panic, low-memory and wrap-around rules therefore live only in the interpreter.
//! * Dynamic jumps check the address like the interpreter (halt address, zero, odd, beyond
//!   the table → halt/panic) and go through a table of native charge entries, one per
//!   jump-table slot, placed read-only after the code.
//! * Code is written to an anonymous RW mapping which is then made RX (never W and X at
//!   once) and unmapped when the last program sharing it is dropped.

mod engine;

pub use engine::{CompileError, Engine, EngineError, DEFAULT_ENGINE_VARIABLE};

#[cfg(all(target_arch = "x86_64", target_os = "linux"))]
mod asm;
#[cfg(all(target_arch = "x86_64", target_os = "linux"))]
mod compile;
#[cfg(all(target_arch = "x86_64", target_os = "linux"))]
mod exec;
#[cfg(all(target_arch = "x86_64", target_os = "linux"))]
mod signal;

#[cfg(all(target_arch = "x86_64", target_os = "linux"))]
pub(crate) use compile::Module;
#[cfg(all(target_arch = "x86_64", target_os = "linux"))]
pub(crate) use exec::run;

/// The program's machine code as this back end stored it in the program's opaque slot.
#[cfg(all(target_arch = "x86_64", target_os = "linux"))]
fn stored(program: &crate::Program) -> Option<std::sync::Arc<Module>> {
    program.native.get()?.clone().downcast::<Module>().ok()
}

/// The program's machine code, compiling it on first use. A failure is not cached (it may
/// be transient, e.g. mmap refused), so a later instance tries again; two threads that
/// race compile twice and keep the first result.
#[cfg(all(target_arch = "x86_64", target_os = "linux"))]
pub(crate) fn module(program: &crate::Program) -> Result<std::sync::Arc<Module>, CompileError> {
    signal::install().map_err(CompileError::Signal)?;
    if let Some(module) = stored(program) {
        return Ok(module);
    }
    let module = std::sync::Arc::new(Module::compile(program)?);
    // Another thread may have stored its module first: use that one.
    let _ = program.native.set(module.clone());
    Ok(stored(program).unwrap_or(module))
}
