//! The PVM instruction set, defined once.
//!
//! Every instruction is one row of `define_isa!`: its name, its opcode byte under the
//! GP 0.8.0 numbering (PolkaVM `JamV1`) and under the GP 0.7 numbering, its operand form,
//! its gas cost class and how it uses registers. The opcode enum, the byte → opcode
//! tables of both numberings, the mnemonics used by the disassembler and the inputs of the
//! gas model are all derived from that one table.

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

/// Marks an opcode byte that does not exist in a numbering.
const NONE: i16 = -1;

macro_rules! define_isa {
    ($( $variant:ident = $mnemonic:literal, $op08:expr, $op07:expr, $form:ident, $cost:ident, $regs:ident, $term:literal; )*) => {
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

            /// Whether the instruction ends a basic block (the set T of the Gray Paper).
            pub const fn is_terminator(self) -> bool {
                match self { $(Opcode::$variant => $term,)* }
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

define_isa! {
    Trap = "trap", 0, 0, None, Trap, None, true;
    Fallthrough = "fallthrough", 1, 1, None, Trap, None, true;
    Unlikely = "unlikely", 2, NONE, None, Unlikely, None, false;
    Ecalli = "ecalli", 10, 10, Imm, HostCall, None, false;
    LoadImm64 = "load_imm_64", 20, 20, RegImm64, LoadImm64, WriteA, false;
    StoreImmU8 = "store_imm_u8", 30, 30, ImmImm, Store, None, false;
    StoreImmU16 = "store_imm_u16", 31, 31, ImmImm, Store, None, false;
    StoreImmU32 = "store_imm_u32", 32, 32, ImmImm, Store, None, false;
    StoreImmU64 = "store_imm_u64", 33, 33, ImmImm, Store, None, false;
    Jump = "jump", 40, 40, Offset, Jump, None, true;
    JumpInd = "jump_ind", 50, 50, RegImm, JumpIndirect, ReadA, true;
    LoadImm = "load_imm", 51, 51, RegImm, LoadImm, WriteA, false;
    LoadU8 = "load_u8", 52, 52, RegImm, Load, WriteA, false;
    LoadI8 = "load_i8", 53, 53, RegImm, Load, WriteA, false;
    LoadU16 = "load_u16", 54, 54, RegImm, Load, WriteA, false;
    LoadI16 = "load_i16", 55, 55, RegImm, Load, WriteA, false;
    LoadU32 = "load_u32", 56, 56, RegImm, Load, WriteA, false;
    LoadI32 = "load_i32", 57, 57, RegImm, Load, WriteA, false;
    LoadU64 = "load_u64", 58, 58, RegImm, Load, WriteA, false;
    StoreU8 = "store_u8", 59, 59, RegImm, Store, ReadA, false;
    StoreU16 = "store_u16", 60, 60, RegImm, Store, ReadA, false;
    StoreU32 = "store_u32", 61, 61, RegImm, Store, ReadA, false;
    StoreU64 = "store_u64", 62, 62, RegImm, Store, ReadA, false;
    StoreImmIndU8 = "store_imm_ind_u8", 70, 70, RegImmImm, Store, ReadA, false;
    StoreImmIndU16 = "store_imm_ind_u16", 71, 71, RegImmImm, Store, ReadA, false;
    StoreImmIndU32 = "store_imm_ind_u32", 72, 72, RegImmImm, Store, ReadA, false;
    StoreImmIndU64 = "store_imm_ind_u64", 73, 73, RegImmImm, Store, ReadA, false;
    LoadImmJump = "load_imm_jump", 80, 80, RegImmOffset, Jump, None, true;
    BranchEqImm = "branch_eq_imm", 81, 81, RegImmOffset, Branch, ReadA, true;
    BranchNeImm = "branch_ne_imm", 82, 82, RegImmOffset, Branch, ReadA, true;
    BranchLtUImm = "branch_lt_u_imm", 83, 83, RegImmOffset, Branch, ReadA, true;
    BranchLeUImm = "branch_le_u_imm", 84, 84, RegImmOffset, Branch, ReadA, true;
    BranchGeUImm = "branch_ge_u_imm", 85, 85, RegImmOffset, Branch, ReadA, true;
    BranchGtUImm = "branch_gt_u_imm", 86, 86, RegImmOffset, Branch, ReadA, true;
    BranchLtSImm = "branch_lt_s_imm", 87, 87, RegImmOffset, Branch, ReadA, true;
    BranchLeSImm = "branch_le_s_imm", 88, 88, RegImmOffset, Branch, ReadA, true;
    BranchGeSImm = "branch_ge_s_imm", 89, 89, RegImmOffset, Branch, ReadA, true;
    BranchGtSImm = "branch_gt_s_imm", 90, 90, RegImmOffset, Branch, ReadA, true;
    MoveReg = "move_reg", 100, 100, RegReg, Move, Move, false;
    Sbrk = "sbrk", NONE, 101, RegReg, HostCall, ReadAWriteD, false;
    CountSetBits64 = "count_set_bits_64", 101, 102, RegReg, Bits, ReadAWriteD, false;
    CountSetBits32 = "count_set_bits_32", 102, 103, RegReg, Bits, ReadAWriteD, false;
    LeadingZeroBits64 = "leading_zero_bits_64", 103, 104, RegReg, Bits, ReadAWriteD, false;
    LeadingZeroBits32 = "leading_zero_bits_32", 104, 105, RegReg, Bits, ReadAWriteD, false;
    TrailingZeroBits64 = "trailing_zero_bits_64", 105, 106, RegReg, TrailingZeros, ReadAWriteD, false;
    TrailingZeroBits32 = "trailing_zero_bits_32", 106, 107, RegReg, TrailingZeros, ReadAWriteD, false;
    SignExtend8 = "sign_extend_8", 107, 108, RegReg, Bits, ReadAWriteD, false;
    SignExtend16 = "sign_extend_16", 108, 109, RegReg, Bits, ReadAWriteD, false;
    ZeroExtend16 = "zero_extend_16", 109, 110, RegReg, Bits, ReadAWriteD, false;
    ReverseBytes = "reverse_bytes", 110, 111, RegReg, Alu64, ReadAWriteD, false;
    StoreIndU8 = "store_ind_u8", 120, 120, RegRegImm, Store, ReadAB, false;
    StoreIndU16 = "store_ind_u16", 121, 121, RegRegImm, Store, ReadAB, false;
    StoreIndU32 = "store_ind_u32", 122, 122, RegRegImm, Store, ReadAB, false;
    StoreIndU64 = "store_ind_u64", 123, 123, RegRegImm, Store, ReadAB, false;
    LoadIndU8 = "load_ind_u8", 124, 124, RegRegImm, Load, ReadBWriteA, false;
    LoadIndI8 = "load_ind_i8", 125, 125, RegRegImm, Load, ReadBWriteA, false;
    LoadIndU16 = "load_ind_u16", 126, 126, RegRegImm, Load, ReadBWriteA, false;
    LoadIndI16 = "load_ind_i16", 127, 127, RegRegImm, Load, ReadBWriteA, false;
    LoadIndU32 = "load_ind_u32", 128, 128, RegRegImm, Load, ReadBWriteA, false;
    LoadIndI32 = "load_ind_i32", 129, 129, RegRegImm, Load, ReadBWriteA, false;
    LoadIndU64 = "load_ind_u64", 130, 130, RegRegImm, Load, ReadBWriteA, false;
    AddImm32 = "add_imm_32", 131, 131, RegRegImm, Alu32, ReadBWriteA, false;
    AndImm = "and_imm", 132, 132, RegRegImm, Alu64, ReadBWriteA, false;
    XorImm = "xor_imm", 133, 133, RegRegImm, Alu64, ReadBWriteA, false;
    OrImm = "or_imm", 134, 134, RegRegImm, Alu64, ReadBWriteA, false;
    MulImm32 = "mul_imm_32", 135, 135, RegRegImm, Mul32, ReadBWriteA, false;
    SetLtUImm = "set_lt_u_imm", 136, 136, RegRegImm, SetCompare, ReadBWriteA, false;
    SetLtSImm = "set_lt_s_imm", 137, 137, RegRegImm, SetCompare, ReadBWriteA, false;
    ShloLImm32 = "shlo_l_imm_32", 138, 138, RegRegImm, Alu32, ReadBWriteA, false;
    ShloRImm32 = "shlo_r_imm_32", 139, 139, RegRegImm, Alu32, ReadBWriteA, false;
    SharRImm32 = "shar_r_imm_32", 140, 140, RegRegImm, Alu32, ReadBWriteA, false;
    NegAddImm32 = "neg_add_imm_32", 141, 141, RegRegImm, NegAddImm32, ReadBWriteA, false;
    SetGtUImm = "set_gt_u_imm", 142, 142, RegRegImm, SetCompare, ReadBWriteA, false;
    SetGtSImm = "set_gt_s_imm", 143, 143, RegRegImm, SetCompare, ReadBWriteA, false;
    ShloLImmAlt32 = "shlo_l_imm_alt_32", 144, 144, RegRegImm, ShiftAlt32, ReadBWriteA, false;
    ShloRImmAlt32 = "shlo_r_imm_alt_32", 145, 145, RegRegImm, ShiftAlt32, ReadBWriteA, false;
    SharRImmAlt32 = "shar_r_imm_alt_32", 146, 146, RegRegImm, ShiftAlt32, ReadBWriteA, false;
    CmovIzImm = "cmov_iz_imm", 147, 147, RegRegImm, CmovImm, ReadABWriteA, false;
    CmovNzImm = "cmov_nz_imm", 148, 148, RegRegImm, CmovImm, ReadABWriteA, false;
    AddImm64 = "add_imm_64", 149, 149, RegRegImm, Alu64, ReadBWriteA, false;
    MulImm64 = "mul_imm_64", 150, 150, RegRegImm, Mul64, ReadBWriteA, false;
    ShloLImm64 = "shlo_l_imm_64", 151, 151, RegRegImm, Alu64, ReadBWriteA, false;
    ShloRImm64 = "shlo_r_imm_64", 152, 152, RegRegImm, Alu64, ReadBWriteA, false;
    SharRImm64 = "shar_r_imm_64", 153, 153, RegRegImm, Alu64, ReadBWriteA, false;
    NegAddImm64 = "neg_add_imm_64", 154, 154, RegRegImm, Inverted, ReadBWriteA, false;
    ShloLImmAlt64 = "shlo_l_imm_alt_64", 155, 155, RegRegImm, ShiftAlt64, ReadBWriteA, false;
    ShloRImmAlt64 = "shlo_r_imm_alt_64", 156, 156, RegRegImm, ShiftAlt64, ReadBWriteA, false;
    SharRImmAlt64 = "shar_r_imm_alt_64", 157, 157, RegRegImm, ShiftAlt64, ReadBWriteA, false;
    RotR64Imm = "rot_r_64_imm", 158, 158, RegRegImm, Alu64, ReadBWriteA, false;
    RotR64ImmAlt = "rot_r_64_imm_alt", 159, 159, RegRegImm, ShiftAlt64, ReadBWriteA, false;
    RotR32Imm = "rot_r_32_imm", 160, 160, RegRegImm, Alu32, ReadBWriteA, false;
    RotR32ImmAlt = "rot_r_32_imm_alt", 161, 161, RegRegImm, ShiftAlt32, ReadBWriteA, false;
    BranchEq = "branch_eq", 170, 170, RegRegOffset, Branch, ReadAB, true;
    BranchNe = "branch_ne", 171, 171, RegRegOffset, Branch, ReadAB, true;
    BranchLtU = "branch_lt_u", 172, 172, RegRegOffset, Branch, ReadAB, true;
    BranchLtS = "branch_lt_s", 173, 173, RegRegOffset, Branch, ReadAB, true;
    BranchGeU = "branch_ge_u", 174, 174, RegRegOffset, Branch, ReadAB, true;
    BranchGeS = "branch_ge_s", 175, 175, RegRegOffset, Branch, ReadAB, true;
    LoadImmJumpInd = "load_imm_jump_ind", 180, 180, RegRegImmImm, JumpIndirect, ReadB, true;
    Add32 = "add_32", 190, 190, RegRegReg, Alu32, ReadABWriteD, false;
    Sub32 = "sub_32", 191, 191, RegRegReg, Alu32, ReadABWriteD, false;
    Mul32 = "mul_32", 192, 192, RegRegReg, Mul32, ReadABWriteD, false;
    DivU32 = "div_u_32", 193, 193, RegRegReg, Div, ReadABWriteD, false;
    DivS32 = "div_s_32", 194, 194, RegRegReg, Div, ReadABWriteD, false;
    RemU32 = "rem_u_32", 195, 195, RegRegReg, Div, ReadABWriteD, false;
    RemS32 = "rem_s_32", 196, 196, RegRegReg, Div, ReadABWriteD, false;
    ShloL32 = "shlo_l_32", 197, 197, RegRegReg, Shift32, ReadABWriteD, false;
    ShloR32 = "shlo_r_32", 198, 198, RegRegReg, Shift32, ReadABWriteD, false;
    SharR32 = "shar_r_32", 199, 199, RegRegReg, Shift32, ReadABWriteD, false;
    Add64 = "add_64", 200, 200, RegRegReg, Alu64, ReadABWriteD, false;
    Sub64 = "sub_64", 201, 201, RegRegReg, Alu64, ReadABWriteD, false;
    Mul64 = "mul_64", 202, 202, RegRegReg, Mul64, ReadABWriteD, false;
    DivU64 = "div_u_64", 203, 203, RegRegReg, Div, ReadABWriteD, false;
    DivS64 = "div_s_64", 204, 204, RegRegReg, Div, ReadABWriteD, false;
    RemU64 = "rem_u_64", 205, 205, RegRegReg, Div, ReadABWriteD, false;
    RemS64 = "rem_s_64", 206, 206, RegRegReg, Div, ReadABWriteD, false;
    ShloL64 = "shlo_l_64", 207, 207, RegRegReg, Shift64, ReadABWriteD, false;
    ShloR64 = "shlo_r_64", 208, 208, RegRegReg, Shift64, ReadABWriteD, false;
    SharR64 = "shar_r_64", 209, 209, RegRegReg, Shift64, ReadABWriteD, false;
    And = "and", 210, 210, RegRegReg, Alu64, ReadABWriteD, false;
    Xor = "xor", 211, 211, RegRegReg, Alu64, ReadABWriteD, false;
    Or = "or", 212, 212, RegRegReg, Alu64, ReadABWriteD, false;
    MulUpperSS = "mul_upper_s_s", 213, 213, RegRegReg, MulUpper, ReadABWriteD, false;
    MulUpperUU = "mul_upper_u_u", 214, 214, RegRegReg, MulUpper, ReadABWriteD, false;
    MulUpperSU = "mul_upper_s_u", 215, 215, RegRegReg, MulUpperSignedUnsigned, ReadABWriteD, false;
    SetLtU = "set_lt_u", 216, 216, RegRegReg, SetCompare, ReadABWriteD, false;
    SetLtS = "set_lt_s", 217, 217, RegRegReg, SetCompare, ReadABWriteD, false;
    CmovIz = "cmov_iz", 218, 218, RegRegReg, Cmov, ReadABDWriteD, false;
    CmovNz = "cmov_nz", 219, 219, RegRegReg, Cmov, ReadABDWriteD, false;
    RotL64 = "rot_l_64", 220, 220, RegRegReg, Shift64, ReadABWriteD, false;
    RotL32 = "rot_l_32", 221, 221, RegRegReg, Shift32, ReadABWriteD, false;
    RotR64 = "rot_r_64", 222, 222, RegRegReg, Shift64, ReadABWriteD, false;
    RotR32 = "rot_r_32", 223, 223, RegRegReg, Shift32, ReadABWriteD, false;
    AndInv = "and_inv", 224, 224, RegRegReg, Inverted, ReadABWriteD, false;
    OrInv = "or_inv", 225, 225, RegRegReg, Inverted, ReadABWriteD, false;
    Xnor = "xnor", 226, 226, RegRegReg, Xnor, ReadABWriteD, false;
    Max = "max", 227, 227, RegRegReg, MinMax, ReadABWriteD, false;
    MaxU = "max_u", 228, 228, RegRegReg, MinMax, ReadABWriteD, false;
    Min = "min", 229, 229, RegRegReg, MinMax, ReadABWriteD, false;
    MinU = "min_u", 230, 230, RegRegReg, MinMax, ReadABWriteD, false;
}

static TABLE_V0_8: [Option<Opcode>; 256] = build_table(GpVersion::V0_8);
static TABLE_V0_7: [Option<Opcode>; 256] = build_table(GpVersion::V0_7);

impl Opcode {
    /// Decodes an opcode byte under `version`'s numbering.
    #[inline]
    pub fn from_byte(byte: u8, version: GpVersion) -> Option<Opcode> {
        match version {
            GpVersion::V0_8 => TABLE_V0_8[byte as usize],
            GpVersion::V0_7 => TABLE_V0_7[byte as usize],
        }
    }

    /// Whether execution can continue to the next instruction after this one
    /// (PolkaVM requires the last instruction of a program to be one that cannot).
    pub const fn can_fall_through(self) -> bool {
        !matches!(
            self,
            Opcode::Trap
                | Opcode::Jump
                | Opcode::JumpInd
                | Opcode::LoadImmJump
                | Opcode::LoadImmJumpInd
        )
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
    fn terminators_are_the_gray_paper_set() {
        let count = Opcode::ALL.iter().filter(|o| o.is_terminator()).count();
        // trap, fallthrough, jump, jump_ind, load_imm_jump, load_imm_jump_ind + 16 branches
        assert_eq!(count, 22);
        assert_eq!(Opcode::ALL.iter().filter(|o| o.is_branch()).count(), 16);
    }
}
