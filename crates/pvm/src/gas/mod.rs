//! Gas: the cost of each basic block, computed once when a program is loaded.
//!
//! * GP 0.8.0 ([`GasModel::Pipeline`]): each block costs what a simulated out-of-order
//!   pipeline needs to run it ([`pipeline`]); this module derives each instruction's
//!   simulator parameters from its [`CostClass`] and [`RegUse`] in the ISA table.
//! * GP 0.7 ([`GasModel::PerInstruction`]): one gas per instruction, charged for the whole
//!   block on entry (what the `w3f-v0.4` vectors encode).

pub mod pipeline;

use crate::decode::{Code, Instruction};
use crate::isa::{CostClass, GpVersion, Opcode, RegUse};
use pipeline::{CostParams, PackedUnits, SimInstr, Units};

/// Memory access latency of loads and stores (the GP 0.8.0 "L2 hit" placeholder).
pub const MEMORY_LATENCY: u8 = 25;

/// How block costs are computed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum GasModel {
    /// GP 0.8.0 pipeline simulation.
    Pipeline,
    /// One gas per instruction (GP 0.7).
    PerInstruction,
}

impl GasModel {
    /// The model a Gray Paper version uses.
    pub fn for_version(version: GpVersion) -> GasModel {
        match version {
            GpVersion::V0_8 => GasModel::Pipeline,
            GpVersion::V0_7 => GasModel::PerInstruction,
        }
    }
}

const ALU: Units = units(1, 0, 0, 0, 0);
const NO_UNITS: Units = units(0, 0, 0, 0, 0);

const fn units(alu: u8, load: u8, store: u8, mul: u8, div: u8) -> Units {
    Units {
        alu,
        load,
        store,
        mul,
        div,
    }
}

/// How an instruction's decode slots depend on its operands.
#[derive(Clone, Copy, Debug)]
enum Slots {
    /// Always this many.
    Fixed(u8),
    /// P(x, y): `x` when a source register is also the destination, else `y`.
    Overlap(u8, u8),
    /// P_S(x, y): `x` when the shifted operand (`a`) is also the destination (`d`), else `y`.
    SameAD(u8, u8),
}

/// Register fields an instruction reads or writes, as a set: bit 0 = `a`, 1 = `b`, 2 = `d`.
const A: u8 = 1;
const B: u8 = 2;
const D: u8 = 4;

/// The operand-independent part of an opcode's simulator parameters, from its [`CostClass`]
/// and [`RegUse`] (one table entry per opcode, built at compile time).
#[derive(Clone, Copy, Debug)]
struct OpCost {
    /// Latency (for branches, the expensive one; see [`branch_latency`]).
    cycles: u8,
    slots: Slots,
    units: Units,
    /// `units` packed and clamped for the simulator.
    need: PackedUnits,
    /// Register fields read ([`A`], [`B`], [`D`]), as all-ones or zero masks per field.
    reads: [u16; 3],
    /// Register fields written, likewise.
    writes: [u16; 3],
    is_move: bool,
    is_terminator: bool,
    is_branch: bool,
}

