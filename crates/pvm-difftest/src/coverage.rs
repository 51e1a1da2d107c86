//! Opcode coverage: how often each opcode was executed, counted through the engine's
//! [`Observer`] hook.

use std::fmt::Write as _;

use pvm::{Observer, Opcode, Program};

use crate::asm::jam_opcodes;

/// Execution counts per opcode.
#[derive(Clone, Debug)]
pub struct Coverage {
    counts: Box<[u64; 256]>,
}

impl Default for Coverage {
    fn default() -> Self {
        Coverage {
            counts: Box::new([0; 256]),
        }
    }
}

impl Coverage {
    /// How often `opcode` was executed.
    pub fn count(&self, opcode: Opcode) -> u64 {
        self.counts[opcode as usize]
    }

    /// Adds another tally to this one.
    pub fn merge(&mut self, other: &Coverage) {
        for (mine, theirs) in self.counts.iter_mut().zip(other.counts.iter()) {
            *mine += theirs;
        }
    }

    /// Total instructions executed.
    pub fn total(&self) -> u64 {
        self.counts.iter().sum()
    }

    /// The JamV1 opcodes executed fewer than `threshold` times.
    pub fn below(&self, threshold: u64) -> Vec<(Opcode, u64)> {
        jam_opcodes()
            .into_iter()
            .map(|op| (op, self.count(op)))
            .filter(|&(_, n)| n < threshold)
            .collect()
    }

    /// A table of every JamV1 opcode and its count, least executed first.
    pub fn report(&self) -> String {
        let mut rows: Vec<(Opcode, u64)> = jam_opcodes()
            .into_iter()
            .map(|op| (op, self.count(op)))
            .collect();
        rows.sort_by_key(|&(op, n)| (n, op));
        let mut out = String::new();
        let _ = writeln!(
            out,
            "opcode coverage: {} instructions executed, {} of {} opcodes executed at least once",
            self.total(),
            rows.iter().filter(|(_, n)| *n > 0).count(),
            rows.len()
        );
        for chunk in rows.chunks(3) {
            let line: Vec<String> = chunk
                .iter()
                .map(|(op, n)| format!("{:<22} {:>12}", op.name(), n))
                .collect();
            let _ = writeln!(out, "  {}", line.join("   "));
        }
        out
    }
}

/// Maps code offsets to opcodes for one program, to count executions cheaply.
pub struct OpcodeMap {
    by_pc: Vec<u8>,
}

/// Marks a code offset where no instruction starts.
const NONE: u8 = u8::MAX;

impl OpcodeMap {
    /// The map for `program`.
    pub fn new(program: &Program) -> OpcodeMap {
        let mut by_pc = vec![NONE; program.code().len() as usize + 1];
        for ins in program.instructions() {
            if let Some(slot) = by_pc.get_mut(ins.pc as usize) {
                *slot = ins.opcode as u8;
            }
        }
        OpcodeMap { by_pc }
    }
}

/// An [`Observer`] that counts executed opcodes into a [`Coverage`].
pub struct Counter<'a> {
    /// Offsets → opcodes of the running program.
    pub map: &'a OpcodeMap,
    /// Where the counts go.
    pub coverage: &'a mut Coverage,
}

impl Observer for Counter<'_> {
    const ENABLED: bool = true;

    fn before_instruction(&mut self, pc: u32, _regs: &[u64; 13], _gas: u64) {
        if let Some(&op) = self.map.by_pc.get(pc as usize) {
            if op != NONE {
                self.coverage.counts[usize::from(op)] += 1;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use pvm::{GpVersion, Instance};
    use std::sync::Arc;

    #[test]
    fn counts_executed_instructions_only() {
        // load_imm r7, 42 ; jump_ind r0 ; trap (never reached)
        let code = [51, 7, 42, 50, 0, 0];
        let program =
            Arc::new(Program::from_parts(&code, &[0b101001], &[], GpVersion::V0_8).unwrap());
        let map = OpcodeMap::new(&program);
        let mut coverage = Coverage::default();
        let mut vm = Instance::new(program, 1000).unwrap();
        vm.set_reg(0, u64::from(pvm::HALT_ADDRESS));
        let exit = vm
            .run_observed(&mut Counter {
                map: &map,
                coverage: &mut coverage,
            })
            .unwrap();
        assert_eq!(exit, pvm::Exit::Halt);
        assert_eq!(coverage.count(Opcode::LoadImm), 1);
        assert_eq!(coverage.count(Opcode::JumpInd), 1);
        assert_eq!(coverage.count(Opcode::Trap), 0);
        assert_eq!(coverage.total(), 2);
        assert_eq!(coverage.below(1).len(), 137);
        assert!(coverage.report().contains("2 of 139 opcodes"));
    }
}
