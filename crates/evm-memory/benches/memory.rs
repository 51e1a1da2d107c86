//! Ours (`evm_memory::Memory`) against revm-interpreter 43 (`SharedMemory` + `Gas` +
//! `resize_memory`) on the same op streams. Every benchmark reports time per element
//! (one memory op, one call frame or one cost evaluation).

#[path = "../tests/support/mod.rs"]
mod support;

use criterion::{black_box, criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use evm_memory::{memory_gas, Memory};
use revm_interpreter::{
    context_interface::cfg::GasParams,
    interpreter::{resize_memory, SharedMemory},
    primitives::B256,
    Gas,
};
use std::time::Duration;

const HOT_OPS: u64 = 1 << 20;

fn hot(c: &mut Criterion) {
    let mut g = c.benchmark_group("hot");
    g.throughput(Throughput::Elements(HOT_OPS));
    let offsets: Vec<usize> = {
        let mut rng = support::Rng::new(1);
        (0..HOT_OPS)
            .map(|_| rng.below(4096 - 32 + 1) as usize)
            .collect()
    };
    g.bench_function("ours", |b| {
        let mut mem = Memory::new().unwrap();
        let mut gas = u64::MAX;
        mem.resize(4096, &mut gas).unwrap();
        b.iter(|| {
            let mut acc = 0u8;
            for (i, &o) in offsets.iter().enumerate() {
                if i & 1 == 0 {
                    mem.store_word(o, &[i as u8; 32], &mut gas).unwrap();
                } else {
                    acc ^= mem.load_word(o, &mut gas).unwrap()[7];
                }
            }
            black_box(acc)
        })
    });
    g.bench_function("revm", |b| {
        let params = GasParams::default();
        let mut mem = SharedMemory::new();
        let mut gas = Gas::new(u64::MAX);
        resize_memory(&mut gas, &mut mem, &params, 0, 4096).unwrap();
        b.iter(|| {
            let mut acc = 0u8;
            for (i, &o) in offsets.iter().enumerate() {
                resize_memory(&mut gas, &mut mem, &params, o, 32).unwrap();
                if i & 1 == 0 {
                    mem.set_word(o, &B256::from([i as u8; 32]));
                } else {
                    acc ^= mem.get_word(o)[7];
                }
            }
            black_box(acc)
        })
    });
    g.finish();
}

/// Stores walking up to `size` bytes in a fresh child frame of a reused buffer.
fn grow_seq(c: &mut Criterion) {
    let mut g = c.benchmark_group("grow-seq");
    for size in [1usize << 10, 64 << 10, 1 << 20, 4 << 20] {
        g.throughput(Throughput::Elements((size / 32) as u64));
        g.bench_with_input(BenchmarkId::new("ours", size), &size, |b, &size| {
            let mut mem = Memory::new().unwrap();
            b.iter(|| {
                mem.enter();
                let mut gas = u64::MAX;
                for o in (0..size).step_by(32) {
                    mem.store_word(o, &[1; 32], &mut gas).unwrap();
                }
                mem.leave();
            })
        });
        g.bench_with_input(BenchmarkId::new("revm", size), &size, |b, &size| {
            let params = GasParams::default();
            let mut root = SharedMemory::new();
            b.iter(|| {
                let mut mem = root.new_child_context();
                let mut gas = Gas::new(u64::MAX);
                for o in (0..size).step_by(32) {
                    resize_memory(&mut gas, &mut mem, &params, o, 32).unwrap();
                    mem.set_word(o, &B256::from([1; 32]));
                }
                drop(mem);
                root.free_child_context();
            })
        });
    }
    g.finish();
}

/// The differential generator's streams, 30 M gas per root frame.
fn mixed(c: &mut Criterion) {
    let mut g = c.benchmark_group("mixed");
    let cases: Vec<Vec<support::Op>> = (0..1000)
        .map(|seed| {
            let mut rng = support::Rng::new(seed);
            support::gen_ops(&mut rng, 64, [64, 1024, 1 << 16][seed as usize % 3])
        })
        .collect();
    let total: usize = cases.iter().map(Vec::len).sum();
    g.throughput(Throughput::Elements(total as u64));
    g.bench_function("ours", |b| {
        let mut mem = Memory::new().unwrap();
        let mut out = Vec::with_capacity(64);
        b.iter(|| {
            for ops in &cases {
                out.clear();
                mem.reset();
                support::run_ours(&mut mem, 30_000_000, ops, &mut out);
            }
            black_box(out.len())
        })
    });
    g.bench_function("revm", |b| {
        let mut out = Vec::with_capacity(64);
        b.iter(|| {
            for ops in &cases {
                out.clear();
                support::run_revm(u64::MAX, 30_000_000, ops, &mut out);
            }
            black_box(out.len())
        })
    });
    g.finish();
}

/// `depth` nested frames, each expanded to `size` bytes (a store in its last word), then
/// returned from one by one.
fn nested(c: &mut Criterion) {
    let mut g = c.benchmark_group("nested");
    for depth in [1usize, 16, 256, 1024] {
        for size in [256usize, 4 << 10, 64 << 10] {
            g.throughput(Throughput::Elements(depth as u64));
            let id = format!("{depth}x{size}");
            g.bench_with_input(
                BenchmarkId::new("ours", &id),
                &(depth, size),
                |b, &(depth, size)| {
                    let mut mem = Memory::new().unwrap();
                    b.iter(|| {
                        for _ in 0..depth {
                            mem.enter();
                            let mut gas = u64::MAX;
                            mem.store_word(size - 32, &[9; 32], &mut gas).unwrap();
                        }
                        for _ in 0..depth {
                            mem.leave();
                        }
                    })
                },
            );
            g.bench_with_input(
                BenchmarkId::new("revm", &id),
                &(depth, size),
                |b, &(depth, size)| {
                    let params = GasParams::default();
                    let mut root = SharedMemory::new();
                    b.iter(|| {
                        let mut frames: Vec<(SharedMemory, Gas)> = Vec::with_capacity(depth);
                        for _ in 0..depth {
                            let child = frames
                                .last_mut()
                                .map_or(&mut root, |f| &mut f.0)
                                .new_child_context();
                            frames.push((child, Gas::new(u64::MAX)));
                            let (mem, gas) = frames.last_mut().unwrap();
                            resize_memory(gas, mem, &params, size - 32, 32).unwrap();
                            mem.set_word(size - 32, &B256::from([9; 32]));
                        }
                        while frames.pop().is_some() {
                            frames
                                .last_mut()
                                .map_or(&mut root, |f| &mut f.0)
                                .free_child_context();
                        }
                    })
                },
            );
        }
    }
    g.finish();
}

fn gas(c: &mut Criterion) {
    let mut g = c.benchmark_group("gas");
    let words: Vec<u64> = {
        let mut rng = support::Rng::new(7);
        (0..4096)
            .map(|i| {
                if i % 4 == 3 {
                    rng.below(1 << 24)
                } else {
                    rng.below(1024)
                }
            })
            .collect()
    };
    g.throughput(Throughput::Elements(words.len() as u64));
    g.bench_function("ours", |b| {
        b.iter(|| {
            words
                .iter()
                .fold(0u64, |a, &w| a.wrapping_add(memory_gas(black_box(w))))
        })
    });
    g.bench_function("revm", |b| {
        let params = GasParams::default();
        b.iter(|| {
            words.iter().fold(0u64, |a, &w| {
                a.wrapping_add(params.memory_cost(black_box(w) as usize))
            })
        })
    });
    g.finish();
}

criterion_group! {
    name = benches;
    config = Criterion::default()
        .warm_up_time(Duration::from_millis(300))
        .measurement_time(Duration::from_secs(1))
        .sample_size(10);
    targets = hot, grow_seq, mixed, nested, gas
}
criterion_main!(benches);
