//! Robustness: hostile and corrupted inputs through every parser, the loader, the
//! disassembler and the interpreter.
//!
//! The test kit's seeded generator (`pvm_testkit::Rng`) drives (a) random bytes and (b)
//! mutations — bit flips, byte inserts and deletes, truncations, length-field bumps — of
//! real programs: raw blobs embedded below, the conformance vectors beside the repository
//! (`../shared/pvm-vectors`, or `$PVM_VECTORS`; skipped if absent) and the `.polkavm`
//! guests of the repository. Every input goes through [`RawBlob::parse`],
//! [`StandardProgram::parse`], [`Container::parse`] and [`Program::from_blob_bytes`]
//! under both Gray Paper versions; every program that loads is disassembled and run with
//! bounded gas. Besides "no panic", the properties checked are:
//!
//! * the loader rejects exactly what the blob parser rejects, and parse ∘ encode is the
//!   identity on parsed blobs;
//! * every basic block of a loaded program costs at least 1 gas (so every loop is
//!   bounded by the gas it is given);
//! * gas never increases across a `run`; `Halt`/`Panic` are final and `OutOfGas` is
//!   repeated unchanged; page-fault addresses are page-aligned, outside the low 64 KiB and
//!   name a page that is not writable; runs are deterministic.
//!
//! The cargo-fuzz targets in `fuzz/` run the same checks (`pvm_testkit::checks`) for much
//! longer.

use std::path::PathBuf;
use std::sync::Arc;

use pvm::container::{is_polkavm, Container};
use pvm::format::{encode_varint, FormatError, RawBlob, StandardProgram, ARGS_ADDRESS};
use pvm::format::{MAX_ARGS_LEN, STACK_TOP};
use pvm::{Access, Exit, GpVersion, Instance, InstanceError, Opcode, Program, ProgramError};
use pvm::{HALT_ADDRESS, REG_COUNT};
use pvm_testkit::checks::{
    check_program, map_fixed_pages, Outcome, MAX_USED_JUMP_TABLE, RO_PAGE, RW_PAGES,
};
use pvm_testkit::locate::{vectors_root, workspace_root};
use pvm_testkit::Rng;

/// Both Gray Paper versions.
const VERSIONS: [GpVersion; 2] = [GpVersion::V0_7, GpVersion::V0_8];

/// Gas for every fuzzed run: enough for loops to matter, small enough for a debug build.
const GAS: u64 = 20_000;

/// Most `run` calls per execution (host calls and page faults resume).
const MAX_RUNS: usize = 32;

/// Most page faults serviced (by mapping the page read-write) per execution.
const MAX_PAGE_FAULTS: usize = 8;

/// Real raw blobs (from the conformance vectors), so the test means something even
/// without `shared/`: the doc example, dynamic jumps through a jump table, a branch,
/// an indirect store, host calls and page faults in the middle of blocks, a gas-model
/// block and RISC-V test programs with loops.
const EMBEDDED_BLOBS: &[&[u8]] = &[
    &[0, 0, 5, 51, 7, 42, 50, 0, 0b1001],
    &[
        1, 1, 21, 10, 51, 7, 2, 149, 119, 156, 50, 7, 100, 0, 20, 8, 239, 190, 173, 222, 0, 0, 0,
        0, 0, 73, 6, 16,
    ],
    &[
        1, 1, 24, 13, 51, 7, 2, 149, 119, 156, 180, 119, 2, 210, 4, 100, 0, 20, 9, 239, 190, 173,
        222, 0, 0, 0, 0, 0, 73, 48, 128,
    ],
    &[
        0, 0, 20, 51, 7, 210, 4, 81, 39, 210, 4, 6, 0, 20, 7, 239, 190, 173, 222, 0, 0, 0, 0, 17,
        6, 0,
    ],
    &[0, 0, 4, 123, 120, 10, 0, 9],
    &[
        0, 0, 14, 51, 7, 0, 0, 3, 10, 3, 200, 120, 9, 10, 4, 50, 0, 161, 20,
    ],
    &[
        0, 0, 23, 51, 7, 0, 0, 3, 124, 120, 124, 121, 255, 15, 124, 122, 255, 31, 200, 152, 11,
        200, 171, 11, 50, 0, 161, 136, 36,
    ],
    &[
        0, 0, 26, 127, 121, 6, 132, 136, 7, 51, 10, 1, 151, 136, 8, 132, 153, 255, 248, 212, 152,
        8, 200, 168, 9, 120, 122, 2, 0, 73, 18, 73, 2,
    ],
    &[0, 0, 7, 124, 121, 11, 81, 9, 253, 0, 73],
    &[
        1, 1, 57, 22, 51, 0, 0, 0, 1, 131, 0, 255, 151, 0, 16, 50, 0, 51, 5, 2, 51, 0, 80, 27, 2,
        6, 40, 32, 58, 1, 0, 0, 1, 171, 177, 25, 51, 5, 3, 51, 0, 1, 1, 149, 0, 1, 149, 0, 1, 51,
        4, 3, 171, 64, 6, 82, 5, 4, 0, 40, 201, 33, 41, 69, 33, 201, 36, 201, 0,
    ],
    &[
        0, 0, 92, 51, 0, 0, 0, 1, 131, 0, 255, 151, 0, 16, 50, 0, 51, 5, 2, 51, 0, 51, 4, 171, 64,
        69, 51, 5, 3, 51, 0, 0, 240, 153, 0, 1, 51, 4, 0, 248, 171, 64, 52, 51, 5, 4, 51, 0, 0,
        240, 255, 127, 153, 0, 20, 51, 4, 255, 7, 171, 64, 33, 51, 5, 5, 51, 0, 0, 0, 0, 128, 153,
        0, 20, 51, 4, 0, 248, 171, 64, 14, 51, 5, 6, 51, 4, 82, 4, 6, 82, 5, 4, 0, 40, 166, 33, 41,
        149, 68, 34, 9, 18, 73, 144, 72, 74, 6,
    ],
];

