//! Block gas cost under the GP 0.8.0 "pipeline" gas model (PolkaVM's full cost model).
//!
//! The cost of a basic block is obtained by simulating a small out-of-order core that decodes the
//! block's instructions in program order and executes them as soon as their inputs and execution
//! units are available:
//!
//! * up to 4 decode slots per cycle (an instruction takes 1..=4 slots),
//! * up to 5 instruction starts per cycle,
//! * execution units: 4 ALU, 4 load, 4 store, 1 multiply, 1 divide,
//! * a reorder buffer (ROB) of at most 32 non-retired entries; entries retire in order.
//!
//! Each step of the simulation applies the first applicable rule:
//!
//! 1. **Decode** the next instruction if it fits in the remaining decode slots and the ROB has room.
//!    A `move_reg` is handled by register renaming (no ROB entry, one decode slot); any other
//!    instruction becomes a new ROB entry depending on the current producers of its source registers.
//! 2. **Start** the lowest-index waiting entry whose units are free and whose dependencies have no
//!    cycles left.
//! 3. **Done** when decoding has ended (after the terminator) and every entry has retired.
//! 4. **Tick** one cycle: free the units of entries about to finish, retire the finished prefix,
//!    move decoded entries to waiting, finish executing entries with no cycles left, and count
//!    down the others.
//!
//! The block costs `max(cycles - 3, 1)`. The parameters of each instruction (latency, decode slots,
//! units, source/destination registers) come from the caller; this module only runs the simulation.
//! It follows the executable reference `gas-model-reference.py` (`block_cost`) and section 6.3 of
//! the spec digest exactly, with the robustness clamps documented on [`block_cost`].
//!
//! # Implementation
//!
//! The simulation is event driven and works on bitmasks. It gives the same result as applying the
//! rules above step by step (the tests compare it with such a literal simulator on random blocks):
//!
//! * Entries retire strictly in order, so the non-retired entries always form a window of at most
//!   32 consecutive entries, kept in a ring of 32 slots. Every set of entries (decoded this cycle,
//!   waiting, blocked by dependencies, started, counting down, ...) is a `u32` mask over the ring
//!   slots; rotating a mask by the ring head lists its entries oldest first.
//! * Instead of a counter that ticks down, a started entry stores the cycle `done_at = start +
//!   latency` at which its counter reaches 0: then its units come back and its dependents may
//!   start (with latency 0 neither happens: the counter is 0 from the start, and the reference
//!   never frees the units). It is finished one cycle later and gone from cycle `done_at + 2` on,
//!   once every older entry is gone. Started entries with a latency sit in a 64-bucket timing wheel
//!   indexed by `done_at % 64`, so finding the entries that reach 0 in a cycle, and the next cycle
//!   in which one may, needs no scan of the ROB.
//! * A table holds, for each register, the mask of entries producing it, so a decode or a rename
//!   touches only the registers it names. A new entry depends on the producers of its sources
//!   whose counter is not 0; each producer keeps the mask of its dependents and each entry the
//!   number of its dependencies still pending, so an entry stops being blocked exactly when its
//!   last dependency reaches 0.
//! * Unit counts are packed into nibbles of one word, so "fits", "take" and "give back" are each a
//!   single integer operation. An entry whose units do not fit is not tried again until units
//!   come back (until then the free units only shrink).
//! * Only cycles in which something can happen are visited: every cycle while the block is still
//!   being decoded, an entry was just decoded or the start limit was hit; otherwise the next cycle
//!   in which a counter reaches 0 (or, for a latency of 64 or more, its bucket comes round) or,
//!   with the ROB full, the oldest entry retires. Visiting a cycle in which nothing happens is
//!   harmless: it changes nothing. Once the block is fully decoded and every entry has started,
//!   the result follows from the latest `done_at`.

/// Execution units an instruction occupies while executing (ALU, load, store, multiply, divide).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Units {
    /// ALU units (capacity 4).
    pub alu: u8,
    /// Load units (capacity 4).
    pub load: u8,
    /// Store units (capacity 4).
    pub store: u8,
    /// Multiply units (capacity 1).
    pub mul: u8,
    /// Divide units (capacity 1).
    pub div: u8,
}

/// What the simulator needs to know about one instruction.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CostParams {
    /// Execution latency in cycles (ĉ).
    pub cycles: u8,
    /// Decode slots (ď), 1..=4.
    pub decode_slots: u8,
    /// Execution units occupied from start until the cycle the latency runs out.
    pub units: Units,
    /// Bit i set = register i (0..13) is read.
    pub srcs: u16,
    /// Bit i set = register i is written.
    pub dsts: u16,
    /// `move_reg`: handled by register renaming, no reorder-buffer entry.
    pub is_move: bool,
    /// Ends the basic block (decoding stops after it).
    pub is_terminator: bool,
}

/// Maximum number of non-retired reorder-buffer entries (the number of ring slots; masks over
/// the slots are `u32`).
const ROB_CAPACITY: u32 = 32;
/// Decode slots available per cycle.
const DECODE_SLOTS_PER_CYCLE: u8 = 4;
/// Instruction starts available per cycle.
const STARTS_PER_CYCLE: u8 = 5;
/// Number of registers a `srcs` / `dsts` mask can name.
const REG_SLOTS: usize = 16;
/// Number of buckets of the timing wheel of completions (one bit each in a `u64`).
const WHEEL: usize = 64;

/// The implicit `trap` decoded when the instruction stream ends without a terminator.
const IMPLICIT_TRAP: SimInstr = SimInstr {
    need: 0,
    srcs: 0,
    dsts: 0,
    cycles: 2,
    slots: 1,
    is_move: false,
    is_terminator: true,
};

/// Unit counts packed one per nibble: ALU in bits 0..4, then load, store, multiply and divide.
/// Every count stays within `0..=4`, below the nibble's top bit (the guard bit).
pub(crate) type PackedUnits = u32;

/// [`CostParams`] in the form the simulator works with: units packed and clamped to their
/// capacities, decode slots clamped into `1..=4` (exactly 1 for a move). The loader builds
/// these directly from a per-opcode table ([`crate::gas`]); [`block_cost`] converts its input.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) struct SimInstr {
    /// Units held while executing ([`clamped_units`]; ignored for a move).
    pub need: PackedUnits,
    /// Registers read (bit i = register i).
    pub srcs: u16,
    /// Registers written.
    pub dsts: u16,
    /// Execution latency in cycles (ignored for a move).
    pub cycles: u8,
    /// Decode slots, `1..=4`.
    pub slots: u8,
    /// `move_reg`: register renaming, no reorder-buffer entry.
    pub is_move: bool,
    /// Ends the basic block.
    pub is_terminator: bool,
}

