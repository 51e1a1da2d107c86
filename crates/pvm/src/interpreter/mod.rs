//! The interpreter loop over pre-decoded instructions.
//!
//! Gas is charged per basic block: when a terminator transfers control, the cost of the
//! block it enters is taken before that block runs; nothing is charged per instruction.
//!
//! The loop is generic over a [`Tracer`]: every register and memory access is reported
//! behind `if T::ENABLED`, so with [`machine::NoTrace`] the generated code is the untraced
//! loop (see [`crate::memory_trace`] for what is reported).

use machine::cells::{trace_read, trace_write, word_of};
use machine::Tracer;

use crate::exit::Exit;
use crate::isa::Opcode;
use crate::memory::{FastPath, Fault};
use crate::memory_trace::{MEMORY, REGISTERS};
use crate::program::{cost_at, Instr, Program, NO_INDEX};
use crate::state::Core;

// Their former home; kept so that `pvm::interpreter::{Observer, NoObserver, HALT_ADDRESS}`
// still resolve.
pub use crate::exit::HALT_ADDRESS;
pub use crate::observer::{NoObserver, Observer};

#[inline(always)]
fn sext32(value: u64) -> u64 {
    value as u32 as i32 as i64 as u64
}

#[inline(always)]
fn imm(value: u32) -> u64 {
    value as i32 as i64 as u64
}

/// [`run`] untraced and unobserved, instantiated here so that the hot loop every untraced
/// instance runs is compiled in this crate, with this crate's inlining, whatever crate
/// instantiates `Instance<T>` (a downstream instantiation of the generic loop gets
/// slightly different code through thin-LTO importing; measured +0.5 % instructions).
#[inline(never)]
pub(crate) fn run_untraced(core: &mut Core, program: &Program) -> (Option<Exit>, bool) {
    run::<NoObserver, machine::NoTrace, false>(
        core,
        program,
        &mut NoObserver,
        &mut machine::NoTrace,
    )
}

/// Reports a load of `N` bytes at `address` that succeeded: a read of each word touched.
#[inline(always)]
fn trace_load<T: Tracer>(tracer: &mut T, fast: FastPath, address: u32, len: usize) {
    trace_read(tracer, MEMORY, u64::from(address), len, |word| {
        fast.word(word as u32)
    });
}

/// The (at most two) words a store at `address` touches, before the store.
#[inline(always)]
fn snapshot(fast: FastPath, address: u32) -> [u64; 2] {
    let first = word_of(u64::from(address)) as u32;
    [fast.word(first), fast.word(first.wrapping_add(8))]
}

/// Reports a store of `bytes` at `address` that succeeded, given the words it touched
/// before (from [`snapshot`]).
#[inline(always)]
fn trace_store<T: Tracer>(tracer: &mut T, address: u32, bytes: &[u8], old: [u64; 2]) {
    let first = word_of(u64::from(address));
    trace_write(tracer, MEMORY, u64::from(address), bytes, |word| {
        if word == first {
            old[0]
        } else {
            old[1]
        }
    });
}

