//! Traces of the VM: README programs, random API sequences and random programs give
//! memory-consistent traces (checked by `machine::check` and the replay oracle), tracing
//! changes no result, and broken tracers are caught.

mod common;

use std::process::Command;

use common::{apply, arb_act, gen_program, Rng};
use machine::testing::{lie_is_observable, LyingTracer};
use machine::{check, replay, Machine, Op, Record, Registers, Space, Step, Traced, Tracer};
use machine::{VecTracer, Violation};
use memory3d::trace::{memory_address, register_address, MEMORY_SPACE, REGISTER_SPACE};
use memory3d::{isa, Exit, Vm3D, VmConfig};
use proptest::prelude::*;

fn assert_consistent(records: &[Record]) {
    assert_eq!(check(records), Ok(()));
    assert_eq!(replay(records), Ok(()));
}

fn config() -> VmConfig {
    VmConfig {
        enable_proof: true,
        memory_size: 1 << 20,
        ..VmConfig::default()
    }
}

/// Everything observable about a VM: root, gas used, instructions, registers,
/// allocations.
type State = (Option<[u8; 32]>, u64, u64, Vec<Vec<u8>>, Vec<String>);

fn state<T: Tracer>(vm: &Vm3D<T>) -> State {
    (
        vm.merkle_root(),
        vm.gas_used(),
        vm.stats().instructions_executed,
        (0..16).map(|i| vm.register(i).to_vec()).collect(),
        vm.allocations().map(|a| format!("{a:?}")).collect(),
    )
}

