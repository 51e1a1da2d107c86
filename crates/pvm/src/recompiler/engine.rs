//! Which back end runs an instance, and why the recompiler may be unavailable.

/// The back end that executes an [`Instance`](crate::Instance).
///
/// Both engines give the same exits, pc, gas, registers and memory for every program.
/// Chosen when an instance is made ([`Instance::new_on`](crate::Instance::new_on),
/// [`Module::instantiate_on`](crate::Module::instantiate_on)) or later with
/// [`Instance::with_engine`](crate::Instance::with_engine). Instances made without naming
/// an engine run on [`Engine::default`]: the recompiler where it is supported, the
/// interpreter elsewhere.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Engine {
    /// The interpreter over pre-decoded instructions (every platform; supports tracing and
    /// observers).
    Interpreter,
    /// Programs compiled to x86-64 machine code (x86-64 Linux only; no tracing, no
    /// observers).
    Recompiler,
}

/// The recompiler where it is supported ([`Engine::is_supported`]: x86-64 Linux on a CPU
/// with the instructions the generated code uses), the interpreter elsewhere. The choice is
/// made per platform, never per program: a program the recompiler cannot compile is an
/// [`EngineError::Compile`] when the instance is made, not a quiet switch to the
/// interpreter. Tracing and observers need the interpreter; an instance left on the
/// default engine gives way to it for them (see
/// [`Instance::with_tracer`](crate::Instance::with_tracer) and
/// [`Instance::run_observed`](crate::Instance::run_observed)).
///
/// The environment variable `PVM_DEFAULT_ENGINE=interpreter` (read once per process) makes
/// the interpreter the default everywhere — in Rust and behind the C ABI and the bindings —
/// without a code change: for running under tools that make the recompiler's 4 GiB
/// protection changes slow (valgrind takes seconds per instance), or to rule the recompiler
/// out while investigating a problem. Any other value is ignored; engines named explicitly
/// are never affected.
impl Default for Engine {
    fn default() -> Engine {
        static DEFAULT: std::sync::OnceLock<Engine> = std::sync::OnceLock::new();
        *DEFAULT.get_or_init(|| {
            let forced = std::env::var_os(DEFAULT_ENGINE_VARIABLE)
                .is_some_and(|value| value == "interpreter");
            if !forced && Engine::Recompiler.is_supported() {
                Engine::Recompiler
            } else {
                Engine::Interpreter
            }
        })
    }
}

/// The environment variable that can make the interpreter the default engine (see
/// [`Engine::default`]).
pub const DEFAULT_ENGINE_VARIABLE: &str = "PVM_DEFAULT_ENGINE";

impl Engine {
    /// The name the CLI and bindings use: `"interpreter"` or `"recompiler"`.
    pub fn name(self) -> &'static str {
        match self {
            Engine::Interpreter => "interpreter",
            Engine::Recompiler => "recompiler",
        }
    }

    /// Whether this engine can run on the current platform: the interpreter always; the
    /// recompiler on x86-64 Linux when the CPU has `popcnt`, `lzcnt` and `bmi1`, which the
    /// generated code uses (every x86-64 CPU since about 2013).
    pub fn is_supported(self) -> bool {
        match self {
            Engine::Interpreter => true,
            Engine::Recompiler => recompiler_supported(),
        }
    }
}

/// Whether the recompiler can run here (checked again, with the missing feature named, by
/// the compiler: [`CompileError::MissingCpuFeature`]).
#[cfg(all(target_arch = "x86_64", target_os = "linux"))]
fn recompiler_supported() -> bool {
    std::is_x86_feature_detected!("popcnt")
        && std::is_x86_feature_detected!("lzcnt")
        && std::is_x86_feature_detected!("bmi1")
}

#[cfg(not(all(target_arch = "x86_64", target_os = "linux")))]
fn recompiler_supported() -> bool {
    false
}

impl std::fmt::Display for Engine {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

impl std::str::FromStr for Engine {
    type Err = crate::isa::ParseNameError;
    /// Accepts `"interpreter"` and `"recompiler"`.
    fn from_str(text: &str) -> Result<Engine, Self::Err> {
        match text {
            "interpreter" => Ok(Engine::Interpreter),
            "recompiler" => Ok(Engine::Recompiler),
            _ => Err(crate::isa::ParseNameError {
                what: "engine",
                text: text.to_owned(),
                expected: "\"interpreter\" or \"recompiler\"",
            }),
        }
    }
}

/// Why an instance cannot use the engine asked for.
#[derive(Clone, Debug, thiserror::Error, PartialEq, Eq)]
pub enum EngineError {
    /// The recompiler exists only on x86-64 Linux.
    #[error("the recompiler is not supported on this platform (it needs x86-64 Linux)")]
    Unsupported,
    /// Tracing and observers need the interpreter.
    #[error("{0} needs the interpreter engine; the recompiler does not support it")]
    NeedsInterpreter(&'static str),
    /// The program could not be compiled.
    #[error(transparent)]
    Compile(#[from] CompileError),
}

/// Why a program could not be compiled to machine code.
#[derive(Clone, Debug, thiserror::Error, PartialEq, Eq)]
pub enum CompileError {
    /// The CPU lacks an instruction the generated code uses.
    #[error("the CPU lacks {0}, which the recompiler needs")]
    MissingCpuFeature(&'static str),
    /// The program is beyond the compiler's size limits.
    #[error("the program has {instructions} instructions; the recompiler accepts at most {limit}")]
    TooLarge {
        /// Instructions in the program.
        instructions: usize,
        /// The limit.
        limit: usize,
    },
    /// The generated code is beyond the size limit.
    #[error("the generated code would be {0} bytes, more than the 1 GiB limit")]
    CodeTooLarge(usize),
    /// The executable mapping could not be created.
    #[error("could not map executable memory: {0}")]
    Map(String),
    /// The signal handler that catches guest memory faults could not be installed.
    #[error("could not install the recompiler's SIGSEGV handler: {0}")]
    Signal(String),
}
