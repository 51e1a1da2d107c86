//! A loaded program: validated at load time, prepared one basic block at a time.
//!
//! Loading ([`Program::from_parts`]) checks what must be checked up front — GP 0.8's
//! instruction validity (known opcodes, bitmask starts, a final instruction that cannot fall
//! through) — and records each instruction's offset and the basic-block structure: one
//! cheap pass over the code. Everything per block waits until execution first enters the
//! block (`prepare`): decoding into compact [`Instr`] records, resolving static jump
//! targets, and the gas cost (the GP 0.8 pipeline simulation). Prepared blocks are kept in
//! the program, which instances share (`Arc<Program>`, also across threads: see `store`).
//! Dynamic jump-table slots are resolved on first use. So starting a program costs time in
//! proportion to its size for the scan only, and to what runs for everything else; the
//! gas, exits and errors are exactly those of preparing everything up front, which
//! [`Program::prepare_all`] does for callers that want all costs (disassembly, block-cost
//! checks, validation tools).

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Mutex;

use crate::decode::{Code, Instruction, MAX_SKIP};
use crate::format::{FormatError, RawBlob};
use crate::gas::{self, GasModel};
use crate::isa::{GpVersion, Opcode, SCAN_KNOWN, SCAN_TERMINATOR, SCAN_V0_8};

mod prepare;
mod store;

pub(crate) use store::cost_at;
use store::{InstrTable, SlotTable};

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
/// through it: non-zero only at block entries (the start, and past leading `unlikely`
/// hints) of prepared blocks, 0 elsewhere and before preparation. Read it with
/// [`cost_at`] (it is accessed atomically, see `store`).
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

/// Per-instruction flag: the instruction starts a basic block.
const BLOCK_START: u8 = 1;
/// Per-instruction flag: jumps may land here (a block start at a valid instruction).
const JUMPABLE: u8 = 2;

/// A validated program, prepared lazily, shareable between instances and threads.
pub struct Program {
    version: GpVersion,
    code: Code,
    jump_table: Vec<u32>,
    /// Instruction index → code offset (ascending; plus |c| for GP 0.7's implicit trap).
    pub(crate) pcs: Vec<u32>,
    /// Instruction index → [`BLOCK_START`] | [`JUMPABLE`].
    flags: Vec<u8>,
    /// Pre-decoded instructions, filled as blocks are prepared.
    instrs: InstrTable,
    /// Jump-table entry → resolved entry instruction (see `store`).
    jump_slots: SlotTable,
    /// Number of basic blocks.
    block_count: usize,
    /// Number of prepared basic blocks.
    prepared: AtomicUsize,
    /// Serialises preparation; holds the reusable gas simulator.
    preparer: Mutex<prepare::Preparer>,
    /// A back end's compiled form of the program (the recompiler's machine code), made on
    /// first use and shared by all instances; opaque here, so that the shared front depends
    /// on no back end (the recompiler stores and downcasts its own type).
    pub(crate) native: std::sync::OnceLock<std::sync::Arc<dyn std::any::Any + Send + Sync>>,
}

// SAFETY: the only non-`Sync` parts are the instruction table's cells, which are written
// only under `preparer`'s lock into blocks no reader can reach yet and published with
// release/acquire atomics (the protocol in `store`); everything else is immutable after
// load or atomic.
unsafe impl Sync for Program {}

impl Clone for Program {
    /// A copy with the same code and structure; its blocks are prepared afresh on use
    /// (with the same results).
    fn clone(&self) -> Program {
        Program::assemble(
            self.version,
            self.code.clone(),
            self.jump_table.clone(),
            self.pcs.clone(),
            self.flags.clone(),
            self.block_count,
        )
    }
}

