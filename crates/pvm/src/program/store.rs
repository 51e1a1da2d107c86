//! The lazily filled parts of a shared [`Program`](super::Program): pre-decoded instructions
//! written one basic block at a time, and resolved jump-table slots.
//!
//! A program is shared by many instances, possibly on several threads, and blocks are
//! prepared on first entry, so these tables are written through shared references. The
//! rules that make that sound:
//!
//! - Every table starts all-zero (allocated zeroed, so untouched pages cost nothing). An
//!   all-zero [`Instr`] is a valid value (`trap`, no operands, cost 0).
//! - An instruction's operand fields (everything but `block_cost`) are written only while
//!   preparing its block, by the one thread holding the program's preparation lock, and
//!   only before the block is published. Nobody reads them before that: execution reaches
//!   an instruction only by entering its block.
//! - `block_cost` is only ever accessed atomically. A block is published by storing its
//!   (non-zero) cost into its entry instructions with `Release`, last entry first and the
//!   block start last; readers load an entry's cost with `Acquire` and, seeing it non-zero,
//!   see every field of the instructions from that entry to the block's end. A published
//!   instruction is never written again, so shared references to it are sound.
//! - Jump-table slots hold `0` until resolved, then the target's instruction index + 2 (or
//!   1 for an invalid target); a resolution always computes the same value, so racing
//!   resolvers may both store it (`Relaxed` suffices: the slot's value is all they share).

use std::cell::UnsafeCell;
use std::sync::atomic::{AtomicU32, Ordering};

use super::Instr;

/// A slot value: not resolved yet.
pub(super) const UNRESOLVED: u32 = 0;

/// `len` zeroed instructions.
pub(super) struct InstrTable {
    cells: Box<[UnsafeCell<Instr>]>,
}

/// `len` zeroed jump-table slots.
pub(super) struct SlotTable {
    slots: Box<[AtomicU32]>,
}

// The all-zero bit pattern must be a valid `Instr`: `Opcode` discriminant 0 is `trap`.
const _: () = assert!(crate::isa::Opcode::Trap as u8 == 0);

/// A boxed slice of `len` values of `T` whose memory is all zero bytes.
///
/// # Safety
/// The all-zero bit pattern must be a valid `T`.
unsafe fn zeroed_slice<T>(len: usize) -> Box<[T]> {
    let layout = std::alloc::Layout::array::<T>(len).expect("table size fits in memory");
    if layout.size() == 0 {
        // Only `len == 0` here (the tables hold non-zero-sized types).
        assert_eq!(len, 0, "zero-sized table element");
        return Vec::new().into_boxed_slice();
    }
    // SAFETY: `layout` has non-zero size.
    let ptr = unsafe { std::alloc::alloc_zeroed(layout) } as *mut T;
    if ptr.is_null() {
        std::alloc::handle_alloc_error(layout);
    }
    // SAFETY: `ptr` is a live allocation of `Layout::array::<T>(len)` (what `Box<[T]>`
    // deallocates with), fully initialised with zeros, which the caller guarantees are
    // valid `T`s.
    unsafe { Box::from_raw(std::ptr::slice_from_raw_parts_mut(ptr, len)) }
}

impl InstrTable {
    /// `len` zeroed (unprepared) instructions; untouched pages are never committed.
    pub(super) fn zeroed(len: usize) -> InstrTable {
        InstrTable {
            // SAFETY: all-zero is a valid `Instr` (checked above) and `UnsafeCell` is
            // `repr(transparent)`.
            cells: unsafe { zeroed_slice(len) },
        }
    }

    /// Pointer to the first instruction, for the interpreter's instruction pointer. Only
    /// instructions of published blocks may be read through it (see the module notes).
    pub(super) fn base(&self) -> *const Instr {
        UnsafeCell::raw_get(self.cells.as_ptr())
    }

    /// The cost stored at `index` (0: unpublished, or not an entry of its block).
    #[inline(always)]
    pub(super) fn cost(&self, index: usize) -> u32 {
        cost_at(UnsafeCell::raw_get(&self.cells[index]))
    }

    /// Publishes `cost` at `index`, an entry of a block whose instructions are written.
    pub(super) fn publish_cost(&self, index: usize, cost: u32) {
        let instr = UnsafeCell::raw_get(&self.cells[index]);
        // SAFETY: `block_cost` is only accessed atomically (module notes); the pointer is
        // valid and aligned for `u32`.
        let cell = unsafe { AtomicU32::from_ptr(std::ptr::addr_of_mut!((*instr).block_cost)) };
        cell.store(cost, Ordering::Release);
    }

    /// Writes the operand fields of the unpublished instruction at `index`.
    ///
    /// # Safety
    /// The caller holds the preparation lock and `index` belongs to a block that is not
    /// published (so no other thread reads or writes these fields).
    pub(super) unsafe fn write_operands(&self, index: usize, instr: Instr) {
        let p = UnsafeCell::raw_get(&self.cells[index]);
        // SAFETY: the caller's contract: exclusive access to these fields; `block_cost` is
        // not touched (it is accessed atomically by readers at any time).
        unsafe {
            std::ptr::addr_of_mut!((*p).opcode).write(instr.opcode);
            std::ptr::addr_of_mut!((*p).a).write(instr.a);
            std::ptr::addr_of_mut!((*p).b).write(instr.b);
            std::ptr::addr_of_mut!((*p).d).write(instr.d);
            std::ptr::addr_of_mut!((*p).imm).write(instr.imm);
            std::ptr::addr_of_mut!((*p).imm2).write(instr.imm2);
        }
    }
}

/// The atomic (`Acquire`) read of an instruction's `block_cost`, through a pointer to it.
#[inline(always)]
pub(crate) fn cost_at(instr: *const Instr) -> u32 {
    // SAFETY: `instr` points at a live instruction of a program's table; `block_cost` is
    // only ever accessed atomically (module notes), and `from_ptr` needs no exclusivity.
    let cell = unsafe { AtomicU32::from_ptr(std::ptr::addr_of!((*instr).block_cost) as *mut u32) };
    cell.load(Ordering::Acquire)
}

impl SlotTable {
    /// `len` unresolved slots.
    pub(super) fn zeroed(len: usize) -> SlotTable {
        SlotTable {
            // SAFETY: zero is a valid `AtomicU32`.
            slots: unsafe { zeroed_slice(len) },
        }
    }

    /// Number of slots.
    pub(super) fn len(&self) -> usize {
        self.slots.len()
    }

    /// The raw slot value (see the module notes).
    #[inline(always)]
    pub(super) fn get(&self, slot: usize) -> u32 {
        self.slots[slot].load(Ordering::Relaxed)
    }

    /// Stores a resolved slot value.
    pub(super) fn set(&self, slot: usize, value: u32) {
        self.slots[slot].store(value, Ordering::Relaxed);
    }
}
