//! `evm-memory`: random op streams on `evm_memory::Memory`. Never panics; after every op
//! the size is a multiple of 32, the gas charged in the frame equals `C(words)`, a failed
//! op changed nothing, and a return leaves the parent's size and bytes as they were.
#![no_main]

use evm_memory::{memory_gas, Memory};

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

fn check(mem: &Memory, f: &Frame) {
    assert_eq!(mem.len() % 32, 0);
    assert_eq!(mem.cost(), memory_gas(mem.words() as u64));
    assert_eq!(f.charged, memory_gas(mem.words() as u64));
}

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    let mut inp = Input(data);
    let limit = match inp.byte() % 4 {
        0 => u64::MAX,
        1 => evm_memory::DEFAULT_LIMIT,
        _ => u64::from(u16::from_le_bytes([inp.byte(), inp.byte()])) * 8,
    };
    let Ok(mut mem) = Memory::with_limit(limit) else {
        return;
    };
    let root_gas = u64::from(u32::from_le_bytes([inp.byte(), inp.byte(), inp.byte(), 0]));
    let mut frames = vec![Frame {
        gas: root_gas,
        charged: 0,
        parent_snapshot: None,
    }];
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
            0 => mem.load_word(a, g).map(drop),
            1 => mem.store_word(a, &[op; 32], g),
            2 => mem.store_byte(a, op, g),
            3 => mem.copy_within(a, b, c % 8192, g),
            4 => mem.copy_from(a, &source, b, c % 8192, g),
            5 => mem.read(a, b % 8192, g).map(drop),
            6 => mem.expand(a, b, g),
            _ => mem.load_byte(a, g).map(drop),
        };
        match r {
            Ok(()) => {
                assert!(f.gas <= gas0);
                f.charged += gas0 - f.gas;
            }
            Err(_) => assert_eq!((mem.len(), mem.cost(), f.gas), (len0, cost0, gas0)),
        }
        check(&mem, f);
    }
});
