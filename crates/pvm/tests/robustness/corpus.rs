//! The inputs: real programs (embedded, the conformance vectors, the guests) and the
//! mutations applied to them.

use super::*;

/// Real raw blobs (from the conformance vectors), so the test means something even
/// without `shared/`: the doc example, dynamic jumps through a jump table, a branch,
/// an indirect store, host calls and page faults in the middle of blocks, a gas-model
/// block and RISC-V test programs with loops.
pub(crate) const EMBEDDED_BLOBS: &[&[u8]] = &[
    &[0, 0, 5, 51, 7, 42, 50, 0, 0b1001],
    &[
        1, 1, 21, 10, 51, 7, 2, 149, 119, 156, 50, 7, 100, 0, 20, 8, 239, 190, 173, 222, 0, 0, 0,
        0, 0, 73, 6, 16,
    ],
    &[
        1, 1, 24, 13, 51, 7, 2, 149, 119, 156, 180, 119, 2, 210, 4, 100, 0, 20, 9, 239, 190, 173,
        222, 0, 0, 0, 0, 0, 73, 48, 128,
    ],
    &[
        0, 0, 20, 51, 7, 210, 4, 81, 39, 210, 4, 6, 0, 20, 7, 239, 190, 173, 222, 0, 0, 0, 0, 17,
        6, 0,
    ],
    &[0, 0, 4, 123, 120, 10, 0, 9],
    &[
        0, 0, 14, 51, 7, 0, 0, 3, 10, 3, 200, 120, 9, 10, 4, 50, 0, 161, 20,
    ],
    &[
        0, 0, 23, 51, 7, 0, 0, 3, 124, 120, 124, 121, 255, 15, 124, 122, 255, 31, 200, 152, 11,
        200, 171, 11, 50, 0, 161, 136, 36,
    ],
    &[
        0, 0, 26, 127, 121, 6, 132, 136, 7, 51, 10, 1, 151, 136, 8, 132, 153, 255, 248, 212, 152,
        8, 200, 168, 9, 120, 122, 2, 0, 73, 18, 73, 2,
    ],
    &[0, 0, 7, 124, 121, 11, 81, 9, 253, 0, 73],
    &[
        1, 1, 57, 22, 51, 0, 0, 0, 1, 131, 0, 255, 151, 0, 16, 50, 0, 51, 5, 2, 51, 0, 80, 27, 2,
        6, 40, 32, 58, 1, 0, 0, 1, 171, 177, 25, 51, 5, 3, 51, 0, 1, 1, 149, 0, 1, 149, 0, 1, 51,
        4, 3, 171, 64, 6, 82, 5, 4, 0, 40, 201, 33, 41, 69, 33, 201, 36, 201, 0,
    ],
    &[
        0, 0, 92, 51, 0, 0, 0, 1, 131, 0, 255, 151, 0, 16, 50, 0, 51, 5, 2, 51, 0, 51, 4, 171, 64,
        69, 51, 5, 3, 51, 0, 0, 240, 153, 0, 1, 51, 4, 0, 248, 171, 64, 52, 51, 5, 4, 51, 0, 0,
        240, 255, 127, 153, 0, 20, 51, 4, 255, 7, 171, 64, 33, 51, 5, 5, 51, 0, 0, 0, 0, 128, 153,
        0, 20, 51, 4, 0, 248, 171, 64, 14, 51, 5, 6, 51, 4, 82, 4, 6, 82, 5, 4, 0, 40, 166, 33, 41,
        149, 68, 34, 9, 18, 73, 144, 72, 74, 6,
    ],
];

/// The `"program": [..]` byte array of a conformance vector, by a minimal scan (no JSON
/// library): `None` if the key or a well-formed array of bytes is missing.
pub(crate) fn extract_program(json: &str) -> Option<Vec<u8>> {
    let start = json.find("\"program\"")? + "\"program\"".len();
    let rest = json[start..].trim_start().strip_prefix(':')?.trim_start();
    let body = &rest.strip_prefix('[')?[..rest.find(']')? - 1];
    body.split(',')
        .map(str::trim)
        .filter(|item| !item.is_empty())
        .map(|item| item.parse::<u8>().ok())
        .collect()
}

/// Raw blobs of the conformance vectors, if they are beside the repository.
pub(crate) fn vector_blobs() -> Vec<Vec<u8>> {
    let root = vectors_root();
    let mut files = Vec::new();
    for set in std::fs::read_dir(&root).into_iter().flatten().flatten() {
        let programs = set.path().join("programs");
        for file in std::fs::read_dir(programs).into_iter().flatten().flatten() {
            if file.path().extension().is_some_and(|e| e == "json") {
                files.push(file.path());
            }
        }
    }
    files.sort();
    files
        .iter()
        .filter_map(|path| extract_program(&std::fs::read_to_string(path).ok()?))
        .collect()
}

