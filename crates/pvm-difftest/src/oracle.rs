//! PolkaVM 0.37 behind the [`Machine`] interface: the test oracle.
//!
//! Set up the way PolkaVM's own vector generator (`tools/spectool`) does: the interpreter
//! backend, dynamic paging, synchronous gas metering with the full pipeline cost model at
//! the L2-hit memory latency, and the raw blob handed over as the `JamV1` code-and-jump-table
//! section. Unlike spectool the module is not `strict`: strict mode rejects jump-table
//! entries past the end of the code, which the Gray Paper allows (a jump through them
//! panics), and our engine follows the paper there.
//!
//! The pc of a halt: PolkaVM forgets its pc when the program halts, so (like spectool) the
//! oracle runs with step tracing and reports the pc of the last instruction stepped. A
//! second, untraced instance can be loaded to check that tracing changes nothing else.

use polkavm::program::InstructionSetKind;
use polkavm::{
    ArcBytes, BackendKind, CacheModel, Config, CostModelKind, Engine, GasMeteringKind,
    InterruptKind, MemoryProtection, Module, ModuleConfig, ProgramBlob, ProgramCounter,
    ProgramParts, RawInstance, Reg,
};

use crate::layout::PAGE;
use crate::machine::{Machine, MachineError, PageView, State, Status};

const ENGINE: &str = "polkavm";

/// Most instructions one run may step before the harness gives up (gas bounds every
/// generated run far below this; it only guards against a harness bug).
const STEP_LIMIT: u64 = 50_000_000;

/// Why the oracle cannot be used on this machine.
#[derive(Debug, thiserror::Error)]
pub enum OracleError {
    /// PolkaVM's full cost model needs AVX2 on x86-64.
    #[error("this CPU has no AVX2, which PolkaVM 0.37's full gas cost model requires on x86-64; differential tests are skipped")]
    NoAvx2,
    /// The engine could not be created.
    #[error("cannot create the PolkaVM engine: {0}")]
    Engine(String),
}

/// Whether PolkaVM's full cost model can run on this CPU.
pub fn cpu_supported() -> bool {
    #[cfg(target_arch = "x86_64")]
    {
        std::arch::is_x86_feature_detected!("avx2")
    }
    #[cfg(not(target_arch = "x86_64"))]
    {
        true
    }
}

/// A PolkaVM engine, shared by all the modules it loads.
pub struct Oracle {
    engine: Engine,
}

impl Oracle {
    /// The interpreter engine with dynamic paging; fails cleanly without AVX2.
    pub fn new() -> Result<Oracle, OracleError> {
        if !cpu_supported() {
            return Err(OracleError::NoAvx2);
        }
        let mut config = Config::new();
        config.set_backend(Some(BackendKind::Interpreter));
        config.set_allow_dynamic_paging(true);
        let engine = Engine::new(&config).map_err(|e| OracleError::Engine(e.to_string()))?;
        Ok(Oracle { engine })
    }

    /// Loads `blob` with `gas` at `pc`; `Err` is a load-time rejection (with the reason).
    pub fn load(
        &self,
        blob: &[u8],
        pc: u32,
        gas: u64,
        step_tracing: bool,
    ) -> Result<Theirs, String> {
        let mut parts = ProgramParts::empty(InstructionSetKind::JamV1);
        parts.code_and_jump_table = ArcBytes::from(blob.to_vec());
        let program = ProgramBlob::from_parts(parts).map_err(|e| e.to_string())?;
        let mut config = ModuleConfig::new();
        config.set_gas_metering(Some(GasMeteringKind::Sync));
        config.set_dynamic_paging(true);
        config.set_cost_model(Some(CostModelKind::Full(CacheModel::L2Hit)));
        config.set_step_tracing(step_tracing);
        let module =
            Module::from_blob(&self.engine, &config, program).map_err(|e| e.to_string())?;
        let mut instance = module.instantiate().map_err(|e| e.to_string())?;
        instance.set_gas(i64::try_from(gas).map_err(|_| "gas above i64::MAX".to_string())?);
        instance.set_next_program_counter(ProgramCounter(pc));
        Ok(Theirs {
            module,
            instance,
            step_tracing,
            last_step: None,
        })
    }
}

/// PolkaVM loaded with a program.
pub struct Theirs {
    module: Module,
    instance: RawInstance,
    step_tracing: bool,
    last_step: Option<u32>,
}

