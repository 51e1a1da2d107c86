//! Memory3D harness: [`memory3d_traced`], the `memory3d` target's programs on an untraced
//! and a traced VM.

use machine::{Traced, Tracer, VecTracer};
use memory3d::trace::{register_address, MEMORY_SPACE, REGISTER_SPACE};
use memory3d::{Address3D, ExecError, Vm3D, VmConfig};

use crate::traced::{check_agrees, final_cells};

/// Memory of every fuzzed VM, in bytes.
pub const MEMORY: u64 = 1 << 18;
/// Most instructions per fuzzed run.
pub const MAX_INSTRUCTIONS: u64 = 2_000;

/// The `memory3d` target's set-up: byte 0 picks the gas (`b · 2000`) and Merkle proofs
/// (`b & 1`), bytes 1–2 preset a register, the rest is the program. Shared by the
/// `memory3d` and `memory3d_traced` targets.
pub fn run<T: Tracer>(data: &[u8], tracer: T) -> (Vm3D<T>, Result<(), ExecError>) {
    let (gas, proofs) = match data.first() {
        Some(b) => (u64::from(*b) * 2_000, b & 1 == 1),
        None => (0, false),
    };
    let cfg = VmConfig {
        memory_size: MEMORY,
        gas_limit: gas,
        enable_proof: proofs,
        max_instructions: MAX_INSTRUCTIONS,
        ..VmConfig::default()
    };
    let mut vm = Vm3D::with_tracer(cfg, tracer).unwrap();
    if data.len() >= 3 {
        vm.set_register(
            usize::from(data[1] % 16),
            data[2..3].repeat(usize::from(data[1] / 16) + 1),
        );
    }
    let r = vm.execute(data.get(3..).unwrap_or(&[]));
    (vm, r)
}

/// Untraced and traced runs agree (result, gas, instructions, registers, allocations,
/// Merkle root); the trace passes `check` (and `replay` agrees); its last register
/// records give each register's final length and bytes, and the last value of every
/// memory cell is the VM's word there.
pub fn memory3d_traced(data: &[u8]) {
    let (plain, expected) = run(data, machine::NoTrace);
    let (vm, r) = run(data, VecTracer::new());
    assert_eq!(r, expected, "traced result differs");
    assert_eq!(vm.gas_used(), plain.gas_used());
    assert_eq!(
        vm.stats().instructions_executed,
        plain.stats().instructions_executed
    );
    assert_eq!(vm.merkle_root(), plain.merkle_root());
    for i in 0..16 {
        assert_eq!(vm.register(i), plain.register(i), "register {i}");
    }
    let spans = |v: &Vm3D<_>| -> Vec<(u64, u64, u64)> {
        v.allocations().map(|a| (a.x, a.start, a.size)).collect()
    };
    assert_eq!(
        spans(&vm),
        plain
            .allocations()
            .map(|a| (a.x, a.start, a.size))
            .collect::<Vec<_>>()
    );

    let records = vm.tracer().records();
    if let Err(violation) = check_agrees(records) {
        panic!(
            "inconsistent trace: {violation} (record {:?})",
            records[violation.index()]
        );
    }
    let mut cells = final_cells(records);
    for i in 0..16 {
        let bytes = vm.register(i);
        let len = cells
            .remove(&(REGISTER_SPACE, register_address(i, 0)))
            .unwrap_or(0);
        assert_eq!(len, bytes.len() as u64, "register {i}'s traced length");
        for (k, chunk) in bytes.chunks(8).enumerate() {
            let mut word = [0u8; 8];
            word[..chunk.len()].copy_from_slice(chunk);
            let traced = cells
                .get(&(REGISTER_SPACE, register_address(i, 1 + k as u64)))
                .copied()
                .unwrap_or(0);
            assert_eq!(traced, u64::from_be_bytes(word), "register {i} chunk {k}");
        }
    }
    for ((space, address), value) in cells {
        if space == REGISTER_SPACE {
            // Chunks past a register's current length may hold stale values.
            continue;
        }
        assert_eq!(space, MEMORY_SPACE, "record in space {space:?}");
        assert_eq!(address % 8, 0, "unaligned word cell {address:#x}");
        let linear = address & 0xFFFF_FFFF;
        let chunk = vm.chunk(Address3D::from_linear(address >> 32, linear));
        let at = (linear % 32) as usize;
        let word = u64::from_le_bytes(chunk[at..at + 8].try_into().unwrap());
        assert_eq!(
            value, word,
            "memory word {address:#x}: trace ends with {value:#x}"
        );
    }
}
