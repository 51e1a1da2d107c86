//! Traces of the memory: random op streams give memory-consistent traces (checked by
//! `machine::check::check` and by the replay oracle), tracing changes no outcome, and
//! broken tracers or edited traces are rejected.

mod support;

use evm_memory::{cell_address, Memory, MemoryError, DEFAULT_LIMIT, MEMORY_SPACE};
use machine::check::{check, Violation};
use machine::testing::{lie_is_observable, LyingTracer};
use machine::{Op, Record, Space, Traced, Tracer, VecTracer};
use support::{gen_ops, gen_tame_ops, run_ours, Rng};

fn traced(limit: u64) -> Memory<VecTracer> {
    Memory::with_tracer(limit, VecTracer::new()).unwrap()
}

fn assert_consistent(records: &[Record]) {
    assert_eq!(check(records), Ok(()));
    assert_eq!(machine::replay::replay(records), Ok(()));
}

/// The differential generator's streams (wild offsets and lengths, errors, nested frames):
/// the traced run has the same outcomes as the untraced one and its trace is consistent.
#[test]
fn random_streams_give_consistent_traces() {
    let mut total = 0;
    for seed in 0..400u64 {
        let mut rng = Rng::new(seed);
        let n = 1 + rng.below(64) as usize;
        let max_small = [64, 1024, 4096][rng.below(3) as usize];
        let ops = gen_ops(&mut rng, n, max_small);
        let limit = [u64::MAX, DEFAULT_LIMIT, 32 * 500][seed as usize % 3];
        let (mut plain_out, mut traced_out) = (Vec::new(), Vec::new());
        run_ours(
            &mut Memory::with_limit(limit).unwrap(),
            30_000_000,
            &ops,
            &mut plain_out,
        );
        let mut mem = traced(limit);
        run_ours(&mut mem, 30_000_000, &ops, &mut traced_out);
        assert_eq!(plain_out, traced_out, "seed {seed}");
        let records = mem.tracer_mut().take_records();
        assert!(records.iter().all(|r| r.space == MEMORY_SPACE));
        assert_consistent(&records);
        total += records.len();
    }
    assert!(total > 100_000, "only {total} records");
}

/// Long tame streams (every op runs, calls up to depth 8) and the memory reused with
/// `reset` between them: one trace, consistent.
#[test]
fn tame_streams_and_resets_give_one_consistent_trace() {
    let mut mem = traced(DEFAULT_LIMIT);
    for seed in 0..20u64 {
        let ops = gen_tame_ops(&mut Rng::new(seed), 2_000, 4_096, 96);
        let mut out = Vec::new();
        run_ours(&mut mem, 30_000_000, &ops, &mut out);
        assert_eq!(out.len(), ops.len(), "seed {seed}: every op ran");
        mem.reset();
    }
    let records = mem.tracer().records();
    assert!(records.len() > 200_000, "{}", records.len());
    assert_consistent(records);
}

/// Records of one small op sequence, for exact expectations.
fn ops_of(records: &[Record]) -> Vec<(Op, u64, u64)> {
    records.iter().map(|r| (r.op, r.address, r.value)).collect()
}

#[test]
fn frames_have_their_own_cells() {
    let mut mem = traced(DEFAULT_LIMIT);
    let mut gas = 1_000_000;
    mem.store_word(0, &[0x11; 32], &mut gas).unwrap();
    mem.enter();
    assert_eq!(mem.frame_serial(), 1);
    let mut child_gas = 1_000_000;
    assert_eq!(mem.load_byte(3, &mut child_gas), Ok(0));
    assert!(mem.leave());
    assert_eq!(mem.frame_serial(), 0);
    assert_eq!(mem.load_byte(3, &mut gas), Ok(0x11));
    let w = u64::from_le_bytes([0x11; 8]);
    assert_eq!(
        ops_of(mem.tracer().records()),
        vec![
            (Op::Write, 0, w),
            (Op::Write, 8, w),
            (Op::Write, 16, w),
            (Op::Write, 24, w),
            (Op::Read, cell_address(1, 0), 0),
            (Op::Read, 0, w),
        ]
    );
    assert_consistent(mem.tracer().records());
}

