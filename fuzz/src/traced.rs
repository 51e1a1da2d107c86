//! Harnesses for execution traces (`machine` records): the `.mtrace` parser and the traced
//! PVM engine.
//!
//! * [`parse_trace`]: `machine::format::read_trace` on arbitrary bytes; a decoded trace
//!   re-encodes to a file that decodes to the same trace, no longer than the input and
//!   stable under another round; `check` and `replay` give the same verdict.
//! * [`execute_traced`]: the [`crate::execute`] programs run on a traced instance
//!   (`with_tracer(VecTracer)`) agree with an untraced run in every exit, register, gas,
//!   pc and mapped page; the trace passes `check` (and `replay` agrees), and the last
//!   value of every traced cell is the instance's final register or memory word.

use std::collections::HashMap;
use std::sync::Arc;

use machine::format::{encode, read_trace};
use machine::{Record, Space, Step, Tracer, VecTracer};
use pvm::tracing::{MEMORY, REGISTERS};
use pvm::{Access, Exit, Instance, Program, REG_COUNT};

use pvm_testkit::checks::{run_checked, Outcome, MAX_USED_JUMP_TABLE, PAGE, RO_PAGE, RW_PAGES};
use crate::{program_parts, register_value, setup_memory, GAS, MAX_PAGE_FAULTS, MAX_RUNS};

/// `check` and `replay` must agree on every record sequence (same `Ok`/`Err`, same
/// violation); returns the verdict.
pub fn check_agrees(records: &[Record]) -> Result<(), machine::Violation> {
    let checked = machine::check(records);
    assert_eq!(
        checked,
        machine::replay(records),
        "check and replay disagree"
    );
    checked
}

/// The value of each cell's last record (cells never accessed are absent).
pub fn final_cells(records: &[Record]) -> HashMap<(Space, u64), u64> {
    records
        .iter()
        .map(|r| ((r.space, r.address), r.value))
        .collect()
}

/// `.mtrace` parsing: never panics; a decoded trace survives a write/read round trip (the
/// re-encoding is no longer than the input and is a fixed point) and `check` agrees with
/// `replay` on it.
pub fn parse_trace(data: &[u8]) {
    let Ok(trace) = read_trace(data) else {
        return;
    };
    // Every record's space is listed, each id once: the writer accepts the trace.
    let bytes = encode(&trace).expect("a decoded trace re-encodes");
    assert!(
        bytes.len() <= data.len(),
        "re-encoding grew from {} to {} bytes",
        data.len(),
        bytes.len()
    );
    let again = read_trace(&bytes[..]).expect("a re-encoded trace decodes");
    assert_eq!(again, trace, "write/read round trip changed the trace");
    assert_eq!(
        encode(&again).unwrap(),
        bytes,
        "encoding is not a fixed point"
    );
    let _ = check_agrees(&trace.records);
}

/// How [`execute_traced`] drives the traced instance, from one input byte.
#[derive(Clone, Copy, Debug)]
struct Mode {
    /// Attach the tracer to the fresh instance, before the pages are mapped and filled
    /// (through the traced `map_memory`/`write_memory*`/`set_reg`), instead of after
    /// (where attaching reports the image).
    early: bool,
    /// Drive the traced instance with `step` (one instruction at a time) instead of
    /// `run`: `step` to an exit must end in the state `run` ends in.
    stepping: bool,
}

/// The traced PVM: see the module docs.
pub fn execute_traced(data: &[u8]) {
    let Some(parts) = program_parts(data) else {
        return;
    };
    if parts.jump_table.len() > MAX_USED_JUMP_TABLE {
        return;
    }
    let selector = data.get(data.len() / 2).copied().unwrap_or(0);
    let mode = Mode {
        early: selector & 1 != 0,
        stepping: selector & 2 != 0,
    };
    for version in crate::VERSIONS {
        let Ok(program) =
            Program::from_parts(&parts.code, &parts.bitmask, &parts.jump_table, version)
        else {
            continue;
        };
        let program = Arc::new(program);

        let mut plain = Instance::new_on(program.clone(), GAS, crate::ENGINE).unwrap();
        setup_memory(&mut plain, data);
        for i in 0..REG_COUNT {
            assert!(plain.set_reg(i, register_value(data, i)));
        }
        let expected = run_checked(&mut plain, MAX_RUNS, MAX_PAGE_FAULTS);

        let mut vm = if mode.early {
            let mut vm = Instance::new_on(program.clone(), GAS, crate::ENGINE)
                .unwrap()
                .with_tracer(VecTracer::new())
                .unwrap();
            assert!(
                vm.tracer().records().is_empty(),
                "a fresh instance is all zero"
            );
            map_fixed_pages_traced(&mut vm, data);
            for i in 0..REG_COUNT {
                assert!(vm.set_reg(i, register_value(data, i)));
            }
            vm
        } else {
            let mut vm = Instance::new_on(program.clone(), GAS, crate::ENGINE).unwrap();
            setup_memory(&mut vm, data);
            for i in 0..REG_COUNT {
                assert!(vm.set_reg(i, register_value(data, i)));
            }
            vm.with_tracer(VecTracer::new()).unwrap()
        };
        let outcome = run_generic(&mut vm, mode.stepping);
        assert_eq!(outcome, expected, "{mode:?}: traced run differs");
        assert_same_memory(plain.memory(), vm.memory());

        let records = vm.tracer().records();
        if let Err(violation) = check_agrees(records) {
            panic!(
                "{mode:?}: inconsistent trace: {violation} (record {:?})",
                records[violation.index()]
            );
        }
        assert_final_state(&vm, records);
    }
}

