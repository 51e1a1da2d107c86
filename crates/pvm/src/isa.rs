//! The PVM instruction set, defined once.
//!
//! Every instruction is one row of `define_isa!`: its name, its opcode byte under the
//! GP 0.8.0 numbering (PolkaVM `JamV1`) and under the GP 0.7 numbering, its operand form,
//! its gas cost class, how it uses registers, the memory access it makes (width and
//! signedness), whether it ends a basic block and whether execution can continue past it.
//! The opcode enum, the byte → opcode tables of both numberings, the mnemonics used by the
//! disassembler, the inputs of the gas model, the loader's final-instruction rule, the
//! differential tester's instruction groups and `pvm isa --json` are all derived from that
//! one table; only the interpreter's `match` (the semantics) names opcodes again.

/// Which Gray Paper version's rules a program follows.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum GpVersion {
    /// GP 0.7.x: old opcode numbering (with `sbrk`), one gas per instruction charged per
    /// basic block, an implicit `trap` past the end of the code, lazy validation.
    V0_7,
    /// GP 0.8.0 (PolkaVM `JamV1`): new numbering with `unlikely`, pipeline gas model,
    /// whole-program validation.
    #[default]
    V0_8,
}

impl GpVersion {
    /// The short name bindings and the CLI use: `"0.8"` or `"0.7"`.
    pub fn name(self) -> &'static str {
        match self {
            GpVersion::V0_8 => "0.8",
            GpVersion::V0_7 => "0.7",
        }
    }
}

impl std::str::FromStr for GpVersion {
    type Err = ParseNameError;
    /// Accepts `"0.8"`/`"0.8.0"` and `"0.7"`/`"0.7.2"`.
    fn from_str(text: &str) -> Result<GpVersion, ParseNameError> {
        match text {
            "0.8" | "0.8.0" => Ok(GpVersion::V0_8),
            "0.7" | "0.7.2" => Ok(GpVersion::V0_7),
            _ => Err(ParseNameError {
                what: "Gray Paper version",
                text: text.to_owned(),
                expected: "\"0.8\" or \"0.7\"",
            }),
        }
    }
}

/// A name that does not denote any value of an engine enum ([`GpVersion`],
/// [`crate::Access`]).
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("unknown {what} {text:?}: expected {expected}")]
pub struct ParseNameError {
    /// What was being parsed.
    pub what: &'static str,
    /// The text given.
    pub text: String,
    /// The accepted names.
    pub expected: &'static str,
}

/// How an instruction's operand bytes are laid out (GP appendix A.5).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum OperandForm {
    /// No operands.
    None,
    /// One immediate.
    Imm,
    /// A register and a full 64-bit immediate.
    RegImm64,
    /// Two immediates.
    ImmImm,
    /// One relative jump offset.
    Offset,
    /// A register and an immediate.
    RegImm,
    /// A register and two immediates.
    RegImmImm,
    /// A register, an immediate and a relative jump offset.
    RegImmOffset,
    /// Two registers (destination first).
    RegReg,
    /// Two registers and an immediate.
    RegRegImm,
    /// Two registers and a relative jump offset.
    RegRegOffset,
    /// Two registers and two immediates.
    RegRegImmImm,
    /// Three registers.
    RegRegReg,
}

/// Which register fields an instruction reads and writes. These sets drive the
/// dependency tracking of the pipeline gas model and follow PolkaVM 0.37.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RegUse {
    /// Touches no register.
    None,
    /// Writes `a`.
    WriteA,
    /// Reads `a`.
    ReadA,
    /// Reads `b`, writes `a`.
    ReadBWriteA,
    /// Reads `a` and `b`.
    ReadAB,
    /// Reads `a` and `b`, writes `a` (conditional move with immediate).
    ReadABWriteA,
    /// Reads `a`, writes `d`.
    ReadAWriteD,
    /// Reads `a` and `b`, writes `d`.
    ReadABWriteD,
    /// Reads `a`, `b` and `d`, writes `d` (conditional move).
    ReadABDWriteD,
    /// Reads `b` only (`load_imm_jump_ind`: its write of `a` is not a dependency).
    ReadB,
    /// `move_reg`: renaming, reads `a`, writes `d`.
    Move,
}

