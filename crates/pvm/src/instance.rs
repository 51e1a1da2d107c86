//! A running machine: a program plus registers, gas and memory.

use std::sync::Arc;

use crate::container::{Container, ContainerError, MemoryLayout};
use crate::format::{StandardProgram, ARGS_ADDRESS, MAX_ARGS_LEN, STACK_TOP};
use crate::interpreter::{self, Core, NoObserver, Observer, HALT_ADDRESS, REG_SLOTS};
use crate::memory::{page_align_up, Access, Memory, MemoryError};
use crate::program::{Program, ProgramError};
use crate::{GpVersion, REG_COUNT};

/// Why [`Instance::run`] returned.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Exit {
    /// A dynamic jump to the halt address 0xFFFF0000.
    Halt,
    /// A trap, an invalid jump, an access to the low 64 KiB, or an invalid pc.
    Panic,
    /// The next basic block costs more gas than is left; gas is unchanged.
    OutOfGas,
    /// An access to an inaccessible page; `run` again re-executes the instruction.
    PageFault {
        /// Address of the lowest faulting page.
        address: u32,
    },
    /// `ecalli`: the host handles the call, then `run` resumes after the instruction.
    HostCall {
        /// The call's immediate (low 32 bits).
        id: u32,
    },
}

impl Exit {
    /// Whether execution can continue with another [`Instance::run`].
    pub fn is_resumable(self) -> bool {
        !matches!(self, Exit::Halt | Exit::Panic)
    }
}

