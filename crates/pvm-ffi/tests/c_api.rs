//! Drives libpvm from C: compiles `tests/c/pvm_test.c` and the programs under
//! `examples/c` with `cc` against the debug-profile `libpvm.a` of this target directory,
//! runs them, runs the C tests under valgrind when it is installed, and checks that
//! `pvm.h` and the symbols exported by `libpvm.so` agree.

mod support;

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::OnceLock;

use support::{build_c, library_dir, run, workspace_root};

/// The conformance vectors, converted to the text format `pvm_test.c` reads.
fn vector_file() -> &'static Path {
    static FILE: OnceLock<PathBuf> = OnceLock::new();
    FILE.get_or_init(|| {
        let text = support::vectors::convert_all().expect("convert the conformance vectors");
        let path = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("pvm-ffi-vectors.txt");
        std::fs::write(&path, text).expect("write the converted vectors");
        path
    })
}

/// The C test program, built once.
fn pvm_test() -> &'static Path {
    static BINARY: OnceLock<PathBuf> = OnceLock::new();
    BINARY.get_or_init(|| {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/c");
        build_c(&[dir.join("pvm_test.c")], &[dir], "pvm_test")
    })
}

fn hostcall_polkavm() -> String {
    workspace_root()
        .join("guests/bin/hostcall.polkavm")
        .display()
        .to_string()
}

fn run_pvm_test(args: &[&str]) -> Output {
    let output = run(Command::new(pvm_test()).args(args));
    assert!(
        output.status.success(),
        "pvm_test {args:?} failed:\n{}\n{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    output
}

/// Runs the converted vectors through `pvm_test` on `engine` and checks the summary line.
fn vectors_pass_on(engine: &str) {
    let vectors = vector_file().display().to_string();
    let output = run_pvm_test(&["vectors", &vectors, engine]);
    let stdout = String::from_utf8_lossy(&output.stdout);
    let line = stdout
        .lines()
        .find(|l| l.starts_with("vectors:"))
        .expect("a summary line");
    let passed: usize = line
        .split_whitespace()
        .nth(1)
        .and_then(|n| n.parse().ok())
        .expect("a passed count");
    assert_eq!(passed, 364, "{line}");
    assert!(line.ends_with(&format!(" 0 failed ({engine})")), "{line}");
    eprintln!("{line}");
}

#[test]
fn conformance_vectors_pass_through_the_c_api() {
    vectors_pass_on("interpreter");
}

#[test]
fn conformance_vectors_pass_through_the_c_api_on_the_recompiler() {
    if !engine::Engine::Recompiler.is_supported() {
        eprintln!("SKIPPED: the recompiler is not supported on this platform");
        return;
    }
    vectors_pass_on("recompiler");
}

#[test]
fn the_engine_flag_runs_host_calls_and_page_faults_on_the_recompiler() {
    run_pvm_test(&["engine", &hostcall_polkavm()]);
}

#[test]
fn host_functions_in_c_read_and_write_guest_memory() {
    run_pvm_test(&["hostcall", &hostcall_polkavm()]);
}

#[test]
fn ram_access_at_every_width_including_faults() {
    run_pvm_test(&["ram"]);
}

#[test]
fn callbacks_can_create_run_and_destroy_vms() {
    run_pvm_test(&["reentrancy"]);
}

#[test]
fn vms_run_on_several_threads_at_once() {
    run_pvm_test(&["threads", &hostcall_polkavm()]);
}

#[test]
fn modules_and_the_cache_start_many_vms_from_one_load() {
    run_pvm_test(&["modules", &hostcall_polkavm()]);
}

#[test]
fn null_and_garbage_arguments_are_refused() {
    run_pvm_test(&["garbage"]);
}

#[test]
fn tracing_prints_one_line_per_instruction() {
    let output = run_pvm_test(&["trace"]);
    let stderr = String::from_utf8_lossy(&output.stderr);
    let trace: Vec<&str> = stderr.lines().filter(|l| !l.starts_with("pvm[")).collect();
    assert_eq!(trace.len(), 3, "{stderr}");
    assert!(trace[0].contains("ecalli 1"), "{stderr}");
    assert!(trace[1].contains("load_u64 r9"), "{stderr}");
    assert!(trace[2].contains("jump_ind r0"), "{stderr}");
    assert!(trace[2].trim_end().ends_with("gas=900"), "{stderr}");
    assert!(
        stderr.contains("pvm[1]: exit HostCall { id: 1 }"),
        "{stderr}"
    );
    assert!(stderr.contains("pvm[1]: exit Halt"), "{stderr}");
}

#[test]
fn c_tests_are_clean_under_valgrind() {
    if Command::new("valgrind").arg("--version").output().is_err() {
        eprintln!(
            "SKIPPED: valgrind is not installed (apt-get install valgrind to run this check)"
        );
        return;
    }
    let vectors = vector_file().display().to_string();
    // The C ABI under valgrind on the interpreter: every recompiler VM costs seconds there
    // (its 4 GiB protection changes go through valgrind's shadow memory), so the recompiler's
    // C tests run natively only (the tests above, on the default engine and by flag).
    let output = run(Command::new("valgrind")
        .env(engine::DEFAULT_ENGINE_VARIABLE, "interpreter")
        .args([
            // The recompiler writes machine code: have valgrind check all non-file code
            // for changes, as it advises for JITs.
            "--smc-check=all-non-file",
            "--error-exitcode=99",
            "--leak-check=full",
            "--errors-for-leak-kinds=definite",
            "--show-leak-kinds=definite",
            "-q",
        ])
        .arg(pvm_test())
        .args(["all-interpreter", &vectors, &hostcall_polkavm()]));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        output.status.success(),
        "valgrind failed ({:?}):\n{}\n{stderr}",
        output.status.code(),
        String::from_utf8_lossy(&output.stdout),
    );
    eprintln!("{}", String::from_utf8_lossy(&output.stdout));
}

