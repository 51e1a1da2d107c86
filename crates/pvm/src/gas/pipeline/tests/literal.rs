//! A second, deliberately naive simulation of the pipeline model, to check the fast one.

use super::*;

/// The rules of the module documentation applied literally, one step at a time, on a growing
/// list of entries (the shape of `block_cost` in `gas-model-reference.py`), plus the robustness
/// clamps documented on [`block_cost`].
pub(super) fn literal_cost(block: &[CostParams]) -> u32 {
    #[derive(Clone, Copy, PartialEq, Eq, Debug)]
    enum Stage {
        Decoded,
        Waiting,
        Executing,
        Finished,
        Retired,
    }
    struct Entry {
        stage: Stage,
        cycles_left: u8,
        deps: Vec<usize>,
        regs: u16,
        units: [u8; 5],
    }
    const CAPACITY: [u8; 5] = [4, 4, 4, 1, 1];
    let implicit_trap = CostParams {
        cycles: 2,
        decode_slots: 1,
        units: Units::default(),
        srcs: 0,
        dsts: 0,
        is_move: false,
        is_terminator: true,
    };
    let mut stream = block.iter().copied().chain(std::iter::once(implicit_trap));
    let mut next = stream.next();
    let mut rob: Vec<Entry> = Vec::new();
    let (mut cycle, mut decode_left, mut starts_left) = (0u64, 4u8, 5u8);
    let mut free = CAPACITY;
    loop {
        let live = rob.iter().filter(|e| e.stage != Stage::Retired).count();
        // 1. Decode.
        if let Some(p) = next {
            let slots = if p.is_move {
                1
            } else {
                p.decode_slots.clamp(1, 4)
            };
            if slots <= decode_left && live < 32 {
                if p.is_move {
                    for e in &mut rob {
                        if e.regs & p.srcs != 0 {
                            e.regs |= p.dsts;
                        } else {
                            e.regs &= !p.dsts;
                        }
                    }
                } else {
                    let deps = (0..rob.len())
                        .filter(|&i| rob[i].regs & p.srcs != 0)
                        .collect();
                    for e in &mut rob {
                        e.regs &= !p.dsts;
                    }
                    let u = p.units;
                    let raw = [u.alu, u.load, u.store, u.mul, u.div];
                    rob.push(Entry {
                        stage: Stage::Decoded,
                        cycles_left: p.cycles,
                        deps,
                        regs: p.dsts,
                        units: std::array::from_fn(|k| raw[k].min(CAPACITY[k])),
                    });
                }
                decode_left -= slots;
                next = if p.is_terminator { None } else { stream.next() };
                continue;
            }
        }
        // 2. Start.
        if starts_left > 0 {
            let ready = (0..rob.len()).find(|&i| {
                rob[i].stage == Stage::Waiting
                    && (0..5).all(|k| rob[i].units[k] <= free[k])
                    && rob[i].deps.iter().all(|&d| rob[d].cycles_left == 0)
            });
            if let Some(i) = ready {
                starts_left -= 1;
                for (f, u) in free.iter_mut().zip(rob[i].units) {
                    *f -= u;
                }
                rob[i].stage = Stage::Executing;
                continue;
            }
        }
        // 3. Done.
        if next.is_none() && live == 0 {
            return u32::try_from(cycle.saturating_sub(3).max(1)).unwrap_or(u32::MAX);
        }
        // Robustness clamp: nothing can be decoded, started or retired, and nothing is
        // decoded or executing, so nothing would ever change.
        let oldest = rob.iter().find(|e| e.stage != Stage::Retired);
        if (next.is_none() || live >= 32)
            && starts_left > 0
            && oldest.is_some_and(|e| e.stage != Stage::Finished)
            && !rob
                .iter()
                .any(|e| matches!(e.stage, Stage::Decoded | Stage::Executing))
        {
            free = CAPACITY;
        }
        // 4. Tick.
        cycle += 1;
        decode_left = 4;
        starts_left = 5;
        for e in &rob {
            if e.stage == Stage::Executing && e.cycles_left == 1 {
                for (f, u) in free.iter_mut().zip(e.units) {
                    *f += u;
                }
            }
        }
        let old: Vec<Stage> = rob.iter().map(|e| e.stage).collect();
        for (j, e) in rob.iter_mut().enumerate() {
            if old[..=j]
                .iter()
                .all(|s| matches!(s, Stage::Finished | Stage::Retired))
            {
                e.stage = Stage::Retired;
            } else if old[j] == Stage::Decoded {
                e.stage = Stage::Waiting;
            } else if old[j] == Stage::Executing && e.cycles_left == 0 {
                e.stage = Stage::Finished;
            }
            if old[j] == Stage::Executing && e.cycles_left > 0 {
                e.cycles_left -= 1;
            }
        }
    }
}
