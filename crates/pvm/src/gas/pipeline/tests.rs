//! Tests of the pipeline simulation: hand-translated vector blocks, a literal
//! step-by-step reference simulation, random and adversarial blocks.

use super::*;
use std::time::{Duration, Instant};

mod fixtures;
mod literal;

use fixtures::vector_blocks;
use literal::literal_cost;

// ---- Builders following the parameter table of spec-digest §6.3 ----

fn mask(regs: &[u8]) -> u16 {
    regs.iter().fold(0, |m, &r| m | (1 << r))
}

fn units(alu: u8, load: u8, store: u8, mul: u8, div: u8) -> Units {
    Units {
        alu,
        load,
        store,
        mul,
        div,
    }
}

fn raw(cycles: u8, decode_slots: u8, units: Units, srcs: &[u8], dsts: &[u8]) -> CostParams {
    CostParams {
        cycles,
        decode_slots,
        units,
        srcs: mask(srcs),
        dsts: mask(dsts),
        is_move: false,
        is_terminator: false,
    }
}

/// P(a, b): `a` if the instruction reads one of the registers it writes, else `b`.
fn p_rule(a: u8, b: u8, srcs: &[u8], dst: u8) -> u8 {
    if srcs.contains(&dst) {
        a
    } else {
        b
    }
}

fn term(mut p: CostParams) -> CostParams {
    p.is_terminator = true;
    p
}

fn mv(dst: u8, src: u8) -> CostParams {
    CostParams {
        is_move: true,
        ..raw(0, 1, Units::default(), &[src], &[dst])
    }
}

/// and, xor, or, add_64, sub_64 and their `_imm` / 64-bit immediate-shift forms.
fn alu64(dst: u8, srcs: &[u8]) -> CostParams {
    raw(
        1,
        p_rule(1, 2, srcs, dst),
        units(1, 0, 0, 0, 0),
        srcs,
        &[dst],
    )
}

/// add_32, sub_32, add_imm_32, 32-bit immediate shifts.
fn alu32(dst: u8, srcs: &[u8]) -> CostParams {
    raw(
        2,
        p_rule(2, 3, srcs, dst),
        units(1, 0, 0, 0, 0),
        srcs,
        &[dst],
    )
}

/// count_set_bits_*, leading_zero_bits_*, sign/zero extensions.
fn trivial(dst: u8, src: u8) -> CostParams {
    raw(1, 1, units(1, 0, 0, 0, 0), &[src], &[dst])
}

/// shlo_l/shlo_r/shar_r_32, rot_*_32: `rd = ra <shift> rb`, slots P_S(3, 4).
fn shift32(rd: u8, ra: u8, rb: u8) -> CostParams {
    let slots = if ra == rd { 3 } else { 4 };
    raw(2, slots, units(1, 0, 0, 0, 0), &[ra, rb], &[rd])
}

fn and_inv(dst: u8, srcs: &[u8]) -> CostParams {
    raw(2, 3, units(1, 0, 0, 0, 0), srcs, &[dst])
}

fn load_imm(dst: u8) -> CostParams {
    raw(1, 1, Units::default(), &[], &[dst])
}

fn load_imm_64(dst: u8) -> CostParams {
    raw(1, 2, Units::default(), &[], &[dst])
}

/// Any load (direct: no source; indirect: the base register).
fn load(dst: u8, srcs: &[u8]) -> CostParams {
    raw(25, 1, units(1, 1, 0, 0, 0), srcs, &[dst])
}

fn store(srcs: &[u8]) -> CostParams {
    raw(25, 1, units(1, 0, 1, 0, 0), srcs, &[])
}

fn mul64(dst: u8, srcs: &[u8]) -> CostParams {
    raw(
        3,
        p_rule(1, 2, srcs, dst),
        units(1, 0, 0, 1, 0),
        srcs,
        &[dst],
    )
}

fn div(dst: u8, srcs: &[u8]) -> CostParams {
    raw(60, 4, units(1, 0, 0, 0, 1), srcs, &[dst])
}

