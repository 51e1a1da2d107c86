//! The written-range invariant: a frame clears only the bytes it may have written (on
//! return and on `reset`), and zero-filling writes skip bytes that are still zero. Memory
//! must read as zero wherever EVM semantics say so: after expansion, in a new child frame,
//! after `reset`. Every write path is checked to record what it writes, and a random op
//! stream is compared byte for byte with a plain `Vec<u8>`-per-frame model.

use evm_memory::Memory;
use machine::testing::Rng;

const BIG: usize = 256 << 10;

/// Every way of writing into the current frame, each writing non-zero bytes at `offset`.
#[derive(Clone, Copy, Debug)]
enum Path {
    StoreWord,
    StoreByte,
    Write,
    CopyWithin,
    CopyFrom,
    AsMutSlice,
    MachineWrite,
}

const PATHS: [Path; 7] = [
    Path::StoreWord,
    Path::StoreByte,
    Path::Write,
    Path::CopyWithin,
    Path::CopyFrom,
    Path::AsMutSlice,
    Path::MachineWrite,
];

/// Writes non-zero bytes at `offset` (inside a frame of at least `offset + 64` bytes, or
/// expanding it) through `path`.
fn write_at(mem: &mut Memory, path: Path, offset: usize, gas: &mut u64) {
    match path {
        Path::StoreWord => mem.store_word(offset, &[0xA5; 32], gas).unwrap(),
        Path::StoreByte => mem.store_byte(offset, 0x5A, gas).unwrap(),
        Path::Write => mem.write(offset, &[0xC3; 45], gas).unwrap(),
        Path::CopyWithin => {
            // A non-zero source written elsewhere, copied to `offset`.
            let src = if offset >= 100 {
                offset - 100
            } else {
                offset + 100
            };
            mem.store_word(src, &[0x3C; 32], gas).unwrap();
            mem.copy_within(offset, src, 40, gas).unwrap();
        }
        Path::CopyFrom => mem
            .copy_from(offset, b"\x01\x02calldata", 0, 50, gas)
            .unwrap(),
        Path::AsMutSlice => {
            mem.expand(offset, 7, gas).unwrap();
            mem.as_mut_slice()[offset..offset + 7].copy_from_slice(b"mutable");
        }
        Path::MachineWrite => {
            mem.expand(offset, 9, gas).unwrap();
            machine::Memory::write(mem, offset as u64, b"\xFFmachine\xFF").unwrap();
        }
    }
}

/// Expands the current frame to `size` bytes and asserts that all of it reads zero.
fn assert_zero_frame(mem: &mut Memory, size: usize, what: &str) {
    let mut gas = u64::MAX;
    mem.resize(size, &mut gas).unwrap();
    let nonzero = mem.as_slice().iter().position(|&b| b != 0);
    assert_eq!(nonzero, None, "{what}: non-zero byte in a fresh frame");
}

/// A child expanded to 256 KiB writes sparsely (start, unaligned middle, end) through each
/// path and returns; the next child reads zeros everywhere, and the parent is unchanged.
#[test]
fn sparse_writes_in_a_large_child_are_cleared_on_return() {
    for path in PATHS {
        let mut mem = Memory::new().unwrap();
        let mut gas = u64::MAX;
        mem.store_word(0, &[0x11; 32], &mut gas).unwrap();
        let parent = mem.as_slice().to_vec();
        mem.enter();
        let mut g = u64::MAX;
        mem.expand(0, BIG, &mut g).unwrap();
        for offset in [0, 1, BIG / 2 + 13, BIG - 64] {
            write_at(&mut mem, path, offset, &mut g);
        }
        assert!(mem.as_slice().iter().any(|&b| b != 0));
        assert!(mem.leave());
        assert_eq!(mem.as_slice(), &parent[..], "{path:?}: parent changed");
        mem.enter();
        assert_zero_frame(&mut mem, BIG, &format!("{path:?} after return"));
        mem.leave();
    }
}