/// Runs from `core.index` (whose block is already paid for) until an exit, reporting
/// accesses to `tracer`. On return `core.index` is the instruction that caused the exit
/// (for out-of-gas: the block start that could not be paid). The boolean says whether the
/// block at `core.index` is paid.
///
/// With `STEP`, returns after one instruction: `None` with `core.index` at the next
/// instruction (whose block is paid), unless that instruction exited.
#[inline(never)]
pub(crate) fn run<O: Observer, T: Tracer, const STEP: bool>(
    core: &mut Core,
    program: &Program,
    observer: &mut O,
    tracer: &mut T,
) -> (Option<Exit>, bool) {
    let instr_count = program.instruction_count();
    let jump_slots = program.jump_slot_count();
    debug_assert!((core.index as usize) < instr_count);
    // The program's instructions are prepared block by block: the loop reads an
    // instruction only after entering its block, which prepares it if needed (`enter_at`;
    // the caller prepared the block of `core.index`).
    let base = program.instr_base();
    // The instruction pointer. Invariant: it always points at an instruction of a
    // prepared block (see the SAFETY notes where it moves).
    // SAFETY: the caller passes a valid instruction index.
    let mut ip = unsafe { base.add(core.index as usize) };
    let regs = &mut core.regs;
    let memory = &mut core.memory;
    let mut gas = core.gas;

    // The current instruction index.
    macro_rules! index {
        () => {
            // SAFETY: `ip` and `base` point into the same slice.
            unsafe { ip.offset_from(base) as usize }
        };
    }
    macro_rules! exit {
        ($exit:expr, $paid:expr) => {{
            core.index = index!() as u32;
            core.gas = gas;
            return (Some($exit), $paid);
        }};
    }
    // Single-step mode: the instruction is done and `ip` is the next one (paid).
    macro_rules! stepped {
        () => {
            if STEP {
                core.index = index!() as u32;
                core.gas = gas;
                return (None, true);
            }
        };
    }
    // Enter the block at `$next` (a pointer to its first instruction), paying its cost.
    macro_rules! enter_at {
        ($next:expr) => {{
            let next: *const Instr = $next;
            // `next` is a resolved target (a valid entry index; NO_INDEX was rejected
            // before) or the successor of a fall-through instruction, which is never the
            // last instruction (GP 0.8 validation; GP 0.7 appends an implicit trap). A
            // cost of 0 means the block is not prepared yet (every block costs >= 1).
            let cost = match cost_at(next) {
                // SAFETY: `next` and `base` point into the same table.
                0 => program.prepare_entry(unsafe { next.offset_from(base) } as u32),
                cost => cost,
            };
            let cost = u64::from(cost);
            match gas.checked_sub(cost) {
                Some(left) => gas = left,
                None => {
                    ip = next;
                    exit!(Exit::OutOfGas, false);
                }
            }
            ip = next;
            stepped!();
            continue;
        }};
    }
    macro_rules! enter {
        ($target:expr) => {{
            let target = $target as usize;
            debug_assert!(target < instr_count);
            // SAFETY: see `enter_at`: `target` is a valid index.
            enter_at!(unsafe { base.add(target) })
        }};
    }
    macro_rules! enter_next {
        () => {{
            debug_assert!(index!() + 1 < instr_count);
            // SAFETY: see `enter_at`: the successor of a fall-through instruction exists.
            enter_at!(unsafe { ip.add(1) })
        }};
    }
    macro_rules! jump_static {
        ($target:expr) => {{
            let target = $target;
            if target == NO_INDEX {
                exit!(Exit::Panic, true);
            }
            enter!(target)
        }};
    }
    macro_rules! jump_dynamic {
        ($address:expr) => {{
            let address: u32 = $address;
            if address == HALT_ADDRESS {
                exit!(Exit::Halt, true);
            }
            let slot = (address / 2) as usize;
            if address == 0 || address % 2 != 0 || slot > jump_slots {
                exit!(Exit::Panic, true);
            }
            jump_static!(program.jump_slot_target(slot - 1))
        }};
    }
    macro_rules! branch {
        ($instr:expr, $condition:expr) => {{
            if $condition {
                jump_static!($instr.imm2)
            }
            enter_next!()
        }};
    }
    macro_rules! fault {
        ($fault:expr) => {
            match $fault {
                Fault::Panic => exit!(Exit::Panic, true),
                Fault::PageFault(address) => exit!(Exit::PageFault { address }, true),
            }
        };
    }
    // Guest memory accesses: an inlined fast path through pointers kept in locals, and the
    // out-of-line slow path (page straddling, faults) through `Memory`.
    let mut fast = memory.fast_path();
    macro_rules! load {
        ($address:expr, $n:literal, $convert:expr) => {{
            let address: u32 = $address;
            match fast.load::<$n>(address) {
                Some(bytes) => {
                    if T::ENABLED {
                        trace_load(tracer, fast, address, $n);
                    }
                    $convert(bytes)
                }
                None => match memory.load_slow::<$n>(address) {
                    Ok(bytes) => {
                        if T::ENABLED {
                            trace_load(tracer, fast, address, $n);
                        }
                        $convert(bytes)
                    }
                    Err(fault) => fault!(fault),
                },
            }
        }};
    }
    macro_rules! store {
        ($address:expr, $value:expr, $ty:ty) => {{
            let address: u32 = $address;
            let bytes = ($value as $ty).to_le_bytes();
            // A faulting store reports nothing, so the old words are taken before it.
            let old = if T::ENABLED {
                snapshot(fast, address)
            } else {
                [0; 2]
            };
            if !fast.store(address, bytes) {
                let result = memory.store_slow(address, bytes);
                fast = memory.fast_path();
                if let Err(fault) = result {
                    fault!(fault)
                }
            }
            if T::ENABLED {
                trace_store(tracer, address, &bytes, old);
            }
        }};
    }

    loop {
        // SAFETY: `ip` always points at a valid instruction of a prepared block: it starts
        // in the block the caller prepared, static and dynamic targets are resolved to
        // valid entry indices and entered through `enter_at` (which prepares the block),
        // and it only steps to the next element after an instruction that can fall
        // through, which is never the last one of its block. A prepared block's
        // instructions are never written again (`program::store`), so the reference is
        // to immutable data.
        let instr = unsafe { &*ip };
        // Register access by a decoded field. Fields are read lazily in each arm so that an
        // instruction only pays for the operands it has.
        macro_rules! reg {
            ($field:ident) => {{
                let slot = usize::from(instr.$field);
                debug_assert!(slot < 13);
                // SAFETY: decoded register fields are clamped to 0..=12 (`decode::reg`), and
                // `regs` has 16 slots.
                let value = unsafe { *regs.get_unchecked(slot) };
                if T::ENABLED {
                    tracer.read(REGISTERS, slot as u64, value);
                }
                value
            }};
        }
        macro_rules! set {
            ($field:ident, $value:expr) => {{
                let value: u64 = $value;
                let slot = usize::from(instr.$field);
                debug_assert!(slot < 13);
                // SAFETY: as in `reg!`.
                unsafe { *regs.get_unchecked_mut(slot) = value };
                if T::ENABLED {
                    tracer.write(REGISTERS, slot as u64, value);
                }
            }};
        }
        macro_rules! x {
            () => {
                imm(instr.imm)
            };
        }
        // The address of an indirect access: (r_B + X) mod 2^32.
        macro_rules! indirect {
            () => {
                reg!(b).wrapping_add(x!()) as u32
            };
        }
        if O::ENABLED {
            let visible = regs.first_chunk::<13>().expect("16 >= 13");
            observer.before_instruction(program.pcs[index!()], visible, gas);
        }
        match instr.opcode {
            Opcode::Trap => exit!(Exit::Panic, true),
            Opcode::Fallthrough => enter_next!(),
            Opcode::Unlikely => {}
            Opcode::Ecalli => exit!(Exit::HostCall { id: instr.imm }, true),
            Opcode::LoadImm64 => set!(a, u64::from(instr.imm) | (u64::from(instr.imm2) << 32)),
            Opcode::StoreImmU8 => store!(instr.imm, imm(instr.imm2), u8),
            Opcode::StoreImmU16 => store!(instr.imm, imm(instr.imm2), u16),
            Opcode::StoreImmU32 => store!(instr.imm, imm(instr.imm2), u32),
            Opcode::StoreImmU64 => store!(instr.imm, imm(instr.imm2), u64),
            Opcode::Jump => jump_static!(instr.imm2),
            Opcode::JumpInd => jump_dynamic!(reg!(a).wrapping_add(x!()) as u32),
            Opcode::LoadImm => set!(a, x!()),
            Opcode::LoadU8 => set!(a, load!(instr.imm, 1, |b: [u8; 1]| u64::from(b[0]))),
            Opcode::LoadI8 => set!(
                a,
                load!(instr.imm, 1, |b: [u8; 1]| b[0] as i8 as i64 as u64)
            ),
            Opcode::LoadU16 => set!(a, load!(instr.imm, 2, |b| u64::from(u16::from_le_bytes(b)))),
            Opcode::LoadI16 => set!(
                a,
                load!(instr.imm, 2, |b| i16::from_le_bytes(b) as i64 as u64)
            ),
            Opcode::LoadU32 => set!(a, load!(instr.imm, 4, |b| u64::from(u32::from_le_bytes(b)))),
            Opcode::LoadI32 => set!(
                a,
                load!(instr.imm, 4, |b| i32::from_le_bytes(b) as i64 as u64)
            ),
            Opcode::LoadU64 => set!(a, load!(instr.imm, 8, u64::from_le_bytes)),
            Opcode::StoreU8 => store!(instr.imm, reg!(a), u8),
            Opcode::StoreU16 => store!(instr.imm, reg!(a), u16),
            Opcode::StoreU32 => store!(instr.imm, reg!(a), u32),
            Opcode::StoreU64 => store!(instr.imm, reg!(a), u64),
            Opcode::StoreImmIndU8 => store!(reg!(a).wrapping_add(x!()) as u32, imm(instr.imm2), u8),
            Opcode::StoreImmIndU16 => {
                store!(reg!(a).wrapping_add(x!()) as u32, imm(instr.imm2), u16)
            }
            Opcode::StoreImmIndU32 => {
                store!(reg!(a).wrapping_add(x!()) as u32, imm(instr.imm2), u32)
            }
            Opcode::StoreImmIndU64 => {
                store!(reg!(a).wrapping_add(x!()) as u32, imm(instr.imm2), u64)
            }
            Opcode::LoadImmJump => {
                set!(a, x!());
                jump_static!(instr.imm2)
            }
            Opcode::BranchEqImm => branch!(instr, reg!(a) == x!()),
            Opcode::BranchNeImm => branch!(instr, reg!(a) != x!()),
            Opcode::BranchLtUImm => branch!(instr, reg!(a) < x!()),
            Opcode::BranchLeUImm => branch!(instr, reg!(a) <= x!()),
            Opcode::BranchGeUImm => branch!(instr, reg!(a) >= x!()),
            Opcode::BranchGtUImm => branch!(instr, reg!(a) > x!()),
            Opcode::BranchLtSImm => branch!(instr, (reg!(a) as i64) < x!() as i64),
            Opcode::BranchLeSImm => branch!(instr, (reg!(a) as i64) <= x!() as i64),
            Opcode::BranchGeSImm => branch!(instr, (reg!(a) as i64) >= x!() as i64),
            Opcode::BranchGtSImm => branch!(instr, (reg!(a) as i64) > x!() as i64),
            Opcode::MoveReg => set!(d, reg!(a)),
            Opcode::Sbrk => {
                set!(d, memory.sbrk(reg!(a)).map_or(0, u64::from));
                fast = memory.fast_path();
            }
            Opcode::CountSetBits64 => set!(d, u64::from(reg!(a).count_ones())),
            Opcode::CountSetBits32 => set!(d, u64::from((reg!(a) as u32).count_ones())),
            Opcode::LeadingZeroBits64 => set!(d, u64::from(reg!(a).leading_zeros())),
            Opcode::LeadingZeroBits32 => set!(d, u64::from((reg!(a) as u32).leading_zeros())),
            Opcode::TrailingZeroBits64 => set!(d, u64::from(reg!(a).trailing_zeros())),
            Opcode::TrailingZeroBits32 => set!(d, u64::from((reg!(a) as u32).trailing_zeros())),
            Opcode::SignExtend8 => set!(d, reg!(a) as i8 as i64 as u64),
            Opcode::SignExtend16 => set!(d, reg!(a) as i16 as i64 as u64),
            Opcode::ZeroExtend16 => set!(d, u64::from(reg!(a) as u16)),
            Opcode::ReverseBytes => set!(d, reg!(a).swap_bytes()),
            Opcode::StoreIndU8 => store!(reg!(b).wrapping_add(x!()) as u32, reg!(a), u8),
            Opcode::StoreIndU16 => store!(reg!(b).wrapping_add(x!()) as u32, reg!(a), u16),
            Opcode::StoreIndU32 => store!(reg!(b).wrapping_add(x!()) as u32, reg!(a), u32),
            Opcode::StoreIndU64 => store!(reg!(b).wrapping_add(x!()) as u32, reg!(a), u64),
            Opcode::LoadIndU8 => set!(a, load!(indirect!(), 1, |v: [u8; 1]| u64::from(v[0]))),
            Opcode::LoadIndI8 => set!(a, load!(indirect!(), 1, |v: [u8; 1]| v[0] as i8 as u64)),
            Opcode::LoadIndU16 => set!(
                a,
                load!(indirect!(), 2, |v| u64::from(u16::from_le_bytes(v)))
            ),
            Opcode::LoadIndI16 => set!(a, load!(indirect!(), 2, |v| i16::from_le_bytes(v) as u64)),
            Opcode::LoadIndU32 => set!(
                a,
                load!(indirect!(), 4, |v| u64::from(u32::from_le_bytes(v)))
            ),
            Opcode::LoadIndI32 => set!(a, load!(indirect!(), 4, |v| i32::from_le_bytes(v) as u64)),
            Opcode::LoadIndU64 => set!(a, load!(indirect!(), 8, u64::from_le_bytes)),
            Opcode::AddImm32 => set!(a, sext32(reg!(b).wrapping_add(x!()))),
            Opcode::AndImm => set!(a, reg!(b) & x!()),
            Opcode::XorImm => set!(a, reg!(b) ^ x!()),
            Opcode::OrImm => set!(a, reg!(b) | x!()),
            Opcode::MulImm32 => set!(a, sext32(reg!(b).wrapping_mul(x!()))),
            Opcode::SetLtUImm => set!(a, u64::from(reg!(b) < x!())),
            Opcode::SetLtSImm => set!(a, u64::from((reg!(b) as i64) < x!() as i64)),
            Opcode::ShloLImm32 => set!(a, sext32(u64::from((reg!(b) as u32) << (x!() & 31)))),
            Opcode::ShloRImm32 => set!(a, sext32(u64::from((reg!(b) as u32) >> (x!() & 31)))),
            Opcode::SharRImm32 => set!(a, ((reg!(b) as i32) >> (x!() & 31)) as i64 as u64),
            Opcode::NegAddImm32 => set!(a, sext32(x!().wrapping_sub(reg!(b)))),
            Opcode::SetGtUImm => set!(a, u64::from(reg!(b) > x!())),
            Opcode::SetGtSImm => set!(a, u64::from((reg!(b) as i64) > x!() as i64)),
            Opcode::ShloLImmAlt32 => set!(a, sext32(u64::from((x!() as u32) << (reg!(b) & 31)))),
            Opcode::ShloRImmAlt32 => set!(a, sext32(u64::from((x!() as u32) >> (reg!(b) & 31)))),
            Opcode::SharRImmAlt32 => set!(a, ((x!() as i32) >> (reg!(b) & 31)) as i64 as u64),
            Opcode::CmovIzImm => {
                if reg!(b) == 0 {
                    set!(a, x!());
                }
            }
            Opcode::CmovNzImm => {
                if reg!(b) != 0 {
                    set!(a, x!());
                }
            }
            Opcode::AddImm64 => set!(a, reg!(b).wrapping_add(x!())),
            Opcode::MulImm64 => set!(a, reg!(b).wrapping_mul(x!())),
            Opcode::ShloLImm64 => set!(a, reg!(b) << (x!() & 63)),
            Opcode::ShloRImm64 => set!(a, reg!(b) >> (x!() & 63)),
            Opcode::SharRImm64 => set!(a, ((reg!(b) as i64) >> (x!() & 63)) as u64),
            Opcode::NegAddImm64 => set!(a, x!().wrapping_sub(reg!(b))),
            Opcode::ShloLImmAlt64 => set!(a, x!() << (reg!(b) & 63)),
            Opcode::ShloRImmAlt64 => set!(a, x!() >> (reg!(b) & 63)),
            Opcode::SharRImmAlt64 => set!(a, ((x!() as i64) >> (reg!(b) & 63)) as u64),
            Opcode::RotR64Imm => set!(a, reg!(b).rotate_right((x!() & 63) as u32)),
            Opcode::RotR64ImmAlt => set!(a, x!().rotate_right((reg!(b) & 63) as u32)),
            Opcode::RotR32Imm => {
                set!(
                    a,
                    sext32(u64::from((reg!(b) as u32).rotate_right((x!() & 31) as u32)))
                )
            }
            Opcode::RotR32ImmAlt => {
                set!(
                    a,
                    sext32(u64::from((x!() as u32).rotate_right((reg!(b) & 31) as u32)))
                )
            }
            Opcode::BranchEq => branch!(instr, reg!(a) == reg!(b)),
            Opcode::BranchNe => branch!(instr, reg!(a) != reg!(b)),
            Opcode::BranchLtU => branch!(instr, reg!(a) < reg!(b)),
            Opcode::BranchLtS => branch!(instr, (reg!(a) as i64) < reg!(b) as i64),
            Opcode::BranchGeU => branch!(instr, reg!(a) >= reg!(b)),
            Opcode::BranchGeS => branch!(instr, (reg!(a) as i64) >= reg!(b) as i64),
            Opcode::LoadImmJumpInd => {
                let address = reg!(b).wrapping_add(imm(instr.imm2)) as u32;
                set!(a, x!());
                jump_dynamic!(address)
            }
            Opcode::Add32 => set!(d, sext32(reg!(a).wrapping_add(reg!(b)))),
            Opcode::Sub32 => set!(d, sext32(reg!(a).wrapping_sub(reg!(b)))),
            Opcode::Mul32 => set!(d, sext32(reg!(a).wrapping_mul(reg!(b)))),
            Opcode::DivU32 => set!(d, div_u32(reg!(a) as u32, reg!(b) as u32)),
            Opcode::DivS32 => set!(d, div_s32(reg!(a) as i32, reg!(b) as i32)),
            Opcode::RemU32 => set!(d, rem_u32(reg!(a) as u32, reg!(b) as u32)),
            Opcode::RemS32 => set!(d, rem_s32(reg!(a) as i32, reg!(b) as i32)),
            Opcode::ShloL32 => set!(d, sext32(u64::from((reg!(a) as u32) << (reg!(b) & 31)))),
            Opcode::ShloR32 => set!(d, sext32(u64::from((reg!(a) as u32) >> (reg!(b) & 31)))),
            Opcode::SharR32 => set!(d, ((reg!(a) as i32) >> (reg!(b) & 31)) as i64 as u64),
            Opcode::Add64 => set!(d, reg!(a).wrapping_add(reg!(b))),
            Opcode::Sub64 => set!(d, reg!(a).wrapping_sub(reg!(b))),
            Opcode::Mul64 => set!(d, reg!(a).wrapping_mul(reg!(b))),
            Opcode::DivU64 => set!(d, reg!(a).checked_div(reg!(b)).unwrap_or(u64::MAX)),
            Opcode::DivS64 => set!(d, div_s64(reg!(a) as i64, reg!(b) as i64)),
            Opcode::RemU64 => set!(d, reg!(a).checked_rem(reg!(b)).unwrap_or(reg!(a))),
            Opcode::RemS64 => set!(d, rem_s64(reg!(a) as i64, reg!(b) as i64)),
            Opcode::ShloL64 => set!(d, reg!(a) << (reg!(b) & 63)),
            Opcode::ShloR64 => set!(d, reg!(a) >> (reg!(b) & 63)),
            Opcode::SharR64 => set!(d, ((reg!(a) as i64) >> (reg!(b) & 63)) as u64),
            Opcode::And => set!(d, reg!(a) & reg!(b)),
            Opcode::Xor => set!(d, reg!(a) ^ reg!(b)),
            Opcode::Or => set!(d, reg!(a) | reg!(b)),
            Opcode::MulUpperSS => {
                set!(
                    d,
                    ((i128::from(reg!(a) as i64) * i128::from(reg!(b) as i64)) >> 64) as u64
                )
            }
            Opcode::MulUpperUU => {
                set!(
                    d,
                    ((u128::from(reg!(a)) * u128::from(reg!(b))) >> 64) as u64
                )
            }
            Opcode::MulUpperSU => {
                set!(
                    d,
                    (i128::from(reg!(a) as i64).wrapping_mul(i128::from(reg!(b))) >> 64) as u64
                )
            }
            Opcode::SetLtU => set!(d, u64::from(reg!(a) < reg!(b))),
            Opcode::SetLtS => set!(d, u64::from((reg!(a) as i64) < reg!(b) as i64)),
            Opcode::CmovIz => {
                if reg!(b) == 0 {
                    set!(d, reg!(a));
                }
            }
            Opcode::CmovNz => {
                if reg!(b) != 0 {
                    set!(d, reg!(a));
                }
            }
            Opcode::RotL64 => set!(d, reg!(a).rotate_left((reg!(b) & 63) as u32)),
            Opcode::RotL32 => {
                set!(
                    d,
                    sext32(u64::from(
                        (reg!(a) as u32).rotate_left((reg!(b) & 31) as u32)
                    ))
                )
            }
            Opcode::RotR64 => set!(d, reg!(a).rotate_right((reg!(b) & 63) as u32)),
            Opcode::RotR32 => {
                set!(
                    d,
                    sext32(u64::from(
                        (reg!(a) as u32).rotate_right((reg!(b) & 31) as u32)
                    ))
                )
            }
            Opcode::AndInv => set!(d, reg!(a) & !reg!(b)),
            Opcode::OrInv => set!(d, reg!(a) | !reg!(b)),
            Opcode::Xnor => set!(d, !(reg!(a) ^ reg!(b))),
            Opcode::Max => set!(d, (reg!(a) as i64).max(reg!(b) as i64) as u64),
            Opcode::MaxU => set!(d, reg!(a).max(reg!(b))),
            Opcode::Min => set!(d, (reg!(a) as i64).min(reg!(b) as i64) as u64),
            Opcode::MinU => set!(d, reg!(a).min(reg!(b))),
        }
        // SAFETY: the instruction just executed falls through, so it is not the last.
        ip = unsafe { ip.add(1) };
        stepped!();
    }
}