/// A branch; `cheap` = fall-through or target starts with `trap`/`unlikely` (latency 1, else 20).
fn branch(srcs: &[u8], cheap: bool) -> CostParams {
    term(raw(
        if cheap { 1 } else { 20 },
        1,
        units(1, 0, 0, 0, 0),
        srcs,
        &[],
    ))
}

fn trap() -> CostParams {
    term(raw(2, 1, Units::default(), &[], &[]))
}

fn fallthrough() -> CostParams {
    trap()
}

fn unlikely() -> CostParams {
    raw(40, 1, Units::default(), &[], &[])
}

fn jump() -> CostParams {
    term(raw(15, 1, Units::default(), &[], &[]))
}

fn jump_ind(src: u8) -> CostParams {
    term(raw(22, 1, Units::default(), &[src], &[]))
}

fn cost(block: &[CostParams]) -> u32 {
    block_cost(block.iter().copied())
}

#[test]
fn test_vector_blocks() {
    let mut failures = Vec::new();
    for (name, pc, want, block) in vector_blocks() {
        let got = cost(&block);
        if got != want {
            failures.push(format!("{name} @{pc}: want {want}, got {got}"));
        }
    }
    assert!(failures.is_empty(), "{failures:#?}");
}

#[test]
fn basic_consume_all() {
    assert_eq!(cost(&[mv(0, 0), trap()]), 2);
}

fn vector_block(name: &str) -> Vec<CostParams> {
    vector_blocks()
        .into_iter()
        .find(|b| b.0 == name)
        .map(|b| b.3)
        .expect("known block")
}

#[test]
fn div_then_moves_then_use() {
    // gas_multiple_register_moves_complex: the add waits ~60 cycles for the div.
    let block = vector_block("gas_multiple_register_moves_complex");
    assert_eq!(cost(&block), 62);
    // Without the dependency (the add reads r6 only) only the div's own latency remains,
    // but the add no longer waits for it.
    let mut independent = block.clone();
    independent[6] = alu64(10, &[6]);
    assert_eq!(cost(&independent), 61);
}

#[test]
fn move_renaming() {
    // The second load reads r7; values from the Python reference.
    let chained = [load(7, &[1]), load(11, &[7]), trap()];
    // r6 = r7: r6 is now produced by the first load.
    let via_move = [load(7, &[1]), mv(6, 7), load(11, &[6]), trap()];
    // r7 = r5: the first load no longer produces r7.
    let renamed = [load(7, &[1]), mv(7, 5), load(11, &[7]), trap()];
    assert_eq!(cost(&chained), 50);
    assert_eq!(cost(&via_move), 50);
    assert_eq!(cost(&renamed), 25);
}

#[test]
fn implicit_trap_when_stream_ends() {
    // gas_jump_trap_else @4 without its trap, and an empty stream (just the trap).
    assert_eq!(cost(&[load_imm(7)]), 2);
    assert_eq!(cost(&[]), 2);
    assert_eq!(cost(&[trap()]), 2);
    let complex_1 = vector_block("gas_complex_1");
    assert_eq!(cost(&complex_1[..complex_1.len() - 1]), 28);
}

#[test]
fn stops_pulling_after_terminator() {
    let mut pulled = 0;
    let stream = std::iter::from_fn(|| {
        pulled += 1;
        Some(if pulled == 3 { trap() } else { load_imm(1) })
    });
    assert_eq!(block_cost(stream), 2);
    assert_eq!(pulled, 3);
}

#[test]
fn long_blocks_fill_the_rob() {
    // Values from the Python reference. 33 dependent loads: 25 cycles each.
    let mut chain: Vec<_> = (0..33).map(|_| load(1, &[1])).collect();
    chain.push(trap());
    assert_eq!(cost(&chain), 825);
    // Independent loads: four load units, 25 cycles per group of four.
    let mut independent: Vec<_> = (0..32).map(|_| load(1, &[2])).collect();
    independent.push(trap());
    assert_eq!(cost(&independent), 200);
    independent.insert(0, load(1, &[2]));
    assert_eq!(cost(&independent), 225);
    // `unlikely` hints (latency 40, no units): with 41 entries, the 33rd can only be decoded
    // once the first retires, so a second 40-cycle latency appears.
    let mut hints: Vec<_> = (0..31).map(|_| unlikely()).collect();
    hints.push(trap());
    assert_eq!(cost(&hints), 47);
    let mut hints: Vec<_> = (0..40).map(|_| unlikely()).collect();
    hints.push(trap());
    assert_eq!(cost(&hints), 84);
}

