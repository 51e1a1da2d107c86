//! A sparse SHA-256 Merkle tree over the whole address space, in 32-byte chunks.
//!
//! Chunk key = `X << 43 | linear >> 5` (51 bits), so the tree has [`DEPTH`] levels. A leaf
//! whose chunk is all zero is the empty leaf: the root commits to the contents of memory,
//! where unallocated and zeroed bytes read the same. Leaves are `SHA-256(0x00 ‖ key ‖ chunk)`,
//! nodes `SHA-256(0x01 ‖ left ‖ right)`, the empty leaf `SHA-256(0x02)`, and the empty
//! subtree of height h+1 is the node of two empty subtrees of height h. Updates cost
//! [`DEPTH`] hashes; a proof is the list of the [`DEPTH`] siblings from the leaf upward.

use std::collections::HashMap;
use std::sync::OnceLock;

use sha2::{Digest, Sha256};

use crate::address::{Address3D, MAX_X_REGIONS};

/// A SHA-256 digest.
pub type Hash = [u8; 32];
/// Bytes per leaf.
pub const CHUNK: u64 = 32;
/// Levels between a leaf and the root.
pub const DEPTH: usize = 51;

/// The leaf key of the chunk containing `addr`.
pub fn chunk_key(addr: Address3D) -> u64 {
    (addr.x << 43) | (addr.linear() / CHUNK)
}

/// The address of the first byte of chunk `key`.
pub fn chunk_address(key: u64) -> Address3D {
    Address3D::from_linear(key >> 43, (key & ((1 << 43) - 1)) * CHUNK)
}

fn empty() -> &'static [Hash; DEPTH + 1] {
    static E: OnceLock<[Hash; DEPTH + 1]> = OnceLock::new();
    E.get_or_init(|| {
        let mut e = [[0u8; 32]; DEPTH + 1];
        e[0] = Sha256::digest([2u8]).into();
        for h in 1..=DEPTH {
            e[h] = node_hash(&e[h - 1], &e[h - 1]);
        }
        e
    })
}

/// Hash of leaf `key` holding `chunk` (the empty leaf when the chunk is zero).
pub fn leaf_hash(key: u64, chunk: &[u8; 32]) -> Hash {
    if chunk.iter().all(|b| *b == 0) {
        return empty()[0];
    }
    let mut h = Sha256::new();
    h.update([0u8]);
    h.update(key.to_be_bytes());
    h.update(chunk);
    h.finalize().into()
}

/// Hash of an inner node.
pub fn node_hash(l: &Hash, r: &Hash) -> Hash {
    let mut h = Sha256::new();
    h.update([1u8]);
    h.update(l);
    h.update(r);
    h.finalize().into()
}

/// Root of the tree with no non-zero chunk.
pub fn empty_root() -> Hash {
    empty()[DEPTH]
}

/// The tree: only nodes that differ from the empty subtree are stored.
#[derive(Debug, Clone, Default)]
pub struct SparseMerkle {
    nodes: HashMap<(u8, u64), Hash>,
}

impl SparseMerkle {
    /// An empty tree.
    pub fn new() -> Self {
        Self::default()
    }

    fn get(&self, level: usize, idx: u64) -> Hash {
        self.nodes
            .get(&(level as u8, idx))
            .copied()
            .unwrap_or(empty()[level])
    }

    fn set(&mut self, level: usize, idx: u64, h: Hash) {
        if h == empty()[level] {
            self.nodes.remove(&(level as u8, idx));
        } else {
            self.nodes.insert((level as u8, idx), h);
        }
    }

    /// Sets leaf `key` to `chunk` and rehashes its path (O(DEPTH)).
    pub fn update(&mut self, key: u64, chunk: &[u8; 32]) {
        let mut h = leaf_hash(key, chunk);
        let mut idx = key;
        self.set(0, idx, h);
        for level in 0..DEPTH {
            let sib = self.get(level, idx ^ 1);
            h = if idx & 1 == 0 {
                node_hash(&h, &sib)
            } else {
                node_hash(&sib, &h)
            };
            idx >>= 1;
            self.set(level + 1, idx, h);
        }
    }

    /// The current root.
    pub fn root(&self) -> Hash {
        self.get(DEPTH, 0)
    }

