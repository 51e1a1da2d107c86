//! The replay oracle: an independent, linear implementation of the consistency statement.
//!
//! It walks the trace once in time order with a map from cell to the value of the cell's
//! last record (absent = never accessed), which is what the sorted scan of
//! [`crate::check`](fn@crate::check) computes when times strictly increase. It must report exactly the
//! violation [`crate::check`](fn@crate::check) reports, for every input.

use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};

use crate::check::Violation;
use crate::record::{Op, Record};

/// Replays `records` in order and returns the violation described on [`Violation`]: the
/// first time that does not increase if there is one, else the first bad read.
pub fn replay(records: &[Record]) -> Result<(), Violation> {
    let mut cells: HashMap<u128, u64, BuildHasherDefault<CellHasher>> = HashMap::default();
    let mut first_bad_read: Option<Violation> = None;
    let mut previous_time: Option<u64> = None;
    for (index, record) in records.iter().enumerate() {
        if let Some(previous) = previous_time.filter(|&p| record.time <= p) {
            return Err(Violation::TimeNotIncreasing {
                index,
                previous,
                time: record.time,
            });
        }
        previous_time = Some(record.time);
        let held = cells.insert(record.cell(), record.value);
        if record.op == Op::Read && first_bad_read.is_none() {
            first_bad_read = match held {
                None if record.value != 0 => Some(Violation::UninitialisedRead {
                    index,
                    found: record.value,
                }),
                Some(expected) if expected != record.value => Some(Violation::ReadMismatch {
                    index,
                    expected,
                    found: record.value,
                }),
                _ => None,
            };
        }
    }
    first_bad_read.map_or(Ok(()), Err)
}

/// A fast hasher for cell keys (a multiply-xorshift of the 72-bit key); the oracle needs
/// speed, not resistance to adversarial keys.
#[derive(Default)]
struct CellHasher(u64);

impl Hasher for CellHasher {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.write_u64(u64::from(b));
        }
    }

    fn write_u64(&mut self, value: u64) {
        let x = (self.0 ^ value).wrapping_mul(0x9E37_79B9_7F4A_7C15);
        self.0 = x ^ (x >> 29);
    }

    fn write_u128(&mut self, value: u128) {
        self.write_u64(value as u64);
        self.write_u64((value >> 64) as u64);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::record::Space;

    fn rec(time: u64, address: u64, op: Op, value: u64) -> Record {
        Record {
            time,
            space: Space(1),
            address,
            op,
            value,
        }
    }

    #[test]
    fn reports_like_the_statement() {
        assert_eq!(replay(&[]), Ok(()));
        assert_eq!(
            replay(&[rec(0, 8, Op::Write, 3), rec(1, 8, Op::Read, 3)]),
            Ok(())
        );
        // A bad read first, a time fault later: the time fault is reported.
        assert_eq!(
            replay(&[rec(1, 8, Op::Read, 3), rec(0, 8, Op::Read, 3)]),
            Err(Violation::TimeNotIncreasing {
                index: 1,
                previous: 1,
                time: 0
            })
        );
        assert_eq!(
            replay(&[rec(1, 8, Op::Read, 3), rec(2, 8, Op::Read, 4)]),
            Err(Violation::UninitialisedRead { index: 0, found: 3 })
        );
        assert_eq!(
            replay(&[rec(1, 8, Op::Write, 3), rec(2, 8, Op::Read, 4)]),
            Err(Violation::ReadMismatch {
                index: 1,
                expected: 3,
                found: 4
            })
        );
    }
}
