//! One pass over `Program.instrs` → x86-64 code in an executable mapping.
//!
//! Register use in generated code: guest registers r0..r11 live in host registers (see
//! [`HOST`]) and r12 (a5, the least used) in a stack-frame slot; rbp = the guest memory
//! base; rax and rcx are scratch. The stack frame (rsp, fixed for the whole run: generated
//! code never pushes or calls) holds the gas counter, the exit index, r12, the pointer to
//! `Core.regs` and two spill slots (rdx, a guest register, around `div`/`mul`, which
//! clobber it). The trampoline copies the guest registers, gas and index from `Core` on
//! entry and every exit copies them back, so between runs (and while the interpreter steps
//! an instruction) the state is all in `Core`. An exit leaves the kind (and the host-call
//! id) in rax.
//!
//! Guest memory is accessed directly at `base + zero-extended 32-bit address`: the memory's
//! host protection mirrors its page table (`Memory::enable_native_protection`), a guard
//! follows the 4 GiB space, and every access instruction's offset is listed in the
//! module's [`FaultMap`], so a forbidden access faults into the signal handler
//! (`signal.rs`), which resumes at the landing code: "step this instruction in the
//! interpreter".

use std::cell::RefCell;
use std::mem::offset_of;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::OnceLock;

use super::asm::{Alu, Assembler, BitCount, Cond, Label, Load, Mem, Reg, Shift, Unary, Width};
use super::exec::ExecMemory;
use super::signal::FaultMap;
use super::CompileError;
use crate::exit::HALT_ADDRESS;
use crate::isa::Opcode;
use crate::program::{Instr, Program, NO_INDEX};
use crate::state::Core;

use Reg::{Rax, Rcx, Rdx, Rsp};

/// Guest register i → its host register (`None`: kept in the frame slot [`R12_SLOT`]: a5,
/// the least used argument register; every other host register but rsp, the base and the
/// two scratch registers holds a guest register).
const HOST: [Option<Reg>; 13] = [
    Some(Reg::Rbx),
    Some(Reg::Rsi),
    Some(Reg::Rdi),
    Some(Reg::R8),
    Some(Reg::R9),
    Some(Reg::R10),
    Some(Reg::R11),
    Some(Reg::R12),
    Some(Reg::R13),
    Some(Reg::R14),
    Some(Reg::R15),
    Some(Rdx),
    None,
];

/// The guest memory base, for the whole run.
const BASE: Reg = Reg::Rbp;

/// Stack frame of generated code: gas (u64), exit index (u32), spills, r12, `&Core.regs`.
const FRAME: i32 = 48;
const GAS: Mem = Mem::Base(Rsp, 0);
const INDEX: Mem = Mem::Base(Rsp, 8);
const SPILL: Mem = Mem::Base(Rsp, 16);
const SPILL2: Mem = Mem::Base(Rsp, 24);
const R12_SLOT: Mem = Mem::Base(Rsp, 32);
const REGS: Mem = Mem::Base(Rsp, 40);
use Width::{W32, W64};

/// Exit kinds (low 32 bits of the entry function's result).
pub(crate) const EXIT_HALT: u32 = 0;
pub(crate) const EXIT_PANIC: u32 = 1;
pub(crate) const EXIT_OUT_OF_GAS: u32 = 2;
/// The high 32 bits carry the call id.
pub(crate) const EXIT_HOST_CALL: u32 = 3;
/// Run instruction `Core.index` in the interpreter, then come back.
pub(crate) const EXIT_STEP: u32 = 4;

/// Programs beyond this many instructions are refused (the code for one instruction is at
/// most ~100 bytes, so this keeps code under 1 GiB and offsets in 32 bits).
pub(crate) const MAX_INSTRUCTIONS: usize = 1 << 23;
const MAX_CODE: usize = 1 << 30;

/// Offsets from `&core.regs`.
fn reg_offset(slot: u8) -> i32 {
    i32::from(slot) * 8
}
fn gas_offset() -> i32 {
    offset_of!(Core, gas) as i32 - offset_of!(Core, regs) as i32
}
fn index_offset() -> i32 {
    offset_of!(Core, index) as i32 - offset_of!(Core, regs) as i32
}

/// The home of a guest register that has no host register.
fn reg(slot: u8) -> Mem {
    debug_assert!(HOST[usize::from(slot)].is_none());
    R12_SLOT
}

/// A program's machine code, shared by all its recompiler instances.
pub(crate) struct Module {
    code: ExecMemory,
    /// Instruction index → offset of its already-paid entry.
    body: Box<[u32]>,
    /// The guest memory accesses, for the signal handler.
    faults: FaultMap,
}

impl std::fmt::Debug for Module {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Module")
            .field("code_bytes", &self.code.len())
            .field("instructions", &self.body.len())
            .finish()
    }
}

/// The signature of the entry trampoline at offset 0.
pub(crate) type EntryFn =
    unsafe extern "sysv64" fn(regs: *mut u64, base: *mut u8, at: *const u8) -> u64;

impl Module {
    /// The trampoline that enters generated code.
    pub(crate) fn entry(&self) -> EntryFn {
        // SAFETY: offset 0 of the mapping holds the trampoline emitted by `prologue`, an
        // `extern "sysv64"` function of this signature; the mapping is executable.
        unsafe { std::mem::transmute::<*const u8, EntryFn>(self.code.as_ptr()) }
    }

    /// Where the module's guest memory accesses are.
    pub(crate) fn fault_map(&self) -> &FaultMap {
        &self.faults
    }

    /// The native address of instruction `index`'s already-paid entry.
    pub(crate) fn body(&self, index: u32) -> *const u8 {
        let offset = self.body[index as usize] as usize;
        // SAFETY: body offsets lie inside the mapping.
        unsafe { self.code.as_ptr().add(offset) }
    }

    /// Compiles `program` (preparing large programs' blocks on a second thread: see
    /// [`prepare_in_background`]).
    pub(crate) fn compile(program: &Program) -> Result<Module, CompileError> {
        Module::compile_with(program, Preparation::Auto)
    }

    /// Compiles `program`, with the unprepared blocks prepared as `preparation` says.
    fn compile_with(program: &Program, preparation: Preparation) -> Result<Module, CompileError> {
        for (name, present) in [
            ("popcnt", std::is_x86_feature_detected!("popcnt")),
            ("lzcnt", std::is_x86_feature_detected!("lzcnt")),
            ("bmi1 (tzcnt)", std::is_x86_feature_detected!("bmi1")),
        ] {
            if !present {
                return Err(CompileError::MissingCpuFeature(name));
            }
        }
        let instructions = program.instruction_count();
        if instructions > MAX_INSTRUCTIONS {
            return Err(CompileError::TooLarge {
                instructions,
                limit: MAX_INSTRUCTIONS,
            });
        }
        thread_local! {
            static BUFFER: RefCell<Assembler> = RefCell::new(Assembler::default());
        }
        let flag = AtomicBool::new(false);
        std::thread::scope(|scope| {
            let preparing = prepare_in_background(program, scope, preparation, &flag);
            BUFFER.with(|buffer| Module::compile_in(&mut buffer.borrow_mut(), program, preparing))
        })
    }

