//! Differential tests against revm-interpreter 43's `SharedMemory` and memory gas.

mod support;

use evm_memory::{memory_gas, DEFAULT_LIMIT};
use revm_interpreter::context_interface::cfg::GasParams;
use support::{diff_case, Rng};

fn limit_for(seed: u64) -> u64 {
    match seed % 4 {
        0 | 1 => u64::MAX,
        2 => DEFAULT_LIMIT,
        _ => 32 * (1 + seed % 5000),
    }
}

fn run(cases: u64, first_seed: u64) -> u64 {
    let mut failures = 0;
    for seed in first_seed..first_seed + cases {
        if let Some((i, ops, ours, revm)) = diff_case(seed, limit_for(seed)) {
            failures += 1;
            if failures <= 3 {
                eprintln!(
                    "seed {seed} limit {}: first difference at outcome {i}\nops: {ops:?}\nours: {ours:?}\nrevm: {revm:?}",
                    limit_for(seed)
                );
            }
        }
    }
    failures
}

#[test]
fn differential_short() {
    assert_eq!(run(20_000, 0), 0);
}

/// The generator reaches every kind of outcome (so the comparison above is not vacuous).
#[test]
fn generator_covers_all_outcomes() {
    use support::{Class, Outcome};
    let mut counts = [0u64; 7];
    for seed in 0..3_000 {
        let mut rng = Rng::new(seed);
        let ops = support::gen_ops(&mut rng, 64, 1024);
        let mut out = Vec::new();
        let mut mem = evm_memory::Memory::with_limit(limit_for(seed)).unwrap();
        support::run_ours(&mut mem, 30_000_000, &ops, &mut out);
        for o in out {
            let k = match o {
                Outcome::Ok { charged: 0, .. } => 0,
                Outcome::Ok { bytes, .. } if bytes.iter().any(|&b| b != 0) => 1,
                Outcome::Ok { .. } => 2,
                Outcome::Err(Class::Gas) => 3,
                Outcome::Err(Class::Limit) => 4,
                Outcome::Err(Class::Operand) => 5,
                Outcome::Returned { .. } => 6,
            };
            counts[k] += 1;
        }
    }
    eprintln!("outcome counts: {counts:?}");
    assert!(counts.iter().all(|&c| c > 50), "{counts:?}");
}

/// `cargo test --release -p evm-memory --test differential -- --ignored --nocapture`
/// (`EVM_MEMORY_DIFF_CASES` sets the number of cases, default 1 000 000).
#[test]
#[ignore]
fn differential_long() {
    let cases = std::env::var("EVM_MEMORY_DIFF_CASES")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(1_000_000);
    let start = std::time::Instant::now();
    let failures = run(cases, 1_000_000_000);
    eprintln!(
        "{cases} cases, {failures} with differences, {:?}",
        start.elapsed()
    );
    assert_eq!(failures, 0);
}

#[test]
fn cost_function_matches_revm() {
    let params = GasParams::default();
    for w in 0..=1u64 << 20 {
        assert_eq!(memory_gas(w), params.memory_cost(w as usize), "w = {w}");
    }
    let mut rng = Rng::new(42);
    for _ in 0..1_000_000 {
        let w = match rng.below(4) {
            0 => rng.next_u64(),
            1 => (1 << 32) + rng.below(1 << 20) - (1 << 19),
            2 => rng.next_u64() >> rng.below(64),
            _ => (1 << 20) + rng.below(1 << 32),
        };
        assert_eq!(memory_gas(w), params.memory_cost(w as usize), "w = {w}");
    }
}
