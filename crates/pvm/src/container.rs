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

/// Size of the fixed header: magic, version byte, u64 blob length.
const HEADER_LEN: usize = 4 + 1 + 8;

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

/// Where PolkaVM places each region. Every range is [start, end) in guest addresses, page-aligned ends.
///
/// Regions not listed (guard zones, the space between heap and stack) are
/// inaccessible. The RW range grows upwards by `sbrk` from [`MemoryLayout::heap_base`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct MemoryLayout {
    /// Read-only region: starts at 0x10000, `ro_data_size` rounded up to 4 KiB.
    pub ro_data: (u32, u32),
    /// Read-write region: `rw_data_size` rounded up to 4 KiB (includes BSS; the
    /// heap starts at the unrounded end, see [`MemoryLayout::heap_base`]).
    pub rw_data: (u32, u32),
    /// Read-write stack region: `stack_size` rounded up to 4 KiB, ending at `stack_pointer`.
    pub stack: (u32, u32),
    /// initial stack pointer for an export call
    pub stack_pointer: u32,
    /// address to put in RA so that returning halts (0xFFFF0000)
    pub return_address: u32,
    /// First heap byte: `rw_data.0 + rw_data_size` (not page aligned); the
    /// pointer returned by PolkaVM's first `sbrk`/heap-base query.
    pub heap_base: u32,
    /// Maximum total heap size (`sbrk` beyond it fails), as in PolkaVM's `MemoryMap::max_heap_size`.
    pub max_heap_size: u32,
    /// Auxiliary data region; always empty `(0xFFFF0000, 0xFFFF0000)` with
    /// PolkaVM's default `ModuleConfig` (aux_data_size = 0).
    pub aux_data: (u32, u32),
}

impl Container {
    /// Parses a `.polkavm` blob (JamV1 only). Never panics on any input.
    pub fn parse(bytes: &[u8]) -> Result<Container, ContainerError> {
        if !is_polkavm(bytes) {
            return Err(ContainerError::BadMagic);
        }

        let mut reader = Reader::new(bytes, 0);
        reader.bytes(POLKAVM_MAGIC.len(), "magic")?;
        let version = reader.byte("version")?;
        if version != POLKAVM_VERSION_JAM_V1 {
            return Err(ContainerError::UnsupportedVersion(version));
        }
        let length_field = reader.bytes(HEADER_LEN - POLKAVM_MAGIC.len() - 1, "blob length")?;
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
            let mut body = reader.section_body("memory config section")?;
            container.ro_data_size = body.varint("RO data size")?;
            container.rw_data_size = body.varint("RW data size")?;
            container.stack_size = body.varint("stack size")?;
            body.expect_end(SECTION_MEMORY_CONFIG)?;
            seen |= 1 << section;
            section_offset = reader.position();
            section = reader.byte("section id")?;
        }
        if section == SECTION_RO_DATA {
            container.ro_data = reader.section_body("RO data section")?.rest().to_vec();
            seen |= 1 << section;
            section_offset = reader.position();
            section = reader.byte("section id")?;
        }
        if section == SECTION_RW_DATA {
            container.rw_data = reader.section_body("RW data section")?.rest().to_vec();
            seen |= 1 << section;
            section_offset = reader.position();
            section = reader.byte("section id")?;
        }
        if section == SECTION_IMPORTS {
            let body = reader.section_body("imports section")?;
            container.imports = parse_imports(body)?;
            seen |= 1 << section;
            section_offset = reader.position();
            section = reader.byte("section id")?;
        }
        let mut exports_body = None;
        if section == SECTION_EXPORTS {
            exports_body = Some(reader.section_body("exports section")?);
            seen |= 1 << section;
            section_offset = reader.position();
            section = reader.byte("section id")?;
        }
        let mut code_body = None;
        if section == SECTION_CODE_AND_JUMP_TABLE {
            code_body = Some(reader.section_body("code section")?);
            seen |= 1 << section;
            section_offset = reader.position();
            section = reader.byte("section id")?;
        }
        while section & SECTION_OPTIONAL_BIT != 0 {
            reader.section_body("optional section")?;
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

/// Rounds `value` up to a multiple of `page` (a power of two), `None` on overflow.
fn align_up(page: u64, value: u64) -> Option<u64> {
    let mask = page.checked_sub(1)?;
    value.checked_add(mask).map(|sum| sum & !mask)
}

/// PolkaVM's `MemoryMapBuilder::build` for page size 4096.
fn compute_layout(
    ro_data_size: u32,
    rw_data_size: u32,
    stack_size: u32,
    aux_data_size: u32,
) -> Result<MemoryLayout, ContainerError> {
    let page = u64::from(POLKAVM_PAGE_SIZE);
    let max_u32 = u64::from(u32::MAX);
    // Rounds to the page size; the result must still fit in a u32.
    let page_len = |value: u32, message: &'static str| {
        align_up(page, u64::from(value))
            .filter(|&len| len <= max_u32)
            .ok_or(ContainerError::InvalidMemoryConfig(message))
    };
    let space = |value: u32, message: &'static str| {
        align_up(MAX_PAGE_SIZE, u64::from(value))
            .ok_or(ContainerError::InvalidMemoryConfig(message))
    };

