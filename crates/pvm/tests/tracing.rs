//! Memory traces of the engine: the exact records of a few hand-assembled instructions,
//! the initial image, host-side changes, and the `machine` trait implementations.

use std::sync::Arc;

use machine::check::check;
use machine::replay::replay;
use machine::{Machine, Memory as _, Op, Record, Registers as _, Step, VecTracer, ViewError};
use pvm::tracing::{MEMORY, REGISTERS};
use pvm::{Access, Exit, GpVersion, Instance, MemoryError, Program};

/// A raw blob (no jump table) of `instructions`, each given as its bytes.
fn blob(instructions: &[&[u8]]) -> Vec<u8> {
    let code: Vec<u8> = instructions.concat();
    let mut bitmask = vec![0u8; code.len().div_ceil(8)];
    let mut at = 0;
    for instruction in instructions {
        bitmask[at / 8] |= 1 << (at % 8);
        at += instruction.len();
    }
    let mut out = vec![0, 0, code.len() as u8];
    out.extend_from_slice(&code);
    out.extend_from_slice(&bitmask);
    out
}

fn instance(instructions: &[&[u8]]) -> Instance {
    let program = Program::from_blob_bytes(&blob(instructions), GpVersion::V0_8).unwrap();
    Instance::new(Arc::new(program), 1_000).unwrap()
}

/// (space, op, address, value) of each record; times checked separately.
fn ops(records: &[Record]) -> Vec<(u8, Op, u64, u64)> {
    records
        .iter()
        .map(|r| (r.space.0, r.op, r.address, r.value))
        .collect()
}

const R: u8 = REGISTERS.0;
const M: u8 = MEMORY.0;
const PAGE: u64 = 0x2_0000;
const OLD: u64 = 0x8877_6655_4433_2211;

#[test]
fn add_partial_store_straddling_load_and_faulting_store() {
    let mut vm = instance(&[
        &[51, 2, 0x00, 0x00, 0x02, 0x00], // load_imm r2, 0x20000
        &[51, 3, 5],                      // load_imm r3, 5
        &[51, 4, 7],                      // load_imm r4, 7
        &[200, 0x43, 5],                  // add_64 r5, r3, r4
        &[121, 0x25, 3],                  // store_ind_u16 [r2 + 3], r5
        &[130, 0x26, 4],                  // load_ind_u64 r6, [r2 + 4]
        &[123, 0x26, 0x00, 0x00, 0x01],   // store_ind_u64 [r2 + 0x10000], r6: unmapped
        &[0],                             // trap
    ]);
    vm.memory_mut()
        .map_zeroed(PAGE as u32, 4096, Access::Write)
        .unwrap();
    vm.memory_mut()
        .write(PAGE as u32 + 8, &OLD.to_le_bytes())
        .unwrap();
    let mut vm = vm.with_tracer(VecTracer::new()).unwrap();
    assert_eq!(vm.run(), Exit::PageFault { address: 0x3_0000 });
    let loaded = (OLD & 0xFFFF_FFFF) << 32;
    assert_eq!(vm.reg(6), Some(loaded));
    let records = vm.tracer().records();
    assert_eq!(
        ops(records),
        vec![
            // The image: the one non-zero word (all registers are zero).
            (M, Op::Write, PAGE + 8, OLD),
            (R, Op::Write, 2, PAGE),
            (R, Op::Write, 3, 5),
            (R, Op::Write, 4, 7),
            // add_64: both operands, then the result.
            (R, Op::Read, 3, 5),
            (R, Op::Read, 4, 7),
            (R, Op::Write, 5, 12),
            // store_ind_u16 at byte 3 of a word: read the old word, write the merged one.
            (R, Op::Read, 2, PAGE),
            (R, Op::Read, 5, 12),
            (M, Op::Read, PAGE, 0),
            (M, Op::Write, PAGE, 12 << 24),
            // load_ind_u64 at byte 4 straddles two words: both are read whole.
            (R, Op::Read, 2, PAGE),
            (M, Op::Read, PAGE, 12 << 24),
            (M, Op::Read, PAGE + 8, OLD),
            (R, Op::Write, 6, loaded),
            // The faulting store reads its registers; the memory access reports nothing.
            (R, Op::Read, 2, PAGE),
            (R, Op::Read, 6, loaded),
        ]
    );
    let times: Vec<u64> = records.iter().map(|r| r.time).collect();
    assert_eq!(times, (0..records.len() as u64).collect::<Vec<_>>());
    assert_eq!(check(records), Ok(()));
    assert_eq!(replay(records), Ok(()));
}

#[test]
fn a_store_straddling_into_an_unmapped_page_reports_nothing_and_changes_nothing() {
    let mut vm = instance(&[
        &[51, 2, 0xFC, 0x0F, 0x02, 0x00], // load_imm r2, 0x20FFC
        &[122, 0x22, 0],                  // store_ind_u32 [r2 + 0], r2 (fits)
        &[123, 0x22, 0],                  // store_ind_u64 [r2 + 0], r2 (straddles)
        &[0],
    ]);
    vm.memory_mut()
        .map_zeroed(PAGE as u32, 4096, Access::Write)
        .unwrap();
    let mut vm = vm.with_tracer(VecTracer::new()).unwrap();
    assert_eq!(vm.run(), Exit::PageFault { address: 0x2_1000 });
    assert_eq!(
        ops(vm.tracer().records()),
        vec![
            (R, Op::Write, 2, 0x2_0FFC),
            (R, Op::Read, 2, 0x2_0FFC),
            (R, Op::Read, 2, 0x2_0FFC),
            (M, Op::Read, 0x2_0FF8, 0),
            (M, Op::Write, 0x2_0FF8, 0x2_0FFC << 32),
            (R, Op::Read, 2, 0x2_0FFC),
            (R, Op::Read, 2, 0x2_0FFC),
        ]
    );
    assert_eq!(vm.memory().word(0x2_0FF8), 0x2_0FFC << 32);
}

