//! The generator's instruction groups, each derived from the ISA table (`define_isa!` in
//! `crates/pvm/src/isa.rs`) instead of listed by hand: a new or renumbered opcode lands in
//! the right gadget without touching the generator.
//!
//! Every group holds JamV1 (GP 0.8) opcodes only, in table order, so the same seed picks
//! the same instruction as long as the table keeps its order.

use std::sync::LazyLock;

use pvm::isa::{CostClass, OperandForm};
use pvm::{GpVersion, Opcode};

use crate::asm::jam_opcodes;

/// The groups, computed once.
pub(super) static GROUPS: LazyLock<Groups> = LazyLock::new(Groups::from_table);

/// Instruction groups the gadgets pick from.
pub(super) struct Groups {
    /// Every JamV1 opcode.
    pub all: Vec<Opcode>,
    /// Loads from an absolute address (`load_u8 r, [imm]`: form `RegImm`).
    pub loads_absolute: Vec<Opcode>,
    /// Stores of a register to an absolute address (form `RegImm`).
    pub stores_absolute: Vec<Opcode>,
    /// Stores of an immediate to an absolute address (form `ImmImm`).
    pub store_imms_absolute: Vec<Opcode>,
    /// Loads from `φ_b + imm` (form `RegRegImm`).
    pub loads_indirect: Vec<Opcode>,
    /// Stores of a register to `φ_b + imm` (form `RegRegImm`).
    pub stores_indirect: Vec<Opcode>,
    /// Stores of an immediate to `φ_a + imm` (form `RegImmImm`).
    pub store_imms_indirect: Vec<Opcode>,
    /// Division and remainder (cost class `Div`).
    pub divisions: Vec<Opcode>,
    /// Shifts and rotations by a register (form `RegRegReg`).
    pub shifts_by_register: Vec<Opcode>,
    /// Shifts and rotations by an immediate (form `RegRegImm`, including the `_alt`
    /// forms that shift the immediate by the register).
    pub shifts_by_immediate: Vec<Opcode>,
    /// One-source operations (form `RegReg` except `move_reg`): sign and zero extension,
    /// bit counts, byte reversal.
    pub unary: Vec<Opcode>,
    /// Conditional moves (cost classes `Cmov` and `CmovImm`), register forms first.
    pub conditional_moves: Vec<Opcode>,
    /// The conditional branches.
    pub branches: Vec<Opcode>,
    /// Opcode bytes that are not an instruction under JamV1.
    pub unknown_bytes: Vec<u8>,
}

impl Groups {
    fn from_table() -> Groups {
        let all = jam_opcodes();
        let select = |keep: &dyn Fn(Opcode) -> bool| -> Vec<Opcode> {
            all.iter().copied().filter(|&op| keep(op)).collect()
        };
        let loads = |form: OperandForm| {
            select(&|op: Opcode| op.memory_access().is_load() && op.form() == form)
        };
        let stores = |form: OperandForm| {
            select(&|op: Opcode| op.memory_access().is_store() && op.form() == form)
        };
        let shifts = |form: OperandForm| select(&|op: Opcode| is_shift(op) && op.form() == form);
        let mut conditional_moves = select(&|op| op.cost_class() == CostClass::Cmov);
        conditional_moves.extend(select(&|op| op.cost_class() == CostClass::CmovImm));
        Groups {
            loads_absolute: loads(OperandForm::RegImm),
            stores_absolute: stores(OperandForm::RegImm),
            store_imms_absolute: stores(OperandForm::ImmImm),
            loads_indirect: loads(OperandForm::RegRegImm),
            stores_indirect: stores(OperandForm::RegRegImm),
            store_imms_indirect: stores(OperandForm::RegImmImm),
            divisions: select(&|op| op.cost_class() == CostClass::Div),
            shifts_by_register: shifts(OperandForm::RegRegReg),
            shifts_by_immediate: shifts(OperandForm::RegRegImm),
            unary: select(&|op| {
                op.form() == OperandForm::RegReg && op.cost_class() != CostClass::Move
            }),
            conditional_moves,
            branches: select(&Opcode::is_branch),
            unknown_bytes: (0..=u8::MAX)
                .filter(|&byte| Opcode::from_byte(byte, GpVersion::V0_8).is_none())
                .collect(),
            all,
        }
    }
}

/// Whether `op` is a shift or rotation. The table has no column for the operation itself,
/// so this reads the Gray Paper's mnemonic convention: `shlo_l`/`shlo_r` (logical),
/// `shar_r` (arithmetic), `rot_l`/`rot_r`.
fn is_shift(op: Opcode) -> bool {
    ["shlo_", "shar_", "rot_"]
        .iter()
        .any(|prefix| op.name().starts_with(prefix))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn groups_have_the_expected_members() {
        let groups = &*GROUPS;
        let names = |ops: &[Opcode]| ops.iter().map(|op| op.name()).collect::<Vec<_>>();
        let sizes = [
            groups.loads_absolute.len(),
            groups.stores_absolute.len(),
            groups.store_imms_absolute.len(),
            groups.loads_indirect.len(),
            groups.stores_indirect.len(),
            groups.store_imms_indirect.len(),
        ];
        assert_eq!(sizes, [7, 4, 4, 7, 4, 4]);
        assert_eq!(groups.divisions.len(), 8);
        assert!(groups
            .divisions
            .iter()
            .all(|op| op.name().starts_with("div") || op.name().starts_with("rem")));
        // By register, the shifts are exactly the shift cost classes.
        let shift_classes =
            select_all(|op| matches!(op.cost_class(), CostClass::Shift32 | CostClass::Shift64));
        assert_eq!(groups.shifts_by_register, shift_classes);
        assert_eq!(groups.shifts_by_immediate.len(), 16);
        assert_eq!(groups.unary.len(), 10);
        assert!(!names(&groups.unary).contains(&"move_reg"));
        assert_eq!(
            names(&groups.conditional_moves),
            ["cmov_iz", "cmov_nz", "cmov_iz_imm", "cmov_nz_imm"]
        );
        assert_eq!(groups.branches.len(), 16);
        assert_eq!(groups.unknown_bytes.len(), 256 - groups.all.len());
        assert!(groups.unknown_bytes.contains(&111) && groups.unknown_bytes.contains(&255));
    }

    fn select_all(keep: impl Fn(Opcode) -> bool) -> Vec<Opcode> {
        jam_opcodes().into_iter().filter(|&op| keep(op)).collect()
    }
}
