//! Reads the C ABI version from `include/pvm.h` (its one source) for `pvm_abi_version`,
//! and on Linux gives `libpvm.so` the SONAME `libpvm.so.<ABI version>`, so that programs
//! linked against it record that name and the dynamic loader refuses another ABI's library.

use std::path::Path;

fn main() {
    let header_path = Path::new("include/pvm.h");
    println!("cargo:rerun-if-changed={}", header_path.display());
    let header = std::fs::read_to_string(header_path).expect("read include/pvm.h");
    let abi = abi_version(&header).expect("include/pvm.h: no `#define PVM_ABI_VERSION <number>`");
    println!("cargo:rustc-env=PVM_ABI_VERSION={abi}");
    if std::env::var("CARGO_CFG_TARGET_OS").as_deref() == Ok("linux") {
        println!("cargo:rustc-cdylib-link-arg=-Wl,-soname,libpvm.so.{abi}");
    }
}

/// The number of the header's `#define PVM_ABI_VERSION N` line.
fn abi_version(header: &str) -> Option<u32> {
    header.lines().find_map(|line| {
        let mut words = line.split_whitespace();
        match (words.next(), words.next(), words.next()) {
            (Some("#define"), Some("PVM_ABI_VERSION"), Some(number)) => number.parse().ok(),
            _ => None,
        }
    })
}
