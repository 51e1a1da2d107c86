//! Gas oracle: runs the guest blobs under PolkaVM 0.37 and records its exact gas numbers.
//!
//! Configuration (the one the JAM conformance vectors use):
//!   * backend: interpreter,
//!   * gas metering: `GasMeteringKind::Sync`,
//!   * cost model: the full pipeline simulator, `CostModelKind::Full(CacheModel::L2Hit)`
//!     (memory access latency 25; needs AVX2 on x86_64),
//!   * default call setup (`prepare_call_typed`: RA = 0xffff0000 return-to-host, SP = default SP,
//!     A0 = arg), initial gas 10_000_000_000,
//!   * the only import, `host_add` (`ecalli 0`), returns `a0 + a1` (wrapping) in `a0` and
//!     touches no gas. PolkaVM charges nothing extra for a host call: `ecalli` does not end a
//!     basic block, its block is charged once on entry (the simulator gives `ecalli` latency 100
//!     inside that block's cost) and execution resumes mid-block after the host returns.
//!
//! Outputs (relative to the guests directory, default `..` of this crate):
//!   * `expected-gas.txt`: `PROGRAM EXPORT ARG RESULT GAS_USED` per case of `expected.txt`,
//!   * `block-costs/PROGRAM.txt`: `PC COST` for every basic-block start, in code order, from
//!     `Module::calculate_gas_cost_for` (the same cost the interpreter charges).
//!
//! Usage: `cargo run --release [-- [--write] [--skip-bench] [--step-bench] [GUESTS_DIR]]`.
//! Without `--write` the generated text is compared with the committed files (exit 1 on any
//! difference). Every run also cross-checks each non-bench case (bench ones too with
//! `--step-bench`, ~1 min): a step-traced run summing the dumped block costs over the executed
//! basic blocks must give the same result and equal the gas used.

#![forbid(unsafe_code)]

use polkavm::{
    BackendKind, CacheModel, Caller, Config, CostModelKind, Engine, GasMeteringKind, InterruptKind, Linker, Module,
    ModuleConfig, ProgramBlob, ProgramCounter, Reg,
};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::Instant;

const INITIAL_GAS: i64 = 10_000_000_000;

struct Case {
    program: String,
    export: String,
    arg: u64,
    expected: u64,
    bench: bool,
}

fn engine() -> Engine {
    // `Config::new()` (not `from_env`) so that no POLKAVM_* variable can change the setup.
    let mut config = Config::new();
    config.set_backend(Some(BackendKind::Interpreter));
    config.set_default_cost_model(Some(CostModelKind::Full(CacheModel::L2Hit)));
    Engine::new(&config).expect("engine")
}

fn module(engine: &Engine, blob: &ProgramBlob, cost_model: CostModelKind, step_tracing: bool) -> Module {
    let mut config = ModuleConfig::new();
    config.set_gas_metering(Some(GasMeteringKind::Sync));
    config.set_cost_model(Some(cost_model));
    config.set_step_tracing(step_tracing);
    Module::from_blob(engine, &config, blob.clone()).expect("module")
}

/// Basic-block starts: offset 0 and every instruction following a block terminator.
fn block_starts(blob: &ProgramBlob) -> Vec<ProgramCounter> {
    let mut starts = vec![ProgramCounter(0)];
    for inst in blob.instructions() {
        if inst.kind.opcode().starts_new_basic_block() && (inst.next_offset.0 as usize) < blob.code().len() {
            starts.push(inst.next_offset);
        }
    }
    starts
}

fn block_costs(module: &Module, starts: &[ProgramCounter]) -> BTreeMap<u32, i64> {
    starts
        .iter()
        .map(|&pc| (pc.0, module.calculate_gas_cost_for(pc).unwrap_or_else(|| panic!("no cost for block at {pc}"))))
        .collect()
}

/// The measurement proper: the ordinary `Linker`/`Instance` API.
fn run_linker(module: &Module, case: &Case) -> (u64, i64, u64) {
    let mut linker: Linker<u64, core::convert::Infallible> = Linker::new();
    linker
        .define_typed("host_add", |caller: Caller<u64>, a: u64, b: u64| -> u64 {
            *caller.user_data += 1;
            a.wrapping_add(b)
        })
        .unwrap();
    let mut instance = linker.instantiate_pre(module).unwrap().instantiate().unwrap();
    instance.set_gas(INITIAL_GAS);
    let mut host_calls = 0u64;
    let result: u64 = instance
        .call_typed_and_get_result(&mut host_calls, case.export.as_str(), (case.arg,))
        .unwrap_or_else(|e| panic!("{} {} {}: {e:?}", case.program, case.export, case.arg));
    (result, INITIAL_GAS - instance.gas(), host_calls)
}