impl Theirs {
    /// PolkaVM's gas cost of the block starting at `pc`, if it considers `pc` a block start.
    pub fn block_cost(&self, pc: u32) -> Option<i64> {
        self.module.calculate_gas_cost_for(ProgramCounter(pc))
    }

    fn internal(message: impl ToString) -> MachineError {
        MachineError::Internal {
            engine: ENGINE,
            message: message.to_string(),
        }
    }

    fn host_action(message: impl ToString) -> MachineError {
        MachineError::HostAction {
            engine: ENGINE,
            message: message.to_string(),
        }
    }
}

impl Machine for Theirs {
    fn map(&mut self, address: u32, length: u32, writable: bool) -> Result<(), MachineError> {
        let protection = if writable {
            MemoryProtection::ReadWrite
        } else {
            MemoryProtection::Read
        };
        self.instance
            .zero_memory_with_memory_protection(address, length, protection)
            .map_err(|e| Self::host_action(format!("{e:?}")))
    }

    fn write(&mut self, address: u32, bytes: &[u8]) -> Result<(), MachineError> {
        // As spectool does: lift read-only protection for the write, then restore it.
        let end = u64::from(address) + bytes.len() as u64;
        let mut protected = Vec::new();
        let mut page = u64::from(address) / u64::from(PAGE) * u64::from(PAGE);
        while page < end {
            let page32 = page as u32;
            if !self
                .instance
                .is_memory_accessible(page32, PAGE, MemoryProtection::Read)
            {
                return Err(Self::host_action(format!("page {page32:#x} is not mapped")));
            }
            if !self
                .instance
                .is_memory_accessible(page32, PAGE, MemoryProtection::ReadWrite)
            {
                self.instance
                    .unprotect_memory(page32, PAGE)
                    .map_err(|e| Self::host_action(format!("{e:?}")))?;
                protected.push(page32);
            }
            page += u64::from(PAGE);
        }
        let result = self
            .instance
            .write_memory(address, bytes)
            .map_err(|e| Self::host_action(format!("{e:?}")));
        for page in protected {
            self.instance
                .protect_memory(page, PAGE)
                .map_err(|e| Self::host_action(format!("{e:?}")))?;
        }
        result
    }

    fn set_reg(&mut self, reg: usize, value: u64) {
        self.instance.set_reg(Reg::ALL[reg], value);
    }

    fn run(&mut self) -> Result<State, MachineError> {
        let mut steps = 0u64;
        let status = loop {
            let interrupt = self.instance.run().map_err(Self::internal)?;
            match interrupt {
                InterruptKind::Step => {
                    self.last_step = self.instance.program_counter().map(|pc| pc.0);
                    steps += 1;
                    if steps > STEP_LIMIT {
                        return Err(Self::internal("step limit exceeded"));
                    }
                }
                InterruptKind::Finished => break Status::Halt,
                InterruptKind::Trap => break Status::Panic,
                InterruptKind::Ecalli(id) => break Status::HostCall(id),
                InterruptKind::Segfault(fault) => break Status::PageFault(fault.page_address),
                InterruptKind::NotEnoughGas => break Status::OutOfGas,
            }
        };
        let pc = match status {
            Status::Halt if self.step_tracing => self.last_step,
            Status::Halt => None,
            // Out of gas on entry (the first block of a run) leaves PolkaVM's current pc
            // unset; the pc it will resume at is the one whose block could not be paid.
            Status::OutOfGas => self
                .instance
                .program_counter()
                .or(self.instance.next_program_counter())
                .map(|pc| pc.0),
            _ => self.instance.program_counter().map(|pc| pc.0),
        };
        let mut regs = [0u64; 13];
        for (slot, reg) in regs.iter_mut().zip(Reg::ALL) {
            *slot = self.instance.reg(reg);
        }
        Ok(State {
            status,
            pc,
            gas: self.instance.gas(),
            regs,
        })
    }

    fn page(&mut self, address: u32) -> Option<PageView> {
        if !self
            .instance
            .is_memory_accessible(address, PAGE, MemoryProtection::Read)
        {
            return None;
        }
        let writable =
            self.instance
                .is_memory_accessible(address, PAGE, MemoryProtection::ReadWrite);
        let contents = self.instance.read_memory(address, PAGE).ok()?;
        Some(PageView { writable, contents })
    }
}
