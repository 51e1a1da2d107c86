//! `NativeModule` (a program loaded once, instantiated many times) and
//! `NativeModuleCache` (modules by code hash, bounded in bytes, least recently used
//! evicted first), over the engine's `pvm::Module` and `pvm::ModuleCache`; `codeHash`.
//! `lib/module.js` wraps them into the public `Module` and `ModuleCache`.

use std::sync::Arc;

use napi::bindgen_prelude::Uint8Array;
use napi::Env;
use napi_derive::napi;
use pvm::{CodeHash, GpVersion, ProgramFormat};

use crate::convert::{self, U64};
use crate::errors::{Error, IntoNapi, Result};
use crate::program::NativeProgram;
use crate::vm::{exports_of, instantiate, Exports, NativeVm};

/// Parses a program format: `"raw"` (GP A.2 blob), `"standard"` (GP A.7) or `"polkavm"`.
fn program_format(text: &str) -> Result<ProgramFormat> {
    match text {
        "raw" => Ok(ProgramFormat::Raw),
        "standard" => Ok(ProgramFormat::Standard),
        "polkavm" => Ok(ProgramFormat::Polkavm),
        other => Err(Error::Type(format!(
            "unknown program format {other:?}: expected \"raw\", \"standard\" or \"polkavm\""
        ))),
    }
}

/// The format and version of a load; a `.polkavm` program is always GP 0.8.
fn format_and_version(format: &str, gp: &str) -> Result<(ProgramFormat, GpVersion)> {
    let format = program_format(format)?;
    let version = convert::gp_version(gp)?;
    if format == ProgramFormat::Polkavm && version != GpVersion::V0_8 {
        return Err(Error::Type(
            "a .polkavm program is always GP 0.8: gp must be \"0.8\"".into(),
        ));
    }
    Ok((format, version))
}

/// A byte count from JavaScript: a non-negative safe integer.
fn byte_count(value: f64) -> Result<usize> {
    if value.is_finite() && value >= 0.0 && value.fract() == 0.0 && value <= 9_007_199_254_740_991.0
    {
        Ok(value as usize)
    } else {
        Err(Error::Range(format!(
            "maxBytes {value} out of range: expected a non-negative safe integer"
        )))
    }
}

/// A loaded program with its memory image; every VM made from it shares its code and
/// the blocks prepared so far.
#[napi]
pub struct NativeModule {
    inner: Arc<pvm::Module>,
    format: ProgramFormat,
    exports: Exports,
}

impl NativeModule {
    fn new(inner: Arc<pvm::Module>, format: ProgramFormat) -> NativeModule {
        let exports = exports_of(&inner);
        NativeModule {
            inner,
            format,
            exports,
        }
    }
}

#[napi]
impl NativeModule {
    /// Parses and validates `blob` in `format` under Gray Paper version `gp`; throws
    /// `ProgramError` if it is invalid.
    #[napi(factory)]
    pub fn load(
        env: Env,
        blob: &[u8],
        #[napi(ts_arg_type = "\"raw\" | \"standard\" | \"polkavm\"")] format: String,
        #[napi(ts_arg_type = "\"0.8\" | \"0.7\"")] gp: String,
    ) -> napi::Result<NativeModule> {
        let load = || -> Result<NativeModule> {
            let (format, version) = format_and_version(&format, &gp)?;
            let module = format.load(blob, version)?;
            Ok(NativeModule::new(Arc::new(module), format))
        };
        load().napi(&env)
    }

    /// A fresh VM with `gas`, as the constructor of the module's format makes it (`args`:
    /// a standard program's argument data, ignored by the other formats), run by `engine`
    /// (absent: the library's default engine).
    #[napi]
    pub fn instantiate(
        &self,
        env: Env,
        #[napi(ts_arg_type = "bigint | number")] gas: U64,
        args: &[u8],
        #[napi(ts_arg_type = "\"interpreter\" | \"recompiler\" | undefined | null")] engine: Option<
            String,
        >,
    ) -> napi::Result<NativeVm> {
        let instantiate = || -> Result<NativeVm> {
            let instance = instantiate(&self.inner, args, gas.0, engine.as_deref())?;
            Ok(NativeVm::wrap(instance, self.exports.clone()))
        };
        instantiate().napi(&env)
    }

    /// The code offset of the `.polkavm` export `name`; throws `ProgramError` if none.
    #[napi]
    pub fn export_pc(&self, env: Env, name: String) -> napi::Result<u32> {
        match self.inner.export(&name) {
            Some(export) => Ok(export.pc),
            None => Err(Error::Program(format!("no export named {name:?}"))).napi(&env),
        }
    }

