//! Deterministic test utilities: the workspace's one random number generator, random consistent
//! traces, and tamperings that break a consistent trace in one precise way.
//!
//! Everything here is a pure function of its seed, so a failing case is reproduced by its
//! seed alone.

use std::collections::{HashMap, HashSet};

use crate::check::{check, ViolationKind};
use crate::record::{Op, Record, Space};
use crate::tracer::{Tracer, VecTracer};

/// A splitmix64 generator: tiny, fast, and good enough for test data. The one generator
/// of the workspace's tests, fuzz harnesses and generated test data (`pvm_testkit::Rng`).
#[derive(Clone, Debug)]
pub struct Rng {
    state: u64,
}

impl Rng {
    /// A generator for `seed`.
    pub fn new(seed: u64) -> Rng {
        Rng { state: seed }
    }

    /// The next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        self.state = self.state.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.state;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// A uniform number in `0..n` (`n > 0`; returns 0 for `n == 0`).
    pub fn below(&mut self, n: u64) -> u64 {
        ((u128::from(self.next_u64()) * u128::from(n)) >> 64) as u64
    }

    /// True with probability `percent / 100`.
    pub fn percent(&mut self, percent: u64) -> bool {
        self.below(100) < percent
    }

    /// A uniformly chosen element of a non-empty slice.
    pub fn pick<T: Copy>(&mut self, items: &[T]) -> T {
        *self.choose(items)
    }

    /// A reference to a uniformly chosen element of a non-empty slice.
    pub fn choose<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.index(items.len())]
    }

    /// A uniform index in `0..len` (`len > 0`; returns 0 for `len == 0`).
    pub fn index(&mut self, len: usize) -> usize {
        self.below(len as u64) as usize
    }

    /// A random byte.
    pub fn byte(&mut self) -> u8 {
        self.next_u64() as u8
    }

    /// `len` random bytes.
    pub fn bytes(&mut self, len: usize) -> Vec<u8> {
        (0..len).map(|_| self.byte()).collect()
    }

    /// Fills `out` with random bytes.
    pub fn fill(&mut self, out: &mut [u8]) {
        for chunk in out.chunks_mut(8) {
            let bytes = self.next_u64().to_le_bytes();
            chunk.copy_from_slice(&bytes[..chunk.len()]);
        }
    }

    /// A random non-zero value.
    pub fn nonzero(&mut self) -> u64 {
        loop {
            let v = self.next_u64();
            if v != 0 {
                return v;
            }
        }
    }

    /// A 64-bit value from a mix of shapes: full-range random, small, top byte set over a
    /// small value, all ones, powers of two.
    pub fn value(&mut self) -> u64 {
        match self.below(8) {
            0..=2 => self.next_u64(),
            3 => self.below(256),
            4 => (self.below(255) + 1) << 56 | self.below(1 << 16),
            5 => u64::MAX - self.below(4),
            6 => 1 << self.below(64),
            _ => self.below(1 << 32),
        }
    }
}

/// The spaces of [`random_trace`]: registers (13 cells), memory (full-range word
/// addresses), stack (small slots) and a space with id 255 (full-range addresses).
pub const RANDOM_SPACES: [Space; 4] = [Space(0), Space(1), Space(2), Space(255)];

/// A fresh address in `space`, drawn so that top bytes are set often.
fn random_address(rng: &mut Rng, space: Space) -> u64 {
    match space.0 {
        0 => rng.below(13),
        2 => rng.below(64),
        _ => match rng.below(4) {
            0 => rng.next_u64(),
            1 => rng.next_u64() & !7,
            2 => u64::MAX - rng.below(64),
            _ => (rng.below(255) + 1) << 56 | rng.below(1 << 20) << 3,
        },
    }
}

/// A tracer that records like [`VecTracer`] but lies once: the value of the record with
/// time `at` is XORed with `flip`. Machines' tests run twice — honestly (`at = u64::MAX`)
/// and lying at each position where [`lie_is_observable`] — to show that the checker
/// catches a lying machine wherever the lie is.
#[derive(Clone, Debug)]
pub struct LyingTracer {
    inner: VecTracer,
    at: u64,
    flip: u64,
}

