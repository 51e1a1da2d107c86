//! The proof and its file format.

use std::{fs, io, path::Path};

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
