//! Lazy preparation: a program decodes and costs a basic block only when execution first
//! enters it, exactly as an eager load would, also when instances on several threads
//! enter the same blocks at once. Lazy preparation is the interpreter's (the recompiler
//! compiles the whole program up front), so every instance here names it.

use std::path::PathBuf;
use std::sync::{Arc, Barrier};

use pvm::{Engine, Exit, Module};

fn repo_file(path: &str) -> Vec<u8> {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..");
    std::fs::read(root.join(path)).unwrap()
}

fn module_of(file: &str) -> Module {
    Module::from_polkavm_bytes(&repo_file(file)).unwrap()
}

/// Calls `export` with `arg` on a fresh interpreter instance of `module`, answering `ecalli 0` with
/// a0 + a1 and any other host call with nothing; returns the end state.
fn call(module: &Module, export: &str, arg: u64) -> (Exit, u32, u64, [u64; 13]) {
    let mut vm = module
        .instantiate_on(1_000_000_000, Engine::Interpreter)
        .expect("instance");
    let pc = module.export(export).expect("export").pc;
    vm.prepare_call(pc, &[arg]).unwrap();
    let exit = loop {
        match vm.run() {
            Exit::HostCall { id: 0 } => {
                let sum = vm.reg(7).unwrap().wrapping_add(vm.reg(8).unwrap());
                vm.set_reg(7, sum);
            }
            Exit::HostCall { .. } => {}
            exit => break exit,
        }
    };
    (exit, vm.pc(), vm.gas(), *vm.regs())
}

#[test]
fn loading_prepares_nothing_and_a_call_prepares_only_what_it_runs() {
    let module = module_of("crates/pvm/tests/data/container_sample.polkavm");
    let program = module.program();
    let total = program.block_count();
    assert!(total >= 5, "{total} blocks");
    assert_eq!(program.prepared_block_count(), 0);

    let first = call(&module, "prime_weighted", 3);
    assert_eq!(first.0, Exit::Halt);
    let after_one = program.prepared_block_count();
    assert!(after_one > 0 && after_one < total, "{after_one} of {total}");
    // Running the same export again prepares nothing new and gives the same result.
    assert_eq!(call(&module, "prime_weighted", 3), first);
    assert_eq!(program.prepared_block_count(), after_one);
    // The other export needs blocks of its own.
    assert_eq!(call(&module, "sum_history", 0).0, Exit::Halt);
    let after_two = program.prepared_block_count();
    assert!(after_two > after_one && after_two <= total);
    // Asking for every cost prepares the rest, with the costs of an eager load.
    let eager = module_of("crates/pvm/tests/data/container_sample.polkavm");
    let eager = eager.program();
    eager.prepare_all();
    assert_eq!(eager.prepared_block_count(), total);
    assert!(program.block_costs().eq(eager.block_costs()));
    assert_eq!(program.prepared_block_count(), total);
}

#[test]
fn a_real_program_prepares_a_fraction_of_its_blocks() {
    let module = module_of("guests/bin/zlib.polkavm");
    let program = module.program();
    let (exit, ..) = call(&module, "zlib_deflate", 1000);
    assert_eq!(exit, Exit::Halt);
    let (prepared, total) = (program.prepared_block_count(), program.block_count());
    assert!(prepared < total, "{prepared} of {total} blocks prepared");
}

#[test]
fn instances_on_several_threads_share_one_program() {
    const THREADS: usize = 8;
    let args = [0u64, 1, 7, 100, 1000];
    // The expected end states, from a program prepared up front.
    let eager = module_of("guests/bin/sort.polkavm");
    eager.program().prepare_all();
    let expected: Vec<_> = args
        .iter()
        .map(|&arg| call(&eager, "quicksort", arg))
        .collect();
    for round in 0..4 {
        // A fresh, unprepared program each round, so that first entries race.
        let shared = Arc::new(module_of("guests/bin/sort.polkavm"));
        let barrier = Arc::new(Barrier::new(THREADS));
        let results: Vec<Vec<_>> = std::thread::scope(|scope| {
            let handles: Vec<_> = (0..THREADS)
                .map(|thread| {
                    let (shared, barrier) = (&shared, barrier.clone());
                    scope.spawn(move || {
                        barrier.wait();
                        // Each thread calls in its own order.
                        (0..args.len())
                            .map(|i| (i + thread + round) % args.len())
                            .map(|i| (i, call(shared, "quicksort", args[i])))
                            .collect::<Vec<_>>()
                    })
                })
                .collect();
            handles.into_iter().map(|h| h.join().unwrap()).collect()
        });
        for per_thread in results {
            for (i, state) in per_thread {
                assert_eq!(state, expected[i], "round {round}, argument {}", args[i]);
            }
        }
        assert!(shared.program().prepared_block_count() > 0);
        assert!(shared
            .program()
            .block_costs()
            .eq(eager.program().block_costs()));
    }
}

#[test]
fn a_million_entry_jump_table_is_resolved_only_where_used() {
    use pvm::format::RawBlob;
    use pvm::{GpVersion, Instance, Program};
    // 0: jump_ind r0 | 2: load_imm r7, 42 | 5: jump_ind r1
    let blob = RawBlob {
        code: vec![50, 0, 51, 7, 42, 50, 1],
        bitmask: vec![0b0010_0101],
        jump_table: vec![2; 1_000_000],
    };
    let program = Arc::new(Program::new(&blob, GpVersion::V0_8).unwrap());
    assert_eq!(program.prepared_block_count(), 0);
    let mut vm = Instance::new_on(program.clone(), 1_000, Engine::Interpreter).unwrap();
    vm.set_reg(0, 2 * 1_000_000); // the last slot
    vm.set_reg(1, u64::from(pvm::HALT_ADDRESS));
    assert_eq!(vm.run(), Exit::Halt);
    assert_eq!(vm.reg(7), Some(42));
    assert_eq!(program.prepared_block_count(), 2);
    assert_eq!(program.block_count(), 2);
}
