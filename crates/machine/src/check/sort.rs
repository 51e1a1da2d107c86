//! The checker's sort: trace entries in `(space, address, position)` order.
//!
//! A most-significant-digit radix sort that is stable, so records of one cell keep their
//! trace order (which is time order once times are known to increase):
//!
//! 1. One pass over the records finds, per space, the most significant address byte that
//!    is not the same in all of the space's records. A second pass counts buckets
//!    `(space, that byte)` and a third scatters the records into them as [`Entry`]s.
//! 2. Each bucket is sorted on its own, recursively: partition stably by the most
//!    significant address byte that still varies; a range whose keys are all equal is
//!    already in trace order; a small range is sorted by comparison on
//!    `(address, position)`.
//!
//! Memory: the entries (24 bytes per record) and one scratch buffer as large as the
//! largest bucket, both zero-allocated so the operating system maps only what is touched.

use crate::record::{Op, Record};

/// One record as the scan needs it: `[address, value, tag]`, the tag holding the space
/// in its top 8 bits, [`READ_BIT`], and the record's position below.
pub(super) type Entry = [u64; 3];

/// Bits of the tag below the space.
const INDEX_BITS: u32 = 56;
/// The tag bit that marks a read.
const READ_BIT: u64 = 1 << (INDEX_BITS - 1);
/// Ranges at most this long are sorted by comparison.
const SMALL: usize = 64;

/// The cell's address.
#[inline(always)]
pub(super) fn address(e: &Entry) -> u64 {
    e[0]
}

/// The value read or written.
#[inline(always)]
pub(super) fn value(e: &Entry) -> u64 {
    e[1]
}

/// The cell's space.
#[inline(always)]
pub(super) fn space(e: &Entry) -> u64 {
    e[2] >> INDEX_BITS
}

/// The record's position in the trace.
#[inline(always)]
pub(super) fn index(e: &Entry) -> usize {
    (e[2] & (READ_BIT - 1)) as usize
}

/// Whether the record is a read.
#[inline(always)]
pub(super) fn is_read(e: &Entry) -> bool {
    e[2] & READ_BIT != 0
}

#[inline(always)]
fn entry(index: usize, r: &Record) -> Entry {
    let read = if r.op == Op::Read { READ_BIT } else { 0 };
    [
        r.address,
        r.value,
        u64::from(r.space.0) << INDEX_BITS | read | index as u64,
    ]
}

/// Address byte `k` (0 = least significant).
#[inline(always)]
fn byte(address: u64, k: u32) -> usize {
    (address >> (8 * k)) as u8 as usize
}

/// The most significant byte set in `differ`, `None` if it is zero.
#[inline(always)]
fn top_byte(differ: u64) -> Option<u32> {
    (differ != 0).then(|| (63 - differ.leading_zeros()) / 8)
}

/// The records as entries sorted by `(space, address, position)`.
pub(super) fn by_cell(records: &[Record]) -> Vec<Entry> {
    assert!((records.len() as u64) < READ_BIT, "trace too long");
    // Pass 1: per space, which address bits differ from the space's first address.
    let mut first = [None::<u64>; 256];
    let mut differ = [0u64; 256];
    for r in records {
        let s = usize::from(r.space.0);
        match first[s] {
            Some(a) => differ[s] |= r.address ^ a,
            None => first[s] = Some(r.address),
        }
    }
    // Buckets: per present space, 256 by its top varying byte, or one if none varies.
    let mut base = [0usize; 256];
    let mut digit_of = [None::<u32>; 256];
    let mut buckets = 0;
    for s in 0..256 {
        if first[s].is_some() {
            base[s] = buckets;
            digit_of[s] = top_byte(differ[s]);
            buckets += if digit_of[s].is_some() { 256 } else { 1 };
        }
    }
    let bucket = |r: &Record| {
        let s = usize::from(r.space.0);
        base[s] + digit_of[s].map_or(0, |k| byte(r.address, k))
    };
    // Pass 2: bucket sizes. Pass 3: scatter.
    let mut offsets = vec![0usize; buckets];
    for r in records {
        offsets[bucket(r)] += 1;
    }
    let counts = offsets.clone();
    let mut sum = 0;
    for offset in offsets.iter_mut() {
        let c = *offset;
        *offset = sum;
        sum += c;
    }
    let mut entries: Vec<Entry> = vec![[0; 3]; records.len()];
    for (i, r) in records.iter().enumerate() {
        let slot = &mut offsets[bucket(r)];
        entries[*slot] = entry(i, r);
        *slot += 1;
    }
    let largest = counts.iter().copied().max().unwrap_or(0);
    let mut scratch: Vec<Entry> = vec![[0; 3]; if largest > SMALL { largest } else { 0 }];
    let scratch_len = scratch.len();
    let mut start = 0;
    for &c in counts.iter().filter(|&&c| c > 0) {
        sort(
            &mut entries[start..start + c],
            &mut scratch[..c.min(scratch_len)],
            false,
        );
        start += c;
    }
    entries
}

/// Sorts `data` (entries of one space) by `(address, position)`, stably; the result ends
/// in `data`, or in `other` if `result_in_other`. `other` is scratch; it has the length of
/// `data` unless `data` is small or all its addresses are equal.
fn sort(data: &mut [Entry], other: &mut [Entry], result_in_other: bool) {
    if data.len() <= SMALL {
        let target = if result_in_other {
            other.copy_from_slice(data);
            other
        } else {
            data
        };
        target.sort_unstable_by_key(|e| (address(e), index(e)));
        return;
    }
    let first = address(&data[0]);
    let differ = data.iter().fold(0, |d, e| d | (address(e) ^ first));
    let Some(k) = top_byte(differ) else {
        // Every key is equal: the range is in trace order already.
        if result_in_other {
            other.copy_from_slice(data);
        }
        return;
    };
    let mut count = [0usize; 256];
    for e in data.iter() {
        count[byte(address(e), k)] += 1;
    }
    let mut offsets = [0usize; 256];
    let mut sum = 0;
    for (offset, &c) in offsets.iter_mut().zip(&count) {
        *offset = sum;
        sum += c;
    }
    for e in data.iter() {
        let slot = &mut offsets[byte(address(e), k)];
        other[*slot] = *e;
        *slot += 1;
    }
    // The partitioned entries are in `other`; sort each bucket there.
    let mut start = 0;
    for &c in count.iter().filter(|&&c| c > 0) {
        let range = start..start + c;
        sort(
            &mut other[range.clone()],
            &mut data[range],
            !result_in_other,
        );
        start += c;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::record::Space;
    use crate::testing::Rng;

    #[test]
    fn sorts_like_a_stable_comparison_sort() {
        let mut rng = Rng::new(3);
        for round in 0..200 {
            let len = rng.below(3000) as usize;
            let spread = 1 + rng.below(64);
            let records: Vec<Record> = (0..len)
                .map(|t| Record {
                    time: t as u64,
                    space: Space(rng.below(1 + round % 4) as u8 * 85),
                    address: match round % 3 {
                        0 => rng.below(spread),
                        1 => rng.below(spread) << 56 | rng.below(spread),
                        _ => rng.next_u64() >> rng.below(64),
                    },
                    op: if rng.percent(50) { Op::Read } else { Op::Write },
                    value: rng.next_u64(),
                })
                .collect();
            let sorted = by_cell(&records);
            let mut expected: Vec<Entry> = records
                .iter()
                .enumerate()
                .map(|(i, r)| entry(i, r))
                .collect();
            expected.sort_by_key(|e| (space(e), address(e)));
            assert_eq!(sorted, expected, "round {round}");
        }
    }
}