/// The same writes in the root frame (and in an unreturned child) are cleared by `reset`.
#[test]
fn sparse_writes_are_cleared_by_reset() {
    for path in PATHS {
        let mut mem = Memory::new().unwrap();
        let mut gas = u64::MAX;
        mem.expand(0, BIG, &mut gas).unwrap();
        write_at(&mut mem, path, 5, &mut gas);
        write_at(&mut mem, path, BIG - 100, &mut gas);
        mem.enter();
        let mut g = u64::MAX;
        write_at(&mut mem, path, 3000, &mut g);
        mem.reset();
        assert_zero_frame(&mut mem, 2 * BIG, &format!("{path:?} after reset"));
    }
}

/// Writes that grow the frame (the frame's only write is past everything expanded so far)
/// are recorded too, in every frame of a deep stack.
#[test]
fn growing_writes_in_nested_frames_are_cleared() {
    for path in PATHS {
        let mut mem = Memory::new().unwrap();
        for depth in 0..20 {
            mem.enter();
            let mut g = u64::MAX;
            write_at(&mut mem, path, 64 + depth * 4096, &mut g);
        }
        for _ in 0..20 {
            mem.leave();
        }
        assert_zero_frame(&mut mem, 21 * 4096 + 256, &format!("{path:?} nested"));
    }
}

/// A frame whose written range covers more than 32 MiB is cleared by handing pages back
/// (`madvise`) rather than by `memset`: the bytes read zero all the same. (`as_mut_slice`
/// marks the whole frame written.)
#[test]
fn a_written_range_above_the_madvise_threshold_is_cleared() {
    let mut mem = Memory::new().unwrap();
    mem.enter();
    let mut g = u64::MAX;
    let far = 40 << 20;
    mem.expand(0, far + 32, &mut g).unwrap();
    let bytes = mem.as_mut_slice();
    bytes[3] = 7;
    bytes[far / 2] = 8;
    bytes[far + 31] = 9;
    mem.leave();
    mem.enter();
    assert_zero_frame(&mut mem, far + 32, "40 MiB range");
}

/// Zero-filling writes skip bytes outside the written range but must still zero bytes that
/// were written: CALLDATACOPY padding and MCOPY from never-written memory over written
/// bytes.
#[test]
fn zero_fills_overwrite_written_bytes() {
    let mut mem = Memory::new().unwrap();
    let mut gas = u64::MAX;
    mem.write(100, &[0xEE; 1000], &mut gas).unwrap();
    // Padding from byte 3 of the copy on: 97 + 3 = 100 .. 1100 must be zero again.
    mem.copy_from(97, b"abcdef", 3, 2000, &mut gas).unwrap();
    assert_eq!(&mem.as_slice()[97..100], b"def");
    assert!(mem.as_slice()[100..2097].iter().all(|&b| b == 0));

    mem.write(5000, &[0xDD; 300], &mut gas).unwrap();
    // Copy never-written bytes (far above) over them.
    mem.copy_within(4900, 20_000, 600, &mut gas).unwrap();
    assert!(mem.as_slice()[4900..5500].iter().all(|&b| b == 0));

    // Source partly written: the written part moves, the rest of the destination is zero.
    mem.write(8000, &[0x77; 40], &mut gas).unwrap();
    mem.write(9000, &[0x66; 500], &mut gas).unwrap();
    mem.copy_within(8990, 7980, 100, &mut gas).unwrap();
    let s = mem.as_slice();
    assert!(s[8990..9010].iter().all(|&b| b == 0));
    assert!(s[9010..9050].iter().all(|&b| b == 0x77));
    assert!(s[9050..9090].iter().all(|&b| b == 0));
    assert!(s[9090..9500].iter().all(|&b| b == 0x66));
}

/// Random op streams (every write path, overlapping MCOPY over written and never-written
/// bytes, padded copies, expansion, calls, returns, resets) against a model that keeps
/// one zero-initialised `Vec<u8>` per frame: the whole current frame is compared after
/// every op. Offsets are mostly below 3 000, sometimes below 40 000 (a few written
/// ranges per frame).
#[test]
fn random_streams_match_a_vec_model() {
    model_streams(1..=60, 40_000);
}

