//! Byte-addressed memories traced as 8-byte word cells.
//!
//! A byte memory is traced at word granularity: cell `w` is the aligned 8-byte word at
//! byte address `w` (a multiple of 8), its value the word read little-endian. A read of
//! any bytes reports each word it touches. A write that covers a whole word reports one
//! write; a write that covers part of a word reports a read of the old word and then a
//! write of the new one, so the bytes the write did not touch are tied to the word's
//! previous value and stay proven.

use crate::record::Space;
use crate::tracer::Tracer;

/// Bytes per word cell.
pub const WORD_BYTES: u64 = 8;

/// The aligned word address holding byte `address`.
#[inline(always)]
pub fn word_of(address: u64) -> u64 {
    address & !(WORD_BYTES - 1)
}

/// The aligned word addresses an access of `len` bytes at `address` touches, in
/// increasing order (addresses wrap modulo 2^64).
pub fn words(address: u64, len: usize) -> impl Iterator<Item = u64> {
    let first = word_of(address);
    let count = if len == 0 {
        0
    } else {
        let last = word_of(address.wrapping_add(len as u64 - 1));
        (last.wrapping_sub(first) / WORD_BYTES) + 1
    };
    (0..count).map(move |i| first.wrapping_add(i * WORD_BYTES))
}

/// Reports a read of `len` bytes at `address`: one read record per word touched, with the
/// whole word's value from `word_at(word_address)`.
#[inline]
pub fn trace_read<T: Tracer>(
    tracer: &mut T,
    space: Space,
    address: u64,
    len: usize,
    mut word_at: impl FnMut(u64) -> u64,
) {
    if !T::ENABLED {
        return;
    }
    for word in words(address, len) {
        tracer.read(space, word, word_at(word));
    }
}

/// Reports a write of `data` at `address`, before or after the memory performs it:
/// `old_word_at(word_address)` must return the word as it was *before* the write. Per
/// word touched: a read of the old word if the write covers only part of it, then a
/// write of the new word (the old word with `data` merged in).
#[inline]
pub fn trace_write<T: Tracer>(
    tracer: &mut T,
    space: Space,
    address: u64,
    data: &[u8],
    mut old_word_at: impl FnMut(u64) -> u64,
) {
    if !T::ENABLED {
        return;
    }
    for word in words(address, data.len()) {
        // The word's bytes from `data` and a mask of the bytes the write covers.
        let mut written = [0u8; WORD_BYTES as usize];
        let mut covered = [0u8; WORD_BYTES as usize];
        for (i, (byte, mask)) in written.iter_mut().zip(&mut covered).enumerate() {
            let offset = word.wrapping_add(i as u64).wrapping_sub(address);
            if let Some(&value) = usize::try_from(offset).ok().and_then(|o| data.get(o)) {
                *byte = value;
                *mask = 0xFF;
            }
        }
        let (written, covered) = (u64::from_le_bytes(written), u64::from_le_bytes(covered));
        let new = if covered == u64::MAX {
            written
        } else {
            let old = old_word_at(word);
            tracer.read(space, word, old);
            (old & !covered) | written
        };
        tracer.write(space, word, new);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::record::{Op, Record};
    use crate::tracer::VecTracer;

    const MEM: Space = Space(1);

    fn ops(records: &[Record]) -> Vec<(Op, u64, u64)> {
        records.iter().map(|r| (r.op, r.address, r.value)).collect()
    }

    #[test]
    fn words_touched() {
        assert_eq!(words(0, 8).collect::<Vec<_>>(), vec![0]);
        assert_eq!(words(7, 2).collect::<Vec<_>>(), vec![0, 8]);
        assert_eq!(words(9, 0).count(), 0);
        assert_eq!(words(16, 17).collect::<Vec<_>>(), vec![16, 24, 32]);
        assert_eq!(
            words(u64::MAX - 1, 4).collect::<Vec<_>>(),
            vec![u64::MAX - 7, 0]
        );
    }

    #[test]
    fn full_word_write_is_one_record() {
        let mut t = VecTracer::new();
        trace_write(&mut t, MEM, 16, &7u64.to_le_bytes(), |_| {
            panic!("not needed")
        });
        assert_eq!(ops(t.records()), vec![(Op::Write, 16, 7)]);
    }

    #[test]
    fn partial_write_reads_the_old_word_first() {
        let mut t = VecTracer::new();
        let old = 0x1122_3344_5566_7788u64;
        trace_write(&mut t, MEM, 0x13, &[0xAA, 0xBB], |w| {
            assert_eq!(w, 0x10);
            old
        });
        assert_eq!(
            ops(t.records()),
            vec![
                (Op::Read, 0x10, old),
                (Op::Write, 0x10, 0x1122_33BB_AA66_7788)
            ]
        );
        assert_eq!(t.records()[0].time, 0);
        assert_eq!(t.records()[1].time, 1);
    }

    #[test]
    fn straddling_write_touches_two_words() {
        let mut t = VecTracer::new();
        trace_write(&mut t, MEM, 6, &[1, 2, 3, 4], |_| u64::MAX);
        assert_eq!(
            ops(t.records()),
            vec![
                (Op::Read, 0, u64::MAX),
                (Op::Write, 0, 0x0201_FFFF_FFFF_FFFF),
                (Op::Read, 8, u64::MAX),
                (Op::Write, 8, 0xFFFF_FFFF_FFFF_0403),
            ]
        );
    }

    #[test]
    fn read_reports_whole_words() {
        let mut t = VecTracer::new();
        trace_read(&mut t, MEM, 5, 4, |w| w * 100);
        assert_eq!(ops(t.records()), vec![(Op::Read, 0, 0), (Op::Read, 8, 800)]);
    }
}
