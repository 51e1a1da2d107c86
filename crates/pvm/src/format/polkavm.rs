//! Parser for PolkaVM's `.polkavm` program container (as written by
//! `polkavm-linker` 0.37 for `TargetInstructionSet::JamV1`) and the guest
//! memory layout PolkaVM 0.37 uses for such a program.
//!
//! # Container format (polkavm-common 0.37, `ProgramParts::from_bytes`)
//!
//! ```text
//! magic      "PVM\0"                      4 bytes
//! version    u8                           3 = JamV1 (the only one accepted here)
//! blob_len   u64 little endian            must equal the total file length
//! sections   (id: u8, length: varint, payload: length bytes)*, in this order,
//!            each one optional:
//!     1  memory config   varint ro_data_size, varint rw_data_size, varint stack_size
//!                        (the payload must be exactly these three varints)
//!     2  RO data         initial RO bytes (may be shorter than ro_data_size)
//!     3  RW data         initial RW bytes (may be shorter than rw_data_size)
//!     4  imports         varint count (<= 1024), count x u32 LE offsets into the
//!                        symbol bytes, then the concatenated symbol bytes
//!     5  exports         varint count, then count x (varint pc, varint len, name)
//!     6  code            varint jump_table_count (<= 16 Mi), u8 entry_size (0..=4),
//!                        varint code_len (<= 32 MiB), jump table (count x
//!                        entry_size bytes, LE), code, bitmask (exactly
//!                        ceil(code_len / 8) bytes, padding bits zero)
//!   128..=255  optional  skipped (128/129/130 = debug strings / line programs /
//!                        line program ranges, 131 = metadata hash, others unknown);
//!                        PolkaVM only accepts them after the code section
//! end        u8 0
//! ```
//!
//! Varints are PolkaVM's prefix varints: the number of leading one bits of the
//! first byte (0..=4) is the count of extra little-endian bytes that follow,
//! the remaining low bits of the first byte are the most significant bits.
//! Only canonical encodings of values that fit in a `u32` are accepted.
//!
//! Parsed: memory config, RO/RW data, imports, exports, code + jump table +
//! bitmask. Skipped (never rejected): every optional section (id >= 128) that
//! follows the code section, including the debug-info and metadata-hash
//! sections. Bytes after the end-of-file marker are ignored, as in PolkaVM.
//!
//! Differences from PolkaVM (which parses some parts lazily and silently
//! ignores their errors): a malformed or over-long exports section, an export
//! whose pc is outside the code, an import whose symbol range is invalid, and
//! non-UTF-8 names are rejected with typed errors here.
//!
//! Only the container is checked; instruction validity is left to the
//! engine (PolkaVM's interpreter validates JamV1 code separately).
//!
//! # Memory layout and calls
//!
//! See [`Container::memory_layout`] for the exact address rule (page size
//! 4096, 64 KiB guard zones). For an export call PolkaVM's
//! `prepare_call_untyped` clears all 13 registers, then sets
//! `RA` (r0) = [`MemoryLayout::return_address`] (0xFFFF0000, zero-extended to
//! 64 bits), `SP` (r1) = [`MemoryLayout::stack_pointer`] (zero-extended),
//! puts the arguments in A0..A5 (r7..r12) and then T0..T2 (r2..r4), and
//! starts at the export's `pc`. Returning to `RA` ends the call.

use thiserror::Error;

use super::codec::{ReadError, Reader};

mod layout;

use layout::compute_layout;
pub use layout::MemoryLayout;

/// The 4-byte magic at the start of every `.polkavm` file.
pub const POLKAVM_MAGIC: [u8; 4] = *b"PVM\0";

/// Blob version byte for the JamV1 instruction set (the only one accepted).
pub const POLKAVM_VERSION_JAM_V1: u8 = 3;

/// Page size PolkaVM 0.37 uses by default (`ModuleConfig::page_size`).
pub const POLKAVM_PAGE_SIZE: u32 = 0x1000;

/// The address which, when jumped to, returns to the host (`VM_ADDR_RETURN_TO_HOST`).
pub const POLKAVM_RETURN_TO_HOST: u32 = 0xFFFF_0000;

