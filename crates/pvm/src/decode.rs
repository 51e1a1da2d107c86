//! Operand decoding of single instructions (GP appendix A.5), shared by the pre-decoder,
//! the disassembler and the gas model.

use crate::isa::{GpVersion, Opcode, OperandForm};

/// Number of general-purpose registers.
pub const REG_COUNT: usize = 13;

/// Longest possible operand skip ℓ (bytes between two instruction starts, minus one).
pub const MAX_SKIP: u32 = 24;

/// Code bytes plus their opcode bitmask: everything needed to decode instructions.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Code {
    bytes: Box<[u8]>,
    /// One entry per code byte: does an instruction start here?
    starts: Box<[bool]>,
}

impl Code {
    /// Builds the view from code bytes and a packed bitmask (LSB first, one bit per byte).
    /// Missing bitmask bytes read as zero bits; padding bits are ignored.
    pub fn new(bytes: &[u8], packed_bitmask: &[u8]) -> Code {
        let starts = (0..bytes.len())
            .map(|i| {
                packed_bitmask
                    .get(i / 8)
                    .is_some_and(|byte| byte & (1 << (i % 8)) != 0)
            })
            .collect();
        Code {
            bytes: bytes.into(),
            starts,
        }
    }

    /// The code bytes.
    pub fn bytes(&self) -> &[u8] {
        &self.bytes
    }

    /// Length of the code in bytes.
    pub fn len(&self) -> u32 {
        self.bytes.len() as u32
    }

    /// Whether the code is empty.
    pub fn is_empty(&self) -> bool {
        self.bytes.is_empty()
    }

    /// Whether the bitmask marks `pc` as an instruction start.
    pub fn is_start(&self, pc: u32) -> bool {
        self.starts.get(pc as usize).copied().unwrap_or(false)
    }

    /// ζ: the code byte at `pc`, or zero past the end.
    #[inline]
    pub fn byte(&self, pc: u64) -> u8 {
        usize::try_from(pc)
            .ok()
            .and_then(|pc| self.bytes.get(pc))
            .copied()
            .unwrap_or(0)
    }

    /// ℓ = skip(pc): bytes until the next instruction start, capped at 24; the bitmask
    /// counts as set past the end of the code.
    pub fn skip(&self, pc: u32) -> u32 {
        let mut skip = 0;
        while skip < MAX_SKIP {
            let next = pc as usize + 1 + skip as usize;
            if next >= self.starts.len() || self.starts[next] {
                break;
            }
            skip += 1;
        }
        skip
    }

    /// Reads `len` (0..=8) little-endian bytes at `pc` through ζ.
    fn read_le(&self, pc: u64, len: u32) -> u64 {
        (0..len as u64).fold(0, |acc, i| acc | (u64::from(self.byte(pc + i)) << (8 * i)))
    }

    /// Reads a `len`-byte (0..=4) immediate at `pc`, sign-extended to 64 bits.
    fn read_imm(&self, pc: u64, len: u32) -> u64 {
        sign_extend(self.read_le(pc, len), len)
    }

    /// Decodes the instruction at `pc` under `version`'s numbering. Returns `None` when
    /// the byte at `pc` is not a known opcode.
    pub fn decode(&self, pc: u32, version: GpVersion) -> Option<Instruction> {
        let opcode = Opcode::from_byte(self.byte(pc.into()), version)?;
        Some(self.decode_operands(opcode, pc))
    }

    /// Decodes the operands of `opcode` sitting at `pc`.
    pub fn decode_operands(&self, opcode: Opcode, pc: u32) -> Instruction {
        let skip = self.skip(pc);
        let at = u64::from(pc);
        let b1 = self.byte(at + 1);
        let lo = reg(b1 & 0x0F);
        let hi = reg(b1 >> 4);
        let mut ins = Instruction {
            opcode,
            pc,
            skip,
            a: 0,
            b: 0,
            d: 0,
            imm: 0,
            imm2: 0,
        };
        let offset_target = |offset: u64| pc.wrapping_add(offset as u32);
        match opcode.form() {
            OperandForm::None => {}
            OperandForm::Imm => ins.imm = self.read_imm(at + 1, skip.min(4)),
            OperandForm::RegImm64 => {
                ins.a = lo;
                ins.imm = self.read_le(at + 2, 8);
            }
            OperandForm::ImmImm => {
                let len_x = u32::from(b1 % 8).min(4);
                let len_y = skip.saturating_sub(len_x + 1).min(4);
                ins.imm = self.read_imm(at + 2, len_x);
                ins.imm2 = self.read_imm(at + 2 + u64::from(len_x), len_y);
            }
            OperandForm::Offset => {
                ins.imm = u64::from(offset_target(self.read_imm(at + 1, skip.min(4))));
            }
            OperandForm::RegImm => {
                ins.a = lo;
                ins.imm = self.read_imm(at + 2, skip.saturating_sub(1).min(4));
            }
            OperandForm::RegImmImm | OperandForm::RegImmOffset => {
                ins.a = lo;
                let len_x = u32::from((b1 >> 4) % 8).min(4);
                let len_y = skip.saturating_sub(len_x + 1).min(4);
                ins.imm = self.read_imm(at + 2, len_x);
                ins.imm2 = self.read_imm(at + 2 + u64::from(len_x), len_y);
                if opcode.form() == OperandForm::RegImmOffset {
                    ins.imm2 = u64::from(offset_target(ins.imm2));
                }
            }
            OperandForm::RegReg => {
                ins.d = lo;
                ins.a = hi;
            }
            OperandForm::RegRegImm => {
                ins.a = lo;
                ins.b = hi;
                ins.imm = self.read_imm(at + 2, skip.saturating_sub(1).min(4));
            }
            OperandForm::RegRegOffset => {
                ins.a = lo;
                ins.b = hi;
                let offset = self.read_imm(at + 2, skip.saturating_sub(1).min(4));
                ins.imm = u64::from(offset_target(offset));
            }
            OperandForm::RegRegImmImm => {
                ins.a = lo;
                ins.b = hi;
                let len_x = u32::from(self.byte(at + 2) % 8).min(4);
                let len_y = skip.saturating_sub(len_x + 2).min(4);
                ins.imm = self.read_imm(at + 3, len_x);
                ins.imm2 = self.read_imm(at + 3 + u64::from(len_x), len_y);
            }
            OperandForm::RegRegReg => {
                ins.a = lo;
                ins.b = hi;
                // PolkaVM reads the low nibble; the GP clamps the whole byte (spec-notes §1).
                ins.d = reg(self.byte(at + 2) & 0x0F);
            }
        }
        ins
    }