/// GP 0.8.0 A.10 (register sets as PolkaVM 0.37).
const fn op_cost(op: Opcode) -> OpCost {
    let (reads, writes) = match op.reg_use() {
        RegUse::None => (0, 0),
        RegUse::WriteA => (0, A),
        RegUse::ReadA => (A, 0),
        RegUse::ReadBWriteA => (B, A),
        RegUse::ReadAB => (A | B, 0),
        RegUse::ReadABWriteA => (A | B, A),
        RegUse::ReadAWriteD | RegUse::Move => (A, D),
        RegUse::ReadABWriteD => (A | B, D),
        RegUse::ReadABDWriteD => (A | B | D, D),
        RegUse::ReadB => (B, 0),
    };
    use Slots::{Fixed, Overlap, SameAD};
    let (cycles, slots, units) = match op.cost_class() {
        CostClass::Move => (0, Fixed(1), NO_UNITS),
        CostClass::Alu64 => (1, Overlap(1, 2), ALU),
        CostClass::Alu32 => (2, Overlap(2, 3), ALU),
        CostClass::Bits => (1, Fixed(1), ALU),
        CostClass::TrailingZeros => (2, Fixed(1), units(2, 0, 0, 0, 0)),
        CostClass::Shift64 => (1, SameAD(2, 3), ALU),
        CostClass::Shift32 => (2, SameAD(3, 4), ALU),
        CostClass::ShiftAlt64 => (1, Fixed(3), ALU),
        CostClass::ShiftAlt32 => (2, Fixed(4), ALU),
        CostClass::SetCompare => (3, Fixed(3), ALU),
        CostClass::Cmov => (2, Fixed(2), ALU),
        CostClass::CmovImm => (2, Fixed(3), ALU),
        CostClass::MinMax => (3, Overlap(2, 3), ALU),
        CostClass::Load => (MEMORY_LATENCY, Fixed(1), units(1, 1, 0, 0, 0)),
        CostClass::Store => (MEMORY_LATENCY, Fixed(1), units(1, 0, 1, 0, 0)),
        CostClass::Branch => (20, Fixed(1), ALU),
        CostClass::Div => (60, Fixed(4), units(1, 0, 0, 0, 1)),
        CostClass::Inverted => (2, Fixed(3), ALU),
        CostClass::Xnor => (2, Overlap(2, 3), ALU),
        CostClass::NegAddImm32 => (3, Fixed(4), ALU),
        CostClass::LoadImm => (1, Fixed(1), NO_UNITS),
        CostClass::LoadImm64 => (1, Fixed(2), NO_UNITS),
        CostClass::Mul64 => (3, Overlap(1, 2), units(1, 0, 0, 1, 0)),
        CostClass::Mul32 => (4, Overlap(2, 3), units(1, 0, 0, 1, 0)),
        CostClass::MulUpper => (4, Fixed(4), units(1, 0, 0, 1, 0)),
        CostClass::MulUpperSignedUnsigned => (6, Fixed(4), units(1, 0, 0, 1, 0)),
        CostClass::Trap => (2, Fixed(1), NO_UNITS),
        CostClass::Unlikely => (40, Fixed(1), NO_UNITS),
        CostClass::Jump => (15, Fixed(1), NO_UNITS),
        CostClass::JumpIndirect => (22, Fixed(1), NO_UNITS),
        CostClass::HostCall => (100, Fixed(4), ALU),
    };
    const fn masks(fields: u8) -> [u16; 3] {
        const fn mask(fields: u8, field: u8) -> u16 {
            if fields & field != 0 {
                u16::MAX
            } else {
                0
            }
        }
        [mask(fields, A), mask(fields, B), mask(fields, D)]
    }
    OpCost {
        cycles,
        slots,
        units,
        need: pipeline::clamped_units(units),
        reads: masks(reads),
        writes: masks(writes),
        is_move: matches!(op, Opcode::MoveReg),
        is_terminator: op.is_terminator(),
        is_branch: op.is_branch(),
    }
}

/// [`op_cost`] of every opcode, indexed by its discriminant.
static OP_COSTS: [OpCost; Opcode::ALL.len()] = {
    let mut table = [op_cost(Opcode::Trap); Opcode::ALL.len()];
    let mut i = 0;
    while i < table.len() {
        table[i] = op_cost(Opcode::ALL[i]);
        i += 1;
    }
    table
};

/// The register set named by the fields of `ins` that `masks` ([`OpCost::reads`],
/// [`OpCost::writes`]) select.
#[inline(always)]
fn regs(masks: [u16; 3], ins: &Instruction) -> u16 {
    // Register fields are clamped to 0..=12, so the shifts stay in range.
    (1u16 << ins.a) & masks[0] | (1u16 << ins.b) & masks[1] | (1u16 << ins.d) & masks[2]
}

/// The operand-dependent parameters: (latency, decode slots before clamping, srcs, dsts).
#[inline(always)]
fn operand_params(op: &OpCost, ins: &Instruction, code: &Code) -> (u8, u8, u16, u16) {
    let (srcs, dsts) = (regs(op.reads, ins), regs(op.writes, ins));
    let slots = match op.slots {
        Slots::Fixed(n) => n,
        Slots::Overlap(x, y) => {
            if srcs & dsts != 0 {
                x
            } else {
                y
            }
        }
        Slots::SameAD(x, y) => {
            if ins.a == ins.d {
                x
            } else {
                y
            }
        }
    };
    let cycles = if op.is_branch {
        branch_latency(ins, code)
    } else {
        op.cycles
    };
    (cycles, slots, srcs, dsts)
}

