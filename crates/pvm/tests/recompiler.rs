//! The recompiler against the interpreter on hand-written programs: host-call resume,
//! page-fault map-and-retry, out of gas at every point of a small program, dynamic jumps,
//! and the typed errors of the engine choice. (All vectors and guests run on both engines
//! in `crates/pvm-cli/tests/recompiler.rs`; generated programs in
//! `crates/pvm-difftest/tests/engines.rs`.)
#![cfg(all(target_arch = "x86_64", target_os = "linux"))]

use std::sync::Arc;

use machine::VecTracer;
use pvm::interpreter::Observer;
use pvm::{Access, Engine, EngineError, Exit, GpVersion, Instance, InstanceError, Program};

/// A raw blob of `instructions` (each given as its bytes) with `jump_table`.
fn blob(instructions: &[&[u8]], jump_table: &[u8]) -> Vec<u8> {
    let code: Vec<u8> = instructions.concat();
    let mut bitmask = vec![0u8; code.len().div_ceil(8)];
    let mut at = 0;
    for instruction in instructions {
        bitmask[at / 8] |= 1 << (at % 8);
        at += instruction.len();
    }
    let entries = (jump_table.len() / 2) as u8;
    let mut out = vec![entries, if entries > 0 { 2 } else { 0 }, code.len() as u8];
    out.extend_from_slice(jump_table);
    out.extend_from_slice(&code);
    out.extend_from_slice(&bitmask);
    out
}

/// A loop of three rounds: host call 7, load a word from 0x20000 (unmapped at first),
/// add 5, store it back; then return to r0 (the halt address).
fn looping_program() -> Arc<Program> {
    let code: &[&[u8]] = &[
        &[51, 1, 3],                // 0: load_imm r1, 3
        &[51, 2, 0x00, 0x00, 0x02], // 3: load_imm r2, 0x20000
        &[1],                       // 8: fallthrough
        &[10, 7],                   // 9: ecalli 7
        &[130, 3 | 2 << 4],         // 11: load_ind_u64 r3, [r2]
        &[149, 3 | 3 << 4, 5],      // 13: add_imm_64 r3, r3, 5
        &[123, 3 | 2 << 4],         // 16: store_ind_u64 [r2], r3
        &[149, 1 | 1 << 4, 0xFF],   // 18: add_imm_64 r1, r1, -1
        &[82, 1, (9i8 - 21) as u8], // 21: branch_ne_imm r1, 0, @9
        &[50, 0],                   // 24: jump_ind r0
    ];
    Arc::new(Program::from_blob_bytes(&blob(code, &[]), GpVersion::V0_8).unwrap())
}

/// Everything a host sees after an exit.
#[derive(Debug, PartialEq, Eq)]
struct Seen {
    exit: Exit,
    pc: u32,
    gas: u64,
    regs: [u64; 13],
    /// The first 64 bytes of the page at 0x20000, if mapped.
    page: Option<Vec<u8>>,
}

fn seen(vm: &Instance, exit: Exit) -> Seen {
    Seen {
        exit,
        pc: vm.pc(),
        gas: vm.gas(),
        regs: *vm.regs(),
        page: vm.memory().page(0x2_0000).map(|p| p[..64].to_vec()),
    }
}

/// Runs a session: host call 7 adds 100 to r4; a page fault maps the page read-write;
/// out of gas adds `refill` gas once (if non-zero). Records every exit.
fn session(program: &Arc<Program>, engine: Engine, gas: u64, refill: u64) -> Vec<Seen> {
    let mut vm = Instance::new_on(program.clone(), gas, engine).unwrap();
    assert_eq!(vm.engine(), engine);
    vm.set_reg(0, u64::from(pvm::HALT_ADDRESS));
    let mut log = Vec::new();
    let mut refilled = false;
    for _ in 0..50 {
        let exit = vm.run();
        log.push(seen(&vm, exit));
        match exit {
            Exit::HostCall { id: 7 } => {
                let r4 = vm.reg(4).unwrap();
                vm.set_reg(4, r4 + 100);
            }
            Exit::PageFault { address } => {
                vm.map_memory(address, 4096, Access::Write).unwrap();
            }
            Exit::OutOfGas if refill > 0 && !refilled => {
                refilled = true;
                vm.set_gas(vm.gas() + refill);
            }
            _ => break,
        }
    }
    log
}

