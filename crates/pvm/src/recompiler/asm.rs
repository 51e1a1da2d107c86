//! A small x86-64 encoder: only the instructions the recompiler emits.
//!
//! Every method appends one instruction to [`Assembler::code`]. Operands are 64-bit unless
//! a method takes a [`Width`]. Memory operands are `[base + index * scale + disp]` or
//! `[rip + disp32]` (see [`Mem`]). Jumps to labels are emitted with a 32-bit displacement
//! and patched by [`Assembler::finish_labels`].

/// A general-purpose register (hardware numbering).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(u8)]
#[allow(dead_code)]
pub(crate) enum Reg {
    Rax = 0,
    Rcx = 1,
    Rdx = 2,
    Rbx = 3,
    Rsp = 4,
    Rbp = 5,
    Rsi = 6,
    Rdi = 7,
    R8 = 8,
    R9 = 9,
    R10 = 10,
    R11 = 11,
    R12 = 12,
    R13 = 13,
    R14 = 14,
    R15 = 15,
}

impl Reg {
    fn low(self) -> u8 {
        self as u8 & 7
    }
    fn high(self) -> u8 {
        (self as u8 >> 3) & 1
    }
}

/// Operand size of an integer instruction.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Width {
    W32,
    W64,
}

/// A memory operand.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Mem {
    /// `[base + disp]`.
    Base(Reg, i32),
    /// `[base + index * scale + disp]` (scale 1, 2, 4 or 8; index not rsp).
    Index(Reg, Reg, u8, i32),
    /// `[rip + disp]` to a label, patched later.
    Label(Label),
}

/// A jump or `lea` target, bound to an offset with [`Assembler::bind`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub(crate) struct Label(pub u32);

/// Condition codes (the low nibble of `jcc`/`setcc`/`cmovcc`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(u8)]
pub(crate) enum Cond {
    /// Unsigned below (carry).
    B = 0x2,
    /// Unsigned above or equal.
    Ae = 0x3,
    /// Equal (zero).
    E = 0x4,
    /// Not equal.
    Ne = 0x5,
    /// Unsigned below or equal.
    Be = 0x6,
    /// Unsigned above.
    A = 0x7,
    /// Signed less.
    L = 0xC,
    /// Signed greater or equal.
    Ge = 0xD,
    /// Signed less or equal.
    Le = 0xE,
    /// Signed greater.
    G = 0xF,
}

/// Two-operand ALU operations (`op r/m, r` opcodes; `/ext` for the immediate forms).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Alu {
    Add,
    Or,
    And,
    Sub,
    Xor,
    Cmp,
}

impl Alu {
    fn ext(self) -> u8 {
        match self {
            Alu::Add => 0,
            Alu::Or => 1,
            Alu::And => 4,
            Alu::Sub => 5,
            Alu::Xor => 6,
            Alu::Cmp => 7,
        }
    }
    /// The `op r, r/m` opcode.
    fn load_opcode(self) -> u8 {
        (self.ext() << 3) | 0x03
    }
}

/// Shift and rotate operations (`/ext` of `D3`/`C1`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Shift {
    Rol = 0,
    Ror = 1,
    Shl = 4,
    Shr = 5,
    Sar = 7,
}

/// One-operand `F7` group operations.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Unary {
    Not = 2,
    Neg = 3,
    Mul = 4,
    Imul = 5,
    Div = 6,
    Idiv = 7,
}

/// Load widths and extensions into a 64-bit register.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Load {
    U8,
    I8,
    U16,
    I16,
    U32,
    I32,
    U64,
}

/// Bit-counting instructions (`F3 0F xx`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum BitCount {
    Popcnt = 0xB8,
    Tzcnt = 0xBC,
    Lzcnt = 0xBD,
}

/// The `r/m` operand of an instruction.
#[derive(Clone, Copy)]
enum Rm {
    Reg(Reg),
    Mem(Mem),
}

/// An append-only code buffer with labels.
#[derive(Default)]
pub(crate) struct Assembler {
    /// The machine code so far.
    pub code: Vec<u8>,
    /// Label → bound offset (`u32::MAX` while unbound).
    labels: Vec<u32>,
    /// (offset of a rel32 field, label): patched to `label - (offset + 4)`.
    fixups: Vec<(u32, Label)>,
}