/// Register values that steer programs towards the mapped pages, page and address-space
/// edges, the halt address, jump-table addresses and sign edges.
const INTERESTING: [u64; 20] = [
    0,
    1,
    2,
    4,
    6,
    0xFF,
    RO_PAGE as u64,
    RW_PAGES as u64,
    RW_PAGES as u64 + 0xFFE,
    RW_PAGES as u64 + 0x1FF8,
    0x4_0000,
    0xFFFF_F000,
    HALT_ADDRESS as u64,
    0x7FFF_FFFF,
    0x8000_0000,
    0xFFFF_FFFF,
    i64::MAX as u64,
    i64::MIN as u64,
    u64::MAX,
    0xDEAD_BEEF_CAFE_F00D,
];

/// The `"program": [..]` byte array of a conformance vector, by a minimal scan (no JSON
/// library): `None` if the key or a well-formed array of bytes is missing.
fn extract_program(json: &str) -> Option<Vec<u8>> {
    let start = json.find("\"program\"")? + "\"program\"".len();
    let rest = json[start..].trim_start().strip_prefix(':')?.trim_start();
    let body = &rest.strip_prefix('[')?[..rest.find(']')? - 1];
    body.split(',')
        .map(str::trim)
        .filter(|item| !item.is_empty())
        .map(|item| item.parse::<u8>().ok())
        .collect()
}

/// Raw blobs of the conformance vectors, if they are beside the repository.
fn vector_blobs() -> Vec<Vec<u8>> {
    let root = vectors_root();
    let mut files = Vec::new();
    for set in std::fs::read_dir(&root).into_iter().flatten().flatten() {
        let programs = set.path().join("programs");
        for file in std::fs::read_dir(programs).into_iter().flatten().flatten() {
            if file.path().extension().is_some_and(|e| e == "json") {
                files.push(file.path());
            }
        }
    }
    files.sort();
    files
        .iter()
        .filter_map(|path| extract_program(&std::fs::read_to_string(path).ok()?))
        .collect()
}

/// The repository's `.polkavm` files (guests and the container test sample).
fn container_files() -> Vec<Vec<u8>> {
    let root = workspace_root();
    let dirs = [root.join("guests/bin"), root.join("crates/pvm/tests/data")];
    let mut paths: Vec<PathBuf> = dirs
        .iter()
        .flat_map(|dir| std::fs::read_dir(dir).into_iter().flatten().flatten())
        .map(|entry| entry.path())
        .filter(|path| path.extension().is_some_and(|e| e == "polkavm"))
        .collect();
    paths.sort();
    paths
        .iter()
        .filter_map(|path| std::fs::read(path).ok())
        .collect()
}

