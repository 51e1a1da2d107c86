//! Arithmetic on its corner cases: division by zero and MIN / −1, shifts and rotations by
//! amounts at and past the width, one-source operations on boundary values, conditional
//! moves with a zero or non-zero condition.

use pvm::isa::OperandForm;

use super::super::generator::Generator;
use super::super::groups::GROUPS;
use super::super::values::{EDGE_VALUES, SHIFT_AMOUNTS};

/// Dividends and divisors: zero, ±1, the signed extremes of both widths, mixed halves.
const DIVISION_VALUES: [u64; 12] = [
    0,
    1,
    2,
    3,
    u64::MAX,
    i64::MIN as u64,
    i64::MAX as u64,
    0xFFFF_FFFF_8000_0000,
    0x8000_0000,
    0xFFFF_FFFF,
    0x1234_5678_8000_0000,
    0xDEAD_BEEF_FFFF_FFFF,
];

impl Generator<'_> {
    /// Division and remainder on the corner cases: zero divisor, MIN / -1, mixed signs.
    pub(in crate::generate) fn division_gadget(&mut self) {
        let (ra, rb, rd) = (self.real_reg(), self.real_reg(), self.real_reg());
        let a = if self.rng.chance(3, 4) {
            *self.rng.pick(&DIVISION_VALUES)
        } else {
            self.rng.next_u64()
        };
        let b = if self.rng.chance(3, 4) {
            *self.rng.pick(&DIVISION_VALUES)
        } else {
            self.rng.next_u64()
        };
        self.load_const(ra, a);
        self.load_const(rb, b);
        let opcode = *self.rng.pick(&GROUPS.divisions);
        self.emit(opcode, &[ra, rb, rd], &[]);
    }

    /// Shifts and rotations by amounts at and beyond the operand width.
    pub(in crate::generate) fn shift_gadget(&mut self) {
        let (ra, rb, rd) = (self.real_reg(), self.real_reg(), self.real_reg());
        let amount = *self.rng.pick(&SHIFT_AMOUNTS);
        let value = *self.rng.pick(&EDGE_VALUES);
        if self.rng.chance(1, 2) {
            self.load_const(ra, value);
            self.load_const(rb, amount);
            let opcode = *self.rng.pick(&GROUPS.shifts_by_register);
            self.emit(opcode, &[ra, rb, rd], &[]);
        } else {
            let source = if self.rng.chance(1, 2) { value } else { amount };
            self.load_const(rb, source);
            let imm = if self.rng.chance(1, 2) { amount } else { value };
            let opcode = *self.rng.pick(&GROUPS.shifts_by_immediate);
            self.emit(opcode, &[ra, rb], &[imm]);
        }
    }

    /// Sign and zero extension, bit counting and byte reversal on boundary values.
    pub(in crate::generate) fn unary_gadget(&mut self) {
        let (ra, rd) = (self.real_reg(), self.real_reg());
        let value = *self.rng.pick(&EDGE_VALUES);
        self.load_const(ra, value);
        let opcode = *self.rng.pick(&GROUPS.unary);
        self.emit(opcode, &[rd, ra], &[]);
    }

    /// Conditional moves with a zero or non-zero condition register.
    pub(in crate::generate) fn cmov_gadget(&mut self) {
        let (ra, rb, rd) = (self.real_reg(), self.real_reg(), self.real_reg());
        let condition = if self.rng.chance(1, 2) {
            0
        } else {
            self.imm_value()
        };
        self.load_const(rb, condition);
        let opcode = *self.rng.pick(&GROUPS.conditional_moves);
        if opcode.form() == OperandForm::RegRegReg {
            self.emit(opcode, &[ra, rb, rd], &[]);
        } else {
            let value = self.imm_value();
            self.emit(opcode, &[ra, rb], &[value]);
        }
    }
}