/// A label used before it was bound, or bound twice.
#[derive(Debug, PartialEq, Eq)]
pub(crate) struct UnboundLabel(pub Label);

impl Assembler {
    /// Empties the buffer, keeping its allocations.
    pub fn clear(&mut self) {
        self.code.clear();
        self.labels.clear();
        self.fixups.clear();
    }

    /// The current offset.
    pub fn offset(&self) -> u32 {
        self.code.len() as u32
    }

    /// A new unbound label.
    pub fn label(&mut self) -> Label {
        self.labels.push(u32::MAX);
        Label(self.labels.len() as u32 - 1)
    }

    /// Binds `label` to the current offset.
    pub fn bind(&mut self, label: Label) {
        debug_assert_eq!(self.labels[label.0 as usize], u32::MAX, "bound twice");
        self.labels[label.0 as usize] = self.offset();
    }

    /// The offset `label` is bound to, if bound.
    pub fn label_offset(&self, label: Label) -> Option<u32> {
        let offset = self.labels[label.0 as usize];
        (offset != u32::MAX).then_some(offset)
    }

    /// Patches every jump and `lea` to its label.
    pub fn finish_labels(&mut self) -> Result<(), UnboundLabel> {
        for &(at, label) in &self.fixups {
            let target = self.labels[label.0 as usize];
            if target == u32::MAX {
                return Err(UnboundLabel(label));
            }
            let rel = target as i64 - (at as i64 + 4);
            let at = at as usize;
            self.code[at..at + 4].copy_from_slice(&(rel as i32).to_le_bytes());
        }
        Ok(())
    }

    fn byte(&mut self, b: u8) {
        self.code.push(b);
    }

    fn u32(&mut self, v: u32) {
        self.code.extend_from_slice(&v.to_le_bytes());
    }

    fn rel32(&mut self, label: Label) {
        self.fixups.push((self.offset(), label));
        self.u32(0);
    }

    /// Emits `[prefix] [REX] opcode... ModRM [SIB] [disp]` for `reg` (or an opcode
    /// extension) and `rm`. `byte_regs` forces a REX prefix so that register numbers 4–7
    /// mean spl/bpl/sil/dil in 8-bit operations.
    fn op(&mut self, prefix: Option<u8>, w: bool, opcode: &[u8], reg: u8, rm: Rm, byte_regs: bool) {
        if let Some(p) = prefix {
            self.byte(p);
        }
        let r = (reg >> 3) & 1;
        let (x, b) = match rm {
            Rm::Reg(rm) => (0, rm.high()),
            Rm::Mem(Mem::Base(base, _)) => (0, base.high()),
            Rm::Mem(Mem::Index(base, index, _, _)) => (index.high(), base.high()),
            Rm::Mem(Mem::Label(_)) => (0, 0),
        };
        let rex = 0x40 | (u8::from(w) << 3) | (r << 2) | (x << 1) | b;
        let needs_byte_rex = byte_regs
            && (matches!(rm, Rm::Reg(rm) if (4..8).contains(&(rm as u8))) || (4..8).contains(&reg));
        if rex != 0x40 || needs_byte_rex {
            self.byte(rex);
        }
        self.code.extend_from_slice(opcode);
        let reg = reg & 7;
        match rm {
            Rm::Reg(rm) => self.byte(0xC0 | (reg << 3) | rm.low()),
            Rm::Mem(Mem::Label(label)) => {
                self.byte((reg << 3) | 0b101);
                self.rel32(label);
            }
            Rm::Mem(Mem::Base(base, disp)) => {
                let mode = disp_mode(disp, base.low() == 5);
                if base.low() == 4 {
                    self.byte((mode << 6) | (reg << 3) | 0b100);
                    self.byte(0x24);
                } else {
                    self.byte((mode << 6) | (reg << 3) | base.low());
                }
                self.disp(mode, disp);
            }
            Rm::Mem(Mem::Index(base, index, scale, disp)) => {
                debug_assert_ne!(index, Reg::Rsp);
                let mode = disp_mode(disp, base.low() == 5);
                let ss = match scale {
                    1 => 0,
                    2 => 1,
                    4 => 2,
                    _ => 3,
                };
                self.byte((mode << 6) | (reg << 3) | 0b100);
                self.byte((ss << 6) | (index.low() << 3) | base.low());
                self.disp(mode, disp);
            }
        }
    }

