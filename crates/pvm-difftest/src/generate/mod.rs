//! The random program generator: well-formed JamV1 programs built from every opcode of
//! the ISA table, with gadgets that steer execution into the interesting corners
//! (memory edges, dynamic jumps, division and shift corner cases, host calls, long blocks),
//! plus the memory layout, registers and gas they start with.
//!
//! | module | job |
//! |---|---|
//! | this one | a case from a seed: program, start pc, gas, memory setup, host |
//! | `generator` | blocks of random instructions and gadgets, terminators, jump table, registers |
//! | `groups` | the instruction groups the gadgets pick from, derived from the ISA table |
//! | `values` | interesting operand values: registers, immediates, targets, addresses |
//! | `operands` | the operand fields of every form and their bytes |
//! | `emit` | instructions with random operands (odd encodings included) or chosen ones |
//! | `gadgets` | memory, arithmetic and control-flow gadgets |

use pvm::{GpVersion, Program};

use crate::case::{Action, Case, Host, Origin};
use crate::layout::Layout;
use crate::rng::Rng;

mod emit;
mod gadgets;
mod generator;
mod groups;
mod operands;
mod values;

pub use generator::GeneratedProgram;
use generator::Generator;

/// Generates the case for `seed`: a generated program most of the time, sometimes a
/// mutated blob or random bytes for the parsers.
pub fn case_for_seed(seed: u64) -> Case {
    let mut rng = Rng::new(seed);
    let roll = rng.below(100);
    let mut case = generated_case(&mut rng, seed);
    match roll {
        0..=84 => {}
        85..=92 => {
            case.origin = Origin::Mutated;
            case.blob = crate::mutate::mutate_blob(&mut rng, &case.blob);
        }
        93..=97 => {
            case.origin = Origin::RandomCode;
            case.blob = crate::mutate::random_code_blob(&mut rng);
            case.initial_pc = 0;
        }
        _ => {
            case.origin = Origin::RandomBytes;
            case.blob = crate::mutate::random_bytes(&mut rng);
            case.initial_pc = 0;
        }
    }
    case
}

/// A generated program with its memory, registers, gas and host.
pub fn generated_case(rng: &mut Rng, seed: u64) -> Case {
    let layout = Layout::random(rng);
    let mut generator = Generator::new(rng, &layout);
    let program = generator.program();
    let regs = generator.registers();
    let rng = generator.rng;

    let initial_pc = match rng.below(100) {
        0..=84 => 0,
        85..=92 => *rng.pick(&program.label_pcs),
        93..=96 => *rng.pick(&program.starts),
        _ => rng.below(u64::from(program.code_len) + 4) as u32,
    };
    let gas = choose_gas(rng, &program.blob, initial_pc);

    let mut setup = layout.setup_actions(rng);
    for (reg, value) in regs.into_iter().enumerate() {
        if value != 0 {
            setup.push(Action::SetReg { reg, value });
        }
    }
    Case {
        seed,
        origin: Origin::Generated,
        blob: program.blob,
        initial_pc,
        gas,
        setup,
        host: Host::Random {
            seed: rng.next_u64(),
            heap_top: layout.heap_top,
        },
        max_runs: rng.range(4, 16) as usize,
    }
}

/// Gas for a run: mostly enough for a few thousand instructions, sometimes tiny, and
/// sometimes exactly around the cost of the first block so out-of-gas hits the boundary.
fn choose_gas(rng: &mut Rng, blob: &[u8], initial_pc: u32) -> u64 {
    match rng.below(100) {
        0..=14 => rng.below(64),
        15..=29 => {
            let first_block = Program::from_blob_bytes(blob, GpVersion::V0_8)
                .ok()
                .and_then(|p| {
                    let start = p.block_start_of(initial_pc)?;
                    p.block_cost_at(start)
                })
                .map_or(10, u64::from);
            (first_block + rng.below(3)).saturating_sub(1)
        }
        30..=64 => rng.range(64, 2_000),
        _ => rng.range(2_000, 30_000),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generation_is_deterministic() {
        for seed in 0..50 {
            assert_eq!(case_for_seed(seed), case_for_seed(seed));
        }
        assert_ne!(case_for_seed(1).blob, case_for_seed(2).blob);
    }

    #[test]
    fn most_generated_programs_load_and_use_many_opcodes() {
        let mut loaded = 0;
        let mut seen = std::collections::HashSet::new();
        for seed in 0..400 {
            let mut rng = Rng::new(seed);
            let case = generated_case(&mut rng, seed);
            if let Ok(program) = Program::from_blob_bytes(&case.blob, GpVersion::V0_8) {
                loaded += 1;
                for ins in program.instructions() {
                    seen.insert(ins.opcode);
                }
            }
        }
        assert!(loaded > 320, "only {loaded} of 400 programs load");
        assert_eq!(
            seen.len(),
            crate::asm::jam_opcodes().len(),
            "every JamV1 opcode appears"
        );
    }
}
