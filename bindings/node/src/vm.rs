//! `NativeVm`: creating a machine, its registers, gas and pc, exports, running and
//! disposing. Memory methods are in `memory.rs`.

use std::cell::{Ref, RefCell, RefMut};
use std::rc::Rc;
use std::sync::Arc;

use napi::Env;
use napi_derive::napi;
use pvm::container::Container;
use pvm::format::StandardProgram;
use pvm::{Instance, REG_COUNT};

use crate::convert::{self, BigU64, U64};
use crate::errors::{Error, IntoNapi, Result};
use crate::exit;
use crate::program::NativeProgram;

/// The engine instance of a VM, shared with the zero-copy memory views made from it so
/// that its guest memory outlives every view (see `view.rs`).
pub type SharedInstance = Rc<RefCell<Instance>>;

/// A PVM instance: a program with its registers, gas, pc and memory.
///
/// Node-API calls arrive on the JavaScript thread one at a time and none of these methods
/// calls back into user code, so a method never runs while another one is borrowing the
/// instance; the `RefCell` only guards that invariant.
#[napi]
pub struct NativeVm {
    /// The engine instance; `None` after `dispose`.
    instance: Option<SharedInstance>,
    /// `(name, pc)` of every export, for VMs made from a `.polkavm` program.
    exports: Vec<(String, u32)>,
}

impl NativeVm {
    fn wrap(instance: Instance, exports: Vec<(String, u32)>) -> NativeVm {
        NativeVm {
            instance: Some(Rc::new(RefCell::new(instance))),
            exports,
        }
    }

    /// The shared instance, or an error after `dispose`.
    pub fn shared(&self) -> Result<&SharedInstance> {
        self.instance
            .as_ref()
            .ok_or_else(|| Error::Engine("this VM was disposed".into()))
    }

    /// The instance, for reading.
    pub fn instance(&self) -> Result<Ref<'_, Instance>> {
        Ok(self.shared()?.borrow())
    }

    /// The instance, for changing.
    pub fn instance_mut(&self) -> Result<RefMut<'_, Instance>> {
        Ok(self.shared()?.borrow_mut())
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

    fn from_standard_bytes(blob: &[u8], args: &[u8], gas: u64, gp: &str) -> Result<NativeVm> {
        let version = convert::gp_version(gp)?;
        let standard = StandardProgram::parse(blob)?;
        let instance = Instance::from_standard(&standard, args, gas, version)?;
        Ok(NativeVm::wrap(instance, Vec::new()))
    }

    fn from_polkavm_bytes(blob: &[u8], gas: u64) -> Result<NativeVm> {
        let container = Container::parse(blob)?;
        let instance = Instance::from_container(&container, gas)?;
        let exports = container
            .exports
            .iter()
            .map(|export| (export.name.clone(), export.pc))
            .collect();
        Ok(NativeVm::wrap(instance, exports))
    }

    fn set_all_regs(&self, values: &[u64]) -> Result<()> {
        if values.len() != REG_COUNT {
            return Err(Error::Range(format!(
                "expected {REG_COUNT} register values, got {}",
                values.len()
            )));
        }
        let mut instance = self.instance_mut()?;
        for (index, &value) in values.iter().enumerate() {
            instance.set_reg(index, value);
        }
        Ok(())
    }
}

#[napi]
impl NativeVm {
    /// A fresh VM for `program` at pc 0, with zeroed registers, `gas` and no memory.
    #[napi(constructor)]
    pub fn new(
        env: Env,
        program: &NativeProgram,
        #[napi(ts_arg_type = "bigint | number")] gas: U64,
    ) -> napi::Result<NativeVm> {
        Instance::new(Arc::clone(program.inner()), gas.0)
            .map(|instance| NativeVm::wrap(instance, Vec::new()))
            .map_err(Error::from)
            .napi(&env)
    }

