//! Operand decoding of single instructions (GP appendix A.5), shared by the pre-decoder,
//! the disassembler and the gas model.

use crate::isa::{GpVersion, Opcode, OperandForm};

/// Number of general-purpose registers.
pub const REG_COUNT: usize = 13;

/// Longest possible operand skip ℓ (bytes between two instruction starts, minus one).
pub const MAX_SKIP: u32 = 24;

/// Zero bytes stored after the code: every operand byte of an instruction starting at or
/// before `|c|` lies within 11 bytes of its start, so with this padding operand reads need no
/// per-byte bounds check (ζ reads zeros past the end, as the padding does).
const PADDING: usize = 16;

/// Code bytes plus their opcode bitmask: everything needed to decode instructions.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Code {
    /// The code bytes followed by [`PADDING`] zero bytes.
    bytes: Box<[u8]>,
    /// |c|.
    len: usize,
    /// The bitmask packed LSB first, one bit per code byte, with every bit from `|c|` on set
    /// (ℓ counts the bitmask as set past the end), followed by 8 bytes of set bits so that
    /// 64 bits can be read from any byte of it that covers a code offset.
    starts: Box<[u8]>,
}

impl Code {
    /// Builds the view from code bytes and a packed bitmask (LSB first, one bit per byte).
    /// Missing bitmask bytes read as zero bits; padding bits are ignored.
    pub fn new(bytes: &[u8], packed_bitmask: &[u8]) -> Code {
        let len = bytes.len();
        let mut padded = Vec::with_capacity(len + PADDING);
        padded.extend_from_slice(bytes);
        padded.resize(len + PADDING, 0);
        let mask_len = len.div_ceil(8);
        let mut starts = Vec::with_capacity(mask_len + 8);
        starts.extend_from_slice(&packed_bitmask[..packed_bitmask.len().min(mask_len)]);
        starts.resize(mask_len, 0);
        if len % 8 != 0 {
            starts[mask_len - 1] |= 0xFF << (len % 8);
        }
        starts.resize(mask_len + 8, 0xFF);
        Code {
            bytes: padded.into_boxed_slice(),
            len,
            starts: starts.into_boxed_slice(),
        }
    }

    /// The code bytes.
    pub fn bytes(&self) -> &[u8] {
        &self.bytes[..self.len]
    }

    /// Length of the code in bytes.
    pub fn len(&self) -> u32 {
        self.len as u32
    }

    /// Whether the code is empty.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Whether the bitmask marks `pc` as an instruction start.
    #[inline]
    pub fn is_start(&self, pc: u32) -> bool {
        let pc = pc as usize;
        pc < self.len && self.starts[pc / 8] & (1 << (pc % 8)) != 0
    }

    /// The number of code offsets the bitmask marks as instruction starts.
    pub(crate) fn start_count(&self) -> usize {
        let full = self.len / 8;
        let words = self.starts[..full].chunks_exact(8);
        let bytes = words.remainder();
        let whole: usize = words
            .map(|word| u64::from_le_bytes(word.try_into().expect("8 bytes")).count_ones() as usize)
            .sum::<usize>()
            + bytes
                .iter()
                .map(|byte| byte.count_ones() as usize)
                .sum::<usize>();
        let rest = self.len % 8;
        let tail = if rest == 0 {
            0
        } else {
            (self.starts[full] & ((1u8 << rest) - 1)).count_ones() as usize
        };
        whole + tail
    }

    /// Calls `f` with every code offset the bitmask marks as an instruction start, in
    /// ascending order, 64 bitmask bits at a time; stops at the first error.
    pub(crate) fn try_for_each_marked<E>(
        &self,
        mut f: impl FnMut(u32) -> Result<(), E>,
    ) -> Result<(), E> {
        for word_index in 0..self.len.div_ceil(64) {
            let at = word_index * 8;
            // `starts` holds |c|/8 rounded up plus 8 bytes, so 8 bytes from any `at` below
            // |c|/8 exist.
            let mut word = u64::from_le_bytes(
                self.starts[at..at + 8]
                    .try_into()
                    .expect("8 bytes of padding"),
            );
            let first = word_index * 64;
            if self.len - first < 64 {
                // Bits from |c| on are set (padding); they mark nothing.
                word &= (1u64 << (self.len - first)) - 1;
            }
            while word != 0 {
                f((first + word.trailing_zeros() as usize) as u32)?;
                word &= word - 1;
            }
        }
        Ok(())
    }

