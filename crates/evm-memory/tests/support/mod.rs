//! Differential harness shared by the tests and the benchmarks: a seeded generator of
//! memory-op streams and two runners, one on `evm_memory::Memory` and one on revm's
//! `SharedMemory` + `Gas` + `resize_memory`, each producing one [`Outcome`] per op.
#![allow(dead_code)]

use evm_memory::{to_usize, Memory, MemoryError};
use machine::Tracer;
use revm_interpreter::context_interface::cfg::GasParams;
use revm_interpreter::{
    interpreter::{resize_memory, SharedMemory},
    primitives::{B256, U256},
    Gas, InstructionResult,
};

/// A 256-bit operand as little-endian limbs.
pub type Operand = [u64; 4];

/// One memory operation, shaped like the opcodes that use memory.
#[derive(Clone, Debug)]
pub enum Op {
    MLoad(Operand),
    MStore(Operand, [u8; 32]),
    MStore8(Operand, u8),
    MCopy {
        dst: Operand,
        src: Operand,
        len: Operand,
    },
    /// CALLDATACOPY-style copy from a short source (`src_len` bytes of a fixed pattern).
    CopyFrom {
        dst: Operand,
        src_offset: Operand,
        len: Operand,
        src_len: usize,
    },
    /// KECCAK256 / RETURN / LOG-style range read.
    Read {
        offset: Operand,
        len: Operand,
    },
    MSize,
    /// Call: a child frame with its own gas limit.
    Enter(u64),
    /// Return from the child frame (no-op at depth 0).
    Return,
}

impl Op {
    /// The length operand of a ranged op (MCOPY, the copies, the reads). The opcodes
    /// convert it before the offsets and do nothing else for zero bytes.
    pub fn len(&self) -> Option<&Operand> {
        match self {
            Op::MCopy { len, .. } | Op::CopyFrom { len, .. } | Op::Read { len, .. } => Some(len),
            _ => None,
        }
    }
}

/// Error classes, in revm's terms.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Class {
    /// Operand does not fit in usize (revm: InvalidOperandOOG).
    Operand,
    /// revm: MemoryOOG.
    Gas,
    /// revm: MemoryLimitOOG.
    Limit,
}

/// What one op did.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Outcome {
    Ok {
        charged: u64,
        bytes: Vec<u8>,
        size: usize,
        depth: usize,
    },
    Err(Class),
    /// After a return: the parent's size and memory hash.
    Returned {
        size: usize,
        hash: u64,
    },
}

/// The workspace's one generator (SplitMix64).
pub use machine::testing::Rng;

fn small(v: u64) -> Operand {
    [v, 0, 0, 0]
}

/// A random 32-byte word to store.
fn word(rng: &mut Rng) -> [u8; 32] {
    let mut w = [0u8; 32];
    w.iter_mut().for_each(|b| *b = rng.next_u64() as u8);
    w
}

/// An interesting offset: small, word boundary ±1, power of two (± 1), huge, 2^255.
pub fn gen_offset(rng: &mut Rng, max_small: u64) -> Operand {
    match rng.below(32) {
        0..=13 => small(rng.below(max_small)),
        14..=21 => small(
            (rng.below(max_small / 32 + 1) * 32)
                .wrapping_add(rng.below(3))
                .wrapping_sub(1),
        ),
        22..=27 => {
            let k = rng.below(24);
            small((1u64 << k).wrapping_add(rng.below(3)).wrapping_sub(1))
        }
        28 => {
            let k = rng.below(256) as usize;
            let mut o = [0u64; 4];
            o[k / 64] = 1 << (k % 64);
            o
        }
        29 => small(u64::MAX - rng.below(64)),
        30 => [0, 0, 0, 1 << 63],
        _ => small(rng.next_u64()),
    }
}

/// An interesting length: zero (often), small, word multiple, power of two, huge.
pub fn gen_len(rng: &mut Rng) -> Operand {
    match rng.below(12) {
        0..=2 => small(0),
        3..=5 => small(1 + rng.below(100)),
        6 | 7 => small(rng.below(64) * 32),
        8 | 9 => small(1u64 << rng.below(18)),
        10 if rng.below(4) == 0 => small(u64::MAX - rng.below(40)),
        _ => gen_offset(rng, 1 << 16),
    }
}

