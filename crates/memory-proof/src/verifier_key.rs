//! The verifier key file: everything [`verify`](crate::verify) needs for one `k`, so a
//! verifier does not regenerate `2^k`-point parameters and the verifying key.
//!
//! halo2-axiom's SHPLONK verifier (`QUERY_INSTANCE = false`: instances are not committed)
//! reads only `n = 2^k`, `g[0]`, `g2` and `s_g2` from the KZG parameters. The key therefore
//! stores those three points, not the `2^k` G1 points of the full parameters.

use std::{fs, io, path::Path};

use halo2_axiom::{
    halo2curves::bn256::{Fq, G1Affine},
    poly::commitment::{Params as _, ParamsProver as _},
    SerdeFormat,
};

use crate::{
    circuit::MemoryCircuit,
    keys::{key_k, Params, VerifyingKey},
    layout::{MAX_K, MIN_K},
    params::is_insecure_test_s_g2,
    proof::Proof,
    verify::{verify, VerifyError},
};

/// First bytes of a verifier key file.
pub const KEY_MAGIC: [u8; 8] = *b"MEMPRFVK";
/// Version of the verifier key file format.
pub const KEY_VERSION: u8 = 1;

/// halo2's serialization format for the key's points: compressed points, each checked to be
/// a valid encoding of a point on the curve when read.
const FORMAT: SerdeFormat = SerdeFormat::Processed;

/// Length of the header: magic, version, `k`.
const HEADER: usize = 10;
/// Length of the parameter section: `ParamsKZG::write_custom` of one-point (`k = 0`)
/// parameters: `k` (u32 LE), `g[0]`, `g_lagrange[0]` (32 bytes each), `g2`, `s_g2` (64 each).
const PARAMS_LEN: usize = 4 + 32 + 32 + 64 + 64;

/// What [`verify_with_key`] needs for proofs of one `k`: the verifier's share of the KZG
/// parameters (`g[0]`, `g2`, `s_g2`) and the verifying key.
///
/// A key is trusted material, like the parameters it comes from: whoever chooses `s_g2`
/// can forge proofs. [`VerifierKey::from_bytes`] protects against corrupt files (it never
/// panics and checks every point is on the curve), not against a malicious key.
#[derive(Clone, Debug)]
pub struct VerifierKey {
    k: u32,
    /// `n = 2^k`, `g = [g[0]]`, no Lagrange points, `g2`, `s_g2`: enough for
    /// `verify_proof` with SHPLONK, which never commits with these parameters.
    params: Params,
    vk: VerifyingKey,
}

/// Why a verifier key could not be built, read or written.
#[derive(Debug, thiserror::Error)]
pub enum KeyFormatError {
    /// Does not start with [`KEY_MAGIC`].
    #[error("not a memory-proof verifier key file (bad magic)")]
    BadMagic,
    /// Unknown format version.
    #[error("unsupported verifier key format version {0}")]
    BadVersion(u8),
    /// `k` outside [`MIN_K`]`..=`[`MAX_K`].
    #[error("verifier key for unsupported k = {0}")]
    UnsupportedK(u32),
    /// Shorter than its contents need.
    #[error("verifier key file is truncated")]
    Truncated,
    /// Bytes after the verifying key.
    #[error("{0} trailing bytes after the verifier key")]
    Trailing(usize),
    /// The parameter section is invalid (an encoding that is not a curve point, ...).
    #[error("invalid parameters in verifier key: {0}")]
    BadParams(String),
    /// The verifying key section is invalid.
    #[error("invalid verifying key in verifier key: {0}")]
    BadVk(String),
    /// The parameters and the verifying key (or the header) are for different `k`.
    #[error("parameters are for k = {params}, but the verifying key is for k = {vk}")]
    KMismatch {
        /// The parameters' (or header's) `k`.
        params: u32,
        /// The verifying key's `k`.
        vk: u32,
    },
    /// The file could not be read or written.
    #[error(transparent)]
    Io(#[from] io::Error),
}

fn truncated_or(e: io::Error, other: impl FnOnce(io::Error) -> KeyFormatError) -> KeyFormatError {
    if e.kind() == io::ErrorKind::UnexpectedEof {
        KeyFormatError::Truncated
    } else {
        other(e)
    }
}

impl VerifierKey {
    /// The verifier key for `params` and its verifying key (from [`keygen`](crate::keygen)).
    pub fn new(params: &Params, vk: &VerifyingKey) -> Result<VerifierKey, KeyFormatError> {
        let k = params.k();
        if key_k(vk) != k {
            return Err(KeyFormatError::KMismatch {
                params: k,
                vk: key_k(vk),
            });
        }
        if !(MIN_K..=MAX_K).contains(&k) {
            return Err(KeyFormatError::UnsupportedK(k));
        }
        let g0 = params.get_g()[0];
        Ok(VerifierKey {
            k,
            params: params.from_parts(k, vec![g0], Some(vec![]), params.g2(), params.s_g2()),
            vk: vk.clone(),
        })
    }

