//! Memory traces of real runs: every small guest case of `guests/expected.txt` and every
//! conformance vector, traced, must end exactly as the untraced run does, give a trace that
//! the checker and the replay oracle accept and that replays to the final registers and
//! memory, and single-stepping must end in the same state with the same trace.

use std::collections::HashMap;
use std::path::PathBuf;

use machine::check::check;
use machine::format::read_trace;
use machine::replay::replay;
use machine::{Op, Record, Step, Tracer, VecTracer};
use pvm::tracing::{MEMORY, REGISTERS};
use pvm::{Engine, Exit, GpVersion, Instance};
use pvm_cli::load::{load, Format, RunRequest};
use pvm_testkit::case::all_cases;
use pvm_testkit::{run_case_with, Mode};

fn repo_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn small_cases() -> Vec<(String, String, u64)> {
    let text = std::fs::read_to_string(repo_root().join("guests/expected.txt")).unwrap();
    text.lines()
        .filter(|line| !line.starts_with('#'))
        .map(|line| line.split_whitespace().collect::<Vec<_>>())
        .filter(|f| f.len() == 4)
        .map(|f| (f[0].to_string(), f[1].to_string(), f[2].parse().unwrap()))
        .collect()
}

fn call(program: &str, export: &str, arg: u64) -> Instance {
    let request = RunRequest {
        export: Some(export.to_string()),
        entry: None,
        args: vec![arg],
        gas: 10_000_000_000,
        version: GpVersion::V0_8,
        // Tracing needs the interpreter: name it instead of compiling for nothing.
        engine: Some(Engine::Interpreter),
    };
    let path = repo_root().join(format!("guests/bin/{program}.polkavm"));
    load(&path, Format::Auto, &request).unwrap()
}

/// Runs (or single-steps) to the final exit, servicing `host_add` (ecalli 0) through the
/// instance's traced register interface.
fn finish<T: Tracer>(vm: &mut Instance<T>, stepped: bool) -> Exit {
    loop {
        let exit = if stepped {
            match vm.step() {
                Step::Continue => continue,
                Step::Exit(exit) => exit,
            }
        } else {
            vm.run()
        };
        match exit {
            Exit::HostCall { id: 0 } => {
                let sum = vm.reg(7).unwrap().wrapping_add(vm.reg(8).unwrap());
                vm.set_reg(7, sum);
            }
            exit => return exit,
        }
    }
}

/// Everything a run leaves behind: exit, pc, gas, registers and the mapped pages.
#[derive(Debug, PartialEq, Eq)]
struct State {
    exit: Exit,
    pc: u32,
    gas: u64,
    regs: [u64; 13],
    pages: Vec<(u32, Vec<u8>)>,
}

fn state<T: Tracer>(vm: &Instance<T>, exit: Exit) -> State {
    let memory = vm.memory();
    State {
        exit,
        pc: vm.pc(),
        gas: vm.gas(),
        regs: *vm.regs(),
        pages: memory
            .mapped_pages()
            .map(|(page, _)| (page, memory.page(page).unwrap().to_vec()))
            .collect(),
    }
}

/// The trace is consistent, and its last values are the final registers and memory (so
/// no write went unreported): every register, every word of every mapped page, and zero
/// for any traced word on a page that is no longer mapped.
fn assert_trace_is_the_run<T: Tracer>(what: &str, records: &[Record], vm: &Instance<T>) {
    assert_eq!(check(records), Ok(()), "{what}: check");
    assert_eq!(replay(records), Ok(()), "{what}: replay");
    assert!(
        records
            .iter()
            .all(|r| r.space == REGISTERS || r.space == MEMORY),
        "{what}: spaces"
    );
    let mut last: HashMap<(u8, u64), u64> = HashMap::new();
    for record in records {
        last.insert((record.space.0, record.address), record.value);
    }
    let value =
        |space: machine::Space, address: u64| last.get(&(space.0, address)).copied().unwrap_or(0);
    for (index, &reg) in vm.regs().iter().enumerate() {
        assert_eq!(value(REGISTERS, index as u64), reg, "{what}: r{index}");
    }
    let memory = vm.memory();
    for (page, _) in memory.mapped_pages() {
        for word in (page..page + 4096).step_by(8) {
            assert_eq!(
                value(MEMORY, u64::from(word)),
                memory.word(word),
                "{what}: word {word:#x}"
            );
        }
    }
    for (&(space, address), &v) in &last {
        if space == MEMORY.0 && memory.access(address as u32) == pvm::Access::None {
            assert_eq!(v, 0, "{what}: unmapped word {address:#x}");
        }
    }
    assert!(
        records.iter().any(|r| r.op == Op::Read),
        "{what}: no reads at all"
    );
}