// The workspace's deterministic generator, for pseudo-random blocks.
use machine::testing::Rng;

#[test]
fn huge_blocks_are_fast() {
    let start = Instant::now();
    // Expected values extrapolate the Python reference's results for 10..400 instructions
    // (exactly 60 cycles per division, 25 per group of four loads).
    // 10 000 dependent divisions: serial, 60 cycles each.
    let mut chain: Vec<_> = (0..10_000).map(|_| div(1, &[1, 2])).collect();
    chain.push(trap());
    assert_eq!(cost(&chain), 600_000);
    // 10 000 independent divisions: still serialised by the single divider.
    let mut indep: Vec<_> = (0..10_000).map(|i| div(1 + (i % 12) as u8, &[0])).collect();
    indep.push(trap());
    assert_eq!(cost(&indep), 600_000);
    // 10 000 independent loads: 25 cycles per group of four (the ROB is the other limit).
    let loads: Vec<_> = (0..10_000)
        .map(|i| load(1 + (i % 12) as u8, &[0]))
        .collect();
    assert_eq!(cost(&loads), 62_500);
    // 10 000 pseudo-random table instructions.
    let mut rng = Rng::new(0x9e37_79b9_7f4a_7c15);
    let block: Vec<_> = (0..10_000)
        .map(|_| {
            let r = rng.next_u64();
            let d = (r % 13) as u8;
            let s = ((r >> 8) % 13) as u8;
            match (r >> 16) % 8 {
                0 => load(d, &[s]),
                1 => store(&[d, s]),
                2 => mul64(d, &[d, s]),
                3 => div(d, &[s]),
                4 => mv(d, s),
                5 => load_imm(d),
                _ => alu64(d, &[s]),
            }
        })
        .collect();
    let c = cost(&block);
    assert!(c > 10_000 / 4, "{c}");
    // A few milliseconds when optimised; the bound is loose for slow debug builds on busy
    // machines but still catches quadratic behaviour (seconds to minutes here).
    assert!(
        start.elapsed() < Duration::from_secs(30),
        "too slow: {:?}",
        start.elapsed()
    );
}

#[test]
fn bad_params_do_not_hang() {
    let mut p = alu64(1, &[2]);
    p.decode_slots = 0;
    assert!(cost(&[p, p, p, trap()]) >= 1);
    p.decode_slots = 9;
    // Clamped to 4: one instruction per cycle, same as 4 slots.
    let mut four = p;
    four.decode_slots = 4;
    assert_eq!(cost(&[p, p, p, trap()]), cost(&[four, four, four, trap()]));
    let mut m = mul64(1, &[2]);
    m.units.mul = 3;
    m.units.alu = 200;
    m.units.div = 255;
    assert!(cost(&[m, m, trap()]) >= 1);
    // Zero-cycle instruction holding units: the reference never frees them.
    let mut z = mul64(1, &[2]);
    z.cycles = 0;
    let hog = mul64(3, &[4]);
    assert!(cost(&[z, hog, z, hog, trap()]) >= 1);
    // Leaking one ALU is harmless here: the reference gives 3.
    let leak = raw(0, 1, units(1, 0, 0, 0, 0), &[2], &[1]);
    let four_alu = [
        alu64(3, &[3]),
        alu64(4, &[4]),
        alu64(5, &[5]),
        alu64(6, &[6]),
    ];
    let mut block = vec![leak];
    block.extend(four_alu);
    block.push(trap());
    assert_eq!(cost(&block), 3);
    let all_alu = raw(0, 1, units(4, 4, 4, 1, 1), &[], &[]);
    assert!(cost(&[all_alu, alu64(1, &[1]), all_alu, alu64(2, &[2]), trap()]) >= 1);
    // A terminating move ends the block.
    assert_eq!(cost(&[term(mv(1, 2)), load(1, &[1])]), 1);
    // Garbage everywhere, including moves with several registers.
    let mut rng = Rng::new(12345);
    for _ in 0..200 {
        let n = (rng.next_u64() % 80) as usize;
        let block: Vec<CostParams> = (0..n)
            .map(|_| {
                let r = rng.next_u64();
                CostParams {
                    cycles: (r % 256) as u8,
                    decode_slots: ((r >> 8) % 8) as u8,
                    units: units(
                        ((r >> 11) % 6) as u8,
                        ((r >> 14) % 6) as u8,
                        ((r >> 17) % 6) as u8,
                        ((r >> 20) % 3) as u8,
                        ((r >> 22) % 3) as u8,
                    ),
                    srcs: (r >> 24) as u16,
                    dsts: (r >> 40) as u16,
                    is_move: (r >> 56) & 3 == 0,
                    is_terminator: (r >> 58) & 31 == 0,
                }
            })
            .collect();
        assert!(cost(&block) >= 1);
    }
}

