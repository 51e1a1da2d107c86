//! The verifier key file: round trip, verification with a loaded key, and corrupt files.

use machine::testing::random_trace;
use memory_proof::{
    insecure_test_setup, keygen, prove, verify_with_key, vk_bytes, KeyFormatError, VerifierKey,
    VerifyError, KEY_MAGIC, KEY_VERSION,
};

fn key_and_proof(k: u32, records: usize) -> (VerifierKey, Vec<u8>, memory_proof::Proof) {
    let params = insecure_test_setup(k);
    let (pk, vk) = keygen(&params);
    let proof = prove(&params, &pk, &random_trace(u64::from(k), records)).unwrap();
    let key = VerifierKey::new(&params, &vk).unwrap();
    (key, vk_bytes(&vk), proof)
}

#[test]
fn key_round_trip_and_verification() {
    let (key, keygen_vk, proof) = key_and_proof(9, 40);
    let bytes = key.to_bytes();
    assert_eq!(bytes[..8], KEY_MAGIC);
    assert_eq!(bytes[8], KEY_VERSION);
    assert_eq!(bytes[9], 9);
    let loaded = VerifierKey::from_bytes(&bytes).unwrap();
    assert_eq!(loaded.k(), 9);
    assert_eq!(loaded.to_bytes(), bytes);
    // The loaded key's verifying key is keygen's, byte for byte.
    assert_eq!(vk_bytes(loaded.vk()), keygen_vk);
    assert_eq!(vk_bytes(key.vk()), keygen_vk);

    // Through a file.
    let path = std::env::temp_dir().join(format!("memory-proof-key-{}.vk", std::process::id()));
    key.save(&path).unwrap();
    let from_file = VerifierKey::load(&path).unwrap();
    std::fs::remove_file(&path).unwrap();
    assert_eq!(from_file.to_bytes(), bytes);

    // A real proof is accepted, a tampered one rejected.
    verify_with_key(&from_file, &proof).unwrap();
    let mut tampered = proof.clone();
    let mid = tampered.bytes.len() / 2;
    tampered.bytes[mid] ^= 1;
    assert!(verify_with_key(&from_file, &tampered).is_err());
    let mut wrong_count = proof.clone();
    wrong_count.records += 1;
    assert!(matches!(
        verify_with_key(&from_file, &wrong_count),
        Err(VerifyError::Rejected(_))
    ));

    // A real proof of another k.
    let (key10, _, proof10) = key_and_proof(10, 100);
    verify_with_key(&key10, &proof10).unwrap();
    assert!(matches!(
        verify_with_key(&from_file, &proof10),
        Err(VerifyError::KMismatch {
            proof: 10,
            expected: 9
        })
    ));
    assert!(matches!(
        verify_with_key(&key10, &proof),
        Err(VerifyError::KMismatch {
            proof: 9,
            expected: 10
        })
    ));
}

#[test]
fn new_rejects_mismatched_params_and_vk() {
    let (_, vk9) = keygen(&insecure_test_setup(9));
    assert!(matches!(
        VerifierKey::new(&insecure_test_setup(10), &vk9),
        Err(KeyFormatError::KMismatch { params: 10, vk: 9 })
    ));
}

#[test]
fn corrupt_key_files_give_typed_errors() {
    let params = insecure_test_setup(9);
    let (_, vk) = keygen(&params);
    let bytes = VerifierKey::new(&params, &vk).unwrap().to_bytes();

    assert!(matches!(
        VerifierKey::from_bytes(&[]),
        Err(KeyFormatError::BadMagic)
    ));
    assert!(matches!(
        VerifierKey::from_bytes(b"not a key at all, just some text"),
        Err(KeyFormatError::BadMagic)
    ));
    // Every truncation.
    for len in 0..bytes.len() {
        match VerifierKey::from_bytes(&bytes[..len]) {
            Err(KeyFormatError::BadMagic) if len < 8 => {}
            Err(KeyFormatError::Truncated) if len >= 8 => {}
            other => panic!("prefix of {len} bytes: {other:?}"),
        }
    }
    // Trailing bytes.
    let mut long = bytes.clone();
    long.push(0);
    assert!(matches!(
        VerifierKey::from_bytes(&long),
        Err(KeyFormatError::Trailing(1))
    ));
    // Header fields.
    let mut bad = bytes.clone();
    bad[8] = 2;
    assert!(matches!(
        VerifierKey::from_bytes(&bad),
        Err(KeyFormatError::BadVersion(2))
    ));
    for k in [0, 8, 25, 255] {
        let mut bad = bytes.clone();
        bad[9] = k;
        assert!(matches!(
            VerifierKey::from_bytes(&bad),
            Err(KeyFormatError::UnsupportedK(x)) if x == u32::from(k)
        ));
    }
    // A header k that disagrees with the verifying key's.
    let mut bad = bytes.clone();
    bad[9] = 10;
    assert!(matches!(
        VerifierKey::from_bytes(&bad),
        Err(KeyFormatError::KMismatch { params: 10, vk: 9 })
    ));
    // The parameter section claiming 2^30 points is refused before allocating them.
    let mut bad = bytes.clone();
    bad[10..14].copy_from_slice(&30u32.to_le_bytes());
    assert!(matches!(
        VerifierKey::from_bytes(&bad),
        Err(KeyFormatError::BadParams(_))
    ));
    // Coordinates not below the field modulus: in g[0] and in g2 (whose decoder in
    // halo2curves would panic on them).
    for range in [14..46, 78..110, 110..142] {
        let mut bad = bytes.clone();
        bad[range.clone()].fill(0xff);
        bad[range.end - 1] = 0x3f;
        assert!(
            matches!(
                VerifierKey::from_bytes(&bad),
                Err(KeyFormatError::BadParams(_))
            ),
            "{range:?}"
        );
    }
    // The verifying key's own k claiming 2^31 rows.
    let vk_start = 10 + 196;
    let mut bad = bytes.clone();
    bad[vk_start + 1..vk_start + 5].copy_from_slice(&31u32.to_le_bytes());
    assert!(matches!(
        VerifierKey::from_bytes(&bad),
        Err(KeyFormatError::KMismatch { params: 9, vk: 31 })
    ));
    // Every byte of the points and of the verifying key's fixed part, each with a few
    // values: an error or (if it still decodes to a valid, canonical key) a key that
    // re-encodes to the same bytes — never a panic.
    let mut rng = machine::testing::Rng::new(0x1234_5678_9abc_def0);
    let mut errors = 0;
    let limit = bytes.len().min(vk_start + 600);
    for i in 10..limit {
        for _ in 0..3 {
            let mut bad = bytes.clone();
            bad[i] ^= (rng.below(255) + 1) as u8;
            match VerifierKey::from_bytes(&bad) {
                Err(_) => errors += 1,
                Ok(key) => assert_eq!(key.to_bytes(), bad, "byte {i}"),
            }
        }
    }
    assert!(errors > 0);
    // Random garbage after a valid header.
    for len in [10usize, 50, 206, 300, 1000] {
        for _ in 0..20 {
            let mut bad = bytes[..10].to_vec();
            bad.extend(rng.bytes(len - 10));
            assert!(VerifierKey::from_bytes(&bad).is_err());
        }
    }
}