/// The same with offsets sometimes up to 600 000: frames with many far-apart writes (more
/// written ranges than a frame keeps, merged ranges, MCOPY across ranges).
#[test]
fn sparse_random_streams_match_a_vec_model() {
    model_streams(1001..=1020, 600_000);
}

fn model_streams(seeds: std::ops::RangeInclusive<u64>, far: u64) {
    for seed in seeds {
        let mut rng = Rng::new(seed);
        let mut mem = Memory::new().unwrap();
        let mut model: Vec<Vec<u8>> = vec![Vec::new()];
        let source: Vec<u8> = (1..=70).collect();
        for step in 0..1500 {
            let max = if rng.index(8) == 0 {
                far as usize
            } else {
                3000
            };
            let off = rng.index(max);
            let long = rng.index(4) == 0;
            let len = 1 + rng.index(if long { 2000 } else { 70 });
            let mut gas = u64::MAX;
            let frame = model.last_mut().unwrap();
            let grow = |frame: &mut Vec<u8>, end: usize| {
                if end > frame.len() {
                    frame.resize(end.div_ceil(32) * 32, 0);
                }
            };
            match rng.index(12) {
                0 => {
                    let w = [rng.byte() | 1; 32];
                    mem.store_word(off, &w, &mut gas).unwrap();
                    grow(frame, off + 32);
                    frame[off..off + 32].copy_from_slice(&w);
                }
                1 => {
                    let b = rng.byte();
                    mem.store_byte(off, b, &mut gas).unwrap();
                    grow(frame, off + 1);
                    frame[off] = b;
                }
                2 => {
                    let data: Vec<u8> = (0..len).map(|_| rng.byte()).collect();
                    mem.write(off, &data, &mut gas).unwrap();
                    grow(frame, off + len);
                    frame[off..off + len].copy_from_slice(&data);
                }
                3 | 4 => {
                    let src = rng.index(max);
                    mem.copy_within(off, src, len, &mut gas).unwrap();
                    grow(frame, off.max(src) + len);
                    frame.copy_within(src..src + len, off);
                }
                5 => {
                    let so = rng.index(80);
                    let sl = rng.index(70);
                    mem.copy_from(off, &source[..sl], so, len, &mut gas)
                        .unwrap();
                    grow(frame, off + len);
                    let avail = source[..sl].get(so..).unwrap_or(&[]);
                    let n = avail.len().min(len);
                    frame[off..off + n].copy_from_slice(&avail[..n]);
                    frame[off + n..off + len].fill(0);
                }
                6 => {
                    let got = mem.read(off, len, &mut gas).unwrap().to_vec();
                    grow(frame, off + len);
                    assert_eq!(got, frame[off..off + len], "seed {seed} step {step}: read");
                }
                7 if !mem.is_empty() => {
                    let at = rng.index(mem.len());
                    let b = rng.byte();
                    if rng.index(2) == 0 {
                        mem.as_mut_slice()[at] = b;
                    } else {
                        machine::Memory::write(&mut mem, at as u64, &[b]).unwrap();
                    }
                    frame[at] = b;
                }
                8 => {
                    mem.expand(off, len, &mut gas).unwrap();
                    grow(frame, off + len);
                }
                9 if model.len() < 12 => {
                    mem.enter();
                    model.push(Vec::new());
                }
                10 if model.len() > 1 => {
                    assert!(mem.leave());
                    model.pop();
                }
                11 if rng.index(10) == 0 => {
                    mem.reset();
                    model = vec![Vec::new()];
                }
                _ => {}
            }
            let frame = model.last().unwrap();
            assert_eq!(mem.len(), frame.len(), "seed {seed} step {step}: size");
            if mem.as_slice() != &frame[..] {
                let at = (0..frame.len()).find(|&i| mem.as_slice()[i] != frame[i]);
                panic!("seed {seed} step {step}: bytes differ at {at:?}");
            }
        }
    }
}
