//! The JAM natural-number codec (GP appendix C) and a bounds-checked byte reader.

use super::FormatError;

/// A cursor over untrusted bytes; every read is bounds-checked and reports what it was
/// reading, and where, when the input runs out. Shared by every program format (raw blob,
/// JAM standard program, `.polkavm` container), which turn a [`ReadError`] into their own
/// error type.
pub(crate) struct Reader<'a> {
    bytes: &'a [u8],
    pos: usize,
    /// Absolute offset of `bytes[0]` in the whole input, for error offsets.
    base: usize,
}

/// Why a read failed, before a format names the error.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum ReadError {
    /// The input ended inside a field.
    Truncated {
        /// The field being read.
        what: &'static str,
        /// Absolute offset where the field starts.
        offset: usize,
        /// Bytes the field needs.
        needed: u64,
        /// Bytes that were left.
        available: usize,
    },
    /// A natural number is encoded longer than needed.
    NonCanonical {
        /// The field being read.
        what: &'static str,
        /// Absolute offset of its first byte.
        offset: usize,
    },
    /// A 32-bit natural number (`varint_u32`) is longer than 5 bytes or above `u32::MAX`.
    OutOfRange {
        /// The field being read.
        what: &'static str,
        /// Absolute offset of its first byte.
        offset: usize,
    },
}

impl From<ReadError> for FormatError {
    fn from(error: ReadError) -> FormatError {
        match error {
            ReadError::Truncated { what, offset, .. } => FormatError::Truncated { what, offset },
            ReadError::NonCanonical { what, offset } | ReadError::OutOfRange { what, offset } => {
                FormatError::NonCanonical { what, offset }
            }
        }
    }
}

impl<'a> Reader<'a> {
    /// A reader over a whole input.
    pub(crate) fn new(bytes: &'a [u8]) -> Self {
        Reader::with_base(bytes, 0)
    }

    /// A reader over `bytes`, which start at absolute offset `base` of the input.
    pub(crate) fn with_base(bytes: &'a [u8], base: usize) -> Self {
        Reader {
            bytes,
            pos: 0,
            base,
        }
    }

    /// Absolute offset of the next byte.
    pub(crate) fn position(&self) -> usize {
        self.base.saturating_add(self.pos)
    }

    /// Bytes not read yet.
    pub(crate) fn remaining(&self) -> usize {
        self.bytes.len() - self.pos
    }

    /// Whether every byte has been read.
    pub(crate) fn is_empty(&self) -> bool {
        self.remaining() == 0
    }

    /// Bytes read so far.
    pub(crate) fn consumed(&self) -> usize {
        self.pos
    }

    /// Length of the whole input of this reader.
    pub(crate) fn len(&self) -> usize {
        self.bytes.len()
    }

    /// Takes the next `len` bytes.
    pub(crate) fn take(&mut self, len: u64, what: &'static str) -> Result<&'a [u8], ReadError> {
        let end = usize::try_from(len)
            .ok()
            .and_then(|len| self.pos.checked_add(len))
            .filter(|&end| end <= self.bytes.len())
            .ok_or(ReadError::Truncated {
                what,
                offset: self.position(),
                needed: len,
                available: self.remaining(),
            })?;
        let slice = &self.bytes[self.pos..end];
        self.pos = end;
        Ok(slice)
    }

    /// Takes everything not read yet.
    pub(crate) fn rest(&mut self) -> &'a [u8] {
        let rest = &self.bytes[self.pos..];
        self.pos = self.bytes.len();
        rest
    }

    /// Takes the next `len` bytes as a reader of their own (absolute offsets kept).
    pub(crate) fn sub_reader(
        &mut self,
        len: u64,
        what: &'static str,
    ) -> Result<Reader<'a>, ReadError> {
        let base = self.position();
        Ok(Reader::with_base(self.take(len, what)?, base))
    }

    /// Reads one byte.
    pub(crate) fn byte(&mut self, what: &'static str) -> Result<u8, ReadError> {
        Ok(self.take(1, what)?[0])
    }

    /// Reads a fixed-width little-endian number of `len` (0..=8) bytes (E_len).
    pub(crate) fn fixed(&mut self, len: usize, what: &'static str) -> Result<u64, ReadError> {
        let bytes = self.take(len as u64, what)?;
        Ok(bytes
            .iter()
            .rev()
            .fold(0u64, |acc, &b| (acc << 8) | u64::from(b)))
    }

    /// Reads a variable-length natural number (E, GP C.6): the count of leading one bits
    /// of the first byte is the number of little-endian bytes that follow.
    pub(crate) fn varint(&mut self, what: &'static str) -> Result<u64, ReadError> {
        self.varint_limited(what, 8)
    }

    /// Reads a natural number in the same encoding that must fit in 32 bits: at most four
    /// extra bytes and at most `u32::MAX` (PolkaVM's container varints).
    pub(crate) fn varint_u32(&mut self, what: &'static str) -> Result<u32, ReadError> {
        let offset = self.position();
        let value = self.varint_limited(what, 4)?;
        u32::try_from(value).map_err(|_| ReadError::OutOfRange { what, offset })
    }

    /// E with at most `max_extra` bytes after the first; a longer prefix is `OutOfRange`
    /// before any further byte is read.
    fn varint_limited(&mut self, what: &'static str, max_extra: usize) -> Result<u64, ReadError> {
        let offset = self.position();
        let first = self.byte(what)?;
        let extra = first.leading_ones() as usize;
        if extra > max_extra {
            return Err(ReadError::OutOfRange { what, offset });
        }
        let value = if extra == 8 {
            self.fixed(8, what)?
        } else {
            let low = self.fixed(extra, what)?;
            let high = u64::from(first & (0x7F >> extra));
            low | (high << (8 * extra))
        };
        // E picks its length from the value (GP C.6), so an encoding longer than needed is
        // not E of anything and deblob fails; PolkaVM's reader rejects it too (found by
        // pvm-difftest: `c0 d5 00` for 213 loaded here, PolkaVM refused it).
        if extra > 0 && value < 1u64 << (7 * extra.min(8)) {
            return Err(ReadError::NonCanonical { what, offset });
        }
        Ok(value)
    }
}

