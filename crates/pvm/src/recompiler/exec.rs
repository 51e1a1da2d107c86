//! Executable memory and the driver that runs compiled code.

use std::ptr::NonNull;

use super::compile::{Module, EXIT_HALT, EXIT_HOST_CALL, EXIT_OUT_OF_GAS, EXIT_PANIC, EXIT_STEP};
use super::signal::Running;
use super::CompileError;
use crate::interpreter;
use crate::observer::NoObserver;
use crate::program::Program;
use crate::state::Core;
use crate::Exit;

/// An anonymous mapping holding machine code: written while RW, then made RX (never
/// writable and executable at once); unmapped on drop.
pub(crate) struct ExecMemory {
    ptr: NonNull<u8>,
    len: usize,
    sealed: bool,
}

// SAFETY: after `write_and_seal` the mapping is immutable (read + execute only) and owned
// by this value alone, so sharing or sending it between threads is sound.
unsafe impl Send for ExecMemory {}
// SAFETY: as above; `&ExecMemory` only reads.
unsafe impl Sync for ExecMemory {}

impl ExecMemory {
    /// Maps `len` bytes (rounded up to pages) read-write.
    pub(crate) fn new(len: usize) -> Result<ExecMemory, CompileError> {
        let len = len.max(1).next_multiple_of(4096);
        // SAFETY: an anonymous private mapping with no hint has no preconditions; the
        // result is checked against MAP_FAILED.
        let ptr = unsafe {
            libc::mmap(
                std::ptr::null_mut(),
                len,
                libc::PROT_READ | libc::PROT_WRITE,
                libc::MAP_PRIVATE | libc::MAP_ANONYMOUS,
                -1,
                0,
            )
        };
        if ptr == libc::MAP_FAILED {
            return Err(CompileError::Map(
                std::io::Error::last_os_error().to_string(),
            ));
        }
        let ptr = NonNull::new(ptr.cast::<u8>())
            .ok_or_else(|| CompileError::Map("mmap returned null".into()))?;
        Ok(ExecMemory {
            ptr,
            len,
            sealed: false,
        })
    }

    /// Copies `code` to the start of the mapping and makes it read + execute.
    pub(crate) fn write_and_seal(&mut self, code: &[u8]) -> Result<(), CompileError> {
        assert!(
            !self.sealed && code.len() <= self.len,
            "written once, within bounds"
        );
        // SAFETY: the mapping is RW, `len` ≥ code.len() bytes, and does not overlap `code`.
        unsafe { std::ptr::copy_nonoverlapping(code.as_ptr(), self.ptr.as_ptr(), code.len()) };
        // SAFETY: `ptr`/`len` describe exactly our mapping.
        let result = unsafe {
            libc::mprotect(
                self.ptr.as_ptr().cast(),
                self.len,
                libc::PROT_READ | libc::PROT_EXEC,
            )
        };
        if result != 0 {
            return Err(CompileError::Map(
                std::io::Error::last_os_error().to_string(),
            ));
        }
        self.sealed = true;
        Ok(())
    }

    pub(crate) fn as_ptr(&self) -> *const u8 {
        self.ptr.as_ptr()
    }

    pub(crate) fn len(&self) -> usize {
        self.len
    }
}

impl Drop for ExecMemory {
    fn drop(&mut self) {
        // SAFETY: `ptr`/`len` came from one successful mmap and are unmapped once, here;
        // no code in it can be running (a running call borrows the module).
        unsafe {
            libc::munmap(self.ptr.as_ptr().cast(), self.len);
        }
    }
}

