//! Blocks of the conformance vectors with their expected costs, hand-translated from
//! `polkavm-e88d5b4/TESTCASES.md` into cost parameters.

use super::*;

/// (test case, block offset, expected cost, instructions)
pub(super) fn vector_blocks() -> Vec<(&'static str, u32, u32, Vec<CostParams>)> {
    vec![
        (
            "gas_basic_consume_all",
            0,
            2,
            vec![mv(0, 0), trap()], // r0 = r0; trap
        ),
        (
            "gas_complex_1",
            0,
            28,
            vec![
                load(9, &[7]),      // r9 = i16 [r7 + 0x6]
                alu64(8, &[8]),     // r8 = r8 & 0x7
                load_imm(10),       // r10 = 0x1
                alu64(8, &[8]),     // r8 = r8 << 0x8
                alu64(9, &[9]),     // r9 = r9 & 0xfffffffffffff8ff
                alu64(8, &[8, 9]),  // r8 = r8 | r9
                alu64(9, &[8, 10]), // r9 = r8 + r10
                store(&[10, 7]),    // u8 [r7 + 0x2] = a3
                trap(),
            ],
        ),
        (
            "gas_complex_2",
            0,
            22,
            vec![
                trivial(8, 7),         // i32 r8 = clz r7
                shift32(7, 7, 8),      // i32 r7 = r7 << r8
                alu64(8, &[8]),        // r8 = r8 << 0x17
                alu32(9, &[7]),        // i32 r9 = r7 >> 0x8
                alu64(10, &[7]),       // r10 = r7 >> 0x7
                and_inv(10, &[10, 9]), // r10 = r10 & ~r9
                alu32(9, &[9, 8]),     // i32 r9 = r9 - r8
                alu64(7, &[7]),        // r7 = r7 << 0x18
                alu64(10, &[10]),      // r10 = r10 & 0x1
                alu32(7, &[7, 10]),    // i32 r7 = r7 - r10
                alu32(7, &[7]),        // i32 r7 = r7 >> 0x1f
                alu64(8, &[9]),        // r8 = r9 + 0x4e800000
                alu32(7, &[7, 8]),     // i32 r7 = r7 + r8
                load_imm(8),           // r8 = 0x46008c00
                load_imm(0),           // r0 = 0x24
                jump(),                // jump 0
            ],
        ),
        (
            // 38 instructions: more than the 32 ROB entries.
            "gas_complex_3",
            0,
            109,
            vec![
                unlikely(),
                load(3, &[5]),       // r3 = u8 [r5 + 0]
                load(8, &[5]),       // r8 = u8 [r5 + 0x11]
                load_imm(9),         // r9 = 0x172d0
                load(10, &[5]),      // r10 = u8 [r5 + 0x16]
                alu64(2, &[1]),      // r2 = r1 + 0x58
                alu64(8, &[8]),      // r8 = r8 << 0x3
                alu64(8, &[8, 9]),   // r8 = r8 + r9
                load(9, &[8]),       // r9 = u8 [r8 + 0]
                load(12, &[8]),      // r12 = u8 [r8 + 0x1]
                load(6, &[8]),       // r6 = u8 [r8 + 0x2]
                load(11, &[8]),      // r11 = u8 [r8 + 0x3]
                alu64(10, &[10, 2]), // r10 = r10 + r2
                alu64(12, &[12]),    // r12 = r12 << 0x8
                alu64(6, &[6]),      // r6 = r6 << 0x10
                alu64(11, &[11]),    // r11 = r11 << 0x18
                alu64(9, &[9, 12]),  // r9 = r9 | r12
                load(12, &[8]),      // r12 = u8 [r8 + 0x4]
                load(7, &[8]),       // r7 = u8 [r8 + 0x5]
                alu64(11, &[11, 6]), // r11 = r11 | r6
                load(6, &[8]),       // r6 = u8 [r8 + 0x6]
                load(8, &[8]),       // r8 = u8 [r8 + 0x7]
                alu64(7, &[7]),      // r7 = r7 << 0x8
                alu64(7, &[7, 12]),  // r7 = r7 | r12
                alu64(6, &[6]),      // r6 = r6 << 0x10
                alu64(8, &[8]),      // r8 = r8 << 0x18
                alu64(8, &[8, 6]),   // r8 = r8 | r6
                alu64(9, &[9, 11]),  // r9 = r9 | r11
                alu64(7, &[7, 8]),   // r7 = r7 | r8
                alu64(8, &[5, 3]),   // r8 = r5 - r3
                alu64(7, &[7]),      // r7 = r7 << 0x20
                alu64(7, &[7, 9]),   // r7 = r7 | r9
                store(&[7, 1]),      // u64 [r1 + 0x58] = r7
                load(7, &[10]),      // r7 = u8 [r10 + 0]
                load(8, &[8]),       // r8 = u8 [r8 + 0x4]
                mul64(7, &[8, 7]),   // r7 = r8 * r7
                load(8, &[5]),       // r8 = u8 [r5 + 0x23]
                branch(&[8], true),  // jump 0 if r8 != 0 (fall-through is a trap)
            ],
        ),
        (
            "gas_load_and_jump",
            0,
            26,
            vec![
                load(9, &[7]),      // r9 = u8 [r7 + 0xb]
                branch(&[9], true), // jump 0 if r9 == 0 (fall-through is a trap)
            ],
        ),
        (
            "gas_memory_accesses",
            0,
            25,
            vec![
                mv(7, 6),       // r7 = r6
                load(0, &[1]),  // r0 = u64 [r1 + 0x30]
                load(5, &[1]),  // r5 = u64 [r1 + 0x28]
                load(6, &[1]),  // r6 = u64 [r1 + 0x20]
                alu64(1, &[1]), // r1 = r1 + 0x38
                trap(),
            ],
        ),
        (
            "gas_mul_with_dep",
            0,
            4,
            vec![
                alu64(7, &[8, 9]),   // r7 = r8 + r9
                mul64(11, &[7, 10]), // r11 = r7 * r10
                trap(),
            ],
        ),
        (
            "gas_multiple_register_moves_complex",
            0,
            62,
            vec![
                load_imm(5),        // r5 = 0
                load_imm(6),        // r6 = 0x1
                div(7, &[5, 6]),    // r7 = r5 /s r6
                mv(8, 7),           // r8 = r7
                mv(9, 8),           // r9 = r8
                mv(9, 9),           // r9 = r9
                alu64(10, &[6, 9]), // r10 = r6 + r9 (depends on the div through the moves)
                trap(),
            ],
        ),
        (
            "gas_multiple_register_moves_simple",
            0,
            20,
            vec![
                mv(9, 7),            // r9 = r7
                mv(7, 5),            // r7 = r5
                branch(&[9], false), // jump 0 if r9 != 0 (fall-through is `fallthrough`)
            ],
        ),
        (
            "gas_multiple_register_moves_simple",
            7,
            2,
            vec![fallthrough()],
        ),
        (
            "gas_overwrite_register",
            0,
            48,
            vec![
                load(5, &[1]),     // r5 = u64 [r1 + 0]
                alu64(5, &[8, 9]), // r5 = r8 + r9
                load(5, &[5]),     // r5 = u64 [r5 + 0]
                jump_ind(5),       // jump [r5 + 0]
            ],
        ),
        (
            "gas_register_move_use_all_decode_slots",
            0,
            3,
            vec![mv(5, 8), mv(7, 8), mv(8, 2), mv(9, 6), trap()],
        ),
        (
            "gas_register_move",
            0,
            3,
            vec![
                load_imm(5),    // r5 = 0x1
                mv(7, 5),       // r7 = r5
                alu64(8, &[7]), // r8 = r7 + 0x1
                trap(),
            ],
        ),
        (
            "gas_resource_limits_mul",
            0,
            6,
            vec![
                mul64(7, &[8, 9]),   // r7 = r8 * r9
                mul64(8, &[10, 11]), // r8 = r10 * r11 (waits for the single mul unit)
                trap(),
            ],
        ),
        (
            "gas_sequential_decode_limits",
            0,
            4,
            vec![
                load_imm_64(7),
                load_imm_64(8),
                load_imm_64(9),
                load_imm_64(10),
                trap(),
            ],
        ),
        (
            "gas_jump_trap_else",
            0,
            1,
            vec![branch(&[7], true)], // jump 4 if r7 == 0 (fall-through is a trap)
        ),
        ("gas_jump_trap_else", 4, 2, vec![load_imm(7), trap()]),
        (
            "gas_xor_and_shift",
            0,
            3,
            vec![
                alu64(8, &[8]),                                 // r8 = r8 ^ 0xffffffffffffffff
                raw(1, 3, units(1, 0, 0, 0, 0), &[7, 8], &[8]), // r8 = r7 >> r8 (P_S: 3)
                fallthrough(),
            ],
        ),
    ]
}
