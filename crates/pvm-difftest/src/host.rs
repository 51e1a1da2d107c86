//! The host between runs: answers host calls by changing registers and memory, page
//! faults by mapping the page, and decides when to stop. Both engines get exactly the same
//! answers, and the answers are recorded so a session can be replayed and saved.

use std::collections::BTreeMap;

use crate::case::{Action, Host};
use crate::layout::{LOW_MEMORY_END, PAGE};
use crate::machine::{State, Status};
use crate::rng::Rng;

/// Host call id that emulates heap growth (JamV1 has no `sbrk`): map the next heap page
/// read-write and return its address in r7.
pub const GROW_HEAP: u32 = 1;

/// The running host of one session.
pub enum HostDriver {
    /// Random answers.
    Random {
        /// The decision stream.
        rng: Rng,
        /// Next page emulated heap growth will try to map.
        heap_top: u32,
    },
    /// Recorded answers.
    Replay {
        /// Answers per run.
        actions: Vec<Vec<Action>>,
        /// Index of the next answer.
        next: usize,
    },
}

impl HostDriver {
    /// A driver for `host`.
    pub fn new(host: &Host) -> HostDriver {
        match host {
            Host::Random { seed, heap_top } => HostDriver::Random {
                rng: Rng::new(*seed),
                heap_top: *heap_top,
            },
            Host::Replay(actions) => HostDriver::Replay {
                actions: actions.clone(),
                next: 0,
            },
        }
    }

    /// The actions to take after a run that ended in `state` (with `pages` mapped, address
    /// → writable), or `None` to end the session.
    pub fn respond(&mut self, state: &State, pages: &BTreeMap<u32, bool>) -> Option<Vec<Action>> {
        if !state.status.is_resumable() {
            return None;
        }
        match self {
            HostDriver::Replay { actions, next } => {
                let answer = actions.get(*next).cloned();
                *next += 1;
                answer
            }
            HostDriver::Random { rng, heap_top } => match state.status {
                Status::HostCall(GROW_HEAP) => Some(grow_heap(heap_top, pages)),
                Status::HostCall(_) => {
                    if rng.chance(1, 10) {
                        return None;
                    }
                    Some(host_call(rng, pages))
                }
                Status::PageFault(address) => {
                    if rng.chance(1, 4) {
                        return None;
                    }
                    let mut actions = vec![Action::Map {
                        address,
                        length: PAGE,
                        writable: rng.chance(7, 10),
                    }];
                    if rng.chance(1, 5) {
                        let offset = rng.below(u64::from(PAGE) - 16) as u32;
                        actions.push(Action::Write {
                            address: address + offset,
                            bytes: rng.bytes(16),
                        });
                    }
                    Some(actions)
                }
                _ => None,
            },
        }
    }
}

/// Maps the first unmapped page at or above the heap top and returns its address in r7
/// (0 when the address space is exhausted).
fn grow_heap(heap_top: &mut u32, pages: &BTreeMap<u32, bool>) -> Vec<Action> {
    let mut page = (*heap_top).max(LOW_MEMORY_END);
    while pages.contains_key(&page) {
        match page.checked_add(PAGE) {
            Some(next) => page = next,
            None => return vec![Action::SetReg { reg: 7, value: 0 }],
        }
    }
    *heap_top = page.saturating_add(PAGE);
    vec![
        Action::Map {
            address: page,
            length: PAGE,
            writable: true,
        },
        Action::SetReg {
            reg: 7,
            value: u64::from(page),
        },
    ]
}

/// A generic host call: set a few registers and write a few bytes into mapped memory.
fn host_call(rng: &mut Rng, pages: &BTreeMap<u32, bool>) -> Vec<Action> {
    let mut actions = Vec::new();
    for _ in 0..rng.below(4) {
        let value = match rng.below(4) {
            0 => rng.below(16),
            1 => u64::MAX - rng.below(4),
            2 => pages
                .keys()
                .nth(rng.index(pages.len().max(1)))
                .map_or(0, |&p| u64::from(p) + rng.below(u64::from(PAGE))),
            _ => rng.next_u64(),
        };
        actions.push(Action::SetReg {
            reg: rng.index(13),
            value,
        });
    }
    if !pages.is_empty() {
        for _ in 0..rng.below(3) {
            let page = *pages.keys().nth(rng.index(pages.len())).expect("non-empty");
            let offset = rng.below(u64::from(PAGE)) as u32;
            let len = rng.range(1, 16).min(u64::from(PAGE - offset)) as usize;
            actions.push(Action::Write {
                address: page + offset,
                bytes: rng.bytes(len),
            });
        }
    }
    actions
}

#[cfg(test)]
mod tests {
    use super::*;

    fn state(status: Status) -> State {
        State {
            status,
            pc: Some(0),
            gas: 0,
            regs: [0; 13],
        }
    }

    #[test]
    fn heap_growth_skips_mapped_pages() {
        let mut driver = HostDriver::new(&Host::Random {
            seed: 1,
            heap_top: 0x2_0000,
        });
        let pages: BTreeMap<u32, bool> = [(0x2_0000, true), (0x2_1000, false)].into();
        let actions = driver
            .respond(&state(Status::HostCall(GROW_HEAP)), &pages)
            .unwrap();
        assert_eq!(
            actions,
            [
                Action::Map {
                    address: 0x2_2000,
                    length: PAGE,
                    writable: true
                },
                Action::SetReg {
                    reg: 7,
                    value: 0x2_2000
                }
            ]
        );
    }

    #[test]
    fn finished_runs_end_the_session_and_replay_replays() {
        let mut driver = HostDriver::new(&Host::Replay(vec![vec![Action::SetReg {
            reg: 1,
            value: 2,
        }]]));
        let pages = BTreeMap::new();
        assert_eq!(driver.respond(&state(Status::Halt), &pages), None);
        assert_eq!(
            driver.respond(&state(Status::HostCall(5)), &pages),
            Some(vec![Action::SetReg { reg: 1, value: 2 }])
        );
        assert_eq!(driver.respond(&state(Status::HostCall(5)), &pages), None);
    }
}
