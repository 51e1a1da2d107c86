//! A tiny assembler: instructions as opcode + operand bytes, relative jump offsets patched
//! once the layout is known, then code, bitmask and jump table.
//!
//! The encoder deliberately allows any operand layout, including ones the Gray Paper
//! decodes in surprising ways (short immediates, extra bytes, register nibbles above 12),
//! because those are exactly what differential testing should exercise.

use pvm::{GpVersion, Opcode};

/// Where a jump offset or jump-table entry points.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Target {
    /// The start of block `n` (resolved after layout).
    Label(usize),
    /// A fixed code offset, valid or not.
    Pc(u32),
}

/// A relative offset to patch into an instruction's bytes after layout.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Fixup {
    /// Byte position of the offset within the instruction (the opcode is byte 0).
    pub at: usize,
    /// Encoded length of the offset (0..=4 bytes; truncated if the offset does not fit).
    pub len: usize,
    /// What the offset points to.
    pub target: Target,
}

/// One encoded instruction.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Inst {
    /// Opcode byte followed by operand bytes.
    pub bytes: Vec<u8>,
    /// An offset to patch, for jumps and branches.
    pub fixup: Option<Fixup>,
}

impl Inst {
    /// An instruction from an opcode and raw operand bytes.
    pub fn new(opcode: Opcode, operands: &[u8]) -> Inst {
        let mut bytes = vec![opcode_byte(opcode)];
        bytes.extend_from_slice(operands);
        Inst { bytes, fixup: None }
    }

    /// The instruction's opcode byte.
    pub fn opcode_byte(&self) -> u8 {
        self.bytes[0]
    }
}

/// The JamV1 (GP 0.8) byte of an opcode that exists there.
pub fn opcode_byte(opcode: Opcode) -> u8 {
    opcode
        .byte(GpVersion::V0_8)
        .expect("the generator only uses GP 0.8 opcodes")
}

/// Every opcode of the GP 0.8 / JamV1 instruction set.
pub fn jam_opcodes() -> Vec<Opcode> {
    Opcode::ALL
        .iter()
        .copied()
        .filter(|op| op.byte(GpVersion::V0_8).is_some())
        .collect()
}

/// The low `len` bytes of `value`, little-endian.
pub fn le_bytes(value: u64, len: usize) -> Vec<u8> {
    value.to_le_bytes()[..len.min(8)].to_vec()
}

/// The fewest bytes (0..=4) whose sign extension gives back `value` as a 32-bit immediate,
/// i.e. the canonical immediate length; values that need more are truncated to 4 bytes.
pub fn min_imm_len(value: u64) -> usize {
    let v = value as u32 as i32 as i64;
    match v {
        0 => 0,
        -0x80..=0x7F => 1,
        -0x8000..=0x7FFF => 2,
        -0x80_0000..=0x7F_FFFF => 3,
        _ => 4,
    }
}

/// A program under construction: blocks of instructions with labels at block starts.
#[derive(Clone, Debug, Default)]
pub struct Assembler {
    insts: Vec<Inst>,
    /// Instruction index at which each label (block) starts.
    labels: Vec<usize>,
}

/// The assembled parts of a program.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Assembled {
    /// Code bytes.
    pub code: Vec<u8>,
    /// Packed bitmask (one bit per code byte, LSB first, zero padding).
    pub bitmask: Vec<u8>,
    /// Code offset of every instruction.
    pub starts: Vec<u32>,
    /// Code offset of every label.
    pub label_pcs: Vec<u32>,
}

impl Assembler {
    /// An empty program.
    pub fn new() -> Assembler {
        Assembler::default()
    }

    /// Starts a new block here and returns its label.
    pub fn label(&mut self) -> usize {
        self.labels.push(self.insts.len());
        self.labels.len() - 1
    }

    /// Appends an instruction.
    pub fn push(&mut self, inst: Inst) {
        self.insts.push(inst);
    }

    /// Number of instructions so far.
    pub fn len(&self) -> usize {
        self.insts.len()
    }