/// Cross-check: step-traced raw run; sum the per-block costs over the executed blocks.
fn run_stepped(module: &Module, case: &Case, costs: &BTreeMap<u32, i64>) -> (u64, i64, i64) {
    let pc = module
        .exports()
        .find(|e| e.symbol().as_bytes() == case.export.as_bytes())
        .expect("export")
        .program_counter();
    let mut instance = module.instantiate().unwrap();
    instance.set_gas(INITIAL_GAS);
    instance.prepare_call_typed(pc, (case.arg,));
    let mut summed = 0i64;
    loop {
        match instance.run().unwrap() {
            InterruptKind::Step => {
                let pc = instance.program_counter().unwrap();
                if let Some(cost) = costs.get(&pc.0) {
                    summed += cost;
                }
            }
            InterruptKind::Ecalli(0) => {
                let sum = instance.reg(Reg::A0).wrapping_add(instance.reg(Reg::A1));
                instance.set_reg(Reg::A0, sum);
            }
            InterruptKind::Finished => break,
            other => panic!("{} {} {}: unexpected {other:?}", case.program, case.export, case.arg),
        }
    }
    (instance.reg(Reg::A0), INITIAL_GAS - instance.gas(), summed)
}

fn main() {
    let mut write = false;
    let mut skip_bench = false;
    let mut step_bench = false;
    let mut guests = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..");
    for arg in std::env::args().skip(1) {
        match arg.as_str() {
            "--write" => write = true,
            "--skip-bench" => skip_bench = true,
            "--step-bench" => step_bench = true,
            _ => guests = PathBuf::from(arg),
        }
    }

    let cases: Vec<Case> = std::fs::read_to_string(guests.join("expected.txt"))
        .expect("expected.txt")
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .map(|l| {
            let c: Vec<&str> = l.split_whitespace().collect();
            Case {
                program: c[0].into(),
                export: c[1].into(),
                arg: c[2].parse().unwrap(),
                expected: c[3].parse().unwrap(),
                bench: c.get(4) == Some(&"bench"),
            }
        })
        .collect();

    let engine = engine();
    let full = CostModelKind::Full(CacheModel::L2Hit);
    let mut programs: Vec<String> = cases.iter().map(|c| c.program.clone()).collect();
    programs.dedup();

    let mut outputs: Vec<(PathBuf, String)> = Vec::new();
    let mut modules = BTreeMap::new();
    let mut all_costs = BTreeMap::new();
    for program in &programs {
        let raw = std::fs::read(guests.join("bin").join(format!("{program}.polkavm"))).expect("blob");
        let blob = ProgramBlob::parse(raw.into()).expect("parse");
        let m = module(&engine, &blob, full.clone(), false);
        assert!(matches!(m.cost_model(), CostModelKind::Full(c) if c.memory_access_cost == 25));
        let starts = block_starts(&blob);
        let costs = block_costs(&m, &starts);
        // Sanity: the full model must really be on, i.e. differ from the naive per-instruction count.
        let naive = block_costs(&module(&engine, &blob, polkavm::CostModel::naive_ref().into(), false), &starts);
        let differing = costs.iter().filter(|(pc, c)| naive[pc] != **c).count();
        assert!(differing > 0, "{program}: full cost model gives the naive costs");
        eprintln!("{program}: {} blocks, {differing} with full cost != naive cost", costs.len());
        let text: String = costs.iter().map(|(pc, c)| format!("{pc} {c}\n")).collect();
        outputs.push((guests.join("block-costs").join(format!("{program}.txt")), text));
        modules.insert(program.clone(), (blob, m));
        all_costs.insert(program.clone(), costs);
    }

    let mut gas_text = String::from(
        "# PolkaVM 0.37.0: interpreter, GasMeteringKind::Sync, CostModelKind::Full(CacheModel::L2Hit) (memory latency 25),\n\
         # default call setup (RA = 0xffff0000, SP = default), initial gas 10000000000; generated by guests/oracle.\n\
         # Host calls (hostcall: host_add = ecalli 0, returns a0+a1 wrapping in a0) cost no extra gas: ecalli does not end a\n\
         # basic block, the block containing it is charged once on entry, execution resumes mid-block after the host returns.\n\
         # PROGRAM EXPORT ARG RESULT GAS_USED\n",
    );
    for case in &cases {
        if case.bench && skip_bench {
            continue;
        }
        let (blob, m) = &modules[&case.program];
        let t = Instant::now();
        let (result, gas, host_calls) = run_linker(m, case);
        let dt = t.elapsed().as_secs_f64();
        assert_eq!(result, case.expected, "{} {} {}: wrong result", case.program, case.export, case.arg);
        if !case.bench || step_bench {
            let stepped = module(&engine, blob, full.clone(), true);
            let (r2, g2, summed) = run_stepped(&stepped, case, &all_costs[&case.program]);
            assert_eq!((r2, g2, summed), (result, gas, gas), "{} {} {}: cross-check", case.program, case.export, case.arg);
        }
        eprintln!("{} {} {} = {result}: gas {gas}, host calls {host_calls} ({dt:.3}s)", case.program, case.export, case.arg);
        gas_text += &format!("{} {} {} {result} {gas}\n", case.program, case.export, case.arg);
    }
    outputs.push((guests.join("expected-gas.txt"), gas_text));

    let mut mismatches = 0;
    for (path, text) in &outputs {
        if write {
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(path, text).unwrap();
        } else if std::fs::read_to_string(path).ok().as_deref() != Some(text.as_str()) {
            eprintln!("MISMATCH: {}", display(path));
            mismatches += 1;
        }
    }
    if !write {
        println!("{} passed, {mismatches} failed", outputs.len() - mismatches);
        if mismatches > 0 {
            std::process::exit(1);
        }
    }
}

fn display(path: &Path) -> String {
    path.display().to_string()
}
