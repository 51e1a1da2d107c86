//! Running one input: every parser, the loader, bounded execution, and the
//! properties checked on the way.

use super::*;

/// Both Gray Paper versions.
pub(crate) const VERSIONS: [GpVersion; 2] = [GpVersion::V0_7, GpVersion::V0_8];

/// Gas for every fuzzed run: enough for loops to matter, small enough for a debug build.
pub(crate) const GAS: u64 = 20_000;

/// Most `run` calls per execution (host calls and page faults resume).
pub(crate) const MAX_RUNS: usize = 32;

/// Most page faults serviced (by mapping the page read-write) per execution.
pub(crate) const MAX_PAGE_FAULTS: usize = 8;

/// Register values that steer programs towards the mapped pages, page and address-space
/// edges, the halt address, jump-table addresses and sign edges.
pub(crate) const INTERESTING: [u64; 20] = [
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

/// Every parser and the loader on `bytes`; returns the programs that loaded.
pub(crate) fn check_parsers(bytes: &[u8]) -> Vec<Arc<Program>> {
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
pub(crate) fn instance(program: &Arc<Program>, input: &[u8], gas: u64) -> Instance {
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
pub(crate) fn run_checked(vm: &mut Instance) -> Outcome {
    pvm_testkit::checks::run_checked(vm, MAX_RUNS, MAX_PAGE_FAULTS)
}

/// Runs `program` on `input`; with `twice`, also on a fresh instance and compares.
pub(crate) fn execute(program: &Arc<Program>, input: &[u8], twice: bool) -> Outcome {
    let first = run_checked(&mut instance(program, input, GAS));
    if twice {
        let second = run_checked(&mut instance(program, input, GAS));
        assert_eq!(first, second, "execution is not deterministic");
    }
    first
}

/// The name of an exit's kind.
pub(crate) fn exit_kind(exit: Exit) -> &'static str {
    match exit {
        Exit::Halt => "halt",
        Exit::Panic => "panic",
        Exit::OutOfGas => "out of gas",
        Exit::PageFault { .. } => "page fault",
        Exit::HostCall { .. } => "host call",
    }
}
