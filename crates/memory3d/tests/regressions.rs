//! One regression test per flaw of the Go reference (rawbytedev/memory3d v0.2.0).

use memory3d::address::PLANE_SIZE;
use memory3d::isa::assemble;
use memory3d::{merkle, Address3D, CompactionConfig, RegionType, Vm3D, VmConfig, VmError};

fn vm_with(gas: u64) -> Vm3D {
    Vm3D::new(VmConfig {
        enable_proof: true,
        gas_limit: gas,
        ..VmConfig::default()
    })
    .unwrap()
}

/// Reference: the "proof" is a bare hash of the data, so any proof verifies for any
/// address. Here a proof binds address, data and root.
#[test]
fn proofs_cannot_be_forged() {
    let mut vm = vm_with(1_000_000);
    let a = vm.allocate_memory(64, RegionType::Heap).unwrap();
    vm.store3d(a, b"secret").unwrap();
    let root = vm.merkle_root().unwrap();
    let chunk = vm.chunk(a);
    let proof = vm.merkle_proof(a).unwrap();
    assert!(merkle::verify(&root, a, &chunk, &proof));
    assert!(
        !merkle::verify(&root, a.add_z(32), &chunk, &proof),
        "other address"
    );
    assert!(!merkle::verify(&root, a, &[0; 32], &proof), "other data");
    assert!(!merkle::verify(&root, a, &chunk, &[]), "empty proof");
    assert!(
        !merkle::verify(&root, a, &chunk, &vec![[0u8; 32]; merkle::DEPTH]),
        "made-up proof"
    );
}

/// Reference: the root depends on Go map iteration order. Here it depends on contents only.
#[test]
fn root_is_independent_of_operation_order() {
    let mut one = vm_with(1_000_000);
    let mut two = vm_with(1_000_000);
    let addrs = [
        Address3D::new(0, 0, 0),
        Address3D::new(0, 0, 100),
        Address3D::new(2, 7, 9),
    ];
    for (i, a) in addrs.iter().enumerate() {
        one.store3d(*a, &[i as u8 + 1; 10]).unwrap();
    }
    for (i, a) in addrs.iter().enumerate().rev() {
        two.store3d(*a, &[i as u8 + 1; 10]).unwrap();
    }
    assert_eq!(one.merkle_root(), two.merkle_root());
}

/// Reference: allocation charged 2/byte. Document: 20 + 1/byte.
#[test]
fn allocation_costs_one_per_byte() {
    let mut vm = vm_with(1_000_000);
    vm.allocate_memory(1000, RegionType::Heap).unwrap();
    assert_eq!(vm.gas_used(), 1020);
}

/// Reference: only store is metered in the API. Here load, allocate, free, copy are too.
#[test]
fn every_api_call_is_metered() {
    let mut vm = vm_with(1_000_000);
    let a = vm.allocate_memory(10, RegionType::Heap).unwrap();
    let mut g = vm.gas_used();
    let mut step = |vm: &Vm3D, want: u64| {
        assert_eq!(vm.gas_used() - g, want);
        g = vm.gas_used();
    };
    vm.load3d(a, 4).unwrap();
    step(&vm, 18);
    vm.copy3d(a, a.add_z(4), 4).unwrap();
    step(&vm, 33);
    vm.free3d(a).unwrap();
    step(&vm, 5);
}

/// Reference: Y-promotion never happens. Here a multi-plane allocation spans planes.
#[test]
fn y_promotion_happens() {
    let mut vm = vm_with(10_000_000);
    let a = vm
        .allocate_memory(2 * PLANE_SIZE as u32, RegionType::Heap)
        .unwrap();
    assert_eq!(vm.stats().y_promotions, 1);
    assert_eq!(vm.gas_used(), 20 + 2 * PLANE_SIZE + 100);
    vm.store3d(a.next_y(), b"second plane").unwrap();
    assert_eq!(vm.load3d(a.next_y(), 12).unwrap(), b"second plane");
}

/// Reference: compaction refunds gas without moving anything, so remaining gas can exceed
/// the limit. Here refunds follow bytes moved and `used + remaining == limit` always.
#[test]
fn compaction_moves_and_refund_is_bounded() {
    let mut vm = vm_with(10_000);
    let a = vm.allocate_memory(500, RegionType::Heap).unwrap();
    let b = vm.allocate_memory(500, RegionType::Heap).unwrap();
    vm.store3d(b, b"payload").unwrap();
    vm.free3d(a).unwrap();
    let cfg = CompactionConfig {
        gas_refund_percentage: 1.0,
        ..CompactionConfig::default()
    };
    let out = vm.compact(&cfg).unwrap();
    assert_eq!(out.bytes_moved, 500);
    assert_eq!(vm.load3d(a, 7).unwrap(), b"payload", "really moved");
    assert!(vm.gas_remaining() <= 10_000);
    assert_eq!(vm.gas_used() + vm.gas_remaining(), 10_000);
    // Nothing to move: only the base cost, no refund.
    let g = vm.gas_used();
    let out = vm.compact(&cfg).unwrap();
    assert_eq!(
        (out.bytes_moved, out.gas_refunded, vm.gas_used() - g),
        (0, 0, 50)
    );
}

/// Reference: freed memory is not zeroed, so a new allocation can read old data.
#[test]
fn freed_memory_is_zeroed() {
    let mut vm = vm_with(1_000_000);
    let a = vm.allocate_memory(64, RegionType::Heap).unwrap();
    vm.store3d(a, &[0xAA; 64]).unwrap();
    vm.free3d(a).unwrap();
    let b = vm.allocate_memory(64, RegionType::Heap).unwrap();
    assert_eq!(a, b, "same place reused");
    assert_eq!(vm.load3d(b, 64).unwrap(), vec![0; 64]);
    assert_eq!(vm.merkle_root(), Some(merkle::empty_root()));
}

/// Reference: a load can start a goroutine that never ends. Here loads are synchronous:
/// many loads leave no extra threads behind and return promptly.
#[test]
fn loads_start_no_background_work() {
    let threads = || {
        std::fs::read_dir("/proc/self/task")
            .map(|d| d.count())
            .unwrap_or(1)
    };
    let mut vm = vm_with(100_000_000);
    let a = vm.allocate_memory(1024, RegionType::Heap).unwrap();
    let before = threads();
    let t = std::time::Instant::now();
    for _ in 0..10_000 {
        vm.load3d(a, 1024).unwrap();
    }
    assert!(t.elapsed().as_secs() < 30);
    assert!(threads() <= before);
}

/// The bytecode stays byte-compatible with the reference encodings.
#[test]
fn reference_encodings() {
    let p = assemble("MALLOC3D 256 0 0 r0").unwrap();
    assert_eq!(p, [0x12, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
    let p = assemble("MCOPY3D 1 2 3 4 5 6").unwrap();
    assert_eq!(
        p,
        [0x14, 0, 0, 0, 0, 0, 0, 0, 1, 0, 2, 0, 3, 0, 0, 0, 4, 0, 5, 6]
    );
    let mut vm = vm_with(1_000);
    assert_eq!(vm.execute(&[0x31, 2, 0, 1]), Ok(()));
    assert_eq!(vm.register(2), 0u64.to_be_bytes());
    assert_eq!(
        vm.execute(&[0x16]).unwrap_err().error,
        VmError::UnsupportedOpcode
    );
}
