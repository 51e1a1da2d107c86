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
use pipeline::{CostParams, Units};

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

const ALU: Units = Units {
    alu: 1,
    load: 0,
    store: 0,
    mul: 0,
    div: 0,
};
const NO_UNITS: Units = Units {
    alu: 0,
    load: 0,
    store: 0,
    mul: 0,
    div: 0,
};

fn bit(reg: u8) -> u16 {
    1 << reg
}

/// The simulator parameters of one instruction (GP 0.8.0 A.10, register sets as PolkaVM 0.37).
pub fn cost_params(ins: &Instruction, code: &Code) -> CostParams {
    let (a, b, d) = (bit(ins.a), bit(ins.b), bit(ins.d));
    let (srcs, dsts) = match ins.opcode.reg_use() {
        RegUse::None => (0, 0),
        RegUse::WriteA => (0, a),
        RegUse::ReadA => (a, 0),
        RegUse::ReadBWriteA => (b, a),
        RegUse::ReadAB => (a | b, 0),
        RegUse::ReadABWriteA => (a | b, a),
        RegUse::ReadAWriteD | RegUse::Move => (a, d),
        RegUse::ReadABWriteD => (a | b, d),
        RegUse::ReadABDWriteD => (a | b | d, d),
        RegUse::ReadB => (b, 0),
    };
    // P(x, y): fewer decode slots when a source is also the destination.
    let overlap = |x: u8, y: u8| if srcs & dsts != 0 { x } else { y };
    // P_S(x, y): fewer slots when the shifted operand is also the destination.
    let same_a_d = |x: u8, y: u8| if ins.a == ins.d { x } else { y };
    let with = |alu, load, store, mul, div| Units {
        alu,
        load,
        store,
        mul,
        div,
    };
    let (cycles, decode_slots, units) = match ins.opcode.cost_class() {
        CostClass::Move => (0, 1, NO_UNITS),
        CostClass::Alu64 => (1, overlap(1, 2), ALU),
        CostClass::Alu32 => (2, overlap(2, 3), ALU),
        CostClass::Bits => (1, 1, ALU),
        CostClass::TrailingZeros => (2, 1, with(2, 0, 0, 0, 0)),
        CostClass::Shift64 => (1, same_a_d(2, 3), ALU),
        CostClass::Shift32 => (2, same_a_d(3, 4), ALU),
        CostClass::ShiftAlt64 => (1, 3, ALU),
        CostClass::ShiftAlt32 => (2, 4, ALU),
        CostClass::SetCompare => (3, 3, ALU),
        CostClass::Cmov => (2, 2, ALU),
        CostClass::CmovImm => (2, 3, ALU),
        CostClass::MinMax => (3, overlap(2, 3), ALU),
        CostClass::Load => (MEMORY_LATENCY, 1, with(1, 1, 0, 0, 0)),
        CostClass::Store => (MEMORY_LATENCY, 1, with(1, 0, 1, 0, 0)),
        CostClass::Branch => (branch_latency(ins, code), 1, ALU),
        CostClass::Div => (60, 4, with(1, 0, 0, 0, 1)),
        CostClass::Inverted => (2, 3, ALU),
        CostClass::Xnor => (2, overlap(2, 3), ALU),
        CostClass::NegAddImm32 => (3, 4, ALU),
        CostClass::LoadImm => (1, 1, NO_UNITS),
        CostClass::LoadImm64 => (1, 2, NO_UNITS),
        CostClass::Mul64 => (3, overlap(1, 2), with(1, 0, 0, 1, 0)),
        CostClass::Mul32 => (4, overlap(2, 3), with(1, 0, 0, 1, 0)),
        CostClass::MulUpper => (4, 4, with(1, 0, 0, 1, 0)),
        CostClass::MulUpperSignedUnsigned => (6, 4, with(1, 0, 0, 1, 0)),
        CostClass::Trap => (2, 1, NO_UNITS),
        CostClass::Unlikely => (40, 1, NO_UNITS),
        CostClass::Jump => (15, 1, NO_UNITS),
        CostClass::JumpIndirect => (22, 1, NO_UNITS),
        CostClass::HostCall => (100, 4, ALU),
    };
    CostParams {
        cycles,
        decode_slots,
        units,
        srcs,
        dsts,
        is_move: ins.opcode == Opcode::MoveReg,
        is_terminator: ins.opcode.is_terminator(),
    }
}

/// A branch is cheap (1 cycle) when the byte at its fall-through address or at its target
/// is a `trap` or `unlikely` opcode (a raw byte test; bytes past the end read as 0).
fn branch_latency(ins: &Instruction, code: &Code) -> u8 {
    let cheap = |pc: u64| {
        let byte = code.byte(pc);
        byte == 0 || Some(byte) == Opcode::Unlikely.byte(GpVersion::V0_8)
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
