//! Fuzz harnesses for the `pvm` crate, shared by the cargo-fuzz targets in
//! `fuzz_targets/`.
//!
//! Every harness takes arbitrary bytes, must never panic or hang, and asserts
//! properties that hold for every input (a failed assertion is reported by libFuzzer as
//! a crash, like any engine panic):
//!
//! * [`parse_blob`]: raw blob parsing, loading under both Gray Paper versions,
//!   disassembly; encode/parse round trip; every block costs at least 1 gas.
//! * [`parse_standard`]: JAM standard program parsing and instance set-up with
//!   argument data; the initial registers and memory match GP A.7.
//! * [`parse_container`]: `.polkavm` container parsing and memory layout (the layout's
//!   regions are ordered, page-aligned and disjoint), then `Module::instantiate_on`,
//!   `prepare_call` of the first export and a short run.
//! * [`execute`]: loads the input as a program (a raw blob, or else raw code with a
//!   mostly-set bitmask) and runs it under both versions, servicing host calls and page
//!   faults, checking gas and exit invariants (see [`run_checked`]).
//!
//! * [`traced::parse_trace`], [`traced::execute_traced`]: the `.mtrace` parser, and the
//!   engine with a tracer (see [`traced`]).
//! * [`evm::evm_memory`], [`evm::evm_memory_traced`]: `evm-memory` op streams, untraced and
//!   traced against untraced.
//! * [`m3d::memory3d_traced`]: Memory3D programs, traced against untraced.
//! * [`proof::parse_proof`]: `memory-proof` files and mutated real proofs.
//!
//! The program and execution checks are the ones `crates/pvm/tests/robustness.rs` makes,
//! from the test kit both depend on: `pvm_testkit::checks`.
//!
//! Every harness names the interpreter ([`ENGINE`]) rather than taking the default engine
//! (the recompiler on x86-64 Linux): compiling each input would cost more than running it,
//! and the recompiler is fuzzed against the interpreter by the `engines` target.

#![forbid(unsafe_code)]

use std::sync::Arc;

use pvm::container::{is_polkavm, Container};
use pvm::format::{RawBlob, StandardProgram, ARGS_ADDRESS, STACK_TOP};
use pvm::{Engine, GpVersion, Instance, Module, Program, HALT_ADDRESS};

/// The engine the harnesses run (see the crate documentation).
pub const ENGINE: Engine = Engine::Interpreter;

pub mod evm;
pub mod m3d;
pub mod proof;
pub mod traced;
pub use pvm_testkit::checks::{
    check_program, map_fixed_pages, run_checked, Outcome, MAX_USED_JUMP_TABLE, PAGE, RO_PAGE,
    RW_PAGES,
};

/// Both Gray Paper versions the engine implements.
pub const VERSIONS: [GpVersion; 2] = [GpVersion::V0_7, GpVersion::V0_8];

/// Gas given to every fuzzed execution.
pub const GAS: u64 = 100_000;

/// Most `run` calls per execution (host calls and page faults resume).
pub const MAX_RUNS: usize = 64;

/// Most page faults serviced (by mapping the page read-write) per execution.
pub const MAX_PAGE_FAULTS: usize = 8;

/// Register values that steer programs towards interesting behaviour: the mapped pages,
/// page and address-space edges, the halt address, jump-table addresses, sign edges.
const INTERESTING: [u64; 24] = [
    0,
    1,
    2,
    4,
    6,
    7,
    0xFF,
    0x1_0000,
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
    0x1_0000_0000,
    i64::MAX as u64,
    i64::MIN as u64,
    u64::MAX,
    u64::MAX - 1,
    0xDEAD_BEEF_CAFE_F00D,
];

/// Raw blob parsing, loading under both versions and disassembly.
pub fn parse_blob(data: &[u8]) {
    let blob = match RawBlob::parse(data) {
        Ok(blob) => blob,
        Err(_) => {
            // The loader must report the same rejection, not panic.
            for version in VERSIONS {
                assert!(Program::from_blob_bytes(data, version).is_err());
            }
            return;
        }
    };
    assert_eq!(blob.bitmask.len(), blob.code.len().div_ceil(8));
    if blob.jump_table.len() > MAX_USED_JUMP_TABLE {
        return;
    }
    // The encoder picks the smallest entry size, so bytes may differ, but the parts
    // must survive a round trip.
    assert_eq!(RawBlob::parse(&blob.encode()).as_ref(), Ok(&blob));
    for version in VERSIONS {
        let Ok(program) = Program::from_blob_bytes(data, version) else {
            continue;
        };
        check_program(&program);
    }
}