    let ro_space = space(ro_data_size, "the size of read-only data is too big")?;
    let ro_len = page_len(ro_data_size, "the size of read-only data is too big")?;
    let rw_space = space(rw_data_size, "the size of read-write data is too big")?;
    let rw_len = page_len(rw_data_size, "the size of read-write data is too big")?;
    let stack_space = space(stack_size, "the size of the stack is too big")?;
    let stack_len = page_len(stack_size, "the size of the stack is too big")?;
    let aux_space = space(aux_data_size, "the size of the aux data is too big")?;
    let aux_len = page_len(aux_data_size, "the size of the aux data is too big")?;

    let exceeded = || ContainerError::InvalidMemoryConfig("maximum memory size exceeded");
    // All values below are sums of at most a few u32-sized terms: no u64 overflow.
    let ro_address = MAX_PAGE_SIZE;
    let rw_address = ro_address + ro_space + MAX_PAGE_SIZE;
    let heap_base = rw_address + u64::from(rw_data_size);
    let rw_space_end = rw_address + rw_space;
    let heap_slack = rw_space_end - heap_base;
    let address_low = rw_space_end + MAX_PAGE_SIZE;

    let aux_address = ADDRESS_SPACE_TOP
        .checked_sub(aux_space)
        .ok_or_else(exceeded)?;
    let stack_high = aux_address
        .checked_sub(MAX_PAGE_SIZE)
        .ok_or_else(exceeded)?;
    let address_high = stack_high.checked_sub(stack_space).ok_or_else(exceeded)?;
    if address_low > address_high {
        return Err(exceeded());
    }
    let max_heap_size = address_high - address_low + heap_slack;

    let to_u32 = |value: u64| u32::try_from(value).map_err(|_| exceeded());
    let stack_low = stack_high.checked_sub(stack_len).ok_or_else(exceeded)?;
    Ok(MemoryLayout {
        ro_data: (to_u32(ro_address)?, to_u32(ro_address + ro_len)?),
        rw_data: (to_u32(rw_address)?, to_u32(rw_address + rw_len)?),
        stack: (to_u32(stack_low)?, to_u32(stack_high)?),
        stack_pointer: to_u32(stack_high)?,
        return_address: POLKAVM_RETURN_TO_HOST,
        heap_base: to_u32(heap_base)?,
        max_heap_size: to_u32(max_heap_size)?,
        aux_data: (to_u32(aux_address)?, to_u32(aux_address + aux_len)?),
    })
}

