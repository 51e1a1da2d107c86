//! Shrinks a disagreeing case while it keeps disagreeing the same way: fewer host
//! answers, fewer setup actions, shorter writes, fewer instructions and jump-table entries.

use pvm::format::RawBlob;

use crate::case::{encode_blob, Action, BlobHeader, Case, Host};
use crate::compare::{compare, Field, Options, Outcome, Verdict};
use crate::oracle::Oracle;

/// Most comparison attempts one minimisation may make.
const MAX_ATTEMPTS: usize = 4_000;

/// The primary field of a disagreement (the first difference reported).
fn signature(outcome: &Outcome) -> Option<Field> {
    match &outcome.verdict {
        Verdict::Disagree(diffs) => diffs.first().map(|d| d.field),
        _ => None,
    }
}

/// A smaller case that still disagrees with the same primary field (or `case` itself,
/// with its host answers fixed, if nothing smaller does).
pub fn minimize(case: &Case, outcome: &Outcome, oracle: &Oracle) -> Case {
    let Some(wanted) = signature(outcome) else {
        return case.clone();
    };
    let mut fixed = case.clone();
    fixed.host = Host::Replay(outcome.session.answers.clone());
    let options = Options {
        untraced_check: wanted == Field::Tracing,
    };
    let mut attempts = 0;
    minimize_with(&fixed, |candidate| {
        attempts += 1;
        attempts <= MAX_ATTEMPTS && signature(&compare(candidate, oracle, options)) == Some(wanted)
    })
}

/// Shrinks `case` (whose host should be a replay) as long as `still_fails` holds, until
/// no single reduction keeps it failing.
pub fn minimize_with(case: &Case, mut still_fails: impl FnMut(&Case) -> bool) -> Case {
    let mut best = case.clone();
    if !still_fails(&best) {
        return best;
    }
    loop {
        let before = best.clone();
        shrink_runs(&mut best, &mut still_fails);
        shrink_actions(&mut best, &mut still_fails);
        shrink_code(&mut best, &mut still_fails);
        if best == before {
            return best;
        }
    }
}

/// Fewer runs and host answers.
fn shrink_runs(best: &mut Case, still_fails: &mut impl FnMut(&Case) -> bool) {
    let Host::Replay(answers) = &best.host else {
        return;
    };
    for keep in 0..answers.len() {
        let mut candidate = best.clone();
        candidate.host = Host::Replay(answers[..keep].to_vec());
        candidate.max_runs = keep + 1;
        if still_fails(&candidate) {
            *best = candidate;
            return;
        }
    }
}

/// Fewer setup actions and host actions; shorter writes.
fn shrink_actions(best: &mut Case, still_fails: &mut impl FnMut(&Case) -> bool) {
    let mut i = 0;
    while i < best.setup.len() {
        let mut candidate = best.clone();
        candidate.setup.remove(i);
        if still_fails(&candidate) {
            *best = candidate;
            continue;
        }
        if let Action::Write { bytes, .. } = &best.setup[i] {
            if bytes.len() > 1 {
                let mut candidate = best.clone();
                if let Action::Write { bytes, .. } = &mut candidate.setup[i] {
                    bytes.truncate(bytes.len() / 2);
                }
                if still_fails(&candidate) {
                    *best = candidate;
                    continue;
                }
            }
        }
        i += 1;
    }
    let Host::Replay(answers) = best.host.clone() else {
        return;
    };
    for run in 0..answers.len() {
        let mut j = 0;
        loop {
            let Host::Replay(current) = &best.host else {
                return;
            };
            if j >= current[run].len() {
                break;
            }
            let mut shorter = current.clone();
            shorter[run].remove(j);
            let mut candidate = best.clone();
            candidate.host = Host::Replay(shorter);
            if still_fails(&candidate) {
                *best = candidate;
            } else {
                j += 1;
            }
        }
    }
}