#[test]
fn examples_build_and_run() {
    let examples = workspace_root().join("examples/c");
    let hello = build_c(&[examples.join("hello.c")], &[], "hello");
    let output = run(Command::new(&hello).arg(hostcall_polkavm()));
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(output.status.success(), "{stdout}");
    assert!(stdout.contains("hostcall(10) = 14759"), "{stdout}");

    let bench = build_c(&[examples.join("bench_hostcall.c")], &[], "bench_hostcall");
    let output = run(Command::new(&bench).arg("20000"));
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(output.status.success(), "{stdout}");
    assert!(stdout.contains("ns per host call"), "{stdout}");
    eprintln!("{stdout}");
}

/// Function names declared in `pvm.h` (`name(` after a return type at line start).
fn header_functions() -> BTreeSet<String> {
    let header =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("include/pvm.h"))
            .expect("read pvm.h");
    let mut names = BTreeSet::new();
    for line in header.lines() {
        let line = line.trim_start();
        if line.starts_with("typedef") || line.starts_with('#') || line.starts_with('*') {
            continue;
        }
        if let Some(open) = line.find('(') {
            let before = &line[..open];
            let name = before
                .rsplit(|c: char| !(c.is_alphanumeric() || c == '_'))
                .next()
                .unwrap_or_default();
            if name.starts_with("pvm_") && before.len() > name.len() {
                names.insert(name.to_string());
            }
        }
    }
    names
}

#[test]
fn header_and_exported_symbols_agree() {
    let library = library_dir().join("libpvm.so");
    let output = run(Command::new("nm")
        .args(["-D", "--defined-only"])
        .arg(&library));
    assert!(
        output.status.success(),
        "nm failed on {}",
        library.display()
    );
    let exported: BTreeSet<String> = String::from_utf8_lossy(&output.stdout)
        .lines()
        .filter_map(|line| {
            let mut fields = line.split_whitespace();
            let (_, kind, name) = (fields.next()?, fields.next()?, fields.next()?);
            (kind == "T").then(|| name.to_string())
        })
        .collect();
    let declared = header_functions();
    assert!(declared.len() >= 45, "parsed only {declared:?}");
    let missing: Vec<_> = declared.difference(&exported).collect();
    let undeclared: Vec<_> = exported.difference(&declared).collect();
    assert!(
        missing.is_empty(),
        "declared in pvm.h but not exported: {missing:?}"
    );
    assert!(
        undeclared.is_empty(),
        "exported but not declared in pvm.h: {undeclared:?}"
    );
}

#[test]
fn compat_header_compiles_with_the_proposal_names() {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("compat");
    std::fs::create_dir_all(&dir).unwrap();
    let source = dir.join("compat.c");
    std::fs::write(
        &source,
        r#"#include "pvm_compat.h"
#include <stdio.h>
int main(void) {
    _Static_assert(OK == 0 && HALT == 0 && PANIC == 1 && FAULT == 2 && HOST == 3 && OOG == 4, "states");
    _Static_assert(REG_SIZE == 13 && Z_P == 4096 && Z_I == (1 << 24) && Z_Z == (1 << 16), "sizes");
    _Static_assert(OOB == PVM_OOB && HUH == (uint64_t)-9 && NONE == (uint64_t)-1, "codes");
    _Static_assert(WORKDIGEST_BIG == 6 && M == 128 && V == 1023 && W_X == 1024, "misc");
    VM* vm = pvm_create_from_blob(0, NULL, 0, 0);
    printf("%d\n", vm == NULL);
    return vm == NULL ? 0 : 1;
}
"#,
    )
    .unwrap();
    let binary = build_c(&[source], &[], "compat");
    assert!(run(&mut Command::new(binary)).status.success());
}
