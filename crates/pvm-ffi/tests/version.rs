//! The versions `pvm.h` (hand-kept) and libpvm report equal this crate's version, which is
//! the workspace version, and `libpvm.so` carries the SONAME of the header's ABI version.

mod support;

use std::collections::BTreeMap;
use std::path::Path;
use std::process::Command;
use std::sync::OnceLock;

use support::{build_c, library_dir, run};

/// Runs `tests/c/version_test.c` against the static library (built once): its
/// "name value" lines.
fn reported_versions() -> &'static BTreeMap<String, String> {
    static VERSIONS: OnceLock<BTreeMap<String, String>> = OnceLock::new();
    VERSIONS.get_or_init(build_and_run)
}

fn build_and_run() -> BTreeMap<String, String> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/c");
    let binary = build_c(&[dir.join("version_test.c")], &[dir], "version_test");
    let output = run(&mut Command::new(&binary));
    assert!(output.status.success(), "{binary:?} failed");
    String::from_utf8(output.stdout)
        .expect("UTF-8 output")
        .lines()
        .map(|line| {
            let (name, value) = line.split_once(' ').expect("a `name value` line");
            (name.to_owned(), value.to_owned())
        })
        .collect()
}

#[test]
fn header_and_library_versions_equal_the_workspace_version() {
    let versions = reported_versions();
    let crate_version = env!("CARGO_PKG_VERSION");
    assert_eq!(versions["PVM_VERSION"], crate_version);
    assert_eq!(
        versions["PVM_VERSION_MAJOR"],
        env!("CARGO_PKG_VERSION_MAJOR")
    );
    assert_eq!(
        versions["PVM_VERSION_MINOR"],
        env!("CARGO_PKG_VERSION_MINOR")
    );
    assert_eq!(
        versions["PVM_VERSION_PATCH"],
        env!("CARGO_PKG_VERSION_PATCH")
    );
    let library = &versions["pvm_version"];
    assert!(
        library.starts_with(&format!("{crate_version} (")),
        "pvm_version() = {library:?} does not start with {crate_version:?}"
    );
    assert_eq!(versions["pvm_abi_version"], versions["PVM_ABI_VERSION"]);
}

#[test]
fn shared_library_soname_carries_the_abi_version() {
    let abi = &reported_versions()["PVM_ABI_VERSION"];
    let library = library_dir().join("libpvm.so");
    let output = match Command::new("readelf").arg("-d").arg(&library).output() {
        Ok(output) => output,
        Err(error) => {
            eprintln!("readelf not available ({error}); SONAME not checked");
            return;
        }
    };
    assert!(output.status.success(), "readelf -d {library:?} failed");
    let dynamic = String::from_utf8_lossy(&output.stdout);
    let expected = format!("Library soname: [libpvm.so.{abi}]");
    assert!(
        dynamic.contains(&expected),
        "{library:?} lacks {expected:?}:\n{dynamic}"
    );
}