    /// Whether no instruction was added yet.
    pub fn is_empty(&self) -> bool {
        self.insts.is_empty()
    }

    /// The last instruction added.
    pub fn last(&self) -> Option<&Inst> {
        self.insts.last()
    }

    /// Lays the code out and patches every jump offset.
    pub fn assemble(&self) -> Assembled {
        let mut starts = Vec::with_capacity(self.insts.len());
        let mut pc = 0u32;
        for inst in &self.insts {
            starts.push(pc);
            pc += inst.bytes.len() as u32;
        }
        let code_len = pc;
        let label_pcs: Vec<u32> = self
            .labels
            .iter()
            .map(|&index| starts.get(index).copied().unwrap_or(code_len))
            .collect();
        let resolve = |target: Target| match target {
            Target::Label(label) => label_pcs.get(label).copied().unwrap_or(code_len),
            Target::Pc(pc) => pc,
        };
        let mut code = Vec::with_capacity(code_len as usize);
        for (inst, &start) in self.insts.iter().zip(&starts) {
            let mut bytes = inst.bytes.clone();
            if let Some(fixup) = inst.fixup {
                let offset = resolve(fixup.target).wrapping_sub(start);
                let encoded = le_bytes(u64::from(offset), fixup.len);
                for (i, byte) in encoded.into_iter().enumerate() {
                    if let Some(slot) = bytes.get_mut(fixup.at + i) {
                        *slot = byte;
                    }
                }
            }
            code.extend_from_slice(&bytes);
        }
        let mut bitmask = vec![0u8; code.len().div_ceil(8)];
        for &start in &starts {
            bitmask[start as usize / 8] |= 1 << (start % 8);
        }
        Assembled {
            code,
            bitmask,
            starts,
            label_pcs,
        }
    }

    /// Resolves a target to a code offset for a given layout.
    pub fn resolve(assembled: &Assembled, target: Target) -> u32 {
        match target {
            Target::Label(label) => assembled
                .label_pcs
                .get(label)
                .copied()
                .unwrap_or(assembled.code.len() as u32),
            Target::Pc(pc) => pc,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use pvm::Program;

    #[test]
    fn backward_and_forward_offsets_are_patched() {
        let mut asm = Assembler::new();
        let start = asm.label();
        // load_imm r7, 1
        asm.push(Inst::new(Opcode::LoadImm, &[7, 1]));
        // jump → label 1 (forward), 4-byte offset
        let mut jump = Inst::new(Opcode::Jump, &[0; 4]);
        jump.fixup = Some(Fixup {
            at: 1,
            len: 4,
            target: Target::Label(1),
        });
        asm.push(jump);
        let end = asm.label();
        // jump → label 0 (backward), 1-byte offset
        let mut back = Inst::new(Opcode::Jump, &[0]);
        back.fixup = Some(Fixup {
            at: 1,
            len: 1,
            target: Target::Label(start),
        });
        asm.push(back);
        assert_eq!(end, 1);
        let out = asm.assemble();
        assert_eq!(out.starts, [0, 3, 8]);
        assert_eq!(out.label_pcs, [0, 8]);
        assert_eq!(&out.code[3..8], &[40, 5, 0, 0, 0]);
        assert_eq!(&out.code[8..], &[40, 0xF8]);
        assert_eq!(out.bitmask, [0b0000_1001, 0b1]);
        let program = Program::from_parts(&out.code, &out.bitmask, &[], GpVersion::V0_8).unwrap();
        let targets: Vec<_> = program.instructions().filter_map(|i| i.target()).collect();
        assert_eq!(targets, [8, 0]);
    }

    #[test]
    fn canonical_immediate_lengths() {
        assert_eq!(min_imm_len(0), 0);
        assert_eq!(min_imm_len(0x7F), 1);
        assert_eq!(min_imm_len(0x80), 2);
        assert_eq!(min_imm_len(u64::MAX), 1);
        assert_eq!(min_imm_len(0xFFFF_FF80), 1);
        assert_eq!(min_imm_len(0x8000_0000), 4);
        assert_eq!(jam_opcodes().len(), 139);
    }
}
