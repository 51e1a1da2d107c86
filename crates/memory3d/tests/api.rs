//! Unit tests of every API call and every opcode, against exact gas figures.

use memory3d::address::PLANE_SIZE;
use memory3d::isa::{assemble, Instruction, Op};
use memory3d::{
    Address3D, AllocFlags, CompactionConfig, LogLevel, RegionType, Vm3D, VmConfig, VmError,
};

fn vm() -> Vm3D {
    Vm3D::new(VmConfig {
        enable_proof: true,
        ..VmConfig::default()
    })
    .unwrap()
}

fn run(vm: &mut Vm3D, src: &str) -> Result<(), memory3d::ExecError> {
    vm.execute(&assemble(src).unwrap())
}

#[test]
fn config_defaults() {
    let c = VmConfig::default();
    assert_eq!(c.memory_size, 100 * 1024 * 1024);
    assert_eq!(c.gas_limit, 10_000_000);
    assert!(!c.enable_proof);
    assert!(c.enable_compaction);
    assert_eq!(c.max_instructions, 100_000);
    assert_eq!(c.log_level, LogLevel::Info);
    assert_eq!(
        Vm3D::new(VmConfig {
            memory_size: 0,
            ..c
        })
        .err(),
        Some(VmError::InvalidConfig)
    );
    let d = CompactionConfig::default();
    assert_eq!(
        (
            d.fragmentation_threshold,
            d.min_fragment_size,
            d.max_moves_per_cycle,
            d.gas_refund_percentage
        ),
        (0.3, 64, 100, 0.5)
    );
}

#[test]
fn allocate_store_load_free_with_gas() {
    let mut vm = vm();
    let a = vm.allocate_memory(256, RegionType::Heap).unwrap();
    assert_eq!(vm.gas_used(), 20 + 256);
    vm.store3d(a.add_z(10), b"hello").unwrap();
    assert_eq!(vm.gas_used(), 276 + 15 + 10);
    assert_eq!(vm.load3d(a.add_z(8), 8).unwrap(), b"\0\0hello\0");
    assert_eq!(vm.gas_used(), 301 + 10 + 16);
    assert_eq!(
        vm.load3d(a.add_z(250), 7),
        Err(VmError::InvalidAddress),
        "bounds-checked"
    );
    vm.free3d(a).unwrap();
    assert_eq!(vm.load3d(a, 1), Err(VmError::AddressNotAllocated));
    assert_eq!(vm.free3d(a), Err(VmError::AddressNotAllocated));
    let s = vm.stats();
    assert_eq!(
        (s.allocations, s.memory_usage, s.total_gas_used),
        (1, 0, vm.gas_used())
    );
    assert_eq!(vm.gas_used() + vm.gas_remaining(), 10_000_000);
}

#[test]
fn store_auto_allocates_and_charges() {
    let mut vm = vm();
    let at = Address3D::new(3, 2, 100);
    vm.store3d(at, b"abcd").unwrap();
    assert_eq!(vm.gas_used(), (15 + 8) + (20 + 4));
    assert_eq!(vm.allocation_at(at).unwrap().size, 4);
    assert_eq!(vm.load3d(at, 4).unwrap(), b"abcd");
    // Overlapping an existing allocation from outside is refused.
    assert_eq!(
        vm.store3d(Address3D::new(3, 2, 98), b"xyz"),
        Err(VmError::AllocationFailed)
    );
}

#[test]
fn copy_and_flags() {
    let mut vm = vm();
    let a = vm.allocate_memory(64, RegionType::Heap).unwrap();
    let ro = vm
        .allocate_with_flags(64, RegionType::Heap, AllocFlags::READ_ONLY)
        .unwrap();
    let ex = vm
        .allocate_with_flags(64, RegionType::Heap, AllocFlags::EXECUTABLE)
        .unwrap();
    let pr = vm
        .allocate_with_flags(64, RegionType::Heap, AllocFlags::PROTECTED)
        .unwrap();
    vm.store3d(a, b"0123456789").unwrap();
    let g = vm.gas_used();
    vm.copy3d(a, a.add_z(2), 8).unwrap();
    assert_eq!(vm.gas_used() - g, 25 + 16);
    assert_eq!(
        vm.load3d(a, 10).unwrap(),
        b"0101234567",
        "overlapping copy is a memmove"
    );
    assert_eq!(vm.store3d(ro, b"x"), Err(VmError::AccessDenied));
    assert_eq!(vm.store3d(ex, b"x"), Err(VmError::AccessDenied));
    assert_eq!(vm.copy3d(a, ro, 4), Err(VmError::AccessDenied));
    assert_eq!(vm.free3d(pr), Err(VmError::AccessDenied));
    assert_eq!(vm.load3d(ro, 4).unwrap(), vec![0; 4]);
}