impl From<CostParams> for SimInstr {
    fn from(p: CostParams) -> SimInstr {
        SimInstr {
            need: clamped_units(p.units),
            srcs: p.srcs,
            dsts: p.dsts,
            cycles: p.cycles,
            slots: if p.is_move {
                1
            } else {
                clamped_slots(p.decode_slots)
            },
            is_move: p.is_move,
            is_terminator: p.is_terminator,
        }
    }
}

/// Number of execution units of each kind: 4 ALU, 4 load, 4 store, 1 multiply, 1 divide.
const UNIT_CAPACITY: PackedUnits = pack_units([4, 4, 4, 1, 1]);
/// The guard bit of every nibble of a [`PackedUnits`].
const UNIT_GUARDS: PackedUnits = 0x8_8888;

/// Packs counts given in the order ALU, load, store, multiply, divide (each at most 7).
pub(crate) const fn pack_units([alu, load, store, mul, div]: [u8; 5]) -> PackedUnits {
    alu as u32 | (load as u32) << 4 | (store as u32) << 8 | (mul as u32) << 12 | (div as u32) << 16
}

/// Packs `units`, clamping every count to the capacity of its kind.
pub(crate) const fn clamped_units(units: Units) -> PackedUnits {
    const fn min(a: u8, b: u8) -> u8 {
        if a < b {
            a
        } else {
            b
        }
    }
    pack_units([
        min(units.alu, 4),
        min(units.load, 4),
        min(units.store, 4),
        min(units.mul, 1),
        min(units.div, 1),
    ])
}

/// Whether every count of `need` is at most the matching count of `free`. With the guard bits
/// set in `free`, a nibble keeps its guard bit after the subtraction exactly when it does not go
/// below zero, and no nibble borrows from the next (each result is at least `8 - 4`).
fn fits(need: PackedUnits, free: PackedUnits) -> bool {
    ((free | UNIT_GUARDS) - need) & UNIT_GUARDS == UNIT_GUARDS
}

/// Decode slots of a (non-move) instruction, clamped into `1..=4`.
pub(crate) const fn clamped_slots(slots: u8) -> u8 {
    if slots < 1 {
        1
    } else if slots > DECODE_SLOTS_PER_CYCLE {
        DECODE_SLOTS_PER_CYCLE
    } else {
        slots
    }
}

/// The mask bit of ring slot `slot`.
fn bit(slot: u32) -> u32 {
    1 << slot
}

/// One-instruction lookahead over the caller's stream, synthesising the implicit `trap`.
struct Decoder<I> {
    instrs: I,
    peeked: Option<SimInstr>,
    /// A terminator has been decoded: nothing more will be pulled.
    finished: bool,
}

impl<I: Iterator<Item = SimInstr>> Decoder<I> {
    fn new(instrs: I) -> Self {
        Decoder {
            instrs,
            peeked: None,
            finished: false,
        }
    }

    /// The next instruction to decode, or `None` once the terminator has been decoded.
    fn peek(&mut self) -> Option<&SimInstr> {
        if self.finished {
            return None;
        }
        let instrs = &mut self.instrs;
        Some(
            self.peeked
                .get_or_insert_with(|| instrs.next().unwrap_or(IMPLICIT_TRAP)),
        )
    }

    /// Consumes the instruction last returned by [`Decoder::peek`].
    fn advance(&mut self) {
        if let Some(p) = self.peeked.take() {
            self.finished = p.is_terminator;
        }
    }
}

/// Simulator state apart from the instruction stream.
///
/// Per-slot arrays describe the entry in that ring slot; they are meaningful only while the
/// slot holds a non-retired entry (and `done_at` only once it has started).
struct Sim {
    /// The current cycle.
    cycle: u64,
    /// Ring slot of the oldest non-retired entry.
    head: u32,
    /// Number of non-retired entries.
    len: u32,
    /// Latency (ĉ) of each entry.
    latency: [u8; ROB_CAPACITY as usize],
    /// Number of dependencies of each unstarted entry whose counter has not reached 0 yet.
    pending: [u8; ROB_CAPACITY as usize],
    /// Units each entry holds while executing.
    need: [PackedUnits; ROB_CAPACITY as usize],
    /// Entries waiting for each entry's counter to reach 0 (valid until it does).
    dependents: [u32; ROB_CAPACITY as usize],
    /// Cycle at which each started entry's counter reaches 0.
    done_at: [u64; ROB_CAPACITY as usize],
    /// For each register, the entries currently producing it (may include retired entries, whose
    /// counter is 0; a slot's bit is cleared when the slot is reused).
    producers: [u32; REG_SLOTS],
    /// Entries decoded in the current cycle (they may start from the next one).
    decoded: u32,
    /// Entries waiting to start.
    waiting: u32,
    /// Unstarted entries with pending dependencies.
    blocked: u32,
    /// Waiting entries whose dependencies are satisfied but whose units did not fit since units
    /// were last given back: until then, the free units can only shrink, so they would fail again.
    failed: u32,
    /// Started, non-retired entries.
    started: u32,
    /// Started entries whose counter has not reached 0 yet (so they hold their units).
    counting: u32,
    /// Entries whose counter is not 0: `counting` plus the unstarted entries with a latency.
    busy: u32,
    /// Timing wheel of the `counting` entries: bucket `b` holds those with `done_at % WHEEL == b`.
    /// A non-empty bucket is visited at least once every `WHEEL` cycles, and its entries with
    /// `done_at` equal to the visited cycle complete then (latencies of `WHEEL` or more wait for
    /// a later turn of the wheel).
    due: [u32; WHEEL],
    /// Bit `b` set = bucket `b` of `due` is not empty.
    due_buckets: u64,
    /// Free execution units.
    free: PackedUnits,
    /// Ring slots that have held an entry in this block (a reused slot's bit must first be
    /// removed from `producers`).
    used: u32,
}