/// A stream of `n` ops; `max_small` bounds the typical offsets.
pub fn gen_ops(rng: &mut Rng, n: usize, max_small: u64) -> Vec<Op> {
    let mut ops = Vec::with_capacity(n);
    let mut depth = 0usize;
    for _ in 0..n {
        let op = match rng.below(20) {
            0..=3 => Op::MLoad(gen_offset(rng, max_small)),
            4..=7 => {
                let w = word(rng);
                Op::MStore(gen_offset(rng, max_small), w)
            }
            8 | 9 => Op::MStore8(gen_offset(rng, max_small), rng.next_u64() as u8),
            10 | 11 => Op::MCopy {
                dst: gen_offset(rng, max_small),
                src: gen_offset(rng, max_small),
                len: gen_len(rng),
            },
            12 | 13 => Op::CopyFrom {
                dst: gen_offset(rng, max_small),
                src_offset: if rng.below(4) == 0 {
                    gen_offset(rng, 80)
                } else {
                    small(rng.below(80))
                },
                len: gen_len(rng),
                src_len: rng.below(70) as usize,
            },
            14 | 15 => Op::Read {
                offset: gen_offset(rng, max_small),
                len: gen_len(rng),
            },
            16 => Op::MSize,
            17 if depth < 1024 => {
                depth += 1;
                Op::Enter(match rng.below(4) {
                    0 => rng.below(2_000),
                    1 => rng.below(100_000),
                    _ => 30_000_000,
                })
            }
            _ if depth > 0 => {
                depth -= 1;
                Op::Return
            }
            _ => Op::MSize,
        };
        ops.push(op);
    }
    ops
}

/// A stream of `n` tame ops for traces of a predictable size: offsets below `max_offset`,
/// copy and read lengths of 1..=`max_len` bytes, calls up to depth 8 with plenty of gas, so
/// (with enough root gas) no op fails and every op runs.
pub fn gen_tame_ops(rng: &mut Rng, n: usize, max_offset: u64, max_len: u64) -> Vec<Op> {
    let mut ops = Vec::with_capacity(n);
    let mut depth = 0usize;
    for _ in 0..n {
        let off = |rng: &mut Rng| small(rng.below(max_offset));
        let len = |rng: &mut Rng| small(1 + rng.below(max_len));
        let op = match rng.below(24) {
            0..=5 => Op::MLoad(off(rng)),
            6..=11 => {
                let w = word(rng);
                Op::MStore(off(rng), w)
            }
            12..=14 => Op::MStore8(off(rng), rng.next_u64() as u8),
            15 | 16 => Op::MCopy {
                dst: off(rng),
                src: off(rng),
                len: len(rng),
            },
            17 | 18 => Op::CopyFrom {
                dst: off(rng),
                src_offset: small(rng.below(80)),
                len: len(rng),
                src_len: rng.below(70) as usize,
            },
            19 | 20 => Op::Read {
                offset: off(rng),
                len: len(rng),
            },
            21 if depth < 8 => {
                depth += 1;
                Op::Enter(30_000_000)
            }
            22 if depth > 0 => {
                depth -= 1;
                Op::Return
            }
            _ => Op::MSize,
        };
        ops.push(op);
    }
    ops
}

/// The fixed source pattern for `CopyFrom`.
pub fn source(len: usize) -> Vec<u8> {
    (0..len)
        .map(|i| (i as u8).wrapping_mul(31).wrapping_add(7))
        .collect()
}

/// FNV-1a.
pub fn hash(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |h, &b| {
        (h ^ b as u64).wrapping_mul(0x100_0000_01b3)
    })
}