/// [`pvm_testkit::checks::map_fixed_pages`] through the traced instance API.
fn map_fixed_pages_traced<T: Tracer>(vm: &mut Instance<T>, data: &[u8]) {
    vm.map_memory(RO_PAGE, u64::from(PAGE), Access::Read)
        .unwrap();
    vm.map_memory(RW_PAGES, 2 * u64::from(PAGE), Access::Write)
        .unwrap();
    let fill = &data[..data.len().min(PAGE as usize)];
    vm.write_memory_privileged(RO_PAGE, fill).unwrap();
    vm.write_memory(RW_PAGES + PAGE, fill).unwrap();
}

/// [`run_checked`]'s loop for any tracer (it maps faulting pages with the traced
/// `map_memory`), optionally one `step` at a time. Returns the same [`Outcome`].
fn run_generic<T: Tracer>(vm: &mut Instance<T>, stepping: bool) -> Outcome {
    let mut exits = Vec::new();
    let mut faults = 0;
    let run = |vm: &mut Instance<T>| {
        if !stepping {
            return vm.run();
        }
        loop {
            if let Step::Exit(exit) = vm.step() {
                return exit;
            }
        }
    };
    for _ in 0..MAX_RUNS {
        let exit = run(vm);
        exits.push(exit);
        match exit {
            Exit::Halt | Exit::Panic | Exit::OutOfGas => {
                let state = (*vm.regs(), vm.gas(), vm.pc());
                assert_eq!(run(vm), exit, "a finished machine changed its exit");
                assert_eq!((*vm.regs(), vm.gas(), vm.pc()), state);
                break;
            }
            Exit::HostCall { id } => {
                vm.set_reg(7, u64::from(id));
            }
            Exit::PageFault { address } => {
                if faults == MAX_PAGE_FAULTS {
                    break;
                }
                faults += 1;
                vm.map_memory(address, u64::from(PAGE), Access::Write)
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

/// The same pages are mapped, with the same access and bytes, and the same heap end.
fn assert_same_memory(a: &pvm::Memory, b: &pvm::Memory) {
    let pages: Vec<(u32, Access)> = a.mapped_pages().collect();
    assert_eq!(
        pages,
        b.mapped_pages().collect::<Vec<_>>(),
        "mapped pages differ"
    );
    for (page, _) in pages {
        assert_eq!(a.page(page), b.page(page), "page {page:#x} differs");
    }
    assert_eq!(a.heap_end(), b.heap_end(), "heap ends differ");
}

/// Every register and every word of every mapped page equals the value of its cell's last
/// record (zero if never accessed); every memory cell outside the mapped pages was last
/// given zero; the trace uses only the two documented spaces and register cells 0..=12.
fn assert_final_state(vm: &Instance<VecTracer>, records: &[Record]) {
    let mut cells = final_cells(records);
    for (i, &value) in vm.regs().iter().enumerate() {
        let traced = cells.remove(&(REGISTERS, i as u64)).unwrap_or(0);
        assert_eq!(traced, value, "register {i}: trace ends with {traced:#x}");
    }
    let memory = vm.memory();
    for (page, _) in memory.mapped_pages() {
        let bytes = memory.page(page).unwrap();
        for (k, word) in bytes.chunks_exact(8).enumerate() {
            let address = u64::from(page) + 8 * k as u64;
            let value = u64::from_le_bytes(word.try_into().unwrap());
            let traced = cells.remove(&(MEMORY, address)).unwrap_or(0);
            assert_eq!(
                traced, value,
                "word {address:#x}: trace ends with {traced:#x}"
            );
        }
    }
    for ((space, address), value) in cells {
        assert_eq!(space, MEMORY, "record in space {space:?}, cell {address}");
        assert_eq!(address % 8, 0, "unaligned word cell {address:#x}");
        assert!(address < 1 << 32, "word cell {address:#x} beyond 4 GiB");
        assert_eq!(value, 0, "unmapped word {address:#x} last held {value:#x}");
    }
}
