//! The parameter and key types, and key generation: the proving and verifying keys depend
//! only on the parameters (the circuit's fixed columns depend only on `k`).

use halo2_axiom::{
    halo2curves::bn256::{Bn256, G1Affine},
    plonk::{keygen_pk, keygen_vk},
    poly::{commitment::Params as _, kzg::commitment::ParamsKZG},
    SerdeFormat,
};

use crate::{
    circuit::MemoryCircuit,
    layout::{MAX_K, MIN_K},
};

/// KZG parameters (structured reference string) on BN254.
pub type Params = ParamsKZG<Bn256>;
/// The proving key of a circuit of size `2^k`.
pub type ProvingKey = halo2_axiom::plonk::ProvingKey<G1Affine>;
/// The verifying key of a circuit of size `2^k`; it depends only on `k`.
pub type VerifyingKey = halo2_axiom::plonk::VerifyingKey<G1Affine>;

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

/// The `k` of a verifying (or proving) key.
pub fn key_k(vk: &VerifyingKey) -> u32 {
    vk.get_domain().k()
}

/// The serialized verifying key (raw bytes): equal for equal keys.
pub fn vk_bytes(vk: &VerifyingKey) -> Vec<u8> {
    vk.to_bytes(SerdeFormat::RawBytes)
}