/// Every real raw blob: embedded, vectors, and the code of each container.
fn seed_blobs() -> Vec<Vec<u8>> {
    let mut blobs: Vec<Vec<u8>> = EMBEDDED_BLOBS.iter().map(|b| b.to_vec()).collect();
    blobs.extend(vector_blobs());
    for bytes in container_files() {
        if let Ok(container) = Container::parse(&bytes) {
            let blob = RawBlob {
                code: container.code,
                bitmask: container.bitmask,
                jump_table: container.jump_table,
            };
            blobs.push(blob.encode());
        }
    }
    blobs
}

/// A JAM standard program around `blob`.
fn standard(ro: &[u8], rw: &[u8], heap_pages: u16, stack: u32, blob: &[u8]) -> Vec<u8> {
    pvm::format::encode_standard(ro, rw, heap_pages, stack, blob).expect("fields fit")
}

/// Every parser and the loader on `bytes`; returns the programs that loaded.
fn check_parsers(bytes: &[u8]) -> Vec<Arc<Program>> {
    let mut loaded = Vec::new();
    match RawBlob::parse(bytes) {
        Ok(blob) => {
            assert_eq!(RawBlob::parse(&blob.encode()).as_ref(), Ok(&blob));
            assert_eq!(blob.bitmask.len(), blob.code.len().div_ceil(8));
            for version in VERSIONS {
                if let Ok(program) = Program::from_blob_bytes(bytes, version) {
                    check_program(&program);
                    loaded.push(Arc::new(program));
                }
            }
        }
        Err(error) => {
            for version in VERSIONS {
                match Program::from_blob_bytes(bytes, version) {
                    Err(ProgramError::Format(reported)) => assert_eq!(reported, error),
                    other => panic!("the blob parser said {error}, the loader {other:?}"),
                }
            }
        }
    }
    if let Ok(standard) = StandardProgram::parse(bytes) {
        assert!(standard.ro_end() <= standard.rw_address());
        assert!(standard.heap_end() <= standard.stack_bottom());
        for version in VERSIONS {
            if let Ok(vm) =
                Instance::from_standard(&standard, &bytes[..bytes.len().min(7)], GAS, version)
            {
                assert_eq!(vm.reg(0), Some(u64::from(HALT_ADDRESS)));
                assert_eq!(vm.reg(1), Some(u64::from(STACK_TOP)));
                assert_eq!(vm.reg(7), Some(u64::from(ARGS_ADDRESS)));
                let rw = vm
                    .memory()
                    .read_vec(standard.rw_address(), standard.rw_data.len());
                assert_eq!(rw.unwrap(), standard.rw_data);
            }
        }
    }
    let container = Container::parse(bytes);
    assert!(is_polkavm(bytes) || container.is_err());
    if let Ok(container) = container {
        if let Ok(layout) = container.memory_layout() {
            assert!(layout.ro_data.0 <= layout.ro_data.1);
            assert!(layout.ro_data.1 <= layout.rw_data.0);
            assert!(layout.rw_data.0 <= layout.heap_base);
            assert!(layout.rw_data.1 <= layout.stack.0);
            assert!(layout.stack.0 <= layout.stack.1);
            assert_eq!(layout.stack.1, layout.stack_pointer);
        }
        let program = Program::from_parts(
            &container.code,
            &container.bitmask,
            &container.jump_table,
            GpVersion::V0_8,
        );
        if let Ok(program) = program {
            check_program(&program);
            loaded.push(Arc::new(program));
        }
        // Set up as PolkaVM would, call the first export and run a little.
        if let Ok(mut vm) = Instance::from_container(&container, GAS) {
            let layout = container.memory_layout().unwrap();
            let rw = vm
                .memory()
                .slice(layout.rw_data.0, container.rw_data.len(), true);
            assert_eq!(rw.unwrap(), container.rw_data);
            let pc = container.exports.first().map_or(0, |export| export.pc);
            assert!(
                vm.prepare_call(pc, &[1; 10]).is_err(),
                "only 9 argument registers"
            );
            vm.prepare_call(pc, &[1, 2, 3]).unwrap();
            assert_eq!(vm.reg(1), Some(u64::from(layout.stack_pointer)));
            run_checked(&mut vm);
        }
    }
    loaded
}

/// A fresh instance of `program` with the fixed pages mapped and registers picked from
/// `input` bytes.
fn instance(program: &Arc<Program>, input: &[u8], gas: u64) -> Instance {
    let mut vm = Instance::new(program.clone(), gas).unwrap();
    map_fixed_pages(&mut vm, input);
    for i in 0..REG_COUNT {
        let byte = input.get(input.len().wrapping_sub(1 + i)).copied();
        let value = INTERESTING[usize::from(byte.unwrap_or(0)) % INTERESTING.len()];
        assert!(vm.set_reg(i, value));
    }
    vm
}