    fn disp(&mut self, mode: u8, disp: i32) {
        match mode {
            0 => {}
            1 => self.byte(disp as i8 as u8),
            _ => self.u32(disp as u32),
        }
    }

    // --- moves -------------------------------------------------------------------------

    /// `mov dst, src` (64-bit).
    pub fn mov_rr(&mut self, dst: Reg, src: Reg) {
        self.op(None, true, &[0x89], src as u8, Rm::Reg(dst), false);
    }

    /// `mov r64, [mem]`.
    pub fn load64(&mut self, dst: Reg, mem: Mem) {
        self.op(None, true, &[0x8B], dst as u8, Rm::Mem(mem), false);
    }

    /// `mov [mem], r64`.
    pub fn store64(&mut self, mem: Mem, src: Reg) {
        self.op(None, true, &[0x89], src as u8, Rm::Mem(mem), false);
    }

    /// A load of `kind` from `mem` into the whole of `dst` (zero- or sign-extended).
    pub fn load(&mut self, kind: Load, dst: Reg, mem: Mem) {
        let rm = Rm::Mem(mem);
        let d = dst as u8;
        match kind {
            Load::U8 => self.op(None, false, &[0x0F, 0xB6], d, rm, false),
            Load::I8 => self.op(None, true, &[0x0F, 0xBE], d, rm, false),
            Load::U16 => self.op(None, false, &[0x0F, 0xB7], d, rm, false),
            Load::I16 => self.op(None, true, &[0x0F, 0xBF], d, rm, false),
            Load::U32 => self.op(None, false, &[0x8B], d, rm, false),
            Load::I32 => self.op(None, true, &[0x63], d, rm, false),
            Load::U64 => self.op(None, true, &[0x8B], d, rm, false),
        }
    }

    /// A store of the low `bytes` (1, 2, 4 or 8) of `src` to `mem`.
    pub fn store(&mut self, bytes: u8, mem: Mem, src: Reg) {
        let rm = Rm::Mem(mem);
        let s = src as u8;
        match bytes {
            1 => self.op(None, false, &[0x88], s, rm, true),
            2 => self.op(Some(0x66), false, &[0x89], s, rm, false),
            4 => self.op(None, false, &[0x89], s, rm, false),
            _ => self.op(None, true, &[0x89], s, rm, false),
        }
    }

    /// `movsxd dst, src32`: sign-extends the low 32 bits.
    pub fn movsxd(&mut self, dst: Reg, src: Reg) {
        self.op(None, true, &[0x63], dst as u8, Rm::Reg(src), false);
    }

    /// `movsx dst, src8` / `movsx dst, src16` (64-bit destination).
    pub fn movsx_rr(&mut self, bytes: u8, dst: Reg, src: Reg) {
        let opcode = if bytes == 1 { 0xBE } else { 0xBF };
        self.op(
            None,
            true,
            &[0x0F, opcode],
            dst as u8,
            Rm::Reg(src),
            bytes == 1,
        );
    }

    /// `movzx dst32, src8` / `movzx dst32, src16`.
    pub fn movzx_rr(&mut self, bytes: u8, dst: Reg, src: Reg) {
        let opcode = if bytes == 1 { 0xB6 } else { 0xB7 };
        self.op(
            None,
            false,
            &[0x0F, opcode],
            dst as u8,
            Rm::Reg(src),
            bytes == 1,
        );
    }

    /// Loads a 64-bit constant in the shortest form.
    pub fn mov_imm(&mut self, dst: Reg, value: u64) {
        if value == 0 {
            self.alu_rr(Width::W32, Alu::Xor, dst, dst);
        } else if value <= u64::from(u32::MAX) {
            // mov r32, imm32 (zero-extends)
            if dst.high() != 0 {
                self.byte(0x41);
            }
            self.byte(0xB8 + dst.low());
            self.u32(value as u32);
        } else if value as i64 >= i64::from(i32::MIN) && (value as i64) < 0 {
            // mov r64, simm32
            self.op(None, true, &[0xC7], 0, Rm::Reg(dst), false);
            self.u32(value as u32);
        } else {
            self.byte(0x48 | dst.high());
            self.byte(0xB8 + dst.low());
            self.code.extend_from_slice(&value.to_le_bytes());
        }
    }