fn div_u32(a: u32, b: u32) -> u64 {
    a.checked_div(b).map_or(u64::MAX, |q| sext32(u64::from(q)))
}

fn rem_u32(a: u32, b: u32) -> u64 {
    sext32(u64::from(a.checked_rem(b).unwrap_or(a)))
}

fn div_s32(a: i32, b: i32) -> u64 {
    if b == 0 {
        u64::MAX
    } else {
        a.wrapping_div(b) as i64 as u64
    }
}

fn rem_s32(a: i32, b: i32) -> u64 {
    if b == 0 {
        a as i64 as u64
    } else {
        a.wrapping_rem(b) as i64 as u64
    }
}

fn div_s64(a: i64, b: i64) -> u64 {
    if b == 0 {
        u64::MAX
    } else {
        a.wrapping_div(b) as u64
    }
}

fn rem_s64(a: i64, b: i64) -> u64 {
    if b == 0 {
        a as u64
    } else {
        a.wrapping_rem(b) as u64
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn division_corner_cases() {
        assert_eq!(div_u32(7, 0), u64::MAX);
        assert_eq!(div_s32(i32::MIN, -1), i32::MIN as i64 as u64);
        assert_eq!(rem_s32(i32::MIN, -1), 0);
        assert_eq!(rem_s32(-7, 0), -7i64 as u64);
        assert_eq!(rem_s32(-7, 2), -1i64 as u64);
        assert_eq!(rem_u32(0x8000_0000, 0), 0xFFFF_FFFF_8000_0000);
        assert_eq!(div_s64(i64::MIN, -1), i64::MIN as u64);
        assert_eq!(rem_s64(i64::MIN, -1), 0);
        assert_eq!(div_s64(5, 0), u64::MAX);
    }
}