/// The repository's `.polkavm` files (guests and the container test sample).
pub(crate) fn container_files() -> Vec<Vec<u8>> {
    let root = workspace_root();
    let dirs = [root.join("guests/bin"), root.join("crates/pvm/tests/data")];
    let mut paths: Vec<PathBuf> = dirs
        .iter()
        .flat_map(|dir| std::fs::read_dir(dir).into_iter().flatten().flatten())
        .map(|entry| entry.path())
        .filter(|path| path.extension().is_some_and(|e| e == "polkavm"))
        .collect();
    paths.sort();
    paths
        .iter()
        .filter_map(|path| std::fs::read(path).ok())
        .collect()
}

/// Every real raw blob: embedded, vectors, and the code of each container.
pub(crate) fn seed_blobs() -> Vec<Vec<u8>> {
    let mut blobs: Vec<Vec<u8>> = EMBEDDED_BLOBS.iter().map(|b| b.to_vec()).collect();
    blobs.extend(vector_blobs());
    for bytes in container_files() {
        if let Ok(container) = Container::parse(&bytes) {
            let blob = RawBlob {
                code: container.code,
                bitmask: container.bitmask,
                jump_table: container.jump_table,
            };
            blobs.push(blob.encode());
        }
    }
    blobs
}

/// A JAM standard program around `blob`.
pub(crate) fn standard(ro: &[u8], rw: &[u8], heap_pages: u16, stack: u32, blob: &[u8]) -> Vec<u8> {
    pvm::format::encode_standard(ro, rw, heap_pages, stack, blob).expect("fields fit")
}

/// Re-encodes the header of a raw blob with one length field changed by `delta`,
/// leaving the body alone (`None` if the header does not parse).
pub(crate) fn bump_raw_length(bytes: &[u8], field: usize, delta: i64) -> Option<Vec<u8>> {
    let mut pos = 0;
    let varint = |pos: &mut usize| -> Option<u64> {
        let first = *bytes.get(*pos)?;
        let extra = first.leading_ones() as usize;
        let tail = bytes.get(*pos + 1..*pos + 1 + extra)?;
        let low = tail
            .iter()
            .rev()
            .fold(0u64, |acc, &b| (acc << 8) | u64::from(b));
        let high = if extra >= 8 {
            0
        } else {
            u64::from(first & (0x7F >> extra))
        };
        *pos += 1 + extra;
        Some(low | high.checked_shl(8 * extra as u32).unwrap_or(0))
    };
    let mut fields = [varint(&mut pos)?, 0, 0];
    fields[1] = u64::from(*bytes.get(pos)?);
    pos += 1;
    fields[2] = varint(&mut pos)?;
    fields[field] = fields[field].wrapping_add_signed(delta);
    let mut out = Vec::new();
    encode_varint(fields[0], &mut out);
    out.push(fields[1] as u8);
    encode_varint(fields[2], &mut out);
    out.extend_from_slice(&bytes[pos..]);
    Some(out)
}

/// One random mutation of `bytes`.
pub(crate) fn mutate(rng: &mut Rng, bytes: &[u8]) -> Vec<u8> {
    let mut out = bytes.to_vec();
    match rng.index(8) {
        0 if !out.is_empty() => {
            let at = rng.index(out.len());
            out[at] ^= 1 << rng.index(8);
        }
        1 if !out.is_empty() => {
            let at = rng.index(out.len());
            out[at] = rng.byte();
        }
        2 => {
            let at = rng.index(out.len() + 1);
            out.insert(at, rng.byte());
        }
        3 if !out.is_empty() => {
            out.remove(rng.index(out.len()));
        }
        4 => out.truncate(rng.index(out.len() + 1)),
        5 => {
            let delta = *rng.choose(&[-8, -1, 1, 2, 8, 1 << 20, 1 << 40, i64::MAX]);
            if let Some(bumped) = bump_raw_length(&out, rng.index(3), delta) {
                out = bumped;
            }
        }
        6 if !out.is_empty() => {
            // Overwrite a code byte with a random opcode of either numbering, keeping
            // the bitmask: exercises every instruction with real surroundings.
            let at = rng.index(out.len());
            out[at] = rng.choose(Opcode::ALL).byte(GpVersion::V0_8).unwrap_or(0);
        }
        _ => {
            let at = rng.index(out.len() + 1);
            let len = 1 + rng.index(8);
            let junk = rng.bytes(len);
            out.splice(at..at, junk);
        }
    }
    out
}
