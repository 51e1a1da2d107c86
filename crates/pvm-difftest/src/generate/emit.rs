//! Encoding instructions into the program: with random operands of any form (including
//! the odd encodings), or with chosen registers and immediates for the gadgets.

use pvm::Opcode;

use crate::asm::{min_imm_len, Fixup, Inst};

use super::generator::Generator;
use super::operands::{ends_with_full_imm, fixed_length, operand_bytes, operand_fields, Field};

impl Generator<'_> {
    /// Builds an instruction of any form with random operands: the form's fields come
    /// from [`operand_fields`], each filled with a random value and encoding.
    pub(super) fn random_operands(&mut self, opcode: Opcode) -> Inst {
        let (registers, fields) = operand_fields(opcode.form());
        let regs: Vec<u8> = (0..registers).map(|_| self.reg()).collect();
        let mut imms = Vec::with_capacity(fields.len());
        let mut target = None;
        for field in fields {
            imms.push(match field {
                Field::Imm => {
                    let value = self.imm_value();
                    (value, self.imm_len(value))
                }
                Field::Imm64 => (self.imm_value(), 8),
                Field::Offset => {
                    target = Some(self.target());
                    (0, self.rng.range(1, 4) as usize)
                }
            });
        }
        let len_field = match imms[..] {
            [(_, len), _] => self.len_field(len),
            _ => 0,
        };
        let spare = self.junk_nibble();
        let ops = operand_bytes(&regs, &imms, len_field, spare);
        // An offset is always the last field.
        let fixup = target.map(|target| {
            let len = imms.last().map_or(0, |&(_, len)| len);
            Fixup {
                at: 1 + ops.len() - len,
                len,
                target,
            }
        });
        self.finish_operands(opcode, ops, fixup)
    }

    /// A 3-bit immediate-length field for `len` bytes; lengths of 4 are sometimes written
    /// as 5–7 (which decode as 4), and the unused high bits are sometimes set.
    fn len_field(&mut self, len: usize) -> u8 {
        let mut field = len as u8;
        if len == 4 && self.rng.chance(1, 4) {
            field = self.rng.range(5, 7) as u8;
        }
        field | (self.junk_nibble() & 0x8)
    }

    /// Adds the rare odd encodings: trailing bytes the decoder must skip (only where they
    /// cannot lengthen an immediate), or operands cut short.
    fn finish_operands(&mut self, opcode: Opcode, mut ops: Vec<u8>, fixup: Option<Fixup>) -> Inst {
        let mut inst_fixup = fixup;
        match self.rng.below(100) {
            0..=2 if fixed_length(opcode.form()) || ends_with_full_imm(&ops, opcode.form()) => {
                let extra = self.rng.range(1, 24 - ops.len().min(23) as u64) as usize;
                ops.extend(self.rng.bytes(extra));
            }
            3 if !ops.is_empty() => {
                let keep = self.rng.index(ops.len());
                ops.truncate(keep);
                inst_fixup = None;
            }
            _ => {}
        }
        // Operands never exceed the 24-byte skip limit.
        ops.truncate(24);
        let mut inst = Inst::new(opcode, &ops);
        inst.fixup = inst_fixup.filter(|f| f.at + f.len <= inst.bytes.len());
        inst
    }

    /// Pushes `opcode` with these raw operand bytes.
    pub(super) fn push(&mut self, opcode: Opcode, ops: &[u8]) {
        self.asm.push(Inst::new(opcode, ops));
    }

    /// Pushes `opcode` with these register fields and immediates, each immediate at its
    /// canonical length.
    pub(super) fn emit(&mut self, opcode: Opcode, regs: &[u8], imms: &[u64]) {
        let imms: Vec<(u64, usize)> = imms.iter().map(|&v| (v, min_imm_len(v))).collect();
        self.emit_sized(opcode, regs, &imms);
    }

    /// Pushes `opcode` with these register fields and `(value, length)` immediates, in
    /// the layout of its form (a canonical length field, no junk bits).
    pub(super) fn emit_sized(&mut self, opcode: Opcode, regs: &[u8], imms: &[(u64, usize)]) {
        let (registers, fields) = operand_fields(opcode.form());
        debug_assert_eq!(
            (regs.len(), imms.len()),
            (registers, fields.len()),
            "{opcode:?}"
        );
        let len_field = imms.first().map_or(0, |&(_, len)| len as u8);
        self.push(opcode, &operand_bytes(regs, imms, len_field, 0));
    }

    /// `load_imm reg, value` (32-bit sign-extended) or `load_imm_64` when it does not fit.
    pub(super) fn load_const(&mut self, reg: u8, value: u64) {
        if value as u32 as i32 as i64 as u64 == value && self.rng.chance(3, 4) {
            self.emit(Opcode::LoadImm, &[reg], &[value]);
        } else {
            self.emit_sized(Opcode::LoadImm64, &[reg], &[(value, 8)]);
        }
    }
}