/// Standard program parsing and instance set-up (with a short run).
pub fn parse_standard(data: &[u8]) {
    // The first byte picks how many trailing bytes are argument data; the rest is the
    // program. (The whole input is also tried as a program, so that seeds parse as-is.)
    check_standard(data, &[]);
    if let Some((&split, rest)) = data.split_first() {
        let args_len = usize::from(split % 32).min(rest.len());
        let (program, args) = rest.split_at(rest.len() - args_len);
        check_standard(program, args);
    }
}

fn check_standard(bytes: &[u8], args: &[u8]) {
    let Ok(standard) = StandardProgram::parse(bytes) else {
        return;
    };
    if standard.blob.jump_table.len() > MAX_USED_JUMP_TABLE {
        return;
    }
    // The layout the parser accepted must lie in the address space, in order.
    let ro_end = u64::from(standard.ro_end());
    assert!(u64::from(standard.ro_address()) <= ro_end);
    assert!(ro_end <= u64::from(standard.rw_address()));
    assert!(standard.rw_address() <= standard.heap_end());
    assert!(standard.heap_end() <= standard.stack_bottom());
    assert!(standard.stack_bottom() <= STACK_TOP);
    for version in VERSIONS {
        let instance = Module::from_standard(&standard, version)
            .and_then(|module| module.instantiate_with_args_on(args, 10_000, ENGINE));
        let Ok(mut vm) = instance else {
            continue;
        };
        assert_eq!(vm.reg(0), Some(u64::from(HALT_ADDRESS)));
        assert_eq!(vm.reg(1), Some(u64::from(STACK_TOP)));
        assert_eq!(vm.reg(7), Some(u64::from(ARGS_ADDRESS)));
        assert_eq!(vm.reg(8), Some(args.len() as u64));
        assert_eq!(
            vm.memory().read_vec(ARGS_ADDRESS, args.len()).unwrap(),
            args
        );
        let ro = vm
            .memory()
            .read_vec(standard.ro_address(), standard.ro_data.len());
        assert_eq!(ro.unwrap(), standard.ro_data);
        let rw = vm
            .memory()
            .read_vec(standard.rw_address(), standard.rw_data.len());
        assert_eq!(rw.unwrap(), standard.rw_data);
        check_program(vm.program());
        run_checked(&mut vm, MAX_RUNS, 8);
    }
}

/// Container parsing, memory layout, instance set-up and a call of the first export.
pub fn parse_container(data: &[u8]) {
    let parsed = Container::parse(data);
    if !is_polkavm(data) {
        assert!(parsed.is_err());
    }
    let Ok(container) = parsed else {
        return;
    };
    assert_eq!(container.bitmask.len(), container.code.len().div_ceil(8));
    for export in &container.exports {
        assert!((export.pc as usize) < container.code.len());
    }
    if let Ok(layout) = container.memory_layout() {
        let aligned = |x: u32| x.is_multiple_of(PAGE);
        let regions = [layout.ro_data, layout.rw_data, layout.stack];
        for (start, end) in regions {
            assert!(start <= end && aligned(start) && aligned(end), "{layout:?}");
        }
        assert!(layout.ro_data.0 >= 0x1_0000, "{layout:?}");
        assert!(layout.ro_data.1 <= layout.rw_data.0, "{layout:?}");
        assert!(layout.rw_data.1 <= layout.stack.0, "{layout:?}");
        assert_eq!(layout.stack.1, layout.stack_pointer);
        assert!(layout.stack_pointer <= layout.return_address);
        assert!(layout.rw_data.0 <= layout.heap_base && layout.heap_base <= layout.rw_data.1);
        assert!(layout.ro_data.1 - layout.ro_data.0 >= container.ro_data_size);
        assert!(layout.rw_data.1 - layout.rw_data.0 >= container.rw_data_size);
        assert!(layout.stack.1 - layout.stack.0 >= container.stack_size);
    }
    let loaded = Program::from_parts(
        &container.code,
        &container.bitmask,
        &container.jump_table,
        GpVersion::V0_8,
    );
    if let Ok(program) = &loaded {
        check_program(program);
    }
    // Set up as PolkaVM would and call the first export (or offset 0) with arguments
    // picked from the input.
    let instance =
        Module::from_container(&container).and_then(|module| module.instantiate_on(10_000, ENGINE));
    let Ok(mut vm) = instance else {
        return;
    };
    assert!(
        loaded.is_ok(),
        "from_container accepted code that from_parts rejects"
    );
    let layout = container.memory_layout().unwrap();
    let memory = vm.memory();
    let ro = memory.slice(layout.ro_data.0, container.ro_data.len(), false);
    assert_eq!(ro.unwrap(), container.ro_data);
    let rw = memory.slice(layout.rw_data.0, container.rw_data.len(), true);
    assert_eq!(rw.unwrap(), container.rw_data);
    let args: Vec<u64> = (0..data.len() % 12)
        .map(|i| register_value(data, i))
        .collect();
    let pc = container.exports.first().map_or(0, |export| export.pc);
    match vm.prepare_call(pc, &args) {
        Ok(()) => {
            assert_eq!(vm.reg(0), Some(u64::from(HALT_ADDRESS)));
            assert_eq!(vm.reg(1), Some(u64::from(layout.stack_pointer)));
            run_checked(&mut vm, MAX_RUNS, 8);
        }
        Err(_) => assert!(
            args.len() > 9,
            "prepare_call refused {} arguments",
            args.len()
        ),
    }
}

