//! `NativeVm`: creating a machine, exports and calls, all registers at once, disposing,
//! and the handle of the fast path. Memory mapping is in `memory.rs`, views in `view.rs`;
//! the per-host-call operations (run, single registers, gas, pc, reads and writes) are in
//! `fast.rs`.

use std::rc::Rc;
use std::sync::Arc;

use napi::bindgen_prelude::Unknown;
use napi::Env;
use napi_derive::napi;
use pvm::container::Container;
use pvm::format::StandardProgram;
use pvm::{Instance, REG_COUNT};

use crate::convert::{self, BigU64, U64};
use crate::errors::{Error, IntoNapi, Result};
use crate::fast;
use crate::program::NativeProgram;
use crate::slot::VmSlot;

/// A PVM instance: a program with its registers, gas, pc and memory.
#[napi]
pub struct NativeVm {
    /// The engine instance, shared with the fast-path handle and memory views.
    slot: Rc<VmSlot>,
    /// `(name, pc)` of every export, for VMs made from a `.polkavm` program (shared by
    /// the VMs of one module).
    exports: Exports,
}

/// `(name, pc)` of a `.polkavm` program's exports, in container order.
pub type Exports = Arc<[(String, u32)]>;

/// An instance of `module` with argument data `args` (standard programs) and `gas`, on the
/// engine named `engine` (`"interpreter"` or `"recompiler"`), or on the library's default
/// engine (the recompiler where it is supported, the interpreter elsewhere) for `None`. A
/// bad name is a `RangeError`; a recompiler that is unsupported here or cannot compile the
/// program is a `PvmError` (never a silent fallback to the interpreter). The engine is
/// named at instantiation, so an interpreter VM never compiles the program.
pub fn instantiate(
    module: &pvm::Module,
    args: &[u8],
    gas: u64,
    engine: Option<&str>,
) -> Result<Instance> {
    Ok(match engine {
        Some(name) => module.instantiate_with_args_on(args, gas, convert::engine(name)?)?,
        None => module.instantiate_with_args(args, gas)?,
    })
}

/// The exports of `module` (empty unless it is a `.polkavm` program).
pub fn exports_of(module: &pvm::Module) -> Exports {
    module
        .exports()
        .iter()
        .map(|export| (export.name.clone(), export.pc))
        .collect()
}

impl NativeVm {
    /// Wraps an instance with its program's exports.
    pub fn wrap(instance: Instance, exports: Exports) -> NativeVm {
        NativeVm {
            slot: VmSlot::new(instance),
            exports,
        }
    }

    /// The VM's slot.
    pub fn slot(&self) -> &VmSlot {
        &self.slot
    }

    fn export_pc_of(&self, name: &str) -> Result<u32> {
        self.exports
            .iter()
            .find(|(export, _)| export == name)
            .map(|&(_, pc)| pc)
            .ok_or_else(|| {
                if self.exports.is_empty() {
                    Error::Program(format!(
                        "no export named {name:?}: this VM has no exports (create it with \
                         Vm.fromPolkavm)"
                    ))
                } else {
                    let names: Vec<&str> = self.exports.iter().map(|(n, _)| n.as_str()).collect();
                    Error::Program(format!(
                        "no export named {name:?}; exports: {}",
                        names.join(", ")
                    ))
                }
            })
    }

    fn from_standard_bytes(
        blob: &[u8],
        args: &[u8],
        gas: u64,
        gp: &str,
        engine: Option<&str>,
    ) -> Result<NativeVm> {
        let version = convert::gp_version(gp)?;
        let standard = StandardProgram::parse(blob)?;
        let module = pvm::Module::from_standard(&standard, version)?;
        let instance = instantiate(&module, args, gas, engine)?;
        Ok(NativeVm::wrap(instance, Exports::default()))
    }

    fn from_polkavm_bytes(blob: &[u8], gas: u64, engine: Option<&str>) -> Result<NativeVm> {
        let module = pvm::Module::from_container(&Container::parse(blob)?)?;
        let instance = instantiate(&module, &[], gas, engine)?;
        Ok(NativeVm::wrap(instance, exports_of(&module)))
    }

    /// A fresh VM of `program` (nothing mapped) on `engine`, or the default for `None`.
    fn from_program(
        program: Arc<pvm::Program>,
        gas: u64,
        engine: Option<&str>,
    ) -> Result<NativeVm> {
        let module = pvm::Module::from_program(program);
        let instance = instantiate(&module, &[], gas, engine)?;
        Ok(NativeVm::wrap(instance, Exports::default()))
    }

    fn set_all_regs(&self, values: &[u64]) -> Result<()> {
        if values.len() != REG_COUNT {
            return Err(Error::Range(format!(
                "expected {REG_COUNT} register values, got {}",
                values.len()
            )));
        }
        self.slot.with_mut(|instance| {
            for (index, &value) in values.iter().enumerate() {
                instance.set_reg(index, value);
            }
            Ok(())
        })
    }
}

#[napi]
impl NativeVm {
    /// A fresh VM for `program` at pc 0, with zeroed registers, `gas` and no memory, run
    /// by `engine` (absent: the library's default engine).
    #[napi(constructor)]
    pub fn new(
        env: Env,
        program: &NativeProgram,
        #[napi(ts_arg_type = "bigint | number")] gas: U64,
        #[napi(ts_arg_type = "\"interpreter\" | \"recompiler\" | undefined | null")] engine: Option<
            String,
        >,
    ) -> napi::Result<NativeVm> {
        NativeVm::from_program(Arc::clone(program.inner()), gas.0, engine.as_deref()).napi(&env)
    }

