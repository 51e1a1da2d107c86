//! The bytecode interpreter: [`Vm3D::execute`], and [`Execution`], the VM running one
//! program as a [`machine::Machine`].

use machine::{Machine, Step, Traced, Tracer};

use crate::address::Address3D;
use crate::error::{ExecError, VmError};
use crate::gas;
use crate::isa::{self, Instruction, Op};
use crate::types::{AllocFlags, RegionType};
use crate::vm::Vm3D;

fn reg(v: u64) -> Result<usize, VmError> {
    if v < 16 {
        Ok(v as usize)
    } else {
        Err(VmError::InvalidRegister)
    }
}

fn addr(a: &[u64]) -> Address3D {
    Address3D::new(a[0], a[1] as u32, a[2] as u16)
}

/// How a program run ended without error.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Exit {
    /// A HALT instruction.
    Halt,
    /// The program counter reached the end of the program.
    End,
}

/// The VM running one program: a [`Machine`] whose [`Machine::step`] executes the
/// instruction at the program counter. Made by [`Vm3D::start`]. When the run ends (exit or
/// error) — or the `Execution` is dropped before — the temporary allocations made during
/// it are freed and zeroed, as [`Vm3D::execute`] does.
#[derive(Debug)]
pub struct Execution<'a, T: Tracer> {
    vm: &'a mut Vm3D<T>,
    program: &'a [u8],
    pc: usize,
    count: u64,
    mark: usize,
    /// How the run ended, once it has.
    outcome: Option<Result<Exit, ExecError>>,
}

impl<'a, T: Tracer> Execution<'a, T> {
    /// Byte offset of the next instruction.
    pub fn pc(&self) -> usize {
        self.pc
    }

    /// The VM (registers, memory, gas, statistics so far).
    pub fn vm(&self) -> &Vm3D<T> {
        self.vm
    }

    /// How the run ended, once it has.
    pub fn outcome(&self) -> Option<&Result<Exit, ExecError>> {
        self.outcome.as_ref()
    }

    /// Ends the run with `outcome`: frees the temporaries and remembers it.
    fn finish(&mut self, outcome: Result<Exit, ExecError>) -> Result<Step<Exit>, ExecError> {
        self.release_temporaries();
        self.outcome = Some(outcome.clone());
        outcome.map(Step::Exit)
    }

    fn release_temporaries(&mut self) {
        if self.vm.temporaries.len() > self.mark {
            for id in self.vm.temporaries.split_off(self.mark) {
                self.vm.release(id);
            }
        }
    }
}

impl<T: Tracer> Drop for Execution<'_, T> {
    fn drop(&mut self) {
        if self.outcome.is_none() {
            self.release_temporaries();
        }
    }
}

impl<T: Tracer> Traced for Execution<'_, T> {
    type Tracer = T;
    fn tracer(&self) -> &T {
        &self.vm.tracer
    }
    fn tracer_mut(&mut self) -> &mut T {
        &mut self.vm.tracer
    }
}

impl<T: Tracer> Machine for Execution<'_, T> {
    type Exit = Exit;
    type Error = ExecError;

    /// Executes the instruction at the program counter. At most `max_instructions`
    /// instructions run; after the run has ended every step returns its outcome again.
    fn step(&mut self) -> Result<Step<Exit>, ExecError> {
        if let Some(outcome) = &self.outcome {
            return outcome.clone().map(Step::Exit);
        }
        let pc = self.pc;
        if pc >= self.program.len() {
            return self.finish(Ok(Exit::End));
        }
        let at = |error| ExecError { pc, error };
        if self.count >= self.vm.config.max_instructions {
            return self.finish(Err(at(VmError::InstructionLimitExceeded)));
        }
        let inst = match isa::decode(self.program, pc) {
            Ok(inst) => inst,
            Err(e) => return self.finish(Err(at(e))),
        };
        self.count += 1;
        self.vm.instructions += 1;
        match self.vm.step(&inst) {
            Err(e) => self.finish(Err(at(e))),
            Ok(true) => self.finish(Ok(Exit::Halt)),
            Ok(false) => {
                self.pc += inst.len();
                Ok(Step::Continue)
            }
        }
    }
}

