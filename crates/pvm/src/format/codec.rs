//! The JAM natural-number codec (GP appendix C) and a bounds-checked byte reader.

use super::FormatError;

/// A cursor over untrusted bytes; every read is bounds-checked and reports what it was
/// reading when the input runs out.
pub(crate) struct Reader<'a> {
    bytes: &'a [u8],
    pos: usize,
}

impl<'a> Reader<'a> {
    pub(crate) fn new(bytes: &'a [u8]) -> Self {
        Reader { bytes, pos: 0 }
    }

    /// Bytes not read yet.
    pub(crate) fn remaining(&self) -> usize {
        self.bytes.len() - self.pos
    }

    /// Takes the next `len` bytes.
    pub(crate) fn take(&mut self, len: u64, what: &'static str) -> Result<&'a [u8], FormatError> {
        let end = usize::try_from(len)
            .ok()
            .and_then(|len| self.pos.checked_add(len))
            .filter(|&end| end <= self.bytes.len())
            .ok_or(FormatError::Truncated {
                what,
                offset: self.pos,
            })?;
        let slice = &self.bytes[self.pos..end];
        self.pos = end;
        Ok(slice)
    }

    /// Reads a fixed-width little-endian number of `len` (0..=8) bytes (E_len).
    pub(crate) fn fixed(&mut self, len: usize, what: &'static str) -> Result<u64, FormatError> {
        let bytes = self.take(len as u64, what)?;
        Ok(bytes
            .iter()
            .rev()
            .fold(0u64, |acc, &b| (acc << 8) | u64::from(b)))
    }

    /// Reads a variable-length natural number (E).
    pub(crate) fn varint(&mut self, what: &'static str) -> Result<u64, FormatError> {
        let offset = self.pos;
        let first = self.fixed(1, what)? as u8;
        let extra = first.leading_ones() as usize;
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
            return Err(FormatError::NonCanonical { what, offset });
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
                Err(FormatError::NonCanonical {
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
            Err(FormatError::Truncated { what: "len", .. })
        ));
        assert!(Reader::new(&[]).varint("len").is_err());
    }
}