impl Sim {
    fn new() -> Self {
        Sim {
            cycle: 0,
            head: 0,
            len: 0,
            latency: [0; ROB_CAPACITY as usize],
            pending: [0; ROB_CAPACITY as usize],
            need: [0; ROB_CAPACITY as usize],
            dependents: [0; ROB_CAPACITY as usize],
            done_at: [0; ROB_CAPACITY as usize],
            producers: [0; REG_SLOTS],
            decoded: 0,
            waiting: 0,
            blocked: 0,
            failed: 0,
            started: 0,
            counting: 0,
            busy: 0,
            due: [0; WHEEL],
            due_buckets: 0,
            free: UNIT_CAPACITY,
            used: 0,
        }
    }

    /// Prepares the simulator for a new block. Only the state that is read before it is written
    /// is reset: the per-slot arrays are written when an entry is decoded or started, and a
    /// bucket of `due` is overwritten when it becomes non-empty.
    pub(crate) fn reset(&mut self) {
        self.cycle = 0;
        self.head = 0;
        self.len = 0;
        self.producers = [0; REG_SLOTS];
        self.decoded = 0;
        self.waiting = 0;
        self.blocked = 0;
        self.failed = 0;
        self.started = 0;
        self.counting = 0;
        self.busy = 0;
        self.due_buckets = 0;
        self.free = UNIT_CAPACITY;
        self.used = 0;
    }

    /// The ticks leading into the current cycle: entries whose counter reaches 0 now give their
    /// units back and stop blocking their dependents.
    fn complete(&mut self) {
        let bucket = (self.cycle % WHEEL as u64) as usize;
        if self.due_buckets & (1 << bucket) == 0 {
            return;
        }
        let mut done = 0u32;
        let mut rest = self.due[bucket];
        while rest != 0 {
            let slot = rest.trailing_zeros();
            rest &= rest - 1;
            if self.done_at[slot as usize] == self.cycle {
                done |= bit(slot);
            }
        }
        self.due[bucket] &= !done;
        if self.due[bucket] == 0 {
            self.due_buckets &= !(1 << bucket);
        }
        self.counting &= !done;
        self.busy &= !done;
        let mut freed = 0;
        while done != 0 {
            let slot = done.trailing_zeros();
            done &= done - 1;
            let i = slot as usize;
            freed |= self.need[i];
            self.free += self.need[i];
            let mut dependents = self.dependents[i];
            while dependents != 0 {
                let d = dependents.trailing_zeros();
                dependents &= dependents - 1;
                self.pending[d as usize] -= 1;
                if self.pending[d as usize] == 0 {
                    self.blocked &= !bit(d);
                }
            }
        }
        if freed != 0 {
            self.failed = 0;
        }
    }

    /// The earliest cycle after the current one at which a counter may reach 0 (`u64::MAX` if
    /// none can): the next non-empty bucket of the timing wheel.
    fn next_done(&self) -> u64 {
        if self.due_buckets == 0 {
            return u64::MAX;
        }
        let from = self.cycle + 1;
        let ahead = self
            .due_buckets
            .rotate_right((from % WHEEL as u64) as u32)
            .trailing_zeros();
        from + u64::from(ahead)
    }

    /// Cycle from which the oldest entry is retired, if it has started.
    fn head_retire_cycle(&self) -> Option<u64> {
        (self.started & bit(self.head) != 0)
            .then(|| self.done_at[(self.head % ROB_CAPACITY) as usize] + 2)
    }

    /// Retires the finished prefix: an entry is gone from cycle `done_at + 2` on, once every older
    /// entry is gone.
    fn retire(&mut self) {
        while self.len > 0 && self.head_retire_cycle().is_some_and(|c| c <= self.cycle) {
            self.started &= !bit(self.head);
            self.head = (self.head + 1) % ROB_CAPACITY;
            self.len -= 1;
        }
    }

    /// Rule 1 (the caller has checked that the instruction fits and the ROB has room).
    #[inline]
    fn decode(&mut self, p: &SimInstr) {
        let mut sources = 0u32;
        let mut regs = p.srcs;
        while regs != 0 {
            sources |= self.producers[regs.trailing_zeros() as usize];
            regs &= regs - 1;
        }
        if p.is_move {
            // Renaming: entries producing a source now also produce every destination; the
            // others stop producing them.
            let mut regs = p.dsts;
            while regs != 0 {
                self.producers[regs.trailing_zeros() as usize] = sources;
                regs &= regs - 1;
            }
            return;
        }
        let slot = (self.head + self.len) % ROB_CAPACITY;
        let b = bit(slot);
        // Dependencies: producers whose counter is not 0. The slot's previous occupant (if any)
        // has retired, so it is not busy and cannot be among them.
        let mut deps = sources & self.busy;
        let i = slot as usize;
        if deps != 0 {
            self.blocked |= b;
        }
        let mut pending = 0;
        while deps != 0 {
            self.dependents[deps.trailing_zeros() as usize] |= b;
            deps &= deps - 1;
            pending += 1;
        }
        self.pending[i] = pending;
        // Forget the previous occupant (if the slot had one in this block) as a producer
        // before the bit names the new entry.
        if self.used & b != 0 {
            for producers in &mut self.producers {
                *producers &= !b;
            }
        }
        self.used |= b;
        let mut regs = p.dsts;
        while regs != 0 {
            self.producers[regs.trailing_zeros() as usize] = b;
            regs &= regs - 1;
        }
        self.dependents[i] = 0;
        self.latency[i] = p.cycles;
        self.need[i] = p.need;
        self.decoded |= b;
        if p.cycles != 0 {
            self.busy |= b;
        }
        self.len += 1;
    }

    /// Waiting entries that may be able to start: dependencies satisfied, not known to lack units.
    fn candidates(&self) -> u32 {
        self.waiting & !self.blocked & !self.failed
    }

    /// Rule 2, applied until it no longer applies: starts ready waiting entries oldest first while
    /// their units fit, at most [`STARTS_PER_CYCLE`]. (Starting an entry changes no counter and only
    /// takes units, so one pass in age order equals repeatedly starting the lowest-index ready
    /// entry.) Returns the number of starts left.
    fn start(&mut self) -> u8 {
        let mut starts_left = STARTS_PER_CYCLE;
        let mut rest = self.candidates().rotate_right(self.head);
        while rest != 0 && starts_left > 0 {
            let slot = (rest.trailing_zeros() + self.head) % ROB_CAPACITY;
            rest &= rest - 1;
            let i = slot as usize;
            if !fits(self.need[i], self.free) {
                self.failed |= bit(slot);
                continue;
            }
            self.free -= self.need[i];
            self.waiting &= !bit(slot);
            self.started |= bit(slot);
            let done_at = self.cycle + u64::from(self.latency[i]);
            self.done_at[i] = done_at;
            if self.latency[i] != 0 {
                self.counting |= bit(slot);
                let bucket = (done_at % WHEEL as u64) as usize;
                // An empty bucket may hold stale bits from an earlier block: overwrite it.
                if self.due_buckets & (1 << bucket) == 0 {
                    self.due[bucket] = bit(slot);
                } else {
                    self.due[bucket] |= bit(slot);
                }
                self.due_buckets |= 1 << bucket;
            }
            starts_left -= 1;
        }
        starts_left
    }

