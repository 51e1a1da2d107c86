//! An exactly conformant interpreter of the JAM Polkadot Virtual Machine (Gray Paper
//! appendix A, version 0.8.0, as PolkaVM 0.37's `JamV1` instruction set implements it),
//! with a switch for GP 0.7 programs.
//!
//! ```
//! use std::sync::Arc;
//! use pvm::{Exit, GpVersion, Instance, Program};
//!
//! // load_imm r7, 42 ; jump_ind r0 (r0 = the halt address)
//! let blob = [0, 0, 5, 51, 7, 42, 50, 0, 0b1001];
//! let program = Arc::new(Program::from_blob_bytes(&blob, GpVersion::V0_8).unwrap());
//! let mut vm = Instance::new(program, 1_000).unwrap();
//! vm.set_reg(0, 0xFFFF_0000);
//! assert_eq!(vm.run(), Exit::Halt);
//! assert_eq!(vm.reg(7), Some(42));
//! ```
//!
//! Data flow: bytes → [`format`](mod@format) (raw blob, JAM standard program, PolkaVM `.polkavm`) →
//! [`Program`] (validation, pre-decoding, block gas costs from [`gas`]) → [`Instance`]
//! (registers, gas, [`Memory`]) → [`Instance::run`] → [`Exit`].
//!
//! The crate is a shared front and back ends that execute it:
//! - front, engine-neutral: [`isa`] (the instruction table, defined once), [`decode`]
//!   (operands), [`format`](mod@format) (program files), `program` (validation, basic blocks, jump
//!   resolution), [`gas`] (block costs), [`memory`] (the guest address space), [`exit`]
//!   (how a run ends), `state` (registers, gas, memory, position) and [`Instance`] (the API
//!   over them);
//! - back ends: [`interpreter`] (the loop over pre-decoded instructions);
//! - diagnostics: [`observer`] and [`instruction_trace`] (`pvm trace`: one line per
//!   instruction), [`memory_trace`] (every register and memory access as `machine`
//!   records), [`disasm`].
//!
//! Two engines run an instance, with identical results: the interpreter (every platform)
//! and, on x86-64 Linux, the recompiler, which compiles the program to machine code once
//! per `Arc<Program>`. The default ([`Engine::default`]) is the recompiler where it is
//! supported and the interpreter elsewhere; [`Instance::new_on`],
//! [`Module::instantiate_on`] and [`Instance::with_engine`] name one, and a named engine
//! that cannot run is an [`EngineError`], never a fallback. Tracing and observers need the
//! interpreter: an instance on the default engine gives way to it for them, a named
//! recompiler refuses them with [`EngineError::NeedsInterpreter`].
//!
//! An instance is generic over a `machine::Tracer` (default `machine::NoTrace`, free):
//! [`Instance::with_tracer`] makes it report every register and memory access as
//! `machine` records ([`memory_trace`]), and it implements the `machine` traits (`Machine`
//! with one instruction per step, `Memory`, `Registers`, `Traced`).

#![deny(missing_docs)]

pub mod cache;
pub mod decode;
pub mod disasm;
pub mod exit;
pub mod format;
pub mod gas;
mod instance;
pub mod instruction_trace;
pub mod interpreter;
pub mod isa;
pub mod memory;
pub mod memory_trace;
mod module;
pub mod observer;
mod program;
mod recompiler;
mod state;

/// The `.polkavm` container, [`format::polkavm`] (its former path, kept).
pub use format::polkavm as container;
/// Former name of [`instruction_trace`].
#[doc(hidden)]
pub use instruction_trace as trace;
/// Former name of [`memory_trace`].
#[doc(hidden)]
pub use memory_trace as tracing;

pub use cache::{code_hash, CodeHash, ModuleCache, ProgramFormat};
pub use decode::{Instruction, REG_COUNT};
pub use exit::{Exit, HALT_ADDRESS};
pub use instance::{Instance, InstanceError};
pub use isa::{GpVersion, Opcode, ParseNameError};
pub use memory::{Access, Memory, MemoryError};
pub use module::Module;
pub use observer::Observer;
pub use program::{Program, ProgramError};
pub use recompiler::{CompileError, Engine, EngineError, DEFAULT_ENGINE_VARIABLE};