    /// Loads a raw program blob under Gray Paper version `gp` into a fresh VM.
    #[napi(factory)]
    pub fn from_blob(
        env: Env,
        blob: &[u8],
        #[napi(ts_arg_type = "bigint | number")] gas: U64,
        #[napi(ts_arg_type = "\"0.8\" | \"0.7\"")] gp: String,
    ) -> napi::Result<NativeVm> {
        NativeProgram::load(blob, &gp)
            .and_then(|program| Ok(Instance::new(program, gas.0)?))
            .map(|instance| NativeVm::wrap(instance, Vec::new()))
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
    ) -> napi::Result<NativeVm> {
        NativeVm::from_standard_bytes(blob, args, gas.0, &gp).napi(&env)
    }

    /// Loads a PolkaVM `.polkavm` program (GP 0.8 / JamV1) with PolkaVM's memory layout.
    #[napi(factory)]
    pub fn from_polkavm(
        env: Env,
        blob: &[u8],
        #[napi(ts_arg_type = "bigint | number")] gas: U64,
    ) -> napi::Result<NativeVm> {
        NativeVm::from_polkavm_bytes(blob, gas.0).napi(&env)
    }

    /// The program this VM runs (shared, not copied).
    #[napi]
    pub fn program(&self, env: Env) -> napi::Result<NativeProgram> {
        self.instance()
            .map(|instance| NativeProgram::new(Arc::clone(instance.program())))
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
            Ok(self.instance_mut()?.prepare_call(pc, &args)?)
        };
        run().napi(&env)
    }

    /// Register `index` (0..=12).
    #[napi(ts_return_type = "bigint")]
    pub fn reg(&self, env: Env, index: f64) -> napi::Result<BigU64> {
        let run = || -> Result<BigU64> {
            let index = convert::register_index(index)?;
            Ok(BigU64(self.instance()?.regs()[index]))
        };
        run().napi(&env)
    }

    /// Sets register `index` (0..=12) to `value`.
    #[napi]
    pub fn set_reg(
        &self,
        env: Env,
        index: f64,
        #[napi(ts_arg_type = "bigint | number")] value: U64,
    ) -> napi::Result<()> {
        let run = || -> Result<()> {
            let index = convert::register_index(index)?;
            self.instance_mut()?.set_reg(index, value.0);
            Ok(())
        };
        run().napi(&env)
    }

    /// The 13 registers.
    #[napi(ts_return_type = "Array<bigint>")]
    pub fn regs(&self, env: Env) -> napi::Result<Vec<BigU64>> {
        self.instance()
            .map(|instance| instance.regs().iter().map(|&r| BigU64(r)).collect())
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

    /// Gas left.
    #[napi(ts_return_type = "bigint")]
    pub fn gas(&self, env: Env) -> napi::Result<BigU64> {
        self.instance()
            .map(|instance| BigU64(instance.gas()))
            .napi(&env)
    }

    /// Sets the gas left.
    #[napi]
    pub fn set_gas(
        &self,
        env: Env,
        #[napi(ts_arg_type = "bigint | number")] gas: U64,
    ) -> napi::Result<()> {
        self.instance_mut()
            .map(|mut instance| instance.set_gas(gas.0))
            .napi(&env)
    }

    /// The pc: after an exit, the instruction that caused it.
    #[napi]
    pub fn pc(&self, env: Env) -> napi::Result<u32> {
        self.instance().map(|instance| instance.pc()).napi(&env)
    }

    /// Moves execution to `pc`; the next run charges the gas of the block it starts in.
    #[napi]
    pub fn set_pc(&self, env: Env, pc: f64) -> napi::Result<()> {
        let run = || -> Result<()> {
            let pc = convert::address(pc)?;
            self.instance_mut()?.set_pc(pc);
            Ok(())
        };
        run().napi(&env)
    }

    /// Runs until the next exit and returns its code (see `exit.rs`).
    #[napi]
    pub fn run(&self, env: Env) -> napi::Result<f64> {
        self.instance_mut()
            .map(|mut instance| exit::encode(instance.run()))
            .napi(&env)
    }

    /// Releases this VM's engine instance. Its guest memory is freed as soon as no
    /// memory view made from it is alive. Every later call throws `PvmError`.
    #[napi]
    pub fn dispose(&mut self) {
        self.instance = None;
    }

    /// Whether `dispose` was called.
    #[napi(getter)]
    pub fn disposed(&self) -> bool {
        self.instance.is_none()
    }
}
