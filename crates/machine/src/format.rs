//! The binary memory-trace file format (`.mtrace`), documented byte by byte in
//! `docs/memory-trace.md`.
//!
//! A file is a header (magic and version), a space table (id and name of every space the
//! records use), a record count and the records. Records are delta-encoded against the
//! previous record: a flags byte says which fields follow; times are stored as the
//! difference from the previous time plus one (absent when it is exactly one), addresses
//! as a zigzag difference from the last address in the same space (absent when equal),
//! values as plain LEB128 (absent when zero). Every integer is a canonical LEB128 varint.
//!
//! Any sequence of records can be stored, including inconsistent ones (decreasing times,
//! wrong reads): the format is a container, [`crate::check`](fn@crate::check) judges the contents.
//! [`read_trace`] never panics and never allocates more than the input justifies.

use std::io::{self, Read, Write};

use crate::record::{Op, Record, Space};

/// The first 7 bytes of every trace file.
pub const MAGIC: [u8; 7] = *b"MTRACE\0";
/// The format version this module writes and reads (byte 7 of the file).
pub const VERSION: u8 = 1;
/// The longest space name, in bytes.
pub const MAX_NAME_LEN: usize = 1024;

/// Flags bit: the record writes its cell (clear: it reads).
const F_WRITE: u8 = 1 << 0;
/// Flags bit: a time field follows (clear: time = previous time + 1).
const F_TIME: u8 = 1 << 1;
/// Flags bit: a space byte follows (clear: the previous record's space).
const F_SPACE: u8 = 1 << 2;
/// Flags bit: an address field follows (clear: the last address used in this space).
const F_ADDRESS: u8 = 1 << 3;
/// Flags bit: a value field follows (clear: the value is zero).
const F_VALUE: u8 = 1 << 4;
/// Flags bits that must be zero.
const F_RESERVED: u8 = !(F_WRITE | F_TIME | F_SPACE | F_ADDRESS | F_VALUE);

/// Records preallocated at most before they are actually decoded.
const MAX_PREALLOCATED_RECORDS: usize = 1 << 16;

/// The name of one address space of a trace.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SpaceInfo {
    /// The space's id, as used in records.
    pub space: Space,
    /// A human-readable name (`"registers"`, `"memory"`, ...), at most [`MAX_NAME_LEN`]
    /// bytes of UTF-8.
    pub name: String,
}

/// A trace file's contents: the spaces and the records in trace (time) order.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Trace {
    /// Every space the records use, each id once.
    pub spaces: Vec<SpaceInfo>,
    /// The records, in trace order.
    pub records: Vec<Record>,
}