#[test]
fn the_image_holds_registers_and_non_zero_words_and_host_changes_are_traced() {
    let mut vm = instance(&[&[0]]);
    vm.memory_mut()
        .map_zeroed(PAGE as u32, 8192, Access::Write)
        .unwrap();
    vm.memory_mut().write(PAGE as u32 + 4097, &[9]).unwrap();
    vm.set_reg(12, 3);
    let mut vm = vm.with_tracer(VecTracer::new()).unwrap();
    // Host-side changes through the instance are reported.
    assert!(vm.set_reg(1, 77));
    assert!(!vm.set_reg(13, 1));
    vm.write_memory(PAGE as u32 + 6, &[1, 2, 3, 4]).unwrap();
    assert!(matches!(
        vm.write_memory(0x5_0000, &[1]),
        Err(MemoryError::Inaccessible { .. })
    ));
    // Remapping zeroes the second page: its one non-zero word is written with zero.
    vm.map_memory(PAGE as u32 + 4096, 4096, Access::Read)
        .unwrap();
    let mut buf = [0u8; 2];
    machine::Memory::read(&mut vm, PAGE + 7, &mut buf).unwrap();
    assert_eq!(buf, [2, 3]);
    assert!(matches!(
        vm.read(1 << 32, &mut buf),
        Err(MemoryError::BeyondAddressSpace { .. })
    ));
    vm.set_memory_access(PAGE as u32, 4096, Access::None)
        .unwrap();
    assert_eq!(
        ops(vm.tracer().records()),
        vec![
            (R, Op::Write, 12, 3),
            (M, Op::Write, PAGE + 4096, 9 << 8),
            (R, Op::Write, 1, 77),
            (M, Op::Read, PAGE, 0),
            (M, Op::Write, PAGE, 0x0201 << 48),
            (M, Op::Read, PAGE + 8, 0),
            (M, Op::Write, PAGE + 8, 0x0403),
            (M, Op::Write, PAGE + 4096, 0),
            (M, Op::Read, PAGE, 0x0201 << 48),
            (M, Op::Read, PAGE + 8, 0x0403),
            // Unmapping zeroes the first page.
            (M, Op::Write, PAGE, 0),
            (M, Op::Write, PAGE + 8, 0),
        ]
    );
    assert_eq!(check(vm.tracer().records()), Ok(()));
}

#[test]
fn registers_trait_reads_and_writes_cells_and_rejects_index_13() {
    let mut vm = instance(&[&[0]]).with_tracer(VecTracer::new()).unwrap();
    assert_eq!(vm.register_count(), 13);
    vm.set_register(4, 40).unwrap();
    assert_eq!(vm.register(4), Ok(40));
    assert_eq!(
        vm.register(13),
        Err(ViewError::NoSuchRegister {
            index: 13,
            count: 13
        })
    );
    assert_eq!(
        vm.set_register(99, 1),
        Err(ViewError::NoSuchRegister {
            index: 99,
            count: 13
        })
    );
    assert_eq!(
        ops(vm.tracer().records()),
        vec![(R, Op::Write, 4, 40), (R, Op::Read, 4, 40)]
    );
}

#[test]
fn step_executes_one_instruction_and_charges_gas_per_block() {
    // load_imm r7, 42 ; load_imm r8, 1 ; jump_ind r0 (halt)
    let program = Program::from_blob_bytes(
        &blob(&[&[51, 7, 42], &[51, 8, 1], &[50, 0]]),
        GpVersion::V0_8,
    )
    .unwrap();
    let mut vm = Instance::new(Arc::new(program), 1_000).unwrap();
    vm.set_reg(0, 0xFFFF_0000);
    let mut vm = vm.with_tracer(VecTracer::new()).unwrap();
    assert_eq!(Machine::step(&mut vm), Ok(Step::Continue));
    let after_first = vm.gas();
    assert!(after_first < 1_000, "the block is charged on entry");
    assert_eq!((vm.pc(), vm.reg(7), vm.reg(8)), (3, Some(42), Some(0)));
    assert_eq!(vm.step(), Step::Continue);
    assert_eq!((vm.pc(), vm.reg(8), vm.gas()), (6, Some(1), after_first));
    assert_eq!(vm.step(), Step::Exit(Exit::Halt));
    assert_eq!(vm.step(), Step::Exit(Exit::Halt));
    assert_eq!(check(vm.tracer().records()), Ok(()));
}

#[test]
fn out_of_gas_on_the_first_step_executes_nothing() {
    let mut vm = instance(&[&[51, 7, 42], &[0]]);
    vm.set_gas(0);
    let mut vm = vm.with_tracer(VecTracer::new()).unwrap();
    assert_eq!(vm.step(), Step::Exit(Exit::OutOfGas));
    assert_eq!((vm.pc(), vm.gas(), vm.reg(7)), (0, 0, Some(0)));
    assert!(vm.tracer().records().is_empty());
}