#[test]
fn host_calls_resume_and_page_faults_retry_identically() {
    let program = looping_program();
    let interpreted = session(&program, Engine::Interpreter, 1_000, 0);
    let compiled = session(&program, Engine::Recompiler, 1_000, 0);
    assert_eq!(interpreted, compiled);
    // The session really took those paths: a fault, three host calls, a halt.
    let exits: Vec<Exit> = compiled.iter().map(|s| s.exit).collect();
    assert_eq!(
        exits,
        [
            Exit::HostCall { id: 7 },
            Exit::PageFault { address: 0x2_0000 },
            Exit::HostCall { id: 7 },
            Exit::HostCall { id: 7 },
            Exit::Halt
        ]
    );
    let last = compiled.last().unwrap();
    assert_eq!(last.regs[4], 300);
    assert_eq!(last.page.as_ref().unwrap()[0], 15);
}

#[test]
fn out_of_gas_at_every_point_matches_the_interpreter() {
    let program = looping_program();
    let needed = {
        let log = session(&program, Engine::Interpreter, 1_000, 0);
        1_000 - log.last().unwrap().gas
    };
    assert!(needed > 4);
    for gas in 0..=needed + 1 {
        let interpreted = session(&program, Engine::Interpreter, gas, 0);
        let compiled = session(&program, Engine::Recompiler, gas, 0);
        assert_eq!(interpreted, compiled, "gas {gas}");
        // And resuming after a refill continues the same way.
        let interpreted = session(&program, Engine::Interpreter, gas, needed);
        let compiled = session(&program, Engine::Recompiler, gas, needed);
        assert_eq!(interpreted, compiled, "gas {gas} with a refill");
    }
    let short = session(&program, Engine::Recompiler, needed - 1, 0);
    assert_eq!(short.last().unwrap().exit, Exit::OutOfGas);
}

#[test]
fn jumps_past_unlikely_hints_charge_and_report_the_block_start() {
    // 0: jump @2 | 2: unlikely | 3: load_imm r7, 5 | 6: trap
    let code: &[&[u8]] = &[&[40, 2], &[2], &[51, 7, 5], &[0]];
    let program = Arc::new(Program::from_blob_bytes(&blob(code, &[]), GpVersion::V0_8).unwrap());
    for gas in 0..8 {
        let interpreted = session(&program, Engine::Interpreter, gas, 3);
        let compiled = session(&program, Engine::Recompiler, gas, 3);
        assert_eq!(interpreted, compiled, "gas {gas}");
    }
}

#[test]
fn dynamic_jumps_through_the_table_halt_and_panic_like_the_interpreter() {
    // Jump table (2-byte entries): [pc 6, pc 5 (inside a block: invalid)].
    // 0: jump_ind r5, 0 | 2: load_imm r7, 1 | 5: trap | 6: load_imm r8, 9 | 9: trap
    let code: &[&[u8]] = &[&[50, 5], &[51, 7, 1], &[0], &[51, 8, 9], &[0]];
    let table = [6u8, 0, 5, 0];
    let program = Arc::new(Program::from_blob_bytes(&blob(code, &table), GpVersion::V0_8).unwrap());
    for r5 in [0u64, 1, 2, 3, 4, 5, 6, 0xFFFF_0000, 0x1_0000_0002, u64::MAX] {
        let run = |engine| {
            let mut vm = Instance::new_on(program.clone(), 100, engine).unwrap();
            vm.set_reg(5, r5);
            let exit = vm.run();
            seen(&vm, exit)
        };
        let compiled = run(Engine::Recompiler);
        assert_eq!(run(Engine::Interpreter), compiled, "r5 = {r5:#x}");
        match r5 {
            2 | 0x1_0000_0002 => assert_eq!((compiled.exit, compiled.regs[8]), (Exit::Panic, 9)),
            0xFFFF_0000 => assert_eq!(compiled.exit, Exit::Halt),
            _ => assert_eq!((compiled.exit, compiled.pc), (Exit::Panic, 0)),
        }
    }
}

#[test]
fn instances_share_the_compiled_program_and_can_switch_engines() {
    let program = looping_program();
    let a = session(&program, Engine::Recompiler, 1_000, 0);
    let b = session(&program, Engine::Recompiler, 1_000, 0);
    assert_eq!(a, b);
    // Half on one engine, half on the other: same as all on one.
    let mut vm = Instance::new_on(program.clone(), 1_000, Engine::Interpreter).unwrap();
    vm.set_reg(0, u64::from(pvm::HALT_ADDRESS));
    assert_eq!(vm.run(), Exit::HostCall { id: 7 });
    vm.set_reg(4, 100);
    let mut vm = vm.with_engine(Engine::Recompiler).unwrap();
    assert_eq!(vm.run(), Exit::PageFault { address: 0x2_0000 });
    vm.map_memory(0x2_0000, 4096, Access::Write).unwrap();
    let mut vm = vm.with_engine(Engine::Interpreter).unwrap();
    assert_eq!(vm.engine(), Engine::Interpreter);
    assert_eq!(vm.run(), Exit::HostCall { id: 7 });
    assert_eq!(seen(&vm, Exit::HostCall { id: 7 }), a[2]);
}