/// Why a trace file could not be read.
#[derive(Debug, thiserror::Error)]
pub enum FormatError {
    /// Reading the input failed.
    #[error("i/o error: {0}")]
    Io(#[from] io::Error),
    /// The file does not start with [`MAGIC`].
    #[error("not a memory trace (bad magic)")]
    BadMagic,
    /// The file has a version this code does not read.
    #[error("unsupported trace format version {0} (expected {VERSION})")]
    UnsupportedVersion(u8),
    /// The input ended inside the header or a record.
    #[error("truncated trace: input ended at byte {offset}")]
    Truncated {
        /// The input length.
        offset: usize,
    },
    /// A varint longer than 10 bytes or above `u64::MAX`.
    #[error("varint overflows 64 bits at byte {offset}")]
    VarintOverflow {
        /// Where the varint starts.
        offset: usize,
    },
    /// A varint with a redundant trailing zero byte (each value has one encoding).
    #[error("non-canonical varint at byte {offset}")]
    NonCanonicalVarint {
        /// Where the varint starts.
        offset: usize,
    },
    /// A record flags byte with a reserved bit set.
    #[error("record {index}: bad flags byte {flags:#04x} at byte {offset}")]
    BadFlags {
        /// The record's position.
        index: usize,
        /// The flags byte.
        flags: u8,
        /// Where the flags byte is.
        offset: usize,
    },
    /// A declared count or length beyond what the format allows or this machine can hold.
    #[error("{what} {value} is too large")]
    TooLarge {
        /// What was declared (`"space count"`, `"name length"`, `"record count"`).
        what: &'static str,
        /// The declared value.
        value: u64,
    },
    /// A space id listed twice in the space table.
    #[error("space {0} is listed twice")]
    DuplicateSpace(u8),
    /// A space name that is not UTF-8.
    #[error("the name of space {0} is not UTF-8")]
    BadSpaceName(u8),
    /// A record in a space the table does not list.
    #[error("record {index} uses space {space}, which the space table does not list")]
    UnknownSpace {
        /// The record's position.
        index: usize,
        /// The space id.
        space: u8,
    },
    /// Bytes after the last record.
    #[error("{count} trailing byte(s) after the last record (at byte {offset})")]
    TrailingBytes {
        /// Where the trailing bytes start.
        offset: usize,
        /// How many there are.
        count: usize,
    },
}

/// Zigzag-encodes a signed difference so that small magnitudes give small varints.
#[inline]
fn zigzag(delta: u64) -> u64 {
    let d = delta as i64;
    ((d << 1) ^ (d >> 63)) as u64
}

/// Inverse of [`zigzag`].
#[inline]
fn unzigzag(z: u64) -> u64 {
    (z >> 1) ^ (z & 1).wrapping_neg()
}

/// Appends `value` as a LEB128 varint.
#[inline]
fn put_varint(out: &mut Vec<u8>, mut value: u64) {
    while value >= 0x80 {
        out.push(value as u8 | 0x80);
        value >>= 7;
    }
    out.push(value as u8);
}

/// Delta state shared by the encoder and the decoder.
struct DeltaState {
    next_time: u64,
    space: u8,
    last_address: [u64; 256],
}

impl DeltaState {
    fn new() -> DeltaState {
        DeltaState {
            next_time: 0,
            space: 0,
            last_address: [0; 256],
        }
    }
}

/// Writes `trace` to `out` in the `.mtrace` format. The output is buffered internally;
/// pass the raw file. Fails with [`io::ErrorKind::InvalidInput`] if the space table lists
/// an id twice or has an over-long name, or a record uses a space the table does not list.
pub fn write_trace<W: Write>(mut out: W, trace: &Trace) -> io::Result<()> {
    let invalid = |message: String| io::Error::new(io::ErrorKind::InvalidInput, message);
    let mut listed = [false; 256];
    let mut buf = Vec::with_capacity(1 << 16);
    buf.extend_from_slice(&MAGIC);
    buf.push(VERSION);
    put_varint(&mut buf, trace.spaces.len() as u64);
    for info in &trace.spaces {
        let id = info.space.0;
        if std::mem::replace(&mut listed[usize::from(id)], true) {
            return Err(invalid(format!("space {id} is listed twice")));
        }
        if info.name.len() > MAX_NAME_LEN {
            return Err(invalid(format!("the name of space {id} is too long")));
        }
        buf.push(id);
        put_varint(&mut buf, info.name.len() as u64);
        buf.extend_from_slice(info.name.as_bytes());
    }
    put_varint(&mut buf, trace.records.len() as u64);
    let mut state = DeltaState::new();
    for (index, record) in trace.records.iter().enumerate() {
        let space = record.space.0;
        if !listed[usize::from(space)] {
            return Err(invalid(format!(
                "record {index} uses space {space}, which the space table does not list"
            )));
        }
        let mut flags = match record.op {
            Op::Read => 0,
            Op::Write => F_WRITE,
        };
        let time_delta = record.time.wrapping_sub(state.next_time);
        if time_delta != 0 {
            flags |= F_TIME;
        }
        if space != state.space {
            flags |= F_SPACE;
        }
        let last = &mut state.last_address[usize::from(space)];
        let address_delta = record.address.wrapping_sub(*last);
        if address_delta != 0 {
            flags |= F_ADDRESS;
        }
        if record.value != 0 {
            flags |= F_VALUE;
        }
        buf.push(flags);
        if flags & F_TIME != 0 {
            put_varint(&mut buf, zigzag(time_delta));
        }
        if flags & F_SPACE != 0 {
            buf.push(space);
        }
        if flags & F_ADDRESS != 0 {
            put_varint(&mut buf, zigzag(address_delta));
        }
        if flags & F_VALUE != 0 {
            put_varint(&mut buf, record.value);
        }
        *last = record.address;
        state.space = space;
        state.next_time = record.time.wrapping_add(1);
        if buf.len() >= 1 << 16 {
            out.write_all(&buf)?;
            buf.clear();
        }
    }
    out.write_all(&buf)?;
    out.flush()
}

/// A cursor over the whole input.
struct Cursor<'a> {
    bytes: &'a [u8],
    at: usize,
}