impl LyingTracer {
    /// Lies about the record with time `at` by XORing its value with `flip` (non-zero).
    pub fn new(at: u64, flip: u64) -> LyingTracer {
        LyingTracer {
            inner: VecTracer::new(),
            at,
            flip,
        }
    }

    /// A tracer that never lies (records exactly as [`VecTracer`]).
    pub fn honest() -> LyingTracer {
        LyingTracer::new(u64::MAX, 0)
    }

    /// The records so far.
    pub fn records(&self) -> &[Record] {
        self.inner.records()
    }

    /// Takes the records.
    pub fn take_records(&mut self) -> Vec<Record> {
        self.inner.take_records()
    }

    fn value(&self, value: u64) -> u64 {
        if self.inner.next_time() == self.at {
            value ^ self.flip
        } else {
            value
        }
    }
}

impl Tracer for LyingTracer {
    const ENABLED: bool = true;
    fn read(&mut self, space: Space, address: u64, value: u64) {
        let value = self.value(value);
        self.inner.read(space, address, value);
    }
    fn write(&mut self, space: Space, address: u64, value: u64) {
        let value = self.value(value);
        self.inner.write(space, address, value);
    }
}

/// Whether changing the value of `records[at]` must make a consistent trace inconsistent:
/// it is a read, or a write whose cell is next accessed by a read.
pub fn lie_is_observable(records: &[Record], at: usize) -> bool {
    let record = records[at];
    record.op == Op::Read
        || records[at + 1..]
            .iter()
            .find(|next| next.cell() == record.cell())
            .is_some_and(|next| next.op == Op::Read)
}

/// A random memory-consistent trace of `len` records: four spaces ([`RANDOM_SPACES`]), a
/// few hot cells accessed often and many cold ones, full-range 64-bit addresses and
/// values, first accesses that write and first accesses that read 0, and strictly
/// increasing times with random gaps (sometimes huge).
pub fn random_trace(seed: u64, len: usize) -> Vec<Record> {
    let mut rng = Rng::new(seed);
    let hot: Vec<(Space, u64)> = (0..8)
        .map(|_| {
            let space = rng.pick(&RANDOM_SPACES);
            (space, random_address(&mut rng, space))
        })
        .collect();
    let mut values: HashMap<(Space, u64), u64> = HashMap::new();
    let mut touched: Vec<(Space, u64)> = Vec::new();
    let mut records = Vec::with_capacity(len);
    let mut time = match rng.below(3) {
        0 => 0,
        1 => rng.below(1 << 20),
        _ => rng.next_u64() >> 8,
    };
    for i in 0..len {
        if i > 0 {
            time += match rng.below(10) {
                0..=4 => 1,
                5..=8 => 1 + rng.below(1000),
                _ => 1 + rng.below(1 << 32),
            };
        }
        let (space, address) = match rng.below(10) {
            0..=3 => rng.pick(&hot),
            4..=6 if !touched.is_empty() => rng.pick(&touched),
            _ => {
                let space = rng.pick(&RANDOM_SPACES);
                (space, random_address(&mut rng, space))
            }
        };
        let current = values.get(&(space, address)).copied();
        if current.is_none() {
            touched.push((space, address));
        }
        let op = if rng.percent(45) { Op::Write } else { Op::Read };
        let value = match op {
            Op::Read => current.unwrap_or(0),
            Op::Write if rng.percent(10) => current.unwrap_or(0),
            Op::Write => rng.value(),
        };
        values.insert((space, address), value);
        records.push(Record {
            time,
            space,
            address,
            op,
            value,
        });
    }
    records
}

