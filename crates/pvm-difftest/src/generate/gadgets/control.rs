//! Control flow: host calls with ids of every length, and the block terminators (trap,
//! fallthrough, static and dynamic jumps, branches).

use pvm::Opcode;

use super::super::generator::Generator;
use super::super::groups::GROUPS;

impl Generator<'_> {
    /// `ecalli` with a 0–4-byte id, mostly 1 (the host's heap growth).
    pub(in crate::generate) fn ecalli(&mut self) {
        let id: u64 = match self.rng.below(10) {
            0..=3 => 1,
            4..=6 => self.rng.below(8),
            7 => 0xFF,
            8 => 0x7FFF_FFFF,
            _ => u64::from(self.rng.next_u32()),
        };
        let len = self.imm_len(id);
        self.emit_sized(Opcode::Ecalli, &[], &[(id, len)]);
    }

    /// Ends a block. The last block must end with an instruction that cannot fall
    /// through (PolkaVM's rule), except in a few deliberately invalid programs.
    pub(in crate::generate) fn terminator(&mut self, last: bool) {
        let choice = if last {
            match self.rng.below(100) {
                0..=29 => 0,
                30..=44 => 2,
                45..=74 => 3,
                75..=84 => 4,
                85..=95 => 5,
                96..=97 => 1,
                _ => 6,
            }
        } else {
            match self.rng.below(100) {
                0..=7 => 0,
                8..=22 => 1,
                23..=34 => 2,
                35..=46 => 3,
                47..=54 => 4,
                55..=61 => 5,
                _ => 6,
            }
        };
        match choice {
            0 => self.push(Opcode::Trap, &[]),
            1 => self.push(Opcode::Fallthrough, &[]),
            2 => {
                let inst = self.random_operands(Opcode::Jump);
                self.asm.push(inst);
            }
            3 => {
                let (reg, imm) = (self.real_reg(), self.small_offset() as u64);
                let address = self.dynamic_address();
                if reg != 0 || self.rng.chance(1, 3) {
                    self.load_const(reg, u64::from(address.wrapping_sub(imm as u32)));
                }
                self.emit(Opcode::JumpInd, &[reg], &[imm]);
            }
            4 => {
                let inst = self.random_operands(Opcode::LoadImmJump);
                self.asm.push(inst);
            }
            5 => {
                let (ra, rb) = (self.real_reg(), self.real_reg());
                let y = self.small_offset() as u64;
                let address = self.dynamic_address();
                self.load_const(rb, u64::from(address.wrapping_sub(y as u32)));
                let x = self.imm_value();
                self.emit(Opcode::LoadImmJumpInd, &[ra, rb], &[x, y]);
            }
            _ => {
                let opcode = *self.rng.pick(&GROUPS.branches);
                let inst = self.random_operands(opcode);
                self.asm.push(inst);
            }
        }
    }
}
