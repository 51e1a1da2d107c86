//! The libFuzzer entry point (`fuzz/fuzz_targets/difftest.rs`): turns arbitrary bytes into
//! a case and panics on any disagreement, so libFuzzer records it as a crash.

use std::sync::OnceLock;

use crate::case::{Case, Origin};
use crate::compare::{compare, Options, Verdict};
use crate::engines::{compare_engines, EngineVerdict};
use crate::generate::generated_case;
use crate::oracle::Oracle;
use crate::rng::Rng;

/// The shared oracle, or `None` on a CPU that cannot run it (then every input passes).
fn oracle() -> Option<&'static Oracle> {
    static ORACLE: OnceLock<Option<Oracle>> = OnceLock::new();
    ORACLE
        .get_or_init(|| match Oracle::new() {
            Ok(oracle) => Some(oracle),
            Err(e) => {
                eprintln!("pvm-difftest fuzz target: {e}");
                None
            }
        })
        .as_ref()
}

/// Compares the case that `data` describes; panics on a disagreement.
///
/// Byte 0 picks the mode, bytes 1..9 seed the generator (memory, registers, gas, host):
/// * mode 0: the generated program of that seed;
/// * mode 1: the rest of the input is the raw program blob;
/// * mode 2: the rest is code, with every byte whose bit is set in a seed-derived mask
///   marked as an instruction start (and byte 0 always).
pub fn check(data: &[u8]) {
    let Some(oracle) = oracle() else {
        return;
    };
    let Some(case) = case_from_input(data) else {
        return;
    };
    let outcome = compare(&case, oracle, Options::default());
    if let Verdict::Disagree(diffs) = &outcome.verdict {
        let details: Vec<String> = diffs.iter().map(|d| d.to_string()).collect();
        panic!(
            "disagreement (mode {}, seed {:#x}, pc {}, gas {}): {}",
            data[0] % 3,
            case.seed,
            case.initial_pc,
            case.gas,
            details.join("; ")
        );
    }
}

/// Like [`check`], but our interpreter against our recompiler (no oracle needed): panics
/// if they differ in any exit, pc, gas, register or mapped page (`fuzz_targets/engines.rs`).
pub fn check_engines(data: &[u8]) {
    if !pvm::Engine::Recompiler.is_supported() {
        return;
    }
    let Some(case) = case_from_input(data) else {
        return;
    };
    if let EngineVerdict::Disagree(diffs) = compare_engines(&case) {
        panic!(
            "engines disagree (mode {}, seed {:#x}, pc {}, gas {}): {}",
            data[0] % 3,
            case.seed,
            case.initial_pc,
            case.gas,
            diffs.join("; ")
        );
    }
}

/// The case `data` describes (see [`check`]); `None` for inputs too short to describe one.
pub fn case_from_input(data: &[u8]) -> Option<Case> {
    if data.len() < 9 {
        return None;
    }
    let seed = u64::from_le_bytes(data[1..9].try_into().expect("8 bytes"));
    let rest = &data[9..];
    let mut rng = Rng::new(seed);
    let mut case = generated_case(&mut rng, seed);
    match data[0] % 3 {
        0 => {}
        1 => {
            case.origin = Origin::Mutated;
            case.blob = rest.to_vec();
        }
        _ => {
            if rest.is_empty() {
                return None;
            }
            case.origin = Origin::RandomCode;
            let density = rng.next_u64() | rng.next_u64();
            let mut bitmask: Vec<u8> = (0..rest.len().div_ceil(8))
                .map(|i| (density >> ((i % 8) * 8)) as u8)
                .collect();
            bitmask[0] |= 1;
            if rest.len() % 8 != 0 {
                let last = bitmask.len() - 1;
                bitmask[last] &= (1u8 << (rest.len() % 8)) - 1;
            }
            case.blob = crate::case::encode_blob(rest, &bitmask, &[], 0);
        }
    }
    case.initial_pc = case.initial_pc.min(rest.len() as u32);
    Some(case)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_mode_runs_on_short_and_long_inputs() {
        for mode in 0..3u8 {
            for len in [0usize, 8, 9, 12, 40] {
                let mut data = vec![mode];
                data.extend((0..len).map(|i| (i * 37 + 11) as u8));
                check(&data);
            }
        }
    }
}