/// Runs compiled code from `core.index` (whose block is paid) until an exit: the same
/// contract as `interpreter::run` (on return `core.index` is the instruction that caused
/// the exit; the boolean says whether its block is paid).
pub(crate) fn run(core: &mut Core, program: &Program, module: &Module) -> (Option<Exit>, bool) {
    let entry = module.entry();
    if !core.memory.enable_native_protection() {
        // The system refused to protect guest pages (out of mappings): generated code
        // would not be confined, so the interpreter runs this instance instead.
        return crate::interpreter::run_untraced(core, program);
    }
    loop {
        let fast = core.memory.fast_path();
        // The trampoline's first argument: the registers, with gas and index at fixed
        // offsets from them; derived from the whole `Core` so that the pointer may reach
        // those fields.
        let regs = (core as *mut Core)
            .cast::<u8>()
            .wrapping_add(std::mem::offset_of!(Core, regs))
            .cast::<u64>();
        let at = module.body(core.index);
        let running = Running::enter(module.fault_map());
        // SAFETY: the module was compiled from `program` (the Program owns it), so `at` is
        // the entry of a valid instruction. Generated code only touches `core.regs`,
        // `core.gas`, `core.index` (through the regs pointer and fixed offsets into the
        // same `Core`) and its own stack frame, and accesses guest memory at base + a
        // zero-extended 32-bit address: inside the 4 GiB reservation plus its guard, whose
        // host protection mirrors the page table (checked just above), so a forbidden
        // access faults into the signal handler, which resumes at the landing code while
        // `running` marks this module as the one this thread runs. It returns through the
        // trampoline's epilogue.
        let result = unsafe { entry(regs, fast.base_ptr(), at) };
        drop(running);
        let kind = result as u32;
        match kind {
            EXIT_HALT => return (Some(Exit::Halt), true),
            EXIT_PANIC => return (Some(Exit::Panic), true),
            EXIT_OUT_OF_GAS => return (Some(Exit::OutOfGas), false),
            EXIT_HOST_CALL => {
                return (
                    Some(Exit::HostCall {
                        id: (result >> 32) as u32,
                    }),
                    true,
                )
            }
            EXIT_STEP => {
                let (exit, paid) = interpreter::run::<NoObserver, machine::NoTrace, true>(
                    core,
                    program,
                    &mut NoObserver,
                    &mut machine::NoTrace,
                );
                if exit.is_some() {
                    return (exit, paid);
                }
            }
            _ => {
                debug_assert!(false, "unknown exit kind {kind}");
                return (Some(Exit::Panic), true);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The permissions `/proc/self/maps` lists for the mapping holding `address`.
    fn permissions(address: usize) -> String {
        let maps = std::fs::read_to_string("/proc/self/maps").unwrap();
        for line in maps.lines() {
            let mut fields = line.split_whitespace();
            let range = fields.next().unwrap();
            let (start, end) = range.split_once('-').unwrap();
            let start = usize::from_str_radix(start, 16).unwrap();
            let end = usize::from_str_radix(end, 16).unwrap();
            if (start..end).contains(&address) {
                return fields.next().unwrap().to_string();
            }
        }
        panic!("{address:#x} is not mapped");
    }

    #[test]
    fn code_is_writable_or_executable_never_both_and_unmapped_on_drop() {
        let mut memory = ExecMemory::new(100).unwrap();
        let address = memory.as_ptr() as usize;
        assert_eq!(&permissions(address)[..3], "rw-");
        memory.write_and_seal(&[0xC3; 100]).unwrap();
        assert_eq!(&permissions(address)[..3], "r-x");
        // SAFETY: the mapping holds 100 `ret` bytes; calling its start returns at once.
        let ret: extern "sysv64" fn() = unsafe { std::mem::transmute(memory.as_ptr()) };
        ret();
        drop(memory);
        let maps = std::fs::read_to_string("/proc/self/maps").unwrap();
        let still_mapped = maps.lines().any(|line| {
            let range = line.split_whitespace().next().unwrap();
            let (start, end) = range.split_once('-').unwrap();
            let start = usize::from_str_radix(start, 16).unwrap();
            let end = usize::from_str_radix(end, 16).unwrap();
            (start..end).contains(&address) && line.contains("r-xp")
        });
        assert!(!still_mapped, "the code mapping outlived its module");
    }
}
