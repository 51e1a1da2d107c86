//! A running machine: a program plus registers, gas, memory and a tracer.

use std::convert::Infallible;
use std::sync::Arc;

use machine::cells::{trace_read, trace_write};
use machine::{NoTrace, Step, Tracer, ViewError};

use crate::exit::{Exit, HALT_ADDRESS};
use crate::format::polkavm::{Container, ContainerError, MemoryLayout};
use crate::format::{StandardProgram, MAX_ARGS_LEN, STACK_TOP};
use crate::interpreter;
use crate::memory::{check_range, Access, Memory, MemoryError};
use crate::memory_trace::{emit_image, emit_zeroing, MEMORY, REGISTERS};
use crate::module::Module;
use crate::observer::{NoObserver, Observer};
use crate::program::{Program, ProgramError};
use crate::recompiler::{Engine, EngineError};
use crate::state::{Core, REG_SLOTS};
use crate::{GpVersion, REG_COUNT};

/// Errors creating an instance.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum InstanceError {
    /// The program was rejected.
    #[error(transparent)]
    Program(#[from] ProgramError),
    /// Memory could not be set up.
    #[error(transparent)]
    Memory(#[from] MemoryError),
    /// The `.polkavm` container is invalid.
    #[error(transparent)]
    Container(#[from] ContainerError),
    /// More call arguments than argument registers.
    #[error("{0} arguments given; at most 9 fit in registers")]
    TooManyArguments(usize),
    /// Argument data larger than Z_I (16 MiB).
    #[error("argument data is {0} bytes, more than the 16 MiB limit")]
    ArgumentsTooLarge(usize),
    /// The engine asked for cannot run this instance.
    #[error(transparent)]
    Engine(#[from] EngineError),
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Resume {
    /// Start at `pc`; `paid` says whether its block is already charged.
    At { paid: bool },
    /// Continue after the `ecalli` at `pc` (its block is paid).
    AfterHostCall,
    /// The machine halted or panicked; `run` reports that again.
    Finished(Exit),
}

/// A PVM instance, reporting its register and memory accesses to a [`Tracer`] `T`
/// (see [`crate::memory_trace`]). The default [`NoTrace`] records nothing and costs nothing;
/// [`Instance::with_tracer`] attaches another tracer.
pub struct Instance<T: Tracer = NoTrace> {
    program: Arc<Program>,
    core: Core,
    /// The current pc: the instruction to run next, or the one that caused the last exit.
    pc: u32,
    resume: Resume,
    /// The `.polkavm` memory layout, for instances made by [`Instance::from_container`].
    layout: Option<MemoryLayout>,
    /// The program's machine code, when the engine is [`Engine::Recompiler`].
    #[cfg(all(target_arch = "x86_64", target_os = "linux"))]
    native: Option<Arc<crate::recompiler::Module>>,
    /// Whether the engine was named ([`Instance::engine_chosen`]) rather than defaulted.
    engine_chosen: bool,
    tracer: T,
}

impl<T: Tracer> std::fmt::Debug for Instance<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Instance")
            .field("pc", &self.pc)
            .field("gas", &self.core.gas)
            .field("regs", self.regs())
            .finish()
    }
}

impl Instance {
    /// A fresh instance at pc 0 with zeroed registers, `gas` and no memory mapped, on
    /// [`Engine::default`] (the recompiler where it is supported, which compiles the
    /// program now unless another instance of the same `Arc<Program>` already did; a
    /// program it cannot compile is an [`EngineError::Compile`]). Name the engine with
    /// [`Instance::new_on`].
    pub fn new(program: Arc<Program>, gas: u64) -> Result<Instance, InstanceError> {
        Instance::create(program, gas, None)
    }

    /// [`Instance::new`] on `engine`, with the typed errors of [`Instance::with_engine`]
    /// (an interpreter instance never compiles anything).
    pub fn new_on(
        program: Arc<Program>,
        gas: u64,
        engine: Engine,
    ) -> Result<Instance, InstanceError> {
        Instance::create(program, gas, Some(engine))
    }

    /// A fresh instance on `engine`, or on [`Engine::default`] without one (then the
    /// engine counts as not chosen: see [`Instance::engine_chosen`]).
    pub(crate) fn create(
        program: Arc<Program>,
        gas: u64,
        engine: Option<Engine>,
    ) -> Result<Instance, InstanceError> {
        let instance = Instance {
            program,
            core: Core {
                regs: [0; REG_SLOTS],
                gas,
                memory: Memory::new()?,
                index: 0,
            },
            pc: 0,
            resume: Resume::At { paid: false },
            layout: None,
            #[cfg(all(target_arch = "x86_64", target_os = "linux"))]
            native: None,
            engine_chosen: false,
            tracer: NoTrace,
        };
        match engine {
            Some(engine) => instance.with_engine(engine),
            None => instance.switch_engine(Engine::default()),
        }
    }

    /// Sets up a JAM standard program with argument data (GP A.7, Y(p, a)): memory
    /// regions, registers and pc 0, on [`Engine::default`]. (To start the same program
    /// many times, or on a named engine, make a [`Module`](crate::Module) once and
    /// instantiate it.)
    pub fn from_standard(
        standard: &StandardProgram,
        args: &[u8],
        gas: u64,
        version: GpVersion,
    ) -> Result<Instance, InstanceError> {
        if args.len() > MAX_ARGS_LEN as usize {
            return Err(InstanceError::ArgumentsTooLarge(args.len()));
        }
        Module::from_standard(standard, version)?.instantiate_with_args(args, gas)
    }

    /// Sets up a PolkaVM `.polkavm` program (always GP 0.8 / JamV1): RO data, RW data and
    /// stack mapped where PolkaVM 0.37 places them, on [`Engine::default`]. Use
    /// [`Instance::prepare_call`] to call an export. (To start the same program many
    /// times, or on a named engine, make a [`Module`](crate::Module) once and instantiate
    /// it.)
    pub fn from_container(container: &Container, gas: u64) -> Result<Instance, InstanceError> {
        Module::from_container(container)?.instantiate(gas)
    }

    /// Records the `.polkavm` layout (for `prepare_call`'s stack pointer).
    pub(crate) fn set_layout(&mut self, layout: MemoryLayout) {
        self.layout = Some(layout);
    }

    /// Guest memory, mutable (map pages, write data). Only untraced instances hand it out:
    /// a traced instance changes memory through [`Instance::map_memory`],
    /// [`Instance::write_memory`] and the like, which report the change.
    pub fn memory_mut(&mut self) -> &mut Memory {
        &mut self.core.memory
    }

    /// Attaches `tracer`: the instance reports every access from now on. The current state
    /// is reported first as writes — every non-zero register, then every non-zero word of
    /// every mapped page (the program image: RO/RW data, arguments) — so the trace starts
    /// from all-zero cells.
    ///
    /// Tracing needs the interpreter. An instance left on the default engine moves to
    /// [`Engine::Interpreter`] (same results; [`Instance::engine`] says so afterwards); an
    /// instance whose engine was chosen as [`Engine::Recompiler`]
    /// ([`Instance::engine_chosen`]) refuses an enabled tracer with
    /// [`EngineError::NeedsInterpreter`].
    pub fn with_tracer<T: Tracer>(mut self, mut tracer: T) -> Result<Instance<T>, InstanceError> {
        if T::ENABLED && self.engine() == Engine::Recompiler {
            if self.engine_chosen {
                return Err(EngineError::NeedsInterpreter("tracing").into());
            }
            self = self.switch_engine(Engine::Interpreter)?;
        }
        emit_image(&mut tracer, &self.core.regs, &self.core.memory);
        Ok(Instance {
            program: self.program,
            core: self.core,
            pc: self.pc,
            resume: self.resume,
            layout: self.layout,
            #[cfg(all(target_arch = "x86_64", target_os = "linux"))]
            native: self.native,
            engine_chosen: self.engine_chosen,
            tracer,
        })
    }
}

impl<T: Tracer> Instance<T> {
    /// Chooses the engine that runs this instance (instances made without naming one run
    /// on [`Engine::default`]: the recompiler where it is supported, the interpreter
    /// elsewhere). Afterwards the engine counts as chosen ([`Instance::engine_chosen`]).
    ///
    /// [`Engine::Recompiler`] compiles the program to machine code on first use (once per
    /// `Arc<Program>`: every instance of the program shares the code). It is refused with a
    /// typed error, never replaced by the interpreter: [`EngineError::Unsupported`] off
    /// x86-64 Linux, [`EngineError::NeedsInterpreter`] on a traced instance,
    /// [`EngineError::Compile`] if the program cannot be compiled. The machine state
    /// (registers, gas, memory, pc) is kept, so the engine may be changed between runs.
    /// [`Instance::step`] executes its one instruction with the interpreter on either engine.
    pub fn with_engine(self, engine: Engine) -> Result<Self, InstanceError> {
        let mut instance = self.switch_engine(engine)?;
        instance.engine_chosen = true;
        Ok(instance)
    }

    /// [`Instance::with_engine`] without marking the engine as chosen.
    #[cfg_attr(
        not(all(target_arch = "x86_64", target_os = "linux")),
        allow(unused_mut)
    )]
    fn switch_engine(mut self, engine: Engine) -> Result<Self, InstanceError> {
        match engine {
            Engine::Interpreter => {
                #[cfg(all(target_arch = "x86_64", target_os = "linux"))]
                {
                    self.native = None;
                }
                Ok(self)
            }
            Engine::Recompiler => {
                if T::ENABLED {
                    return Err(EngineError::NeedsInterpreter("tracing").into());
                }
                #[cfg(all(target_arch = "x86_64", target_os = "linux"))]
                {
                    let module =
                        crate::recompiler::module(&self.program).map_err(EngineError::Compile)?;
                    self.native = Some(module);
                    Ok(self)
                }
                #[cfg(not(all(target_arch = "x86_64", target_os = "linux")))]
                {
                    Err(EngineError::Unsupported.into())
                }
            }
        }
    }

    /// Whether the engine was named — by [`Instance::new_on`],
    /// [`Module::instantiate_on`](crate::Module::instantiate_on),
    /// [`Module::instantiate_with_args_on`](crate::Module::instantiate_with_args_on) or
    /// [`Instance::with_engine`] — rather than left to [`Engine::default`]. A chosen
    /// recompiler is a requirement: tracing and observers are refused with
    /// [`EngineError::NeedsInterpreter`]. The default is a preference: for them it gives way
    /// to the interpreter.
    pub fn engine_chosen(&self) -> bool {
        self.engine_chosen
    }

    /// The engine that runs this instance.
    pub fn engine(&self) -> Engine {
        #[cfg(all(target_arch = "x86_64", target_os = "linux"))]
        if self.native.is_some() {
            return Engine::Recompiler;
        }
        Engine::Interpreter
    }

    /// Prepares a call to the function at `pc` the way PolkaVM does: registers cleared,
    /// RA (r0) = the halt address so that returning halts, SP (r1) = the stack top,
    /// arguments in a0–a5 (r7–r12) then t0–t2 (r2–r4).
    pub fn prepare_call(&mut self, pc: u32, args: &[u64]) -> Result<(), InstanceError> {
        const ARGUMENT_REGS: [usize; 9] = [7, 8, 9, 10, 11, 12, 2, 3, 4];
        if args.len() > ARGUMENT_REGS.len() {
            return Err(InstanceError::TooManyArguments(args.len()));
        }
        let mut regs = [0; REG_SLOTS];
        regs[0] = u64::from(HALT_ADDRESS);
        regs[1] = u64::from(self.layout.map_or(STACK_TOP, |l| l.stack_pointer));
        for (&reg, &value) in ARGUMENT_REGS.iter().zip(args) {
            regs[reg] = value;
        }
        if T::ENABLED {
            for (index, (&new, &old)) in regs.iter().zip(&self.core.regs).enumerate() {
                if new != old {
                    self.tracer.write(REGISTERS, index as u64, new);
                }
            }
        }
        self.core.regs = regs;
        self.set_pc(pc);
        Ok(())
    }

    /// The program.
    pub fn program(&self) -> &Arc<Program> {
        &self.program
    }

    /// Runs until the next exit.
    pub fn run(&mut self) -> Exit {
        match self.execute::<NoObserver, false>(&mut NoObserver) {
            Some(exit) => exit,
            None => unreachable!("the interpreter only stops early in single-step mode"),
        }
    }

    /// Runs until the next exit, calling `observer` before every instruction. Observers
    /// need the interpreter: on an instance left on the default engine this run takes the
    /// interpreter (same results; the instance keeps its engine for later runs); on an
    /// instance whose engine was chosen as [`Engine::Recompiler`]
    /// ([`Instance::engine_chosen`]) an enabled observer is refused with
    /// [`EngineError::NeedsInterpreter`] (and nothing runs).
    pub fn run_observed<O: Observer>(&mut self, observer: &mut O) -> Result<Exit, InstanceError> {
        if O::ENABLED && self.engine_chosen && self.engine() == Engine::Recompiler {
            return Err(EngineError::NeedsInterpreter("an observer").into());
        }
        match self.execute::<O, false>(observer) {
            Some(exit) => Ok(exit),
            None => unreachable!("the interpreter only stops early in single-step mode"),
        }
    }

    /// Runs until the next exit, or (with `STEP`) for one instruction: `None` then.
    #[inline(always)]
    fn execute<O: Observer, const STEP: bool>(&mut self, observer: &mut O) -> Option<Exit> {
        let mut paid = match self.resume {
            Resume::Finished(exit) => return Some(exit),
            Resume::At { paid } => paid,
            Resume::AfterHostCall => {
                // ecalli never ends a block: the next instruction is in the paid block.
                let index = self.core.index as usize + 1;
                match self.program.pcs.get(index) {
                    Some(&pc) => {
                        self.pc = pc;
                        self.core.index = index as u32;
                    }
                    None => return Some(self.finish(Exit::Panic)),
                }
                true
            }
        };
        let Some(index) = self.program.index_of(self.pc) else {
            return Some(self.finish(Exit::Panic));
        };
        self.core.index = index;
        if !paid {
            let start = self.program.block_start_index(index);
            let cost = u64::from(self.program.entry_cost(start));
            if self.core.gas < cost {
                self.resume = Resume::At { paid: false };
                return Some(Exit::OutOfGas);
            }
            self.core.gas -= cost;
            paid = true;
        }
        debug_assert!(paid);
        let (exit, paid) = if let Some(result) = self.run_native::<O, STEP>() {
            result
        } else if !T::ENABLED && !O::ENABLED && !STEP {
            // Neither the tracer nor the observer is ever called: the untraced loop,
            // compiled in this crate, does the same.
            interpreter::run_untraced(&mut self.core, &self.program)
        } else {
            interpreter::run::<O, T, STEP>(
                &mut self.core,
                &self.program,
                observer,
                &mut self.tracer,
            )
        };
        let Some(exit) = exit else {
            // One instruction done (single-step mode); the next one's block is paid.
            self.pc = self.program.pcs[self.core.index as usize];
            self.resume = Resume::At { paid };
            return None;
        };
        if exit == Exit::OutOfGas {
            // Out of gas happens on entering a block, possibly past its leading `unlikely`
            // hints (see `Program`): report the block start, where a retry begins.
            self.core.index = self.program.block_start_index(self.core.index);
        }
        self.pc = self.program.pcs[self.core.index as usize];
        self.resume = match exit {
            Exit::Halt | Exit::Panic => Resume::Finished(exit),
            Exit::HostCall { .. } => Resume::AfterHostCall,
            Exit::OutOfGas | Exit::PageFault { .. } => Resume::At { paid },
        };
        Some(exit)
    }

    /// Runs compiled code if this is a recompiler instance (single steps always take the
    /// interpreter: one instruction is its unit; so do observed runs of a defaulted
    /// recompiler, and a chosen one refuses tracers and observers earlier).
    #[inline(always)]
    fn run_native<O: Observer, const STEP: bool>(&mut self) -> Option<(Option<Exit>, bool)> {
        #[cfg(all(target_arch = "x86_64", target_os = "linux"))]
        if let Some(module) = &self.native {
            if !T::ENABLED && !O::ENABLED && !STEP {
                return Some(crate::recompiler::run(
                    &mut self.core,
                    &self.program,
                    module,
                ));
            }
        }
        None
    }

    fn finish(&mut self, exit: Exit) -> Exit {
        self.resume = Resume::Finished(exit);
        exit
    }

    /// The current pc: after an exit, the instruction that caused it (for out-of-gas, the
    /// start of the block that could not be paid).
    pub fn pc(&self) -> u32 {
        self.pc
    }

    /// Moves execution to `pc`; the next `run` starts there and charges its block.
    pub fn set_pc(&mut self, pc: u32) {
        self.pc = pc;
        self.resume = Resume::At { paid: false };
    }

    /// Gas left.
    pub fn gas(&self) -> u64 {
        self.core.gas
    }

    /// Sets the gas left.
    pub fn set_gas(&mut self, gas: u64) {
        self.core.gas = gas;
    }

    /// All thirteen registers.
    pub fn regs(&self) -> &[u64; REG_COUNT] {
        self.core
            .regs
            .first_chunk()
            .expect("REG_SLOTS >= REG_COUNT")
    }

    /// Register `index`, or `None` if `index` ≥ 13.
    pub fn reg(&self, index: usize) -> Option<u64> {
        self.regs().get(index).copied()
    }

    /// Sets register `index` (a traced write); returns `false` (and changes nothing) if
    /// `index` ≥ 13.
    pub fn set_reg(&mut self, index: usize, value: u64) -> bool {
        match self.core.regs[..REG_COUNT].get_mut(index) {
            Some(slot) => {
                *slot = value;
                if T::ENABLED {
                    self.tracer.write(REGISTERS, index as u64, value);
                }
                true
            }
            None => false,
        }
    }

    /// Guest memory (reads through it are not traced; see [`machine::Memory`] for traced
    /// host reads).
    pub fn memory(&self) -> &Memory {
        &self.core.memory
    }

    /// Maps `[address, address + length)` (page-aligned) with `access`, filled with zeros
    /// ([`Memory::map_zeroed`]); non-zero words of pages that were mapped are reported as
    /// written with zero.
    pub fn map_memory(
        &mut self,
        address: u32,
        length: u64,
        access: Access,
    ) -> Result<(), MemoryError> {
        if T::ENABLED {
            // The zeroing report needs a valid range; untraced calls leave the check to
            // `map_zeroed` alone.
            check_range(address, length)?;
            emit_zeroing(&mut self.tracer, &self.core.memory, address, length);
        }
        self.core.memory.map_zeroed(address, length, access)
    }

    /// Changes the access of `[address, address + length)` ([`Memory::set_access`]); when
    /// that unmaps (and so zeroes) pages, their non-zero words are reported as written
    /// with zero.
    pub fn set_memory_access(
        &mut self,
        address: u32,
        length: u64,
        access: Access,
    ) -> Result<(), MemoryError> {
        if T::ENABLED && access == Access::None {
            // As in `map_memory`: only the zeroing report needs the range checked here.
            check_range(address, length)?;
            emit_zeroing(&mut self.tracer, &self.core.memory, address, length);
        }
        self.core.memory.set_access(address, length, access)
    }

    /// Sets the heap end used by `sbrk` ([`Memory::set_heap_end`]; not a cell).
    pub fn set_heap_end(&mut self, end: u32) {
        self.core.memory.set_heap_end(end);
    }

    /// Host-side write to writable guest memory ([`Memory::write`]), traced.
    pub fn write_memory(&mut self, address: u32, data: &[u8]) -> Result<(), MemoryError> {
        self.traced_write(address, data, Access::Write)
    }

    /// Host-side write to mapped guest memory ignoring read-only protection
    /// ([`Memory::write_privileged`]), traced.
    pub fn write_memory_privileged(
        &mut self,
        address: u32,
        data: &[u8],
    ) -> Result<(), MemoryError> {
        self.traced_write(address, data, Access::Read)
    }

    fn traced_write(
        &mut self,
        address: u32,
        data: &[u8],
        needed: Access,
    ) -> Result<(), MemoryError> {
        let memory = &mut self.core.memory;
        memory.check_host(address, data.len(), needed)?;
        // Reported before the write, while the old words are still there.
        trace_write(&mut self.tracer, MEMORY, u64::from(address), data, |word| {
            memory.word(word as u32)
        });
        memory.write_unchecked_access(address, data)
    }

    /// Executes exactly one instruction (see [`machine::Machine::step`]).
    pub fn step(&mut self) -> Step<Exit> {
        match self.execute::<NoObserver, true>(&mut NoObserver) {
            Some(exit) => Step::Exit(exit),
            None => Step::Continue,
        }
    }

    /// The tracer.
    pub fn tracer(&self) -> &T {
        &self.tracer
    }

    /// The tracer, mutably (e.g. to take its records).
    pub fn tracer_mut(&mut self) -> &mut T {
        &mut self.tracer
    }

    /// Consumes the instance, returning its tracer.
    pub fn into_tracer(self) -> T {
        self.tracer
    }
}

