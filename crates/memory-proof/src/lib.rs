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
//! let params = memory_proof::setup(10); // INSECURE test setup
//! let (pk, vk) = memory_proof::keygen(&params);
//! let proof = memory_proof::prove(&params, &pk, &records)?;
//! memory_proof::verify(&params, &vk, &proof)?;
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

#![warn(missing_docs)]

pub mod circuit;
mod setup;
mod transcript;
mod verifier_key;
pub mod witness;

use std::{fs, io, path::Path};

use halo2_axiom::{
    halo2curves::bn256::{Bn256, Fr, G1Affine},
    plonk::{create_proof, keygen_pk, keygen_vk, verify_proof},
    poly::{
        commitment::Params as _,
        kzg::{
            commitment::{KZGCommitmentScheme, ParamsKZG},
            multiopen::{ProverSHPLONK, VerifierSHPLONK},
            strategy::SingleStrategy,
        },
    },
    transcript::{Blake2bWrite, Challenge255, TranscriptWriterBuffer},
    SerdeFormat,
};
use machine::{Record, Violation};
use rand_core::OsRng;

pub use circuit::{capacity, MemoryCircuit, MAX_K, MIN_K};
pub use halo2_axiom;
pub use verifier_key::{verify_with_key, KeyFormatError, VerifierKey, KEY_MAGIC, KEY_VERSION};
pub use witness::{Col, LayoutError, Witness};

/// KZG parameters (structured reference string) on BN254.
pub type Params = ParamsKZG<Bn256>;
/// The proving key of a circuit of size `2^k`.
pub type ProvingKey = halo2_axiom::plonk::ProvingKey<G1Affine>;
/// The verifying key of a circuit of size `2^k`; it depends only on `k`.
pub type VerifyingKey = halo2_axiom::plonk::VerifyingKey<G1Affine>;

/// Seed of the deterministic test setup of [`setup`].
pub const INSECURE_SETUP_SEED: u64 = 0x6d65_6d6f_7279_2d70; // "memory-p"

/// Deterministic KZG parameters for `2^k` rows, from a fixed public seed.
///
/// Equal to `ParamsKZG::setup(k, ChaCha20Rng::seed_from_u64(INSECURE_SETUP_SEED))`,
/// computed faster with fixed-base tables.
///
/// **INSECURE — for tests and benchmarks only.** Anyone can recompute the secret `s` from
/// the seed and forge proofs. For real use, load parameters from a trusted-setup ceremony
/// with [`load_params`].
///
/// # Panics
/// If `k` is outside [`MIN_K`]`..=`[`MAX_K`].
pub fn setup(k: u32) -> Params {
    assert!((MIN_K..=MAX_K).contains(&k), "k = {k} is unsupported");
    setup::deterministic_params(k, INSECURE_SETUP_SEED)
}

/// Reads KZG parameters in halo2's raw format (as written by [`save_params`] or converted
/// from a powers-of-tau ceremony). If they are larger than needed, use
/// [`downsize`] to get the parameters for a smaller `k`.
pub fn load_params(path: &Path) -> io::Result<Params> {
    let mut file = io::BufReader::new(fs::File::open(path)?);
    ParamsKZG::read(&mut file)
}

/// Writes KZG parameters in halo2's raw format.
pub fn save_params(params: &Params, path: &Path) -> io::Result<()> {
    let mut file = io::BufWriter::new(fs::File::create(path)?);
    params.write(&mut file)?;
    io::Write::flush(&mut file)
}

/// `params` cut down to `2^k` rows (`k` no larger than the parameters' own).
pub fn downsize(params: &Params, k: u32) -> Params {
    let mut params = params.clone();
    params.downsize(k);
    params
}

/// The proving and verifying keys for the parameters' `k`. Deterministic: the keys
/// depend only on `params` (the circuit's fixed columns depend only on `k`).
///
/// # Panics
/// If the parameters' `k` is outside [`MIN_K`]`..=`[`MAX_K`].
pub fn keygen(params: &Params) -> (ProvingKey, VerifyingKey) {
    let k = params.k();
    assert!((MIN_K..=MAX_K).contains(&k), "k = {k} is unsupported");
    let circuit = MemoryCircuit::blank(k);
    let vk = keygen_vk(params, &circuit).expect("the circuit fits 2^k rows");
    let pk = keygen_pk(params, vk.clone(), &circuit).expect("the circuit fits 2^k rows");
    (pk, vk)
}

/// The smallest `k` whose circuit holds `records` records (at least [`MIN_K`]), or `None`
/// if even [`MAX_K`] is too small.
pub fn smallest_k(records: usize) -> Option<u32> {
    (MIN_K..=MAX_K).find(|&k| capacity(k) >= records)
}