    /// The offset of the instruction after the one at `pc`.
    pub fn next_pc(&self, pc: u32) -> u64 {
        u64::from(pc) + 1 + u64::from(self.skip(pc))
    }
}

/// A register field clamped to a valid register index (min(12, r)).
#[inline]
fn reg(field: u8) -> u8 {
    field.min(REG_COUNT as u8 - 1)
}

/// Sign-extends the low `len` bytes of `value` to 64 bits (X_n of the Gray Paper).
pub fn sign_extend(value: u64, len: u32) -> u64 {
    match len {
        0 => 0,
        8 => value,
        _ => {
            let shift = 64 - 8 * len;
            (((value << shift) as i64) >> shift) as u64
        }
    }
}

/// One decoded instruction, operands resolved.
///
/// Register fields are clamped indices. `imm` and `imm2` are sign-extended immediates,
/// except for jump forms, where the offset is already resolved into an absolute target:
/// `Offset` and `RegRegOffset` keep the target in `imm`, `RegImmOffset` in `imm2`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Instruction {
    /// The instruction kind.
    pub opcode: Opcode,
    /// Its code offset.
    pub pc: u32,
    /// ℓ: operand bytes until the next instruction (capped at 24).
    pub skip: u32,
    /// Register field A (`r_A`).
    pub a: u8,
    /// Register field B (`r_B`).
    pub b: u8,
    /// Register field D (`r_D`).
    pub d: u8,
    /// First immediate (or jump target, see above).
    pub imm: u64,
    /// Second immediate (or jump target, see above).
    pub imm2: u64,
}

impl Instruction {
    /// The absolute target of a static jump or branch, if the instruction has one.
    pub fn target(&self) -> Option<u32> {
        match self.opcode.form() {
            OperandForm::Offset | OperandForm::RegRegOffset => Some(self.imm as u32),
            OperandForm::RegImmOffset => Some(self.imm2 as u32),
            _ => None,
        }
    }

    /// The offset of the following instruction.
    pub fn next_pc(&self) -> u64 {
        u64::from(self.pc) + 1 + u64::from(self.skip)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sign_extension() {
        assert_eq!(sign_extend(0x80, 1), 0xFFFF_FFFF_FFFF_FF80);
        assert_eq!(sign_extend(0x7F, 1), 0x7F);
        assert_eq!(sign_extend(0x8000_0000, 4), 0xFFFF_FFFF_8000_0000);
        assert_eq!(sign_extend(0x1234, 0), 0);
        assert_eq!(sign_extend(0x00FF_FFFF, 3), u64::MAX);
    }

    #[test]
    fn skip_is_capped_and_end_counts_as_set() {
        let bytes = vec![0u8; 40];
        let code = Code::new(&bytes, &[1, 0, 0, 0, 0]);
        assert_eq!(code.skip(0), 24);
        let code = Code::new(&[51, 7, 1], &[0b001]);
        assert_eq!(code.skip(0), 2);
    }

    #[test]
    fn decodes_register_clamping_and_immediates() {
        // load_imm r15→r12, imm 0xFF (sign-extended to -1)
        let code = Code::new(&[51, 0x0F, 0xFF], &[0b001]);
        let ins = code.decode(0, GpVersion::V0_8).unwrap();
        assert_eq!(ins.opcode, Opcode::LoadImm);
        assert_eq!(ins.a, 12);
        assert_eq!(ins.imm, u64::MAX);
    }

    #[test]
    fn branch_target_is_absolute() {
        // branch_eq_imm r1, imm 5 (1 byte), offset -2 (1 byte) at pc 0
        let code = Code::new(&[81, 0x11, 5, 0xFE], &[0b0001]);
        let ins = code.decode(0, GpVersion::V0_8).unwrap();
        assert_eq!(ins.a, 1);
        assert_eq!(ins.imm, 5);
        assert_eq!(ins.target(), Some(0u32.wrapping_sub(2)));
    }
}