/// [`pvm_testkit::checks::run_checked`] with this test's run and page-fault limits.
fn run_checked(vm: &mut Instance) -> Outcome {
    pvm_testkit::checks::run_checked(vm, MAX_RUNS, MAX_PAGE_FAULTS)
}

/// Runs `program` on `input`; with `twice`, also on a fresh instance and compares.
fn execute(program: &Arc<Program>, input: &[u8], twice: bool) -> Outcome {
    let first = run_checked(&mut instance(program, input, GAS));
    if twice {
        let second = run_checked(&mut instance(program, input, GAS));
        assert_eq!(first, second, "execution is not deterministic");
    }
    first
}

/// The name of an exit's kind.
fn exit_kind(exit: Exit) -> &'static str {
    match exit {
        Exit::Halt => "halt",
        Exit::Panic => "panic",
        Exit::OutOfGas => "out of gas",
        Exit::PageFault { .. } => "page fault",
        Exit::HostCall { .. } => "host call",
    }
}

/// Re-encodes the header of a raw blob with one length field changed by `delta`,
/// leaving the body alone (`None` if the header does not parse).
fn bump_raw_length(bytes: &[u8], field: usize, delta: i64) -> Option<Vec<u8>> {
    let mut pos = 0;
    let varint = |pos: &mut usize| -> Option<u64> {
        let first = *bytes.get(*pos)?;
        let extra = first.leading_ones() as usize;
        let tail = bytes.get(*pos + 1..*pos + 1 + extra)?;
        let low = tail
            .iter()
            .rev()
            .fold(0u64, |acc, &b| (acc << 8) | u64::from(b));
        let high = if extra >= 8 {
            0
        } else {
            u64::from(first & (0x7F >> extra))
        };
        *pos += 1 + extra;
        Some(low | high.checked_shl(8 * extra as u32).unwrap_or(0))
    };
    let mut fields = [varint(&mut pos)?, 0, 0];
    fields[1] = u64::from(*bytes.get(pos)?);
    pos += 1;
    fields[2] = varint(&mut pos)?;
    fields[field] = fields[field].wrapping_add_signed(delta);
    let mut out = Vec::new();
    encode_varint(fields[0], &mut out);
    out.push(fields[1] as u8);
    encode_varint(fields[2], &mut out);
    out.extend_from_slice(&bytes[pos..]);
    Some(out)
}

/// One random mutation of `bytes`.
fn mutate(rng: &mut Rng, bytes: &[u8]) -> Vec<u8> {
    let mut out = bytes.to_vec();
    match rng.index(8) {
        0 if !out.is_empty() => {
            let at = rng.index(out.len());
            out[at] ^= 1 << rng.index(8);
        }
        1 if !out.is_empty() => {
            let at = rng.index(out.len());
            out[at] = rng.byte();
        }
        2 => {
            let at = rng.index(out.len() + 1);
            out.insert(at, rng.byte());
        }
        3 if !out.is_empty() => {
            out.remove(rng.index(out.len()));
        }
        4 => out.truncate(rng.index(out.len() + 1)),
        5 => {
            let delta = *rng.choose(&[-8, -1, 1, 2, 8, 1 << 20, 1 << 40, i64::MAX]);
            if let Some(bumped) = bump_raw_length(&out, rng.index(3), delta) {
                out = bumped;
            }
        }
        6 if !out.is_empty() => {
            // Overwrite a code byte with a random opcode of either numbering, keeping
            // the bitmask: exercises every instruction with real surroundings.
            let at = rng.index(out.len());
            out[at] = rng.choose(Opcode::ALL).byte(GpVersion::V0_8).unwrap_or(0);
        }
        _ => {
            let at = rng.index(out.len() + 1);
            let len = 1 + rng.index(8);
            let junk = rng.bytes(len);
            out.splice(at..at, junk);
        }
    }
    out
}

