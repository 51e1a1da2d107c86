//! Ours (`evm_memory::Memory`) against revm-interpreter 43 (`SharedMemory` + `Gas` +
//! `resize_memory`) on the same op streams. Every benchmark reports time per element
//! (one memory op, one call frame or one cost evaluation).

#[path = "../tests/support/mod.rs"]
mod support;

use criterion::{black_box, criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use evm_memory::{memory_gas, to_usize, Memory};
use revm_interpreter::{
    context_interface::cfg::GasParams,
    interpreter::{resize_memory, SharedMemory},
    primitives::{B256, U256},
    Gas,
};
use std::time::Duration;
use support::Op;

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

/// Runs a generator stream on ours without recording outcomes; reads are consumed with
/// `black_box`. An error ends a child frame (return) or the stream (at the root).
fn exec_ours(mem: &mut Memory, ops: &[Op], root_gas: u64, src: &[u8]) {
    use support::Op::*;
    let mut gas = [0u64; 1100];
    let mut d = 0;
    gas[0] = root_gas;
    let u = |o: &[u64; 4]| to_usize(o).ok();
    for op in ops {
        let g = &mut gas[d];
        let len = match op.len().map(u) {
            Some(Some(0)) => continue,
            Some(len) => len,
            None => None,
        };
        let ok = match op {
            MLoad(o) => u(o)
                .and_then(|o| mem.load_word(o, g).ok())
                .map(black_box)
                .is_some(),
            MStore(o, w) => u(o).is_some_and(|o| mem.store_word(o, w, g).is_ok()),
            MStore8(o, b) => u(o).is_some_and(|o| mem.store_byte(o, *b, g).is_ok()),
            MCopy { dst, src: s, .. } => match (len, u(dst), u(s)) {
                (Some(l), Some(a), Some(b)) => mem.copy_within(a, b, l, g).is_ok(),
                _ => false,
            },
            CopyFrom {
                dst,
                src_offset,
                src_len,
                ..
            } => match (len, u(dst)) {
                (Some(l), Some(a)) => {
                    let so = u(src_offset).unwrap_or(usize::MAX);
                    mem.copy_from(a, &src[..*src_len], so, l, g).is_ok()
                }
                _ => false,
            },
            Read { offset, .. } => match (len, u(offset)) {
                (Some(l), Some(o)) => mem.read(o, l, g).map(|b| black_box(b.len())).is_ok(),
                _ => false,
            },
            MSize => black_box(mem.len()) < usize::MAX,
            Enter(l) => {
                mem.enter();
                d += 1;
                gas[d] = *l;
                true
            }
            Return => {
                if mem.leave() {
                    d -= 1;
                }
                true
            }
        };
        if !ok {
            if !mem.leave() {
                return;
            }
            d -= 1;
        }
    }
}

/// The same as [`exec_ours`] on revm's `SharedMemory`, `Gas` and `resize_memory`.
fn exec_revm(ops: &[Op], root_gas: u64, src: &[u8], params: &GasParams) {
    use support::Op::*;
    let mut frames = vec![(SharedMemory::new(), Gas::new(root_gas))];
    let u = |o: &[u64; 4]| usize::try_from(U256::from_limbs(*o)).ok();
    for op in ops {
        let len = match op.len().map(u) {
            Some(Some(0)) => continue,
            Some(len) => len,
            None => None,
        };
        let (mem, gas) = frames.last_mut().unwrap();
        let mut rs = |o: usize, l: usize, mem: &mut SharedMemory| {
            resize_memory(gas, mem, params, o, l).is_ok()
        };
        let ok = match op {
            MLoad(o) => u(o).is_some_and(|o| rs(o, 32, mem) && black_box(mem.get_word(o))[0] < 255),
            MStore(o, w) => u(o).is_some_and(|o| {
                rs(o, 32, mem) && {
                    mem.set_word(o, &B256::from(*w));
                    true
                }
            }),
            MStore8(o, b) => u(o).is_some_and(|o| {
                rs(o, 1, mem) && {
                    mem.set_byte(o, *b);
                    true
                }
            }),
            MCopy { dst, src: s, .. } => match (len, u(dst), u(s)) {
                (Some(l), Some(a), Some(b)) => {
                    rs(a.max(b), l, mem) && {
                        mem.copy(a, b, l);
                        true
                    }
                }
                _ => false,
            },
            CopyFrom {
                dst,
                src_offset,
                src_len,
                ..
            } => match (len, u(dst)) {
                (Some(l), Some(a)) => {
                    let so = u(src_offset).unwrap_or(usize::MAX);
                    rs(a, l, mem) && {
                        mem.set_data(a, so, l, &src[..*src_len]);
                        true
                    }
                }
                _ => false,
            },
            Read { offset, .. } => match (len, u(offset)) {
                (Some(l), Some(o)) => rs(o, l, mem) && black_box(mem.slice_len(o, l).len()) == l,
                _ => false,
            },
            MSize => black_box(mem.len()) < usize::MAX,
            Enter(l) => {
                let child = mem.new_child_context();
                frames.push((child, Gas::new(*l)));
                true
            }
            Return => {
                support::revm_leave(&mut frames);
                true
            }
        };
        if !ok && !support::revm_leave(&mut frames) {
            return;
        }
    }
}

/// The differential generator's streams, 30 M gas per root frame, executed without
/// recording outcomes (time per generated op, including those after an early stop).
fn mixed(c: &mut Criterion) {
    let mut g = c.benchmark_group("mixed");
    let cases: Vec<Vec<Op>> = (0..1000)
        .map(|seed| {
            let mut rng = support::Rng::new(seed);
            support::gen_ops(&mut rng, 64, [64, 1024, 1 << 16][seed as usize % 3])
        })
        .collect();
    let total: usize = cases.iter().map(Vec::len).sum();
    let src = support::source(80);
    g.throughput(Throughput::Elements(total as u64));
    g.bench_function("ours", |b| {
        let mut mem = Memory::new().unwrap();
        b.iter(|| {
            for ops in &cases {
                mem.reset();
                exec_ours(&mut mem, ops, 30_000_000, &src);
            }
        })
    });
    g.bench_function("revm", |b| {
        let params = GasParams::default();
        b.iter(|| {
            for ops in &cases {
                exec_revm(ops, 30_000_000, &src, &params);
            }
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
