//! Inputs for the parsers and the validator: mutated blobs, random code behind a
//! well-formed header, and plain random bytes.

use crate::asm::jam_opcodes;
use crate::case::encode_blob;
use crate::rng::Rng;

/// `blob` with one to four random edits: byte flips, byte overwrites, insertions,
/// deletions, truncation, or an edit of the header's varints.
pub fn mutate_blob(rng: &mut Rng, blob: &[u8]) -> Vec<u8> {
    let mut out = blob.to_vec();
    for _ in 0..rng.range(1, 4) {
        if out.is_empty() {
            out.push(rng.byte());
            continue;
        }
        let at = rng.index(out.len());
        match rng.below(8) {
            0 | 1 => out[at] ^= 1 << rng.below(8),
            2 | 3 => out[at] = rng.byte(),
            4 => out.insert(at, rng.byte()),
            5 => {
                out.remove(at);
            }
            6 => out.truncate(at),
            _ => {
                // The header: jump-table length, entry size, code length.
                let field = rng.index(3.min(out.len()));
                out[field] = *rng.pick(&[0u8, 1, 2, 4, 5, 0x7F, 0x80, 0xC0, 0xFF]);
            }
        }
    }
    out
}

/// A well-formed header around random code, a random or mostly-set bitmask, and a small
/// random jump table: exercises instruction validation and the final-instruction rule.
pub fn random_code_blob(rng: &mut Rng) -> Vec<u8> {
    let len = rng.range(1, 48) as usize;
    let opcodes = jam_opcodes();
    let mut code: Vec<u8> = (0..len)
        .map(|_| {
            if rng.chance(1, 2) {
                crate::asm::opcode_byte(*rng.pick(&opcodes))
            } else {
                rng.byte()
            }
        })
        .collect();
    if rng.chance(1, 2) {
        // End in a trap so the final-instruction rule does not reject everything.
        *code.last_mut().expect("len >= 1") = crate::asm::opcode_byte(pvm::Opcode::Trap);
    }
    let mut bitmask: Vec<u8> = (0..len.div_ceil(8)).map(|_| rng.byte()).collect();
    if rng.chance(1, 2) {
        bitmask
            .iter_mut()
            .for_each(|b| *b |= rng.byte() | rng.byte());
    }
    bitmask[0] |= 1;
    if len % 8 != 0 && rng.chance(4, 5) {
        // Padding bits past the code are zero in a canonical encoding.
        let last = bitmask.len() - 1;
        bitmask[last] &= (1u8 << (len % 8)) - 1;
    }
    let entries: Vec<u32> = (0..rng.below(4))
        .map(|_| rng.below(len as u64 + 2) as u32)
        .collect();
    let entry_size = if entries.is_empty() {
        rng.below(5) as u8
    } else {
        rng.range(1, 4) as u8
    };
    encode_blob(&code, &bitmask, &entries, entry_size)
}

/// Up to 40 random bytes (almost always rejected by both parsers).
pub fn random_bytes(rng: &mut Rng) -> Vec<u8> {
    let len = rng.below(41) as usize;
    rng.bytes(len)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mutations_change_the_blob_and_random_code_parses() {
        let mut rng = Rng::new(3);
        let blob = encode_blob(&[0, 0, 0, 0], &[0b1111], &[], 0);
        let changed = (0..100)
            .filter(|_| mutate_blob(&mut rng, &blob) != blob)
            .count();
        assert!(changed > 90);
        // All parse except the deliberate non-zero bitmask padding (about 1 in 5).
        let parsed = (0..100)
            .filter(|_| pvm::format::RawBlob::parse(&random_code_blob(&mut rng)).is_ok())
            .count();
        assert!((60..100).contains(&parsed), "{parsed}");
    }
}
