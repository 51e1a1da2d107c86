//! The recompiler's SIGSEGV handler lives beside the embedder's: it claims the faults of
//! generated code (they become `Exit::PageFault` with the exact address) and forwards
//! every other SIGSEGV to the handler that was installed before it. This file is its own
//! test process, so the handler installed here really is the one that came first.
#![cfg(all(target_arch = "x86_64", target_os = "linux"))]

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use pvm::{Access, Engine, Exit, GpVersion, Instance, Program};

/// How often the embedder's own handler ran.
static EMBEDDER_HANDLER_CALLS: AtomicUsize = AtomicUsize::new(0);

extern "C" fn embedder_handler(
    _signal: libc::c_int,
    _info: *mut libc::siginfo_t,
    _context: *mut libc::c_void,
) {
    EMBEDDER_HANDLER_CALLS.fetch_add(1, Ordering::SeqCst);
}

fn install_embedder_handler() {
    // SAFETY: a zeroed `sigaction` is valid (empty mask, no flags); the handler only
    // touches an atomic, which is async-signal-safe.
    unsafe {
        let mut action: libc::sigaction = std::mem::zeroed();
        action.sa_sigaction = embedder_handler as *const () as usize;
        action.sa_flags = libc::SA_SIGINFO;
        libc::sigemptyset(&mut action.sa_mask);
        assert_eq!(
            libc::sigaction(libc::SIGSEGV, &action, std::ptr::null_mut()),
            0
        );
    }
}

/// A raw blob of `instructions` (each given as its bytes), no jump table.
fn blob(instructions: &[&[u8]]) -> Vec<u8> {
    let code: Vec<u8> = instructions.concat();
    let mut bitmask = vec![0u8; code.len().div_ceil(8)];
    let mut at = 0;
    for instruction in instructions {
        bitmask[at / 8] |= 1 << (at % 8);
        at += instruction.len();
    }
    let mut out = vec![0, 0, code.len() as u8];
    out.extend_from_slice(&code);
    out.extend_from_slice(&bitmask);
    out
}

/// Loads a word from 0x20000 + 8 (unmapped at first), stores it + 1 back, halts via r0.
fn faulting_program() -> Arc<Program> {
    let code: &[&[u8]] = &[
        &[51, 2, 0x08, 0x00, 0x02], // load_imm r2, 0x20008
        &[130, 3 | 2 << 4],         // load_ind_u64 r3, [r2]
        &[149, 3 | 3 << 4, 1],      // add_imm_64 r3, r3, 1
        &[123, 3 | 2 << 4],         // store_ind_u64 [r2], r3
        &[50, 0],                   // jump_ind r0
    ];
    Arc::new(Program::from_blob_bytes(&blob(code), GpVersion::V0_8).unwrap())
}

#[test]
fn guest_faults_are_claimed_and_other_segfaults_reach_the_embedders_handler() {
    install_embedder_handler();

    let mut vm = Instance::new(faulting_program(), 1_000)
        .unwrap()
        .with_engine(Engine::Recompiler)
        .unwrap();
    vm.set_reg(0, u64::from(pvm::HALT_ADDRESS));

    // The guest's access to an unmapped page is a hardware fault in generated code: ours.
    assert_eq!(vm.run(), Exit::PageFault { address: 0x2_0000 });
    assert_eq!(EMBEDDER_HANDLER_CALLS.load(Ordering::SeqCst), 0);

    // Mapped read-only, the load passes and the store faults.
    vm.memory_mut()
        .set_access(0x2_0000, 4096, Access::Read)
        .unwrap();
    assert_eq!(vm.run(), Exit::PageFault { address: 0x2_0000 });
    assert_eq!(vm.reg(3), Some(1));
    assert_eq!(EMBEDDER_HANDLER_CALLS.load(Ordering::SeqCst), 0);

    // Writable, the run completes and the host sees the stored word.
    vm.memory_mut()
        .set_access(0x2_0000, 4096, Access::Write)
        .unwrap();
    assert_eq!(vm.run(), Exit::Halt);
    let mut word = [0u8; 8];
    vm.memory().read(0x2_0008, &mut word).unwrap();
    assert_eq!(u64::from_le_bytes(word), 1);

    // A SIGSEGV that is not from generated code goes to the handler that came first.
    // SAFETY: raising a signal whose handler only increments an atomic.
    unsafe {
        libc::raise(libc::SIGSEGV);
    }
    assert_eq!(EMBEDDER_HANDLER_CALLS.load(Ordering::SeqCst), 1);
}