impl std::fmt::Debug for Program {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Program")
            .field("version", &self.version)
            .field("code_len", &self.code.len())
            .field("instructions", &self.pcs.len())
            .field("blocks", &self.block_count)
            .field("prepared_blocks", &self.prepared_block_count())
            .field("jump_table", &self.jump_table.len())
            .finish()
    }
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

    /// Loads a program from its parts: one pass over the code validates it (GP 0.8) and
    /// records every instruction's offset and which ones start basic blocks (a block runs
    /// from a start to the next terminator). Blocks are decoded and costed on first use.
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
        // Exact for valid GP 0.8 code (every instruction starts at a marked byte); the
        // implicit trap of GP 0.7 needs one more.
        let capacity = code.start_count() + 1;
        let mut pcs: Vec<u32> = Vec::with_capacity(capacity);
        let mut flags: Vec<u8> = Vec::with_capacity(capacity);
        let mut block_count = 0;
        let mut at_block_start = true;
        let mut last_opcode = None;
        let bytes = code.bytes();

        if version == GpVersion::V0_8 {
            // Valid GP 0.8 code starts an instruction at every marked byte and at no other
            // (the walk by 1 + skip lands only on marked bytes), so the scan visits the set
            // bits directly instead of walking, with the walk's checks in the walk's order:
            // an unknown opcode at a start, or a gap of more than 24 unmarked bytes, which
            // the walk would land in (at 25 past the start before it).
            let mut previous: Option<u32> = None;
            code.try_for_each_marked(|pc| {
                let expected = previous.map_or(0, |p| p + 1 + MAX_SKIP);
                if pc > expected {
                    return Err(ProgramError::InvalidInstruction {
                        pc: expected,
                        reason: "not marked as an instruction start in the bitmask",
                    });
                }
                let info = SCAN_V0_8[usize::from(bytes[pc as usize])];
                if info & SCAN_KNOWN == 0 {
                    return Err(ProgramError::InvalidInstruction {
                        pc,
                        reason: "unknown opcode",
                    });
                }
                pcs.push(pc);
                flags.push(if at_block_start {
                    block_count += 1;
                    BLOCK_START | JUMPABLE
                } else {
                    0
                });
                at_block_start = info & SCAN_TERMINATOR != 0;
                previous = Some(pc);
                Ok(())
            })?;
            last_opcode = previous.and_then(|pc| Opcode::from_byte(bytes[pc as usize], version));
            // Past the last start the walk goes on to |c|, or lands in the gap.
            let expected = previous.map_or(0, |p| p + 1 + MAX_SKIP);
            if expected < code_len {
                return Err(ProgramError::InvalidInstruction {
                    pc: expected,
                    reason: "not marked as an instruction start in the bitmask",
                });
            }
        }

        if version == GpVersion::V0_7 {
            let mut pc = 0u32;
            loop {
                // GP 0.7: walk the code by 1 + skip; invalid bytes and unmarked landing places
                // decode as `trap`.
                let (opcode, skip, valid) = if pc < code_len {
                    let (is_start, skip) = code.start_and_skip(pc);
                    let opcode = if is_start {
                        Opcode::from_byte(bytes[pc as usize], version)
                    } else {
                        None
                    };
                    (opcode.unwrap_or(Opcode::Trap), skip, opcode.is_some())
                } else if pc == code_len {
                    // ζ reads zeros past the end: an implicit trap sits at |c|, where no
                    // jump may land.
                    (Opcode::Trap, 0, false)
                } else {
                    break;
                };
                pcs.push(pc);
                flags.push(if at_block_start {
                    block_count += 1;
                    BLOCK_START | if valid { JUMPABLE } else { 0 }
                } else {
                    0
                });
                at_block_start = gas::is_terminator(opcode);
                let next = u64::from(pc) + 1 + u64::from(skip);
                if next > u64::from(u32::MAX) {
                    break;
                }
                pc = next as u32;
            }
        }
        if version == GpVersion::V0_8 {
            if let (Some(opcode), Some(&pc)) = (last_opcode, pcs.last()) {
                if opcode.can_fall_through() {
                    return Err(ProgramError::MissingFinalTerminator { pc, opcode });
                }
            }
        }
        debug_assert!(at_block_start, "every block ends with a terminator");
        Ok(Program::assemble(
            version,
            code,
            jump_table.to_vec(),
            pcs,
            flags,
            block_count,
        ))
    }

    /// A program with nothing prepared yet.
    fn assemble(
        version: GpVersion,
        code: Code,
        jump_table: Vec<u32>,
        pcs: Vec<u32>,
        flags: Vec<u8>,
        block_count: usize,
    ) -> Program {
        Program {
            instrs: InstrTable::zeroed(pcs.len()),
            jump_slots: SlotTable::zeroed(jump_table.len()),
            version,
            code,
            jump_table,
            pcs,
            flags,
            block_count,
            prepared: AtomicUsize::new(0),
            preparer: Mutex::new(prepare::Preparer::new(GasModel::for_version(version))),
            native: std::sync::OnceLock::new(),
        }
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
        self.pcs.len()
    }

    /// Number of basic blocks.
    pub fn block_count(&self) -> usize {
        self.block_count
    }

    /// Number of basic blocks prepared so far (decoded and costed): those that ran, were
    /// asked for ([`Program::block_cost_at`], [`Program::block_costs`]) or all of them after
    /// [`Program::prepare_all`].
    pub fn prepared_block_count(&self) -> usize {
        self.prepared.load(Ordering::Relaxed)
    }

    /// Bytes the program keeps: code and bitmask, jump table, per-instruction tables (the
    /// pre-decoded instructions count in full, although untouched pages of them are never
    /// committed).
    pub fn footprint(&self) -> usize {
        let code = self.code.len() as usize;
        code + code.div_ceil(8)
            + self.jump_table.len() * 8
            + self.pcs.len() * (4 + 1 + std::mem::size_of::<Instr>())
    }

    /// The instruction index at code offset `pc`, if an instruction starts there.
    pub(crate) fn index_of(&self, pc: u32) -> Option<u32> {
        self.pcs.binary_search(&pc).ok().map(|index| index as u32)
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
        self.index_of(pc)
            .is_some_and(|i| self.flags[i as usize] & JUMPABLE != 0)
    }

    /// The code offset of the start of the basic block containing `pc`.
    pub fn block_start_of(&self, pc: u32) -> Option<u32> {
        let index = self.index_of(pc)?;
        Some(self.pcs[self.block_start_index(index) as usize])
    }

    /// `(pc, cost)` of every basic block, in code order (preparing every block).
    pub fn block_costs(&self) -> impl Iterator<Item = (u32, u32)> + '_ {
        (0..self.pcs.len())
            .filter(|&index| self.flags[index] & BLOCK_START != 0)
            .map(|index| (self.pcs[index], self.entry_cost(index as u32)))
    }

    /// The gas cost of the block starting at `pc` (preparing that block).
    pub fn block_cost_at(&self, pc: u32) -> Option<u32> {
        let index = self.index_of(pc)?;
        (self.flags[index as usize] & BLOCK_START != 0).then(|| self.entry_cost(index))
    }

    /// The instruction index of the start of the block containing instruction `index`.
    pub(crate) fn block_start_index(&self, index: u32) -> u32 {
        let mut at = index as usize;
        // Index 0 always starts a block.
        while at > 0 && self.flags[at] & BLOCK_START == 0 {
            at -= 1;
        }
        at as u32
    }

    /// Pointer to the first pre-decoded instruction (see `store` for what may be read).
    pub(crate) fn instr_base(&self) -> *const Instr {
        self.instrs.base()
    }

    /// The gas charged on entering at instruction `index` (a block entry), preparing its
    /// block first if that has not happened yet.
    #[inline]
    pub(crate) fn entry_cost(&self, index: u32) -> u32 {
        match self.instrs.cost(index as usize) {
            0 => self.prepare_entry(index),
            cost => cost,
        }
    }

    /// The pre-decoded instructions of the block starting at instruction `start`, from it
    /// through its terminator, preparing the block first unless it is already. With
    /// `preparing` (set while another thread runs [`Program::prepare_all`], as the
    /// recompiler arranges for large programs) it first waits for that thread to publish
    /// the block rather than contend with it for the preparation lock.
    pub(crate) fn prepared_block(&self, start: usize, preparing: Option<&AtomicBool>) -> &[Instr] {
        debug_assert!(
            self.flags[start] & BLOCK_START != 0,
            "{start} starts no block"
        );
        if self.instrs.cost(start) == 0 {
            if let Some(preparing) = preparing {
                self.wait_for_publication(start, preparing);
            }
            self.prepare_block(start);
        }
        let end = (start + 1..self.pcs.len())
            .find(|&index| self.flags[index] & BLOCK_START != 0)
            .unwrap_or(self.pcs.len());
        // SAFETY: the block is published (its start's cost, loaded with `Acquire` above or
        // stored by this thread, is non-zero), so its instructions, `start..end` (a block
        // runs to the next block start), are initialised and never written again (`store`):
        // a shared slice over them is sound for as long as the program lives.
        unsafe { std::slice::from_raw_parts(self.instrs.base().add(start), end - start) }
    }

    /// The gas charged on entering at instruction `index` if its block is published, else
    /// 0 (also for an instruction that is no entry); never prepares anything.
    pub(crate) fn published_entry_cost(&self, index: u32) -> u32 {
        self.instrs.cost(index as usize)
    }

    /// Instruction index → the index of the start of its block, for every instruction.
    pub(crate) fn block_start_indices(&self) -> Vec<u32> {
        let mut start = 0;
        (0..self.pcs.len())
            .map(|index| {
                if self.flags[index] & BLOCK_START != 0 {
                    start = index as u32;
                }
                start
            })
            .collect()
    }

    /// Every jump-table slot's entry index ([`NO_INDEX`] for invalid ones), all resolved.
    pub(crate) fn jump_slot_targets(&self) -> Vec<u32> {
        (0..self.jump_slots.len())
            .map(|slot| self.jump_slot_target(slot))
            .collect()
    }

    /// Number of jump-table slots.
    pub(crate) fn jump_slot_count(&self) -> usize {
        self.jump_slots.len()
    }

    /// The entry instruction index a dynamic jump through jump-table entry `slot` lands on
    /// ([`NO_INDEX`] when the entry is not a valid block start); resolved on first use.
    #[inline(always)]
    pub(crate) fn jump_slot_target(&self, slot: usize) -> u32 {
        match self.jump_slots.get(slot) {
            store::UNRESOLVED => self.resolve_jump_slot(slot),
            value => value.wrapping_sub(2),
        }
    }

    /// Whether jumps may land on instruction `index`.
    fn jumpable(&self, index: usize) -> bool {
        self.flags.get(index).is_some_and(|f| f & JUMPABLE != 0)
    }
}

#[cfg(test)]
mod tests;