    /// Siblings of leaf `key`, leaf level first.
    pub fn proof(&self, key: u64) -> Vec<Hash> {
        (0..DEPTH)
            .map(|level| self.get(level, (key >> level) ^ 1))
            .collect()
    }

    /// Number of stored (non-empty) nodes.
    pub fn node_count(&self) -> usize {
        self.nodes.len()
    }
}

/// Root implied by leaf `key` holding `chunk` with `proof`; `None` if the proof is malformed.
pub fn compute_root(key: u64, chunk: &[u8; 32], proof: &[Hash]) -> Option<Hash> {
    if proof.len() != DEPTH || key >> DEPTH != 0 {
        return None;
    }
    let mut h = leaf_hash(key, chunk);
    for (level, sib) in proof.iter().enumerate() {
        h = if (key >> level) & 1 == 0 {
            node_hash(&h, sib)
        } else {
            node_hash(sib, &h)
        };
    }
    Some(h)
}

/// Verifies, without a VM, that under `root` the 32-byte chunk containing `address` is
/// `chunk`. An all-zero chunk proves non-membership (nothing stored there).
pub fn verify(root: &Hash, address: Address3D, chunk: &[u8], proof: &[Hash]) -> bool {
    if !address.is_valid() || address.x >= MAX_X_REGIONS {
        return false;
    }
    let Ok(chunk) = <&[u8; 32]>::try_from(chunk) else {
        return false;
    };
    compute_root(chunk_key(address), chunk, proof).is_some_and(|r| r == *root)
}

/// Proof of one chunk inside a [`BatchProof`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChunkProof {
    /// Leaf key.
    pub key: u64,
    /// Full content of the chunk.
    pub chunk: [u8; 32],
    /// Siblings, leaf level first.
    pub siblings: Vec<Hash>,
}

/// Proof that a byte range holds given data: one [`ChunkProof`] per chunk it touches.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct BatchProof {
    /// Chunks in address order.
    pub chunks: Vec<ChunkProof>,
}

/// Verifies, without a VM, that under `root` the bytes starting at `address` are `data`.
/// The range must stay inside one region. Empty `data` never verifies.
pub fn verify_range(root: &Hash, address: Address3D, data: &[u8], proof: &BatchProof) -> bool {
    if data.is_empty() || !address.is_valid() {
        return false;
    }
    let start = address.linear();
    let end = start + data.len() as u64;
    let first = start / CHUNK;
    let last = (end - 1) / CHUNK;
    if proof.chunks.len() as u64 != last - first + 1 {
        return false;
    }
    for (i, cp) in proof.chunks.iter().enumerate() {
        let c = first + i as u64;
        if cp.key != (address.x << 43) | c {
            return false;
        }
        let lo = (c * CHUNK).max(start);
        let hi = ((c + 1) * CHUNK).min(end);
        let chunk_part = &cp.chunk[(lo - c * CHUNK) as usize..(hi - c * CHUNK) as usize];
        let data_part = &data[(lo - start) as usize..(hi - start) as usize];
        if chunk_part != data_part || compute_root(cp.key, &cp.chunk, &cp.siblings) != Some(*root) {
            return false;
        }
    }
    true
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn empty_tree_and_update_back_to_empty() {
        let mut t = SparseMerkle::new();
        assert_eq!(t.root(), empty_root());
        t.update(5, &[1; 32]);
        assert_ne!(t.root(), empty_root());
        t.update(5, &[0; 32]);
        assert_eq!(t.root(), empty_root());
        assert_eq!(t.node_count(), 0);
    }

    #[test]
    fn proof_verifies_and_order_independent() {
        let mut a = SparseMerkle::new();
        let mut b = SparseMerkle::new();
        for k in [3u64, 900, 1 << 44] {
            a.update(k, &[k as u8 | 1; 32]);
        }
        for k in [1u64 << 44, 900, 3] {
            b.update(k, &[k as u8 | 1; 32]);
        }
        assert_eq!(a.root(), b.root());
        let p = a.proof(900);
        assert_eq!(
            compute_root(900, &[900u64 as u8 | 1; 32], &p),
            Some(a.root())
        );
        assert_ne!(
            compute_root(901, &[900u64 as u8 | 1; 32], &p),
            Some(a.root())
        );
        assert_eq!(
            compute_root(4, &[0; 32], &a.proof(4)),
            Some(a.root()),
            "non-membership"
        );
    }
}
