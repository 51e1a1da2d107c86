//! This repository's engine behind the [`Machine`] interface, counting executed opcodes.

use std::sync::Arc;

use pvm::memory::PAGE_SIZE;
use pvm::{Access, Engine, Exit, GpVersion, Instance, Program};

use crate::coverage::{Counter, Coverage, OpcodeMap};
use crate::machine::{Machine, MachineError, PageView, State, Status};

const ENGINE: &str = "pvm";

/// Our engine loaded with a program.
pub struct Ours {
    instance: Instance,
    opcodes: OpcodeMap,
    /// Opcodes executed so far.
    pub coverage: Coverage,
}

impl Ours {
    /// Loads `blob` (GP 0.8 rules) with `gas` at `pc` on the interpreter (whatever the
    /// default engine: it counts executed opcodes through an observer); `Err` is a
    /// load-time rejection.
    pub fn load(blob: &[u8], pc: u32, gas: u64) -> Result<Ours, String> {
        Self::load_on(blob, pc, gas, Engine::Interpreter)
    }

    /// [`Ours::load`] on `engine` (the recompiler counts no opcodes: it takes no observer).
    pub fn load_on(blob: &[u8], pc: u32, gas: u64, engine: Engine) -> Result<Ours, String> {
        let program = Program::from_blob_bytes(blob, GpVersion::V0_8).map_err(|e| e.to_string())?;
        let opcodes = OpcodeMap::new(&program);
        let mut instance =
            Instance::new_on(Arc::new(program), gas, engine).map_err(|e| e.to_string())?;
        instance.set_pc(pc);
        Ok(Ours {
            instance,
            opcodes,
            coverage: Coverage::default(),
        })
    }

    /// The loaded program.
    pub fn program(&self) -> &Program {
        self.instance.program()
    }

    /// `(pc, cost)` of every basic block.
    pub fn block_costs(&self) -> Vec<(u32, u32)> {
        self.program().block_costs().collect()
    }

    /// Every mapped page, ascending.
    pub fn mapped_pages(&self) -> Vec<u32> {
        self.instance
            .memory()
            .mapped_pages()
            .map(|(page, _)| page)
            .collect()
    }
}

impl Machine for Ours {
    fn map(&mut self, address: u32, length: u32, writable: bool) -> Result<(), MachineError> {
        let access = if writable {
            Access::Write
        } else {
            Access::Read
        };
        let length = pvm::memory::page_align_up(u64::from(length));
        self.instance
            .memory_mut()
            .map_zeroed(address, length, access)
            .map_err(|e| MachineError::HostAction {
                engine: ENGINE,
                message: e.to_string(),
            })
    }

    fn write(&mut self, address: u32, bytes: &[u8]) -> Result<(), MachineError> {
        self.instance
            .memory_mut()
            .write_privileged(address, bytes)
            .map_err(|e| MachineError::HostAction {
                engine: ENGINE,
                message: e.to_string(),
            })
    }

    fn set_reg(&mut self, reg: usize, value: u64) {
        self.instance.set_reg(reg, value);
    }

    fn run(&mut self) -> Result<State, MachineError> {
        let exit = if self.instance.engine() == Engine::Recompiler {
            self.instance.run()
        } else {
            self.instance
                .run_observed(&mut Counter {
                    map: &self.opcodes,
                    coverage: &mut self.coverage,
                })
                .map_err(|e| MachineError::Internal {
                    engine: ENGINE,
                    message: e.to_string(),
                })?
        };
        let status = match exit {
            Exit::Halt => Status::Halt,
            Exit::Panic => Status::Panic,
            Exit::OutOfGas => Status::OutOfGas,
            Exit::PageFault { address } => Status::PageFault(address),
            Exit::HostCall { id } => Status::HostCall(id),
        };
        Ok(State {
            status,
            pc: Some(self.instance.pc()),
            gas: i64::try_from(self.instance.gas()).map_err(|_| MachineError::Internal {
                engine: ENGINE,
                message: "gas above i64::MAX".into(),
            })?,
            regs: *self.instance.regs(),
        })
    }

    fn page(&mut self, address: u32) -> Option<PageView> {
        let memory = self.instance.memory();
        let contents = memory.page(address)?.to_vec();
        debug_assert_eq!(contents.len(), PAGE_SIZE as usize);
        Some(PageView {
            writable: memory.access(address) == Access::Write,
            contents,
        })
    }
}
