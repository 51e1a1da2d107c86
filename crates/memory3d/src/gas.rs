//! Gas schedule (the document's table) and the meter that charges it.

use crate::error::VmError;

/// Load: 10 + 2/byte.
pub fn load_cost(size: u64) -> u64 {
    10u64.saturating_add(size.saturating_mul(2))
}
/// Store: 15 + 2/byte.
pub fn store_cost(size: u64) -> u64 {
    15u64.saturating_add(size.saturating_mul(2))
}
/// Allocate: 20 + 1/byte.
pub fn alloc_cost(size: u64) -> u64 {
    20u64.saturating_add(size)
}
/// Free: 5.
pub const FREE: u64 = 5;
/// Copy: 25 + 2/byte.
pub fn copy_cost(size: u64) -> u64 {
    25u64.saturating_add(size.saturating_mul(2))
}
/// Compact: 50 + 0.5/byte moved, rounded up.
pub fn compact_cost(bytes_moved: u64) -> u64 {
    50u64.saturating_add(bytes_moved.div_ceil(2))
}
/// Y-promotion (an allocation spanning more than one plane): 100.
pub const Y_PROMOTION: u64 = 100;
/// NOP.
pub const NOP: u64 = 1;
/// HALT.
pub const HALT: u64 = 1;
/// MOV.
pub const MOV: u64 = 2;
/// ADD and SUB.
pub const ARITH: u64 = 3;
/// MSIZE3D.
pub const MSIZE: u64 = 5;

/// Tracks gas used against a fixed limit. Invariant: `used <= limit`.
#[derive(Debug, Clone)]
pub struct GasMeter {
    limit: u64,
    used: u64,
}

impl GasMeter {
    /// A meter with nothing used.
    pub fn new(limit: u64) -> Self {
        Self { limit, used: 0 }
    }
    /// Charges `cost`, or fails with [`VmError::GasExhausted`] leaving the meter unchanged.
    pub fn charge(&mut self, cost: u64) -> Result<(), VmError> {
        if cost > self.remaining() {
            return Err(VmError::GasExhausted);
        }
        self.used += cost;
        Ok(())
    }
    /// Returns up to `amount` gas; `used` never goes below zero.
    pub fn refund(&mut self, amount: u64) {
        self.used = self.used.saturating_sub(amount);
    }
    /// Gas consumed so far.
    pub fn used(&self) -> u64 {
        self.used
    }
    /// Gas still available.
    pub fn remaining(&self) -> u64 {
        self.limit - self.used
    }
    /// The budget.
    pub fn limit(&self) -> u64 {
        self.limit
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table() {
        assert_eq!(load_cost(4), 18);
        assert_eq!(store_cost(4), 23);
        assert_eq!(alloc_cost(256), 276);
        assert_eq!(copy_cost(3), 31);
        assert_eq!(compact_cost(3), 52);
        assert_eq!(compact_cost(0), 50);
    }

    #[test]
    fn exhaustion_changes_nothing_and_refund_floors_at_zero() {
        let mut m = GasMeter::new(10);
        m.charge(7).unwrap();
        assert_eq!(m.charge(4), Err(VmError::GasExhausted));
        assert_eq!(m.used(), 7);
        m.charge(3).unwrap();
        assert_eq!(m.remaining(), 0);
        m.refund(100);
        assert_eq!(m.used(), 0);
        assert_eq!(m.remaining(), 10);
    }
}
