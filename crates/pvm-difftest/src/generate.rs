//! The random program generator: well-formed JamV1 programs built from every opcode of
//! the ISA table, with gadgets that steer execution into the interesting corners
//! (memory edges, dynamic jumps, division and shift corner cases, host calls, long blocks),
//! plus the memory layout, registers and gas they start with.

use pvm::isa::OperandForm;
use pvm::{GpVersion, Opcode, Program, HALT_ADDRESS};

use crate::asm::{jam_opcodes, le_bytes, min_imm_len, Assembler, Fixup, Inst, Target};
use crate::case::{encode_blob, Action, Case, Host, Origin};
use crate::layout::Layout;
use crate::rng::Rng;

/// Values that make arithmetic interesting: zero, signs, word edges, shift amounts.
const EDGE_VALUES: [u64; 22] = [
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
const SHIFT_AMOUNTS: [u64; 14] = [
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

/// Generates the case for `seed`: a generated program most of the time, sometimes a
/// mutated blob or random bytes for the parsers.
pub fn case_for_seed(seed: u64) -> Case {
    let mut rng = Rng::new(seed);
    let roll = rng.below(100);
    let mut case = generated_case(&mut rng, seed);
    match roll {
        0..=84 => {}
        85..=92 => {
            case.origin = Origin::Mutated;
            case.blob = crate::mutate::mutate_blob(&mut rng, &case.blob);
        }
        93..=97 => {
            case.origin = Origin::RandomCode;
            case.blob = crate::mutate::random_code_blob(&mut rng);
            case.initial_pc = 0;
        }
        _ => {
            case.origin = Origin::RandomBytes;
            case.blob = crate::mutate::random_bytes(&mut rng);
            case.initial_pc = 0;
        }
    }
    case
}

/// A generated program with its memory, registers, gas and host.
pub fn generated_case(rng: &mut Rng, seed: u64) -> Case {
    let layout = Layout::random(rng);
    let mut generator = Generator::new(rng, &layout);
    let program = generator.program();
    let regs = generator.registers();
    let rng = generator.rng;

    let initial_pc = match rng.below(100) {
        0..=84 => 0,
        85..=92 => *rng.pick(&program.label_pcs),
        93..=96 => *rng.pick(&program.starts),
        _ => rng.below(u64::from(program.code_len) + 4) as u32,
    };
    let gas = choose_gas(rng, &program.blob, initial_pc);

    let mut setup = layout.setup_actions(rng);
    for (reg, value) in regs.into_iter().enumerate() {
        if value != 0 {
            setup.push(Action::SetReg { reg, value });
        }
    }
    Case {
        seed,
        origin: Origin::Generated,
        blob: program.blob,
        initial_pc,
        gas,
        setup,
        host: Host::Random {
            seed: rng.next_u64(),
            heap_top: layout.heap_top,
        },
        max_runs: rng.range(4, 16) as usize,
    }
}

/// Gas for a run: mostly enough for a few thousand instructions, sometimes tiny, and
/// sometimes exactly around the cost of the first block so out-of-gas hits the boundary.
fn choose_gas(rng: &mut Rng, blob: &[u8], initial_pc: u32) -> u64 {
    match rng.below(100) {
        0..=14 => rng.below(64),
        15..=29 => {
            let first_block = Program::from_blob_bytes(blob, GpVersion::V0_8)
                .ok()
                .and_then(|p| {
                    let start = p.block_start_of(initial_pc)?;
                    p.block_cost_at(start)
                })
                .map_or(10, u64::from);
            (first_block + rng.below(3)).saturating_sub(1)
        }
        30..=64 => rng.range(64, 2_000),
        _ => rng.range(2_000, 30_000),
    }
}

/// A generated program and facts about its layout.
pub struct GeneratedProgram {
    /// The raw blob.
    pub blob: Vec<u8>,
    /// Code offset of every block start.
    pub label_pcs: Vec<u32>,
    /// Code offset of every instruction.
    pub starts: Vec<u32>,
    /// Code length.
    pub code_len: u32,
}

/// Builds one program.
struct Generator<'a> {
    rng: &'a mut Rng,
    layout: &'a Layout,
    asm: Assembler,
    blocks: usize,
    jump_table_len: usize,
    opcodes: Vec<Opcode>,
}

impl<'a> Generator<'a> {
    fn new(rng: &'a mut Rng, layout: &'a Layout) -> Generator<'a> {
        let blocks = match rng.below(10) {
            0..=1 => 1,
            2..=7 => rng.range(2, 6) as usize,
            _ => rng.range(6, 16) as usize,
        };
        let jump_table_len = match rng.below(4) {
            0 => 0,
            _ => rng.range(1, 8) as usize,
        };
        Generator {
            rng,
            layout,
            asm: Assembler::new(),
            blocks,
            jump_table_len,
            opcodes: jam_opcodes(),
        }
    }

    fn program(&mut self) -> GeneratedProgram {
        for block in 0..self.blocks {
            self.asm.label();
            let body = match self.rng.below(100) {
                0..=59 => self.rng.below(6),
                60..=89 => self.rng.range(6, 24),
                _ => self.rng.range(24, 160),
            };
            for _ in 0..body {
                self.body_item();
            }
            let last = block + 1 == self.blocks;
            self.terminator(last);
        }
        let assembled = self.asm.assemble();
        let code_len = assembled.code.len() as u32;

        let entries: Vec<u32> = (0..self.jump_table_len)
            .map(|_| {
                let target = self.target();
                Assembler::resolve(&assembled, target)
            })
            .collect();
        let needed = entries
            .iter()
            .map(|&e| 4 - e.leading_zeros() as usize / 8)
            .max()
            .unwrap_or(0)
            .max(usize::from(!entries.is_empty()));
        let entry_size = if entries.is_empty() {
            self.rng.range(0, 4) as u8
        } else if self.rng.chance(1, 5) {
            self.rng.range(needed as u64, 4) as u8
        } else {
            needed as u8
        };

        let mut code = assembled.code.clone();
        let mut bitmask = assembled.bitmask.clone();
        // Occasionally break the program for load-time agreement.
        match self.rng.below(100) {
            0..=1 if !code.is_empty() => {
                let bit = self.rng.index(code.len());
                bitmask[bit / 8] ^= 1 << (bit % 8);
            }
            2 if !assembled.starts.is_empty() => {
                let at = *self.rng.pick(&assembled.starts) as usize;
                code[at] = *self
                    .rng
                    .pick(&[3u8, 4, 9, 11, 19, 21, 34, 41, 111, 200 + 31, 255]);
            }
            _ => {}
        }
        GeneratedProgram {
            blob: encode_blob(&code, &bitmask, &entries, entry_size),
            label_pcs: assembled.label_pcs,
            starts: assembled.starts,
            code_len,
        }
    }

    /// Initial register values pointing at the interesting places of the layout.
    fn registers(&mut self) -> [u64; 13] {
        let mut regs = [0u64; 13];
        for (index, reg) in regs.iter_mut().enumerate() {
            *reg = match self.rng.below(100) {
                _ if index == 0 && self.rng.chance(2, 5) => u64::from(HALT_ADDRESS),
                0..=24 => u64::from(self.layout.mapped_address(self.rng)),
                25..=34 => u64::from(self.layout.unusual_address(self.rng)),
                35..=49 => self.rng.below(70),
                50..=64 => *self.rng.pick(&EDGE_VALUES),
                65..=74 => u64::from(self.dynamic_address()),
                _ => self.rng.next_u64(),
            };
        }
        regs
    }

    // --- operands -------------------------------------------------------------------

    /// A register field: mostly a real register, sometimes 13–15 (clamped to 12).
    fn reg(&mut self) -> u8 {
        if self.rng.chance(1, 12) {
            self.rng.range(13, 15) as u8
        } else {
            self.rng.below(13) as u8
        }
    }

    /// Bits the decoder ignores (the unused nibble of a register byte), usually zero.
    fn junk_nibble(&mut self) -> u8 {
        if self.rng.chance(1, 10) {
            self.rng.below(16) as u8
        } else {
            0
        }
    }

    /// An interesting immediate value.
    fn imm_value(&mut self) -> u64 {
        match self.rng.below(10) {
            0..=3 => *self.rng.pick(&EDGE_VALUES),
            4..=5 => self.rng.below(256),
            6 => u64::from(self.layout.mapped_address(self.rng)),
            _ => self.rng.next_u64(),
        }
    }

    /// The length to encode `value` with: canonical most of the time, else any of 0..=4.
    fn imm_len(&mut self, value: u64) -> usize {
        if self.rng.chance(4, 5) {
            min_imm_len(value)
        } else {
            self.rng.range(0, 4) as usize
        }
    }

    /// A jump target: mostly a block start, sometimes an arbitrary offset.
    fn target(&mut self) -> Target {
        match self.rng.below(100) {
            0..=84 => Target::Label(self.rng.index(self.blocks)),
            85..=94 => Target::Pc(self.rng.below(64) as u32),
            _ => Target::Pc(self.rng.next_u32()),
        }
    }

    /// An address for a dynamic jump: a jump-table slot, the halt address, or an invalid one.
    fn dynamic_address(&mut self) -> u32 {
        let slots = self.jump_table_len as u64;
        match self.rng.below(100) {
            0..=59 if slots > 0 => 2 * (self.rng.below(slots) as u32 + 1),
            60..=74 => HALT_ADDRESS,
            75..=79 => 0,
            80..=84 => 2 * (slots as u32 + 1),
            85..=89 => 2 * self.rng.below(slots + 2) as u32 + 1,
            _ => self.rng.next_u32(),
        }
    }

    /// Builds an instruction of any form with random operands: the form's fields come
    /// from [`operand_fields`], each filled with a random value and encoding.
    fn random_operands(&mut self, opcode: Opcode) -> Inst {
        let (registers, fields) = operand_fields(opcode.form());
        let regs: Vec<u8> = (0..registers).map(|_| self.reg()).collect();
        let mut imms = Vec::with_capacity(fields.len());
        let mut target = None;
        for field in fields {
            imms.push(match field {
                Field::Imm => {
                    let value = self.imm_value();
                    (value, self.imm_len(value))
                }
                Field::Imm64 => (self.imm_value(), 8),
                Field::Offset => {
                    target = Some(self.target());
                    (0, self.rng.range(1, 4) as usize)
                }
            });
        }
        let len_field = match imms[..] {
            [(_, len), _] => self.len_field(len),
            _ => 0,
        };
        let spare = self.junk_nibble();
        let ops = operand_bytes(&regs, &imms, len_field, spare);
        // An offset is always the last field.
        let fixup = target.map(|target| {
            let len = imms.last().map_or(0, |&(_, len)| len);
            Fixup {
                at: 1 + ops.len() - len,
                len,
                target,
            }
        });
        self.finish_operands(opcode, ops, fixup)
    }

    /// A 3-bit immediate-length field for `len` bytes; lengths of 4 are sometimes written
    /// as 5–7 (which decode as 4), and the unused high bits are sometimes set.
    fn len_field(&mut self, len: usize) -> u8 {
        let mut field = len as u8;
        if len == 4 && self.rng.chance(1, 4) {
            field = self.rng.range(5, 7) as u8;
        }
        field | (self.junk_nibble() & 0x8)
    }

    /// Adds the rare odd encodings: trailing bytes the decoder must skip (only where they
    /// cannot lengthen an immediate), or operands cut short.
    fn finish_operands(&mut self, opcode: Opcode, mut ops: Vec<u8>, fixup: Option<Fixup>) -> Inst {
        let mut inst_fixup = fixup;
        match self.rng.below(100) {
            0..=2 if fixed_length(opcode.form()) || ends_with_full_imm(&ops, opcode.form()) => {
                let extra = self.rng.range(1, 24 - ops.len().min(23) as u64) as usize;
                ops.extend(self.rng.bytes(extra));
            }
            3 if !ops.is_empty() => {
                let keep = self.rng.index(ops.len());
                ops.truncate(keep);
                inst_fixup = None;
            }
            _ => {}
        }
        // Operands never exceed the 24-byte skip limit.
        ops.truncate(24);
        let mut inst = Inst::new(opcode, &ops);
        inst.fixup = inst_fixup.filter(|f| f.at + f.len <= inst.bytes.len());
        inst
    }

    // --- gadgets ----------------------------------------------------------------------

    fn push(&mut self, opcode: Opcode, ops: &[u8]) {
        self.asm.push(Inst::new(opcode, ops));
    }

    /// Pushes `opcode` with these register fields and immediates, each immediate at its
    /// canonical length.
    fn emit(&mut self, opcode: Opcode, regs: &[u8], imms: &[u64]) {
        let imms: Vec<(u64, usize)> = imms.iter().map(|&v| (v, min_imm_len(v))).collect();
        self.emit_sized(opcode, regs, &imms);
    }

    /// Pushes `opcode` with these register fields and `(value, length)` immediates, in
    /// the layout of its form (a canonical length field, no junk bits).
    fn emit_sized(&mut self, opcode: Opcode, regs: &[u8], imms: &[(u64, usize)]) {
        let (registers, fields) = operand_fields(opcode.form());
        debug_assert_eq!(
            (regs.len(), imms.len()),
            (registers, fields.len()),
            "{opcode:?}"
        );
        let len_field = imms.first().map_or(0, |&(_, len)| len as u8);
        self.push(opcode, &operand_bytes(regs, imms, len_field, 0));
    }

    /// `load_imm reg, value` (32-bit sign-extended) or `load_imm_64` when it does not fit.
    fn load_const(&mut self, reg: u8, value: u64) {
        if value as u32 as i32 as i64 as u64 == value && self.rng.chance(3, 4) {
            self.emit(Opcode::LoadImm, &[reg], &[value]);
        } else {
            self.emit_sized(Opcode::LoadImm64, &[reg], &[(value, 8)]);
        }
    }

    fn real_reg(&mut self) -> u8 {
        self.rng.below(13) as u8
    }

    /// One body instruction or gadget (never a terminator).
    fn body_item(&mut self) {
        match self.rng.below(100) {
            0..=39 => {
                let opcode = loop {
                    let op = *self.rng.pick(&self.opcodes);
                    if !op.is_terminator() {
                        break op;
                    }
                };
                let inst = self.random_operands(opcode);
                self.asm.push(inst);
            }
            40..=61 => self.memory_gadget(),
            62..=69 => self.division_gadget(),
            70..=77 => self.shift_gadget(),
            78..=81 => self.extend_gadget(),
            82..=87 => self.ecalli(),
            88..=91 => {
                let reg = self.real_reg();
                let value = self.imm_value();
                self.load_const(reg, value);
            }
            92..=95 => self.cmov_gadget(),
            _ => self.push(Opcode::Unlikely, &[]),
        }
    }

    fn ecalli(&mut self) {
        let id: u64 = match self.rng.below(10) {
            0..=3 => 1,
            4..=6 => self.rng.below(8),
            7 => 0xFF,
            8 => 0x7FFF_FFFF,
            _ => u64::from(self.rng.next_u32()),
        };
        let len = self.imm_len(id);
        self.emit_sized(Opcode::Ecalli, &[], &[(id, len)]);
    }

    /// A load or store at an interesting address, absolute or through a base register.
    fn memory_gadget(&mut self) {
        const LOADS: [Opcode; 7] = [
            Opcode::LoadU8,
            Opcode::LoadI8,
            Opcode::LoadU16,
            Opcode::LoadI16,
            Opcode::LoadU32,
            Opcode::LoadI32,
            Opcode::LoadU64,
        ];
        const STORES: [Opcode; 4] = [
            Opcode::StoreU8,
            Opcode::StoreU16,
            Opcode::StoreU32,
            Opcode::StoreU64,
        ];
        const STORE_IMMS: [Opcode; 4] = [
            Opcode::StoreImmU8,
            Opcode::StoreImmU16,
            Opcode::StoreImmU32,
            Opcode::StoreImmU64,
        ];
        const LOAD_INDS: [Opcode; 7] = [
            Opcode::LoadIndU8,
            Opcode::LoadIndI8,
            Opcode::LoadIndU16,
            Opcode::LoadIndI16,
            Opcode::LoadIndU32,
            Opcode::LoadIndI32,
            Opcode::LoadIndU64,
        ];
        const STORE_INDS: [Opcode; 4] = [
            Opcode::StoreIndU8,
            Opcode::StoreIndU16,
            Opcode::StoreIndU32,
            Opcode::StoreIndU64,
        ];
        const STORE_IMM_INDS: [Opcode; 4] = [
            Opcode::StoreImmIndU8,
            Opcode::StoreImmIndU16,
            Opcode::StoreImmIndU32,
            Opcode::StoreImmIndU64,
        ];
        let address = self.layout.interesting_address(self.rng);
        let value = self.imm_value();
        let value_len = self.imm_len(value);
        match self.rng.below(6) {
            0 | 1 => {
                let opcode = if self.rng.chance(1, 2) {
                    *self.rng.pick(&LOADS)
                } else {
                    *self.rng.pick(&STORES)
                };
                let reg = self.real_reg();
                self.emit(opcode, &[reg], &[u64::from(address)]);
            }
            2 => {
                let opcode = *self.rng.pick(&STORE_IMMS);
                let address = u64::from(address);
                let imms = [(address, min_imm_len(address)), (value, value_len)];
                self.emit_sized(opcode, &[], &imms);
            }
            3 | 4 => {
                let base = self.real_reg();
                let offset = self.small_offset();
                self.load_const(base, u64::from(address.wrapping_sub(offset as u32)));
                let opcode = if self.rng.chance(1, 2) {
                    *self.rng.pick(&LOAD_INDS)
                } else {
                    *self.rng.pick(&STORE_INDS)
                };
                let reg = self.real_reg();
                self.emit(opcode, &[reg, base], &[offset as u64]);
            }
            _ => {
                let base = self.real_reg();
                let offset = self.small_offset();
                self.load_const(base, u64::from(address.wrapping_sub(offset as u32)));
                let opcode = *self.rng.pick(&STORE_IMM_INDS);
                let offset = offset as u64;
                let imms = [(offset, min_imm_len(offset)), (value, value_len)];
                self.emit_sized(opcode, &[base], &imms);
            }
        }
    }

    fn small_offset(&mut self) -> i64 {
        match self.rng.below(4) {
            0 => 0,
            1 => self.rng.range(0, 64) as i64 - 32,
            2 => self.rng.range(0, 0x2000) as i64 - 0x1000,
            _ => self.rng.next_u32() as i32 as i64,
        }
    }

    /// Division and remainder on the corner cases: zero divisor, MIN / -1, mixed signs.
    fn division_gadget(&mut self) {
        const DIVS: [Opcode; 8] = [
            Opcode::DivU32,
            Opcode::DivS32,
            Opcode::RemU32,
            Opcode::RemS32,
            Opcode::DivU64,
            Opcode::DivS64,
            Opcode::RemU64,
            Opcode::RemS64,
        ];
        const VALUES: [u64; 12] = [
            0,
            1,
            2,
            3,
            u64::MAX,
            i64::MIN as u64,
            i64::MAX as u64,
            0xFFFF_FFFF_8000_0000,
            0x8000_0000,
            0xFFFF_FFFF,
            0x1234_5678_8000_0000,
            0xDEAD_BEEF_FFFF_FFFF,
        ];
        let (ra, rb, rd) = (self.real_reg(), self.real_reg(), self.real_reg());
        let a = if self.rng.chance(3, 4) {
            *self.rng.pick(&VALUES)
        } else {
            self.rng.next_u64()
        };
        let b = if self.rng.chance(3, 4) {
            *self.rng.pick(&VALUES)
        } else {
            self.rng.next_u64()
        };
        self.load_const(ra, a);
        self.load_const(rb, b);
        let opcode = *self.rng.pick(&DIVS);
        self.emit(opcode, &[ra, rb, rd], &[]);
    }

    /// Shifts and rotations by amounts at and beyond the operand width.
    fn shift_gadget(&mut self) {
        const BY_REG: [Opcode; 10] = [
            Opcode::ShloL32,
            Opcode::ShloR32,
            Opcode::SharR32,
            Opcode::ShloL64,
            Opcode::ShloR64,
            Opcode::SharR64,
            Opcode::RotL64,
            Opcode::RotL32,
            Opcode::RotR64,
            Opcode::RotR32,
        ];
        const BY_IMM: [Opcode; 16] = [
            Opcode::ShloLImm32,
            Opcode::ShloRImm32,
            Opcode::SharRImm32,
            Opcode::ShloLImmAlt32,
            Opcode::ShloRImmAlt32,
            Opcode::SharRImmAlt32,
            Opcode::ShloLImm64,
            Opcode::ShloRImm64,
            Opcode::SharRImm64,
            Opcode::ShloLImmAlt64,
            Opcode::ShloRImmAlt64,
            Opcode::SharRImmAlt64,
            Opcode::RotR64Imm,
            Opcode::RotR64ImmAlt,
            Opcode::RotR32Imm,
            Opcode::RotR32ImmAlt,
        ];
        let (ra, rb, rd) = (self.real_reg(), self.real_reg(), self.real_reg());
        let amount = *self.rng.pick(&SHIFT_AMOUNTS);
        let value = *self.rng.pick(&EDGE_VALUES);
        if self.rng.chance(1, 2) {
            self.load_const(ra, value);
            self.load_const(rb, amount);
            let opcode = *self.rng.pick(&BY_REG);
            self.emit(opcode, &[ra, rb, rd], &[]);
        } else {
            let source = if self.rng.chance(1, 2) { value } else { amount };
            self.load_const(rb, source);
            let imm = if self.rng.chance(1, 2) { amount } else { value };
            let opcode = *self.rng.pick(&BY_IMM);
            self.emit(opcode, &[ra, rb], &[imm]);
        }
    }

    /// Sign and zero extension, bit counting and byte reversal on boundary values.
    fn extend_gadget(&mut self) {
        const OPS: [Opcode; 10] = [
            Opcode::SignExtend8,
            Opcode::SignExtend16,
            Opcode::ZeroExtend16,
            Opcode::CountSetBits32,
            Opcode::CountSetBits64,
            Opcode::LeadingZeroBits32,
            Opcode::LeadingZeroBits64,
            Opcode::TrailingZeroBits32,
            Opcode::TrailingZeroBits64,
            Opcode::ReverseBytes,
        ];
        let (ra, rd) = (self.real_reg(), self.real_reg());
        let value = *self.rng.pick(&EDGE_VALUES);
        self.load_const(ra, value);
        let opcode = *self.rng.pick(&OPS);
        self.emit(opcode, &[rd, ra], &[]);
    }

    /// Conditional moves with a zero or non-zero condition register.
    fn cmov_gadget(&mut self) {
        let (ra, rb, rd) = (self.real_reg(), self.real_reg(), self.real_reg());
        let condition = if self.rng.chance(1, 2) {
            0
        } else {
            self.imm_value()
        };
        self.load_const(rb, condition);
        match self.rng.below(4) {
            0 => self.emit(Opcode::CmovIz, &[ra, rb, rd], &[]),
            1 => self.emit(Opcode::CmovNz, &[ra, rb, rd], &[]),
            choice => {
                let opcode = if choice == 2 {
                    Opcode::CmovIzImm
                } else {
                    Opcode::CmovNzImm
                };
                let value = self.imm_value();
                self.emit(opcode, &[ra, rb], &[value]);
            }
        }
    }

    /// Ends a block. The last block must end with an instruction that cannot fall
    /// through (PolkaVM's rule), except in a few deliberately invalid programs.
    fn terminator(&mut self, last: bool) {
        let choice = if last {
            match self.rng.below(100) {
                0..=29 => 0,
                30..=44 => 2,
                45..=74 => 3,
                75..=84 => 4,
                85..=95 => 5,
                96..=97 => 1,
                _ => 6,
            }
        } else {
            match self.rng.below(100) {
                0..=7 => 0,
                8..=22 => 1,
                23..=34 => 2,
                35..=46 => 3,
                47..=54 => 4,
                55..=61 => 5,
                _ => 6,
            }
        };
        match choice {
            0 => self.push(Opcode::Trap, &[]),
            1 => self.push(Opcode::Fallthrough, &[]),
            2 => {
                let inst = self.random_operands(Opcode::Jump);
                self.asm.push(inst);
            }
            3 => {
                let (reg, imm) = (self.real_reg(), self.small_offset() as u64);
                let address = self.dynamic_address();
                if reg != 0 || self.rng.chance(1, 3) {
                    self.load_const(reg, u64::from(address.wrapping_sub(imm as u32)));
                }
                self.emit(Opcode::JumpInd, &[reg], &[imm]);
            }
            4 => {
                let inst = self.random_operands(Opcode::LoadImmJump);
                self.asm.push(inst);
            }
            5 => {
                let (ra, rb) = (self.real_reg(), self.real_reg());
                let y = self.small_offset() as u64;
                let address = self.dynamic_address();
                self.load_const(rb, u64::from(address.wrapping_sub(y as u32)));
                let x = self.imm_value();
                self.emit(Opcode::LoadImmJumpInd, &[ra, rb], &[x, y]);
            }
            _ => {
                let branches: Vec<Opcode> = self
                    .opcodes
                    .iter()
                    .copied()
                    .filter(|op| op.is_branch())
                    .collect();
                let opcode = *self.rng.pick(&branches);
                let inst = self.random_operands(opcode);
                self.asm.push(inst);
            }
        }
    }
}

