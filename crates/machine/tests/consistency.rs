//! The checker against the replay oracle: valid traces, every tampering, garbage.

use std::collections::HashMap;

use machine::cells::{trace_read, trace_write, word_of, WORD_BYTES};
use machine::testing::{random_trace, tamper, Rng, Tampering};
use machine::{check, replay, Op, Record, Space, VecTracer, Violation, ViolationKind};

/// `check` and `replay` agree on `records`; returns their verdict.
fn verdict(records: &[Record]) -> Result<(), Violation> {
    let checked = check(records);
    assert_eq!(checked, replay(records), "check and replay disagree");
    checked
}

#[test]
fn ten_thousand_random_valid_traces_are_accepted() {
    let mut records = 0;
    for seed in 0..10_000u64 {
        let len = (seed % 200) as usize;
        let trace = random_trace(seed, len);
        records += trace.len();
        assert_eq!(verdict(&trace), Ok(()), "seed {seed}");
    }
    assert!(records > 900_000);
}

#[test]
fn a_long_random_trace_is_accepted() {
    let trace = random_trace(u64::MAX, 200_000);
    assert_eq!(verdict(&trace), Ok(()));
}

#[test]
fn every_tampering_is_rejected_with_its_kind() {
    let mut applied: HashMap<Tampering, usize> = HashMap::new();
    let mut tampered = 0;
    let mut seed = 0u64;
    while tampered < 10_000 {
        let trace = random_trace(seed, 1 + (seed % 150) as usize);
        let tampering = Tampering::ALL[(seed % Tampering::ALL.len() as u64) as usize];
        if let Some(bad) = tamper(&trace, tampering, seed ^ 0xDEAD) {
            let v = verdict(&bad).expect_err("a tampered trace was accepted");
            assert_eq!(
                v.kind(),
                tampering.expected(),
                "{tampering:?}, seed {seed}: {v}"
            );
            *applied.entry(tampering).or_default() += 1;
            tampered += 1;
        }
        seed += 1;
    }
    for tampering in Tampering::ALL {
        assert!(applied[&tampering] > 700, "{tampering:?}: {applied:?}");
    }
}

#[test]
fn tampering_a_long_trace_is_found_at_any_position() {
    let trace = random_trace(77, 50_000);
    for (i, tampering) in Tampering::ALL.into_iter().enumerate() {
        let bad = tamper(&trace, tampering, i as u64).expect("a long trace has targets");
        assert_eq!(verdict(&bad).unwrap_err().kind(), tampering.expected());
    }
}

/// A random trace with no guarantee of anything: few cells so reads often match,
/// mostly increasing times with occasional repeats and drops.
fn garbage_trace(rng: &mut Rng) -> Vec<Record> {
    let len = rng.below(80) as usize;
    let mut time = rng.below(4);
    (0..len)
        .map(|_| {
            time = match rng.below(50) {
                0 => time.saturating_sub(rng.below(3)),
                1 => time,
                _ => time.saturating_add(1 + rng.below(3)),
            };
            Record {
                time,
                space: Space(rng.below(2) as u8),
                address: rng.below(3) << (8 * rng.below(8)),
                op: if rng.percent(50) { Op::Read } else { Op::Write },
                value: if rng.percent(80) {
                    rng.below(3)
                } else {
                    rng.value()
                },
            }
        })
        .collect()
}

#[test]
fn check_and_replay_agree_on_garbage() {
    let mut rng = Rng::new(2024);
    let mut kinds: HashMap<Option<ViolationKind>, usize> = HashMap::new();
    for _ in 0..20_000 {
        let trace = garbage_trace(&mut rng);
        let v = verdict(&trace);
        if let Err(v) = &v {
            assert!(v.index() < trace.len());
        }
        *kinds.entry(v.err().map(|v| v.kind())).or_default() += 1;
    }
    // The generator reaches every outcome, so the comparison means something.
    for kind in [
        None,
        Some(ViolationKind::TimeNotIncreasing),
        Some(ViolationKind::ReadMismatch),
        Some(ViolationKind::UninitialisedRead),
    ] {
        assert!(kinds.get(&kind).copied().unwrap_or(0) > 500, "{kinds:?}");
    }
}

