//! A loaded program: validated, pre-decoded into a compact instruction array, with its
//! basic blocks, resolved jump targets and the gas cost of every block computed once.

use crate::decode::{self, Code, Instruction};
use crate::format::{FormatError, RawBlob};
use crate::gas::pipeline::{SimInstr, Simulator};
use crate::gas::{self, GasModel};
use crate::isa::{GpVersion, Opcode, OperandForm};

/// Marks a missing instruction index (an invalid jump target, or a code offset that is
/// not an instruction start).
pub(crate) const NO_INDEX: u32 = u32::MAX;

/// Why a program was rejected at load time.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum ProgramError {
    /// The file could not be parsed.
    #[error(transparent)]
    Format(#[from] FormatError),
    /// The code section is empty.
    #[error("the program has no code")]
    EmptyCode,
    /// GP 0.8 validation: the byte at `pc` is not a valid instruction start.
    #[error("invalid instruction at pc {pc}: {reason}")]
    InvalidInstruction {
        /// Code offset.
        pc: u32,
        /// What is wrong.
        reason: &'static str,
    },
    /// GP 0.8 validation: the last instruction can fall through past the end.
    #[error("the last instruction (at pc {pc}, `{opcode}`) does not end the program: it must be trap, jump, jump_ind, load_imm_jump or load_imm_jump_ind")]
    MissingFinalTerminator {
        /// Code offset of the last instruction.
        pc: u32,
        /// Its opcode.
        opcode: Opcode,
    },
}

/// A pre-decoded instruction: 16 bytes, operands resolved.
///
/// `imm`/`imm2` hold the 32-bit immediates (sign-extended on use) or, for static jumps and
/// branches, the target's instruction index in `imm2` ([`NO_INDEX`] when the target is not
/// a valid basic-block start). `load_imm_64` keeps its low word in `imm`, high in `imm2`.
/// `block_cost` is the gas charged when control enters this instruction's basic block
/// through it (non-zero only at block starts).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(C)]
pub(crate) struct Instr {
    pub opcode: Opcode,
    pub a: u8,
    pub b: u8,
    pub d: u8,
    pub imm: u32,
    pub imm2: u32,
    pub block_cost: u32,
}

const _: () = assert!(std::mem::size_of::<Instr>() == 16);

/// A validated, pre-decoded program, shareable between instances.
#[derive(Clone, Debug)]
pub struct Program {
    version: GpVersion,
    code: Code,
    jump_table: Vec<u32>,
    /// Pre-decoded instructions in code order (plus the implicit trap in GP 0.7 mode).
    pub(crate) instrs: Vec<Instr>,
    /// Instruction index → code offset.
    pub(crate) pcs: Vec<u32>,
    /// Code offset → instruction index (`NO_INDEX` if not an instruction start).
    index_of_pc: Vec<u32>,
    /// Instruction index → index of the start of its basic block.
    pub(crate) block_start: Vec<u32>,
    /// Instruction index → may a jump land here (a valid basic-block start)?
    jumpable: Vec<bool>,
    /// Jump-table entry → instruction index of its target (`NO_INDEX` if invalid).
    pub(crate) jump_targets: Vec<u32>,
    /// The recompiler's machine code, compiled on first use and shared by all instances.
    #[cfg(all(target_arch = "x86_64", target_os = "linux"))]
    pub(crate) native: crate::recompiler::NativeCode,
}

impl Program {
    /// Parses and loads a raw program blob.
    pub fn from_blob_bytes(bytes: &[u8], version: GpVersion) -> Result<Program, ProgramError> {
        Self::new(&RawBlob::parse(bytes)?, version)
    }

    /// Loads a program from its code, packed bitmask and jump table.
    pub fn new(blob: &RawBlob, version: GpVersion) -> Result<Program, ProgramError> {
        Self::from_parts(&blob.code, &blob.bitmask, &blob.jump_table, version)
    }

