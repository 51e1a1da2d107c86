//! Human-readable instructions and program listings, derived from the ISA table's
//! operand forms.

use std::fmt::{self, Write};

use crate::decode::Instruction;
use crate::isa::OperandForm;
use crate::program::Program;

/// Register names as the Gray Paper numbers them.
pub fn reg_name(index: u8) -> String {
    format!("r{index}")
}

fn signed(value: u64) -> String {
    let value = value as i64;
    if (-4096..=4096).contains(&value) {
        value.to_string()
    } else {
        format!("{:#x}", value as u64)
    }
}

impl fmt::Display for Instruction {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (a, b, d) = (reg_name(self.a), reg_name(self.b), reg_name(self.d));
        let name = self.opcode.name();
        match self.opcode.form() {
            OperandForm::None => write!(f, "{name}"),
            OperandForm::Imm => write!(f, "{name} {}", self.imm as u32),
            OperandForm::RegImm64 => write!(f, "{name} {a}, {:#x}", self.imm),
            OperandForm::ImmImm => {
                write!(f, "{name} [{:#x}], {}", self.imm as u32, signed(self.imm2))
            }
            OperandForm::Offset => write!(f, "{name} @{}", self.imm as u32),
            OperandForm::RegImm => write!(f, "{name} {a}, {}", signed(self.imm)),
            OperandForm::RegImmImm => {
                write!(
                    f,
                    "{name} [{a} + {}], {}",
                    signed(self.imm),
                    signed(self.imm2)
                )
            }
            OperandForm::RegImmOffset => {
                write!(f, "{name} {a}, {}, @{}", signed(self.imm), self.imm2 as u32)
            }
            OperandForm::RegReg => write!(f, "{name} {d}, {a}"),
            OperandForm::RegRegImm => write!(f, "{name} {a}, {b}, {}", signed(self.imm)),
            OperandForm::RegRegOffset => write!(f, "{name} {a}, {b}, @{}", self.imm as u32),
            OperandForm::RegRegImmImm => write!(
                f,
                "{name} {a}, {b}, {}, {}",
                signed(self.imm),
                signed(self.imm2)
            ),
            OperandForm::RegRegReg => write!(f, "{name} {d}, {a}, {b}"),
        }
    }
}

/// A listing of the whole program: one line per instruction with its offset and bytes,
/// a marker line at every basic-block start with the block's gas cost, and the jump table.
pub fn listing(program: &Program) -> String {
    let mut out = String::new();
    let code = program.code().bytes();
    for ins in program.instructions() {
        if let Some(cost) = program.block_cost_at(ins.pc) {
            let _ = writeln!(out, "@{}: ; block, gas {cost}", ins.pc);
        }
        let end = (ins.next_pc() as usize).min(code.len());
        let start = (ins.pc as usize).min(end);
        let bytes: Vec<String> = code[start..end]
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect();
        let _ = writeln!(out, "{:>8}: {:<30} {ins}", ins.pc, bytes.join(" "));
    }
    if !program.jump_table().is_empty() {
        let _ = writeln!(out, "jump table:");
        for (slot, target) in program.jump_table().iter().enumerate() {
            let _ = writeln!(out, "  [{}] = @{target}", (slot + 1) * 2);
        }
    }
    out
}
