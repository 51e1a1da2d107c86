//! Byte contents of the address space, stored sparsely in 32-byte chunks, kept in step
//! with the optional Merkle commitment.

use std::collections::BTreeMap;

use crate::merkle::{SparseMerkle, CHUNK};

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

    /// Reads `len` bytes of region `x` from linear offset `start`.
    pub fn read(&self, x: u64, start: u64, len: u64) -> Vec<u8> {
        let mut out = vec![0u8; len as usize];
        if len == 0 {
            return out;
        }
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

    /// Writes `data` into region `x` at linear offset `start`.
    pub fn write(&mut self, x: u64, start: u64, data: &[u8]) {
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

    /// Zeroes `len` bytes of region `x` from `start`; touches only non-zero chunks.
    pub fn zero(&mut self, x: u64, start: u64, len: u64) {
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
            let mut c = self.chunk(k);
            c[(lo - base) as usize..(hi - base) as usize].fill(0);
            self.put(k, c);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn write_read_zero_across_chunks() {
        let mut m = Memory::new(true);
        let data: Vec<u8> = (1..=100).collect();
        m.write(2, 30, &data);
        assert_eq!(m.read(2, 30, 100), data);
        assert_eq!(m.read(2, 28, 4), vec![0, 0, 1, 2]);
        assert_eq!(m.read(3, 30, 4), vec![0; 4]);
        m.zero(2, 30, 100);
        assert_eq!(m.live_chunks(), 0);
        assert_eq!(m.tree().unwrap().root(), crate::merkle::empty_root());
    }
}