    /// ζ: the code byte at `pc`, or zero past the end.
    #[inline]
    pub fn byte(&self, pc: u64) -> u8 {
        // The padding reads as zero, like everything past the end.
        usize::try_from(pc)
            .ok()
            .and_then(|pc| self.bytes.get(pc))
            .copied()
            .unwrap_or(0)
    }

    /// ℓ = skip(pc): bytes until the next instruction start, capped at 24; the bitmask
    /// counts as set past the end of the code.
    #[inline]
    pub fn skip(&self, pc: u32) -> u32 {
        let next = pc as usize + 1;
        if next >= self.len {
            return 0;
        }
        // `next < |c|`, so the 8 bytes from `next / 8` exist (8 bytes of padding).
        let at = next / 8;
        let window = u64::from_le_bytes(
            self.starts[at..at + 8]
                .try_into()
                .expect("8 bytes of padding"),
        );
        // Bits from |c| on are set: at least 56 - (|c| - next) bits of `window` cover
        // the code, and a set bit past the end stops the count as the bitmask rule says.
        (window >> (next % 8)).trailing_zeros().min(MAX_SKIP)
    }

    /// For `pc < |c|`: whether the bitmask marks `pc` as an instruction start, and ℓ =
    /// `skip(pc)`, from one read of the bitmask.
    #[inline(always)]
    pub(crate) fn start_and_skip(&self, pc: u32) -> (bool, u32) {
        debug_assert!((pc as usize) < self.len);
        let pc = pc as usize;
        let at = pc / 8;
        // `pc < |c|`, so the 8 bytes from `pc / 8` exist (8 bytes of padding), and they
        // cover at least 57 bits from `pc` on: enough for the start bit and 24 more.
        let window = u64::from_le_bytes(
            self.starts[at..at + 8]
                .try_into()
                .expect("8 bytes of padding"),
        ) >> (pc % 8);
        // Bits from |c| on are set, as `skip` requires.
        (
            window & 1 != 0,
            (window >> 1).trailing_zeros().min(MAX_SKIP),
        )
    }

    /// The [`WINDOW`] bytes from `pc` on through ζ (zeros past the end).
    #[inline]
    fn window(&self, pc: u32) -> &[u8; WINDOW] {
        static ZEROS: [u8; WINDOW] = [0; WINDOW];
        let pc = pc as usize;
        match self.bytes.get(pc..pc + WINDOW) {
            Some(window) => window.try_into().expect("WINDOW bytes"),
            // Only for `pc > |c|` (the padding covers every start up to |c|): all zeros.
            None => &ZEROS,
        }
    }

    /// Decodes the instruction at `pc` under `version`'s numbering. Returns `None` when
    /// the byte at `pc` is not a known opcode.
    #[inline]
    pub fn decode(&self, pc: u32, version: GpVersion) -> Option<Instruction> {
        let opcode = Opcode::from_byte(self.byte(pc.into()), version)?;
        Some(self.decode_operands(opcode, pc))
    }

    /// Decodes the operands of `opcode` sitting at `pc`.
    #[inline]
    pub fn decode_operands(&self, opcode: Opcode, pc: u32) -> Instruction {
        self.decode_with_skip(opcode, pc, self.skip(pc))
    }

