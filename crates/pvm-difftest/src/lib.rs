//! Differential testing of the `pvm` engine against PolkaVM 0.37, the reference
//! implementation of the JAM PVM (`JamV1` instruction set, GP 0.8.0).
//!
//! PolkaVM is used here only as a test oracle; no product crate depends on it.
//!
//! Data flow: a seed → [`generate`] (a random well-formed program, or mutated / random bytes
//! for the parsers; memory [`layout`], registers, gas, host) → [`case::Case`] →
//! [`compare::compare`] runs it on [`ours::Ours`] and [`oracle::Theirs`] with identical
//! host answers ([`host`]) and compares everything observable → a [`compare::Verdict`].
//! [`known`] recognises the divergences documented in `docs/spec-notes.md`;
//! [`minimize`] shrinks a disagreement and [`vector`] saves it as a JSON conformance
//! vector; [`coverage`] counts executed opcodes; [`campaign`] runs many cases;
//! [`regressions`] holds the cases saved from past disagreements; [`fuzz`] is the entry
//! point of the `cargo fuzz` target.

#![deny(missing_docs)]
#![forbid(unsafe_code)]

pub mod asm;
pub mod campaign;
pub mod case;
pub mod compare;
pub mod coverage;
pub mod engines;
pub mod fuzz;
pub mod generate;
pub mod host;
pub mod known;
pub mod layout;
pub mod machine;
pub mod minimize;
pub mod mutate;
pub mod oracle;
pub mod ours;
pub mod regressions;
pub mod rng;
pub mod vector;
