//! The bytecode: one table ([`TABLE`]) drives the decoder, the encoder, the disassembler
//! and the assembler. All multi-byte fields are big-endian, byte-compatible with the
//! reference implementation.

use std::fmt::Write as _;

use crate::error::VmError;

/// One field of an instruction's encoding.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Field {
    /// Unsigned integer of the given byte width (1, 2, 4 or 8), named for the listing.
    Int(u8, &'static str),
    /// A register number (one byte), listed as `rN`.
    Reg(&'static str),
    /// Padding bytes: written as zero, ignored when decoding.
    Pad(u8),
}

impl Field {
    fn width(self) -> usize {
        match self {
            Field::Int(w, _) => w as usize,
            Field::Reg(_) => 1,
            Field::Pad(n) => n as usize,
        }
    }
}

/// Operation codes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Op {
    /// No operation.
    Nop,
    /// Load bytes from memory into a register.
    MLoad3D,
    /// Store bytes of a register into memory.
    MStore3D,
    /// Allocate; the 14-byte address goes into the register.
    MAlloc3D,
    /// Free the allocation starting at the address.
    MFree3D,
    /// Copy bytes (destination Z is 0).
    MCopy3D,
    /// Size of the allocation containing the address (0 if none), 8 bytes big-endian.
    MSize3D,
    /// Compact memory.
    MCompact3D,
    /// Copy a register.
    Mov,
    /// 64-bit wrapping addition.
    Add,
    /// 64-bit wrapping subtraction.
    Sub,
    /// Stop.
    Halt,
}

/// Encoding of one operation.
#[derive(Debug)]
pub struct OpSpec {
    /// The operation.
    pub op: Op,
    /// Opcode byte.
    pub opcode: u8,
    /// Assembler name.
    pub mnemonic: &'static str,
    /// Fields after the opcode byte.
    pub fields: &'static [Field],
}

impl OpSpec {
    /// Encoded length including the opcode byte.
    pub fn len(&self) -> usize {
        1 + self.fields.iter().map(|f| f.width()).sum::<usize>()
    }
    /// Always false: every instruction has an opcode byte.
    pub fn is_empty(&self) -> bool {
        false
    }
    /// Number of operand values (fields that are not padding).
    pub fn arity(&self) -> usize {
        self.fields
            .iter()
            .filter(|f| !matches!(f, Field::Pad(_)))
            .count()
    }
}

use Field::{Int, Pad, Reg};

/// The instruction table.
pub const TABLE: &[OpSpec] = &[
    OpSpec {
        op: Op::Nop,
        opcode: 0x00,
        mnemonic: "NOP",
        fields: &[],
    },
    OpSpec {
        op: Op::MLoad3D,
        opcode: 0x10,
        mnemonic: "MLOAD3D",
        fields: &[
            Int(8, "x"),
            Int(4, "y"),
            Int(2, "z"),
            Int(4, "size"),
            Reg("dst"),
        ],
    },
    OpSpec {
        op: Op::MStore3D,
        opcode: 0x11,
        mnemonic: "MSTORE3D",
        fields: &[
            Int(8, "x"),
            Int(4, "y"),
            Int(2, "z"),
            Reg("src"),
            Int(4, "size"),
        ],
    },
    OpSpec {
        op: Op::MAlloc3D,
        opcode: 0x12,
        mnemonic: "MALLOC3D",
        fields: &[
            Int(4, "size"),
            Int(1, "region"),
            Int(1, "flags"),
            Reg("dst"),
            Pad(6),
        ],
    },
    OpSpec {
        op: Op::MFree3D,
        opcode: 0x13,
        mnemonic: "MFREE3D",
        fields: &[Int(8, "x"), Int(4, "y"), Int(2, "z")],
    },
    OpSpec {
        op: Op::MCopy3D,
        opcode: 0x14,
        mnemonic: "MCOPY3D",
        fields: &[
            Int(8, "sx"),
            Int(2, "sy"),
            Int(2, "sz"),
            Int(4, "dx"),
            Int(2, "dy"),
            Int(1, "size"),
        ],
    },
    OpSpec {
        op: Op::MSize3D,
        opcode: 0x15,
        mnemonic: "MSIZE3D",
        fields: &[Int(8, "x"), Int(4, "y"), Int(2, "z"), Reg("dst")],
    },
    OpSpec {
        op: Op::MCompact3D,
        opcode: 0x17,
        mnemonic: "MCOMPACT3D",
        fields: &[],
    },
    OpSpec {
        op: Op::Mov,
        opcode: 0x30,
        mnemonic: "MOV",
        fields: &[Reg("dst"), Reg("src"), Pad(5)],
    },
    OpSpec {
        op: Op::Add,
        opcode: 0x31,
        mnemonic: "ADD",
        fields: &[Reg("dst"), Reg("a"), Reg("b")],
    },
    OpSpec {
        op: Op::Sub,
        opcode: 0x32,
        mnemonic: "SUB",
        fields: &[Reg("dst"), Reg("a"), Reg("b")],
    },
    OpSpec {
        op: Op::Halt,
        opcode: 0xff,
        mnemonic: "HALT",
        fields: &[],
    },
];