impl<T: Tracer> Vm3D<T> {
    /// Runs `program` from pc 0 until HALT or its end. At most `max_instructions`
    /// instructions run; registers persist across calls. Temporary allocations made
    /// during the call are freed (and zeroed) when it returns, whatever the outcome.
    pub fn execute(&mut self, program: &[u8]) -> Result<(), ExecError> {
        self.start(program).run().map(|_| ())
    }

    /// Starts running `program` from pc 0, one [`Machine::step`] at a time
    /// ([`Machine::run`] runs it to the end; [`Vm3D::execute`] is `start(..).run()`).
    pub fn start<'a>(&'a mut self, program: &'a [u8]) -> Execution<'a, T> {
        let mark = self.temporaries.len();
        Execution {
            vm: self,
            program,
            pc: 0,
            count: 0,
            mark,
            outcome: None,
        }
    }

    /// Executes one decoded instruction; returns true on HALT. Register and memory
    /// accesses are traced (register operands: see [`crate::trace`]).
    pub fn step(&mut self, inst: &Instruction) -> Result<bool, VmError> {
        let a = &inst.args;
        match inst.op {
            Op::Nop => self.gas.charge(gas::NOP)?,
            Op::Halt => {
                self.gas.charge(gas::HALT)?;
                return Ok(true);
            }
            Op::MLoad3D => {
                let size = a[3] as u32;
                // Validate the register before charging would change the charge order;
                // the charge comes first, as for every instruction.
                let data = self.load3d(addr(a), size)?;
                self.set_reg(reg(a[4])?, data);
            }
            Op::MStore3D => {
                let size = a[4] as usize;
                let r = reg(a[3])?;
                if self.reg_len(r) < size {
                    self.gas.charge(gas::store_cost(size as u64))?;
                    return Err(VmError::RegisterTooSmall);
                }
                self.trace_reg_bytes(r, size);
                let data = self.regs[r][..size].to_vec();
                self.store3d(addr(a), &data)?;
            }
            Op::MAlloc3D => {
                let size = a[0] as u32;
                let rt = RegionType::try_from(a[1] as u8);
                let flags = AllocFlags::try_from(a[2] as u8);
                let r = reg(a[3]);
                let (rt, flags, r) = match (rt, flags, r) {
                    (Ok(rt), Ok(f), Ok(r)) => (rt, f, r),
                    (rt, f, r) => {
                        self.gas.charge(gas::alloc_cost(u64::from(size)))?;
                        return Err(r
                            .err()
                            .or(rt.err())
                            .or(f.err())
                            .unwrap_or(VmError::AllocationFailed));
                    }
                };
                let at = self.allocate_with_flags(size, rt, flags)?;
                self.set_reg(r, at.to_bytes().to_vec());
            }
            Op::MFree3D => self.free3d(addr(a))?,
            Op::MCopy3D => {
                let src = Address3D::new(a[0], a[1] as u32, a[2] as u16);
                let dst = Address3D::new(a[3], a[4] as u32, 0);
                self.copy3d(src, dst, a[5] as u32)?;
            }
            Op::MSize3D => {
                self.gas.charge(gas::MSIZE)?;
                let r = reg(a[3])?;
                let size = self.alloc.find(addr(a)).map_or(0, |al| al.size);
                self.set_reg(r, size.to_be_bytes().to_vec());
            }
            Op::MCompact3D => {
                self.compact(&crate::compaction::CompactionConfig::default())?;
            }
            Op::Mov => {
                self.gas.charge(gas::MOV)?;
                let (d, s) = (reg(a[0])?, reg(a[1])?);
                let len = self.reg_len(s);
                self.trace_reg_bytes(s, len);
                self.set_reg(d, self.regs[s].clone());
            }
            Op::Add | Op::Sub => {
                self.gas.charge(gas::ARITH)?;
                let (d, x, y) = (reg(a[0])?, reg(a[1])?, reg(a[2])?);
                let (x, y) = (self.reg_word(x), self.reg_word(y));
                let v = if inst.op == Op::Add {
                    x.wrapping_add(y)
                } else {
                    x.wrapping_sub(y)
                };
                self.set_reg(d, v.to_be_bytes().to_vec());
            }
        }
        Ok(false)
    }
}
