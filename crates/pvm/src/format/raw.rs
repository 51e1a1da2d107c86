//! The raw PVM code blob read by the Gray Paper's `deblob` (A.2):
//! `E(|j|) ++ E_1(z) ++ E(|c|) ++ E_z(j_0) ++ … ++ c ++ k`.

use super::codec::{encode_varint, Reader};
use super::FormatError;

/// Most jump-table entries a blob may declare (PolkaVM uses the same order of magnitude).
pub const MAX_JUMP_TABLE_LEN: u64 = 1 << 24;
/// Largest code section a blob may declare (64 MiB).
pub const MAX_CODE_LEN: u64 = 1 << 26;

/// A raw program blob split into its three parts.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct RawBlob {
    /// Instruction bytes.
    pub code: Vec<u8>,
    /// Opcode bitmask, packed LSB first, one bit per code byte (⌈|c|/8⌉ bytes).
    pub bitmask: Vec<u8>,
    /// Dynamic jump table: code offsets. Entries that do not fit 32 bits are stored as
    /// `u32::MAX`, which is never a valid target; a declared entry size of 0 gives an
    /// empty table.
    pub jump_table: Vec<u32>,
}

impl RawBlob {
    /// Parses a raw blob; the input must be consumed exactly.
    pub fn parse(bytes: &[u8]) -> Result<RawBlob, FormatError> {
        let mut reader = Reader::new(bytes);
        let jump_count = reader.varint("jump table length")?;
        let entry_size = reader.fixed(1, "jump table entry size")?;
        let code_len = reader.varint("code length")?;
        if jump_count > MAX_JUMP_TABLE_LEN {
            return Err(FormatError::TooLarge {
                what: "jump table",
                size: jump_count,
                limit: MAX_JUMP_TABLE_LEN,
            });
        }
        if code_len > MAX_CODE_LEN {
            return Err(FormatError::TooLarge {
                what: "code",
                size: code_len,
                limit: MAX_CODE_LEN,
            });
        }
        let table = reader.take(jump_count * entry_size, "jump table")?;
        // Entries of size 0 encode no target at all. PolkaVM treats such a table as
        // empty (every dynamic jump through it traps), and so do we: expanding it would
        // let 8 bytes of input declare 2^24 entries (docs/spec-notes.md §13).
        let jump_table = if entry_size == 0 {
            Vec::new()
        } else {
            table
                .chunks_exact(entry_size as usize)
                .map(|entry| {
                    let value = entry.iter().rev().fold(0u128, |acc, &b| {
                        acc.checked_shl(8)
                            .map_or(u128::MAX, |acc| acc | u128::from(b))
                    });
                    u32::try_from(value).unwrap_or(u32::MAX)
                })
                .collect()
        };
        let code = reader.take(code_len, "code")?.to_vec();
        let bitmask = reader.take(code_len.div_ceil(8), "bitmask")?.to_vec();
        // E(k) packs the |c| bits into octets padded with zero bits (GP C), so a set padding
        // bit leaves nothing for deblob to decode; PolkaVM rejects it too ("the bitmask is
        // padded with non-zero bits", found by pvm-difftest).
        let used_bits = code_len % 8;
        if used_bits != 0 && bitmask.last().is_some_and(|last| last >> used_bits != 0) {
            return Err(FormatError::NonCanonical {
                what: "opcode bitmask padding",
                offset: bytes.len() - reader.remaining() - 1,
            });
        }
        if reader.remaining() != 0 {
            return Err(FormatError::TrailingBytes {
                what: "program blob",
                count: reader.remaining(),
            });
        }
        Ok(RawBlob {
            code,
            bitmask,
            jump_table,
        })
    }

    /// Encodes the blob (jump-table entries in the fewest bytes that hold the largest).
    pub fn encode(&self) -> Vec<u8> {
        // The fewest bytes that hold the largest entry, but at least one when there are
        // entries: a size of 0 means an empty table (see `parse`).
        let max = self.jump_table.iter().copied().max().unwrap_or(0);
        let needed = (4 - max.leading_zeros() / 8) as usize;
        let entry_size = if self.jump_table.is_empty() {
            0
        } else {
            needed.max(1)
        };
        let mut out = Vec::with_capacity(self.code.len() + self.bitmask.len() + 16);
        encode_varint(self.jump_table.len() as u64, &mut out);
        out.push(entry_size as u8);
        encode_varint(self.code.len() as u64, &mut out);
        for entry in &self.jump_table {
            out.extend_from_slice(&entry.to_le_bytes()[..entry_size]);
        }
        out.extend_from_slice(&self.code);
        out.extend_from_slice(&self.bitmask);
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_a_vector_program() {
        // inst_store_u8 of the w3f set: no jump table, 5 code bytes, one bitmask byte.
        let blob = RawBlob::parse(&[0, 0, 5, 59, 7, 0, 0, 2, 1]).unwrap();
        assert_eq!(blob.code, [59, 7, 0, 0, 2]);
        assert_eq!(blob.bitmask, [1]);
        assert!(blob.jump_table.is_empty());
        assert_eq!(blob.encode(), [0, 0, 5, 59, 7, 0, 0, 2, 1]);
    }

    #[test]
    fn jump_table_entries_are_little_endian() {
        let blob = RawBlob {
            code: vec![0],
            bitmask: vec![1],
            jump_table: vec![0x0102, 7],
        };
        let bytes = blob.encode();
        assert_eq!(&bytes[..7], &[2, 2, 1, 0x02, 0x01, 7, 0]);
        assert_eq!(RawBlob::parse(&bytes).unwrap(), blob);
    }

    #[test]
    fn a_table_of_zero_entries_round_trips() {
        // fuzz/regressions/parse_blob_zero_entry_round_trip.bin: one entry of value 0.
        let blob = RawBlob::parse(&[1, 1, 0, 0]).unwrap();
        assert_eq!(blob.jump_table, [0]);
        assert_eq!(blob.encode(), [1, 1, 0, 0]);
        assert_eq!(RawBlob::parse(&blob.encode()), Ok(blob));
    }

    #[test]
    fn zero_size_entries_make_an_empty_table() {
        // 2^24 entries of size 0 in 8 bytes (fuzz/regressions/jump_table_zero_size_amplification.bin).
        let blob = RawBlob::parse(&[0xE1, 0, 0, 0, 0, 1, 0, 1]).unwrap();
        assert!(blob.jump_table.is_empty());
        assert_eq!(blob.code, [0]);
    }

    #[test]
    fn rejects_truncation_trailing_bytes_and_absurd_sizes() {
        let good = [0, 0, 5, 59, 7, 0, 0, 2, 1];
        for len in 0..good.len() {
            assert!(RawBlob::parse(&good[..len]).is_err(), "prefix {len}");
        }
        let mut long = good.to_vec();
        long.push(0);
        assert!(matches!(
            RawBlob::parse(&long),
            Err(FormatError::TrailingBytes { count: 1, .. })
        ));
        // A set padding bit past the 5 code bits.
        assert!(matches!(
            RawBlob::parse(&[0, 0, 5, 59, 7, 0, 0, 2, 0b10_0001]),
            Err(FormatError::NonCanonical { offset: 8, .. })
        ));
        // 2^56 jump-table entries of size 0.
        assert!(matches!(
            RawBlob::parse(&[0xFF, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0]),
            Err(FormatError::TooLarge { .. })
        ));
    }
}
