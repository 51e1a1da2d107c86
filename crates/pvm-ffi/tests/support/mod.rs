//! Shared by the integration tests: where things are, and building C against libpvm.

#![allow(dead_code)]

pub mod vectors;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::OnceLock;

/// The workspace root (two levels above this crate).
pub fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .ancestors()
        .nth(2)
        .expect("crates/pvm-ffi lies two levels below the workspace root")
        .to_path_buf()
}

/// The profile directory of this test binary (`target/debug`), holding `libpvm.a` and
/// `libpvm.so`.
///
/// The integration tests do not link the library (it has no rlib), so `cargo test` does
/// not rebuild it: the first call runs `cargo build -p pvm-ffi` for the same profile and
/// target directory (cargo releases its build lock while tests run). Up to date, that
/// takes a fraction of a second.
pub fn library_dir() -> &'static Path {
    static DIR: OnceLock<PathBuf> = OnceLock::new();
    DIR.get_or_init(|| {
        let exe = std::env::current_exe().expect("the test binary's path");
        // target/<profile>/deps/<test binary>
        let dir = exe
            .parent()
            .and_then(Path::parent)
            .expect("the test binary lies in target/<profile>/deps")
            .to_path_buf();
        let target = dir.parent().expect("target/<profile> has a parent");
        let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
        let mut command = Command::new(cargo);
        command
            .args(["build", "-p", "pvm-ffi", "--target-dir"])
            .arg(target)
            .current_dir(workspace_root());
        if dir.file_name().is_some_and(|name| name == "release") {
            command.arg("--release");
        }
        let output = run(&mut command);
        assert!(
            output.status.success(),
            "cargo build -p pvm-ffi failed:\n{}",
            String::from_utf8_lossy(&output.stderr)
        );
        assert!(dir.join("libpvm.a").exists() && dir.join("libpvm.so").exists());
        dir
    })
}

/// Directory for build products of the C tests.
pub fn out_dir() -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("pvm-ffi-c");
    std::fs::create_dir_all(&dir).expect("create the C build directory");
    dir
}

/// Runs a command and returns its output, failing the test if it cannot start.
pub fn run(command: &mut Command) -> Output {
    command
        .output()
        .unwrap_or_else(|e| panic!("cannot run {command:?}: {e}"))
}

/// Compiles and links C sources against `include/` and the static `libpvm.a` with `cc`
/// (or `$CC`), warnings as errors. Returns the executable.
pub fn build_c(sources: &[PathBuf], include_dirs: &[PathBuf], name: &str) -> PathBuf {
    let output_path = out_dir().join(name);
    let compiler = std::env::var("CC").unwrap_or_else(|_| "cc".into());
    let mut command = Command::new(compiler);
    command
        .args([
            "-std=c11",
            "-D_POSIX_C_SOURCE=200809L",
            "-Wall",
            "-Wextra",
            "-Werror",
            "-g",
            "-O1",
        ])
        .arg("-I")
        .arg(Path::new(env!("CARGO_MANIFEST_DIR")).join("include"));
    for dir in include_dirs {
        command.arg("-I").arg(dir);
    }
    command
        .args(sources)
        .arg(library_dir().join("libpvm.a"))
        .args(["-lpthread", "-ldl", "-lm", "-o"])
        .arg(&output_path);
    let output = run(&mut command);
    assert!(
        output.status.success(),
        "compiling {sources:?} failed:\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    output_path
}