/// Random bytes, and random code behind a valid raw-blob header (so the loader and the
/// interpreter see far more than header errors).
#[test]
fn random_bytes_never_break_parsers_or_execution() {
    let mut rng = Rng::new(0x5EED_0001);
    let mut loaded = 0;
    for round in 0..3000 {
        let len = if round % 10 == 0 {
            rng.index(2048)
        } else {
            rng.index(48)
        };
        let bytes = rng.bytes(len);
        for program in check_parsers(&bytes) {
            execute(&program, &bytes, false);
        }
        let len = 1 + rng.index(64);
        let code = rng.bytes(len);
        let ones = rng.byte() | rng.byte();
        let mut bitmask = vec![ones | 1; code.len().div_ceil(8)];
        // Padding bits past the code must be zero, or the blob is not an encoding at all.
        if code.len() % 8 != 0 {
            *bitmask.last_mut().unwrap() &= (1u8 << (code.len() % 8)) - 1;
        }
        let entries = rng.index(4);
        let jump_table = (0..entries).map(|_| rng.index(len + 4) as u32).collect();
        let blob = RawBlob {
            code,
            bitmask,
            jump_table,
        };
        let bytes = blob.encode();
        for program in check_parsers(&bytes) {
            loaded += 1;
            execute(&program, &bytes, round % 8 == 0);
        }
    }
    assert!(loaded > 1000, "only {loaded} random programs loaded");
}

/// Mutations of real blobs: the loader either rejects them or yields a program whose
/// blocks all cost at least 1 gas; the programs that load run with consistent exits.
#[test]
fn mutated_real_blobs_load_consistently_and_run_bounded() {
    let seeds = seed_blobs();
    assert!(seeds.len() >= EMBEDDED_BLOBS.len());
    for seed in &seeds {
        for program in check_parsers(seed) {
            execute(&program, seed, true);
        }
    }
    let mut rng = Rng::new(0x5EED_0002);
    let (mut loaded, mut rejected) = (0, 0);
    let mut exits_seen = std::collections::BTreeSet::new();
    for round in 0..6000 {
        let mut bytes = rng.choose(&seeds).clone();
        for _ in 0..1 + rng.index(3) {
            bytes = mutate(&mut rng, &bytes);
        }
        let programs = check_parsers(&bytes);
        if programs.is_empty() {
            rejected += 1;
        }
        for program in programs {
            loaded += 1;
            let outcome = execute(&program, &bytes, round % 16 == 0);
            exits_seen.extend(outcome.exits.iter().map(|exit| exit_kind(*exit)));
        }
    }
    assert!(
        loaded > 1000 && rejected > 1000,
        "{loaded} loaded, {rejected} rejected"
    );
    // The mutants reach every kind of exit, so the invariants above are all exercised.
    let all = ["halt", "panic", "out of gas", "page fault", "host call"];
    assert_eq!(exits_seen, all.into_iter().collect());
}

/// Mutations of real containers and of standard programs built from real blobs.
#[test]
fn mutated_containers_and_standard_programs_are_handled() {
    let mut rng = Rng::new(0x5EED_0003);
    let containers = container_files();
    assert!(
        !containers.is_empty(),
        "no .polkavm files in the repository"
    );
    for bytes in &containers {
        assert!(
            !check_parsers(bytes).is_empty(),
            "a real container did not load"
        );
    }
    let blobs: Vec<Vec<u8>> = EMBEDDED_BLOBS.iter().map(|b| b.to_vec()).collect();
    let standards: Vec<Vec<u8>> = blobs
        .iter()
        .map(|blob| standard(&[1, 2, 3], &[9; 300], 2, 8192, blob))
        .collect();
    for bytes in &standards {
        assert!(StandardProgram::parse(bytes).is_ok());
    }
    for _ in 0..1500 {
        let base = if rng.index(2) == 0 {
            rng.choose(&containers)
        } else {
            rng.choose(&standards)
        };
        let mut bytes = base.clone();
        for _ in 0..1 + rng.index(3) {
            bytes = mutate(&mut rng, &bytes);
        }
        if rng.index(4) == 0 && bytes.len() >= 11 {
            // Bump one of the standard program's 3-byte size fields or the container's
            // 8-byte length field.
            let at = rng.index(11);
            bytes[at] = bytes[at].wrapping_add(*rng.choose(&[1, 0x80, 0xFF]));
        }
        for program in check_parsers(&bytes) {
            execute(&program, &bytes, false);
        }
    }
}