#[test]
fn copies_read_the_source_then_write_the_destination() {
    let mut mem = traced(DEFAULT_LIMIT);
    let mut gas = 1_000_000;
    mem.write(0, &[1, 2, 3, 4, 5, 6, 7, 8, 9], &mut gas)
        .unwrap();
    let n = mem.tracer().records().len();
    // Overlapping MCOPY of 9 bytes from 0 to 4: reads words 0 and 8, then writes words
    // 0 (partial: read + write), 8 (partial: read + write).
    mem.copy_within(4, 0, 9, &mut gas).unwrap();
    assert_eq!(
        mem.as_slice()[..13],
        [1, 2, 3, 4, 1, 2, 3, 4, 5, 6, 7, 8, 9]
    );
    let after = ops_of(&mem.tracer().records()[n..]);
    let le = |b: [u8; 8]| u64::from_le_bytes(b);
    assert_eq!(
        after,
        vec![
            (Op::Read, 0, le([1, 2, 3, 4, 5, 6, 7, 8])),
            (Op::Read, 8, 9),
            (Op::Read, 0, le([1, 2, 3, 4, 5, 6, 7, 8])),
            (Op::Write, 0, le([1, 2, 3, 4, 1, 2, 3, 4])),
            (Op::Read, 8, 9),
            (Op::Write, 8, le([5, 6, 7, 8, 9, 0, 0, 0])),
        ]
    );
    // CALLDATACOPY past the end of its source writes zeros: traced as writes.
    let m = mem.tracer().records().len();
    mem.copy_from(32, b"ab", 1, 8, &mut gas).unwrap();
    assert_eq!(
        ops_of(&mem.tracer().records()[m..]),
        vec![(Op::Write, 32, u64::from(b'b'))]
    );
    assert_consistent(mem.tracer().records());
}

#[test]
fn machine_memory_trait_is_traced_and_bounded() {
    let mut mem = traced(DEFAULT_LIMIT);
    let mut gas = 1_000;
    mem.resize(64, &mut gas).unwrap();
    machine::Memory::write(&mut mem, 60, &[7, 7, 7, 7]).unwrap();
    let mut buf = [0u8; 6];
    machine::Memory::read(&mut mem, 58, &mut buf).unwrap();
    assert_eq!(buf, [0, 0, 7, 7, 7, 7]);
    assert_eq!(
        machine::Memory::read(&mut mem, 60, &mut [0u8; 5]),
        Err(MemoryError::OutOfBounds {
            offset: 60,
            len: 5,
            size: 64
        })
    );
    assert_eq!(
        machine::Memory::write(&mut mem, u64::MAX, &[1]),
        Err(MemoryError::OutOfBounds {
            offset: u64::MAX,
            len: 1,
            size: 64
        })
    );
    machine::Memory::write(&mut mem, u64::MAX, &[]).unwrap();
    assert_eq!(mem.len(), 64, "never expands");
    assert_eq!(
        ops_of(mem.tracer().records()),
        vec![
            (Op::Read, 56, 0),
            (Op::Write, 56, 0x0707_0707_0000_0000),
            (Op::Read, 56, 0x0707_0707_0000_0000),
        ]
    );
    assert_consistent(mem.tracer().records());
}

/// A tracer that forgets frames: every frame's cells collapse onto the outermost frame's.
#[derive(Default)]
struct FrameBlind(VecTracer);

impl Tracer for FrameBlind {
    const ENABLED: bool = true;
    fn read(&mut self, space: Space, address: u64, value: u64) {
        self.0.read(space, address & ((1 << 40) - 1), value);
    }
    fn write(&mut self, space: Space, address: u64, value: u64) {
        self.0.write(space, address & ((1 << 40) - 1), value);
    }
}

#[test]
fn a_frame_blind_tracer_is_caught() {
    let mut mem = Memory::with_tracer(DEFAULT_LIMIT, FrameBlind::default()).unwrap();
    let mut gas = 1_000_000;
    mem.store_word(0, &[0x11; 32], &mut gas).unwrap();
    mem.enter();
    let mut child_gas = 1_000_000;
    mem.load_word(0, &mut child_gas).unwrap();
    let records = mem.tracer().0.records();
    assert!(matches!(
        check(records),
        Err(Violation::ReadMismatch { index: 4, expected, found: 0 }) if expected != 0
    ));
    assert!(machine::replay::replay(records).is_err());
}