struct Count(u64);

impl Observer for Count {
    const ENABLED: bool = true;
    fn before_instruction(&mut self, _: u32, _: &[u64; 13], _: u64) {
        self.0 += 1;
    }
}

#[test]
fn tracing_and_observers_are_typed_errors_on_the_recompiler() {
    let program = looping_program();
    let needs = |what| InstanceError::Engine(EngineError::NeedsInterpreter(what));
    let vm = Instance::new(program.clone(), 10)
        .unwrap()
        .with_engine(Engine::Recompiler)
        .unwrap();
    assert_eq!(
        vm.with_tracer(VecTracer::new()).unwrap_err(),
        needs("tracing")
    );
    let traced = Instance::new(program.clone(), 10)
        .unwrap()
        .with_tracer(VecTracer::new())
        .unwrap();
    assert_eq!(
        traced.with_engine(Engine::Recompiler).unwrap_err(),
        needs("tracing")
    );
    let mut vm = Instance::new(program.clone(), 10)
        .unwrap()
        .with_engine(Engine::Recompiler)
        .unwrap();
    let mut count = Count(0);
    assert_eq!(
        vm.run_observed(&mut count).unwrap_err(),
        needs("an observer")
    );
    assert_eq!((count.0, vm.gas()), (0, 10), "nothing ran");
    let mut vm = vm.with_engine(Engine::Interpreter).unwrap();
    vm.set_reg(0, u64::from(pvm::HALT_ADDRESS));
    vm.set_gas(1_000);
    assert_eq!(vm.run_observed(&mut count), Ok(Exit::HostCall { id: 7 }));
    assert!(count.0 > 0);
    assert_eq!("recompiler".parse::<Engine>(), Ok(Engine::Recompiler));
    assert!("jit".parse::<Engine>().is_err());
    assert!(Engine::Recompiler.is_supported());
}

#[test]
fn the_default_engine_is_the_recompiler_and_gives_way_to_tracing_and_observers() {
    assert_eq!(Engine::default(), Engine::Recompiler);
    let program = looping_program();
    let expected = session(&program, Engine::Interpreter, 1_000, 0);
    let defaulted = || {
        let vm = Instance::new(program.clone(), 1_000).unwrap();
        assert_eq!(
            (vm.engine(), vm.engine_chosen()),
            (Engine::Recompiler, false)
        );
        vm
    };

    // An observed run takes the interpreter; the instance stays on the recompiler.
    let mut vm = defaulted();
    vm.set_reg(0, u64::from(pvm::HALT_ADDRESS));
    let mut count = Count(0);
    assert_eq!(vm.run_observed(&mut count), Ok(Exit::HostCall { id: 7 }));
    assert_eq!(
        count.0, 4,
        "the observer saw load_imm, load_imm, fallthrough, ecalli"
    );
    assert_eq!(seen(&vm, Exit::HostCall { id: 7 }), expected[0]);
    assert_eq!(vm.engine(), Engine::Recompiler);
    vm.set_reg(4, vm.reg(4).unwrap() + 100);
    assert_eq!(vm.run(), Exit::PageFault { address: 0x2_0000 });
    assert_eq!(
        seen(&vm, Exit::PageFault { address: 0x2_0000 }),
        expected[1]
    );

    // Attaching a tracer moves the instance to the interpreter, and the trace is complete.
    let mut vm = defaulted().with_tracer(VecTracer::new()).unwrap();
    assert_eq!(
        (vm.engine(), vm.engine_chosen()),
        (Engine::Interpreter, false)
    );
    vm.set_reg(0, u64::from(pvm::HALT_ADDRESS));
    assert_eq!(vm.run(), Exit::HostCall { id: 7 });
    let records = vm.tracer_mut().take_records();
    assert!(records
        .iter()
        .any(|r| r.space == pvm::memory_trace::REGISTERS && r.address == 1));
    assert_eq!(vm.reg(1), Some(3));
    assert_eq!(vm.gas(), expected[0].gas);

    // Naming the engine makes it a requirement; naming the interpreter compiles nothing.
    let named = Instance::new_on(program.clone(), 10, Engine::Interpreter).unwrap();
    assert_eq!(
        (named.engine(), named.engine_chosen()),
        (Engine::Interpreter, true)
    );
    let named = defaulted().with_engine(Engine::Recompiler).unwrap();
    assert!(named.engine_chosen());
    assert_eq!(
        named.with_tracer(VecTracer::new()).unwrap_err(),
        InstanceError::Engine(EngineError::NeedsInterpreter("tracing"))
    );

    // Modules follow the same default.
    let module = pvm::Module::from_program(program.clone());
    let vm = module.instantiate(10).unwrap();
    assert_eq!(
        (vm.engine(), vm.engine_chosen()),
        (Engine::Recompiler, false)
    );
    let vm = module.instantiate_on(10, Engine::Interpreter).unwrap();
    assert_eq!(
        (vm.engine(), vm.engine_chosen()),
        (Engine::Interpreter, true)
    );
    let vm = module
        .instantiate_with_args_on(&[], 10, Engine::Recompiler)
        .unwrap();
    assert_eq!(
        (vm.engine(), vm.engine_chosen()),
        (Engine::Recompiler, true)
    );
}

