//! A cache of loaded modules keyed by code hash, for embedders that start the same
//! service code again and again (a JAM node runs a service's code on every accumulate and
//! refine). The cache keeps [`Module`]s — parsed, validated, with every block prepared so
//! far — so a second start of the same code skips parsing and preparation and shares the
//! prepared blocks.
//!
//! Keys are the code hash (blake2b-256 of the program bytes, as JAM names code; an
//! embedder that already knows it passes it in), the program format and the Gray Paper
//! version. The cache is bounded by the sum of its modules' [`Module::footprint`]; when a
//! new module does not fit, the least recently used ones are evicted (modules still used
//! by instances stay alive until those are dropped: the cache only drops its reference).
//!
//! Thread-safety: every method takes `&self`; the index sits behind one mutex held only
//! for lookups and insertions, never while loading, so threads loading different programs
//! do not wait for each other. Two threads that miss on the same program at once both load
//! it; the first insertion wins and both get that module.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard};

use crate::format::StandardProgram;
use crate::{GpVersion, InstanceError, Module};

/// blake2b-256 of a program's bytes.
pub type CodeHash = [u8; 32];

/// blake2b-256 of `bytes`.
pub fn code_hash(bytes: &[u8]) -> CodeHash {
    let hash = blake2b_simd::Params::new().hash_length(32).hash(bytes);
    let mut out = [0; 32];
    out.copy_from_slice(hash.as_bytes());
    out
}

/// How the bytes of a program are to be read.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ProgramFormat {
    /// A raw program blob (GP A.2).
    Raw,
    /// A JAM standard program (GP A.7).
    Standard,
    /// A PolkaVM `.polkavm` container (always GP 0.8: the version asked for is ignored).
    Polkavm,
}

impl ProgramFormat {
    /// Loads `bytes` in this format.
    pub fn load(self, bytes: &[u8], version: GpVersion) -> Result<Module, InstanceError> {
        match self {
            ProgramFormat::Raw => Module::from_blob(bytes, version),
            ProgramFormat::Standard => {
                let standard = StandardProgram::parse(bytes).map_err(crate::ProgramError::from)?;
                Module::from_standard(&standard, version)
            }
            ProgramFormat::Polkavm => Module::from_polkavm_bytes(bytes),
        }
    }
}

/// Counters of a cache's use since it was made.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct CacheStats {
    /// Modules held.
    pub entries: usize,
    /// Sum of their footprints.
    pub bytes: usize,
    /// Lookups answered from the cache.
    pub hits: u64,
    /// Lookups that had to load.
    pub misses: u64,
    /// Modules dropped to make room.
    pub evictions: u64,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
struct Key {
    hash: CodeHash,
    format: ProgramFormat,
    version: GpVersion,
}

impl Key {
    /// The key; a `.polkavm` program has one entry whatever version is asked for.
    fn new(hash: CodeHash, format: ProgramFormat, version: GpVersion) -> Key {
        let version = match format {
            ProgramFormat::Polkavm => GpVersion::V0_8,
            _ => version,
        };
        Key {
            hash,
            format,
            version,
        }
    }
}

struct Entry {
    module: Arc<Module>,
    bytes: usize,
    last_used: u64,
}

#[derive(Default)]
struct State {
    entries: HashMap<Key, Entry>,
    clock: u64,
    stats: CacheStats,
}

/// Loaded modules by code hash, bounded in bytes, least recently used evicted first.
pub struct ModuleCache {
    max_bytes: usize,
    state: Mutex<State>,
}

impl std::fmt::Debug for ModuleCache {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ModuleCache")
            .field("max_bytes", &self.max_bytes)
            .field("stats", &self.stats())
            .finish()
    }
}

impl ModuleCache {
    /// An empty cache holding modules of at most `max_bytes` in total.
    pub fn new(max_bytes: usize) -> ModuleCache {
        ModuleCache {
            max_bytes,
            state: Mutex::new(State::default()),
        }
    }

    /// The bound given to [`ModuleCache::new`].
    pub fn max_bytes(&self) -> usize {
        self.max_bytes
    }

    /// The module for `bytes` in `format` under `version`: from the cache, or loaded and
    /// remembered. Hashes `bytes`; use [`ModuleCache::get_or_load_hashed`] when the code
    /// hash is known. Load errors are returned and not cached.
    pub fn get_or_load(
        &self,
        bytes: &[u8],
        format: ProgramFormat,
        version: GpVersion,
    ) -> Result<Arc<Module>, InstanceError> {
        self.get_or_load_hashed(code_hash(bytes), bytes, format, version)
    }

    /// As [`ModuleCache::get_or_load`], with the caller's code hash of `bytes` (it is
    /// trusted: a wrong hash makes later lookups of that hash return this module).
    pub fn get_or_load_hashed(
        &self,
        hash: CodeHash,
        bytes: &[u8],
        format: ProgramFormat,
        version: GpVersion,
    ) -> Result<Arc<Module>, InstanceError> {
        let key = Key::new(hash, format, version);
        if let Some(module) = self.lookup(&key) {
            return Ok(module);
        }
        let module = Arc::new(format.load(bytes, version)?);
        Ok(self.insert(key, module))
    }

    /// The cached module for `hash`, if any (counts as a hit or a miss).
    pub fn get(
        &self,
        hash: &CodeHash,
        format: ProgramFormat,
        version: GpVersion,
    ) -> Option<Arc<Module>> {
        self.lookup(&Key::new(*hash, format, version))
    }

    /// Drops every cached module.
    pub fn clear(&self) {
        let mut state = self.lock();
        state.entries.clear();
        state.stats.entries = 0;
        state.stats.bytes = 0;
    }

    /// Current counters.
    pub fn stats(&self) -> CacheStats {
        self.lock().stats
    }

    fn lookup(&self, key: &Key) -> Option<Arc<Module>> {
        let mut state = self.lock();
        state.clock += 1;
        let now = state.clock;
        match state.entries.get_mut(key) {
            Some(entry) => {
                entry.last_used = now;
                let module = entry.module.clone();
                state.stats.hits += 1;
                Some(module)
            }
            None => {
                state.stats.misses += 1;
                None
            }
        }
    }

    /// Remembers `module` under `key` (unless another thread did first: then that one is
    /// returned), evicting least recently used modules to stay within the bound. A module
    /// larger than the whole bound is returned without being cached.
    fn insert(&self, key: Key, module: Arc<Module>) -> Arc<Module> {
        let bytes = module.footprint();
        let mut state = self.lock();
        if let Some(existing) = state.entries.get(&key) {
            return existing.module.clone();
        }
        if bytes > self.max_bytes {
            return module;
        }
        while state.stats.bytes + bytes > self.max_bytes {
            let oldest = state
                .entries
                .iter()
                .min_by_key(|(_, entry)| entry.last_used)
                .map(|(key, _)| *key);
            let Some(oldest) = oldest else { break };
            if let Some(evicted) = state.entries.remove(&oldest) {
                state.stats.bytes -= evicted.bytes;
                state.stats.evictions += 1;
            }
        }
        state.clock += 1;
        let last_used = state.clock;
        state.entries.insert(
            key,
            Entry {
                module: module.clone(),
                bytes,
                last_used,
            },
        );
        state.stats.bytes += bytes;
        state.stats.entries = state.entries.len();
        module
    }

    /// The state, usable even if a thread panicked while holding the lock (every update
    /// leaves it consistent).
    fn lock(&self) -> MutexGuard<'_, State> {
        self.state
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}