    /// The names of the `.polkavm` exports, in file order (empty for other formats).
    #[napi]
    pub fn exports(&self) -> Vec<String> {
        self.exports.iter().map(|(name, _)| name.clone()).collect()
    }

    /// The program format: `"raw"`, `"standard"` or `"polkavm"`.
    #[napi(getter)]
    pub fn format(&self) -> &'static str {
        match self.format {
            ProgramFormat::Raw => "raw",
            ProgramFormat::Standard => "standard",
            ProgramFormat::Polkavm => "polkavm",
        }
    }

    /// The Gray Paper version whose rules the program follows: `"0.8"` or `"0.7"`.
    #[napi(getter)]
    pub fn gp(&self) -> &'static str {
        convert::gp_name(self.inner.program().version())
    }

    /// The shared program.
    #[napi]
    pub fn program(&self) -> NativeProgram {
        NativeProgram::new(self.inner.program().clone())
    }

    /// Basic blocks of the code.
    #[napi(getter)]
    pub fn block_count(&self) -> f64 {
        self.inner.program().block_count() as f64
    }

    /// Basic blocks prepared so far (on first entry, by any VM of this module).
    #[napi(getter)]
    pub fn prepared_blocks(&self) -> f64 {
        self.inner.program().prepared_block_count() as f64
    }

    /// Bytes the module keeps: what a cache counts against its bound.
    #[napi(getter)]
    pub fn footprint(&self) -> f64 {
        self.inner.footprint() as f64
    }
}

/// A cache's counters.
#[napi(object)]
pub struct CacheStats {
    /// Modules held.
    pub entries: f64,
    /// Sum of their footprints in bytes.
    pub bytes: f64,
    /// The bound given to the constructor.
    pub max_bytes: f64,
    /// Loads answered from the cache.
    pub hits: f64,
    /// Loads that parsed the program.
    pub misses: f64,
    /// Modules dropped to make room.
    pub evictions: f64,
}

/// Loaded modules by code hash, format and GP version, bounded in bytes.
#[napi]
pub struct NativeModuleCache {
    inner: pvm::ModuleCache,
}

#[napi]
impl NativeModuleCache {
    /// An empty cache of at most `max_bytes`.
    #[napi(constructor)]
    pub fn new(env: Env, max_bytes: f64) -> napi::Result<NativeModuleCache> {
        byte_count(max_bytes)
            .map(|max_bytes| NativeModuleCache {
                inner: pvm::ModuleCache::new(max_bytes),
            })
            .napi(&env)
    }

    /// The module for `blob`: cached, or loaded and remembered. `code_hash` (32 bytes, or
    /// `null` to compute it) is trusted.
    #[napi]
    pub fn load(
        &self,
        env: Env,
        blob: &[u8],
        #[napi(ts_arg_type = "\"raw\" | \"standard\" | \"polkavm\"")] format: String,
        #[napi(ts_arg_type = "\"0.8\" | \"0.7\"")] gp: String,
        code_hash: Option<&[u8]>,
    ) -> napi::Result<NativeModule> {
        let load = || -> Result<NativeModule> {
            let (format, version) = format_and_version(&format, &gp)?;
            let module = match code_hash {
                Some(hash) => {
                    let hash = CodeHash::try_from(hash).map_err(|_| {
                        Error::Range(format!("codeHash must be 32 bytes, got {}", hash.len()))
                    })?;
                    self.inner.get_or_load_hashed(hash, blob, format, version)?
                }
                None => self.inner.get_or_load(blob, format, version)?,
            };
            Ok(NativeModule::new(module, format))
        };
        load().napi(&env)
    }

    /// The counters.
    #[napi]
    pub fn stats(&self) -> CacheStats {
        let stats = self.inner.stats();
        CacheStats {
            entries: stats.entries as f64,
            bytes: stats.bytes as f64,
            max_bytes: self.inner.max_bytes() as f64,
            hits: stats.hits as f64,
            misses: stats.misses as f64,
            evictions: stats.evictions as f64,
        }
    }

    /// Drops every cached module; the counters are kept.
    #[napi]
    pub fn clear(&self) {
        self.inner.clear();
    }
}

/// blake2b-256 of `blob`: the code hash a cache keys modules by.
#[napi]
pub fn code_hash(blob: &[u8]) -> Uint8Array {
    Uint8Array::from(pvm::code_hash(blob).to_vec())
}
