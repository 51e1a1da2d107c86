//! Memory3D: the input's tail as a bytecode program (after a 3-byte header choosing gas,
//! proofs and a preset register) run twice on fresh VMs. Asserts: no panic; gas used +
//! remaining = limit; at most `max_instructions` run; allocations never overlap and stay
//! within `memory_size`; both runs agree (result, gas, registers, root); the listing
//! re-assembles to the canonical encoding of the decoded prefix.
#![no_main]
#![forbid(unsafe_code)]

use machine::NoTrace;
use memory3d::isa;
use pvm_fuzz::m3d::{run, MAX_INSTRUCTIONS, MEMORY};

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    let (vm, r) = run(data, NoTrace);
    let limit = vm.config().gas_limit;
    assert_eq!(vm.gas_used() + vm.gas_remaining(), limit);
    assert!(vm.stats().instructions_executed <= MAX_INSTRUCTIONS);
    assert!(vm.stats().memory_usage <= MEMORY);
    let mut spans: Vec<(u64, u64, u64)> =
        vm.allocations().map(|a| (a.x, a.start, a.end())).collect();
    spans.sort();
    for w in spans.windows(2) {
        assert!(w[0].0 != w[1].0 || w[0].2 <= w[1].1, "overlap {w:?}");
    }
    let (again, r2) = run(data, NoTrace);
    assert_eq!(r, r2);
    assert_eq!(vm.gas_used(), again.gas_used());
    assert_eq!(vm.merkle_root(), again.merkle_root());
    for i in 0..16 {
        assert_eq!(vm.register(i), again.register(i));
    }
    let program = data.get(3..).unwrap_or(&[]);
    let decoded: Vec<isa::Instruction> = match isa::decode_all(program) {
        Ok(v) => v.into_iter().map(|(_, i)| i).collect(),
        Err((pc, _)) => isa::decode_all(&program[..pc])
            .unwrap()
            .into_iter()
            .map(|(_, i)| i)
            .collect(),
    };
    let canonical = isa::encode(&decoded);
    let listing = isa::disassemble(&canonical);
    assert_eq!(isa::assemble(&listing).unwrap(), canonical);
});
