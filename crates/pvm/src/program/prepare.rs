//! Preparing a basic block on first entry: decoding its instructions into [`Instr`]
//! records, resolving static targets, computing its gas cost and publishing it (see
//! `store` for the publication protocol).

use std::sync::atomic::{AtomicBool, Ordering};

use super::{Instr, Program, BLOCK_START, JUMPABLE, NO_INDEX};
use crate::decode::{self, Instruction};
use crate::gas::pipeline::{SimInstr, Simulator};
use crate::gas::{self, GasModel};
use crate::isa::{GpVersion, Opcode, OperandForm};

/// Checks [`Program::wait_for_publication`] makes spinning before it yields the CPU
/// between checks: about the time the preparing thread takes to start and then some.
const SPINS_BEFORE_YIELDING: u32 = 1 << 16;

/// What preparing needs besides the program: the gas model, a reusable pipeline simulator
/// and the block being costed. Lives behind the program's preparation lock.
pub(super) struct Preparer {
    model: GasModel,
    simulator: Simulator,
    block: Vec<SimInstr>,
}

impl Preparer {
    pub(super) fn new(model: GasModel) -> Preparer {
        Preparer {
            model,
            simulator: Simulator::new(),
            block: Vec::new(),
        }
    }
}

impl Program {
    /// Prepares the block containing entry `index` and returns the cost charged on
    /// entering there. Out of line: runs once per block and program.
    #[cold]
    #[inline(never)]
    pub(crate) fn prepare_entry(&self, index: u32) -> u32 {
        self.prepare_block(self.block_start_index(index) as usize);
        let cost = self.instrs.cost(index as usize);
        debug_assert_ne!(cost, 0, "instruction {index} is not a block entry");
        cost
    }

    /// Prepares every block now (costs up front, as disassembly or a compiler wants).
    pub fn prepare_all(&self) {
        for index in 0..self.pcs.len() {
            if self.flags[index] & BLOCK_START != 0 {
                self.prepare_block(index);
            }
        }
    }

    /// Waits until the block starting at `start` is published or `preparing` is cleared
    /// (the thread preparing every block is done, or gone), so that the caller does not
    /// queue on the preparation lock behind that thread. Spins first (a block takes about
    /// a microsecond), then yields the CPU between checks.
    pub(super) fn wait_for_publication(&self, start: usize, preparing: &AtomicBool) {
        let mut spins = 0u32;
        while self.instrs.cost(start) == 0 && preparing.load(Ordering::Acquire) {
            if spins < SPINS_BEFORE_YIELDING {
                spins += 1;
                std::hint::spin_loop();
            } else {
                std::thread::yield_now();
            }
        }
    }

    /// Prepares the block starting at instruction `start`, unless it is already.
    pub(super) fn prepare_block(&self, start: usize) {
        if self.instrs.cost(start) != 0 {
            return;
        }
        // A panic while preparing cannot leave a half-published block (publication is the
        // last step), so a poisoned lock is still usable.
        let mut preparer = self
            .preparer
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        // Another thread may have prepared it while this one waited.
        if self.instrs.cost(start) != 0 {
            return;
        }
        let Preparer {
            model,
            simulator,
            block,
        } = &mut *preparer;
        block.clear();
        let mut index = start;
        loop {
            let ins = self.decode_at(index);
            let instr = self.instr_of(index, &ins);
            // SAFETY: we hold the preparation lock and the block is not published (its
            // start's cost is still 0, and publication stores it last).
            unsafe { self.instrs.write_operands(index, instr) };
            block.push(match model {
                GasModel::Pipeline => gas::sim_instr(&ins, &self.code),
                // Only the count matters.
                GasModel::PerInstruction => SimInstr::default(),
            });
            if gas::is_terminator(ins.opcode) {
                break;
            }
            // Load time made sure that every block ends with a terminator (GP 0.8), or that
            // the implicit trap ends the code (GP 0.7).
            index += 1;
        }
        let cost = match model {
            GasModel::Pipeline => simulator.block_cost(block),
            GasModel::PerInstruction => block.len() as u32,
        };
        // Both models give every block at least 1, which keeps 0 free for "unprepared".
        debug_assert!(cost > 0);
        self.publish(start, index, cost.max(1));
        self.prepared.fetch_add(1, Ordering::Relaxed);
    }

