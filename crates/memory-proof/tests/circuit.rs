//! The circuit against valid traces, tampered traces and dishonest witnesses: MockProver
//! for many cases (with the failing gate named), real prove + verify for a subset.

use std::{collections::BTreeSet, sync::OnceLock};

use halo2_axiom::{
    dev::{MockProver, VerifyFailure},
    halo2curves::{
        bn256::Fr,
        ff::{Field, PrimeField},
    },
};
use machine::{
    testing::{random_trace, tamper, Rng, Tampering},
    Op, Record, Space, ViolationKind,
};
use memory_proof::{
    capacity, insecure_test_setup, keygen, prove, prove_witness, verify, vk_bytes, Col,
    LayoutError, MemoryCircuit, Params, Proof, ProveError, ProvingKey, VerifyingKey, Witness,
};

const K: u32 = 9;

fn keys() -> &'static (Params, ProvingKey, VerifyingKey) {
    static KEYS: OnceLock<(Params, ProvingKey, VerifyingKey)> = OnceLock::new();
    KEYS.get_or_init(|| {
        let params = insecure_test_setup(K);
        let (pk, vk) = keygen(&params);
        (params, pk, vk)
    })
}

/// MockProver's verdict on a witness.
fn mock(w: &Witness) -> Result<(), Vec<VerifyFailure>> {
    let c = MemoryCircuit::new(w.clone());
    MockProver::run(w.k(), &c, c.instances()).unwrap().verify()
}

/// The names of the gates MockProver reports as failing (empty if it accepts).
fn failing_gates(w: &Witness) -> BTreeSet<String> {
    match mock(w) {
        Ok(()) => BTreeSet::new(),
        Err(failures) => failures
            .iter()
            .map(|f| match f {
                VerifyFailure::ConstraintNotSatisfied { constraint, .. } => {
                    // "Constraint i ('name') in gate j ('gate name')"
                    let s = constraint.to_string();
                    let start = s.rfind("('").unwrap() + 2;
                    s[start..s.len() - 2].to_string()
                }
                other => format!("{other}"),
            })
            .collect(),
    }
}

/// The gate that catches each kind of violation.
fn gate_for(kind: ViolationKind) -> &'static str {
    match kind {
        ViolationKind::TimeNotIncreasing => "original times increase",
        ViolationKind::ReadMismatch => "read returns previous value",
        ViolationKind::UninitialisedRead => "first read returns zero",
    }
}

/// Real proof of `w` (which must not fail to prove), then verification.
fn real_verdict(w: &Witness) -> bool {
    let (params, pk, vk) = keys();
    let proof = prove_witness(params, pk, w).expect("proving succeeds even for bad witnesses");
    verify(params, vk, &proof).is_ok()
}

fn gates(names: &[&str]) -> BTreeSet<String> {
    names.iter().map(|s| s.to_string()).collect()
}

