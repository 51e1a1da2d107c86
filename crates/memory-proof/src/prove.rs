//! Proving: the honest entry point [`prove`] and the unchecked [`prove_witness`].

use halo2_axiom::{
    halo2curves::bn256::{Bn256, Fr, G1Affine},
    plonk::create_proof,
    poly::{
        commitment::Params as _,
        kzg::{commitment::KZGCommitmentScheme, multiopen::ProverSHPLONK},
    },
    transcript::{Blake2bWrite, Challenge255, TranscriptWriterBuffer},
};
use machine::{Record, Violation};
use rand_core::OsRng;

use crate::{
    circuit::MemoryCircuit,
    keys::{key_k, Params, ProvingKey},
    proof::Proof,
    witness::{LayoutError, Witness},
};

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

/// Proves that `records` (in trace order) is memory-consistent.
///
/// Checks the trace with the plain checker first ([`machine::check()`]) and fails with
/// [`ProveError::Inconsistent`] rather than producing a proof that cannot verify; fails
/// with [`ProveError::Layout`] if the trace does not fit `2^k` rows ([`capacity`](crate::capacity)).
pub fn prove(params: &Params, pk: &ProvingKey, records: &[Record]) -> Result<Proof, ProveError> {
    // The witness builder rejects a trace that does not fit before the checker runs.
    let witness = Witness::from_records(params.k(), records)?;
    machine::check(records)?;
    prove_circuit(params, pk, MemoryCircuit::new(witness))
}

/// Proves an arbitrary witness, without any check: the lower-level entry point behind
/// [`prove`], for tests with dishonest witnesses. A witness that breaks a constraint
/// still yields a [`Proof`], which [`verify`](crate::verify) then rejects.
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
