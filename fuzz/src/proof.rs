//! `memory-proof` harness: [`parse_proof`], proof files and mutated real proofs through
//! `Proof::from_bytes` and `verify`.

use std::sync::OnceLock;

use memory_proof::{
    insecure_test_setup, keygen, prove, verify, Params, Proof, VerifyingKey, PROOF_MAGIC,
};

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
        let params = insecure_test_setup(k);
        let (_, vk) = keygen(&params);
        (params, vk)
    })
}

/// A real proof at `MIN_K` of a random consistent trace, made once.
pub fn valid_proof() -> &'static Proof {
    static PROOF: OnceLock<Proof> = OnceLock::new();
    PROOF.get_or_init(|| {
        let params = insecure_test_setup(memory_proof::MIN_K);
        let (pk, vk) = keygen(&params);
        let records = machine::testing::random_trace(7, VALID_RECORDS);
        let proof = prove(&params, &pk, &records).expect("a consistent trace proves");
        verify(&params, &vk, &proof).expect("the valid proof verifies");
        proof
    })
}

/// Every proof has exactly one accepted encoding (`memory_proof::verify` rejects
/// non-canonical transcript elements and trailing bytes): an edited proof that verifies
/// must be byte for byte the valid one. (Before that check, flipping bit 255 of a
/// commitment kept a proof valid: `regressions/parse_proof/scalar_top_bit_malleable.bin`,
/// fuzz/README.md.)
fn assert_unedited(proof: &Proof, valid: &Proof) {
    assert_eq!(proof, valid, "an edited proof verifies");
}

/// Proof files: `Proof::from_bytes` never panics and parses back what `to_bytes` writes.
/// Input that starts with the proof magic is a proof file; other input is a list of
/// edits of the valid proof's file bytes (3 bytes each: a 16-bit offset and a byte to
/// XOR in; XOR with 0 truncates the file there). A proof whose `k` is at most
/// [`MAX_FUZZ_K`] is verified against the insecure test setup for its `k`, never
/// panicking: an edited proof verifies only if its bytes are the valid proof's
/// ([`assert_unedited`]: edits that cancel out), and a proof file that verifies (a seed)
/// must not verify for another record count.
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
            assert_unedited(&proof, valid_proof());
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