/// Parses the imports section payload.
fn parse_imports(mut body: Reader<'_>) -> Result<Vec<String>, ContainerError> {
    let count = body.varint("import count")?;
    if count > POLKAVM_MAX_IMPORT_COUNT {
        return Err(ContainerError::TooLarge {
            what: "import count",
            size: u64::from(count),
            limit: u64::from(POLKAVM_MAX_IMPORT_COUNT),
        });
    }
    // count <= 1024, so this cannot overflow.
    let offsets = body.bytes(u32_len(count) * 4, "import offsets")?;
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
    let count = body.varint("export count")?;
    let mut exports = Vec::new();
    for index in 0..count {
        let pc = body.varint("export pc")?;
        let name_len = body.varint("export name length")?;
        let name = body.bytes(u32_len(name_len), "export name")?;
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
    body.expect_end(SECTION_EXPORTS)?;
    Ok(exports)
}

/// Parses the code-and-jump-table section payload (JamV1 / legacy layout).
fn parse_code(mut body: Reader<'_>, container: &mut Container) -> Result<(), ContainerError> {
    let jump_table_count = body.varint("jump table entry count")?;
    if jump_table_count > POLKAVM_MAX_JUMP_TABLE_ENTRIES {
        return Err(ContainerError::TooLarge {
            what: "jump table",
            size: u64::from(jump_table_count),
            limit: u64::from(POLKAVM_MAX_JUMP_TABLE_ENTRIES),
        });
    }
    let entry_size = body.byte("jump table entry size")?;
    let code_len = body.varint("code length")?;
    if entry_size > 4 {
        return Err(ContainerError::InvalidJumpTableEntrySize(entry_size));
    }
    // count <= 16 Mi and entry_size <= 4: fits easily.
    let jump_table_len = u32_len(jump_table_count) * usize::from(entry_size);
    let jump_table = body.bytes(jump_table_len, "jump table")?;
    if code_len > POLKAVM_MAX_CODE_SIZE {
        return Err(ContainerError::TooLarge {
            what: "code",
            size: u64::from(code_len),
            limit: u64::from(POLKAVM_MAX_CODE_SIZE),
        });
    }
    let code = body.bytes(u32_len(code_len), "code")?;
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

/// Bounds-checked cursor over a byte slice; `base` is the slice's absolute
/// offset in the blob, used for error messages.
struct Reader<'a> {
    data: &'a [u8],
    position: usize,
    base: usize,
}

impl<'a> Reader<'a> {
    fn new(data: &'a [u8], base: usize) -> Self {
        Reader {
            data,
            position: 0,
            base,
        }
    }

    /// Absolute offset of the next byte.
    fn position(&self) -> usize {
        self.base.saturating_add(self.position)
    }

    fn remaining(&self) -> &'a [u8] {
        self.data.get(self.position..).unwrap_or(&[])
    }

    fn is_empty(&self) -> bool {
        self.remaining().is_empty()
    }

    fn truncated(&self, what: &'static str, needed: usize) -> ContainerError {
        ContainerError::Truncated {
            what,
            offset: self.position(),
            needed,
            available: self.remaining().len(),
        }
    }

    fn bytes(&mut self, length: usize, what: &'static str) -> Result<&'a [u8], ContainerError> {
        let slice = self
            .remaining()
            .get(..length)
            .ok_or_else(|| self.truncated(what, length))?;
        self.position = self.position.saturating_add(length);
        Ok(slice)
    }

    fn byte(&mut self, what: &'static str) -> Result<u8, ContainerError> {
        let byte = *self
            .remaining()
            .first()
            .ok_or_else(|| self.truncated(what, 1))?;
        self.position = self.position.saturating_add(1);
        Ok(byte)
    }

    /// Reads one PolkaVM varint (canonical, at most 5 bytes, fits in `u32`).
    fn varint(&mut self, what: &'static str) -> Result<u32, ContainerError> {
        let offset = self.position();
        let first = self.byte(what)?;
        let extra = first.leading_ones();
        if extra > 4 {
            return Err(ContainerError::InvalidVarint { what, offset });
        }
        let tail = self.bytes(extra as usize, what)?;
        let low = tail
            .iter()
            .rev()
            .fold(0u64, |value, &byte| (value << 8) | u64::from(byte));
        let high_mask = 0xFFu64 >> extra;
        let value = ((u64::from(first) & high_mask) << (8 * extra)) | low;
        let non_canonical = extra != 0 && value < (1u64 << (7 * extra));
        let value =
            u32::try_from(value).map_err(|_| ContainerError::InvalidVarint { what, offset })?;
        if non_canonical {
            return Err(ContainerError::InvalidVarint { what, offset });
        }
        Ok(value)
    }

    /// Reads `varint length` + payload and returns a reader over the payload.
    fn section_body(&mut self, what: &'static str) -> Result<Reader<'a>, ContainerError> {
        let length = self.varint(what)?;
        let base = self.position();
        let body = self.bytes(u32_len(length), what)?;
        Ok(Reader::new(body, base))
    }

    /// The unread rest of the data (consumes it).
    fn rest(&mut self) -> &'a [u8] {
        let rest = self.remaining();
        self.position = self.data.len();
        rest
    }

    /// Fails unless everything has been consumed.
    fn expect_end(&self, section: u8) -> Result<(), ContainerError> {
        if self.is_empty() {
            Ok(())
        } else {
            Err(ContainerError::SectionLengthMismatch {
                section,
                declared: self.data.len(),
                used: self.position,
            })
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Built from `tests/data/container_sample.c` with clang-19 and polkavm-linker 0.37 (JamV1).
    const SAMPLE: &[u8] = include_bytes!("../tests/data/container_sample.polkavm");

    /// Writes a PolkaVM varint (test helper, mirrors polkavm-common's writer).
    fn varint(value: u32) -> Vec<u8> {
        let bytes = value.to_le_bytes();
        if value < 1 << 7 {
            vec![value as u8]
        } else if value < 1 << 14 {
            vec![0x80 | (value >> 8) as u8, bytes[0]]
        } else if value < 1 << 21 {
            vec![0xC0 | (value >> 16) as u8, bytes[0], bytes[1]]
        } else if value < 1 << 28 {
            vec![0xE0 | (value >> 24) as u8, bytes[0], bytes[1], bytes[2]]
        } else {
            vec![0xF0, bytes[0], bytes[1], bytes[2], bytes[3]]
        }
    }

    fn section(id: u8, payload: &[u8]) -> Vec<u8> {
        let mut out = vec![id];
        out.extend(varint(payload.len() as u32));
        out.extend_from_slice(payload);
        out
    }

    /// Wraps sections into a blob with a correct header and end marker.
    fn blob(sections: &[Vec<u8>]) -> Vec<u8> {
        let mut out = POLKAVM_MAGIC.to_vec();
        out.push(POLKAVM_VERSION_JAM_V1);
        out.extend_from_slice(&[0; 8]);
        for s in sections {
            out.extend_from_slice(s);
        }
        out.push(0);
        fix_length(&mut out);
        out
    }

    fn fix_length(out: &mut [u8]) {
        if out.len() >= HEADER_LEN {
            let len = (out.len() as u64).to_le_bytes();
            out[5..13].copy_from_slice(&len);
        }
    }

    fn memory_config(ro: u32, rw: u32, stack: u32) -> Vec<u8> {
        let mut payload = varint(ro);
        payload.extend(varint(rw));
        payload.extend(varint(stack));
        section(SECTION_MEMORY_CONFIG, &payload)
    }

    /// Minimal code section: two `trap` bytes, both instruction starts.
    fn tiny_code() -> Vec<u8> {
        section(SECTION_CODE_AND_JUMP_TABLE, &[0, 0, 2, 0, 0, 0b11])
    }

    fn exports_section(entries: &[(u32, &[u8])]) -> Vec<u8> {
        let mut payload = varint(entries.len() as u32);
        for (pc, name) in entries {
            payload.extend(varint(*pc));
            payload.extend(varint(name.len() as u32));
            payload.extend_from_slice(name);
        }
        section(SECTION_EXPORTS, &payload)
    }

    /// Builds a blob with the given memory sizes and the tiny code.
    fn layout_of(ro: u32, rw: u32, stack: u32) -> Result<MemoryLayout, ContainerError> {
        Container::parse(&blob(&[memory_config(ro, rw, stack), tiny_code()]))?.memory_layout()
    }

    #[test]
    fn sample_header_and_sizes() {
        assert!(is_polkavm(SAMPLE));
        assert!(!is_polkavm(b"PVM"));
        assert!(!is_polkavm(b"\x7fELF...."));
        let c = Container::parse(SAMPLE).expect("sample parses");
        assert!(c.is_64_bit);
        assert_eq!(c.ro_data_size, 96);
        assert_eq!(c.rw_data_size, 552);
        assert_eq!(c.stack_size, 16384);
        assert_eq!(c.code.len(), 178);
        assert_eq!(c.bitmask.len(), 23);
        // First bytes of the code as reported by polkavm::ProgramBlob.
        assert_eq!(
            &c.code[..8],
            &[0x84, 0x78, 0x07, 0x97, 0x88, 0x03, 0x33, 0x09]
        );
        assert_eq!(&c.bitmask[..4], &[0x49, 0x48, 0x49, 0x48]);
        // The first instruction starts at 0 (an export entry point).
        assert_eq!(c.bitmask[0] & 1, 1);
    }

    #[test]
    fn sample_exports_match_polkavm() {
        let c = Container::parse(SAMPLE).unwrap();
        // Cross-checked against polkavm 0.37 `ProgramBlob::exports()`.
        assert_eq!(
            c.exports,
            vec![
                Export {
                    name: "prime_weighted".into(),
                    pc: 0
                },
                Export {
                    name: "sum_history".into(),
                    pc: 71
                },
            ]
        );
        assert_eq!(c.export("sum_history").map(|e| e.pc), Some(71));
        assert_eq!(c.export("prime_weighted").map(|e| e.pc), Some(0));
        assert_eq!(c.export("nope"), None);
        // Each export pc is an instruction start.
        for e in &c.exports {
            let pc = e.pc as usize;
            assert_eq!((c.bitmask[pc / 8] >> (pc % 8)) & 1, 1, "{}", e.name);
        }
    }

    #[test]
    fn sample_imports_and_jump_table() {
        let c = Container::parse(SAMPLE).unwrap();
        // `host_log` has ecalli index 1; the linker fills index 0 with an empty name.
        assert_eq!(c.imports, vec![String::new(), "host_log".to_string()]);
        // Cross-checked against polkavm 0.37 `ProgramBlob::jump_table()`.
        assert_eq!(c.jump_table, vec![119, 155, 160, 165, 170]);
    }

    #[test]
    fn sample_data_contents() {
        let c = Container::parse(SAMPLE).unwrap();
        // RO data: PRIMES[8] then OPS[4] (function pointers become jump-table
        // addresses 2 * (index + 1) = 4, 6, 8, 10).
        let mut ro = Vec::new();
        for v in [2u64, 3, 5, 7, 11, 13, 17, 19, 4, 6, 8, 10] {
            ro.extend_from_slice(&v.to_le_bytes());
        }
        assert_eq!(c.ro_data, ro);
        // RW data: weights[4]; the BSS (history, history_len) is only in rw_data_size.
        let mut rw = Vec::new();
        for v in [
            0x1111111111111111u64,
            0x2222222222222222,
            0x3333333333333333,
            0x4444444444444444,
        ] {
            rw.extend_from_slice(&v.to_le_bytes());
        }
        assert_eq!(c.rw_data, rw);
        assert_eq!(c.rw_data_size as usize, 32 + 64 * 8 + 8);
    }

    #[test]
    fn sample_memory_layout_matches_polkavm() {
        let c = Container::parse(SAMPLE).unwrap();
        // Numbers reported by polkavm 0.37 `Module::memory_map()` / `default_sp()`
        // for this blob with the default `ModuleConfig`.
        assert_eq!(
            c.memory_layout(),
            Ok(MemoryLayout {
                ro_data: (0x10000, 0x11000),
                rw_data: (0x30000, 0x31000),
                stack: (0xFFFD_C000, 0xFFFE_0000),
                stack_pointer: 0xFFFE_0000,
                return_address: 0xFFFF_0000,
                heap_base: 0x30228,
                max_heap_size: 0xFFF8_FDD8,
                aux_data: (0xFFFF_0000, 0xFFFF_0000),
            })
        );
    }

    #[test]
    fn memory_layout_rules() {
        // polkavm-common's own test values, scaled to page size 0x1000.
        let l = layout_of(1, 1, 1).unwrap();
        assert_eq!(l.ro_data, (0x10000, 0x11000));
        assert_eq!(l.rw_data, (0x30000, 0x31000));
        assert_eq!(l.stack, (0xFFFD_F000, 0xFFFE_0000));
        assert_eq!(l.heap_base, 0x30001);
        assert_eq!(
            u64::from(l.max_heap_size),
            0x1_0000_0000 - 0x10000 * 4 - 0x30001
        );

        // Empty program: nothing mapped except guard-separated empty ranges.
        let l = layout_of(0, 0, 0).unwrap();
        assert_eq!(l.ro_data, (0x10000, 0x10000));
        assert_eq!(l.rw_data, (0x20000, 0x20000));
        assert_eq!(l.stack, (0xFFFE_0000, 0xFFFE_0000));

        // RO data larger than 64 KiB pushes RW data by whole 64 KiB units.
        let l = layout_of(0x10001, 0x2000, 0x1000).unwrap();
        assert_eq!(l.ro_data, (0x10000, 0x21000));
        assert_eq!(l.rw_data, (0x40000, 0x42000));
        assert_eq!(l.heap_base, 0x42000);

        // The largest region that fits: 2^32 - 5 * 64 KiB.
        let max = (0x1_0000_0000u64 - 0x10000 * 5) as u32;
        let l = layout_of(max, 0, 0).unwrap();
        assert_eq!(l.ro_data, (0x10000, 0x10000 + max));
        assert_eq!(l.max_heap_size, 0);
        assert!(layout_of(0, max, 0).is_ok());
        assert!(layout_of(0, 0, max).is_ok());
        let exceeded = Err(ContainerError::InvalidMemoryConfig(
            "maximum memory size exceeded",
        ));
        assert_eq!(layout_of(max + 1, 0, 0), exceeded);
        assert_eq!(layout_of(max, 1, 0), exceeded);
        assert_eq!(layout_of(max, 0, 1), exceeded);
        assert_eq!(layout_of(0, max, 1), exceeded);
        assert_eq!(
            layout_of(u32::MAX, 0, 0),
            Err(ContainerError::InvalidMemoryConfig(
                "the size of read-only data is too big"
            ))
        );
        assert_eq!(
            layout_of(0, u32::MAX, 0),
            Err(ContainerError::InvalidMemoryConfig(
                "the size of read-write data is too big"
            ))
        );
        assert_eq!(
            layout_of(0, 0, u32::MAX),
            Err(ContainerError::InvalidMemoryConfig(
                "the size of the stack is too big"
            ))
        );
        assert_eq!(
            layout_of(u32::MAX - 0xFFF, u32::MAX - 0xFFF, u32::MAX - 0xFFF),
            exceeded
        );
    }

    #[test]
    fn every_truncation_is_an_error() {
        for len in 0..SAMPLE.len() {
            let prefix = &SAMPLE[..len];
            assert!(Container::parse(prefix).is_err(), "prefix {len} parsed");
            // Same prefix with the header length patched, so the section parser
            // itself must notice the truncation.
            let mut patched = prefix.to_vec();
            fix_length(&mut patched);
            assert!(
                Container::parse(&patched).is_err(),
                "patched prefix {len} parsed"
            );
        }
    }

    #[test]
    fn random_byte_flips_never_panic() {
        let mut rng = machine::testing::Rng::new(0x9E37_79B9_7F4A_7C15);
        let mut next = move || rng.next_u64();
        let mut accepted = 0;
        for _ in 0..10_000 {
            let mut data = SAMPLE.to_vec();
            let flips = 1 + next() % 4;
            for _ in 0..flips {
                let at = (next() % data.len() as u64) as usize;
                let value = next() as u8;
                // Mix of single-bit flips and whole-byte replacements.
                if value & 1 == 0 {
                    data[at] ^= 1 << (value >> 5);
                } else {
                    data[at] = value;
                }
            }
            if next() % 4 == 0 {
                let cut = (next() % data.len() as u64) as usize;
                data.truncate(cut);
                fix_length(&mut data);
            }
            if let Ok(c) = Container::parse(&data) {
                accepted += 1;
                let _ = c.memory_layout();
                for e in &c.exports {
                    assert!((e.pc as usize) < c.code.len());
                }
                assert_eq!(c.bitmask.len(), c.code.len().div_ceil(8));
            }
        }
        // Flips inside data/code payloads keep the blob valid, so some must parse.
        assert!(accepted > 0);
    }

    #[test]
    fn header_errors() {
        assert_eq!(Container::parse(b""), Err(ContainerError::BadMagic));
        assert_eq!(Container::parse(b"PVM"), Err(ContainerError::BadMagic));
        assert_eq!(
            Container::parse(b"PVX\0\x03"),
            Err(ContainerError::BadMagic)
        );
        assert!(matches!(
            Container::parse(b"PVM\0"),
            Err(ContainerError::Truncated {
                what: "version",
                ..
            })
        ));
        for version in [0u8, 1, 2, 4, 255] {
            let mut data = SAMPLE.to_vec();
            data[4] = version;
            assert_eq!(
                Container::parse(&data),
                Err(ContainerError::UnsupportedVersion(version))
            );
        }
        assert!(matches!(
            Container::parse(b"PVM\0\x03\x01\x00"),
            Err(ContainerError::Truncated {
                what: "blob length",
                ..
            })
        ));
        let mut data = SAMPLE.to_vec();
        data.push(0);
        assert_eq!(
            Container::parse(&data),
            Err(ContainerError::LengthMismatch {
                declared: SAMPLE.len() as u64,
                actual: SAMPLE.len() as u64 + 1
            })
        );
        let mut data = SAMPLE.to_vec();
        data[5..13].copy_from_slice(&u64::MAX.to_le_bytes());
        assert!(matches!(
            Container::parse(&data),
            Err(ContainerError::LengthMismatch { .. })
        ));
    }

    #[test]
    fn minimal_blob_and_optional_sections() {
        let c = Container::parse(&blob(&[tiny_code()])).unwrap();
        assert_eq!(c.code, vec![0, 0]);
        assert_eq!(c.bitmask, vec![0b11]);
        assert!(c.exports.is_empty() && c.imports.is_empty() && c.jump_table.is_empty());
        assert_eq!((c.ro_data_size, c.rw_data_size, c.stack_size), (0, 0, 0));

        // Optional sections after the code are skipped, known or not.
        let c2 = Container::parse(&blob(&[
            tiny_code(),
            section(128, b"strings"),
            section(200, &[1, 2, 3]),
            section(131, &[0xAA; 32]),
            section(129, &[]),
        ]))
        .unwrap();
        assert_eq!(c2.code, c.code);

        // Trailing bytes after the end marker are ignored (as in PolkaVM).
        let mut data = blob(&[tiny_code()]);
        data.extend_from_slice(&[0xFF, 0xFF]);
        fix_length(&mut data);
        assert!(Container::parse(&data).is_ok());
    }

    #[test]
    fn section_order_errors() {
        let code = tiny_code();
        let ro = section(SECTION_RO_DATA, &[1]);
        let mc = memory_config(4, 0, 0);
        assert!(matches!(
            Container::parse(&blob(&[code.clone(), ro.clone()])),
            Err(ContainerError::SectionOutOfOrder { section: 2, .. })
        ));
        assert!(matches!(
            Container::parse(&blob(&[mc.clone(), ro.clone(), ro.clone(), code.clone()])),
            Err(ContainerError::DuplicateSection { section: 2, .. })
        ));
        assert!(matches!(
            Container::parse(&blob(&[code.clone(), code.clone()])),
            Err(ContainerError::DuplicateSection { section: 6, .. })
        ));
        assert!(matches!(
            Container::parse(&blob(&[code.clone(), section(7, &[])])),
            Err(ContainerError::UnknownSection { section: 7, .. })
        ));
        // Optional sections before the code make the code section out of order.
        assert!(matches!(
            Container::parse(&blob(&[section(128, &[]), code.clone()])),
            Err(ContainerError::SectionOutOfOrder { section: 6, .. })
        ));
        assert_eq!(
            Container::parse(&blob(std::slice::from_ref(&mc))),
            Err(ContainerError::MissingCode)
        );
        assert_eq!(
            Container::parse(&blob(&[section(SECTION_CODE_AND_JUMP_TABLE, &[])])),
            Err(ContainerError::MissingCode)
        );
        let ok = Container::parse(&blob(&[mc, ro, code])).unwrap();
        assert_eq!(ok.ro_data, vec![1]);
        // No end marker at all.
        let mut data = blob(&[tiny_code()]);
        data.pop();
        fix_length(&mut data);
        assert!(matches!(
            Container::parse(&data),
            Err(ContainerError::Truncated {
                what: "section id",
                ..
            })
        ));
    }

    #[test]
    fn memory_config_errors() {
        let mut payload = varint(1);
        payload.extend(varint(2));
        payload.extend(varint(3));
        payload.push(0);
        assert!(matches!(
            Container::parse(&blob(&[
                section(SECTION_MEMORY_CONFIG, &payload),
                tiny_code()
            ])),
            Err(ContainerError::SectionLengthMismatch { section: 1, .. })
        ));
        assert!(matches!(
            Container::parse(&blob(&[
                section(SECTION_MEMORY_CONFIG, &[1, 2]),
                tiny_code()
            ])),
            Err(ContainerError::Truncated {
                what: "stack size",
                ..
            })
        ));
        assert_eq!(
            Container::parse(&blob(&[
                memory_config(1, 0, 0),
                section(SECTION_RO_DATA, &[1, 2]),
                tiny_code()
            ]))
            .unwrap_err(),
            ContainerError::DataExceedsDeclaredSize {
                what: "RO data",
                actual: 2,
                declared: 1
            }
        );
        assert!(matches!(
            Container::parse(&blob(&[section(SECTION_RW_DATA, &[1]), tiny_code()])),
            Err(ContainerError::DataExceedsDeclaredSize {
                what: "RW data",
                ..
            })
        ));
        // Sizes near u32::MAX parse fine; the layout rejects them.
        let c = Container::parse(&blob(&[
            memory_config(u32::MAX, u32::MAX, u32::MAX),
            tiny_code(),
        ]))
        .unwrap();
        assert!(matches!(
            c.memory_layout(),
            Err(ContainerError::InvalidMemoryConfig(_))
        ));
    }

    #[test]
    fn varint_rules() {
        let parse_one = |bytes: &[u8]| Reader::new(bytes, 0).varint("test");
        for value in [
            0,
            1,
            127,
            128,
            0x3FFF,
            0x4000,
            0x1F_FFFF,
            0x20_0000,
            0x0FFF_FFFF,
            0x1000_0000,
            u32::MAX,
        ] {
            assert_eq!(parse_one(&varint(value)), Ok(value), "{value:#x}");
        }
        let invalid =
            |bytes: &[u8]| matches!(parse_one(bytes), Err(ContainerError::InvalidVarint { .. }));
        // Non-canonical encodings.
        assert!(invalid(&[0x80, 0x01]));
        assert!(invalid(&[0xC0, 0x01, 0x00]));
        assert!(invalid(&[0xE0, 0x01, 0x00, 0x00]));
        assert!(invalid(&[0xF0, 0x01, 0x00, 0x00, 0x00]));
        // Values above u32::MAX and over-long prefixes.
        assert!(invalid(&[0xF1, 0, 0, 0, 0]));
        assert!(invalid(&[0xF7, 0xFF, 0xFF, 0xFF, 0xFF]));
        assert!(invalid(&[0xF8, 0, 0, 0, 0, 0]));
        assert!(invalid(&[0xFF; 9]));
        assert!(matches!(
            parse_one(&[0xF0, 1]),
            Err(ContainerError::Truncated { .. })
        ));
        assert!(matches!(
            parse_one(&[]),
            Err(ContainerError::Truncated { .. })
        ));
    }

    #[test]
    fn huge_lengths_are_rejected_without_allocating() {
        // Section length u32::MAX.
        let mut data = blob(&[]);
        data.pop();
        data.push(SECTION_RO_DATA);
        data.extend(varint(u32::MAX));
        data.push(0);
        fix_length(&mut data);
        assert!(matches!(
            Container::parse(&data),
            Err(ContainerError::Truncated { .. })
        ));

        // Export count u32::MAX with no entries.
        let mut payload = varint(u32::MAX);
        payload.extend(varint(0));
        let exports = section(SECTION_EXPORTS, &payload);
        assert!(matches!(
            Container::parse(&blob(&[exports, tiny_code()])),
            Err(ContainerError::Truncated { .. })
        ));

        // Jump table, code and import limits.
        let code = |payload: &[u8]| blob(&[section(SECTION_CODE_AND_JUMP_TABLE, payload)]);
        let mut p = varint(POLKAVM_MAX_JUMP_TABLE_ENTRIES + 1);
        p.extend([4, 0]);
        assert!(matches!(
            Container::parse(&code(&p)),
            Err(ContainerError::TooLarge {
                what: "jump table",
                ..
            })
        ));
        let mut p = varint(u32::MAX);
        p.extend([4, 0]);
        assert!(matches!(
            Container::parse(&code(&p)),
            Err(ContainerError::TooLarge { .. })
        ));
        let mut p = vec![0, 0];
        p.extend(varint(POLKAVM_MAX_CODE_SIZE + 1));
        assert!(matches!(
            Container::parse(&code(&p)),
            Err(ContainerError::TooLarge { what: "code", .. })
        ));
        let mut p = vec![0, 0];
        p.extend(varint(u32::MAX));
        assert!(matches!(
            Container::parse(&code(&p)),
            Err(ContainerError::TooLarge { .. })
        ));
        assert_eq!(
            Container::parse(&code(&[0, 5, 0])),
            Err(ContainerError::InvalidJumpTableEntrySize(5))
        );
        let mut p = varint(POLKAVM_MAX_JUMP_TABLE_ENTRIES);
        p.extend([4, 0]);
        assert!(matches!(
            Container::parse(&code(&p)),
            Err(ContainerError::Truncated { .. })
        ));

        let imports = section(SECTION_IMPORTS, &varint(POLKAVM_MAX_IMPORT_COUNT + 1));
        assert!(matches!(
            Container::parse(&blob(&[imports, tiny_code()])),
            Err(ContainerError::TooLarge {
                what: "import count",
                ..
            })
        ));
    }

    #[test]
    fn code_section_rules() {
        let code = |payload: &[u8]| {
            Container::parse(&blob(&[section(SECTION_CODE_AND_JUMP_TABLE, payload)]))
        };
        // Jump table with 3-byte entries, 9 bytes of code, 2 bitmask bytes.
        let mut p = vec![2, 3, 9];
        p.extend([0x01, 0x00, 0x00, 0x08, 0x00, 0x00]);
        p.extend([0; 9]);
        p.extend([0b0000_0011, 0b0000_0001]);
        let c = code(&p).unwrap();
        assert_eq!(c.jump_table, vec![1, 8]);
        assert_eq!(c.code.len(), 9);
        assert_eq!(c.bitmask, vec![0b11, 0b1]);
        // Entry size 0: the jump table is empty whatever the count (as in PolkaVM).
        let c = code(&[5, 0, 1, 0, 1]).unwrap();
        assert!(c.jump_table.is_empty());
        // 4-byte entries are little endian.
        let c = code(&[1, 4, 1, 0x78, 0x56, 0x34, 0x12, 0, 1]).unwrap();
        assert_eq!(c.jump_table, vec![0x1234_5678]);
        // Bitmask length and padding.
        assert!(matches!(
            code(&[0, 0, 9, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1]),
            Err(ContainerError::BitmaskLengthMismatch {
                actual: 1,
                expected: 2,
                code_len: 9
            })
        ));
        assert!(matches!(
            code(&[0, 0, 1, 0, 1, 0]),
            Err(ContainerError::BitmaskLengthMismatch { .. })
        ));
        assert_eq!(
            code(&[0, 0, 2, 0, 0, 0b111]),
            Err(ContainerError::BitmaskPaddingNotZero)
        );
        assert_eq!(
            code(&[0, 0, 1, 0, 0b1000_0001]),
            Err(ContainerError::BitmaskPaddingNotZero)
        );
        // Exactly 8 bytes of code: no padding bits at all.
        let c = code(&[0, 0, 8, 0, 0, 0, 0, 0, 0, 0, 0, 0xFF]).unwrap();
        assert_eq!(c.bitmask, vec![0xFF]);
        // Code length 0 with a non-empty section is accepted (empty code).
        let c = code(&[0, 0, 0]).unwrap();
        assert!(c.code.is_empty() && c.bitmask.is_empty());
    }

    #[test]
    fn export_rules() {
        let c = Container::parse(&blob(&[
            exports_section(&[(1, b"b"), (0, b"a"), (1, b"a")]),
            tiny_code(),
        ]))
        .unwrap();
        assert_eq!(c.exports.len(), 3);
        // The first of duplicate names wins, as in PolkaVM's linker.
        assert_eq!(c.export("a").map(|e| e.pc), Some(0));
        assert_eq!(
            Container::parse(&blob(&[exports_section(&[(2, b"f")]), tiny_code()])).unwrap_err(),
            ContainerError::ExportOutOfRange {
                name: "f".into(),
                pc: 2,
                code_len: 2
            }
        );
        assert_eq!(
            Container::parse(&blob(&[exports_section(&[(0, b"\xFF")]), tiny_code()])).unwrap_err(),
            ContainerError::BadUtf8 {
                what: "export",
                index: 0
            }
        );
        let mut payload = varint(1);
        payload.extend([0, 1, b'x', 0xEE]);
        assert!(matches!(
            Container::parse(&blob(&[section(SECTION_EXPORTS, &payload), tiny_code()])),
            Err(ContainerError::SectionLengthMismatch { section: 5, .. })
        ));
        // An empty exports section means no exports.
        let c = Container::parse(&blob(&[section(SECTION_EXPORTS, &[]), tiny_code()])).unwrap();
        assert!(c.exports.is_empty());
    }

    #[test]
    fn import_rules() {
        let imports = |count: u32, offsets: &[u32], symbols: &[u8]| {
            let mut payload = varint(count);
            for o in offsets {
                payload.extend_from_slice(&o.to_le_bytes());
            }
            payload.extend_from_slice(symbols);
            Container::parse(&blob(&[section(SECTION_IMPORTS, &payload), tiny_code()]))
        };
        assert_eq!(
            imports(3, &[0, 0, 3], b"fooba").unwrap().imports,
            vec!["".to_string(), "foo".into(), "ba".into()]
        );
        assert_eq!(imports(0, &[], b"").unwrap().imports, Vec::<String>::new());
        assert_eq!(
            imports(2, &[2, 1], b"abc").unwrap_err(),
            ContainerError::InvalidImport { index: 0 }
        );
        assert_eq!(
            imports(1, &[4], b"abc").unwrap_err(),
            ContainerError::InvalidImport { index: 0 }
        );
        assert_eq!(
            imports(1, &[0], b"\xC3").unwrap_err(),
            ContainerError::BadUtf8 {
                what: "import",
                index: 0
            }
        );
        assert!(matches!(
            imports(2, &[0], b""),
            Err(ContainerError::Truncated { .. })
        ));
    }

    #[test]
    fn sample_survives_rewriting_without_debug_sections() {
        // Re-serialise the sample's known sections only; the result must parse
        // to the same program (proves the debug sections are merely skipped).
        let c = Container::parse(SAMPLE).unwrap();
        let mut imports = varint(c.imports.len() as u32);
        let mut symbols = Vec::new();
        for name in &c.imports {
            imports.extend_from_slice(&(symbols.len() as u32).to_le_bytes());
            symbols.extend_from_slice(name.as_bytes());
        }
        imports.extend(symbols);
        let mut code = varint(c.jump_table.len() as u32);
        code.push(4);
        code.extend(varint(c.code.len() as u32));
        for entry in &c.jump_table {
            code.extend_from_slice(&entry.to_le_bytes());
        }
        code.extend_from_slice(&c.code);
        code.extend_from_slice(&c.bitmask);
        let names: Vec<(u32, &[u8])> = c
            .exports
            .iter()
            .map(|e| (e.pc, e.name.as_bytes()))
            .collect();
        let rebuilt = blob(&[
            memory_config(c.ro_data_size, c.rw_data_size, c.stack_size),
            section(SECTION_RO_DATA, &c.ro_data),
            section(SECTION_RW_DATA, &c.rw_data),
            section(SECTION_IMPORTS, &imports),
            exports_section(&names),
            section(SECTION_CODE_AND_JUMP_TABLE, &code),
        ]);
        assert!(rebuilt.len() < SAMPLE.len());
        let r = Container::parse(&rebuilt).unwrap();
        assert_eq!(
            (&r.code, &r.bitmask, &r.jump_table, &r.exports, &r.imports),
            (&c.code, &c.bitmask, &c.jump_table, &c.exports, &c.imports)
        );
        assert_eq!((&r.ro_data, &r.rw_data), (&c.ro_data, &c.rw_data));
        assert_eq!(r.memory_layout(), c.memory_layout());
    }

    #[test]
    fn error_messages_are_readable() {
        let e = ContainerError::Truncated {
            what: "code",
            offset: 10,
            needed: 4,
            available: 1,
        };
        assert_eq!(
            e.to_string(),
            "truncated code at offset 10: need 4 bytes, only 1 left"
        );
        assert_eq!(
            ContainerError::UnsupportedVersion(1).to_string(),
            "unsupported .polkavm version 1 (only 3 = JamV1 is supported)"
        );
        assert_eq!(
            ContainerError::InvalidMemoryConfig("maximum memory size exceeded").to_string(),
            "invalid memory configuration: maximum memory size exceeded"
        );
    }
}