#[test]
fn temporary_allocations_end_with_execute() {
    let mut vm = vm();
    run(&mut vm, "MALLOC3D 16 0 8 r0\nMALLOC3D 16 0 0 r1").unwrap();
    assert_eq!(vm.allocations().count(), 1);
    let kept = Address3D::from_bytes(vm.register(1).try_into().unwrap());
    assert_eq!(vm.allocation_at(kept).unwrap().size, 16);
}

#[test]
fn memory_size_and_regions_enforced() {
    let mut vm = Vm3D::new(VmConfig {
        memory_size: 1000,
        ..VmConfig::default()
    })
    .unwrap();
    vm.allocate_memory(600, RegionType::Heap).unwrap();
    assert_eq!(
        vm.allocate_memory(401, RegionType::Heap),
        Err(VmError::InsufficientMemory)
    );
    assert_eq!(
        vm.allocate_memory(0, RegionType::Heap),
        Err(VmError::AllocationFailed)
    );
    let s = vm.allocate_memory(400, RegionType::Stack).unwrap();
    assert_eq!(s.x, 1, "another region type gets another region");
    assert!(!Address3D::new(300, 0, 0).is_valid());
    assert_eq!(
        vm.store3d(Address3D::new(300, 0, 0), b"x"),
        Err(VmError::InvalidAddress)
    );
}

#[test]
fn y_promotion_spans_planes() {
    let mut vm = vm();
    let small = vm.allocate_memory(100, RegionType::Heap).unwrap();
    let g = vm.gas_used();
    let size = 3 * PLANE_SIZE as u32 + 5;
    let big = vm.allocate_memory(size, RegionType::Heap).unwrap();
    assert_eq!(vm.gas_used() - g, 20 + u64::from(size) + 100);
    assert_eq!((big.y, big.z), (1, 0), "starts on a fresh plane");
    assert_eq!(vm.stats().y_promotions, 1);
    let across = Address3D::new(big.x, big.y, u16::MAX - 1);
    vm.store3d(across, b"span").unwrap();
    assert_eq!(vm.load3d(across, 4).unwrap(), b"span");
    assert_eq!(
        vm.load3d(Address3D::new(big.x, big.y + 1, 0), 2).unwrap(),
        b"an"
    );
    assert_ne!(small, big);
}

#[test]
fn merkle_api() {
    let mut vm = vm();
    let a = vm.allocate_memory(256, RegionType::Heap).unwrap();
    vm.store3d(a, b"data").unwrap();
    let proof = vm.merkle_proof(a).unwrap();
    let chunk = vm.chunk(a);
    assert_eq!(&chunk[..4], b"data");
    assert!(vm.verify_memory_state(a, &chunk, &proof).unwrap());
    assert!(!vm.verify_memory_state(a, &[0; 32], &proof).unwrap());
    let root = vm.merkle_root().unwrap();
    let batch = vm.merkle_batch_proof(a.add_z(2), 40).unwrap();
    let mut want = b"ta".to_vec();
    want.resize(40, 0);
    assert!(memory3d::verify_range(&root, a.add_z(2), &want, &batch));
    want[5] = 1;
    assert!(!memory3d::verify_range(&root, a.add_z(2), &want, &batch));
    // Non-membership: an untouched chunk proves as zeros.
    let far = a.add_z(200);
    assert!(memory3d::verify(
        &root,
        far,
        &[0; 32],
        &vm.merkle_proof(far).unwrap()
    ));
    let mut off = Vm3D::new(VmConfig::default()).unwrap();
    assert_eq!(off.merkle_root(), None);
    assert_eq!(off.merkle_proof(a), Err(VmError::MerkleNotEnabled));
    assert_eq!(
        off.verify_memory_state(a, &chunk, &proof),
        Err(VmError::MerkleNotEnabled)
    );
    off.allocate_memory(1, RegionType::Heap).unwrap();
}

