//! A halo2 proof (KZG on BN254, SHPLONK openings, `halo2-axiom`) that a machine's execution
//! trace is *memory-consistent*: its times strictly increase, and sorted by
//! (space, address, time) every read returns the previous value of its cell, or 0 for the
//! cell's first access.
//!
//! The trace is private: the proof shows that the prover knows a trace of `N` records
//! (`N` is the only public input, [`Proof::records`]) that is memory-consistent. See the
//! crate README for the circuit and its soundness argument.
//!
//! ```no_run
//! # use machine::{Op, Record, Space};
//! let records = vec![
//!     Record { time: 1, space: Space(0), address: 8, op: Op::Write, value: 42 },
//!     Record { time: 2, space: Space(0), address: 8, op: Op::Read, value: 42 },
//! ];
//! let params = memory_proof::insecure_test_setup(10); // tests only: anyone can forge proofs
//! let (pk, vk) = memory_proof::keygen(&params);
//! let proof = memory_proof::prove(&params, &pk, &records)?;
//! memory_proof::verify(&params, &vk, &proof)?;
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

#![warn(missing_docs)]
#![forbid(unsafe_code)]

pub mod circuit;
mod keys;
pub mod layout;
mod params;
mod proof;
mod prove;
mod setup;
mod transcript;
mod verifier_key;
mod verify;
pub mod witness;

pub use circuit::{capacity, MemoryCircuit, MAX_K, MIN_K};
pub use halo2_axiom;
pub use keys::{key_k, keygen, vk_bytes, Params, ProvingKey, VerifyingKey};
pub use layout::smallest_k;
#[allow(deprecated)]
pub use params::setup;
pub use params::{
    downsize, insecure_test_setup, is_insecure_test_s_g2, load_params, save_params, ParamsError,
    ParamsSource, INSECURE_SETUP_SEED,
};
pub use proof::{Proof, ProofFormatError, PROOF_MAGIC, PROOF_VERSION};
pub use prove::{prove, prove_witness, ProveError};
pub use verifier_key::{verify_with_key, KeyFormatError, VerifierKey, KEY_MAGIC, KEY_VERSION};
pub use verify::{verify, VerifyError};
pub use witness::{Col, LayoutError, Witness};