#[test]
fn random_valid_traces_pass_mock_prover() {
    let mut rng = Rng::new(7);
    let cap = capacity(K);
    // MEMORY_PROOF_MOCK_TRACES=10000 for the full count (about 20 ms each).
    let count: usize = std::env::var("MEMORY_PROOF_MOCK_TRACES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(150);
    let mut lengths = vec![0, 1, 2, cap - 1, cap];
    lengths.extend((0..count).map(|_| rng.below(cap as u64 + 1) as usize));
    for (seed, len) in lengths.into_iter().enumerate() {
        let records = random_trace(seed as u64 + 1000, len);
        machine::check(&records).unwrap();
        let w = Witness::from_records(K, &records).unwrap();
        assert_eq!(mock(&w), Ok(()), "seed {seed}, {len} records");
    }
}

#[test]
fn extreme_values_pass_mock_prover() {
    // Full-range times, spaces, addresses and values, including the 2^64 − 1 and 2^72 − 1
    // ends of the range checks.
    let max = u64::MAX;
    let r = |time, space, address, op, value| Record {
        time,
        space: Space(space),
        address,
        op,
        value,
    };
    let records = vec![
        r(0, 0, 0, Op::Read, 0),
        r(1, 0, 0, Op::Write, max),
        r(2, 0, 0, Op::Read, max),
        r(3, 255, max, Op::Read, 0),
        r(4, 255, max, Op::Write, 1 << 63),
        r(max - 1, 255, max, Op::Read, 1 << 63),
        r(max, 0, max, Op::Write, 5),
    ];
    machine::check(&records).unwrap();
    assert_eq!(mock(&Witness::from_records(K, &records).unwrap()), Ok(()));
}

#[test]
fn real_proofs_of_valid_traces_verify() {
    let (params, pk, vk) = keys();
    for (seed, len) in [(1, 0), (2, 1), (3, 200), (4, capacity(K))] {
        let records = random_trace(seed, len);
        let proof = prove(params, pk, &records).unwrap();
        assert_eq!(proof.records, len as u64);
        verify(params, vk, &proof).unwrap();
        // The file format round-trips.
        let again = Proof::from_bytes(&proof.to_bytes()).unwrap();
        assert_eq!(again, proof);
        verify(params, vk, &again).unwrap();
    }
}

#[test]
fn each_tampering_fails_the_expected_gate() {
    for tampering in Tampering::ALL {
        let mut done = 0;
        for seed in 0..40u64 {
            let records = random_trace(seed, 60 + (seed as usize % 5) * 40);
            let Some(bad) = tamper(&records, tampering, seed) else {
                continue;
            };
            let kind = machine::check(&bad).unwrap_err().kind();
            assert_eq!(kind, tampering.expected(), "{tampering:?}");
            // The honest prover refuses.
            let (params, pk, _) = keys();
            match prove(params, pk, &bad) {
                Err(ProveError::Inconsistent(v)) => assert_eq!(v.kind(), kind),
                other => panic!("{tampering:?}: prove gave {other:?}"),
            }
            // The circuit, given the honest layout of the bad trace, fails the right gate.
            let w = Witness::from_records(K, &bad).unwrap();
            let failing = failing_gates(&w);
            assert!(
                failing.contains(gate_for(kind)),
                "{tampering:?} seed {seed}: failing gates {failing:?}"
            );
            assert!(!failing.contains("permutation product"), "{failing:?}");
            done += 1;
            if done == 3 {
                break;
            }
        }
        assert_eq!(done, 3, "{tampering:?}: too few applicable seeds");
    }
}

#[test]
fn each_tampering_fails_real_verification() {
    for (i, tampering) in Tampering::ALL.into_iter().enumerate() {
        let bad = (0..40u64)
            .find_map(|seed| tamper(&random_trace(seed + 100 * i as u64, 150), tampering, seed))
            .unwrap();
        let w = Witness::from_records(K, &bad).unwrap();
        assert!(!real_verdict(&w), "{tampering:?} verified");
    }
}

/// A valid trace with at least one written cell that is read afterwards.
fn base_trace() -> Vec<Record> {
    let records = random_trace(42, 300);
    machine::check(&records).unwrap();
    records
}

fn sorted(records: &[Record]) -> Vec<Record> {
    let mut s = records.to_vec();
    s.sort_by_key(|r| (r.cell(), r.time));
    s
}

#[test]
fn sorted_table_not_a_permutation_is_rejected() {
    // Change a write in the sorted table and the reads that follow it in its cell, so every
    // sorted-side check still holds: only the permutation argument can notice.
    let records = base_trace();
    let mut s = sorted(&records);
    let i = (1..s.len())
        .find(|&i| {
            s[i].op == Op::Write
                && i + 1 < s.len()
                && s[i + 1].cell() == s[i].cell()
                && s[i + 1].op == Op::Read
        })
        .unwrap();
    let new_value = s[i].value ^ (1 << 63) ^ 1;
    let cell = s[i].cell();
    s[i].value = new_value;
    let mut j = i + 1;
    while j < s.len() && s[j].cell() == cell && s[j].op == Op::Read {
        s[j].value = new_value;
        j += 1;
    }
    let w = Witness::from_tables(K, &records, &s).unwrap();
    assert_eq!(failing_gates(&w), gates(&["permutation product"]));
    assert!(!real_verdict(&w));

    // A sorted table holding a different (consistent) trace of the same length.
    let other = sorted(&random_trace(43, records.len()));
    let w = Witness::from_tables(K, &records, &other).unwrap();
    assert_eq!(failing_gates(&w), gates(&["permutation product"]));
    assert!(!real_verdict(&w));
}

#[test]
fn original_table_altered_after_sorting_is_rejected() {
    let records = base_trace();
    let s = sorted(&records);
    // An inconsistent read in the original table, with the (consistent) sorted table of the
    // honest trace: all checks on the original table pass, the permutation does not.
    let mut altered = records.clone();
    let i = altered.iter().rposition(|r| r.op == Op::Read).unwrap();
    altered[i].value ^= 0xff << 56;
    let w = Witness::from_tables(K, &altered, &s).unwrap();
    assert_eq!(failing_gates(&w), gates(&["permutation product"]));
    assert!(!real_verdict(&w));

    // A different address or op, or the time of a record moved inside its gap.
    for change in 0..3 {
        let mut altered = records.clone();
        let r = &mut altered[i];
        match change {
            0 => r.address ^= 8,
            1 => r.op = Op::Write,
            _ => {
                let j = (1..records.len())
                    .find(|&j| records[j].time - records[j - 1].time > 2)
                    .unwrap();
                altered[j].time -= 1;
            }
        }
        let w = Witness::from_tables(K, &altered, &s).unwrap();
        assert_eq!(
            failing_gates(&w),
            gates(&["permutation product"]),
            "{change}"
        );
    }
}

#[test]
fn records_hidden_in_inactive_rows_are_rejected() {
    let records = base_trace();
    let n = records.len();
    let last = records.last().unwrap();
    // An inconsistent extra read placed after the N active rows, in both tables.
    let hidden = Record {
        time: last.time + 1,
        op: Op::Read,
        value: last.value ^ 1,
        ..*last
    };
    let mut w = Witness::from_records(K, &records).unwrap();
    for (col, v) in [
        (Col::OriginalTime, Fr::from(hidden.time)),
        (Col::OriginalKey, Fr::from_u128(hidden.cell())),
        (Col::OriginalValue, Fr::from(hidden.value)),
        (Col::SortedTime, Fr::from(hidden.time)),
        (Col::SortedKey, Fr::from_u128(hidden.cell())),
        (Col::SortedValue, Fr::from(hidden.value)),
    ] {
        w.column_mut(col)[n] = v;
    }
    let failing = failing_gates(&w);
    assert!(failing.contains("inactive rows are zero"), "{failing:?}");
    assert!(!real_verdict(&w));

    // Only in the original table: the hidden row is also outside the permutation.
    let mut w = Witness::from_records(K, &records).unwrap();
    w.column_mut(Col::OriginalValue)[n + 3] = Fr::from(5);
    assert!(failing_gates(&w).contains("inactive rows are zero"));

    // Declaring one record fewer than the tables hold: the active flags no longer match
    // the public count.
    let mut w = Witness::from_records(K, &records).unwrap();
    w.count -= 1;
    let failing = failing_gates(&w);
    assert!(failing.contains("record count"), "{failing:?}");
    assert!(!real_verdict(&w));

    // Switching the flag of the last record off (and fixing the counter and the end-of-
    // table range checks by hand) still leaves a non-zero inactive row.
    let mut bad = records.clone();
    bad.push(hidden);
    let mut w = Witness::from_records(K, &bad).unwrap();
    let honest_short = Witness::from_records(K, &records).unwrap();
    for c in [Col::Active, Col::Remaining] {
        w.column_mut(c).copy_from_slice(honest_short.column(c));
    }
    w.count -= 1;
    assert!(failing_gates(&w).contains("inactive rows are zero"));
    assert!(!real_verdict(&w));
}

#[test]
fn wrong_public_record_count_is_rejected() {
    let (params, pk, vk) = keys();
    let records = base_trace();
    let proof = prove(params, pk, &records).unwrap();
    verify(params, vk, &proof).unwrap();
    for records in [proof.records - 1, proof.records + 1, 0] {
        let wrong = Proof {
            records,
            ..proof.clone()
        };
        assert!(verify(params, vk, &wrong).is_err());
    }
    // A witness claiming more records than its flags mark.
    let mut w = Witness::from_records(K, &records).unwrap();
    w.count += 1;
    assert!(failing_gates(&w).contains("record count"));
    assert!(!real_verdict(&w));
}

#[test]
fn field_wraparound_witnesses_are_rejected() {
    // Values, times and keys that are not 64/72-bit integers but field elements chosen so
    // that the arithmetic "works" modulo p.
    let records = base_trace();
    let minus_one = -Fr::ONE;

    // A write of −1 read back as −1: consistent in the field, but the value is not 64-bit.
    let mut w = Witness::from_records(K, &records).unwrap();
    let s = sorted(&records);
    let i = (0..s.len())
        .find(|&i| s[i].op == Op::Write && i + 1 < s.len() && s[i + 1].cell() == s[i].cell())
        .unwrap();
    w.column_mut(Col::SortedValue)[i] = minus_one;
    let mut j = i + 1;
    while j < s.len() && s[j].cell() == s[i].cell() && s[j].op == Op::Read {
        w.column_mut(Col::SortedValue)[j] = minus_one;
        j += 1;
    }
    let failing = failing_gates(&w);
    assert!(failing.contains("sorted fields"), "{failing:?}");
    assert!(
        !failing.contains("read returns previous value"),
        "{failing:?}"
    );

    // Time −1 as the first time of the original table (so that 0 "follows" it).
    let mut w = Witness::from_records(K, &records).unwrap();
    w.column_mut(Col::OriginalTime)[0] = minus_one;
    assert!(failing_gates(&w).contains("original times increase"));

    // A key of 2^72 (space 256): beyond the 8-bit space.
    let mut w = Witness::from_records(K, &records).unwrap();
    let n = records.len();
    w.column_mut(Col::SortedKey)[n - 1] = Fr::from_u128(1 << 72);
    assert!(failing_gates(&w).contains("sorted order"));

    // The op must be a bit.
    let mut w = Witness::from_records(K, &records).unwrap();
    w.column_mut(Col::SortedOp)[3] = Fr::from(2);
    assert!(failing_gates(&w).contains("sorted fields"));
}

#[test]
fn byte_lookup_rejects_non_bytes() {
    // Decompose a chain value with a "byte" of 256 (and a matching carry): the sums are
    // right, so only the byte lookup can object.
    let records = base_trace();
    let mut w = Witness::from_records(K, &records).unwrap();
    let row = 5;
    let b0 = w.column(Col::ValueByte(0))[row];
    let b1 = w.column(Col::ValueByte(1))[row];
    // Move one unit of byte 1 into byte 0 (+256), or the reverse with a negative byte.
    if b1 != Fr::ZERO {
        w.column_mut(Col::ValueByte(1))[row] = b1 - Fr::ONE;
        w.column_mut(Col::ValueByte(0))[row] = b0 + Fr::from(256);
    } else {
        w.column_mut(Col::ValueByte(1))[row] = b1 + Fr::ONE;
        w.column_mut(Col::ValueByte(0))[row] = b0 - Fr::from(256);
    }
    w.refresh_multiplicities();
    assert_eq!(failing_gates(&w), gates(&["byte lookup sum"]));
    assert!(!real_verdict(&w));
}

#[test]
fn prove_reports_typed_errors() {
    let (params, pk, _) = keys();
    let too_many = random_trace(5, capacity(K) + 1);
    assert!(matches!(
        prove(params, pk, &too_many),
        Err(ProveError::Layout(LayoutError::TooManyRecords { .. }))
    ));
    let other = insecure_test_setup(K + 1);
    let w = Witness::from_records(K + 1, &random_trace(5, 10)).unwrap();
    assert!(matches!(
        prove_witness(params, pk, &w),
        Err(ProveError::KMismatch { .. })
    ));
    let (_, vk_other) = keygen(&other);
    let proof = prove(params, pk, &random_trace(5, 10)).unwrap();
    assert!(verify(&other, &vk_other, &proof).is_err());
}

#[test]
fn tampered_proof_bytes_are_rejected() {
    let (params, pk, vk) = keys();
    let proof = prove(params, pk, &random_trace(9, 100)).unwrap();
    for at in [0, 100, proof.bytes.len() / 2, proof.bytes.len() - 1] {
        let mut bad = proof.clone();
        bad.bytes[at] ^= 1;
        assert!(verify(params, vk, &bad).is_err(), "flip at {at}");
    }
    let mut short = proof.clone();
    short.bytes.truncate(proof.bytes.len() - 32);
    assert!(verify(params, vk, &short).is_err());
}

#[test]
fn verifying_key_depends_only_on_k() {
    use halo2_axiom::plonk::keygen_vk;
    let params = insecure_test_setup(K);
    let (_, vk1) = keygen(&params);
    let (_, vk2) = keygen(&params);
    let bytes = vk_bytes(&vk1);
    assert_eq!(bytes, vk_bytes(&vk2));
    assert_eq!(vk1.transcript_repr(), vk2.transcript_repr());
    // Keygen from circuits carrying different traces gives the same key.
    for (seed, len) in [(1, 0), (2, 17), (3, capacity(K))] {
        let w = Witness::from_records(K, &random_trace(seed, len)).unwrap();
        let vk = keygen_vk(&params, &MemoryCircuit::new(w)).unwrap();
        assert_eq!(vk_bytes(&vk), bytes);
        assert_eq!(vk.transcript_repr(), vk1.transcript_repr());
    }
    // A fresh setup (same seed) gives the same key too.
    let (_, vk3) = keygen(&insecure_test_setup(K));
    assert_eq!(vk_bytes(&vk3), bytes);
}