    /// Loads a raw program blob under Gray Paper version `gp` into a fresh VM.
    #[napi(factory)]
    pub fn from_blob(
        env: Env,
        blob: &[u8],
        #[napi(ts_arg_type = "bigint | number")] gas: U64,
        #[napi(ts_arg_type = "\"0.8\" | \"0.7\"")] gp: String,
        #[napi(ts_arg_type = "\"interpreter\" | \"recompiler\" | undefined | null")] engine: Option<
            String,
        >,
    ) -> napi::Result<NativeVm> {
        NativeProgram::load(blob, &gp)
            .and_then(|program| NativeVm::from_program(program, gas.0, engine.as_deref()))
            .napi(&env)
    }

    /// Sets up a JAM standard program with argument data (GP A.7).
    #[napi(factory)]
    pub fn from_standard(
        env: Env,
        blob: &[u8],
        args: &[u8],
        #[napi(ts_arg_type = "bigint | number")] gas: U64,
        #[napi(ts_arg_type = "\"0.8\" | \"0.7\"")] gp: String,
        #[napi(ts_arg_type = "\"interpreter\" | \"recompiler\" | undefined | null")] engine: Option<
            String,
        >,
    ) -> napi::Result<NativeVm> {
        NativeVm::from_standard_bytes(blob, args, gas.0, &gp, engine.as_deref()).napi(&env)
    }

    /// Loads a PolkaVM `.polkavm` program (GP 0.8 / JamV1) with PolkaVM's memory layout.
    #[napi(factory)]
    pub fn from_polkavm(
        env: Env,
        blob: &[u8],
        #[napi(ts_arg_type = "bigint | number")] gas: U64,
        #[napi(ts_arg_type = "\"interpreter\" | \"recompiler\" | undefined | null")] engine: Option<
            String,
        >,
    ) -> napi::Result<NativeVm> {
        NativeVm::from_polkavm_bytes(blob, gas.0, engine.as_deref()).napi(&env)
    }

    /// The engine that runs this VM: `"interpreter"` or `"recompiler"`.
    #[napi(ts_return_type = "\"interpreter\" | \"recompiler\"")]
    pub fn engine(&self, env: Env) -> napi::Result<&'static str> {
        self.slot
            .with(|instance| Ok(instance.engine().name()))
            .napi(&env)
    }

    /// The program this VM runs (shared, not copied).
    #[napi]
    pub fn program(&self, env: Env) -> napi::Result<NativeProgram> {
        self.slot
            .with(|instance| Ok(NativeProgram::new(Arc::clone(instance.program()))))
            .napi(&env)
    }

    /// The names of the exports, in file order (empty unless made by `fromPolkavm`).
    #[napi]
    pub fn exports(&self) -> Vec<String> {
        self.exports.iter().map(|(name, _)| name.clone()).collect()
    }

    /// The pc of export `name`; throws `ProgramError` if there is none.
    #[napi]
    pub fn export_pc(&self, env: Env, name: String) -> napi::Result<u32> {
        self.export_pc_of(&name).napi(&env)
    }

    /// Prepares a call of the function at `pc` the PolkaVM way: registers cleared,
    /// r0 = the halt address, r1 = the stack pointer, `args` in r7..r12 then r2..r4.
    #[napi]
    pub fn prepare_call(
        &self,
        env: Env,
        pc: f64,
        #[napi(ts_arg_type = "Array<bigint | number>")] args: Vec<U64>,
    ) -> napi::Result<()> {
        let run = || -> Result<()> {
            let pc = convert::address(pc)?;
            let args: Vec<u64> = args.iter().map(|arg| arg.0).collect();
            self.slot
                .with_mut(|instance| Ok(instance.prepare_call(pc, &args)?))
        };
        run().napi(&env)
    }

    /// The 13 registers.
    #[napi(ts_return_type = "Array<bigint>")]
    pub fn regs(&self, env: Env) -> napi::Result<Vec<BigU64>> {
        self.slot
            .with(|instance| Ok(instance.regs().iter().map(|&r| BigU64(r)).collect()))
            .napi(&env)
    }

    /// Sets all 13 registers from an array of 13 values.
    #[napi]
    pub fn set_regs(
        &self,
        env: Env,
        #[napi(ts_arg_type = "Array<bigint | number>")] values: Vec<U64>,
    ) -> napi::Result<()> {
        let values: Vec<u64> = values.iter().map(|value| value.0).collect();
        self.set_all_regs(&values).napi(&env)
    }

    /// The handle the fast-path functions (`fast.rs`) take: an external that shares this
    /// VM's instance.
    #[napi(ts_return_type = "object")]
    pub fn handle<'env>(&self, env: &'env Env) -> napi::Result<Unknown<'env>> {
        // SAFETY: `env` is the live environment of this call.
        let value = unsafe { fast::create_handle(env.raw(), Rc::clone(&self.slot)) }.napi(env)?;
        // SAFETY: `value` is a live handle created in this call's scope.
        Ok(unsafe { Unknown::from_raw_unchecked(env.raw(), value) })
    }

    /// Releases this VM's engine instance. Its guest memory is freed as soon as no
    /// memory view made from it is alive. Every later call throws `PvmError`.
    #[napi]
    pub fn dispose(&self, env: Env) -> napi::Result<()> {
        self.slot.dispose().napi(&env)
    }

    /// Whether `dispose` was called.
    #[napi(getter)]
    pub fn disposed(&self) -> bool {
        self.slot.is_disposed()
    }
}
