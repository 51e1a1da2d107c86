//! This engine's start-up, step by step: `Container::parse`, the load of the code
//! (`Module::from_container`: validation, block starts; blocks are prepared on first
//! entry), `Module::instantiate` (memory set-up), and the first call.
//!
//! The harness also builds against engine commits from before `pvm::Module` existed (for
//! the "before" table, see `bench/README.md`): `build.rs` sets `pvm_module_api` when
//! `crates/pvm/src/module.rs` exists; without it the same steps are
//! `Program::from_parts` and `Instance::new` + the memory set-up `Instance::from_container`
//! did at the time.

use std::time::{Duration, Instant};

use pvm::container::Container;
use pvm::{Exit, Instance};

use super::{CallEnd, Split, StartEngine, Warm, FIRST_CALL_GAS};
use crate::engines::host_add;
use crate::error::BenchError;

/// Register indices of the call ABI (sp = r1, a0 = r7, a1 = r8).
#[cfg(not(pvm_module_api))]
const SP: usize = 1;
const A0: usize = 7;
const A1: usize = 8;

/// This engine.
pub struct Ours;

/// A loaded program: what a program cache keeps.
pub struct Loaded {
    #[cfg(pvm_module_api)]
    module: pvm::Module,
    #[cfg(not(pvm_module_api))]
    module: legacy::Module,
    pc: u32,
}

impl Loaded {
    /// Parses and loads `blob`, returning the loaded program and the two steps' times.
    fn load(
        program: &str,
        blob: &[u8],
        export: &str,
    ) -> Result<(Loaded, Duration, Duration), BenchError> {
        let start = Instant::now();
        let container = Container::parse(blob).map_err(|source| BenchError::Container {
            program: program.to_string(),
            source,
        })?;
        let parsed = start.elapsed();
        let start = Instant::now();
        #[cfg(pvm_module_api)]
        let module = pvm::Module::from_container(&container);
        #[cfg(not(pvm_module_api))]
        let module = legacy::Module::from_container(&container);
        let module = module.map_err(|source| ours_error(program, source))?;
        let prepared = start.elapsed();
        let pc = container
            .export(export)
            .ok_or_else(|| BenchError::UnknownExport {
                program: program.to_string(),
                export: export.to_string(),
            })?
            .pc;
        Ok((Loaded { module, pc }, parsed, prepared))
    }

    /// A fresh instance on the interpreter (named where the engine has a default other
    /// than it: see `build.rs`).
    fn instantiate(&self, program: &str) -> Result<Instance, BenchError> {
        #[cfg(pvm_instantiate_on)]
        let instance = self
            .module
            .instantiate_on(FIRST_CALL_GAS, pvm::Engine::Interpreter);
        #[cfg(not(pvm_instantiate_on))]
        let instance = self.module.instantiate(FIRST_CALL_GAS);
        instance.map_err(|source| ours_error(program, source))
    }

    /// Calls the export with `arg` and [`FIRST_CALL_GAS`], to its exit.
    fn call(&self, vm: &mut Instance, program: &str, arg: u64) -> Result<CallEnd, BenchError> {
        vm.set_gas(FIRST_CALL_GAS);
        vm.prepare_call(self.pc, &[arg])
            .map_err(|source| ours_error(program, source))?;
        // `Module::instantiate` records the layout, so `prepare_call` sets SP itself; the
        // older instance keeps it private, so the caller sets it.
        #[cfg(not(pvm_module_api))]
        vm.set_reg(SP, u64::from(self.module.stack_pointer()));
        let exit = loop {
            match vm.run() {
                Exit::HostCall { id: 0 } => {
                    let sum = host_add(vm.regs()[A0], vm.regs()[A1]);
                    vm.set_reg(A0, sum);
                }
                Exit::Halt => break CallEnd::Returned(vm.regs()[A0]),
                Exit::OutOfGas => break CallEnd::OutOfGas,
                Exit::HostCall { id } => break CallEnd::HostCall(id),
                Exit::Panic => break CallEnd::Trap,
                Exit::PageFault { .. } => break CallEnd::PageFault,
            }
        };
        Ok(exit)
    }

    /// Blocks prepared so far (`None` where the engine has no lazy preparation).
    fn prepared_blocks(&self) -> Option<usize> {
        #[cfg(pvm_module_api)]
        return Some(self.module.program().prepared_block_count());
        #[cfg(not(pvm_module_api))]
        None
    }