#[test]
fn empty_input_is_rejected_everywhere() {
    assert!(matches!(
        RawBlob::parse(&[]),
        Err(FormatError::Truncated { offset: 0, .. })
    ));
    assert!(StandardProgram::parse(&[]).is_err());
    assert!(Container::parse(&[]).is_err());
    assert!(!is_polkavm(&[]));
    for version in VERSIONS {
        assert!(Program::from_blob_bytes(&[], version).is_err());
    }
    // An empty code section: GP 0.8 rejects it; GP 0.7 runs its implicit trap.
    assert_eq!(
        Program::from_blob_bytes(&[0, 0, 0], GpVersion::V0_8).unwrap_err(),
        ProgramError::EmptyCode
    );
    let program = Arc::new(Program::from_blob_bytes(&[0, 0, 0], GpVersion::V0_7).unwrap());
    check_program(&program);
    let mut vm = Instance::new(program, 10).unwrap();
    assert_eq!(vm.run(), Exit::Panic);
    assert_eq!(vm.run(), Exit::Panic);
}

#[test]
fn absurd_jump_table_lengths_are_rejected_up_front() {
    // 2^56 entries (of size 0, 1 and 4) in a few bytes.
    for entry_size in [0u8, 1, 4] {
        let bytes = [0xFF, 0, 0, 0, 0, 0, 0, 0, 1, entry_size, 1, 0, 1];
        assert!(matches!(
            RawBlob::parse(&bytes),
            Err(FormatError::TooLarge {
                what: "jump table",
                ..
            })
        ));
    }
    // u64::MAX entries of 255 bytes: the product must not overflow.
    let mut bytes = vec![0xFF; 9];
    bytes.extend_from_slice(&[255, 1, 0, 1]);
    assert!(RawBlob::parse(&bytes).is_err());
    // One past the limit is rejected; the limit itself with zero-size entries declares no
    // usable entry (as in PolkaVM), so the table is empty and the jump panics.
    let limit = pvm::format::RawBlob::parse(&{
        let mut b = Vec::new();
        encode_varint((1 << 24) + 1, &mut b);
        b.extend_from_slice(&[0, 1, 0, 1]);
        b
    });
    assert!(matches!(limit, Err(FormatError::TooLarge { .. })));
    let mut bytes = Vec::new();
    encode_varint(1 << 24, &mut bytes);
    // jump_ind r0, 0 (r0 = the address of the last entry)
    bytes.extend_from_slice(&[0, 2, 50, 0, 0b01]);
    let program = Arc::new(Program::from_blob_bytes(&bytes, GpVersion::V0_8).unwrap());
    assert!(program.jump_table().is_empty());
    let mut vm = Instance::new(program, 1000).unwrap();
    vm.set_reg(0, 2 << 24);
    assert_eq!(vm.run(), Exit::Panic);
    assert_eq!(vm.pc(), 0);
}

#[test]
fn absurd_code_lengths_are_rejected_up_front() {
    let mut bytes = vec![0, 0, 0xFF];
    bytes.extend_from_slice(&u64::MAX.to_le_bytes());
    bytes.extend_from_slice(&[0, 1]);
    assert!(matches!(
        RawBlob::parse(&bytes),
        Err(FormatError::TooLarge { what: "code", .. })
    ));
    // Just past the 64 MiB limit, and at the limit with the bytes missing.
    for (len, too_large) in [((1u64 << 26) + 1, true), (1 << 26, false)] {
        let mut bytes = vec![0, 0];
        encode_varint(len, &mut bytes);
        bytes.extend_from_slice(&[0, 1]);
        let error = RawBlob::parse(&bytes).unwrap_err();
        assert_eq!(
            matches!(error, FormatError::TooLarge { .. }),
            too_large,
            "{error}"
        );
    }
    // A container whose code section declares u32::MAX bytes.
    let mut container = b"PVM\0\x03".to_vec();
    container.extend_from_slice(&[0; 8]);
    container.extend_from_slice(&[6, 8, 0, 0, 0xF0, 0xFF, 0xFF, 0xFF, 0xFF, 0, 0]);
    let len = container.len() as u64;
    container[5..13].copy_from_slice(&len.to_le_bytes());
    assert!(Container::parse(&container).is_err());
}

