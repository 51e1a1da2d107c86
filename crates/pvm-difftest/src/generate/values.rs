//! Operand values: register fields, immediates and their encoded lengths, jump targets
//! and addresses, biased towards the values where engines tend to differ.

use crate::asm::{min_imm_len, Target};

use super::generator::Generator;

/// Values that make arithmetic interesting: zero, signs, word edges, shift amounts.
pub(super) const EDGE_VALUES: [u64; 22] = [
    0,
    1,
    2,
    7,
    31,
    32,
    33,
    63,
    64,
    65,
    0x7F,
    0x80,
    0xFF,
    0x7FFF,
    0x8000,
    0x7FFF_FFFF,
    0x8000_0000,
    0xFFFF_FFFF,
    0xFFFF_FFFF_8000_0000,
    i64::MAX as u64,
    i64::MIN as u64,
    u64::MAX,
];

/// Shift amounts at and past the operand widths.
pub(super) const SHIFT_AMOUNTS: [u64; 14] = [
    0,
    1,
    31,
    32,
    33,
    63,
    64,
    65,
    95,
    127,
    128,
    0xFFFF_FFFF,
    0x1_0000_0020,
    u64::MAX,
];

impl Generator<'_> {
    /// A register field: mostly a real register, sometimes 13–15 (clamped to 12).
    pub(super) fn reg(&mut self) -> u8 {
        if self.rng.chance(1, 12) {
            self.rng.range(13, 15) as u8
        } else {
            self.rng.below(13) as u8
        }
    }

    /// One of the 13 registers.
    pub(super) fn real_reg(&mut self) -> u8 {
        self.rng.below(13) as u8
    }

    /// Bits the decoder ignores (the unused nibble of a register byte), usually zero.
    pub(super) fn junk_nibble(&mut self) -> u8 {
        if self.rng.chance(1, 10) {
            self.rng.below(16) as u8
        } else {
            0
        }
    }

    /// An interesting immediate value.
    pub(super) fn imm_value(&mut self) -> u64 {
        match self.rng.below(10) {
            0..=3 => *self.rng.pick(&EDGE_VALUES),
            4..=5 => self.rng.below(256),
            6 => u64::from(self.layout.mapped_address(self.rng)),
            _ => self.rng.next_u64(),
        }
    }

    /// The length to encode `value` with: canonical most of the time, else any of 0..=4.
    pub(super) fn imm_len(&mut self, value: u64) -> usize {
        if self.rng.chance(4, 5) {
            min_imm_len(value)
        } else {
            self.rng.range(0, 4) as usize
        }
    }

    /// A memory offset for a base register: zero, small, within a few pages, or any.
    pub(super) fn small_offset(&mut self) -> i64 {
        match self.rng.below(4) {
            0 => 0,
            1 => self.rng.range(0, 64) as i64 - 32,
            2 => self.rng.range(0, 0x2000) as i64 - 0x1000,
            _ => self.rng.next_u32() as i32 as i64,
        }
    }

    /// A jump target: mostly a block start, sometimes an arbitrary offset.
    pub(super) fn target(&mut self) -> Target {
        match self.rng.below(100) {
            0..=84 => Target::Label(self.rng.index(self.blocks)),
            85..=94 => Target::Pc(self.rng.below(64) as u32),
            _ => Target::Pc(self.rng.next_u32()),
        }
    }

    /// An address for a dynamic jump: a jump-table slot, the halt address, or an invalid one.
    pub(super) fn dynamic_address(&mut self) -> u32 {
        let slots = self.jump_table_len as u64;
        match self.rng.below(100) {
            0..=59 if slots > 0 => 2 * (self.rng.below(slots) as u32 + 1),
            60..=74 => pvm::HALT_ADDRESS,
            75..=79 => 0,
            80..=84 => 2 * (slots as u32 + 1),
            85..=89 => 2 * self.rng.below(slots + 2) as u32 + 1,
            _ => self.rng.next_u32(),
        }
    }
}
