//! The operand layout of every form (GP appendix A.5) as the generator writes it: which
//! fields a form has and how they become bytes.

use pvm::isa::OperandForm;

use crate::asm::le_bytes;

/// An immediate field of an operand form.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Field {
    /// A 0–4-byte immediate, sign-extended.
    Imm,
    /// A full 8-byte immediate.
    Imm64,
    /// A relative jump offset (0–4 bytes), patched after layout.
    Offset,
}

/// The operand fields of every form: how many register fields, then the immediates in
/// encoding order. Random operands and gadgets are both built from this one table.
pub(super) const fn operand_fields(form: OperandForm) -> (usize, &'static [Field]) {
    use Field::{Imm, Imm64, Offset};
    match form {
        OperandForm::None => (0, &[]),
        OperandForm::Imm => (0, &[Imm]),
        OperandForm::RegImm64 => (1, &[Imm64]),
        OperandForm::ImmImm => (0, &[Imm, Imm]),
        OperandForm::Offset => (0, &[Offset]),
        OperandForm::RegImm => (1, &[Imm]),
        OperandForm::RegImmImm => (1, &[Imm, Imm]),
        OperandForm::RegImmOffset => (1, &[Imm, Offset]),
        OperandForm::RegReg => (2, &[]),
        OperandForm::RegRegImm => (2, &[Imm]),
        OperandForm::RegRegOffset => (2, &[Offset]),
        OperandForm::RegRegImmImm => (2, &[Imm, Imm]),
        OperandForm::RegRegReg => (3, &[]),
    }
}

/// Operand bytes from their fields: register fields two to a byte, low nibble first;
/// when two immediates follow, `len_field` (the first one's length) takes the free high
/// nibble after an odd number of registers, or else a byte of its own; a free nibble
/// otherwise gets `spare` (bits the decoder ignores); then each `(value, len)` immediate
/// as its low `len` bytes.
pub(super) fn operand_bytes(
    regs: &[u8],
    imms: &[(u64, usize)],
    len_field: u8,
    spare: u8,
) -> Vec<u8> {
    let mut len_byte = (imms.len() == 2).then_some(len_field);
    let mut nibbles = regs.to_vec();
    if nibbles.len() % 2 == 1 {
        nibbles.push(len_byte.take().unwrap_or(spare));
    }
    let mut ops: Vec<u8> = nibbles
        .chunks(2)
        .map(|pair| pair[0] | (pair[1] << 4))
        .collect();
    ops.extend(len_byte);
    for &(value, len) in imms {
        ops.extend(le_bytes(value, len));
    }
    ops
}

/// Forms whose operand bytes have a fixed length (registers and 8-byte immediates only),
/// so trailing bytes are simply skipped.
pub(super) fn fixed_length(form: OperandForm) -> bool {
    operand_fields(form)
        .1
        .iter()
        .all(|&field| field == Field::Imm64)
}

/// Whether the form's only immediate is last and already has 4 bytes, so extra bytes
/// cannot lengthen it.
pub(super) fn ends_with_full_imm(ops: &[u8], form: OperandForm) -> bool {
    match operand_fields(form) {
        (registers, [Field::Imm | Field::Offset]) => ops.len() == registers.div_ceil(2) + 4,
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn operand_bytes_follow_each_layout() {
        // Three registers: two in one byte, the third beside the spare nibble.
        assert_eq!(operand_bytes(&[1, 2, 3], &[], 0, 0xA), [0x21, 0xA3]);
        // One register and two immediates: the length field shares the register's byte.
        assert_eq!(
            operand_bytes(&[5], &[(0x1234, 2), (7, 1)], 2, 0xF),
            [0x25, 0x34, 0x12, 7]
        );
        // Two registers or none and two immediates: the length field has a byte of its own.
        assert_eq!(
            operand_bytes(&[1, 2], &[(9, 1), (0, 0)], 1, 0xF),
            [0x21, 1, 9]
        );
        assert_eq!(operand_bytes(&[], &[(9, 1), (8, 1)], 1, 0xF), [1, 9, 8]);
        // A register and an 8-byte immediate.
        assert_eq!(
            operand_bytes(&[12], &[(u64::MAX, 8)], 0, 0),
            [12, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF]
        );
        assert_eq!(
            operand_fields(OperandForm::RegImmOffset),
            (1, &[Field::Imm, Field::Offset][..])
        );
    }
}
