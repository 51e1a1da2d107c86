//! EVM memory: one buffer shared by every call frame of a transaction.
//!
//! Each frame starts at a checkpoint (the end of its parent's memory). Memory grows in
//! 32-byte words and every growth is charged `C(new words) - C(old words)` with
//! `C(w) = 3*w + floor(w*w / 512)`, computed exactly as revm computes it (see [`memory_gas`]).
//!
//! The buffer is one anonymous memory mapping reserved once, so fresh memory is already
//! zero and never needs clearing; only a returning child's bytes are cleared.
//!
//! ```
//! use evm_memory::Memory;
//! let mut mem = Memory::new().unwrap();
//! let mut gas = 1_000;
//! mem.store_word(0, &[7; 32], &mut gas).unwrap();
//! assert_eq!((mem.len(), gas), (32, 997));
//! mem.enter();
//! mem.store_byte(100, 1, &mut gas).unwrap();
//! mem.leave();
//! assert_eq!(mem.len(), 32);
//! ```

mod error;
mod gas;
mod memory;
mod operand;
mod region;

pub use error::MemoryError;
pub use gas::{memory_gas, TABLE_WORDS};
pub use memory::{Memory, DEFAULT_LIMIT, MAX_RESERVATION};
pub use operand::to_usize;
