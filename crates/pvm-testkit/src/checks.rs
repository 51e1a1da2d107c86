//! The checks `crates/pvm/tests/robustness.rs` and the cargo-fuzz harnesses
//! (`fuzz/src/lib.rs`) share: the properties of every loaded program and of every
//! execution, and the fixed pages a fuzzed execution gets.

use pvm::{Access, Exit, Instance, Program, REG_COUNT};

/// Guest page size.
pub const PAGE: u32 = 4096;

/// A read-only page mapped for every fuzzed execution (filled from the input).
pub const RO_PAGE: u32 = 0x2_0000;

/// Two read-write pages mapped for every fuzzed execution.
pub const RW_PAGES: u32 = 0x3_0000;

/// Largest jump table that is listed (and, in the fuzz harnesses, loaded or executed). A
/// raw blob may declare up to 2^24 jump-table entries of size 0 in a few bytes (see
/// `fuzz/regressions/jump_table_zero_size_amplification.bin`): loading one allocates
/// ~200 MB and listing it prints 16.7M lines, which slowed fuzzing to a crawl once found.
/// Such blobs are still parsed (and `robustness.rs` loads one).
pub const MAX_USED_JUMP_TABLE: usize = 1 << 16;

/// Structural properties of any loaded program, plus its disassembly: every block costs
/// at least 1 gas and starts where the block map says, offset 0 starts a block,
/// instructions come in increasing code order inside the code, and the listing is not
/// empty.
pub fn check_program(program: &Program) {
    let version = program.version();
    let code_len = program.code().len();
    let mut blocks = 0usize;
    for (pc, cost) in program.block_costs() {
        assert!(cost >= 1, "{version:?}: block at {pc} costs {cost} gas");
        assert_eq!(program.block_cost_at(pc), Some(cost));
        assert_eq!(program.block_start_of(pc), Some(pc));
        blocks += 1;
    }
    assert!(blocks <= program.instruction_count());
    if program.instruction_count() > 0 {
        assert!(
            program.block_cost_at(0).is_some(),
            "offset 0 starts a block"
        );
    }
    let mut previous = None;
    for ins in program.instructions() {
        // Instructions come in strictly increasing code order, each at most at the end.
        assert!(
            previous.is_none_or(|p| p < ins.pc),
            "instructions out of order"
        );
        assert!(ins.pc <= code_len);
        previous = Some(ins.pc);
        assert!(program.block_start_of(ins.pc).is_some_and(|s| s <= ins.pc));
        if program.is_block_start(ins.pc) {
            assert!(program.block_cost_at(ins.pc).is_some());
        }
        assert!(!ins.to_string().is_empty());
    }
    // GP 0.8 rejects empty code and GP 0.7 appends a trap: never an empty listing.
    assert!(program.instruction_count() >= 1);
    if program.jump_table().len() <= MAX_USED_JUMP_TABLE {
        assert!(!pvm::disasm::listing(program).is_empty());
    }
}

/// Maps the fixed pages: [`RO_PAGE`] (read-only) and two read-write pages at
/// [`RW_PAGES`]; the read-only page and the second read-write page start with a copy of
/// `data` (at most a page of it, which is returned).
pub fn map_fixed_pages<'a>(vm: &mut Instance, data: &'a [u8]) -> &'a [u8] {
    let memory = vm.memory_mut();
    memory
        .map_zeroed(RO_PAGE, u64::from(PAGE), Access::Read)
        .unwrap();
    memory
        .map_zeroed(RW_PAGES, 2 * u64::from(PAGE), Access::Write)
        .unwrap();
    let fill = &data[..data.len().min(PAGE as usize)];
    memory.write_privileged(RO_PAGE, fill).unwrap();
    memory.write(RW_PAGES + PAGE, fill).unwrap();
    fill
}

/// What a checked execution ended with.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Outcome {
    /// Every exit, in order.
    pub exits: Vec<Exit>,
    /// Final registers.
    pub regs: [u64; REG_COUNT],
    /// Gas left.
    pub gas: u64,
    /// Final pc.
    pub pc: u32,
}

/// Runs `vm` until it halts, panics, runs out of gas or `max_runs` runs have happened,
/// resuming host calls (with `r7` set to the call id) and mapping faulting pages
/// read-write (at most `max_faults` times). Asserts on every run:
///
/// * gas never increases;
/// * a page-fault address is page-aligned and outside the low 64 KiB, and the page it
///   names is not writable;
/// * after `Halt`/`Panic` another `run` returns the same exit and changes no state;
/// * after `OutOfGas` another `run` returns `OutOfGas` again with the same gas and pc.
pub fn run_checked(vm: &mut Instance, max_runs: usize, max_faults: usize) -> Outcome {
    let mut exits = Vec::new();
    let mut faults = 0;
    for _ in 0..max_runs {
        let gas_before = vm.gas();
        let exit = vm.run();
        exits.push(exit);
        assert!(
            vm.gas() <= gas_before,
            "gas rose from {gas_before} to {}",
            vm.gas()
        );
        match exit {
            Exit::Halt | Exit::Panic | Exit::OutOfGas => {
                let state = (*vm.regs(), vm.gas(), vm.pc());
                assert_eq!(vm.run(), exit, "a finished machine changed its exit");
                assert_eq!((*vm.regs(), vm.gas(), vm.pc()), state);
                break;
            }
            Exit::HostCall { id } => {
                vm.set_reg(7, u64::from(id));
            }
            Exit::PageFault { address } => {
                assert_eq!(address % PAGE, 0, "unaligned fault address {address:#x}");
                assert!(address >= 0x1_0000, "fault in the low 64 KiB: {address:#x}");
                assert_ne!(vm.memory().access(address), Access::Write);
                if faults == max_faults {
                    break;
                }
                faults += 1;
                vm.memory_mut()
                    .map_zeroed(address, u64::from(PAGE), Access::Write)
                    .unwrap();
            }
        }
    }
    Outcome {
        exits,
        regs: *vm.regs(),
        gas: vm.gas(),
        pc: vm.pc(),
    }
}