    /// Stores `cost` on the block's entries: its start and, past leading `unlikely` hints,
    /// the first instruction after them, where jumps enter (see [`Program::entry`]); the
    /// start last, so that a reader who sees it sees the whole block.
    fn publish(&self, start: usize, end: usize, cost: u32) {
        let mut last_entry = start;
        while last_entry < end && self.opcode_at(last_entry) == Opcode::Unlikely {
            last_entry += 1;
        }
        for entry in (start..=last_entry).rev() {
            self.instrs.publish_cost(entry, cost);
        }
    }

    /// The instruction at `index` decoded from the code (invalid bytes and the implicit
    /// trap of GP 0.7 decode as `trap`).
    fn decode_at(&self, index: usize) -> Instruction {
        let pc = self.pcs[index];
        if pc < self.code.len() {
            let (is_start, skip) = self.code.start_and_skip(pc);
            let opcode = is_start
                .then(|| Opcode::from_byte(self.code.bytes()[pc as usize], self.version))
                .flatten()
                .unwrap_or(Opcode::Trap);
            self.code.decode_with_skip(opcode, pc, skip)
        } else {
            self.code.decode_operands(Opcode::Trap, pc)
        }
    }

    /// The opcode of the instruction at `index` as it decodes.
    fn opcode_at(&self, index: usize) -> Opcode {
        let pc = self.pcs[index];
        if pc < self.code.len() && self.code.is_start(pc) {
            Opcode::from_byte(self.code.bytes()[pc as usize], self.version).unwrap_or(Opcode::Trap)
        } else {
            Opcode::Trap
        }
    }

    /// The compact record of `ins` at `index`, static targets resolved to entry indices.
    fn instr_of(&self, index: usize, ins: &Instruction) -> Instr {
        let mut instr = Instr {
            opcode: ins.opcode,
            a: ins.a,
            b: ins.b,
            d: ins.d,
            imm: ins.imm as u32,
            imm2: ins.imm2 as u32,
            block_cost: 0,
        };
        let target_pc = match decode::form(ins.opcode) {
            OperandForm::RegImm64 => {
                instr.imm2 = (ins.imm >> 32) as u32;
                None
            }
            OperandForm::Offset | OperandForm::RegRegOffset => Some(ins.imm as u32),
            OperandForm::RegImmOffset => Some(ins.imm2 as u32),
            _ => None,
        };
        if let Some(target_pc) = target_pc {
            let target = self.resolve_target(target_pc);
            // GP 0.8: a branch panics, taken or not, unless both its target and its
            // fall-through successor are valid block starts. (It keeps the target index,
            // unredirected.)
            let trap = self.version == GpVersion::V0_8
                && ins.opcode.is_branch()
                && (target == NO_INDEX || !self.jumpable(index + 1));
            if trap {
                instr.opcode = Opcode::Trap;
                instr.imm2 = target;
            } else {
                instr.imm2 = self.entry(target);
            }
        }
        instr
    }

    /// A static or dynamic jump target → its instruction index, if it is a valid
    /// basic-block start; [`NO_INDEX`] (panics when taken) otherwise.
    fn resolve_target(&self, target_pc: u32) -> u32 {
        match self.index_of(target_pc) {
            Some(index) if self.flags[index as usize] & JUMPABLE != 0 => index,
            _ => NO_INDEX,
        }
    }

    /// Where a jump to the block starting at `target` enters it: past its leading
    /// `unlikely` hints, which only steer the gas model (already applied). That entry
    /// carries the block's cost too; falling through into the block still runs the hints,
    /// which are no-ops. An out-of-gas exit at a redirected entry reports the block start
    /// (see `Instance`).
    fn entry(&self, target: u32) -> u32 {
        if target == NO_INDEX {
            return NO_INDEX;
        }
        let mut at = target as usize;
        while self.opcode_at(at) == Opcode::Unlikely
            && at + 1 < self.pcs.len()
            && self.flags[at + 1] & BLOCK_START == 0
        {
            at += 1;
        }
        at as u32
    }

    /// Resolves jump-table entry `slot` and caches it.
    #[cold]
    #[inline(never)]
    pub(super) fn resolve_jump_slot(&self, slot: usize) -> u32 {
        let target = self.entry(self.resolve_target(self.jump_table[slot]));
        // NO_INDEX + 2 wraps to 1, the "invalid" slot value.
        self.jump_slots.set(slot, target.wrapping_add(2));
        target
    }
}
