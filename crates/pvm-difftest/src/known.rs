//! Divergences that are known and deliberate: cases where PolkaVM 0.37 departs from the
//! Gray Paper and our engine follows the paper (see `docs/spec-notes.md`). A difference
//! matching one of these is reported separately and does not count as a disagreement.

use std::collections::BTreeMap;
use std::fmt;

use pvm::Program;

use crate::case::BlobHeader;
use crate::layout::{LAST_PAGE, PAGE};
use crate::machine::{State, Status};

/// A documented divergence.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Known {
    /// A store straddling a read-only page and an unmapped page above it. GP (A.9): the
    /// page fault is at the lowest failing address, the read-only page; PolkaVM reports the
    /// unmapped page. spec-notes §16.
    StraddlingStoreReadOnlyThenUnmapped,
    /// A store wrapping past 2^32 whose first bytes fall on a mapped read-only last page.
    /// GP (A.9): min(x) mod 2^32 is in page 0xFFFFF000, not writable, so a page fault
    /// there; PolkaVM traps whenever the last page exists. spec-notes §8.
    WrappingStoreReadOnlyLastPage,
    /// A load or store whose last byte is the last byte of the address space (0xFFFFFFFF),
    /// with the last page accessible. GP (A.9): every index is accessible, so x = ∅ and the
    /// access succeeds; PolkaVM computes `address + size` in 32 bits, sees an overflow and
    /// traps whenever the last page exists.
    AccessEndingAtTopOfMemory,
    /// A jump-table entry size z above 4: PolkaVM rejects the blob, GP (A.2) allows any z
    /// and we load it. spec-notes §13.
    JumpTableEntrySize,
    /// An instruction at an offset ≡ 7 (mod 8) within the last 32 code bytes, followed by
    /// exactly 24 clear bitmask bits and then a set one: skip = 24 and the next instruction
    /// is valid (GP (A.2), skip in A.5), but PolkaVM's `parse_bitmask_slow` stops scanning at
    /// the byte boundary without looking at the set bit, marks the next instruction invalid
    /// and rejects the program.
    FullSkipNearEnd,
}

impl Known {
    /// Where the divergence is documented.
    pub fn reference(self) -> &'static str {
        match self {
            Known::StraddlingStoreReadOnlyThenUnmapped => "spec-notes §16, GP (A.9)",
            Known::WrappingStoreReadOnlyLastPage => "spec-notes §8, GP (A.9)",
            Known::AccessEndingAtTopOfMemory => "GP (A.9)",
            Known::JumpTableEntrySize => "spec-notes §13, GP (A.2)",
            Known::FullSkipNearEnd => "GP (A.2), skip ℓ of A.5",
        }
    }
}

impl fmt::Display for Known {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let name = match self {
            Known::StraddlingStoreReadOnlyThenUnmapped => {
                "store straddling read-only then unmapped page"
            }
            Known::WrappingStoreReadOnlyLastPage => {
                "store wrapping past 2^32 on a read-only last page"
            }
            Known::AccessEndingAtTopOfMemory => {
                "access ending exactly at 2^32 on an accessible last page"
            }
            Known::JumpTableEntrySize => "jump-table entry size above 4",
            Known::FullSkipNearEnd => {
                "24-byte skip ending on a byte boundary near the end of the code"
            }
        };
        write!(f, "{name} ({})", self.reference())
    }
}

/// Divergences decided by the blob alone.
pub fn in_blob(blob: &[u8]) -> Option<Known> {
    let header = BlobHeader::parse(blob)?;
    (header.entry_size > 4).then_some(Known::JumpTableEntrySize)
}

/// Load-time divergences of a program our engine accepted and PolkaVM rejected.
pub fn at_load(blob: &[u8], program: &Program) -> Option<Known> {
    if let Some(known) = in_blob(blob) {
        return Some(known);
    }
    let code_len = u64::from(program.code().len());
    program
        .instructions()
        .any(|ins| {
            let pc = u64::from(ins.pc);
            ins.skip == 24 && pc % 8 == 7 && pc + 32 > code_len && ins.next_pc() < code_len
        })
        .then_some(Known::FullSkipNearEnd)
}

/// Divergences of one run, judged at the instruction where PolkaVM stopped (its
/// registers are then the ones the instruction saw); `pages` maps page address → writable.
pub fn in_run(
    program: &Program,
    ours: &State,
    theirs: &State,
    pages: &BTreeMap<u32, bool>,
) -> Option<Known> {
    let pc = theirs.pc?;
    let access = memory_access(program, pc, &theirs.regs)?;
    let end = u64::from(access.address) + u64::from(access.size);
    let same_stop = ours.pc == Some(pc) && ours.regs == theirs.regs && ours.gas == theirs.gas;
    if end >= 1 << 32 {
        let last_page = pages.get(&LAST_PAGE).copied();
        if theirs.status != Status::Panic || last_page.is_none() {
            return None;
        }
        if end == 1 << 32 && (!access.store || last_page == Some(true)) {
            return Some(Known::AccessEndingAtTopOfMemory);
        }
        let known = access.store
            && last_page == Some(false)
            && same_stop
            && ours.status == Status::PageFault(LAST_PAGE);
        return known.then_some(Known::WrappingStoreReadOnlyLastPage);
    }
    let first_page = access.address & !(PAGE - 1);
    let last_page = ((end - 1) as u32) & !(PAGE - 1);
    let known = access.store
        && same_stop
        && last_page != first_page
        && pages.get(&first_page) == Some(&false)
        && !pages.contains_key(&last_page)
        && ours.status == Status::PageFault(first_page)
        && theirs.status == Status::PageFault(last_page);
    known.then_some(Known::StraddlingStoreReadOnlyThenUnmapped)
}