#[test]
fn literal_simulation_agrees_on_known_blocks() {
    for (name, pc, want, block) in vector_blocks() {
        assert_eq!(literal_cost(&block), want, "{name} @{pc}");
    }
    let mut chain: Vec<_> = (0..33).map(|_| load(1, &[1])).collect();
    chain.push(trap());
    assert_eq!(literal_cost(&chain), 825);
}

/// A pseudo-random block: instructions shaped like the GP table (`wild == false`), or
/// arbitrary parameters including zero-cycle entries holding units (`wild == true`).
fn random_block(rng: &mut Rng, wild: bool) -> Vec<CostParams> {
    let len = (rng.next_u64() % [6, 20, 48, 90][(rng.next_u64() % 4) as usize]) as usize;
    let regs = [2, 4, 13][(rng.next_u64() % 3) as usize];
    (0..len)
        .map(|_| {
            let r = rng.next_u64();
            let reg = |shift: u32| ((r >> shift) % regs) as u8;
            let (d, s1, s2) = (reg(0), reg(8), reg(16));
            if wild {
                let q = rng.next_u64();
                return CostParams {
                    cycles: [0, 1, 2, 3, (q >> 8) as u8][(q % 5) as usize],
                    decode_slots: ((q >> 16) % 7) as u8,
                    units: units(
                        ((q >> 20) % 6) as u8,
                        ((q >> 24) % 6) as u8,
                        ((q >> 28) % 3) as u8,
                        ((q >> 32) % 3) as u8,
                        ((q >> 34) % 3) as u8,
                    ),
                    srcs: (r >> 24) as u16 & (r >> 40) as u16,
                    dsts: if q >> 40 & 3 == 0 {
                        (q >> 42) as u16
                    } else {
                        1 << d
                    },
                    is_move: q >> 58 & 7 == 0,
                    is_terminator: q >> 61 == 0 && r >> 60 == 0,
                };
            }
            match (r >> 24) % 16 {
                0 | 1 => alu64(d, &[s1, s2]),
                2 => alu32(d, &[s1]),
                3 | 4 => load(d, &[s1]),
                5 => store(&[s1, s2]),
                6 => mul64(d, &[d, s1]),
                7 => div(d, &[s1, s2]),
                8 | 9 => mv(d, s1),
                10 => load_imm(d),
                11 => load_imm_64(d),
                12 => shift32(d, s1, s2),
                13 => unlikely(),
                14 => trivial(d, s1),
                _ => branch(&[s1, s2], r >> 40 & 1 == 0),
            }
        })
        .collect()
}

#[test]
fn matches_literal_simulation_on_random_blocks() {
    let mut rng = Rng::new(0x2545_f491_4f6c_dd1d);
    for i in 0..6_000 {
        let block = random_block(&mut rng, i % 3 == 2);
        assert_eq!(cost(&block), literal_cost(&block), "{block:?}");
    }
}