/// Largest code size PolkaVM accepts (`VM_MAXIMUM_CODE_SIZE`).
pub const POLKAVM_MAX_CODE_SIZE: u32 = 32 * 1024 * 1024;

/// Largest jump table PolkaVM accepts (`VM_MAXIMUM_JUMP_TABLE_ENTRIES`).
pub const POLKAVM_MAX_JUMP_TABLE_ENTRIES: u32 = 16 * 1024 * 1024;

/// Largest import count PolkaVM accepts (`VM_MAXIMUM_IMPORT_COUNT`).
pub const POLKAVM_MAX_IMPORT_COUNT: u32 = 1024;

/// The header is the magic, a version byte and the blob length as a little-endian u64.
const BLOB_LENGTH_BYTES: u64 = 8;

/// Guard/alignment unit of the address space (`VM_MAX_PAGE_SIZE`).
const MAX_PAGE_SIZE: u64 = 0x10000;

/// Top of the usable address space (`VM_ADDRESS_SPACE_TOP`): 2^32 - 64 KiB.
const ADDRESS_SPACE_TOP: u64 = 0x1_0000_0000 - MAX_PAGE_SIZE;

const SECTION_END_OF_FILE: u8 = 0;
const SECTION_MEMORY_CONFIG: u8 = 1;
const SECTION_RO_DATA: u8 = 2;
const SECTION_RW_DATA: u8 = 3;
const SECTION_IMPORTS: u8 = 4;
const SECTION_EXPORTS: u8 = 5;
const SECTION_CODE_AND_JUMP_TABLE: u8 = 6;
/// Sections with this bit set are optional and may be skipped.
const SECTION_OPTIONAL_BIT: u8 = 0x80;