impl Cursor<'_> {
    #[inline]
    fn byte(&mut self) -> Result<u8, FormatError> {
        let byte = *self.bytes.get(self.at).ok_or(FormatError::Truncated {
            offset: self.bytes.len(),
        })?;
        self.at += 1;
        Ok(byte)
    }

    fn take(&mut self, len: usize) -> Result<&[u8], FormatError> {
        let truncated = FormatError::Truncated {
            offset: self.bytes.len(),
        };
        let end = self.at.checked_add(len).ok_or(truncated)?;
        let slice = self.bytes.get(self.at..end).ok_or(FormatError::Truncated {
            offset: self.bytes.len(),
        })?;
        self.at = end;
        Ok(slice)
    }

    #[inline]
    fn varint(&mut self) -> Result<u64, FormatError> {
        let start = self.at;
        let mut value = 0u64;
        for shift in (0..64).step_by(7) {
            let byte = self.byte()?;
            if shift == 63 && byte > 1 {
                return Err(FormatError::VarintOverflow { offset: start });
            }
            value |= u64::from(byte & 0x7F) << shift;
            if byte & 0x80 == 0 {
                if byte == 0 && shift > 0 {
                    return Err(FormatError::NonCanonicalVarint { offset: start });
                }
                return Ok(value);
            }
        }
        unreachable!("the tenth byte either ends the varint or overflows")
    }
}

/// Reads a whole `.mtrace` file. Never panics; allocates at most the input plus the
/// records it actually contains (a declared count only caps preallocation).
pub fn read_trace<R: Read>(mut input: R) -> Result<Trace, FormatError> {
    let mut bytes = Vec::new();
    input.read_to_end(&mut bytes)?;
    decode(&bytes)
}

/// Decodes a whole `.mtrace` file held in memory.
pub fn decode(bytes: &[u8]) -> Result<Trace, FormatError> {
    let mut c = Cursor { bytes, at: 0 };
    let header = bytes
        .get(..MAGIC.len())
        .ok_or(if MAGIC.starts_with(bytes) {
            FormatError::Truncated {
                offset: bytes.len(),
            }
        } else {
            FormatError::BadMagic
        })?;
    if header != MAGIC {
        return Err(FormatError::BadMagic);
    }
    c.at = MAGIC.len();
    let version = c.byte()?;
    if version != VERSION {
        return Err(FormatError::UnsupportedVersion(version));
    }

    let space_count = c.varint()?;
    if space_count > 256 {
        return Err(FormatError::TooLarge {
            what: "space count",
            value: space_count,
        });
    }
    let mut listed = [false; 256];
    let mut spaces = Vec::with_capacity(space_count as usize);
    for _ in 0..space_count {
        let id = c.byte()?;
        if std::mem::replace(&mut listed[usize::from(id)], true) {
            return Err(FormatError::DuplicateSpace(id));
        }
        let len = c.varint()?;
        if len > MAX_NAME_LEN as u64 {
            return Err(FormatError::TooLarge {
                what: "name length",
                value: len,
            });
        }
        let name = std::str::from_utf8(c.take(len as usize)?)
            .map_err(|_| FormatError::BadSpaceName(id))?
            .to_owned();
        spaces.push(SpaceInfo {
            space: Space(id),
            name,
        });
    }

    let count = c.varint()?;
    let count = usize::try_from(count).map_err(|_| FormatError::TooLarge {
        what: "record count",
        value: count,
    })?;
    // Every record takes at least one byte, so a count beyond the remaining input is
    // certainly truncated; checking it first also bounds the allocation.
    if count > bytes.len() - c.at {
        return Err(FormatError::Truncated {
            offset: bytes.len(),
        });
    }
    let mut records = Vec::with_capacity(count.min(MAX_PREALLOCATED_RECORDS));
    let mut state = DeltaState::new();
    for index in 0..count {
        let offset = c.at;
        let flags = c.byte()?;
        if flags & F_RESERVED != 0 {
            return Err(FormatError::BadFlags {
                index,
                flags,
                offset,
            });
        }
        let time = if flags & F_TIME != 0 {
            state.next_time.wrapping_add(unzigzag(c.varint()?))
        } else {
            state.next_time
        };
        if flags & F_SPACE != 0 {
            state.space = c.byte()?;
        }
        let space = state.space;
        if !listed[usize::from(space)] {
            return Err(FormatError::UnknownSpace { index, space });
        }
        let last = &mut state.last_address[usize::from(space)];
        if flags & F_ADDRESS != 0 {
            *last = last.wrapping_add(unzigzag(c.varint()?));
        }
        let address = *last;
        let value = if flags & F_VALUE != 0 { c.varint()? } else { 0 };
        let op = if flags & F_WRITE != 0 {
            Op::Write
        } else {
            Op::Read
        };
        records.push(Record {
            time,
            space: Space(space),
            address,
            op,
            value,
        });
        state.next_time = time.wrapping_add(1);
    }
    if c.at != bytes.len() {
        return Err(FormatError::TrailingBytes {
            offset: c.at,
            count: bytes.len() - c.at,
        });
    }
    Ok(Trace { spaces, records })
}