/// Errors creating an instance.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum InstanceError {
    /// The program was rejected.
    #[error(transparent)]
    Program(#[from] ProgramError),
    /// Memory could not be set up.
    #[error(transparent)]
    Memory(#[from] MemoryError),
    /// The `.polkavm` container is invalid.
    #[error(transparent)]
    Container(#[from] ContainerError),
    /// More call arguments than argument registers.
    #[error("{0} arguments given; at most 9 fit in registers")]
    TooManyArguments(usize),
    /// Argument data larger than Z_I (16 MiB).
    #[error("argument data is {0} bytes, more than the 16 MiB limit")]
    ArgumentsTooLarge(usize),
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Resume {
    /// Start at `pc`; `paid` says whether its block is already charged.
    At { paid: bool },
    /// Continue after the `ecalli` at `pc` (its block is paid).
    AfterHostCall,
    /// The machine halted or panicked; `run` reports that again.
    Finished(Exit),
}

/// A PVM instance.
pub struct Instance {
    program: Arc<Program>,
    core: Core,
    /// The current pc: the instruction to run next, or the one that caused the last exit.
    pc: u32,
    resume: Resume,
    /// The `.polkavm` memory layout, for instances made by [`Instance::from_container`].
    layout: Option<MemoryLayout>,
}

impl std::fmt::Debug for Instance {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Instance")
            .field("pc", &self.pc)
            .field("gas", &self.core.gas)
            .field("regs", self.regs())
            .finish()
    }
}

impl Instance {
    /// A fresh instance at pc 0 with zeroed registers, `gas` and no memory mapped.
    pub fn new(program: Arc<Program>, gas: u64) -> Result<Instance, InstanceError> {
        Ok(Instance {
            program,
            core: Core {
                regs: [0; REG_SLOTS],
                gas,
                memory: Memory::new()?,
                index: 0,
            },
            pc: 0,
            resume: Resume::At { paid: false },
            layout: None,
        })
    }

    /// Sets up a JAM standard program with argument data (GP A.7, Y(p, a)): memory
    /// regions, registers and pc 0.
    pub fn from_standard(
        standard: &StandardProgram,
        args: &[u8],
        gas: u64,
        version: GpVersion,
    ) -> Result<Instance, InstanceError> {
        if args.len() > MAX_ARGS_LEN as usize {
            return Err(InstanceError::ArgumentsTooLarge(args.len()));
        }
        let program = Arc::new(Program::new(&standard.blob, version)?);
        let mut instance = Instance::new(program, gas)?;
        let memory = instance.memory_mut();
        let ro_len = page_align_up(standard.ro_data.len() as u64);
        memory.map_zeroed(standard.ro_address(), ro_len, Access::Read)?;
        memory.write_privileged(standard.ro_address(), &standard.ro_data)?;
        let rw_len = u64::from(standard.heap_end() - standard.rw_address());
        memory.map_zeroed(standard.rw_address(), rw_len, Access::Write)?;
        memory.write(standard.rw_address(), &standard.rw_data)?;
        memory.set_heap_end(standard.heap_end());
        let stack_bottom = standard.stack_bottom();
        memory.map_zeroed(
            stack_bottom,
            u64::from(STACK_TOP - stack_bottom),
            Access::Write,
        )?;
        memory.map_zeroed(ARGS_ADDRESS, page_align_up(args.len() as u64), Access::Read)?;
        memory.write_privileged(ARGS_ADDRESS, args)?;
        instance.set_reg(0, u64::from(HALT_ADDRESS));
        instance.set_reg(1, u64::from(STACK_TOP));
        instance.set_reg(7, u64::from(ARGS_ADDRESS));
        instance.set_reg(8, args.len() as u64);
        Ok(instance)
    }

    /// Sets up a PolkaVM `.polkavm` program (always GP 0.8 / JamV1): RO data, RW data and
    /// stack mapped where PolkaVM 0.37 places them. Use [`Instance::prepare_call`] to call
    /// an export.
    pub fn from_container(container: &Container, gas: u64) -> Result<Instance, InstanceError> {
        let layout = container.memory_layout()?;
        let program = Program::from_parts(
            &container.code,
            &container.bitmask,
            &container.jump_table,
            GpVersion::V0_8,
        )?;
        let mut instance = Instance::new(Arc::new(program), gas)?;
        let memory = instance.memory_mut();
        let length = |(start, end): (u32, u32)| u64::from(end - start);
        memory.map_zeroed(layout.ro_data.0, length(layout.ro_data), Access::Read)?;
        memory.write_privileged(layout.ro_data.0, &container.ro_data)?;
        memory.map_zeroed(layout.rw_data.0, length(layout.rw_data), Access::Write)?;
        memory.write(layout.rw_data.0, &container.rw_data)?;
        memory.set_heap_end(layout.heap_base);
        memory.map_zeroed(layout.stack.0, length(layout.stack), Access::Write)?;
        instance.layout = Some(layout);
        Ok(instance)
    }

    /// Prepares a call to the function at `pc` the way PolkaVM does: registers cleared,
    /// RA (r0) = the halt address so that returning halts, SP (r1) = the stack top,
    /// arguments in a0–a5 (r7–r12) then t0–t2 (r2–r4).
    pub fn prepare_call(&mut self, pc: u32, args: &[u64]) -> Result<(), InstanceError> {
        const ARGUMENT_REGS: [usize; 9] = [7, 8, 9, 10, 11, 12, 2, 3, 4];
        if args.len() > ARGUMENT_REGS.len() {
            return Err(InstanceError::TooManyArguments(args.len()));
        }
        self.core.regs = [0; REG_SLOTS];
        self.core.regs[0] = u64::from(HALT_ADDRESS);
        self.core.regs[1] = u64::from(self.layout.map_or(STACK_TOP, |l| l.stack_pointer));
        for (&reg, &value) in ARGUMENT_REGS.iter().zip(args) {
            self.core.regs[reg] = value;
        }
        self.set_pc(pc);
        Ok(())
    }

    /// The program.
    pub fn program(&self) -> &Arc<Program> {
        &self.program
    }

    /// Runs until the next exit.
    pub fn run(&mut self) -> Exit {
        self.run_observed(&mut NoObserver)
    }

    /// Runs until the next exit, calling `observer` before every instruction.
    pub fn run_observed<O: Observer>(&mut self, observer: &mut O) -> Exit {
        let mut paid = match self.resume {
            Resume::Finished(exit) => return exit,
            Resume::At { paid } => paid,
            Resume::AfterHostCall => {
                // ecalli never ends a block: the next instruction is in the paid block.
                let index = self.core.index as usize + 1;
                match self.program.pcs.get(index) {
                    Some(&pc) => {
                        self.pc = pc;
                        self.core.index = index as u32;
                    }
                    None => return self.finish(Exit::Panic),
                }
                true
            }
        };
        let Some(index) = self.program.index_of(self.pc) else {
            return self.finish(Exit::Panic);
        };
        self.core.index = index;
        if !paid {
            let start = self.program.block_start[index as usize] as usize;
            let cost = u64::from(self.program.instrs[start].block_cost);
            if self.core.gas < cost {
                self.resume = Resume::At { paid: false };
                return Exit::OutOfGas;
            }
            self.core.gas -= cost;
            paid = true;
        }
        debug_assert!(paid);
        let (exit, paid) = interpreter::run(&mut self.core, &self.program, observer);
        if exit == Exit::OutOfGas {
            // Out of gas happens on entering a block, possibly past its leading `unlikely`
            // hints (see `Program`): report the block start, where a retry begins.
            self.core.index = self.program.block_start[self.core.index as usize];
        }
        self.pc = self.program.pcs[self.core.index as usize];
        self.resume = match exit {
            Exit::Halt | Exit::Panic => Resume::Finished(exit),
            Exit::HostCall { .. } => Resume::AfterHostCall,
            Exit::OutOfGas | Exit::PageFault { .. } => Resume::At { paid },
        };
        exit
    }

    fn finish(&mut self, exit: Exit) -> Exit {
        self.resume = Resume::Finished(exit);
        exit
    }

    /// The current pc: after an exit, the instruction that caused it (for out-of-gas, the
    /// start of the block that could not be paid).
    pub fn pc(&self) -> u32 {
        self.pc
    }

    /// Moves execution to `pc`; the next `run` starts there and charges its block.
    pub fn set_pc(&mut self, pc: u32) {
        self.pc = pc;
        self.resume = Resume::At { paid: false };
    }

    /// Gas left.
    pub fn gas(&self) -> u64 {
        self.core.gas
    }

    /// Sets the gas left.
    pub fn set_gas(&mut self, gas: u64) {
        self.core.gas = gas;
    }

    /// All thirteen registers.
    pub fn regs(&self) -> &[u64; REG_COUNT] {
        self.core
            .regs
            .first_chunk()
            .expect("REG_SLOTS >= REG_COUNT")
    }

    /// Register `index`, or `None` if `index` ≥ 13.
    pub fn reg(&self, index: usize) -> Option<u64> {
        self.regs().get(index).copied()
    }

    /// Sets register `index`; returns `false` (and changes nothing) if `index` ≥ 13.
    pub fn set_reg(&mut self, index: usize, value: u64) -> bool {
        match self.core.regs[..REG_COUNT].get_mut(index) {
            Some(slot) => {
                *slot = value;
                true
            }
            None => false,
        }
    }

    /// Guest memory.
    pub fn memory(&self) -> &Memory {
        &self.core.memory
    }

    /// Guest memory, mutable (map pages, write data).
    pub fn memory_mut(&mut self) -> &mut Memory {
        &mut self.core.memory
    }
}