/// The `k` of a verifying (or proving) key.
pub fn key_k(vk: &VerifyingKey) -> u32 {
    vk.get_domain().k()
}

/// The serialized verifying key (raw bytes): equal for equal keys.
pub fn vk_bytes(vk: &VerifyingKey) -> Vec<u8> {
    vk.to_bytes(SerdeFormat::RawBytes)
}

/// A proof that some memory-consistent trace of `records` records exists.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Proof {
    /// The circuit size: `2^k` rows.
    pub k: u32,
    /// The number of records in the proven trace (the public input).
    pub records: u64,
    /// The halo2 proof transcript.
    pub bytes: Vec<u8>,
}

/// Why [`prove`] or [`prove_witness`] failed.
#[derive(Debug, thiserror::Error)]
pub enum ProveError {
    /// The trace is not memory-consistent (found by the plain checker before proving).
    #[error("trace is not memory-consistent: {0}")]
    Inconsistent(#[from] Violation),
    /// The trace does not fit the circuit, or `k` is unsupported.
    #[error(transparent)]
    Layout(#[from] LayoutError),
    /// The parameters, key and witness are for different `k`.
    #[error("parameters are for k = {params}, but the key or witness is for k = {other}")]
    KMismatch {
        /// The parameters' `k`.
        params: u32,
        /// The key's or witness's `k`.
        other: u32,
    },
    /// halo2 could not create the proof.
    #[error("halo2 prover: {0}")]
    Backend(String),
}

/// Why [`verify`] rejected a proof.
#[derive(Debug, thiserror::Error)]
pub enum VerifyError {
    /// The proof is for another `k` than the parameters or key.
    #[error("proof is for k = {proof}, but the parameters/key are for k = {expected}")]
    KMismatch {
        /// The proof's `k`.
        proof: u32,
        /// The parameters' or key's `k`.
        expected: u32,
    },
    /// A transcript element is not in its canonical encoding (another byte string for a
    /// valid scalar or point, e.g. a compressed point with its unused bit 255 set): each
    /// proof has exactly one accepted encoding.
    #[error("non-canonical element encoding at transcript byte {offset}")]
    NonCanonical {
        /// Offset in [`Proof::bytes`] of the 32-byte element.
        offset: usize,
    },
    /// Bytes after the end of the halo2 transcript.
    #[error("{trailing} trailing bytes after the transcript")]
    TrailingBytes {
        /// How many bytes the verifier did not read.
        trailing: usize,
    },
    /// The proof does not verify.
    #[error("proof rejected: {0}")]
    Rejected(String),
}

/// Why a proof file could not be read.
#[derive(Debug, thiserror::Error)]
pub enum ProofFormatError {
    /// Does not start with [`PROOF_MAGIC`].
    #[error("not a memory-proof file (bad magic)")]
    BadMagic,
    /// Unknown format version.
    #[error("unsupported proof format version {0}")]
    BadVersion(u8),
    /// Shorter than its header says.
    #[error("proof file is truncated")]
    Truncated,
    /// Bytes after the proof.
    #[error("{0} trailing bytes after the proof")]
    Trailing(usize),
    /// The file could not be read or written.
    #[error(transparent)]
    Io(#[from] io::Error),
}

/// First bytes of a proof file.
pub const PROOF_MAGIC: [u8; 8] = *b"MEMPROOF";
/// Version of the proof file format.
pub const PROOF_VERSION: u8 = 1;

impl Proof {
    /// The proof file: `MEMPROOF`, version (1 byte), `k` (1 byte), records (u64 LE),
    /// transcript length (u64 LE), transcript.
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(26 + self.bytes.len());
        out.extend_from_slice(&PROOF_MAGIC);
        out.push(PROOF_VERSION);
        out.push(self.k as u8);
        out.extend_from_slice(&self.records.to_le_bytes());
        out.extend_from_slice(&(self.bytes.len() as u64).to_le_bytes());
        out.extend_from_slice(&self.bytes);
        out
    }

    /// Parses a proof file (see [`Proof::to_bytes`]).
    pub fn from_bytes(data: &[u8]) -> Result<Proof, ProofFormatError> {
        if data.len() < 8 || data[..8] != PROOF_MAGIC {
            return Err(ProofFormatError::BadMagic);
        }
        if data.len() < 26 {
            return Err(ProofFormatError::Truncated);
        }
        if data[8] != PROOF_VERSION {
            return Err(ProofFormatError::BadVersion(data[8]));
        }
        let k = u32::from(data[9]);
        let records = u64::from_le_bytes(data[10..18].try_into().unwrap());
        let len = u64::from_le_bytes(data[18..26].try_into().unwrap());
        let rest = &data[26..];
        let len = usize::try_from(len).map_err(|_| ProofFormatError::Truncated)?;
        if rest.len() < len {
            return Err(ProofFormatError::Truncated);
        }
        if rest.len() > len {
            return Err(ProofFormatError::Trailing(rest.len() - len));
        }
        Ok(Proof {
            k,
            records,
            bytes: rest.to_vec(),
        })
    }

    /// Writes the proof file.
    pub fn save(&self, path: &Path) -> Result<(), ProofFormatError> {
        Ok(fs::write(path, self.to_bytes())?)
    }

    /// Reads a proof file.
    pub fn load(path: &Path) -> Result<Proof, ProofFormatError> {
        Proof::from_bytes(&fs::read(path)?)
    }
}

/// Proves that `records` (in trace order) is memory-consistent.
///
/// Checks the trace with the plain checker first ([`machine::check`](fn@machine::check)) and fails with
/// [`ProveError::Inconsistent`] rather than producing a proof that cannot verify; fails
/// with [`ProveError::Layout`] if the trace does not fit `2^k` rows ([`capacity`]).
pub fn prove(params: &Params, pk: &ProvingKey, records: &[Record]) -> Result<Proof, ProveError> {
    // The witness builder rejects a trace that does not fit before the checker runs.
    let witness = Witness::from_records(params.k(), records)?;
    machine::check(records)?;
    prove_circuit(params, pk, MemoryCircuit::new(witness))
}

/// Proves an arbitrary witness, without any check: the lower-level entry point behind
/// [`prove`], for tests with dishonest witnesses. A witness that breaks a constraint
/// still yields a [`Proof`], which [`verify`] then rejects.
pub fn prove_witness(
    params: &Params,
    pk: &ProvingKey,
    witness: &Witness,
) -> Result<Proof, ProveError> {
    prove_circuit(params, pk, MemoryCircuit::new(witness.clone()))
}

fn prove_circuit(
    params: &Params,
    pk: &ProvingKey,
    circuit: MemoryCircuit,
) -> Result<Proof, ProveError> {
    let k = params.k();
    for other in [key_k(pk.get_vk()), circuit.k()] {
        if other != k {
            return Err(ProveError::KMismatch { params: k, other });
        }
    }
    let records = circuit.count();
    let instances = circuit.instances();
    let instance_refs: Vec<&[Fr]> = instances.iter().map(|c| c.as_slice()).collect();
    let mut transcript = Blake2bWrite::<_, G1Affine, Challenge255<_>>::init(vec![]);
    create_proof::<KZGCommitmentScheme<Bn256>, ProverSHPLONK<'_, Bn256>, _, _, _, _>(
        params,
        pk,
        &[circuit],
        &[&instance_refs],
        OsRng,
        &mut transcript,
    )
    .map_err(|e| ProveError::Backend(e.to_string()))?;
    Ok(Proof {
        k,
        records,
        bytes: transcript.finalize(),
    })
}

/// Verifies `proof` against the verifying key for the parameters' `k`: accepts iff the
/// prover knew a memory-consistent trace of `proof.records` records.
///
/// Accepts exactly one encoding of each proof: every scalar and point of the transcript must
/// be in its canonical encoding (what the prover writes; [`VerifyError::NonCanonical`]
/// otherwise), and the transcript must end where the verifier stops reading
/// ([`VerifyError::TrailingBytes`]).
pub fn verify(params: &Params, vk: &VerifyingKey, proof: &Proof) -> Result<(), VerifyError> {
    for expected in [params.k(), key_k(vk)] {
        if proof.k != expected {
            return Err(VerifyError::KMismatch {
                proof: proof.k,
                expected,
            });
        }
    }
    let instance = [Fr::from(proof.records)];
    let instance_refs: [&[Fr]; 1] = [&instance];
    let state = transcript::ReadState::default();
    let mut transcript = transcript::CanonicalRead::new(&proof.bytes, &state);
    let verdict = verify_proof::<KZGCommitmentScheme<Bn256>, VerifierSHPLONK<'_, Bn256>, _, _, _>(
        params,
        vk,
        SingleStrategy::new(params),
        &[&instance_refs],
        &mut transcript,
    );
    if let Some(offset) = state.non_canonical() {
        return Err(VerifyError::NonCanonical { offset });
    }
    verdict.map_err(|e| VerifyError::Rejected(e.to_string()))?;
    match proof.bytes.len() - state.consumed() {
        0 => Ok(()),
        trailing => Err(VerifyError::TrailingBytes { trailing }),
    }
}
