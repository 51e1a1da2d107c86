//! Regression cases for the disagreements differential testing found or guards.
//!
//! * [`runtime`] cases are saved as JSON conformance vectors under `tests/vectors/difftest/`
//!   with PolkaVM's behaviour as the expectation (`pvm-difftest --write-regressions DIR`
//!   writes them; `cargo test` replays them through `pvm_cli::vectors` and, where the CPU
//!   allows, checks the files still equal what PolkaVM does).
//! * [`load_time`] cases are blobs the two engines must treat alike at load time; the vector
//!   format cannot express a rejected program, so they are checked directly.

use pvm::Opcode;

use crate::asm::{le_bytes, opcode_byte};
use crate::case::{encode_blob, Action, Case, Host, Origin};
use crate::known::Known;
use crate::layout::{LAST_PAGE, PAGE};

/// A named runtime regression.
pub struct Regression {
    /// File name (without `.json`) and vector name.
    pub name: &'static str,
    /// What it guards.
    pub why: &'static str,
    /// The case.
    pub case: Case,
}

/// What both engines must do with a blob at load time.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LoadExpectation {
    /// Both reject it.
    BothReject,
    /// A documented divergence: we load it, PolkaVM rejects it.
    Known(Known),
}

/// A named load-time regression.
pub struct LoadRegression {
    /// Name.
    pub name: &'static str,
    /// What it guards.
    pub why: &'static str,
    /// The raw blob.
    pub blob: Vec<u8>,
    /// What must happen.
    pub expect: LoadExpectation,
}

/// Encodes instructions given as (opcode, operand bytes) with every start marked.
fn program(instructions: &[(Opcode, Vec<u8>)], jump_table: &[u32], entry_size: u8) -> Vec<u8> {
    let mut code = Vec::new();
    let mut starts = Vec::new();
    for (opcode, operands) in instructions {
        starts.push(code.len());
        code.push(opcode_byte(*opcode));
        code.extend_from_slice(operands);
    }
    let mut bitmask = vec![0u8; code.len().div_ceil(8)];
    for start in starts {
        bitmask[start / 8] |= 1 << (start % 8);
    }
    encode_blob(&code, &bitmask, jump_table, entry_size)
}

fn case(blob: Vec<u8>, pc: u32, gas: u64, setup: Vec<Action>, answers: Vec<Vec<Action>>) -> Case {
    let max_runs = answers.len() + 1;
    Case {
        seed: 0,
        origin: Origin::Generated,
        blob,
        initial_pc: pc,
        gas,
        setup,
        host: Host::Replay(answers),
        max_runs,
    }
}

fn map(address: u32, writable: bool) -> Action {
    Action::Map {
        address,
        length: PAGE,
        writable,
    }
}

/// The runtime regressions (all of them agree today).
pub fn runtime() -> Vec<Regression> {
    let trap = (Opcode::Trap, vec![]);
    vec![
        Regression {
            name: "difftest_wrap_load_unmapped_last_page",
            why: "a load wrapping past 2^32 with the last page unmapped page-faults at \
                  0xFFFFF000 (GP A.9: min of the unreduced indices); once the host maps \
                  the page the wrapped bytes land in low memory and it panics",
            case: case(
                // load_u32 r7, [0xFFFFFFFE] ; trap
                program(&[(Opcode::LoadU32, vec![7, 0xFE]), trap.clone()], &[], 0),
                0,
                10_000,
                vec![map(0x1_0000, true)],
                vec![vec![map(LAST_PAGE, true)]],
            ),
        },
        Regression {
            name: "difftest_wrap_store_unmapped_last_page",
            why: "a store wrapping past 2^32 (r1 = 0xFFFFFFFC, 8 bytes) with the last page \
                  unmapped page-faults at 0xFFFFF000; mapped read-write it panics",
            case: case(
                // store_imm_ind_u64 [r1 + 0], 0x55 ; trap
                program(
                    &[(Opcode::StoreImmIndU64, vec![1, 0x55]), trap.clone()],
                    &[],
                    0,
                ),
                0,
                10_000,
                vec![Action::SetReg {
                    reg: 1,
                    value: 0xFFFF_FFFC,
                }],
                vec![vec![map(LAST_PAGE, true)]],
            ),
        },
        Regression {
            name: "difftest_load_ending_at_top_unmapped",
            why: "a 2-byte load at 0xFFFFFFFE ends exactly at 2^32; with the last page \
                  unmapped both engines page-fault at 0xFFFFF000 (mapped, PolkaVM traps \
                  where the GP reads the bytes: a documented divergence)",
            case: case(
                program(&[(Opcode::LoadU16, vec![2, 0xFE]), trap.clone()], &[], 0),
                0,
                10_000,
                vec![],
                vec![],
            ),
        },
        Regression {
            name: "difftest_out_of_gas_entering_mid_block",
            why: "starting in the middle of a block with too little gas for the enclosing \
                  block: out-of-gas, gas unchanged, pc = the entry pc (PolkaVM's next pc)",
            case: case(
                program(
                    &[
                        (Opcode::LoadImm, vec![7, 1]),
                        (Opcode::LoadImm, vec![8, 2]),
                        trap.clone(),
                    ],
                    &[],
                    0,
                ),
                3,
                1,
                vec![],
                vec![],
            ),
        },
        Regression {
            name: "difftest_zero_size_jump_table",
            why: "a jump table of two entries of size 0 holds no targets: a dynamic jump \
                  through it panics (PolkaVM; the engine expanded it to zeros before 8e0bd65)",
            case: case(
                // load_imm r1, 2 ; jump_ind r1, 0 ; trap
                program(
                    &[
                        (Opcode::LoadImm, vec![1, 2]),
                        (Opcode::JumpInd, vec![1]),
                        trap.clone(),
                    ],
                    &[0, 0],
                    0,
                ),
                0,
                10_000,
                vec![],
                vec![],
            ),
        },
        Regression {
            name: "difftest_host_call_resume_with_memory",
            why: "ecalli exits with its id; the host writes memory and a register, and \
                  execution resumes after the ecalli without paying for the block again",
            case: case(
                // ecalli 0x7FFFFFFF ; load_u8 r8, [0x10000] ; jump_ind r0, 0
                program(
                    &[
                        (Opcode::Ecalli, le_bytes(0x7FFF_FFFF, 4)),
                        (Opcode::LoadU8, vec![8, 0, 0, 1]),
                        (Opcode::JumpInd, vec![0]),
                    ],
                    &[],
                    0,
                ),
                0,
                10_000,
                vec![map(0x1_0000, false)],
                vec![vec![
                    Action::Write {
                        address: 0x1_0000,
                        bytes: vec![0xAB],
                    },
                    Action::SetReg {
                        reg: 0,
                        value: u64::from(pvm::HALT_ADDRESS),
                    },
                ]],
            ),
        },
    ]
}

