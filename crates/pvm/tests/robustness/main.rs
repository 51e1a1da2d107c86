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

mod corpus;
mod harness;

use corpus::*;
use harness::*;

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