    /// Loads a 64-bit constant without touching the flags (never `xor`).
    pub fn mov_imm_keep_flags(&mut self, dst: Reg, value: u64) {
        if value == 0 {
            // mov r32, 0
            if dst.high() != 0 {
                self.byte(0x41);
            }
            self.byte(0xB8 + dst.low());
            self.u32(0);
        } else {
            self.mov_imm(dst, value);
        }
    }

    /// `mov dword [mem], imm32`.
    pub fn store_imm32(&mut self, mem: Mem, value: u32) {
        self.op(None, false, &[0xC7], 0, Rm::Mem(mem), false);
        self.u32(value);
    }

    /// `mov qword [mem], simm32` (sign-extended to 64 bits).
    pub fn store_imm64(&mut self, mem: Mem, value: i32) {
        self.op(None, true, &[0xC7], 0, Rm::Mem(mem), false);
        self.u32(value as u32);
    }

    /// `lea dst, [mem]`.
    pub fn lea(&mut self, dst: Reg, mem: Mem) {
        self.op(None, true, &[0x8D], dst as u8, Rm::Mem(mem), false);
    }

    /// `lea dst32, [mem]`: the address mod 2^32, zero-extended into `dst`.
    pub fn lea32(&mut self, dst: Reg, mem: Mem) {
        self.op(None, false, &[0x8D], dst as u8, Rm::Mem(mem), false);
    }

    // --- arithmetic --------------------------------------------------------------------

    /// `op dst, src`.
    pub fn alu_rr(&mut self, width: Width, op: Alu, dst: Reg, src: Reg) {
        let opcode = (op.ext() << 3) | 0x01;
        self.op(
            None,
            width == Width::W64,
            &[opcode],
            src as u8,
            Rm::Reg(dst),
            false,
        );
    }

    /// `op [mem], src`.
    pub fn alu_mr(&mut self, width: Width, op: Alu, mem: Mem, src: Reg) {
        let opcode = (op.ext() << 3) | 0x01;
        self.op(
            None,
            width == Width::W64,
            &[opcode],
            src as u8,
            Rm::Mem(mem),
            false,
        );
    }

    /// `op dst, [mem]`.
    pub fn alu_rm(&mut self, width: Width, op: Alu, dst: Reg, mem: Mem) {
        self.op(
            None,
            width == Width::W64,
            &[op.load_opcode()],
            dst as u8,
            Rm::Mem(mem),
            false,
        );
    }

    /// `op dst, imm` (sign-extended imm8 or imm32).
    pub fn alu_ri(&mut self, width: Width, op: Alu, dst: Reg, imm: i32) {
        self.alu_imm(width, op, Rm::Reg(dst), imm);
    }

    /// `op [mem], imm` (sign-extended imm8 or imm32).
    pub fn alu_mi(&mut self, width: Width, op: Alu, mem: Mem, imm: i32) {
        self.alu_imm(width, op, Rm::Mem(mem), imm);
    }

    fn alu_imm(&mut self, width: Width, op: Alu, rm: Rm, imm: i32) {
        let w = width == Width::W64;
        if let Ok(imm8) = i8::try_from(imm) {
            self.op(None, w, &[0x83], op.ext(), rm, false);
            self.byte(imm8 as u8);
        } else {
            self.op(None, w, &[0x81], op.ext(), rm, false);
            self.u32(imm as u32);
        }
    }

    /// `test a, b`.
    pub fn test_rr(&mut self, width: Width, a: Reg, b: Reg) {
        self.op(
            None,
            width == Width::W64,
            &[0x85],
            b as u8,
            Rm::Reg(a),
            false,
        );
    }

    /// `test r32, imm32`.
    pub fn test_ri32(&mut self, reg: Reg, imm: u32) {
        self.op(None, false, &[0xF7], 0, Rm::Reg(reg), false);
        self.u32(imm);
    }

    /// `imul dst, src` (low half).
    pub fn imul_rr(&mut self, width: Width, dst: Reg, src: Reg) {
        self.op(
            None,
            width == Width::W64,
            &[0x0F, 0xAF],
            dst as u8,
            Rm::Reg(src),
            false,
        );
    }

    /// `imul dst, src, imm32`.
    pub fn imul_rri(&mut self, width: Width, dst: Reg, src: Reg, imm: i32) {
        self.op(
            None,
            width == Width::W64,
            &[0x69],
            dst as u8,
            Rm::Reg(src),
            false,
        );
        self.u32(imm as u32);
    }