/// The simulator parameters of one instruction (GP 0.8.0 A.10, register sets as PolkaVM 0.37).
pub fn cost_params(ins: &Instruction, code: &Code) -> CostParams {
    let op = &OP_COSTS[ins.opcode as usize];
    let (cycles, decode_slots, srcs, dsts) = operand_params(op, ins, code);
    CostParams {
        cycles,
        decode_slots,
        units: op.units,
        srcs,
        dsts,
        is_move: op.is_move,
        is_terminator: op.is_terminator,
    }
}

/// [`Opcode::is_terminator`] as a table lookup.
#[inline(always)]
pub(crate) fn is_terminator(opcode: Opcode) -> bool {
    OP_COSTS[opcode as usize].is_terminator
}

/// [`cost_params`] packed for the simulator (what `SimInstr::from(cost_params(..))` gives,
/// without the intermediate form).
#[inline]
pub(crate) fn sim_instr(ins: &Instruction, code: &Code) -> SimInstr {
    let op = &OP_COSTS[ins.opcode as usize];
    let (cycles, slots, srcs, dsts) = operand_params(op, ins, code);
    SimInstr {
        need: op.need,
        srcs,
        dsts,
        cycles,
        slots: if op.is_move {
            1
        } else {
            pipeline::clamped_slots(slots)
        },
        is_move: op.is_move,
        is_terminator: op.is_terminator,
    }
}

/// A branch is cheap (1 cycle) when the byte at its fall-through address or at its target
/// is a `trap` or `unlikely` opcode (a raw byte test; bytes past the end read as 0).
fn branch_latency(ins: &Instruction, code: &Code) -> u8 {
    let cheap = |pc: u64| {
        let byte = code.byte(pc);
        [Opcode::Trap, Opcode::Unlikely]
            .iter()
            .any(|op| op.byte(GpVersion::V0_8) == Some(byte))
    };
    let target = ins.target().map_or(0, u64::from);
    if cheap(ins.next_pc()) || cheap(target) {
        1
    } else {
        20
    }
}

/// The implicit `trap` that a block running off the end of the code decodes.
fn implicit_trap(pc: u32, code: &Code) -> Instruction {
    code.decode_operands(Opcode::Trap, pc)
}

/// The cost of the basic block starting at `start` under `model`. `decode` yields the
/// instruction at a code offset (`None` past the end or at an invalid instruction, which
/// counts as a `trap`).
pub fn block_cost(
    model: GasModel,
    code: &Code,
    start: u32,
    decode: impl Fn(u32) -> Option<Instruction>,
) -> u32 {
    let mut pc = Some(start);
    let instructions = std::iter::from_fn(move || {
        let at = pc?;
        let ins = decode(at).unwrap_or_else(|| implicit_trap(at, code));
        let next = ins.next_pc();
        pc = if ins.opcode.is_terminator() || next > u64::from(u32::MAX) {
            None
        } else {
            Some(next as u32)
        };
        Some(ins)
    });
    match model {
        GasModel::PerInstruction => instructions.count() as u32,
        GasModel::Pipeline => pipeline::block_cost(instructions.map(|ins| cost_params(&ins, code))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn packed_parameters_equal_the_packed_public_ones() {
        // Every opcode with register fields that do and do not coincide, branches with a
        // cheap and an expensive edge.
        let code = Code::new(&[0, 5, 5, 5, 5, 5, 5, 5], &[0xFF]);
        for &opcode in Opcode::ALL {
            for (a, b, d) in [(0, 0, 0), (1, 2, 3), (5, 5, 7), (7, 5, 7), (12, 12, 12)] {
                for (pc, imm) in [(1, 0), (1, 3), (2, 4)] {
                    let ins = Instruction {
                        opcode,
                        pc,
                        skip: 0,
                        a,
                        b,
                        d,
                        imm,
                        imm2: imm,
                    };
                    assert_eq!(
                        sim_instr(&ins, &code),
                        SimInstr::from(cost_params(&ins, &code)),
                        "{ins:?}"
                    );
                    assert_eq!(is_terminator(opcode), opcode.is_terminator());
                }
            }
        }
    }
}
