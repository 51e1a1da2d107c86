//! Gadgets: short instruction sequences that set up operands so that one instruction of a
//! group lands on a corner case (an interesting address, a zero divisor, a shift past the
//! width, a zero condition, a dynamic jump through the jump table). The groups come from
//! the ISA table (`groups`); each gadget names only the instructions it builds around.

mod arithmetic;
mod control;
mod memory;