/// Encodes `trace` into a byte vector (see [`write_trace`]).
pub fn encode(trace: &Trace) -> io::Result<Vec<u8>> {
    let mut bytes = Vec::new();
    write_trace(&mut bytes, trace)?;
    Ok(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rec(time: u64, space: u8, address: u64, op: Op, value: u64) -> Record {
        Record {
            time,
            space: Space(space),
            address,
            op,
            value,
        }
    }

    fn spaces(ids: &[u8]) -> Vec<SpaceInfo> {
        ids.iter()
            .map(|&id| SpaceInfo {
                space: Space(id),
                name: format!("space-{id}"),
            })
            .collect()
    }

    fn round_trip(trace: &Trace) -> Vec<u8> {
        let bytes = encode(trace).unwrap();
        let back = read_trace(&bytes[..]).unwrap();
        assert_eq!(&back, trace);
        bytes
    }

    #[test]
    fn varint_and_zigzag() {
        for v in [0, 1, 127, 128, 300, u64::MAX / 2, u64::MAX - 1, u64::MAX] {
            let mut out = Vec::new();
            put_varint(&mut out, v);
            assert!(out.len() <= 10);
            let mut c = Cursor { bytes: &out, at: 0 };
            assert_eq!(c.varint().unwrap(), v);
            assert_eq!(c.at, out.len());
            assert_eq!(unzigzag(zigzag(v)), v);
        }
        assert_eq!(zigzag(0), 0);
        assert_eq!(zigzag(u64::MAX), 1); // -1
        assert_eq!(zigzag(1), 2);
        assert_eq!(zigzag(8), 16);
        assert_eq!(zigzag(8u64.wrapping_neg()), 15);
    }

    type Expectation = fn(&FormatError) -> bool;

    #[test]
    fn bad_varints() {
        let cases: [(&[u8], Expectation); 4] = [
            (&[0x80, 0x00], |e| {
                matches!(e, FormatError::NonCanonicalVarint { offset: 0 })
            }),
            (&[0xFF; 9][..], |e| {
                matches!(e, FormatError::Truncated { .. })
            }),
            (
                &[0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x02],
                |e| matches!(e, FormatError::VarintOverflow { offset: 0 }),
            ),
            (
                &[0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x81],
                |e| matches!(e, FormatError::VarintOverflow { offset: 0 }),
            ),
        ];
        for (bytes, ok) in cases {
            let mut c = Cursor { bytes, at: 0 };
            let err = c.varint().unwrap_err();
            assert!(ok(&err), "{bytes:?}: {err:?}");
        }
    }

    #[test]
    fn empty_trace_layout() {
        let bytes = round_trip(&Trace::default());
        assert_eq!(bytes, b"MTRACE\0\x01\x00\x00");
    }

    #[test]
    fn documented_example_bytes() {
        // The example in docs/memory-trace.md.
        let trace = Trace {
            spaces: vec![
                SpaceInfo {
                    space: Space(0),
                    name: "reg".into(),
                },
                SpaceInfo {
                    space: Space(1),
                    name: "mem".into(),
                },
            ],
            records: vec![
                rec(0, 0, 7, Op::Write, 5),
                rec(1, 0, 7, Op::Read, 5),
                rec(5, 1, 0x1000, Op::Write, 0),
                rec(6, 1, 0x0FF8, Op::Read, 300),
            ],
        };
        let bytes = round_trip(&trace);
        let expected: &[u8] = &[
            b'M', b'T', b'R', b'A', b'C', b'E', 0, 1, // magic, version
            2, // two spaces
            0, 3, b'r', b'e', b'g', // space 0 "reg"
            1, 3, b'm', b'e', b'm', // space 1 "mem"
            4,    // four records
            0x19, 14, 5, // write, address +7, value 5
            0x10, 5, // read, same address, value 5
            0x0F, 6, 1, 0x80,
            0x40, // write, time 3 after expected, space 1, address +0x1000, value 0
            0x18, 15, 0xAC, 0x02, // read, address -8, value 300
        ];
        assert_eq!(bytes, expected);
    }

    #[test]
    fn extreme_values_round_trip() {
        let m = u64::MAX;
        let trace = Trace {
            spaces: spaces(&[0, 1, 255]),
            records: vec![
                rec(m, 255, m, Op::Write, m),
                rec(0, 0, 0, Op::Read, 0),
                rec(m, 1, m, Op::Read, m),
                rec(m, 1, 0, Op::Write, 1 << 63),
                rec(1 << 63, 255, 0, Op::Read, m - 1),
                rec(5, 255, 1 << 63, Op::Write, 0x80),
                rec(6, 0, m, Op::Read, m),
                rec(6, 0, m, Op::Read, m),
            ],
        };
        round_trip(&trace);
    }

    #[test]
    fn sequential_register_trace_is_compact() {
        let records: Vec<Record> = (0..1000)
            .map(|t| rec(t, 0, t % 13, Op::Read, t % 100))
            .collect();
        let trace = Trace {
            spaces: spaces(&[0, 1]),
            records,
        };
        let bytes = round_trip(&trace);
        assert!(bytes.len() < 3 * 1000 + 30, "{} bytes", bytes.len());
    }

    #[test]
    fn writer_rejects_unlisted_and_duplicate_spaces() {
        let unlisted = Trace {
            spaces: spaces(&[0]),
            records: vec![rec(0, 1, 0, Op::Write, 1)],
        };
        let err = encode(&unlisted).unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::InvalidInput);
        let duplicate = Trace {
            spaces: spaces(&[3, 3]),
            records: vec![],
        };
        assert_eq!(
            encode(&duplicate).unwrap_err().kind(),
            io::ErrorKind::InvalidInput
        );
        let long = Trace {
            spaces: vec![SpaceInfo {
                space: Space(0),
                name: "x".repeat(MAX_NAME_LEN + 1),
            }],
            records: vec![],
        };
        assert_eq!(
            encode(&long).unwrap_err().kind(),
            io::ErrorKind::InvalidInput
        );
    }

    #[test]
    fn header_errors() {
        assert!(matches!(
            decode(b""),
            Err(FormatError::Truncated { offset: 0 })
        ));
        assert!(matches!(decode(b"MTR"), Err(FormatError::Truncated { .. })));
        assert!(matches!(
            decode(b"XTRACE\0\x01"),
            Err(FormatError::BadMagic)
        ));
        assert!(matches!(decode(b"MT"), Err(FormatError::Truncated { .. })));
        assert!(matches!(decode(b"Z"), Err(FormatError::BadMagic)));
        assert!(matches!(
            decode(b"MTRACE\0\x02\x00\x00"),
            Err(FormatError::UnsupportedVersion(2))
        ));
        assert!(matches!(
            decode(b"MTRACE\0\x01\x81\x02"),
            Err(FormatError::TooLarge {
                what: "space count",
                value: 257
            })
        ));
        assert!(matches!(
            decode(b"MTRACE\0\x01\x02\x00\x00\x00\x00\x00"),
            Err(FormatError::DuplicateSpace(0))
        ));
        assert!(matches!(
            decode(b"MTRACE\0\x01\x01\x00\x02\xFF\xFE\x00"),
            Err(FormatError::BadSpaceName(0))
        ));
        assert!(matches!(
            decode(b"MTRACE\0\x01\x01\x00\x81\x08"),
            Err(FormatError::TooLarge {
                what: "name length",
                ..
            })
        ));
        // A huge declared record count with no records: an error, not an allocation.
        assert!(matches!(
            decode(b"MTRACE\0\x01\x00\xFF\xFF\xFF\xFF\xFF\xFF\xFF\xFF\xFF\x01"),
            Err(FormatError::Truncated { .. } | FormatError::TooLarge { .. })
        ));
    }

    #[test]
    fn record_errors() {
        let base = b"MTRACE\0\x01\x01\x00\x00\x01".to_vec();
        let with = |tail: &[u8]| {
            let mut b = base.clone();
            b.extend_from_slice(tail);
            decode(&b)
        };
        assert!(with(&[0x11, 1]).is_ok());
        assert!(matches!(
            with(&[0x20]),
            Err(FormatError::BadFlags {
                index: 0,
                flags: 0x20,
                ..
            })
        ));
        assert!(matches!(
            with(&[0x04, 9]),
            Err(FormatError::UnknownSpace { index: 0, space: 9 })
        ));
        assert!(matches!(
            with(&[0x11, 1, 0]),
            Err(FormatError::TrailingBytes { count: 1, .. })
        ));
        assert!(matches!(
            with(&[0x11, 0x80, 0x00]),
            Err(FormatError::NonCanonicalVarint { .. })
        ));
    }

    #[test]
    fn every_truncation_is_an_error() {
        let m = u64::MAX;
        let trace = Trace {
            spaces: spaces(&[0, 7]),
            records: vec![
                rec(m - 3, 7, m, Op::Write, m),
                rec(3, 0, 1 << 63, Op::Read, 0),
                rec(4, 0, 1 << 63, Op::Write, 0x1234),
                rec(9, 7, 0, Op::Read, 1 << 62),
            ],
        };
        let bytes = round_trip(&trace);
        for len in 0..bytes.len() {
            let err = decode(&bytes[..len]).unwrap_err();
            assert!(
                matches!(err, FormatError::Truncated { offset } if offset == len),
                "prefix {len}: {err:?}"
            );
        }
    }

    #[test]
    fn garbage_never_panics() {
        let trace = Trace {
            spaces: spaces(&[0, 1]),
            records: (0..200)
                .map(|t| {
                    rec(
                        t * 3,
                        (t % 2) as u8,
                        t * 8,
                        Op::Write,
                        t.wrapping_mul(0x9E37_79B9_7F4A_7C15),
                    )
                })
                .collect(),
        };
        let bytes = round_trip(&trace);
        let mut state = 1u64;
        let mut next = || {
            state = state
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            state >> 33
        };
        for _ in 0..2000 {
            let mut corrupted = bytes.clone();
            for _ in 0..1 + next() % 4 {
                let at = next() as usize % corrupted.len();
                corrupted[at] = next() as u8;
            }
            // Any outcome but a panic is fine; a decoded trace must re-encode losslessly.
            if let Ok(decoded) = decode(&corrupted) {
                assert_eq!(decode(&encode(&decoded).unwrap()).unwrap(), decoded);
            }
            let garbage: Vec<u8> = (0..next() % 64).map(|_| next() as u8).collect();
            let mut prefixed = MAGIC.to_vec();
            prefixed.push(VERSION);
            prefixed.extend_from_slice(&garbage);
            let _ = decode(&prefixed);
            assert!(decode(&garbage).is_err() || garbage.starts_with(&MAGIC));
        }
    }

    #[test]
    fn io_errors_are_reported() {
        struct Failing;
        impl Read for Failing {
            fn read(&mut self, _: &mut [u8]) -> io::Result<usize> {
                Err(io::Error::other("disk on fire"))
            }
        }
        assert!(matches!(read_trace(Failing), Err(FormatError::Io(_))));
    }
}