/// The gas cost class of an instruction in the GP 0.8.0 pipeline model (§A.10).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CostClass {
    /// `move_reg`: register renaming.
    Move,
    /// 1 cycle, P(1,2) slots, one ALU.
    Alu64,
    /// 2 cycles, P(2,3) slots, one ALU.
    Alu32,
    /// 1 cycle, 1 slot, one ALU.
    Bits,
    /// 2 cycles, 1 slot, two ALUs.
    TrailingZeros,
    /// 1 cycle, P_S(2,3) slots.
    Shift64,
    /// 2 cycles, P_S(3,4) slots.
    Shift32,
    /// 1 cycle, 3 slots.
    ShiftAlt64,
    /// 2 cycles, 4 slots.
    ShiftAlt32,
    /// 3 cycles, 3 slots.
    SetCompare,
    /// 2 cycles, 2 slots.
    Cmov,
    /// 2 cycles, 3 slots.
    CmovImm,
    /// 3 cycles, P(2,3) slots.
    MinMax,
    /// Memory latency, 1 slot, ALU + load unit.
    Load,
    /// Memory latency, 1 slot, ALU + store unit.
    Store,
    /// 1 or 20 cycles (cheap when a `trap`/`unlikely` follows either edge), 1 slot.
    Branch,
    /// 60 cycles, 4 slots, ALU + divider.
    Div,
    /// 2 cycles, 3 slots.
    Inverted,
    /// 2 cycles, P(2,3) slots.
    Xnor,
    /// 3 cycles, 4 slots.
    NegAddImm32,
    /// 1 cycle, 1 slot, no unit.
    LoadImm,
    /// 1 cycle, 2 slots, no unit.
    LoadImm64,
    /// 3 cycles, P(1,2) slots, ALU + multiplier.
    Mul64,
    /// 4 cycles, P(2,3) slots, ALU + multiplier.
    Mul32,
    /// 4 cycles, 4 slots, ALU + multiplier.
    MulUpper,
    /// 6 cycles, 4 slots, ALU + multiplier.
    MulUpperSignedUnsigned,
    /// 2 cycles, 1 slot (`trap`, `fallthrough`).
    Trap,
    /// 40 cycles, 1 slot.
    Unlikely,
    /// 15 cycles, 1 slot.
    Jump,
    /// 22 cycles, 1 slot.
    JumpIndirect,
    /// 100 cycles, 4 slots, one ALU (`ecalli`, `sbrk`).
    HostCall,
}

/// The guest memory access an instruction makes: none, a load of `width` bytes (zero- or
/// sign-extended) or a store of `width` bytes. Where the address comes from follows from the
/// operand form: the immediate alone (`RegImm`, `ImmImm`), `φ_b + imm` (`RegRegImm`) or
/// `φ_a + imm` (`RegImmImm`); see [`crate::Instruction::memory_address`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum MemoryAccess {
    /// No guest memory access.
    None,
    /// Loads 1 byte, zero-extended.
    LoadU8,
    /// Loads 1 byte, sign-extended.
    LoadI8,
    /// Loads 2 bytes, zero-extended.
    LoadU16,
    /// Loads 2 bytes, sign-extended.
    LoadI16,
    /// Loads 4 bytes, zero-extended.
    LoadU32,
    /// Loads 4 bytes, sign-extended.
    LoadI32,
    /// Loads 8 bytes.
    LoadU64,
    /// Stores the low byte.
    Store8,
    /// Stores the low 2 bytes.
    Store16,
    /// Stores the low 4 bytes.
    Store32,
    /// Stores 8 bytes.
    Store64,
}

impl MemoryAccess {
    /// Bytes accessed (0 for [`MemoryAccess::None`]).
    pub const fn width(self) -> u32 {
        match self {
            MemoryAccess::None => 0,
            MemoryAccess::LoadU8 | MemoryAccess::LoadI8 | MemoryAccess::Store8 => 1,
            MemoryAccess::LoadU16 | MemoryAccess::LoadI16 | MemoryAccess::Store16 => 2,
            MemoryAccess::LoadU32 | MemoryAccess::LoadI32 | MemoryAccess::Store32 => 4,
            MemoryAccess::LoadU64 | MemoryAccess::Store64 => 8,
        }
    }

    /// Whether a load sign-extends its value.
    pub const fn is_signed(self) -> bool {
        matches!(
            self,
            MemoryAccess::LoadI8 | MemoryAccess::LoadI16 | MemoryAccess::LoadI32
        )
    }

    /// Whether this is a load.
    pub const fn is_load(self) -> bool {
        matches!(
            self,
            MemoryAccess::LoadU8
                | MemoryAccess::LoadI8
                | MemoryAccess::LoadU16
                | MemoryAccess::LoadI16
                | MemoryAccess::LoadU32
                | MemoryAccess::LoadI32
                | MemoryAccess::LoadU64
        )
    }