/// How [`execute`] turned the input into a program.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ProgramParts {
    /// Instruction bytes.
    pub code: Vec<u8>,
    /// Packed bitmask.
    pub bitmask: Vec<u8>,
    /// Jump table.
    pub jump_table: Vec<u32>,
}

/// The program [`execute`] runs for `data`: the raw blob if `data` parses as one, else
/// `data[4..]` as code with a bitmask made mostly of ones (byte `k` is
/// `data[k % 2] | data[2]`, so `data[2] = 0xFF` gives all ones), a jump table of the first
/// `data[3] % 16` instruction starts, and (if `data[3] & 0x80`) a final `trap`.
pub fn program_parts(data: &[u8]) -> Option<ProgramParts> {
    if let Ok(blob) = RawBlob::parse(data) {
        return Some(ProgramParts {
            code: blob.code,
            bitmask: blob.bitmask,
            jump_table: blob.jump_table,
        });
    }
    let (prefix, code) = data.split_first_chunk::<4>()?;
    let mut code = code.to_vec();
    let mut bitmask: Vec<u8> = (0..code.len().div_ceil(8))
        .map(|k| prefix[k % 2] | prefix[2])
        .collect();
    if prefix[3] & 0x80 != 0 {
        // Append a `trap` marked as an instruction start, so GP 0.8 validation passes
        // more often.
        let at = code.len();
        code.push(0);
        bitmask.resize(code.len().div_ceil(8), 0);
        bitmask[at / 8] |= 1 << (at % 8);
    }
    let is_start = |pc: usize| bitmask[pc / 8] & (1 << (pc % 8)) != 0;
    let jump_table = (0..code.len())
        .filter(|&pc| is_start(pc))
        .take(usize::from(prefix[3] % 16))
        .map(|pc| pc as u32)
        .collect();
    Some(ProgramParts {
        code,
        bitmask,
        jump_table,
    })
}

/// Maps the fixed pages every fuzzed execution gets ([`map_fixed_pages`]: [`RO_PAGE`],
/// read-only, and two read-write pages at [`RW_PAGES`], filled from `data`) and checks
/// their contents and access.
pub fn setup_memory(vm: &mut Instance, data: &[u8]) {
    let fill = map_fixed_pages(vm, data);
    let memory = vm.memory();
    assert_eq!(memory.read_vec(RO_PAGE, fill.len()).unwrap(), fill);
    assert_eq!(
        memory.slice(RW_PAGES + PAGE, fill.len(), true).unwrap(),
        fill
    );
    assert!(memory.slice(RO_PAGE, 1, true).is_err());
    assert!(memory.slice(RW_PAGES - 1, 2, false).is_err());
}

/// Register `i` for input `data`: an [`INTERESTING`] value picked by an input byte
/// (inputs shorter than 13 bytes wrap around).
pub fn register_value(data: &[u8], i: usize) -> u64 {
    match data.len() {
        0 => 0,
        len => {
            let byte = data[(len - 1 - i % len) % len];
            INTERESTING[usize::from(byte) % INTERESTING.len()]
        }
    }
}

/// Loads the input as a program (see [`program_parts`]) and runs it under both
/// versions with [`run_checked`]; each run is repeated on a fresh instance and must
/// give the same outcome.
pub fn execute(data: &[u8]) {
    let Some(parts) = program_parts(data) else {
        return;
    };
    if parts.jump_table.len() > MAX_USED_JUMP_TABLE {
        return;
    }
    for version in VERSIONS {
        let Ok(program) =
            Program::from_parts(&parts.code, &parts.bitmask, &parts.jump_table, version)
        else {
            continue;
        };
        let program = Arc::new(program);
        let fresh = || {
            let mut vm = Instance::new_on(program.clone(), GAS, ENGINE).unwrap();
            setup_memory(&mut vm, data);
            for i in 0..13 {
                assert!(vm.set_reg(i, register_value(data, i)));
            }
            assert!(!vm.set_reg(13, 0));
            vm
        };
        let first = run_checked(&mut fresh(), MAX_RUNS, MAX_PAGE_FAULTS);
        let second = run_checked(&mut fresh(), MAX_RUNS, MAX_PAGE_FAULTS);
        assert_eq!(first, second, "execution is not deterministic");
    }
}