    /// The `F7` group: `not`, `neg`, `mul`, `imul`, `div`, `idiv` on `reg`.
    pub fn unary(&mut self, width: Width, op: Unary, reg: Reg) {
        self.op(
            None,
            width == Width::W64,
            &[0xF7],
            op as u8,
            Rm::Reg(reg),
            false,
        );
    }

    /// `cqo` (64-bit) or `cdq` (32-bit): sign-extends rax into rdx.
    pub fn sign_extend_rax(&mut self, width: Width) {
        if width == Width::W64 {
            self.byte(0x48);
        }
        self.byte(0x99);
    }

    /// `op reg, cl`.
    pub fn shift_cl(&mut self, width: Width, op: Shift, reg: Reg) {
        self.op(
            None,
            width == Width::W64,
            &[0xD3],
            op as u8,
            Rm::Reg(reg),
            false,
        );
    }

    /// `op reg, imm8`.
    pub fn shift_ri(&mut self, width: Width, op: Shift, reg: Reg, imm: u8) {
        self.op(
            None,
            width == Width::W64,
            &[0xC1],
            op as u8,
            Rm::Reg(reg),
            false,
        );
        self.byte(imm);
    }

    /// `bswap reg` (64-bit).
    pub fn bswap(&mut self, reg: Reg) {
        self.byte(0x48 | reg.high());
        self.byte(0x0F);
        self.byte(0xC8 + reg.low());
    }

    /// `popcnt`/`lzcnt`/`tzcnt dst, src`.
    pub fn bit_count(&mut self, width: Width, op: BitCount, dst: Reg, src: Reg) {
        self.op(
            Some(0xF3),
            width == Width::W64,
            &[0x0F, op as u8],
            dst as u8,
            Rm::Reg(src),
            false,
        );
    }

    /// `setcc dst8`.
    pub fn setcc(&mut self, cond: Cond, dst: Reg) {
        self.op(
            None,
            false,
            &[0x0F, 0x90 | cond as u8],
            0,
            Rm::Reg(dst),
            true,
        );
    }

    /// `cmovcc dst, src` (64-bit).
    pub fn cmov(&mut self, cond: Cond, dst: Reg, src: Reg) {
        self.op(
            None,
            true,
            &[0x0F, 0x40 | cond as u8],
            dst as u8,
            Rm::Reg(src),
            false,
        );
    }

    // --- control flow ------------------------------------------------------------------

    /// `jmp label` (rel32).
    pub fn jmp(&mut self, label: Label) {
        self.byte(0xE9);
        self.rel32(label);
    }

    /// `jcc label` (rel32).
    pub fn jcc(&mut self, cond: Cond, label: Label) {
        self.byte(0x0F);
        self.byte(0x80 | cond as u8);
        self.rel32(label);
    }

    /// `jmp reg`.
    pub fn jmp_reg(&mut self, reg: Reg) {
        self.op(None, false, &[0xFF], 4, Rm::Reg(reg), false);
    }

    /// `jmp qword [mem]`.
    pub fn jmp_mem(&mut self, mem: Mem) {
        self.op(None, false, &[0xFF], 4, Rm::Mem(mem), false);
    }

    /// `push reg`.
    pub fn push(&mut self, reg: Reg) {
        if reg.high() != 0 {
            self.byte(0x41);
        }
        self.byte(0x50 + reg.low());
    }

    /// `pop reg`.
    pub fn pop(&mut self, reg: Reg) {
        if reg.high() != 0 {
            self.byte(0x41);
        }
        self.byte(0x58 + reg.low());
    }

    /// `ret`.
    pub fn ret(&mut self) {
        self.byte(0xC3);
    }

    /// Appends raw bytes (jump-table data).
    pub fn data(&mut self, bytes: &[u8]) {
        self.code.extend_from_slice(bytes);
    }

    /// Pads with `int3` to a multiple of `align`.
    pub fn align(&mut self, align: usize) {
        while self.code.len() % align != 0 {
            self.byte(0xCC);
        }
    }
}

