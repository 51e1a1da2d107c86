//! Random API-call sequences shared by the property and trace tests.
#![allow(dead_code)]

use machine::Tracer;
use memory3d::{Address3D, CompactionConfig, RegionType, Vm3D};
use proptest::prelude::*;

/// One API call of a random sequence.
#[derive(Debug, Clone)]
pub enum Act {
    Alloc(u32, u8),
    Free(usize),
    Store(usize, u16, Vec<u8>),
    Copy(usize, usize, u8),
    Compact,
}

/// A random API call.
pub fn arb_act() -> impl Strategy<Value = Act> {
    prop_oneof![
        4 => (1u32..70_000, 0u8..4).prop_map(|(s, t)| Act::Alloc(s, t)),
        2 => any::<usize>().prop_map(Act::Free),
        3 => (any::<usize>(), any::<u16>(), prop::collection::vec(any::<u8>(), 1..40)).prop_map(|(i, o, d)| Act::Store(i, o, d)),
        1 => (any::<usize>(), any::<usize>(), any::<u8>()).prop_map(|(a, b, n)| Act::Copy(a, b, n)),
        1 => Just(Act::Compact),
    ]
}

/// Applies the calls (picking live allocations by index), ignoring their errors.
pub fn apply<T: Tracer>(vm: &mut Vm3D<T>, acts: &[Act]) {
    for act in acts {
        let live: Vec<(Address3D, u64)> = vm.allocations().map(|a| (a.address(), a.size)).collect();
        let pick = |i: usize| live.get(i % live.len().max(1)).copied();
        let _ = match act {
            Act::Alloc(s, t) => vm
                .allocate_memory(*s, RegionType::try_from(*t).unwrap())
                .map(|_| ()),
            Act::Free(i) => pick(*i).map_or(Ok(()), |(a, _)| vm.free3d(a)),
            Act::Store(i, o, d) => pick(*i).map_or(Ok(()), |(a, s)| {
                let off = u64::from(*o) % s;
                vm.store3d(Address3D::from_linear(a.x, a.linear() + off), d)
            }),
            Act::Copy(i, j, n) => match (pick(*i), pick(*j)) {
                (Some((a, _)), Some((b, _))) => vm.copy3d(a, b, u32::from(*n)),
                _ => Ok(()),
            },
            Act::Compact => vm
                .compact(&CompactionConfig {
                    fragmentation_threshold: 0.0,
                    ..Default::default()
                })
                .map(|_| ()),
        };
    }
}

/// The workspace's one generator (SplitMix64).
pub use machine::testing::Rng;

/// A short random program aimed at the VM's current allocations: most addresses are inside
/// (or at the start of) a live allocation, the rest anywhere near; every opcode appears.
pub fn gen_program<T: Tracer>(rng: &mut Rng, vm: &Vm3D<T>) -> Vec<u8> {
    use memory3d::isa::{encode, Instruction, Op};
    let live: Vec<(Address3D, u64)> = vm.allocations().map(|a| (a.address(), a.size)).collect();
    let addr = |rng: &mut Rng| -> Address3D {
        if !live.is_empty() && rng.below(5) != 0 {
            let (a, size) = live[rng.below(live.len() as u64) as usize];
            let off = if rng.below(3) == 0 {
                0
            } else {
                rng.below(size)
            };
            Address3D::from_linear(a.x, a.linear() + off)
        } else {
            Address3D::new(rng.below(3), rng.below(2) as u32, rng.below(700) as u16)
        }
    };
    let n = 1 + rng.below(8);
    let mut insts = Vec::new();
    for _ in 0..n {
        let r = |rng: &mut Rng| {
            if rng.below(30) == 0 {
                16
            } else {
                rng.below(16)
            }
        };
        let inst = match rng.below(20) {
            0..=2 => {
                let size = match rng.below(8) {
                    0 => 60_000 + rng.below(10_000),
                    1 | 2 => 1 + rng.below(8),
                    _ => 1 + rng.below(300),
                };
                let flags = [0, 0, 0, 0, 8, 1, 4, 2][rng.below(8) as usize];
                Instruction::new(Op::MAlloc3D, &[size, rng.below(4), flags, r(rng)])
            }
            3..=5 => {
                let a = addr(rng);
                Instruction::new(
                    Op::MStore3D,
                    &[a.x, a.y.into(), a.z.into(), r(rng), rng.below(24)],
                )
            }
            6..=8 => {
                let a = addr(rng);
                Instruction::new(
                    Op::MLoad3D,
                    &[a.x, a.y.into(), a.z.into(), rng.below(40), r(rng)],
                )
            }
            9 | 10 => {
                let (s, d) = (addr(rng), addr(rng));
                Instruction::new(
                    Op::MCopy3D,
                    &[s.x, s.y.into(), s.z.into(), d.x, d.y.into(), rng.below(48)],
                )
            }
            11 | 12 => {
                let a = if !live.is_empty() && rng.below(4) != 0 {
                    live[rng.below(live.len() as u64) as usize].0
                } else {
                    addr(rng)
                };
                Instruction::new(Op::MFree3D, &[a.x, a.y.into(), a.z.into()])
            }
            13 => {
                let a = addr(rng);
                Instruction::new(Op::MSize3D, &[a.x, a.y.into(), a.z.into(), r(rng)])
            }
            14 => Instruction::new(Op::MCompact3D, &[]),
            15 => Instruction::new(Op::Mov, &[r(rng), r(rng)]),
            16 => Instruction::new(Op::Add, &[r(rng), r(rng), r(rng)]),
            17 => Instruction::new(Op::Sub, &[r(rng), r(rng), r(rng)]),
            18 => Instruction::new(Op::Nop, &[]),
            _ if rng.below(4) == 0 => Instruction::new(Op::Halt, &[]),
            _ => Instruction::new(Op::Nop, &[]),
        };
        insts.push(inst);
    }
    encode(&insts)
}