/// A guest memory access.
struct Access {
    address: u32,
    size: u32,
    store: bool,
}

/// The memory access of the load or store at `pc`, if it is one: address and width from
/// [`pvm::Instruction::memory_address`], load or store from the table's memory column.
fn memory_access(program: &Program, pc: u32, regs: &[u64; 13]) -> Option<Access> {
    let ins = program.instruction_at(pc)?;
    let (address, size) = ins.memory_address(regs)?;
    Some(Access {
        address,
        size,
        store: ins.opcode.memory_access().is_store(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::asm::opcode_byte;
    use crate::case::encode_blob;
    use pvm::{GpVersion, Opcode};

    fn state(status: Status, regs: [u64; 13]) -> State {
        State {
            status,
            pc: Some(0),
            gas: 5,
            regs,
        }
    }

    #[test]
    fn recognises_the_straddling_store() {
        // store_ind_u32 [r1 + 0], r2 ; trap
        let code = [
            opcode_byte(Opcode::StoreIndU32),
            0x12,
            opcode_byte(Opcode::Trap),
        ];
        let program = Program::from_parts(&code, &[0b101], &[], GpVersion::V0_8).unwrap();
        let mut regs = [0; 13];
        regs[1] = 0x2_0FFE;
        let pages = [(0x2_0000, false)].into();
        let ours = state(Status::PageFault(0x2_0000), regs);
        let theirs = state(Status::PageFault(0x2_1000), regs);
        assert_eq!(
            in_run(&program, &ours, &theirs, &pages),
            Some(Known::StraddlingStoreReadOnlyThenUnmapped)
        );
        // Not when the upper page is mapped, nor when the lower one is writable.
        let pages2 = [(0x2_0000, false), (0x2_1000, true)].into();
        assert_eq!(in_run(&program, &ours, &theirs, &pages2), None);
        let pages3 = [(0x2_0000, true)].into();
        assert_eq!(in_run(&program, &ours, &theirs, &pages3), None);
    }

    #[test]
    fn recognises_the_wrapping_store_and_odd_jump_tables() {
        // store_imm_ind_u16 [r3 + 0], 0 ; trap
        let code = [
            opcode_byte(Opcode::StoreImmIndU16),
            0x03,
            opcode_byte(Opcode::Trap),
        ];
        let program = Program::from_parts(&code, &[0b101], &[], GpVersion::V0_8).unwrap();
        let mut regs = [0; 13];
        regs[3] = 0xFFFF_FFFF;
        let pages = [(LAST_PAGE, false)].into();
        let ours = state(Status::PageFault(LAST_PAGE), regs);
        let theirs = state(Status::Panic, regs);
        assert_eq!(
            in_run(&program, &ours, &theirs, &pages),
            Some(Known::WrappingStoreReadOnlyLastPage)
        );
        assert_eq!(in_run(&program, &ours, &ours, &pages), None);

        // Ending exactly at 2^32 on a writable last page: PolkaVM traps, the GP succeeds.
        regs[3] = 0xFFFF_FFFE;
        let pages = [(LAST_PAGE, true)].into();
        let theirs = state(Status::Panic, regs);
        let ours = state(Status::Halt, [1; 13]);
        assert_eq!(
            in_run(&program, &ours, &theirs, &pages),
            Some(Known::AccessEndingAtTopOfMemory)
        );
        // Ending one byte lower is an ordinary access; a trap there is not known.
        regs[3] = 0xFFFF_FFFD;
        let theirs = state(Status::Panic, regs);
        assert_eq!(in_run(&program, &ours, &theirs, &pages), None);

        assert_eq!(in_blob(&encode_blob(&[0], &[1], &[0, 0], 0)), None);
        assert_eq!(
            in_blob(&encode_blob(&[0], &[1], &[0], 5)),
            Some(Known::JumpTableEntrySize)
        );
        assert_eq!(in_blob(&encode_blob(&[0], &[1], &[0], 1)), None);
        assert_eq!(in_blob(&encode_blob(&[0], &[1], &[], 0)), None);
    }

    #[test]
    fn recognises_the_full_skip_near_the_end() {
        // fallthrough ×7, then load_imm r1 with 24 operand bytes at pc 7, then trap at 32.
        let mut code = vec![opcode_byte(Opcode::Fallthrough); 7];
        code.push(opcode_byte(Opcode::LoadImm));
        code.extend([1u8; 24]);
        code.push(opcode_byte(Opcode::Trap));
        let mut bitmask = vec![0b0111_1111u8 | 0x80, 0, 0, 0, 1];
        let blob = encode_blob(&code, &bitmask, &[], 0);
        let program = Program::from_blob_bytes(&blob, GpVersion::V0_8).unwrap();
        assert_eq!(at_load(&blob, &program), Some(Known::FullSkipNearEnd));
        // With the instruction at pc 6 (skip 25 → 24, next at 31 not a start) nothing loads;
        // with a shorter skip the pattern is gone.
        bitmask[2] = 1;
        code[24] = 0;
        let blob = encode_blob(&code, &bitmask, &[], 0);
        let program = Program::from_blob_bytes(&blob, GpVersion::V0_8).unwrap();
        assert_eq!(at_load(&blob, &program), None);
    }
}