/// A tracer lying about a read, or about a write that is read later, is caught wherever
/// the lie is.
#[test]
fn a_lying_tracer_is_caught() {
    let ops = gen_tame_ops(&mut Rng::new(3), 200, 256, 48);
    let mut honest = traced(DEFAULT_LIMIT);
    run_ours(&mut honest, 30_000_000, &ops, &mut Vec::new());
    let records = honest.tracer().records();
    let mut caught = 0;
    for at in 0..records.len() {
        if !lie_is_observable(records, at) {
            continue;
        }
        let mut mem = Memory::with_tracer(DEFAULT_LIMIT, LyingTracer::new(at as u64, 1)).unwrap();
        run_ours(&mut mem, 30_000_000, &ops, &mut Vec::new());
        let lied = mem.tracer().records();
        assert!(check(lied).is_err(), "lie at {at} accepted");
        assert!(machine::replay::replay(lied).is_err());
        caught += 1;
    }
    assert!(caught > 500, "{caught}");
}

/// Every single-record edit of a real trace that changes a read's value, or a written
/// value that is read later, is rejected by both checkers.
#[test]
fn edited_traces_are_rejected() {
    let mut mem = traced(DEFAULT_LIMIT);
    let ops = gen_tame_ops(&mut Rng::new(7), 300, 512, 64);
    run_ours(&mut mem, 30_000_000, &ops, &mut Vec::new());
    let records = mem.tracer_mut().take_records();
    assert_consistent(&records);
    let mut rng = Rng::new(99);
    let mut rejected = 0;
    for _ in 0..300 {
        let i = rng.below(records.len() as u64) as usize;
        let mut bad = records.clone();
        let bit = rng.below(64);
        bad[i].value ^= 1 << bit;
        let read_later = records[i + 1..]
            .iter()
            .find(|r| (r.space, r.address) == (records[i].space, records[i].address))
            .is_some_and(|r| r.op == Op::Read);
        if records[i].op == Op::Read || read_later {
            assert!(check(&bad).is_err(), "edit of record {i} accepted");
            assert!(machine::replay::replay(&bad).is_err());
            rejected += 1;
        }
    }
    assert!(rejected > 100);
    // Swapping two times breaks the order.
    let mut bad = records.clone();
    bad.swap(10, 11);
    assert!(matches!(
        check(&bad),
        Err(Violation::TimeNotIncreasing { .. })
    ));
}

#[test]
fn trace_file_roundtrip() {
    use machine::format::{decode, encode, SpaceInfo, Trace};
    let mut mem = traced(DEFAULT_LIMIT);
    let ops = gen_tame_ops(&mut Rng::new(1), 500, 4_096, 96);
    run_ours(&mut mem, 30_000_000, &ops, &mut Vec::new());
    let trace = Trace {
        spaces: vec![SpaceInfo {
            space: MEMORY_SPACE,
            name: "evm-memory".into(),
        }],
        records: mem.into_tracer().take_records(),
    };
    let bytes = encode(&trace).unwrap();
    let back = decode(&bytes).unwrap();
    assert_eq!(back, trace);
    assert_consistent(&back.records);
}

/// The committed example traces (`tests/data`, written by `examples/trace_ops.rs`) are what
/// the example produces today, and consistent.
#[test]
fn committed_traces_are_current_and_consistent() {
    for (ops, file, count) in [
        (150, "evm_ops_seed1_150.mtrace", 919),
        (2_000, "evm_ops_seed1_2000.mtrace", 11_520),
    ] {
        let path = format!("{}/tests/data/{file}", env!("CARGO_MANIFEST_DIR"));
        let trace = machine::format::decode(&std::fs::read(&path).unwrap()).unwrap();
        assert_eq!(trace.records.len(), count, "{file}");
        assert_consistent(&trace.records);
        let mut mem = traced(DEFAULT_LIMIT);
        let ops = gen_tame_ops(&mut Rng::new(1), ops, 4_096, 96);
        run_ours(&mut mem, 30_000_000, &ops, &mut Vec::new());
        assert_eq!(mem.tracer().records(), &trace.records[..], "{file}");
    }
}