/// The table entry for an opcode byte.
pub fn spec_by_opcode(b: u8) -> Option<&'static OpSpec> {
    TABLE.iter().find(|s| s.opcode == b)
}

/// The table entry for an operation.
pub fn spec(op: Op) -> &'static OpSpec {
    TABLE
        .iter()
        .find(|s| s.op == op)
        .expect("every Op is in TABLE")
}

/// A decoded instruction: the operation and its operand values in table order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Instruction {
    /// The operation.
    pub op: Op,
    /// Operand values (padding excluded), in the order of the table's fields.
    pub args: Vec<u64>,
}

impl Instruction {
    /// Builds an instruction; panics if the argument count does not match the table.
    pub fn new(op: Op, args: &[u64]) -> Self {
        assert_eq!(args.len(), spec(op).arity(), "operand count of {op:?}");
        Self {
            op,
            args: args.to_vec(),
        }
    }
    /// Encoded length.
    pub fn len(&self) -> usize {
        spec(self.op).len()
    }
    /// Always false.
    pub fn is_empty(&self) -> bool {
        false
    }
}

/// Decodes the instruction at `pc`.
pub fn decode(program: &[u8], pc: usize) -> Result<Instruction, VmError> {
    let b = *program.get(pc).ok_or(VmError::NoMoreInstructions)?;
    let s = spec_by_opcode(b).ok_or(VmError::UnsupportedOpcode)?;
    if program.len() - pc < s.len() {
        return Err(VmError::IncompleteInstruction);
    }
    let mut p = pc + 1;
    let mut args = Vec::with_capacity(s.arity());
    for f in s.fields {
        let w = f.width();
        if !matches!(f, Pad(_)) {
            args.push(
                program[p..p + w]
                    .iter()
                    .fold(0u64, |acc, b| (acc << 8) | u64::from(*b)),
            );
        }
        p += w;
    }
    Ok(Instruction { op: s.op, args })
}

/// Decodes a whole program (stops at the first error, which carries its pc).
pub fn decode_all(program: &[u8]) -> Result<Vec<(usize, Instruction)>, (usize, VmError)> {
    let mut pc = 0;
    let mut out = Vec::new();
    while pc < program.len() {
        let i = decode(program, pc).map_err(|e| (pc, e))?;
        let n = i.len();
        out.push((pc, i));
        pc += n;
    }
    Ok(out)
}

/// Appends the encoding of `inst` (values wider than their field are truncated).
pub fn encode_into(inst: &Instruction, out: &mut Vec<u8>) {
    let s = spec(inst.op);
    out.push(s.opcode);
    let mut args = inst.args.iter();
    for f in s.fields {
        match f {
            Pad(n) => out.extend(std::iter::repeat_n(0, *n as usize)),
            _ => {
                let v = *args.next().expect("arity checked by Instruction::new");
                let w = f.width();
                out.extend_from_slice(&v.to_be_bytes()[8 - w..]);
            }
        }
    }
}

/// Encodes a sequence of instructions.
pub fn encode(insts: &[Instruction]) -> Vec<u8> {
    let mut out = Vec::new();
    for i in insts {
        encode_into(i, &mut out);
    }
    out
}

/// One instruction as assembler text, e.g. `MLOAD3D x=0 y=0 z=0 size=4 dst=r1`.
pub fn format(inst: &Instruction) -> String {
    let s = spec(inst.op);
    let mut out = s.mnemonic.to_string();
    let mut args = inst.args.iter();
    for f in s.fields {
        match f {
            Int(_, name) => write!(out, " {name}={}", args.next().unwrap()).unwrap(),
            Reg(name) => write!(out, " {name}=r{}", args.next().unwrap()).unwrap(),
            Pad(_) => {}
        }
    }
    out
}

/// A listing with one `pc: instruction` line each; the first error ends it with a line
/// `pc: error: message`.
pub fn disassemble(program: &[u8]) -> String {
    let mut out = String::new();
    let mut pc = 0;
    while pc < program.len() {
        match decode(program, pc) {
            Ok(i) => {
                writeln!(out, "{pc:04x}: {}", format(&i)).unwrap();
                pc += i.len();
            }
            Err(e) => {
                writeln!(out, "{pc:04x}: error: {e}").unwrap();
                break;
            }
        }
    }
    out
}

