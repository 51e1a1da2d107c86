//! The bytecode interpreter.

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

fn word(bytes: &[u8]) -> u64 {
    bytes
        .get(..8)
        .map_or(0, |b| u64::from_be_bytes(b.try_into().expect("8 bytes")))
}

impl Vm3D {
    /// Runs `program` from pc 0 until HALT or its end. At most `max_instructions`
    /// instructions run; registers persist across calls. Temporary allocations made
    /// during the call are freed (and zeroed) when it returns, whatever the outcome.
    pub fn execute(&mut self, program: &[u8]) -> Result<(), ExecError> {
        let mark = self.temporaries.len();
        let r = self.run(program);
        for id in self.temporaries.split_off(mark) {
            self.release(id);
        }
        r
    }

    fn run(&mut self, program: &[u8]) -> Result<(), ExecError> {
        let mut pc = 0usize;
        let mut count = 0u64;
        while pc < program.len() {
            let at = |error| ExecError { pc, error };
            if count >= self.config.max_instructions {
                return Err(at(VmError::InstructionLimitExceeded));
            }
            let inst = isa::decode(program, pc).map_err(at)?;
            count += 1;
            self.instructions += 1;
            let halt = self.step(&inst).map_err(at)?;
            if halt {
                return Ok(());
            }
            pc += inst.len();
        }
        Ok(())
    }

    /// Executes one decoded instruction; returns true on HALT.
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
                self.regs[reg(a[4])?] = data;
            }
            Op::MStore3D => {
                let size = a[4] as usize;
                let r = reg(a[3])?;
                if self.regs[r].len() < size {
                    self.gas.charge(gas::store_cost(size as u64))?;
                    return Err(VmError::RegisterTooSmall);
                }
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
                self.regs[r] = at.to_bytes().to_vec();
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
                self.regs[r] = size.to_be_bytes().to_vec();
            }
            Op::MCompact3D => {
                self.compact(&crate::compaction::CompactionConfig::default())?;
            }
            Op::Mov => {
                self.gas.charge(gas::MOV)?;
                let (d, s) = (reg(a[0])?, reg(a[1])?);
                self.regs[d] = self.regs[s].clone();
            }
            Op::Add | Op::Sub => {
                self.gas.charge(gas::ARITH)?;
                let (d, x, y) = (reg(a[0])?, reg(a[1])?, reg(a[2])?);
                let (x, y) = (word(&self.regs[x]), word(&self.regs[y]));
                let v = if inst.op == Op::Add {
                    x.wrapping_add(y)
                } else {
                    x.wrapping_sub(y)
                };
                self.regs[d] = v.to_be_bytes().to_vec();
            }
        }
        Ok(false)
    }
}
