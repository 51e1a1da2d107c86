//! The abstract machine traits.
//!
//! All traits are static: a machine is generic over its [`Tracer`] and implements these
//! traits directly, so a call through them is an ordinary (inlinable) method call. There is
//! no dynamic dispatch and no storage layout is imposed. Registers and stacks are views
//! over address spaces: [`RegisterFile`] and [`StackView`] implement [`Registers`] and
//! [`Stack`] over plain arrays and vectors, tracing every access in their space.

use crate::record::Space;
use crate::tracer::Tracer;

/// What one [`Machine::step`] did.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Step<E> {
    /// The machine can take another step.
    Continue,
    /// The machine stopped with this exit.
    Exit(E),
}

/// Something that reports its accesses to a tracer it owns.
pub trait Traced {
    /// The tracer type; [`crate::NoTrace`] makes tracing free.
    type Tracer: Tracer;
    /// The tracer.
    fn tracer(&self) -> &Self::Tracer;
    /// The tracer, mutably (e.g. to take its records).
    fn tracer_mut(&mut self) -> &mut Self::Tracer;
}

/// A machine that executes one instruction at a time.
pub trait Machine: Traced {
    /// Why the machine stopped (halt, trap, out of gas, ...).
    type Exit;
    /// An error that is not a machine exit (e.g. a malformed instruction stream).
    type Error;
    /// Executes one instruction.
    fn step(&mut self) -> Result<Step<Self::Exit>, Self::Error>;
    /// Executes until the machine stops. Machines override this with their fast loop;
    /// it must behave as repeated [`Machine::step`].
    fn run(&mut self) -> Result<Self::Exit, Self::Error> {
        loop {
            if let Step::Exit(exit) = self.step()? {
                return Ok(exit);
            }
        }
    }
}

/// A byte-addressed memory. Traced implementations report word cells (see
/// [`crate::cells`]).
pub trait Memory {
    /// Why an access failed (unmapped page, out of bounds, ...).
    type Error;
    /// Reads `buf.len()` bytes at `address`.
    fn read(&mut self, address: u64, buf: &mut [u8]) -> Result<(), Self::Error>;
    /// Writes `data` at `address`.
    fn write(&mut self, address: u64, data: &[u8]) -> Result<(), Self::Error>;
}

/// A register file: cells `0..register_count()` of one space.
pub trait Registers {
    /// Why an access failed (index out of range).
    type Error;
    /// How many registers there are.
    fn register_count(&self) -> usize;
    /// Reads register `index`.
    fn register(&mut self, index: usize) -> Result<u64, Self::Error>;
    /// Writes register `index`.
    fn set_register(&mut self, index: usize, value: u64) -> Result<(), Self::Error>;
}

/// A stack of 64-bit values: slot `i` (0 = bottom) is cell `i` of one space.
pub trait Stack {
    /// Why an access failed (underflow, overflow).
    type Error;
    /// How many values are on the stack.
    fn depth(&self) -> usize;
    /// Pushes a value (a write of slot `depth`).
    fn push(&mut self, value: u64) -> Result<(), Self::Error>;
    /// Pops a value (a read of slot `depth - 1`).
    fn pop(&mut self) -> Result<u64, Self::Error>;
}

/// Errors of the generic [`RegisterFile`] and [`StackView`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum ViewError {
    /// A register index past the end of the file.
    #[error("register {index} does not exist (there are {count})")]
    NoSuchRegister {
        /// The index asked for.
        index: usize,
        /// The number of registers.
        count: usize,
    },
    /// A pop from an empty stack.
    #[error("stack underflow")]
    StackUnderflow,
    /// A push onto a full stack.
    #[error("stack overflow (limit {limit})")]
    StackOverflow {
        /// The maximum depth.
        limit: usize,
    },
}

/// A traced view of `N` registers as cells `0..N` of `space`.
pub struct RegisterFile<'a, T: Tracer, const N: usize> {
    values: &'a mut [u64; N],
    tracer: &'a mut T,
    space: Space,
}

impl<'a, T: Tracer, const N: usize> RegisterFile<'a, T, N> {
    /// A view over `values` reporting to `tracer` in `space`.
    pub fn new(values: &'a mut [u64; N], tracer: &'a mut T, space: Space) -> Self {
        RegisterFile {
            values,
            tracer,
            space,
        }
    }
}

