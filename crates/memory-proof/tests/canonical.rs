//! Each proof has exactly one accepted encoding: single-bit edits of a real proof's
//! transcript, the fuzzer's malleability input and trailing bytes are all rejected.

use std::{path::Path, sync::OnceLock};

use machine::testing::random_trace;
use memory_proof::{
    insecure_test_setup, keygen, prove, verify, Params, Proof, VerifyError, VerifyingKey,
};

const K: u32 = 9;

/// Parameters, verifying key and one real proof (40 records, the fuzz harness's trace).
fn fixture() -> &'static (Params, VerifyingKey, Proof) {
    static FIXTURE: OnceLock<(Params, VerifyingKey, Proof)> = OnceLock::new();
    FIXTURE.get_or_init(|| {
        let params = insecure_test_setup(K);
        let (pk, vk) = keygen(&params);
        let proof = prove(&params, &pk, &random_trace(7, 40)).unwrap();
        (params, vk, proof)
    })
}

/// The proof with bit `bit` of transcript byte `at` flipped.
fn flipped(proof: &Proof, at: usize, bit: u32) -> Proof {
    let mut bad = proof.clone();
    bad.bytes[at] ^= 1 << bit;
    bad
}

#[test]
fn canonical_proof_verifies() {
    let (params, vk, proof) = fixture();
    verify(params, vk, proof).unwrap();
    assert_eq!(proof.bytes.len() % 32, 0);
    // And through the file format.
    verify(params, vk, &Proof::from_bytes(&proof.to_bytes()).unwrap()).unwrap();
}

/// Every bit of the top byte of every 32-byte element: bit 255 of a point is the flag
/// `G1Affine::from_bytes` ignores (caught as non-canonical); the others change the value
/// or make it invalid.
#[test]
fn every_top_byte_bit_flip_is_rejected() {
    let (params, vk, proof) = fixture();
    let elements = proof.bytes.len() / 32;
    let mut non_canonical = vec![];
    for e in 0..elements {
        let at = 32 * e + 31;
        for bit in 0..8 {
            match verify(params, vk, &flipped(proof, at, bit)) {
                Ok(()) => panic!("flip of bit {bit} of byte {at} (element {e}) verifies"),
                Err(VerifyError::NonCanonical { offset }) => {
                    assert_eq!((offset, bit), (32 * e, 7), "element {e}");
                    non_canonical.push(e);
                }
                Err(_) => {}
            }
        }
    }
    // Exactly the commitments (points) are caught as non-canonical: the 52 advice columns,
    // the vanishing argument's random polynomial and 3 quotient pieces, then 69 scalar
    // evaluations (whose decoder already rejects bit 255: the value would exceed the
    // modulus), then SHPLONK's two commitments. Before the fix exactly these 58 flips
    // verified.
    let points: Vec<usize> = (0..56).chain([elements - 2, elements - 1]).collect();
    assert_eq!(elements, 127);
    assert_eq!(non_canonical, points);
}

/// A sample of the other bits: for each element, two bits of its lower 31 bytes picked by
/// a fixed pseudo-random sequence.
#[test]
fn sampled_low_bit_flips_are_rejected() {
    let (params, vk, proof) = fixture();
    let mut rng = machine::testing::Rng::new(0x9e37_79b9_7f4a_7c15);
    for e in 0..proof.bytes.len() / 32 {
        for _ in 0..2 {
            let at = 32 * e + rng.index(31);
            let bit = rng.below(8) as u32;
            assert!(
                verify(params, vk, &flipped(proof, at, bit)).is_err(),
                "flip of bit {bit} of byte {at} (element {e}) verifies"
            );
        }
    }
}

/// The fuzzer's input (`25 e0 80`: XOR 0x80 into byte 57 381 mod the file length of the
/// proof file, the last byte of the third transcript element) is rejected as non-canonical.
#[test]
fn fuzz_regression_is_rejected() {
    let (params, vk, proof) = fixture();
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fuzz/regressions/parse_proof");
    let edits = std::fs::read(dir.join("scalar_top_bit_malleable.bin")).unwrap();
    // Applied as fuzz/src/proof.rs applies edit lists.
    let mut file = proof.to_bytes();
    for edit in edits.chunks_exact(3) {
        let at = usize::from(u16::from_le_bytes([edit[0], edit[1]])) % file.len();
        match edit[2] {
            0 => file.truncate(at.max(1)),
            x => file[at] ^= x,
        }
    }
    assert_ne!(file, proof.to_bytes());
    let edited = Proof::from_bytes(&file).unwrap();
    assert!(matches!(
        verify(params, vk, &edited),
        Err(VerifyError::NonCanonical { offset: 64 })
    ));
}

#[test]
fn trailing_transcript_bytes_are_rejected() {
    let (params, vk, proof) = fixture();
    for extra in [&[0u8][..], &[0; 32], &proof.bytes[..64]] {
        let mut longer = proof.clone();
        longer.bytes.extend_from_slice(extra);
        // The file format carries the longer length, so only verify can catch it.
        assert_eq!(Proof::from_bytes(&longer.to_bytes()).unwrap(), longer);
        assert!(matches!(
            verify(params, vk, &longer),
            Err(VerifyError::TrailingBytes { trailing }) if trailing == extra.len()
        ));
    }
    let mut short = proof.clone();
    short.bytes.pop();
    assert!(matches!(
        verify(params, vk, &short),
        Err(VerifyError::Rejected(_))
    ));
}
