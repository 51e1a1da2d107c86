//! Tracers: where machines report their accesses.

use crate::record::{Op, Record, Space};

/// Receives every cell access of a machine. Machines are generic over their tracer, so
/// with [`NoTrace`] (`ENABLED = false`) every call and every `if T::ENABLED` block compiles
/// away.
pub trait Tracer {
    /// Whether this tracer records anything. Machines test it before computing values
    /// that only the tracer needs (e.g. the old word under a partial write).
    const ENABLED: bool;
    /// Cell (`space`, `address`) was read and held `value`.
    fn read(&mut self, space: Space, address: u64, value: u64);
    /// `value` was written to cell (`space`, `address`).
    fn write(&mut self, space: Space, address: u64, value: u64);
}

/// The tracer that records nothing and costs nothing.
#[derive(Clone, Copy, Debug, Default)]
pub struct NoTrace;

impl Tracer for NoTrace {
    const ENABLED: bool = false;
    #[inline(always)]
    fn read(&mut self, _: Space, _: u64, _: u64) {}
    #[inline(always)]
    fn write(&mut self, _: Space, _: u64, _: u64) {}
}

/// Collects records in memory, stamping each with the next value of one global step
/// counter (shared by all spaces), so times strictly increase.
#[derive(Clone, Debug, Default)]
pub struct VecTracer {
    next_time: u64,
    records: Vec<Record>,
}

impl VecTracer {
    /// An empty tracer whose first record gets time 0.
    pub fn new() -> VecTracer {
        VecTracer::default()
    }

    /// The records so far, in time order.
    pub fn records(&self) -> &[Record] {
        &self.records
    }

    /// Takes the records, leaving the tracer empty (the step counter keeps counting).
    pub fn take_records(&mut self) -> Vec<Record> {
        std::mem::take(&mut self.records)
    }

    /// The time the next record will get.
    pub fn next_time(&self) -> u64 {
        self.next_time
    }

    #[inline]
    fn push(&mut self, space: Space, address: u64, op: Op, value: u64) {
        self.records.push(Record {
            time: self.next_time,
            space,
            address,
            op,
            value,
        });
        self.next_time += 1;
    }
}

impl Tracer for VecTracer {
    const ENABLED: bool = true;
    #[inline]
    fn read(&mut self, space: Space, address: u64, value: u64) {
        self.push(space, address, Op::Read, value);
    }
    #[inline]
    fn write(&mut self, space: Space, address: u64, value: u64) {
        self.push(space, address, Op::Write, value);
    }
}

impl<T: Tracer> Tracer for &mut T {
    const ENABLED: bool = T::ENABLED;
    #[inline(always)]
    fn read(&mut self, space: Space, address: u64, value: u64) {
        (**self).read(space, address, value);
    }
    #[inline(always)]
    fn write(&mut self, space: Space, address: u64, value: u64) {
        (**self).write(space, address, value);
    }
}