#[test]
fn traced_and_stepped_guest_runs_match_the_untraced_run() {
    let cases = small_cases();
    assert!(cases.len() >= 40, "{} cases", cases.len());
    for (program, export, arg) in cases.iter().map(|(p, e, a)| (p, e, *a)) {
        let what = format!("{program} {export}({arg})");
        let mut plain = call(program, export, arg);
        let exit = finish(&mut plain, false);
        assert_eq!(exit, Exit::Halt, "{what}");
        let expected = state(&plain, exit);

        let mut traced = call(program, export, arg)
            .with_tracer(VecTracer::new())
            .unwrap();
        let exit = finish(&mut traced, false);
        assert_eq!(state(&traced, exit), expected, "{what}: traced run");
        assert_trace_is_the_run(&what, traced.tracer().records(), &traced);

        let mut stepped = call(program, export, arg)
            .with_tracer(VecTracer::new())
            .unwrap();
        let exit = finish(&mut stepped, true);
        assert_eq!(state(&stepped, exit), expected, "{what}: stepped");
        assert!(
            stepped.tracer().records() == traced.tracer().records(),
            "{what}: stepping traces differently from running"
        );
    }
}

#[test]
fn traced_and_stepped_vectors_pass_with_consistent_traces() {
    let mut count = 0;
    let mut with_memory = 0;
    for case in all_cases().unwrap() {
        let what = &case.source;
        let run = run_case_with(&case, VecTracer::new(), Mode::Run)
            .unwrap_or_else(|e| panic!("{what}: traced run: {e:?}"));
        let records = run.records();
        assert_eq!(check(records), Ok(()), "{what}: check");
        assert_eq!(replay(records), Ok(()), "{what}: replay");
        let stepped = run_case_with(&case, VecTracer::new(), Mode::Step)
            .unwrap_or_else(|e| panic!("{what}: stepped: {e:?}"));
        assert!(
            stepped.records() == records,
            "{what}: stepped trace differs"
        );
        count += 1;
        with_memory += usize::from(records.iter().any(|r| r.space == MEMORY));
    }
    assert_eq!(count, 364 + 307);
    assert!(with_memory > 100, "only {with_memory} vectors touch memory");
}

#[test]
fn the_committed_sort_trace_is_consistent_and_memory_only() {
    let path = repo_root().join("examples/traces/sort-1000.mtrace");
    let trace = read_trace(std::fs::File::open(&path).unwrap()).unwrap();
    assert_eq!(check(&trace.records), Ok(()));
    assert!(trace.records.iter().all(|r| r.space == MEMORY));
    assert!(trace.records.len() <= 65_000, "{}", trace.records.len());
    // Regenerating it gives the same file.
    let fresh = std::env::temp_dir().join(format!("sort-1000-{}.mtrace", std::process::id()));
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_pvm"))
        .args(["trace", "--memory-trace"])
        .arg(&fresh)
        .args([
            "--memory-trace-spaces",
            "memory",
            "--export",
            "quicksort",
            "--arg",
            "1000",
        ])
        .arg(repo_root().join("guests/bin/sort.polkavm"))
        .output()
        .unwrap();
    assert!(output.status.success(), "{output:?}");
    assert_eq!(
        std::fs::read(&fresh).unwrap(),
        std::fs::read(&path).unwrap()
    );
    std::fs::remove_file(fresh).unwrap();
}