/// One way to break a consistent trace. [`tamper`] applies it so that the result is
/// always inconsistent and its reported violation is of kind [`Tampering::expected`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Tampering {
    /// Change the value of a read that has an earlier access in its cell.
    ChangeReadValue,
    /// Change the value of a write whose next access in the cell is a read.
    ChangeWriteReadLater,
    /// Remove a write that changed its (already accessed) cell and is read next.
    DropWrite,
    /// Insert, in a time gap, a read of an already accessed cell with a wrong value.
    InsertWrongRead,
    /// Move a read to another accessed cell of its space that holds a different value.
    ChangeReadAddress,
    /// Swap the times of two adjacent records.
    SwapTimes,
    /// Give a record the time of the record before it.
    DuplicateTime,
    /// Turn a write that changed its (already accessed) cell into a read.
    WriteToRead,
    /// Make a cell's first access a read of a non-zero value (by changing a first-access
    /// read of 0, or by inserting a read of an untouched cell in a time gap).
    UninitialisedRead,
    /// Flip bits of only the most significant byte of a read's value (of a read that has
    /// an earlier access in its cell), or of a write's value whose next access is a read.
    ValueMsb,
    /// Flip bits of only the most significant byte of a non-zero read's address, so that
    /// it reads a cell the trace never touches.
    AddressMsb,
}

impl Tampering {
    /// Every tampering.
    pub const ALL: [Tampering; 11] = [
        Tampering::ChangeReadValue,
        Tampering::ChangeWriteReadLater,
        Tampering::DropWrite,
        Tampering::InsertWrongRead,
        Tampering::ChangeReadAddress,
        Tampering::SwapTimes,
        Tampering::DuplicateTime,
        Tampering::WriteToRead,
        Tampering::UninitialisedRead,
        Tampering::ValueMsb,
        Tampering::AddressMsb,
    ];

    /// The kind of violation the tampered trace reports.
    pub fn expected(self) -> ViolationKind {
        match self {
            Tampering::SwapTimes | Tampering::DuplicateTime => ViolationKind::TimeNotIncreasing,
            Tampering::UninitialisedRead | Tampering::AddressMsb => {
                ViolationKind::UninitialisedRead
            }
            Tampering::ChangeReadValue
            | Tampering::ChangeWriteReadLater
            | Tampering::DropWrite
            | Tampering::InsertWrongRead
            | Tampering::ChangeReadAddress
            | Tampering::WriteToRead
            | Tampering::ValueMsb => ViolationKind::ReadMismatch,
        }
    }
}

/// Per record: the value of its cell before it (`None` for the cell's first access) and
/// the position of the cell's next access.
struct Neighbours {
    before: Vec<Option<u64>>,
    next: Vec<Option<usize>>,
}

fn neighbours(trace: &[Record]) -> Neighbours {
    let mut last: HashMap<u128, usize> = HashMap::new();
    let mut before = Vec::with_capacity(trace.len());
    let mut next = vec![None; trace.len()];
    for (i, r) in trace.iter().enumerate() {
        match last.insert(r.cell(), i) {
            Some(p) => {
                before.push(Some(trace[p].value));
                next[p] = Some(i);
            }
            None => before.push(None),
        }
    }
    Neighbours { before, next }
}

/// A non-zero mask confined to the most significant byte.
fn msb_mask(rng: &mut Rng) -> u64 {
    (rng.below(255) + 1) << 56
}

/// Positions `p` (`0..=len`) where a record can be inserted with a fresh time: a time
/// strictly between the neighbours' times exists.
fn gaps(trace: &[Record]) -> Vec<(usize, u64)> {
    let mut out = Vec::new();
    if trace.first().is_some_and(|r| r.time > 0) {
        out.push((0, trace[0].time - 1));
    }
    for (i, w) in trace.windows(2).enumerate() {
        if w[1].time - w[0].time >= 2 {
            out.push((i + 1, w[0].time + 1));
        }
    }
    if let Some(last) = trace.last().filter(|r| r.time < u64::MAX) {
        out.push((trace.len(), last.time + 1));
    }
    out
}

