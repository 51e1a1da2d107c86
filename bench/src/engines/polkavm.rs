//! PolkaVM 0.37, interpreter or recompiler, configured as `guests/oracle` is: gas metering
//! `Sync`, the full pipeline cost model with L2-hit memory latency. Driven through the raw
//! instance API so that host calls are serviced exactly as for this engine.

use polkavm::{
    BackendKind, CacheModel, Config, CorePinning, CostModelKind, Engine, GasMeteringKind,
    InterruptKind, Module, ModuleConfig, ProgramBlob, ProgramCounter, RawInstance, Reg,
    SandboxKind,
};

use super::{host_add, Outcome, Runner, INITIAL_GAS};
use crate::error::BenchError;

/// A PolkaVM engine and how it was set up.
pub struct PolkaVm {
    /// The engine.
    pub engine: Engine,
    /// Interpreter or recompiler.
    pub backend: BackendKind,
    /// For the recompiler: the sandbox that started.
    pub sandbox: Option<SandboxKind>,
}

/// Both backends' engines; the recompiler's is an error message if it cannot start here.
pub struct PolkaVmEngines {
    /// The interpreter.
    pub interpreter: PolkaVm,
    /// The recompiler, or why it is unavailable.
    pub compiler: Result<PolkaVm, String>,
}

/// Creates the interpreter engine and tries the recompiler with the Linux sandbox, then the
/// generic one.
pub fn engines() -> Result<PolkaVmEngines, BenchError> {
    Ok(PolkaVmEngines {
        interpreter: interpreter()?,
        compiler: compiler(),
    })
}

/// The interpreter engine alone (a child process that runs only the interpreter does not
/// start the recompiler's sandbox).
pub fn interpreter() -> Result<PolkaVm, BenchError> {
    Ok(PolkaVm {
        engine: engine(BackendKind::Interpreter, None)
            .map_err(|e| BenchError::polkavm("interpreter engine", e))?,
        backend: BackendKind::Interpreter,
        sandbox: None,
    })
}

/// The recompiler engine with the Linux sandbox, else the generic one, else why neither
/// starts.
pub fn compiler() -> Result<PolkaVm, String> {
    let mut failures = Vec::new();
    for sandbox in [SandboxKind::Linux, SandboxKind::Generic] {
        match engine(BackendKind::Compiler, Some(sandbox)) {
            Ok(engine) => {
                return Ok(PolkaVm {
                    engine,
                    backend: BackendKind::Compiler,
                    sandbox: Some(sandbox),
                })
            }
            Err(e) => failures.push(format!("{sandbox} sandbox: {e}")),
        }
    }
    Err(failures.join("; "))
}

fn engine(backend: BackendKind, sandbox: Option<SandboxKind>) -> Result<Engine, polkavm::Error> {
    // `Config::new()`, not `from_env()`: no POLKAVM_* variable can change the setup.
    let mut config = Config::new();
    config.set_backend(Some(backend));
    config.set_default_cost_model(Some(cost_model()));
    // Do not pin the harness thread to one core: every engine runs on the same thread
    // and must see the same scheduling.
    config.set_core_pinning(CorePinning::Disabled);
    if let Some(sandbox) = sandbox {
        config.set_sandbox(Some(sandbox));
        // The generic sandbox is experimental in PolkaVM 0.37.
        config.set_allow_experimental(sandbox == SandboxKind::Generic);
    }
    Engine::new(&config)
}

fn cost_model() -> CostModelKind {
    CostModelKind::Full(CacheModel::L2Hit)
}

/// The module configuration of every measurement.
fn module_config() -> ModuleConfig {
    let mut config = ModuleConfig::new();
    config.set_gas_metering(Some(GasMeteringKind::Sync));
    config.set_cost_model(Some(cost_model()));
    config
}

/// Parses `blob` and compiles it into a module (for the recompiler: to machine code).
pub fn module(vm: &PolkaVm, program: &str, blob: &[u8]) -> Result<Module, BenchError> {
    let context = || format!("{} {program}", vm.backend);
    let blob =
        ProgramBlob::parse(blob.to_vec().into()).map_err(|e| BenchError::polkavm(context(), e))?;
    Module::from_blob(&vm.engine, &module_config(), blob)
        .map_err(|e| BenchError::polkavm(context(), e))
}

/// A program instantiated on PolkaVM.
pub struct PolkaVmRunner {
    label: &'static str,
    program: String,
    instance: RawInstance,
    pc: ProgramCounter,
}

impl PolkaVmRunner {
    /// Loads `blob` on `vm` and instantiates it.
    pub fn load(
        vm: &PolkaVm,
        program: &str,
        blob: &[u8],
        export: &str,
    ) -> Result<PolkaVmRunner, BenchError> {
        Self::instantiate(vm, &module(vm, program, blob)?, program, export)
    }

    /// A new instance of `module` (loaded on `vm`), ready to call `export`.
    pub fn instantiate(
        vm: &PolkaVm,
        module: &Module,
        program: &str,
        export: &str,
    ) -> Result<PolkaVmRunner, BenchError> {
        let pc = module
            .exports()
            .find(|e| e.symbol().as_bytes() == export.as_bytes())
            .ok_or_else(|| BenchError::UnknownExport {
                program: program.to_string(),
                export: export.to_string(),
            })?
            .program_counter();
        let instance = module.instantiate().map_err(|e| {
            BenchError::polkavm(format!("{} {program}: instantiate", vm.backend), e)
        })?;
        Ok(PolkaVmRunner {
            label: match vm.backend {
                BackendKind::Interpreter => "PolkaVM interpreter",
                BackendKind::Compiler => "PolkaVM recompiler",
            },
            program: program.to_string(),
            instance,
            pc,
        })
    }
}

impl Runner for PolkaVmRunner {
    fn call(&mut self, arg: u64) -> Result<Outcome, BenchError> {
        let gas = i64::try_from(INITIAL_GAS).expect("INITIAL_GAS fits in i64");
        let vm = &mut self.instance;
        vm.set_gas(gas);
        vm.prepare_call_typed(self.pc, (arg,));
        loop {
            let interrupt = vm.run().map_err(|e| {
                BenchError::polkavm(format!("{} {}: run", self.label, self.program), e)
            })?;
            match interrupt {
                InterruptKind::Finished => break,
                InterruptKind::Ecalli(0) => {
                    let sum = host_add(vm.reg(Reg::A0), vm.reg(Reg::A1));
                    vm.set_reg(Reg::A0, sum);
                }
                other => {
                    return Err(BenchError::UnexpectedExit {
                        engine: self.label,
                        program: self.program.clone(),
                        exit: format!("{other:?}"),
                    })
                }
            }
        }
        let used = u64::try_from(gas - vm.gas()).unwrap_or(u64::MAX);
        Ok(Outcome {
            result: vm.reg(Reg::A0),
            gas_used: Some(used),
        })
    }
}
