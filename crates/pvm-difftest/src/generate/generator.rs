//! The generator proper: a program of random blocks, each a body of random instructions
//! and gadgets ended by a terminator, then its jump table, the occasional deliberate
//! breakage, and the initial registers.

use pvm::{Opcode, HALT_ADDRESS};

use crate::asm::Assembler;
use crate::case::encode_blob;
use crate::layout::Layout;
use crate::rng::Rng;

use super::groups::GROUPS;
use super::values::EDGE_VALUES;

/// A generated program and facts about its layout.
pub struct GeneratedProgram {
    /// The raw blob.
    pub blob: Vec<u8>,
    /// Code offset of every block start.
    pub label_pcs: Vec<u32>,
    /// Code offset of every instruction.
    pub starts: Vec<u32>,
    /// Code length.
    pub code_len: u32,
}

/// Builds one program. The operand choices are in `values`, the encoding in `emit`, the
/// gadgets in `gadgets`.
pub(super) struct Generator<'a> {
    pub(super) rng: &'a mut Rng,
    pub(super) layout: &'a Layout,
    pub(super) asm: Assembler,
    pub(super) blocks: usize,
    pub(super) jump_table_len: usize,
}

impl<'a> Generator<'a> {
    pub(super) fn new(rng: &'a mut Rng, layout: &'a Layout) -> Generator<'a> {
        let blocks = match rng.below(10) {
            0..=1 => 1,
            2..=7 => rng.range(2, 6) as usize,
            _ => rng.range(6, 16) as usize,
        };
        let jump_table_len = match rng.below(4) {
            0 => 0,
            _ => rng.range(1, 8) as usize,
        };
        Generator {
            rng,
            layout,
            asm: Assembler::new(),
            blocks,
            jump_table_len,
        }
    }

    pub(super) fn program(&mut self) -> GeneratedProgram {
        for block in 0..self.blocks {
            self.asm.label();
            let body = match self.rng.below(100) {
                0..=59 => self.rng.below(6),
                60..=89 => self.rng.range(6, 24),
                _ => self.rng.range(24, 160),
            };
            for _ in 0..body {
                self.body_item();
            }
            let last = block + 1 == self.blocks;
            self.terminator(last);
        }
        let assembled = self.asm.assemble();
        let code_len = assembled.code.len() as u32;

        let entries: Vec<u32> = (0..self.jump_table_len)
            .map(|_| {
                let target = self.target();
                Assembler::resolve(&assembled, target)
            })
            .collect();
        let needed = entries
            .iter()
            .map(|&e| 4 - e.leading_zeros() as usize / 8)
            .max()
            .unwrap_or(0)
            .max(usize::from(!entries.is_empty()));
        let entry_size = if entries.is_empty() {
            self.rng.range(0, 4) as u8
        } else if self.rng.chance(1, 5) {
            self.rng.range(needed as u64, 4) as u8
        } else {
            needed as u8
        };

        let mut code = assembled.code.clone();
        let mut bitmask = assembled.bitmask.clone();
        // Occasionally break the program for load-time agreement.
        match self.rng.below(100) {
            0..=1 if !code.is_empty() => {
                let bit = self.rng.index(code.len());
                bitmask[bit / 8] ^= 1 << (bit % 8);
            }
            2 if !assembled.starts.is_empty() => {
                let at = *self.rng.pick(&assembled.starts) as usize;
                code[at] = *self.rng.pick(&GROUPS.unknown_bytes);
            }
            _ => {}
        }
        GeneratedProgram {
            blob: encode_blob(&code, &bitmask, &entries, entry_size),
            label_pcs: assembled.label_pcs,
            starts: assembled.starts,
            code_len,
        }
    }

    /// Initial register values pointing at the interesting places of the layout.
    pub(super) fn registers(&mut self) -> [u64; 13] {
        let mut regs = [0u64; 13];
        for (index, reg) in regs.iter_mut().enumerate() {
            *reg = match self.rng.below(100) {
                _ if index == 0 && self.rng.chance(2, 5) => u64::from(HALT_ADDRESS),
                0..=24 => u64::from(self.layout.mapped_address(self.rng)),
                25..=34 => u64::from(self.layout.unusual_address(self.rng)),
                35..=49 => self.rng.below(70),
                50..=64 => *self.rng.pick(&EDGE_VALUES),
                65..=74 => u64::from(self.dynamic_address()),
                _ => self.rng.next_u64(),
            };
        }
        regs
    }

    /// One body instruction or gadget (never a terminator).
    fn body_item(&mut self) {
        match self.rng.below(100) {
            0..=39 => {
                let opcode = loop {
                    let op = *self.rng.pick(&GROUPS.all);
                    if !op.is_terminator() {
                        break op;
                    }
                };
                let inst = self.random_operands(opcode);
                self.asm.push(inst);
            }
            40..=61 => self.memory_gadget(),
            62..=69 => self.division_gadget(),
            70..=77 => self.shift_gadget(),
            78..=81 => self.unary_gadget(),
            82..=87 => self.ecalli(),
            88..=91 => {
                let reg = self.real_reg();
                let value = self.imm_value();
                self.load_const(reg, value);
            }
            92..=95 => self.cmov_gadget(),
            _ => self.push(Opcode::Unlikely, &[]),
        }
    }
}
