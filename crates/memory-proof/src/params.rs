//! Where the KZG parameters come from: a trusted-setup ceremony's file, or — only when asked
//! for by name — the INSECURE deterministic test setup.

use std::{fs, io, path::Path};

use halo2_axiom::poly::{commitment::Params as _, kzg::commitment::ParamsKZG};

use crate::{
    keys::Params,
    layout::{MAX_K, MIN_K},
};

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
    crate::setup::deterministic_params(k, INSECURE_SETUP_SEED)
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
