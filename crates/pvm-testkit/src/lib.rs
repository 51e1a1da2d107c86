//! The workspace's test kit. Used as a dev-dependency by the crates' tests, by the `pvm`
//! CLI for `pvm test-vectors` and by the cargo-fuzz harnesses in `fuzz/`:
//!
//! * [`Rng`]: the one deterministic random number generator (SplitMix64, defined in
//!   `machine::testing` so that crates below the engine can use it too);
//! * [`locate`]: where the conformance vectors are (`$PVM_VECTORS`, else
//!   `../shared/pvm-vectors` beside the workspace) and which sets they hold;
//! * [`case`]: both upstream vector formats (PolkaVM spectool `steps`, flat w3f) read into
//!   one normalised [`Case`], and that case list written as (and read back from) the JSON
//!   file the bindings' runners execute (schema: `SCHEMA.md` beside this crate);
//! * [`run`]: executes cases on the engine and reports what differed;
//! * [`checks`]: properties of every loaded program and of every execution, shared by
//!   `crates/pvm/tests/robustness.rs` and the fuzz harnesses.

pub mod case;
pub mod checks;
pub mod locate;
pub mod run;

pub use case::{Case, Expected, Format, Step};
pub use machine::testing::Rng;
pub use run::{
    run_all, run_case, run_case_with, run_file, run_vector, run_vector_with, status_name, Mode,
    Outcome, Summary,
};
