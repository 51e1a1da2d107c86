//! Tests of the `.polkavm` parser and layout.
use super::*;

/// Built from `tests/data/container_sample.c` with clang-19 and polkavm-linker 0.37 (JamV1).
const SAMPLE: &[u8] = include_bytes!("../../../tests/data/container_sample.polkavm");

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
    // magic (4) + version (1) + length (8)
    if out.len() >= 13 {
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
    let parse_one = |bytes: &[u8]| {
        Reader::new(bytes)
            .varint_u32("test")
            .map_err(ContainerError::from)
    };
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
    let code =
        |payload: &[u8]| Container::parse(&blob(&[section(SECTION_CODE_AND_JUMP_TABLE, payload)]));
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