/// A guest address range from the 64-bit [`machine::Memory`] interface.
fn guest_range(address: u64, length: usize) -> Result<u32, MemoryError> {
    match u32::try_from(address) {
        Ok(start) if address + length as u64 <= 1 << 32 => Ok(start),
        _ => Err(MemoryError::BeyondAddressSpace {
            address,
            length: length as u64,
        }),
    }
}

impl<T: Tracer> machine::Traced for Instance<T> {
    type Tracer = T;
    fn tracer(&self) -> &T {
        &self.tracer
    }
    fn tracer_mut(&mut self) -> &mut T {
        &mut self.tracer
    }
}

/// One step is one instruction, with the gas semantics of [`Instance::run`]: a block's
/// cost is charged when it is entered (so the step that leaves a block may end with
/// [`Exit::OutOfGas`]), and stepping to an exit ends in the same state as running.
impl<T: Tracer> machine::Machine for Instance<T> {
    type Exit = Exit;
    type Error = Infallible;
    fn step(&mut self) -> Result<Step<Exit>, Infallible> {
        Ok(Instance::step(self))
    }
    fn run(&mut self) -> Result<Exit, Infallible> {
        Ok(Instance::run(self))
    }
}

/// Host-side access to guest memory with the access rules of [`Memory::read`] and
/// [`Memory::write`], traced as word cells.
impl<T: Tracer> machine::Memory for Instance<T> {
    type Error = MemoryError;
    fn read(&mut self, address: u64, buf: &mut [u8]) -> Result<(), MemoryError> {
        let start = guest_range(address, buf.len())?;
        let memory = &self.core.memory;
        memory.read(start, buf)?;
        trace_read(&mut self.tracer, MEMORY, address, buf.len(), |word| {
            memory.word(word as u32)
        });
        Ok(())
    }
    fn write(&mut self, address: u64, data: &[u8]) -> Result<(), MemoryError> {
        let start = guest_range(address, data.len())?;
        self.write_memory(start, data)
    }
}

/// The 13 registers as cells 0..=12 of [`REGISTERS`], traced.
impl<T: Tracer> machine::Registers for Instance<T> {
    type Error = ViewError;
    fn register_count(&self) -> usize {
        REG_COUNT
    }
    fn register(&mut self, index: usize) -> Result<u64, ViewError> {
        let value = self.reg(index).ok_or(ViewError::NoSuchRegister {
            index,
            count: REG_COUNT,
        })?;
        self.tracer.read(REGISTERS, index as u64, value);
        Ok(value)
    }
    fn set_register(&mut self, index: usize, value: u64) -> Result<(), ViewError> {
        if self.set_reg(index, value) {
            Ok(())
        } else {
            Err(ViewError::NoSuchRegister {
                index,
                count: REG_COUNT,
            })
        }
    }
}
