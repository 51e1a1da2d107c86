//! Regression tests for flaws known from other EVM memory implementations, and the basic
//! contract of the API.

use evm_memory::{memory_gas, Memory, MemoryError};

#[test]
fn aborted_expansion_does_not_make_the_next_one_free() {
    let mut mem = Memory::new().unwrap();
    let mut gas = 10; // 64 words cost 3*64 + 8 = 200
    assert_eq!(mem.expand(0, 64 * 32, &mut gas), Err(MemoryError::OutOfGas));
    assert_eq!((mem.len(), mem.cost(), gas), (0, 0, 10));
    let mut gas = 1_000;
    mem.expand(0, 64 * 32, &mut gas).unwrap();
    assert_eq!((mem.len(), gas), (64 * 32, 1_000 - 200));
}

#[test]
fn parent_unchanged_after_child_wrote_and_returned() {
    let mut mem = Memory::new().unwrap();
    let mut gas = 1_000_000;
    mem.store_word(0, &[0x11; 32], &mut gas).unwrap();
    let parent: Vec<u8> = mem.as_slice().to_vec();
    mem.enter();
    assert_eq!((mem.len(), mem.depth()), (0, 1));
    let mut child_gas = 1_000_000;
    mem.store_word(0, &[0x22; 32], &mut child_gas).unwrap();
    mem.copy_from(100, b"abc", 0, 5000, &mut child_gas).unwrap();
    assert!(mem.leave());
    assert_eq!(mem.len(), 32);
    assert_eq!(mem.as_slice(), &parent[..]);
    // The child's bytes were cleared: a parent expansion over them reads zero.
    mem.expand(0, 6000, &mut gas).unwrap();
    assert!(mem.as_slice()[32..].iter().all(|&b| b == 0));
    assert!(!mem.leave());
}

#[test]
fn zero_length_at_2_pow_255_charges_nothing() {
    let mut mem = Memory::new().unwrap();
    let mut gas = 0;
    let r = mem.expand_operands(&[0, 0, 0, 1 << 63], &[0; 4], &mut gas);
    assert_eq!(r, Ok((0, 0)));
    assert_eq!(mem.read(usize::MAX, 0, &mut gas), Ok(&[][..]));
    mem.copy_within(usize::MAX, usize::MAX, 0, &mut gas)
        .unwrap();
    mem.copy_from(usize::MAX, b"x", 0, 0, &mut gas).unwrap();
    mem.write(usize::MAX, &[], &mut gas).unwrap();
    assert_eq!((mem.len(), gas), (0, 0));
}

#[test]
fn errors_change_nothing() {
    let mut mem = Memory::with_limit(1024).unwrap();
    let mut gas = 1_000;
    mem.store_byte(40, 9, &mut gas).unwrap();
    assert_eq!((mem.len(), gas), (64, 994));
    assert_eq!(
        mem.expand(usize::MAX, 2, &mut gas),
        Err(MemoryError::Overflow)
    );
    assert_eq!(
        mem.expand(1000, 25, &mut gas),
        Err(MemoryError::LimitExceeded)
    );
    assert_eq!(
        mem.expand_operands(&[0, 1, 0, 0], &[1, 0, 0, 0], &mut gas),
        Err(MemoryError::Overflow)
    );
    let mut little = 2;
    assert_eq!(
        mem.store_word(64, &[1; 32], &mut little),
        Err(MemoryError::OutOfGas)
    );
    assert_eq!((mem.len(), mem.cost(), gas, little), (64, 6, 994, 2));
    mem.expand(1000, 24, &mut gas).unwrap();
    assert_eq!(mem.len(), 1024);
}

#[test]
fn limit_counts_from_the_shared_buffer_start() {
    let mut mem = Memory::with_limit(128).unwrap();
    let mut gas = 1_000;
    mem.resize(96, &mut gas).unwrap();
    mem.enter();
    assert_eq!(mem.checkpoint(), 96);
    let mut g = 1_000;
    mem.resize(32, &mut g).unwrap();
    assert_eq!(mem.resize(33, &mut g), Err(MemoryError::LimitExceeded));
}

#[test]
fn reads_writes_and_copies() {
    let mut mem = Memory::new().unwrap();
    let mut gas = 1_000_000;
    let mut word = [0u8; 32];
    for (i, b) in word.iter_mut().enumerate() {
        *b = i as u8;
    }
    mem.store_word(1, &word, &mut gas).unwrap();
    assert_eq!(mem.len(), 64);
    assert_eq!(mem.load_word(1, &mut gas).unwrap(), word);
    assert_eq!(mem.load_byte(0, &mut gas).unwrap(), 0);
    assert_eq!(mem.load_byte(32, &mut gas).unwrap(), 31);
    mem.copy_within(2, 1, 32, &mut gas).unwrap();
    assert_eq!(&mem.as_slice()[2..34], &word[..]);
    mem.copy_from(60, b"hello", 3, 6, &mut gas).unwrap();
    assert_eq!(&mem.as_slice()[60..66], b"lo\0\0\0\0");
    assert_eq!(mem.len(), 96);
    mem.write(200, b"xyz", &mut gas).unwrap();
    assert_eq!(mem.read(199, 5, &mut gas).unwrap(), b"\0xyz\0");
    assert_eq!(mem.len(), 224);
    assert_eq!(1_000_000 - gas, memory_gas(7));
}

#[test]
fn reset_returns_to_an_empty_root() {
    let mut mem = Memory::new().unwrap();
    let mut gas = 1_000_000;
    mem.store_word(64, &[3; 32], &mut gas).unwrap();
    mem.enter();
    mem.store_word(0, &[4; 32], &mut gas).unwrap();
    mem.reset();
    assert_eq!((mem.depth(), mem.len(), mem.cost()), (0, 0, 0));
    mem.resize(200, &mut gas).unwrap();
    assert!(mem.as_slice().iter().all(|&b| b == 0));
}