    /// Whether this is a store.
    pub const fn is_store(self) -> bool {
        matches!(
            self,
            MemoryAccess::Store8
                | MemoryAccess::Store16
                | MemoryAccess::Store32
                | MemoryAccess::Store64
        )
    }

    /// The name `pvm isa --json` prints: `"none"`, `"load"` or `"store"`.
    pub const fn kind_name(self) -> &'static str {
        if self.is_load() {
            "load"
        } else if self.is_store() {
            "store"
        } else {
            "none"
        }
    }
}

/// Marks an opcode byte that does not exist in a numbering.
const NONE: i16 = -1;

macro_rules! define_isa {
    ($( $variant:ident = $mnemonic:literal, $op08:expr, $op07:expr, $form:ident, $cost:ident, $regs:ident, $mem:ident, $term:literal, $falls:literal; )*) => {
        /// One PVM instruction kind. Discriminants are dense and numbering-independent;
        /// use [`Opcode::byte`] for the encoded value.
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
        #[repr(u8)]
        #[allow(missing_docs)]
        pub enum Opcode { $($variant,)* }

        impl Opcode {
            /// Every opcode, in table order.
            pub const ALL: &'static [Opcode] = &[$(Opcode::$variant,)*];

            /// The Gray Paper mnemonic.
            pub const fn name(self) -> &'static str {
                match self { $(Opcode::$variant => $mnemonic,)* }
            }

            /// The operand layout.
            pub const fn form(self) -> OperandForm {
                match self { $(Opcode::$variant => OperandForm::$form,)* }
            }

            /// The gas cost class (GP 0.8.0 pipeline model).
            pub const fn cost_class(self) -> CostClass {
                match self { $(Opcode::$variant => CostClass::$cost,)* }
            }

            /// Which registers the instruction reads and writes.
            pub const fn reg_use(self) -> RegUse {
                match self { $(Opcode::$variant => RegUse::$regs,)* }
            }

            /// The guest memory access the instruction makes.
            pub const fn memory_access(self) -> MemoryAccess {
                match self { $(Opcode::$variant => MemoryAccess::$mem,)* }
            }

            /// Whether the instruction ends a basic block (the set T of the Gray Paper).
            pub const fn is_terminator(self) -> bool {
                match self { $(Opcode::$variant => $term,)* }
            }

            /// Whether execution can continue to the next instruction after this one
            /// (PolkaVM requires the last instruction of a program to be one that cannot).
            /// False only for `trap` and the unconditional jumps.
            pub const fn can_fall_through(self) -> bool {
                match self { $(Opcode::$variant => $falls,)* }
            }

            /// The encoded byte under `version`'s numbering, if the opcode exists there.
            pub const fn byte(self, version: GpVersion) -> Option<u8> {
                let value: i16 = match version {
                    GpVersion::V0_8 => match self { $(Opcode::$variant => $op08,)* },
                    GpVersion::V0_7 => match self { $(Opcode::$variant => $op07,)* },
                };
                if value < 0 { None } else { Some(value as u8) }
            }
        }

        const fn build_table(version: GpVersion) -> [Option<Opcode>; 256] {
            let mut table: [Option<Opcode>; 256] = [None; 256];
            let all = Opcode::ALL;
            let mut i = 0;
            while i < all.len() {
                if let Some(byte) = all[i].byte(version) {
                    // A duplicate byte in the table is a compile-time error.
                    assert!(table[byte as usize].is_none(), "duplicate opcode byte");
                    table[byte as usize] = Some(all[i]);
                }
                i += 1;
            }
            table
        }
    };
}

