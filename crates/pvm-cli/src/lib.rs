//! Library side of the `pvm` command-line tool: program loading, shared by the binary and
//! the integration tests.

#![forbid(unsafe_code)]

pub mod isa;
pub mod load;

/// The conformance-vector runner, which lives in the test kit (`pvm_testkit::run`); kept
/// under this name for the crates that used it from here.
pub mod vectors {
    pub use pvm_testkit::locate::collect_files;
    pub use pvm_testkit::run::*;
}