#[test]
fn absurd_standard_program_sizes() {
    let blob = EMBEDDED_BLOBS[0];
    // Sizes that claim megabytes but supply nothing.
    let mut bytes = standard(&[], &[], 0, 0, blob);
    bytes[0..3].copy_from_slice(&[0xFF; 3]);
    assert!(matches!(
        StandardProgram::parse(&bytes),
        Err(FormatError::Truncated { .. })
    ));
    let mut bytes = standard(&[], &[], 0, 0, blob);
    let at = bytes.len() - blob.len() - 4;
    bytes[at..at + 4].copy_from_slice(&u32::MAX.to_le_bytes());
    assert!(matches!(
        StandardProgram::parse(&bytes),
        Err(FormatError::Truncated { .. })
    ));
    // Trailing bytes after the blob.
    let mut bytes = standard(&[], &[], 0, 0, blob);
    bytes.push(0);
    assert!(matches!(
        StandardProgram::parse(&bytes),
        Err(FormatError::TrailingBytes { .. })
    ));
    // Every field at its maximum, with the data present: fits in 4 GiB and sets up.
    let big = vec![0xA5; 0xFF_FFFF];
    let bytes = standard(&big, &big, u16::MAX, 0xFF_FFFF, blob);
    let program = StandardProgram::parse(&bytes).unwrap();
    assert!(program.heap_end() <= program.stack_bottom());
    let args = vec![7; MAX_ARGS_LEN as usize];
    let mut vm = Instance::from_standard(&program, &args, 1000, GpVersion::V0_8).unwrap();
    assert_eq!(vm.reg(8), Some(u64::from(MAX_ARGS_LEN)));
    let tail = vm.memory().read_vec(program.rw_address() + 0xFF_FFEF, 16);
    assert_eq!(tail.unwrap(), [0xA5; 16]);
    assert_eq!(vm.run(), Exit::Halt);
    // One byte more of arguments is refused.
    let args = vec![7; MAX_ARGS_LEN as usize + 1];
    assert!(matches!(
        Instance::from_standard(&program, &args, 1000, GpVersion::V0_8),
        Err(InstanceError::ArgumentsTooLarge(_))
    ));
}

#[test]
fn jump_table_entries_past_the_code_panic_when_used() {
    // Entries: past the end, inside an instruction, u32::MAX (an 8-byte entry that does
    // not fit 32 bits), and a valid one (offset 0). Code: jump_ind r0, 0.
    let mut bytes = vec![4, 8, 2];
    for entry in [1000u64, 1, 1 << 40, 0] {
        bytes.extend_from_slice(&entry.to_le_bytes());
    }
    bytes.extend_from_slice(&[50, 0, 0b01]);
    for version in VERSIONS {
        let program = Arc::new(Program::from_blob_bytes(&bytes, version).unwrap());
        check_program(&program);
        assert_eq!(program.jump_table()[2], u32::MAX);
        for (address, expected) in [
            (2, Exit::Panic),
            (4, Exit::Panic),
            (6, Exit::Panic),
            (8, Exit::OutOfGas),
            (10, Exit::Panic),
            (3, Exit::Panic),
            (0, Exit::Panic),
            (u64::from(HALT_ADDRESS), Exit::Halt),
        ] {
            let mut vm = Instance::new(program.clone(), 1000).unwrap();
            vm.set_reg(0, address);
            assert_eq!(run_checked(&mut vm).exits, [expected], "address {address}");
        }
    }
}

#[test]
fn endless_loops_stop_out_of_gas_with_bounded_gas() {
    let jump = Opcode::Jump.byte(GpVersion::V0_8).unwrap();
    let ecalli = Opcode::Ecalli.byte(GpVersion::V0_8).unwrap();
    let fallthrough = Opcode::Fallthrough.byte(GpVersion::V0_8).unwrap();
    let loops: [(&str, Vec<u8>, Vec<u8>); 3] = [
        // jump @0
        ("jump", vec![jump], vec![0b1]),
        // fallthrough ; jump @-1
        ("two blocks", vec![fallthrough, jump, 0xFF], vec![0b011]),
        // ecalli 7 ; jump @-2 (every iteration exits to the host)
        ("host calls", vec![ecalli, 7, jump, 0xFE], vec![0b0101]),
    ];
    for (name, code, bitmask) in &loops {
        for version in VERSIONS {
            let program = Arc::new(Program::from_parts(code, bitmask, &[], version).unwrap());
            check_program(&program);
            let costs: Vec<u64> = program.block_costs().map(|(_, c)| u64::from(c)).collect();
            let cheapest = *costs.iter().min().unwrap();
            let dearest = *costs.iter().max().unwrap();
            let gas = 100_000;
            let mut vm = Instance::new(program.clone(), gas).unwrap();
            // Runs to the next exit other than a host call; returns it and the number of
            // host calls, which the gas must bound.
            let run = |vm: &mut Instance| {
                let mut host_calls = 0u64;
                loop {
                    match vm.run() {
                        Exit::HostCall { id } => {
                            assert_eq!(id, 7);
                            host_calls += 1;
                            assert!(host_calls <= gas / cheapest, "{name}: endless");
                        }
                        exit => return (exit, host_calls),
                    }
                }
            };
            let (exit, host_calls) = run(&mut vm);
            assert_eq!(exit, Exit::OutOfGas, "{name} {version:?}");
            assert!(host_calls == 0 || *name == "host calls");
            let cost = program.block_cost_at(vm.pc()).unwrap();
            assert!(vm.gas() < u64::from(cost), "{name}: {} gas left", vm.gas());
            assert_eq!(vm.run(), Exit::OutOfGas);
            // More gas lets it go on, and it stops again having used some.
            vm.set_gas(2 * dearest);
            assert_eq!(run(&mut vm).0, Exit::OutOfGas, "{name} {version:?}");
            assert!(vm.gas() < dearest);
        }
    }
}