/// An immediate field of an operand form.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Field {
    /// A 0–4-byte immediate, sign-extended.
    Imm,
    /// A full 8-byte immediate.
    Imm64,
    /// A relative jump offset (0–4 bytes), patched after layout.
    Offset,
}

/// The operand fields of every form: how many register fields, then the immediates in
/// encoding order. Random operands and gadgets are both built from this one table.
const fn operand_fields(form: OperandForm) -> (usize, &'static [Field]) {
    use Field::{Imm, Imm64, Offset};
    match form {
        OperandForm::None => (0, &[]),
        OperandForm::Imm => (0, &[Imm]),
        OperandForm::RegImm64 => (1, &[Imm64]),
        OperandForm::ImmImm => (0, &[Imm, Imm]),
        OperandForm::Offset => (0, &[Offset]),
        OperandForm::RegImm => (1, &[Imm]),
        OperandForm::RegImmImm => (1, &[Imm, Imm]),
        OperandForm::RegImmOffset => (1, &[Imm, Offset]),
        OperandForm::RegReg => (2, &[]),
        OperandForm::RegRegImm => (2, &[Imm]),
        OperandForm::RegRegOffset => (2, &[Offset]),
        OperandForm::RegRegImmImm => (2, &[Imm, Imm]),
        OperandForm::RegRegReg => (3, &[]),
    }
}

