//! Load-time validation, block structure and costs.
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
    let program = Arc::new(Program::new(&blob(&code, &[0b0100_1101]), GpVersion::V0_8).unwrap());
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