/// Errors from parsing a `.polkavm` container or computing its memory layout.
#[derive(Debug, Error, PartialEq, Eq)]
pub enum ContainerError {
    /// The data does not start with [`POLKAVM_MAGIC`].
    #[error("not a .polkavm program: missing \"PVM\\0\" magic")]
    BadMagic,
    /// The version byte is not [`POLKAVM_VERSION_JAM_V1`].
    #[error("unsupported .polkavm version {0} (only 3 = JamV1 is supported)")]
    UnsupportedVersion(u8),
    /// The length stored in the header differs from the actual data length.
    #[error("blob length mismatch: header says {declared} bytes, data has {actual}")]
    LengthMismatch {
        /// Length stored in the header.
        declared: u64,
        /// Actual length of the input.
        actual: u64,
    },
    /// The data ends before an item is complete.
    #[error("truncated {what} at offset {offset}: need {needed} bytes, only {available} left")]
    Truncated {
        /// What was being read.
        what: &'static str,
        /// Absolute offset in the blob where the read started.
        offset: usize,
        /// Bytes needed.
        needed: usize,
        /// Bytes available.
        available: usize,
    },
    /// A varint is malformed (non-canonical, longer than 5 bytes or above `u32::MAX`).
    #[error("invalid varint for {what} at offset {offset}")]
    InvalidVarint {
        /// What was being read.
        what: &'static str,
        /// Absolute offset of the varint's first byte.
        offset: usize,
    },
    /// A known section appears after a section that must follow it.
    #[error("section {section} at offset {offset} is out of order")]
    SectionOutOfOrder {
        /// Section id.
        section: u8,
        /// Absolute offset of the section id byte.
        offset: usize,
    },
    /// A known section appears twice.
    #[error("duplicate section {section} at offset {offset}")]
    DuplicateSection {
        /// Section id.
        section: u8,
        /// Absolute offset of the section id byte.
        offset: usize,
    },
    /// A non-optional section id (1..=127) that PolkaVM 0.37 does not know.
    #[error("unknown required section {section} at offset {offset}")]
    UnknownSection {
        /// Section id.
        section: u8,
        /// Absolute offset of the section id byte.
        offset: usize,
    },
    /// A section's payload is not fully consumed by its contents, or is too short.
    #[error("section {section} has {declared} payload bytes but its contents take {used}")]
    SectionLengthMismatch {
        /// Section id.
        section: u8,
        /// Declared payload length.
        declared: usize,
        /// Bytes actually used by the contents.
        used: usize,
    },
    /// A count or size exceeds PolkaVM's limit.
    #[error("{what} too large: {size} (limit {limit})")]
    TooLarge {
        /// What is too large.
        what: &'static str,
        /// The offending value.
        size: u64,
        /// The maximum allowed.
        limit: u64,
    },
    /// Initial data is longer than the declared memory size of its region.
    #[error("{what} payload is {actual} bytes but the declared size is only {declared}")]
    DataExceedsDeclaredSize {
        /// `"RO data"` or `"RW data"`.
        what: &'static str,
        /// Length of the payload.
        actual: usize,
        /// Declared size from the memory config.
        declared: u32,
    },
    /// There is no (or an empty) code section.
    #[error("the program has no code section")]
    MissingCode,
    /// The jump table entry size is not in 0..=4.
    #[error("invalid jump table entry size {0} (must be 0..=4)")]
    InvalidJumpTableEntrySize(u8),
    /// The bitmask is not exactly `ceil(code_len / 8)` bytes.
    #[error("bitmask is {actual} bytes but {code_len} bytes of code need {expected}")]
    BitmaskLengthMismatch {
        /// Bitmask length found.
        actual: usize,
        /// Expected bitmask length.
        expected: usize,
        /// Code length.
        code_len: usize,
    },
    /// Bits of the last bitmask byte beyond the end of the code are set.
    #[error("the bitmask is padded with non-zero bits")]
    BitmaskPaddingNotZero,
    /// An import or export name is not valid UTF-8.
    #[error("{what} #{index} has a name that is not valid UTF-8")]
    BadUtf8 {
        /// `"import"` or `"export"`.
        what: &'static str,
        /// Index of the import/export.
        index: u32,
    },
    /// An import's symbol offsets do not describe a valid range.
    #[error("import #{index} has an invalid symbol range")]
    InvalidImport {
        /// Index of the import.
        index: u32,
    },
    /// An export points outside the code.
    #[error("export {name:?} points to code offset {pc}, but the code is only {code_len} bytes")]
    ExportOutOfRange {
        /// Export name.
        name: String,
        /// Its code offset.
        pc: u32,
        /// Code length.
        code_len: usize,
    },
    /// The memory configuration cannot be laid out in the 32-bit address space
    /// (the message is PolkaVM's `MemoryMapBuilder::build` error).
    #[error("invalid memory configuration: {0}")]
    InvalidMemoryConfig(&'static str),
}

/// Cheap check: does `bytes` start with the `.polkavm` magic?
pub fn is_polkavm(bytes: &[u8]) -> bool {
    bytes.starts_with(&POLKAVM_MAGIC)
}

/// One exported function.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Export {
    /// The export's symbol name.
    pub name: String,
    /// code offset of the function's first instruction
    pub pc: u32,
}

/// A parsed `.polkavm` program.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Container {
    /// Whether the instruction set is 64-bit (always true for JamV1, the only
    /// accepted version).
    pub is_64_bit: bool,
    /// Declared RO data size (the memory size; `ro_data` may be shorter, the rest is zero).
    pub ro_data_size: u32,
    /// Declared RW data size, including zero-initialised data (BSS).
    pub rw_data_size: u32,
    /// Declared minimum stack size.
    pub stack_size: u32,
    /// Initial RO data bytes.
    pub ro_data: Vec<u8>,
    /// Initial RW data bytes.
    pub rw_data: Vec<u8>,
    /// The program code.
    pub code: Vec<u8>,
    /// packed bitmask, one bit per code byte, LSB first (as in the GP raw blob)
    pub bitmask: Vec<u8>,
    /// Jump table: code offsets; dynamic jump address `2 * (i + 1)` selects entry `i`.
    pub jump_table: Vec<u32>,
    /// Exported functions, in container order (duplicates are kept; see [`Container::export`]).
    pub exports: Vec<Export>,
    /// import names by index (the `ecalli` immediate), if any
    /// (an empty name marks an index the program does not use).
    pub imports: Vec<String>,
}