    /// [`Module::compile`] with `buffer`, the thread's reusable assembler.
    fn compile_in(
        buffer: &mut Assembler,
        program: &Program,
        preparing: Option<&AtomicBool>,
    ) -> Result<Module, CompileError> {
        buffer.clear();
        let mut compiler = Compiler::new(buffer, program, preparing);
        compiler.program();
        let body: Vec<u32> = compiler
            .body
            .iter()
            .map(|&l| compiler.asm.label_offset(l).expect("every body is bound"))
            .collect();
        let table = compiler.table;
        let landing = compiler.landing;
        let table_entries = compiler.table_entries.clone();
        let offsets: Box<[u32]> = compiler.fault_offsets.iter().copied().collect();
        let indices: Box<[u32]> = compiler.fault_indices.iter().copied().collect();
        let asm = buffer;
        asm.finish_labels()
            .map_err(|e| CompileError::Map(format!("internal: unbound label {:?}", e.0)))?;
        if asm.code.len() > MAX_CODE {
            return Err(CompileError::CodeTooLarge(asm.code.len()));
        }
        let mut code = ExecMemory::new(asm.code.len())?;
        let base = code.as_ptr() as u64;
        let table_at = asm.label_offset(table).expect("table bound") as usize;
        for (slot, &label) in table_entries.iter().enumerate() {
            let target = base + u64::from(asm.label_offset(label).expect("bound"));
            let at = table_at + 8 * slot;
            asm.code[at..at + 8].copy_from_slice(&target.to_le_bytes());
        }
        code.write_and_seal(&asm.code)?;
        let faults = FaultMap {
            start: code.as_ptr() as usize,
            len: asm.code.len(),
            offsets,
            indices,
            landing: code.as_ptr() as usize
                + asm.label_offset(landing).expect("landing bound") as usize,
        };
        Ok(Module {
            code,
            body: body.into_boxed_slice(),
            faults,
        })
    }
}

/// Where compiling prepares the blocks that are not prepared yet.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Preparation {
    /// On a second thread for large programs when there is more than one CPU, else here.
    Auto,
    /// On the compiling thread, as it reaches them (for tests).
    #[cfg_attr(not(test), allow(dead_code))]
    OnThisThread,
    /// On a second thread whatever the program's size (for tests).
    #[cfg_attr(not(test), allow(dead_code))]
    InBackground,
}

/// Programs with fewer blocks than this are prepared on the compiling thread: starting a
/// thread (tens of µs) would cost more than preparing them.
const BACKGROUND_MIN_BLOCKS: usize = 256;

/// Stack of the preparing thread (preparation needs little; a small stack starts faster).
const BACKGROUND_STACK: usize = 256 * 1024;

/// Starts preparing every block of `program` (decoding and the pipeline gas model: about
/// half of compile time for large programs) on a thread of `scope`, so that the compiling
/// thread generates code for block n while block n + 1 is being prepared. Only for large,
/// mostly unprepared programs and with more than one CPU; returns whether a thread was
/// started (when starting one fails, the compiling thread prepares everything itself). The
/// result is the same either way: preparation is the program's own, published block by
/// block (`program::store`).
fn prepare_in_background<'scope>(
    program: &'scope Program,
    scope: &'scope std::thread::Scope<'scope, '_>,
    preparation: Preparation,
    preparing: &'scope AtomicBool,
) -> Option<&'scope AtomicBool> {
    static SEVERAL_CPUS: OnceLock<bool> = OnceLock::new();
    let worth_it = match preparation {
        Preparation::Auto => {
            program.block_count() >= BACKGROUND_MIN_BLOCKS
                && program.prepared_block_count() < program.block_count() / 2
                && *SEVERAL_CPUS.get_or_init(|| {
                    std::thread::available_parallelism().is_ok_and(|cpus| cpus.get() > 1)
                })
        }
        Preparation::OnThisThread => false,
        Preparation::InBackground => true,
    };
    if !worth_it {
        return None;
    }
    preparing.store(true, Ordering::Release);
    let spawned = std::thread::Builder::new()
        .name("pvm-prepare".into())
        .stack_size(BACKGROUND_STACK)
        .spawn_scoped(scope, move || {
            // Cleared however preparation ends, so that the compiler never waits for a
            // thread that is gone.
            let _done = ClearOnDrop(preparing);
            program.prepare_all();
        });
    match spawned {
        Ok(_) => Some(preparing),
        Err(_) => {
            preparing.store(false, Ordering::Release);
            None
        }
    }
}

/// Clears the flag when dropped.
struct ClearOnDrop<'a>(&'a AtomicBool);

impl Drop for ClearOnDrop<'_> {
    fn drop(&mut self) {
        self.0.store(false, Ordering::Release);
    }
}

/// An out-of-line exit: `mov edx, index; mov eax, kind; jmp exit`.
struct ExitStub {
    label: Label,
    index: u32,
    kind: u32,
}

/// An out-of-line out-of-gas exit: refund `cost`, exit at `index`.
struct GasStub {
    label: Label,
    index: u32,
    cost: u32,
}

struct Compiler<'a> {
    asm: &'a mut Assembler,
    program: &'a Program,
    /// While set, another thread is preparing every block ([`prepare_in_background`]).
    preparing: Option<&'a AtomicBool>,
    /// The instructions of the block being compiled, which starts at `block_first`.
    block: &'a [Instr],
    block_first: u32,
    block_start: Vec<u32>,
    jump_targets: Vec<u32>,
    /// Instruction index → its already-paid entry.
    body: Vec<Label>,
    /// Instruction index → its charge-then-run entry, once referenced (or emitted).
    charge: Vec<Option<Label>>,
    /// Charge entries that are not block starts (past `unlikely` hints): out of line.
    redirected: Vec<u32>,
    exits: Vec<ExitStub>,
    gas_stubs: Vec<GasStub>,
    /// Offsets of the guest memory access instructions (ascending) and their instruction
    /// indices.
    fault_offsets: Vec<u32>,
    fault_indices: Vec<u32>,
    /// Common exit: copies the state back to `Core`, returns rax.
    exit: Label,
    /// Where the signal handler resumes a faulting access: eax = its instruction index.
    landing: Label,
    halt: Label,
    panic: Label,
    table: Label,
    table_entries: Vec<Label>,
}