    /// Loads a program from its parts.
    ///
    /// One pass over the code decodes every instruction straight into its [`Instr`] record
    /// and the simulator parameters of the gas model, and costs each basic block as soon
    /// as its terminator is decoded (a block is the run of instructions from a block start
    /// to the next terminator); a second pass over the static jumps and branches only
    /// resolves their targets, which may lie ahead.
    pub fn from_parts(
        code_bytes: &[u8],
        bitmask: &[u8],
        jump_table: &[u32],
        version: GpVersion,
    ) -> Result<Program, ProgramError> {
        if code_bytes.is_empty() && version == GpVersion::V0_8 {
            return Err(ProgramError::EmptyCode);
        }
        let code = Code::new(code_bytes, bitmask);
        let code_len = code.len();
        let model = GasModel::for_version(version);

        // Exact for valid GP 0.8 code (every instruction starts at a marked byte); the
        // implicit trap of GP 0.7 needs one more.
        let capacity = code.start_count() + 1;
        let mut instrs: Vec<Instr> = Vec::with_capacity(capacity);
        let mut pcs: Vec<u32> = Vec::with_capacity(capacity);
        // Every block's first instruction, and whether jumps may target it.
        let mut blocks: Vec<(u32, bool)> = Vec::new();
        let mut index_of_pc = vec![NO_INDEX; code_bytes.len() + 1];
        // Instructions with a static target (raw code offset in `imm2` until resolved).
        let mut with_target: Vec<u32> = Vec::new();
        // The current block: its first instruction and the simulator parameters so far.
        let mut current_block = 0u32;
        let mut block: Vec<SimInstr> = Vec::new();
        let mut simulator = Simulator::new();
        let mut last_opcode = None;

        let mut pc = 0u32;
        loop {
            let (ins, valid) = if pc < code_len {
                let (is_start, skip) = code.start_and_skip(pc);
                let opcode = if is_start {
                    Opcode::from_byte(code.bytes()[pc as usize], version)
                } else {
                    None
                };
                if version == GpVersion::V0_8 && opcode.is_none() {
                    let reason = if is_start {
                        "unknown opcode"
                    } else {
                        "not marked as an instruction start in the bitmask"
                    };
                    return Err(ProgramError::InvalidInstruction { pc, reason });
                }
                last_opcode = opcode;
                // GP 0.7: invalid bytes decode as `trap`.
                let ins = code.decode_with_skip(opcode.unwrap_or(Opcode::Trap), pc, skip);
                (ins, opcode.is_some())
            } else if version == GpVersion::V0_7 && pc == code_len {
                // ζ reads zeros past the end: an implicit trap sits at |c|.
                (code.decode_operands(Opcode::Trap, pc), true)
            } else {
                break;
            };
            let index = instrs.len() as u32;
            if block.is_empty() {
                current_block = index;
                blocks.push((index, valid && pc < code_len));
            }
            index_of_pc[pc as usize] = index;
            pcs.push(pc);

            let mut instr = Instr {
                opcode: ins.opcode,
                a: ins.a,
                b: ins.b,
                d: ins.d,
                imm: ins.imm as u32,
                imm2: ins.imm2 as u32,
                block_cost: 0,
            };
            match decode::form(ins.opcode) {
                OperandForm::RegImm64 => instr.imm2 = (ins.imm >> 32) as u32,
                OperandForm::Offset | OperandForm::RegRegOffset => {
                    instr.imm2 = ins.imm as u32;
                    with_target.push(index);
                }
                OperandForm::RegImmOffset => with_target.push(index),
                _ => {}
            }
            instrs.push(instr);

            block.push(match model {
                GasModel::Pipeline => gas::sim_instr(&ins, &code),
                // Only the count matters.
                GasModel::PerInstruction => SimInstr::default(),
            });
            if gas::is_terminator(ins.opcode) {
                let cost = match model {
                    GasModel::Pipeline => simulator.block_cost(&block),
                    GasModel::PerInstruction => block.len() as u32,
                };
                close_block(&mut instrs[current_block as usize..], cost);
                block.clear();
            }
            let next = ins.next_pc();
            if next > u64::from(u32::MAX) {
                break;
            }
            pc = next as u32;
        }
        if version == GpVersion::V0_8 {
            if let (Some(opcode), Some(&pc)) = (last_opcode, pcs.last()) {
                if opcode.can_fall_through() {
                    return Err(ProgramError::MissingFinalTerminator { pc, opcode });
                }
            }
        }
        debug_assert!(block.is_empty(), "every block ends with a terminator");
        let len = instrs.len();
        let mut block_start: Vec<u32> = Vec::with_capacity(len);
        let mut jumpable = vec![false; len];
        for (i, &(start, can_jump)) in blocks.iter().enumerate() {
            let end = blocks.get(i + 1).map_or(len, |&(next, _)| next as usize);
            block_start.resize(end, start);
            jumpable[start as usize] = can_jump;
        }

        // A static or dynamic jump target → its instruction index, if it is a valid
        // basic-block start; NO_INDEX (panics when taken) otherwise.
        let resolve_target = |target: u32| {
            index_of_pc
                .get(target as usize)
                .copied()
                .filter(|&index| index != NO_INDEX && jumpable[index as usize])
                .unwrap_or(NO_INDEX)
        };
        // Where a jump to a block enters it: past its leading `unlikely` hints (see
        // `close_block`).
        let entry = |target: u32| {
            if target == NO_INDEX {
                return NO_INDEX;
            }
            let mut at = target as usize;
            while instrs[at].opcode == Opcode::Unlikely
                && at + 1 < instrs.len()
                && block_start[at + 1] == target
            {
                at += 1;
            }
            at as u32
        };
        // (Converting a branch to `trap` below changes no `unlikely`, so `entry` may look
        // at the instructions before.)
        let resolved: Vec<(u32, bool)> = with_target
            .iter()
            .map(|&index| {
                let target = resolve_target(instrs[index as usize].imm2);
                // GP 0.8: a branch panics, taken or not, unless both its target and its
                // fall-through successor are valid block starts. (It keeps the target
                // index, unredirected.)
                let trap = version == GpVersion::V0_8
                    && instrs[index as usize].opcode.is_branch()
                    && (target == NO_INDEX
                        || !jumpable.get(index as usize + 1).copied().unwrap_or(false));
                if trap {
                    (target, true)
                } else {
                    (entry(target), false)
                }
            })
            .collect();
        let jump_targets: Vec<u32> = jump_table
            .iter()
            .map(|&t| entry(resolve_target(t)))
            .collect();
        for (&index, &(target, trap)) in with_target.iter().zip(&resolved) {
            let instr = &mut instrs[index as usize];
            instr.imm2 = target;
            if trap {
                instr.opcode = Opcode::Trap;
            }
        }

        Ok(Program {
            version,
            code,
            jump_table: jump_table.to_vec(),
            instrs,
            pcs,
            index_of_pc,
            block_start,
            jumpable,
            jump_targets,
            #[cfg(all(target_arch = "x86_64", target_os = "linux"))]
            native: Default::default(),
        })
    }