#[test]
fn gp07_sbrk_steps_through_the_interpreter_and_maps_pages_for_native_code() {
    // GP 0.7: 0: load_imm r7, 4104 | 4: sbrk r8, r7 | 6: store_ind_u64 [r8 + 8], r7
    // | 9: load_ind_u64 r9, [r8 + 8] | 12: jump_ind r0
    let code: &[&[u8]] = &[
        &[51, 7, 0x08, 0x10],
        &[101, 8 | 7 << 4],
        &[123, 7 | 8 << 4, 8],
        &[130, 9 | 8 << 4, 8],
        &[50, 0],
    ];
    let program = Arc::new(Program::from_blob_bytes(&blob(code, &[]), GpVersion::V0_7).unwrap());
    let run = |engine| {
        let mut vm = Instance::new_on(program.clone(), 100, engine).unwrap();
        vm.set_heap_end(0x3_0000);
        vm.set_reg(0, u64::from(pvm::HALT_ADDRESS));
        let exit = vm.run();
        (exit, vm.pc(), vm.gas(), *vm.regs(), vm.memory().heap_end())
    };
    let compiled = run(Engine::Recompiler);
    assert_eq!(run(Engine::Interpreter), compiled);
    assert_eq!(compiled.0, Exit::Halt);
    assert_eq!((compiled.3[8], compiled.3[9]), (0x3_0000, 4104));
    assert_eq!(compiled.4, 0x3_0000 + 4104);
}

#[test]
fn aligned_unaligned_and_straddling_accesses_match_the_interpreter() {
    // 0: load_ind_u64 r9, [r8] | 2: load_ind_u16 r10, [r8 + 1] | 5: store_ind_u32 [r8 + 2], r9
    // | 8: jump_ind r0
    let code: &[&[u8]] = &[
        &[130, 9 | 8 << 4],
        &[126, 10 | 8 << 4, 1],
        &[122, 9 | 8 << 4, 2],
        &[50, 0],
    ];
    let program = Arc::new(Program::from_blob_bytes(&blob(code, &[]), GpVersion::V0_8).unwrap());
    for second_page in [None, Some(Access::Read), Some(Access::Write)] {
        for address in [
            0x2_0000u64,
            0x2_0004,
            0x2_0FF0,
            0x2_0FF4,
            0x2_0FF8,
            0x2_0FFB,
            0x2_0FFD,
            0x2_0FFF,
            0xFFFF_FFFC,
        ] {
            let run = |engine| {
                let mut vm = Instance::new_on(program.clone(), 100, engine).unwrap();
                vm.map_memory(0x2_0000, 4096, Access::Write).unwrap();
                vm.write_memory(0x2_0000, &[0x5A; 4096]).unwrap();
                if let Some(access) = second_page {
                    vm.map_memory(0x2_1000, 4096, access).unwrap();
                }
                vm.set_reg(0, u64::from(pvm::HALT_ADDRESS));
                vm.set_reg(8, address);
                let mut log = Vec::new();
                for _ in 0..4 {
                    let exit = vm.run();
                    let page = vm.memory().page(0x2_0000).map(|p| p[0xFF0..].to_vec());
                    log.push((exit, vm.pc(), vm.gas(), *vm.regs(), page));
                    match exit {
                        Exit::PageFault { address } => {
                            vm.map_memory(address, 4096, Access::Write).unwrap()
                        }
                        _ => break,
                    }
                }
                log
            };
            assert_eq!(
                run(Engine::Interpreter),
                run(Engine::Recompiler),
                "r8 = {address:#x}, second page {second_page:?}"
            );
        }
    }
}