impl<'a> Compiler<'a> {
    fn new(
        asm: &'a mut Assembler,
        program: &'a Program,
        preparing: Option<&'a AtomicBool>,
    ) -> Compiler<'a> {
        let n = program.instruction_count();
        let body = (0..n).map(|_| asm.label()).collect();
        let exit = asm.label();
        let landing = asm.label();
        let halt = asm.label();
        let panic = asm.label();
        let table = asm.label();
        Compiler {
            asm,
            program,
            preparing,
            block: &[],
            block_first: 0,
            block_start: program.block_start_indices(),
            jump_targets: program.jump_slot_targets(),
            body,
            charge: vec![None; n],
            redirected: Vec::new(),
            exits: Vec::new(),
            gas_stubs: Vec::new(),
            fault_offsets: Vec::new(),
            fault_indices: Vec::new(),
            exit,
            landing,
            halt,
            panic,
            table,
            table_entries: Vec::new(),
        }
    }

    fn program(&mut self) {
        self.prologue();
        for index in 0..self.program.instruction_count() as u32 {
            if self.block_start[index as usize] == index {
                self.block = self.program.prepared_block(index as usize, self.preparing);
                self.block_first = index;
                let label = self.charge_label(index);
                self.asm.bind(label);
                self.gas_check(index);
            }
            self.asm.bind(self.body[index as usize]);
            self.instruction(index);
        }
        // Out-of-line parts.
        let mut at = 0;
        while at < self.redirected.len() {
            let index = self.redirected[at];
            at += 1;
            let label = self.charge[index as usize].expect("created with the entry");
            self.asm.bind(label);
            self.gas_check(index);
            self.asm.jmp(self.body[index as usize]);
        }
        for stub in std::mem::take(&mut self.gas_stubs) {
            self.asm.bind(stub.label);
            self.refund(stub.cost);
            self.set_index(stub.index);
            self.asm.mov_imm(Rax, u64::from(EXIT_OUT_OF_GAS));
            self.asm.jmp(self.exit);
        }
        for stub in std::mem::take(&mut self.exits) {
            self.asm.bind(stub.label);
            self.set_index(stub.index);
            self.asm.mov_imm(Rax, u64::from(stub.kind));
            self.asm.jmp(self.exit);
        }
        // The dynamic-jump table: absolute addresses, filled in once the code is mapped.
        self.asm.align(8);
        self.asm.bind(self.table);
        let targets: Vec<u32> = self.jump_targets.to_vec();
        for target in targets {
            let label = if target == NO_INDEX {
                self.panic
            } else {
                self.charge_label(target)
            };
            self.table_entries.push(label);
            self.asm.data(&[0; 8]);
        }
        // Redirected entries referenced only by the table.
        while at < self.redirected.len() {
            let index = self.redirected[at];
            at += 1;
            let label = self.charge[index as usize].expect("created with the entry");
            self.asm.bind(label);
            self.gas_check(index);
            self.asm.jmp(self.body[index as usize]);
        }
        // Gas stubs of those.
        for stub in std::mem::take(&mut self.gas_stubs) {
            self.asm.bind(stub.label);
            self.refund(stub.cost);
            self.set_index(stub.index);
            self.asm.mov_imm(Rax, u64::from(EXIT_OUT_OF_GAS));
            self.asm.jmp(self.exit);
        }
    }

    /// Offset 0: the entry trampoline; then the common exits.
    fn prologue(&mut self) {
        // The callee-saved registers of the System V ABI, all used for guest registers.
        const SAVED: [Reg; 6] = [Reg::Rbx, Reg::Rbp, Reg::R12, Reg::R13, Reg::R14, Reg::R15];
        // Arguments: rdi = &Core.regs, rsi = base, rdx = the entry address.
        let regs = Reg::Rdi;
        let a = &mut *self.asm;
        for reg in SAVED {
            a.push(reg);
        }
        a.alu_ri(W64, Alu::Sub, Rsp, FRAME);
        a.store64(REGS, regs);
        a.mov_rr(BASE, Reg::Rsi);
        a.mov_rr(Rax, Rdx);
        a.load64(Rcx, Mem::Base(regs, gas_offset()));
        a.store64(GAS, Rcx);
        a.load(Load::U32, Rcx, Mem::Base(regs, index_offset()));
        a.store(4, INDEX, Rcx);
        a.load64(Rcx, Mem::Base(regs, reg_offset(12)));
        a.store64(R12_SLOT, Rcx);
        // Load the guest registers, the one living in rdi (the pointer) last.
        for (slot, host) in HOST.iter().enumerate() {
            match *host {
                Some(host) if host != regs => {
                    a.load64(host, Mem::Base(regs, reg_offset(slot as u8)))
                }
                _ => {}
            }
        }
        for (slot, host) in HOST.iter().enumerate() {
            if *host == Some(regs) {
                a.load64(regs, Mem::Base(regs, reg_offset(slot as u8)));
            }
        }
        a.jmp_reg(Rax);
        // The exit: rax (the exit kind) is kept; rcx = &Core.regs.
        a.bind(self.exit);
        a.load64(Rcx, REGS);
        for (slot, host) in HOST.iter().enumerate() {
            if let Some(host) = *host {
                a.store64(Mem::Base(Rcx, reg_offset(slot as u8)), host);
            }
        }
        let free = Reg::Rbx;
        a.load64(free, R12_SLOT);
        a.store64(Mem::Base(Rcx, reg_offset(12)), free);
        a.load64(free, GAS);
        a.store64(Mem::Base(Rcx, gas_offset()), free);
        a.load(Load::U32, free, INDEX);
        a.store(4, Mem::Base(Rcx, index_offset()), free);
        a.alu_ri(W64, Alu::Add, Rsp, FRAME);
        for reg in SAVED.iter().rev() {
            a.pop(*reg);
        }
        a.ret();
        a.bind(self.landing);
        a.store(4, INDEX, Rax);
        a.mov_imm(Rax, u64::from(EXIT_STEP));
        a.jmp(self.exit);
        a.bind(self.halt);
        a.mov_imm(Rax, u64::from(EXIT_HALT));
        a.jmp(self.exit);
        a.bind(self.panic);
        a.mov_imm(Rax, u64::from(EXIT_PANIC));
        a.jmp(self.exit);
    }

    /// The charge-then-run entry of `index` (a block start or a redirected jump target).
    fn charge_label(&mut self, index: u32) -> Label {
        if let Some(label) = self.charge[index as usize] {
            return label;
        }
        let label = self.asm.label();
        self.charge[index as usize] = Some(label);
        if self.block_start[index as usize] != index {
            self.redirected.push(index);
        }
        label
    }

    /// `gas -= cost` or exit out of gas at `index` with gas unchanged.
    fn gas_check(&mut self, index: u32) {
        // Every entry this is asked for is published by now: block starts as their block
        // is compiled, the entries past `unlikely` hints with their block, before the
        // out-of-line code that charges them.
        let cost = self.program.published_entry_cost(index);
        if cost == 0 {
            return;
        }
        let gas = GAS;
        if let Ok(imm) = i32::try_from(cost) {
            self.asm.alu_mi(W64, Alu::Sub, gas, imm);
        } else {
            self.asm.mov_imm(Rax, u64::from(cost));
            self.asm.alu_mr(W64, Alu::Sub, gas, Rax);
        }
        let label = self.asm.label();
        self.asm.jcc(Cond::B, label);
        self.gas_stubs.push(GasStub { label, index, cost });
    }

    fn refund(&mut self, cost: u32) {
        let gas = GAS;
        if let Ok(imm) = i32::try_from(cost) {
            self.asm.alu_mi(W64, Alu::Add, gas, imm);
        } else {
            self.asm.mov_imm(Rax, u64::from(cost));
            self.asm.alu_mr(W64, Alu::Add, gas, Rax);
        }
    }

    fn exit_stub(&mut self, kind: u32, index: u32) -> Label {
        let label = self.asm.label();
        self.exits.push(ExitStub { label, index, kind });
        label
    }

    /// The exit index (`Core.index` once the exit copied it back) = `index`.
    fn set_index(&mut self, index: u32) {
        self.asm.store_imm32(INDEX, index);
    }

    fn exit_now(&mut self, kind: u64, index: u32) {
        self.set_index(index);
        self.asm.mov_imm(Rax, kind);
        self.asm.jmp(self.exit);
    }

    /// Where a taken static jump goes: the target's charge entry, or a panic at `index`.
    fn static_target(&mut self, target: u32, index: u32) -> Label {
        if target == NO_INDEX {
            self.exit_stub(EXIT_PANIC, index)
        } else {
            self.charge_label(target)
        }
    }

    // --- operand helpers ---------------------------------------------------------------

    /// scratch `dst` = guest register `slot`.
    fn ld(&mut self, dst: Reg, slot: u8) {
        match HOST[usize::from(slot)] {
            Some(host) => self.asm.mov_rr(dst, host),
            None => self.asm.load64(dst, reg(slot)),
        }
    }

    /// guest register `slot` = scratch `src`.
    fn st(&mut self, slot: u8, src: Reg) {
        match HOST[usize::from(slot)] {
            Some(host) => self.asm.mov_rr(host, src),
            None => self.asm.store64(reg(slot), src),
        }
    }

    /// A register holding guest register `slot`: its host register, or `scratch` loaded
    /// with it. Read only.
    fn src(&mut self, slot: u8, scratch: Reg) -> Reg {
        match HOST[usize::from(slot)] {
            Some(host) => host,
            None => {
                self.asm.load64(scratch, reg(slot));
                scratch
            }
        }
    }

    /// `op dst, r_slot`.
    fn alu_src(&mut self, width: Width, op: Alu, dst: Reg, slot: u8) {
        match HOST[usize::from(slot)] {
            Some(host) => self.asm.alu_rr(width, op, dst, host),
            None => self.asm.alu_rm(width, op, dst, reg(slot)),
        }
    }

    /// guest register `slot` = sign-extended immediate.
    fn load_imm(&mut self, slot: u8, value: u32) {
        match HOST[usize::from(slot)] {
            Some(host) => self.imm(host, value),
            None => self.asm.store_imm64(reg(slot), value as i32),
        }
    }

    /// rax = sign-extended immediate.
    fn imm(&mut self, dst: Reg, value: u32) {
        self.asm.mov_imm(dst, value as i32 as i64 as u64);
    }

    /// `d = sext32(eax)`.
    fn st32(&mut self, slot: u8) {
        match HOST[usize::from(slot)] {
            Some(host) => self.asm.movsxd(host, Rax),
            None => {
                self.asm.movsxd(Rax, Rax);
                self.st(slot, Rax);
            }
        }
    }

    /// Records that the next instruction emitted is guest instruction `index`'s memory
    /// access (see `signal.rs`).
    fn access(&mut self, index: u32) {
        self.fault_offsets.push(self.asm.offset());
        self.fault_indices.push(index);
    }

    /// The guest memory operand of constant `address`.
    fn static_operand(&mut self, address: u32) -> Mem {
        match i32::try_from(address) {
            Ok(disp) => Mem::Base(BASE, disp),
            Err(_) => {
                self.asm.mov_imm(Rcx, u64::from(address));
                Self::guest()
            }
        }
    }

    /// ecx = (r_slot + imm) mod 2^32.
    fn address(&mut self, slot: u8, offset: u32) {
        match HOST[usize::from(slot)] {
            Some(host) => self.asm.lea32(Rcx, Mem::Base(host, offset as i32)),
            None => {
                self.asm.load64(Rcx, reg(slot));
                self.asm.lea32(Rcx, Mem::Base(Rcx, offset as i32));
            }
        }
    }

    /// base + rcx: guest memory at the address in ecx.
    fn guest() -> Mem {
        Mem::Index(BASE, Rcx, 1, 0)
    }

    fn load_static(&mut self, index: u32, kind: Load, dst: u8, address: u32) {
        let operand = self.static_operand(address);
        self.load_value(index, kind, dst, operand);
    }

    fn load_indirect(&mut self, index: u32, kind: Load, dst: u8, base: u8, offset: u32) {
        self.address(base, offset);
        self.load_value(index, kind, dst, Self::guest());
    }

    /// r_dst = the value at `operand`.
    fn load_value(&mut self, index: u32, kind: Load, dst: u8, operand: Mem) {
        match HOST[usize::from(dst)] {
            Some(host) => {
                self.access(index);
                self.asm.load(kind, host, operand);
            }
            None => {
                self.access(index);
                self.asm.load(kind, Rax, operand);
                self.st(dst, Rax);
            }
        }
    }

    /// Stores `value` at `operand`.
    fn store_value(&mut self, index: u32, bytes: u32, value: Value, operand: Mem) {
        let host = match value {
            Value::Reg(slot) => HOST[usize::from(slot)],
            Value::Imm(_) => None,
        };
        let source = match (host, value) {
            (Some(host), _) => host,
            (None, Value::Reg(slot)) => {
                self.ld(Rax, slot);
                Rax
            }
            (None, Value::Imm(imm)) => {
                self.imm(Rax, imm);
                Rax
            }
        };
        self.access(index);
        self.asm.store(bytes as u8, operand, source);
    }

    fn store_static(&mut self, index: u32, bytes: u32, address: u32, value: Value) {
        let operand = self.static_operand(address);
        self.store_value(index, bytes, value, operand);
    }

    fn store_indirect(&mut self, index: u32, bytes: u32, base: u8, offset: u32, value: Value) {
        self.address(base, offset);
        self.store_value(index, bytes, value, Self::guest());
    }

    /// A jump through the jump table to the address in eax, from instruction `index`.
    fn jump_dynamic(&mut self, index: u32) {
        let len = self.jump_targets.len();
        self.set_index(index);
        let a = &mut *self.asm;
        a.alu_ri(W32, Alu::Cmp, Rax, HALT_ADDRESS as i32);
        a.jcc(Cond::E, self.halt);
        if len == 0 {
            a.jmp(self.panic);
            return;
        }
        a.test_ri32(Rax, 1);
        a.jcc(Cond::Ne, self.panic);
        a.shift_ri(W32, Shift::Shr, Rax, 1);
        a.alu_ri(W32, Alu::Sub, Rax, 1);
        a.alu_ri(W32, Alu::Cmp, Rax, len as u32 as i32);
        a.jcc(Cond::Ae, self.panic);
        a.lea(Rcx, Mem::Label(self.table));
        a.jmp_mem(Mem::Index(Rcx, Rax, 8, 0));
    }

    fn branch(&mut self, index: u32, cond: Cond) {
        let target = self.instr(index).imm2;
        let label = self.static_target(target, index);
        self.asm.jcc(cond, label);
        // Not taken: fall into the next block's charge entry, emitted right after.
    }

    /// Compare r_a with the sign-extended immediate, branch on `cond`.
    fn branch_imm(&mut self, index: u32, i: Instr, cond: Cond) {
        let a = self.src(i.a, Rax);
        self.asm.alu_ri(W64, Alu::Cmp, a, i.imm as i32);
        self.branch(index, cond);
    }

    fn branch_reg(&mut self, index: u32, i: Instr, cond: Cond) {
        let a = self.src(i.a, Rax);
        self.alu_src(W64, Alu::Cmp, a, i.b);
        self.branch(index, cond);
    }

    /// d = a op b (64-bit ALU).
    fn alu3(&mut self, i: Instr, op: Alu) {
        if let Some(d) = HOST[usize::from(i.d)] {
            if i.d != i.b {
                // d = a; d op= b (b is not overwritten by the move).
                if i.d != i.a {
                    self.ld(d, i.a);
                }
                self.alu_src(W64, op, d, i.b);
                return;
            }
        }
        self.ld(Rax, i.a);
        self.alu_src(W64, op, Rax, i.b);
        self.st(i.d, Rax);
    }

    /// d = sext32(a op b).
    fn alu3_32(&mut self, i: Instr, op: Alu) {
        self.ld(Rax, i.a);
        self.alu_src(W32, op, Rax, i.b);
        self.st32(i.d);
    }

    /// a = b op imm (64-bit, imm sign-extended).
    fn alu_imm(&mut self, i: Instr, op: Alu) {
        if let Some(a) = HOST[usize::from(i.a)] {
            if i.a == i.b {
                // a op= imm, in place.
                self.asm.alu_ri(W64, op, a, i.imm as i32);
                return;
            }
            if op == Alu::Add {
                if let Some(b) = HOST[usize::from(i.b)] {
                    self.asm.lea(a, Mem::Base(b, i.imm as i32));
                    return;
                }
            }
            // a = b; a op= imm.
            self.ld(a, i.b);
            self.asm.alu_ri(W64, op, a, i.imm as i32);
            return;
        }
        self.ld(Rax, i.b);
        self.asm.alu_ri(W64, op, Rax, i.imm as i32);
        self.st(i.a, Rax);
    }

    /// d = (a cmp b) as u64.
    fn set3(&mut self, i: Instr, cond: Cond) {
        self.ld(Rcx, i.a);
        self.asm.alu_rr(W32, Alu::Xor, Rax, Rax);
        self.alu_src(W64, Alu::Cmp, Rcx, i.b);
        self.asm.setcc(cond, Rax);
        self.st(i.d, Rax);
    }

    /// a = (b cmp imm) as u64.
    fn set_imm(&mut self, i: Instr, cond: Cond) {
        self.ld(Rcx, i.b);
        self.asm.alu_rr(W32, Alu::Xor, Rax, Rax);
        self.asm.alu_ri(W64, Alu::Cmp, Rcx, i.imm as i32);
        self.asm.setcc(cond, Rax);
        self.st(i.a, Rax);
    }

    /// d = a shift (b & mask), in `width` (sign-extended when 32-bit).
    fn shift3(&mut self, i: Instr, width: Width, op: Shift) {
        self.ld(Rax, i.a);
        self.ld(Rcx, i.b);
        self.asm.shift_cl(width, op, Rax);
        self.finish_width(i.d, width);
    }

    /// a = b shift (imm & mask).
    fn shift_imm(&mut self, i: Instr, width: Width, op: Shift) {
        let mask = if width == W64 { 63 } else { 31 };
        let count = (i.imm & mask) as u8;
        if let (W64, Some(a)) = (width, HOST[usize::from(i.a)]) {
            // a = b; a shift= count, in place.
            self.ld(a, i.b);
            self.asm.shift_ri(W64, op, a, count);
            return;
        }
        self.ld(Rax, i.b);
        self.asm.shift_ri(width, op, Rax, count);
        self.finish_width(i.a, width);
    }

    /// a = imm shift (b & mask).
    fn shift_alt(&mut self, i: Instr, width: Width, op: Shift) {
        self.imm(Rax, i.imm);
        self.ld(Rcx, i.b);
        self.asm.shift_cl(width, op, Rax);
        self.finish_width(i.a, width);
    }

    fn finish_width(&mut self, slot: u8, width: Width) {
        if width == W32 {
            self.st32(slot);
        } else {
            self.st(slot, Rax);
        }
    }

    /// d = unary(a).
    fn unary2(&mut self, i: Instr, f: impl FnOnce(&mut Assembler)) {
        self.ld(Rax, i.a);
        f(self.asm);
        self.st(i.d, Rax);
    }

    /// d = min/max(a, b): rax = a; if `cond`(a, b) rax = b.
    fn select(&mut self, i: Instr, cond: Cond) {
        self.ld(Rax, i.a);
        self.ld(Rcx, i.b);
        self.asm.alu_rr(W64, Alu::Cmp, Rax, Rcx);
        self.asm.cmov(cond, Rax, Rcx);
        self.st(i.d, Rax);
    }

    /// Division and remainder (rax = a, rcx = b on entry to the emitted code).
    fn divide(&mut self, i: Instr, width: Width, signed: bool, remainder: bool) {
        self.ld(Rax, i.a);
        self.ld(Rcx, i.b);
        let a = &mut *self.asm;
        a.store64(SPILL, Rdx);
        let done = a.label();
        let nonzero = a.label();
        a.test_rr(width, Rcx, Rcx);
        a.jcc(Cond::Ne, nonzero);
        // b == 0: quotient all ones, remainder a (sign-extended when 32-bit).
        if remainder {
            if width == W32 {
                a.movsxd(Rax, Rax);
            }
        } else {
            a.mov_imm(Rax, u64::MAX);
        }
        a.jmp(done);
        a.bind(nonzero);
        if signed {
            // b == -1: wrapping negation / zero (idiv would trap on MIN / -1).
            let normal = a.label();
            a.alu_ri(width, Alu::Cmp, Rcx, -1);
            a.jcc(Cond::Ne, normal);
            if remainder {
                a.alu_rr(W32, Alu::Xor, Rax, Rax);
            } else {
                a.unary(width, Unary::Neg, Rax);
                if width == W32 {
                    a.movsxd(Rax, Rax);
                }
            }
            a.jmp(done);
            a.bind(normal);
            a.sign_extend_rax(width);
            a.unary(width, Unary::Idiv, Rcx);
        } else {
            a.alu_rr(W32, Alu::Xor, Rdx, Rdx);
            a.unary(width, Unary::Div, Rcx);
        }
        if remainder {
            a.mov_rr(Rax, Rdx);
        }
        if width == W32 {
            a.movsxd(Rax, Rax);
        }
        a.bind(done);
        a.load64(Rdx, SPILL);
        self.st(i.d, Rax);
    }

    /// Instruction `index` of the block being compiled.
    fn instr(&self, index: u32) -> Instr {
        self.block[(index - self.block_first) as usize]
    }

    fn instruction(&mut self, index: u32) {
        let i = self.instr(index);
        match i.opcode {
            Opcode::Trap => self.exit_now(u64::from(EXIT_PANIC), index),
            Opcode::Fallthrough | Opcode::Unlikely => {}
            Opcode::Ecalli => {
                self.exit_now(u64::from(EXIT_HOST_CALL) | (u64::from(i.imm) << 32), index)
            }
            Opcode::Sbrk => self.exit_now(u64::from(EXIT_STEP), index),
            Opcode::LoadImm64 => {
                self.asm
                    .mov_imm(Rax, u64::from(i.imm) | (u64::from(i.imm2) << 32));
                self.st(i.a, Rax);
            }
            Opcode::StoreImmU8 => self.store_static(index, 1, i.imm, Value::Imm(i.imm2)),
            Opcode::StoreImmU16 => self.store_static(index, 2, i.imm, Value::Imm(i.imm2)),
            Opcode::StoreImmU32 => self.store_static(index, 4, i.imm, Value::Imm(i.imm2)),
            Opcode::StoreImmU64 => self.store_static(index, 8, i.imm, Value::Imm(i.imm2)),
            Opcode::Jump => {
                if i.imm2 == NO_INDEX {
                    self.exit_now(u64::from(EXIT_PANIC), index);
                } else {
                    let label = self.charge_label(i.imm2);
                    self.asm.jmp(label);
                }
            }
            Opcode::JumpInd => {
                self.ld(Rax, i.a);
                self.asm.alu_ri(W32, Alu::Add, Rax, i.imm as i32);
                self.jump_dynamic(index);
            }
            Opcode::LoadImm => self.load_imm(i.a, i.imm),
            Opcode::LoadU8 => self.load_static(index, Load::U8, i.a, i.imm),
            Opcode::LoadI8 => self.load_static(index, Load::I8, i.a, i.imm),
            Opcode::LoadU16 => self.load_static(index, Load::U16, i.a, i.imm),
            Opcode::LoadI16 => self.load_static(index, Load::I16, i.a, i.imm),
            Opcode::LoadU32 => self.load_static(index, Load::U32, i.a, i.imm),
            Opcode::LoadI32 => self.load_static(index, Load::I32, i.a, i.imm),
            Opcode::LoadU64 => self.load_static(index, Load::U64, i.a, i.imm),
            Opcode::StoreU8 => self.store_static(index, 1, i.imm, Value::Reg(i.a)),
            Opcode::StoreU16 => self.store_static(index, 2, i.imm, Value::Reg(i.a)),
            Opcode::StoreU32 => self.store_static(index, 4, i.imm, Value::Reg(i.a)),
            Opcode::StoreU64 => self.store_static(index, 8, i.imm, Value::Reg(i.a)),
            Opcode::StoreImmIndU8 => self.store_indirect(index, 1, i.a, i.imm, Value::Imm(i.imm2)),
            Opcode::StoreImmIndU16 => self.store_indirect(index, 2, i.a, i.imm, Value::Imm(i.imm2)),
            Opcode::StoreImmIndU32 => self.store_indirect(index, 4, i.a, i.imm, Value::Imm(i.imm2)),
            Opcode::StoreImmIndU64 => self.store_indirect(index, 8, i.a, i.imm, Value::Imm(i.imm2)),
            Opcode::LoadImmJump => {
                self.load_imm(i.a, i.imm);
                if i.imm2 == NO_INDEX {
                    self.exit_now(u64::from(EXIT_PANIC), index);
                } else {
                    let label = self.charge_label(i.imm2);
                    self.asm.jmp(label);
                }
            }
            Opcode::BranchEqImm => self.branch_imm(index, i, Cond::E),
            Opcode::BranchNeImm => self.branch_imm(index, i, Cond::Ne),
            Opcode::BranchLtUImm => self.branch_imm(index, i, Cond::B),
            Opcode::BranchLeUImm => self.branch_imm(index, i, Cond::Be),
            Opcode::BranchGeUImm => self.branch_imm(index, i, Cond::Ae),
            Opcode::BranchGtUImm => self.branch_imm(index, i, Cond::A),
            Opcode::BranchLtSImm => self.branch_imm(index, i, Cond::L),
            Opcode::BranchLeSImm => self.branch_imm(index, i, Cond::Le),
            Opcode::BranchGeSImm => self.branch_imm(index, i, Cond::Ge),
            Opcode::BranchGtSImm => self.branch_imm(index, i, Cond::G),
            Opcode::MoveReg => match HOST[usize::from(i.d)] {
                Some(d) => self.ld(d, i.a),
                None => {
                    self.ld(Rax, i.a);
                    self.st(i.d, Rax);
                }
            },
            Opcode::CountSetBits64 => {
                self.unary2(i, |a| a.bit_count(W64, BitCount::Popcnt, Rax, Rax))
            }
            Opcode::CountSetBits32 => {
                self.unary2(i, |a| a.bit_count(W32, BitCount::Popcnt, Rax, Rax))
            }
            Opcode::LeadingZeroBits64 => {
                self.unary2(i, |a| a.bit_count(W64, BitCount::Lzcnt, Rax, Rax))
            }
            Opcode::LeadingZeroBits32 => {
                self.unary2(i, |a| a.bit_count(W32, BitCount::Lzcnt, Rax, Rax))
            }
            Opcode::TrailingZeroBits64 => {
                self.unary2(i, |a| a.bit_count(W64, BitCount::Tzcnt, Rax, Rax))
            }
            Opcode::TrailingZeroBits32 => {
                self.unary2(i, |a| a.bit_count(W32, BitCount::Tzcnt, Rax, Rax))
            }
            Opcode::SignExtend8 => self.unary2(i, |a| a.movsx_rr(1, Rax, Rax)),
            Opcode::SignExtend16 => self.unary2(i, |a| a.movsx_rr(2, Rax, Rax)),
            Opcode::ZeroExtend16 => self.unary2(i, |a| a.movzx_rr(2, Rax, Rax)),
            Opcode::ReverseBytes => self.unary2(i, |a| a.bswap(Rax)),
            Opcode::StoreIndU8 => self.store_indirect(index, 1, i.b, i.imm, Value::Reg(i.a)),
            Opcode::StoreIndU16 => self.store_indirect(index, 2, i.b, i.imm, Value::Reg(i.a)),
            Opcode::StoreIndU32 => self.store_indirect(index, 4, i.b, i.imm, Value::Reg(i.a)),
            Opcode::StoreIndU64 => self.store_indirect(index, 8, i.b, i.imm, Value::Reg(i.a)),
            Opcode::LoadIndU8 => self.load_indirect(index, Load::U8, i.a, i.b, i.imm),
            Opcode::LoadIndI8 => self.load_indirect(index, Load::I8, i.a, i.b, i.imm),
            Opcode::LoadIndU16 => self.load_indirect(index, Load::U16, i.a, i.b, i.imm),
            Opcode::LoadIndI16 => self.load_indirect(index, Load::I16, i.a, i.b, i.imm),
            Opcode::LoadIndU32 => self.load_indirect(index, Load::U32, i.a, i.b, i.imm),
            Opcode::LoadIndI32 => self.load_indirect(index, Load::I32, i.a, i.b, i.imm),
            Opcode::LoadIndU64 => self.load_indirect(index, Load::U64, i.a, i.b, i.imm),
            Opcode::AddImm32 => {
                self.ld(Rax, i.b);
                self.asm.alu_ri(W32, Alu::Add, Rax, i.imm as i32);
                self.st32(i.a);
            }
            Opcode::AndImm => self.alu_imm(i, Alu::And),
            Opcode::XorImm => self.alu_imm(i, Alu::Xor),
            Opcode::OrImm => self.alu_imm(i, Alu::Or),
            Opcode::AddImm64 => self.alu_imm(i, Alu::Add),
            Opcode::MulImm32 => {
                self.ld(Rax, i.b);
                self.asm.imul_rri(W32, Rax, Rax, i.imm as i32);
                self.st32(i.a);
            }
            Opcode::MulImm64 => {
                self.ld(Rax, i.b);
                self.asm.imul_rri(W64, Rax, Rax, i.imm as i32);
                self.st(i.a, Rax);
            }
            Opcode::SetLtUImm => self.set_imm(i, Cond::B),
            Opcode::SetLtSImm => self.set_imm(i, Cond::L),
            Opcode::SetGtUImm => self.set_imm(i, Cond::A),
            Opcode::SetGtSImm => self.set_imm(i, Cond::G),
            Opcode::ShloLImm32 => self.shift_imm(i, W32, Shift::Shl),
            Opcode::ShloRImm32 => self.shift_imm(i, W32, Shift::Shr),
            Opcode::SharRImm32 => self.shift_imm(i, W32, Shift::Sar),
            Opcode::ShloLImm64 => self.shift_imm(i, W64, Shift::Shl),
            Opcode::ShloRImm64 => self.shift_imm(i, W64, Shift::Shr),
            Opcode::SharRImm64 => self.shift_imm(i, W64, Shift::Sar),
            Opcode::RotR64Imm => self.shift_imm(i, W64, Shift::Ror),
            Opcode::RotR32Imm => self.shift_imm(i, W32, Shift::Ror),
            Opcode::ShloLImmAlt32 => self.shift_alt(i, W32, Shift::Shl),
            Opcode::ShloRImmAlt32 => self.shift_alt(i, W32, Shift::Shr),
            Opcode::SharRImmAlt32 => self.shift_alt(i, W32, Shift::Sar),
            Opcode::ShloLImmAlt64 => self.shift_alt(i, W64, Shift::Shl),
            Opcode::ShloRImmAlt64 => self.shift_alt(i, W64, Shift::Shr),
            Opcode::SharRImmAlt64 => self.shift_alt(i, W64, Shift::Sar),
            Opcode::RotR64ImmAlt => self.shift_alt(i, W64, Shift::Ror),
            Opcode::RotR32ImmAlt => self.shift_alt(i, W32, Shift::Ror),
            Opcode::NegAddImm32 => {
                self.imm(Rax, i.imm);
                self.alu_src(W32, Alu::Sub, Rax, i.b);
                self.st32(i.a);
            }
            Opcode::NegAddImm64 => {
                self.imm(Rax, i.imm);
                self.alu_src(W64, Alu::Sub, Rax, i.b);
                self.st(i.a, Rax);
            }
            Opcode::CmovIzImm | Opcode::CmovNzImm => {
                // a = (b ==/!= 0) ? imm : a
                self.ld(Rcx, i.b);
                self.asm.test_rr(W64, Rcx, Rcx);
                self.ld(Rax, i.a);
                // (a move that keeps the flags)
                self.asm.mov_imm_keep_flags(Rcx, i.imm as i32 as i64 as u64);
                let cond = if i.opcode == Opcode::CmovIzImm {
                    Cond::E
                } else {
                    Cond::Ne
                };
                self.asm.cmov(cond, Rax, Rcx);
                self.st(i.a, Rax);
            }
            Opcode::CmovIz | Opcode::CmovNz => {
                // d = (b ==/!= 0) ? a : d
                self.ld(Rcx, i.b);
                self.asm.test_rr(W64, Rcx, Rcx);
                self.ld(Rax, i.d);
                self.ld(Rcx, i.a);
                let cond = if i.opcode == Opcode::CmovIz {
                    Cond::E
                } else {
                    Cond::Ne
                };
                self.asm.cmov(cond, Rax, Rcx);
                self.st(i.d, Rax);
            }
            Opcode::BranchEq => self.branch_reg(index, i, Cond::E),
            Opcode::BranchNe => self.branch_reg(index, i, Cond::Ne),
            Opcode::BranchLtU => self.branch_reg(index, i, Cond::B),
            Opcode::BranchLtS => self.branch_reg(index, i, Cond::L),
            Opcode::BranchGeU => self.branch_reg(index, i, Cond::Ae),
            Opcode::BranchGeS => self.branch_reg(index, i, Cond::Ge),
            Opcode::LoadImmJumpInd => {
                // The address uses r_b before r_a is written (a may equal b).
                self.ld(Rax, i.b);
                self.asm.alu_ri(W32, Alu::Add, Rax, i.imm2 as i32);
                self.load_imm(i.a, i.imm);
                self.jump_dynamic(index);
            }
            Opcode::Add32 => self.alu3_32(i, Alu::Add),
            Opcode::Sub32 => self.alu3_32(i, Alu::Sub),
            Opcode::Mul32 => {
                self.ld(Rax, i.a);
                self.ld(Rcx, i.b);
                self.asm.imul_rr(W32, Rax, Rcx);
                self.st32(i.d);
            }
            Opcode::DivU32 => self.divide(i, W32, false, false),
            Opcode::DivS32 => self.divide(i, W32, true, false),
            Opcode::RemU32 => self.divide(i, W32, false, true),
            Opcode::RemS32 => self.divide(i, W32, true, true),
            Opcode::ShloL32 => self.shift3(i, W32, Shift::Shl),
            Opcode::ShloR32 => self.shift3(i, W32, Shift::Shr),
            Opcode::SharR32 => self.shift3(i, W32, Shift::Sar),
            Opcode::Add64 => self.alu3(i, Alu::Add),
            Opcode::Sub64 => self.alu3(i, Alu::Sub),
            Opcode::Mul64 => {
                self.ld(Rax, i.a);
                self.ld(Rcx, i.b);
                self.asm.imul_rr(W64, Rax, Rcx);
                self.st(i.d, Rax);
            }
            Opcode::DivU64 => self.divide(i, W64, false, false),
            Opcode::DivS64 => self.divide(i, W64, true, false),
            Opcode::RemU64 => self.divide(i, W64, false, true),
            Opcode::RemS64 => self.divide(i, W64, true, true),
            Opcode::ShloL64 => self.shift3(i, W64, Shift::Shl),
            Opcode::ShloR64 => self.shift3(i, W64, Shift::Shr),
            Opcode::SharR64 => self.shift3(i, W64, Shift::Sar),
            Opcode::And => self.alu3(i, Alu::And),
            Opcode::Xor => self.alu3(i, Alu::Xor),
            Opcode::Or => self.alu3(i, Alu::Or),
            Opcode::MulUpperSS | Opcode::MulUpperUU => {
                self.ld(Rax, i.a);
                self.ld(Rcx, i.b);
                let op = if i.opcode == Opcode::MulUpperSS {
                    Unary::Imul
                } else {
                    Unary::Mul
                };
                self.asm.store64(SPILL, Rdx);
                self.asm.unary(W64, op, Rcx);
                self.asm.mov_rr(Rax, Rdx);
                self.asm.load64(Rdx, SPILL);
                self.st(i.d, Rax);
            }
            Opcode::MulUpperSU => {
                // high(signed a × unsigned b) = high_uu(a, b) − (a < 0 ? b : 0)
                self.ld(Rax, i.a);
                self.ld(Rcx, i.b);
                let a = &mut *self.asm;
                a.store64(SPILL, Rdx);
                a.mov_rr(Rdx, Rax);
                a.shift_ri(W64, Shift::Sar, Rdx, 63);
                a.alu_rr(W64, Alu::And, Rdx, Rcx);
                a.store64(SPILL2, Rdx);
                a.unary(W64, Unary::Mul, Rcx);
                a.alu_rm(W64, Alu::Sub, Rdx, SPILL2);
                a.mov_rr(Rax, Rdx);
                a.load64(Rdx, SPILL);
                self.st(i.d, Rax);
            }
            Opcode::SetLtU => self.set3(i, Cond::B),
            Opcode::SetLtS => self.set3(i, Cond::L),
            Opcode::RotL64 => self.shift3(i, W64, Shift::Rol),
            Opcode::RotL32 => self.shift3(i, W32, Shift::Rol),
            Opcode::RotR64 => self.shift3(i, W64, Shift::Ror),
            Opcode::RotR32 => self.shift3(i, W32, Shift::Ror),
            Opcode::AndInv | Opcode::OrInv => {
                self.ld(Rax, i.a);
                self.ld(Rcx, i.b);
                self.asm.unary(W64, Unary::Not, Rcx);
                let op = if i.opcode == Opcode::AndInv {
                    Alu::And
                } else {
                    Alu::Or
                };
                self.asm.alu_rr(W64, op, Rax, Rcx);
                self.st(i.d, Rax);
            }
            Opcode::Xnor => {
                self.ld(Rax, i.a);
                self.alu_src(W64, Alu::Xor, Rax, i.b);
                self.asm.unary(W64, Unary::Not, Rax);
                self.st(i.d, Rax);
            }
            Opcode::Max => self.select(i, Cond::L),
            Opcode::MaxU => self.select(i, Cond::B),
            Opcode::Min => self.select(i, Cond::G),
            Opcode::MinU => self.select(i, Cond::A),
        }
    }
}

