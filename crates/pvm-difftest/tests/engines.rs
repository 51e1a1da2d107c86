//! Our interpreter against our recompiler on generated programs (no oracle needed): every
//! exit, pc, gas, register and mapped page after every run must agree.
#![cfg(all(target_arch = "x86_64", target_os = "linux"))]

use pvm_difftest::campaign::case_seed;
use pvm_difftest::engines::{compare_engines, EngineVerdict};
use pvm_difftest::generate::case_for_seed;

#[test]
fn recompiler_agrees_with_interpreter_on_generated_programs() {
    // PVM_ENGINE_CASES=N runs a longer campaign.
    let count: u64 = std::env::var("PVM_ENGINE_CASES")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(5_000);
    // PVM_ENGINE_SEED=S starts from another seed.
    let seed: u64 = std::env::var("PVM_ENGINE_SEED")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(0xE461E5);
    let mut agreed = 0;
    let mut runs = 0;
    let mut failures = Vec::new();
    for index in 0..count {
        let case = case_for_seed(case_seed(seed, index));
        match compare_engines(&case) {
            EngineVerdict::Agree(n) => {
                agreed += 1;
                runs += n;
            }
            EngineVerdict::BothRejected => {}
            EngineVerdict::Disagree(diffs) => {
                failures.push(format!("case {:#018x}: {diffs:?}", case.seed))
            }
        }
    }
    println!(
        "{count} cases, {agreed} ran on both engines ({runs} runs), {} disagreements",
        failures.len()
    );
    assert!(
        failures.is_empty(),
        "{}",
        failures[..failures.len().min(10)].join("\n")
    );
    // The generator must really exercise execution, not only the parsers.
    assert!(agreed > count as usize / 2 && runs > agreed);
}

#[test]
fn the_engines_fuzz_entry_accepts_every_input_mode() {
    // The libFuzzer target `fuzz/fuzz_targets/engines.rs` calls this; every mode of input
    // (generated program, raw blob, random code) must run without a disagreement.
    let mut state = 0x1234_5678_9ABC_DEF0u64;
    let mut next = || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    };
    for i in 0..600u64 {
        let len = 9 + (next() % 64) as usize;
        let mut data: Vec<u8> = (0..len).map(|_| next() as u8).collect();
        data[0] = (i % 3) as u8;
        pvm_difftest::fuzz::check_engines(&data);
    }
    pvm_difftest::fuzz::check_engines(&[]);
}
