//! `evm-memory` harnesses: random op streams on `evm_memory::Memory`, untraced
//! ([`evm_memory`]) and traced against untraced ([`evm_memory_traced`]).

use evm_memory::{cell_address, memory_gas, Memory, MemoryError, MEMORY_SPACE};
use machine::{Tracer, VecTracer};

use crate::traced::{check_agrees, final_cells};

/// Reads input bytes as little-endian integers, zero past the end.
struct Input<'a>(&'a [u8]);

impl Input<'_> {
    fn byte(&mut self) -> u8 {
        let (&b, rest) = self.0.split_first().unwrap_or((&0, &[]));
        self.0 = rest;
        b
    }
    /// An offset or length: small, word-aligned, near a power of two or huge.
    fn num(&mut self) -> usize {
        let sel = self.byte();
        let v = u16::from_le_bytes([self.byte(), self.byte()]) as usize;
        match sel % 8 {
            0 => 0,
            1..=3 => v % 4096,
            4 => (v % 2048) * 32,
            5 => (1usize << (v % 64))
                .wrapping_add((sel as usize >> 3) % 3)
                .wrapping_sub(1),
            6 => usize::MAX - v % 64,
            _ => v,
        }
    }
}

struct Frame {
    gas: u64,
    charged: u64,
    parent_snapshot: Option<(usize, Vec<u8>)>,
}

fn check<T: Tracer>(mem: &Memory<T>, f: &Frame) {
    assert_eq!(mem.len() % 32, 0);
    assert_eq!(mem.cost(), memory_gas(mem.words() as u64));
    assert_eq!(f.charged, memory_gas(mem.words() as u64));
}

/// What one op of a stream did: the bytes it returned (or its error) and the gas left.
pub type OpResult = (Result<Vec<u8>, MemoryError>, u64);

/// The memory limit the input asks for (its first bytes).
fn limit(inp: &mut Input<'_>) -> u64 {
    match inp.byte() % 4 {
        0 => u64::MAX,
        1 => evm_memory::DEFAULT_LIMIT,
        _ => u64::from(u16::from_le_bytes([inp.byte(), inp.byte()])) * 8,
    }
}

/// Runs the op stream of `data` (after the limit bytes, see [`evm_memory`]) on `mem`,
/// asserting after every op that the size is a multiple of 32, the gas charged in the
/// frame equals `C(words)`, a failed op changed nothing and a return leaves the parent's
/// size and bytes as they were. Returns every op's result.
fn run_stream<T: Tracer>(mut inp: Input<'_>, mem: &mut Memory<T>) -> Vec<OpResult> {
    let root_gas = u64::from(u32::from_le_bytes([inp.byte(), inp.byte(), inp.byte(), 0]));
    let mut frames = vec![Frame {
        gas: root_gas,
        charged: 0,
        parent_snapshot: None,
    }];
    let mut results = Vec::new();
    let source: Vec<u8> = (0..=255u8).collect();
    while !inp.0.is_empty() {
        let op = inp.byte();
        if op % 10 == 8 && frames.len() < 64 {
            let snapshot = (mem.len(), mem.as_slice().to_vec());
            mem.enter();
            let gas = u64::from(u16::from_le_bytes([inp.byte(), inp.byte()])) * 64;
            frames.push(Frame {
                gas,
                charged: 0,
                parent_snapshot: Some(snapshot),
            });
            continue;
        }
        if op % 10 == 9 {
            if frames.len() > 1 {
                let f = frames.pop().unwrap();
                assert!(mem.leave());
                let (len, bytes) = f.parent_snapshot.unwrap();
                assert_eq!(mem.len(), len);
                assert_eq!(mem.as_slice(), &bytes[..]);
            } else {
                assert!(!mem.leave());
            }
            continue;
        }
        let f = frames.last_mut().unwrap();
        let (len0, cost0, gas0) = (mem.len(), mem.cost(), f.gas);
        let (a, b, c) = (inp.num(), inp.num(), inp.num());
        let g = &mut f.gas;
        let r = match op % 10 {
            0 => mem.load_word(a, g).map(|w| w.to_vec()),
            1 => mem.store_word(a, &[op; 32], g).map(|()| vec![]),
            2 => mem.store_byte(a, op, g).map(|()| vec![]),
            3 => mem.copy_within(a, b, c % 8192, g).map(|()| vec![]),
            4 => mem.copy_from(a, &source, b, c % 8192, g).map(|()| vec![]),
            5 => mem.read(a, b % 8192, g).map(<[u8]>::to_vec),
            6 => mem.expand(a, b, g).map(|()| vec![]),
            _ => mem.load_byte(a, g).map(|b| vec![b]),
        };
        match r {
            Ok(_) => {
                assert!(f.gas <= gas0);
                f.charged += gas0 - f.gas;
            }
            Err(_) => assert_eq!((mem.len(), mem.cost(), f.gas), (len0, cost0, gas0)),
        }
        check(mem, f);
        results.push((r, f.gas));
    }
    results
}

/// Random op streams on an untraced memory: the first bytes pick the limit and the
/// root frame's gas, then each op byte picks an op (`% 10`: load/store word, store byte,
/// copy within, copy from a source, read, expand, load byte, call, return) and its
/// operands. Never panics; see [`run_stream`] for the properties.
pub fn evm_memory(data: &[u8]) {
    let mut inp = Input(data);
    let Ok(mut mem) = Memory::with_limit(limit(&mut inp)) else {
        return;
    };
    run_stream(inp, &mut mem);
}

/// The [`evm_memory`] stream on an untraced and a traced memory: the same results, gas,
/// size and bytes; the trace passes `check` (and `replay` agrees), uses only
/// `MEMORY_SPACE`, word-aligned cells, and ends with the current frame's words.
pub fn evm_memory_traced(data: &[u8]) {
    let mut inp = Input(data);
    let limit = limit(&mut inp);
    let (Ok(mut plain), Ok(mut traced)) = (
        Memory::with_limit(limit),
        Memory::with_tracer(limit, VecTracer::new()),
    ) else {
        return;
    };
    let expected = run_stream(Input(inp.0), &mut plain);
    let results = run_stream(inp, &mut traced);
    assert_eq!(results, expected, "traced results differ");
    assert_eq!(
        (plain.len(), plain.cost(), plain.depth()),
        (traced.len(), traced.cost(), traced.depth())
    );
    assert_eq!(plain.as_slice(), traced.as_slice());
    let serial = traced.frame_serial();
    let bytes = traced.as_slice().to_vec();
    let records = traced.into_tracer().take_records();
    assert!(records.iter().all(|r| r.space == MEMORY_SPACE));
    assert!(records.iter().all(|r| r.address % 8 == 0));
    if let Err(violation) = check_agrees(&records) {
        panic!(
            "inconsistent trace: {violation} (record {:?})",
            records[violation.index()]
        );
    }
    let cells = final_cells(&records);
    for (k, word) in bytes.chunks_exact(8).enumerate() {
        let offset = 8 * k as u64;
        let value = u64::from_le_bytes(word.try_into().unwrap());
        let traced = cells
            .get(&(MEMORY_SPACE, cell_address(serial, offset)))
            .copied()
            .unwrap_or(0);
        assert_eq!(traced, value, "word {offset:#x} of frame {serial}");
    }
}