// name = mnemonic, GP 0.8 byte, GP 0.7 byte, operand form, cost class, register use,
//        memory access, ends a block, can fall through;
define_isa! {
    Trap = "trap", 0, 0, None, Trap, None, None, true, false;
    Fallthrough = "fallthrough", 1, 1, None, Trap, None, None, true, true;
    Unlikely = "unlikely", 2, NONE, None, Unlikely, None, None, false, true;
    Ecalli = "ecalli", 10, 10, Imm, HostCall, None, None, false, true;
    LoadImm64 = "load_imm_64", 20, 20, RegImm64, LoadImm64, WriteA, None, false, true;
    StoreImmU8 = "store_imm_u8", 30, 30, ImmImm, Store, None, Store8, false, true;
    StoreImmU16 = "store_imm_u16", 31, 31, ImmImm, Store, None, Store16, false, true;
    StoreImmU32 = "store_imm_u32", 32, 32, ImmImm, Store, None, Store32, false, true;
    StoreImmU64 = "store_imm_u64", 33, 33, ImmImm, Store, None, Store64, false, true;
    Jump = "jump", 40, 40, Offset, Jump, None, None, true, false;
    JumpInd = "jump_ind", 50, 50, RegImm, JumpIndirect, ReadA, None, true, false;
    LoadImm = "load_imm", 51, 51, RegImm, LoadImm, WriteA, None, false, true;
    LoadU8 = "load_u8", 52, 52, RegImm, Load, WriteA, LoadU8, false, true;
    LoadI8 = "load_i8", 53, 53, RegImm, Load, WriteA, LoadI8, false, true;
    LoadU16 = "load_u16", 54, 54, RegImm, Load, WriteA, LoadU16, false, true;
    LoadI16 = "load_i16", 55, 55, RegImm, Load, WriteA, LoadI16, false, true;
    LoadU32 = "load_u32", 56, 56, RegImm, Load, WriteA, LoadU32, false, true;
    LoadI32 = "load_i32", 57, 57, RegImm, Load, WriteA, LoadI32, false, true;
    LoadU64 = "load_u64", 58, 58, RegImm, Load, WriteA, LoadU64, false, true;
    StoreU8 = "store_u8", 59, 59, RegImm, Store, ReadA, Store8, false, true;
    StoreU16 = "store_u16", 60, 60, RegImm, Store, ReadA, Store16, false, true;
    StoreU32 = "store_u32", 61, 61, RegImm, Store, ReadA, Store32, false, true;
    StoreU64 = "store_u64", 62, 62, RegImm, Store, ReadA, Store64, false, true;
    StoreImmIndU8 = "store_imm_ind_u8", 70, 70, RegImmImm, Store, ReadA, Store8, false, true;
    StoreImmIndU16 = "store_imm_ind_u16", 71, 71, RegImmImm, Store, ReadA, Store16, false, true;
    StoreImmIndU32 = "store_imm_ind_u32", 72, 72, RegImmImm, Store, ReadA, Store32, false, true;
    StoreImmIndU64 = "store_imm_ind_u64", 73, 73, RegImmImm, Store, ReadA, Store64, false, true;
    LoadImmJump = "load_imm_jump", 80, 80, RegImmOffset, Jump, None, None, true, false;
    BranchEqImm = "branch_eq_imm", 81, 81, RegImmOffset, Branch, ReadA, None, true, true;
    BranchNeImm = "branch_ne_imm", 82, 82, RegImmOffset, Branch, ReadA, None, true, true;
    BranchLtUImm = "branch_lt_u_imm", 83, 83, RegImmOffset, Branch, ReadA, None, true, true;
    BranchLeUImm = "branch_le_u_imm", 84, 84, RegImmOffset, Branch, ReadA, None, true, true;
    BranchGeUImm = "branch_ge_u_imm", 85, 85, RegImmOffset, Branch, ReadA, None, true, true;
    BranchGtUImm = "branch_gt_u_imm", 86, 86, RegImmOffset, Branch, ReadA, None, true, true;
    BranchLtSImm = "branch_lt_s_imm", 87, 87, RegImmOffset, Branch, ReadA, None, true, true;
    BranchLeSImm = "branch_le_s_imm", 88, 88, RegImmOffset, Branch, ReadA, None, true, true;
    BranchGeSImm = "branch_ge_s_imm", 89, 89, RegImmOffset, Branch, ReadA, None, true, true;
    BranchGtSImm = "branch_gt_s_imm", 90, 90, RegImmOffset, Branch, ReadA, None, true, true;
    MoveReg = "move_reg", 100, 100, RegReg, Move, Move, None, false, true;
    Sbrk = "sbrk", NONE, 101, RegReg, HostCall, ReadAWriteD, None, false, true;
    CountSetBits64 = "count_set_bits_64", 101, 102, RegReg, Bits, ReadAWriteD, None, false, true;
    CountSetBits32 = "count_set_bits_32", 102, 103, RegReg, Bits, ReadAWriteD, None, false, true;
    LeadingZeroBits64 = "leading_zero_bits_64", 103, 104, RegReg, Bits, ReadAWriteD, None, false, true;
    LeadingZeroBits32 = "leading_zero_bits_32", 104, 105, RegReg, Bits, ReadAWriteD, None, false, true;
    TrailingZeroBits64 = "trailing_zero_bits_64", 105, 106, RegReg, TrailingZeros, ReadAWriteD, None, false, true;
    TrailingZeroBits32 = "trailing_zero_bits_32", 106, 107, RegReg, TrailingZeros, ReadAWriteD, None, false, true;
    SignExtend8 = "sign_extend_8", 107, 108, RegReg, Bits, ReadAWriteD, None, false, true;
    SignExtend16 = "sign_extend_16", 108, 109, RegReg, Bits, ReadAWriteD, None, false, true;
    ZeroExtend16 = "zero_extend_16", 109, 110, RegReg, Bits, ReadAWriteD, None, false, true;
    ReverseBytes = "reverse_bytes", 110, 111, RegReg, Alu64, ReadAWriteD, None, false, true;
    StoreIndU8 = "store_ind_u8", 120, 120, RegRegImm, Store, ReadAB, Store8, false, true;
    StoreIndU16 = "store_ind_u16", 121, 121, RegRegImm, Store, ReadAB, Store16, false, true;
    StoreIndU32 = "store_ind_u32", 122, 122, RegRegImm, Store, ReadAB, Store32, false, true;
    StoreIndU64 = "store_ind_u64", 123, 123, RegRegImm, Store, ReadAB, Store64, false, true;
    LoadIndU8 = "load_ind_u8", 124, 124, RegRegImm, Load, ReadBWriteA, LoadU8, false, true;
    LoadIndI8 = "load_ind_i8", 125, 125, RegRegImm, Load, ReadBWriteA, LoadI8, false, true;
    LoadIndU16 = "load_ind_u16", 126, 126, RegRegImm, Load, ReadBWriteA, LoadU16, false, true;
    LoadIndI16 = "load_ind_i16", 127, 127, RegRegImm, Load, ReadBWriteA, LoadI16, false, true;
    LoadIndU32 = "load_ind_u32", 128, 128, RegRegImm, Load, ReadBWriteA, LoadU32, false, true;
    LoadIndI32 = "load_ind_i32", 129, 129, RegRegImm, Load, ReadBWriteA, LoadI32, false, true;
    LoadIndU64 = "load_ind_u64", 130, 130, RegRegImm, Load, ReadBWriteA, LoadU64, false, true;
    AddImm32 = "add_imm_32", 131, 131, RegRegImm, Alu32, ReadBWriteA, None, false, true;
    AndImm = "and_imm", 132, 132, RegRegImm, Alu64, ReadBWriteA, None, false, true;
    XorImm = "xor_imm", 133, 133, RegRegImm, Alu64, ReadBWriteA, None, false, true;
    OrImm = "or_imm", 134, 134, RegRegImm, Alu64, ReadBWriteA, None, false, true;
    MulImm32 = "mul_imm_32", 135, 135, RegRegImm, Mul32, ReadBWriteA, None, false, true;
    SetLtUImm = "set_lt_u_imm", 136, 136, RegRegImm, SetCompare, ReadBWriteA, None, false, true;
    SetLtSImm = "set_lt_s_imm", 137, 137, RegRegImm, SetCompare, ReadBWriteA, None, false, true;
    ShloLImm32 = "shlo_l_imm_32", 138, 138, RegRegImm, Alu32, ReadBWriteA, None, false, true;
    ShloRImm32 = "shlo_r_imm_32", 139, 139, RegRegImm, Alu32, ReadBWriteA, None, false, true;
    SharRImm32 = "shar_r_imm_32", 140, 140, RegRegImm, Alu32, ReadBWriteA, None, false, true;
    NegAddImm32 = "neg_add_imm_32", 141, 141, RegRegImm, NegAddImm32, ReadBWriteA, None, false, true;
    SetGtUImm = "set_gt_u_imm", 142, 142, RegRegImm, SetCompare, ReadBWriteA, None, false, true;
    SetGtSImm = "set_gt_s_imm", 143, 143, RegRegImm, SetCompare, ReadBWriteA, None, false, true;
    ShloLImmAlt32 = "shlo_l_imm_alt_32", 144, 144, RegRegImm, ShiftAlt32, ReadBWriteA, None, false, true;
    ShloRImmAlt32 = "shlo_r_imm_alt_32", 145, 145, RegRegImm, ShiftAlt32, ReadBWriteA, None, false, true;
    SharRImmAlt32 = "shar_r_imm_alt_32", 146, 146, RegRegImm, ShiftAlt32, ReadBWriteA, None, false, true;
    CmovIzImm = "cmov_iz_imm", 147, 147, RegRegImm, CmovImm, ReadABWriteA, None, false, true;
    CmovNzImm = "cmov_nz_imm", 148, 148, RegRegImm, CmovImm, ReadABWriteA, None, false, true;
    AddImm64 = "add_imm_64", 149, 149, RegRegImm, Alu64, ReadBWriteA, None, false, true;
    MulImm64 = "mul_imm_64", 150, 150, RegRegImm, Mul64, ReadBWriteA, None, false, true;
    ShloLImm64 = "shlo_l_imm_64", 151, 151, RegRegImm, Alu64, ReadBWriteA, None, false, true;
    ShloRImm64 = "shlo_r_imm_64", 152, 152, RegRegImm, Alu64, ReadBWriteA, None, false, true;
    SharRImm64 = "shar_r_imm_64", 153, 153, RegRegImm, Alu64, ReadBWriteA, None, false, true;
    NegAddImm64 = "neg_add_imm_64", 154, 154, RegRegImm, Inverted, ReadBWriteA, None, false, true;
    ShloLImmAlt64 = "shlo_l_imm_alt_64", 155, 155, RegRegImm, ShiftAlt64, ReadBWriteA, None, false, true;
    ShloRImmAlt64 = "shlo_r_imm_alt_64", 156, 156, RegRegImm, ShiftAlt64, ReadBWriteA, None, false, true;
    SharRImmAlt64 = "shar_r_imm_alt_64", 157, 157, RegRegImm, ShiftAlt64, ReadBWriteA, None, false, true;
    RotR64Imm = "rot_r_64_imm", 158, 158, RegRegImm, Alu64, ReadBWriteA, None, false, true;
    RotR64ImmAlt = "rot_r_64_imm_alt", 159, 159, RegRegImm, ShiftAlt64, ReadBWriteA, None, false, true;
    RotR32Imm = "rot_r_32_imm", 160, 160, RegRegImm, Alu32, ReadBWriteA, None, false, true;
    RotR32ImmAlt = "rot_r_32_imm_alt", 161, 161, RegRegImm, ShiftAlt32, ReadBWriteA, None, false, true;
    BranchEq = "branch_eq", 170, 170, RegRegOffset, Branch, ReadAB, None, true, true;
    BranchNe = "branch_ne", 171, 171, RegRegOffset, Branch, ReadAB, None, true, true;
    BranchLtU = "branch_lt_u", 172, 172, RegRegOffset, Branch, ReadAB, None, true, true;
    BranchLtS = "branch_lt_s", 173, 173, RegRegOffset, Branch, ReadAB, None, true, true;
    BranchGeU = "branch_ge_u", 174, 174, RegRegOffset, Branch, ReadAB, None, true, true;
    BranchGeS = "branch_ge_s", 175, 175, RegRegOffset, Branch, ReadAB, None, true, true;
    LoadImmJumpInd = "load_imm_jump_ind", 180, 180, RegRegImmImm, JumpIndirect, ReadB, None, true, false;
    Add32 = "add_32", 190, 190, RegRegReg, Alu32, ReadABWriteD, None, false, true;
    Sub32 = "sub_32", 191, 191, RegRegReg, Alu32, ReadABWriteD, None, false, true;
    Mul32 = "mul_32", 192, 192, RegRegReg, Mul32, ReadABWriteD, None, false, true;
    DivU32 = "div_u_32", 193, 193, RegRegReg, Div, ReadABWriteD, None, false, true;
    DivS32 = "div_s_32", 194, 194, RegRegReg, Div, ReadABWriteD, None, false, true;
    RemU32 = "rem_u_32", 195, 195, RegRegReg, Div, ReadABWriteD, None, false, true;
    RemS32 = "rem_s_32", 196, 196, RegRegReg, Div, ReadABWriteD, None, false, true;
    ShloL32 = "shlo_l_32", 197, 197, RegRegReg, Shift32, ReadABWriteD, None, false, true;
    ShloR32 = "shlo_r_32", 198, 198, RegRegReg, Shift32, ReadABWriteD, None, false, true;
    SharR32 = "shar_r_32", 199, 199, RegRegReg, Shift32, ReadABWriteD, None, false, true;
    Add64 = "add_64", 200, 200, RegRegReg, Alu64, ReadABWriteD, None, false, true;
    Sub64 = "sub_64", 201, 201, RegRegReg, Alu64, ReadABWriteD, None, false, true;
    Mul64 = "mul_64", 202, 202, RegRegReg, Mul64, ReadABWriteD, None, false, true;
    DivU64 = "div_u_64", 203, 203, RegRegReg, Div, ReadABWriteD, None, false, true;
    DivS64 = "div_s_64", 204, 204, RegRegReg, Div, ReadABWriteD, None, false, true;
    RemU64 = "rem_u_64", 205, 205, RegRegReg, Div, ReadABWriteD, None, false, true;
    RemS64 = "rem_s_64", 206, 206, RegRegReg, Div, ReadABWriteD, None, false, true;
    ShloL64 = "shlo_l_64", 207, 207, RegRegReg, Shift64, ReadABWriteD, None, false, true;
    ShloR64 = "shlo_r_64", 208, 208, RegRegReg, Shift64, ReadABWriteD, None, false, true;
    SharR64 = "shar_r_64", 209, 209, RegRegReg, Shift64, ReadABWriteD, None, false, true;
    And = "and", 210, 210, RegRegReg, Alu64, ReadABWriteD, None, false, true;
    Xor = "xor", 211, 211, RegRegReg, Alu64, ReadABWriteD, None, false, true;
    Or = "or", 212, 212, RegRegReg, Alu64, ReadABWriteD, None, false, true;
    MulUpperSS = "mul_upper_s_s", 213, 213, RegRegReg, MulUpper, ReadABWriteD, None, false, true;
    MulUpperUU = "mul_upper_u_u", 214, 214, RegRegReg, MulUpper, ReadABWriteD, None, false, true;
    MulUpperSU = "mul_upper_s_u", 215, 215, RegRegReg, MulUpperSignedUnsigned, ReadABWriteD, None, false, true;
    SetLtU = "set_lt_u", 216, 216, RegRegReg, SetCompare, ReadABWriteD, None, false, true;
    SetLtS = "set_lt_s", 217, 217, RegRegReg, SetCompare, ReadABWriteD, None, false, true;
    CmovIz = "cmov_iz", 218, 218, RegRegReg, Cmov, ReadABDWriteD, None, false, true;
    CmovNz = "cmov_nz", 219, 219, RegRegReg, Cmov, ReadABDWriteD, None, false, true;
    RotL64 = "rot_l_64", 220, 220, RegRegReg, Shift64, ReadABWriteD, None, false, true;
    RotL32 = "rot_l_32", 221, 221, RegRegReg, Shift32, ReadABWriteD, None, false, true;
    RotR64 = "rot_r_64", 222, 222, RegRegReg, Shift64, ReadABWriteD, None, false, true;
    RotR32 = "rot_r_32", 223, 223, RegRegReg, Shift32, ReadABWriteD, None, false, true;
    AndInv = "and_inv", 224, 224, RegRegReg, Inverted, ReadABWriteD, None, false, true;
    OrInv = "or_inv", 225, 225, RegRegReg, Inverted, ReadABWriteD, None, false, true;
    Xnor = "xnor", 226, 226, RegRegReg, Xnor, ReadABWriteD, None, false, true;
    Max = "max", 227, 227, RegRegReg, MinMax, ReadABWriteD, None, false, true;
    MaxU = "max_u", 228, 228, RegRegReg, MinMax, ReadABWriteD, None, false, true;
    Min = "min", 229, 229, RegRegReg, MinMax, ReadABWriteD, None, false, true;
    MinU = "min_u", 230, 230, RegRegReg, MinMax, ReadABWriteD, None, false, true;
}