    /// The Gray Paper version whose rules the program follows.
    pub fn version(&self) -> GpVersion {
        self.version
    }

    /// The code and bitmask.
    pub fn code(&self) -> &Code {
        &self.code
    }

    /// The dynamic jump table (code offsets).
    pub fn jump_table(&self) -> &[u32] {
        &self.jump_table
    }

    /// Number of instructions.
    pub fn instruction_count(&self) -> usize {
        self.instrs.len()
    }

    /// The instruction index at code offset `pc`, if an instruction starts there.
    pub(crate) fn index_of(&self, pc: u32) -> Option<u32> {
        self.index_of_pc
            .get(pc as usize)
            .copied()
            .filter(|&i| i != NO_INDEX)
    }

    /// The decoded instruction starting at `pc` (invalid bytes decode as `trap` in GP 0.7).
    pub fn instruction_at(&self, pc: u32) -> Option<Instruction> {
        self.index_of(pc)?;
        Some(
            self.code
                .decode(pc, self.version)
                .unwrap_or_else(|| self.code.decode_operands(Opcode::Trap, pc)),
        )
    }

    /// All instructions in code order.
    pub fn instructions(&self) -> impl Iterator<Item = Instruction> + '_ {
        self.pcs.iter().filter_map(|&pc| self.instruction_at(pc))
    }

    /// Whether `pc` starts a basic block that jumps may target.
    pub fn is_block_start(&self, pc: u32) -> bool {
        self.index_of(pc).is_some_and(|i| self.jumpable[i as usize])
    }

    /// The code offset of the start of the basic block containing `pc`.
    pub fn block_start_of(&self, pc: u32) -> Option<u32> {
        let index = self.index_of(pc)?;
        Some(self.pcs[self.block_start[index as usize] as usize])
    }

    /// `(pc, cost)` of every basic block, in code order.
    pub fn block_costs(&self) -> impl Iterator<Item = (u32, u32)> + '_ {
        self.instrs
            .iter()
            .zip(&self.pcs)
            .enumerate()
            .filter(|(index, _)| self.block_start[*index] == *index as u32)
            .map(|(_, (instr, pc))| (*pc, instr.block_cost))
    }

    /// The gas cost of the block starting at `pc`.
    pub fn block_cost_at(&self, pc: u32) -> Option<u32> {
        let index = self.index_of(pc)?;
        (self.block_start[index as usize] == index).then(|| self.instrs[index as usize].block_cost)
    }
}

