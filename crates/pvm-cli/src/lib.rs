//! Library side of the `pvm` command-line tool: program loading and the conformance-vector
//! runner, shared by the binary and the integration tests.

#![forbid(unsafe_code)]

pub mod load;
pub mod vectors;
