//! The JAM standard program (GP A.7, Y(p, a)):
//! `E_3(|o|) ++ E_3(|w|) ++ E_2(z) ++ E_3(s) ++ o ++ w ++ E_4(|p|) ++ p`.

use super::codec::Reader;
use super::raw::RawBlob;
use super::FormatError;
use crate::memory::PAGE_SIZE;

/// Z_Z: the zone size that separates memory regions.
pub const ZONE_SIZE: u32 = 1 << 16;
/// Z_I: the largest argument data.
pub const MAX_ARGS_LEN: u32 = 1 << 24;
/// Top of the stack, and the initial stack pointer: 2^32 − 2Z_Z − Z_I.
pub const STACK_TOP: u32 = (0x1_0000_0000u64 - 2 * ZONE_SIZE as u64 - MAX_ARGS_LEN as u64) as u32;
/// Where argument data is mapped: 2^32 − Z_Z − Z_I.
pub const ARGS_ADDRESS: u32 = (0x1_0000_0000u64 - ZONE_SIZE as u64 - MAX_ARGS_LEN as u64) as u32;

fn page_round(x: u64) -> u64 {
    x.div_ceil(u64::from(PAGE_SIZE)) * u64::from(PAGE_SIZE)
}

fn zone_round(x: u64) -> u64 {
    x.div_ceil(u64::from(ZONE_SIZE)) * u64::from(ZONE_SIZE)
}

/// A parsed JAM standard program.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StandardProgram {
    /// Read-only data `o`.
    pub ro_data: Vec<u8>,
    /// Read-write data `w`.
    pub rw_data: Vec<u8>,
    /// Extra heap pages `z` after the read-write data.
    pub heap_pages: u16,
    /// Stack size `s` in bytes.
    pub stack_size: u32,
    /// The code blob `p`.
    pub blob: RawBlob,
}

/// Largest value a 3-byte length field of the standard program can hold.
const MAX_FIELD: u64 = (1 << 24) - 1;

/// Encodes a standard program from its parts, with `blob` as the already-encoded code blob
/// (it is not checked, so test harnesses can wrap malformed blobs). Fails if a part does
/// not fit its length field (24 bits for RO data, RW data and stack; 32 for the blob).
pub fn encode_standard(
    ro_data: &[u8],
    rw_data: &[u8],
    heap_pages: u16,
    stack_size: u32,
    blob: &[u8],
) -> Result<Vec<u8>, FormatError> {
    let field = |what, size: u64, limit| {
        if size > limit {
            Err(FormatError::TooLarge { what, size, limit })
        } else {
            Ok(size as u32)
        }
    };
    let ro_len = field("read-only data", ro_data.len() as u64, MAX_FIELD)?;
    let rw_len = field("read-write data", rw_data.len() as u64, MAX_FIELD)?;
    let stack = field("stack size", u64::from(stack_size), MAX_FIELD)?;
    let blob_len = field("code blob", blob.len() as u64, u64::from(u32::MAX))?;
    let mut out = Vec::with_capacity(15 + ro_data.len() + rw_data.len() + blob.len());
    out.extend_from_slice(&ro_len.to_le_bytes()[..3]);
    out.extend_from_slice(&rw_len.to_le_bytes()[..3]);
    out.extend_from_slice(&heap_pages.to_le_bytes());
    out.extend_from_slice(&stack.to_le_bytes()[..3]);
    out.extend_from_slice(ro_data);
    out.extend_from_slice(rw_data);
    out.extend_from_slice(&blob_len.to_le_bytes());
    out.extend_from_slice(blob);
    Ok(out)
}

impl StandardProgram {
    /// Encodes the program (the inverse of [`StandardProgram::parse`]).
    pub fn encode(&self) -> Result<Vec<u8>, FormatError> {
        encode_standard(
            &self.ro_data,
            &self.rw_data,
            self.heap_pages,
            self.stack_size,
            &self.blob.encode(),
        )
    }

    /// Parses a standard program and checks that its layout fits the address space.
    pub fn parse(bytes: &[u8]) -> Result<StandardProgram, FormatError> {
        let mut reader = Reader::new(bytes);
        let ro_len = reader.fixed(3, "read-only data length")?;
        let rw_len = reader.fixed(3, "read-write data length")?;
        let heap_pages = reader.fixed(2, "heap pages")? as u16;
        let stack_size = reader.fixed(3, "stack size")? as u32;
        let ro_data = reader.take(ro_len, "read-only data")?.to_vec();
        let rw_data = reader.take(rw_len, "read-write data")?.to_vec();
        let blob_len = reader.fixed(4, "code blob length")?;
        let blob = RawBlob::parse(reader.take(blob_len, "code blob")?)?;
        if reader.remaining() != 0 {
            return Err(FormatError::TrailingBytes {
                what: "standard program",
                count: reader.remaining(),
            });
        }
        let program = StandardProgram {
            ro_data,
            rw_data,
            heap_pages,
            stack_size,
            blob,
        };
        program.check_layout()?;
        Ok(program)
    }