/// Stores the cost of the block whose instructions start `block` (it runs to the next
/// terminator) on its first instruction.
///
/// `unlikely` only steers the gas model, whose costs are already computed. A jump into a
/// block that starts with such hints enters at the first instruction after them instead:
/// that instruction carries the block's cost too (charged on entry), and the loader
/// redirects the targets. Falling through into the block still runs the hints, which are
/// no-ops. Saves one dispatch per entry into a cold block (the linker starts every cold
/// block with one). An out-of-gas exit at a redirected entry reports the block start (see
/// `Instance`).
fn close_block(block: &mut [Instr], cost: u32) {
    block[0].block_cost = cost;
    let mut at = 0;
    while block[at].opcode == Opcode::Unlikely && at + 1 < block.len() {
        at += 1;
        block[at].block_cost = cost;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Exit, Instance};
    use std::sync::Arc;

    fn blob(code: &[u8], bitmask: &[u8]) -> RawBlob {
        RawBlob {
            code: code.to_vec(),
            bitmask: bitmask.to_vec(),
            jump_table: vec![],
        }
    }

    #[test]
    fn gp08_rejects_a_program_that_can_fall_off_the_end() {
        // load_imm r7, 1 — no terminator
        let err = Program::new(&blob(&[51, 7, 1], &[1]), GpVersion::V0_8).unwrap_err();
        assert!(matches!(
            err,
            ProgramError::MissingFinalTerminator { pc: 0, .. }
        ));
        // GP 0.7 accepts it and appends the implicit trap.
        let program = Program::new(&blob(&[51, 7, 1], &[1]), GpVersion::V0_7).unwrap();
        assert_eq!(program.instruction_count(), 2);
        assert_eq!(program.block_cost_at(0), Some(2));
    }

    #[test]
    fn gp08_rejects_unknown_opcodes_and_unmarked_starts() {
        let err = Program::new(&blob(&[255, 0], &[0b11]), GpVersion::V0_8).unwrap_err();
        assert!(matches!(
            err,
            ProgramError::InvalidInstruction { pc: 0, .. }
        ));
        let err = Program::new(&blob(&[0], &[0]), GpVersion::V0_8).unwrap_err();
        assert!(matches!(
            err,
            ProgramError::InvalidInstruction { pc: 0, .. }
        ));
        assert_eq!(
            Program::new(&blob(&[], &[]), GpVersion::V0_8).unwrap_err(),
            ProgramError::EmptyCode
        );
    }

    #[test]
    fn jumps_skip_unlikely_hints_but_charge_and_report_the_block_start() {
        // 0: jump @2 | 2: unlikely | 3: load_imm r7, 5 | 6: trap
        let code = [40, 2, 2, 51, 7, 5, 0];
        let program =
            Arc::new(Program::new(&blob(&code, &[0b0100_1101]), GpVersion::V0_8).unwrap());
        let first = program.block_cost_at(0).unwrap();
        let second = program.block_cost_at(2).unwrap();
        assert_eq!(
            program.block_cost_at(3),
            None,
            "the hint's successor is no block start"
        );
        // One gas short of the second block: out of gas at its start, pc 2, gas untouched.
        let mut vm = Instance::new(program.clone(), u64::from(first + second) - 1).unwrap();
        assert_eq!(vm.run(), Exit::OutOfGas);
        assert_eq!(vm.pc(), 2);
        assert_eq!(vm.gas(), u64::from(second) - 1);
        // With enough gas the retry charges the block once and runs it.
        vm.set_gas(u64::from(second));
        assert_eq!(vm.run(), Exit::Panic);
        assert_eq!((vm.pc(), vm.gas(), vm.reg(7)), (6, 0, Some(5)));
    }

    #[test]
    fn block_structure_and_costs() {
        // 0: fallthrough, 1: trap  → two blocks (trap+... ) in the pipeline model
        let program = Program::new(&blob(&[1, 0], &[0b11]), GpVersion::V0_8).unwrap();
        let blocks: Vec<_> = program.block_costs().collect();
        assert_eq!(blocks.len(), 2);
        assert!(program.is_block_start(1));
        assert_eq!(program.block_start_of(1), Some(1));
    }
}
