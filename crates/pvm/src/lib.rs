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
//! Data flow: bytes → [`format`] (raw blob, JAM standard program) or [`container`]
//! (`.polkavm`) → [`Program`] (validation, pre-decoding, block gas costs from [`gas`]) →
//! [`Instance`] (registers, gas, [`Memory`]) → [`Instance::run`] → [`Exit`].
//!
//! Two engines run an instance, with identical results: the interpreter (default, every
//! platform) and, on x86-64 Linux, the recompiler, which compiles the program to machine
//! code once per `Arc<Program>` ([`Instance::with_engine`], [`Engine`]; tracing and
//! observers need the interpreter and are refused with [`EngineError`] on the recompiler).
//!
//! An instance is generic over a `machine::Tracer` (default `machine::NoTrace`, free):
//! [`Instance::with_tracer`] makes it report every register and memory access as
//! `machine` records ([`tracing`]), and it implements the `machine` traits (`Machine`
//! with one instruction per step, `Memory`, `Registers`, `Traced`).

#![deny(missing_docs)]

pub mod container;
pub mod decode;
pub mod disasm;
pub mod format;
pub mod gas;
mod instance;
pub mod interpreter;
pub mod isa;
pub mod memory;
mod program;
mod recompiler;
pub mod trace;
pub mod tracing;

pub use decode::{Instruction, REG_COUNT};
pub use instance::{Exit, Instance, InstanceError};
pub use interpreter::{Observer, HALT_ADDRESS};
pub use isa::{GpVersion, Opcode, ParseNameError};
pub use memory::{Access, Memory, MemoryError};
pub use program::{Program, ProgramError};
pub use recompiler::{CompileError, Engine, EngineError};