/// ModRM mode for a displacement: 0 (none), 1 (disp8) or 2 (disp32). A base with low bits
/// 101 (rbp, r13) has no mode-0 form.
fn disp_mode(disp: i32, base_is_bp: bool) -> u8 {
    if disp == 0 && !base_is_bp {
        0
    } else if i8::try_from(disp).is_ok() {
        1
    } else {
        2
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use Reg::*;

    fn enc(f: impl FnOnce(&mut Assembler)) -> Vec<u8> {
        let mut a = Assembler::default();
        f(&mut a);
        a.finish_labels().unwrap();
        a.code
    }

    // Expected bytes from the Intel SDM encodings (cross-checked with GNU as).
    #[test]
    fn moves() {
        assert_eq!(enc(|a| a.mov_rr(Rax, Rcx)), [0x48, 0x89, 0xC8]);
        assert_eq!(enc(|a| a.mov_rr(R15, Rdi)), [0x49, 0x89, 0xFF]);
        assert_eq!(
            enc(|a| a.load64(Rax, Mem::Base(R15, 8))),
            [0x49, 0x8B, 0x47, 0x08]
        );
        assert_eq!(
            enc(|a| a.load64(Rcx, Mem::Base(R15, 0x100))),
            [0x49, 0x8B, 0x8F, 0x00, 0x01, 0x00, 0x00]
        );
        assert_eq!(
            enc(|a| a.store64(Mem::Base(R15, 0), Rax)),
            [0x49, 0x89, 0x07]
        );
        assert_eq!(
            enc(|a| a.load64(Rax, Mem::Base(R13, 0))),
            [0x49, 0x8B, 0x45, 0x00]
        );
        assert_eq!(
            enc(|a| a.load64(Rax, Mem::Base(R12, 0))),
            [0x49, 0x8B, 0x04, 0x24]
        );
        assert_eq!(
            enc(|a| a.load64(Rax, Mem::Base(Rsp, 8))),
            [0x48, 0x8B, 0x44, 0x24, 0x08]
        );
        // mov rax, [r14 + rcx]
        assert_eq!(
            enc(|a| a.load(Load::U64, Rax, Mem::Index(R14, Rcx, 1, 0))),
            [0x49, 0x8B, 0x04, 0x0E]
        );
        // movzx eax, byte [r14 + rcx]
        assert_eq!(
            enc(|a| a.load(Load::U8, Rax, Mem::Index(R14, Rcx, 1, 0))),
            [0x41, 0x0F, 0xB6, 0x04, 0x0E]
        );
        // movsx rax, word [r14 + rcx]
        assert_eq!(
            enc(|a| a.load(Load::I16, Rax, Mem::Index(R14, Rcx, 1, 0))),
            [0x49, 0x0F, 0xBF, 0x04, 0x0E]
        );
        // movsxd rax, dword [r14 + rcx]
        assert_eq!(
            enc(|a| a.load(Load::I32, Rax, Mem::Index(R14, Rcx, 1, 0))),
            [0x49, 0x63, 0x04, 0x0E]
        );
        // mov [r14 + rcx], dl / dx / edx
        assert_eq!(
            enc(|a| a.store(1, Mem::Index(R14, Rcx, 1, 0), Rdx)),
            [0x41, 0x88, 0x14, 0x0E]
        );
        assert_eq!(
            enc(|a| a.store(1, Mem::Index(R14, Rcx, 1, 0), Rsi)),
            [0x41, 0x88, 0x34, 0x0E]
        );
        assert_eq!(
            enc(|a| a.store(2, Mem::Index(R14, Rcx, 1, 0), Rdx)),
            [0x66, 0x41, 0x89, 0x14, 0x0E]
        );
        // mov [r13 + rax*8 + 16], rdx  -> base r13 needs a displacement
        assert_eq!(
            enc(|a| a.store64(Mem::Index(R13, Rax, 8, 16), Rdx)),
            [0x49, 0x89, 0x54, 0xC5, 0x10]
        );
        assert_eq!(enc(|a| a.movsxd(Rax, Rax)), [0x48, 0x63, 0xC0]);
        assert_eq!(enc(|a| a.movsx_rr(1, Rax, Rax)), [0x48, 0x0F, 0xBE, 0xC0]);
        assert_eq!(enc(|a| a.movsx_rr(2, Rax, Rax)), [0x48, 0x0F, 0xBF, 0xC0]);
        assert_eq!(enc(|a| a.movzx_rr(2, Rax, Rax)), [0x0F, 0xB7, 0xC0]);
        assert_eq!(enc(|a| a.movzx_rr(1, Rax, Rsi)), [0x40, 0x0F, 0xB6, 0xC6]);
    }

    #[test]
    fn immediates() {
        assert_eq!(enc(|a| a.mov_imm(Rax, 0)), [0x31, 0xC0]);
        assert_eq!(enc(|a| a.mov_imm(Rdx, 7)), [0xBA, 7, 0, 0, 0]);
        assert_eq!(enc(|a| a.mov_imm_keep_flags(Rcx, 0)), [0xB9, 0, 0, 0, 0]);
        assert_eq!(
            enc(|a| a.store_imm32(Mem::Base(R15, 8), 5)),
            [0x41, 0xC7, 0x47, 0x08, 5, 0, 0, 0]
        );
        assert_eq!(
            enc(|a| a.store64(Mem::Base(Rsp, 16), Rdx)),
            [0x48, 0x89, 0x54, 0x24, 0x10]
        );
        assert_eq!(enc(|a| a.mov_imm(R9, 7)), [0x41, 0xB9, 7, 0, 0, 0]);
        assert_eq!(
            enc(|a| a.mov_imm(Rax, u64::MAX)),
            [0x48, 0xC7, 0xC0, 0xFF, 0xFF, 0xFF, 0xFF]
        );
        assert_eq!(
            enc(|a| a.mov_imm(Rcx, 0x1_0000_0000)),
            [0x48, 0xB9, 0, 0, 0, 0, 1, 0, 0, 0]
        );
        assert_eq!(
            enc(|a| a.store_imm64(Mem::Base(R15, 8), -1)),
            [0x49, 0xC7, 0x47, 0x08, 0xFF, 0xFF, 0xFF, 0xFF]
        );
    }

    #[test]
    fn arithmetic() {
        assert_eq!(
            enc(|a| a.alu_rr(Width::W64, Alu::Add, Rax, Rcx)),
            [0x48, 0x01, 0xC8]
        );
        assert_eq!(
            enc(|a| a.alu_rr(Width::W32, Alu::Sub, Rax, Rcx)),
            [0x29, 0xC8]
        );
        assert_eq!(
            enc(|a| a.alu_rr(Width::W64, Alu::Cmp, Rax, Rcx)),
            [0x48, 0x39, 0xC8]
        );
        assert_eq!(
            enc(|a| a.alu_rm(Width::W64, Alu::Add, Rax, Mem::Base(R15, 16))),
            [0x49, 0x03, 0x47, 0x10]
        );
        assert_eq!(
            enc(|a| a.alu_ri(Width::W64, Alu::And, Rax, 1)),
            [0x48, 0x83, 0xE0, 1]
        );
        assert_eq!(
            enc(|a| a.alu_mr(Width::W64, Alu::Sub, Mem::Base(R15, 8), Rax)),
            [0x49, 0x29, 0x47, 0x08]
        );
        assert_eq!(
            enc(|a| a.alu_ri(Width::W32, Alu::Cmp, Rax, 0x1000)),
            [0x81, 0xF8, 0, 0x10, 0, 0]
        );
        // sub qword [r15 + 0x80], 1000
        assert_eq!(
            enc(|a| a.alu_mi(Width::W64, Alu::Sub, Mem::Base(R15, 0x80), 1000)),
            [0x49, 0x81, 0xAF, 0x80, 0, 0, 0, 0xE8, 0x03, 0, 0]
        );
        assert_eq!(enc(|a| a.test_rr(Width::W64, Rcx, Rcx)), [0x48, 0x85, 0xC9]);
        // mov rax, [rbp + rcx] (rbp as a base needs a zero disp8)
        assert_eq!(
            enc(|a| a.load64(Rax, Mem::Index(Rbp, Rcx, 1, 0))),
            [0x48, 0x8B, 0x44, 0x0D, 0x00]
        );
        assert_eq!(enc(|a| a.test_ri32(Rax, 1)), [0xF7, 0xC0, 1, 0, 0, 0]);
        assert_eq!(
            enc(|a| a.imul_rr(Width::W64, Rax, Rcx)),
            [0x48, 0x0F, 0xAF, 0xC1]
        );
        assert_eq!(
            enc(|a| a.imul_rri(Width::W32, Rax, Rax, 3)),
            [0x69, 0xC0, 3, 0, 0, 0]
        );
        assert_eq!(
            enc(|a| a.unary(Width::W64, Unary::Div, Rcx)),
            [0x48, 0xF7, 0xF1]
        );
        assert_eq!(enc(|a| a.unary(Width::W32, Unary::Idiv, Rcx)), [0xF7, 0xF9]);
        assert_eq!(
            enc(|a| a.unary(Width::W64, Unary::Neg, Rax)),
            [0x48, 0xF7, 0xD8]
        );
        assert_eq!(
            enc(|a| a.unary(Width::W64, Unary::Not, Rcx)),
            [0x48, 0xF7, 0xD1]
        );
        assert_eq!(
            enc(|a| a.unary(Width::W64, Unary::Mul, Rcx)),
            [0x48, 0xF7, 0xE1]
        );
        assert_eq!(enc(|a| a.sign_extend_rax(Width::W64)), [0x48, 0x99]);
        assert_eq!(enc(|a| a.sign_extend_rax(Width::W32)), [0x99]);
        assert_eq!(
            enc(|a| a.shift_cl(Width::W64, Shift::Shl, Rax)),
            [0x48, 0xD3, 0xE0]
        );
        assert_eq!(
            enc(|a| a.shift_cl(Width::W32, Shift::Sar, Rax)),
            [0xD3, 0xF8]
        );
        assert_eq!(
            enc(|a| a.shift_cl(Width::W64, Shift::Ror, Rax)),
            [0x48, 0xD3, 0xC8]
        );
        assert_eq!(
            enc(|a| a.shift_ri(Width::W32, Shift::Shr, Rax, 12)),
            [0xC1, 0xE8, 12]
        );
        assert_eq!(enc(|a| a.bswap(Rax)), [0x48, 0x0F, 0xC8]);
        assert_eq!(
            enc(|a| a.bit_count(Width::W64, BitCount::Popcnt, Rax, Rax)),
            [0xF3, 0x48, 0x0F, 0xB8, 0xC0]
        );
        assert_eq!(
            enc(|a| a.bit_count(Width::W32, BitCount::Lzcnt, Rax, Rax)),
            [0xF3, 0x0F, 0xBD, 0xC0]
        );
        assert_eq!(enc(|a| a.setcc(Cond::B, Rax)), [0x0F, 0x92, 0xC0]);
        assert_eq!(enc(|a| a.cmov(Cond::L, Rax, Rcx)), [0x48, 0x0F, 0x4C, 0xC1]);
        assert_eq!(
            enc(|a| a.lea(Rcx, Mem::Base(Rax, 4))),
            [0x48, 0x8D, 0x48, 0x04]
        );
        // lea ecx, [r12 + 0x10]; lea ecx, [rbx - 1] (32-bit: no REX.W)
        assert_eq!(
            enc(|a| a.lea32(Rcx, Mem::Base(R12, 0x10))),
            [0x41, 0x8D, 0x4C, 0x24, 0x10]
        );
        assert_eq!(
            enc(|a| a.lea32(Rcx, Mem::Base(Rbx, -1))),
            [0x8D, 0x4B, 0xFF]
        );
    }

    #[test]
    fn control_flow_and_labels() {
        assert_eq!(enc(|a| a.jmp_reg(Rcx)), [0xFF, 0xE1]);
        assert_eq!(
            enc(|a| a.jmp_mem(Mem::Index(Rcx, Rax, 8, 0))),
            [0xFF, 0x24, 0xC1]
        );
        assert_eq!(enc(|a| a.push(R15)), [0x41, 0x57]);
        assert_eq!(enc(|a| a.pop(Rbx)), [0x5B]);
        // A backward and a forward jump: rel32 counted from the end of the instruction.
        let code = enc(|a| {
            let top = a.label();
            let end = a.label();
            a.bind(top);
            a.jcc(Cond::E, end);
            a.jmp(top);
            a.bind(end);
            a.ret();
        });
        assert_eq!(
            code,
            [0x0F, 0x84, 5, 0, 0, 0, 0xE9, 0xF5, 0xFF, 0xFF, 0xFF, 0xC3]
        );
        // lea rcx, [rip + label]
        let code = enc(|a| {
            let table = a.label();
            a.lea(Rcx, Mem::Label(table));
            a.bind(table);
        });
        assert_eq!(code, [0x48, 0x8D, 0x0D, 0, 0, 0, 0]);
        let mut a = Assembler::default();
        let nowhere = a.label();
        a.jmp(nowhere);
        assert_eq!(a.finish_labels(), Err(UnboundLabel(nowhere)));
    }
}