/// Operand bytes from their fields: register fields two to a byte, low nibble first;
/// when two immediates follow, `len_field` (the first one's length) takes the free high
/// nibble after an odd number of registers, or else a byte of its own; a free nibble
/// otherwise gets `spare` (bits the decoder ignores); then each `(value, len)` immediate
/// as its low `len` bytes.
fn operand_bytes(regs: &[u8], imms: &[(u64, usize)], len_field: u8, spare: u8) -> Vec<u8> {
    let mut len_byte = (imms.len() == 2).then_some(len_field);
    let mut nibbles = regs.to_vec();
    if nibbles.len() % 2 == 1 {
        nibbles.push(len_byte.take().unwrap_or(spare));
    }
    let mut ops: Vec<u8> = nibbles
        .chunks(2)
        .map(|pair| pair[0] | (pair[1] << 4))
        .collect();
    ops.extend(len_byte);
    for &(value, len) in imms {
        ops.extend(le_bytes(value, len));
    }
    ops
}

/// Forms whose operand bytes have a fixed length (registers and 8-byte immediates only),
/// so trailing bytes are simply skipped.
fn fixed_length(form: OperandForm) -> bool {
    operand_fields(form)
        .1
        .iter()
        .all(|&field| field == Field::Imm64)
}

/// Whether the form's only immediate is last and already has 4 bytes, so extra bytes
/// cannot lengthen it.
fn ends_with_full_imm(ops: &[u8], form: OperandForm) -> bool {
    match operand_fields(form) {
        (registers, [Field::Imm | Field::Offset]) => ops.len() == registers.div_ceil(2) + 4,
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generation_is_deterministic() {
        for seed in 0..50 {
            assert_eq!(case_for_seed(seed), case_for_seed(seed));
        }
        assert_ne!(case_for_seed(1).blob, case_for_seed(2).blob);
    }

    #[test]
    fn operand_bytes_follow_each_layout() {
        // Three registers: two in one byte, the third beside the spare nibble.
        assert_eq!(operand_bytes(&[1, 2, 3], &[], 0, 0xA), [0x21, 0xA3]);
        // One register and two immediates: the length field shares the register's byte.
        assert_eq!(
            operand_bytes(&[5], &[(0x1234, 2), (7, 1)], 2, 0xF),
            [0x25, 0x34, 0x12, 7]
        );
        // Two registers or none and two immediates: the length field has a byte of its own.
        assert_eq!(
            operand_bytes(&[1, 2], &[(9, 1), (0, 0)], 1, 0xF),
            [0x21, 1, 9]
        );
        assert_eq!(operand_bytes(&[], &[(9, 1), (8, 1)], 1, 0xF), [1, 9, 8]);
        // A register and an 8-byte immediate.
        assert_eq!(
            operand_bytes(&[12], &[(u64::MAX, 8)], 0, 0),
            [12, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF]
        );
        assert_eq!(
            operand_fields(OperandForm::RegImmOffset),
            (1, &[Field::Imm, Field::Offset][..])
        );
    }

    #[test]
    fn most_generated_programs_load_and_use_many_opcodes() {
        let mut loaded = 0;
        let mut seen = std::collections::HashSet::new();
        for seed in 0..400 {
            let mut rng = Rng::new(seed);
            let case = generated_case(&mut rng, seed);
            if let Ok(program) = Program::from_blob_bytes(&case.blob, GpVersion::V0_8) {
                loaded += 1;
                for ins in program.instructions() {
                    seen.insert(ins.opcode);
                }
            }
        }
        assert!(loaded > 320, "only {loaded} of 400 programs load");
        assert_eq!(seen.len(), 139, "every JamV1 opcode appears");
    }
}