/// The value a store writes.
#[derive(Clone, Copy)]
enum Value {
    Reg(u8),
    Imm(u32),
}

#[cfg(test)]
mod tests {
    use super::{Module, Preparation};
    use crate::container::Container;
    use crate::{GpVersion, Program};

    /// A fresh (unprepared) copy of the largest guest, zlib.
    fn zlib() -> Program {
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../guests/bin/zlib.polkavm");
        let blob = std::fs::read(path).expect("the committed zlib guest");
        let c = Container::parse(&blob).expect("a valid container");
        Program::from_parts(&c.code, &c.bitmask, &c.jump_table, GpVersion::V0_8)
            .expect("a valid program")
    }

    #[test]
    fn background_preparation_compiles_the_same_code() {
        let here = Module::compile_with(&zlib(), Preparation::OnThisThread).unwrap();
        for _ in 0..3 {
            let program = zlib();
            assert_eq!(program.prepared_block_count(), 0);
            let there = Module::compile_with(&program, Preparation::InBackground).unwrap();
            assert_eq!(program.prepared_block_count(), program.block_count());
            assert_eq!(there.faults.len, here.faults.len, "code size");
            assert_eq!(there.body, here.body, "every instruction's code offset");
            assert_eq!(there.faults.offsets, here.faults.offsets);
            assert_eq!(there.faults.indices, here.faults.indices);
        }
    }
}