/// Fewer instructions (by the bitmask's instruction starts) and jump-table entries; for
/// blobs that do not parse, fewer bytes.
fn shrink_code(best: &mut Case, still_fails: &mut impl FnMut(&Case) -> bool) {
    let Ok(blob) = RawBlob::parse(&best.blob) else {
        let mut i = 0;
        while i < best.blob.len() {
            let mut candidate = best.clone();
            candidate.blob.remove(i);
            if still_fails(&candidate) {
                *best = candidate;
            } else {
                i += 1;
            }
        }
        return;
    };
    let entry_size = BlobHeader::parse(&best.blob).map_or(4, |h| h.entry_size);
    let mut parts = Parts::new(&blob);
    let mut i = parts.instructions.len();
    while i > 0 {
        i -= 1;
        let mut smaller = parts.clone();
        smaller.instructions.remove(i);
        if smaller.instructions.is_empty() {
            continue;
        }
        let mut candidate = best.clone();
        candidate.blob = smaller.encode(entry_size);
        if still_fails(&candidate) {
            *best = candidate;
            parts = smaller;
        }
    }
    let mut i = parts.jump_table.len();
    while i > 0 {
        i -= 1;
        let mut smaller = parts.clone();
        smaller.jump_table.remove(i);
        let mut candidate = best.clone();
        candidate.blob = smaller.encode(entry_size);
        if still_fails(&candidate) {
            *best = candidate;
            parts = smaller;
        }
    }
}

/// A blob split into instructions (each with its bitmask bits).
#[derive(Clone)]
struct Parts {
    /// Each instruction's bytes and bitmask bits.
    instructions: Vec<Vec<(u8, bool)>>,
    jump_table: Vec<u32>,
}

impl Parts {
    fn new(blob: &RawBlob) -> Parts {
        let bit = |i: usize| {
            blob.bitmask
                .get(i / 8)
                .is_some_and(|b| b & (1 << (i % 8)) != 0)
        };
        let mut instructions: Vec<Vec<(u8, bool)>> = Vec::new();
        for (i, &byte) in blob.code.iter().enumerate() {
            if bit(i) || instructions.is_empty() {
                instructions.push(Vec::new());
            }
            instructions
                .last_mut()
                .expect("pushed above")
                .push((byte, bit(i)));
        }
        Parts {
            instructions,
            jump_table: blob.jump_table.clone(),
        }
    }

    fn encode(&self, entry_size: u8) -> Vec<u8> {
        let flat: Vec<(u8, bool)> = self.instructions.iter().flatten().copied().collect();
        let code: Vec<u8> = flat.iter().map(|(b, _)| *b).collect();
        let mut bitmask = vec![0u8; code.len().div_ceil(8)];
        for (i, (_, set)) in flat.iter().enumerate() {
            if *set {
                bitmask[i / 8] |= 1 << (i % 8);
            }
        }
        encode_blob(&code, &bitmask, &self.jump_table, entry_size)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shrinks_to_what_the_predicate_needs() {
        // "Fails" while the program loads, contains a div_u_64 and r3 is set: everything
        // else (other instructions, actions, host answers) must go.
        use crate::generate::generated_case;
        use crate::rng::Rng;
        use pvm::{GpVersion, Opcode, Program};
        let needs = |case: &Case| {
            let has_div = Program::from_blob_bytes(&case.blob, GpVersion::V0_8)
                .map(|p| p.instructions().any(|i| i.opcode == Opcode::DivU64))
                .unwrap_or(false);
            let sets_r3 = case
                .setup
                .iter()
                .any(|a| matches!(a, Action::SetReg { reg: 3, .. }));
            has_div && sets_r3
        };
        let mut found = 0;
        for seed in 0..300 {
            let mut case = generated_case(&mut Rng::new(seed), seed);
            case.host = Host::Replay(vec![vec![Action::SetReg { reg: 1, value: 1 }]; 3]);
            if !needs(&case) {
                continue;
            }
            found += 1;
            let small = minimize_with(&case, needs);
            assert!(needs(&small));
            assert_eq!(small.setup.len(), 1, "{:?}", small.setup);
            assert_eq!(small.host, Host::Replay(vec![]));
            let program = Program::from_blob_bytes(&small.blob, GpVersion::V0_8).unwrap();
            // The div and the final instruction that makes the program valid.
            assert!(
                program.instruction_count() <= 2,
                "{}",
                program.instruction_count()
            );
        }
        assert!(found >= 5, "{found}");
    }

    #[test]
    fn parts_round_trip_and_drop_instructions() {
        let blob = RawBlob::parse(&encode_blob(&[51, 7, 1, 1, 0], &[0b11001], &[3], 1)).unwrap();
        let parts = Parts::new(&blob);
        assert_eq!(parts.instructions.len(), 3);
        assert_eq!(
            parts.encode(1),
            encode_blob(&[51, 7, 1, 1, 0], &[0b11001], &[3], 1)
        );
        let mut smaller = parts.clone();
        smaller.instructions.remove(0);
        assert_eq!(smaller.encode(1), encode_blob(&[1, 0], &[0b11], &[3], 1));
    }
}
