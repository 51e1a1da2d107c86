//! Byte contents of the address space, stored sparsely in 32-byte chunks, kept in step
//! with the optional Merkle commitment. Every access reports word cells to a tracer
//! (see [`crate::trace`]).

use std::collections::BTreeMap;

use machine::{cells, Tracer};

use crate::merkle::{SparseMerkle, CHUNK};
use crate::trace::{memory_address, MEMORY_SPACE};

/// Sparse memory: absent chunks read as zero. Never holds an all-zero chunk.
#[derive(Debug, Clone, Default)]
pub struct Memory {
    chunks: BTreeMap<u64, [u8; 32]>,
    tree: Option<SparseMerkle>,
}

fn key(x: u64, chunk_index: u64) -> u64 {
    (x << 43) | chunk_index
}

impl Memory {
    /// Empty memory, with a Merkle tree when `proofs` is set.
    pub fn new(proofs: bool) -> Self {
        Self {
            chunks: BTreeMap::new(),
            tree: proofs.then(SparseMerkle::new),
        }
    }

    /// The Merkle tree, if enabled.
    pub fn tree(&self) -> Option<&SparseMerkle> {
        self.tree.as_ref()
    }

    /// Content of chunk `k` (zero if absent).
    pub fn chunk(&self, k: u64) -> [u8; 32] {
        self.chunks.get(&k).copied().unwrap_or([0; 32])
    }

    /// Number of non-zero chunks.
    pub fn live_chunks(&self) -> usize {
        self.chunks.len()
    }

    /// The little-endian word at byte address `address` (= `x << 32 | linear`, a multiple
    /// of 8): a word never straddles a chunk.
    pub fn word(&self, address: u64) -> u64 {
        let (x, linear) = (address >> 32, address & 0xFFFF_FFFF);
        let c = self.chunk(key(x, linear / CHUNK));
        let at = (linear % CHUNK) as usize;
        u64::from_le_bytes(c[at..at + 8].try_into().expect("8 bytes"))
    }

    /// Reads `len` bytes of region `x` from linear offset `start`, reporting the words read.
    pub fn read<T: Tracer>(&self, tracer: &mut T, x: u64, start: u64, len: u64) -> Vec<u8> {
        let mut out = vec![0u8; len as usize];
        if len == 0 {
            return out;
        }
        cells::trace_read(
            tracer,
            MEMORY_SPACE,
            memory_address(x, start),
            len as usize,
            |w| self.word(w),
        );
        let end = start + len;
        for (k, c) in self
            .chunks
            .range(key(x, start / CHUNK)..=key(x, (end - 1) / CHUNK))
        {
            let base = (k & ((1 << 43) - 1)) * CHUNK;
            let lo = base.max(start);
            let hi = (base + CHUNK).min(end);
            out[(lo - start) as usize..(hi - start) as usize]
                .copy_from_slice(&c[(lo - base) as usize..(hi - base) as usize]);
        }
        out
    }

    fn put(&mut self, k: u64, c: [u8; 32]) {
        if self.chunk(k) == c {
            return;
        }
        if c == [0; 32] {
            self.chunks.remove(&k);
        } else {
            self.chunks.insert(k, c);
        }
        if let Some(t) = &mut self.tree {
            t.update(k, &c);
        }
    }

    /// Writes `data` into region `x` at linear offset `start`, reporting the words written
    /// (and the old words under partial writes).
    pub fn write<T: Tracer>(&mut self, tracer: &mut T, x: u64, start: u64, data: &[u8]) {
        cells::trace_write(tracer, MEMORY_SPACE, memory_address(x, start), data, |w| {
            self.word(w)
        });
        let end = start + data.len() as u64;
        let mut pos = start;
        while pos < end {
            let ci = pos / CHUNK;
            let base = ci * CHUNK;
            let hi = (base + CHUNK).min(end);
            let mut c = self.chunk(key(x, ci));
            c[(pos - base) as usize..(hi - base) as usize]
                .copy_from_slice(&data[(pos - start) as usize..(hi - start) as usize]);
            self.put(key(x, ci), c);
            pos = hi;
        }
    }

    /// Zeroes `len` bytes of region `x` from `start`; touches only non-zero chunks. The
    /// part of each touched chunk inside the range is reported as a write of zeros (whole
    /// words as writes, partial words as read + write); untouched chunks already read as
    /// zero, so the trace needs no records for them.
    pub fn zero<T: Tracer>(&mut self, tracer: &mut T, x: u64, start: u64, len: u64) {
        if len == 0 {
            return;
        }
        let end = start + len;
        let keys: Vec<u64> = self
            .chunks
            .range(key(x, start / CHUNK)..=key(x, (end - 1) / CHUNK))
            .map(|(k, _)| *k)
            .collect();
        for k in keys {
            let base = (k & ((1 << 43) - 1)) * CHUNK;
            let lo = base.max(start);
            let hi = (base + CHUNK).min(end);
            cells::trace_write(
                tracer,
                MEMORY_SPACE,
                memory_address(x, lo),
                &[0; CHUNK as usize][..(hi - lo) as usize],
                |w| self.word(w),
            );
            let mut c = self.chunk(k);
            c[(lo - base) as usize..(hi - base) as usize].fill(0);
            self.put(k, c);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use machine::NoTrace;

    #[test]
    fn write_read_zero_across_chunks() {
        let mut m = Memory::new(true);
        let t = &mut NoTrace;
        let data: Vec<u8> = (1..=100).collect();
        m.write(t, 2, 30, &data);
        assert_eq!(m.read(t, 2, 30, 100), data);
        assert_eq!(m.read(t, 2, 28, 4), vec![0, 0, 1, 2]);
        assert_eq!(m.read(t, 3, 30, 4), vec![0; 4]);
        assert_eq!(m.word(memory_address(2, 24)), 0x0201_0000_0000_0000);
        m.zero(t, 2, 30, 100);
        assert_eq!(m.live_chunks(), 0);
        assert_eq!(m.tree().unwrap().root(), crate::merkle::empty_root());
    }
}
