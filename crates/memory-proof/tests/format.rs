//! Proof file format and witness layout errors.

use machine::testing::random_trace;
use memory_proof::{
    capacity, smallest_k, LayoutError, Proof, ProofFormatError, Witness, MAX_K, MIN_K, PROOF_MAGIC,
};

#[test]
fn proof_file_round_trip_and_errors() {
    let proof = Proof {
        k: 12,
        records: 4000,
        bytes: (0..=255).collect(),
    };
    let bytes = proof.to_bytes();
    assert_eq!(&bytes[..8], &PROOF_MAGIC);
    assert_eq!(Proof::from_bytes(&bytes).unwrap(), proof);
    assert!(matches!(
        Proof::from_bytes(b"NOTAPROOF and more bytes here"),
        Err(ProofFormatError::BadMagic)
    ));
    assert!(matches!(
        Proof::from_bytes(&bytes[..bytes.len() - 1]),
        Err(ProofFormatError::Truncated)
    ));
    assert!(matches!(
        Proof::from_bytes(&bytes[..20]),
        Err(ProofFormatError::Truncated)
    ));
    let mut longer = bytes.clone();
    longer.push(0);
    assert!(matches!(
        Proof::from_bytes(&longer),
        Err(ProofFormatError::Trailing(1))
    ));
    let mut version = bytes.clone();
    version[8] = 2;
    assert!(matches!(
        Proof::from_bytes(&version),
        Err(ProofFormatError::BadVersion(2))
    ));
}

#[test]
fn capacity_and_smallest_k() {
    assert_eq!(capacity(10), 1024 - 7);
    assert_eq!(smallest_k(0), Some(MIN_K));
    assert_eq!(smallest_k(capacity(10)), Some(10));
    assert_eq!(smallest_k(capacity(10) + 1), Some(11));
    assert_eq!(smallest_k(capacity(MAX_K) + 1), None);
}

#[test]
fn layout_errors() {
    let records = random_trace(1, 20);
    assert_eq!(
        Witness::from_records(MIN_K - 1, &records),
        Err(LayoutError::UnsupportedK { k: MIN_K - 1 })
    );
    assert_eq!(
        Witness::from_tables(MIN_K, &records, &records[1..]),
        Err(LayoutError::LengthMismatch {
            original: 20,
            sorted: 19
        })
    );
    let many = random_trace(1, capacity(MIN_K) + 1);
    assert!(matches!(
        Witness::from_records(MIN_K, &many),
        Err(LayoutError::TooManyRecords { .. })
    ));
    let w = Witness::from_records(MIN_K, &records).unwrap();
    assert_eq!(w.rows(), capacity(MIN_K) + 1);
    assert_eq!(w.count, 20);
}