/// The load-time regressions.
pub fn load_time() -> Vec<LoadRegression> {
    // 24 operand bytes after an instruction at pc 7, then a trap at pc 32.
    let mut full_skip_code = vec![opcode_byte(Opcode::Fallthrough); 7];
    full_skip_code.push(opcode_byte(Opcode::LoadImm));
    full_skip_code.extend([1u8; 24]);
    full_skip_code.push(opcode_byte(Opcode::Trap));
    vec![
        LoadRegression {
            name: "over_long_code_length",
            why: "code length 1 written in two bytes (80 01): not E(1), deblob fails",
            blob: vec![0, 0, 0x80, 0x01, 0, 1],
            expect: LoadExpectation::BothReject,
        },
        LoadRegression {
            name: "over_long_code_length_three_bytes",
            why: "code length 213 written as c0 d5 00 (the disagreement pvm-difftest found)",
            blob: {
                let mut blob = vec![0, 0, 0xC0, 0xD5, 0x00];
                blob.extend(vec![0u8; 213]);
                blob.extend(vec![0xFFu8; 26]);
                blob.push(0x1F);
                blob
            },
            expect: LoadExpectation::BothReject,
        },
        LoadRegression {
            name: "bitmask_padding_bit_set",
            why: "one code byte, bitmask 0b11: the padding bit is set, so the bitmask is not \
                  E(k) of a |c|-bit string",
            blob: vec![0, 0, 1, 0, 0b11],
            expect: LoadExpectation::BothReject,
        },
        LoadRegression {
            name: "full_skip_near_end",
            why: "skip 24 from pc 7 to a valid trap at pc 32: PolkaVM's slow bitmask scan \
                  misses the set bit and rejects the program",
            blob: encode_blob(&full_skip_code, &[0xFF, 0, 0, 0, 1], &[], 0),
            expect: LoadExpectation::Known(Known::FullSkipNearEnd),
        },
        LoadRegression {
            name: "jump_table_entry_size_5",
            why: "z = 5: PolkaVM rejects it, GP (A.2) allows any z",
            blob: encode_blob(&[0], &[1], &[0], 5),
            expect: LoadExpectation::Known(Known::JumpTableEntrySize),
        },
    ]
}

#[cfg(test)]
mod tests {
    use super::*;
    use pvm::{GpVersion, Program};

    #[test]
    fn our_engine_loads_exactly_the_expected_blobs() {
        for regression in load_time() {
            let loads = Program::from_blob_bytes(&regression.blob, GpVersion::V0_8).is_ok();
            let should_load = matches!(regression.expect, LoadExpectation::Known(_));
            assert_eq!(loads, should_load, "{}", regression.name);
        }
        for regression in runtime() {
            assert!(
                Program::from_blob_bytes(&regression.case.blob, GpVersion::V0_8).is_ok(),
                "{}",
                regression.name
            );
        }
    }
}