    /// The robustness clamp for a stuck pipeline, applied at the end of a cycle in which decoding
    /// is blocked, nothing was decoded and nothing could start although starts were left: if the
    /// oldest entry is not finished and no entry is executing, nothing can ever change again
    /// (only entries that lost their units to a zero-cycle entry are waiting), so every unit is
    /// given back.
    fn rescue_if_stuck(&mut self) {
        let head_finished = self
            .head_retire_cycle()
            .is_some_and(|c| c <= self.cycle + 1);
        let mut executing = false;
        let mut rest = self.started;
        while rest != 0 {
            executing |= self.done_at[rest.trailing_zeros() as usize] >= self.cycle;
            rest &= rest - 1;
        }
        if !head_finished && !executing {
            self.free = UNIT_CAPACITY;
            self.failed = 0;
        }
    }

    /// The cycle at which the last non-retired entry retires (all have started), or the current
    /// cycle if there is none.
    fn drain_cycle(&self) -> u64 {
        let mut last = self.cycle;
        let mut rest = self.started;
        while rest != 0 {
            last = last.max(self.done_at[rest.trailing_zeros() as usize] + 2);
            rest &= rest - 1;
        }
        last
    }
}

/// Cost of the basic block whose instructions `instrs` yields in program order.
/// The iterator yields instructions up to and including the terminator; the simulator must
/// stop pulling once it has decoded a terminator. If the iterator ends without a terminator,
/// treat it as if an implicit `trap` followed (cycles 2, decode_slots 1, no units, no regs, terminator).
/// Returns max(c - 3, 1) as in the reference.
///
/// The iterator is pulled lazily, one instruction ahead of decoding, and never again after a
/// terminator (or after it first returns `None`). Runs in time roughly proportional to the number
/// of instructions plus the number of cycles in which something happens, without allocating.
///
/// Robustness clamps (they never change the result for parameters from the GP table, and they
/// guarantee termination for every finite input):
///
/// * `decode_slots` is clamped into `1..=4` (more than 4 slots could never be decoded; 0 would
///   decode without consuming a slot). A `move_reg` always takes exactly one slot, and its
///   `cycles` and `units` are ignored, as in the reference.
/// * Each unit count is clamped to its capacity (ALU 4, load 4, store 4, mul 1, div 1); larger
///   counts could never start.
/// * `is_terminator` ends decoding for any instruction, including one marked `is_move`.
/// * A non-move instruction with `cycles == 0` never gives its units back (the reference frees
///   units only when a counter goes from 1 to 0). If that leaves waiting entries that can never
///   start, the reference loops forever; here, once nothing else can happen, all units are made
///   free again so the oldest waiting entry can start.
///
/// The result saturates at `u32::MAX`. An infinite iterator without a terminator never ends.
pub fn block_cost(instrs: impl Iterator<Item = CostParams>) -> u32 {
    simulate(&mut Sim::new(), instrs.map(SimInstr::from))
}

/// A simulator whose state is reused from block to block (it is about 1 KiB: creating a fresh
/// one per block showed up in load-time profiles).
pub(crate) struct Simulator(Sim);

impl Simulator {
    /// A simulator ready for its first block.
    pub(crate) fn new() -> Simulator {
        Simulator(Sim::new())
    }

    /// The cost of the block `instrs` (same rules as [`block_cost`], on parameters already
    /// packed and clamped).
    pub(crate) fn block_cost(&mut self, instrs: &[SimInstr]) -> u32 {
        self.0.reset();
        simulate(&mut self.0, instrs.iter().copied())
    }
}