impl Container {
    /// Parses a `.polkavm` blob (JamV1 only). Never panics on any input.
    pub fn parse(bytes: &[u8]) -> Result<Container, ContainerError> {
        if !is_polkavm(bytes) {
            return Err(ContainerError::BadMagic);
        }

        let mut reader = Reader::new(bytes);
        reader.take(POLKAVM_MAGIC.len() as u64, "magic")?;
        let version = reader.byte("version")?;
        if version != POLKAVM_VERSION_JAM_V1 {
            return Err(ContainerError::UnsupportedVersion(version));
        }
        let length_field = reader.take(BLOB_LENGTH_BYTES, "blob length")?;
        let mut length_bytes = [0u8; 8];
        length_bytes.copy_from_slice(length_field);
        let declared = u64::from_le_bytes(length_bytes);
        let actual = u64::try_from(bytes.len()).unwrap_or(u64::MAX);
        if declared != actual {
            return Err(ContainerError::LengthMismatch { declared, actual });
        }

        let mut container = Container {
            is_64_bit: true,
            ro_data_size: 0,
            rw_data_size: 0,
            stack_size: 0,
            ro_data: Vec::new(),
            rw_data: Vec::new(),
            code: Vec::new(),
            bitmask: Vec::new(),
            jump_table: Vec::new(),
            exports: Vec::new(),
            imports: Vec::new(),
        };
        // Bit `id` set = section `id` (1..=6) was seen.
        let mut seen: u8 = 0;
        let mut section_offset = reader.position();
        let mut section = reader.byte("section id")?;

        if section == SECTION_MEMORY_CONFIG {
            let mut body = section_body(&mut reader, "memory config section")?;
            container.ro_data_size = body.varint_u32("RO data size")?;
            container.rw_data_size = body.varint_u32("RW data size")?;
            container.stack_size = body.varint_u32("stack size")?;
            expect_end(&body, SECTION_MEMORY_CONFIG)?;
            seen |= 1 << section;
            section_offset = reader.position();
            section = reader.byte("section id")?;
        }
        if section == SECTION_RO_DATA {
            container.ro_data = section_body(&mut reader, "RO data section")?
                .rest()
                .to_vec();
            seen |= 1 << section;
            section_offset = reader.position();
            section = reader.byte("section id")?;
        }
        if section == SECTION_RW_DATA {
            container.rw_data = section_body(&mut reader, "RW data section")?
                .rest()
                .to_vec();
            seen |= 1 << section;
            section_offset = reader.position();
            section = reader.byte("section id")?;
        }
        if section == SECTION_IMPORTS {
            let body = section_body(&mut reader, "imports section")?;
            container.imports = parse_imports(body)?;
            seen |= 1 << section;
            section_offset = reader.position();
            section = reader.byte("section id")?;
        }
        let mut exports_body = None;
        if section == SECTION_EXPORTS {
            exports_body = Some(section_body(&mut reader, "exports section")?);
            seen |= 1 << section;
            section_offset = reader.position();
            section = reader.byte("section id")?;
        }
        let mut code_body = None;
        if section == SECTION_CODE_AND_JUMP_TABLE {
            code_body = Some(section_body(&mut reader, "code section")?);
            seen |= 1 << section;
            section_offset = reader.position();
            section = reader.byte("section id")?;
        }
        while section & SECTION_OPTIONAL_BIT != 0 {
            section_body(&mut reader, "optional section")?;
            section_offset = reader.position();
            section = reader.byte("section id")?;
        }
        if section != SECTION_END_OF_FILE {
            let is_known = (SECTION_MEMORY_CONFIG..=SECTION_CODE_AND_JUMP_TABLE).contains(&section);
            return Err(if is_known && seen & (1 << section) != 0 {
                ContainerError::DuplicateSection {
                    section,
                    offset: section_offset,
                }
            } else if is_known {
                ContainerError::SectionOutOfOrder {
                    section,
                    offset: section_offset,
                }
            } else {
                ContainerError::UnknownSection {
                    section,
                    offset: section_offset,
                }
            });
        }

        if container.ro_data.len() > u32_len(container.ro_data_size) {
            return Err(ContainerError::DataExceedsDeclaredSize {
                what: "RO data",
                actual: container.ro_data.len(),
                declared: container.ro_data_size,
            });
        }
        if container.rw_data.len() > u32_len(container.rw_data_size) {
            return Err(ContainerError::DataExceedsDeclaredSize {
                what: "RW data",
                actual: container.rw_data.len(),
                declared: container.rw_data_size,
            });
        }

        let code_body = match code_body {
            Some(body) if !body.is_empty() => body,
            _ => return Err(ContainerError::MissingCode),
        };
        parse_code(code_body, &mut container)?;

        if let Some(body) = exports_body {
            container.exports = parse_exports(body, container.code.len())?;
        }

        Ok(container)
    }

