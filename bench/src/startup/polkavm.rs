//! PolkaVM 0.37's start-up, step by step: `ProgramBlob::parse`, `Module::from_blob`
//! (interpreter: validation only, blocks are compiled when first reached; recompiler: the
//! whole program to machine code), `Module::instantiate` and the first call. Module
//! caching is off (`Config::set_cache_enabled(false)`, `ModuleConfig::set_cache_by_hash(false)`),
//! so every cold start compiles again.

use std::time::{Duration, Instant};

use polkavm::{
    BackendKind, CacheModel, Config, CorePinning, CostModelKind, Engine, GasMeteringKind,
    InterruptKind, Module, ModuleConfig, ProgramBlob, ProgramCounter, Reg, SandboxKind,
};

use super::{CallEnd, Split, StartEngine, Warm, FIRST_CALL_GAS};
use crate::engines::host_add;
use crate::error::BenchError;

/// A PolkaVM backend with its engine.
pub struct PolkaVmStart {
    engine: Engine,
    name: &'static str,
}

impl PolkaVmStart {
    /// The interpreter.
    pub fn interpreter() -> Result<PolkaVmStart, BenchError> {
        let engine = Engine::new(&config(BackendKind::Interpreter, None))
            .map_err(|e| BenchError::polkavm("interpreter engine", e))?;
        Ok(PolkaVmStart {
            engine,
            name: "PolkaVM interpreter",
        })
    }

    /// The recompiler: Linux sandbox first, then the generic one; the error says why
    /// neither starts.
    pub fn recompiler() -> Result<PolkaVmStart, String> {
        let mut failures = Vec::new();
        for sandbox in [SandboxKind::Linux, SandboxKind::Generic] {
            match Engine::new(&config(BackendKind::Compiler, Some(sandbox))) {
                Ok(engine) => {
                    return Ok(PolkaVmStart {
                        engine,
                        name: "PolkaVM recompiler",
                    })
                }
                Err(e) => failures.push(format!("{sandbox} sandbox: {e}")),
            }
        }
        Err(failures.join("; "))
    }

    fn module(&self, program: &str, blob: ProgramBlob) -> Result<Module, BenchError> {
        Module::from_blob(&self.engine, &module_config(), blob)
            .map_err(|e| BenchError::polkavm(format!("{} {program}", self.name), e))
    }

    fn parse(&self, program: &str, blob: &[u8]) -> Result<ProgramBlob, BenchError> {
        ProgramBlob::parse(blob.to_vec().into())
            .map_err(|e| BenchError::polkavm(format!("{} {program}", self.name), e))
    }
}

/// As `engines::polkavm` configures the engines (the oracle's set-up), with module caching
/// off.
fn config(backend: BackendKind, sandbox: Option<SandboxKind>) -> Config {
    let mut config = Config::new();
    config.set_backend(Some(backend));
    config.set_default_cost_model(Some(cost_model()));
    config.set_core_pinning(CorePinning::Disabled);
    config.set_cache_enabled(false);
    if let Some(sandbox) = sandbox {
        config.set_sandbox(Some(sandbox));
        config.set_allow_experimental(sandbox == SandboxKind::Generic);
    }
    config
}

fn cost_model() -> CostModelKind {
    CostModelKind::Full(CacheModel::L2Hit)
}

fn module_config() -> ModuleConfig {
    let mut config = ModuleConfig::new();
    config.set_gas_metering(Some(GasMeteringKind::Sync));
    config.set_cost_model(Some(cost_model()));
    config.set_cache_by_hash(false);
    config
}

fn export_pc(module: &Module, program: &str, export: &str) -> Result<ProgramCounter, BenchError> {
    module
        .exports()
        .find(|e| e.symbol().as_bytes() == export.as_bytes())
        .map(|e| e.program_counter())
        .ok_or_else(|| BenchError::UnknownExport {
            program: program.to_string(),
            export: export.to_string(),
        })
}

/// Instantiates `module` and calls `pc` with `arg` and [`FIRST_CALL_GAS`]: the two times,
/// how the call ended and the gas left.
fn start(
    name: &'static str,
    program: &str,
    module: &Module,
    pc: ProgramCounter,
    arg: u64,
) -> Result<(Duration, Duration, CallEnd, u64), BenchError> {
    let context = |step: &str| format!("{name} {program}: {step}");
    let begin = Instant::now();
    let mut vm = module
        .instantiate()
        .map_err(|e| BenchError::polkavm(context("instantiate"), e))?;
    let instantiate = begin.elapsed();
    let begin = Instant::now();
    let gas = i64::try_from(FIRST_CALL_GAS).expect("FIRST_CALL_GAS fits in i64");
    vm.set_gas(gas);
    vm.prepare_call_typed(pc, (arg,));
    let end = loop {
        match vm
            .run()
            .map_err(|e| BenchError::polkavm(context("run"), e))?
        {
            InterruptKind::Ecalli(0) => {
                let sum = host_add(vm.reg(Reg::A0), vm.reg(Reg::A1));
                vm.set_reg(Reg::A0, sum);
            }
            InterruptKind::Finished => break CallEnd::Returned(vm.reg(Reg::A0)),
            InterruptKind::NotEnoughGas => break CallEnd::OutOfGas,
            InterruptKind::Ecalli(id) => break CallEnd::HostCall(id),
            InterruptKind::Trap => break CallEnd::Trap,
            InterruptKind::Segfault(_) => break CallEnd::PageFault,
            InterruptKind::Step => {}
        }
    };
    let call = begin.elapsed();
    let gas_left = u64::try_from(vm.gas()).unwrap_or(0);
    Ok((instantiate, call, end, gas_left))
}

impl StartEngine for PolkaVmStart {
    fn name(&self) -> &'static str {
        self.name
    }

    fn cold(
        &self,
        program: &str,
        blob: &[u8],
        export: &str,
        arg: u64,
    ) -> Result<Split, BenchError> {
        let begin = Instant::now();
        let parsed = self.parse(program, blob)?;
        let parse = begin.elapsed();
        let begin = Instant::now();
        let module = self.module(program, parsed)?;
        let prepare = begin.elapsed();
        let pc = export_pc(&module, program, export)?;
        let (instantiate, call, end, gas_left) = start(self.name, program, &module, pc, arg)?;
        Ok(Split {
            parse,
            prepare,
            instantiate,
            call,
            end,
            gas_left,
            prepared_blocks: None,
        })
    }

    fn load(
        &self,
        program: &str,
        blob: &[u8],
        export: &str,
    ) -> Result<Box<dyn Warm + '_>, BenchError> {
        let module = self.module(program, self.parse(program, blob)?)?;
        let pc = export_pc(&module, program, export)?;
        Ok(Box::new(WarmPolkaVm {
            name: self.name,
            program: program.to_string(),
            module,
            pc,
        }))
    }
}

/// A loaded PolkaVM module, instantiated and called again and again.
struct WarmPolkaVm {
    name: &'static str,
    program: String,
    module: Module,
    pc: ProgramCounter,
}

impl Warm for WarmPolkaVm {
    fn start(&mut self, arg: u64) -> Result<(Duration, Duration, CallEnd), BenchError> {
        let (instantiate, call, end, _) =
            start(self.name, &self.program, &self.module, self.pc, arg)?;
        Ok((instantiate, call, end))
    }
}
