//! The engine instance a `VM` owns, made shareable between threads as PyO3 requires.

use std::ops::{Deref, DerefMut};

use pvm::Instance;

/// An engine [`Instance`] that a `#[pyclass]` may hold.
///
/// PyO3 requires every class to be `Send + Sync`. `Instance` is `Send` but not `Sync`,
/// because its `Memory` holds the raw base pointer of the guest address space.
pub struct Engine(Instance);

// SAFETY: a shared `&Instance` only reads: every `&self` method of `Instance` and
// `Memory` reads registers, gas or guest memory, and neither type has interior
// mutability (no `Cell`, `RefCell` or atomics; the mapping is only written through
// `&mut self`). Concurrent reads of plain memory are sound, and PyO3's borrow checking
// hands out a `&mut Engine` only while no other borrow exists.
unsafe impl Sync for Engine {}

impl Engine {
    /// Wraps an instance.
    pub fn new(instance: Instance) -> Engine {
        Engine(instance)
    }
}

impl Deref for Engine {
    type Target = Instance;

    fn deref(&self) -> &Instance {
        &self.0
    }
}

impl DerefMut for Engine {
    fn deref_mut(&mut self) -> &mut Instance {
        &mut self.0
    }
}