static TABLE_V0_8: [Option<Opcode>; 256] = build_table(GpVersion::V0_8);
static TABLE_V0_7: [Option<Opcode>; 256] = build_table(GpVersion::V0_7);

/// Bit of [`SCAN_V0_8`]: the byte is a GP 0.8 opcode.
pub(crate) const SCAN_KNOWN: u8 = 1;
/// Bit of [`SCAN_V0_8`]: the opcode ends a basic block.
pub(crate) const SCAN_TERMINATOR: u8 = 2;

/// Byte → [`SCAN_KNOWN`] | [`SCAN_TERMINATOR`] under the GP 0.8 numbering: the two facts
/// the load-time scan needs per instruction, in one lookup.
pub(crate) static SCAN_V0_8: [u8; 256] = {
    let mut table = [0u8; 256];
    let mut byte = 0;
    while byte < 256 {
        if let Some(op) = TABLE_V0_8[byte] {
            table[byte] = SCAN_KNOWN
                | if op.is_terminator() {
                    SCAN_TERMINATOR
                } else {
                    0
                };
        }
        byte += 1;
    }
    table
};

impl Opcode {
    /// Decodes an opcode byte under `version`'s numbering.
    #[inline]
    pub fn from_byte(byte: u8, version: GpVersion) -> Option<Opcode> {
        match version {
            GpVersion::V0_8 => TABLE_V0_8[byte as usize],
            GpVersion::V0_7 => TABLE_V0_7[byte as usize],
        }
    }

