//! What one differential test runs: a program blob, the initial machine state, and how the
//! host behaves between runs.

use std::fmt;

/// One host-side action between runs. These are exactly the non-`run` steps of the JSON
/// `steps` vector format, so every session can be saved as a vector.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Action {
    /// Map `[address, address + length)` zero-filled (page-aligned), read-only or read-write.
    Map {
        /// First byte (page-aligned, at least 0x10000).
        address: u32,
        /// Length in bytes (a multiple of the page size).
        length: u32,
        /// Read-write if `true`, read-only otherwise.
        writable: bool,
    },
    /// Write `bytes` at `address` into mapped memory, ignoring read-only protection.
    Write {
        /// First byte written.
        address: u32,
        /// The data.
        bytes: Vec<u8>,
    },
    /// Set register `reg` (0..13) to `value`.
    SetReg {
        /// Register index.
        reg: usize,
        /// New value.
        value: u64,
    },
}

/// How the host answers host calls and page faults.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Host {
    /// Decide with a PRNG seeded by `seed`: mutate registers and memory after a host call
    /// (id 1 emulates heap growth by mapping the next heap page), map the faulting page after
    /// a page fault, or stop.
    Random {
        /// Seed of the host's decisions.
        seed: u64,
        /// Where emulated heap growth maps its next page.
        heap_top: u32,
    },
    /// Replay recorded actions: after run *i*, apply `actions[i]` and resume; stop when
    /// the list runs out. Used to minimise and to re-run saved sessions.
    Replay(Vec<Vec<Action>>),
}

/// How a case's program was produced (for reports).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Origin {
    /// Built instruction by instruction by the generator.
    Generated,
    /// A generated program with some bytes of the blob mutated.
    Mutated,
    /// A well-formed blob header around random code and bitmask bytes.
    RandomCode,
    /// Entirely random bytes.
    RandomBytes,
}

impl fmt::Display for Origin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Origin::Generated => "generated",
            Origin::Mutated => "mutated",
            Origin::RandomCode => "random-code",
            Origin::RandomBytes => "random-bytes",
        })
    }
}

/// One differential test case.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Case {
    /// The seed that generated the case (0 for hand-made cases).
    pub seed: u64,
    /// How the program was produced.
    pub origin: Origin,
    /// The raw program blob, `E(|j|) ++ E_1(z) ++ E(|c|) ++ j ++ c ++ k` (GP A.2), given
    /// unchanged to both engines' parsers.
    pub blob: Vec<u8>,
    /// The pc of the first run.
    pub initial_pc: u32,
    /// The gas of the first run (at most `i64::MAX`: PolkaVM's gas is signed).
    pub gas: u64,
    /// Actions before the first run: memory mapping, initial contents, registers.
    pub setup: Vec<Action>,
    /// The host's behaviour between runs.
    pub host: Host,
    /// Most runs per session (host calls and page faults resume).
    pub max_runs: usize,
}

/// The header of a raw blob: what both parsers must agree on before any code is read.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct BlobHeader {
    /// Number of jump-table entries.
    pub jump_table_len: u64,
    /// Bytes per jump-table entry (z).
    pub entry_size: u8,
    /// Declared code length.
    pub code_len: u64,
}

impl BlobHeader {
    /// Reads the header of `blob`, if it has a complete one (GP natural-number codec).
    pub fn parse(blob: &[u8]) -> Option<BlobHeader> {
        let (jump_table_len, rest) = read_varint(blob)?;
        let (&entry_size, rest) = rest.split_first()?;
        let (code_len, _) = read_varint(rest)?;
        Some(BlobHeader {
            jump_table_len,
            entry_size,
            code_len,
        })
    }
}

/// Decodes one GP variable-length natural number, returning it and the rest of the input.
fn read_varint(bytes: &[u8]) -> Option<(u64, &[u8])> {
    let (&first, rest) = bytes.split_first()?;
    let extra = first.leading_ones() as usize;
    let tail = rest.get(..extra.min(8))?;
    let low = tail
        .iter()
        .rev()
        .fold(0u64, |acc, &b| (acc << 8) | u64::from(b));
    let value = if extra >= 8 {
        low
    } else {
        low | (u64::from(first & (0x7F >> extra)) << (8 * extra))
    };
    Some((value, &rest[extra.min(8)..]))
}

/// Encodes a raw blob from its parts with an explicit jump-table entry size (entries are
/// truncated to `entry_size` bytes).
pub fn encode_blob(code: &[u8], bitmask: &[u8], jump_table: &[u32], entry_size: u8) -> Vec<u8> {
    let mut out = Vec::with_capacity(code.len() + bitmask.len() + 16);
    pvm::format::encode_varint(jump_table.len() as u64, &mut out);
    out.push(entry_size);
    pvm::format::encode_varint(code.len() as u64, &mut out);
    for entry in jump_table {
        let bytes = u64::from(*entry).to_le_bytes();
        for i in 0..usize::from(entry_size) {
            out.push(bytes.get(i).copied().unwrap_or(0));
        }
    }
    out.extend_from_slice(code);
    out.extend_from_slice(bitmask);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn encoded_blobs_parse_back_with_our_parser() {
        let blob = encode_blob(&[51, 7, 42, 0], &[0b1001], &[3, 0x1234], 2);
        let parsed = pvm::format::RawBlob::parse(&blob).unwrap();
        assert_eq!(parsed.code, [51, 7, 42, 0]);
        assert_eq!(parsed.bitmask, [0b1001]);
        assert_eq!(parsed.jump_table, [3, 0x1234]);
        assert_eq!(
            BlobHeader::parse(&blob),
            Some(BlobHeader {
                jump_table_len: 2,
                entry_size: 2,
                code_len: 4
            })
        );
    }

    #[test]
    fn header_of_long_varints_and_truncated_input() {
        let mut blob = Vec::new();
        pvm::format::encode_varint(300, &mut blob);
        blob.push(4);
        pvm::format::encode_varint(70_000, &mut blob);
        let header = BlobHeader::parse(&blob).unwrap();
        assert_eq!(header.jump_table_len, 300);
        assert_eq!(header.code_len, 70_000);
        assert_eq!(BlobHeader::parse(&blob[..2]), None);
        assert_eq!(BlobHeader::parse(&[]), None);
    }
}
