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
mod tests;
