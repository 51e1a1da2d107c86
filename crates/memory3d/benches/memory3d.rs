//! Criterion benchmarks: store+prove at 10^3..10^6 live leaves, allocate/free churn,
//! bytecode throughput.

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use memory3d::isa::{encode, Instruction, Op};
use memory3d::{Address3D, RegionType, Vm3D, VmConfig};

fn big_vm(proofs: bool) -> Vm3D {
    Vm3D::new(VmConfig {
        gas_limit: u64::MAX,
        enable_proof: proofs,
        memory_size: 1 << 30,
        max_instructions: u64::MAX,
        ..VmConfig::default()
    })
    .unwrap()
}

fn store_prove(c: &mut Criterion) {
    let mut g = c.benchmark_group("store_prove");
    g.sample_size(10);
    for n in [1_000u64, 10_000, 100_000, 1_000_000] {
        let mut vm = big_vm(true);
        let base = vm
            .allocate_memory((n * 32) as u32, RegionType::Heap)
            .unwrap();
        let fill: Vec<u8> = (0..n * 32).map(|i| (i % 251) as u8 | 1).collect();
        vm.store3d(base, &fill).unwrap();
        let mut i = 0u64;
        g.bench_with_input(BenchmarkId::from_parameter(n), &n, |b, &n| {
            b.iter(|| {
                i = (i
                    .wrapping_mul(6_364_136_223_846_793_005)
                    .wrapping_add(1_442_695_040_888_963_407))
                    % n;
                let at = Address3D::from_linear(base.x, base.linear() + i * 32);
                vm.store3d(at, &[(i as u8) | 1; 32]).unwrap();
                vm.merkle_proof(at).unwrap()
            })
        });
    }
    g.finish();
}

fn alloc_free(c: &mut Criterion) {
    let mut vm = big_vm(true);
    for _ in 0..1_000 {
        vm.allocate_memory(64, RegionType::Heap).unwrap();
    }
    c.bench_function("alloc_free_churn_1000_live", |b| {
        b.iter(|| {
            let a = vm.allocate_memory(256, RegionType::Heap).unwrap();
            vm.store3d(a, b"x").unwrap();
            vm.free3d(a).unwrap();
        })
    });
}

fn bytecode(c: &mut Criterion) {
    let adds: Vec<Instruction> = (0..1_000)
        .map(|i| Instruction::new(Op::Add, &[i % 16, (i + 1) % 16, (i + 2) % 16]))
        .collect();
    let prog_add = encode(&adds);
    let mut mem = vec![Instruction::new(Op::MAlloc3D, &[4096, 0, 0, 0])];
    for i in 0..1_000u64 {
        mem.push(Instruction::new(
            Op::MStore3D,
            &[0, 0, (i * 4) % 4000, 1, 4],
        ));
        mem.push(Instruction::new(Op::MLoad3D, &[0, 0, (i * 4) % 4000, 4, 2]));
    }
    mem.push(Instruction::new(Op::MFree3D, &[0, 0, 0]));
    let prog_mem = encode(&mem);
    let mut g = c.benchmark_group("bytecode");
    g.throughput(Throughput::Elements(1_000));
    g.bench_function("add_x1000", |b| {
        b.iter(|| {
            let mut vm = big_vm(false);
            vm.execute(&prog_add).unwrap();
        })
    });
    g.throughput(Throughput::Elements(2_002));
    g.bench_function("store_load_x1000_proofs", |b| {
        b.iter(|| {
            let mut vm = big_vm(true);
            vm.set_register(1, vec![1, 2, 3, 4]);
            vm.execute(&prog_mem).unwrap();
        })
    });
    g.finish();
}

criterion_group!(benches, store_prove, alloc_free, bytecode);
criterion_main!(benches);