#[test]
fn check_and_replay_agree_on_multiply_tampered_traces() {
    let mut rng = Rng::new(5);
    for seed in 0..2_000u64 {
        let mut trace = random_trace(seed, 1 + (seed % 100) as usize);
        for _ in 0..1 + rng.below(4) {
            let i = rng.below(trace.len() as u64) as usize;
            match rng.below(4) {
                0 => trace[i].value ^= 1 << rng.below(64),
                1 => trace[i].address ^= 1 << rng.below(64),
                2 => trace[i].op = if rng.percent(50) { Op::Read } else { Op::Write },
                _ => trace[i].space = Space(rng.below(3) as u8),
            }
        }
        let _ = verdict(&trace);
    }
}

#[test]
fn extreme_times_addresses_and_values() {
    let m = u64::MAX;
    let rec = |time, space, address, op, value| Record {
        time,
        space: Space(space),
        address,
        op,
        value,
    };
    let ok = [
        rec(m - 4, 255, m, Op::Read, 0),
        rec(m - 3, 255, m, Op::Write, m),
        rec(m - 2, 0, m, Op::Read, 0),
        rec(m - 1, 255, m, Op::Read, m),
        rec(m, 255, 0, Op::Read, 0),
    ];
    assert_eq!(verdict(&ok), Ok(()));
    let mut msb = ok;
    msb[3].value ^= 0xFF << 56;
    assert_eq!(
        verdict(&msb),
        Err(Violation::ReadMismatch {
            index: 3,
            expected: m,
            found: m >> 8
        })
    );
    let mut address_msb = ok;
    address_msb[3].address ^= 1 << 63;
    assert_eq!(
        verdict(&address_msb),
        Err(Violation::UninitialisedRead { index: 3, found: m })
    );
    let mut wrapped = ok;
    wrapped[4].time = 0;
    assert_eq!(
        verdict(&wrapped),
        Err(Violation::TimeNotIncreasing {
            index: 4,
            previous: m - 1,
            time: 0
        })
    );
}

/// A byte memory traced through `machine::cells` gives consistent traces, and its reads
/// report what the memory holds.
#[test]
fn traced_byte_memory_is_consistent() {
    const MEM: Space = Space(1);
    let mut rng = Rng::new(11);
    for _ in 0..200 {
        let mut bytes: HashMap<u64, u8> = HashMap::new();
        let mut tracer = VecTracer::new();
        let base = rng.next_u64();
        let word = |bytes: &HashMap<u64, u8>, w: u64| {
            let mut b = [0u8; WORD_BYTES as usize];
            for (i, byte) in b.iter_mut().enumerate() {
                *byte = bytes.get(&w.wrapping_add(i as u64)).copied().unwrap_or(0);
            }
            u64::from_le_bytes(b)
        };
        for _ in 0..100 {
            let address = base.wrapping_add(rng.below(64));
            let len = rng.below(17) as usize;
            if rng.percent(50) {
                let data: Vec<u8> = (0..len).map(|_| rng.next_u64() as u8).collect();
                trace_write(&mut tracer, MEM, address, &data, |w| word(&bytes, w));
                for (i, &b) in data.iter().enumerate() {
                    bytes.insert(address.wrapping_add(i as u64), b);
                }
            } else {
                trace_read(&mut tracer, MEM, address, len, |w| word(&bytes, w));
            }
        }
        let records = tracer.take_records();
        assert!(records.iter().all(|r| r.address == word_of(r.address)));
        assert_eq!(verdict(&records), Ok(()));
    }
}

/// The lying tracer changes exactly the record at its time, and a lie is observable
/// exactly for reads and for writes read next.
#[test]
fn lying_tracer_lies_once_and_observability_is_exact() {
    use machine::testing::{lie_is_observable, LyingTracer};
    use machine::Tracer;
    let mut honest = LyingTracer::honest();
    let mut liar = LyingTracer::new(1, 0x80);
    for tracer in [&mut honest, &mut liar] {
        tracer.write(Space(0), 8, 5);
        tracer.read(Space(0), 8, 5);
        tracer.write(Space(0), 8, 6);
        tracer.write(Space(0), 8, 7);
    }
    let (h, l) = (honest.records(), liar.records());
    assert_eq!(h.len(), 4);
    for i in 0..4 {
        let expected = if i == 1 {
            h[i].value ^ 0x80
        } else {
            h[i].value
        };
        assert_eq!(l[i].value, expected);
    }
    assert_eq!(check(h), Ok(()));
    assert!(check(l).is_err());
    let observable: Vec<bool> = (0..4).map(|at| lie_is_observable(h, at)).collect();
    // write read next, the read, a write overwritten unread, the last write.
    assert_eq!(observable, [true, true, false, false]);
}
