//! The trace format on random, tampered and corrupted traces.

use machine::format::{decode, encode, read_trace, write_trace, FormatError, SpaceInfo, Trace};
use machine::testing::{random_trace, tamper, Rng, Tampering, RANDOM_SPACES};
use machine::{check, Record};

fn with_spaces(records: Vec<Record>) -> Trace {
    Trace {
        spaces: RANDOM_SPACES
            .iter()
            .map(|&space| SpaceInfo {
                space,
                name: format!("space {} ✓", space.0),
            })
            .collect(),
        records,
    }
}

#[test]
fn random_traces_round_trip() {
    for seed in 0..300 {
        let trace = with_spaces(random_trace(seed, (seed as usize * 7) % 1000));
        let mut file = Vec::new();
        write_trace(&mut file, &trace).unwrap();
        assert_eq!(read_trace(file.as_slice()).unwrap(), trace, "seed {seed}");
    }
}

#[test]
fn inconsistent_traces_round_trip_and_keep_their_violation() {
    for seed in 0..200 {
        let trace = random_trace(seed, 100);
        for tampering in Tampering::ALL {
            let Some(bad) = tamper(&trace, tampering, seed) else {
                continue;
            };
            let back = decode(&encode(&with_spaces(bad.clone())).unwrap()).unwrap();
            assert_eq!(back.records, bad);
            assert_eq!(check(&back.records), check(&bad));
        }
    }
}

#[test]
fn every_truncation_of_a_random_trace_is_an_error() {
    let file = encode(&with_spaces(random_trace(3, 60))).unwrap();
    for len in 0..file.len() {
        match decode(&file[..len]) {
            Err(FormatError::Truncated { offset }) => assert_eq!(offset, len),
            other => panic!("prefix {len}: {other:?}"),
        }
    }
}

#[test]
fn corrupted_files_are_errors_or_lossless_traces() {
    let file = encode(&with_spaces(random_trace(4, 200))).unwrap();
    let mut rng = Rng::new(9);
    let mut rejected = 0;
    for _ in 0..5_000 {
        let mut bad = file.clone();
        for _ in 0..1 + rng.below(3) {
            let at = rng.below(bad.len() as u64) as usize;
            bad[at] ^= 1 << rng.below(8);
        }
        match decode(&bad) {
            Ok(trace) => assert_eq!(decode(&encode(&trace).unwrap()).unwrap(), trace),
            Err(_) => rejected += 1,
        }
    }
    assert!(rejected > 1000, "{rejected}");
    for _ in 0..5_000 {
        let garbage: Vec<u8> = (0..rng.below(200)).map(|_| rng.next_u64() as u8).collect();
        assert!(decode(&garbage).is_err());
    }
}

#[test]
fn random_traces_take_about_sixteen_bytes_per_record() {
    let trace = with_spaces(random_trace(5, 100_000));
    let bytes = encode(&trace).unwrap().len() as f64 / 1e5;
    assert!((10.0..20.0).contains(&bytes), "{bytes} bytes/record");
}