/// Encodes a natural number with the variable-length codec (E).
pub fn encode_varint(value: u64, out: &mut Vec<u8>) {
    if value < 0x80 {
        out.push(value as u8);
        return;
    }
    for extra in 1..8u32 {
        if value < 1u64 << (7 * (extra + 1)) {
            let prefix = (0xFF00u16 >> extra) as u8;
            out.push(prefix | (value >> (8 * extra)) as u8);
            out.extend_from_slice(&value.to_le_bytes()[..extra as usize]);
            return;
        }
    }
    out.push(0xFF);
    out.extend_from_slice(&value.to_le_bytes());
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn varint_round_trips_across_every_length() {
        let samples = [
            0u64,
            1,
            0x7F,
            0x80,
            0x3FFF,
            0x4000,
            1 << 21,
            (1 << 28) - 1,
            1 << 35,
            1 << 49,
            (1 << 56) - 1,
            1 << 56,
            u64::MAX,
        ];
        for value in samples {
            let mut out = Vec::new();
            encode_varint(value, &mut out);
            let mut reader = Reader::new(&out);
            assert_eq!(reader.varint("x").unwrap(), value, "{value:#x}");
            assert_eq!(reader.remaining(), 0, "{value:#x}");
        }
    }

    #[test]
    fn varint_examples_from_the_paper() {
        assert_eq!(Reader::new(&[0x81, 0x00]).varint("x").unwrap(), 0x100);
        assert_eq!(Reader::new(&[0x80, 0x80]).varint("x").unwrap(), 0x80);
    }

    #[test]
    fn over_long_encodings_are_rejected() {
        // 5 fits one byte, 0x80 two, 2^56 the nine-byte form only.
        for bytes in [
            &[0x80, 5][..],
            &[0xC0, 5, 0],
            &[0xFF, 5, 0, 0, 0, 0, 0, 0, 0],
        ] {
            assert!(matches!(
                Reader::new(bytes).varint("len"),
                Err(ReadError::NonCanonical {
                    what: "len",
                    offset: 0
                })
            ));
        }
        assert_eq!(Reader::new(&[0xC0, 0, 0x40]).varint("x").unwrap(), 0x4000);
        assert!(Reader::new(&[0xC0, 0xFF, 0x3F]).varint("x").is_err());
    }

    #[test]
    fn truncated_input_is_an_error() {
        assert!(matches!(
            Reader::new(&[0xC0, 1]).varint("len"),
            Err(ReadError::Truncated { what: "len", .. })
        ));
        assert!(Reader::new(&[]).varint("len").is_err());
    }

    #[test]
    fn varint_u32_takes_at_most_five_bytes_and_32_bits() {
        assert_eq!(
            Reader::new(&[0xF0, 0xFF, 0xFF, 0xFF, 0xFF]).varint_u32("x"),
            Ok(u32::MAX)
        );
        // A sixth byte is out of range before anything past the prefix is read.
        assert_eq!(
            Reader::new(&[0xF8]).varint_u32("x"),
            Err(ReadError::OutOfRange {
                what: "x",
                offset: 0
            })
        );
        assert_eq!(
            Reader::new(&[0xF1, 0, 0, 0, 0]).varint_u32("x"),
            Err(ReadError::OutOfRange {
                what: "x",
                offset: 0
            })
        );
    }

    #[test]
    fn sub_readers_report_absolute_offsets() {
        let bytes = [1, 2, 3, 0xC0];
        let mut outer = Reader::new(&bytes);
        outer.take(2, "head").unwrap();
        let mut inner = outer.sub_reader(2, "body").unwrap();
        assert_eq!(inner.byte("b").unwrap(), 3);
        // 0xC0 announces two more bytes; none are left in the sub-reader.
        assert_eq!(
            inner.varint("v"),
            Err(ReadError::Truncated {
                what: "v",
                offset: 4,
                needed: 2,
                available: 0
            })
        );
    }
}