    /// 5·Z_Z + Z(|o|) + Z(|w| + z·Z_P) + Z(s) + Z_I ≤ 2^32.
    fn check_layout(&self) -> Result<(), FormatError> {
        let total = 5 * u64::from(ZONE_SIZE)
            + zone_round(self.ro_data.len() as u64)
            + zone_round(
                self.rw_data.len() as u64 + u64::from(self.heap_pages) * u64::from(PAGE_SIZE),
            )
            + zone_round(u64::from(self.stack_size))
            + u64::from(MAX_ARGS_LEN);
        if total > 1 << 32 {
            return Err(FormatError::MemoryLayout(format!(
                "regions need {total} bytes of address space"
            )));
        }
        Ok(())
    }

    /// Start of the read-only data: Z_Z.
    pub fn ro_address(&self) -> u32 {
        ZONE_SIZE
    }

    /// Start of the read-write data: 2Z_Z + Z(|o|).
    pub fn rw_address(&self) -> u32 {
        (2 * u64::from(ZONE_SIZE) + zone_round(self.ro_data.len() as u64)) as u32
    }

    /// End of the initial heap: the read-write data rounded to pages plus `z` pages.
    pub fn heap_end(&self) -> u32 {
        (u64::from(self.rw_address())
            + page_round(self.rw_data.len() as u64)
            + u64::from(self.heap_pages) * u64::from(PAGE_SIZE)) as u32
    }

    /// Lowest stack address: 2^32 − 2Z_Z − Z_I − P(s).
    pub fn stack_bottom(&self) -> u32 {
        STACK_TOP - page_round(u64::from(self.stack_size)) as u32
    }

    /// Read-only region end (page-rounded).
    pub fn ro_end(&self) -> u32 {
        (u64::from(ZONE_SIZE) + page_round(self.ro_data.len() as u64)) as u32
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn encode(ro: &[u8], rw: &[u8], heap: u16, stack: u32, blob: &[u8]) -> Vec<u8> {
        encode_standard(ro, rw, heap, stack, blob).unwrap()
    }

    #[test]
    fn encode_round_trips_and_rejects_oversized_fields() {
        let bytes = encode(&[1, 2, 3], &[4; 10], 2, 100, &[0, 0, 1, 0, 1]);
        let program = StandardProgram::parse(&bytes).unwrap();
        assert_eq!(program.encode().unwrap(), bytes);
        assert!(matches!(
            encode_standard(&[], &[], 0, 1 << 24, &[]),
            Err(FormatError::TooLarge {
                what: "stack size",
                ..
            })
        ));
    }

    #[test]
    fn parses_and_lays_out() {
        let bytes = encode(&[1, 2, 3], &[4; 5000], 2, 100, &[0, 0, 1, 0, 1]);
        let program = StandardProgram::parse(&bytes).unwrap();
        assert_eq!(program.ro_data, [1, 2, 3]);
        assert_eq!(program.rw_address(), 0x3_0000);
        assert_eq!(program.heap_end(), 0x3_0000 + 2 * 4096 + 2 * 4096);
        assert_eq!(program.stack_bottom(), 0xFEFE_0000 - 4096);
        assert_eq!(STACK_TOP, 0xFEFE_0000);
        assert_eq!(ARGS_ADDRESS, 0xFEFF_0000);
        assert_eq!(program.blob.code, [0]);
    }

    #[test]
    fn largest_encodable_sizes_fit_and_truncation_is_rejected() {
        // 24-bit sizes and 65535 heap pages are the most the encoding can say: they fit.
        let bytes = encode(&[], &[], u16::MAX, 0xFF_FFFF, &[0, 0, 1, 0, 1]);
        let program = StandardProgram::parse(&bytes).unwrap();
        assert!(program.heap_end() < program.stack_bottom());
        // A read-only length of 16 MiB with no bytes behind it.
        let mut bytes = encode(&[], &[], 0, 0, &[0, 0, 1, 0, 1]);
        bytes[0..3].copy_from_slice(&[0xFF, 0xFF, 0xFF]);
        assert!(matches!(
            StandardProgram::parse(&bytes),
            Err(FormatError::Truncated { .. })
        ));
        let bytes = encode(&[1], &[], 0, 0, &[0, 0, 1, 0, 1]);
        assert!(matches!(
            StandardProgram::parse(&bytes[..bytes.len() - 1]),
            Err(FormatError::Truncated { .. })
        ));
    }
}
