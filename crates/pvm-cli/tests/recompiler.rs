//! The recompiler held to the same truth as the interpreter: every conformance vector on
//! both engines, and every small C guest case on both engines with identical exit, pc,
//! gas, registers and memory (and identical `pvm run --json` output).
#![cfg(all(target_arch = "x86_64", target_os = "linux"))]

use std::path::PathBuf;
use std::process::Command;

use pvm::{Engine, Exit, GpVersion, Instance};
use pvm_cli::load::{load, Format, RunRequest};
use pvm_cli::vectors::run_all_on;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn vectors_root() -> PathBuf {
    match std::env::var_os("PVM_VECTORS") {
        Some(path) => PathBuf::from(path),
        None => root().join("../shared/pvm-vectors"),
    }
}

fn check_vectors(sets: &[&str], version: GpVersion, expected: usize) {
    let paths: Vec<PathBuf> = sets
        .iter()
        .map(|s| vectors_root().join(s).join("programs"))
        .collect();
    for engine in [Engine::Interpreter, Engine::Recompiler] {
        let summary = run_all_on(&paths, version, engine).unwrap();
        let failed: Vec<String> = summary
            .failed
            .iter()
            .map(|(file, errors)| format!("{}: {}", file.display(), errors.join("; ")))
            .collect();
        assert!(failed.is_empty(), "{engine}: {}", failed.join("\n"));
        assert_eq!(summary.passed, expected, "{engine}");
    }
}

#[test]
fn all_gp08_vectors_pass_on_both_engines() {
    check_vectors(
        &["polkavm-e88d5b4", "polkavm-0.37.0-extra"],
        GpVersion::V0_8,
        364,
    );
}

#[test]
fn all_gp07_vectors_pass_on_both_engines() {
    check_vectors(&["w3f-v0.4"], GpVersion::V0_7, 307);
}

/// (program, export, arg) of every small case in `guests/expected.txt`.
fn small_cases() -> Vec<(String, String, u64)> {
    let text = std::fs::read_to_string(root().join("guests/expected.txt")).unwrap();
    text.lines()
        .filter(|line| !line.starts_with('#'))
        .map(|line| line.split_whitespace().collect::<Vec<_>>())
        .filter(|f| f.len() == 4)
        .map(|f| (f[0].to_string(), f[1].to_string(), f[2].parse().unwrap()))
        .collect()
}

fn guest(program: &str) -> PathBuf {
    root().join("guests/bin").join(format!("{program}.polkavm"))
}

/// Everything observable after a run to completion.
#[derive(Debug, PartialEq, Eq)]
struct Final {
    exits: Vec<Exit>,
    pc: u32,
    gas: u64,
    regs: [u64; 13],
    pages: Vec<(u32, Vec<u8>)>,
}

fn run_guest(program: &str, export: &str, arg: u64, engine: Engine) -> Final {
    let request = RunRequest {
        export: Some(export.to_string()),
        entry: None,
        args: vec![arg],
        gas: 10_000_000_000,
        version: GpVersion::V0_8,
        engine: Some(engine),
    };
    let mut vm: Instance = load(&guest(program), Format::Auto, &request).unwrap();
    assert_eq!(vm.engine(), engine);
    let mut exits = Vec::new();
    loop {
        let exit = vm.run();
        exits.push(exit);
        match exit {
            // host_add: a0 + a1 → a0
            Exit::HostCall { id: 0 } => {
                let sum = vm.reg(7).unwrap().wrapping_add(vm.reg(8).unwrap());
                vm.set_reg(7, sum);
            }
            _ => break,
        }
    }
    let memory = vm.memory();
    let pages = memory
        .mapped_pages()
        .map(|(page, _)| (page, memory.page(page).unwrap().to_vec()))
        .collect();
    Final {
        exits,
        pc: vm.pc(),
        gas: vm.gas(),
        regs: *vm.regs(),
        pages,
    }
}

#[test]
fn every_guest_case_is_identical_on_both_engines() {
    let cases = small_cases();
    assert!(cases.len() >= 20);
    for (program, export, arg) in &cases {
        let interpreted = run_guest(program, export, arg.to_owned(), Engine::Interpreter);
        let compiled = run_guest(program, export, *arg, Engine::Recompiler);
        assert_eq!(
            *compiled.exits.last().unwrap(),
            Exit::Halt,
            "{program} {export}({arg})"
        );
        assert!(
            interpreted == compiled,
            "{program} {export}({arg}): interpreter {:?} / recompiler {:?} (exits, pc, gas, r7)",
            (
                &interpreted.exits,
                interpreted.pc,
                interpreted.gas,
                interpreted.regs[7]
            ),
            (&compiled.exits, compiled.pc, compiled.gas, compiled.regs[7]),
        );
    }
    // The host-call guest really made host calls.
    let hostcall = cases.iter().rfind(|c| c.0 == "hostcall").unwrap();
    let run = run_guest(&hostcall.0, &hostcall.1, hostcall.2, Engine::Recompiler);
    assert!(run.exits.len() > 1);
}

#[test]
fn pvm_run_json_is_identical_on_both_engines() {
    for (program, export, arg) in small_cases().iter().step_by(3) {
        let output = |engine: &str| {
            let out = Command::new(env!("CARGO_BIN_EXE_pvm"))
                .args(["run", "--json", "--engine", engine, "--export", export])
                .arg("--arg")
                .arg(arg.to_string())
                .arg(guest(program))
                .output()
                .unwrap();
            (out.status.code(), String::from_utf8(out.stdout).unwrap())
        };
        let interpreted = output("interpreter");
        assert!(interpreted.1.contains("\"gas_left\""), "{}", interpreted.1);
        assert_eq!(
            interpreted,
            output("recompiler"),
            "{program} {export}({arg})"
        );
    }
    // Tracing on the recompiler is refused with a message, not run on the interpreter.
    let out = Command::new(env!("CARGO_BIN_EXE_pvm"))
        .args([
            "trace",
            "--engine",
            "recompiler",
            "--export",
            "fib",
            "--arg",
            "3",
        ])
        .arg(guest("fib"))
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("needs the interpreter"));
}

#[test]
fn loading_without_an_engine_uses_the_recompiler_here() {
    let request = RunRequest {
        export: Some("fib".to_string()),
        args: vec![10],
        gas: 10_000_000,
        ..RunRequest::default()
    };
    let vm = load(&guest("fib"), Format::Auto, &request).unwrap();
    assert_eq!(
        (vm.engine(), vm.engine_chosen()),
        (Engine::Recompiler, false)
    );
}