/// The simulation of [`block_cost`] on a freshly reset `sim`.
fn simulate(sim: &mut Sim, instrs: impl Iterator<Item = SimInstr>) -> u32 {
    let mut decoder = Decoder::new(instrs);
    let cycles = loop {
        // Ticks leading into this cycle.
        sim.complete();
        sim.retire();
        // 1. Decode.
        let mut decode_left = DECODE_SLOTS_PER_CYCLE;
        while sim.len < ROB_CAPACITY {
            let Some(&next) = decoder.peek() else { break };
            let slots = next.slots;
            if slots > decode_left {
                break;
            }
            decoder.advance();
            sim.decode(&next);
            decode_left -= slots;
        }
        // 2. Start.
        let starts_left = sim.start();
        // 3. Done, or 4. tick to the next cycle in which something can happen.
        let now = sim.cycle;
        let decode_blocked = decoder.finished || sim.len == ROB_CAPACITY;
        let next =
            if !decode_blocked || sim.decoded != 0 || (starts_left == 0 && sim.candidates() != 0) {
                // Decoding goes on, decoded entries start waiting, or starts are refilled for entries
                // not tried yet.
                now + 1
            } else if sim.waiting == 0 {
                if decoder.finished {
                    // Nothing left to decode or start: the ROB drains.
                    break sim.drain_cycle();
                }
                // The ROB is full of started entries: decoding resumes when the oldest retires.
                // (Every non-empty bucket of the timing wheel must still be visited in time.)
                sim.head_retire_cycle()
                    .unwrap_or(now + 1)
                    .min(sim.next_done())
            } else {
                // Waiting entries can only start once a counter reaches 0 (units, dependencies), or
                // once the oldest entry retires from a full ROB and more is decoded.
                let retire = if decoder.finished {
                    None
                } else {
                    sim.head_retire_cycle()
                };
                let next = sim.next_done().min(retire.unwrap_or(u64::MAX));
                if next == u64::MAX {
                    sim.rescue_if_stuck();
                    now + 1
                } else {
                    next
                }
            };
        sim.waiting |= sim.decoded;
        sim.decoded = 0;
        sim.cycle = next;
    };
    let cost = cycles.saturating_sub(3).max(1);
    u32::try_from(cost).unwrap_or(u32::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::{Duration, Instant};

    // ---- Builders following the parameter table of spec-digest §6.3 ----

    fn mask(regs: &[u8]) -> u16 {
        regs.iter().fold(0, |m, &r| m | (1 << r))
    }

    fn units(alu: u8, load: u8, store: u8, mul: u8, div: u8) -> Units {
        Units {
            alu,
            load,
            store,
            mul,
            div,
        }
    }

    fn raw(cycles: u8, decode_slots: u8, units: Units, srcs: &[u8], dsts: &[u8]) -> CostParams {
        CostParams {
            cycles,
            decode_slots,
            units,
            srcs: mask(srcs),
            dsts: mask(dsts),
            is_move: false,
            is_terminator: false,
        }
    }

    /// P(a, b): `a` if the instruction reads one of the registers it writes, else `b`.
    fn p_rule(a: u8, b: u8, srcs: &[u8], dst: u8) -> u8 {
        if srcs.contains(&dst) {
            a
        } else {
            b
        }
    }

    fn term(mut p: CostParams) -> CostParams {
        p.is_terminator = true;
        p
    }

    fn mv(dst: u8, src: u8) -> CostParams {
        CostParams {
            is_move: true,
            ..raw(0, 1, Units::default(), &[src], &[dst])
        }
    }

    /// and, xor, or, add_64, sub_64 and their `_imm` / 64-bit immediate-shift forms.
    fn alu64(dst: u8, srcs: &[u8]) -> CostParams {
        raw(
            1,
            p_rule(1, 2, srcs, dst),
            units(1, 0, 0, 0, 0),
            srcs,
            &[dst],
        )
    }

    /// add_32, sub_32, add_imm_32, 32-bit immediate shifts.
    fn alu32(dst: u8, srcs: &[u8]) -> CostParams {
        raw(
            2,
            p_rule(2, 3, srcs, dst),
            units(1, 0, 0, 0, 0),
            srcs,
            &[dst],
        )
    }

    /// count_set_bits_*, leading_zero_bits_*, sign/zero extensions.
    fn trivial(dst: u8, src: u8) -> CostParams {
        raw(1, 1, units(1, 0, 0, 0, 0), &[src], &[dst])
    }

    /// shlo_l/shlo_r/shar_r_32, rot_*_32: `rd = ra <shift> rb`, slots P_S(3, 4).
    fn shift32(rd: u8, ra: u8, rb: u8) -> CostParams {
        let slots = if ra == rd { 3 } else { 4 };
        raw(2, slots, units(1, 0, 0, 0, 0), &[ra, rb], &[rd])
    }

    fn and_inv(dst: u8, srcs: &[u8]) -> CostParams {
        raw(2, 3, units(1, 0, 0, 0, 0), srcs, &[dst])
    }

    fn load_imm(dst: u8) -> CostParams {
        raw(1, 1, Units::default(), &[], &[dst])
    }

    fn load_imm_64(dst: u8) -> CostParams {
        raw(1, 2, Units::default(), &[], &[dst])
    }

    /// Any load (direct: no source; indirect: the base register).
    fn load(dst: u8, srcs: &[u8]) -> CostParams {
        raw(25, 1, units(1, 1, 0, 0, 0), srcs, &[dst])
    }

    fn store(srcs: &[u8]) -> CostParams {
        raw(25, 1, units(1, 0, 1, 0, 0), srcs, &[])
    }

    fn mul64(dst: u8, srcs: &[u8]) -> CostParams {
        raw(
            3,
            p_rule(1, 2, srcs, dst),
            units(1, 0, 0, 1, 0),
            srcs,
            &[dst],
        )
    }

    fn div(dst: u8, srcs: &[u8]) -> CostParams {
        raw(60, 4, units(1, 0, 0, 0, 1), srcs, &[dst])
    }

    /// A branch; `cheap` = fall-through or target starts with `trap`/`unlikely` (latency 1, else 20).
    fn branch(srcs: &[u8], cheap: bool) -> CostParams {
        term(raw(
            if cheap { 1 } else { 20 },
            1,
            units(1, 0, 0, 0, 0),
            srcs,
            &[],
        ))
    }

    fn trap() -> CostParams {
        term(raw(2, 1, Units::default(), &[], &[]))
    }

    fn fallthrough() -> CostParams {
        trap()
    }

    fn unlikely() -> CostParams {
        raw(40, 1, Units::default(), &[], &[])
    }

    fn jump() -> CostParams {
        term(raw(15, 1, Units::default(), &[], &[]))
    }

    fn jump_ind(src: u8) -> CostParams {
        term(raw(22, 1, Units::default(), &[src], &[]))
    }

    fn cost(block: &[CostParams]) -> u32 {
        block_cost(block.iter().copied())
    }

    // ---- Blocks hand-translated from polkavm-e88d5b4/TESTCASES.md ----

    /// (test case, block offset, expected cost, instructions)
    fn vector_blocks() -> Vec<(&'static str, u32, u32, Vec<CostParams>)> {
        vec![
            (
                "gas_basic_consume_all",
                0,
                2,
                vec![mv(0, 0), trap()], // r0 = r0; trap
            ),
            (
                "gas_complex_1",
                0,
                28,
                vec![
                    load(9, &[7]),      // r9 = i16 [r7 + 0x6]
                    alu64(8, &[8]),     // r8 = r8 & 0x7
                    load_imm(10),       // r10 = 0x1
                    alu64(8, &[8]),     // r8 = r8 << 0x8
                    alu64(9, &[9]),     // r9 = r9 & 0xfffffffffffff8ff
                    alu64(8, &[8, 9]),  // r8 = r8 | r9
                    alu64(9, &[8, 10]), // r9 = r8 + r10
                    store(&[10, 7]),    // u8 [r7 + 0x2] = a3
                    trap(),
                ],
            ),
            (
                "gas_complex_2",
                0,
                22,
                vec![
                    trivial(8, 7),         // i32 r8 = clz r7
                    shift32(7, 7, 8),      // i32 r7 = r7 << r8
                    alu64(8, &[8]),        // r8 = r8 << 0x17
                    alu32(9, &[7]),        // i32 r9 = r7 >> 0x8
                    alu64(10, &[7]),       // r10 = r7 >> 0x7
                    and_inv(10, &[10, 9]), // r10 = r10 & ~r9
                    alu32(9, &[9, 8]),     // i32 r9 = r9 - r8
                    alu64(7, &[7]),        // r7 = r7 << 0x18
                    alu64(10, &[10]),      // r10 = r10 & 0x1
                    alu32(7, &[7, 10]),    // i32 r7 = r7 - r10
                    alu32(7, &[7]),        // i32 r7 = r7 >> 0x1f
                    alu64(8, &[9]),        // r8 = r9 + 0x4e800000
                    alu32(7, &[7, 8]),     // i32 r7 = r7 + r8
                    load_imm(8),           // r8 = 0x46008c00
                    load_imm(0),           // r0 = 0x24
                    jump(),                // jump 0
                ],
            ),
            (
                // 38 instructions: more than the 32 ROB entries.
                "gas_complex_3",
                0,
                109,
                vec![
                    unlikely(),
                    load(3, &[5]),       // r3 = u8 [r5 + 0]
                    load(8, &[5]),       // r8 = u8 [r5 + 0x11]
                    load_imm(9),         // r9 = 0x172d0
                    load(10, &[5]),      // r10 = u8 [r5 + 0x16]
                    alu64(2, &[1]),      // r2 = r1 + 0x58
                    alu64(8, &[8]),      // r8 = r8 << 0x3
                    alu64(8, &[8, 9]),   // r8 = r8 + r9
                    load(9, &[8]),       // r9 = u8 [r8 + 0]
                    load(12, &[8]),      // r12 = u8 [r8 + 0x1]
                    load(6, &[8]),       // r6 = u8 [r8 + 0x2]
                    load(11, &[8]),      // r11 = u8 [r8 + 0x3]
                    alu64(10, &[10, 2]), // r10 = r10 + r2
                    alu64(12, &[12]),    // r12 = r12 << 0x8
                    alu64(6, &[6]),      // r6 = r6 << 0x10
                    alu64(11, &[11]),    // r11 = r11 << 0x18
                    alu64(9, &[9, 12]),  // r9 = r9 | r12
                    load(12, &[8]),      // r12 = u8 [r8 + 0x4]
                    load(7, &[8]),       // r7 = u8 [r8 + 0x5]
                    alu64(11, &[11, 6]), // r11 = r11 | r6
                    load(6, &[8]),       // r6 = u8 [r8 + 0x6]
                    load(8, &[8]),       // r8 = u8 [r8 + 0x7]
                    alu64(7, &[7]),      // r7 = r7 << 0x8
                    alu64(7, &[7, 12]),  // r7 = r7 | r12
                    alu64(6, &[6]),      // r6 = r6 << 0x10
                    alu64(8, &[8]),      // r8 = r8 << 0x18
                    alu64(8, &[8, 6]),   // r8 = r8 | r6
                    alu64(9, &[9, 11]),  // r9 = r9 | r11
                    alu64(7, &[7, 8]),   // r7 = r7 | r8
                    alu64(8, &[5, 3]),   // r8 = r5 - r3
                    alu64(7, &[7]),      // r7 = r7 << 0x20
                    alu64(7, &[7, 9]),   // r7 = r7 | r9
                    store(&[7, 1]),      // u64 [r1 + 0x58] = r7
                    load(7, &[10]),      // r7 = u8 [r10 + 0]
                    load(8, &[8]),       // r8 = u8 [r8 + 0x4]
                    mul64(7, &[8, 7]),   // r7 = r8 * r7
                    load(8, &[5]),       // r8 = u8 [r5 + 0x23]
                    branch(&[8], true),  // jump 0 if r8 != 0 (fall-through is a trap)
                ],
            ),
            (
                "gas_load_and_jump",
                0,
                26,
                vec![
                    load(9, &[7]),      // r9 = u8 [r7 + 0xb]
                    branch(&[9], true), // jump 0 if r9 == 0 (fall-through is a trap)
                ],
            ),
            (
                "gas_memory_accesses",
                0,
                25,
                vec![
                    mv(7, 6),       // r7 = r6
                    load(0, &[1]),  // r0 = u64 [r1 + 0x30]
                    load(5, &[1]),  // r5 = u64 [r1 + 0x28]
                    load(6, &[1]),  // r6 = u64 [r1 + 0x20]
                    alu64(1, &[1]), // r1 = r1 + 0x38
                    trap(),
                ],
            ),
            (
                "gas_mul_with_dep",
                0,
                4,
                vec![
                    alu64(7, &[8, 9]),   // r7 = r8 + r9
                    mul64(11, &[7, 10]), // r11 = r7 * r10
                    trap(),
                ],
            ),
            (
                "gas_multiple_register_moves_complex",
                0,
                62,
                vec![
                    load_imm(5),        // r5 = 0
                    load_imm(6),        // r6 = 0x1
                    div(7, &[5, 6]),    // r7 = r5 /s r6
                    mv(8, 7),           // r8 = r7
                    mv(9, 8),           // r9 = r8
                    mv(9, 9),           // r9 = r9
                    alu64(10, &[6, 9]), // r10 = r6 + r9 (depends on the div through the moves)
                    trap(),
                ],
            ),
            (
                "gas_multiple_register_moves_simple",
                0,
                20,
                vec![
                    mv(9, 7),            // r9 = r7
                    mv(7, 5),            // r7 = r5
                    branch(&[9], false), // jump 0 if r9 != 0 (fall-through is `fallthrough`)
                ],
            ),
            (
                "gas_multiple_register_moves_simple",
                7,
                2,
                vec![fallthrough()],
            ),
            (
                "gas_overwrite_register",
                0,
                48,
                vec![
                    load(5, &[1]),     // r5 = u64 [r1 + 0]
                    alu64(5, &[8, 9]), // r5 = r8 + r9
                    load(5, &[5]),     // r5 = u64 [r5 + 0]
                    jump_ind(5),       // jump [r5 + 0]
                ],
            ),
            (
                "gas_register_move_use_all_decode_slots",
                0,
                3,
                vec![mv(5, 8), mv(7, 8), mv(8, 2), mv(9, 6), trap()],
            ),
            (
                "gas_register_move",
                0,
                3,
                vec![
                    load_imm(5),    // r5 = 0x1
                    mv(7, 5),       // r7 = r5
                    alu64(8, &[7]), // r8 = r7 + 0x1
                    trap(),
                ],
            ),
            (
                "gas_resource_limits_mul",
                0,
                6,
                vec![
                    mul64(7, &[8, 9]),   // r7 = r8 * r9
                    mul64(8, &[10, 11]), // r8 = r10 * r11 (waits for the single mul unit)
                    trap(),
                ],
            ),
            (
                "gas_sequential_decode_limits",
                0,
                4,
                vec![
                    load_imm_64(7),
                    load_imm_64(8),
                    load_imm_64(9),
                    load_imm_64(10),
                    trap(),
                ],
            ),
            (
                "gas_jump_trap_else",
                0,
                1,
                vec![branch(&[7], true)], // jump 4 if r7 == 0 (fall-through is a trap)
            ),
            ("gas_jump_trap_else", 4, 2, vec![load_imm(7), trap()]),
            (
                "gas_xor_and_shift",
                0,
                3,
                vec![
                    alu64(8, &[8]),                                 // r8 = r8 ^ 0xffffffffffffffff
                    raw(1, 3, units(1, 0, 0, 0, 0), &[7, 8], &[8]), // r8 = r7 >> r8 (P_S: 3)
                    fallthrough(),
                ],
            ),
        ]
    }

    #[test]
    fn test_vector_blocks() {
        let mut failures = Vec::new();
        for (name, pc, want, block) in vector_blocks() {
            let got = cost(&block);
            if got != want {
                failures.push(format!("{name} @{pc}: want {want}, got {got}"));
            }
        }
        assert!(failures.is_empty(), "{failures:#?}");
    }

    #[test]
    fn basic_consume_all() {
        assert_eq!(cost(&[mv(0, 0), trap()]), 2);
    }

    fn vector_block(name: &str) -> Vec<CostParams> {
        vector_blocks()
            .into_iter()
            .find(|b| b.0 == name)
            .map(|b| b.3)
            .expect("known block")
    }

    #[test]
    fn div_then_moves_then_use() {
        // gas_multiple_register_moves_complex: the add waits ~60 cycles for the div.
        let block = vector_block("gas_multiple_register_moves_complex");
        assert_eq!(cost(&block), 62);
        // Without the dependency (the add reads r6 only) only the div's own latency remains,
        // but the add no longer waits for it.
        let mut independent = block.clone();
        independent[6] = alu64(10, &[6]);
        assert_eq!(cost(&independent), 61);
    }

    #[test]
    fn move_renaming() {
        // The second load reads r7; values from the Python reference.
        let chained = [load(7, &[1]), load(11, &[7]), trap()];
        // r6 = r7: r6 is now produced by the first load.
        let via_move = [load(7, &[1]), mv(6, 7), load(11, &[6]), trap()];
        // r7 = r5: the first load no longer produces r7.
        let renamed = [load(7, &[1]), mv(7, 5), load(11, &[7]), trap()];
        assert_eq!(cost(&chained), 50);
        assert_eq!(cost(&via_move), 50);
        assert_eq!(cost(&renamed), 25);
    }

    #[test]
    fn implicit_trap_when_stream_ends() {
        // gas_jump_trap_else @4 without its trap, and an empty stream (just the trap).
        assert_eq!(cost(&[load_imm(7)]), 2);
        assert_eq!(cost(&[]), 2);
        assert_eq!(cost(&[trap()]), 2);
        let complex_1 = vector_block("gas_complex_1");
        assert_eq!(cost(&complex_1[..complex_1.len() - 1]), 28);
    }

    #[test]
    fn stops_pulling_after_terminator() {
        let mut pulled = 0;
        let stream = std::iter::from_fn(|| {
            pulled += 1;
            Some(if pulled == 3 { trap() } else { load_imm(1) })
        });
        assert_eq!(block_cost(stream), 2);
        assert_eq!(pulled, 3);
    }

    #[test]
    fn long_blocks_fill_the_rob() {
        // Values from the Python reference. 33 dependent loads: 25 cycles each.
        let mut chain: Vec<_> = (0..33).map(|_| load(1, &[1])).collect();
        chain.push(trap());
        assert_eq!(cost(&chain), 825);
        // Independent loads: four load units, 25 cycles per group of four.
        let mut independent: Vec<_> = (0..32).map(|_| load(1, &[2])).collect();
        independent.push(trap());
        assert_eq!(cost(&independent), 200);
        independent.insert(0, load(1, &[2]));
        assert_eq!(cost(&independent), 225);
        // `unlikely` hints (latency 40, no units): with 41 entries, the 33rd can only be decoded
        // once the first retires, so a second 40-cycle latency appears.
        let mut hints: Vec<_> = (0..31).map(|_| unlikely()).collect();
        hints.push(trap());
        assert_eq!(cost(&hints), 47);
        let mut hints: Vec<_> = (0..40).map(|_| unlikely()).collect();
        hints.push(trap());
        assert_eq!(cost(&hints), 84);
    }

    // The workspace's deterministic generator, for pseudo-random blocks.
    use machine::testing::Rng;

    #[test]
    fn huge_blocks_are_fast() {
        let start = Instant::now();
        // Expected values extrapolate the Python reference's results for 10..400 instructions
        // (exactly 60 cycles per division, 25 per group of four loads).
        // 10 000 dependent divisions: serial, 60 cycles each.
        let mut chain: Vec<_> = (0..10_000).map(|_| div(1, &[1, 2])).collect();
        chain.push(trap());
        assert_eq!(cost(&chain), 600_000);
        // 10 000 independent divisions: still serialised by the single divider.
        let mut indep: Vec<_> = (0..10_000).map(|i| div(1 + (i % 12) as u8, &[0])).collect();
        indep.push(trap());
        assert_eq!(cost(&indep), 600_000);
        // 10 000 independent loads: 25 cycles per group of four (the ROB is the other limit).
        let loads: Vec<_> = (0..10_000)
            .map(|i| load(1 + (i % 12) as u8, &[0]))
            .collect();
        assert_eq!(cost(&loads), 62_500);
        // 10 000 pseudo-random table instructions.
        let mut rng = Rng::new(0x9e37_79b9_7f4a_7c15);
        let block: Vec<_> = (0..10_000)
            .map(|_| {
                let r = rng.next_u64();
                let d = (r % 13) as u8;
                let s = ((r >> 8) % 13) as u8;
                match (r >> 16) % 8 {
                    0 => load(d, &[s]),
                    1 => store(&[d, s]),
                    2 => mul64(d, &[d, s]),
                    3 => div(d, &[s]),
                    4 => mv(d, s),
                    5 => load_imm(d),
                    _ => alu64(d, &[s]),
                }
            })
            .collect();
        let c = cost(&block);
        assert!(c > 10_000 / 4, "{c}");
        // A few milliseconds when optimised; the bound is loose for slow debug builds on busy
        // machines but still catches quadratic behaviour (seconds to minutes here).
        assert!(
            start.elapsed() < Duration::from_secs(30),
            "too slow: {:?}",
            start.elapsed()
        );
    }

    #[test]
    fn bad_params_do_not_hang() {
        let mut p = alu64(1, &[2]);
        p.decode_slots = 0;
        assert!(cost(&[p, p, p, trap()]) >= 1);
        p.decode_slots = 9;
        // Clamped to 4: one instruction per cycle, same as 4 slots.
        let mut four = p;
        four.decode_slots = 4;
        assert_eq!(cost(&[p, p, p, trap()]), cost(&[four, four, four, trap()]));
        let mut m = mul64(1, &[2]);
        m.units.mul = 3;
        m.units.alu = 200;
        m.units.div = 255;
        assert!(cost(&[m, m, trap()]) >= 1);
        // Zero-cycle instruction holding units: the reference never frees them.
        let mut z = mul64(1, &[2]);
        z.cycles = 0;
        let hog = mul64(3, &[4]);
        assert!(cost(&[z, hog, z, hog, trap()]) >= 1);
        // Leaking one ALU is harmless here: the reference gives 3.
        let leak = raw(0, 1, units(1, 0, 0, 0, 0), &[2], &[1]);
        let four_alu = [
            alu64(3, &[3]),
            alu64(4, &[4]),
            alu64(5, &[5]),
            alu64(6, &[6]),
        ];
        let mut block = vec![leak];
        block.extend(four_alu);
        block.push(trap());
        assert_eq!(cost(&block), 3);
        let all_alu = raw(0, 1, units(4, 4, 4, 1, 1), &[], &[]);
        assert!(cost(&[all_alu, alu64(1, &[1]), all_alu, alu64(2, &[2]), trap()]) >= 1);
        // A terminating move ends the block.
        assert_eq!(cost(&[term(mv(1, 2)), load(1, &[1])]), 1);
        // Garbage everywhere, including moves with several registers.
        let mut rng = Rng::new(12345);
        for _ in 0..200 {
            let n = (rng.next_u64() % 80) as usize;
            let block: Vec<CostParams> = (0..n)
                .map(|_| {
                    let r = rng.next_u64();
                    CostParams {
                        cycles: (r % 256) as u8,
                        decode_slots: ((r >> 8) % 8) as u8,
                        units: units(
                            ((r >> 11) % 6) as u8,
                            ((r >> 14) % 6) as u8,
                            ((r >> 17) % 6) as u8,
                            ((r >> 20) % 3) as u8,
                            ((r >> 22) % 3) as u8,
                        ),
                        srcs: (r >> 24) as u16,
                        dsts: (r >> 40) as u16,
                        is_move: (r >> 56) & 3 == 0,
                        is_terminator: (r >> 58) & 31 == 0,
                    }
                })
                .collect();
            assert!(cost(&block) >= 1);
        }
    }

    /// The rules of the module documentation applied literally, one step at a time, on a growing
    /// list of entries (the shape of `block_cost` in `gas-model-reference.py`), plus the robustness
    /// clamps documented on [`block_cost`].
    fn literal_cost(block: &[CostParams]) -> u32 {
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

    #[test]
    fn literal_simulation_agrees_on_known_blocks() {
        for (name, pc, want, block) in vector_blocks() {
            assert_eq!(literal_cost(&block), want, "{name} @{pc}");
        }
        let mut chain: Vec<_> = (0..33).map(|_| load(1, &[1])).collect();
        chain.push(trap());
        assert_eq!(literal_cost(&chain), 825);
    }

    /// A pseudo-random block: instructions shaped like the GP table (`wild == false`), or
    /// arbitrary parameters including zero-cycle entries holding units (`wild == true`).
    fn random_block(rng: &mut Rng, wild: bool) -> Vec<CostParams> {
        let len = (rng.next_u64() % [6, 20, 48, 90][(rng.next_u64() % 4) as usize]) as usize;
        let regs = [2, 4, 13][(rng.next_u64() % 3) as usize];
        (0..len)
            .map(|_| {
                let r = rng.next_u64();
                let reg = |shift: u32| ((r >> shift) % regs) as u8;
                let (d, s1, s2) = (reg(0), reg(8), reg(16));
                if wild {
                    let q = rng.next_u64();
                    return CostParams {
                        cycles: [0, 1, 2, 3, (q >> 8) as u8][(q % 5) as usize],
                        decode_slots: ((q >> 16) % 7) as u8,
                        units: units(
                            ((q >> 20) % 6) as u8,
                            ((q >> 24) % 6) as u8,
                            ((q >> 28) % 3) as u8,
                            ((q >> 32) % 3) as u8,
                            ((q >> 34) % 3) as u8,
                        ),
                        srcs: (r >> 24) as u16 & (r >> 40) as u16,
                        dsts: if q >> 40 & 3 == 0 {
                            (q >> 42) as u16
                        } else {
                            1 << d
                        },
                        is_move: q >> 58 & 7 == 0,
                        is_terminator: q >> 61 == 0 && r >> 60 == 0,
                    };
                }
                match (r >> 24) % 16 {
                    0 | 1 => alu64(d, &[s1, s2]),
                    2 => alu32(d, &[s1]),
                    3 | 4 => load(d, &[s1]),
                    5 => store(&[s1, s2]),
                    6 => mul64(d, &[d, s1]),
                    7 => div(d, &[s1, s2]),
                    8 | 9 => mv(d, s1),
                    10 => load_imm(d),
                    11 => load_imm_64(d),
                    12 => shift32(d, s1, s2),
                    13 => unlikely(),
                    14 => trivial(d, s1),
                    _ => branch(&[s1, s2], r >> 40 & 1 == 0),
                }
            })
            .collect()
    }

    #[test]
    fn matches_literal_simulation_on_random_blocks() {
        let mut rng = Rng::new(0x2545_f491_4f6c_dd1d);
        for i in 0..6_000 {
            let block = random_block(&mut rng, i % 3 == 2);
            assert_eq!(cost(&block), literal_cost(&block), "{block:?}");
        }
    }
}