/// An address in `space` that no record of `trace` uses.
fn untouched_address(rng: &mut Rng, trace: &[Record], space: Space) -> u64 {
    let used: HashSet<u64> = trace
        .iter()
        .filter(|r| r.space == space)
        .map(|r| r.address)
        .collect();
    loop {
        let address = rng.next_u64();
        if !used.contains(&address) {
            return address;
        }
    }
}

/// Applies `tampering` to the consistent `trace` at a target chosen by `seed`, returning
/// the broken trace. The result always fails [`check`] with a violation of kind
/// `tampering.expected()`. `None` if `trace` is inconsistent to begin with or has no
/// suitable target (e.g. no read that follows another access of its cell).
pub fn tamper(trace: &[Record], tampering: Tampering, seed: u64) -> Option<Vec<Record>> {
    tamper_at(trace, tampering, seed).map(|(records, _)| records)
}

/// [`tamper`], also returning the index the violation is reported at.
pub(crate) fn tamper_at(
    trace: &[Record],
    tampering: Tampering,
    seed: u64,
) -> Option<(Vec<Record>, usize)> {
    check(trace).ok()?;
    let mut rng = Rng::new(seed);
    let n = neighbours(trace);
    let mut out = trace.to_vec();
    let is_read = |i: usize| trace[i].op == Op::Read;
    let is_write = |i: usize| trace[i].op == Op::Write;
    let all = 0..trace.len();
    // Reads that have an earlier access in their cell.
    let later_reads: Vec<usize> = all
        .clone()
        .filter(|&i| is_read(i) && n.before[i].is_some())
        .collect();
    // Writes whose next access is a read, with that read's position.
    let read_writes: Vec<(usize, usize)> = all
        .clone()
        .filter(|&i| is_write(i))
        .filter_map(|i| n.next[i].filter(|&j| is_read(j)).map(|j| (i, j)))
        .collect();
    // Writes to an already accessed cell that change its value.
    let changing_writes: Vec<usize> = all
        .clone()
        .filter(|&i| is_write(i) && n.before[i].is_some_and(|b| b != trace[i].value))
        .collect();
    match tampering {
        Tampering::ChangeReadValue => {
            let i = pick(&mut rng, &later_reads)?;
            out[i].value ^= rng.nonzero();
            Some((out, i))
        }
        Tampering::ChangeWriteReadLater => {
            let (i, j) = pick(&mut rng, &read_writes)?;
            out[i].value ^= rng.nonzero();
            Some((out, j))
        }
        Tampering::DropWrite => {
            let targets: Vec<(usize, usize)> = read_writes
                .iter()
                .copied()
                .filter(|&(i, _)| changing_writes.binary_search(&i).is_ok())
                .collect();
            let (i, j) = pick(&mut rng, &targets)?;
            out.remove(i);
            Some((out, j - 1))
        }
        Tampering::InsertWrongRead => {
            // A gap after at least one record, so that some cell has been accessed.
            let gaps: Vec<(usize, u64)> = gaps(trace).into_iter().filter(|g| g.0 > 0).collect();
            let (at, time) = pick(&mut rng, &gaps)?;
            let source = trace[rng.below(at as u64) as usize];
            let held = trace[..at]
                .iter()
                .rev()
                .find(|r| r.cell() == source.cell())
                .map_or(0, |r| r.value);
            let read = Record {
                time,
                op: Op::Read,
                value: held ^ rng.nonzero(),
                ..source
            };
            out.insert(at, read);
            Some((out, at))
        }
        Tampering::ChangeReadAddress => change_read_address(trace, &mut rng),
        Tampering::SwapTimes => {
            if trace.len() < 2 {
                return None;
            }
            let i = rng.below(trace.len() as u64 - 1) as usize;
            let t = out[i].time;
            out[i].time = out[i + 1].time;
            out[i + 1].time = t;
            Some((out, i + 1))
        }
        Tampering::DuplicateTime => {
            if trace.len() < 2 {
                return None;
            }
            let i = 1 + rng.below(trace.len() as u64 - 1) as usize;
            out[i].time = out[i - 1].time;
            Some((out, i))
        }
        Tampering::WriteToRead => {
            let i = pick(&mut rng, &changing_writes)?;
            out[i].op = Op::Read;
            Some((out, i))
        }
        Tampering::UninitialisedRead => {
            let first_reads: Vec<usize> = all
                .filter(|&i| is_read(i) && n.before[i].is_none())
                .collect();
            let gaps = gaps(trace);
            let choices = first_reads.len() + gaps.len();
            if choices == 0 {
                return None;
            }
            let choice = rng.below(choices as u64) as usize;
            if let Some(&i) = first_reads.get(choice) {
                out[i].value = rng.nonzero();
                Some((out, i))
            } else {
                let (at, time) = gaps[choice - first_reads.len()];
                let space = trace.get(at).or(trace.last()).map_or(Space(0), |r| r.space);
                let read = Record {
                    time,
                    space,
                    address: untouched_address(&mut rng, trace, space),
                    op: Op::Read,
                    value: rng.nonzero(),
                };
                out.insert(at, read);
                Some((out, at))
            }
        }
        Tampering::ValueMsb => {
            let choices = later_reads.len() + read_writes.len();
            if choices == 0 {
                return None;
            }
            let choice = rng.below(choices as u64) as usize;
            let mask = msb_mask(&mut rng);
            if let Some(&i) = later_reads.get(choice) {
                out[i].value ^= mask;
                Some((out, i))
            } else {
                let (i, j) = read_writes[choice - later_reads.len()];
                out[i].value ^= mask;
                Some((out, j))
            }
        }
        Tampering::AddressMsb => {
            let cells: HashSet<u128> = trace.iter().map(Record::cell).collect();
            let reads: Vec<usize> = (0..trace.len())
                .filter(|&i| is_read(i) && trace[i].value != 0)
                .collect();
            if reads.is_empty() {
                return None;
            }
            // Almost every flip lands on an untouched cell; give up only after many tries.
            for _ in 0..64 {
                let i = rng.pick(&reads);
                let moved = Record {
                    address: trace[i].address ^ msb_mask(&mut rng),
                    ..trace[i]
                };
                if !cells.contains(&moved.cell()) {
                    out[i] = moved;
                    return Some((out, i));
                }
            }
            None
        }
    }
}