    /// Decodes the operands of `opcode` sitting at `pc`, given ℓ = `skip(pc)`.
    #[inline(always)]
    pub(crate) fn decode_with_skip(&self, opcode: Opcode, pc: u32, skip: u32) -> Instruction {
        let w = self.window(pc);
        let b1 = w[1];
        let lo = reg(b1 & 0x0F);
        let hi = reg(b1 >> 4);
        let mut ins = Instruction {
            opcode,
            pc,
            skip,
            a: 0,
            b: 0,
            d: 0,
            imm: 0,
            imm2: 0,
        };
        let offset_target = |offset: u64| u64::from(pc.wrapping_add(offset as u32));
        // Immediate lengths: l_X from an operand byte, l_Y from what ℓ leaves.
        let len_y = |len_x: u32, before: u32| skip.saturating_sub(len_x + before).min(4);
        match form(opcode) {
            OperandForm::None => {}
            OperandForm::Imm => ins.imm = read_imm(w, 1, skip.min(4)),
            OperandForm::RegImm64 => {
                ins.a = lo;
                ins.imm = u64::from_le_bytes(w[2..10].try_into().expect("8 bytes"));
            }
            OperandForm::ImmImm => {
                let len_x = u32::from(b1 % 8).min(4);
                ins.imm = read_imm(w, 2, len_x);
                ins.imm2 = read_imm(w, 2 + len_x as usize, len_y(len_x, 1));
            }
            OperandForm::Offset => {
                ins.imm = offset_target(read_imm(w, 1, skip.min(4)));
            }
            OperandForm::RegImm => {
                ins.a = lo;
                ins.imm = read_imm(w, 2, skip.saturating_sub(1).min(4));
            }
            OperandForm::RegImmImm | OperandForm::RegImmOffset => {
                ins.a = lo;
                let len_x = u32::from((b1 >> 4) % 8).min(4);
                ins.imm = read_imm(w, 2, len_x);
                ins.imm2 = read_imm(w, 2 + len_x as usize, len_y(len_x, 1));
                if form(opcode) == OperandForm::RegImmOffset {
                    ins.imm2 = offset_target(ins.imm2);
                }
            }
            OperandForm::RegReg => {
                ins.d = lo;
                ins.a = hi;
            }
            OperandForm::RegRegImm => {
                ins.a = lo;
                ins.b = hi;
                ins.imm = read_imm(w, 2, skip.saturating_sub(1).min(4));
            }
            OperandForm::RegRegOffset => {
                ins.a = lo;
                ins.b = hi;
                let offset = read_imm(w, 2, skip.saturating_sub(1).min(4));
                ins.imm = offset_target(offset);
            }
            OperandForm::RegRegImmImm => {
                ins.a = lo;
                ins.b = hi;
                let len_x = u32::from(w[2] % 8).min(4);
                ins.imm = read_imm(w, 3, len_x);
                ins.imm2 = read_imm(w, 3 + len_x as usize, len_y(len_x, 2));
            }
            OperandForm::RegRegReg => {
                ins.a = lo;
                ins.b = hi;
                // PolkaVM reads the low nibble; the GP clamps the whole byte (spec-notes §1).
                ins.d = reg(w[2] & 0x0F);
            }
        }
        ins
    }

    /// The offset of the instruction after the one at `pc`.
    pub fn next_pc(&self, pc: u32) -> u64 {
        u64::from(pc) + 1 + u64::from(self.skip(pc))
    }
}

/// The operand form of every opcode, indexed by its discriminant: a load instead of the call
/// [`Opcode::form`] compiles to, on the loader's hot path.
static FORMS: [OperandForm; Opcode::ALL.len()] = {
    let mut table = [OperandForm::None; Opcode::ALL.len()];
    let mut i = 0;
    while i < table.len() {
        table[i] = Opcode::ALL[i].form();
        i += 1;
    }
    table
};

/// [`Opcode::form`] through [`FORMS`].
#[inline(always)]
pub(crate) fn form(opcode: Opcode) -> OperandForm {
    FORMS[opcode as usize]
}

/// Bytes of an instruction that operand decoding may read, from its opcode byte on (the
/// furthest is byte 10 of `load_imm_jump_ind` with two 4-byte immediates).
const WINDOW: usize = 16;
const _: () = assert!(WINDOW <= PADDING);

/// Reads a `len`-byte (0..=4) little-endian immediate at `at` in `window` (at most 7),
/// sign-extended to 64 bits.
#[inline(always)]
fn read_imm(window: &[u8; WINDOW], at: usize, len: u32) -> u64 {
    let bytes: [u8; 4] = window[at..at + 4].try_into().expect("4 bytes");
    sign_extend(u64::from(u32::from_le_bytes(bytes)), len)
}

/// A register field clamped to a valid register index (min(12, r)).
#[inline]
fn reg(field: u8) -> u8 {
    field.min(REG_COUNT as u8 - 1)
}

/// Sign-extends the low `len` bytes of `value` to 64 bits (X_n of the Gray Paper).
pub fn sign_extend(value: u64, len: u32) -> u64 {
    match len {
        0 => 0,
        8 => value,
        _ => {
            let shift = 64 - 8 * len;
            (((value << shift) as i64) >> shift) as u64
        }
    }
}

/// One decoded instruction, operands resolved.
///
/// Register fields are clamped indices. `imm` and `imm2` are sign-extended immediates,
/// except for jump forms, where the offset is already resolved into an absolute target:
/// `Offset` and `RegRegOffset` keep the target in `imm`, `RegImmOffset` in `imm2`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Instruction {
    /// The instruction kind.
    pub opcode: Opcode,
    /// Its code offset.
    pub pc: u32,
    /// ℓ: operand bytes until the next instruction (capped at 24).
    pub skip: u32,
    /// Register field A (`r_A`).
    pub a: u8,
    /// Register field B (`r_B`).
    pub b: u8,
    /// Register field D (`r_D`).
    pub d: u8,
    /// First immediate (or jump target, see above).
    pub imm: u64,
    /// Second immediate (or jump target, see above).
    pub imm2: u64,
}

