//! EVM memory: one buffer shared by every call frame of a transaction.
//!
//! Each frame starts at a checkpoint (the end of its parent's memory). Memory grows in
//! 32-byte words and every growth is charged `C(new words) - C(old words)` with
//! `C(w) = 3*w + floor(w*w / 512)`, computed exactly as revm computes it (see [`memory_gas`]).
//!
//! The buffer is one anonymous memory mapping reserved once, so fresh memory is already
//! zero and never needs clearing; a returning child clears only the range it wrote (each
//! frame keeps the span of its writes), not everything it expanded.
//!
//! Tracing: `Memory<T: machine::Tracer = NoTrace>` reports every access as 8-byte word
//! cells of [`MEMORY_SPACE`], at [`cell_address`]`(frame serial, offset)`; see [`Memory`].
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
//!
//! ```
//! use evm_memory::{Memory, DEFAULT_LIMIT};
//! use machine::{Op, Traced, VecTracer};
//! let mut mem = Memory::with_tracer(DEFAULT_LIMIT, VecTracer::new()).unwrap();
//! let mut gas = 1_000;
//! mem.store_byte(9, 0xAB, &mut gas).unwrap(); // read of the old word 8, write of the new
//! let r = mem.tracer().records();
//! assert_eq!((r[0].op, r[0].address, r[0].value), (Op::Read, 8, 0));
//! assert_eq!((r[1].op, r[1].address, r[1].value), (Op::Write, 8, 0xAB00));
//! ```

mod error;
mod gas;
mod memory;
mod operand;
mod region;

pub use error::MemoryError;
pub use gas::{memory_gas, TABLE_WORDS};
pub use memory::{
    cell_address, Memory, DEFAULT_LIMIT, FRAME_SHIFT, MAX_FRAMES, MAX_RESERVATION, MEMORY_SPACE,
};
pub use operand::to_usize;