#[test]
fn compaction_moves_and_reports() {
    let mut vm = vm();
    let ids: Vec<Address3D> = (0..4)
        .map(|_| vm.allocate_memory(1000, RegionType::Heap).unwrap())
        .collect();
    vm.store3d(ids[3], b"keep me").unwrap();
    vm.free3d(ids[0]).unwrap();
    vm.free3d(ids[2]).unwrap();
    let rep = vm.compaction_report();
    let r = &rep[&0];
    assert_eq!(
        (r.total_size, r.used_size, r.free_size, r.fragment_count),
        (4000, 2000, 2000, 2)
    );
    assert!((r.fragmentation - 0.5).abs() < 1e-9);
    let plan = vm.analyze_compaction(&CompactionConfig::default());
    assert_eq!(plan.len(), 2);
    let root_before = vm.merkle_root().unwrap();
    let used_before = vm.gas_used();
    let out = vm
        .execute_compact(&Instruction::new(Op::MCompact3D, &[]))
        .unwrap();
    assert_eq!(out.bytes_moved, 2000);
    assert_eq!(out.gas_charged, 50 + 1000);
    assert_eq!(out.gas_refunded, 1000);
    assert_eq!(vm.gas_used(), used_before + 50);
    let moved = Address3D::new(0, 0, 1000);
    assert_eq!(vm.load3d(moved, 7).unwrap(), b"keep me");
    assert_ne!(
        vm.merkle_root().unwrap(),
        root_before,
        "the commitment follows the move"
    );
    let mut fresh = Vm3D::new(VmConfig {
        enable_proof: true,
        ..VmConfig::default()
    })
    .unwrap();
    fresh.store3d(moved, b"keep me").unwrap();
    assert_eq!(
        vm.merkle_root(),
        fresh.merkle_root(),
        "root = commitment of the moved contents"
    );
    assert_eq!(vm.compaction_report()[&0].free_size, 0);
    assert!(vm
        .analyze_compaction(&CompactionConfig::default())
        .is_empty());
    assert_eq!(
        vm.execute_compact(&Instruction::new(Op::Nop, &[])),
        Err(VmError::UnsupportedOpcode)
    );
}

#[test]
fn opcodes_individually() {
    let mut vm = vm();
    // NOP, HALT
    run(&mut vm, "NOP\nHALT\nNOP").unwrap();
    assert_eq!((vm.gas_used(), vm.stats().instructions_executed), (2, 2));
    // MALLOC3D + MSIZE3D
    run(
        &mut vm,
        "MALLOC3D 32 0 0 r5\nMSIZE3D 0 0 0 r6\nMSIZE3D 9 0 0 r7",
    )
    .unwrap();
    assert_eq!(vm.register(5), Address3D::new(0, 0, 0).to_bytes());
    assert_eq!(vm.register(6), 32u64.to_be_bytes());
    assert_eq!(vm.register(7), 0u64.to_be_bytes());
    assert_eq!(vm.gas_used(), 2 + (20 + 32) + 5 + 5);
    // MSTORE3D / MLOAD3D
    vm.set_register(1, b"wxyz".to_vec());
    let g = vm.gas_used();
    run(&mut vm, "MSTORE3D 0 0 4 r1 4\nMLOAD3D 0 0 3 6 r2").unwrap();
    assert_eq!(vm.register(2), b"\0wxyz\0");
    assert_eq!(vm.gas_used() - g, (15 + 8) + (10 + 12));
    // MCOPY3D (dst Z = 0)
    run(&mut vm, "MCOPY3D 0 0 4 0 0 4\nMLOAD3D 0 0 0 4 r3").unwrap();
    assert_eq!(vm.register(3), b"wxyz");
    // MOV, ADD, SUB wrap
    vm.set_register(8, u64::MAX.to_be_bytes().to_vec());
    vm.set_register(9, 2u64.to_be_bytes().to_vec());
    let g = vm.gas_used();
    run(
        &mut vm,
        "ADD r10 r8 r9\nSUB r11 r9 r8\nMOV r12 r1\nADD r13 r1 r9",
    )
    .unwrap();
    assert_eq!(vm.gas_used() - g, 3 + 3 + 2 + 3);
    assert_eq!(vm.register(10), 1u64.to_be_bytes());
    assert_eq!(vm.register(11), 3u64.to_be_bytes());
    assert_eq!(vm.register(12), b"wxyz");
    assert_eq!(
        vm.register(13),
        2u64.to_be_bytes(),
        "short register reads as 0"
    );
    // MFREE3D
    run(&mut vm, "MFREE3D 0 0 0\nMSIZE3D 0 0 0 r6").unwrap();
    assert_eq!(vm.register(6), 0u64.to_be_bytes());
    // MCOMPACT3D on an unfragmented VM moves nothing and costs 50.
    let g = vm.gas_used();
    run(&mut vm, "MCOMPACT3D").unwrap();
    assert_eq!(vm.gas_used() - g, 50);
}

