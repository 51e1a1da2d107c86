//! C programs compiled to PVM (`guests/`): every non-bench case of `guests/expected.txt`
//! runs through `load` + `Instance::run` and must return the result the same C code gives
//! natively and use exactly the gas PolkaVM 0.37 uses (`guests/expected-gas.txt`, full
//! cost model, from `guests/oracle`); every block cost must equal PolkaVM's
//! (`guests/block-costs/`). `hostcall` imports `host_add` (ecalli 0), serviced here.

use std::path::{Path, PathBuf};
use std::process::Command;

use pvm::{Exit, GpVersion, Instance};
use pvm_cli::load::{load, Format, RunRequest};

struct Case {
    program: String,
    export: String,
    arg: u64,
    expected: u64,
}

fn guests_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../guests")
}

fn small_cases() -> Vec<Case> {
    let text = std::fs::read_to_string(guests_dir().join("expected.txt")).unwrap();
    text.lines()
        .filter(|line| !line.starts_with('#') && !line.trim().is_empty())
        .map(|line| line.split_whitespace().collect::<Vec<_>>())
        .filter(|fields| fields.len() == 4)
        .map(|f| Case {
            program: f[0].to_string(),
            export: f[1].to_string(),
            arg: f[2].parse().unwrap(),
            expected: f[3].parse().unwrap(),
        })
        .collect()
}

fn blob(program: &str) -> PathBuf {
    guests_dir().join("bin").join(format!("{program}.polkavm"))
}

/// Runs to completion, servicing `host_add` (ecalli 0: a0 + a1 → a0).
fn run_to_exit(vm: &mut Instance) -> Exit {
    loop {
        match vm.run() {
            Exit::HostCall { id: 0 } => {
                let sum = vm.reg(7).unwrap().wrapping_add(vm.reg(8).unwrap());
                vm.set_reg(7, sum);
            }
            exit => return exit,
        }
    }
}

fn call(path: &Path, export: &str, arg: u64) -> Instance {
    let request = RunRequest {
        export: Some(export.to_string()),
        entry: None,
        args: vec![arg],
        gas: 10_000_000_000,
        version: GpVersion::V0_8,
        engine: None,
    };
    load(path, Format::Auto, &request).unwrap()
}

#[test]
fn every_guest_case_matches_the_native_result() {
    let cases = small_cases();
    assert!(
        cases.len() >= 20,
        "expected.txt has {} small cases",
        cases.len()
    );
    let mut failures = Vec::new();
    for case in &cases {
        let mut vm = call(&blob(&case.program), &case.export, case.arg);
        let exit = run_to_exit(&mut vm);
        let result = vm.reg(7).unwrap();
        if exit != Exit::Halt || result != case.expected {
            failures.push(format!(
                "{} {}({}): {exit:?} a0={result}, expected {}",
                case.program, case.export, case.arg, case.expected
            ));
        }
        assert!(vm.gas() < 10_000_000_000, "gas was charged");
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// `(program, export, arg) → gas used` from PolkaVM, for the non-bench cases.
fn polkavm_gas() -> Vec<(String, String, u64, u64)> {
    let text = std::fs::read_to_string(guests_dir().join("expected-gas.txt")).unwrap();
    text.lines()
        .filter(|line| !line.starts_with('#') && !line.trim().is_empty())
        .map(|line| line.split_whitespace().collect::<Vec<_>>())
        .filter(|f| f.len() == 5)
        .map(|f| {
            (
                f[0].into(),
                f[1].into(),
                f[2].parse().unwrap(),
                f[4].parse().unwrap(),
            )
        })
        .collect()
}

#[test]
fn gas_used_equals_polkavm_to_the_unit() {
    let small: Vec<(String, String, u64)> = small_cases()
        .into_iter()
        .map(|c| (c.program, c.export, c.arg))
        .collect();
    let mut checked = 0;
    let mut failures = Vec::new();
    for (program, export, arg, expected_gas) in polkavm_gas() {
        if !small.contains(&(program.clone(), export.clone(), arg)) {
            continue; // bench sizes: too slow for a debug-profile test
        }
        let mut vm = call(&blob(&program), &export, arg);
        let initial = vm.gas();
        assert_eq!(run_to_exit(&mut vm), Exit::Halt);
        let used = initial - vm.gas();
        if used != expected_gas {
            failures.push(format!(
                "{program} {export}({arg}): used {used}, PolkaVM {expected_gas}"
            ));
        }
        checked += 1;
    }
    assert!(checked >= 20, "only {checked} gas cases");
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn block_costs_equal_polkavm() {
    let dir = guests_dir().join("block-costs");
    let mut programs = 0;
    for entry in std::fs::read_dir(&dir).unwrap() {
        let path = entry.unwrap().path();
        let name = path.file_stem().unwrap().to_str().unwrap().to_string();
        let expected: Vec<(u32, u32)> = std::fs::read_to_string(&path)
            .unwrap()
            .lines()
            .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
            .map(|l| {
                let mut f = l.split_whitespace().map(|x| x.parse::<u32>().unwrap());
                (f.next().unwrap(), f.next().unwrap())
            })
            .collect();
        let vm = call(&blob(&name), guest_export(&name), 0);
        let actual: Vec<(u32, u32)> = vm.program().block_costs().collect();
        assert_eq!(actual, expected, "{name}");
        programs += 1;
    }
    assert_eq!(programs, 12);
}

fn guest_export(program: &str) -> &'static str {
    match program {
        "fib" => "fib",
        "sieve" => "sieve",
        "sort" => "quicksort",
        "matmul" => "matmul",
        "memops" => "memset_memcpy",
        "bytecode" => "interp",
        "parser" => "parse",
        "hostcall" => "hostcall",
        "lz4" => "lz4_roundtrip",
        "zlib" => "zlib_deflate",
        "xxhash" => "xxhash_digest",
        "sha256" => "sha256_digest",
        other => panic!("unknown guest {other}"),
    }
}

#[test]
fn pvm_run_export_prints_the_result() {
    let output = Command::new(env!("CARGO_BIN_EXE_pvm"))
        .args(["run", "--json", "--export", "fib", "--arg", "20"])
        .arg(blob("fib"))
        .output()
        .unwrap();
    assert!(output.status.success(), "{output:?}");
    let json: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(json["status"], "halt");
    assert_eq!(json["regs"][7], 6765);
    assert_eq!(json["regs"][0], 0xFFFF_0000u64);
}

#[test]
fn unknown_export_is_bad_input() {
    let output = Command::new(env!("CARGO_BIN_EXE_pvm"))
        .args(["run", "--export", "nope"])
        .arg(blob("fib"))
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("no export named `nope`") && stderr.contains("fib"),
        "{stderr}"
    );
}

#[test]
fn host_calls_exit_once_per_call_and_resume_after_the_ecalli() {
    let mut vm = call(&blob("hostcall"), "hostcall", 10);
    let mut calls = 0;
    let mut ecalli_pc = None;
    loop {
        match vm.run() {
            Exit::HostCall { id } => {
                assert_eq!(id, 0);
                // Every call comes from the same ecalli instruction.
                assert_eq!(*ecalli_pc.get_or_insert(vm.pc()), vm.pc());
                calls += 1;
                let sum = vm.reg(7).unwrap().wrapping_add(vm.reg(8).unwrap());
                vm.set_reg(7, sum);
            }
            Exit::Halt => break,
            other => panic!("unexpected exit {other:?}"),
        }
    }
    assert_eq!(calls, 10);
    assert_eq!(vm.reg(7), Some(14759));
}
