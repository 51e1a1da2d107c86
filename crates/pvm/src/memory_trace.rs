//! Execution traces of the PVM as `machine` records (issue 9).
//!
//! An [`Instance`](crate::Instance) made with [`Instance::with_tracer`](crate::Instance::with_tracer)
//! reports every access to two spaces of cells:
//!
//! | space | cells | value |
//! |---|---|---|
//! | [`REGISTERS`] = `Space(0)` | registers r0..r12 at addresses 0..=12 | the register |
//! | [`MEMORY`] = `Space(1)` | aligned 8-byte words at their byte address | the word, little-endian |
//!
//! The interpreter reports a read for every register operand it reads and a write for
//! every register it sets; a load reports a read of each word it touches (after the access
//! succeeded), a store reports a write of each word it touches, preceded by a read of the
//! old word when the store covers only part of it (`machine::cells::trace_write`). A
//! faulting access reports nothing. Host-side changes made through the instance (`set_reg`,
//! `prepare_call`, `write_memory`, `map_memory`, the `machine::Memory` and
//! `machine::Registers` impls) are reported too, so a trace of a host-call program stays
//! consistent. Attaching a tracer first reports the instance's current state — every
//! non-zero register and every non-zero word of a mapped page — as writes,
//! so a trace starts from all-zero cells. `sbrk` maps zero pages and reports nothing.
//!
//! Not reported: reads through [`Instance::memory`](crate::Instance::memory) and
//! [`Instance::reg`](crate::Instance::reg) (harmless: they change nothing), and writes
//! through raw pointers from [`Memory::host_ptr`](crate::Memory::host_ptr), which bypass
//! the instance (a traced instance must not be written that way). `memory_mut` exists only
//! on untraced instances.
//!
//! The PVM trace of sorting 1000 integers (`pvm trace --memory-trace`, guest `sort`,
//! export `quicksort`, argument 1000) has 239 535 records: 209 513 register and 30 022
//! memory records; `examples/traces/sort-1000.mtrace` is its memory-only part
//! (`--memory-trace-spaces memory`), which is consistent on its own.

use machine::{Space, Tracer};

use crate::memory::{Memory, PAGE_SIZE};
use crate::state::REG_SLOTS;
use crate::REG_COUNT;

/// The register space: cell `i` is register `ri` (0..=12).
pub const REGISTERS: Space = Space(0);
/// The memory space: cell `w` is the aligned 8-byte word at byte address `w`.
pub const MEMORY: Space = Space(1);
/// The spaces' names, indexed by space number (for trace files).
pub const SPACE_NAMES: [&str; 2] = ["registers", "memory"];

/// Reports the state as writes: each non-zero register, then each non-zero word of every
/// mapped page in address order. Unmapped pages hold zeros (see [`crate::memory`]).
pub(crate) fn emit_image<T: Tracer>(tracer: &mut T, regs: &[u64; REG_SLOTS], memory: &Memory) {
    if !T::ENABLED {
        return;
    }
    for (index, &value) in regs[..REG_COUNT].iter().enumerate() {
        if value != 0 {
            tracer.write(REGISTERS, index as u64, value);
        }
    }
    for (page, _) in memory.mapped_pages() {
        for_each_nonzero_word(memory, page, |address, value| {
            tracer.write(MEMORY, address, value)
        });
    }
}

/// Calls `f(word address, word)` for each non-zero word of the page at `page`, if mapped.
fn for_each_nonzero_word(memory: &Memory, page: u32, mut f: impl FnMut(u64, u64)) {
    let Some(bytes) = memory.page(page) else {
        return;
    };
    for (index, word) in bytes.chunks_exact(8).enumerate() {
        let value = u64::from_le_bytes(word.try_into().expect("8-byte chunk"));
        if value != 0 {
            f(u64::from(page) + index as u64 * 8, value);
        }
    }
}

/// Before `[address, address + length)` (page-aligned, checked) is zeroed: reports a write
/// of zero for each non-zero word of its mapped pages.
pub(crate) fn emit_zeroing<T: Tracer>(tracer: &mut T, memory: &Memory, address: u32, length: u64) {
    if !T::ENABLED {
        return;
    }
    let pages = length / u64::from(PAGE_SIZE);
    for i in 0..pages {
        let page = address + (i as u32) * PAGE_SIZE;
        for_each_nonzero_word(memory, page, |word, _| tracer.write(MEMORY, word, 0));
    }
}