/// Runs `ops` on ours; stops after the first error at depth 0 (revm halts the frame there;
/// an error in a child returns to the parent).
pub fn run_ours<T: Tracer>(mem: &mut Memory<T>, root_gas: u64, ops: &[Op], out: &mut Vec<Outcome>) {
    let mut gas = vec![root_gas];
    let mut src = Vec::new();
    for op in ops {
        let g = gas.last_mut().unwrap();
        let before = *g;
        let limited = mem.limit() < u64::MAX;
        let r: Result<Vec<u8>, Class> = (|| {
            let cls = |e: MemoryError| match e {
                MemoryError::OutOfGas => Class::Gas,
                MemoryError::LimitExceeded => Class::Limit,
                // offset + len overflowed: revm saturates, then the limit or gas check fails.
                MemoryError::Overflow if limited => Class::Limit,
                _ => Class::Gas,
            };
            let conv = |o: &Operand| to_usize(o).map_err(|_| Class::Operand);
            let len = match op.len().map(conv).transpose()? {
                Some(0) => return Ok(vec![]),
                len => len.unwrap_or(0),
            };
            match op {
                Op::MLoad(o) => mem.load_word(conv(o)?, g).map(|w| w.to_vec()).map_err(cls),
                Op::MStore(o, w) => mem.store_word(conv(o)?, w, g).map(|_| vec![]).map_err(cls),
                Op::MStore8(o, b) => mem.store_byte(conv(o)?, *b, g).map(|_| vec![]).map_err(cls),
                Op::MCopy { dst, src, .. } => mem
                    .copy_within(conv(dst)?, conv(src)?, len, g)
                    .map(|_| vec![])
                    .map_err(cls),
                Op::CopyFrom {
                    dst,
                    src_offset,
                    src_len,
                    ..
                } => {
                    let dst = conv(dst)?;
                    let so = to_usize(src_offset).unwrap_or(usize::MAX);
                    src = source(*src_len);
                    mem.copy_from(dst, &src, so, len, g)
                        .map(|_| vec![])
                        .map_err(cls)
                }
                Op::Read { offset, .. } => mem
                    .read(conv(offset)?, len, g)
                    .map(|b| b.to_vec())
                    .map_err(cls),
                Op::MSize => Ok(vec![]),
                Op::Enter(_) | Op::Return => Ok(vec![]),
            }
        })();
        match (op, r) {
            (Op::Enter(limit), _) => {
                mem.enter();
                gas.push(*limit);
                out.push(Outcome::Ok {
                    charged: 0,
                    bytes: vec![],
                    size: mem.len(),
                    depth: mem.depth(),
                });
            }
            (Op::Return, _) => {
                if mem.leave() {
                    gas.pop();
                }
                out.push(returned(mem));
            }
            (_, Ok(bytes)) => {
                let charged = before - *gas.last().unwrap();
                out.push(Outcome::Ok {
                    charged,
                    bytes,
                    size: mem.len(),
                    depth: mem.depth(),
                });
            }
            (_, Err(c)) => {
                out.push(Outcome::Err(c));
                if !mem.leave() {
                    return;
                }
                gas.pop();
                out.push(returned(mem));
            }
        }
    }
}

/// The outcome of a return to `mem`'s current frame.
fn returned<T: Tracer>(mem: &Memory<T>) -> Outcome {
    Outcome::Returned {
        size: mem.len(),
        hash: hash(mem.as_slice()),
    }
}

/// One revm call frame: its memory context and gas.
pub type RevmFrame = (SharedMemory, Gas);

/// Returns from revm's current call frame to its parent; `false` (and nothing changes)
/// at the root frame.
pub fn revm_leave(frames: &mut Vec<RevmFrame>) -> bool {
    if frames.len() == 1 {
        return false;
    }
    frames.pop();
    frames.last_mut().unwrap().0.free_child_context();
    true
}

/// The outcome of a return to revm's current frame.
fn revm_returned(frames: &[RevmFrame]) -> Outcome {
    let m = &frames.last().unwrap().0;
    Outcome::Returned {
        size: m.len(),
        hash: hash(&m.context_memory()),
    }
}

fn class_of(r: InstructionResult) -> Class {
    match r {
        InstructionResult::MemoryOOG => Class::Gas,
        InstructionResult::MemoryLimitOOG => Class::Limit,
        InstructionResult::InvalidOperandOOG => Class::Operand,
        other => panic!("unexpected revm result {other:?}"),
    }
}

