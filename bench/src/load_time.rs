//! Program load time: from the blob's bytes to an instance ready to call, split into
//! parsing, preparing the code and instantiating.
//!
//! * this engine: `Container::parse`; `Program::from_parts` (validation, pre-decoding to
//!   `Instr` records, every block's gas cost); `Module::from_container` and
//!   `Module::instantiate_on` the engine measured (the program again, plus the memory
//!   set-up);
//! * PolkaVM: `ProgramBlob::parse`; `Module::from_blob` (for the interpreter: validation
//!   only, as its blocks are compiled, gas costs included, lazily when first reached, i.e.
//!   during the first call; for the recompiler: compilation of the whole program to machine
//!   code, gas costs included); `Module::instantiate`.

use std::time::Duration;

use polkavm::ProgramBlob;
use pvm::container::Container;
use pvm::{Engine, GpVersion, Instance, Module, Program};

use crate::engines::polkavm::{module, PolkaVm};
use crate::engines::INITIAL_GAS;
use crate::error::BenchError;
use crate::measure::best_time;

/// One engine's load time, each step the best of its repetitions.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LoadTime {
    /// Parsing the container.
    pub parse: Duration,
    /// Parsing + preparing the code (this engine: `Program::from_parts`; PolkaVM:
    /// `Module::from_blob`).
    pub prepare: Duration,
    /// The whole path: parse + prepare + instantiate.
    pub total: Duration,
}

/// This engine's load time of `blob` on the interpreter.
pub fn ours(program: &str, blob: &[u8], runs: usize) -> Result<LoadTime, BenchError> {
    ours_on(program, blob, runs, Engine::Interpreter)
}

/// This engine's load time with the recompiler: `prepare` is `Program::from_parts` plus
/// compiling it to machine code (the first recompiler instance of a program compiles it).
pub fn ours_recompiler(program: &str, blob: &[u8], runs: usize) -> Result<LoadTime, BenchError> {
    ours_on(program, blob, runs, Engine::Recompiler)
}

/// This engine's load time of `blob` on `engine` (the interpreter's `prepare` is
/// `Program::from_parts` alone; the recompiler's includes compiling the program).
fn ours_on(
    program: &str,
    blob: &[u8],
    runs: usize,
    engine: Engine,
) -> Result<LoadTime, BenchError> {
    let container_error = |source| BenchError::Container {
        program: program.to_string(),
        source,
    };
    let instance_error = |source| BenchError::Ours {
        program: program.to_string(),
        source,
    };
    let parse = best_time(runs, || Container::parse(blob).map_err(container_error))?;
    let prepare = best_time(runs, || {
        let c = Container::parse(blob).map_err(container_error)?;
        let program = Program::from_parts(&c.code, &c.bitmask, &c.jump_table, GpVersion::V0_8)
            .map_err(|e| instance_error(e.into()))?;
        if engine == Engine::Recompiler {
            Instance::new_on(std::sync::Arc::new(program), INITIAL_GAS, engine)
                .map_err(instance_error)?;
        }
        Ok(())
    })?;
    let total = best_time(runs, || {
        let container = Container::parse(blob).map_err(container_error)?;
        Module::from_container(&container)
            .and_then(|module| module.instantiate_on(INITIAL_GAS, engine))
            .map_err(instance_error)
    })?;
    Ok(LoadTime {
        parse,
        prepare,
        total,
    })
}

/// PolkaVM's load time of `blob` on `vm`.
pub fn polkavm(
    vm: &PolkaVm,
    program: &str,
    blob: &[u8],
    runs: usize,
) -> Result<LoadTime, BenchError> {
    let parse = best_time(runs, || {
        ProgramBlob::parse(blob.to_vec().into()).map_err(|e| BenchError::polkavm(program, e))
    })?;
    let prepare = best_time(runs, || module(vm, program, blob))?;
    let total = best_time(runs, || {
        module(vm, program, blob)?
            .instantiate()
            .map_err(|e| BenchError::polkavm(program, e))
    })?;
    Ok(LoadTime {
        parse,
        prepare,
        total,
    })
}