#[test]
fn host_api_edge_cases() {
    let program = Arc::new(Program::from_blob_bytes(EMBEDDED_BLOBS[0], GpVersion::V0_8).unwrap());
    let mut vm = Instance::new(program.clone(), 1000).unwrap();
    assert!(!vm.set_reg(REG_COUNT, 1));
    assert_eq!(vm.reg(REG_COUNT), None);
    // Starting at a pc that is no instruction (past the end, mid-instruction) panics.
    for pc in [u32::MAX, 9, 5, 1] {
        let mut vm = Instance::new(program.clone(), 1000).unwrap();
        vm.set_pc(pc);
        assert_eq!(vm.run(), Exit::Panic, "pc {pc}");
        assert_eq!(vm.gas(), 1000, "nothing is charged for an invalid pc");
    }
    // No gas at all: out of gas before the first block, repeatedly.
    let mut vm = Instance::new(program.clone(), 0).unwrap();
    assert_eq!(vm.run(), Exit::OutOfGas);
    assert_eq!(vm.run(), Exit::OutOfGas);
    // The host-side memory API refuses what guests cannot have.
    let memory = vm.memory_mut();
    assert!(memory.map_zeroed(0, 4096, Access::Write).is_err());
    assert!(memory.map_zeroed(0xFFFF_F000, 8192, Access::Write).is_err());
    assert!(memory.map_zeroed(0x2_0001, 4096, Access::Write).is_err());
    assert!(memory.write(0x2_0000, &[1]).is_err());
    assert!(memory.read_vec(u32::MAX, 2).is_err());
    memory.map_zeroed(0x2_0000, 4096, Access::Read).unwrap();
    assert!(memory.write(0x2_0000, &[1]).is_err());
    assert!(memory.read_vec(0x2_0FFF, 2).is_err());
    assert_eq!(memory.read_vec(0x2_0FFF, 1).unwrap(), [0]);
    vm.set_reg(0, u64::from(HALT_ADDRESS));
    vm.set_gas(1000);
    assert_eq!(vm.run(), Exit::Halt);
    assert_eq!(vm.reg(7), Some(42));
}

/// Every input the fuzzers flagged (`fuzz/regressions/*.bin`) goes through every parser
/// and, when it loads, runs.
#[test]
fn fuzz_regressions_are_handled() {
    let dir = workspace_root().join("fuzz/regressions");
    let mut paths: Vec<PathBuf> = std::fs::read_dir(dir)
        .into_iter()
        .flatten()
        .flatten()
        .map(|entry| entry.path())
        .filter(|path| path.extension().is_some_and(|e| e == "bin"))
        .collect();
    paths.sort();
    for path in paths {
        let bytes = std::fs::read(&path).unwrap();
        for program in check_parsers(&bytes) {
            if program.jump_table().len() <= MAX_USED_JUMP_TABLE {
                execute(&program, &bytes, true);
            }
        }
    }
}

#[test]
fn the_vector_extractor_reads_program_arrays() {
    let json = r#"{"name": "x", "program": [
        0, 0, 3, 190, 135, 9, 1
    ], "expected-gas": 9998}"#;
    assert_eq!(extract_program(json), Some(vec![0, 0, 3, 190, 135, 9, 1]));
    assert_eq!(extract_program(r#"{"program": []}"#), Some(vec![]));
    assert_eq!(extract_program(r#"{"program": [256]}"#), None);
    assert_eq!(extract_program(r#"{"name": 1}"#), None);
}