    /// Whether the instruction is one of the sixteen conditional branches.
    pub const fn is_branch(self) -> bool {
        matches!(self.cost_class(), CostClass::Branch)
    }
}

impl std::fmt::Display for Opcode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn both_numberings_have_139_opcodes() {
        for version in [GpVersion::V0_7, GpVersion::V0_8] {
            let count = (0..=255u8)
                .filter(|&b| Opcode::from_byte(b, version).is_some())
                .count();
            assert_eq!(count, 139, "{version:?}");
        }
    }

    #[test]
    fn renumbered_group_moves_down_by_one() {
        assert_eq!(Opcode::from_byte(101, GpVersion::V0_7), Some(Opcode::Sbrk));
        assert_eq!(
            Opcode::from_byte(101, GpVersion::V0_8),
            Some(Opcode::CountSetBits64)
        );
        assert_eq!(
            Opcode::from_byte(111, GpVersion::V0_7),
            Some(Opcode::ReverseBytes)
        );
        assert_eq!(Opcode::from_byte(111, GpVersion::V0_8), None);
        assert_eq!(
            Opcode::from_byte(2, GpVersion::V0_8),
            Some(Opcode::Unlikely)
        );
        assert_eq!(Opcode::from_byte(2, GpVersion::V0_7), None);
    }

    #[test]
    fn bytes_round_trip() {
        for &op in Opcode::ALL {
            for version in [GpVersion::V0_7, GpVersion::V0_8] {
                if let Some(b) = op.byte(version) {
                    assert_eq!(Opcode::from_byte(b, version), Some(op));
                }
            }
        }
    }

    #[test]
    fn memory_columns_agree_with_cost_classes_and_forms() {
        for &op in Opcode::ALL {
            let access = op.memory_access();
            assert_eq!(access.is_load(), op.cost_class() == CostClass::Load, "{op}");
            assert_eq!(
                access.is_store(),
                op.cost_class() == CostClass::Store,
                "{op}"
            );
            if access != MemoryAccess::None {
                // The width is in the mnemonic (`load_i16`, `store_imm_ind_u64`, ...).
                let width_bits = access.width() * 8;
                assert!(op.name().ends_with(&width_bits.to_string()), "{op}");
                let signed = ["_i8", "_i16", "_i32"]
                    .iter()
                    .any(|w| op.name().ends_with(w));
                assert_eq!(access.is_signed(), signed, "{op}");
                assert!(
                    matches!(
                        op.form(),
                        OperandForm::RegImm
                            | OperandForm::ImmImm
                            | OperandForm::RegRegImm
                            | OperandForm::RegImmImm
                    ),
                    "{op}"
                );
            }
        }
        let loads = Opcode::ALL.iter().filter(|o| o.memory_access().is_load());
        let stores = Opcode::ALL.iter().filter(|o| o.memory_access().is_store());
        assert_eq!((loads.count(), stores.count()), (14, 16));
    }

    #[test]
    fn only_trap_and_unconditional_jumps_cannot_fall_through() {
        let stops: Vec<&str> = Opcode::ALL
            .iter()
            .filter(|o| !o.can_fall_through())
            .map(|o| o.name())
            .collect();
        assert_eq!(
            stops,
            [
                "trap",
                "jump",
                "jump_ind",
                "load_imm_jump",
                "load_imm_jump_ind"
            ]
        );
        for &op in Opcode::ALL {
            // Anything that cannot fall through ends a block.
            assert!(op.can_fall_through() || op.is_terminator(), "{op}");
        }
    }

    #[test]
    fn terminators_are_the_gray_paper_set() {
        let count = Opcode::ALL.iter().filter(|o| o.is_terminator()).count();
        // trap, fallthrough, jump, jump_ind, load_imm_jump, load_imm_jump_ind + 16 branches
        assert_eq!(count, 22);
        assert_eq!(Opcode::ALL.iter().filter(|o| o.is_branch()).count(), 16);
    }
}
