//! `memory-proof` harness: [`parse_proof`], proof files and mutated real proofs through
//! `Proof::from_bytes` and `verify`.

use std::sync::OnceLock;

use memory_proof::{keygen, prove, setup, verify, Params, Proof, VerifyingKey, PROOF_MAGIC};

/// Largest `k` whose parameters and keys the harness builds (larger proofs are parsed
/// only: setup grows as `2^k`).
pub const MAX_FUZZ_K: u32 = 10;

/// Records in the valid proof the harness mutates.
const VALID_RECORDS: usize = 40;

/// Parameters and verifying key for `k` (`MIN_K..=MAX_FUZZ_K`), built once.
fn keys(k: u32) -> &'static (Params, VerifyingKey) {
    static KEYS: [OnceLock<(Params, VerifyingKey)>; 2] = [OnceLock::new(), OnceLock::new()];
    let slot = &KEYS[(k - memory_proof::MIN_K) as usize];
    slot.get_or_init(|| {
        let params = setup(k);
        let (_, vk) = keygen(&params);
        (params, vk)
    })
}

/// A real proof at `MIN_K` of a random consistent trace, made once.
pub fn valid_proof() -> &'static Proof {
    static PROOF: OnceLock<Proof> = OnceLock::new();
    PROOF.get_or_init(|| {
        let params = setup(memory_proof::MIN_K);
        let (pk, vk) = keygen(&params);
        let records = machine::testing::random_trace(7, VALID_RECORDS);
        let proof = prove(&params, &pk, &records).expect("a consistent trace proves");
        verify(&params, &vk, &proof).expect("the valid proof verifies");
        proof
    })
}

/// An edited proof that verifies may differ from the valid one only in the top bit of
/// some 32-byte transcript element: halo2's transcript reader accepts an element with its
/// bit 255 flipped as the same scalar (or point) and hashes the parsed value, so the
/// proof is malleable there (see `regressions/parse_proof/scalar_top_bit_malleable.bin`
/// and fuzz/README.md). Anything else (another record count, `k`, length or byte) verifying
/// is a failure.
fn assert_malleable_only(proof: &Proof, valid: &Proof) {
    assert_eq!((proof.k, proof.records), (valid.k, valid.records));
    assert_eq!(
        proof.bytes.len(),
        valid.bytes.len(),
        "an edited proof verifies"
    );
    for (at, (a, b)) in proof.bytes.iter().zip(&valid.bytes).enumerate() {
        assert!(
            a == b || (at % 32 == 31 && a ^ b == 0x80),
            "an edited proof verifies (byte {at}: {b:#04x} -> {a:#04x})"
        );
    }
}

/// Proof files: `Proof::from_bytes` never panics and parses back what `to_bytes` writes.
/// Input that starts with the proof magic is a proof file; other input is a list of
/// edits of the valid proof's file bytes (3 bytes each: a 16-bit offset and a byte to
/// XOR in; XOR with 0 truncates the file there). A proof whose `k` is at most
/// [`MAX_FUZZ_K`] is verified against the insecure test setup for its `k`, never
/// panicking: an edited proof verifies only if it differs from the valid proof in nothing
/// but the top bits of transcript elements ([`assert_malleable_only`]), and a proof
/// file that verifies (a seed) must not verify for another record count.
pub fn parse_proof(data: &[u8]) {
    let edited = !data.starts_with(&PROOF_MAGIC);
    let file = if !edited {
        data.to_vec()
    } else {
        let mut file = valid_proof().to_bytes();
        for edit in data.chunks_exact(3) {
            let at = usize::from(u16::from_le_bytes([edit[0], edit[1]])) % file.len();
            match edit[2] {
                0 => file.truncate(at.max(1)),
                x => file[at] ^= x,
            }
        }
        file
    };
    let Ok(proof) = Proof::from_bytes(&file) else {
        return;
    };
    assert_eq!(proof.to_bytes(), file, "from_bytes/to_bytes round trip");
    if !(memory_proof::MIN_K..=MAX_FUZZ_K).contains(&proof.k) {
        // Still a typed mismatch against keys of another k, not a panic.
        let (params, vk) = keys(memory_proof::MIN_K);
        assert!(verify(params, vk, &proof).is_err());
        return;
    }
    let (params, vk) = keys(proof.k);
    if verify(params, vk, &proof).is_ok() {
        if edited {
            assert_malleable_only(&proof, valid_proof());
        }
        let other = Proof {
            records: proof.records ^ 1,
            ..proof
        };
        assert!(
            verify(params, vk, &other).is_err(),
            "a proof verifies for two record counts"
        );
    }
}