    /// Returns the first export called `name` (PolkaVM also keeps the first of duplicates).
    pub fn export(&self, name: &str) -> Option<&Export> {
        self.exports.iter().find(|export| export.name == name)
    }

    /// The memory layout PolkaVM 0.37 uses for this program (page size 4096).
    ///
    /// This follows `MemoryMapBuilder::build` with page size 0x1000 and
    /// aux_data_size 0 (PolkaVM's default `ModuleConfig`). With
    /// `align64k(x)` = x rounded up to 64 KiB and `align4k(x)` = x rounded up to 4 KiB:
    ///
    /// * RO data: `[0x10000, 0x10000 + align4k(ro_data_size))`
    /// * RW data starts at `rw = 0x10000 + align64k(ro_data_size) + 0x10000`
    ///   and spans `align4k(rw_data_size)`; the heap starts at `rw + rw_data_size`
    /// * stack: ends at `0xFFFF0000 - 0x10000 = 0xFFFE0000` (the initial SP)
    ///   and spans `align4k(stack_size)` below it
    /// * everything must fit: `rw + align64k(rw_data_size) + 0x10000 <=
    ///   0xFFFE0000 - align64k(stack_size)`, else [`ContainerError::InvalidMemoryConfig`].
    pub fn memory_layout(&self) -> Result<MemoryLayout, ContainerError> {
        compute_layout(self.ro_data_size, self.rw_data_size, self.stack_size, 0)
    }
}

/// Converts a `u32` length to `usize` without truncation on >= 32-bit targets
/// (saturating elsewhere).
fn u32_len(value: u32) -> usize {
    usize::try_from(value).unwrap_or(usize::MAX)
}

/// Parses the imports section payload.
fn parse_imports(mut body: Reader<'_>) -> Result<Vec<String>, ContainerError> {
    let count = body.varint_u32("import count")?;
    if count > POLKAVM_MAX_IMPORT_COUNT {
        return Err(ContainerError::TooLarge {
            what: "import count",
            size: u64::from(count),
            limit: u64::from(POLKAVM_MAX_IMPORT_COUNT),
        });
    }
    // count <= 1024, so this cannot overflow.
    let offsets = body.take(u64::from(count) * 4, "import offsets")?;
    let symbols = body.rest();
    let offset_at = |index: usize| -> Option<usize> {
        let start = index.checked_mul(4)?;
        let raw = offsets.get(start..start.checked_add(4)?)?;
        let mut word = [0u8; 4];
        word.copy_from_slice(raw);
        Some(u32_len(u32::from_le_bytes(word)))
    };

    let mut imports = Vec::new();
    for index in 0..count {
        let slot = u32_len(index);
        let start = offset_at(slot).ok_or(ContainerError::InvalidImport { index })?;
        let end = offset_at(slot + 1).unwrap_or(symbols.len());
        let name = symbols
            .get(start..end)
            .ok_or(ContainerError::InvalidImport { index })?;
        let name = core::str::from_utf8(name).map_err(|_| ContainerError::BadUtf8 {
            what: "import",
            index,
        })?;
        imports.push(name.to_owned());
    }
    Ok(imports)
}