/// Runs `ops` on revm's `SharedMemory` with one `Gas` per frame, the way revm's
/// instructions drive it (operand conversion, zero-length skip, `resize_memory`).
pub fn run_revm(limit: u64, root_gas: u64, ops: &[Op], out: &mut Vec<Outcome>) {
    let params = GasParams::default();
    let mut frames = vec![(
        SharedMemory::new_with_memory_limit(limit),
        Gas::new(root_gas),
    )];
    for op in ops {
        let (mem, gas) = frames.last_mut().unwrap();
        let before = gas.remaining();
        let r: Result<Vec<u8>, Class> = (|| {
            let conv =
                |o: &Operand| usize::try_from(U256::from_limbs(*o)).map_err(|_| Class::Operand);
            let mut resize = |off: usize, len: usize, mem: &mut SharedMemory| {
                resize_memory(gas, mem, &params, off, len).map_err(class_of)
            };
            let len = match op.len().map(conv).transpose()? {
                Some(0) => return Ok(vec![]),
                len => len.unwrap_or(0),
            };
            match op {
                Op::MLoad(o) => {
                    let o = conv(o)?;
                    resize(o, 32, mem)?;
                    Ok(mem.get_word(o).to_vec())
                }
                Op::MStore(o, w) => {
                    let o = conv(o)?;
                    resize(o, 32, mem)?;
                    mem.set_word(o, &B256::from(*w));
                    Ok(vec![])
                }
                Op::MStore8(o, b) => {
                    let o = conv(o)?;
                    resize(o, 1, mem)?;
                    mem.set_byte(o, *b);
                    Ok(vec![])
                }
                Op::MCopy { dst, src, .. } => {
                    let (d, s) = (conv(dst)?, conv(src)?);
                    resize(d.max(s), len, mem)?;
                    mem.copy(d, s, len);
                    Ok(vec![])
                }
                Op::CopyFrom {
                    dst,
                    src_offset,
                    src_len,
                    ..
                } => {
                    let d = conv(dst)?;
                    let so = usize::try_from(U256::from_limbs(*src_offset)).unwrap_or(usize::MAX);
                    resize(d, len, mem)?;
                    mem.set_data(d, so, len, &source(*src_len));
                    Ok(vec![])
                }
                Op::Read { offset, .. } => {
                    let o = conv(offset)?;
                    resize(o, len, mem)?;
                    Ok(mem.slice_len(o, len).to_vec())
                }
                _ => Ok(vec![]),
            }
        })();
        let depth = frames.len() - 1;
        match (op, r) {
            (Op::Enter(l), _) => {
                let child = frames.last_mut().unwrap().0.new_child_context();
                frames.push((child, Gas::new(*l)));
                out.push(Outcome::Ok {
                    charged: 0,
                    bytes: vec![],
                    size: 0,
                    depth: depth + 1,
                });
            }
            (Op::Return, _) => {
                revm_leave(&mut frames);
                out.push(revm_returned(&frames));
            }
            (_, Ok(bytes)) => {
                let (mem, gas) = frames.last().unwrap();
                out.push(Outcome::Ok {
                    charged: before - gas.remaining(),
                    bytes,
                    size: mem.len(),
                    depth,
                });
            }
            (_, Err(c)) => {
                out.push(Outcome::Err(c));
                if !revm_leave(&mut frames) {
                    return;
                }
                out.push(revm_returned(&frames));
            }
        }
    }
}

/// A difference: index of the first differing outcome, the ops, ours, revm's.
pub type Difference = (usize, Vec<Op>, Vec<Outcome>, Vec<Outcome>);

/// One differential case: the first difference, if any.
pub fn diff_case(seed: u64, limit: u64) -> Option<Difference> {
    let mut rng = Rng::new(seed);
    let n = 1 + rng.below(64) as usize;
    let max_small = [64, 1024, 1 << 16][rng.below(3) as usize];
    let root_gas = match rng.below(4) {
        0 => rng.below(3_000),
        1 => rng.below(200_000),
        _ => 30_000_000,
    };
    let ops = gen_ops(&mut rng, n, max_small);
    let (mut a, mut b) = (Vec::new(), Vec::new());
    let mut mem = Memory::with_limit(limit).expect("reserve");
    run_ours(&mut mem, root_gas, &ops, &mut a);
    run_revm(limit, root_gas, &ops, &mut b);
    if a != b {
        let i = a
            .iter()
            .zip(&b)
            .position(|(x, y)| x != y)
            .unwrap_or(a.len().min(b.len()));
        return Some((i, ops, a, b));
    }
    None
}