/// Every `$ m3d run` example of the README, run with `--memory-trace`: the same output as
/// documented, and a consistent trace in the file.
#[test]
fn readme_programs_give_consistent_trace_files() {
    let readme = include_str!("../README.md");
    let lines: Vec<&str> = readme.lines().collect();
    let dir = std::env::temp_dir().join(format!("m3d-trace-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let mut checked = 0;
    for (i, line) in lines.iter().enumerate() {
        let Some(cmd) = line.strip_prefix("$ m3d run ") else {
            continue;
        };
        if cmd.contains("--memory-trace") {
            continue;
        }
        let expected: String = lines[i + 1..]
            .iter()
            .take_while(|l| !l.starts_with("```"))
            .map(|l| format!("{l}\n"))
            .collect();
        let file = dir.join(format!("{i}.mtrace"));
        let out = Command::new(env!("CARGO_BIN_EXE_m3d"))
            .args(["run"])
            .args(cmd.split_whitespace())
            .arg("--memory-trace")
            .arg(&file)
            .output()
            .unwrap();
        assert_eq!(String::from_utf8(out.stdout).unwrap(), expected, "{cmd}");
        let trace = machine::read_trace(std::fs::File::open(&file).unwrap()).unwrap();
        assert_eq!(trace.spaces, memory3d::trace::spaces());
        assert_consistent(&trace.records);
        checked += 1;
    }
    std::fs::remove_dir_all(&dir).unwrap();
    assert!(checked >= 15, "only {checked} programs");
}

/// The README's combined program (MALLOC3D, MSTORE3D, MCOPY3D, MLOAD3D, MSIZE3D, ADD,
/// MFREE3D, HALT) record by record.
const COMBINED: &str = "12000001000000000000000000001100000000000000000000000000080100000008140000000000000000000000080000000000000810000000000000000000000000000000000008021500000000000000000000000000000331040203130000000000000000000000000000ff";

fn hex(s: &str) -> Vec<u8> {
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
        .collect()
}

fn combined_trace() -> Vec<Record> {
    let mut vm = Vm3D::with_tracer(
        VmConfig {
            enable_proof: true,
            ..VmConfig::default()
        },
        VecTracer::new(),
    )
    .unwrap();
    vm.set_register(1, vec![1, 2, 3, 4, 5, 6, 7, 8]);
    vm.execute(&hex(COMBINED)).unwrap();
    vm.into_tracer().take_records()
}

#[test]
fn combined_program_trace_is_exact() {
    let records = combined_trace();
    assert_consistent(&records);
    let r = |i: usize, k: u64| (REGISTER_SPACE, register_address(i, k));
    let m = |linear: u64| (MEMORY_SPACE, memory_address(0, linear));
    let v = 0x0807_0605_0403_0201u64; // bytes 1..=8 as a little-endian memory word
    let ops: Vec<(Op, (Space, u64), u64)> = records
        .iter()
        .map(|x| (x.op, (x.space, x.address), x.value))
        .collect();
    let expected = vec![
        // --reg 1=0102030405060708
        (Op::Write, r(1, 0), 8),
        (Op::Write, r(1, 1), 0x0102_0304_0506_0708),
        // MALLOC3D 256 -> r0 (14-byte address, zeros)
        (Op::Write, r(0, 0), 14),
        (Op::Write, r(0, 1), 0),
        (Op::Write, r(0, 2), 0),
        // MSTORE3D 0 0 8 r1 8: length, chunk, then the aligned word at 8
        (Op::Read, r(1, 0), 8),
        (Op::Read, r(1, 1), 0x0102_0304_0506_0708),
        (Op::Write, m(8), v),
        // MCOPY3D 0 0 8 -> 0 0 0, 8 bytes
        (Op::Read, m(8), v),
        (Op::Write, m(0), v),
        // MLOAD3D 0 0 0 8 -> r2
        (Op::Read, m(0), v),
        (Op::Write, r(2, 0), 8),
        (Op::Write, r(2, 1), 0x0102_0304_0506_0708),
        // MSIZE3D -> r3 = 256
        (Op::Write, r(3, 0), 8),
        (Op::Write, r(3, 1), 256),
        // ADD r4 r2 r3
        (Op::Read, r(2, 0), 8),
        (Op::Read, r(2, 1), 0x0102_0304_0506_0708),
        (Op::Read, r(3, 0), 8),
        (Op::Read, r(3, 1), 256),
        (Op::Write, r(4, 0), 8),
        (Op::Write, r(4, 1), 0x0102_0304_0506_0808),
        // MFREE3D: the one non-zero chunk's words, zeroed
        (Op::Write, m(0), 0),
        (Op::Write, m(8), 0),
        (Op::Write, m(16), 0),
        (Op::Write, m(24), 0),
    ];
    assert_eq!(ops, expected);
}

/// The committed example traces (`tests/data`) are what the VM produces today.
#[test]
fn committed_traces_are_current() {
    let path = format!("{}/tests/data/combined.mtrace", env!("CARGO_MANIFEST_DIR"));
    let trace = machine::read_trace(std::fs::File::open(path).unwrap()).unwrap();
    assert_eq!(trace.records, combined_trace());
    assert_eq!(trace.records.len(), 25);
}

/// Random programs, chained on one VM (registers, memory and allocations carry over; a
/// failing instruction ends its program): traced and untraced VMs end in the same state
/// and the trace is consistent.
#[test]
fn random_programs_give_consistent_traces() {
    let mut total = 0;
    for seed in 0..200u64 {
        let mut rng = Rng::new(seed);
        let cfg = VmConfig {
            gas_limit: [5_000, 200_000, 10_000_000][rng.below(3) as usize],
            ..config()
        };
        let mut plain = Vm3D::new(cfg.clone()).unwrap();
        let mut traced = Vm3D::with_tracer(cfg, VecTracer::new()).unwrap();
        for i in 0..4 {
            let value: Vec<u8> = (0..rng.below(20)).map(|_| rng.next_u64() as u8).collect();
            plain.set_register(i, value.clone());
            traced.set_register(i, value);
        }
        for _ in 0..40 {
            let program = gen_program(&mut rng, &plain);
            let a = plain.execute(&program);
            let b = traced.execute(&program);
            assert_eq!(a, b, "seed {seed}: {}", isa::disassemble(&program));
            assert_eq!(state(&plain), state(&traced), "seed {seed}");
        }
        let records = traced.tracer().records();
        assert_consistent(records);
        total += records.len();
    }
    assert!(total > 50_000, "only {total} records");
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

    /// The property tests' API sequences (allocate, free, store, copy, compact).
    #[test]
    fn api_sequences_give_consistent_traces(acts in prop::collection::vec(arb_act(), 1..40), gas in 1_000u64..2_000_000) {
        let cfg = VmConfig { gas_limit: gas, ..config() };
        let mut plain = Vm3D::new(cfg.clone()).unwrap();
        let mut traced = Vm3D::with_tracer(cfg, VecTracer::new()).unwrap();
        apply(&mut plain, &acts);
        apply(&mut traced, &acts);
        prop_assert_eq!(state(&plain), state(&traced));
        let records = traced.tracer().records();
        prop_assert_eq!(check(records), Ok(()));
        prop_assert_eq!(replay(records), Ok(()));
    }
}

/// A tracer that drops writes of zero to memory, as if free and compaction zeroed memory
/// without tracing it.
#[derive(Default)]
struct UntracedZeroing(VecTracer);

impl Tracer for UntracedZeroing {
    const ENABLED: bool = true;
    fn read(&mut self, space: Space, address: u64, value: u64) {
        self.0.read(space, address, value);
    }
    fn write(&mut self, space: Space, address: u64, value: u64) {
        if space != MEMORY_SPACE || value != 0 {
            self.0.write(space, address, value);
        }
    }
}

#[test]
fn untraced_zeroing_is_caught() {
    // MALLOC3D 64; MSTORE3D 0 0 0 r1 8; MFREE3D 0 0 0; MALLOC3D 64; MLOAD3D 0 0 0 8 r2
    let program = isa::assemble(
        "MALLOC3D 64 0 0 r0\nMSTORE3D 0 0 0 r1 8\nMFREE3D 0 0 0\nMALLOC3D 64 0 0 r0\nMLOAD3D 0 0 0 8 r2",
    )
    .unwrap();
    let mut vm = Vm3D::with_tracer(config(), UntracedZeroing::default()).unwrap();
    vm.set_register(1, vec![9; 8]);
    vm.execute(&program).unwrap();
    assert_eq!(vm.register(2), &[0; 8]);
    let records = vm.tracer().0.records();
    assert!(matches!(
        check(records),
        Err(Violation::ReadMismatch { found: 0, .. })
    ));
    assert!(replay(records).is_err());
}

/// A lie (in the most significant bit) about any read, or any write that is read later,
/// of a random run is caught.
#[test]
fn a_lying_tracer_is_caught() {
    let mut rng = Rng::new(5);
    let mut plain = Vm3D::new(config()).unwrap();
    let mut programs = Vec::new();
    for _ in 0..30 {
        let p = gen_program(&mut rng, &plain);
        let _ = plain.execute(&p);
        programs.push(p);
    }
    let run = |tracer| {
        let mut vm = Vm3D::with_tracer(config(), tracer).unwrap();
        for p in &programs {
            let _ = vm.execute(p);
        }
        vm.into_tracer()
    };
    let honest = run(LyingTracer::honest()).take_records();
    assert_consistent(&honest);
    let mut caught = 0;
    for at in 0..honest.len() {
        if !lie_is_observable(&honest, at) {
            continue;
        }
        let lied = run(LyingTracer::new(at as u64, 1 << 63)).take_records();
        assert!(check(&lied).is_err(), "lie at {at} accepted");
        assert!(replay(&lied).is_err());
        caught += 1;
    }
    assert!(caught > 50, "{caught}");
}

/// `Execution` steps exactly as `execute` runs, and frees temporaries at the end.
#[test]
fn stepping_matches_execute() {
    let program =
        isa::assemble("MALLOC3D 64 0 8 r0\nMSTORE3D 0 0 0 r1 2\nMLOAD3D 0 0 0 2 r2\nHALT\nNOP")
            .unwrap();
    let mut a = Vm3D::with_tracer(config(), VecTracer::new()).unwrap();
    let mut b = Vm3D::with_tracer(config(), VecTracer::new()).unwrap();
    a.set_register(1, vec![0xbe, 0xef]);
    b.set_register(1, vec![0xbe, 0xef]);
    a.execute(&program).unwrap();
    let mut run = b.start(&program);
    let mut steps = 0;
    let exit = loop {
        steps += 1;
        if let Step::Exit(e) = run.step().unwrap() {
            break e;
        }
    };
    assert_eq!((exit, steps), (Exit::Halt, 4));
    assert_eq!(run.step(), Ok(Step::Exit(Exit::Halt)), "stays ended");
    drop(run);
    assert_eq!(state(&a), state(&b));
    assert_eq!(
        b.allocations().count(),
        0,
        "the temporary allocation was freed"
    );
    assert_eq!(a.tracer().records(), b.tracer().records());
    assert_consistent(b.tracer().records());
    let mut c = Vm3D::new(config()).unwrap();
    assert_eq!(c.start(&[0]).run(), Ok(Exit::End));
}

#[test]
fn registers_trait_is_traced() {
    let mut vm = Vm3D::with_tracer(config(), VecTracer::new()).unwrap();
    vm.set_register(3, vec![1, 2, 3]);
    assert_eq!(
        Registers::register(&mut vm, 3),
        Ok(0),
        "shorter than 8 bytes"
    );
    Registers::set_register(&mut vm, 3, 0x1122).unwrap();
    assert_eq!(vm.register(3), &[0, 0, 0, 0, 0, 0, 0x11, 0x22]);
    assert_eq!(Registers::register(&mut vm, 3), Ok(0x1122));
    assert_eq!(
        Registers::register(&mut vm, 16),
        Err(memory3d::VmError::InvalidRegister)
    );
    assert_eq!(vm.register_count(), 16);
    let ops: Vec<_> = vm
        .tracer()
        .records()
        .iter()
        .map(|r| (r.op, r.address, r.value))
        .collect();
    assert_eq!(
        ops,
        vec![
            (Op::Write, register_address(3, 0), 3),
            (Op::Write, register_address(3, 1), 0x0102_0300_0000_0000),
            (Op::Read, register_address(3, 0), 3),
            (Op::Write, register_address(3, 0), 8),
            (Op::Write, register_address(3, 1), 0x1122),
            (Op::Read, register_address(3, 0), 8),
            (Op::Read, register_address(3, 1), 0x1122),
        ]
    );
    assert_consistent(vm.tracer().records());
}
