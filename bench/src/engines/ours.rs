//! This engine: `Container::parse` + `Instance::from_container` once, then
//! `prepare_call` + `run` per call.

use pvm::container::Container;
use pvm::{Engine, Exit, Instance, Module, Observer};

use super::{host_add, Outcome, Runner, INITIAL_GAS};
use crate::error::BenchError;

/// Register indices of the call ABI (a0 = r7, a1 = r8).
const A0: usize = 7;
const A1: usize = 8;

/// A program instantiated on this engine.
pub struct OursRunner {
    program: String,
    instance: Instance,
    pc: u32,
}

impl OursRunner {
    /// Parses `blob`, pre-decodes it and sets up its memory (everything
    /// [`crate::load_time`] measures as this engine's load time).
    pub fn load(program: &str, blob: &[u8], export: &str) -> Result<OursRunner, BenchError> {
        Self::load_on(program, blob, export, Engine::Interpreter)
    }

    /// [`OursRunner::load`] on `engine` (the recompiler compiles the program here).
    pub fn load_on(
        program: &str,
        blob: &[u8],
        export: &str,
        engine: Engine,
    ) -> Result<OursRunner, BenchError> {
        let container = Container::parse(blob).map_err(|source| BenchError::Container {
            program: program.to_string(),
            source,
        })?;
        let pc = container
            .export(export)
            .ok_or_else(|| BenchError::UnknownExport {
                program: program.to_string(),
                export: export.to_string(),
            })?
            .pc;
        // Named at instantiation: the default engine would compile an interpreter
        // runner's program for nothing (and count the code in its RSS).
        let instance = Module::from_container(&container)
            .and_then(|module| module.instantiate_on(INITIAL_GAS, engine))
            .map_err(|source| BenchError::Ours {
                program: program.to_string(),
                source,
            })?;
        Ok(OursRunner {
            program: program.to_string(),
            instance,
            pc,
        })
    }
}

impl OursRunner {
    /// Calls the export like [`Runner::call`], counting the guest instructions executed
    /// (slower: the interpreter calls an observer before every instruction).
    pub fn count_instructions(&mut self, arg: u64) -> Result<u64, BenchError> {
        let mut counter = Counter(0);
        self.call_observed(arg, &mut counter)?;
        Ok(counter.0)
    }

    fn call_observed<O: Observer>(
        &mut self,
        arg: u64,
        observer: &mut O,
    ) -> Result<Outcome, BenchError> {
        let vm = &mut self.instance;
        vm.set_gas(INITIAL_GAS);
        vm.prepare_call(self.pc, &[arg])
            .map_err(|source| BenchError::Ours {
                program: self.program.clone(),
                source,
            })?;
        loop {
            let exit = vm
                .run_observed(observer)
                .map_err(|source| BenchError::Ours {
                    program: self.program.clone(),
                    source,
                })?;
            match exit {
                Exit::Halt => break,
                Exit::HostCall { id: 0 } => {
                    let sum = host_add(reg(vm, A0), reg(vm, A1));
                    vm.set_reg(A0, sum);
                }
                other => {
                    return Err(BenchError::UnexpectedExit {
                        engine: "pvm",
                        program: self.program.clone(),
                        exit: format!("{other:?} at pc {}", vm.pc()),
                    })
                }
            }
        }
        Ok(Outcome {
            result: reg(vm, A0),
            gas_used: Some(INITIAL_GAS - vm.gas()),
        })
    }
}

impl Runner for OursRunner {
    fn call(&mut self, arg: u64) -> Result<Outcome, BenchError> {
        self.call_observed(arg, &mut pvm::interpreter::NoObserver)
    }
}

/// Counts executed instructions.
struct Counter(u64);

impl Observer for Counter {
    const ENABLED: bool = true;

    fn before_instruction(&mut self, _pc: u32, _regs: &[u64; 13], _gas: u64) {
        self.0 += 1;
    }
}

fn reg(vm: &Instance, index: usize) -> u64 {
    vm.regs()[index]
}