    /// The circuit size `2^k` of the proofs this key verifies.
    pub fn k(&self) -> u32 {
        self.k
    }

    /// The verifying key.
    pub fn vk(&self) -> &VerifyingKey {
        &self.vk
    }

    /// Whether the key comes from the INSECURE test setup's parameters (its `s·G2` is the
    /// public seed's): proofs it accepts prove nothing.
    pub fn uses_insecure_test_setup(&self) -> bool {
        is_insecure_test_s_g2(&self.params.s_g2())
    }

    /// One-point parameters (`k = 0`): what the key file stores with `write_custom`.
    fn point_params(&self) -> Params {
        let g0 = self.params.get_g()[0];
        self.params.from_parts(
            0,
            vec![g0],
            Some(vec![g0]),
            self.params.g2(),
            self.params.s_g2(),
        )
    }

    /// The key file: `MEMPRFVK`, version (1 byte), `k` (1 byte); `ParamsKZG::write_custom`
    /// (`SerdeFormat::Processed`) of the one-point parameters `k = 0, g = [g[0]]` (196 bytes);
    /// `VerifyingKey::write` (`Processed`).
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(HEADER + PARAMS_LEN + 1024);
        out.extend_from_slice(&KEY_MAGIC);
        out.push(KEY_VERSION);
        out.push(self.k as u8);
        self.point_params()
            .write_custom(&mut out, FORMAT)
            .expect("writing to a Vec");
        self.vk.write(&mut out, FORMAT).expect("writing to a Vec");
        out
    }