/// Assembler errors.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AsmError {
    /// The mnemonic is not in the table.
    #[error("line {0}: unknown mnemonic `{1}`")]
    UnknownMnemonic(usize, String),
    /// Wrong number of operands.
    #[error("line {line}: {mnemonic} takes {expected} operands, got {got}")]
    Arity {
        /// 1-based line.
        line: usize,
        /// The mnemonic.
        mnemonic: &'static str,
        /// Operands the table defines.
        expected: usize,
        /// Operands given.
        got: usize,
    },
    /// An operand is not a number (decimal, `0x` hex, or `rN` for registers) or does not fit.
    #[error("line {0}: bad operand `{1}`")]
    BadOperand(usize, String),
}

fn parse_num(t: &str) -> Option<u64> {
    let t = t
        .strip_prefix('r')
        .or_else(|| t.strip_prefix('R'))
        .unwrap_or(t);
    match t.strip_prefix("0x") {
        Some(h) => u64::from_str_radix(h, 16).ok(),
        None => t.parse().ok(),
    }
}

/// Assembles text: one instruction per line (or separated by `;`), `#` starts a comment,
/// an optional `hex:` pc label (as printed by [`disassemble`]) is skipped, operands are
/// values in table order, optionally written `name=value`.
pub fn assemble(src: &str) -> Result<Vec<u8>, AsmError> {
    let mut out = Vec::new();
    for (ln, line) in src.lines().enumerate() {
        let line_no = ln + 1;
        let code = line.split('#').next().unwrap_or("");
        for stmt in code.split(';') {
            let mut toks = stmt
                .split([' ', '\t', ','])
                .filter(|t| !t.is_empty())
                .peekable();
            if toks.peek().is_some_and(|t| t.ends_with(':')) {
                toks.next();
            }
            let Some(m) = toks.next() else { continue };
            let s = TABLE
                .iter()
                .find(|s| s.mnemonic.eq_ignore_ascii_case(m))
                .ok_or_else(|| AsmError::UnknownMnemonic(line_no, m.to_string()))?;
            let ops: Vec<&str> = toks.map(|t| t.rsplit('=').next().unwrap_or(t)).collect();
            if ops.len() != s.arity() {
                return Err(AsmError::Arity {
                    line: line_no,
                    mnemonic: s.mnemonic,
                    expected: s.arity(),
                    got: ops.len(),
                });
            }
            let widths = s
                .fields
                .iter()
                .filter(|f| !matches!(f, Pad(_)))
                .map(|f| f.width());
            let mut args = Vec::new();
            for (t, w) in ops.iter().zip(widths) {
                let v = parse_num(t).ok_or_else(|| AsmError::BadOperand(line_no, t.to_string()))?;
                if w < 8 && v >> (8 * w) != 0 {
                    return Err(AsmError::BadOperand(line_no, t.to_string()));
                }
                args.push(v);
            }
            encode_into(&Instruction { op: s.op, args }, &mut out);
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lengths_match_the_reference() {
        let lens: Vec<(u8, usize)> = TABLE.iter().map(|s| (s.opcode, s.len())).collect();
        assert_eq!(
            lens,
            [
                (0x00, 1),
                (0x10, 20),
                (0x11, 20),
                (0x12, 14),
                (0x13, 15),
                (0x14, 20),
                (0x15, 16),
                (0x17, 1),
                (0x30, 8),
                (0x31, 4),
                (0x32, 4),
                (0xff, 1)
            ]
        );
    }

    #[test]
    fn doc_msize_example_decodes() {
        let p = [0x15, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0];
        assert_eq!(
            decode(&p, 0).unwrap(),
            Instruction::new(Op::MSize3D, &[0, 0, 0, 0])
        );
    }

    #[test]
    fn errors() {
        assert_eq!(decode(&[0x16], 0), Err(VmError::UnsupportedOpcode));
        assert_eq!(
            decode(&[0x31, 1, 2], 0),
            Err(VmError::IncompleteInstruction)
        );
        assert_eq!(decode(&[], 0), Err(VmError::NoMoreInstructions));
        assert_eq!(
            decode_all(&[0, 0, 0x99]),
            Err((2, VmError::UnsupportedOpcode))
        );
    }

    #[test]
    fn asm_disasm_roundtrip() {
        let src = "MALLOC3D 256 0 0 r0\nMSTORE3D 0 0 0 r1 4 # comment\nmov r2, r1; ADD r3 r1 r2\nMCOPY3D 0 0 0 0 0 4\nHALT";
        let bin = assemble(src).unwrap();
        assert_eq!(&bin[..14], &[0x12, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
        let listing = disassemble(&bin);
        assert_eq!(assemble(&listing).unwrap(), bin);
        assert!(listing.contains("0022: MOV dst=r2 src=r1"), "{listing}");
        assert!(matches!(
            assemble("FOO"),
            Err(AsmError::UnknownMnemonic(1, _))
        ));
        assert!(matches!(assemble("ADD 1 2"), Err(AsmError::Arity { .. })));
        assert!(matches!(
            assemble("MCOPY3D 0 0 0 0 0 256"),
            Err(AsmError::BadOperand(1, _))
        ));
    }
}