/// Parses the exports section payload; every pc must lie inside the code.
fn parse_exports(mut body: Reader<'_>, code_len: usize) -> Result<Vec<Export>, ContainerError> {
    if body.is_empty() {
        return Ok(Vec::new());
    }
    let count = body.varint_u32("export count")?;
    let mut exports = Vec::new();
    for index in 0..count {
        let pc = body.varint_u32("export pc")?;
        let name_len = body.varint_u32("export name length")?;
        let name = body.take(u64::from(name_len), "export name")?;
        let name = core::str::from_utf8(name).map_err(|_| ContainerError::BadUtf8 {
            what: "export",
            index,
        })?;
        if u32_len(pc) >= code_len {
            return Err(ContainerError::ExportOutOfRange {
                name: name.to_owned(),
                pc,
                code_len,
            });
        }
        exports.push(Export {
            name: name.to_owned(),
            pc,
        });
    }
    expect_end(&body, SECTION_EXPORTS)?;
    Ok(exports)
}

/// Parses the code-and-jump-table section payload (JamV1 / legacy layout).
fn parse_code(mut body: Reader<'_>, container: &mut Container) -> Result<(), ContainerError> {
    let jump_table_count = body.varint_u32("jump table entry count")?;
    if jump_table_count > POLKAVM_MAX_JUMP_TABLE_ENTRIES {
        return Err(ContainerError::TooLarge {
            what: "jump table",
            size: u64::from(jump_table_count),
            limit: u64::from(POLKAVM_MAX_JUMP_TABLE_ENTRIES),
        });
    }
    let entry_size = body.byte("jump table entry size")?;
    let code_len = body.varint_u32("code length")?;
    if entry_size > 4 {
        return Err(ContainerError::InvalidJumpTableEntrySize(entry_size));
    }
    // count <= 16 Mi and entry_size <= 4: fits easily.
    let jump_table_len = u64::from(jump_table_count) * u64::from(entry_size);
    let jump_table = body.take(jump_table_len, "jump table")?;
    if code_len > POLKAVM_MAX_CODE_SIZE {
        return Err(ContainerError::TooLarge {
            what: "code",
            size: u64::from(code_len),
            limit: u64::from(POLKAVM_MAX_CODE_SIZE),
        });
    }
    let code = body.take(u64::from(code_len), "code")?;
    let bitmask = body.rest();

    let expected = code.len().div_ceil(8);
    if bitmask.len() != expected {
        return Err(ContainerError::BitmaskLengthMismatch {
            actual: bitmask.len(),
            expected,
            code_len: code.len(),
        });
    }
    let used_bits = code.len() % 8;
    if used_bits != 0 {
        let last = bitmask.last().copied().unwrap_or(0);
        if last >> used_bits != 0 {
            return Err(ContainerError::BitmaskPaddingNotZero);
        }
    }

    container.jump_table = if entry_size == 0 {
        Vec::new()
    } else {
        jump_table
            .chunks_exact(usize::from(entry_size))
            .map(|chunk| {
                chunk
                    .iter()
                    .rev()
                    .fold(0u32, |value, &byte| (value << 8) | u32::from(byte))
            })
            .collect()
    };
    container.code = code.to_vec();
    container.bitmask = bitmask.to_vec();
    Ok(())
}

impl From<ReadError> for ContainerError {
    fn from(error: ReadError) -> ContainerError {
        match error {
            ReadError::Truncated {
                what,
                offset,
                needed,
                available,
            } => ContainerError::Truncated {
                what,
                offset,
                needed: usize::try_from(needed).unwrap_or(usize::MAX),
                available,
            },
            ReadError::NonCanonical { what, offset } | ReadError::OutOfRange { what, offset } => {
                ContainerError::InvalidVarint { what, offset }
            }
        }
    }
}

/// Reads `varint length` + payload and returns a reader over the payload.
fn section_body<'a>(
    reader: &mut Reader<'a>,
    what: &'static str,
) -> Result<Reader<'a>, ContainerError> {
    let length = reader.varint_u32(what)?;
    Ok(reader.sub_reader(u64::from(length), what)?)
}

/// Fails unless the section payload has been consumed entirely.
fn expect_end(body: &Reader<'_>, section: u8) -> Result<(), ContainerError> {
    if body.is_empty() {
        Ok(())
    } else {
        Err(ContainerError::SectionLengthMismatch {
            section,
            declared: body.len(),
            used: body.consumed(),
        })
    }
}

#[cfg(test)]
mod tests;
