//! The engines under comparison, behind one interface: a program loaded once, its export
//! called any number of times on the same instance.

pub mod native;
pub mod ours;
pub mod polkavm;

use crate::error::BenchError;

/// Gas given to every VM call: far more than any case uses.
pub const INITIAL_GAS: u64 = 10_000_000_000;

/// What one call returned.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Outcome {
    /// a0 on return.
    pub result: u64,
    /// Gas used by the call; `None` natively.
    pub gas_used: Option<u64>,
}

/// A program loaded on one engine, ready to have its export called.
///
/// Calls reuse one instance, as a native process reuses its memory: guest memory is not
/// reset between calls (every guest re-initialises the data it reads), so the timed calls
/// after the warm-up do not pay for first-touch page faults on any engine.
pub trait Runner {
    /// Calls the export with `arg` in a0 and runs it to its return, servicing host calls.
    fn call(&mut self, arg: u64) -> Result<Outcome, BenchError>;
}

/// The host side of the `host_add` import (`ecalli 0`): `a0 + a1`, wrapping.
pub fn host_add(a: u64, b: u64) -> u64 {
    a.wrapping_add(b)
}

/// Which of this engine's back ends a run measures (`--engine`; default both).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OurEngines {
    /// The interpreter.
    pub interpreter: bool,
    /// The recompiler.
    pub recompiler: bool,
}

impl OurEngines {
    /// Both back ends (no `--engine`).
    pub const BOTH: OurEngines = OurEngines {
        interpreter: true,
        recompiler: true,
    };

    /// `engine` alone.
    pub fn only(engine: pvm::Engine) -> OurEngines {
        OurEngines {
            interpreter: engine == pvm::Engine::Interpreter,
            recompiler: engine == pvm::Engine::Recompiler,
        }
    }

    /// Whether `engine` is measured.
    pub fn includes(self, engine: pvm::Engine) -> bool {
        match engine {
            pvm::Engine::Interpreter => self.interpreter,
            pvm::Engine::Recompiler => self.recompiler,
        }
    }

    /// The `--engine` value: `interpreter` or `recompiler`.
    pub fn parse(text: &str) -> Result<OurEngines, BenchError> {
        text.parse::<pvm::Engine>()
            .map(OurEngines::only)
            .map_err(|e| BenchError::Usage(format!("--engine: {e}")))
    }

    /// How the report's context line describes the selection.
    pub fn describe(self) -> &'static str {
        match (self.interpreter, self.recompiler) {
            (true, true) => "pvm: interpreter and recompiler",
            (true, false) => "pvm: interpreter only (`--engine interpreter`)",
            (false, true) => "pvm: recompiler only (`--engine recompiler`)",
            (false, false) => "pvm: no engine",
        }
    }
}
