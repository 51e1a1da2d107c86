//! The exact memory-consistency checker.
//!
//! [`check`] implements the statement of `docs/memory-trace.md` literally: first it checks
//! that times strictly increase, then it sorts the records by `(space, address, time)` and
//! scans each cell's run, comparing every read with the record before it in the cell (zero
//! before the first). [`crate::replay`](mod@crate::replay) is an independent oracle for the same statement.

use crate::record::Record;

/// Why a trace is not memory-consistent. `index` is always a position in the trace as
/// given (time order). When a trace has several faults, the one reported is the first
/// `TimeNotIncreasing` if times do not strictly increase, else the bad read with the
/// smallest index.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Violation {
    /// Record `index` does not come strictly after record `index - 1`.
    #[error("record {index}: time {time} does not exceed the previous time {previous}")]
    TimeNotIncreasing {
        /// The record's position.
        index: usize,
        /// The time of record `index - 1`.
        previous: u64,
        /// The time of record `index`.
        time: u64,
    },
    /// Read `index` returned a value other than the cell's previous value.
    #[error("record {index}: read {found}, but the cell held {expected}")]
    ReadMismatch {
        /// The read's position.
        index: usize,
        /// The value of the cell's previous record.
        expected: u64,
        /// The value the read returned.
        found: u64,
    },
    /// Read `index` is the first access of its cell but returned a non-zero value.
    #[error("record {index}: first access of the cell read {found}, not 0")]
    UninitialisedRead {
        /// The read's position.
        index: usize,
        /// The (non-zero) value the read returned.
        found: u64,
    },
}

/// The kind of a [`Violation`], without its data.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ViolationKind {
    /// [`Violation::TimeNotIncreasing`].
    TimeNotIncreasing,
    /// [`Violation::ReadMismatch`].
    ReadMismatch,
    /// [`Violation::UninitialisedRead`].
    UninitialisedRead,
}

impl Violation {
    /// The violation's kind.
    pub fn kind(&self) -> ViolationKind {
        match self {
            Violation::TimeNotIncreasing { .. } => ViolationKind::TimeNotIncreasing,
            Violation::ReadMismatch { .. } => ViolationKind::ReadMismatch,
            Violation::UninitialisedRead { .. } => ViolationKind::UninitialisedRead,
        }
    }

    /// The position of the offending record in the trace.
    pub fn index(&self) -> usize {
        match *self {
            Violation::TimeNotIncreasing { index, .. }
            | Violation::ReadMismatch { index, .. }
            | Violation::UninitialisedRead { index, .. } => index,
        }
    }
}

/// The first record whose time does not exceed its predecessor's, if any.
pub(crate) fn check_times(records: &[Record]) -> Result<(), Violation> {
    match records.windows(2).position(|w| w[1].time <= w[0].time) {
        None => Ok(()),
        Some(i) => Err(Violation::TimeNotIncreasing {
            index: i + 1,
            previous: records[i].time,
            time: records[i + 1].time,
        }),
    }
}

/// The verdict on read `index` given the value of its cell's previous record (`None` for
/// the cell's first access).
#[inline]
pub(crate) fn judge_read(index: usize, previous: Option<u64>, found: u64) -> Option<Violation> {
    match previous {
        None if found != 0 => Some(Violation::UninitialisedRead { index, found }),
        Some(expected) if found != expected => Some(Violation::ReadMismatch {
            index,
            expected,
            found,
        }),
        _ => None,
    }
}

/// Checks that `records` is memory-consistent (see the module docs and
/// `docs/memory-trace.md`). Returns the violation described on [`Violation`].
///
/// Cost: one pass for times, a radix sort of 24-byte entries (see the `sort` module:
/// three passes over the records, then in-cache work for typical traces), and one scan.
pub fn check(records: &[Record]) -> Result<(), Violation> {
    check_times(records)?;
    let sorted = sort::by_cell(records);
    let mut first: Option<Violation> = None;
    let mut previous: Option<(u64, u64, u64)> = None; // (space, address, value)
    for entry in &sorted {
        let (space, address, value) =
            (sort::space(entry), sort::address(entry), sort::value(entry));
        if sort::is_read(entry) {
            let before = match previous {
                Some((s, a, v)) if s == space && a == address => Some(v),
                _ => None,
            };
            let index = sort::index(entry);
            if let Some(v) = judge_read(index, before, value) {
                if first.as_ref().is_none_or(|f| index < f.index()) {
                    first = Some(v);
                }
            }
        }
        previous = Some((space, address, value));
    }
    first.map_or(Ok(()), Err)
}

mod sort;

#[cfg(test)]
mod tests {
    use super::*;
    use crate::record::{Op, Space};

    fn rec(time: u64, space: u8, address: u64, op: Op, value: u64) -> Record {
        Record {
            time,
            space: Space(space),
            address,
            op,
            value,
        }
    }

    #[test]
    fn empty_and_single() {
        assert_eq!(check(&[]), Ok(()));
        assert_eq!(check(&[rec(0, 0, 0, Op::Read, 0)]), Ok(()));
        assert_eq!(
            check(&[rec(0, 0, 0, Op::Read, 3)]),
            Err(Violation::UninitialisedRead { index: 0, found: 3 })
        );
    }

    #[test]
    fn times_first() {
        let trace = [
            rec(5, 0, 0, Op::Read, 1),
            rec(5, 0, 0, Op::Read, 1),
            rec(4, 0, 0, Op::Read, 1),
        ];
        let v = check(&trace).unwrap_err();
        assert_eq!(
            v,
            Violation::TimeNotIncreasing {
                index: 1,
                previous: 5,
                time: 5
            }
        );
        assert_eq!(v.kind(), ViolationKind::TimeNotIncreasing);
        assert_eq!(v.index(), 1);
    }

    #[test]
    fn smallest_index_wins_across_cells() {
        // Cell (1, 0) sorts after cell (0, 9) but has the earlier bad read.
        let trace = [
            rec(0, 1, 0, Op::Write, 4),
            rec(1, 0, 9, Op::Write, 7),
            rec(2, 1, 0, Op::Read, 5),
            rec(3, 0, 9, Op::Read, 8),
        ];
        assert_eq!(
            check(&trace),
            Err(Violation::ReadMismatch {
                index: 2,
                expected: 4,
                found: 5
            })
        );
    }

    #[test]
    fn reads_compare_with_previous_record_of_the_cell() {
        let m = u64::MAX;
        let ok = [
            rec(0, 0, m, Op::Write, m),
            rec(1, 1, m, Op::Read, 0),
            rec(3, 0, m, Op::Read, m),
            rec(9, 0, 0, Op::Write, 2),
            rec(10, 0, m, Op::Write, 1),
            rec(11, 0, m, Op::Read, 1),
            rec(m, 0, 0, Op::Read, 2),
        ];
        assert_eq!(check(&ok), Ok(()));
        // A wrong read becomes the "previous value" of the next read (the statement
        // compares neighbours in the sorted table).
        let chained = [
            rec(0, 0, 8, Op::Write, 1),
            rec(1, 0, 8, Op::Read, 2),
            rec(2, 0, 8, Op::Read, 2),
        ];
        assert_eq!(
            check(&chained),
            Err(Violation::ReadMismatch {
                index: 1,
                expected: 1,
                found: 2
            })
        );
        assert_eq!(check(&chained[..1]), Ok(()));
    }
}