impl<T: Tracer, const N: usize> Registers for RegisterFile<'_, T, N> {
    type Error = ViewError;
    fn register_count(&self) -> usize {
        N
    }
    #[inline]
    fn register(&mut self, index: usize) -> Result<u64, ViewError> {
        let value = *self
            .values
            .get(index)
            .ok_or(ViewError::NoSuchRegister { index, count: N })?;
        self.tracer.read(self.space, index as u64, value);
        Ok(value)
    }
    #[inline]
    fn set_register(&mut self, index: usize, value: u64) -> Result<(), ViewError> {
        let slot = self
            .values
            .get_mut(index)
            .ok_or(ViewError::NoSuchRegister { index, count: N })?;
        *slot = value;
        self.tracer.write(self.space, index as u64, value);
        Ok(())
    }
}

/// A traced view of a vector as a stack of at most `limit` values in `space`.
pub struct StackView<'a, T: Tracer> {
    values: &'a mut Vec<u64>,
    tracer: &'a mut T,
    space: Space,
    limit: usize,
}

impl<'a, T: Tracer> StackView<'a, T> {
    /// A view over `values` (bottom first) reporting to `tracer` in `space`.
    pub fn new(values: &'a mut Vec<u64>, tracer: &'a mut T, space: Space, limit: usize) -> Self {
        StackView {
            values,
            tracer,
            space,
            limit,
        }
    }
}

impl<T: Tracer> Stack for StackView<'_, T> {
    type Error = ViewError;
    fn depth(&self) -> usize {
        self.values.len()
    }
    #[inline]
    fn push(&mut self, value: u64) -> Result<(), ViewError> {
        if self.values.len() >= self.limit {
            return Err(ViewError::StackOverflow { limit: self.limit });
        }
        self.tracer
            .write(self.space, self.values.len() as u64, value);
        self.values.push(value);
        Ok(())
    }
    #[inline]
    fn pop(&mut self) -> Result<u64, ViewError> {
        let value = self.values.pop().ok_or(ViewError::StackUnderflow)?;
        self.tracer
            .read(self.space, self.values.len() as u64, value);
        Ok(value)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::record::Op;
    use crate::tracer::{NoTrace, VecTracer};

    #[test]
    fn register_file_traces_and_rejects_bad_indices() {
        let mut regs = [0u64; 4];
        let mut tracer = VecTracer::new();
        let mut file = RegisterFile::new(&mut regs, &mut tracer, Space(0));
        file.set_register(2, 9).unwrap();
        assert_eq!(file.register(2), Ok(9));
        assert_eq!(
            file.register(4),
            Err(ViewError::NoSuchRegister { index: 4, count: 4 })
        );
        let ops: Vec<_> = tracer
            .records()
            .iter()
            .map(|r| (r.time, r.op, r.address, r.value))
            .collect();
        assert_eq!(ops, vec![(0, Op::Write, 2, 9), (1, Op::Read, 2, 9)]);
    }

    #[test]
    fn stack_view_push_pop() {
        let mut values = Vec::new();
        let mut tracer = VecTracer::new();
        let mut stack = StackView::new(&mut values, &mut tracer, Space(2), 2);
        stack.push(5).unwrap();
        stack.push(6).unwrap();
        assert_eq!(stack.push(7), Err(ViewError::StackOverflow { limit: 2 }));
        assert_eq!(stack.pop(), Ok(6));
        assert_eq!(stack.pop(), Ok(5));
        assert_eq!(stack.pop(), Err(ViewError::StackUnderflow));
        let ops: Vec<_> = tracer
            .records()
            .iter()
            .map(|r| (r.op, r.address, r.value))
            .collect();
        assert_eq!(
            ops,
            vec![
                (Op::Write, 0, 5),
                (Op::Write, 1, 6),
                (Op::Read, 1, 6),
                (Op::Read, 0, 5)
            ]
        );
    }

    #[test]
    fn no_trace_views_work_untraced() {
        let mut regs = [1u64, 2];
        let mut tracer = NoTrace;
        let mut file = RegisterFile::new(&mut regs, &mut tracer, Space(0));
        assert_eq!(file.register(1), Ok(2));
    }
}