#[test]
fn execution_errors_carry_pc() {
    let mut vm = vm();
    let e = vm.execute(&[0x00, 0x00, 0x16]).unwrap_err();
    assert_eq!((e.pc, e.error.clone()), (2, VmError::UnsupportedOpcode));
    assert_eq!(e.to_string(), "unsupported opcode at pc 2");
    let e = vm.execute(&[0x00, 0x31, 0x01]).unwrap_err();
    assert_eq!((e.pc, e.error), (1, VmError::IncompleteInstruction));
    let e = vm.execute(&[0x30, 16, 0, 0, 0, 0, 0, 0]).unwrap_err();
    assert_eq!(e.error, VmError::InvalidRegister);
    vm.set_register(0, vec![1, 2]);
    let e = run(&mut vm, "MSTORE3D 0 0 0 r0 3").unwrap_err();
    assert_eq!(e.error, VmError::RegisterTooSmall);
}

#[test]
fn instruction_limit_is_exact() {
    let mut vm = Vm3D::new(VmConfig {
        max_instructions: 3,
        ..VmConfig::default()
    })
    .unwrap();
    vm.execute(&[0, 0, 0]).unwrap();
    let e = vm.execute(&[0, 0, 0, 0]).unwrap_err();
    assert_eq!((e.pc, e.error), (3, VmError::InstructionLimitExceeded));
    assert_eq!(vm.stats().instructions_executed, 6);
    // Using the last unit of gas is success.
    let mut vm = Vm3D::new(VmConfig {
        gas_limit: 2,
        ..VmConfig::default()
    })
    .unwrap();
    vm.execute(&[0, 0]).unwrap();
    assert_eq!(vm.gas_remaining(), 0);
    assert_eq!(vm.execute(&[0]).unwrap_err().error, VmError::GasExhausted);
}

#[test]
fn gas_exhaustion_changes_nothing() {
    let mut vm = Vm3D::new(VmConfig {
        gas_limit: 300,
        enable_proof: true,
        ..VmConfig::default()
    })
    .unwrap();
    let a = vm.allocate_memory(200, RegionType::Heap).unwrap();
    let root = vm.merkle_root();
    assert_eq!(vm.store3d(a, &[7; 60]), Err(VmError::GasExhausted));
    assert_eq!(vm.gas_used(), 220);
    assert_eq!(vm.merkle_root(), root);
    assert_eq!(vm.load3d(a, 20).unwrap(), vec![0; 20]);
    assert_eq!(
        vm.allocate_memory(100, RegionType::Heap),
        Err(VmError::GasExhausted)
    );
    assert_eq!(vm.allocations().count(), 1);
    let e = vm
        .execute(&assemble("NOP\nMALLOC3D 100 0 0 r0").unwrap())
        .unwrap_err();
    assert_eq!((e.pc, e.error), (1, VmError::GasExhausted));
    assert!(vm.register(0).is_empty());
    assert_eq!(vm.gas_used() + vm.gas_remaining(), 300);
}
