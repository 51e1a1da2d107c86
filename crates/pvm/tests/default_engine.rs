//! The default engine on every platform: the recompiler where it is supported, the
//! interpreter elsewhere; instances made without naming an engine use it, and asking for an
//! unsupported recompiler is a typed error. (The recompiler's side of the default — tracing
//! and observers giving way to the interpreter — is in `recompiler.rs`.)

use std::sync::Arc;

use machine::VecTracer;
use pvm::{Engine, EngineError, Exit, GpVersion, Instance, InstanceError, Module, Program};

/// `load_imm r7, 42 ; jump_ind r0` (r0 = the halt address).
fn program() -> Arc<Program> {
    let blob = [0, 0, 5, 51, 7, 42, 50, 0, 0b1001];
    Arc::new(Program::from_blob_bytes(&blob, GpVersion::V0_8).unwrap())
}

#[test]
fn the_default_follows_the_platform() {
    let expected = if cfg!(all(target_arch = "x86_64", target_os = "linux"))
        && Engine::Recompiler.is_supported()
    {
        Engine::Recompiler
    } else {
        Engine::Interpreter
    };
    assert_eq!(Engine::default(), expected);
    if !cfg!(all(target_arch = "x86_64", target_os = "linux")) {
        assert!(!Engine::Recompiler.is_supported());
    }
    assert!(Engine::Interpreter.is_supported());
}

#[test]
fn instances_without_a_named_engine_run_on_the_default() {
    let mut vm = Instance::new(program(), 1_000).unwrap();
    assert_eq!(vm.engine(), Engine::default());
    assert!(!vm.engine_chosen());
    vm.set_reg(0, u64::from(pvm::HALT_ADDRESS));
    assert_eq!(vm.run(), Exit::Halt);
    assert_eq!(vm.reg(7), Some(42));

    let module = Module::from_program(program());
    assert_eq!(module.instantiate(10).unwrap().engine(), Engine::default());
    assert_eq!(
        module.instantiate_with_args(&[], 10).unwrap().engine(),
        Engine::default()
    );

    // A default instance can always be traced: tracing takes the interpreter.
    let mut traced = Instance::new(program(), 1_000)
        .unwrap()
        .with_tracer(VecTracer::new())
        .unwrap();
    assert_eq!(traced.engine(), Engine::Interpreter);
    traced.set_reg(0, u64::from(pvm::HALT_ADDRESS));
    assert_eq!(traced.run(), Exit::Halt);
    assert!(!traced.tracer().records().is_empty());
}

#[test]
fn a_named_interpreter_is_used_everywhere() {
    let vm = Instance::new_on(program(), 10, Engine::Interpreter).unwrap();
    assert_eq!(
        (vm.engine(), vm.engine_chosen()),
        (Engine::Interpreter, true)
    );
    let module = Module::from_program(program());
    let vm = module.instantiate_on(10, Engine::Interpreter).unwrap();
    assert_eq!(
        (vm.engine(), vm.engine_chosen()),
        (Engine::Interpreter, true)
    );
}

#[test]
fn an_unsupported_recompiler_is_a_typed_error() {
    if cfg!(all(target_arch = "x86_64", target_os = "linux")) {
        // Supported here (a CPU without its instructions reports
        // `EngineError::Compile(CompileError::MissingCpuFeature)` instead).
        return;
    }
    assert_eq!(
        Instance::new_on(program(), 10, Engine::Recompiler).unwrap_err(),
        InstanceError::Engine(EngineError::Unsupported)
    );
    assert_eq!(
        Module::from_program(program())
            .instantiate_on(10, Engine::Recompiler)
            .unwrap_err(),
        InstanceError::Engine(EngineError::Unsupported)
    );
}