    /// Basic blocks of the program (`None` where the engine does not count them).
    fn blocks(&self) -> Option<usize> {
        #[cfg(pvm_module_api)]
        return Some(self.module.program().block_count());
        #[cfg(not(pvm_module_api))]
        None
    }
}

fn ours_error(program: &str, source: pvm::InstanceError) -> BenchError {
    BenchError::Ours {
        program: program.to_string(),
        source,
    }
}

impl StartEngine for Ours {
    fn name(&self) -> &'static str {
        "pvm"
    }

    fn cold(
        &self,
        program: &str,
        blob: &[u8],
        export: &str,
        arg: u64,
    ) -> Result<Split, BenchError> {
        let (loaded, parse, prepare) = Loaded::load(program, blob, export)?;
        let start = Instant::now();
        let mut vm = loaded.instantiate(program)?;
        let instantiate = start.elapsed();
        let start = Instant::now();
        let end = loaded.call(&mut vm, program, arg)?;
        let call = start.elapsed();
        let gas_left = vm.gas();
        Ok(Split {
            parse,
            prepare,
            instantiate,
            call,
            end,
            gas_left,
            prepared_blocks: loaded.prepared_blocks(),
        })
    }

    fn load(
        &self,
        program: &str,
        blob: &[u8],
        export: &str,
    ) -> Result<Box<dyn Warm + '_>, BenchError> {
        let (loaded, _, _) = Loaded::load(program, blob, export)?;
        Ok(Box::new(WarmOurs {
            program: program.to_string(),
            loaded,
        }))
    }
}

/// A loaded program on this engine, started again and again.
struct WarmOurs {
    program: String,
    loaded: Loaded,
}

impl Warm for WarmOurs {
    fn start(&mut self, arg: u64) -> Result<(Duration, Duration, CallEnd), BenchError> {
        let start = Instant::now();
        let mut vm = self.loaded.instantiate(&self.program)?;
        let instantiate = start.elapsed();
        let start = Instant::now();
        let end = self.loaded.call(&mut vm, &self.program, arg)?;
        Ok((instantiate, start.elapsed(), end))
    }
}

/// Facts about a program on this engine: (basic blocks, blocks prepared by one cold start).
pub fn block_counts(
    program: &str,
    blob: &[u8],
    export: &str,
    arg: u64,
) -> Result<(Option<usize>, Option<usize>), BenchError> {
    let (loaded, _, _) = Loaded::load(program, blob, export)?;
    let mut vm = loaded.instantiate(program)?;
    loaded.call(&mut vm, program, arg)?;
    Ok((loaded.blocks(), loaded.prepared_blocks()))
}

/// The engine API before `pvm::Module` (commit `ced63e0` and earlier): the steps of that
/// time's `Instance::from_container`, split at the same places.
#[cfg(not(pvm_module_api))]
mod legacy {
    use std::sync::Arc;

    use pvm::container::{Container, MemoryLayout};
    use pvm::{Access, GpVersion, Instance, InstanceError, Program};

    /// The program and what `Instance::from_container` mapped.
    pub struct Module {
        program: Arc<Program>,
        layout: MemoryLayout,
        ro_data: Vec<u8>,
        rw_data: Vec<u8>,
    }

    impl Module {
        pub fn from_container(container: &Container) -> Result<Module, InstanceError> {
            let layout = container.memory_layout()?;
            let program = Program::from_parts(
                &container.code,
                &container.bitmask,
                &container.jump_table,
                GpVersion::V0_8,
            )?;
            Ok(Module {
                program: Arc::new(program),
                layout,
                ro_data: container.ro_data.clone(),
                rw_data: container.rw_data.clone(),
            })
        }

        pub fn instantiate(&self, gas: u64) -> Result<Instance, InstanceError> {
            let layout = &self.layout;
            let mut instance = Instance::new(Arc::clone(&self.program), gas)?;
            let memory = instance.memory_mut();
            let length = |(start, end): (u32, u32)| u64::from(end - start);
            memory.map_zeroed(layout.ro_data.0, length(layout.ro_data), Access::Read)?;
            memory.write_privileged(layout.ro_data.0, &self.ro_data)?;
            memory.map_zeroed(layout.rw_data.0, length(layout.rw_data), Access::Write)?;
            memory.write(layout.rw_data.0, &self.rw_data)?;
            memory.set_heap_end(layout.heap_base);
            memory.map_zeroed(layout.stack.0, length(layout.stack), Access::Write)?;
            Ok(instance)
        }

        /// The layout is private to `Instance` at that commit, so the caller sets SP.
        pub fn stack_pointer(&self) -> u32 {
            self.layout.stack_pointer
        }
    }
}
