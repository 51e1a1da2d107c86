//! Where the KZG parameters come from: a trusted-setup ceremony's file, or — only when asked
//! for by name — the INSECURE deterministic test setup.

use std::{
    fs, io,
    path::{Path, PathBuf},
};

use halo2_axiom::{
    halo2curves::bn256::G2Affine,
    poly::{commitment::Params as _, kzg::commitment::ParamsKZG},
};

use crate::{
    keys::Params,
    layout::{MAX_K, MIN_K},
};

/// Seed of the deterministic test setup of [`insecure_test_setup`].
pub const INSECURE_SETUP_SEED: u64 = 0x6d65_6d6f_7279_2d70; // "memory-p"

/// Deterministic KZG parameters for `2^k` rows, from a fixed public seed.
///
/// Equal to `ParamsKZG::setup(k, ChaCha20Rng::seed_from_u64(INSECURE_SETUP_SEED))`,
/// computed faster with fixed-base tables.
///
/// **INSECURE — for tests and benchmarks only.** Anyone can recompute the secret `s` from
/// the seed and forge proofs. For real use, load parameters from a trusted-setup ceremony
/// with [`load_params`] (or [`ParamsSource::File`]).
///
/// # Panics
/// If `k` is outside [`MIN_K`]`..=`[`MAX_K`].
pub fn insecure_test_setup(k: u32) -> Params {
    assert!((MIN_K..=MAX_K).contains(&k), "k = {k} is unsupported");
    crate::setup::deterministic_params(k, INSECURE_SETUP_SEED)
}

/// The INSECURE test setup under its old name, which did not say so.
///
/// # Panics
/// As [`insecure_test_setup`].
#[deprecated(
    note = "INSECURE deterministic setup: call `insecure_test_setup` (tests, benchmarks) or \
            `load_params` (a trusted-setup ceremony's file)"
)]
pub fn setup(k: u32) -> Params {
    insecure_test_setup(k)
}

/// Whether parameters with this `s·G2` are the INSECURE test setup's (of any `k`: its
/// secret `s` does not depend on `k`), whatever file they were read from.
pub fn is_insecure_test_s_g2(s_g2: &G2Affine) -> bool {
    *s_g2 == crate::setup::deterministic_s_g2(INSECURE_SETUP_SEED)
}

/// Where the KZG parameters of a proof or a key come from. There is no default: a caller
/// names either a ceremony file or, explicitly, the INSECURE test setup.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ParamsSource {
    /// A parameters file in halo2's raw format, normally a trusted-setup ceremony's, with
    /// at least `2^k` points (larger ones are downsized).
    File(PathBuf),
    /// The INSECURE deterministic test setup ([`insecure_test_setup`]): anyone can forge
    /// proofs under it.
    InsecureTestSetup,
}

/// Why the KZG parameters could not be chosen or loaded.
#[derive(Debug, thiserror::Error)]
pub enum ParamsError {
    /// Neither a parameters file nor the insecure test setup was asked for.
    #[error(
        "no KZG parameters given: pass --params FILE (a trusted-setup ceremony's parameters) \
         or --insecure-test-setup (INSECURE: anyone can forge proofs; tests and benchmarks only)"
    )]
    Missing,
    /// Both a parameters file and the insecure test setup were asked for.
    #[error("--params and --insecure-test-setup exclude each other")]
    Both,
    /// `k` is outside [`MIN_K`]`..=`[`MAX_K`].
    #[error("k = {0} is outside {MIN_K}..={MAX_K}")]
    UnsupportedK(u32),
    /// The parameters file could not be read.
    #[error("reading {}: {source}", path.display())]
    Read {
        /// The file.
        path: PathBuf,
        /// What went wrong.
        source: io::Error,
    },
    /// The parameters file has fewer than `2^k` points.
    #[error("{} has parameters for k = {has}, need k = {need}", path.display())]
    TooSmall {
        /// The file.
        path: PathBuf,
        /// The file's `k`.
        has: u32,
        /// The `k` asked for.
        need: u32,
    },
}

impl ParamsSource {
    /// The source a command line names: `--params FILE` or `--insecure-test-setup`, exactly
    /// one ([`ParamsError::Missing`] for neither, [`ParamsError::Both`] for both).
    pub fn from_choice(
        file: Option<PathBuf>,
        insecure_test_setup: bool,
    ) -> Result<ParamsSource, ParamsError> {
        match (file, insecure_test_setup) {
            (Some(path), false) => Ok(ParamsSource::File(path)),
            (None, true) => Ok(ParamsSource::InsecureTestSetup),
            (None, false) => Err(ParamsError::Missing),
            (Some(_), true) => Err(ParamsError::Both),
        }
    }

    /// The parameters for `2^k` rows: the file's (downsized when larger), or the insecure
    /// test setup's.
    pub fn params(&self, k: u32) -> Result<Params, ParamsError> {
        if !(MIN_K..=MAX_K).contains(&k) {
            return Err(ParamsError::UnsupportedK(k));
        }
        match self {
            ParamsSource::InsecureTestSetup => Ok(insecure_test_setup(k)),
            ParamsSource::File(path) => {
                let params = load_params(path).map_err(|source| ParamsError::Read {
                    path: path.clone(),
                    source,
                })?;
                match params.k().cmp(&k) {
                    std::cmp::Ordering::Less => Err(ParamsError::TooSmall {
                        path: path.clone(),
                        has: params.k(),
                        need: k,
                    }),
                    std::cmp::Ordering::Equal => Ok(params),
                    std::cmp::Ordering::Greater => Ok(downsize(&params, k)),
                }
            }
        }
    }
}

/// What the source is, as `verify` reports the parameters it trusted: the file's path, or
/// `INSECURE test setup`.
impl std::fmt::Display for ParamsSource {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ParamsSource::File(path) => write!(f, "{}", path.display()),
            ParamsSource::InsecureTestSetup => f.write_str("INSECURE test setup"),
        }
    }
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
