//! Verification of a proof against the parameters and the verifying key.

use halo2_axiom::{
    halo2curves::bn256::{Bn256, Fr},
    plonk::verify_proof,
    poly::{
        commitment::Params as _,
        kzg::{
            commitment::KZGCommitmentScheme, multiopen::VerifierSHPLONK, strategy::SingleStrategy,
        },
    },
};

use crate::{
    keys::{key_k, Params, VerifyingKey},
    proof::Proof,
    transcript,
};

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