    /// Parses a key file (see [`VerifierKey::to_bytes`]). Never panics: any other byte
    /// string gives a [`KeyFormatError`]. Every point must be a canonical compressed
    /// encoding of a curve point.
    pub fn from_bytes(data: &[u8]) -> Result<VerifierKey, KeyFormatError> {
        if data.len() < 8 || data[..8] != KEY_MAGIC {
            return Err(KeyFormatError::BadMagic);
        }
        if data.len() < HEADER {
            return Err(KeyFormatError::Truncated);
        }
        if data[8] != KEY_VERSION {
            return Err(KeyFormatError::BadVersion(data[8]));
        }
        let k = u32::from(data[9]);
        if !(MIN_K..=MAX_K).contains(&k) {
            return Err(KeyFormatError::UnsupportedK(k));
        }

        // Parameters. `read_custom` allocates 2^k' points for the k' it reads: check that
        // k' = 0 before calling it.
        let section = data
            .get(HEADER..HEADER + PARAMS_LEN)
            .ok_or(KeyFormatError::Truncated)?;
        if section[..4] != [0; 4] {
            return Err(KeyFormatError::BadParams(
                "parameter section is not one-point (k = 0) parameters".into(),
            ));
        }
        // halo2curves' compressed G2 decoder panics on a coordinate that is not below the
        // field modulus (`Fq2::from_bytes` unwraps both halves): check them first.
        for g2 in section[68..].chunks(64) {
            let mut x = [0u8; 64];
            x.copy_from_slice(g2);
            x[63] &= 0b0011_1111; // the infinity and sign flags
            for half in x.chunks(32) {
                if bool::from(Fq::from_bytes(half.try_into().unwrap()).is_none()) {
                    return Err(KeyFormatError::BadParams(
                        "G2 coordinate not below the field modulus".into(),
                    ));
                }
            }
        }
        let point_params = Params::read_custom(&mut &section[..], FORMAT)
            .map_err(|e| KeyFormatError::BadParams(e.to_string()))?;
        let g0: G1Affine = point_params.get_g()[0];
        // Re-encode from (g[0], g2, s_g2) alone: rejects non-canonical encodings and a
        // g_lagrange[0] other than g[0] (for one point the Lagrange basis is g[0] itself).
        let mut canonical = Vec::with_capacity(PARAMS_LEN);
        point_params
            .from_parts(
                0,
                vec![g0],
                Some(vec![g0]),
                point_params.g2(),
                point_params.s_g2(),
            )
            .write_custom(&mut canonical, FORMAT)
            .expect("writing to a Vec");
        if canonical != section {
            return Err(KeyFormatError::BadParams(
                "non-canonical point encoding, or g_lagrange[0] != g[0]".into(),
            ));
        }

        // Verifying key. `VerifyingKey::read` builds the evaluation domain for the k it
        // reads (version byte, then k as u32 LE): check it equals the header's first.
        let vk_bytes = &data[HEADER + PARAMS_LEN..];
        if vk_bytes.len() < 5 {
            return Err(KeyFormatError::Truncated);
        }
        let vk_k = u32::from_le_bytes(vk_bytes[1..5].try_into().unwrap());
        if vk_bytes[0] == 0x02 && vk_k != k {
            return Err(KeyFormatError::KMismatch {
                params: k,
                vk: vk_k,
            });
        }
        let mut reader = vk_bytes;
        let vk = VerifyingKey::read::<_, MemoryCircuit>(&mut reader, FORMAT)
            .map_err(|e| truncated_or(e, |e| KeyFormatError::BadVk(e.to_string())))?;
        if !reader.is_empty() {
            return Err(KeyFormatError::Trailing(reader.len()));
        }
        if vk.fixed_commitments().len() != vk.cs().num_fixed_columns() {
            return Err(KeyFormatError::BadVk(format!(
                "{} fixed commitments for {} fixed columns",
                vk.fixed_commitments().len(),
                vk.cs().num_fixed_columns()
            )));
        }
        if vk.to_bytes(FORMAT) != vk_bytes {
            return Err(KeyFormatError::BadVk("non-canonical encoding".into()));
        }

        let params = point_params.from_parts(
            k,
            vec![g0],
            Some(vec![]),
            point_params.g2(),
            point_params.s_g2(),
        );
        Ok(VerifierKey { k, params, vk })
    }

    /// Writes the key file.
    pub fn save(&self, path: &Path) -> Result<(), KeyFormatError> {
        Ok(fs::write(path, self.to_bytes())?)
    }

    /// Reads a key file.
    pub fn load(path: &Path) -> Result<VerifierKey, KeyFormatError> {
        VerifierKey::from_bytes(&fs::read(path)?)
    }
}

/// [`verify`] with a [`VerifierKey`]: the same checks, without the full parameters.
/// Fails with [`VerifyError::KMismatch`] if the proof is for another `k` than the key.
pub fn verify_with_key(key: &VerifierKey, proof: &Proof) -> Result<(), VerifyError> {
    if proof.k != key.k {
        return Err(VerifyError::KMismatch {
            proof: proof.k,
            expected: key.k,
        });
    }
    verify(&key.params, &key.vk, proof)
}