impl Instruction {
    /// The absolute target of a static jump or branch, if the instruction has one.
    pub fn target(&self) -> Option<u32> {
        match self.opcode.form() {
            OperandForm::Offset | OperandForm::RegRegOffset => Some(self.imm as u32),
            OperandForm::RegImmOffset => Some(self.imm2 as u32),
            _ => None,
        }
    }

    /// The guest address a load or store would access with registers `regs`, and how many
    /// bytes: derived from the table's [`MemoryAccess`](crate::isa::MemoryAccess) and the
    /// operand form (`imm` alone, `φ_b + imm` or `φ_a + imm`, modulo 2^32). `None` for
    /// instructions that do not access memory.
    pub fn memory_address(&self, regs: &[u64; REG_COUNT]) -> Option<(u32, u32)> {
        let access = self.opcode.memory_access();
        if access == crate::isa::MemoryAccess::None {
            return None;
        }
        let base = match self.opcode.form() {
            OperandForm::RegRegImm => regs[usize::from(self.b)],
            OperandForm::RegImmImm => regs[usize::from(self.a)],
            _ => 0,
        };
        Some((base.wrapping_add(self.imm) as u32, access.width()))
    }

    /// The offset of the following instruction.
    pub fn next_pc(&self) -> u64 {
        u64::from(self.pc) + 1 + u64::from(self.skip)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sign_extension() {
        assert_eq!(sign_extend(0x80, 1), 0xFFFF_FFFF_FFFF_FF80);
        assert_eq!(sign_extend(0x7F, 1), 0x7F);
        assert_eq!(sign_extend(0x8000_0000, 4), 0xFFFF_FFFF_8000_0000);
        assert_eq!(sign_extend(0x1234, 0), 0);
        assert_eq!(sign_extend(0x00FF_FFFF, 3), u64::MAX);
    }

    #[test]
    fn skip_is_capped_and_end_counts_as_set() {
        let bytes = vec![0u8; 40];
        let code = Code::new(&bytes, &[1, 0, 0, 0, 0]);
        assert_eq!(code.skip(0), 24);
        let code = Code::new(&[51, 7, 1], &[0b001]);
        assert_eq!(code.skip(0), 2);
    }

    #[test]
    fn packed_bitmask_agrees_with_the_bit_by_bit_rules() {
        let mut rng = machine::testing::Rng::new(0x9e37_79b9_7f4a_7c15);
        for len in 0..80usize {
            for density in [1u64, 3, 7] {
                let mask: Vec<u8> = (0..len.div_ceil(8) + (len % 3))
                    .map(|_| {
                        let seed = rng.next_u64();
                        (0..8).fold(0u8, |m, k| {
                            m | (u8::from((seed >> (8 * k)) % density == 0) << k)
                        })
                    })
                    .collect();
                let code = Code::new(&vec![0; len], &mask);
                let bit =
                    |i: usize| i < len && mask.get(i / 8).is_some_and(|b| b & (1 << (i % 8)) != 0);
                assert_eq!(code.start_count(), (0..len).filter(|&i| bit(i)).count());
                for pc in 0..len as u32 + 30 {
                    let p = pc as usize;
                    let skip = (0..MAX_SKIP)
                        .take_while(|k| p + 1 + (*k as usize) < len && !bit(p + 1 + *k as usize))
                        .count() as u32;
                    assert_eq!(code.is_start(pc), bit(p), "len {len} pc {pc}");
                    assert_eq!(code.skip(pc), skip, "len {len} pc {pc}");
                    if p < len {
                        assert_eq!(code.start_and_skip(pc), (bit(p), skip));
                    }
                }
            }
        }
    }

    #[test]
    fn decodes_register_clamping_and_immediates() {
        // load_imm r15→r12, imm 0xFF (sign-extended to -1)
        let code = Code::new(&[51, 0x0F, 0xFF], &[0b001]);
        let ins = code.decode(0, GpVersion::V0_8).unwrap();
        assert_eq!(ins.opcode, Opcode::LoadImm);
        assert_eq!(ins.a, 12);
        assert_eq!(ins.imm, u64::MAX);
    }

    #[test]
    fn branch_target_is_absolute() {
        // branch_eq_imm r1, imm 5 (1 byte), offset -2 (1 byte) at pc 0
        let code = Code::new(&[81, 0x11, 5, 0xFE], &[0b0001]);
        let ins = code.decode(0, GpVersion::V0_8).unwrap();
        assert_eq!(ins.a, 1);
        assert_eq!(ins.imm, 5);
        assert_eq!(ins.target(), Some(0u32.wrapping_sub(2)));
    }
}