/// A random element of `items`, `None` if it is empty.
fn pick<T: Copy>(rng: &mut Rng, items: &[T]) -> Option<T> {
    (!items.is_empty()).then(|| rng.pick(items))
}

/// [`Tampering::ChangeReadAddress`]: a read `i` and another cell of its space, accessed
/// before `i`, whose value at that point differs from the read's value.
fn change_read_address(trace: &[Record], rng: &mut Rng) -> Option<(Vec<Record>, usize)> {
    // Pass 1: which reads have a target? Per space, count the accessed cells and how many
    // of them hold each value; a read of `v` has a target iff some cell holds another value.
    let mut values: HashMap<u128, u64> = HashMap::new();
    let mut cells_in: HashMap<Space, usize> = HashMap::new();
    let mut holding: HashMap<(Space, u64), usize> = HashMap::new();
    let mut candidates = Vec::new();
    for (i, r) in trace.iter().enumerate() {
        if r.op == Op::Read {
            let cells = cells_in.get(&r.space).copied().unwrap_or(0);
            let same = holding.get(&(r.space, r.value)).copied().unwrap_or(0);
            if cells > same {
                candidates.push(i);
            }
        }
        match values.insert(r.cell(), r.value) {
            Some(old) => *holding.get_mut(&(r.space, old)).expect("counted") -= 1,
            None => *cells_in.entry(r.space).or_default() += 1,
        }
        *holding.entry((r.space, r.value)).or_default() += 1;
    }
    let i = pick(rng, &candidates)?;
    // Pass 2: the state before read `i`, and a random differing cell of its space.
    let read = trace[i];
    let mut state: HashMap<u64, u64> = HashMap::new();
    for r in trace[..i].iter().filter(|r| r.space == read.space) {
        state.insert(r.address, r.value);
    }
    let mut targets: Vec<u64> = state
        .iter()
        .filter(|&(_, &v)| v != read.value)
        .map(|(&a, _)| a)
        .collect();
    targets.sort_unstable();
    let mut out = trace.to_vec();
    out[i].address = pick(rng, &targets).expect("pass 1 found a target");
    Some((out, i))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rng_is_deterministic_and_bounded() {
        let a: Vec<u64> = {
            let mut r = Rng::new(7);
            (0..10).map(|_| r.next_u64()).collect()
        };
        let mut r = Rng::new(7);
        assert!(a.iter().all(|&x| x == r.next_u64()));
        assert_ne!(a[0], a[1]);
        for n in [1, 2, 3, 1000, u64::MAX] {
            for _ in 0..100 {
                assert!(r.below(n) < n);
            }
        }
    }

    #[test]
    fn random_traces_are_valid_and_varied() {
        for seed in 0..50 {
            let trace = random_trace(seed, 500);
            assert_eq!(trace.len(), 500);
            assert_eq!(check(&trace), Ok(()), "seed {seed}");
        }
        let trace = random_trace(1, 5000);
        let spaces: HashSet<Space> = trace.iter().map(|r| r.space).collect();
        assert_eq!(spaces.len(), RANDOM_SPACES.len());
        let n = neighbours(&trace);
        let first_reads = (0..trace.len())
            .filter(|&i| trace[i].op == Op::Read && n.before[i].is_none())
            .count();
        let first_writes = (0..trace.len())
            .filter(|&i| trace[i].op == Op::Write && n.before[i].is_none())
            .count();
        assert!(first_reads > 100 && first_writes > 100);
        let cells: HashSet<u128> = trace.iter().map(Record::cell).collect();
        assert!(cells.len() > 500 && cells.len() < 4000, "{}", cells.len());
        assert!(trace.iter().filter(|r| r.address >> 56 != 0).count() > 1000);
        assert!(trace.iter().filter(|r| r.value >> 56 != 0).count() > 1000);
        let gaps: HashSet<u64> = trace.windows(2).map(|w| w[1].time - w[0].time).collect();
        assert!(gaps.contains(&1) && gaps.len() > 100);
    }

    #[test]
    fn every_tampering_reports_its_kind_at_its_index() {
        let mut applied = HashMap::new();
        for seed in 0..300 {
            let trace = random_trace(seed, 1 + (seed as usize % 60));
            for tampering in Tampering::ALL {
                let Some((bad, index)) = tamper_at(&trace, tampering, seed) else {
                    continue;
                };
                let v = check(&bad).unwrap_err();
                assert_eq!(v.kind(), tampering.expected(), "{tampering:?} seed {seed}");
                assert_eq!(v.index(), index, "{tampering:?} seed {seed}");
                *applied.entry(tampering).or_insert(0) += 1;
            }
        }
        for tampering in Tampering::ALL {
            assert!(applied[&tampering] > 150, "{tampering:?}: {applied:?}");
        }
    }

    #[test]
    fn tamperings_find_targets_in_ordinary_traces() {
        let trace = random_trace(9, 400);
        for tampering in Tampering::ALL {
            for seed in 0..20 {
                assert!(tamper(&trace, tampering, seed).is_some(), "{tampering:?}");
            }
        }
    }

    #[test]
    fn tamper_refuses_inconsistent_input_and_missing_targets() {
        let w = |time, value| Record {
            time,
            space: Space(0),
            address: 0,
            op: Op::Write,
            value,
        };
        let writes = [w(0, 1), w(1, 2)];
        assert_eq!(tamper(&writes, Tampering::ChangeReadValue, 0), None);
        assert!(tamper(&writes, Tampering::SwapTimes, 0).is_some());
        assert_eq!(tamper(&[w(1, 1), w(1, 1)], Tampering::SwapTimes, 0), None);
        assert_eq!(tamper(&[], Tampering::DuplicateTime, 0), None);
    }
}
